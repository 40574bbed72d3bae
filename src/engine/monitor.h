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

/* How long a monitor may take to set its workload up and answer. */
#define MONITOR_REPLY_TIMEOUT_MS 30000

/* Start a monitor for the process whose record (status creating) is already written. Returns at
 * once: *pidfd names the monitor, *sync_fd (non-blocking, close-on-exec) carries its one-line
 * answer (monitor_reply_read) and then stays open in the monitor until it has recorded the exit
 * (or has died): EOF on it is how a creator learns of the exit, on its event loop or not. */
int monitor_start(const struct monitor_request *req, pid_t *monitor_pid, int *pidfd, int *sync_fd,
		  struct error **err);

/* The monitor's answer as it arrives. */
struct monitor_reply {
	char text[1200];
	size_t len;
};
/* Read what sync_fd has of the answer, never waiting: 1 while it is incomplete; 0 with *pid when
 * the workload is held at its start gate; -1 with err when the setup failed (the monitor then
 * exits by itself). */
int monitor_reply_read(struct monitor_reply *r, int sync_fd, pid_t *pid, struct error **err);

/* The live monitors whose command line names this container (exec_id NULL: its init and every
 * exec; else that exec), each with its start time: how a container whose records are lost or
 * corrupt is still found. */
int monitor_find(const char *root, const char *ns, const char *id, const char *exec_id, struct proc_id **out,
		 size_t *n, struct error **err);

/* The monitor process itself (the reaper-monitor applet): returns its exit code. sync_fd carries
 * the one-line reply to monitor_spawn. */
int monitor_run(const struct monitor_request *req, int sync_fd);

#endif
