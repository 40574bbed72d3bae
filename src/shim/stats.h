/* SPDX-License-Identifier: Apache-2.0 */
/* Stats without cgroups: the container's processes, read from /proc, as the cgroups v1 Metrics
 * message containerd accepts (pids, CPU time, resident memory). */
#ifndef REAPER_STATS_H
#define REAPER_STATS_H

#include "container.h"
#include "google/protobuf/any.pb-c.h"

/* Fill any (type_url io.containerd.cgroups.v1.Metrics; caller frees any->value.data). */
int stats_collect(const struct runtime *rt, const char *id, Google__Protobuf__Any *any, struct error **err);

#endif
