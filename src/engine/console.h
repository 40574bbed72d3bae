/* SPDX-License-Identifier: Apache-2.0 */
/* Terminals: a pty pair for a workload and runc's console-socket protocol (the master fd sent over
 * a unix socket with SCM_RIGHTS). */
#ifndef REAPER_CONSOLE_H
#define REAPER_CONSOLE_H

#include "error.h"

/* Open a pty pair (both O_CLOEXEC); the size is set when rows and cols are non-zero. */
int console_open(int *master, int *slave, unsigned rows, unsigned cols, struct error **err);
/* Connect to the unix socket at path and send fd with name as the message. */
int console_send(const char *socket_path, int fd, const char *name, struct error **err);
/* Send fd with name as the message over a connected unix socket. */
int console_send_fd(int sock, int fd, const char *name, struct error **err);
/* Receive one fd from a connected unix socket (the receiving end of console_send). */
int console_receive(int sock, int *fd, struct error **err);
/* Make the slave the controlling terminal and stdio of the calling (new session leader) process. */
int console_attach(int slave, struct error **err);
int console_resize(int master, unsigned rows, unsigned cols, struct error **err);

#endif
