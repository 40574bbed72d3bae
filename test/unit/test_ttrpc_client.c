/* SPDX-License-Identifier: Apache-2.0 */
/* The ttrpc client: byte-exact requests against a raw peer, then against our server on real unix
 * sockets: timeouts, retries and reconnects, ordered delivery, cancellation. */
#include <signal.h>
#include <stdio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "clock.h"
#include "test_ttrpc_util.h"

#define MAX_RESULTS 64

struct result {
	bool done;
	int code;
	char *message;
	char *value; /* KeyValue.value of the reply */
};

static struct {
	struct loop *loop;
	struct ttrpc_client *client;
	struct ttrpc_server *server;
	char *dir, *path;
	struct result results[MAX_RESULTS];
	int n_done;
	int order[MAX_RESULTS]; /* result slots in completion order */
	struct ttrpc_call *parked[MAX_RESULTS];
	char *parked_keys[MAX_RESULTS];
	int parked_cancelled[MAX_RESULTS];
	int n_parked, max_parked_at_once;
	bool free_client_in_callback;
	bool call_again_in_callback;
} fx;

/* ---- our server, for end-to-end tests ---- */

static void s_echo(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	ttrpc_call_reply(call, request);
}

static void s_fail(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	ttrpc_call_fail(call, TTRPC_NOT_FOUND, "no %s", ((const Ttrpc__KeyValue *)request)->key);
}

static int live_parked(void)
{
	int n = 0;
	for (int i = 0; i < fx.n_parked; i++)
		n += fx.parked[i] != NULL;
	return n;
}

static void s_cancelled(struct ttrpc_call *call, enum ttrpc_code why, void *data)
{
	int slot = (int)(intptr_t)data;
	fx.parked[slot] = NULL;
	fx.parked_cancelled[slot] = why;
}

static void s_park(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	fx.parked_keys[fx.n_parked] = strdup(((const Ttrpc__KeyValue *)request)->key);
	ttrpc_call_on_cancel(call, s_cancelled, (void *)(intptr_t)fx.n_parked);
	fx.parked[fx.n_parked++] = call;
	if (live_parked() > fx.max_parked_at_once)
		fx.max_parked_at_once = live_parked();
}

static const struct ttrpc_method methods[] = {
	{TT_SERVICE, "Echo", &ttrpc__key_value__descriptor, s_echo},
	{TT_SERVICE, "Fail", &ttrpc__key_value__descriptor, s_fail},
	{TT_SERVICE, "Park", &ttrpc__key_value__descriptor, s_park},
	{0},
};

static void release(int i, const char *value)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = fx.parked_keys[i];
	kv.value = (char *)value;
	ck_assert_ptr_nonnull(fx.parked[i]);
	ck_assert_int_eq(ttrpc_call_reply(fx.parked[i], &kv.base), 0);
	fx.parked[i] = NULL;
}

static void start_server(void)
{
	int lfd = ttrpc_listen_unix(fx.path, NULL);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(ttrpc_server_new(&fx.server, fx.loop, lfd, NULL), 0);
	ck_assert_int_eq(ttrpc_server_register(fx.server, methods, NULL, NULL), 0);
}

static void stop_server(void)
{
	ttrpc_server_free(fx.server);
	fx.server = NULL;
	unlink(fx.path);
}

static void setup(void)
{
	memset(&fx, 0, sizeof(fx));
	ck_assert_int_eq(loop_new(&fx.loop, NULL), 0);
	fx.dir = testlib_tmpdir();
	ck_assert_int_ge(asprintf(&fx.path, "%s/ttrpc.sock", fx.dir), 0);
}

static void teardown(void)
{
	ttrpc_client_free(fx.client);
	ttrpc_server_free(fx.server);
	loop_free(fx.loop);
	testlib_rmtree(fx.dir);
	free(fx.dir);
	free(fx.path);
	for (int i = 0; i < MAX_RESULTS; i++) {
		free(fx.results[i].message);
		free(fx.results[i].value);
		free(fx.parked_keys[i]);
	}
}

/* ---- calls ---- */

static void issue(int slot, const char *method, const char *key, const struct ttrpc_call_opts *opts);

static void on_reply(ProtobufCMessage *reply, enum ttrpc_code code, const char *message, void *data)
{
	int slot = (int)(intptr_t)data;
	struct result *r = &fx.results[slot];
	ck_assert_msg(!r->done, "callback ran twice for call %d", slot);
	ck_assert_ptr_nonnull(message);
	ck_assert(code == TTRPC_OK ? reply != NULL : reply == NULL);
	r->done = true;
	r->code = code;
	r->message = strdup(message);
	if (reply != NULL) {
		r->value = strdup(((Ttrpc__KeyValue *)reply)->value);
		protobuf_c_message_free_unpacked(reply, NULL);
	}
	fx.order[fx.n_done++] = slot;
	if (fx.free_client_in_callback) {
		ttrpc_client_free(fx.client);
		fx.client = NULL;
	}
	if (fx.call_again_in_callback && slot == 0)
		issue(1, "Echo", "again", NULL);
}

static void issue(int slot, const char *method, const char *key, const struct ttrpc_call_opts *opts)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = (char *)key;
	kv.value = (char *)key;
	ck_assert_int_eq(ttrpc_client_call(fx.client, TT_SERVICE, method, &kv.base,
					   &ttrpc__key_value__descriptor, opts, on_reply,
					   (void *)(intptr_t)slot, NULL),
			 0);
}

static void on_count(ProtobufCMessage *reply, enum ttrpc_code code, const char *message, void *data)
{
	ck_assert_int_eq(code, TTRPC_CANCELLED);
	(*(int *)data)++;
}

static bool cond_done(void *arg)
{
	return fx.results[(intptr_t)arg].done;
}

static bool cond_n_done(void *arg)
{
	return fx.n_done >= (int)(intptr_t)arg;
}

static bool cond_parked(void *arg)
{
	return fx.n_parked >= (int)(intptr_t)arg;
}

static void wait_done(int slot)
{
	ck_assert_msg(tt_run_until(fx.loop, cond_done, (void *)(intptr_t)slot, 10000),
		      "call %d never completed", slot);
}

static void expect_result(int slot, int code, const char *text)
{
	wait_done(slot);
	ck_assert_int_eq(fx.results[slot].code, code);
	if (text != NULL)
		ck_assert_str_eq(code == TTRPC_OK ? fx.results[slot].value : fx.results[slot].message, text);
}

/* A client on one end of a socketpair, the raw peer on the other. */
static void client_on_pair(struct tt_raw *raw)
{
	int sv[2];
	tt_socketpair(sv);
	ck_assert_int_eq(ttrpc_client_new_fd(&fx.client, fx.loop, sv[0], NULL), 0);
	tt_raw_init(raw, sv[1]);
}

static void raw_reply(struct tt_raw *raw, uint32_t id, const void *resp, size_t len)
{
	size_t flen;
	uint8_t *frame = tt_frame(id, FRAME_RESPONSE, resp, len, &flen);
	tt_raw_send(fx.loop, raw, frame, flen);
	free(frame);
}

/* Read one request frame off the raw side and decode it. */
static Ttrpc__Request *raw_request(struct tt_raw *raw, uint32_t *id)
{
	struct frame_header h;
	uint8_t *data;
	tt_raw_frame(fx.loop, raw, &h, &data);
	ck_assert_int_eq(h.type, FRAME_REQUEST);
	ck_assert_int_eq(h.flags, 0);
	*id = h.stream_id;
	Ttrpc__Request *req = ttrpc__request__unpack(NULL, h.length, data);
	ck_assert_ptr_nonnull(req);
	free(data);
	return req;
}

static void raw_reply_value(struct tt_raw *raw, uint32_t id, const char *value)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.value = (char *)value;
	uint8_t payload[256], buf[300];
	Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
	resp.payload = (ProtobufCBinaryData){.len = ttrpc__key_value__pack(&kv, payload), .data = payload};
	raw_reply(raw, id, buf, ttrpc__response__pack(&resp, buf));
}

/* ---- byte level ---- */

START_TEST(test_exact_request_bytes)
{
	struct tt_raw raw;
	client_on_pair(&raw);
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = "k";
	kv.value = "v";
	ck_assert_int_eq(ttrpc_client_call(fx.client, "a.B", "Echo", &kv.base, &ttrpc__key_value__descriptor,
					   NULL, on_reply, (void *)0, NULL),
			 0);
	ck_assert(!fx.results[0].done);
	ck_assert(tt_run_until(fx.loop, tt_raw_cond_frame, &raw, 5000));
	/* 19 bytes: service "a.B" (5), method "Echo" (6), payload KeyValue{k, v} (8). */
	const uint8_t want[] = {0,    0, 0,   19,  0,   0,   0,    1, 1,    0, 0x0a, 3,    'a', '.', 'B',
				0x12, 4, 'E', 'c', 'h', 'o', 0x1a, 6, 0x0a, 1, 'k',  0x12, 1,   'v'};
	ck_assert_uint_eq(raw.len, sizeof(want));
	ck_assert_mem_eq(raw.buf, want, sizeof(want));
	raw.len = 0;
	const uint8_t resp[] = {0, 0, 0, 8, 0, 0, 0, 1, 2, 0, 0x12, 6, 0x0a, 1, 'k', 0x12, 1, 'w'};
	tt_raw_send(fx.loop, &raw, resp, sizeof(resp));
	expect_result(0, TTRPC_OK, "w");
	/* The next call uses the next odd stream id. */
	issue(1, "Echo", "x", NULL);
	uint32_t id;
	Ttrpc__Request *req = raw_request(&raw, &id);
	ck_assert_uint_eq(id, 3);
	ttrpc__request__free_unpacked(req, NULL);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_timeout_sent_on_wire)
{
	struct tt_raw raw;
	client_on_pair(&raw);
	issue(0, "Echo", "k", &(struct ttrpc_call_opts){.timeout_ms = 5000});
	uint32_t id;
	Ttrpc__Request *req = raw_request(&raw, &id);
	ck_assert_int_gt(req->timeout_nano, 4000000000LL);
	ck_assert_int_le(req->timeout_nano, 5000000000LL);
	ck_assert_str_eq(req->service, TT_SERVICE);
	ck_assert_str_eq(req->method, "Echo");
	ttrpc__request__free_unpacked(req, NULL);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_status_replies)
{
	struct tt_raw raw;
	client_on_pair(&raw);
	issue(0, "Echo", "a", NULL);
	issue(1, "Echo", "b", NULL);
	issue(2, "Echo", "c", NULL);
	uint32_t ids[3];
	for (int i = 0; i < 3; i++)
		ttrpc__request__free_unpacked(raw_request(&raw, &ids[i]), NULL);
	/* Error status; status code 0 plus payload (what Go's server sends); undecodable payload. */
	const uint8_t failed[] = {0x0a, 8, 0x08, 5, 0x12, 4, 'n', 'o', 'p', 'e'};
	raw_reply(&raw, ids[0], failed, sizeof(failed));
	const uint8_t ok_with_status[] = {0x0a, 0, 0x12, 3, 0x12, 1, 'z'};
	raw_reply(&raw, ids[1], ok_with_status, sizeof(ok_with_status));
	const uint8_t bad_payload[] = {0x12, 2, 0x0a, 0x7f};
	raw_reply(&raw, ids[2], bad_payload, sizeof(bad_payload));
	expect_result(0, TTRPC_NOT_FOUND, "nope");
	expect_result(1, TTRPC_OK, "z");
	expect_result(2, TTRPC_INTERNAL, "undecodable ttrpc.KeyValue reply");
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_replies_for_unknown_streams_ignored)
{
	struct tt_raw raw;
	client_on_pair(&raw);
	issue(0, "Echo", "a", NULL);
	uint32_t id;
	ttrpc__request__free_unpacked(raw_request(&raw, &id), NULL);
	raw_reply_value(&raw, 99, "stray");
	raw_reply_value(&raw, 2, "even");
	size_t flen;
	uint8_t *frame = tt_frame(id, FRAME_DATA, "x", 1, &flen);
	tt_raw_send(fx.loop, &raw, frame, flen);
	free(frame);
	tt_run_for(fx.loop, 30);
	ck_assert(!fx.results[0].done);
	raw_reply_value(&raw, id, "mine");
	expect_result(0, TTRPC_OK, "mine");
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_oversize_reply)
{
	struct tt_raw raw;
	client_on_pair(&raw);
	issue(0, "Echo", "a", NULL);
	uint32_t id;
	ttrpc__request__free_unpacked(raw_request(&raw, &id), NULL);
	size_t big = 5u << 20;
	uint8_t *frame = calloc(1, FRAME_HEADER_SIZE + big);
	struct frame_header h = {.length = (uint32_t)big, .stream_id = id, .type = FRAME_RESPONSE};
	frame_header_encode(frame, &h);
	tt_raw_send(fx.loop, &raw, frame, FRAME_HEADER_SIZE + big);
	free(frame);
	expect_result(0, TTRPC_RESOURCE_EXHAUSTED, NULL);
	issue(1, "Echo", "b", NULL);
	ttrpc__request__free_unpacked(raw_request(&raw, &id), NULL);
	raw_reply_value(&raw, id, "fine");
	expect_result(1, TTRPC_OK, "fine");
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_call_timeout)
{
	struct tt_raw raw;
	client_on_pair(&raw);
	uint64_t start = clock_monotonic_ms();
	issue(0, "Echo", "a", &(struct ttrpc_call_opts){.timeout_ms = 100});
	uint32_t id;
	ttrpc__request__free_unpacked(raw_request(&raw, &id), NULL);
	expect_result(0, TTRPC_DEADLINE_EXCEEDED, NULL);
	ck_assert_uint_ge(clock_monotonic_ms() - start, 100);
	/* The late reply is dropped (on_reply would fail on a second completion). */
	raw_reply_value(&raw, id, "late");
	tt_run_for(fx.loop, 30);
	ck_assert_int_eq(fx.n_done, 1);
	tt_raw_close(&raw);
}
END_TEST

START_TEST(test_adopted_connection_lost)
{
	struct tt_raw raw;
	client_on_pair(&raw);
	issue(0, "Echo", "a", &(struct ttrpc_call_opts){.attempts = 5});
	uint32_t id;
	ttrpc__request__free_unpacked(raw_request(&raw, &id), NULL);
	tt_raw_close(&raw);
	/* No address to redial: the call fails at once whatever its attempts. */
	expect_result(0, TTRPC_UNAVAILABLE, NULL);
	struct error *err = NULL;
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	ck_assert_int_eq(ttrpc_client_call(fx.client, TT_SERVICE, "Echo", &kv.base,
					   &ttrpc__key_value__descriptor, NULL, on_reply, (void *)1, &err),
			 -1);
	err_free(&err);
}
END_TEST

START_TEST(test_bad_calls_refused)
{
	struct tt_raw raw;
	client_on_pair(&raw);
	struct error *err = NULL;
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	size_t n = 5u << 20;
	kv.value = malloc(n + 1);
	memset(kv.value, 'x', n);
	kv.value[n] = '\0';
	ck_assert_int_eq(ttrpc_client_call(fx.client, TT_SERVICE, "Echo", &kv.base,
					   &ttrpc__key_value__descriptor, NULL, on_reply, NULL, &err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err_message(err), "exceeds the maximum message size"));
	err_free(&err);
	free(kv.value);
	kv.value = "";
	ck_assert_int_eq(ttrpc_client_call(fx.client, TT_SERVICE, "Echo", &kv.base,
					   &ttrpc__key_value__descriptor, NULL, NULL, NULL, &err),
			 -1);
	err_free(&err);
	/* The queue is bounded. */
	int cancelled = 0;
	for (int i = 0; i < 1024; i++)
		ck_assert_int_eq(ttrpc_client_call(fx.client, TT_SERVICE, "Echo", &kv.base,
						   &ttrpc__key_value__descriptor, NULL, on_count, &cancelled,
						   NULL),
				 0);
	ck_assert_int_eq(ttrpc_client_call(fx.client, TT_SERVICE, "Echo", &kv.base,
					   &ttrpc__key_value__descriptor, NULL, on_count, &cancelled, &err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err_message(err), "1024 calls"));
	err_free(&err);
	ck_assert_int_eq(cancelled, 0);
	ttrpc_client_free(fx.client);
	fx.client = NULL;
	ck_assert_int_eq(cancelled, 1024);
	tt_raw_close(&raw);
}
END_TEST

/* ---- against our server on a unix socket ---- */

START_TEST(test_calls_against_server)
{
	start_server();
	char *addr;
	ck_assert_int_ge(asprintf(&addr, "unix://%s", fx.path), 0);
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, addr, NULL), 0);
	free(addr);
	issue(0, "Echo", "hello", NULL);
	issue(1, "Fail", "thing", NULL);
	issue(2, "Nope", "x", NULL);
	expect_result(0, TTRPC_OK, "hello");
	expect_result(1, TTRPC_NOT_FOUND, "no thing");
	expect_result(2, TTRPC_UNIMPLEMENTED, "method " TT_SERVICE ".Nope");

	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = "s";
	kv.value = "sync";
	ProtobufCMessage *reply = NULL;
	enum ttrpc_code code;
	ck_assert_int_eq(ttrpc_client_call_sync(fx.client, TT_SERVICE, "Echo", &kv.base,
						&ttrpc__key_value__descriptor, 1000, &reply, &code, NULL),
			 0);
	ck_assert_int_eq(code, TTRPC_OK);
	ck_assert_str_eq(((Ttrpc__KeyValue *)reply)->value, "sync");
	protobuf_c_message_free_unpacked(reply, NULL);
	struct error *err = NULL;
	ck_assert_int_eq(ttrpc_client_call_sync(fx.client, TT_SERVICE, "Fail", &kv.base,
						&ttrpc__key_value__descriptor, 1000, &reply, &code, &err),
			 -1);
	ck_assert_int_eq(code, TTRPC_NOT_FOUND);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	ck_assert_str_eq(err_message(err), TT_SERVICE ".Fail: NOT_FOUND: no s");
	ck_assert_ptr_null(reply);
	err_free(&err);
}
END_TEST

START_TEST(test_server_deadline_reaches_client)
{
	/* The client's timeout travels as timeout_nano; whichever side gives up first, the call
	 * ends with DEADLINE_EXCEEDED and the parked call is cancelled on the server. */
	start_server();
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	issue(0, "Park", "p", &(struct ttrpc_call_opts){.timeout_ms = 80});
	expect_result(0, TTRPC_DEADLINE_EXCEEDED, NULL);
	ck_assert(tt_run_until(fx.loop, cond_parked, (void *)1, 1000));
	tt_run_for(fx.loop, 50);
	ck_assert_ptr_null(fx.parked[0]);
	ck_assert_int_eq(fx.parked_cancelled[0], TTRPC_DEADLINE_EXCEEDED);
}
END_TEST

START_TEST(test_unordered_calls_run_concurrently)
{
	start_server();
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	for (int i = 0; i < 3; i++)
		issue(i, "Park", (const char *[]){"a", "b", "c"}[i], NULL);
	ck_assert(tt_run_until(fx.loop, cond_parked, (void *)3, 5000));
	release(2, "C");
	release(0, "A");
	release(1, "B");
	ck_assert(tt_run_until(fx.loop, cond_n_done, (void *)3, 5000));
	ck_assert_int_eq(fx.order[0], 2);
	ck_assert_int_eq(fx.order[1], 0);
	ck_assert_int_eq(fx.order[2], 1);
	ck_assert_str_eq(fx.results[2].value, "C");
}
END_TEST

START_TEST(test_ordered_calls_one_at_a_time)
{
	start_server();
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	const char *keys[] = {"0", "1", "2", "3", "4"};
	struct ttrpc_call_opts ordered = {.ordered = true, .timeout_ms = 10000};
	for (int i = 0; i < 5; i++)
		issue(i, "Park", keys[i], &ordered);
	issue(5, "Echo", "unordered", NULL); /* not held up by the ordered ones */
	expect_result(5, TTRPC_OK, "unordered");
	for (int i = 0; i < 5; i++) {
		ck_assert(tt_run_until(fx.loop, cond_parked, (void *)(intptr_t)(i + 1), 5000));
		tt_run_for(fx.loop, 20);
		ck_assert_int_eq(fx.n_parked, i + 1); /* the next one waits for this answer */
		ck_assert_str_eq(fx.parked_keys[i], keys[i]);
		release(i, keys[i]);
	}
	ck_assert(tt_run_until(fx.loop, cond_n_done, (void *)6, 5000));
	ck_assert_int_eq(fx.max_parked_at_once, 1);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(fx.order[i + 1], i);
}
END_TEST

START_TEST(test_ordered_failure_releases_next)
{
	/* An ordered call that finally fails (here: its deadline) lets the next one go. */
	start_server();
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	issue(0, "Park", "0", &(struct ttrpc_call_opts){.ordered = true, .timeout_ms = 50});
	issue(1, "Echo", "1", &(struct ttrpc_call_opts){.ordered = true});
	expect_result(0, TTRPC_DEADLINE_EXCEEDED, NULL);
	expect_result(1, TTRPC_OK, "1");
}
END_TEST

/* A raw server: the test accepts and speaks bytes itself. */
static int raw_listen(const char *path)
{
	int lfd = ttrpc_listen_unix(path, NULL);
	ck_assert_int_ge(lfd, 0);
	return lfd;
}

static bool cond_acceptable(void *arg)
{
	struct pollfd p = {.fd = *(int *)arg, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

static void raw_accept(int lfd, struct tt_raw *raw)
{
	ck_assert(tt_run_until(fx.loop, cond_acceptable, &lfd, 5000));
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	tt_raw_init(raw, fd);
}

START_TEST(test_ordered_retry_across_disconnect)
{
	int lfd = raw_listen(fx.path);
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	struct ttrpc_call_opts ordered = {.ordered = true, .attempts = 3, .timeout_ms = 10000};
	issue(0, "Echo", "first", &ordered);
	issue(1, "Echo", "second", &ordered);
	struct tt_raw raw;
	raw_accept(lfd, &raw);
	uint32_t id;
	Ttrpc__Request *req = raw_request(&raw, &id);
	ck_assert_uint_eq(id, 1);
	ttrpc__request__free_unpacked(req, NULL);
	tt_raw_expect_silence(fx.loop, &raw, 30);
	tt_raw_close(&raw); /* the server "crashes" with the first call unanswered */

	raw_accept(lfd, &raw);
	req = raw_request(&raw, &id);
	Ttrpc__KeyValue *kv = ttrpc__key_value__unpack(NULL, req->payload.len, req->payload.data);
	ck_assert_str_eq(kv->key, "first"); /* resent first, on a fresh stream */
	ck_assert_uint_eq(id, 1);
	ttrpc__key_value__free_unpacked(kv, NULL);
	ttrpc__request__free_unpacked(req, NULL);
	tt_raw_expect_silence(fx.loop, &raw, 30);
	ck_assert(!fx.results[0].done);
	raw_reply_value(&raw, id, "got first");
	expect_result(0, TTRPC_OK, "got first");
	req = raw_request(&raw, &id);
	kv = ttrpc__key_value__unpack(NULL, req->payload.len, req->payload.data);
	ck_assert_str_eq(kv->key, "second");
	ck_assert_uint_eq(id, 3);
	ttrpc__key_value__free_unpacked(kv, NULL);
	ttrpc__request__free_unpacked(req, NULL);
	raw_reply_value(&raw, id, "got second");
	expect_result(1, TTRPC_OK, "got second");
	tt_raw_close(&raw);
	close(lfd);
}
END_TEST

START_TEST(test_unavailable_after_attempts)
{
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	uint64_t start = clock_monotonic_ms();
	issue(0, "Echo", "a", &(struct ttrpc_call_opts){.attempts = 3});
	issue(1, "Echo", "b", NULL);
	expect_result(1, TTRPC_UNAVAILABLE, NULL);
	expect_result(0, TTRPC_UNAVAILABLE, NULL);
	ck_assert_ptr_nonnull(strstr(fx.results[0].message, "connect to"));
	ck_assert_ptr_nonnull(strstr(fx.results[0].message, "No such file or directory"));
	/* Three tries with backoff in between (50 + 100 ms). */
	ck_assert_uint_ge(clock_monotonic_ms() - start, 150);
	ck_assert_int_eq(fx.order[0], 1);
}
END_TEST

static void start_server_timer(struct loop *loop, void *data)
{
	start_server();
}

START_TEST(test_reconnect_when_server_appears)
{
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	issue(0, "Echo", "patience", &(struct ttrpc_call_opts){.attempts = 10, .timeout_ms = 5000});
	loop_timer_add(fx.loop, 120, start_server_timer, NULL);
	expect_result(0, TTRPC_OK, "patience");
}
END_TEST

START_TEST(test_reconnect_after_server_restart)
{
	start_server();
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	issue(0, "Echo", "one", NULL);
	expect_result(0, TTRPC_OK, "one");
	stop_server();
	start_server();
	issue(1, "Echo", "two", &(struct ttrpc_call_opts){.attempts = 3});
	expect_result(1, TTRPC_OK, "two");
}
END_TEST

START_TEST(test_free_cancels_pending)
{
	start_server();
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	issue(0, "Park", "a", NULL);
	issue(1, "Park", "b", &(struct ttrpc_call_opts){.ordered = true});
	ck_assert(tt_run_until(fx.loop, cond_parked, (void *)2, 5000));
	issue(2, "Echo", "queued", NULL);
	ttrpc_client_free(fx.client);
	fx.client = NULL;
	ck_assert_int_eq(fx.n_done, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(fx.results[i].code, TTRPC_CANCELLED);
	/* The server notices and cancels its parked calls. */
	tt_run_for(fx.loop, 30);
	ck_assert_uint_eq(ttrpc_server_connections(fx.server), 0);
	ck_assert_int_eq(fx.parked_cancelled[0], TTRPC_CANCELLED);
	ck_assert_int_eq(fx.parked_cancelled[1], TTRPC_CANCELLED);
}
END_TEST

START_TEST(test_free_inside_callback)
{
	start_server();
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	fx.free_client_in_callback = true;
	issue(0, "Echo", "a", NULL);
	issue(1, "Park", "b", NULL);
	issue(2, "Echo", "c", &(struct ttrpc_call_opts){.ordered = true});
	ck_assert(tt_run_until(fx.loop, cond_n_done, (void *)3, 5000));
	ck_assert_ptr_null(fx.client);
	ck_assert_int_eq(fx.results[fx.order[0]].code, TTRPC_OK);
	ck_assert_int_eq(fx.results[fx.order[1]].code, TTRPC_CANCELLED);
	ck_assert_int_eq(fx.results[fx.order[2]].code, TTRPC_CANCELLED);
}
END_TEST

START_TEST(test_call_from_callback)
{
	start_server();
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	fx.call_again_in_callback = true;
	issue(0, "Echo", "first", NULL);
	expect_result(0, TTRPC_OK, "first");
	expect_result(1, TTRPC_OK, "again");
}
END_TEST

START_TEST(test_many_calls_and_no_fd_leak)
{
	int before = tt_count_fds();
	start_server();
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, fx.path, NULL), 0);
	for (int round = 0; round < 3; round++) {
		fx.n_done = 0;
		memset(fx.results, 0, sizeof(fx.results));
		for (int i = 0; i < MAX_RESULTS; i++)
			issue(i, "Echo", "x", &(struct ttrpc_call_opts){.attempts = 3, .ordered = i % 2});
		ck_assert(tt_run_until(fx.loop, cond_n_done, (void *)MAX_RESULTS, 5000));
		for (int i = 0; i < MAX_RESULTS; i++) {
			ck_assert_int_eq(fx.results[i].code, TTRPC_OK);
			free(fx.results[i].message);
			free(fx.results[i].value);
		}
		memset(fx.results, 0, sizeof(fx.results));
		stop_server(); /* next round reconnects */
		start_server();
	}
	ttrpc_client_free(fx.client);
	fx.client = NULL;
	stop_server();
	tt_run_for(fx.loop, 10);
	ck_assert_int_eq(tt_count_fds(), before);
}
END_TEST

START_TEST(test_server_with_other_uid_refused)
{
	if (geteuid() != 0)
		return; /* needs root to become another user */
	char name[64];
	snprintf(name, sizeof(name), "@reaper-test-ttrpc-client-%d", getpid());
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		int lfd = ttrpc_listen_unix(name, NULL);
		if (lfd < 0)
			_exit(3);
		(void)!write(ready[1], "x", 1);
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		poll(&p, 1, 5000);
		_exit(0);
	}
	close(ready[1]);
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	ck_assert_int_eq(ttrpc_client_new(&fx.client, fx.loop, name, NULL), 0);
	issue(0, "Echo", "a", NULL);
	expect_result(0, TTRPC_PERMISSION_DENIED, NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
END_TEST

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("ttrpc_client");
	TCase *raw = tcase_create("raw peer");
	tcase_add_checked_fixture(raw, setup, teardown);
	tcase_add_test(raw, test_exact_request_bytes);
	tcase_add_test(raw, test_timeout_sent_on_wire);
	tcase_add_test(raw, test_status_replies);
	tcase_add_test(raw, test_replies_for_unknown_streams_ignored);
	tcase_add_test(raw, test_oversize_reply);
	tcase_add_test(raw, test_call_timeout);
	tcase_add_test(raw, test_adopted_connection_lost);
	tcase_add_test(raw, test_bad_calls_refused);
	suite_add_tcase(s, raw);

	TCase *srv = tcase_create("server");
	tcase_add_checked_fixture(srv, setup, teardown);
	tcase_add_test(srv, test_calls_against_server);
	tcase_add_test(srv, test_server_deadline_reaches_client);
	tcase_add_test(srv, test_unordered_calls_run_concurrently);
	tcase_add_test(srv, test_ordered_calls_one_at_a_time);
	tcase_add_test(srv, test_ordered_failure_releases_next);
	tcase_add_test(srv, test_free_cancels_pending);
	tcase_add_test(srv, test_free_inside_callback);
	tcase_add_test(srv, test_call_from_callback);
	tcase_add_test(srv, test_many_calls_and_no_fd_leak);
	suite_add_tcase(s, srv);

	TCase *rec = tcase_create("reconnect");
	tcase_add_checked_fixture(rec, setup, teardown);
	tcase_add_test(rec, test_ordered_retry_across_disconnect);
	tcase_add_test(rec, test_unavailable_after_attempts);
	tcase_add_test(rec, test_reconnect_when_server_appears);
	tcase_add_test(rec, test_reconnect_after_server_restart);
	tcase_add_test(rec, test_server_with_other_uid_refused);
	suite_add_tcase(s, rec);
	return testlib_run(s);
}
