/* SPDX-License-Identifier: Apache-2.0 */
/* What Reaper reads from /proc: a process's identity (start time), its parent and its usage. */
#ifndef REAPER_PROCFS_H
#define REAPER_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

struct proc_stat {
	pid_t pid;
	pid_t ppid;
	pid_t session;
	char state;               /* R, S, D, Z, T, ... */
	unsigned long long utime; /* clock ticks */
	unsigned long long stime;
	unsigned long long starttime; /* clock ticks after boot: with the pid, a process's identity */
	long rss_pages;
};

/* Parse /proc/<pid>/stat. ENOENT (as ERR_NOT_FOUND) when the process is gone. */
int procfs_stat(pid_t pid, struct proc_stat *out, struct error **err);
/* Parse the text of a stat file (the comm field may hold spaces and parentheses). */
int procfs_parse_stat(const char *text, struct proc_stat *out);
/* The argument vector of pid (NULL-terminated strv, caller frees); ERR_NOT_FOUND once it is gone. */
int procfs_cmdline(pid_t pid, char ***argv, struct error **err);
/* Every pid in /proc now (malloc'd). */
int procfs_pids(pid_t **out, size_t *n, struct error **err);
/* True while pid is the process that had start time `start` and has not exited (zombies have). */
bool procfs_alive(pid_t pid, unsigned long long start);

/* A process as Reaper remembers it: a pid means nothing without its start time. */
struct proc_id {
	pid_t pid;
	unsigned long long start;
};

/* Every descendant of the given roots (not the roots), from one scan of /proc. */
int procfs_descendants(const pid_t *roots, size_t n_roots, pid_t **out, size_t *n_out, struct error **err);
/* The same, plus every process of the given sessions and its descendants, each with its start time
 * (read with its parent), so that acting on one later reaches that process or none. */
int procfs_members(const pid_t *roots, size_t n_roots, const pid_t *sessions, size_t n_sessions,
		   struct proc_id **out, size_t *n_out, struct error **err);

#endif
