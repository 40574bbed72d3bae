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
#include "monitor.h"
#include "pidfd.h"
#include "procfs.h"

struct members {
	struct proc_id *monitors; /* live monitors: the roots */
	size_t n_monitors;
	struct proc_id *mains; /* live main processes (their monitor may be gone) */
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

static bool contains(const struct proc_id *set, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++) {
		if (set[i].pid == pid)
			return true;
	}
	return false;
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
	m->monitors = realloc(m->monitors, (m->n_monitors + 1) * sizeof(*m->monitors));
	m->mains = realloc(m->mains, (m->n_mains + 1) * sizeof(*m->mains));
	m->sessions = realloc(m->sessions, (m->n_sessions + 1) * sizeof(pid_t));
	if (m->monitors == NULL || m->mains == NULL || m->sessions == NULL)
		return err_sys(err, ENOMEM, "process list");
	bool monitor_alive = procfs_alive(st->monitor_pid, st->monitor_start);
	if (monitor_alive && !contains(m->monitors, m->n_monitors, st->monitor_pid))
		m->monitors[m->n_monitors++] = (struct proc_id){st->monitor_pid, st->monitor_start};
	if (procfs_alive(st->pid, st->pid_start))
		m->mains[m->n_mains++] = (struct proc_id){st->pid, st->pid_start};
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
/* A process whose record is lost or corrupt: its monitors (and, for a container, its execs'),
 * found by their command lines. */
static int add_found_monitors(const struct runtime *rt, const char *id, const char *exec_id,
			      struct members *m, struct error **err)
{
	cleanup_free struct proc_id *found = NULL;
	size_t n = 0;
	if (monitor_find(rt->root, rt->ns, id, exec_id, &found, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct proc_state st = {
			.status = PROC_STOPPED, .monitor_pid = found[i].pid, .monitor_start = found[i].start};
		rc = add_process(m, &st, err);
	}
	return rc;
}

/* With salvage, a record that cannot be read is made up for by a search for its monitors. */
static int collect(const struct runtime *rt, const char *id, const char *exec_id, bool salvage,
		   struct members *m, struct error **err)
{
	*m = (struct members){0};
	struct proc_state st;
	int rc;
	if (state_read_process(rt, id, exec_id, &st, salvage ? NULL : err) == 0) {
		rc = add_process(m, &st, err);
		proc_state_free(&st);
	} else if (salvage) {
		rc = add_found_monitors(rt, id, exec_id, m, err);
	} else {
		return -1;
	}
	cleanup_strv char **execs = NULL;
	if (rc < 0 || exec_id != NULL)
		return rc;
	if (state_list_processes(rt, id, &execs, err) < 0)
		return -1;
	for (char **e = execs; *e != NULL && rc == 0; e++) {
		if (state_read_process(rt, id, *e, &st, NULL) < 0) {
			/* Deleted meanwhile, or lost: then its monitor is searched for. */
			if (salvage)
				rc = add_found_monitors(rt, id, *e, m, err);
			continue;
		}
		rc = add_process(m, &st, err);
		proc_state_free(&st);
	}
	return rc < 0 ? -1 : add_lingering(rt, id, m, err);
}

/* A process that shares a monitor's address space is that monitor itself, not the container: a
 * sanitizer's leak check clones such a helper when a monitor exits, and a SIGKILL to it (CRI's
 * Kill all=true right after the exit) left the monitor spinning for ever, waiting for its helper.
 * A workload cannot share a monitor's memory (it is forked and exec'd). */
static bool part_of_a_monitor(pid_t pid, const struct proc_id *monitors, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (syscall(SYS_kcmp, monitors[i].pid, pid, KCMP_VM, 0, 0) == 0)
			return true;
	}
	return false;
}

/* The main processes and every descendant of the monitors and mains, each with its identity. */
static int tree_of(const struct members *m, struct proc_id **ids, size_t *n, struct error **err)
{
	if (m->n_monitors + m->n_mains + m->n_sessions == 0) {
		/* Nothing alive to descend from: no need to scan /proc. */
		*ids = calloc(1, sizeof(**ids));
		*n = 0;
		return *ids ? 0 : err_sys(err, ENOMEM, "process list");
	}
	size_t n_roots = m->n_monitors + m->n_mains;
	pid_t *roots = malloc((n_roots + 1) * sizeof(pid_t));
	if (roots == NULL)
		return err_sys(err, ENOMEM, "process list");
	for (size_t i = 0; i < m->n_monitors; i++)
		roots[i] = m->monitors[i].pid;
	for (size_t i = 0; i < m->n_mains; i++)
		roots[m->n_monitors + i] = m->mains[i].pid;
	struct proc_id *found = NULL;
	size_t n_found = 0;
	int rc = procfs_members(roots, n_roots, m->sessions, m->n_sessions, &found, &n_found, err);
	free(roots);
	if (rc < 0)
		return -1;
	size_t kept = 0;
	for (size_t i = 0; i < n_found; i++) {
		if (!part_of_a_monitor(found[i].pid, m->monitors, m->n_monitors))
			found[kept++] = found[i];
	}
	n_found = kept;
	/* Mains are descendants of their monitors; add those whose monitor is gone. */
	struct proc_id *all = realloc(found, (n_found + m->n_mains + 1) * sizeof(*all));
	if (all == NULL) {
		free(found);
		return err_sys(err, ENOMEM, "process list");
	}
	for (size_t i = 0; i < m->n_mains; i++) {
		if (!contains(all, n_found, m->mains[i].pid))
			all[n_found++] = m->mains[i];
	}
	*ids = all;
	*n = n_found;
	return 0;
}

int process_tree_pids(const struct runtime *rt, const char *id, const char *exec_id, pid_t **pids, size_t *n,
		      struct error **err)
{
	struct members m;
	cleanup_free struct proc_id *ids = NULL;
	int rc = collect(rt, id, exec_id, false, &m, err);
	if (rc == 0)
		rc = tree_of(&m, &ids, n, err);
	members_free(&m);
	if (rc < 0)
		return -1;
	*pids = malloc((*n + 1) * sizeof(pid_t));
	if (*pids == NULL)
		return err_sys(err, ENOMEM, "process list");
	for (size_t i = 0; i < *n; i++)
		(*pids)[i] = ids[i].pid;
	return 0;
}

/* Every signal goes through a pidfd checked against the start time seen in the record or the scan:
 * a process that ended since, and whatever took its pid over, is left alone. */
static int signal_members(const struct members *m, int sig, struct error **err)
{
	cleanup_free struct proc_id *ids = NULL;
	size_t n = 0;
	if (tree_of(m, &ids, &n, err) < 0)
		return -1;
	/* The main processes first: were their children to die first, a main waiting for them could
	 * exit on its own before the signal reached it, and record 0 instead of 128+sig. */
	for (size_t i = 0; i < m->n_mains; i++)
		pidfd_signal_process(m->mains[i].pid, m->mains[i].start, sig);
	for (size_t i = 0; i < n; i++) {
		if (!contains(m->mains, m->n_mains, ids[i].pid))
			pidfd_signal_process(ids[i].pid, ids[i].start, sig);
	}
	return 0;
}

int process_tree_signal(const struct runtime *rt, const char *id, const char *exec_id, int sig,
			struct error **err)
{
	struct members m;
	int rc = collect(rt, id, exec_id, false, &m, err);
	if (rc == 0)
		rc = signal_members(&m, sig, err);
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

int process_tree_kill(const struct runtime *rt, const char *id, const char *exec_id, bool salvage,
		      int **pidfds, size_t *n, struct error **err)
{
	struct members m;
	if (collect(rt, id, exec_id, salvage, &m, err) < 0)
		return -1;
	/* The monitors' pidfds are taken before the signal: they exit soon after it. */
	*pidfds = malloc((m.n_monitors + 1) * sizeof(int));
	*n = 0;
	if (*pidfds == NULL) {
		members_free(&m);
		return err_sys(err, ENOMEM, "process list");
	}
	for (size_t i = 0; i < m.n_monitors; i++) {
		int fd = pidfd_open_process(m.monitors[i].pid, m.monitors[i].start);
		if (fd >= 0)
			(*pidfds)[(*n)++] = fd;
	}
	signal_members(&m, SIGKILL, NULL);
	members_free(&m);
	return 0;
}

int process_tree_kill_all(const struct runtime *rt, const char *id, const char *exec_id, bool salvage,
			  struct error **err)
{
	cleanup_free int *pidfds = NULL;
	size_t n = 0;
	if (process_tree_kill(rt, id, exec_id, salvage, &pidfds, &n, err) < 0)
		return -1;
	uint64_t deadline = clock_monotonic_ms() + PROCESS_TREE_EXIT_TIMEOUT_MS;
	for (size_t i = 0; i < n; i++) {
		pidfd_wait_exit(pidfds[i], deadline);
		close(pidfds[i]);
	}
	return 0;
}
