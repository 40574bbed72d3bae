/* SPDX-License-Identifier: Apache-2.0 */
/* A container's /run when it needs a mount point there that the host lacks (Kubernetes mounts the
 * service-account token at /var/run/secrets/..., and /var/run is /run): a tmpfs of Reaper's holding
 * a bind of each entry of /run as the overlay namespace shows it (the host's, live), so the mount
 * point is made in Reaper's tmpfs, never on the host, while the host's sockets and directories stay
 * where they were. Built in the container's private namespace, from its own view of /run. */
#ifndef REAPER_RUN_SHADOW_H
#define REAPER_RUN_SHADOW_H

#include <stdbool.h>

#include "error.h"

/* Replace /run with the shadow; entries named in hidden (absolute paths directly under /run,
 * NULL-terminated, may be NULL) are left out. */
int run_shadow_mount(const char *const *hidden, struct error **err);

#endif
