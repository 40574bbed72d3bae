/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor: one process per container and per exec, exec'd as `reaper-monitor` so ps names it.
 * It forks the workload, holds it at the start gate, waits for it as its parent and subreaper,
 * records the exit durably (state file, atomic rename) and kills what is left of the tree. */
#ifndef REAPER_MONITOR_H
#define REAPER_MONITOR_H

#include <sys/types.h>

#include "error.h"
#include "procfs.h"

struct monitor_request {
	const char *root;
	const char *ns;
	const char *id;
	const char *exec_id;        /* NULL for the init process */
	int stdio[3];               /* the workload's stdin, stdout, stderr; -1 keeps the caller's */
	int preserve_fds;           /* the caller's fds 3..preserve_fds+2 go to the workload as they are */
	const char *console_socket; /* terminal: send the pty master to this unix socket path, */
	int console_fd;             /* or over this connected unix socket; -1 for none */
};

/* Start a monitor for the process whose record (status creating) is already written; returns once
 * the workload is held at the start gate (its pid in *pid) or setup failed. Bounded wait.
 * exit_fd, if not NULL, gets a pipe end that reaches EOF once the monitor has recorded the exit
 * (or has died): how a creator waits for the exit on its event loop. */
int monitor_spawn(const struct monitor_request *req, pid_t *monitor_pid, pid_t *pid, int *exit_fd,
		  struct error **err);

/* The live monitors whose command line names this container (exec_id NULL: its init and every
 * exec; else that exec), each with its start time: how a container whose records are lost or
 * corrupt is still found. */
int monitor_find(const char *root, const char *ns, const char *id, const char *exec_id, struct proc_id **out,
		 size_t *n, struct error **err);

/* The monitor process itself (the reaper-monitor applet): returns its exit code. sync_fd carries
 * the one-line reply to monitor_spawn. */
int monitor_run(const struct monitor_request *req, int sync_fd);

#endif
