/* SPDX-License-Identifier: Apache-2.0 */
/* The shim's table of tasks and processes, exits and the Wait calls parked on them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cleanup.h"
#include "containerd/events.pb-c.h"
#include "containerd/shim.pb-c.h"
#include "events.h"
#include "log.h"
#include "pb.h"
#include "pending.h"
#include "shim.h"
#include "shim_io.h"

/* How long an exit may wait for containerd to read the output still in the FIFOs. */
#define DRAIN_LIMIT_MS 1000

struct waiter {
	struct ttrpc_call *call;
	struct process *process;
	struct waiter *next;
};

struct task *shim_find_task(struct shim *shim, const char *id)
{
	for (struct task *t = shim->tasks; t != NULL; t = t->next) {
		if (strcmp(t->id, id) == 0)
			return t;
	}
	return NULL;
}

struct process *shim_find_process(struct shim *shim, const char *id, const char *exec_id)
{
	struct task *t = shim_find_task(shim, id);
	if (t == NULL)
		return NULL;
	if (exec_id == NULL || *exec_id == '\0')
		return &t->init;
	for (struct process *p = t->execs; p != NULL; p = p->next) {
		if (strcmp(p->exec_id, exec_id) == 0)
			return p;
	}
	return NULL;
}

struct task *shim_add_task(struct shim *shim, const char *id, const char *bundle)
{
	struct task *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->id = strdup(id)) == NULL || (t->bundle = strdup(bundle)) == NULL) {
		if (t)
			free(t->id);
		free(t);
		return NULL;
	}
	t->shim = shim;
	t->init.task = t;
	t->init.exit_fd = -1;
	t->next = shim->tasks;
	shim->tasks = t;
	return t;
}

struct process *shim_add_exec(struct task *task, const char *exec_id)
{
	struct process *p = calloc(1, sizeof(*p));
	if (p == NULL || (p->exec_id = strdup(exec_id)) == NULL) {
		free(p);
		return NULL;
	}
	p->task = task;
	p->exit_fd = -1;
	p->next = task->execs;
	task->execs = p;
	return p;
}

static void release_process(struct shim *shim, struct process *p)
{
	pending_abandon(p);
	if (p->exit_fd >= 0) {
		loop_remove(shim->loop, p->exit_fd);
		close(p->exit_fd);
	}
	for (struct waiter *w = p->waiters; w != NULL;) {
		struct waiter *next = w->next;
		ttrpc_call_fail(w->call, TTRPC_NOT_FOUND, "process %s was deleted", shim_process_name(p));
		free(w);
		w = next;
	}
	p->waiters = NULL;
	shim_io_free(p->io);
	p->io = NULL;
	for (int i = 0; i < 3; i++)
		free(p->stdio_paths[i]);
	free(p->exec_id);
}

void shim_remove_process(struct shim *shim, struct process *p)
{
	struct task *t = p->task;
	if (p->exec_id != NULL) {
		for (struct process **pp = &t->execs; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		}
		release_process(shim, p);
		free(p);
		return;
	}
	while (t->execs != NULL)
		shim_remove_process(shim, t->execs);
	release_process(shim, &t->init);
	for (struct task **pp = &shim->tasks; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	free(t->id);
	free(t->bundle);
	free(t);
}

static void fill_wait_response(const struct process *p, Containerd__Task__V2__WaitResponse *r,
			       Google__Protobuf__Timestamp *ts)
{
	*ts = pb_timestamp(p->exited_at_ns);
	r->exit_status = (uint32_t)p->exit_code;
	r->exited_at = ts;
}

static void answer_waiters(struct process *p)
{
	Containerd__Task__V2__WaitResponse r = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	fill_wait_response(p, &r, &ts);
	struct waiter *w = p->waiters;
	p->waiters = NULL;
	while (w != NULL) {
		struct waiter *next = w->next;
		ttrpc_call_reply(w->call, &r.base);
		free(w);
		w = next;
	}
}

static void waiter_cancelled(struct ttrpc_call *call, enum ttrpc_code why, void *data)
{
	struct waiter *w = data;
	for (struct waiter **pp = &w->process->waiters; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	free(w);
}

void shim_wait(struct shim *shim, struct process *p, struct ttrpc_call *call)
{
	if (p->status == PROC_STOPPED && !p->exit_unannounced) {
		Containerd__Task__V2__WaitResponse r = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
		Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
		fill_wait_response(p, &r, &ts);
		ttrpc_call_reply(call, &r.base);
		return;
	}
	struct waiter *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	/* Parked: however many Waits containerd keeps open, other calls are still served. */
	if (ttrpc_call_park(call, waiter_cancelled, w) < 0) {
		free(w);
		ttrpc_call_fail(call, TTRPC_RESOURCE_EXHAUSTED, "too many Wait calls on this connection");
		return;
	}
	*w = (struct waiter){.call = call, .process = p, .next = p->waiters};
	p->waiters = w;
}

/* The monitor wrote the exit before it closed the pipe; without a record (the monitor was killed)
 * the process was killed along with it as far as anyone can tell. */
static void read_exit(struct shim *shim, struct process *p)
{
	struct proc_state st;
	struct error *err = NULL;
	if (state_read_process(&shim->rt, p->task->id, p->exec_id, &st, &err) == 0 &&
	    st.status == PROC_STOPPED) {
		p->exit_code = st.exit_code;
		p->exited_at_ns = st.exited_at_ns;
	} else {
		log_warn("%s: monitor %d exited without recording an exit: %s", p->task->id,
			 (int)p->monitor_pid, err ? err_message(err) : "no record");
		p->exit_code = 128 + 9;
		p->exited_at_ns = clock_realtime_ns();
	}
	if (err == NULL)
		proc_state_free(&st);
	err_free(&err);
}

static void publish_exit(struct shim *shim, const struct process *p)
{
	Google__Protobuf__Timestamp ts = pb_timestamp(p->exited_at_ns);
	Containerd__Events__TaskExit ev = CONTAINERD__EVENTS__TASK_EXIT__INIT;
	ev.container_id = p->task->id;
	ev.id = p->exec_id ? p->exec_id : p->task->id;
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = (uint32_t)p->exit_code;
	ev.exited_at = &ts;
	events_publish(shim->events, "/tasks/exit", &ev.base);
}

static void finish_exit(void *data)
{
	struct process *p = data;
	if (!p->exit_unannounced)
		return; /* announced already (a Delete came first) */
	p->exit_unannounced = false;
	if (p->io != NULL)
		shim_io_close_output(p->io);
	/* Single-threaded: a started process had its TaskStart queued before this point. */
	publish_exit(p->task->shim, p);
	answer_waiters(p);
}

void shim_process_exited(struct shim *shim, struct process *p)
{
	if (p->starting) {
		p->exit_deferred = true;
		return;
	}
	read_exit(shim, p);
	log_info("%s%s%s exited with %d", p->task->id, p->exec_id ? "/" : "", p->exec_id ? p->exec_id : "",
		 p->exit_code);
	/* State says so at once, whatever the output: a restarted containerd asks State, and a
	 * process still said to be running would get a Wait whose answer it may drop (its CRI adds the
	 * container to its store only after that), leaving the container running for ever. The exit is
	 * announced (event, Waits) once containerd has read the output, as before. */
	p->status = PROC_STOPPED;
	p->exit_unannounced = true;
	if (p->io == NULL) {
		finish_exit(p);
		return;
	}
	shim_io_exited(p->io);
	shim_io_when_drained(p->io, DRAIN_LIMIT_MS, finish_exit, p);
}

void shim_announce_exit(struct process *p)
{
	finish_exit(p);
}

static void on_exit_fd(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct process *p = data;
	char buf[64];
	if ((events & EPOLLIN) && read(fd, buf, sizeof(buf)) > 0)
		return; /* nothing but EOF is expected; ignore stray bytes */
	loop_remove(loop, fd);
	close(fd);
	p->exit_fd = -1;
	shim_process_exited(p->task->shim, p);
}

int shim_watch_exit(struct shim *shim, struct process *p, struct error **err)
{
	return loop_add(shim->loop, p->exit_fd, EPOLLIN, on_exit_fd, p, err);
}
