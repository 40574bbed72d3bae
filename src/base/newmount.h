/* SPDX-License-Identifier: Apache-2.0 */
/* The new mount API through syscall(2): musl has no wrappers, and glibc's clash with <linux/mount.h>. */
#ifndef REAPER_NEWMOUNT_H
#define REAPER_NEWMOUNT_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NM_OPEN_TREE_CLONE         1
#define NM_OPEN_TREE_CLOEXEC       O_CLOEXEC
#define NM_AT_RECURSIVE            0x8000
#define NM_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
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
