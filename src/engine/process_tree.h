/* SPDX-License-Identifier: Apache-2.0 */
/* A container's processes without a pid namespace: the descendants of its monitors (each monitor
 * is the subreaper of its workload, so orphans stay in the tree), the main processes, what execs
 * left behind, and what is left of a tree whose monitor died (found by the workload's session). */
#ifndef REAPER_PROCESS_TREE_H
#define REAPER_PROCESS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "container.h"
#include "error.h"

/* Every process of the container (or exec): the main process and its descendants. */
int process_tree_pids(const struct runtime *rt, const char *id, const char *exec_id, pid_t **pids, size_t *n,
		      struct error **err);
/* Send sig to every process of the container (or exec), monitors excepted; main processes first. */
int process_tree_signal(const struct runtime *rt, const char *id, const char *exec_id, int sig,
			struct error **err);
/* How long a monitor may take to record its exit and go once its tree is killed. */
#define PROCESS_TREE_EXIT_TIMEOUT_MS 5000

/* SIGKILL every process of the container (or exec); *pidfds (malloc'd, n of them, each to close)
 * get the monitors that were alive, to wait for: they record the exits and go. Never blocks.
 * salvage: a record that cannot be read (missing, corrupt) is no error; the monitors are then
 * found by their command lines (monitor_find). */
int process_tree_kill(const struct runtime *rt, const char *id, const char *exec_id, bool salvage,
		      int **pidfds, size_t *n, struct error **err);
/* The same, then wait (at most PROCESS_TREE_EXIT_TIMEOUT_MS) for those monitors: for the CLI. */
int process_tree_kill_all(const struct runtime *rt, const char *id, const char *exec_id, bool salvage,
			  struct error **err);
/* Whether any exec of the container, or anything an exec left behind, is still alive. */
bool process_tree_has_live_execs(const struct runtime *rt, const char *id);
/* An exec's monitor that outlives its main process stays subreaper of what the exec left behind
 * (as runc keeps such processes until the container stops). It registers itself in the container
 * (<dir>/lingering/<pid>) so the container's kill, ps and delete still reach those processes. */
int process_tree_linger(const struct runtime *rt, const char *id, pid_t monitor, struct error **err);
void process_tree_unlinger(const struct runtime *rt, const char *id, pid_t monitor);

#endif
