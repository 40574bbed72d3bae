/* SPDX-License-Identifier: Apache-2.0 */
#include "secrets.h"

#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "mounts.h"
#include "run_shadow.h"
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

static int hide(const char *merged, const char *path, struct error **err)
{
	cleanup_free char *target = NULL, *empty = NULL;
	if (asprintf(&target, "%s%s", merged, path) < 0 ||
	    asprintf(&empty, "%s%s", merged, RUN_SHADOW_EMPTY_FILE) < 0)
		return err_sys(err, ENOMEM, "hide %s", path);
	return mounts_mask(target, empty, err);
}

/* Each host path the pattern matches, unless allowed. */
static int hide_matches(const struct filter *f, const char *merged, const char *pattern, struct error **err)
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
		rc = hide(merged, g.gl_pathv[i], err);
	}
	globfree(&g);
	return rc;
}

int secrets_hide(const char *merged, const char *state_root, const char *base, struct error **err)
{
	struct filter f = {0};
	int rc = filter_load(&f, err);
	for (char **p = f.paths; rc == 0 && f.enabled && *p != NULL; p++)
		rc = hide_matches(&f, merged, *p, err);
	if (rc == 0 && state_root != NULL)
		rc = hide(merged, state_root, err);
	if (rc == 0)
		rc = hide(merged, base, err);
	strv_free(f.paths);
	strv_free(f.allow);
	return rc < 0 ? err_wrap(err, "hide the host's secrets") : 0;
}
