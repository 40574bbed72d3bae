/* SPDX-License-Identifier: Apache-2.0 */
/* reaper-runtime's commands, shared between its two files. */
#ifndef REAPER_RUNTIME_APPLET_H
#define REAPER_RUNTIME_APPLET_H

#include <getopt.h>
#include <stdbool.h>

#include "container.h"

/* How long state and delete wait for the monitor of a process that has just exited to record it. */
#define SETTLE_TIMEOUT_MS 5000

struct cli {
	struct runtime rt;
	const char *prog;
};

/* Print an error the runc way: "prog: message" on stderr and, if a log is configured, logged. */
int cli_fail(const struct cli *cli, struct error *err);
int cli_usage(const struct cli *cli, const char *usage);
/* getopt_long_only over the command's arguments (runc accepts -flag and --flag alike). */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/* A command that takes one ID and no option: true when its only argument asks for help; a "--"
 * before the ID is dropped (an ID may start with '-', and is taken as it is). */
bool cli_one_id(int *argc, char ***argv);
/* --help: the usage on stdout, EXIT_OK. */
int cli_help(const char *usage);

int cmd_state(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_ps(struct cli *cli, int argc, char **argv);
int cmd_features(struct cli *cli, int argc, char **argv);

#endif
