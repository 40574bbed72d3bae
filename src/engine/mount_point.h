/* SPDX-License-Identifier: Apache-2.0 */
/* Where a mount lands in the container's view (the calling process has entered it: "/" is the
 * container's root). A mount point that does not exist is made only inside Reaper's own layers
 * (the overlay, Reaper's tmpfs mounts: their mountinfo source starts with "reaper"), never in a
 * tree that is the host's (/proc, /sys, the host's sockets and directories under /run, a host
 * volume): there the mount is refused with an error that names it. Symlinks in the destination are
 * followed as the container sees them, never out of its root (RESOLVE_IN_ROOT); a component that a
 * workload swaps for a symlink while the mount point is being made is refused, not followed. */
#ifndef REAPER_MOUNT_POINT_H
#define REAPER_MOUNT_POINT_H

#include <stdbool.h>

#include "error.h"

/* Make dest exist: a directory, or an empty file when !is_dir. An existing dest is left alone. */
int mount_point_make(const char *dest, bool is_dir, struct error **err);
/* An O_PATH fd of the existing dest, resolved inside the root; *is_dir says what it is. */
int mount_point_open(const char *dest, bool *is_dir, struct error **err);

#endif
