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

static int scan_containers(const char *root, char ***out, struct error **err)
{
	cleanup_strv char **namespaces = NULL;
	if (state_list(root, &namespaces, err) < 0)
		return -1;
	for (char **ns = namespaces; *ns != NULL; ns++) {
		struct runtime rt = {.root = root, .ns = *ns};
		cleanup_strv char **ids = NULL;
		if (state_list_processes(&rt, NULL, &ids, NULL) < 0)
			continue;
		for (char **id = ids; *id != NULL; id++) {
			struct proc_state st;
			if (container_state(&rt, *id, NULL, &st, NULL) < 0)
				continue;
			char *line = NULL;
			if ((st.status == PROC_CREATED || st.status == PROC_RUNNING) &&
			    (asprintf(&line, "%s/%s (pid %d)", *ns, *id, (int)st.pid) < 0 ||
			     strv_push(out, line) < 0)) {
				proc_state_free(&st);
				return err_sys(err, ENOMEM, "scan");
			}
			proc_state_free(&st);
		}
	}
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
	if (scan_containers(state_root, &out->containers, err) < 0 ||
	    (binary != NULL && scan_processes(binary, binary_on_node, &out->processes, err) < 0)) {
		reaper_alive_clear(out);
		return -1;
	}
	return 0;
}
