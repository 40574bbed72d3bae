/* SPDX-License-Identifier: Apache-2.0 */
/* The ttrpc envelope: Request and Response messages (ttrpc.proto) inside frames. */
#ifndef REAPER_TTRPC_MESSAGE_H
#define REAPER_TTRPC_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "ttrpc.pb-c.h"

/* A Response carrying `reply` (-1 with errno EMSGSIZE when larger than TTRPC_MAX_DATA, ENOMEM). */
int msg_queue_reply(struct conn *c, uint32_t stream_id, const ProtobufCMessage *reply);
/* A Response carrying only a google.rpc.Status. */
int msg_queue_status(struct conn *c, uint32_t stream_id, int code, const char *message);
int msg_queue_request(struct conn *c, uint32_t stream_id, const char *service, const char *method,
		      ProtobufCBinaryData payload, int64_t timeout_nano);

/* NULL when the bytes are not a Request. Free with ttrpc__request__free_unpacked(req, NULL). */
Ttrpc__Request *msg_decode_request(const uint8_t *data, size_t len);

/* What a Response frame says: code OK with reply decoded as reply_type, or an error code and a
 * message (malloc'ed; NULL only when out of memory). */
struct msg_result {
	int code;
	char *message;
	ProtobufCMessage *reply;
};
void msg_decode_response(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *reply_type,
			 struct msg_result *out);
void msg_result_clear(struct msg_result *r);

#endif
