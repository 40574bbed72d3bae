/* SPDX-License-Identifier: Apache-2.0 */
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mounts.h"
#include "newmount.h"
#include "strv.h"

const char *const secrets_default_paths[] = {
	"/etc/shadow",
	"/etc/shadow-",
	"/etc/gshadow",
	"/etc/gshadow-",
	"/etc/ssh/ssh_host_*_key",
	"/root/.ssh",
	"/etc/ssl/private",
	"/etc/sudoers",
	"/etc/sudoers.d",
	/* The node's own identity: with it a pod could act as the kubelet or a cluster admin. */
	"/var/lib/kubelet/pki",
	"/etc/kubernetes/pki",
	"/etc/kubernetes/*.conf",
	/* Other pods' files: their emptyDirs, and the filesystems of containers other runtimes run.
	 * A pod's own volumes are bound from the host, not seen through the overlay. */
	"/var/lib/kubelet/pods",
	"/var/lib/containerd",
	NULL,
};

struct filter {
	bool enabled;
	char **paths; /* globs, NULL-terminated */
	char **allow; /* globs, NULL-terminated */
};

static int split(const char *text, char ***out)
{
	*out = strv_new();
	cleanup_free char *copy = strdup(text ? text : "");
	if (*out == NULL || copy == NULL)
		return -1;
	char *rest = copy;
	for (char *item; (item = strsep(&rest, ":")) != NULL;) {
		if (*item != '\0' && strv_push(out, strdup(item)) < 0)
			return -1;
	}
	return 0;
}

/* The node's settings (one place reads them). */
static int filter_load(struct filter *f, struct error **err)
{
	const char *enabled = getenv("REAPER_FILTER_ENABLED");
	const char *mode = getenv("REAPER_FILTER_MODE");
	f->enabled = enabled == NULL || strcmp(enabled, "false") != 0;
	bool replace = mode != NULL && strcmp(mode, "replace") == 0;
	if (split(getenv("REAPER_FILTER_PATHS"), &f->paths) < 0 ||
	    split(getenv("REAPER_FILTER_ALLOWLIST"), &f->allow) < 0)
		return err_sys(err, ENOMEM, "filter settings");
	for (size_t i = 0; !replace && secrets_default_paths[i] != NULL; i++) {
		if (strv_push(&f->paths, strdup(secrets_default_paths[i])) < 0)
			return err_sys(err, ENOMEM, "filter settings");
	}
	return 0;
}

static bool allowed(const struct filter *f, const char *path)
{
	for (char **a = f->allow; *a != NULL; a++) {
		size_t n = strlen(*a);
		/* A pattern, or a directory whose whole tree is allowed. */
		if (fnmatch(*a, path, FNM_PATHNAME) == 0 || (strncmp(*a, path, n) == 0 && path[n] == '/'))
			return true;
	}
	return false;
}

/* What a hidden file reads: an empty read-only file on a tmpfs of its own, attached in the builder's
 * namespace only (on base/masks, outside the namespace's root). */
static char *empty_file(const char *base, struct error **err)
{
	cleanup_free char *dir = NULL;
	char *file = NULL;
	if (asprintf(&dir, "%s/masks", base) < 0 || asprintf(&file, "%s/empty", dir) < 0) {
		err_sys(err, ENOMEM, "masks");
		return NULL;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_sys(err, errno, "mkdir %s", dir);
		free(file);
		return NULL;
	}
	cleanup_close int fs =
		mounts_new("tmpfs", MOUNTS_SOURCE_PREFIX "-masks", "mode=0755,size=4k", 0, err);
	int fd = fs < 0 ? -1 : openat(fs, "empty", O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
	if (fs >= 0 && fd < 0)
		err_sys(err, errno, "create %s", file);
	if (fd >= 0)
		close(fd); /* before the mount turns read-only: a file open for writing keeps it busy */
	if (fd < 0 || mounts_setattr(fs, "", false, NM_MOUNT_ATTR_RDONLY, 0, 0, err) < 0 ||
	    mounts_attach(fs, -1, dir, err) < 0) {
		free(file);
		return NULL;
	}
	return file;
}

static int hide(const char *merged, const char *empty, const char *path, struct error **err)
{
	cleanup_free char *target = NULL;
	if (asprintf(&target, "%s%s", merged, path) < 0)
		return err_sys(err, ENOMEM, "hide %s", path);
	return mounts_mask(target, empty, err);
}

/* Each host path the pattern matches, unless allowed. */
static int hide_matches(const struct filter *f, const char *merged, const char *empty, const char *pattern,
			struct error **err)
{
	glob_t g;
	int r = glob(pattern, GLOB_NOSORT, NULL, &g);
	if (r == GLOB_NOMATCH)
		return 0;
	if (r != 0)
		return err_new(err, ERR_SYSTEM, "expand the hidden path %s", pattern);
	int rc = 0;
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
		if (allowed(f, g.gl_pathv[i]))
			continue;
		rc = hide(merged, empty, g.gl_pathv[i], err);
	}
	globfree(&g);
	return rc;
}

int secrets_hide(const char *merged, const char *state_root, const char *base, struct error **err)
{
	struct filter f = {0};
	cleanup_free char *empty = empty_file(base, err);
	int rc = empty == NULL ? -1 : filter_load(&f, err);
	for (char **p = f.paths; rc == 0 && f.enabled && *p != NULL; p++)
		rc = hide_matches(&f, merged, empty, *p, err);
	if (rc == 0 && state_root != NULL)
		rc = hide(merged, empty, state_root, err);
	if (rc == 0)
		rc = hide(merged, empty, base, err);
	strv_free(f.paths);
	strv_free(f.allow);
	return rc < 0 ? err_wrap(err, "hide the host's secrets") : 0;
}
