/* SPDX-License-Identifier: Apache-2.0 */
/* A container's own mounts (Kubernetes volumes, /etc/hosts, the service-account token...): taken
 * from the host before the workload leaves the host namespace, attached in the container's private
 * copy of the overlay namespace so no other container sees them. The kernel's own filesystems
 * (proc, sysfs, devpts, mqueue, cgroup) are the host's already, and /dev is the view's (view.h).
 *
 * A bind source is resolved on the host, symlinks included, as runc does. Its options apply as
 * the spec means them: ro, nosuid, nodev, noexec to the top mount only, their recursive forms (rro,
 * ...) to the whole tree; propagation as given (rprivate, rslave: host to container only,
 * rshared: both ways), rprivate when none is given, so nothing mounted inside the container ever
 * reaches the host unless the spec asks for it.
 *
 * A non-privileged container's volumes are nodev through and through: no devices cgroup keeps it
 * from opening a device node that a volume (a hostPath of /dev, say) holds, as runc's does. */
#ifndef REAPER_VOLUMES_H
#define REAPER_VOLUMES_H

#include <stdbool.h>
#include <stdint.h>
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
	uint64_t forced; /* mount attributes every volume gets, whatever its options (NM_MOUNT_ATTR_*) */
};

struct volumes_policy {
	bool host_dns; /* the node's /etc/resolv.conf and /etc/hosts: leave the pod's out */
	bool nodev;    /* no device node on any volume opens (a non-privileged container) */
};

/* In the host namespace: clone every bind source (relative sources are under bundle) and set
 * its attributes and propagation as the spec and the policy say. */
int volumes_prepare(const struct spec *spec, const char *bundle, const struct volumes_policy *policy,
		    struct volumes *out, struct error **err);
/* Inside the container's private mount namespace: make the destinations that are missing. */
int volumes_make_mount_points(const struct volumes *volumes, struct error **err);
/* Then, once the view's protections are in place, attach them. */
int volumes_attach(const struct volumes *volumes, struct error **err);
void volumes_close(struct volumes *volumes);

#endif
