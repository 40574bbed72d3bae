/* SPDX-License-Identifier: Apache-2.0 */
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "mounts.h"
#include "newmount.h"
#include "strv.h"

/* What a hidden file reads: an empty read-only file on a tmpfs of its own, attached in the builder's
 * namespace only (on the group's masks/, outside the namespace's root). */
static char *empty_file(const char *group_dir, struct error **err)
{
	cleanup_free char *dir = NULL;
	char *file = NULL;
	if (asprintf(&dir, "%s/masks", group_dir) < 0 || asprintf(&file, "%s/empty", dir) < 0) {
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

/* path is the host's, symlinks resolved: the same path under merged (whose lower layer is the
 * host's /) names the same file. */
static int hide(const char *merged, struct mounts_masker *m, const char *path, struct error **err)
{
	cleanup_free char *target = NULL;
	if (asprintf(&target, "%s%s", merged, path) < 0)
		return err_sys(err, ENOMEM, "hide %s", path);
	return mounts_mask(m, target, err);
}

/* Each host path the pattern matches, unless allowed. */
static int hide_matches(const char *merged, struct mounts_masker *m, const char *pattern, struct error **err)
{
	glob_t g;
	int r = glob(pattern, GLOB_NOSORT, NULL, &g);
	if (r == GLOB_NOMATCH)
		return 0;
	if (r != 0)
		return err_new(err, ERR_SYSTEM, "expand the hidden path %s", pattern);
	int rc = 0;
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
		if (config_filter_allowed(g.gl_pathv[i]))
			continue;
		cleanup_free char *real = realpath(g.gl_pathv[i], NULL);
		if (real != NULL && !config_filter_allowed(real))
			rc = hide(merged, m, real, err);
	}
	globfree(&g);
	return rc;
}

int secrets_hide(const char *merged, const char *state_root, const char *base, const char *dir,
		 struct error **err)
{
	cleanup_free char *empty = empty_file(dir, err);
	cleanup_strv char **paths = config_filter_paths();
	struct mounts_masker m = MOUNTS_MASKER_INIT(empty);
	int rc = empty == NULL ? -1 : paths == NULL ? err_sys(err, ENOMEM, "hidden paths") : 0;
	for (char **p = paths; rc == 0 && *p != NULL; p++)
		rc = hide_matches(merged, &m, *p, err);
	if (rc == 0 && state_root != NULL)
		rc = hide(merged, &m, state_root, err);
	if (rc == 0)
		rc = hide(merged, &m, base, err);
	mounts_masker_clear(&m);
	return rc < 0 ? err_wrap(err, "hide the host's secrets") : 0;
}
