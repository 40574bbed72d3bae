/* SPDX-License-Identifier: Apache-2.0 */
/* A container's own mounts (Kubernetes volumes, /etc/hosts, the service-account token...): taken
 * from the host before the workload leaves the host namespace, attached in the container's private
 * copy of the overlay namespace so no other container sees them. The kernel's own filesystems
 * (proc, sysfs, devpts, mqueue, cgroup) and the spec's tmpfs on /dev are the host's already. */
#ifndef REAPER_VOLUMES_H
#define REAPER_VOLUMES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "spec.h"

struct volume {
	const struct spec_mount *mount;
	int tree_fd; /* a detached clone of the bind source (open_tree), or -1 for a new mount */
	bool is_dir; /* what to create at the destination */
};

struct volumes {
	struct volume *items;
	size_t n;
};

/* In the host namespace: clone every bind source (relative sources are under bundle) and set
 * its read-only/nosuid/nodev/noexec attributes. */
int volumes_prepare(const struct spec *spec, const char *bundle, struct volumes *out, struct error **err);
/* Inside the container's private mount namespace: create the destinations and attach. */
int volumes_attach(const struct volumes *volumes, struct error **err);
void volumes_close(struct volumes *volumes);

#endif
