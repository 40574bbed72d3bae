/* SPDX-License-Identifier: Apache-2.0 */
/* Publishing task events to containerd: Events.Forward over ttrpc to TTRPC_ADDRESS, one at a time
 * and in order, retried while containerd is away; never blocking the loop. */
#ifndef REAPER_EVENTS_H
#define REAPER_EVENTS_H

#include <protobuf-c/protobuf-c.h>

#include "error.h"
#include "loop.h"

struct events;

/* address: containerd's ttrpc socket; NULL or "" publishes nothing (logged). */
int events_new(struct events **out, struct loop *loop, const char *address, const char *ns,
	       struct error **err);
/* Queue an event; topic like "/tasks/exit", the message a containerd.events.* message. */
void events_publish(struct events *ev, const char *topic, const ProtobufCMessage *event);
/* Events not yet answered by containerd. */
unsigned events_pending(struct events *ev);
void events_free(struct events *ev);

#endif
