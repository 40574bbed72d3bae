/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/base/op.c: an operation waiting on fds, run with poll or driven on a loop. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "op.h"
#include "testlib.h"

/* A test op: waits for its pipe to be readable `rounds` times, reading a byte each time. */
struct pipe_op {
	struct op op;
	int rd;
	int rounds;
	int steps;
	bool timed_out;
	bool *freed;
};

static int pipe_step(struct op *op, bool timed_out, struct error **err)
{
	struct pipe_op *p = (struct pipe_op *)op;
	p->steps++;
	if (timed_out) {
		p->timed_out = true;
		return err_new(err, ERR_SYSTEM, "timed out");
	}
	char c;
	if (p->rd >= 0 && read(p->rd, &c, 1) == 1 && --p->rounds > 0)
		return 1;
	return p->rounds > 0 && p->rd >= 0 ? 1 : 0;
}

static void pipe_free(struct op *op)
{
	struct pipe_op *p = (struct pipe_op *)op;
	if (p->freed != NULL)
		*p->freed = true;
	free(p);
}

static struct pipe_op *new_pipe_op(int rd, int rounds, uint64_t timeout_ms)
{
	struct pipe_op *p = calloc(1, sizeof(*p));
	ck_assert_ptr_nonnull(p);
	op_init(&p->op, pipe_step, pipe_free);
	p->rd = rd;
	p->rounds = rounds;
	p->op.fds[0] = rd;
	p->op.deadline = clock_monotonic_ms() + timeout_ms;
	return p;
}

static void make_pipe(int fds[2])
{
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
}

START_TEST(run_waits_for_the_fd_until_done)
{
	int fds[2];
	make_pipe(fds);
	ck_assert_int_eq(write(fds[1], "ab", 2), 2);
	struct pipe_op *p = new_pipe_op(fds[0], 2, 5000);
	ck_assert_int_eq(op_run(&p->op, NULL), 0);
	ck_assert_int_eq(p->steps, 2);
	op_free(&p->op);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(run_ends_at_the_deadline)
{
	int fds[2];
	make_pipe(fds);
	struct pipe_op *p = new_pipe_op(fds[0], 1, 50);
	struct error *err = NULL;
	uint64_t t0 = clock_monotonic_ms();
	ck_assert_int_eq(op_run(&p->op, &err), -1);
	ck_assert_uint_ge(clock_monotonic_ms() - t0, 50);
	ck_assert(p->timed_out);
	ck_assert_str_eq(err_message(err), "timed out");
	err_free(&err);
	op_free(&p->op);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

struct done_log {
	int order[4];
	int n;
	int rc[4];
};

static struct done_log done_log;

static void on_done(struct op *op, int rc, struct error *err, void *data)
{
	int which = (int)(intptr_t)data;
	done_log.order[done_log.n] = which;
	done_log.rc[done_log.n++] = rc;
	err_free(&err);
	op_free(op);
}

/* Two ops on one loop: each is done when its own fd says so, whatever the other waits for. */
START_TEST(driven_ops_wait_side_by_side)
{
	struct loop *loop;
	ck_assert_int_eq(loop_new(&loop, NULL), 0);
	memset(&done_log, 0, sizeof(done_log));
	int a[2], b[2];
	make_pipe(a);
	make_pipe(b);
	struct pipe_op *pa = new_pipe_op(a[0], 1, 5000);
	struct pipe_op *pb = new_pipe_op(b[0], 2, 5000);
	ck_assert_int_eq(op_drive(&pa->op, loop, on_done, (void *)1, NULL), 0);
	ck_assert_int_eq(op_drive(&pb->op, loop, on_done, (void *)2, NULL), 0);
	ck_assert_int_eq(write(b[1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, 100, NULL), 0);
	ck_assert_int_eq(done_log.n, 0); /* b needs two bytes */
	ck_assert_int_eq(write(a[1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, 100, NULL), 0);
	ck_assert_int_eq(done_log.n, 1);
	ck_assert_int_eq(done_log.order[0], 1);
	ck_assert_int_eq(write(b[1], "y", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, 100, NULL), 0);
	ck_assert_int_eq(done_log.n, 2);
	ck_assert_int_eq(done_log.order[1], 2);
	ck_assert_int_eq(done_log.rc[1], 0);
	loop_free(loop);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}
END_TEST

/* An op with nothing to wait for is done from the loop, never inside op_drive. */
START_TEST(an_op_with_no_fd_is_done_from_the_loop)
{
	struct loop *loop;
	ck_assert_int_eq(loop_new(&loop, NULL), 0);
	memset(&done_log, 0, sizeof(done_log));
	struct pipe_op *p = new_pipe_op(-1, 0, 5000);
	ck_assert_int_eq(op_drive(&p->op, loop, on_done, (void *)3, NULL), 0);
	ck_assert_int_eq(done_log.n, 0);
	ck_assert_int_eq(loop_run_once(loop, 100, NULL), 0);
	ck_assert_int_eq(done_log.n, 1);
	ck_assert_int_eq(done_log.rc[0], 0);
	loop_free(loop);
}
END_TEST

START_TEST(a_driven_op_times_out_and_a_freed_one_is_never_done)
{
	struct loop *loop;
	ck_assert_int_eq(loop_new(&loop, NULL), 0);
	memset(&done_log, 0, sizeof(done_log));
	int a[2], b[2];
	make_pipe(a);
	make_pipe(b);
	struct pipe_op *pa = new_pipe_op(a[0], 1, 30);
	struct pipe_op *pb = new_pipe_op(b[0], 1, 30);
	bool freed = false;
	pb->freed = &freed;
	ck_assert_int_eq(op_drive(&pa->op, loop, on_done, (void *)1, NULL), 0);
	ck_assert_int_eq(op_drive(&pb->op, loop, on_done, (void *)2, NULL), 0);
	op_free(&pb->op);
	ck_assert(freed);
	uint64_t end = clock_monotonic_ms() + 2000;
	while (done_log.n == 0 && clock_monotonic_ms() < end)
		ck_assert_int_eq(loop_run_once(loop, 50, NULL), 0);
	ck_assert_int_eq(done_log.n, 1);
	ck_assert_int_eq(done_log.order[0], 1);
	ck_assert_int_eq(done_log.rc[0], -1);
	/* The freed op's fd is no longer watched: it can be watched anew. */
	ck_assert_int_eq(write(b[1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, 50, NULL), 0);
	ck_assert_int_eq(done_log.n, 1);
	ck_assert_int_eq(loop_add(loop, b[0], EPOLLIN, NULL, NULL, NULL), 0);
	loop_remove(loop, b[0]);
	loop_free(loop);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("op");
	TCase *tc = tcase_create("op");
	tcase_add_test(tc, run_waits_for_the_fd_until_done);
	tcase_add_test(tc, run_ends_at_the_deadline);
	tcase_add_test(tc, driven_ops_wait_side_by_side);
	tcase_add_test(tc, an_op_with_no_fd_is_done_from_the_loop);
	tcase_add_test(tc, a_driven_op_times_out_and_a_freed_one_is_never_done);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
