/* SPDX-License-Identifier: Apache-2.0 */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A drained buffer larger than this is given back, so an idle connection holds little. */
#define OUT_KEEP_CAPACITY (64u << 10)

void conn_init(struct conn *c, int fd)
{
	*c = (struct conn){.fd = fd};
}

void conn_release(struct conn *c)
{
	frame_reader_reset(&c->reader);
	free(c->out);
	if (c->fd >= 0)
		close(c->fd);
	*c = (struct conn){.fd = -1};
}

size_t conn_queued(const struct conn *c)
{
	return c->out_len - c->out_head;
}

/* Make room for n more bytes at the end, compacting or growing the buffer. */
static int reserve_out(struct conn *c, size_t n)
{
	if (c->out_head > 0) {
		memmove(c->out, c->out + c->out_head, c->out_len - c->out_head);
		c->out_len -= c->out_head;
		c->out_head = 0;
	}
	if (c->out_cap - c->out_len >= n)
		return 0;
	size_t cap = c->out_cap ? c->out_cap : 4096;
	while (cap - c->out_len < n)
		cap *= 2;
	uint8_t *p = realloc(c->out, cap);
	if (p == NULL)
		return -1;
	c->out = p;
	c->out_cap = cap;
	return 0;
}

int conn_queue_message(struct conn *c, uint32_t stream_id, uint8_t type, const ProtobufCMessage *msg,
		       size_t max_data)
{
	size_t size = msg != NULL ? protobuf_c_message_get_packed_size(msg) : 0;
	if (size > max_data) {
		errno = EMSGSIZE;
		return -1;
	}
	if (reserve_out(c, FRAME_HEADER_SIZE + size) < 0) {
		errno = ENOMEM;
		return -1;
	}
	struct frame_header h = {.length = (uint32_t)size, .stream_id = stream_id, .type = type};
	frame_header_encode(c->out + c->out_len, &h);
	if (msg != NULL)
		protobuf_c_message_pack(msg, c->out + c->out_len + FRAME_HEADER_SIZE);
	c->out_len += FRAME_HEADER_SIZE + size;
	return 0;
}

static void drained(struct conn *c)
{
	c->out_head = c->out_len = 0;
	if (c->out_cap > OUT_KEEP_CAPACITY) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
}

int conn_flush(struct conn *c)
{
	while (c->out_head < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_head, c->out_len - c->out_head,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n < 0)
			return -1;
		c->out_head += (size_t)n;
	}
	drained(c);
	return 0;
}

ssize_t conn_recv(struct conn *c, uint8_t *buf, size_t size)
{
	for (;;) {
		ssize_t n = recv(c->fd, buf, size, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EWOULDBLOCK)
			errno = EAGAIN;
		return n;
	}
}

int conn_peer_is_us(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	*uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return 0;
	*uid = cred.uid;
	return cred.uid == geteuid();
}
