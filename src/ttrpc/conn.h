/* SPDX-License-Identifier: Apache-2.0 */
/* One buffered, non-blocking ttrpc connection: the incoming frame parser plus the queue of
 * outgoing bytes. Shared by the server (one per client) and the client. */
#ifndef REAPER_TTRPC_CONN_H
#define REAPER_TTRPC_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <protobuf-c/protobuf-c.h>

#include "frame.h"

struct conn {
	int fd;
	struct frame_reader reader;
	uint8_t *out; /* unsent bytes are out[out_head, out_len) */
	size_t out_head, out_len, out_cap;
};

void conn_init(struct conn *c, int fd);
/* Free the buffers and close the fd. */
void conn_release(struct conn *c);
size_t conn_queued(const struct conn *c);
/* Append one frame whose data is msg packed (no data when msg is NULL). -1 on ENOMEM or when
 * the packed message exceeds max_data (errno EMSGSIZE). */
int conn_queue_message(struct conn *c, uint32_t stream_id, uint8_t type, const ProtobufCMessage *msg,
		       size_t max_data);
/* Write what is queued: 0 when all is written, 1 when the socket is full, -1 on error (errno). */
int conn_flush(struct conn *c);
/* One recv: >0 bytes read, 0 at EOF, -1 with errno (EAGAIN: nothing to read). */
ssize_t conn_recv(struct conn *c, uint8_t *buf, size_t size);
/* Whether SO_PEERCRED names our effective uid; *uid gets the peer's uid. */
int conn_peer_is_us(int fd, uid_t *uid);

#endif
