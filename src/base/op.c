/* SPDX-License-Identifier: Apache-2.0 */
#include "op.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>

#include "clock.h"
#include "loop.h"

void op_init(struct op *op, op_step_fn step, op_free_fn free)
{
	*op = (struct op){.fds = {-1, -1}, .step = step, .free = free, .watched = {-1, -1}};
}

static int collect_fds(const struct op *op, struct pollfd *p)
{
	int n = 0;
	for (int i = 0; i < OP_MAX_FDS; i++) {
		if (op->fds[i] >= 0)
			p[n++] = (struct pollfd){.fd = op->fds[i], .events = POLLIN};
	}
	return n;
}

int op_run(struct op *op, struct error **err)
{
	for (;;) {
		struct pollfd p[OP_MAX_FDS];
		int n = collect_fds(op, p);
		bool timed_out = false;
		if (n > 0) {
			int ready = poll(p, (nfds_t)n, clock_ms_until(op->deadline));
			if (ready < 0 && errno == EINTR)
				continue;
			if (ready < 0)
				return err_sys(err, errno, "poll");
			timed_out = ready == 0;
		}
		int rc = op->step(op, timed_out, err);
		if (rc <= 0)
			return rc;
	}
}

static void disarm(struct op *op)
{
	for (int i = 0; i < OP_MAX_FDS; i++) {
		if (op->watched[i] >= 0)
			loop_remove(op->loop, op->watched[i]);
		op->watched[i] = -1;
	}
	if (op->timer > 0)
		loop_timer_cancel(op->loop, op->timer);
	op->timer = 0;
}

static void on_fd(struct loop *loop, int fd, uint32_t events, void *data);
static void on_timer(struct loop *loop, void *data);

/* Watch the op's fds and its deadline; with no fd, a zero-delay timer takes the next step. */
static int arm(struct op *op, struct error **err)
{
	bool any = false;
	for (int i = 0; i < OP_MAX_FDS; i++) {
		if (op->fds[i] < 0)
			continue;
		if (loop_add(op->loop, op->fds[i], EPOLLIN, on_fd, op, err) < 0) {
			disarm(op);
			return -1;
		}
		op->watched[i] = op->fds[i];
		any = true;
	}
	uint64_t delay = any ? (uint64_t)clock_ms_until(op->deadline) : 0;
	op->timer = loop_timer_add(op->loop, delay, on_timer, op);
	if (op->timer <= 0) {
		op->timer = 0;
		disarm(op);
		return err_sys(err, ENOMEM, "timer");
	}
	return 0;
}

static void take_step(struct op *op, bool timed_out)
{
	disarm(op);
	struct error *err = NULL;
	int rc = op->step(op, timed_out, &err);
	if (rc > 0 && arm(op, &err) == 0)
		return;
	op_done_fn done = op->done;
	op->done = NULL;
	done(op, rc > 0 ? -1 : rc, err, op->done_data);
}

static void on_fd(struct loop *loop, int fd, uint32_t events, void *data)
{
	take_step(data, false);
}

static void on_timer(struct loop *loop, void *data)
{
	struct op *op = data;
	op->timer = 0;
	bool watching = false;
	for (int i = 0; i < OP_MAX_FDS; i++)
		watching |= op->watched[i] >= 0;
	take_step(op, watching);
}

int op_drive(struct op *op, struct loop *loop, op_done_fn done, void *data, struct error **err)
{
	op->loop = loop;
	op->done = done;
	op->done_data = data;
	if (arm(op, err) < 0) {
		op->done = NULL;
		return -1;
	}
	return 0;
}

void op_free(struct op *op)
{
	if (op == NULL)
		return;
	if (op->loop != NULL)
		disarm(op);
	op->free(op);
}
