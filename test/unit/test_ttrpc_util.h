/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the ttrpc unit tests: a raw peer that speaks bytes on a real socket while the
 * loop runs the module under test, and builders for frames. */
#ifndef REAPER_TEST_TTRPC_UTIL_H
#define REAPER_TEST_TTRPC_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "testlib.h"
#include "ttrpc.pb-c.h"
#include "frame.h"
#include "ttrpc.h"

#define TT_SERVICE "reaper.test.Echo"

/* Run the loop until cond(arg) holds or timeout_ms passes; returns the final cond. */
static inline bool tt_run_until(struct loop *loop, bool (*cond)(void *), void *arg, uint64_t timeout_ms)
{
	uint64_t end = clock_monotonic_ms() + timeout_ms;
	while (!cond(arg)) {
		uint64_t now = clock_monotonic_ms();
		if (now >= end)
			return false;
		uint64_t left = end - now;
		ck_assert_int_eq(loop_run_once(loop, left < 20 ? (int)left : 20, NULL), 0);
	}
	return true;
}

/* Run the loop for a while regardless (to show that something does NOT happen). */
static inline void tt_run_for(struct loop *loop, uint64_t ms)
{
	uint64_t end = clock_monotonic_ms() + ms;
	for (uint64_t now = clock_monotonic_ms(); now < end; now = clock_monotonic_ms())
		ck_assert_int_eq(loop_run_once(loop, (int)(end - now), NULL), 0);
}

static inline void tt_socketpair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
}

/* The raw end of a connection: bytes received so far. */
struct tt_raw {
	int fd;
	uint8_t *buf;
	size_t len, cap;
	bool eof;
};

static inline void tt_raw_init(struct tt_raw *r, int fd)
{
	*r = (struct tt_raw){.fd = fd};
	int fl = fcntl(fd, F_GETFL);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

static inline void tt_raw_close(struct tt_raw *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	*r = (struct tt_raw){.fd = -1};
}

/* Write everything, running the loop while the socket is full. */
static inline void tt_raw_send(struct loop *loop, struct tt_raw *r, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t end = clock_monotonic_ms() + 10000;
	while (len > 0) {
		ssize_t n = send(r->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			ck_assert_msg(clock_monotonic_ms() < end, "peer stopped reading");
			ck_assert_int_eq(loop_run_once(loop, 10, NULL), 0);
			continue;
		}
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Pull whatever is readable into the buffer. */
static inline void tt_raw_pull(struct tt_raw *r)
{
	for (;;) {
		if (r->cap - r->len < 65536) {
			r->cap = r->cap ? r->cap * 2 : 65536;
			r->buf = realloc(r->buf, r->cap);
			ck_assert_ptr_nonnull(r->buf);
		}
		ssize_t n = recv(r->fd, r->buf + r->len, r->cap - r->len, MSG_DONTWAIT);
		if (n == 0)
			r->eof = true;
		if (n <= 0)
			return;
		r->len += (size_t)n;
	}
}

static inline bool tt_raw_has_frame(struct tt_raw *r)
{
	tt_raw_pull(r);
	if (r->len < FRAME_HEADER_SIZE)
		return false;
	struct frame_header h;
	frame_header_decode(r->buf, &h);
	return r->len >= FRAME_HEADER_SIZE + (size_t)h.length;
}

static inline bool tt_raw_cond_frame(void *arg)
{
	struct tt_raw *r = arg;
	return tt_raw_has_frame(r) || r->eof;
}

static inline bool tt_raw_cond_eof(void *arg)
{
	struct tt_raw *r = arg;
	tt_raw_pull(r);
	return r->eof;
}

/* Wait for the next frame; fails the test on timeout or EOF. *data is malloc'ed (may be NULL). */
static inline void tt_raw_frame(struct loop *loop, struct tt_raw *r, struct frame_header *h, uint8_t **data)
{
	ck_assert_msg(tt_run_until(loop, tt_raw_cond_frame, r, 5000), "no frame arrived");
	ck_assert_msg(tt_raw_has_frame(r), "connection closed instead of a frame");
	frame_header_decode(r->buf, h);
	*data = NULL;
	if (h->length > 0) {
		*data = malloc(h->length);
		memcpy(*data, r->buf + FRAME_HEADER_SIZE, h->length);
	}
	size_t total = FRAME_HEADER_SIZE + h->length;
	memmove(r->buf, r->buf + total, r->len - total);
	r->len -= total;
}

/* Nothing is readable after the loop ran for ms. */
static inline void tt_raw_expect_silence(struct loop *loop, struct tt_raw *r, uint64_t ms)
{
	tt_run_for(loop, ms);
	tt_raw_pull(r);
	ck_assert_msg(r->len == 0, "unexpected %zu bytes", r->len);
}

/* A frame of the given header fields around data. Returns its malloc'ed bytes. */
static inline uint8_t *tt_frame(uint32_t stream_id, uint8_t type, const void *data, size_t len,
				size_t *out_len)
{
	uint8_t *p = malloc(FRAME_HEADER_SIZE + len + 1);
	struct frame_header h = {.length = (uint32_t)len, .stream_id = stream_id, .type = type};
	frame_header_encode(p, &h);
	if (len > 0)
		memcpy(p + FRAME_HEADER_SIZE, data, len);
	*out_len = FRAME_HEADER_SIZE + len;
	return p;
}

/* Send a Request frame for service.method carrying a KeyValue{key, value}. */
static inline void tt_send_request(struct loop *loop, struct tt_raw *r, uint32_t stream_id,
				   const char *service, const char *method, const char *key,
				   const char *value, int64_t timeout_nano)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = (char *)key;
	kv.value = (char *)value;
	size_t plen = ttrpc__key_value__get_packed_size(&kv);
	uint8_t *payload = malloc(plen + 1);
	ttrpc__key_value__pack(&kv, payload);
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = (char *)service;
	req.method = (char *)method;
	req.payload = (ProtobufCBinaryData){.len = plen, .data = payload};
	req.timeout_nano = timeout_nano;
	size_t rlen = ttrpc__request__get_packed_size(&req);
	uint8_t *rbuf = malloc(rlen + 1);
	ttrpc__request__pack(&req, rbuf);
	size_t flen;
	uint8_t *frame = tt_frame(stream_id, FRAME_REQUEST, rbuf, rlen, &flen);
	tt_raw_send(loop, r, frame, flen);
	free(frame);
	free(rbuf);
	free(payload);
}

/* Read the next Response frame: its stream id, status code (0 when absent) and, on success, the
 * KeyValue value (malloc'ed) or the status message. */
struct tt_response {
	uint32_t stream_id;
	int code;
	char *text;
};

static inline void tt_response_clear(struct tt_response *r)
{
	free(r->text);
	*r = (struct tt_response){0};
}

static inline void tt_recv_response(struct loop *loop, struct tt_raw *raw, struct tt_response *out)
{
	struct frame_header h;
	uint8_t *data;
	tt_raw_frame(loop, raw, &h, &data);
	ck_assert_int_eq(h.type, FRAME_RESPONSE);
	ck_assert_int_eq(h.flags, 0);
	Ttrpc__Response *resp = ttrpc__response__unpack(NULL, h.length, data);
	ck_assert_ptr_nonnull(resp);
	*out = (struct tt_response){.stream_id = h.stream_id};
	if (resp->status != NULL && resp->status->code != 0) {
		out->code = resp->status->code;
		out->text = strdup(resp->status->message);
	} else {
		Ttrpc__KeyValue *kv = ttrpc__key_value__unpack(NULL, resp->payload.len, resp->payload.data);
		ck_assert_ptr_nonnull(kv);
		out->text = strdup(kv->value);
		ttrpc__key_value__free_unpacked(kv, NULL);
	}
	ttrpc__response__free_unpacked(resp, NULL);
	free(data);
}

/* Open fds of this process (for leak checks). */
static inline int tt_count_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

#endif
