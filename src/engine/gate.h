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
/* start's side, without waiting: open the gate (releasing the workload) and return the fd that
 * tells how it went (readable with the error text, or hung up once execve closed the workload's
 * end). */
int gate_release(const char *dir, struct error **err);
/* How it went so far, never waiting: 0 execve happened, 1 not yet, -1 with err when execve failed
 * or the workload died first (pidfd, or -1, is the workload's). */
int gate_outcome(int fd, int pidfd, struct error **err);
/* Both, waiting (bounded) for the outcome: for tests and callers that may block. */
int gate_open(const char *dir, int pidfd, int timeout_ms, struct error **err);

#endif
