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
#include "mounts.h"
#include "newmount.h"

struct entry {
	char name[NAME_MAX + 1];
	int tree;     /* a detached clone of /run/<name>, or -1 for a symlink */
	char *target; /* a symlink's */
	bool is_dir;
};

static bool hidden_entry(const char *const *hidden, const char *name)
{
	for (; hidden != NULL && *hidden != NULL; hidden++) {
		if (strncmp(*hidden, "/run/", 5) == 0 && strcmp(*hidden + 5, name) == 0)
			return true;
	}
	return false;
}

/* One entry of /run taken before the tmpfs hides it: a recursive clone, or a symlink's target. */
static int take(int run, const char *name, struct entry *e, struct error **err)
{
	struct stat st;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->tree = -1;
	e->target = NULL;
	if (fstatat(run, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_sys(err, errno, "stat /run/%s", name);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(run, name, target, sizeof(target) - 1);
		if (n < 0)
			return err_sys(err, errno, "readlink /run/%s", name);
		target[n] = '\0';
		e->target = strdup(target);
		return e->target ? 1 : err_sys(err, ENOMEM, "/run/%s", name);
	}
	e->is_dir = S_ISDIR(st.st_mode);
	e->tree = nm_open_tree(run, name, NM_OPEN_TREE_CLONE | NM_OPEN_TREE_CLOEXEC | NM_AT_RECURSIVE);
	if (e->tree >= 0)
		return 1;
	/* Gone meanwhile, or unbindable (Reaper's own overlay base): nothing to show. */
	return errno == ENOENT || errno == EINVAL ? 0 : err_sys(err, errno, "clone /run/%s", name);
}

static int take_all(const char *const *hidden, struct entry **out, size_t *n, struct error **err)
{
	DIR *d = opendir("/run");
	if (d == NULL)
		return err_sys(err, errno, "open /run");
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    hidden_entry(hidden, de->d_name))
			continue;
		struct entry *grown = realloc(*out, (*n + 1) * sizeof(**out));
		if (grown == NULL) {
			rc = err_sys(err, ENOMEM, "/run");
			break;
		}
		*out = grown;
		int r = take(dirfd(d), de->d_name, &grown[*n], err);
		if (r < 0)
			rc = -1;
		else if (r > 0)
			(*n)++;
	}
	closedir(d);
	return rc;
}

/* In the new tmpfs (fd fs): what each entry is mounted on, or the symlink itself. */
static int place(int fs, const struct entry *e, struct error **err)
{
	if (e->tree < 0)
		return symlinkat(e->target, fs, e->name) < 0 ? err_sys(err, errno, "link /run/%s", e->name)
							     : 0;
	if (e->is_dir)
		return mkdirat(fs, e->name, 0755) < 0 ? err_sys(err, errno, "mkdir /run/%s", e->name) : 0;
	int fd = openat(fs, e->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(err, errno, "create /run/%s", e->name);
	close(fd);
	return 0;
}

int run_shadow_mount(const char *const *hidden, struct error **err)
{
	struct entry *entries = NULL;
	size_t n = 0;
	int fs = -1;
	int rc = take_all(hidden, &entries, &n, err);
	if (rc == 0)
		rc = fs = mounts_new("tmpfs", MOUNTS_SOURCE_PREFIX "-run", "mode=0755",
				     NM_MOUNT_ATTR_NOSUID | NM_MOUNT_ATTR_NODEV, err);
	for (size_t i = 0; rc >= 0 && i < n; i++)
		rc = place(fs, &entries[i], err);
	if (rc >= 0)
		rc = mounts_attach(fs, -1, "/run", err);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		char target[PATH_MAX];
		snprintf(target, sizeof(target), "/run/%s", entries[i].name);
		if (entries[i].tree >= 0)
			rc = mounts_attach(entries[i].tree, -1, target, err);
	}
	for (size_t i = 0; i < n; i++) {
		if (entries[i].tree >= 0)
			close(entries[i].tree);
		free(entries[i].target);
	}
	free(entries);
	if (fs >= 0)
		close(fs);
	return rc < 0 ? err_wrap(err, "the container's /run") : 0;
}
