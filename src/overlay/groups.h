/* SPDX-License-Identifier: Apache-2.0 */
/* The groups' places under the base (overlay.h), shared by their making (namespace.c) and their
 * lifecycle (groups.c). Internal to the overlay layer. */
#ifndef REAPER_GROUPS_H
#define REAPER_GROUPS_H

#include <stdbool.h>

#include "error.h"

/* In the base when it is Reaper's own tmpfs: the groups then get a tmpfs each. */
#define GROUPS_TMPFS_MARKER ".reaper-tmpfs"

/* base/groups/<group> (malloc'd; NULL when out of memory). */
char *groups_dir(const char *base, const char *group);
/* An fd holding base/locks/<group> exclusively (the lock file stays: unlinking it would let two
 * holders lock two files). */
int groups_lock(const char *base, const char *group, struct error **err);
/* Whether the group's namespace exists (dir/mnt is pinned). */
bool groups_built(const char *dir);
/* Mark the group as used now (dir/used). */
void groups_touch(const char *dir);
bool groups_base_is_tmpfs(const char *base);
/* Whether path is a mount point (another filesystem than its parent's). */
bool groups_is_mount(const char *path);

#endif
