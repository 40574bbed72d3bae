/* SPDX-License-Identifier: Apache-2.0 */
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "strv.h"

int procfs_parse_stat(const char *text, struct proc_stat *out)
{
	const char *close = strrchr(text, ')');
	if (close == NULL || close[1] != ' ')
		return -1;
	*out = (struct proc_stat){0};
	int pid = 0, ppid = 0, session = 0;
	if (sscanf(text, "%d", &pid) != 1)
		return -1;
	/* Fields after comm: 3 state, 4 ppid, 14 utime, 15 stime, 22 starttime, 24 rss. */
	int n = sscanf(
		close + 2,
		"%c %d %*d %d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %*u %ld",
		&out->state, &ppid, &session, &out->utime, &out->stime, &out->starttime, &out->rss_pages);
	if (n != 7)
		return -1;
	out->pid = pid;
	out->ppid = ppid;
	out->session = session;
	return 0;
}

int procfs_stat(pid_t pid, struct proc_stat *out, struct error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_free char *text = NULL;
	size_t len;
	if (fs_read_file(path, 4096, &text, &len, err) < 0) {
		if (err != NULL && *err != NULL && (*err)->errnum == ENOENT)
			(*err)->kind = ERR_NOT_FOUND;
		return -1;
	}
	if (procfs_parse_stat(text, out) < 0)
		return err_new(err, ERR_INVALID, "%s: unexpected format", path);
	return 0;
}

int procfs_cmdline(pid_t pid, char ***argv, struct error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	cleanup_free char *text = NULL;
	size_t len;
	if (fs_read_file(path, 1 << 20, &text, &len, err) < 0) {
		if (err != NULL && *err != NULL && ((*err)->errnum == ENOENT || (*err)->errnum == ESRCH))
			(*err)->kind = ERR_NOT_FOUND;
		return -1;
	}
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\0';
	if (len > 0 && text[len - 1] != '\0')
		n++; /* a process may rewrite its arguments without the last NUL */
	char **v = calloc(n + 1, sizeof(char *));
	if (v == NULL)
		return err_sys(err, ENOMEM, "%s", path);
	size_t k = 0;
	for (size_t i = 0; i < len && k < n; i += strlen(text + i) + 1) {
		if ((v[k++] = strdup(text + i)) == NULL) {
			strv_free(v);
			return err_sys(err, ENOMEM, "%s", path);
		}
	}
	*argv = v;
	return 0;
}

int procfs_pids(pid_t **out, size_t *n_out, struct error **err)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return err_sys(err, errno, "open /proc");
	size_t n = 0, cap = 256;
	pid_t *pids = malloc(cap * sizeof(pid_t));
	struct dirent *e;
	while (pids != NULL && (e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (n == cap) {
			pid_t *grown = realloc(pids, (cap *= 2) * sizeof(pid_t));
			if (grown == NULL) {
				free(pids);
				pids = NULL;
				break;
			}
			pids = grown;
		}
		pids[n++] = atoi(e->d_name);
	}
	closedir(d);
	if (pids == NULL)
		return err_sys(err, ENOMEM, "scan /proc");
	*out = pids;
	*n_out = n;
	return 0;
}

bool procfs_alive(pid_t pid, unsigned long long start)
{
	struct proc_stat st;
	if (pid <= 0 || procfs_stat(pid, &st, NULL) < 0)
		return false;
	return st.starttime == start && st.state != 'Z' && st.state != 'X';
}

struct pid_pair {
	pid_t pid, ppid, session;
	unsigned long long start;
};

static int scan_parents(struct pid_pair **out, size_t *n_out, struct error **err)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return err_sys(err, errno, "open /proc");
	size_t n = 0, cap = 256;
	struct pid_pair *pairs = malloc(cap * sizeof(*pairs));
	struct dirent *e;
	while (pairs != NULL && (e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		struct proc_stat st;
		if (procfs_stat(atoi(e->d_name), &st, NULL) < 0)
			continue; /* exited while we looked */
		if (n == cap) {
			struct pid_pair *grown = realloc(pairs, (cap *= 2) * sizeof(*pairs));
			if (grown == NULL) {
				free(pairs);
				pairs = NULL;
				break;
			}
			pairs = grown;
		}
		pairs[n++] = (struct pid_pair){st.pid, st.ppid, st.session, st.starttime};
	}
	closedir(d);
	if (pairs == NULL)
		return err_sys(err, ENOMEM, "scan /proc");
	*out = pairs;
	*n_out = n;
	return 0;
}

static bool contains(const pid_t *set, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++) {
		if (set[i] == pid)
			return true;
	}
	return false;
}

int procfs_members(const pid_t *roots, size_t n_roots, const pid_t *sessions, size_t n_sessions,
		   struct proc_id **out, size_t *n_out, struct error **err)
{
	cleanup_free struct pid_pair *pairs = NULL;
	size_t n_pairs = 0;
	if (scan_parents(&pairs, &n_pairs, err) < 0)
		return -1;
	pid_t *found = malloc((n_pairs + 1) * sizeof(pid_t));
	if (found == NULL)
		return err_sys(err, ENOMEM, "scan /proc");
	size_t n_found = 0;
	for (size_t i = 0; i < n_pairs; i++) {
		if (contains(sessions, n_sessions, pairs[i].session) &&
		    !contains(roots, n_roots, pairs[i].pid))
			found[n_found++] = pairs[i].pid;
	}
	/* Breadth-first over the parent links: found[] grows as children of known members turn up. */
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < n_pairs; i++) {
			pid_t p = pairs[i].pid;
			if (contains(found, n_found, p) || contains(roots, n_roots, p))
				continue;
			if (contains(roots, n_roots, pairs[i].ppid) ||
			    contains(found, n_found, pairs[i].ppid)) {
				found[n_found++] = p;
				grew = true;
			}
		}
	}
	/* found[] lists pairs in the order they were found; give each its start time. */
	struct proc_id *ids = malloc((n_found + 1) * sizeof(*ids));
	for (size_t i = 0; ids != NULL && i < n_found; i++) {
		for (size_t j = 0; j < n_pairs; j++) {
			if (pairs[j].pid == found[i]) {
				ids[i] = (struct proc_id){pairs[j].pid, pairs[j].start};
				break;
			}
		}
	}
	free(found);
	if (ids == NULL)
		return err_sys(err, ENOMEM, "scan /proc");
	*out = ids;
	*n_out = n_found;
	return 0;
}

int procfs_descendants(const pid_t *roots, size_t n_roots, pid_t **out, size_t *n_out, struct error **err)
{
	struct proc_id *ids = NULL;
	size_t n = 0;
	if (procfs_members(roots, n_roots, NULL, 0, &ids, &n, err) < 0)
		return -1;
	pid_t *pids = malloc((n + 1) * sizeof(pid_t));
	for (size_t i = 0; pids != NULL && i < n; i++)
		pids[i] = ids[i].pid;
	free(ids);
	if (pids == NULL)
		return err_sys(err, ENOMEM, "scan /proc");
	*out = pids;
	*n_out = n;
	return 0;
}
