/* SPDX-License-Identifier: Apache-2.0 */
#include "message.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/rpc/status.pb-c.h"
#include "array.h"
#include "ttrpc.h"

static const char *const code_names[] = {
	"OK",        "CANCELLED",       "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS",  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED",   "OUT_OF_RANGE",    "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
	"DATA_LOSS", "UNAUTHENTICATED",
};

const char *ttrpc_code_name(int code)
{
	if (code < 0 || (size_t)code >= ARRAY_LEN(code_names))
		return "UNKNOWN_CODE";
	return code_names[code];
}

int ttrpc_pack(const ProtobufCMessage *msg, ProtobufCBinaryData *out)
{
	out->len = protobuf_c_message_get_packed_size(msg);
	out->data = malloc(out->len ? out->len : 1);
	if (out->data == NULL) {
		errno = ENOMEM;
		return -1;
	}
	protobuf_c_message_pack(msg, out->data);
	return 0;
}

int msg_queue_reply(struct conn *c, uint32_t stream_id, const ProtobufCMessage *reply)
{
	if (protobuf_c_message_get_packed_size(reply) > TTRPC_MAX_DATA) {
		errno = EMSGSIZE;
		return -1;
	}
	Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
	if (ttrpc_pack(reply, &resp.payload) < 0)
		return -1;
	int rc = conn_queue_message(c, stream_id, FRAME_RESPONSE, &resp.base, TTRPC_MAX_DATA);
	int saved = errno;
	free(resp.payload.data);
	errno = saved;
	return rc;
}

int msg_queue_status(struct conn *c, uint32_t stream_id, int code, const char *message)
{
	Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;
	status.code = code;
	status.message = (char *)(message != NULL ? message : "");
	Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
	resp.status = &status;
	return conn_queue_message(c, stream_id, FRAME_RESPONSE, &resp.base, TTRPC_MAX_DATA);
}

int msg_queue_request(struct conn *c, uint32_t stream_id, const char *service, const char *method,
		      ProtobufCBinaryData payload, int64_t timeout_nano)
{
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = (char *)service;
	req.method = (char *)method;
	req.payload = payload;
	req.timeout_nano = timeout_nano;
	return conn_queue_message(c, stream_id, FRAME_REQUEST, &req.base, TTRPC_MAX_DATA);
}

Ttrpc__Request *msg_decode_request(const uint8_t *data, size_t len)
{
	return ttrpc__request__unpack(NULL, len, data);
}

static void set_error(struct msg_result *out, int code, const char *message)
{
	out->code = code;
	out->message = strdup(message);
}

static void decode_payload(const Ttrpc__Response *resp, const ProtobufCMessageDescriptor *reply_type,
			   struct msg_result *out)
{
	out->reply = protobuf_c_message_unpack(reply_type, NULL, resp->payload.len, resp->payload.data);
	if (out->reply == NULL) {
		char *msg = NULL;
		if (asprintf(&msg, "undecodable %s reply", reply_type->name) < 0)
			msg = NULL;
		out->code = TTRPC_INTERNAL;
		out->message = msg;
		return;
	}
	out->code = TTRPC_OK;
}

void msg_decode_response(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *reply_type,
			 struct msg_result *out)
{
	*out = (struct msg_result){0};
	Ttrpc__Response *resp = ttrpc__response__unpack(NULL, len, data);
	if (resp == NULL) {
		set_error(out, TTRPC_INTERNAL, "undecodable ttrpc response");
		return;
	}
	if (resp->status != NULL && resp->status->code != TTRPC_OK)
		set_error(out, resp->status->code, resp->status->message ? resp->status->message : "");
	else
		decode_payload(resp, reply_type, out);
	ttrpc__response__free_unpacked(resp, NULL);
}

void msg_result_clear(struct msg_result *r)
{
	if (r->reply != NULL)
		protobuf_c_message_free_unpacked(r->reply, NULL);
	free(r->message);
	*r = (struct msg_result){0};
}
