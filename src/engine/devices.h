/* SPDX-License-Identifier: Apache-2.0 */
/* The /dev of a non-privileged container: a tmpfs of its own holding the devices every container
 * gets (null, zero, full, random, urandom, tty, ptmx), those its spec grants (linux.devices, such
 * as a device plugin's), the usual links, and the host's devpts and mqueue. It is sealed read-only
 * once the container's own mounts are in place: without a devices cgroup to guard device nodes,
 * that is what keeps a pod from making and opening a node of the host's disks. */
#ifndef REAPER_DEVICES_H
#define REAPER_DEVICES_H

#include "error.h"
#include "spec.h"

/* In the container's private mount namespace: mount the new /dev. */
int devices_mount(const struct spec *spec, struct error **err);
/* Make /dev read-only (its submounts keep their own modes). */
int devices_seal(struct error **err);

#endif
