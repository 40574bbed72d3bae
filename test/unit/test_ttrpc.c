/* SPDX-License-Identifier: Apache-2.0 */
/* The ttrpc server and framing, driven by raw peers over socketpairs and real unix sockets. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "clock.h"
#include "test_ttrpc_util.h"

/* ---- the service under test ---- */

#define MAX_PARKED 64

static struct {
	struct loop *loop;
	struct ttrpc_server *server;
	struct ttrpc_call *parked[MAX_PARKED];
	int n_parked;
	int cancelled[MAX_PARKED]; /* why each parked call died, 0 while alive */
	int n_cancelled;
	char *metadata_seen;
	int n_big;
} fx;

static void reply_value(struct ttrpc_call *call, const char *key, const char *value)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = (char *)key;
	kv.value = (char *)value;
	ttrpc_call_reply(call, &kv.base);
}

static void h_echo(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	const Ttrpc__KeyValue *kv = (const Ttrpc__KeyValue *)request;
	ck_assert_ptr_eq(ttrpc_call_request(call), request);
	const char *md = ttrpc_call_metadata(call, "who");
	if (md != NULL)
		fx.metadata_seen = strdup(md);
	reply_value(call, kv->key, kv->value);
	/* The request stays readable after answering inside the handler. */
	ck_assert_ptr_nonnull(kv->key);
}

static void on_cancel(struct ttrpc_call *call, enum ttrpc_code why, void *data)
{
	int slot = (int)(intptr_t)data;
	ck_assert_ptr_eq(fx.parked[slot], call);
	/* Answering inside the cancel callback is refused, not a crash. */
	ck_assert_int_eq(ttrpc_call_fail(call, TTRPC_INTERNAL, "too late"), -1);
	fx.cancelled[slot] = why;
	fx.parked[slot] = NULL;
	fx.n_cancelled++;
}

static void h_park(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	ck_assert_int_lt(fx.n_parked, MAX_PARKED);
	int slot = fx.n_parked++;
	fx.parked[slot] = call;
	ttrpc_call_on_cancel(call, on_cancel, (void *)(intptr_t)slot);
}

static void h_park_blind(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	fx.parked[fx.n_parked++] = call; /* no cancel callback: the answer later frees it */
}

/* A Wait: parked until the test answers it, for as long as that takes. */
#define MAX_WAITS 600
static struct ttrpc_call *waits[MAX_WAITS];
static int n_waits;

static void on_wait_cancel(struct ttrpc_call *call, enum ttrpc_code why, void *data)
{
	waits[(intptr_t)data] = NULL;
}

static void h_wait(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	ck_assert_int_lt(n_waits, MAX_WAITS);
	int slot = n_waits++;
	waits[slot] = call;
	if (ttrpc_call_park(call, on_wait_cancel, (void *)(intptr_t)slot) < 0) {
		waits[slot] = NULL;
		ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "too many waits");
	}
}

static void h_fail(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	const Ttrpc__KeyValue *kv = (const Ttrpc__KeyValue *)request;
	ttrpc_call_fail(call, TTRPC_NOT_FOUND, "no %s", kv->key);
}

static void h_big(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	const Ttrpc__KeyValue *kv = (const Ttrpc__KeyValue *)request;
	size_t n = (size_t)atol(kv->value);
	fx.n_big++;
	char *value = malloc(n + 1);
	memset(value, 'x', n);
	value[n] = '\0';
	reply_value(call, "big", value);
	free(value);
}

static void h_shutdown(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	reply_value(call, "bye", "bye");
	ttrpc_server_free(fx.server);
	fx.server = NULL;
}

static const struct ttrpc_method methods[] = {
	{TT_SERVICE, "Echo", &ttrpc__key_value__descriptor, h_echo},
	{TT_SERVICE, "Park", &ttrpc__key_value__descriptor, h_park},
	{TT_SERVICE, "ParkBlind", &ttrpc__key_value__descriptor, h_park_blind},
	{TT_SERVICE, "Wait", &ttrpc__key_value__descriptor, h_wait},
	{TT_SERVICE, "Fail", &ttrpc__key_value__descriptor, h_fail},
	{TT_SERVICE, "Big", &ttrpc__key_value__descriptor, h_big},
	{TT_SERVICE, "Shutdown", &ttrpc__key_value__descriptor, h_shutdown},
	{0},
};

static void setup(void)
{
	memset(&fx, 0, sizeof(fx));
	memset(waits, 0, sizeof(waits));
	n_waits = 0;
	ck_assert_int_eq(loop_new(&fx.loop, NULL), 0);
	ck_assert_int_eq(ttrpc_server_new(&fx.server, fx.loop, -1, NULL), 0);
	ck_assert_int_eq(ttrpc_server_register(fx.server, methods, NULL, NULL), 0);
}

static void teardown(void)
{
	ttrpc_server_free(fx.server);
	loop_free(fx.loop);
}

/* A raw client connected to the server through a socketpair. */
static void connect_raw(struct tt_raw *raw)
{
	int sv[2];
	tt_socketpair(sv);
	ck_assert_int_eq(ttrpc_server_adopt(fx.server, sv[0], NULL), 0);
	tt_raw_init(raw, sv[1]);
}

static void expect_response(struct tt_raw *raw, uint32_t id, int code, const char *text)
{
	struct tt_response r;
	tt_recv_response(fx.loop, raw, &r);
	ck_assert_uint_eq(r.stream_id, id);
	ck_assert_int_eq(r.code, code);
	if (text != NULL)
		ck_assert_str_eq(r.text, text);
	tt_response_clear(&r);
}

static void echo_roundtrip(struct tt_raw *raw, uint32_t id)
{
	tt_send_request(fx.loop, raw, id, TT_SERVICE, "Echo", "k", "still alive", 0);
	expect_response(raw, id, 0, "still alive");
}

/* ---- framing ---- */

START_TEST(test_header_is_big_endian)
{
	struct frame_header h = {.length = 0x01020304, .stream_id = 0x0a0b0c0d, .type = 2, .flags = 7};
	uint8_t b[FRAME_HEADER_SIZE];
	frame_header_encode(b, &h);
	const uint8_t want[] = {1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 2, 7};
	ck_assert_mem_eq(b, want, sizeof(want));
	struct frame_header back;
	frame_header_decode(b, &back);
	ck_assert_uint_eq(back.length, h.length);
	ck_assert_uint_eq(back.stream_id, h.stream_id);
	ck_assert_uint_eq(back.type, 2);
	ck_assert_uint_eq(back.flags, 7);
}
END_TEST

START_TEST(test_reader_byte_by_byte)
{
	/* Two frames (one empty) fed one byte at a time come out whole and in order. */
	const uint8_t in[] = {0, 0, 0, 3, 0, 0, 0, 1, 1, 0, 'a', 'b', 'c', 0, 0, 0, 0, 0, 0, 0, 3, 2, 0};
	struct frame_reader r = {0};
	int frames = 0;
	for (size_t i = 0; i < sizeof(in); i++) {
		size_t used;
		struct frame f;
		ck_assert_uint_gt(frame_reader_want(&r), 0);
		enum frame_result res = frame_reader_feed(&r, in + i, 1, TTRPC_MAX_DATA, &used, &f);
		ck_assert_uint_eq(used, 1);
		if (res != FRAME_READY)
			continue;
		if (frames++ == 0) {
			ck_assert_uint_eq(i, 12);
			ck_assert_uint_eq(f.h.length, 3);
			ck_assert_mem_eq(f.data, "abc", 3);
		} else {
			ck_assert_uint_eq(f.h.stream_id, 3);
			ck_assert_ptr_null(f.data);
		}
		free(f.data);
	}
	ck_assert_int_eq(frames, 2);
	ck_assert_int_eq(frame_reader_mid_frame(&r), 0);
	frame_reader_reset(&r);
}
END_TEST

START_TEST(test_reader_skips_oversize)
{
	/* An oversized frame is skipped without being stored; the next frame parses. */
	size_t big = TTRPC_MAX_DATA + 1;
	uint8_t *in = calloc(1, FRAME_HEADER_SIZE + big + 12);
	struct frame_header h = {.length = (uint32_t)big, .stream_id = 9, .type = 1};
	frame_header_encode(in, &h);
	struct frame_header h2 = {.length = 2, .stream_id = 11, .type = 1};
	frame_header_encode(in + FRAME_HEADER_SIZE + big, &h2);
	size_t total = FRAME_HEADER_SIZE + big + FRAME_HEADER_SIZE + 2;
	struct frame_reader r = {0};
	struct frame f;
	size_t used;
	ck_assert_int_eq(frame_reader_feed(&r, in, total, TTRPC_MAX_DATA, &used, &f), FRAME_OVERSIZE);
	ck_assert_uint_eq(used, FRAME_HEADER_SIZE + big);
	ck_assert_uint_eq(f.h.stream_id, 9);
	ck_assert_ptr_null(r.data);
	ck_assert_int_eq(frame_reader_feed(&r, in + used, total - used, TTRPC_MAX_DATA, &used, &f),
			 FRAME_READY);
	ck_assert_uint_eq(f.h.stream_id, 11);
	free(f.data);
	free(in);
}
END_TEST

START_TEST(test_reader_memory_follows_input)
{
	/* A peer announcing 4 MiB and sending 5 bytes costs a small buffer, not 4 MiB. */
	uint8_t in[FRAME_HEADER_SIZE + 5] = {0};
	struct frame_header h = {.length = TTRPC_MAX_DATA, .stream_id = 1, .type = 1};
	frame_header_encode(in, &h);
	struct frame_reader r = {0};
	struct frame f;
	size_t used;
	ck_assert_int_eq(frame_reader_feed(&r, in, sizeof(in), TTRPC_MAX_DATA, &used, &f), FRAME_NEED_MORE);
	ck_assert_uint_le(r.data_cap, 4096);
	ck_assert_uint_eq(frame_reader_want(&r), TTRPC_MAX_DATA - 5);
	ck_assert_int_eq(frame_reader_mid_frame(&r), 1);
	frame_reader_reset(&r);
}
END_TEST

START_TEST(test_code_names)
{
	ck_assert_str_eq(ttrpc_code_name(TTRPC_OK), "OK");
	ck_assert_str_eq(ttrpc_code_name(TTRPC_NOT_FOUND), "NOT_FOUND");
	ck_assert_str_eq(ttrpc_code_name(TTRPC_UNAUTHENTICATED), "UNAUTHENTICATED");
	ck_assert_str_eq(ttrpc_code_name(17), "UNKNOWN_CODE");
	ck_assert_str_eq(ttrpc_code_name(-1), "UNKNOWN_CODE");
}
END_TEST

/* ---- byte-exact exchanges ---- */

START_TEST(test_exact_echo_bytes)
{
	struct tt_raw raw;
	connect_raw(&raw);
	/* Request{service, method "Echo", payload KeyValue{k, v}} built by hand. */
	const char svc[] = TT_SERVICE;
	uint8_t req[64];
	size_t n = 0;
	req[n++] = 0x0a;
	req[n++] = (uint8_t)strlen(svc);
	memcpy(req + n, svc, strlen(svc));
	n += strlen(svc);
	const uint8_t rest[] = {0x12, 4, 'E', 'c', 'h', 'o', 0x1a, 6, 0x0a, 1, 'k', 0x12, 1, 'v'};
	memcpy(req + n, rest, sizeof(rest));
	n += sizeof(rest);
	size_t flen;
	uint8_t *frame = tt_frame(1, 1, req, n, &flen);
	ck_assert_uint_eq(frame[3], n);
	tt_raw_send(fx.loop, &raw, frame, flen);
	free(frame);
	ck_assert(tt_run_until(fx.loop, tt_raw_cond_frame, &raw, 5000));
	/* Response{payload KeyValue{k, v}} on stream 1, no status. */
	const uint8_t want[] = {0, 0, 0, 8, 0, 0, 0, 1, 2, 0, 0x12, 6, 0x0a, 1, 'k', 0x12, 1, 'v'};
	ck_assert_uint_eq(raw.len, sizeof(want));
	ck_assert_mem_eq(raw.buf, want, sizeof(want));
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_exact_failure_bytes)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 5, TT_SERVICE, "Fail", "k", "", 0);
	ck_assert(tt_run_until(fx.loop, tt_raw_cond_frame, &raw, 5000));
	/* Response{status{code 5, message "no k"}}, no payload. */
	const uint8_t want[] = {0, 0, 0, 10, 0, 0, 0, 5, 2, 0, 0x0a, 8, 0x08, 5, 0x12, 4, 'n', 'o', ' ', 'k'};
	ck_assert_uint_eq(raw.len, sizeof(want));
	ck_assert_mem_eq(raw.buf, want, sizeof(want));
	tt_raw_close(&raw);
}
END_TEST

/* ---- protocol rules ---- */

START_TEST(test_unknown_service_and_method)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, "no.Such", "Echo", "k", "v", 0);
	expect_response(&raw, 1, TTRPC_UNIMPLEMENTED, "service no.Such");
	tt_send_request(fx.loop, &raw, 3, TT_SERVICE, "Nope", "k", "v", 0);
	expect_response(&raw, 3, TTRPC_UNIMPLEMENTED, "method " TT_SERVICE ".Nope");
	echo_roundtrip(&raw, 5);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_even_stream_id)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 2, TT_SERVICE, "Echo", "k", "v", 0);
	expect_response(&raw, 2, TTRPC_INVALID_ARGUMENT, NULL);
	tt_send_request(fx.loop, &raw, 0, TT_SERVICE, "Echo", "k", "v", 0);
	expect_response(&raw, 0, TTRPC_INVALID_ARGUMENT, NULL);
	echo_roundtrip(&raw, 3);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_undecodable_request)
{
	struct tt_raw raw;
	connect_raw(&raw);
	const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff};
	size_t flen;
	uint8_t *frame = tt_frame(7, FRAME_REQUEST, junk, sizeof(junk), &flen);
	tt_raw_send(fx.loop, &raw, frame, flen);
	free(frame);
	expect_response(&raw, 7, TTRPC_INVALID_ARGUMENT, "undecodable ttrpc request");
	/* A valid envelope whose payload is not a KeyValue (truncated field). */
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = TT_SERVICE;
	req.method = "Echo";
	uint8_t bad[] = {0x0a, 0x7f, 'x'};
	req.payload = (ProtobufCBinaryData){.len = sizeof(bad), .data = bad};
	uint8_t buf[128];
	size_t n = ttrpc__request__pack(&req, buf);
	frame = tt_frame(9, FRAME_REQUEST, buf, n, &flen);
	tt_raw_send(fx.loop, &raw, frame, flen);
	free(frame);
	expect_response(&raw, 9, TTRPC_INVALID_ARGUMENT,
			"undecodable ttrpc.KeyValue for " TT_SERVICE ".Echo");
	echo_roundtrip(&raw, 11);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_data_and_response_frames_ignored)
{
	struct tt_raw raw;
	connect_raw(&raw);
	size_t flen;
	uint8_t *frame = tt_frame(1, FRAME_DATA, "abc", 3, &flen);
	tt_raw_send(fx.loop, &raw, frame, flen);
	free(frame);
	frame = tt_frame(3, FRAME_RESPONSE, "", 0, &flen);
	tt_raw_send(fx.loop, &raw, frame, flen);
	free(frame);
	frame = tt_frame(5, 0x7f, "zz", 2, &flen);
	tt_raw_send(fx.loop, &raw, frame, flen);
	free(frame);
	/* The only answer is the Echo's. */
	echo_roundtrip(&raw, 7);
	tt_raw_expect_silence(fx.loop, &raw, 50);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_oversize_frame_answered_and_connection_kept)
{
	struct tt_raw raw;
	connect_raw(&raw);
	size_t big = (5u << 20);
	uint8_t *frame = calloc(1, FRAME_HEADER_SIZE + big);
	struct frame_header h = {.length = (uint32_t)big, .stream_id = 5, .type = FRAME_REQUEST};
	frame_header_encode(frame, &h);
	tt_raw_send(fx.loop, &raw, frame, FRAME_HEADER_SIZE + big);
	free(frame);
	expect_response(&raw, 5, TTRPC_RESOURCE_EXHAUSTED, NULL);
	echo_roundtrip(&raw, 7);
	ck_assert_uint_eq(ttrpc_server_connections(fx.server), 1);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_frame_of_exactly_max_is_read)
{
	/* 4 MiB of data is allowed: an Echo whose value fills the frame to the limit. */
	struct tt_raw raw;
	connect_raw(&raw);
	size_t value_len = TTRPC_MAX_DATA - 64;
	char *value = malloc(value_len + 1);
	memset(value, 'v', value_len);
	value[value_len] = '\0';
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Echo", "k", value, 0);
	struct tt_response r;
	tt_recv_response(fx.loop, &raw, &r);
	ck_assert_int_eq(r.code, 0);
	ck_assert_uint_eq(strlen(r.text), value_len);
	tt_response_clear(&r);
	free(value);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_reply_too_large_becomes_error)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Big", "k", "5000000", 0);
	expect_response(&raw, 1, TTRPC_RESOURCE_EXHAUSTED, NULL);
	echo_roundtrip(&raw, 3);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_metadata_visible)
{
	struct tt_raw raw;
	connect_raw(&raw);
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT, md = TTRPC__KEY_VALUE__INIT;
	kv.key = "k";
	kv.value = "v";
	md.key = "who";
	md.value = "tester";
	Ttrpc__KeyValue *mds[] = {&md};
	uint8_t payload[32], buf[256];
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = TT_SERVICE;
	req.method = "Echo";
	req.payload = (ProtobufCBinaryData){.len = ttrpc__key_value__pack(&kv, payload), .data = payload};
	req.n_metadata = 1;
	req.metadata = mds;
	size_t n = ttrpc__request__pack(&req, buf), flen;
	uint8_t *frame = tt_frame(1, FRAME_REQUEST, buf, n, &flen);
	tt_raw_send(fx.loop, &raw, frame, flen);
	free(frame);
	expect_response(&raw, 1, 0, "v");
	ck_assert_str_eq(fx.metadata_seen, "tester");
	free(fx.metadata_seen);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_register_rejects_incomplete_methods)
{
	static const struct ttrpc_method bad[] = {
		{TT_SERVICE, "Echo", &ttrpc__key_value__descriptor, h_echo},
		{TT_SERVICE, "NoHandler", &ttrpc__key_value__descriptor, NULL},
		{0},
	};
	struct error *err = NULL;
	ck_assert_int_eq(ttrpc_server_register(fx.server, bad, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err_message(err), "NoHandler"));
	err_free(&err);
}
END_TEST

/* ---- concurrency on one connection ---- */

START_TEST(test_out_of_order_replies)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Park", "wait", "", 0);
	tt_send_request(fx.loop, &raw, 3, TT_SERVICE, "Echo", "k", "fast", 0);
	expect_response(&raw, 3, 0, "fast");
	ck_assert_int_eq(fx.n_parked, 1);
	reply_value(fx.parked[0], "wait", "exited");
	expect_response(&raw, 1, 0, "exited");
	ck_assert_int_eq(fx.n_cancelled, 0);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_duplicate_stream_id_in_flight)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Park", "wait", "", 0);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Echo", "k", "v", 0);
	expect_response(&raw, 1, TTRPC_INVALID_ARGUMENT, "stream id 1 is already in use");
	ck_assert_int_eq(fx.n_parked, 1);
	tt_raw_close(&raw);
}
END_TEST

static bool cond_cancelled(void *arg)
{
	return fx.n_cancelled >= (int)(intptr_t)arg;
}

START_TEST(test_parked_call_cancelled_on_disconnect)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Park", "a", "", 0);
	tt_send_request(fx.loop, &raw, 3, TT_SERVICE, "Park", "b", "", 0);
	tt_run_for(fx.loop, 20);
	ck_assert_int_eq(fx.n_parked, 2);
	tt_raw_close(&raw);
	ck_assert(tt_run_until(fx.loop, cond_cancelled, (void *)2, 5000));
	ck_assert_int_eq(fx.cancelled[0], TTRPC_CANCELLED);
	ck_assert_int_eq(fx.cancelled[1], TTRPC_CANCELLED);
	ck_assert_uint_eq(ttrpc_server_connections(fx.server), 0);
}
END_TEST

START_TEST(test_parked_call_deadline)
{
	struct tt_raw raw;
	connect_raw(&raw);
	uint64_t start = clock_monotonic_ms();
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Park", "a", "", 100 * 1000000LL);
	expect_response(&raw, 1, TTRPC_DEADLINE_EXCEEDED, NULL);
	uint64_t took = clock_monotonic_ms() - start;
	ck_assert_uint_ge(took, 100);
	ck_assert_uint_lt(took, 2000);
	ck_assert_int_eq(fx.n_cancelled, 1);
	ck_assert_int_eq(fx.cancelled[0], TTRPC_DEADLINE_EXCEEDED);
	echo_roundtrip(&raw, 3);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_parked_without_cancel_answer_dropped_after_deadline)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "ParkBlind", "a", "", 30 * 1000000LL);
	expect_response(&raw, 1, TTRPC_DEADLINE_EXCEEDED, NULL);
	/* The handler still holds the call; its late answer is dropped, and frees it. */
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	ck_assert_int_eq(ttrpc_call_reply(fx.parked[0], &kv.base), -1);
	tt_raw_expect_silence(fx.loop, &raw, 30);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_parked_without_cancel_survives_disconnect)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "ParkBlind", "a", "", 0);
	tt_run_for(fx.loop, 20);
	ck_assert_int_eq(fx.n_parked, 1);
	tt_raw_close(&raw);
	tt_run_for(fx.loop, 30);
	ck_assert_uint_eq(ttrpc_server_connections(fx.server), 0);
	/* The request is still readable, and the answer is dropped. */
	const Ttrpc__KeyValue *kv = (const Ttrpc__KeyValue *)ttrpc_call_request(fx.parked[0]);
	ck_assert_str_eq(kv->key, "a");
	ck_assert_int_eq(ttrpc_call_fail(fx.parked[0], TTRPC_NOT_FOUND, "gone"), -1);
}
END_TEST

START_TEST(test_negative_timeout_is_expired)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Park", "a", "", -5);
	expect_response(&raw, 1, TTRPC_DEADLINE_EXCEEDED, NULL);
	ck_assert_int_eq(fx.n_parked, 0);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_server_free_cancels_parked)
{
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Park", "a", "", 0);
	tt_run_for(fx.loop, 20);
	ck_assert_int_eq(fx.n_parked, 1);
	ttrpc_server_free(fx.server);
	fx.server = NULL;
	ck_assert_int_eq(fx.n_cancelled, 1);
	ck_assert_int_eq(fx.cancelled[0], TTRPC_CANCELLED);
	ck_assert(tt_run_until(fx.loop, tt_raw_cond_eof, &raw, 5000));
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_handler_may_free_server)
{
	/* Shutdown answers, then frees the server from inside the handler: the answer still goes
	 * out, pipelined requests behind it are dropped, parked calls are cancelled. */
	struct tt_raw raw;
	connect_raw(&raw);
	tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Park", "a", "", 0);
	tt_run_for(fx.loop, 10);
	tt_send_request(fx.loop, &raw, 3, TT_SERVICE, "Shutdown", "", "", 0);
	expect_response(&raw, 3, 0, "bye");
	ck_assert(tt_run_until(fx.loop, tt_raw_cond_eof, &raw, 5000));
	ck_assert_int_eq(fx.cancelled[0], TTRPC_CANCELLED);
	tt_raw_close(&raw);
}
END_TEST

/* ---- robustness ---- */

START_TEST(test_pending_limit)
{
	ttrpc_server_set_limits(fx.server, &(struct ttrpc_limits){.max_pending = 4});
	struct tt_raw raw, other;
	connect_raw(&raw);
	connect_raw(&other);
	for (uint32_t i = 0; i < 10; i++)
		tt_send_request(fx.loop, &raw, 2 * i + 1, TT_SERVICE, "Park", "p", "", 0);
	for (uint32_t i = 4; i < 10; i++)
		expect_response(&raw, 2 * i + 1, TTRPC_RESOURCE_EXHAUSTED, NULL);
	ck_assert_int_eq(fx.n_parked, 4);
	/* The flood harms nobody else. */
	echo_roundtrip(&other, 1);
	/* Answering one frees a slot. */
	reply_value(fx.parked[0], "p", "done");
	expect_response(&raw, 1, 0, "done");
	tt_send_request(fx.loop, &raw, 21, TT_SERVICE, "Echo", "k", "room again", 0);
	expect_response(&raw, 21, 0, "room again");
	tt_raw_close(&raw);
	tt_raw_close(&other);
}
END_TEST

/* containerd sends every Wait of a shim's tasks and execs over one connection and keeps them
 * outstanding: they must not use up the in-flight limit that bounds the work being done. */
START_TEST(parked_waits_do_not_count_against_the_in_flight_limit)
{
	struct tt_raw raw;
	connect_raw(&raw);
	for (uint32_t i = 0; i < 500; i++)
		tt_send_request(fx.loop, &raw, 2 * i + 1, TT_SERVICE, "Wait", "w", "", 0);
	/* Other calls on the same connection are still served, at once. */
	for (uint32_t i = 500; i < 520; i++)
		echo_roundtrip(&raw, 2 * i + 1);
	ck_assert_int_eq(n_waits, 500);
	for (int i = 0; i < 500; i++) {
		ck_assert_ptr_nonnull(waits[i]);
		reply_value(waits[i], "w", "exited");
	}
	for (uint32_t i = 0; i < 500; i++) {
		struct tt_response r;
		tt_recv_response(fx.loop, &raw, &r);
		ck_assert_int_eq(r.code, 0);
		ck_assert_uint_eq(r.stream_id, 2 * i + 1);
		tt_response_clear(&r);
	}
	tt_raw_close(&raw);
}
END_TEST

START_TEST(parked_calls_have_a_limit_of_their_own)
{
	ttrpc_server_set_limits(fx.server, &(struct ttrpc_limits){.max_pending = 2, .max_parked = 8});
	struct tt_raw raw;
	connect_raw(&raw);
	for (uint32_t i = 0; i < 9; i++)
		tt_send_request(fx.loop, &raw, 2 * i + 1, TT_SERVICE, "Wait", "w", "", 0);
	expect_response(&raw, 17, TTRPC_RESOURCE_EXHAUSTED, "too many waits");
	echo_roundtrip(&raw, 19);
	/* An answered Wait makes room for another. */
	reply_value(waits[0], "w", "exited");
	expect_response(&raw, 1, 0, "exited");
	tt_send_request(fx.loop, &raw, 21, TT_SERVICE, "Wait", "w", "", 0);
	tt_raw_expect_silence(fx.loop, &raw, 20);
	ck_assert_ptr_nonnull(waits[n_waits - 1]);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_connection_limit)
{
	ttrpc_server_set_limits(fx.server, &(struct ttrpc_limits){.max_connections = 2});
	struct tt_raw a, b;
	connect_raw(&a);
	connect_raw(&b);
	int sv[2];
	tt_socketpair(sv);
	ck_assert_int_eq(ttrpc_server_adopt(fx.server, sv[0], NULL), -1);
	ck_assert_uint_eq(ttrpc_server_connections(fx.server), 2);
	char c;
	ck_assert_int_eq(read(sv[1], &c, 1), 0); /* closed by the server */
	close(sv[1]);
	echo_roundtrip(&a, 1);
	tt_raw_close(&a);
	tt_raw_close(&b);
}
END_TEST

START_TEST(test_garbage_client_harms_nobody)
{
	struct tt_raw bad, good;
	connect_raw(&bad);
	connect_raw(&good);
	srand(42);
	size_t n = 1 << 20;
	uint8_t *junk = malloc(n);
	for (size_t i = 0; i < n; i++)
		junk[i] = (uint8_t)rand();
	/* Keep lengths small so the junk is many frames, not one skipped giant. */
	for (size_t i = 0; i + 4 < n; i += 97)
		junk[i] = junk[i + 1] = 0;
	tt_raw_send(fx.loop, &bad, junk, n);
	free(junk);
	echo_roundtrip(&good, 1);
	tt_run_for(fx.loop, 50);
	tt_raw_close(&bad);
	echo_roundtrip(&good, 3);
	tt_raw_close(&good);
}
END_TEST

START_TEST(test_stalled_client_harms_nobody)
{
	struct tt_raw stalled, good;
	connect_raw(&stalled);
	connect_raw(&good);
	const uint8_t half_header[] = {0, 0, 0, 40, 0};
	tt_raw_send(fx.loop, &stalled, half_header, sizeof(half_header));
	echo_roundtrip(&good, 1);
	const uint8_t rest[] = {0, 0, 1, 1, 0, 0x0a};
	tt_raw_send(fx.loop, &stalled, rest, sizeof(rest));
	echo_roundtrip(&good, 3);
	ck_assert_uint_eq(ttrpc_server_connections(fx.server), 2);
	tt_raw_close(&stalled);
	tt_raw_close(&good);
}
END_TEST

START_TEST(test_backpressure_on_unread_replies)
{
	/* A client pipelines 40 requests with 200 KiB replies without reading: the server stops
	 * reading at its threshold instead of queueing 8 MiB, and nothing is lost once the client
	 * reads. */
	struct tt_raw raw;
	connect_raw(&raw);
	for (uint32_t i = 0; i < 40; i++) {
		tt_send_request(fx.loop, &raw, 2 * i + 1, TT_SERVICE, "Big", "k", "204800", 0);
		tt_run_for(fx.loop, 1);
	}
	tt_run_for(fx.loop, 50);
	/* About 1 MiB queued plus what the socket holds, then the server waits for us. */
	ck_assert_int_ge(fx.n_big, 5);
	ck_assert_int_le(fx.n_big, 12);
	for (uint32_t i = 0; i < 40; i++) {
		struct tt_response r;
		tt_recv_response(fx.loop, &raw, &r);
		ck_assert_uint_eq(r.stream_id, 2 * i + 1);
		ck_assert_uint_eq(strlen(r.text), 204800);
		tt_response_clear(&r);
	}
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_unread_replies_bounded)
{
	/* With a small queue bound, a client that never reads is disconnected. */
	ttrpc_server_set_limits(fx.server, &(struct ttrpc_limits){.max_queued = 256 << 10});
	struct tt_raw raw;
	connect_raw(&raw);
	for (uint32_t i = 0; i < 6 && ttrpc_server_connections(fx.server) > 0; i++) {
		tt_send_request(fx.loop, &raw, 2 * i + 1, TT_SERVICE, "Big", "k", "204800", 0);
		tt_run_for(fx.loop, 5);
	}
	ck_assert_uint_eq(ttrpc_server_connections(fx.server), 0);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_no_fd_leak)
{
	int before = tt_count_fds();
	for (int i = 0; i < 50; i++) {
		struct tt_raw raw;
		connect_raw(&raw);
		tt_send_request(fx.loop, &raw, 1, TT_SERVICE, "Park", "a", "", 0);
		tt_send_request(fx.loop, &raw, 3, TT_SERVICE, "Echo", "a", "b", 0);
		expect_response(&raw, 3, 0, "b");
		tt_raw_close(&raw);
	}
	ck_assert(tt_run_until(fx.loop, cond_cancelled, (void *)50, 5000));
	ck_assert_uint_eq(ttrpc_server_connections(fx.server), 0);
	tt_run_for(fx.loop, 10);
	ck_assert_int_eq(tt_count_fds(), before);
}
END_TEST

/* ---- real unix sockets ---- */

static bool cond_connections(void *arg)
{
	return ttrpc_server_connections(fx.server) == (unsigned)(intptr_t)arg;
}

static int dial(const char *path, bool abstract)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path + (abstract ? 1 : 0), path);
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(path) + (abstract ? 1 : 0);
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

START_TEST(test_listen_unix_socket_file)
{
	char *dir = testlib_tmpdir();
	char *path, *addr;
	ck_assert_int_ge(asprintf(&path, "%s/s.sock", dir), 0);
	ck_assert_int_ge(asprintf(&addr, "unix://%s", path), 0);
	int lfd = ttrpc_listen_unix(addr, NULL);
	ck_assert_int_ge(lfd, 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* An existing file is not silently replaced. */
	struct error *err = NULL;
	ck_assert_int_eq(ttrpc_listen_unix(path, &err), -1);
	ck_assert_int_eq(err->errnum, EADDRINUSE);
	err_free(&err);
	ttrpc_server_free(fx.server);
	ck_assert_int_eq(ttrpc_server_new(&fx.server, fx.loop, lfd, NULL), 0);
	ck_assert_int_eq(ttrpc_server_register(fx.server, methods, NULL, NULL), 0);
	struct tt_raw a, b;
	tt_raw_init(&a, dial(path, false));
	tt_raw_init(&b, dial(path, false));
	ck_assert(tt_run_until(fx.loop, cond_connections, (void *)2, 5000));
	tt_send_request(fx.loop, &a, 1, TT_SERVICE, "Park", "a", "", 0);
	echo_roundtrip(&b, 1);
	echo_roundtrip(&a, 3);
	tt_raw_close(&a);
	tt_raw_close(&b);
	ck_assert(tt_run_until(fx.loop, cond_connections, (void *)0, 5000));
	ttrpc_server_free(fx.server);
	fx.server = NULL;
	testlib_rmtree(dir);
	free(dir);
	free(path);
	free(addr);
}
END_TEST

START_TEST(test_listen_bad_addresses)
{
	struct error *err = NULL;
	ck_assert_int_eq(ttrpc_listen_unix("unix://", &err), -1);
	err_free(&err);
	char longname[200];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(ttrpc_listen_unix(longname, &err), -1);
	ck_assert_ptr_nonnull(strstr(err_message(err), "too long"));
	err_free(&err);
}
END_TEST

START_TEST(test_peer_with_other_uid_rejected)
{
	if (geteuid() != 0)
		return; /* needs root to become another user; not testable otherwise */
	char name[64];
	snprintf(name, sizeof(name), "@reaper-test-ttrpc-%d", getpid());
	int lfd = ttrpc_listen_unix(name, NULL);
	ck_assert_int_ge(lfd, 0);
	ttrpc_server_free(fx.server);
	ck_assert_int_eq(ttrpc_server_new(&fx.server, fx.loop, lfd, NULL), 0);
	ck_assert_int_eq(ttrpc_server_register(fx.server, methods, NULL, NULL), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* As nobody: connect, send an Echo, expect the server to hang up without answering. */
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		int fd = dial(name + 1, true);
		if (fd < 0)
			_exit(3);
		struct tt_raw raw;
		tt_raw_init(&raw, fd);
		int fl = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		uint8_t hdr[FRAME_HEADER_SIZE] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 0};
		(void)!write(fd, hdr, sizeof(hdr));
		/* Hung up: EOF, or a reset because our request was left unread. */
		char c;
		ssize_t n = read(fd, &c, 1);
		_exit(n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : 4);
	}
	int status = -1;
	uint64_t end = clock_monotonic_ms() + 5000;
	while (waitpid(pid, &status, WNOHANG) == 0 && clock_monotonic_ms() < end)
		ck_assert_int_eq(loop_run_once(fx.loop, 10, NULL), 0);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_uint_eq(ttrpc_server_connections(fx.server), 0);
	/* Same-uid peers still get in. */
	struct tt_raw ok;
	tt_raw_init(&ok, dial(name + 1, true));
	echo_roundtrip(&ok, 1);
	tt_raw_close(&ok);
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* raw peers write to closed sockets on purpose */
	Suite *s = suite_create("ttrpc");
	TCase *frame = tcase_create("frame");
	tcase_add_test(frame, test_header_is_big_endian);
	tcase_add_test(frame, test_reader_byte_by_byte);
	tcase_add_test(frame, test_reader_skips_oversize);
	tcase_add_test(frame, test_reader_memory_follows_input);
	tcase_add_test(frame, test_code_names);
	suite_add_tcase(s, frame);

	TCase *proto = tcase_create("protocol");
	tcase_add_checked_fixture(proto, setup, teardown);
	tcase_add_test(proto, test_exact_echo_bytes);
	tcase_add_test(proto, test_exact_failure_bytes);
	tcase_add_test(proto, test_unknown_service_and_method);
	tcase_add_test(proto, test_even_stream_id);
	tcase_add_test(proto, test_undecodable_request);
	tcase_add_test(proto, test_data_and_response_frames_ignored);
	tcase_add_test(proto, test_oversize_frame_answered_and_connection_kept);
	tcase_add_test(proto, test_frame_of_exactly_max_is_read);
	tcase_add_test(proto, test_reply_too_large_becomes_error);
	tcase_add_test(proto, test_metadata_visible);
	tcase_add_test(proto, test_register_rejects_incomplete_methods);
	suite_add_tcase(s, proto);

	TCase *conc = tcase_create("concurrency");
	tcase_add_checked_fixture(conc, setup, teardown);
	tcase_add_test(conc, test_out_of_order_replies);
	tcase_add_test(conc, test_duplicate_stream_id_in_flight);
	tcase_add_test(conc, test_parked_call_cancelled_on_disconnect);
	tcase_add_test(conc, test_parked_call_deadline);
	tcase_add_test(conc, test_parked_without_cancel_answer_dropped_after_deadline);
	tcase_add_test(conc, test_parked_without_cancel_survives_disconnect);
	tcase_add_test(conc, test_negative_timeout_is_expired);
	tcase_add_test(conc, test_server_free_cancels_parked);
	tcase_add_test(conc, test_handler_may_free_server);
	suite_add_tcase(s, conc);

	TCase *rob = tcase_create("robustness");
	tcase_add_checked_fixture(rob, setup, teardown);
	tcase_add_test(rob, test_pending_limit);
	tcase_add_test(rob, parked_waits_do_not_count_against_the_in_flight_limit);
	tcase_add_test(rob, parked_calls_have_a_limit_of_their_own);
	tcase_add_test(rob, test_connection_limit);
	tcase_add_test(rob, test_garbage_client_harms_nobody);
	tcase_add_test(rob, test_stalled_client_harms_nobody);
	tcase_add_test(rob, test_backpressure_on_unread_replies);
	tcase_add_test(rob, test_unread_replies_bounded);
	tcase_add_test(rob, test_no_fd_leak);
	suite_add_tcase(s, rob);

	TCase *sock = tcase_create("sockets");
	tcase_add_checked_fixture(sock, setup, teardown);
	tcase_add_test(sock, test_listen_unix_socket_file);
	tcase_add_test(sock, test_listen_bad_addresses);
	tcase_add_test(sock, test_peer_with_other_uid_rejected);
	suite_add_tcase(s, sock);
	return testlib_run(s);
}
