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

#endif
