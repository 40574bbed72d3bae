/* SPDX-License-Identifier: Apache-2.0 */
#include "mount_point.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "mountinfo.h"
#include "mounts.h"
#include "newmount.h"
#include "overlay.h"

#define RESOLVE_VIEW (NM_RESOLVE_IN_ROOT | NM_RESOLVE_NO_MAGICLINKS)

static int open_in_root(const char *path, uint64_t flags)
{
	cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	return nm_openat2(root, path, flags | O_PATH | O_CLOEXEC, RESOLVE_VIEW);
}

int mount_point_open(const char *dest, bool *is_dir, struct error **err)
{
	int fd = open_in_root(dest, 0);
	if (fd < 0)
		return err_sys(err, errno, "mount point %s", dest);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int saved = errno;
		close(fd);
		return err_sys(err, saved, "mount point %s", dest);
	}
	*is_dir = S_ISDIR(st.st_mode);
	return fd;
}

/* The mount id of what fd refers to, from /proc/self/fdinfo. */
static int mount_id_of(int fd)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	cleanup_free char *text = NULL;
	size_t len;
	if (fs_read_file(path, 4096, &text, &len, NULL) < 0)
		return -1;
	const char *line = strstr(text, "mnt_id:");
	return line ? atoi(line + strlen("mnt_id:")) : -1;
}

/* Reaper's own: a filesystem it mounted itself (named "reaper-..."), or an overlay whose upper layer
 * is in the overlay base (a namespace built before overlays were named so). */
static bool owned(const struct mount_entry *m)
{
	if (strncmp(m->source, MOUNTS_SOURCE_PREFIX, strlen(MOUNTS_SOURCE_PREFIX)) == 0)
		return true;
	cleanup_free char *upper = NULL;
	if (strcmp(m->fstype, "overlay") != 0 || asprintf(&upper, "upperdir=%s/", overlay_base()) < 0)
		return false;
	return strstr(m->super_options, upper) != NULL;
}

/* Whether the directory fd lies on a mount of Reaper's own. */
static int check_owned(int fd, const char *dest, const char *existing, struct error **err)
{
	struct mount_table table;
	if (mountinfo_read(&table, err) < 0)
		return -1;
	const struct mount_entry *m = mountinfo_find(&table, mount_id_of(fd));
	int rc = 0;
	if (m == NULL)
		rc = err_new(err, ERR_SYSTEM, "mount point %s: cannot tell which mount holds %s", dest,
			     existing);
	else if (!owned(m))
		rc = err_new(err, ERR_INVALID,
			     "mount point %s does not exist and cannot be made: %s is on the host's %s "
			     "mounted on %s, "
			     "which Reaper never writes to",
			     dest, existing, m->fstype, m->mount_point);
	mountinfo_free(&table);
	return rc;
}

/* The deepest existing directory of dest: its fd, and where the missing part starts in dest. */
static int deepest_existing(const char *dest, size_t *rest, struct error **err)
{
	cleanup_free char *prefix = strdup(dest);
	if (prefix == NULL)
		return err_sys(err, ENOMEM, "mount point %s", dest);
	for (;;) {
		char *slash = strrchr(prefix, '/');
		if (slash == NULL)
			return err_new(err, ERR_INVALID, "mount point %s: not an absolute path", dest);
		*slash = '\0';
		int fd = open_in_root(*prefix ? prefix : "/", O_DIRECTORY);
		if (fd >= 0) {
			*rest = (size_t)(slash - prefix) + 1;
			return fd;
		}
		if (errno != ENOENT)
			return err_sys(err, errno, "mount point %s: %s", dest, *prefix ? prefix : "/");
	}
}

/* One missing component under dir: made, then opened without following a symlink. */
static int make_component(int dir, const char *name, bool is_dir, const char *dest, struct error **err)
{
	if (is_dir) {
		if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
			return err_sys(err, errno, "make mount point %s", dest);
		int fd = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? err_sys(err, errno, "make mount point %s", dest) : fd;
	}
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	return fd < 0 ? err_sys(err, errno, "make mount point %s", dest) : fd;
}

int mount_point_make(const char *dest, bool is_dir, struct error **err)
{
	cleanup_close int existing = open_in_root(dest, 0);
	if (existing >= 0)
		return 0;
	if (errno != ENOENT)
		return err_sys(err, errno, "mount point %s", dest);
	size_t rest = 0;
	cleanup_close int dir = deepest_existing(dest, &rest, err);
	if (dir < 0)
		return -1;
	cleanup_free char *path = strdup(dest);
	if (path == NULL)
		return err_sys(err, ENOMEM, "mount point %s", dest);
	path[rest > 1 ? rest - 1 : 1] = '\0';
	if (check_owned(dir, dest, rest > 1 ? path : "/", err) < 0)
		return -1;
	strcpy(path, dest);
	char *next = path + rest;
	for (char *name; (name = strsep(&next, "/")) != NULL;) {
		if (*name == '\0' || strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0)
			return err_new(err, ERR_INVALID, "mount point %s: '..' in the missing part", dest);
		bool last = next == NULL || strspn(next, "/") == strlen(next);
		int fd = make_component(dir, name, !last || is_dir, dest, err);
		if (fd < 0)
			return -1;
		close(dir);
		dir = fd;
	}
	return 0;
}
