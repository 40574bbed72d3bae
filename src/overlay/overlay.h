/* SPDX-License-Identifier: Apache-2.0 */
/* The overlay groups: every workload sees the host filesystem through an overlayfs (lowerdir =
 * host /), so it can share files with the other workloads of its group but never change the
 * host's. A group (one per Kubernetes namespace by default, see the engine's pod_settings.h) is a
 * mount namespace of its own with its own upper layer, made once under a lock and kept alive by a
 * bind-mounted nsfs file (no holder process).
 *
 * Layout under the base (the setting REAPER_OVERLAY_BASE, default /run/reaper/overlay), which is a
 * private tmpfs of Reaper's, or a filesystem the node's administrator mounted there (a disk):
 *   groups/<group>/          the group; a tmpfs of its own sized REAPER_OVERLAY_SIZE when the base
 *                            is Reaper's tmpfs, so a group that fills up affects no other
 *     mnt                    the namespace file (bind mount of /proc/<pid>/ns/mnt)
 *     upper/ work/           the root overlay's layers
 *     layers/<n>/            upper and work of the overlay over host submount n (/dev, /home...)
 *     merged/ masks/         where the root is assembled, and the empty file hidden files show
 *     used                   touched whenever a container joins: the group's last use
 *   locks/<group>            held while the group is made or removed
 * The base and everything in it are hidden from every workload. */
#ifndef REAPER_OVERLAY_H
#define REAPER_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Group names: parts of [a-z0-9-] (DNS labels) joined by '.', or Reaper's own groups, which start
 * with '_' ("_default", "_node"); at most OVERLAY_GROUP_MAX bytes. */
#define OVERLAY_GROUP_MAX 128
bool overlay_group_valid(const char *group);

/* The base directory: the node setting REAPER_OVERLAY_BASE (config.h). */
const char *overlay_base(void);
/* Make the group if it does not exist yet, mark its use, then open its nsfs file (O_CLOEXEC).
 * state_root (Reaper's state directory; may be NULL) is hidden in the namespace, as the base is. */
int overlay_open(const char *base, const char *group, const char *state_root, int *nsfd, struct error **err);
/* Join the namespace behind nsfd and re-anchor root and cwd in it. */
int overlay_enter(int nsfd, struct error **err);

struct overlay_group {
	char *name;
	bool built;           /* its namespace exists */
	uint64_t bytes;       /* what its workloads wrote */
	uint64_t limit;       /* the size of its filesystem (0: unknown) */
	int64_t last_used_ns; /* when a container last joined it (0: never) */
};
/* Every group under base, sorted by name. A namespace built by a Reaper before groups existed
 * (base/mnt) shows as OVERLAY_LEGACY_GROUP. */
#define OVERLAY_LEGACY_GROUP "_legacy"
int overlay_list(const char *base, struct overlay_group **groups, size_t *n, struct error **err);
void overlay_list_free(struct overlay_group *groups, size_t n);
/* Unmount a group's namespace file and layers and remove it: what its workloads wrote is gone.
 * Containers still running in it keep what they have; the next container makes it anew. */
int overlay_remove(const char *base, const char *group, struct error **err);
/* Remove every group, then the base itself. */
int overlay_teardown(const char *base, struct error **err);

#endif
