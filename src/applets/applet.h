/* SPDX-License-Identifier: Apache-2.0 */
/* Applets: each file under src/applets/ declares itself with one REAPER_APPLET line; the build
 * collects those lines into a sorted table (cmake/Applets.cmake) that main.c dispatches on. */
#ifndef REAPER_APPLET_H
#define REAPER_APPLET_H

#include "names.h"

/* Exit codes shared by every applet. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,        /* the operation failed (runc exits 1 too) */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_NO_APPLET = 127, /* no applet by that name, as a shell says of a missing command */
};

struct applet {
	const char *name; /* argv[0] that selects it, and `reaper NAME` */
	int (*main)(int argc, char **argv);
	const char *summary; /* one line for --list and --help */
	const char *usage;   /* printed by NAME --help */
};

/* Must start a line: the build greps for it. */
#define REAPER_APPLET(sym, name, main, summary, usage) \
	const struct applet applet_##sym = {name, main, summary, usage}

/* The version text every applet prints for --version. */
void applet_print_version(const char *name);

/* Usage errors, the same way in every program: "PROG: what is wrong" on stderr (the caller's
 * line), then "Try 'PROG --help' for more information." Both return EXIT_USAGE. */
int applet_usage_hint(const char *prog);
/* The error getopt found (called with opterr = 0 and shortopts starting with ':'): C is what
 * getopt returned ('?' an unknown option, ':' a missing value), ARGV the vector it parsed. */
int applet_bad_option(const char *prog, int c, char **argv);

#endif
