/* SPDX-License-Identifier: Apache-2.0 */
#include "alive.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "fsutil.h"
#include "strv.h"

void reaper_alive_clear(struct reaper_alive *a)
{
	strv_free(a->containers);
	strv_free(a->processes);
	a->containers = a->processes = NULL;
}

static int note_container(void *data, const char *ns, const char *id, const struct proc_state *st)
{
	char *line = NULL;
	if (asprintf(&line, "%s/%s (pid %d)", ns, id, (int)st->pid) < 0 || strv_push(data, line) < 0)
		return -1;
	return 0;
}

/* The executable of PID as the kernel names it, without " (deleted)" (an upgraded binary). */
static bool exe_is(pid_t pid, const char *a, const char *b)
{
	char link[64], exe[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	static const char deleted[] = " (deleted)";
	size_t len = (size_t)n, dl = sizeof(deleted) - 1;
	if (len > dl && strcmp(exe + len - dl, deleted) == 0)
		exe[len - dl] = '\0';
	return strcmp(exe, a) == 0 || (b != NULL && strcmp(exe, b) == 0);
}

static int scan_processes(const char *binary, const char *on_node, char ***out, struct error **err)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return err_sys(err, errno, "open /proc");
	struct dirent *e;
	pid_t self = getpid();
	int rc = 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == self || !exe_is((pid_t)pid, binary, on_node))
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		cleanup_free char *cmd = NULL;
		size_t len = 0;
		bool exists = false;
		if (fs_read_optional(path, 4096, &cmd, &len, &exists, NULL) < 0 || !exists || len == 0)
			continue;
		const char *name = strrchr(cmd, '/');
		char *line = NULL;
		if (asprintf(&line, "%ld %s", pid, name ? name + 1 : cmd) < 0 || strv_push(out, line) < 0)
			rc = err_sys(err, ENOMEM, "scan");
	}
	closedir(d);
	return rc;
}

int reaper_alive_scan(const char *state_root, const char *binary, const char *binary_on_node,
		      struct reaper_alive *out, struct error **err)
{
	out->containers = strv_new();
	out->processes = strv_new();
	if (out->containers == NULL || out->processes == NULL) {
		reaper_alive_clear(out);
		return err_sys(err, ENOMEM, "scan");
	}
	int rc = container_each_live(state_root, note_container, &out->containers) < 0
			 ? err_sys(err, ENOMEM, "scan")
			 : 0;
	if (rc == 0 && binary != NULL)
		rc = scan_processes(binary, binary_on_node, &out->processes, err);
	if (rc < 0) {
		reaper_alive_clear(out);
		return -1;
	}
	return 0;
}
