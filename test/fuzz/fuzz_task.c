/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the shim's real Task method table (shim_task_methods, v2 and v3) served by the
 * real ttrpc server over a socketpair, fed a sequence of requests of any method with any payload.
 * The table holds tasks the harness makes before each input: "run" (running), "made" (created),
 * "stop" (exited), each with an exec "e", backed by state records whose processes do not exist
 * (pid 0), so no request can reach a real process. Every answer must be a well-formed Response;
 * the harness must never crash, leak or hang.
 *
 * Input: records of [method: 1 byte, high bit = containerd.task.v3.Task][length: 2 bytes, little
 * endian][payload]. Create and Exec requests that decode are defused before they are sent: the
 * bundle becomes a directory without config.json and the stdio targets become empty (a file://
 * target would create files, a binary:// one would run a program). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "containerd/shim.pb-c.h"
#include "cleanup.h"
#include "events.h"
#include "frame.h"
#include "fuzz_frames.h"
#include "fsutil.h"
#include "log.h"
#include "loop.h"
#include "shim.h"
#include "ttrpc.h"
#include "ttrpc.pb-c.h"

static const char *const methods[] = {"State",  "Create",     "Start", "Delete",  "Pids",      "Pause",
				      "Resume", "Checkpoint", "Kill",  "Exec",    "ResizePty", "CloseIO",
				      "Update", "Wait",       "Stats", "Connect", "Shutdown",  "Nope"};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

static char sandbox[64], root[96], bundle[96];
static struct shim shim;

static void remove_sandbox(void)
{
	struct error *err = NULL;
	if (state_remove_dir(sandbox, &err) < 0)
		err_free(&err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(sandbox, sizeof(sandbox), "%s/fuzz_task.%d", base, (int)getpid());
	snprintf(root, sizeof(root), "%s/state", sandbox);
	snprintf(bundle, sizeof(bundle), "%s/bundle", sandbox); /* no config.json in it */
	struct error *err = NULL;
	if (fs_mkdir_p(bundle, 0700, &err) < 0)
		abort();
	atexit(remove_sandbox);
	setenv("REAPER_CONFIG", "/dev/null", 1);
	log_use_fd(open("/dev/null", O_WRONLY | O_CLOEXEC), LOG_FORMAT_TEXT, LOG_LEVEL_DEBUG);
	shim = (struct shim){.rt = {.root = root, .ns = "fuzz"}, .signal_fd = -1};
	if (loop_new(&shim.loop, NULL) < 0 || ttrpc_server_new(&shim.server, shim.loop, -1, NULL) < 0 ||
	    ttrpc_server_register(shim.server, shim_task_methods, &shim, NULL) < 0 ||
	    events_new(&shim.events, shim.loop, NULL, "fuzz", NULL) < 0)
		abort();
	return 0;
}

/* A table entry and its record: status st, no live process. */
static void fixture(const char *id, const char *exec_id, enum proc_status st)
{
	struct task *t = shim_find_task(&shim, id);
	if (t == NULL && (t = shim_add_task(&shim, id, bundle)) == NULL)
		abort();
	struct process *p = exec_id ? shim_add_exec(t, exec_id) : &t->init;
	if (p == NULL)
		abort();
	p->status = st;
	p->exit_code = st == PROC_STOPPED ? 137 : 0;
	struct proc_state rec = {
		.id = (char *)id, .exec_id = (char *)exec_id, .bundle = bundle, .status = st};
	cleanup_free char *dir = state_process_dir(&shim.rt, id, exec_id);
	struct error *err = NULL;
	if (dir == NULL || fs_mkdir_p(dir, 0700, &err) < 0 || state_write(dir, &rec, &err) < 0)
		abort();
}

static void setup(void)
{
	static const char *const ids[] = {"run", "made", "stop"};
	static const enum proc_status status[] = {PROC_RUNNING, PROC_CREATED, PROC_STOPPED};
	for (int i = 0; i < 3; i++) {
		fixture(ids[i], NULL, status[i]);
		fixture(ids[i], "e", status[i]);
	}
}

static void teardown(void)
{
	while (shim.tasks != NULL)
		shim_remove_process(&shim, &shim.tasks->init);
	struct error *err = NULL;
	if (state_remove_dir(root, &err) < 0)
		abort();
	shim.shutting_down = false;
}

/* Create and Exec that decode are defused (see the top); the rest go as they are. The decoder's
 * own strings are put back before it frees them. */
static size_t defuse(const char *method, const uint8_t *in, size_t len, uint8_t **out)
{
	*out = NULL;
	if (strcmp(method, "Create") == 0) {
		Containerd__Task__V2__CreateTaskRequest *r =
			containerd__task__v2__create_task_request__unpack(NULL, len, in);
		if (r == NULL)
			return len;
		char *saved[4] = {r->bundle, r->stdin, r->stdout, r->stderr};
		r->bundle = bundle;
		r->stdin = r->stdout = r->stderr = "";
		size_t n = containerd__task__v2__create_task_request__get_packed_size(r);
		*out = malloc(n ? n : 1);
		containerd__task__v2__create_task_request__pack(r, *out);
		r->bundle = saved[0], r->stdin = saved[1], r->stdout = saved[2], r->stderr = saved[3];
		containerd__task__v2__create_task_request__free_unpacked(r, NULL);
		return n;
	}
	if (strcmp(method, "Exec") == 0) {
		Containerd__Task__V2__ExecProcessRequest *r =
			containerd__task__v2__exec_process_request__unpack(NULL, len, in);
		if (r == NULL)
			return len;
		char *saved[3] = {r->stdin, r->stdout, r->stderr};
		r->stdin = r->stdout = r->stderr = "";
		size_t n = containerd__task__v2__exec_process_request__get_packed_size(r);
		*out = malloc(n ? n : 1);
		containerd__task__v2__exec_process_request__pack(r, *out);
		r->stdin = saved[0], r->stdout = saved[1], r->stderr = saved[2];
		containerd__task__v2__exec_process_request__free_unpacked(r, NULL);
		return n;
	}
	return len;
}

static void check_response(const struct frame *f)
{
	if (f->h.type != FRAME_RESPONSE || f->h.flags != 0)
		abort();
	Ttrpc__Response *resp = ttrpc__response__unpack(NULL, f->h.length, f->data);
	if (resp == NULL || (resp->status != NULL && resp->status->code != 0 && resp->payload.len > 0))
		abort();
	if (resp->status != NULL && resp->status->code != 0 && resp->status->message[0] == '\0')
		abort(); /* every failure says why */
	ttrpc__response__free_unpacked(resp, NULL);
}

static void send_request(int fd, uint32_t stream, const char *service, const char *method,
			 const uint8_t *payload, size_t len)
{
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	req.service = (char *)service;
	req.method = (char *)method;
	req.payload.data = (uint8_t *)payload;
	req.payload.len = len;
	size_t n = ttrpc__request__get_packed_size(&req);
	uint8_t *buf = malloc(10 + n);
	if (buf == NULL)
		abort();
	struct frame_header h = {.length = (uint32_t)n, .stream_id = stream, .type = FRAME_REQUEST};
	frame_header_encode(buf, &h);
	ttrpc__request__pack(&req, buf + 10);
	for (size_t off = 0; off < 10 + n;) {
		ssize_t w = send(fd, buf + off, 10 + n - off, MSG_NOSIGNAL);
		if (w < 0 && errno != EINTR)
			abort();
		if (w > 0)
			off += (size_t)w;
		loop_run_once(shim.loop, 0, NULL);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (ttrpc_server_adopt(shim.server, sv[0], NULL) < 0)
		abort();
	struct frame_reader r = {0};
	uint32_t stream = 1;
	for (size_t off = 0; off + 3 <= size && stream < 200; stream += 2) {
		const char *method = methods[(data[off] & 0x7f) % N_METHODS];
		const char *service =
			data[off] & 0x80 ? "containerd.task.v3.Task" : "containerd.task.v2.Task";
		size_t len = (size_t)(data[off + 1] | data[off + 2] << 8);
		off += 3;
		if (len > size - off)
			len = size - off;
		uint8_t *defused;
		size_t n = defuse(method, data + off, len, &defused);
		send_request(sv[1], stream, service, method, defused ? defused : data + off, n);
		free(defused);
		off += len;
		loop_run_once(shim.loop, 0, NULL);
		fuzz_drain_frames(sv[1], &r, check_response);
	}
	shutdown(sv[1], SHUT_WR);
	for (int i = 0; i < 1000 && ttrpc_server_connections(shim.server) > 0; i++) {
		loop_run_once(shim.loop, 0, NULL);
		fuzz_drain_frames(sv[1], &r, check_response);
	}
	if (ttrpc_server_connections(shim.server) != 0)
		abort();                   /* the server must let a closed peer go */
	loop_run_once(shim.loop, 0, NULL); /* parked Waits are cancelled from a zero-delay timer */
	fuzz_drain_frames(sv[1], &r, check_response);
	frame_reader_reset(&r);
	close(sv[1]);
	teardown();
	return 0;
}
