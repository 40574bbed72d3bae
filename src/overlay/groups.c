/* SPDX-License-Identifier: Apache-2.0 */
/* The groups' lifecycle: listing them with their size and last use, removing one, removing all. */
#include "groups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "overlay.h"

#define NSFS_MAGIC_NUMBER 0x6e736673

static bool is_nsfs(const char *path)
{
	struct statfs sfs;
	return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type == NSFS_MAGIC_NUMBER;
}

char *groups_dir(const char *base, const char *group)
{
	char *out = NULL;
	return asprintf(&out, "%s/groups/%s", base, group) < 0 ? NULL : out;
}

int groups_lock(const char *base, const char *group, struct error **err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/locks/%s", base, group) < 0)
		return err_sys(err, ENOMEM, "overlay lock");
	if (fs_mkdir_parent(path, 0700, err) < 0)
		return -1;
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return err_sys(err, errno, "lock %s", path);
	return steal_fd(&fd);
}

bool groups_built(const char *dir)
{
	cleanup_free char *nsfile = NULL;
	return asprintf(&nsfile, "%s/mnt", dir) >= 0 && is_nsfs(nsfile);
}

void groups_touch(const char *dir)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/used", dir) < 0)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
}

bool groups_base_is_tmpfs(const char *base)
{
	cleanup_free char *marker = NULL;
	return asprintf(&marker, "%s/" GROUPS_TMPFS_MARKER, base) >= 0 && access(marker, F_OK) == 0;
}

bool groups_is_mount(const char *path)
{
	struct stat st, parent;
	cleanup_free char *up = NULL;
	return asprintf(&up, "%s/..", path) >= 0 && stat(path, &st) == 0 && stat(up, &parent) == 0 &&
	       st.st_dev != parent.st_dev;
}

/* ---- listing ---- */

static uint64_t tree_bytes;

static int add_blocks(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	tree_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

/* What the group's workloads wrote: its tmpfs's use, or (on the administrator's filesystem) the
 * blocks of its files. */
static void measure(const char *dir, struct overlay_group *g)
{
	struct statfs fs;
	if (groups_is_mount(dir) && statfs(dir, &fs) == 0) {
		g->bytes = (uint64_t)(fs.f_blocks - fs.f_bfree) * (uint64_t)fs.f_bsize;
		g->limit = (uint64_t)fs.f_blocks * (uint64_t)fs.f_bsize;
		return;
	}
	tree_bytes = 0;
	nftw(dir, add_blocks, 16, FTW_PHYS | FTW_MOUNT);
	g->bytes = tree_bytes;
	if (statfs(dir, &fs) == 0)
		g->limit = (uint64_t)fs.f_blocks * (uint64_t)fs.f_bsize;
}

static int add_group(struct overlay_group **groups, size_t *n, const char *name, const char *dir)
{
	struct overlay_group *grown = realloc(*groups, (*n + 1) * sizeof(**groups));
	if (grown == NULL)
		return -1;
	*groups = grown;
	struct overlay_group *g = &grown[*n];
	*g = (struct overlay_group){.name = strdup(name), .built = groups_built(dir)};
	if (g->name == NULL)
		return -1;
	(*n)++;
	measure(dir, g);
	cleanup_free char *used = NULL;
	struct stat st;
	if (asprintf(&used, "%s/used", dir) >= 0 && stat(used, &st) == 0)
		g->last_used_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(((const struct overlay_group *)a)->name, ((const struct overlay_group *)b)->name);
}

int overlay_list(const char *base, struct overlay_group **groups, size_t *n, struct error **err)
{
	*groups = NULL;
	*n = 0;
	cleanup_free char *legacy = NULL, *dir = NULL;
	if (asprintf(&legacy, "%s/mnt", base) < 0 || asprintf(&dir, "%s/groups", base) < 0)
		return err_sys(err, ENOMEM, "overlay groups");
	if (is_nsfs(legacy) && add_group(groups, n, OVERLAY_LEGACY_GROUP, base) < 0)
		return err_sys(err, ENOMEM, "overlay groups");
	DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : err_sys(err, errno, "open %s", dir);
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
		cleanup_free char *path = NULL;
		if (!overlay_group_valid(e->d_name) || strcmp(e->d_name, OVERLAY_LEGACY_GROUP) == 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0 || add_group(groups, n, e->d_name, path) < 0)
			rc = err_sys(err, ENOMEM, "overlay groups");
	}
	closedir(d);
	if (*n > 1)
		qsort(*groups, *n, sizeof(**groups), compare_names);
	return rc;
}

void overlay_list_free(struct overlay_group *groups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(groups[i].name);
	free(groups);
}

/* ---- removal ---- */

static int unmount_if_mounted(const char *path, struct error **err)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return err_sys(err, errno, "unmount %s", path);
	return 0;
}

/* The namespace a Reaper before groups made: its pin and its layers in the base itself. */
static int remove_legacy(const char *base, struct error **err)
{
	static const char *const parts[] = {"upper", "work", "merged", "layers", "masks"};
	cleanup_free char *nsfile = NULL;
	if (asprintf(&nsfile, "%s/mnt", base) < 0)
		return err_sys(err, ENOMEM, "legacy overlay");
	if (unmount_if_mounted(nsfile, err) < 0)
		return -1;
	unlink(nsfile);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		cleanup_free char *path = NULL;
		if (asprintf(&path, "%s/%s", base, parts[i]) < 0 || fs_remove_tree(path, err) < 0)
			return path ? -1 : err_sys(err, ENOMEM, "legacy overlay");
	}
	return 0;
}

int overlay_remove(const char *base, const char *group, struct error **err)
{
	if (!overlay_group_valid(group))
		return err_new(err, ERR_INVALID, "overlay group '%s' is not a valid name", group);
	if (strcmp(group, OVERLAY_LEGACY_GROUP) == 0)
		return remove_legacy(base, err);
	cleanup_free char *dir = groups_dir(base, group), *nsfile = NULL;
	if (dir == NULL || asprintf(&nsfile, "%s/mnt", dir) < 0)
		return err_sys(err, ENOMEM, "overlay group");
	if (access(dir, F_OK) < 0)
		return err_new(err, ERR_NOT_FOUND, "overlay group %s does not exist", group);
	cleanup_close int lock = groups_lock(base, group, err);
	if (lock < 0 || unmount_if_mounted(nsfile, err) < 0)
		return -1;
	if (groups_is_mount(dir) ? unmount_if_mounted(dir, err) < 0 : fs_remove_tree(dir, err) < 0)
		return -1;
	if (rmdir(dir) < 0 && errno != ENOENT)
		return err_sys(err, errno, "remove %s", dir);
	return 0;
}

int overlay_teardown(const char *base, struct error **err)
{
	struct overlay_group *groups;
	size_t n;
	if (overlay_list(base, &groups, &n, err) < 0)
		return -1;
	/* The base is unmounted only if it is Reaper's tmpfs (or an older Reaper's), never the
	 * administrator's filesystem. */
	cleanup_free char *legacy = NULL;
	bool own = groups_base_is_tmpfs(base) || (asprintf(&legacy, "%s/mnt", base) >= 0 && is_nsfs(legacy));
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = overlay_remove(base, groups[i].name, err);
	overlay_list_free(groups, n);
	if (rc < 0 || (own && unmount_if_mounted(base, err) < 0))
		return -1;
	if (rmdir(base) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EBUSY)
		return err_sys(err, errno, "remove %s", base);
	return 0;
}
