/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc, containerd's small RPC protocol (protobuf messages in 10-byte-header frames over a unix
 * socket), as a server and a client that run on the project's event loop. Single-threaded: every
 * function must be called from the loop's thread. See docs/ttrpc.md. */
#ifndef REAPER_TTRPC_H
#define REAPER_TTRPC_H

#include <stdbool.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "error.h"
#include "loop.h"

/* gRPC status codes, as carried in google.rpc.Status. */
enum ttrpc_code {
	TTRPC_OK = 0,
	TTRPC_CANCELLED = 1,
	TTRPC_UNKNOWN = 2,
	TTRPC_INVALID_ARGUMENT = 3,
	TTRPC_DEADLINE_EXCEEDED = 4,
	TTRPC_NOT_FOUND = 5,
	TTRPC_ALREADY_EXISTS = 6,
	TTRPC_PERMISSION_DENIED = 7,
	TTRPC_RESOURCE_EXHAUSTED = 8,
	TTRPC_FAILED_PRECONDITION = 9,
	TTRPC_ABORTED = 10,
	TTRPC_OUT_OF_RANGE = 11,
	TTRPC_UNIMPLEMENTED = 12,
	TTRPC_INTERNAL = 13,
	TTRPC_UNAVAILABLE = 14,
	TTRPC_DATA_LOSS = 15,
	TTRPC_UNAUTHENTICATED = 16,
};

/* msg packed into out->data (malloc'ed, never NULL on success); -1 when out of memory. */
int ttrpc_pack(const ProtobufCMessage *msg, ProtobufCBinaryData *out);

/* "NOT_FOUND" etc.; "UNKNOWN_CODE" for a value outside the enum. */
const char *ttrpc_code_name(int code);

/* Largest frame payload either side accepts (4 MiB). */
#define TTRPC_MAX_DATA (4u << 20)

/* ---- Server ---- */

struct ttrpc_server;
struct ttrpc_call; /* one request being served; alive until answered or cancelled */

/* Called with the decoded request. Answer now or later with ttrpc_call_reply/ttrpc_call_fail;
 * to answer later, keep `call` and register a cancel callback. */
typedef void (*ttrpc_handler_fn)(struct ttrpc_call *call, const ProtobufCMessage *request, void *data);
/* The call died before it was answered: `why` is TTRPC_CANCELLED (connection closed or server
 * freed) or TTRPC_DEADLINE_EXCEEDED (the client's timeout_nano passed; the server has answered
 * the client itself). `call` is freed when this returns: forget it. */
typedef void (*ttrpc_cancel_fn)(struct ttrpc_call *call, enum ttrpc_code why, void *data);

struct ttrpc_method {
	const char *service; /* "containerd.task.v2.Task" */
	const char *name;    /* "Wait" */
	const ProtobufCMessageDescriptor *request_type;
	ttrpc_handler_fn handler;
};

/* Per-server bounds; 0 in a field keeps the default. */
struct ttrpc_limits {
	unsigned max_connections; /* default 128: more are accepted and closed at once */
	unsigned max_pending;     /* default 64 calls in flight per connection: more get RESOURCE_EXHAUSTED */
	unsigned max_parked;      /* default 4096 parked calls per connection (ttrpc_call_park) */
	size_t max_queued;        /* default 8 MiB of unsent replies per connection: more closes it */
};

/* Serve on listen_fd (a listening unix socket; the server owns it from now on and makes it
 * non-blocking), or on adopted connections only when listen_fd is -1. Peers whose SO_PEERCRED
 * uid differs from our effective uid are disconnected. */
int ttrpc_server_new(struct ttrpc_server **out, struct loop *loop, int listen_fd, struct error **err);
/* Add a table of methods ending with an all-zero entry; it and `data` must outlive the server. */
int ttrpc_server_register(struct ttrpc_server *server, const struct ttrpc_method *methods, void *data,
			  struct error **err);
void ttrpc_server_set_limits(struct ttrpc_server *server, const struct ttrpc_limits *limits);
/* Serve an already connected socket (socketpair, inherited connection). Takes ownership of fd. */
int ttrpc_server_adopt(struct ttrpc_server *server, int fd, struct error **err);
unsigned ttrpc_server_connections(struct ttrpc_server *server);
/* True when every reply has been written to its socket (e.g. before exiting after Shutdown). */
bool ttrpc_server_flushed(struct ttrpc_server *server);
/* Close the listener and all connections (cancelling parked calls). Safe inside a handler. */
void ttrpc_server_free(struct ttrpc_server *server);

/* The decoded request; valid as long as the call. */
const ProtobufCMessage *ttrpc_call_request(struct ttrpc_call *call);
/* The first value of a metadata key, or NULL. */
const char *ttrpc_call_metadata(struct ttrpc_call *call, const char *key);
void ttrpc_call_on_cancel(struct ttrpc_call *call, ttrpc_cancel_fn fn, void *data);
/* The call waits for an event that may take any time (a Wait for an exit): it no longer counts as
 * in flight (max_pending bounds work being done) but as parked (max_parked), and fn is its cancel
 * callback as with ttrpc_call_on_cancel. -1 when the connection has max_parked parked calls
 * already: the call is then unchanged, to be answered by the caller (RESOURCE_EXHAUSTED). */
int ttrpc_call_park(struct ttrpc_call *call, ttrpc_cancel_fn fn, void *data);
/* Answer and release the call. The module encodes `reply`; the caller keeps owning it. Returns 0
 * when the answer was queued, -1 when it was dropped (connection gone, deadline passed) or
 * replaced by an error (reply larger than TTRPC_MAX_DATA). Not valid inside the cancel callback. */
int ttrpc_call_reply(struct ttrpc_call *call, const ProtobufCMessage *reply);
/* Answer with a status; code TTRPC_OK is sent as TTRPC_UNKNOWN. */
int ttrpc_call_fail(struct ttrpc_call *call, enum ttrpc_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A listening socket for `address`: "unix:///path", "/path" (created mode 0600; an existing
 * file is an error) or "@name" (abstract). Non-blocking, close-on-exec. Returns the fd or -1. */
int ttrpc_listen_unix(const char *address, struct error **err);

/* ---- Client ---- */

struct ttrpc_client;

/* Completion of a call: code TTRPC_OK with the decoded reply (the callback owns it: free it with
 * protobuf_c_message_free_unpacked(reply, NULL)), or an error code, a message and reply NULL. */
typedef void (*ttrpc_reply_fn)(ProtobufCMessage *reply, enum ttrpc_code code, const char *message,
			       void *data);

struct ttrpc_call_opts {
	uint64_t timeout_ms; /* whole call from its first send, retries included; 0: none */
	unsigned attempts;   /* tries on connection failures (0 = 1); a retried call may run twice */
	bool ordered;        /* not sent before the previous ordered call of this client completed */
};

/* A client dialing `address` (same forms as ttrpc_listen_unix) when it has calls to send, and
 * again after the connection fails. */
int ttrpc_client_new(struct ttrpc_client **out, struct loop *loop, const char *address, struct error **err);
/* A client on a connected socket (no redial). Takes ownership of fd. */
int ttrpc_client_new_fd(struct ttrpc_client **out, struct loop *loop, int fd, struct error **err);
/* Queue a call; fn runs later on the loop, exactly once (never inside this function). opts may
 * be NULL. Fails only on bad arguments (a request over TTRPC_MAX_DATA included), a full queue
 * (1024 calls), a freed client, or the lost connection of a client_new_fd client. */
int ttrpc_client_call(struct ttrpc_client *client, const char *service, const char *method,
		      const ProtobufCMessage *request, const ProtobufCMessageDescriptor *reply_type,
		      const struct ttrpc_call_opts *opts, ttrpc_reply_fn fn, void *data, struct error **err);
/* For tests and CLIs: run the loop until the call completes. 0 with *reply set on success; -1 with
 * *code (if not NULL) and err set otherwise. */
int ttrpc_client_call_sync(struct ttrpc_client *client, const char *service, const char *method,
			   const ProtobufCMessage *request, const ProtobufCMessageDescriptor *reply_type,
			   uint64_t timeout_ms, ProtobufCMessage **reply, enum ttrpc_code *code,
			   struct error **err);
/* Fail every outstanding call with TTRPC_CANCELLED, close the connection. Safe inside a callback. */
void ttrpc_client_free(struct ttrpc_client *client);

#endif
