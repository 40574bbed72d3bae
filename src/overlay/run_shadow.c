/* SPDX-License-Identifier: Apache-2.0 */
#include "run_shadow.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mounts.h"
#include "newmount.h"

#define HOST_RUN "/run"

/* In the tmpfs (fd run), something to bind the host's entry on: a directory or an empty file. A
 * symlink is copied as it is. Returns 1 when a bind is needed, 0 when not, -1 on failure. */
static int make_entry(int run, const char *name, const struct stat *st, struct error **err)
{
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		char path[PATH_MAX];
		snprintf(path, sizeof(path), HOST_RUN "/%s", name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			return err_sys(err, errno, "readlink %s", path);
		target[n] = '\0';
		return symlinkat(target, run, name) < 0 ? err_sys(err, errno, "link /run/%s", name) : 0;
	}
	if (S_ISDIR(st->st_mode))
		return mkdirat(run, name, 0755) < 0 ? err_sys(err, errno, "mkdir /run/%s", name) : 1;
	int fd = openat(run, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(err, errno, "create /run/%s", name);
	close(fd);
	return 1;
}

static int bind_entry(const char *merged, const char *name, struct error **err)
{
	char source[PATH_MAX], target[PATH_MAX];
	snprintf(source, sizeof(source), HOST_RUN "/%s", name);
	snprintf(target, sizeof(target), "%s" HOST_RUN "/%s", merged, name);
	cleanup_close int tree =
		nm_open_tree(AT_FDCWD, source, NM_OPEN_TREE_CLONE | NM_OPEN_TREE_CLOEXEC | NM_AT_RECURSIVE);
	if (tree < 0) {
		/* Gone meanwhile (a daemon's pid file) or unbindable (Reaper's own base): nothing to show. */
		if (errno == ENOENT || errno == EINVAL) {
			log_debug("overlay: /run/%s not shown: %s", name, strerror(errno));
			return 0;
		}
		return err_sys(err, errno, "clone %s", source);
	}
	return mounts_attach(tree, -1, target, err);
}

/* The tmpfs with an entry for each of the host's, and the empty file masks use. */
static int populate(int run, DIR *host, char ***names, struct error **err)
{
	int fd = openat(run, RUN_SHADOW_EMPTY_FILE + sizeof(HOST_RUN), O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
	if (fd < 0)
		return err_sys(err, errno, "create " RUN_SHADOW_EMPTY_FILE);
	close(fd);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(host)) != NULL;) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    fstatat(dirfd(host), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		int r = make_entry(run, e->d_name, &st, err);
		if (r < 0)
			return -1;
		char **grown = r ? realloc(*names, (n + 2) * sizeof(char *)) : *names;
		if (grown == NULL)
			return err_sys(err, ENOMEM, "/run");
		*names = grown;
		if (r && (grown[n++] = strdup(e->d_name)) == NULL)
			return err_sys(err, ENOMEM, "/run");
		if (r)
			grown[n] = NULL;
	}
	return 0;
}

int run_shadow_build(const char *merged, struct error **err)
{
	cleanup_free char *target = NULL;
	if (asprintf(&target, "%s" HOST_RUN, merged) < 0)
		return err_sys(err, ENOMEM, "/run");
	DIR *host = opendir(HOST_RUN);
	if (host == NULL)
		return errno == ENOENT ? 0 : err_sys(err, errno, "open " HOST_RUN);
	cleanup_strv char **names = NULL;
	int run = mounts_new("tmpfs", MOUNTS_SOURCE_PREFIX "-run", "mode=0755",
			     NM_MOUNT_ATTR_NOSUID | NM_MOUNT_ATTR_NODEV, err);
	int rc = run < 0 ? -1 : populate(run, host, &names, err);
	closedir(host);
	if (rc == 0 && mkdir(target, 0755) < 0 && errno != EEXIST)
		rc = err_sys(err, errno, "mkdir %s", target);
	if (rc == 0)
		rc = mounts_attach(run, -1, target, err);
	if (run >= 0)
		close(run);
	for (char **name = names; rc == 0 && name != NULL && *name != NULL; name++)
		rc = bind_entry(merged, *name, err);
	return rc < 0 ? err_wrap(err, "the overlay's /run") : 0;
}
