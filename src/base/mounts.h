/* SPDX-License-Identifier: Apache-2.0 */
/* Mount operations shared by the overlay builder and the container's view, on the new mount API
 * (newmount.h). Every filesystem Reaper mounts itself has a source named "reaper-..." in
 * /proc/self/mountinfo: that is how the view tells Reaper's own layers from the host's. */
#ifndef REAPER_MOUNTS_H
#define REAPER_MOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define MOUNTS_SOURCE_PREFIX "reaper"

/* A new, detached filesystem of type (returns its mount fd) with source, options such as
 * "mode=0755,size=64k" (comma-separated "key=value" or flags; may be NULL) and MOUNT_ATTR_* attrs.
 * Reaper's own tmpfs mounts are named MOUNTS_SOURCE_PREFIX "-...". */
int mounts_new(const char *type, const char *source, const char *options, uint64_t attrs, struct error **err);
/* A detached copy of the mount at path (and of the mounts below it when recursive). */
int mounts_clone(const char *path, bool recursive, struct error **err);
/* Attach the detached mount mfd on target, an O_PATH fd (target_fd >= 0) or else a path. */
int mounts_attach(int mfd, int target_fd, const char *target, struct error **err);
/* Set and clear MOUNT_ATTR_* bits, and set the propagation (MS_SHARED...; 0 keeps it), of the mount
 * at dfd/path (path "" with dfd an fd), and of every mount below it when recursive. */
int mounts_setattr(int dfd, const char *path, bool recursive, uint64_t set, uint64_t clr,
		   uint64_t propagation, struct error **err);
/* Make path and everything below it read-only: a read-only recursive bind of it onto itself. A
 * missing path is skipped. */
int mounts_make_readonly(const char *path, struct error **err);
/* What masks are made from: a file that reads empty, and the first directory mask (an empty
 * read-only tmpfs that later directory masks share instead of each making one). The mask is held
 * by an fd: a later mount over its path (a /run tmpfs from the spec) must not lose it. */
struct mounts_masker {
	const char *empty_file;
	int empty_dir; /* -1 until the first directory mask; close with mounts_masker_clear */
};
#define MOUNTS_MASKER_INIT(file)                      \
	{                                             \
		.empty_file = (file), .empty_dir = -1 \
	}
/* Hide path: a directory shows as an empty read-only tmpfs, anything else as a read-only bind of
 * the empty file. A missing path is skipped. */
int mounts_mask(struct mounts_masker *m, const char *path, struct error **err);
void mounts_masker_clear(struct mounts_masker *m);

#endif
