/* SPDX-License-Identifier: Apache-2.0 */
/* The annotation keys Reaper reads from a bundle's config.json, in one place. containerd's CRI
 * plugin sets the io.kubernetes.cri.* keys on every pod's sandbox and containers. */
#ifndef REAPER_ANNOTATIONS_H
#define REAPER_ANNOTATIONS_H

/* "sandbox" for a pod's pause task, "container" for the others. */
#define ANNOTATION_CONTAINER_TYPE "io.kubernetes.cri.container-type"
#define CONTAINER_TYPE_SANDBOX    "sandbox"
/* The pod a container belongs to: its sandbox's id. */
#define ANNOTATION_SANDBOX_ID "io.kubernetes.cri.sandbox-id"
/* What groups tasks into one shim outside Kubernetes (containerd's runc shim honours it too). */
#define ANNOTATION_SHIM_GROUP "io.containerd.runc.v2.group"
/* The pod's Kubernetes namespace, on the sandbox and on every container (containerd's CRI), and
 * the name kubelet's own labels use, for other CRI implementations. */
#define ANNOTATION_SANDBOX_NAMESPACE "io.kubernetes.cri.sandbox-namespace"
#define ANNOTATION_POD_NAMESPACE     "io.kubernetes.pod.namespace"

/* Reaper's own pod annotations (pod_settings.h); containerd passes them on when the runtime's
 * pod_annotations list them, which `reaper install` does. */
#define ANNOTATION_REAPER_PREFIX "reaper.runtime/"
#define ANNOTATION_OVERLAY_NAME  ANNOTATION_REAPER_PREFIX "overlay-name"
#define ANNOTATION_DNS_MODE      ANNOTATION_REAPER_PREFIX "dns-mode"

#endif
