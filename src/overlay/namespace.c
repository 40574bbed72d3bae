/* SPDX-License-Identifier: Apache-2.0 */
/* Making, opening and joining a group's overlay namespace. */
#include "overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fsutil.h"
#include "groups.h"
#include "rootfs.h"

const char *overlay_base(void)
{
	return config_get("REAPER_OVERLAY_BASE");
}

/* A DNS label: 1-63 of [a-z0-9-], neither starting nor ending with '-'. */
static bool is_label(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	}
	return true;
}

bool overlay_group_valid(const char *group)
{
	size_t n = group ? strlen(group) : 0;
	if (n == 0 || n > OVERLAY_GROUP_MAX)
		return false;
	if (group[0] == '_')
		return is_label(group + 1, n - 1);
	for (const char *part = group;;) {
		const char *dot = strchr(part, '.');
		size_t len = dot ? (size_t)(dot - part) : strlen(part);
		if (!is_label(part, len))
			return false;
		if (dot == NULL)
			return true;
		part = dot + 1;
	}
}

/* overlayfs option strings cannot carry these characters. */
static int check_base(const char *base, struct error **err)
{
	if (base[0] != '/' || strpbrk(base, ",:\\ ") != NULL || strstr(base, "/.") != NULL)
		return err_new(err, ERR_INVALID,
			       "overlay base '%s' must be an absolute path without , : \\ or spaces", base);
	return 0;
}

/* The base is a private tmpfs of Reaper's (or the administrator's own filesystem): the upper layers
 * live apart from the lower root, and the namespace files can be bind-mounted there without
 * propagating into the namespaces themselves. Made once, under base.lock. */
static int prepare_base(const char *base, struct error **err)
{
	cleanup_free char *lockpath = NULL, *marker = NULL, *groups = NULL;
	if (asprintf(&lockpath, "%s.lock", base) < 0 ||
	    asprintf(&marker, "%s/" GROUPS_TMPFS_MARKER, base) < 0 ||
	    asprintf(&groups, "%s/groups", base) < 0)
		return err_sys(err, ENOMEM, "overlay base");
	if (access(groups, F_OK) == 0)
		return 0;
	if (fs_mkdir_p(base, 0700, err) < 0)
		return -1;
	cleanup_close int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return err_sys(err, errno, "lock %s", lockpath);
	if (access(groups, F_OK) == 0)
		return 0; /* made while we waited */
	struct stat st_base, st_parent;
	cleanup_free char *parent = NULL;
	if (asprintf(&parent, "%s/..", base) < 0 || stat(base, &st_base) < 0 || stat(parent, &st_parent) < 0)
		return err_sys(err, errno, "stat %s", base);
	bool own = st_base.st_dev == st_parent.st_dev;
	if (own && mount("reaper-overlay", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=1m") < 0)
		return err_sys(err, errno, "mount tmpfs on %s", base);
	/* Unbindable (hence private): a recursive bind of a tree above the base (a hostPath of / or
	 * /run) leaves it out, with every group below it. */
	if (mount(NULL, base, NULL, MS_UNBINDABLE, NULL) < 0)
		return err_sys(err, errno, "make %s unbindable", base);
	if (own) {
		int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return err_sys(err, errno, "create %s", marker);
		close(fd);
	}
	return mkdir(groups, 0700) < 0 && errno != EEXIST ? err_sys(err, errno, "mkdir %s", groups) : 0;
}

/* The group's directory: a tmpfs of its own sized REAPER_OVERLAY_SIZE on Reaper's base, a plain
 * directory on the administrator's filesystem. */
static int prepare_group(const char *base, const char *dir, struct error **err)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_sys(err, errno, "mkdir %s", dir);
	if (groups_base_is_tmpfs(base) && !groups_is_mount(dir)) {
		cleanup_free char *opts = NULL;
		if (asprintf(&opts, "mode=0700,size=%s", config_get("REAPER_OVERLAY_SIZE")) < 0)
			return err_sys(err, ENOMEM, "overlay group");
		if (mount("reaper-group", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
			return err_sys(err, errno, "mount tmpfs (%s) on %s", opts, dir);
	}
	const char *dirs[] = {"upper", "work", "merged", "layers"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		cleanup_free char *sub = NULL;
		if (asprintf(&sub, "%s/%s", dir, dirs[i]) < 0)
			return err_sys(err, ENOMEM, "overlay group");
		if (mkdir(sub, strcmp(dirs[i], "upper") == 0 ? 0755 : 0700) < 0 && errno != EEXIST)
			return err_sys(err, errno, "mkdir %s", sub);
	}
	cleanup_free char *nsfile = NULL;
	if (asprintf(&nsfile, "%s/mnt", dir) < 0)
		return err_sys(err, ENOMEM, "overlay group");
	int fd = open(nsfile, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(err, errno, "create %s", nsfile);
	close(fd);
	return 0;
}

/* The child: unshare, build the root, report, then wait for the parent to pin the namespace. */
static void builder_child(const char *base, const char *dir, const char *state_root, int report_fd,
			  int release_fd)
{
	struct error *err = NULL;
	if (unshare(CLONE_NEWNS) < 0)
		err_sys(&err, errno, "unshare mount namespace");
	else
		rootfs_build(base, dir, state_root, &err);
	const char *msg = err ? err_message(err) : "";
	fs_write_all(report_fd, msg, strlen(msg) + 1);
	close(report_fd);
	char c;
	while (read(release_fd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(err ? 1 : 0);
}

static int build(const char *base, const char *dir, const char *state_root, struct error **err)
{
	int report[2], release[2];
	if (pipe2(report, O_CLOEXEC) < 0)
		return err_sys(err, errno, "pipe");
	if (pipe2(release, O_CLOEXEC) < 0) {
		close(report[0]);
		close(report[1]);
		return err_sys(err, errno, "pipe");
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(report[0]);
		close(release[1]);
		builder_child(base, dir, state_root, report[1], release[0]);
	}
	close(report[1]);
	close(release[0]);
	int rc = 0;
	cleanup_free char *msg = NULL;
	size_t len = 0;
	if (pid < 0) {
		rc = err_sys(err, errno, "fork");
	} else if (fs_read_fd(report[0], "the builder's report", 4096, &msg, &len, NULL) < 0 || len == 0 ||
		   msg[0] != '\0') {
		rc = err_new(err, ERR_SYSTEM, "build the overlay namespace: %s",
			     len > 0 && msg[0] ? msg : "builder died");
	} else {
		cleanup_free char *src = NULL, *nsfile = NULL;
		if (asprintf(&src, "/proc/%d/ns/mnt", (int)pid) < 0 || asprintf(&nsfile, "%s/mnt", dir) < 0 ||
		    mount(src, nsfile, NULL, MS_BIND, NULL) < 0)
			rc = err_sys(err, errno, "pin the overlay namespace in %s", dir);
	}
	close(report[0]);
	close(release[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return rc;
}

static int ensure_group(const char *base, const char *group, const char *state_root, struct error **err)
{
	if (prepare_base(base, err) < 0)
		return -1;
	cleanup_close int lock = groups_lock(base, group, err);
	if (lock < 0)
		return -1;
	cleanup_free char *dir = groups_dir(base, group);
	if (dir == NULL)
		return err_sys(err, ENOMEM, "overlay group");
	if (groups_built(dir))
		return 0; /* made while we waited */
	if (prepare_group(base, dir, err) < 0)
		return -1;
	return build(base, dir, state_root, err);
}

int overlay_open(const char *base, const char *group, const char *state_root, int *nsfd, struct error **err)
{
	if (check_base(base, err) < 0)
		return -1;
	if (!overlay_group_valid(group))
		return err_new(err, ERR_INVALID, "overlay group '%s' is not a valid name",
			       group ? group : "");
	cleanup_free char *dir = groups_dir(base, group);
	cleanup_free char *nsfile = NULL;
	if (dir == NULL || asprintf(&nsfile, "%s/mnt", dir) < 0)
		return err_sys(err, ENOMEM, "overlay group");
	if (!groups_built(dir) && ensure_group(base, group, state_root, err) < 0)
		return err_wrap(err, "overlay group %s under %s", group, base);
	int fd = open(nsfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "open %s", nsfile);
	groups_touch(dir);
	*nsfd = fd;
	return 0;
}

int overlay_enter(int nsfd, struct error **err)
{
	if (setns(nsfd, CLONE_NEWNS) < 0)
		return err_sys(err, errno, "join the overlay mount namespace");
	/* setns points root and cwd at the namespace's root; say so explicitly for what follows. */
	if (chdir("/") < 0 || chroot(".") < 0)
		return err_sys(err, errno, "re-anchor root in the overlay namespace");
	return 0;
}
