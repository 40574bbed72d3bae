/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes from a "server" to the real client over a socketpair while
 * calls are outstanding. Every call must complete exactly once. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "ttrpc.pb-c.h"
#include "ttrpc.h"

#define CALLS 8

static struct loop *loop;
static int completions[CALLS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (loop_new(&loop, NULL) < 0)
		abort();
	return 0;
}

static void on_reply(ProtobufCMessage *reply, enum ttrpc_code code, const char *message, void *data)
{
	int slot = (int)(intptr_t)data;
	if (completions[slot]++ > 0 || message == NULL || (code == TTRPC_OK) != (reply != NULL))
		abort();
	if (reply != NULL)
		protobuf_c_message_free_unpacked(reply, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	struct ttrpc_client *client;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    ttrpc_client_new_fd(&client, loop, sv[0], NULL) < 0)
		abort();
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	for (int i = 0; i < CALLS; i++) {
		completions[i] = 0;
		struct ttrpc_call_opts opts = {.ordered = i % 3 == 0, .timeout_ms = i == 5 ? 1 : 0};
		if (ttrpc_client_call(client, "f.S", "Echo", &kv.base, &ttrpc__key_value__descriptor, &opts,
				      on_reply, (void *)(intptr_t)i, NULL) < 0)
			abort();
	}
	loop_run_once(loop, 0, NULL); /* requests go out (stream ids 1, 3, ...) */
	size_t off = 0;
	while (off < size) {
		ssize_t n = send(sv[1], data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN)
			break; /* the client hung up */
		if (n > 0)
			off += (size_t)n;
		loop_run_once(loop, 0, NULL);
	}
	close(sv[1]);
	for (int i = 0; i < 4; i++)
		loop_run_once(loop, 0, NULL);
	ttrpc_client_free(client);
	for (int i = 0; i < CALLS; i++)
		if (completions[i] != 1)
			abort();
	return 0;
}
