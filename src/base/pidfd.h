/* SPDX-License-Identifier: Apache-2.0 */
/* Processes by pidfd: a handle that keeps naming one process however its pid is reused, to signal
 * it, to wait for its exit, or to join its namespaces. */
#ifndef REAPER_PIDFD_H
#define REAPER_PIDFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A pidfd (close-on-exec) of the live process pid that started at `start` (/proc ticks, as
 * procfs_stat reads them; 0 skips the check). -1 with errno ESRCH when that process is gone or
 * pid now names another one. */
int pidfd_open_process(pid_t pid, unsigned long long start);
/* Wait until the process has exited or the deadline (clock_monotonic_ms) has passed; true when it
 * exited. */
bool pidfd_wait_exit(int pidfd, uint64_t deadline);
/* Send sig; -1 with errno on failure (ESRCH: it has exited). */
int pidfd_signal(int pidfd, int sig);
/* Send sig to the process that is pid and started at `start` (0 skips the check), never to a
 * process that took the pid over since: -1 with errno ESRCH when that process is gone. How Reaper
 * signals every pid it learnt earlier (a record, a /proc scan). */
int pidfd_signal_process(pid_t pid, unsigned long long start, int sig);

#endif
