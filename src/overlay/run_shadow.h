/* SPDX-License-Identifier: Apache-2.0 */
/* The namespace's /run: a tmpfs of Reaper's own holding a bind of each entry of the host's /run
 * (each directory with everything mounted below it, each socket and file). Workloads reach the
 * host's sockets and runtime directories through those binds (a socket can be connected to
 * through a bind, not through an overlay), while a mount point a container needs under /run
 * (/var/run/secrets/... for Kubernetes' service-account token) is made in Reaper's tmpfs, never on
 * the host. Entries the host adds to /run later show inside the directories bound; a new entry at
 * the top of /run appears after `reaper overlay reset`. */
#ifndef REAPER_RUN_SHADOW_H
#define REAPER_RUN_SHADOW_H

#include "error.h"

/* A file that reads empty, for masks: in the namespace, and under merged while it is built. */
#define RUN_SHADOW_EMPTY_FILE "/run/.reaper-empty"

/* In the builder, before pivot_root: mount the shadow on merged/run. */
int run_shadow_build(const char *merged, struct error **err);

#endif
