/* SPDX-License-Identifier: Apache-2.0 */
/* The shim's small protobuf helpers: Timestamps from nanoseconds, messages packed into an Any. */
#ifndef REAPER_PB_H
#define REAPER_PB_H

#include <stdint.h>

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

/* ns since the epoch as a google.protobuf.Timestamp. */
Google__Protobuf__Timestamp pb_timestamp(int64_t ns);
/* msg packed into any (any->value.data malloc'ed: the caller frees it) with type_url, which the
 * caller keeps alive; -1 when out of memory. */
int pb_pack_any(const ProtobufCMessage *msg, const char *type_url, Google__Protobuf__Any *any);

#endif
