/* SPDX-License-Identifier: Apache-2.0 */
/* Assemble the overlay root inside a fresh mount namespace, then pivot into it. Runs in a
 * short-lived child of overlay_open; every failure is reported, nothing falls back to the host. */
#include "rootfs.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "mountinfo.h"
#include "mounts.h"
#include "secrets.h"

/* Trees taken from the host as they are: the kernel's views and the host's runtime state. */
static const char *const host_trees[] = {"/proc", "/sys", "/run"};

/* Pseudo filesystems are bound, never overlaid. */
static const char *const pseudo_types[] = {"proc",    "sysfs",      "devpts",   "mqueue",      "cgroup",
					   "cgroup2", "debugfs",    "tracefs",  "securityfs",  "pstore",
					   "bpf",     "configfs",   "fusectl",  "binfmt_misc", "autofs",
					   "nsfs",    "rpc_pipefs", "efivarfs", "hugetlbfs"};

/* Filesystems that hold data of their own and outlive pods: they get an overlay each. */
static const char *const persistent_types[] = {"ext2",     "ext3", "ext4",  "xfs",    "btrfs",
					       "zfs",      "f2fs", "vfat",  "exfat",  "jfs",
					       "reiserfs", "ntfs", "ntfs3", "nilfs2", "bcachefs"};

/* Mounts here come and go with pods (volumes, rootfs, image mounts): never pinned by the namespace. */
static const char *const volatile_trees[] = {"/var/lib/kubelet", "/var/lib/containerd", "/var/lib/docker",
					     "/var/lib/containers"};

static bool is_one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, set[i]) == 0)
			return true;
	}
	return false;
}

static bool is_under(const char *path, const char *tree)
{
	size_t n = strlen(tree);
	return strncmp(path, tree, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static bool is_pseudo(const char *fstype)
{
	return is_one_of(fstype, pseudo_types, ARRAY_LEN(pseudo_types));
}

static char *in_merged(const char *merged, const char *path)
{
	char *out = NULL;
	return asprintf(&out, "%s%s", merged, strcmp(path, "/") == 0 ? "" : path) < 0 ? NULL : out;
}

/* nodev but over /dev: no devices cgroup guards what a workload might mknod in the overlay. */
static int mount_overlay(const char *lower, const char *upper, const char *work, const char *target,
			 struct error **err)
{
	cleanup_free char *opts = NULL;
	if (asprintf(&opts, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work) < 0)
		return err_sys(err, ENOMEM, "overlay options");
	unsigned long flags = is_under(lower, "/dev") ? 0 : MS_NODEV;
	if (mount(MOUNTS_SOURCE_PREFIX "-overlay", target, "overlay", flags, opts) < 0)
		return err_sys(err, errno, "mount overlay (%s) on %s", opts, target);
	return 0;
}

/* The layers of submount n live in the group's layers/n/{upper,work}. */
static int overlay_submount(const char *dir, int n, const char *path, const char *target, struct error **err)
{
	cleanup_free char *upper = NULL, *work = NULL;
	if (asprintf(&upper, "%s/layers/%d/upper", dir, n) < 0 ||
	    asprintf(&work, "%s/layers/%d/work", dir, n) < 0)
		return err_sys(err, ENOMEM, "overlay layers");
	if (fs_mkdir_p(upper, 0755, err) < 0 || fs_mkdir_p(work, 0700, err) < 0)
		return -1;
	return mount_overlay(path, upper, work, target, err);
}

static int bind(const char *source, const char *target, unsigned long extra, struct error **err)
{
	if (mount(source, target, NULL, MS_BIND | extra, NULL) < 0)
		return err_sys(err, errno, "bind %s on %s", source, target);
	return 0;
}

static int bind_readonly(const char *source, const char *target, struct error **err)
{
	if (bind(source, target, MS_REC, err) < 0)
		return -1;
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		return err_sys(err, errno, "remount %s read-only", target);
	return 0;
}

/* A host submount: pseudo filesystems and what lies under /dev (pts, shm, mqueue: shared with the
 * host on purpose) are bound; /dev and whole persistent filesystems get an overlay of their own, or,
 * where overlayfs refuses them, a read-only bind: the host stays untouched. */
static int show_submount(const char *dir, int n, const struct mount_entry *m, const char *target,
			 const struct stat *st, struct error **err)
{
	if (is_pseudo(m->fstype) || (is_under(m->mount_point, "/dev") && strcmp(m->mount_point, "/dev") != 0))
		return bind(m->mount_point, target, 0, err);
	if (S_ISDIR(st->st_mode) && overlay_submount(dir, n, m->mount_point, target, NULL) == 0)
		return 0;
	log_warn("overlay: %s (%s) cannot be overlaid, showing it read-only", m->mount_point, m->fstype);
	return bind_readonly(m->mount_point, target, err);
}

/* What the namespace takes from the host's mounts. Copies and overlays are not undone when the
 * host unmounts, so nothing that comes and goes may be taken: not tmpfs, not binds of directories,
 * not what lives in kubelet's and container runtimes' trees. There the root overlay shows the
 * directory beneath, as the root filesystem has it. */
static bool wanted(const struct mount_entry *m, const char *base)
{
	if (strcmp(m->mount_point, "/") == 0 || is_under(m->mount_point, base))
		return false;
	for (size_t i = 0; i < ARRAY_LEN(host_trees); i++) {
		if (is_under(m->mount_point, host_trees[i]))
			return false; /* bound with the whole tree */
	}
	for (size_t i = 0; i < ARRAY_LEN(volatile_trees); i++) {
		if (is_under(m->mount_point, volatile_trees[i]))
			return false;
	}
	if (is_under(m->mount_point, "/dev"))
		return true;
	return strcmp(m->root, "/") == 0 &&
	       is_one_of(m->fstype, persistent_types, ARRAY_LEN(persistent_types));
}

static int add_submount(const char *dir, const char *merged, int n, const struct mount_entry *m,
			struct error **err)
{
	cleanup_free char *target = in_merged(merged, m->mount_point);
	struct stat st;
	if (target == NULL || stat(m->mount_point, &st) < 0 || stat(target, &st) < 0)
		return 0; /* hidden under another mount or gone: nothing to show */
	if (show_submount(dir, n, m, target, &st, err) == 0)
		return 0;
	/* The host unmounted it after we read the table (containerd's short-lived image mounts do
	 * that): there is nothing left to show. */
	if ((*err)->errnum == ENOENT && stat(m->mount_point, &st) < 0) {
		log_info("overlay: %s went away while the namespace was built", m->mount_point);
		err_free(err);
		return 0;
	}
	return -1;
}

static int add_submounts(const char *base, const char *dir, const char *merged, struct error **err)
{
	struct mount_table table;
	if (mountinfo_read(&table, err) < 0)
		return -1;
	mountinfo_sort_by_depth(&table);
	int rc = 0;
	for (size_t i = 0; i < table.n && rc == 0; i++) {
		const struct mount_entry *m = &table.entries[i];
		if (!wanted(m, base))
			continue;
		rc = add_submount(dir, merged, (int)i, m, err);
	}
	mountinfo_free(&table);
	return rc;
}

static int bind_host_trees(const char *merged, struct error **err)
{
	for (size_t i = 0; i < ARRAY_LEN(host_trees); i++) {
		cleanup_free char *target = in_merged(merged, host_trees[i]);
		if (access(host_trees[i], F_OK) < 0)
			continue;
		if (fs_mkdir_p(target, 0755, err) < 0 || bind(host_trees[i], target, MS_REC, err) < 0)
			return -1;
	}
	return 0;
}

static int pivot_into(const char *merged, struct error **err)
{
	if (chdir(merged) < 0)
		return err_sys(err, errno, "chdir %s", merged);
	/* pivot_root(".", "."): the old root ends up stacked on the new one, then is detached. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_sys(err, errno, "pivot_root %s", merged);
	if (umount2(".", MNT_DETACH) < 0)
		return err_sys(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return err_sys(err, errno, "chdir /");
	return 0;
}

int rootfs_build(const char *base, const char *dir, const char *state_root, struct error **err)
{
	cleanup_free char *merged = NULL, *upper = NULL, *work = NULL;
	if (asprintf(&merged, "%s/merged", dir) < 0 || asprintf(&upper, "%s/upper", dir) < 0 ||
	    asprintf(&work, "%s/work", dir) < 0)
		return err_sys(err, ENOMEM, "overlay paths");
	/* Host mount events still reach us; ours never reach the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return err_sys(err, errno, "make / a slave mount");
	if (mount_overlay("/", upper, work, merged, err) < 0)
		return -1;
	if (add_submounts(base, dir, merged, err) < 0 || bind_host_trees(merged, err) < 0 ||
	    secrets_hide(merged, state_root, base, dir, err) < 0)
		return -1;
	return pivot_into(merged, err);
}
