/* SPDX-License-Identifier: Apache-2.0 */
#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "containerd/forward.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "log.h"
#include "pb.h"
#include "state.h"
#include "ttrpc.h"

/* containerd can be restarting: keep trying an event for a while before giving up on it. */
#define DELIVERY_TIMEOUT_MS 120000
#define DELIVERY_ATTEMPTS   1000

struct events {
	struct ttrpc_client *client;
	char *ns;
	unsigned pending;
};

int events_new(struct events **out, struct loop *loop, const char *address, const char *ns,
	       struct error **err)
{
	struct events *ev = calloc(1, sizeof(*ev));
	if (ev == NULL || (ev->ns = strdup(ns)) == NULL) {
		free(ev);
		return err_sys(err, ENOMEM, "events");
	}
	if (address != NULL && *address != '\0' && ttrpc_client_new(&ev->client, loop, address, err) < 0) {
		free(ev->ns);
		free(ev);
		return err_wrap(err, "events client for %s", address);
	}
	*out = ev;
	return 0;
}

struct delivery {
	struct events *ev;
	char topic[32];
};

static void delivered(ProtobufCMessage *reply, enum ttrpc_code code, const char *message, void *data)
{
	struct delivery *d = data;
	if (code != TTRPC_OK)
		log_error("event %s not delivered: %s: %s", d->topic, ttrpc_code_name(code), message);
	if (reply != NULL)
		protobuf_c_message_free_unpacked(reply, NULL);
	d->ev->pending--;
	free(d);
}

void events_publish(struct events *ev, const char *topic, const ProtobufCMessage *event)
{
	if (ev->client == NULL) {
		log_debug("no TTRPC_ADDRESS: event %s dropped", topic);
		return;
	}
	/* containerd reads the bare message name: "containerd.events.TaskExit". */
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	if (pb_pack_any(event, event->descriptor->name, &any) < 0)
		return;
	Google__Protobuf__Timestamp ts = pb_timestamp(clock_realtime_ns());
	Containerd__Services__Events__Ttrpc__V1__Envelope env =
		CONTAINERD__SERVICES__EVENTS__TTRPC__V1__ENVELOPE__INIT;
	env.timestamp = &ts;
	env.namespace_ = ev->ns;
	env.topic = (char *)topic;
	env.event = &any;
	Containerd__Services__Events__Ttrpc__V1__ForwardRequest req =
		CONTAINERD__SERVICES__EVENTS__TTRPC__V1__FORWARD_REQUEST__INIT;
	req.envelope = &env;
	struct delivery *d = calloc(1, sizeof(*d));
	struct ttrpc_call_opts opts = {
		.timeout_ms = DELIVERY_TIMEOUT_MS, .attempts = DELIVERY_ATTEMPTS, .ordered = true};
	struct error *err = NULL;
	if (d != NULL) {
		d->ev = ev;
		snprintf(d->topic, sizeof(d->topic), "%s", topic);
		if (ttrpc_client_call(ev->client, "containerd.services.events.ttrpc.v1.Events", "Forward",
				      &req.base, &google__protobuf__empty__descriptor, &opts, delivered, d,
				      &err) == 0)
			ev->pending++;
		else {
			log_error("event %s not queued: %s", topic, err_message(err));
			err_free(&err);
			free(d);
		}
	}
	free(any.value.data);
}

unsigned events_pending(struct events *ev)
{
	return ev->pending;
}

void events_free(struct events *ev)
{
	if (ev == NULL)
		return;
	if (ev->client != NULL)
		ttrpc_client_free(ev->client);
	free(ev->ns);
	free(ev);
}
