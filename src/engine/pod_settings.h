/* SPDX-License-Identifier: Apache-2.0 */
/* What a pod may ask of Reaper, and what the node's settings decide for it: the overlay group it
 * runs in, and where its DNS files come from. Read from the bundle's annotations, the same way at
 * create (recorded in the state) and in the monitor.
 *
 * The pod annotations honoured, and only these (REAPER_ANNOTATIONS_ENABLED=false turns them off):
 *   reaper.runtime/overlay-name   a DNS label: a named group within the pod's namespace
 *   reaper.runtime/dns-mode       kubernetes or host, overriding REAPER_DNS_MODE for the pod
 * Any other reaper.runtime/ key refuses the pod, naming it: what an administrator owns (paths,
 * filters, the isolation mode) never comes from a pod.
 *
 * The group (overlay.h): with REAPER_OVERLAY_ISOLATION=namespace (the default), the pod's
 * Kubernetes namespace; "<namespace>.<name>" for a named group; "_default" for a container without
 * Kubernetes metadata (ctr, reaper-runtime). With node, "_node" for every pod but those that name
 * a group. Two namespaces never meet through a name. */
#ifndef REAPER_POD_SETTINGS_H
#define REAPER_POD_SETTINGS_H

#include <stdbool.h>

#include "error.h"
#include "overlay.h"
#include "spec.h"

struct pod_settings {
	char group[OVERLAY_GROUP_MAX + 1];
	bool host_dns; /* the node's /etc/resolv.conf and /etc/hosts, not the pod's */
};

int pod_settings_read(const struct spec *spec, struct pod_settings *out, struct error **err);
/* Whether a spec mount is one of the DNS files kubelet prepares (which host DNS leaves out). */
bool pod_settings_is_dns_file(const char *destination);

#endif
