/* SPDX-License-Identifier: Apache-2.0 */
/* The node's shared overlay mount namespace: every workload sees the host filesystem through an
 * overlayfs (lowerdir = host /), so it can share files with other workloads but never change the
 * host's. Created once per node under a lock and kept alive by a bind-mounted nsfs file (no holder
 * process). Layout under the base (the setting REAPER_OVERLAY_BASE, default /run/reaper/overlay), a private
 * tmpfs: mnt            the namespace file (bind mount of /proc/<pid>/ns/mnt) upper/ work/   the root
 * overlay's layers layers/<n>/    upper and work of the overlay over host submount n (/dev, /home, /boot...)
 *   merged/        where the root is assembled before pivot_root (inside the namespace only) */
#ifndef REAPER_OVERLAY_H
#define REAPER_OVERLAY_H

#include "error.h"

/* The base directory: the node setting REAPER_OVERLAY_BASE (config.h). */
const char *overlay_base(void);
/* Create the namespace if it does not exist yet, then open its nsfs file (O_CLOEXEC). state_root
 * (Reaper's state directory; may be NULL) is hidden in the namespace, as the base is. */
int overlay_open(const char *base, const char *state_root, int *nsfd, struct error **err);
/* Join the namespace behind nsfd and re-anchor root and cwd in it. */
int overlay_enter(int nsfd, struct error **err);
/* Unmount the namespace file and the base (discarding everything written to the overlay). */
int overlay_teardown(const char *base, struct error **err);

#endif
