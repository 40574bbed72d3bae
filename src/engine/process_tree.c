/* SPDX-License-Identifier: Apache-2.0 */
/* A container's processes without a pid namespace: the descendants of its monitors (each monitor
 * is the subreaper of its workload, so orphans stay in the tree) plus the main processes. */
#include "process_tree.h"

#include <dirent.h>
#include <errno.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "fsutil.h"
#include "container.h"
#include "pidfd.h"
#include "procfs.h"

#define MONITOR_EXIT_TIMEOUT_MS 5000

struct members {
	pid_t *monitors; /* live monitors: the roots */
	size_t n_monitors;
	pid_t *mains; /* live main processes (their monitor may be gone) */
	size_t n_mains;
	pid_t *sessions; /* sessions of processes whose monitor died before recording the exit */
	size_t n_sessions;
};

static void members_free(struct members *m)
{
	free(m->monitors);
	free(m->mains);
	free(m->sessions);
}

/* The workload is a session leader: its session id is its pid, and the kernel keeps that pid from
 * being reused while any process of the session lives. */
static bool pid_is_ours_or_free(pid_t pid, unsigned long long start)
{
	struct proc_stat st;
	return procfs_stat(pid, &st, NULL) < 0 || st.starttime == start;
}

static int add_process(struct members *m, const struct proc_state *st, struct error **err)
{
	m->monitors = realloc(m->monitors, (m->n_monitors + 1) * sizeof(pid_t));
	m->mains = realloc(m->mains, (m->n_mains + 1) * sizeof(pid_t));
	m->sessions = realloc(m->sessions, (m->n_sessions + 1) * sizeof(pid_t));
	if (m->monitors == NULL || m->mains == NULL || m->sessions == NULL)
		return err_sys(err, ENOMEM, "process list");
	bool monitor_alive = procfs_alive(st->monitor_pid, st->monitor_start);
	if (monitor_alive)
		m->monitors[m->n_monitors++] = st->monitor_pid;
	if (procfs_alive(st->pid, st->pid_start))
		m->mains[m->n_mains++] = st->pid;
	/* A monitor that died before recording the exit left its tree without a root: find what is left
	 * of it by its session. */
	if (!monitor_alive && st->status != PROC_STOPPED && st->pid > 0 &&
	    pid_is_ours_or_free(st->pid, st->pid_start))
		m->sessions[m->n_sessions++] = st->pid;
	return 0;
}

static char *lingering_path(const struct runtime *rt, const char *id, pid_t monitor)
{
	cleanup_free char *dir = state_process_dir(rt, id, NULL);
	char *path = NULL;
	if (dir == NULL || (monitor > 0 ? asprintf(&path, "%s/lingering/%d", dir, (int)monitor)
					: asprintf(&path, "%s/lingering", dir)) < 0)
		return NULL;
	return path;
}

int process_tree_linger(const struct runtime *rt, const char *id, pid_t monitor, struct error **err)
{
	struct proc_stat st;
	cleanup_free char *path = lingering_path(rt, id, monitor);
	if (path == NULL)
		return err_sys(err, ENOMEM, "lingering monitor");
	if (procfs_stat(monitor, &st, err) < 0 || fs_mkdir_parent(path, 0700, err) < 0)
		return -1;
	char text[32];
	int n = snprintf(text, sizeof(text), "%llu", st.starttime);
	return fs_write_atomic(path, text, (size_t)n, 0600, err);
}

void process_tree_unlinger(const struct runtime *rt, const char *id, pid_t monitor)
{
	cleanup_free char *path = lingering_path(rt, id, monitor);
	if (path != NULL)
		unlink(path);
}

/* The monitors registered as lingering (files named by their pid, holding their start time). */
static int add_lingering(const struct runtime *rt, const char *id, struct members *m, struct error **err)
{
	cleanup_free char *dir = lingering_path(rt, id, 0);
	DIR *d = dir ? opendir(dir) : NULL;
	if (d == NULL)
		return 0; /* none ever lingered */
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		cleanup_free char *file = NULL, *text = NULL;
		size_t len;
		pid_t pid = atoi(e->d_name);
		if (pid <= 0 || asprintf(&file, "%s/%s", dir, e->d_name) < 0 ||
		    fs_read_file(file, 64, &text, &len, NULL) < 0)
			continue; /* not an entry, or gone meanwhile */
		struct proc_state st = {.status = PROC_STOPPED,
					.monitor_pid = pid,
					.monitor_start = strtoull(text, NULL, 10)};
		rc = add_process(m, &st, err);
	}
	closedir(d);
	return rc;
}

/* The process itself, or for a container its init, every exec and what execs left behind. */
static int collect(const struct runtime *rt, const char *id, const char *exec_id, struct members *m,
		   struct error **err)
{
	*m = (struct members){0};
	struct proc_state st;
	if (state_read_process(rt, id, exec_id, &st, err) < 0)
		return -1;
	int rc = add_process(m, &st, err);
	proc_state_free(&st);
	cleanup_strv char **execs = NULL;
	if (rc < 0 || exec_id != NULL)
		return rc;
	if (state_list_processes(rt, id, &execs, err) < 0)
		return -1;
	for (char **e = execs; *e != NULL && rc == 0; e++) {
		if (state_read_process(rt, id, *e, &st, NULL) < 0)
			continue; /* deleted meanwhile */
		rc = add_process(m, &st, err);
		proc_state_free(&st);
	}
	return rc < 0 ? -1 : add_lingering(rt, id, m, err);
}

static bool contains(const pid_t *set, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++) {
		if (set[i] == pid)
			return true;
	}
	return false;
}

/* A process that shares a monitor's address space is that monitor itself, not the container: a
 * sanitizer's leak check clones such a helper when a monitor exits, and a SIGKILL to it (CRI's
 * Kill all=true right after the exit) left the monitor spinning for ever, waiting for its helper.
 * A workload cannot share a monitor's memory (it is forked and exec'd). */
static bool part_of_a_monitor(pid_t pid, const pid_t *monitors, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (syscall(SYS_kcmp, monitors[i], pid, KCMP_VM, 0, 0) == 0)
			return true;
	}
	return false;
}

static int tree_of(const struct members *m, pid_t **pids, size_t *n, struct error **err)
{
	if (m->n_monitors + m->n_mains + m->n_sessions == 0) {
		/* Nothing alive to descend from: no need to scan /proc. */
		*pids = calloc(1, sizeof(pid_t));
		*n = 0;
		return *pids ? 0 : err_sys(err, ENOMEM, "process list");
	}
	pid_t *roots = malloc((m->n_monitors + m->n_mains + 1) * sizeof(pid_t));
	if (roots == NULL)
		return err_sys(err, ENOMEM, "process list");
	memcpy(roots, m->monitors, m->n_monitors * sizeof(pid_t));
	memcpy(roots + m->n_monitors, m->mains, m->n_mains * sizeof(pid_t));
	pid_t *found = NULL;
	size_t n_found = 0;
	int rc = procfs_members(roots, m->n_monitors + m->n_mains, m->sessions, m->n_sessions, &found,
				&n_found, err);
	free(roots);
	if (rc < 0)
		return -1;
	size_t kept = 0;
	for (size_t i = 0; i < n_found; i++) {
		if (!part_of_a_monitor(found[i], m->monitors, m->n_monitors))
			found[kept++] = found[i];
	}
	n_found = kept;
	/* Mains are descendants of their monitors; add those whose monitor is gone. */
	pid_t *all = realloc(found, (n_found + m->n_mains + 1) * sizeof(pid_t));
	if (all == NULL) {
		free(found);
		return err_sys(err, ENOMEM, "process list");
	}
	for (size_t i = 0; i < m->n_mains; i++) {
		if (!contains(all, n_found, m->mains[i]))
			all[n_found++] = m->mains[i];
	}
	*pids = all;
	*n = n_found;
	return 0;
}

int process_tree_pids(const struct runtime *rt, const char *id, const char *exec_id, pid_t **pids, size_t *n,
		      struct error **err)
{
	struct members m;
	int rc = collect(rt, id, exec_id, &m, err);
	if (rc == 0)
		rc = tree_of(&m, pids, n, err);
	members_free(&m);
	return rc;
}

int process_tree_signal(const struct runtime *rt, const char *id, const char *exec_id, int sig,
			struct error **err)
{
	struct members m;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int rc = collect(rt, id, exec_id, &m, err);
	if (rc == 0)
		rc = tree_of(&m, &pids, &n, err);
	/* The main processes first: were their children to die first, a main waiting for them could
	 * exit on its own before the signal reached it, and record 0 instead of 128+sig. */
	for (size_t i = 0; rc == 0 && i < m.n_mains; i++)
		kill(m.mains[i], sig);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!contains(m.mains, m.n_mains, pids[i]))
			kill(pids[i], sig);
	}
	members_free(&m);
	return rc;
}

bool process_tree_has_live_execs(const struct runtime *rt, const char *id)
{
	struct members lingering = {0};
	add_lingering(rt, id, &lingering, NULL);
	bool live = lingering.n_monitors > 0;
	members_free(&lingering);
	cleanup_strv char **execs = NULL;
	if (live || state_list_processes(rt, id, &execs, NULL) < 0)
		return live;
	for (char **e = execs; *e != NULL && !live; e++) {
		struct proc_state st;
		if (state_read_process(rt, id, *e, &st, NULL) < 0)
			continue;
		live = procfs_alive(st.monitor_pid, st.monitor_start) || procfs_alive(st.pid, st.pid_start);
		proc_state_free(&st);
	}
	return live;
}

/* Wait (bounded) until every monitor has recorded its exit and gone. */
static void await_monitors(const struct members *m)
{
	uint64_t deadline = clock_monotonic_ms() + MONITOR_EXIT_TIMEOUT_MS;
	for (size_t i = 0; i < m->n_monitors; i++) {
		cleanup_close int fd = pidfd_open_process(m->monitors[i], 0);
		if (fd >= 0)
			pidfd_wait_exit(fd, deadline);
	}
}

int process_tree_kill_all(const struct runtime *rt, const char *id, const char *exec_id, struct error **err)
{
	struct members m;
	if (collect(rt, id, exec_id, &m, err) < 0)
		return -1;
	process_tree_signal(rt, id, exec_id, SIGKILL, NULL);
	await_monitors(&m);
	members_free(&m);
	return 0;
}
