/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the protobuf messages under src/proto (compiled by protoc-c): every message packs
 * and unpacks to what it was, with every field set (a generic filler and comparer walk the
 * descriptors); a few messages field by field; and byte-exact encodings worked out by hand from
 * the wire format, which pin the field numbers to containerd's and ttrpc's. */
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containerd/cgroups_metrics.pb-c.h"
#include "containerd/events.pb-c.h"
#include "containerd/forward.pb-c.h"
#include "containerd/mount.pb-c.h"
#include "containerd/shim.pb-c.h"
#include "containerd/task_types.pb-c.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "array.h"
#include "testlib.h"
#include "ttrpc.pb-c.h"

/* Every message the .proto files define. */
static const ProtobufCMessageDescriptor *const all_messages[] = {
	/* ttrpc */
	&ttrpc__key_value__descriptor,
	&ttrpc__request__descriptor,
	&ttrpc__response__descriptor,
	/* google */
	&google__rpc__status__descriptor,
	&google__protobuf__any__descriptor,
	&google__protobuf__timestamp__descriptor,
	&google__protobuf__empty__descriptor,
	/* containerd.types, containerd.v1.types */
	&containerd__types__mount__descriptor,
	&containerd__v1__types__process_info__descriptor,
	/* containerd.task.v2 */
	&containerd__task__v2__create_task_request__descriptor,
	&containerd__task__v2__create_task_response__descriptor,
	&containerd__task__v2__delete_request__descriptor,
	&containerd__task__v2__delete_response__descriptor,
	&containerd__task__v2__exec_process_request__descriptor,
	&containerd__task__v2__resize_pty_request__descriptor,
	&containerd__task__v2__state_request__descriptor,
	&containerd__task__v2__state_response__descriptor,
	&containerd__task__v2__kill_request__descriptor,
	&containerd__task__v2__close_iorequest__descriptor,
	&containerd__task__v2__pids_request__descriptor,
	&containerd__task__v2__pids_response__descriptor,
	&containerd__task__v2__checkpoint_task_request__descriptor,
	&containerd__task__v2__update_task_request__descriptor,
	&containerd__task__v2__update_task_request__annotations_entry__descriptor,
	&containerd__task__v2__start_request__descriptor,
	&containerd__task__v2__start_response__descriptor,
	&containerd__task__v2__wait_request__descriptor,
	&containerd__task__v2__wait_response__descriptor,
	&containerd__task__v2__stats_request__descriptor,
	&containerd__task__v2__stats_response__descriptor,
	&containerd__task__v2__connect_request__descriptor,
	&containerd__task__v2__connect_response__descriptor,
	&containerd__task__v2__shutdown_request__descriptor,
	&containerd__task__v2__pause_request__descriptor,
	&containerd__task__v2__resume_request__descriptor,
	/* containerd.events */
	&containerd__events__task_io__descriptor,
	&containerd__events__task_create__descriptor,
	&containerd__events__task_start__descriptor,
	&containerd__events__task_delete__descriptor,
	&containerd__events__task_exit__descriptor,
	&containerd__events__task_oom__descriptor,
	&containerd__events__task_exec_added__descriptor,
	&containerd__events__task_exec_started__descriptor,
	/* containerd.services.events.ttrpc.v1 */
	&containerd__services__events__ttrpc__v1__envelope__descriptor,
	&containerd__services__events__ttrpc__v1__forward_request__descriptor,
	/* io.containerd.cgroups.v1 */
	&io__containerd__cgroups__v1__pids_stat__descriptor,
	&io__containerd__cgroups__v1__cpuusage__descriptor,
	&io__containerd__cgroups__v1__cpustat__descriptor,
	&io__containerd__cgroups__v1__memory_entry__descriptor,
	&io__containerd__cgroups__v1__memory_stat__descriptor,
	&io__containerd__cgroups__v1__metrics__descriptor,
};
#define N_MESSAGES (ARRAY_LEN(all_messages))

/* ---- a generic filler, comparer and mutator over descriptors ---- */

static unsigned counter;

static size_t value_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	default:
		return 4;
	}
}

static ProtobufCMessage *new_filled(const ProtobufCMessageDescriptor *desc, int depth);

/* A non-default value, different for every field filled, with multi-byte varints, negative
 * numbers, UTF-8, quotes, NULs: whatever a codec could get wrong. */
static void fill_value(const ProtobufCFieldDescriptor *f, void *slot, int depth)
{
	unsigned v = ++counter;
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		*(int32_t *)slot = v % 2 ? -(int32_t)(v * 100003) : (int32_t)(v * 100003);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		*(uint32_t *)slot = 0x80000000u + v;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		*(int64_t *)slot = (v % 2 ? -1 : 1) * ((int64_t)v * 1000000000007LL);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		*(uint64_t *)slot = 0xF000000000000000ull + v;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)slot = (float)v + 0.5f;
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)slot = v + 0.25;
		break;
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)slot = 1;
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *e = f->descriptor;
		*(int *)slot = e->values[1 + v % (e->n_values - 1)].value; /* never 0, the default */
		break;
	}
	case PROTOBUF_C_TYPE_STRING: {
		char *s = NULL;
		ck_assert_int_ge(asprintf(&s, "%s-%u \"caf\xc3\xa9\"\n", f->name, v), 0);
		*(char **)slot = s;
		break;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *b = slot;
		b->len = 3 + v % 5;
		b->data = malloc(b->len);
		for (size_t i = 0; i < b->len; i++)
			b->data[i] = (uint8_t)(i == 0 ? 0 : v * 31 + i);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		*(ProtobufCMessage **)slot = new_filled(f->descriptor, depth + 1);
		break;
	}
}

/* A message with every field set (repeated fields: two elements), nested messages too. */
static ProtobufCMessage *new_filled(const ProtobufCMessageDescriptor *desc, int depth)
{
	ck_assert_int_lt(depth, 6); /* the protos have no recursive messages */
	ProtobufCMessage *m = malloc(desc->sizeof_message);
	desc->message_init(m);
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		char *field = (char *)m + f->offset;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t size = value_size(f->type);
			char *array = calloc(2, size);
			for (int k = 0; k < 2; k++)
				fill_value(f, array + k * size, depth);
			*(size_t *)((char *)m + f->quantifier_offset) = 2;
			*(void **)field = array;
		} else {
			if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset != 0 &&
			    f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING)
				*(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
			fill_value(f, field, depth);
		}
	}
	return m;
}

static bool equal_message(const ProtobufCMessage *a, const ProtobufCMessage *b, char *why, size_t cap);

static bool equal_value(const ProtobufCFieldDescriptor *f, const void *a, const void *b, char *why,
			size_t cap)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *x = *(char *const *)a, *y = *(char *const *)b;
		return strcmp(x ? x : "", y ? y : "") == 0;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *x = a, *y = b;
		return x->len == y->len && (x->len == 0 || memcmp(x->data, y->data, x->len) == 0);
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *x = *(ProtobufCMessage *const *)a, *y = *(ProtobufCMessage *const *)b;
		if (x == NULL || y == NULL)
			return x == y;
		return equal_message(x, y, why, cap);
	}
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)a == *(const float *)b;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)a == *(const double *)b;
	default:
		return memcmp(a, b, value_size(f->type)) == 0;
	}
}

/* Field by field; on a difference, why names the field path. */
static bool equal_message(const ProtobufCMessage *a, const ProtobufCMessage *b, char *why, size_t cap)
{
	if (a->descriptor != b->descriptor) {
		snprintf(why, cap, "descriptors differ");
		return false;
	}
	const ProtobufCMessageDescriptor *desc = a->descriptor;
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		const char *fa = (const char *)a + f->offset, *fb = (const char *)b + f->offset;
		bool same = true;
		char inner[256] = "";
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
			size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
			same = na == nb;
			size_t size = value_size(f->type);
			for (size_t k = 0; same && k < na; k++)
				same = equal_value(f, *(char *const *)fa + k * size,
						   *(char *const *)fb + k * size, inner, sizeof(inner));
		} else {
			same = equal_value(f, fa, fb, inner, sizeof(inner));
		}
		if (!same) {
			snprintf(why, cap, "%s.%s%s%s", desc->short_name, f->name, *inner ? " > " : "",
				 inner);
			return false;
		}
	}
	return true;
}

static void mutate_field(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);

/* Change the value in slot (of a message unpacked by protobuf-c) so it no longer compares equal. */
static void mutate_value(const ProtobufCFieldDescriptor *f, void *slot)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		(*(char **)slot)[0] ^= 1;
		break;
	case PROTOBUF_C_TYPE_BYTES:
		((ProtobufCBinaryData *)slot)->data[0] ^= 1;
		break;
	case PROTOBUF_C_TYPE_MESSAGE: {
		ProtobufCMessage *sub = *(ProtobufCMessage **)slot;
		if (sub->descriptor->n_fields > 0) {
			mutate_field(sub, &sub->descriptor->fields[0]);
		} else {
			protobuf_c_message_free_unpacked(sub, NULL);
			*(ProtobufCMessage **)slot = NULL;
		}
		break;
	}
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)slot = !*(protobuf_c_boolean *)slot;
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *e = f->descriptor;
		*(int *)slot = *(int *)slot == e->values[1].value ? e->values[2].value : e->values[1].value;
		break;
	}
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)slot += 1;
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)slot += 1;
		break;
	default:
		((uint8_t *)slot)[0] ^= 1; /* the low byte of an integer */
		break;
	}
}

static void mutate_field(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	char *field = (char *)m + f->offset;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		mutate_value(f, *(char **)field); /* element 0 */
	else
		mutate_value(f, field);
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(*len ? *len : 1);
	ck_assert_uint_eq(protobuf_c_message_pack(m, buf), *len);
	return buf;
}

/* Every message type reachable through a field is in the list too. */
static bool listed(const ProtobufCMessageDescriptor *desc)
{
	for (size_t i = 0; i < N_MESSAGES; i++) {
		if (all_messages[i] == desc)
			return true;
	}
	return false;
}

START_TEST(the_list_is_closed_under_nesting)
{
	ck_assert_uint_eq(N_MESSAGES, 51);
	for (size_t i = 0; i < N_MESSAGES; i++) {
		ck_assert_uint_eq(all_messages[i]->magic, PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
		for (unsigned j = 0; j < all_messages[i]->n_fields; j++) {
			const ProtobufCFieldDescriptor *f = &all_messages[i]->fields[j];
			if (f->type == PROTOBUF_C_TYPE_MESSAGE)
				ck_assert_msg(listed(f->descriptor), "%s (in %s) is not listed",
					      ((const ProtobufCMessageDescriptor *)f->descriptor)->name,
					      all_messages[i]->name);
		}
	}
}
END_TEST

START_TEST(every_message_round_trips)
{
	const ProtobufCMessageDescriptor *desc = all_messages[_i];
	ProtobufCMessage *m = new_filled(desc, 0);
	size_t len;
	uint8_t *buf = pack(m, &len);
	if (desc->n_fields > 0)
		ck_assert_uint_gt(len, 0);
	ProtobufCMessage *u = protobuf_c_message_unpack(desc, NULL, len, buf);
	ck_assert_msg(u != NULL, "%s: unpack failed", desc->name);
	char why[512] = "";
	ck_assert_msg(equal_message(m, u, why, sizeof(why)), "%s: differs after a round trip: %s", desc->name,
		      why);
	/* Packing the unpacked message gives the same bytes. */
	size_t len2;
	uint8_t *buf2 = pack(u, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_int_eq(memcmp(buf, buf2, len), 0);
	/* Every field counts: changed in the copy, the comparison (and the bytes) see it. */
	for (unsigned i = 0; i < desc->n_fields; i++) {
		ProtobufCMessage *copy = protobuf_c_message_unpack(desc, NULL, len, buf);
		mutate_field(copy, &desc->fields[i]);
		ck_assert_msg(!equal_message(m, copy, why, sizeof(why)), "%s.%s: a change went unnoticed",
			      desc->name, desc->fields[i].name);
		size_t len3;
		uint8_t *buf3 = pack(copy, &len3);
		ck_assert_msg(len3 != len || memcmp(buf3, buf, len) != 0, "%s.%s: not in the encoding",
			      desc->name, desc->fields[i].name);
		free(buf3);
		protobuf_c_message_free_unpacked(copy, NULL);
	}
	/* Cut short anywhere inside the last field: refused, never read past the end. */
	if (len > 0) {
		ProtobufCMessage *cut = protobuf_c_message_unpack(desc, NULL, len - 1, buf);
		ck_assert_msg(cut == NULL, "%s: a truncated message was accepted", desc->name);
	}
	protobuf_c_message_free_unpacked(u, NULL);
	protobuf_c_message_free_unpacked(m, NULL);
	free(buf);
	free(buf2);
}
END_TEST

START_TEST(empty_messages_round_trip)
{
	/* Nothing set: zero bytes, and zero bytes unpack to all defaults. */
	const ProtobufCMessageDescriptor *desc = all_messages[_i];
	ProtobufCMessage *m = malloc(desc->sizeof_message);
	desc->message_init(m);
	ck_assert_uint_eq(protobuf_c_message_get_packed_size(m), 0);
	ProtobufCMessage *u = protobuf_c_message_unpack(desc, NULL, 0, (const uint8_t *)"");
	ck_assert_ptr_nonnull(u);
	char why[512] = "";
	ck_assert_msg(equal_message(m, u, why, sizeof(why)), "%s: %s", desc->name, why);
	protobuf_c_message_free_unpacked(u, NULL);
	free(m);
}
END_TEST

/* ---- field by field ---- */

START_TEST(ttrpc_request_and_response)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = "containerd-namespace";
	kv.value = "k8s.io";
	Ttrpc__KeyValue *md[] = {&kv};
	uint8_t payload[] = {0x0a, 0x01, 'c'};
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = "containerd.task.v2.Task";
	req.method = "Start";
	req.payload = (ProtobufCBinaryData){sizeof(payload), payload};
	req.timeout_nano = 5000000000;
	req.n_metadata = 1;
	req.metadata = md;
	size_t len;
	uint8_t *buf = pack(&req.base, &len);
	Ttrpc__Request *r = ttrpc__request__unpack(NULL, len, buf);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->service, "containerd.task.v2.Task");
	ck_assert_str_eq(r->method, "Start");
	ck_assert_uint_eq(r->payload.len, 3);
	ck_assert_int_eq(memcmp(r->payload.data, payload, 3), 0);
	ck_assert(r->timeout_nano == 5000000000);
	ck_assert_uint_eq(r->n_metadata, 1);
	ck_assert_str_eq(r->metadata[0]->key, "containerd-namespace");
	ck_assert_str_eq(r->metadata[0]->value, "k8s.io");
	ttrpc__request__free_unpacked(r, NULL);
	free(buf);

	Google__Protobuf__Any detail = GOOGLE__PROTOBUF__ANY__INIT;
	detail.type_url = "type.googleapis.com/x";
	detail.value = (ProtobufCBinaryData){1, (uint8_t *)"z"};
	Google__Protobuf__Any *details[] = {&detail};
	Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;
	status.code = 5; /* NotFound */
	status.message = "container c1 does not exist";
	status.n_details = 1;
	status.details = details;
	Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
	resp.status = &status;
	buf = pack(&resp.base, &len);
	Ttrpc__Response *p = ttrpc__response__unpack(NULL, len, buf);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(p->status);
	ck_assert_int_eq(p->status->code, 5);
	ck_assert_str_eq(p->status->message, "container c1 does not exist");
	ck_assert_uint_eq(p->status->n_details, 1);
	ck_assert_str_eq(p->status->details[0]->type_url, "type.googleapis.com/x");
	ck_assert_uint_eq(p->payload.len, 0);
	ttrpc__response__free_unpacked(p, NULL);
	free(buf);
}
END_TEST

START_TEST(state_response_with_status_enum)
{
	Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	at.seconds = 1700000000;
	at.nanos = 999999999;
	Containerd__Task__V2__StateResponse st = CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
	st.id = "c1";
	st.bundle = "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c1";
	st.pid = 4242;
	st.status = CONTAINERD__V1__TYPES__STATUS__STOPPED;
	st.stdin = "/in";
	st.stdout = "/out";
	st.stderr = "/err";
	st.terminal = 1;
	st.exit_status = 137;
	st.exited_at = &at;
	st.exec_id = "e1";
	size_t len;
	uint8_t *buf = pack(&st.base, &len);
	Containerd__Task__V2__StateResponse *u = containerd__task__v2__state_response__unpack(NULL, len, buf);
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u->id, "c1");
	ck_assert_str_eq(u->bundle, st.bundle);
	ck_assert_uint_eq(u->pid, 4242);
	ck_assert_int_eq(u->status, CONTAINERD__V1__TYPES__STATUS__STOPPED);
	ck_assert_str_eq(u->stdin, "/in");
	ck_assert_str_eq(u->stdout, "/out");
	ck_assert_str_eq(u->stderr, "/err");
	ck_assert(u->terminal);
	ck_assert_uint_eq(u->exit_status, 137);
	ck_assert(u->exited_at->seconds == 1700000000);
	ck_assert_int_eq(u->exited_at->nanos, 999999999);
	ck_assert_str_eq(u->exec_id, "e1");
	containerd__task__v2__state_response__free_unpacked(u, NULL);
	free(buf);
}
END_TEST

START_TEST(task_exit_event_in_an_envelope)
{
	/* How the shim forwards an event: TaskExit in an Any in an Envelope in a ForwardRequest. */
	Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	at.seconds = 1;
	Containerd__Events__TaskExit exit_event = CONTAINERD__EVENTS__TASK_EXIT__INIT;
	exit_event.container_id = "c1";
	exit_event.id = "e1";
	exit_event.pid = 99;
	exit_event.exit_status = 3;
	exit_event.exited_at = &at;
	size_t inner_len;
	uint8_t *inner = pack(&exit_event.base, &inner_len);
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = "containerd.events.TaskExit";
	any.value = (ProtobufCBinaryData){inner_len, inner};
	Containerd__Services__Events__Ttrpc__V1__Envelope env =
		CONTAINERD__SERVICES__EVENTS__TTRPC__V1__ENVELOPE__INIT;
	env.timestamp = &at;
	env.namespace_ = "k8s.io";
	env.topic = "/tasks/exit";
	env.event = &any;
	Containerd__Services__Events__Ttrpc__V1__ForwardRequest fwd =
		CONTAINERD__SERVICES__EVENTS__TTRPC__V1__FORWARD_REQUEST__INIT;
	fwd.envelope = &env;
	size_t len;
	uint8_t *buf = pack(&fwd.base, &len);

	Containerd__Services__Events__Ttrpc__V1__ForwardRequest *u =
		containerd__services__events__ttrpc__v1__forward_request__unpack(NULL, len, buf);
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(u->envelope->namespace_, "k8s.io");
	ck_assert_str_eq(u->envelope->topic, "/tasks/exit");
	ck_assert(u->envelope->timestamp->seconds == 1);
	ck_assert_str_eq(u->envelope->event->type_url, "containerd.events.TaskExit");
	Containerd__Events__TaskExit *e = containerd__events__task_exit__unpack(
		NULL, u->envelope->event->value.len, u->envelope->event->value.data);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->container_id, "c1");
	ck_assert_str_eq(e->id, "e1");
	ck_assert_uint_eq(e->pid, 99);
	ck_assert_uint_eq(e->exit_status, 3);
	ck_assert(e->exited_at->seconds == 1);
	containerd__events__task_exit__free_unpacked(e, NULL);
	containerd__services__events__ttrpc__v1__forward_request__free_unpacked(u, NULL);
	free(buf);
	free(inner);
}
END_TEST

START_TEST(metrics_and_update_annotations)
{
	uint64_t per_cpu[] = {1, 2};
	Io__Containerd__Cgroups__V1__CPUUsage usage = IO__CONTAINERD__CGROUPS__V1__CPUUSAGE__INIT;
	usage.total = 3000000000;
	usage.kernel = 1;
	usage.user = 2;
	usage.n_per_cpu = 2;
	usage.per_cpu = per_cpu;
	Io__Containerd__Cgroups__V1__CPUStat cpu = IO__CONTAINERD__CGROUPS__V1__CPUSTAT__INIT;
	cpu.usage = &usage;
	Io__Containerd__Cgroups__V1__PidsStat pids = IO__CONTAINERD__CGROUPS__V1__PIDS_STAT__INIT;
	pids.current = 7;
	Io__Containerd__Cgroups__V1__MemoryEntry mem_usage = IO__CONTAINERD__CGROUPS__V1__MEMORY_ENTRY__INIT;
	mem_usage.usage = 1 << 20;
	Io__Containerd__Cgroups__V1__MemoryStat mem = IO__CONTAINERD__CGROUPS__V1__MEMORY_STAT__INIT;
	mem.rss = 4096;
	mem.total_rss = 8192;
	mem.usage = &mem_usage;
	Io__Containerd__Cgroups__V1__Metrics metrics = IO__CONTAINERD__CGROUPS__V1__METRICS__INIT;
	metrics.pids = &pids;
	metrics.cpu = &cpu;
	metrics.memory = &mem;
	size_t len;
	uint8_t *buf = pack(&metrics.base, &len);
	Io__Containerd__Cgroups__V1__Metrics *u =
		io__containerd__cgroups__v1__metrics__unpack(NULL, len, buf);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(u->pids->current, 7);
	ck_assert_uint_eq(u->cpu->usage->total, 3000000000);
	ck_assert_uint_eq(u->cpu->usage->n_per_cpu, 2);
	ck_assert_uint_eq(u->cpu->usage->per_cpu[1], 2);
	ck_assert_uint_eq(u->memory->rss, 4096);
	ck_assert_uint_eq(u->memory->total_rss, 8192);
	ck_assert_uint_eq(u->memory->usage->usage, 1 << 20);
	io__containerd__cgroups__v1__metrics__free_unpacked(u, NULL);
	free(buf);

	/* A map<string,string> is repeated entries on the wire. */
	Containerd__Task__V2__UpdateTaskRequest__AnnotationsEntry a =
		CONTAINERD__TASK__V2__UPDATE_TASK_REQUEST__ANNOTATIONS_ENTRY__INIT;
	a.key = "k";
	a.value = "v";
	Containerd__Task__V2__UpdateTaskRequest__AnnotationsEntry *entries[] = {&a};
	Containerd__Task__V2__UpdateTaskRequest up = CONTAINERD__TASK__V2__UPDATE_TASK_REQUEST__INIT;
	up.id = "c1";
	up.n_annotations = 1;
	up.annotations = entries;
	buf = pack(&up.base, &len);
	/* 0a 02 "c1" | 1a 06 (0a 01 "k" 12 01 "v") */
	static const uint8_t want[] = {0x0a, 0x02, 'c', '1', 0x1a, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v'};
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_int_eq(memcmp(buf, want, len), 0);
	free(buf);
}
END_TEST

/* ---- byte-exact encodings, by hand from the wire format ----
 * A field's key is (number << 3 | wire type): 0 varint, 2 length-delimited. Varints are 7 bits a
 * byte, least significant first, high bit set on all but the last. */

static void assert_bytes(const ProtobufCMessage *m, const uint8_t *want, size_t want_len)
{
	size_t len;
	uint8_t *buf = pack(m, &len);
	char got_hex[256] = "", want_hex[256] = "";
	for (size_t i = 0; i < len && i < 80; i++)
		snprintf(got_hex + strlen(got_hex), sizeof(got_hex) - strlen(got_hex), "%02x ", buf[i]);
	for (size_t i = 0; i < want_len && i < 80; i++)
		snprintf(want_hex + strlen(want_hex), sizeof(want_hex) - strlen(want_hex), "%02x ", want[i]);
	ck_assert_msg(len == want_len && memcmp(buf, want, len) == 0, "%s: got %s, want %s",
		      m->descriptor->name, got_hex, want_hex);
	/* And the hand-made bytes decode to the same message. */
	ProtobufCMessage *u = protobuf_c_message_unpack(m->descriptor, NULL, want_len, want);
	ck_assert_ptr_nonnull(u);
	char why[256] = "";
	ck_assert_msg(equal_message(m, u, why, sizeof(why)), "%s", why);
	protobuf_c_message_free_unpacked(u, NULL);
	free(buf);
}

START_TEST(wait_response_bytes)
{
	/* exit_status = 7: key 1<<3|0 = 08, value 07.
	 * exited_at = {seconds: 1}: key 2<<3|2 = 12, length 2, then the Timestamp: 08 01. */
	Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	at.seconds = 1;
	Containerd__Task__V2__WaitResponse w = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
	w.exit_status = 7;
	w.exited_at = &at;
	static const uint8_t want[] = {0x08, 0x07, 0x12, 0x02, 0x08, 0x01};
	assert_bytes(&w.base, want, sizeof(want));
}
END_TEST

START_TEST(start_request_bytes)
{
	/* id = "a": key 1<<3|2 = 0a, length 01, 'a' = 61. exec_id empty: absent (proto3). */
	Containerd__Task__V2__StartRequest s = CONTAINERD__TASK__V2__START_REQUEST__INIT;
	s.id = "a";
	static const uint8_t want[] = {0x0a, 0x01, 0x61};
	assert_bytes(&s.base, want, sizeof(want));
}
END_TEST

START_TEST(more_hand_encodings)
{
	/* ttrpc Request: service "s" (0a 01 73), method "m" (12 01 6d), payload {01} (1a 01 01),
	 * timeout_nano 300 = 0b10_0101100: key 4<<3|0 = 20, varint ac 02; metadata {k: v}: key
	 * 5<<3|2 = 2a, length 6, KeyValue 0a 01 6b 12 01 76. */
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = "k";
	kv.value = "v";
	Ttrpc__KeyValue *md[] = {&kv};
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = "s";
	req.method = "m";
	req.payload = (ProtobufCBinaryData){1, (uint8_t *)"\x01"};
	req.timeout_nano = 300;
	req.n_metadata = 1;
	req.metadata = md;
	static const uint8_t want_req[] = {0x0a, 0x01, 0x73, 0x12, 0x01, 0x6d, 0x1a, 0x01, 0x01, 0x20,
					   0xac, 0x02, 0x2a, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x76};
	assert_bytes(&req.base, want_req, sizeof(want_req));

	/* google.rpc.Status code -1: an int32 is sign-extended to 64 bits, ten varint bytes. */
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	st.code = -1;
	static const uint8_t want_st[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	assert_bytes(&st.base, want_st, sizeof(want_st));

	/* StateResponse exit_status 1 and exec_id "e": containerd's field numbers 9 and 11, keys
	 * 9<<3|0 = 48 and 11<<3|2 = 5a. status RUNNING = 2: key 4<<3|0 = 20. */
	Containerd__Task__V2__StateResponse sr = CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
	sr.status = CONTAINERD__V1__TYPES__STATUS__RUNNING;
	sr.exit_status = 1;
	sr.exec_id = "e";
	static const uint8_t want_sr[] = {0x20, 0x02, 0x48, 0x01, 0x5a, 0x01, 0x65};
	assert_bytes(&sr.base, want_sr, sizeof(want_sr));

	/* KillRequest id "c", signal 9 (key 3<<3|0 = 18), all (key 4<<3|0 = 20, true = 01). */
	Containerd__Task__V2__KillRequest k = CONTAINERD__TASK__V2__KILL_REQUEST__INIT;
	k.id = "c";
	k.signal = 9;
	k.all = 1;
	static const uint8_t want_k[] = {0x0a, 0x01, 0x63, 0x18, 0x09, 0x20, 0x01};
	assert_bytes(&k.base, want_k, sizeof(want_k));

	/* Timestamp seconds 1700000000 = 0x6553f100: 7-bit groups from the low end 00, 62, 4f, 2a,
	 * 06 give 80 e2 cf aa 06; nanos 5: key 2<<3|0 = 10, 05. */
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	ts.seconds = 1700000000;
	ts.nanos = 5;
	static const uint8_t want_ts[] = {0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06, 0x10, 0x05};
	assert_bytes(&ts.base, want_ts, sizeof(want_ts));

	/* CreateTaskResponse pid 300 and ConnectResponse shim_pid 1, task_pid 2, version "2". */
	Containerd__Task__V2__CreateTaskResponse cr = CONTAINERD__TASK__V2__CREATE_TASK_RESPONSE__INIT;
	cr.pid = 300;
	static const uint8_t want_cr[] = {0x08, 0xac, 0x02};
	assert_bytes(&cr.base, want_cr, sizeof(want_cr));
	Containerd__Task__V2__ConnectResponse cn = CONTAINERD__TASK__V2__CONNECT_RESPONSE__INIT;
	cn.shim_pid = 1;
	cn.task_pid = 2;
	cn.version = "2";
	static const uint8_t want_cn[] = {0x08, 0x01, 0x10, 0x02, 0x1a, 0x01, 0x32};
	assert_bytes(&cn.base, want_cn, sizeof(want_cn));

	/* Empty: nothing at all. */
	Google__Protobuf__Empty e = GOOGLE__PROTOBUF__EMPTY__INIT;
	assert_bytes(&e.base, (const uint8_t *)"", 0);
}
END_TEST

START_TEST(unknown_fields_are_skipped_and_bad_input_refused)
{
	/* A newer peer's field 99 (key 99<<3|2 = 9a 06, length 1) before id "a": skipped. */
	static const uint8_t newer[] = {0x9a, 0x06, 0x01, 0x7a, 0x0a, 0x01, 0x61};
	Containerd__Task__V2__StartRequest *s =
		containerd__task__v2__start_request__unpack(NULL, sizeof(newer), newer);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->id, "a");
	containerd__task__v2__start_request__free_unpacked(s, NULL);
	/* A length past the end of the buffer. */
	static const uint8_t too_long[] = {0x0a, 0x05, 0x61};
	ck_assert_ptr_null(containerd__task__v2__start_request__unpack(NULL, sizeof(too_long), too_long));
	/* A string field given as a varint (wrong wire type). */
	static const uint8_t wrong_type[] = {0x08, 0x01};
	ck_assert_ptr_null(containerd__task__v2__start_request__unpack(NULL, sizeof(wrong_type), wrong_type));
	/* A varint that never ends. */
	static const uint8_t endless[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	ck_assert_ptr_null(containerd__task__v2__wait_response__unpack(NULL, sizeof(endless), endless));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proto");
	TCase *all = tcase_create("every message");
	tcase_add_test(all, the_list_is_closed_under_nesting);
	tcase_add_loop_test(all, every_message_round_trips, 0, (int)N_MESSAGES);
	tcase_add_loop_test(all, empty_messages_round_trip, 0, (int)N_MESSAGES);
	suite_add_tcase(s, all);
	TCase *fields = tcase_create("fields");
	tcase_add_test(fields, ttrpc_request_and_response);
	tcase_add_test(fields, state_response_with_status_enum);
	tcase_add_test(fields, task_exit_event_in_an_envelope);
	tcase_add_test(fields, metrics_and_update_annotations);
	suite_add_tcase(s, fields);
	TCase *wire = tcase_create("wire");
	tcase_add_test(wire, wait_response_bytes);
	tcase_add_test(wire, start_request_bytes);
	tcase_add_test(wire, more_hand_encodings);
	tcase_add_test(wire, unknown_fields_are_skipped_and_bad_input_refused);
	suite_add_tcase(s, wire);
	return testlib_run(s);
}
