/* SPDX-License-Identifier: Apache-2.0 */
/* The start gate (runc's exec-fifo idea): create leaves the workload blocked in open() of a FIFO
 * in its state directory; start opens the other end, and the workload's close-on-exec write end
 * tells start that execve happened (POLLHUP) or carries the error if it failed. */
#ifndef REAPER_GATE_H
#define REAPER_GATE_H

#include <sys/types.h>

#include "error.h"

#define GATE_NAME "start.fifo"

/* In the process directory: make the FIFO (0622 so a workload that dropped root can open it). */
int gate_create(const char *dir, struct error **err);
/* Workload side, before leaving the host namespace: an O_PATH handle on the FIFO. */
int gate_handle(const char *dir, int *fd, struct error **err);
/* Workload side, last step before execve: block until start opens the gate; returns the write end. */
int gate_wait(int handle, struct error **err);
/* start's side: open the gate and wait (bounded) for execve or its failure. pidfd (or -1) lets the
 * wait end early when the workload dies. */
int gate_open(const char *dir, int pidfd, int timeout_ms, struct error **err);

#endif
