/* SPDX-License-Identifier: Apache-2.0 */
/* Creating, joining and tearing down the node's shared overlay namespace. */
#include "array.h"
#include "overlay.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fsutil.h"
#include "rootfs.h"

#define NSFS_MAGIC_NUMBER 0x6e736673

const char *overlay_base(void)
{
	return config_get("REAPER_OVERLAY_BASE");
}

static char *base_path(const char *base, const char *name)
{
	char *out = NULL;
	return asprintf(&out, "%s/%s", base, name) < 0 ? NULL : out;
}

static bool is_nsfs(const char *path)
{
	struct statfs sfs;
	return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type == NSFS_MAGIC_NUMBER;
}

/* overlayfs option strings cannot carry these characters. */
static int check_base(const char *base, struct error **err)
{
	if (base[0] != '/' || strpbrk(base, ",:\\ ") != NULL || strstr(base, "/.") != NULL)
		return err_new(err, ERR_INVALID,
			       "overlay base '%s' must be an absolute path without , : \\ or spaces", base);
	return 0;
}

/* The base is a private tmpfs: the upper layers live apart from the lower root, and the namespace
 * file can be bind-mounted there without propagating into the namespace itself. */
static int prepare_base(const char *base, struct error **err)
{
	if (fs_mkdir_p(base, 0700, err) < 0)
		return -1;
	struct stat st_base, st_parent;
	cleanup_free char *parent = base_path(base, "..");
	if (stat(base, &st_base) < 0 || stat(parent, &st_parent) < 0)
		return err_sys(err, errno, "stat %s", base);
	if (st_base.st_dev == st_parent.st_dev &&
	    mount("reaper-overlay", base, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return err_sys(err, errno, "mount tmpfs on %s", base);
	/* Unbindable (hence private): a recursive bind of a tree above the base (a hostPath of / or
	 * /run) leaves it out, so it never carries the namespace's own pin into the namespace. */
	if (mount(NULL, base, NULL, MS_UNBINDABLE, NULL) < 0)
		return err_sys(err, errno, "make %s unbindable", base);
	const char *dirs[] = {"upper", "work", "merged", "layers"};
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		cleanup_free char *dir = base_path(base, dirs[i]);
		if (mkdir(dir, strcmp(dirs[i], "upper") == 0 ? 0755 : 0700) < 0 && errno != EEXIST)
			return err_sys(err, errno, "mkdir %s", dir);
	}
	cleanup_free char *nsfile = base_path(base, "mnt");
	int fd = open(nsfile, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(err, errno, "create %s", nsfile);
	close(fd);
	return 0;
}

/* The child: unshare, build the root, report, then wait for the parent to pin the namespace. */
static void builder_child(const char *base, const char *state_root, int report_fd, int release_fd)
{
	struct error *err = NULL;
	if (unshare(CLONE_NEWNS) < 0)
		err_sys(&err, errno, "unshare mount namespace");
	else
		rootfs_build(base, state_root, &err);
	const char *msg = err ? err_message(err) : "";
	fs_write_all(report_fd, msg, strlen(msg) + 1);
	close(report_fd);
	char c;
	while (read(release_fd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(err ? 1 : 0);
}

static int create_namespace(const char *base, const char *state_root, struct error **err)
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
		builder_child(base, state_root, report[1], release[0]);
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
		cleanup_free char *src = NULL, *nsfile = base_path(base, "mnt");
		if (asprintf(&src, "/proc/%d/ns/mnt", (int)pid) < 0 ||
		    mount(src, nsfile, NULL, MS_BIND, NULL) < 0)
			rc = err_sys(err, errno, "pin the overlay namespace on %s", nsfile);
	}
	close(report[0]);
	close(release[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return rc;
}

static int ensure_namespace(const char *base, const char *state_root, struct error **err)
{
	cleanup_free char *lockpath = NULL;
	if (asprintf(&lockpath, "%s.lock", base) < 0)
		return err_sys(err, ENOMEM, "overlay lock");
	if (fs_mkdir_parent(base, 0700, err) < 0)
		return -1;
	cleanup_close int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return err_sys(err, errno, "open %s", lockpath);
	if (flock(lock, LOCK_EX) < 0)
		return err_sys(err, errno, "lock %s", lockpath);
	cleanup_free char *nsfile = base_path(base, "mnt");
	if (is_nsfs(nsfile))
		return 0; /* someone built it while we waited */
	if (prepare_base(base, err) < 0)
		return -1;
	return create_namespace(base, state_root, err);
}

int overlay_open(const char *base, const char *state_root, int *nsfd, struct error **err)
{
	if (check_base(base, err) < 0)
		return -1;
	cleanup_free char *nsfile = base_path(base, "mnt");
	if (!is_nsfs(nsfile) && ensure_namespace(base, state_root, err) < 0)
		return err_wrap(err, "shared overlay namespace under %s", base);
	int fd = open(nsfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "open %s", nsfile);
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

int overlay_teardown(const char *base, struct error **err)
{
	if (check_base(base, err) < 0)
		return -1;
	cleanup_free char *nsfile = base_path(base, "mnt");
	if (is_nsfs(nsfile) && umount2(nsfile, MNT_DETACH) < 0)
		return err_sys(err, errno, "unmount %s", nsfile);
	if (umount2(base, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return err_sys(err, errno, "unmount %s", base);
	if (rmdir(base) < 0 && errno != ENOENT)
		return err_sys(err, errno, "remove %s", base);
	return 0;
}
