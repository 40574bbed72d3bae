/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc_peer: Reaper's ttrpc as a server and as a client, for interoperability tests against
 * the reference Go implementation (test/interop/gopeer). Messages are ttrpc.KeyValue both ways.
 *   ttrpc_peer serve ADDRESS   serve reaper.test.Echo until a Shutdown call
 *   ttrpc_peer call ADDRESS    run the client checks against a server (the Go one)
 * Prints "ok: ..." per check; exits 1 at the first failure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "loop.h"
#include "ttrpc.pb-c.h"
#include "ttrpc.h"

#define SERVICE    "reaper.test.Echo"
#define MAX_PARKED 64

static struct loop *loop;

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ttrpc_peer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* ---- server ---- */

static struct ttrpc_call *parked[MAX_PARKED];

static void reply(struct ttrpc_call *call, const char *key, const char *value)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = (char *)key;
	kv.value = (char *)value;
	ttrpc_call_reply(call, &kv.base);
}

static void h_echo(struct ttrpc_call *call, const ProtobufCMessage *req, void *data)
{
	ttrpc_call_reply(call, req);
}

static void h_fail(struct ttrpc_call *call, const ProtobufCMessage *req, void *data)
{
	ttrpc_call_fail(call, TTRPC_NOT_FOUND, "no %s", ((const Ttrpc__KeyValue *)req)->key);
}

static void on_cancel(struct ttrpc_call *call, enum ttrpc_code why, void *data)
{
	parked[(intptr_t)data] = NULL;
}

static void h_park(struct ttrpc_call *call, const ProtobufCMessage *req, void *data)
{
	for (intptr_t i = 0; i < MAX_PARKED; i++) {
		if (parked[i] == NULL) {
			parked[i] = call;
			ttrpc_call_on_cancel(call, on_cancel, (void *)i);
			return;
		}
	}
	ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "too many parked calls");
}

static void h_parked(struct ttrpc_call *call, const ProtobufCMessage *req, void *data)
{
	int n = 0;
	for (int i = 0; i < MAX_PARKED; i++)
		n += parked[i] != NULL;
	char count[16];
	snprintf(count, sizeof(count), "%d", n);
	reply(call, "parked", count);
}

static void h_release(struct ttrpc_call *call, const ProtobufCMessage *req, void *data)
{
	for (int i = 0; i < MAX_PARKED; i++) {
		if (parked[i] != NULL) {
			struct ttrpc_call *p = parked[i];
			parked[i] = NULL;
			reply(p, ((const Ttrpc__KeyValue *)ttrpc_call_request(p))->key, "released");
		}
	}
	ttrpc_call_reply(call, req);
}

static void h_shutdown(struct ttrpc_call *call, const ProtobufCMessage *req, void *data)
{
	ttrpc_call_reply(call, req);
	loop_stop(loop);
}

static const struct ttrpc_method methods[] = {
	{SERVICE, "Echo", &ttrpc__key_value__descriptor, h_echo},
	{SERVICE, "Fail", &ttrpc__key_value__descriptor, h_fail},
	{SERVICE, "Park", &ttrpc__key_value__descriptor, h_park},
	{SERVICE, "Parked", &ttrpc__key_value__descriptor, h_parked},
	{SERVICE, "Release", &ttrpc__key_value__descriptor, h_release},
	{SERVICE, "Shutdown", &ttrpc__key_value__descriptor, h_shutdown},
	{0},
};

static int serve(const char *address)
{
	struct error *err = NULL;
	struct ttrpc_server *server = NULL;
	int lfd = ttrpc_listen_unix(address, &err);
	if (lfd < 0 || ttrpc_server_new(&server, loop, lfd, &err) < 0 ||
	    ttrpc_server_register(server, methods, NULL, &err) < 0 || loop_run(loop, &err) < 0)
		die("%s", err_message(err));
	/* Shutdown's answer is normally written already; give a slow socket a moment. */
	for (int i = 0; i < 100 && !ttrpc_server_flushed(server); i++)
		loop_run_once(loop, 10, NULL);
	ttrpc_server_free(server);
	return 0;
}

/* ---- client ---- */

struct result {
	bool done;
	int code;
	char *message;
	char *value;
};

static void on_reply(ProtobufCMessage *reply, enum ttrpc_code code, const char *message, void *data)
{
	struct result *r = data;
	if (r->done)
		die("a call completed twice");
	r->done = true;
	r->code = code;
	r->message = strdup(message);
	if (reply != NULL) {
		r->value = strdup(((Ttrpc__KeyValue *)reply)->value);
		protobuf_c_message_free_unpacked(reply, NULL);
	}
}

static void start(struct ttrpc_client *c, struct result *r, const char *method, const char *key,
		  const char *value, const struct ttrpc_call_opts *opts)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = (char *)key;
	kv.value = (char *)value;
	struct error *err = NULL;
	*r = (struct result){0};
	if (ttrpc_client_call(c, SERVICE, method, &kv.base, &ttrpc__key_value__descriptor, opts, on_reply, r,
			      &err) < 0)
		die("%s: %s", method, err_message(err));
}

static void wait_for(struct result *r, const char *what)
{
	uint64_t end = clock_monotonic_ms() + 10000;
	while (!r->done) {
		if (clock_monotonic_ms() > end)
			die("%s: no answer", what);
		loop_run_once(loop, 50, NULL);
	}
}

static void expect(struct result *r, const char *what, int code, const char *text)
{
	wait_for(r, what);
	if (r->code != code)
		die("%s: want %s, got %s (%s)", what, ttrpc_code_name(code), ttrpc_code_name(r->code),
		    r->message);
	const char *got = code == TTRPC_OK ? r->value : r->message;
	if (text != NULL && strcmp(got, text) != 0)
		die("%s: want '%s', got '%s'", what, text, got);
	printf("ok: %s -> %s\n", what, ttrpc_code_name(code));
	free(r->message);
	free(r->value);
}

static int run_checks(const char *address)
{
	struct error *err = NULL;
	struct ttrpc_client *c;
	if (ttrpc_client_new(&c, loop, address, &err) < 0)
		die("%s", err_message(err));
	struct result a, b, d;
	start(c, &a, "Echo", "k", "hello", &(struct ttrpc_call_opts){.attempts = 5});
	expect(&a, "Echo", TTRPC_OK, "hello");
	start(c, &a, "Fail", "thing", "", NULL);
	expect(&a, "Fail", TTRPC_NOT_FOUND, "no thing");
	start(c, &a, "Nope", "", "", NULL);
	expect(&a, "unknown method", TTRPC_UNIMPLEMENTED, NULL);

	/* A parked call and a quick one on the same connection: answers out of order. */
	start(c, &a, "Park", "p", "", NULL);
	start(c, &b, "Echo", "k", "meanwhile", NULL);
	expect(&b, "Echo while a call is parked", TTRPC_OK, "meanwhile");
	if (a.done)
		die("Park answered before Release");
	start(c, &d, "Release", "", "", NULL);
	expect(&a, "parked call released", TTRPC_OK, "released");
	expect(&d, "Release", TTRPC_OK, NULL);

	/* Our timeout travels as timeout_nano; the Go server gives up as well. */
	start(c, &a, "Park", "t", "", &(struct ttrpc_call_opts){.timeout_ms = 100});
	expect(&a, "timeout", TTRPC_DEADLINE_EXCEEDED, NULL);

	/* Go sends a reply larger than 4 MiB; we skip it, fail that call, keep the connection. */
	start(c, &a, "Big", "", "5242880", NULL);
	expect(&a, "oversized reply", TTRPC_RESOURCE_EXHAUSTED, NULL);
	start(c, &a, "Big", "", "1000000", NULL);
	expect(&a, "1 MB reply after an oversized one", TTRPC_OK, NULL);

	/* Ordered calls complete in order. */
	struct result o[5];
	char keys[5][4];
	for (int i = 0; i < 5; i++) {
		snprintf(keys[i], sizeof(keys[i]), "%d", i);
		start(c, &o[i], "Echo", "k", keys[i], &(struct ttrpc_call_opts){.ordered = true});
	}
	for (int i = 0; i < 5; i++) {
		wait_for(&o[i], "ordered call");
		for (int j = i + 1; j < 5; j++)
			if (o[j].done && !o[i].done)
				die("ordered call %d finished before %d", j, i);
		expect(&o[i], "ordered call", TTRPC_OK, keys[i]);
	}

	/* The synchronous helper. */
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.key = "s";
	kv.value = "sync";
	ProtobufCMessage *reply;
	if (ttrpc_client_call_sync(c, SERVICE, "Echo", &kv.base, &ttrpc__key_value__descriptor, 5000, &reply,
				   NULL, &err) < 0)
		die("%s", err_message(err));
	if (strcmp(((Ttrpc__KeyValue *)reply)->value, "sync") != 0)
		die("sync Echo answered wrong");
	protobuf_c_message_free_unpacked(reply, NULL);
	printf("ok: synchronous call\n");
	ttrpc_client_free(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		die("usage: ttrpc_peer serve|call ADDRESS");
	if (loop_new(&loop, NULL) < 0)
		die("no event loop");
	int rc = strcmp(argv[1], "serve") == 0  ? serve(argv[2])
		 : strcmp(argv[1], "call") == 0 ? run_checks(argv[2])
						: (die("unknown mode %s", argv[1]), 1);
	loop_free(loop);
	return rc;
}
