/* SPDX-License-Identifier: Apache-2.0 */
/* The ttrpc client: queues calls, dials the server when there is something to send, matches
 * replies to calls by stream id, retries calls whose connection failed, and keeps ordered calls
 * one at a time in submission order.
 *
 * All sending happens from the "pump", a loop timer: zero delay while connected, the current
 * backoff after a failed connection. So a completion callback never runs inside
 * ttrpc_client_call, and a flood of calls is sent in batches. */
#include "clock.h"
#include "ttrpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "message.h"
#include "socket.h"

#define MAX_CALLS         1024
#define BACKOFF_FIRST_MS  50
#define BACKOFF_MAX_MS    2000
#define SEND_PAUSE_QUEUED (1u << 20) /* leave calls queued while this much output waits */
#define READ_CHUNK        (16u << 10)
#define READS_PER_WAKEUP  64

struct call_list {
	struct client_call *head, *tail;
};

struct client_call {
	struct ttrpc_client *client;
	struct call_list *list; /* &client->queue (not sent yet) or &client->sent */
	struct client_call *prev, *next;
	char *service, *method;
	ProtobufCBinaryData payload;
	const ProtobufCMessageDescriptor *reply_type;
	ttrpc_reply_fn fn;
	void *data;
	uint64_t timeout_ms;
	bool clock_started; /* the deadline runs from the first attempt */
	uint64_t deadline_ms;
	unsigned attempts_left;
	bool ordered;
	uint32_t stream_id;
	int64_t timer;
};

struct ttrpc_client {
	struct loop *loop;
	char *address; /* NULL: adopted fd, no redial */
	struct conn io;
	bool connected;
	bool adopted_lost;
	uint32_t next_stream;
	struct call_list queue, sent;
	unsigned n_calls;
	bool ordered_busy; /* an ordered call is sent and unanswered */
	int64_t pump_timer;
	unsigned backoff_ms;
	int busy;
	bool closed, free_pending;
};

/* ---- lists ---- */

static void list_push_back(struct call_list *l, struct client_call *call)
{
	call->list = l;
	call->prev = l->tail;
	call->next = NULL;
	if (l->tail != NULL)
		l->tail->next = call;
	else
		l->head = call;
	l->tail = call;
}

static void list_push_front(struct call_list *l, struct client_call *call)
{
	call->list = l;
	call->prev = NULL;
	call->next = l->head;
	if (l->head != NULL)
		l->head->prev = call;
	else
		l->tail = call;
	l->head = call;
}

static void list_remove(struct client_call *call)
{
	struct call_list *l = call->list;
	if (call->prev != NULL)
		call->prev->next = call->next;
	else
		l->head = call->next;
	if (call->next != NULL)
		call->next->prev = call->prev;
	else
		l->tail = call->prev;
	call->list = NULL;
	call->prev = call->next = NULL;
}

/* ---- completion and lifetime ---- */

static void client_destroy(struct ttrpc_client *c)
{
	if (c->pump_timer > 0)
		loop_timer_cancel(c->loop, c->pump_timer);
	if (c->connected)
		loop_remove(c->loop, c->io.fd);
	conn_release(&c->io);
	free(c->address);
	free(c);
}

static void enter(struct ttrpc_client *c)
{
	c->busy++;
}

static void schedule_pump(struct ttrpc_client *c);

static void leave(struct ttrpc_client *c)
{
	if (--c->busy > 0)
		return;
	if (c->free_pending)
		client_destroy(c);
	else
		schedule_pump(c);
}

static void call_free(struct client_call *call)
{
	free(call->service);
	free(call->method);
	free(call->payload.data);
	free(call);
}

/* Take the call out of the client and hand its result to the caller. */
static void complete(struct ttrpc_client *c, struct client_call *call, int code, const char *message,
		     ProtobufCMessage *reply)
{
	if (call->list == &c->sent && call->ordered)
		c->ordered_busy = false;
	list_remove(call);
	c->n_calls--;
	if (call->timer > 0)
		loop_timer_cancel(c->loop, call->timer);
	c->busy++;
	call->fn(reply, code, message ? message : "", call->data);
	c->busy--;
	call_free(call);
}

static void fail_all(struct ttrpc_client *c, int code, const char *message)
{
	struct client_call *call;
	while ((call = c->sent.head ? c->sent.head : c->queue.head) != NULL)
		complete(c, call, code, message, NULL);
}

static void on_call_deadline(struct loop *loop, void *data)
{
	struct client_call *call = data;
	struct ttrpc_client *c = call->client;
	call->timer = 0;
	enter(c);
	complete(c, call, TTRPC_DEADLINE_EXCEEDED, "deadline exceeded", NULL);
	leave(c);
}

static void start_clock(struct ttrpc_client *c, struct client_call *call)
{
	if (call->clock_started)
		return;
	call->clock_started = true;
	call->deadline_ms = clock_monotonic_ms() + call->timeout_ms;
	if (call->timeout_ms > 0)
		call->timer = loop_timer_add(c->loop, call->timeout_ms, on_call_deadline, call);
}

/* ---- the connection ---- */

static void disconnect(struct ttrpc_client *c, const char *why);

static void update_interest(struct ttrpc_client *c)
{
	uint32_t events = EPOLLIN | (conn_queued(&c->io) > 0 ? EPOLLOUT : 0);
	struct error *err = NULL;
	if (loop_modify(c->loop, c->io.fd, events, &err) < 0) {
		disconnect(c, err_message(err));
		err_free(&err);
	}
}

static void flush_output(struct ttrpc_client *c)
{
	if (!c->connected)
		return;
	if (conn_flush(&c->io) < 0) {
		disconnect(c, strerror(errno));
		return;
	}
	update_interest(c);
}

static void next_backoff(struct ttrpc_client *c)
{
	c->backoff_ms = c->backoff_ms == 0 ? BACKOFF_FIRST_MS : c->backoff_ms * 2;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
}

/* One attempt of the call failed on the transport: retry it (first in line) or give up. */
static void attempt_failed(struct ttrpc_client *c, struct client_call *call, int code, const char *why)
{
	if (call->list == &c->sent && call->ordered)
		c->ordered_busy = false;
	list_remove(call);
	list_push_front(&c->queue, call);
	if (call->attempts_left > 1 && c->address != NULL) {
		call->attempts_left--;
		return;
	}
	complete(c, call, code, why, NULL);
}

static void disconnect(struct ttrpc_client *c, const char *why)
{
	if (!c->connected)
		return;
	log_debug("ttrpc client: connection lost: %s", why);
	loop_remove(c->loop, c->io.fd);
	conn_release(&c->io);
	c->connected = false;
	c->adopted_lost = c->address == NULL;
	next_backoff(c);
	/* Newest first, each pushed to the front: the oldest ends up first in the queue. */
	struct client_call *call;
	while ((call = c->sent.tail) != NULL && !c->closed)
		attempt_failed(c, call, TTRPC_UNAVAILABLE, why);
}

static void on_client_event(struct loop *loop, int fd, uint32_t events, void *data);

static int dial(struct ttrpc_client *c, int *code, struct error **err)
{
	*code = TTRPC_UNAVAILABLE;
	if (c->address == NULL)
		return err_new(err, ERR_STATE, "connection closed");
	int fd = sock_connect(c->address, err);
	if (fd < 0)
		return -1;
	uid_t uid;
	if (!conn_peer_is_us(fd, &uid)) {
		close(fd);
		*code = TTRPC_PERMISSION_DENIED;
		return err_new(err, ERR_INVALID, "ttrpc server %s runs as uid %d, not as us", c->address,
			       (int)uid);
	}
	if (loop_add(c->loop, fd, EPOLLIN, on_client_event, c, err) < 0) {
		close(fd);
		return -1;
	}
	conn_init(&c->io, fd);
	c->connected = true;
	c->next_stream = 1;
	return 0;
}

/* ---- sending ---- */

/* Whether a queued call may go now: unordered calls always, an ordered one when it is the first
 * ordered call in the queue and no ordered call is out. */
static struct client_call *next_sendable(struct ttrpc_client *c)
{
	for (struct client_call *call = c->queue.head; call != NULL; call = call->next)
		if (!call->ordered || !c->ordered_busy)
			return call;
	return NULL;
}

static void send_call(struct ttrpc_client *c, struct client_call *call)
{
	start_clock(c, call);
	int64_t timeout_nano = 0;
	if (call->timeout_ms > 0) {
		/* Tell the server how long is left, so that it can give up when we do. */
		uint64_t now = clock_monotonic_ms();
		uint64_t left = call->deadline_ms > now ? call->deadline_ms - now : 1;
		timeout_nano = (int64_t)left * 1000000;
	}
	uint32_t id = c->next_stream;
	if (msg_queue_request(&c->io, id, call->service, call->method, call->payload, timeout_nano) < 0) {
		complete(c, call, TTRPC_RESOURCE_EXHAUSTED, "out of memory queueing a request", NULL);
		return;
	}
	c->next_stream += 2;
	call->stream_id = id;
	list_remove(call);
	list_push_back(&c->sent, call);
	if (call->ordered)
		c->ordered_busy = true;
}

/* A failed dial costs every call that was ready to go one attempt. */
static void dial_failed(struct ttrpc_client *c, int code, const char *why)
{
	log_debug("ttrpc client: %s", why);
	next_backoff(c);
	struct call_list ready = {0};
	struct client_call *call, *next;
	bool ordered_taken = c->ordered_busy;
	for (call = c->queue.head; call != NULL; call = next) {
		next = call->next;
		if (call->ordered && ordered_taken)
			continue;
		ordered_taken |= call->ordered;
		start_clock(c, call);
		list_remove(call);
		list_push_back(&ready, call);
	}
	/* Back to the queue front in their order, each paying one attempt. */
	while ((call = ready.tail) != NULL && !c->closed) {
		list_remove(call);
		list_push_front(&c->queue, call);
		if (c->address != NULL && call->attempts_left > 1)
			call->attempts_left--;
		else
			complete(c, call, code, why, NULL);
	}
}

static void pump(struct ttrpc_client *c)
{
	if (next_sendable(c) == NULL)
		return;
	if (!c->connected) {
		struct error *err = NULL;
		int code;
		if (dial(c, &code, &err) < 0) {
			dial_failed(c, code, err_message(err));
			err_free(&err);
			return;
		}
	}
	struct client_call *call;
	while (c->connected && !c->closed && conn_queued(&c->io) < SEND_PAUSE_QUEUED &&
	       (call = next_sendable(c)) != NULL)
		send_call(c, call);
	flush_output(c);
}

static void on_pump(struct loop *loop, void *data)
{
	struct ttrpc_client *c = data;
	c->pump_timer = 0;
	enter(c);
	pump(c);
	leave(c);
}

static void schedule_pump(struct ttrpc_client *c)
{
	if (c->pump_timer > 0 || c->closed || next_sendable(c) == NULL)
		return;
	if (c->connected && conn_queued(&c->io) >= SEND_PAUSE_QUEUED)
		return; /* EPOLLOUT resumes sending */
	uint64_t delay = c->connected ? 0 : c->backoff_ms;
	c->pump_timer = loop_timer_add(c->loop, delay, on_pump, c);
}

/* ---- receiving ---- */

static struct client_call *find_sent(struct ttrpc_client *c, uint32_t stream_id)
{
	for (struct client_call *call = c->sent.head; call != NULL; call = call->next)
		if (call->stream_id == stream_id)
			return call;
	return NULL;
}

static void deliver(struct ttrpc_client *c, const struct frame *f)
{
	if (f->h.type != FRAME_RESPONSE)
		return;
	struct client_call *call = find_sent(c, f->h.stream_id);
	if (call == NULL)
		return; /* a late reply to a call that timed out */
	struct msg_result r;
	msg_decode_response(f->data, f->h.length, call->reply_type, &r);
	c->backoff_ms = 0;
	ProtobufCMessage *reply = r.reply;
	r.reply = NULL;
	complete(c, call, r.code, r.message, reply);
	msg_result_clear(&r);
}

static void consume(struct ttrpc_client *c, const uint8_t *buf, size_t len)
{
	size_t used;
	struct frame f;
	enum frame_result r = frame_reader_feed(&c->io.reader, buf, len, TTRPC_MAX_DATA, &used, &f);
	if (r == FRAME_READY) {
		deliver(c, &f);
		free(f.data);
	} else if (r == FRAME_OVERSIZE) {
		struct client_call *call = find_sent(c, f.h.stream_id);
		if (call != NULL)
			complete(c, call, TTRPC_RESOURCE_EXHAUSTED, "reply exceeds the maximum message size",
				 NULL);
	} else if (r == FRAME_NOMEM) {
		disconnect(c, "out of memory reading a frame");
	}
}

static void client_input(struct ttrpc_client *c)
{
	uint8_t buf[READ_CHUNK];
	for (int i = 0; i < READS_PER_WAKEUP && c->connected && !c->closed; i++) {
		size_t want = frame_reader_want(&c->io.reader);
		ssize_t n = conn_recv(&c->io, buf, want < sizeof(buf) ? want : sizeof(buf));
		if (n == 0) {
			disconnect(c, "connection closed by the server");
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN)
				disconnect(c, strerror(errno));
			return;
		}
		consume(c, buf, (size_t)n);
	}
}

static void on_client_event(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct ttrpc_client *c = data;
	enter(c);
	if (events & EPOLLOUT)
		flush_output(c);
	if (c->connected && (events & EPOLLIN))
		client_input(c);
	else if (c->connected && (events & (EPOLLHUP | EPOLLERR)))
		disconnect(c, "connection hung up");
	leave(c);
}

/* ---- public ---- */

static int client_alloc(struct ttrpc_client **out, struct loop *loop, struct error **err)
{
	struct ttrpc_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_sys(err, ENOMEM, "allocate ttrpc client");
	c->loop = loop;
	conn_init(&c->io, -1);
	*out = c;
	return 0;
}

int ttrpc_client_new(struct ttrpc_client **out, struct loop *loop, const char *address, struct error **err)
{
	struct ttrpc_client *c = NULL;
	if (client_alloc(&c, loop, err) < 0)
		return -1;
	c->address = strdup(address);
	if (c->address == NULL) {
		free(c);
		return err_sys(err, ENOMEM, "allocate ttrpc client");
	}
	*out = c;
	return 0;
}

int ttrpc_client_new_fd(struct ttrpc_client **out, struct loop *loop, int fd, struct error **err)
{
	struct ttrpc_client *c = NULL;
	uid_t uid;
	if (sock_prepare_fd(fd, err) < 0 || client_alloc(&c, loop, err) < 0) {
		close(fd);
		return -1;
	}
	if (!conn_peer_is_us(fd, &uid)) {
		close(fd);
		free(c);
		return err_new(err, ERR_INVALID, "ttrpc peer runs as uid %d, not as us", (int)uid);
	}
	if (loop_add(loop, fd, EPOLLIN, on_client_event, c, err) < 0) {
		close(fd);
		free(c);
		return -1;
	}
	conn_init(&c->io, fd);
	c->connected = true;
	c->next_stream = 1;
	*out = c;
	return 0;
}

static struct client_call *new_call(const char *service, const char *method, const ProtobufCMessage *request,
				    struct error **err)
{
	struct client_call *call = calloc(1, sizeof(*call));
	if (call == NULL)
		goto nomem;
	call->service = strdup(service);
	call->method = strdup(method);
	if (call->service == NULL || call->method == NULL || ttrpc_pack(request, &call->payload) < 0)
		goto nomem;
	/* The whole Request must fit in one frame. */
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = call->service;
	req.method = call->method;
	req.payload = call->payload;
	req.timeout_nano = INT64_MAX;
	if (ttrpc__request__get_packed_size(&req) > TTRPC_MAX_DATA) {
		err_new(err, ERR_INVALID, "%s.%s request of %zu bytes exceeds the maximum message size",
			service, method, call->payload.len);
		call_free(call);
		return NULL;
	}
	return call;
nomem:
	if (call != NULL)
		call_free(call);
	err_sys(err, ENOMEM, "allocate ttrpc call");
	return NULL;
}

int ttrpc_client_call(struct ttrpc_client *client, const char *service, const char *method,
		      const ProtobufCMessage *request, const ProtobufCMessageDescriptor *reply_type,
		      const struct ttrpc_call_opts *opts, ttrpc_reply_fn fn, void *data, struct error **err)
{
	if (client->closed)
		return err_new(err, ERR_STATE, "ttrpc client is closed");
	if (client->adopted_lost)
		return err_new(err, ERR_STATE, "ttrpc connection is closed");
	if (client->n_calls >= MAX_CALLS)
		return err_new(err, ERR_INVALID, "ttrpc client: %u calls are already queued",
			       client->n_calls);
	if (fn == NULL || reply_type == NULL || request == NULL)
		return err_new(err, ERR_INVALID, "ttrpc call %s.%s: missing request, reply type or callback",
			       service, method);
	struct client_call *call = new_call(service, method, request, err);
	if (call == NULL)
		return -1;
	struct ttrpc_call_opts o = opts != NULL ? *opts : (struct ttrpc_call_opts){0};
	call->client = client;
	call->reply_type = reply_type;
	call->fn = fn;
	call->data = data;
	call->timeout_ms = o.timeout_ms;
	call->attempts_left = o.attempts ? o.attempts : 1;
	call->ordered = o.ordered;
	list_push_back(&client->queue, call);
	client->n_calls++;
	schedule_pump(client);
	return 0;
}

void ttrpc_client_free(struct ttrpc_client *client)
{
	if (client == NULL || client->closed)
		return;
	client->closed = true;
	enter(client);
	fail_all(client, TTRPC_CANCELLED, "ttrpc client closed");
	client->free_pending = true;
	leave(client);
}

/* ---- synchronous helper ---- */

struct sync_result {
	bool done;
	int code;
	char *message;
	ProtobufCMessage *reply;
};

static void sync_done(ProtobufCMessage *reply, enum ttrpc_code code, const char *message, void *data)
{
	struct sync_result *r = data;
	r->done = true;
	r->code = code;
	r->message = strdup(message);
	r->reply = reply;
}

/* The loop failed under a synchronous call: take the call back before its result goes stale. */
static void abandon(struct ttrpc_client *c, void *data)
{
	for (struct call_list *l = &c->queue; l != NULL; l = l == &c->queue ? &c->sent : NULL) {
		for (struct client_call *call = l->head; call != NULL; call = call->next) {
			if (call->data == data) {
				enter(c);
				complete(c, call, TTRPC_CANCELLED, "event loop failed", NULL);
				leave(c);
				return;
			}
		}
	}
}

static enum err_kind code_kind(int code)
{
	switch (code) {
	case TTRPC_INVALID_ARGUMENT:
		return ERR_INVALID;
	case TTRPC_NOT_FOUND:
		return ERR_NOT_FOUND;
	case TTRPC_ALREADY_EXISTS:
		return ERR_EXISTS;
	case TTRPC_FAILED_PRECONDITION:
		return ERR_STATE;
	case TTRPC_UNIMPLEMENTED:
		return ERR_UNSUPPORTED;
	default:
		return ERR_SYSTEM;
	}
}

int ttrpc_client_call_sync(struct ttrpc_client *client, const char *service, const char *method,
			   const ProtobufCMessage *request, const ProtobufCMessageDescriptor *reply_type,
			   uint64_t timeout_ms, ProtobufCMessage **reply, enum ttrpc_code *code,
			   struct error **err)
{
	struct sync_result r = {0};
	struct ttrpc_call_opts opts = {.timeout_ms = timeout_ms};
	*reply = NULL;
	if (code != NULL)
		*code = TTRPC_INVALID_ARGUMENT;
	if (ttrpc_client_call(client, service, method, request, reply_type, &opts, sync_done, &r, err) < 0)
		return -1;
	while (!r.done) {
		if (loop_run_once(client->loop, -1, err) < 0) {
			abandon(client, &r);
			free(r.message);
			return err_wrap(err, "%s.%s", service, method);
		}
	}
	if (code != NULL)
		*code = (enum ttrpc_code)r.code;
	if (r.code == TTRPC_OK) {
		*reply = r.reply;
		free(r.message);
		return 0;
	}
	err_new(err, code_kind(r.code), "%s.%s: %s: %s", service, method, ttrpc_code_name(r.code),
		r.message ? r.message : "");
	free(r.message);
	return -1;
}
