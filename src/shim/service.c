/* SPDX-License-Identifier: Apache-2.0 */
/* containerd.task.v2.Task: each handler turns a request into library calls and events. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "containerd/events.pb-c.h"
#include "containerd/shim.pb-c.h"
#include "events.h"
#include "google/protobuf/empty.pb-c.h"
#include "log.h"
#include "pb.h"
#include "pending.h"
#include "shim.h"
#include "shim_io.h"
#include "process_tree.h"
#include "stats.h"
#include "version.h"

/* The kernel's signals are 1..64 (_NSIG - 1 on Linux); 0 checks that the process exists. */
#define SIGNAL_MAX 64

/* musl defines stdin, stdout and stderr as macros; the protobuf fields bear the same names, and
 * nothing here uses the C streams. */
#undef stdin
#undef stdout
#undef stderr

static struct shim *the_shim(void *data)
{
	return data;
}

void shim_fail(struct ttrpc_call *call, struct error *err)
{
	static const enum ttrpc_code codes[] = {
		[ERR_SYSTEM] = TTRPC_UNKNOWN,
		[ERR_INVALID] = TTRPC_INVALID_ARGUMENT,
		[ERR_NOT_FOUND] = TTRPC_NOT_FOUND,
		[ERR_EXISTS] = TTRPC_ALREADY_EXISTS,
		[ERR_STATE] = TTRPC_FAILED_PRECONDITION,
		[ERR_UNSUPPORTED] = TTRPC_UNIMPLEMENTED,
	};
	log_error("%s", err_message(err));
	ttrpc_call_fail(call, codes[err->kind], "%s", err_message(err));
	err_free(&err);
}

static void reply_empty(struct ttrpc_call *call)
{
	Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
	ttrpc_call_reply(call, &empty.base);
}

static const char *exec_or_null(const char *exec_id)
{
	return exec_id && *exec_id ? exec_id : NULL;
}

/* A malformed id is the caller's mistake (INVALID_ARGUMENT); a well-formed id of nothing is
 * NOT_FOUND. exec_id may be empty (the init process) unless required. */
static bool valid_ids(struct ttrpc_call *call, const char *id, const char *exec_id, bool exec_required)
{
	struct error *err = NULL;
	if (state_validate_id("id", id, &err) < 0 ||
	    ((exec_required || exec_or_null(exec_id)) && state_validate_id("exec id", exec_id, &err) < 0)) {
		shim_fail(call, err);
		return false;
	}
	return true;
}

static struct process *lookup(struct shim *shim, struct ttrpc_call *call, const char *id, const char *exec_id)
{
	if (!valid_ids(call, id, exec_id, false))
		return NULL;
	struct process *p = shim_find_process(shim, id, exec_or_null(exec_id));
	if (p == NULL)
		ttrpc_call_fail(call, TTRPC_NOT_FOUND, "%s %s not found",
				exec_or_null(exec_id) ? "exec" : "task",
				exec_or_null(exec_id) ? exec_id : id);
	return p;
}

/* ---- calls answered once an op is done (op.h): Create, Exec, Start, Delete ----
 * Nothing of these waits on the loop: the logger's readiness, the monitor's answer, the
 * workload's execve and the monitors' exits are fds the loop watches, so every other container of
 * the pod is served meanwhile. A process has at most one such call pending; Start and Delete of a
 * busy process fail with FAILED_PRECONDITION. */

static void on_op_done(struct op *op, int rc, struct error *err, void *data);

static void drive(struct pending *pd, struct op *op, void (*failed)(struct pending *pd, struct error *err))
{
	struct error *err = NULL;
	pd->op = op;
	if (op_drive(op, pd->shim->loop, on_op_done, pd, &err) < 0)
		failed(pd, err);
}

/* Create and Exec: stdio (and its logger), the monitor, then the table entry. */
static void create_failed(struct pending *pd, struct error *err)
{
	struct shim *shim = pd->shim;
	struct process *p = pd->p;
	struct ttrpc_call *call = pd->call;
	pending_free(pd);
	shim_remove_process(shim, p);
	shim_fail(call, err);
}

/* Created, but unusable (its terminal or exit cannot be had): delete it again, without waiting on
 * the loop, then fail the call. Its exit is no longer watched: it was never announced created. */
static void create_undo(struct pending *pd, struct error *err)
{
	struct process *p = pd->p;
	struct op *op;
	struct error *del_err = NULL;
	if (p->exit_fd >= 0) {
		loop_remove(pd->shim->loop, p->exit_fd);
		close(p->exit_fd);
		p->exit_fd = -1;
	}
	if (container_delete_begin(&pd->shim->rt, p->task->id, p->exec_id, true, NULL, &op, &del_err) < 0) {
		log_error("%s", err_message(del_err));
		err_free(&del_err);
		create_failed(pd, err);
		return;
	}
	pd->kind = PENDING_UNDO;
	pd->undo_err = err;
	pd->op = op;
	if (op_drive(op, pd->shim->loop, on_op_done, pd, &del_err) < 0) {
		log_error("%s", err_message(del_err));
		err_free(&del_err);
		pd->undo_err = NULL;
		create_failed(pd, err);
	}
}

static void create_spawn(struct pending *pd)
{
	struct error *err = NULL;
	struct op *op;
	pd->spawning = true;
	pd->opts.exit_fd = &pd->p->exit_fd;
	if (container_create_begin(&pd->shim->rt, &pd->opts, &pd->st, &op, &err) < 0) {
		create_failed(pd, err);
		return;
	}
	drive(pd, op, create_failed);
}

static void create_begin(struct pending *pd)
{
	struct shim *shim = pd->shim;
	struct process *p = pd->p;
	struct create_options *o = &pd->opts;
	struct shim_io_spec spec = {.paths = {o->stdio_paths[0], o->stdio_paths[1], o->stdio_paths[2]},
				    .terminal = p->terminal,
				    .id = p->task->id,
				    .ns = shim->rt.ns};
	struct error *err = NULL;
	struct op *ready;
	if (shim_io_open(&p->io, shim->loop, &spec, o->stdio, &o->console_fd, &ready, &err) < 0) {
		create_failed(pd, err);
		return;
	}
	if (ready == NULL)
		create_spawn(pd);
	else
		drive(pd, ready, create_failed); /* the logger first */
}

static void publish_create(struct shim *shim, const Containerd__Task__V2__CreateTaskRequest *r, pid_t pid)
{
	Containerd__Events__TaskIO io = CONTAINERD__EVENTS__TASK_IO__INIT;
	io.stdin = r->stdin, io.stdout = r->stdout, io.stderr = r->stderr, io.terminal = r->terminal;
	Containerd__Events__TaskCreate ev = CONTAINERD__EVENTS__TASK_CREATE__INIT;
	ev.container_id = r->id;
	ev.bundle = r->bundle;
	ev.n_rootfs = r->n_rootfs;
	ev.rootfs = r->rootfs;
	ev.io = &io;
	ev.checkpoint = r->checkpoint;
	ev.pid = (uint32_t)pid;
	events_publish(shim->events, "/tasks/create", &ev.base);
}

static void create_done(struct pending *pd)
{
	struct shim *shim = pd->shim;
	struct process *p = pd->p;
	struct error *err = NULL;
	p->pid = pd->st.pid;
	p->monitor_pid = pd->st.monitor_pid;
	p->status = PROC_CREATED;
	for (int i = 0; i < 3; i++)
		p->stdio_paths[i] = strdup(pd->opts.stdio_paths[i] ? pd->opts.stdio_paths[i] : "");
	if (shim_watch_exit(shim, p, &err) < 0 || shim_io_created(p->io, &err) < 0) {
		create_undo(pd, err);
		return;
	}
	struct ttrpc_call *call = pd->call;
	enum pending_kind kind = pd->kind;
	pending_free(pd);
	if (kind == PENDING_EXEC) {
		Containerd__Events__TaskExecAdded ev = CONTAINERD__EVENTS__TASK_EXEC_ADDED__INIT;
		ev.container_id = p->task->id;
		ev.exec_id = p->exec_id;
		events_publish(shim->events, "/tasks/exec-added", &ev.base);
		reply_empty(call);
		return;
	}
	publish_create(shim, (const void *)ttrpc_call_request(call), p->pid);
	Containerd__Task__V2__CreateTaskResponse resp = CONTAINERD__TASK__V2__CREATE_TASK_RESPONSE__INIT;
	resp.pid = (uint32_t)p->pid;
	ttrpc_call_reply(call, &resp.base);
}

static void handle_create(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__CreateTaskRequest *r = (const void *)msg;
	log_debug("create %s", r->id);
	if (!valid_ids(call, r->id, NULL, false))
		return;
	if (*r->checkpoint || *r->parent_checkpoint) {
		ttrpc_call_fail(call, TTRPC_UNIMPLEMENTED, "create %s: Reaper cannot restore a checkpoint",
				r->id);
		return;
	}
	if (shim_find_task(shim, r->id) != NULL) {
		ttrpc_call_fail(call, TTRPC_ALREADY_EXISTS, "task %s already exists", r->id);
		return;
	}
	struct task *t = shim_add_task(shim, r->id, r->bundle);
	struct pending *pd = t ? pending_new(PENDING_CREATE, shim, &t->init, call) : NULL;
	if (pd == NULL) {
		if (t != NULL)
			shim_remove_process(shim, &t->init);
		ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	t->init.terminal = r->terminal;
	pd->opts = (struct create_options){.id = r->id,
					   .bundle = r->bundle,
					   .stdio_paths = {r->stdin, r->stdout, r->stderr},
					   .console_fd = -1};
	create_begin(pd);
}

static void publish_start(struct shim *shim, const struct process *p)
{
	if (p->exec_id == NULL) {
		Containerd__Events__TaskStart ev = CONTAINERD__EVENTS__TASK_START__INIT;
		ev.container_id = p->task->id;
		ev.pid = (uint32_t)p->pid;
		events_publish(shim->events, "/tasks/start", &ev.base);
		return;
	}
	Containerd__Events__TaskExecStarted ev = CONTAINERD__EVENTS__TASK_EXEC_STARTED__INIT;
	ev.container_id = p->task->id;
	ev.exec_id = p->exec_id;
	ev.pid = (uint32_t)p->pid;
	events_publish(shim->events, "/tasks/exec-started", &ev.base);
}

static void start_done(struct pending *pd, int rc, struct error *err)
{
	struct shim *shim = pd->shim;
	struct process *p = pd->p;
	struct ttrpc_call *call = pd->call;
	pid_t pid = pd->pid;
	p->starting = false;
	pending_free(pd);
	if (rc < 0) {
		shim_fail(call, err);
	} else {
		if (p->status == PROC_CREATED)
			p->status = PROC_RUNNING;
		/* Queued before any exit of this process: an exit that came meanwhile waited for this. */
		publish_start(shim, p);
		Containerd__Task__V2__StartResponse resp = CONTAINERD__TASK__V2__START_RESPONSE__INIT;
		resp.pid = (uint32_t)pid;
		ttrpc_call_reply(call, &resp.base);
	}
	if (p->exit_deferred) {
		p->exit_deferred = false;
		shim_process_exited(shim, p);
	}
}

static void start_failed(struct pending *pd, struct error *err)
{
	start_done(pd, -1, err);
}

static bool busy(struct ttrpc_call *call, const struct process *p)
{
	if (p->pending == NULL)
		return false;
	ttrpc_call_fail(call, TTRPC_FAILED_PRECONDITION, "process %s is busy: %s", shim_process_name(p),
			p->status == PROC_CREATING ? "being created" : "another call is under way");
	return true;
}

static void handle_start(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__StartRequest *r = (const void *)msg;
	log_debug("start %s", r->id);
	struct process *p = lookup(shim, call, r->id, r->exec_id);
	if (p == NULL || busy(call, p))
		return;
	struct pending *pd = pending_new(PENDING_START, shim, p, call);
	if (pd == NULL) {
		ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	struct error *err = NULL;
	struct op *op;
	if (container_start_begin(&shim->rt, r->id, exec_or_null(r->exec_id), &pd->pid, &op, &err) < 0) {
		pending_free(pd);
		shim_fail(call, err);
		return;
	}
	p->starting = true;
	drive(pd, op, start_failed);
}

static Containerd__V1__Types__Status status_of(enum proc_status s)
{
	switch (s) {
	case PROC_CREATED:
		return CONTAINERD__V1__TYPES__STATUS__CREATED;
	case PROC_RUNNING:
		return CONTAINERD__V1__TYPES__STATUS__RUNNING;
	case PROC_STOPPED:
		return CONTAINERD__V1__TYPES__STATUS__STOPPED;
	default:
		return CONTAINERD__V1__TYPES__STATUS__UNKNOWN;
	}
}

static void handle_state(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__StateRequest *r = (const void *)msg;
	log_debug("state %s", r->id);
	struct process *p = lookup(shim, call, r->id, r->exec_id);
	if (p == NULL)
		return;
	Google__Protobuf__Timestamp ts = pb_timestamp(p->exited_at_ns);
	Containerd__Task__V2__StateResponse resp = CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
	resp.id = p->task->id;
	resp.bundle = p->task->bundle;
	resp.pid = (uint32_t)p->pid;
	resp.status = status_of(p->status);
	resp.stdin = p->stdio_paths[0] ? p->stdio_paths[0] : "";
	resp.stdout = p->stdio_paths[1] ? p->stdio_paths[1] : "";
	resp.stderr = p->stdio_paths[2] ? p->stdio_paths[2] : "";
	resp.terminal = p->terminal;
	resp.exit_status = (uint32_t)p->exit_code;
	resp.exited_at = &ts;
	resp.exec_id = p->exec_id ? p->exec_id : "";
	ttrpc_call_reply(call, &resp.base);
}

static void handle_wait(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__WaitRequest *r = (const void *)msg;
	log_debug("wait %s", r->id);
	struct process *p = lookup(shim, call, r->id, r->exec_id);
	if (p != NULL)
		shim_wait(shim, p, call);
}

static void handle_kill(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__KillRequest *r = (const void *)msg;
	log_debug("kill %s", r->id);
	struct process *p = lookup(shim, call, r->id, r->exec_id);
	if (p == NULL)
		return;
	if (r->signal > SIGNAL_MAX) {
		ttrpc_call_fail(call, TTRPC_INVALID_ARGUMENT, "kill %s: no signal %u", r->id, r->signal);
		return;
	}
	if (p->status == PROC_STOPPED) {
		ttrpc_call_fail(call, TTRPC_NOT_FOUND, "process %s already finished",
				exec_or_null(r->exec_id) ? r->exec_id : r->id);
		return;
	}
	/* Killing an exec reaches everything it started: what it leaves when it exits on its own stays
	 * (as under runc), but a killed exec (an ExecSync timeout, an exec probe) must not leave children
	 * holding its output open, which would keep containerd waiting. */
	bool all = r->all || exec_or_null(r->exec_id) != NULL;
	struct error *err = NULL;
	if (container_kill(&shim->rt, r->id, exec_or_null(r->exec_id), (int)r->signal, all, &err) < 0) {
		if (err->kind == ERR_STATE)
			err->kind = ERR_NOT_FOUND; /* containerd's word for "already exited" */
		shim_fail(call, err);
		return;
	}
	reply_empty(call);
}

static void publish_delete(struct shim *shim, const struct process *p)
{
	Google__Protobuf__Timestamp ts = pb_timestamp(p->exited_at_ns);
	Containerd__Events__TaskDelete ev = CONTAINERD__EVENTS__TASK_DELETE__INIT;
	ev.container_id = p->task->id;
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = (uint32_t)p->exit_code;
	ev.exited_at = &ts;
	ev.id = p->task->id;
	events_publish(shim->events, "/tasks/delete", &ev.base);
}

static void delete_done(struct pending *pd, int rc, struct error *err)
{
	struct shim *shim = pd->shim;
	struct process *p = pd->p;
	struct ttrpc_call *call = pd->call;
	pending_free(pd);
	if (rc < 0) {
		shim_fail(call, err);
		return;
	}
	Google__Protobuf__Timestamp ts = pb_timestamp(p->exited_at_ns);
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	resp.pid = (uint32_t)p->pid;
	resp.exit_status = (uint32_t)p->exit_code;
	resp.exited_at = &ts;
	if (p->exec_id == NULL)
		publish_delete(shim, p);
	shim_remove_process(shim, p);
	ttrpc_call_reply(call, &resp.base);
}

static void delete_failed(struct pending *pd, struct error *err)
{
	delete_done(pd, -1, err);
}

static void handle_delete(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__DeleteRequest *r = (const void *)msg;
	log_debug("delete %s", r->id);
	struct process *p = lookup(shim, call, r->id, r->exec_id);
	if (p == NULL || busy(call, p))
		return;
	if (p->status == PROC_RUNNING) {
		ttrpc_call_fail(call, TTRPC_FAILED_PRECONDITION, "cannot delete running process %s",
				exec_or_null(r->exec_id) ? r->exec_id : r->id);
		return;
	}
	/* An exit not announced yet (output still draining) goes out before the delete. */
	shim_announce_exit(p);
	if (p->exec_id == NULL) {
		for (struct process *e = p->task->execs; e != NULL; e = e->next)
			shim_announce_exit(e);
	}
	struct pending *pd = pending_new(PENDING_DELETE, shim, p, call);
	if (pd == NULL) {
		ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	struct error *err = NULL;
	struct op *op;
	if (container_delete_begin(&shim->rt, r->id, exec_or_null(r->exec_id), true, NULL, &op, &err) < 0) {
		pending_free(pd);
		shim_fail(call, err);
		return;
	}
	drive(pd, op, delete_failed);
}

static void on_op_done(struct op *op, int rc, struct error *err, void *data)
{
	struct pending *pd = data;
	op_free(op);
	pd->op = NULL;
	switch (pd->kind) {
	case PENDING_CREATE:
	case PENDING_EXEC:
		if (rc < 0)
			create_failed(pd, err);
		else if (!pd->spawning)
			create_spawn(pd); /* the logger is ready */
		else
			create_done(pd);
		break;
	case PENDING_START:
		start_done(pd, rc, err);
		break;
	case PENDING_DELETE:
		delete_done(pd, rc, err);
		break;
	case PENDING_UNDO: {
		struct error *why = pd->undo_err;
		pd->undo_err = NULL;
		if (rc < 0) {
			log_error("%s", err_message(err));
			err_free(&err);
		}
		create_failed(pd, why);
		break;
	}
	}
}

static void handle_exec(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__ExecProcessRequest *r = (const void *)msg;
	log_debug("exec %s", r->id);
	if (!valid_ids(call, r->id, r->exec_id, true))
		return;
	struct task *t = shim_find_task(shim, r->id);
	if (t == NULL) {
		ttrpc_call_fail(call, TTRPC_NOT_FOUND, "task %s not found", r->id);
		return;
	}
	if (shim_find_process(shim, r->id, r->exec_id) != NULL) {
		ttrpc_call_fail(call, TTRPC_ALREADY_EXISTS, "exec %s already exists", r->exec_id);
		return;
	}
	if (r->spec == NULL) {
		ttrpc_call_fail(call, TTRPC_INVALID_ARGUMENT, "exec %s: no process spec", r->exec_id);
		return;
	}
	cleanup_free char *json = strndup((const char *)r->spec->value.data, r->spec->value.len);
	struct process *p = json ? shim_add_exec(t, r->exec_id) : NULL;
	struct pending *pd = p ? pending_new(PENDING_EXEC, shim, p, call) : NULL;
	if (pd == NULL) {
		if (p != NULL)
			shim_remove_process(shim, p);
		ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	p->terminal = r->terminal;
	pd->process_json = steal_pointer(&json);
	pd->opts = (struct create_options){.id = r->id,
					   .exec_id = r->exec_id,
					   .process_json = pd->process_json,
					   .stdio_paths = {r->stdin, r->stdout, r->stderr},
					   .console_fd = -1};
	create_begin(pd);
}

static void handle_pids(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__PidsRequest *r = (const void *)msg;
	log_debug("pids %s", r->id);
	struct error *err = NULL;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	if (lookup(shim, call, r->id, NULL) == NULL)
		return;
	if (process_tree_pids(&shim->rt, r->id, NULL, &pids, &n, &err) < 0) {
		shim_fail(call, err);
		return;
	}
	cleanup_free Containerd__V1__Types__ProcessInfo *infos = calloc(n + 1, sizeof(*infos));
	cleanup_free Containerd__V1__Types__ProcessInfo **ptrs = calloc(n + 1, sizeof(*ptrs));
	if (infos == NULL || ptrs == NULL) {
		ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		containerd__v1__types__process_info__init(&infos[i]);
		infos[i].pid = (uint32_t)pids[i];
		ptrs[i] = &infos[i];
	}
	Containerd__Task__V2__PidsResponse resp = CONTAINERD__TASK__V2__PIDS_RESPONSE__INIT;
	resp.n_processes = n;
	resp.processes = ptrs;
	ttrpc_call_reply(call, &resp.base);
}

static void handle_close_io(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__CloseIORequest *r = (const void *)msg;
	log_debug("close io %s", r->id);
	struct process *p = lookup(shim, call, r->id, r->exec_id);
	if (p == NULL)
		return;
	if (r->stdin && p->io != NULL)
		shim_io_close_stdin(p->io);
	reply_empty(call);
}

static void handle_resize_pty(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__ResizePtyRequest *r = (const void *)msg;
	log_debug("resize pty %s", r->id);
	struct process *p = lookup(shim, call, r->id, r->exec_id);
	if (p == NULL)
		return;
	struct error *err = NULL;
	if (p->io == NULL) {
		ttrpc_call_fail(call, TTRPC_FAILED_PRECONDITION, "process has no terminal");
		return;
	}
	if (shim_io_resize(p->io, r->width, r->height, &err) < 0) {
		shim_fail(call, err);
		return;
	}
	reply_empty(call);
}

static void handle_stats(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__StatsRequest *r = (const void *)msg;
	log_debug("stats %s", r->id);
	if (lookup(shim, call, r->id, NULL) == NULL)
		return;
	struct error *err = NULL;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	if (stats_collect(&shim->rt, r->id, &any, &err) < 0) {
		shim_fail(call, err);
		return;
	}
	Containerd__Task__V2__StatsResponse resp = CONTAINERD__TASK__V2__STATS_RESPONSE__INIT;
	resp.stats = &any;
	ttrpc_call_reply(call, &resp.base);
	free(any.value.data);
}

static void handle_update(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__UpdateTaskRequest *r = (const void *)msg;
	log_debug("update %s", r->id);
	if (lookup(shim, call, r->id, NULL) == NULL)
		return;
	/* Accepted and logged: Reaper enforces no resource limits (no cgroups). */
	log_info("update %s: resources accepted, not enforced", r->id);
	reply_empty(call);
}

static void handle_connect(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	const Containerd__Task__V2__ConnectRequest *r = (const void *)msg;
	log_debug("connect %s", r->id);
	struct task *t = shim_find_task(shim, r->id);
	Containerd__Task__V2__ConnectResponse resp = CONTAINERD__TASK__V2__CONNECT_RESPONSE__INIT;
	resp.shim_pid = (uint32_t)getpid();
	resp.task_pid = t ? (uint32_t)t->init.pid : 0;
	resp.version = REAPER_VERSION;
	ttrpc_call_reply(call, &resp.base);
}

static void handle_shutdown(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	struct shim *shim = the_shim(data);
	log_debug("shutdown (%s)", shim->tasks ? "tasks remain" : "exiting");
	reply_empty(call);
	if (shim->tasks == NULL)
		shim->shutting_down = true; /* the loop exits once the reply and events are out */
}

static void handle_unimplemented(struct ttrpc_call *call, const ProtobufCMessage *msg, void *data)
{
	ttrpc_call_fail(call, TTRPC_UNIMPLEMENTED, "Reaper does not support %s", msg->descriptor->short_name);
}

/* containerd 2.x may speak containerd.task.v3.Task: the same messages under another service name. */
/* clang-format off */
#define TASK_METHOD(service, name, request, handler) \
	{service, name, &containerd__task__v2__##request##__descriptor, handler}
#define TASK_METHODS(service)                                                              \
	TASK_METHOD(service, "State", state_request, handle_state),                        \
	TASK_METHOD(service, "Create", create_task_request, handle_create),                \
	TASK_METHOD(service, "Start", start_request, handle_start),                        \
	TASK_METHOD(service, "Delete", delete_request, handle_delete),                     \
	TASK_METHOD(service, "Pids", pids_request, handle_pids),                           \
	TASK_METHOD(service, "Pause", pause_request, handle_unimplemented),                \
	TASK_METHOD(service, "Resume", resume_request, handle_unimplemented),              \
	TASK_METHOD(service, "Checkpoint", checkpoint_task_request, handle_unimplemented), \
	TASK_METHOD(service, "Kill", kill_request, handle_kill),                           \
	TASK_METHOD(service, "Exec", exec_process_request, handle_exec),                   \
	TASK_METHOD(service, "ResizePty", resize_pty_request, handle_resize_pty),          \
	TASK_METHOD(service, "CloseIO", close_iorequest, handle_close_io),                 \
	TASK_METHOD(service, "Update", update_task_request, handle_update),                \
	TASK_METHOD(service, "Wait", wait_request, handle_wait),                           \
	TASK_METHOD(service, "Stats", stats_request, handle_stats),                        \
	TASK_METHOD(service, "Connect", connect_request, handle_connect),                  \
	TASK_METHOD(service, "Shutdown", shutdown_request, handle_shutdown)
/* clang-format on */

const struct ttrpc_method shim_task_methods[] = {
	TASK_METHODS("containerd.task.v2.Task"),
	TASK_METHODS("containerd.task.v3.Task"),
	{0},
};
