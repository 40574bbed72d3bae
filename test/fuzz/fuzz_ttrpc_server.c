/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes from a client to the real server over a socketpair, with
 * handlers that answer at once, fail, park with a cancel callback, or park to be answered later.
 * Every byte the server sends back must parse as a well-formed Response frame. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "ttrpc.pb-c.h"
#include "frame.h"
#include "fuzz_frames.h"
#include "ttrpc.h"

#define MAX_LATER 256

static struct loop *loop;
static struct ttrpc_server *server;
static struct ttrpc_call *later[MAX_LATER];
static int n_later;

static void h_echo(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	ttrpc_call_reply(call, request);
}

static void h_fail(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	ttrpc_call_fail(call, TTRPC_NOT_FOUND, "no %s", ((const Ttrpc__KeyValue *)request)->key);
}

static void on_cancel(struct ttrpc_call *call, enum ttrpc_code why, void *data)
{
	for (int i = 0; i < n_later; i++)
		if (later[i] == call)
			later[i] = NULL;
}

static void h_later(struct ttrpc_call *call, const ProtobufCMessage *request, void *data)
{
	if (n_later == MAX_LATER) {
		ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "full");
		return;
	}
	later[n_later++] = call;
	ttrpc_call_on_cancel(call, on_cancel, NULL);
}

static const struct ttrpc_method methods[] = {
	{"f.S", "Echo", &ttrpc__key_value__descriptor, h_echo},
	{"f.S", "Fail", &ttrpc__key_value__descriptor, h_fail},
	{"f.S", "Later", &ttrpc__key_value__descriptor, h_later},
	{0},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (loop_new(&loop, NULL) < 0 || ttrpc_server_new(&server, loop, -1, NULL) < 0 ||
	    ttrpc_server_register(server, methods, NULL, NULL) < 0)
		abort();
	return 0;
}

static void check_response(const struct frame *f)
{
	if (f->h.type != FRAME_RESPONSE || f->h.flags != 0)
		abort();
	Ttrpc__Response *resp = ttrpc__response__unpack(NULL, f->h.length, f->data);
	if (resp == NULL)
		abort();
	if (resp->status != NULL && resp->payload.len > 0)
		abort();
	ttrpc__response__free_unpacked(resp, NULL);
}

static void answer_later(void)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	kv.value = "later";
	for (int i = 0; i < n_later; i++) {
		if (later[i] == NULL)
			continue;
		if (i % 2)
			ttrpc_call_reply(later[i], &kv.base);
		else
			ttrpc_call_fail(later[i], TTRPC_ABORTED, "later");
		later[i] = NULL;
	}
	n_later = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (ttrpc_server_adopt(server, sv[0], NULL) < 0)
		abort();
	struct frame_reader r = {0};
	size_t off = 0;
	bool shut = false;
	for (int rounds = 0; ttrpc_server_connections(server) > 0; rounds++) {
		if (rounds > 100000)
			abort(); /* the server must finish with a closed peer */
		if (off < size) {
			ssize_t n = send(sv[1], data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				off += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				break;
		} else if (!shut) {
			loop_run_once(loop, 0, NULL);
			answer_later();
			shutdown(sv[1], SHUT_WR);
			shut = true;
		}
		loop_run_once(loop, 0, NULL);
		fuzz_drain_frames(sv[1], &r, check_response);
	}
	/* Parked calls of the closed connection are cancelled from a zero-delay timer. */
	loop_run_once(loop, 0, NULL);
	answer_later();
	fuzz_drain_frames(sv[1], &r, check_response);
	frame_reader_reset(&r);
	close(sv[1]);
	return 0;
}
