/* SPDX-License-Identifier: Apache-2.0 */
/* The new mount API and openat2 through syscall(2): musl has no wrappers, and glibc's clash with
 * <linux/mount.h>. Numbers are the same on every architecture (asm-generic, since 5.2 and 5.6). */
#ifndef REAPER_NEWMOUNT_H
#define REAPER_NEWMOUNT_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree  428
#define SYS_move_mount 429
#define SYS_fsopen     430
#define SYS_fsconfig   431
#define SYS_fsmount    432
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

#define NM_OPEN_TREE_CLONE         1
#define NM_OPEN_TREE_CLOEXEC       O_CLOEXEC
#define NM_AT_RECURSIVE            0x8000
#define NM_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define NM_MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#define NM_FSOPEN_CLOEXEC          0x00000001
#define NM_FSMOUNT_CLOEXEC         0x00000001
#define NM_FSCONFIG_SET_STRING     1
#define NM_FSCONFIG_CMD_CREATE     6
#define NM_RESOLVE_NO_XDEV         0x01
#define NM_RESOLVE_NO_MAGICLINKS   0x02
#define NM_RESOLVE_NO_SYMLINKS     0x04
#define NM_RESOLVE_BENEATH         0x08
#define NM_RESOLVE_IN_ROOT         0x10
#define NM_MOUNT_ATTR_RDONLY       0x00000001
#define NM_MOUNT_ATTR_NOSUID       0x00000002
#define NM_MOUNT_ATTR_NODEV        0x00000004
#define NM_MOUNT_ATTR_NOEXEC       0x00000008
#define NM_MOUNT_ATTR__ATIME       0x00000070 /* the atime mode: set it whole */
#define NM_MOUNT_ATTR_RELATIME     0x00000000
#define NM_MOUNT_ATTR_NOATIME      0x00000010
#define NM_MOUNT_ATTR_STRICTATIME  0x00000020
#define NM_MOUNT_ATTR_NODIRATIME   0x00000080
#define NM_MOUNT_ATTR_NOSYMFOLLOW  0x00200000

struct nm_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

struct nm_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

static inline int nm_openat2(int dfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct nm_open_how how = {.flags = flags, .resolve = resolve};
	return (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

static inline int nm_fsopen(const char *fstype, unsigned flags)
{
	return (int)syscall(SYS_fsopen, fstype, flags);
}

static inline int nm_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int nm_fsmount(int fd, unsigned flags, unsigned attr_flags)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

static inline int nm_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static inline int nm_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static inline int nm_mount_setattr(int dfd, const char *path, unsigned flags, struct nm_mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

#endif
