/* SPDX-License-Identifier: Apache-2.0 */
/* Small filesystem helpers the other modules share. */
#ifndef REAPER_FSUTIL_H
#define REAPER_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* mkdir -p with mode for every directory created. */
int fs_mkdir_p(const char *path, mode_t mode, struct error **err);
/* mkdir -p of the directory path lies in. */
int fs_mkdir_parent(const char *path, mode_t mode, struct error **err);
/* The directory part of path, as dirname(1) says it ("." for none, "/" for the root); malloc'd. */
char *fs_dirname(const char *path);
/* rm -rf without following symlinks or crossing into other mounts; missing is fine. */
int fs_remove_tree(const char *path, struct error **err);
/* Replace path atomically: write a temp file beside it (mode exactly `mode`) and rename it over
 * path. Readers see the old content or the new, never a mix. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct error **err);
/* The same, and durable: the file is fsync'ed before the rename and the directory after it. */
int fs_write_durable(const char *path, const void *data, size_t len, mode_t mode, struct error **err);
/* Create path (mode exactly `mode`) with size bytes allocated on disk (fallocate, or zeros where
 * the filesystem has no fallocate): room set aside for a write that must not fail for want of
 * space. An existing file is replaced. */
int fs_reserve(const char *path, size_t size, mode_t mode, struct error **err);
/* fs_write_durable through a file made by fs_reserve: data goes into its allocated room, which is
 * then renamed over path (the reserve is used up). Writes that fit need no new space, so a full
 * filesystem does not fail them. A missing reserve is ENOENT. */
int fs_write_durable_reserved(const char *reserve, const char *path, const void *data, size_t len,
			      struct error **err);
/* Read a whole file of at most max bytes into a NUL-terminated buffer. */
int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct error **err);
/* The same, where a missing file is not an error: *exists false, *out NULL, *len 0. */
int fs_read_optional(const char *path, size_t max, char **out, size_t *len, bool *exists, struct error **err);
/* PATH inside the tree whose root is ROOT, without a doubled slash ("/" + "/etc" = "/etc"); a
 * relative PATH counts from ROOT too. Caller frees; NULL when out of memory. */
char *fs_path_under(const char *root, const char *path);
/* PATH as a process whose root directory is ROOT would reach it, as a path in this process's view
 * (under ROOT): symlinks are followed inside ROOT (an absolute target starts again at ROOT, ".."
 * stops there; openat2 RESOLVE_IN_ROOT), so a node's absolute link resolves to the node's file
 * and not to ours. Components that do not exist are appended as given; a symlink among them
 * (dangling) is left unresolved for the caller's lstat to see. ROOT must be a canonical path. */
int fs_resolve_in_root(const char *root, const char *path, char **out, struct error **err);
/* The same from an open fd; name is the file's name in messages. */
int fs_read_fd(int fd, const char *name, size_t max, char **out, size_t *len, struct error **err);
/* In a child about to exec: make fd i a copy of src[i] (without close-on-exec) for i < n, close
 * fd i where src[i] < 0 unless i < 3 (stdio left as it is), and close every fd from n up. Sources
 * are first moved out of the way, so no dup2 clobbers one still needed. */
void fs_arrange_fds(const int *src, int n);
/* Mark every fd from `from` up close-on-exec (close_range, or each fd of /proc/self/fd on a
 * kernel without CLOSE_RANGE_CLOEXEC): the last step before an execve that must pass nothing on. */
void fs_cloexec_from(int from);
/* Write all of buf to fd, retrying on EINTR and short writes. */
int fs_write_all(int fd, const void *buf, size_t len);

#endif
