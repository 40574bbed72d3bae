/* SPDX-License-Identifier: Apache-2.0 */
/* The workload process: everything between the monitor's fork and execve of the user's program.
 * Order: session and terminal, mount namespace, mounts, cwd, limits, user, capabilities, program
 * lookup, report ready, wait at the start gate, execve. */
#ifndef REAPER_WORKLOAD_H
#define REAPER_WORKLOAD_H

#include <stdbool.h>

#include "volumes.h"
#include "spec.h"

struct workload_plan {
	const struct spec_process *process;
	const struct spec *spec; /* the container's, whose view is built (view.h); NULL for an exec */
	bool sandbox;            /* run Reaper's pause instead of process->args */
	int nsfd;                /* mount namespace to join: the overlay's, or the container's for an exec */
	const struct volumes *volumes; /* the container's, attached in its view; NULL for none */
	int gate;                      /* O_PATH handle on the start gate */
	int console;                   /* terminal slave, or -1 */
	int self_exe;                  /* the reaper binary, for the sandbox's pause */
	int report;                    /* to the monitor: "" when ready, else the error text */
	int preserve_fds;              /* fds 3..preserve_fds+2 go along; no other fd above 2 does */
};

/* Never returns. */
_Noreturn void workload_run(const struct workload_plan *plan);

/* Resolve the program like execvp would, with PATH from env: "exec: ..." messages like runc's. */
int workload_find_program(const char *arg0, char *const env[], char **out, struct error **err);

#endif
