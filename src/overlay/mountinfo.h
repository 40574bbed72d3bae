/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/self/mountinfo, parsed: what the overlay builder needs to know of each host mount. */
#ifndef REAPER_MOUNTINFO_H
#define REAPER_MOUNTINFO_H

#include <stddef.h>

#include "error.h"

struct mount_entry {
	int id;
	int parent_id;
	char *root;        /* the path inside its filesystem that is mounted: "/" unless a bind */
	char *mount_point; /* unescaped */
	char *fstype;
	char *source;        /* unescaped; "none" or "" when the filesystem has none */
	char *super_options; /* the filesystem's own options, e.g. "rw,lowerdir=/,upperdir=..." */
	size_t line;         /* position in mountinfo: the kernel's mount order */
};

struct mount_table {
	struct mount_entry *entries;
	size_t n;
};

int mountinfo_parse(const char *text, struct mount_table *out, struct error **err);
int mountinfo_read(struct mount_table *out, struct error **err);
/* The entry with that mount id, or NULL. */
const struct mount_entry *mountinfo_find(const struct mount_table *table, int id);
/* Sort so that every mount point comes after the mount points it lies under. Stable: mounts stacked
 * on one point stay bottom first, as the kernel lists them. */
void mountinfo_sort_by_depth(struct mount_table *table);
void mountinfo_free(struct mount_table *table);

#endif
