/* SPDX-License-Identifier: Apache-2.0 */
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "newmount.h"

/* Each "key=value" (or bare flag) of a comma-separated list into the filesystem context fd. */
static int configure(int fd, const char *options, struct error **err)
{
	cleanup_free char *copy = options ? strdup(options) : NULL;
	if (options != NULL && copy == NULL)
		return err_sys(err, ENOMEM, "options");
	char *rest = copy;
	for (char *opt; rest != NULL && (opt = strsep(&rest, ",")) != NULL;) {
		if (*opt == '\0')
			continue;
		char *value = strchr(opt, '=');
		if (value != NULL)
			*value++ = '\0';
		/* A flag is a string option without a value (FSCONFIG_SET_FLAG is 0). */
		if (nm_fsconfig(fd, value ? NM_FSCONFIG_SET_STRING : 0, opt, value, 0) < 0)
			return err_sys(err, errno, "option %s", opt);
	}
	return 0;
}

int mounts_new(const char *type, const char *source, const char *options, uint64_t attrs, struct error **err)
{
	cleanup_close int fs = nm_fsopen(type, NM_FSOPEN_CLOEXEC);
	if (fs < 0)
		return err_sys(err, errno, "open a %s filesystem", type);
	if (source != NULL && nm_fsconfig(fs, NM_FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return err_sys(err, errno, "%s source %s", type, source);
	if (configure(fs, options, err) < 0)
		return err_wrap(err, "%s", type);
	if (nm_fsconfig(fs, NM_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return err_sys(err, errno, "create a %s filesystem (%s)", type, options ? options : "");
	int mfd = nm_fsmount(fs, NM_FSMOUNT_CLOEXEC, (unsigned)attrs);
	if (mfd < 0)
		return err_sys(err, errno, "mount a %s filesystem", type);
	return mfd;
}

int mounts_clone(const char *path, bool recursive, struct error **err)
{
	int fd = nm_open_tree(AT_FDCWD, path,
			      NM_OPEN_TREE_CLONE | NM_OPEN_TREE_CLOEXEC | (recursive ? NM_AT_RECURSIVE : 0));
	return fd < 0 ? err_sys(err, errno, "clone %s", path) : fd;
}

int mounts_attach(int mfd, int target_fd, const char *target, struct error **err)
{
	int rc = target_fd >= 0 ? nm_move_mount(mfd, "", target_fd, "",
						NM_MOVE_MOUNT_F_EMPTY_PATH | NM_MOVE_MOUNT_T_EMPTY_PATH)
				: nm_move_mount(mfd, "", AT_FDCWD, target, NM_MOVE_MOUNT_F_EMPTY_PATH);
	return rc < 0 ? err_sys(err, errno, "mount on %s", target) : 0;
}

int mounts_setattr(int dfd, const char *path, bool recursive, uint64_t set, uint64_t clr,
		   uint64_t propagation, struct error **err)
{
	/* Setting an atime mode replaces the whole atime field. */
	if (set & (NM_MOUNT_ATTR_NOATIME | NM_MOUNT_ATTR_STRICTATIME))
		clr |= NM_MOUNT_ATTR__ATIME;
	struct nm_mount_attr attr = {.attr_set = set, .attr_clr = clr, .propagation = propagation};
	unsigned flags = (recursive ? NM_AT_RECURSIVE : 0) | (path[0] == '\0' ? AT_EMPTY_PATH : 0);
	if (nm_mount_setattr(dfd, path, flags, &attr) < 0)
		return err_sys(err, errno, "set the attributes of %s", path[0] ? path : "a mount");
	return 0;
}

int mounts_make_readonly(const char *path, struct error **err)
{
	cleanup_close int tree =
		nm_open_tree(AT_FDCWD, path, NM_OPEN_TREE_CLONE | NM_OPEN_TREE_CLOEXEC | NM_AT_RECURSIVE);
	if (tree < 0)
		return errno == ENOENT ? 0 : err_sys(err, errno, "clone %s", path);
	if (mounts_setattr(tree, "", true, NM_MOUNT_ATTR_RDONLY, 0, 0, err) < 0)
		return err_wrap(err, "make %s read-only", path);
	return mounts_attach(tree, -1, path, err);
}

int mounts_mask(struct mounts_masker *m, const char *path, struct error **err)
{
	/* What the path names, a symlink followed: a mask covers the file or directory itself. */
	struct stat st;
	cleanup_close int target = open(path, O_PATH | O_CLOEXEC);
	if (target < 0 || fstat(target, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(err, errno, "mask %s", path);
	bool dir = S_ISDIR(st.st_mode);
	cleanup_close int mfd = -1;
	if (dir && m->empty_dir < 0) {
		mfd = mounts_new("tmpfs", MOUNTS_SOURCE_PREFIX "-mask", "mode=0555", NM_MOUNT_ATTR_RDONLY,
				 err);
	} else {
		mfd = dir ? nm_open_tree(m->empty_dir, "",
					 NM_OPEN_TREE_CLONE | NM_OPEN_TREE_CLOEXEC | AT_EMPTY_PATH)
			  : nm_open_tree(AT_FDCWD, m->empty_file, NM_OPEN_TREE_CLONE | NM_OPEN_TREE_CLOEXEC);
		if (mfd < 0)
			return err_sys(err, errno, "mask %s: clone the empty %s", path,
				       dir ? "directory" : "file");
		if (mounts_setattr(mfd, "", false, NM_MOUNT_ATTR_RDONLY, 0, 0, err) < 0)
			return -1;
	}
	if (mfd < 0 || mounts_attach(mfd, target, path, err) < 0)
		return err_wrap(err, "mask %s", path);
	if (dir && m->empty_dir < 0 && (m->empty_dir = open(path, O_PATH | O_CLOEXEC)) < 0)
		return err_sys(err, errno, "mask %s", path);
	return 0;
}

void mounts_masker_clear(struct mounts_masker *m)
{
	if (m->empty_dir >= 0)
		close(m->empty_dir);
	m->empty_dir = -1;
}
