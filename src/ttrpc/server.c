/* SPDX-License-Identifier: Apache-2.0 */
/* The ttrpc server: accepts connections on one loop, decodes requests, dispatches them to the
 * registered handlers and writes their answers, in any order, on the request's stream id.
 *
 * Lifetime rules that keep callbacks safe:
 * - a closed connection is unlinked at once but destroyed (fd closed, parked calls cancelled) from
 *   a zero-delay timer, so cancel callbacks always run from the loop, never inside a ttrpc_* call;
 * - the server itself is freed when the outermost server callback returns (busy count), so a
 *   handler may free the server. */
#include "ttrpc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "message.h"
#include "socket.h"

#define DEFAULT_MAX_CONNECTIONS 128
#define DEFAULT_MAX_PENDING     64
#define DEFAULT_MAX_PARKED      4096
#define DEFAULT_MAX_QUEUED      (8u << 20)
#define READ_PAUSE_QUEUED       (1u << 20) /* stop reading requests while this much output waits */
#define READ_CHUNK              (16u << 10)
#define READS_PER_WAKEUP        64 /* so a flooding client cannot starve the others */
#define ACCEPT_BUDGET           16
#define ACCEPT_RETRY_MS         100 /* after EMFILE and friends */

struct registration {
	const struct ttrpc_method *methods;
	void *data;
	struct registration *next;
};

/* The calls of a connection and the connections of a server are doubly linked lists (prev, next):
 * a node goes in at the head and out from anywhere. */
#define LIST_PUSH(head, node)                  \
	do {                                   \
		(node)->prev = NULL;           \
		(node)->next = (head);         \
		if ((head) != NULL)            \
			(head)->prev = (node); \
		(head) = (node);               \
	} while (0)
#define LIST_REMOVE(head, node)                            \
	do {                                               \
		if ((node)->prev != NULL)                  \
			(node)->prev->next = (node)->next; \
		else                                       \
			(head) = (node)->next;             \
		if ((node)->next != NULL)                  \
			(node)->next->prev = (node)->prev; \
		(node)->prev = (node)->next = NULL;        \
	} while (0)

struct server_conn {
	struct ttrpc_server *server;
	struct conn io;
	struct ttrpc_call *calls; /* in flight and parked */
	unsigned n_calls;         /* in flight: not parked */
	unsigned n_parked;
	uint32_t events; /* epoll interest */
	bool in_input;   /* replies are batched and flushed when input processing ends */
	bool closing;
	struct server_conn *prev, *next;
};

struct ttrpc_call {
	struct server_conn *conn; /* NULL once detached: connection gone or deadline answered */
	uint32_t stream_id;
	Ttrpc__Request *req;
	ProtobufCMessage *msg;
	int64_t timer;
	ttrpc_cancel_fn cancel;
	void *cancel_data;
	bool in_handler; /* freed after the handler returns, not inside ttrpc_call_reply */
	bool answered;
	bool parked; /* counted in n_parked, not n_calls */
	struct ttrpc_call *prev, *next;
};

struct ttrpc_server {
	struct loop *loop;
	int listen_fd;
	bool listening;
	int64_t accept_timer;
	int64_t reap_timer;
	struct registration *regs;
	struct server_conn *conns;
	unsigned n_conns;
	struct server_conn *dead; /* closed, waiting for the reap timer */
	struct ttrpc_limits limits;
	int busy;
	bool free_pending, dying;
};

static void server_destroy(struct ttrpc_server *s);
static void reap_dead(struct ttrpc_server *s);
static void on_reap(struct loop *loop, void *data);

static void enter(struct ttrpc_server *s)
{
	s->busy++;
}

static void leave(struct ttrpc_server *s)
{
	if (--s->busy > 0)
		return;
	if (s->free_pending) {
		server_destroy(s);
		return;
	}
	if (s->dead != NULL && s->reap_timer == 0)
		s->reap_timer = loop_timer_add(s->loop, 0, on_reap, s);
}

static void on_reap(struct loop *loop, void *data)
{
	struct ttrpc_server *s = data;
	s->reap_timer = 0;
	enter(s);
	reap_dead(s);
	leave(s);
}

/* ---- calls ---- */

static void call_free(struct ttrpc_call *call)
{
	if (call->msg != NULL)
		protobuf_c_message_free_unpacked(call->msg, NULL);
	if (call->req != NULL)
		ttrpc__request__free_unpacked(call->req, NULL);
	free(call);
}

static void call_unlink(struct ttrpc_call *call)
{
	struct server_conn *c = call->conn;
	if (c == NULL)
		return;
	if (call->timer > 0)
		loop_timer_cancel(c->server->loop, call->timer);
	call->timer = 0;
	LIST_REMOVE(c->calls, call);
	if (call->parked)
		c->n_parked--;
	else
		c->n_calls--;
	call->conn = NULL;
}

/* The call died unanswered: tell its owner if it asked, else leave it detached so that its
 * eventual answer frees it. */
static void call_cancel(struct ttrpc_call *call, enum ttrpc_code why)
{
	if (call->cancel == NULL)
		return;
	call->answered = true;
	call->cancel(call, why, call->cancel_data);
	call_free(call);
}

static struct ttrpc_call *find_call(struct server_conn *c, uint32_t stream_id)
{
	for (struct ttrpc_call *call = c->calls; call != NULL; call = call->next)
		if (call->stream_id == stream_id)
			return call;
	return NULL;
}

/* ---- connections ---- */

static void conn_close(struct server_conn *c, const char *why)
{
	if (c->closing)
		return;
	struct ttrpc_server *s = c->server;
	log_debug("ttrpc: closing connection fd %d: %s", c->io.fd, why);
	c->closing = true;
	loop_remove(s->loop, c->io.fd);
	LIST_REMOVE(s->conns, c);
	s->n_conns--;
	c->next = s->dead;
	s->dead = c;
}

static void conn_destroy(struct server_conn *c)
{
	struct ttrpc_call *calls = NULL;
	while (c->calls != NULL) {
		struct ttrpc_call *call = c->calls;
		call_unlink(call);
		call->next = calls;
		calls = call;
	}
	conn_release(&c->io);
	free(c);
	while (calls != NULL) {
		struct ttrpc_call *call = calls;
		calls = call->next;
		call->next = NULL;
		call_cancel(call, TTRPC_CANCELLED);
	}
}

static void reap_dead(struct ttrpc_server *s)
{
	while (s->dead != NULL) {
		struct server_conn *c = s->dead;
		s->dead = c->next;
		conn_destroy(c);
	}
}

static void update_interest(struct server_conn *c)
{
	size_t queued = conn_queued(&c->io);
	uint32_t want = (queued > 0 ? EPOLLOUT : 0) | (queued < READ_PAUSE_QUEUED ? EPOLLIN : 0);
	if (want == c->events)
		return;
	struct error *err = NULL;
	if (loop_modify(c->server->loop, c->io.fd, want, &err) < 0) {
		conn_close(c, err_message(err));
		err_free(&err);
		return;
	}
	c->events = want;
}

/* Called after queueing output: enforce the queue bound and write, except while input is being
 * processed and little is queued (the input handler flushes once at the end). */
static void conn_output(struct server_conn *c)
{
	if (c->closing)
		return;
	if (conn_queued(&c->io) > c->server->limits.max_queued) {
		conn_close(c, "peer does not read its replies");
		return;
	}
	if (c->in_input && conn_queued(&c->io) < READ_PAUSE_QUEUED)
		return;
	if (conn_flush(&c->io) < 0) {
		conn_close(c, strerror(errno));
		return;
	}
	update_interest(c);
}

/* A status message from a format: malloc'ed, or NULL when out of memory (sent without a message). */
static char *status_message(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *status_message(const char *fmt, va_list ap)
{
	char *msg = NULL;
	return vasprintf(&msg, fmt, ap) < 0 ? NULL : msg;
}

static void send_status(struct server_conn *c, uint32_t stream_id, enum ttrpc_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void send_status(struct server_conn *c, uint32_t stream_id, enum ttrpc_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = status_message(fmt, ap);
	va_end(ap);
	if (msg_queue_status(&c->io, stream_id, code, msg) < 0)
		conn_close(c, "out of memory queueing a reply");
	free(msg);
	conn_output(c);
}

/* ---- dispatch ---- */

static const struct ttrpc_method *lookup(struct ttrpc_server *s, const char *service, const char *name,
					 void **data, bool *service_known)
{
	*service_known = false;
	for (struct registration *r = s->regs; r != NULL; r = r->next) {
		for (const struct ttrpc_method *m = r->methods; m->service != NULL; m++) {
			if (strcmp(m->service, service) != 0)
				continue;
			*service_known = true;
			if (strcmp(m->name, name) == 0) {
				*data = r->data;
				return m;
			}
		}
	}
	return NULL;
}

static void on_deadline(struct loop *loop, void *data)
{
	struct ttrpc_call *call = data;
	struct server_conn *c = call->conn;
	struct ttrpc_server *s = c->server;
	call->timer = 0;
	enter(s);
	call_unlink(call);
	send_status(c, call->stream_id, TTRPC_DEADLINE_EXCEEDED, "deadline exceeded");
	call_cancel(call, TTRPC_DEADLINE_EXCEEDED);
	leave(s);
}

static int arm_deadline(struct server_conn *c, struct ttrpc_call *call, int64_t timeout_nano)
{
	if (timeout_nano <= 0)
		return 0;
	uint64_t ms = ((uint64_t)timeout_nano + 999999) / 1000000;
	call->timer = loop_timer_add(c->server->loop, ms, on_deadline, call);
	return call->timer > 0 ? 0 : -1;
}

static struct ttrpc_call *new_call(struct server_conn *c, uint32_t stream_id, Ttrpc__Request *req,
				   ProtobufCMessage *msg)
{
	struct ttrpc_call *call = calloc(1, sizeof(*call));
	if (call == NULL)
		return NULL;
	*call = (struct ttrpc_call){.conn = c, .stream_id = stream_id, .req = req, .msg = msg};
	LIST_PUSH(c->calls, call);
	c->n_calls++;
	return call;
}

/* Run the handler of a decoded request. Takes ownership of req. */
static void serve(struct server_conn *c, uint32_t stream_id, Ttrpc__Request *req)
{
	void *data = NULL;
	bool service_known;
	const struct ttrpc_method *m = lookup(c->server, req->service, req->method, &data, &service_known);
	if (m == NULL) {
		if (service_known)
			send_status(c, stream_id, TTRPC_UNIMPLEMENTED, "method %s.%s", req->service,
				    req->method);
		else
			send_status(c, stream_id, TTRPC_UNIMPLEMENTED, "service %s", req->service);
		ttrpc__request__free_unpacked(req, NULL);
		return;
	}
	if (req->timeout_nano < 0) {
		send_status(c, stream_id, TTRPC_DEADLINE_EXCEEDED,
			    "deadline exceeded before the call arrived");
		ttrpc__request__free_unpacked(req, NULL);
		return;
	}
	ProtobufCMessage *msg =
		protobuf_c_message_unpack(m->request_type, NULL, req->payload.len, req->payload.data);
	if (msg == NULL) {
		send_status(c, stream_id, TTRPC_INVALID_ARGUMENT, "undecodable %s for %s.%s",
			    m->request_type->name, req->service, req->method);
		ttrpc__request__free_unpacked(req, NULL);
		return;
	}
	struct ttrpc_call *call = new_call(c, stream_id, req, msg);
	if (call == NULL) {
		protobuf_c_message_free_unpacked(msg, NULL);
		ttrpc__request__free_unpacked(req, NULL);
		send_status(c, stream_id, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	if (arm_deadline(c, call, req->timeout_nano) < 0) {
		call_unlink(call);
		call_free(call);
		send_status(c, stream_id, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	call->in_handler = true;
	m->handler(call, msg, data);
	call->in_handler = false;
	if (call->answered)
		call_free(call);
}

static void dispatch(struct server_conn *c, const struct frame *f)
{
	uint32_t id = f->h.stream_id;
	if (f->h.type != FRAME_REQUEST)
		return; /* responses, data and unknown types: ignored, as ttrpc does for compatibility */
	if (id % 2 == 0) {
		send_status(c, id, TTRPC_INVALID_ARGUMENT, "stream id %u is even: client streams are odd",
			    id);
		return;
	}
	if (find_call(c, id) != NULL) {
		send_status(c, id, TTRPC_INVALID_ARGUMENT, "stream id %u is already in use", id);
		return;
	}
	if (c->n_calls >= c->server->limits.max_pending) {
		send_status(c, id, TTRPC_RESOURCE_EXHAUSTED,
			    "more than %u calls in flight on this connection", c->server->limits.max_pending);
		return;
	}
	Ttrpc__Request *req = msg_decode_request(f->data, f->h.length);
	if (req == NULL) {
		send_status(c, id, TTRPC_INVALID_ARGUMENT, "undecodable ttrpc request");
		return;
	}
	serve(c, id, req);
}

/* buf holds at most the rest of one frame (see frame_reader_want). */
static void consume(struct server_conn *c, const uint8_t *buf, size_t len)
{
	size_t used;
	struct frame f;
	enum frame_result r = frame_reader_feed(&c->io.reader, buf, len, TTRPC_MAX_DATA, &used, &f);
	if (r == FRAME_READY) {
		dispatch(c, &f);
		free(f.data);
	} else if (r == FRAME_OVERSIZE) {
		send_status(c, f.h.stream_id, TTRPC_RESOURCE_EXHAUSTED,
			    "message length %u exceeds the maximum message size of %u", f.h.length,
			    TTRPC_MAX_DATA);
	} else if (r == FRAME_NOMEM) {
		conn_close(c, "out of memory reading a frame");
	}
}

static bool may_read(struct server_conn *c)
{
	return !c->closing && !c->server->free_pending && conn_queued(&c->io) < READ_PAUSE_QUEUED;
}

/* Read frame by frame, never past the end of the current frame, so that reading can pause at a
 * frame boundary when replies pile up and nothing read is left unprocessed. */
static void conn_input(struct server_conn *c)
{
	uint8_t buf[READ_CHUNK];
	c->in_input = true;
	for (int i = 0; i < READS_PER_WAKEUP && may_read(c); i++) {
		size_t want = frame_reader_want(&c->io.reader);
		ssize_t n = conn_recv(&c->io, buf, want < sizeof(buf) ? want : sizeof(buf));
		if (n == 0) {
			conn_close(c, "peer closed the connection");
			break;
		}
		if (n < 0) {
			if (errno != EAGAIN)
				conn_close(c, strerror(errno));
			break;
		}
		consume(c, buf, (size_t)n);
	}
	c->in_input = false;
	conn_output(c);
}

static void on_conn_event(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct server_conn *c = data;
	struct ttrpc_server *s = c->server;
	if (c->in_input)
		return; /* a handler is running the loop; this connection resumes after it */
	enter(s);
	if (events & EPOLLOUT)
		conn_output(c);
	if (events & EPOLLIN)
		conn_input(c);
	else if (events & (EPOLLHUP | EPOLLERR))
		conn_close(c, "connection hung up");
	leave(s);
}

/* ---- accepting ---- */

static int add_conn(struct ttrpc_server *s, int fd, struct error **err)
{
	uid_t uid;
	if (!conn_peer_is_us(fd, &uid)) {
		close(fd);
		return err_new(err, ERR_INVALID, "rejecting ttrpc peer with uid %d", (int)uid);
	}
	if (s->n_conns >= s->limits.max_connections) {
		close(fd);
		return err_new(err, ERR_INVALID, "rejecting ttrpc connection: %u connections open",
			       s->n_conns);
	}
	struct server_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return err_sys(err, ENOMEM, "allocate ttrpc connection");
	}
	conn_init(&c->io, fd);
	c->server = s;
	c->events = EPOLLIN;
	if (loop_add(s->loop, fd, EPOLLIN, on_conn_event, c, err) < 0) {
		conn_release(&c->io);
		free(c);
		return -1;
	}
	LIST_PUSH(s->conns, c);
	s->n_conns++;
	return 0;
}

static void on_accept(struct loop *loop, int fd, uint32_t events, void *data);

static void resume_accept(struct loop *loop, void *data)
{
	struct ttrpc_server *s = data;
	struct error *err = NULL;
	s->accept_timer = 0;
	if (loop_add(loop, s->listen_fd, EPOLLIN, on_accept, s, &err) < 0) {
		log_error("ttrpc: %s", err_message(err));
		err_free(&err);
		s->accept_timer = loop_timer_add(loop, ACCEPT_RETRY_MS, resume_accept, s);
		return;
	}
	s->listening = true;
}

/* Out of fds or memory: a level-triggered listener would spin, so stop watching it for a while. */
static void pause_accept(struct ttrpc_server *s)
{
	loop_remove(s->loop, s->listen_fd);
	s->listening = false;
	s->accept_timer = loop_timer_add(s->loop, ACCEPT_RETRY_MS, resume_accept, s);
}

static void on_accept(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct ttrpc_server *s = data;
	enter(s);
	for (int i = 0; i < ACCEPT_BUDGET && s->listening && !s->free_pending; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (cfd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (cfd < 0) {
			log_error("ttrpc: accept: %s", strerror(errno));
			pause_accept(s);
			break;
		}
		struct error *err = NULL;
		if (add_conn(s, cfd, &err) < 0) {
			log_warn("ttrpc: %s", err_message(err));
			err_free(&err);
		}
	}
	leave(s);
}

/* ---- public ---- */

int ttrpc_server_new(struct ttrpc_server **out, struct loop *loop, int listen_fd, struct error **err)
{
	struct ttrpc_server *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		if (listen_fd >= 0)
			close(listen_fd);
		return err_sys(err, ENOMEM, "allocate ttrpc server");
	}
	*s = (struct ttrpc_server){.loop = loop, .listen_fd = listen_fd};
	ttrpc_server_set_limits(s, &(struct ttrpc_limits){0});
	if (listen_fd >= 0) {
		if (sock_prepare_fd(listen_fd, err) < 0 ||
		    loop_add(loop, listen_fd, EPOLLIN, on_accept, s, err) < 0) {
			ttrpc_server_free(s);
			return err_wrap(err, "ttrpc server");
		}
		s->listening = true;
	}
	*out = s;
	return 0;
}

int ttrpc_server_register(struct ttrpc_server *server, const struct ttrpc_method *methods, void *data,
			  struct error **err)
{
	for (const struct ttrpc_method *m = methods; m->service != NULL; m++)
		if (m->name == NULL || m->request_type == NULL || m->handler == NULL)
			return err_new(err, ERR_INVALID,
				       "ttrpc method %s.%s lacks a name, request type or handler", m->service,
				       m->name ? m->name : "?");
	struct registration *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return err_sys(err, ENOMEM, "register ttrpc methods");
	*r = (struct registration){.methods = methods, .data = data, .next = server->regs};
	server->regs = r;
	return 0;
}

void ttrpc_server_set_limits(struct ttrpc_server *server, const struct ttrpc_limits *limits)
{
	struct ttrpc_limits *l = &server->limits;
	l->max_connections = limits->max_connections ? limits->max_connections
						     : (l->max_connections ?: DEFAULT_MAX_CONNECTIONS);
	l->max_pending = limits->max_pending ? limits->max_pending : (l->max_pending ?: DEFAULT_MAX_PENDING);
	l->max_parked = limits->max_parked ? limits->max_parked : (l->max_parked ?: DEFAULT_MAX_PARKED);
	l->max_queued = limits->max_queued ? limits->max_queued : (l->max_queued ?: DEFAULT_MAX_QUEUED);
}

int ttrpc_server_adopt(struct ttrpc_server *server, int fd, struct error **err)
{
	if (server->dying || server->free_pending) {
		close(fd);
		return err_new(err, ERR_STATE, "ttrpc server is shutting down");
	}
	if (sock_prepare_fd(fd, err) < 0) {
		close(fd);
		return -1;
	}
	return add_conn(server, fd, err);
}

unsigned ttrpc_server_connections(struct ttrpc_server *server)
{
	return server->n_conns;
}

bool ttrpc_server_flushed(struct ttrpc_server *server)
{
	for (struct server_conn *c = server->conns; c != NULL; c = c->next)
		if (conn_queued(&c->io) > 0)
			return false;
	return true;
}

static void server_destroy(struct ttrpc_server *s)
{
	s->dying = true;
	s->busy = 1; /* callbacks run below must not free it again */
	if (s->listening)
		loop_remove(s->loop, s->listen_fd);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->accept_timer > 0)
		loop_timer_cancel(s->loop, s->accept_timer);
	if (s->reap_timer > 0)
		loop_timer_cancel(s->loop, s->reap_timer);
	while (s->conns != NULL) {
		struct server_conn *c = s->conns;
		conn_flush(&c->io); /* a last attempt, e.g. for the answer to Shutdown */
		conn_close(c, "server closing");
	}
	reap_dead(s);
	while (s->regs != NULL) {
		struct registration *r = s->regs;
		s->regs = r->next;
		free(r);
	}
	free(s);
}

void ttrpc_server_free(struct ttrpc_server *server)
{
	if (server == NULL || server->free_pending)
		return;
	server->free_pending = true;
	if (server->busy == 0)
		server_destroy(server);
}

/* ---- calls, public ---- */

const ProtobufCMessage *ttrpc_call_request(struct ttrpc_call *call)
{
	return call->msg;
}

const char *ttrpc_call_metadata(struct ttrpc_call *call, const char *key)
{
	for (size_t i = 0; i < call->req->n_metadata; i++)
		if (strcmp(call->req->metadata[i]->key, key) == 0)
			return call->req->metadata[i]->value;
	return NULL;
}

void ttrpc_call_on_cancel(struct ttrpc_call *call, ttrpc_cancel_fn fn, void *data)
{
	call->cancel = fn;
	call->cancel_data = data;
}

int ttrpc_call_park(struct ttrpc_call *call, ttrpc_cancel_fn fn, void *data)
{
	struct server_conn *c = call->conn;
	if (c != NULL && !call->parked) {
		if (c->n_parked >= c->server->limits.max_parked)
			return -1;
		call->parked = true;
		c->n_calls--;
		c->n_parked++;
	}
	ttrpc_call_on_cancel(call, fn, data);
	return 0;
}

static int queue_reply(struct server_conn *c, struct ttrpc_call *call, const ProtobufCMessage *reply)
{
	if (msg_queue_reply(&c->io, call->stream_id, reply) == 0) {
		conn_output(c);
		return 0;
	}
	if (errno == EMSGSIZE) {
		log_warn("ttrpc: %s reply of %zu bytes is too large", call->req->method,
			 protobuf_c_message_get_packed_size(reply));
		send_status(c, call->stream_id, TTRPC_RESOURCE_EXHAUSTED,
			    "reply exceeds the maximum message size");
	} else {
		conn_close(c, "out of memory queueing a reply");
	}
	return -1;
}

/* Answer with reply, or with code and message when reply is NULL. */
static int answer(struct ttrpc_call *call, const ProtobufCMessage *reply, enum ttrpc_code code,
		  const char *message)
{
	if (call->answered)
		return -1;
	call->answered = true;
	struct server_conn *c = call->conn;
	int rc = -1;
	if (c != NULL) {
		struct ttrpc_server *s = c->server;
		enter(s);
		call_unlink(call);
		if (reply != NULL) {
			rc = queue_reply(c, call, reply);
		} else {
			send_status(c, call->stream_id, code, "%s", message ? message : "");
			rc = 0;
		}
		if (c->closing)
			rc = -1;
		leave(s);
	}
	if (!call->in_handler)
		call_free(call);
	return rc;
}

int ttrpc_call_reply(struct ttrpc_call *call, const ProtobufCMessage *reply)
{
	return answer(call, reply, TTRPC_OK, NULL);
}

int ttrpc_call_fail(struct ttrpc_call *call, enum ttrpc_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = status_message(fmt, ap);
	va_end(ap);
	int rc = answer(call, NULL, code == TTRPC_OK ? TTRPC_UNKNOWN : code, msg);
	free(msg);
	return rc;
}
