/* SPDX-License-Identifier: Apache-2.0 */
/* Building the overlay root inside a new mount namespace (see overlay.h for the layout). */
#ifndef REAPER_ROOTFS_H
#define REAPER_ROOTFS_H

#include "error.h"

/* In a process that has just unshared its mount namespace: mount the group's overlays (its layers
 * in dir, base/groups/<group>) and the host's trees on dir/merged and pivot_root into it. */
int rootfs_build(const char *base, const char *dir, const char *state_root, struct error **err);

#endif
