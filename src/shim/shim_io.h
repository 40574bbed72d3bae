/* SPDX-License-Identifier: Apache-2.0 */
/* A process's stdio as containerd hands it over (FIFO paths, file://, binary://, or nothing).
 * Without a terminal the workload writes straight into containerd's FIFOs; the shim only holds
 * keepalive ends so a restarting containerd never costs the workload a SIGPIPE, and closes them
 * when the process exits (containerd then reads EOF). With a terminal the shim relays between the
 * pty master and the FIFOs on the event loop, never blocking. */
#ifndef REAPER_SHIM_IO_H
#define REAPER_SHIM_IO_H

#include <stdbool.h>

#include "error.h"
#include "loop.h"
#include "op.h"

struct shim_io;

struct shim_io_spec {
	const char *paths[3]; /* stdin, stdout, stderr targets; NULL or "" for none */
	bool terminal;
	const char *id, *ns; /* for a binary:// logger's environment */
};

/* Open everything; *stdio gets the fds to hand the workload, *console_fd the socket the monitor
 * sends the pty master over (terminal only, else -1). A binary:// logger is started, and *ready
 * is an op (op.h; NULL when there is no logger) that is done once the logger is ready, at most
 * 10 s later: the workload must not start before. The op may be freed before it is done; the
 * io outlives it. */
int shim_io_open(struct shim_io **out, struct loop *loop, const struct shim_io_spec *spec, int stdio[3],
		 int *console_fd, struct op **ready, struct error **err);
/* The process is created: drop the workload's ends; with a terminal, take the master and relay. */
int shim_io_created(struct shim_io *io, struct error **err);
/* CloseIO: the workload reads EOF on stdin once containerd's writer is gone too. */
void shim_io_close_stdin(struct shim_io *io);
int shim_io_resize(struct shim_io *io, unsigned width, unsigned height, struct error **err);
/* The process exited: stop feeding stdin, let the terminal relay drain. */
void shim_io_exited(struct shim_io *io);
/* Call done(data) once containerd has read what the process left in its FIFOs (and a terminal
 * relay has finished), or after timeout_ms; at once when nothing is pending. containerd 1.6 closes
 * its FIFO readers when it handles an exit, so the exit is held back until then. Driven by inotify
 * (a read of a FIFO is an IN_ACCESS event) and the relay's own events: no polling. */
void shim_io_when_drained(struct shim_io *io, int timeout_ms, void (*done)(void *data), void *data);
/* Close every end so containerd reads EOF. */
void shim_io_close_output(struct shim_io *io);
void shim_io_free(struct shim_io *io);

#endif
