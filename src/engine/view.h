/* SPDX-License-Identifier: Apache-2.0 */
/* The container's view of the filesystem: the node's overlay namespace, then, in a private copy
 * of it, what the spec and Reaper's protections ask for. Built by the workload right after it has
 * joined the overlay namespace; an exec joins its container's view as it is.
 *
 * In order (runc's, where runc has one):
 * 1. a private copy of the namespace, slave of the overlay's (rootfsPropagation when given);
 * 2. non-privileged: a /dev of its own (devices.h);
 * 3. the volumes' mount points, made only in Reaper's own layers (mount_point.h);
 * 4. root.readonly: every mount read-only but the kernel filesystems the spec mounts writable;
 * 5. non-privileged: /sys and /run read-only, the node's control sockets hidden;
 * 6. the volumes, with their attributes and propagation (volumes.h);
 * 7. maskedPaths and readonlyPaths, and for a non-privileged container Reaper's own floor of
 *    them (kubelet's defaults), whatever the spec says;
 * 8. non-privileged: /dev sealed read-only.
 * A container is privileged when its capabilities include CAP_SYS_ADMIN (or the spec sets none:
 * all of root's): such a process can leave any mount namespace, so it sees the node's overlay as
 * it is, as a privileged pod sees the host under runc. */
#ifndef REAPER_VIEW_H
#define REAPER_VIEW_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"
#include "volumes.h"

bool view_is_privileged(const struct spec *spec);
/* In the workload, after joining the overlay namespace. volumes may be NULL. */
int view_build(const struct spec *spec, const struct volumes *volumes, struct error **err);

#endif
