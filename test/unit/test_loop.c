/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/loop.c: fd watches and their events, removal from inside callbacks, timers
 * (order, once, cancel), stop, and the run_once timeout. Run under ASan too (REAPER_SANITIZE):
 * the removal tests are the ones that would show a use after free. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "testlib.h"

static struct loop *loop;

static void setup(void)
{
	struct error *err = NULL;
	ck_assert_int_eq(loop_new(&loop, &err), 0);
	ck_assert_ptr_nonnull(loop);
}

static void teardown(void)
{
	loop_free(loop);
	loop = NULL;
}

/* What a callback saw. */
struct seen {
	int calls;
	int fd;
	uint32_t events;
	void *data;
};

static void record_fd(struct loop *l, int fd, uint32_t events, void *data)
{
	struct seen *s = data;
	s->calls++;
	s->fd = fd;
	s->events = events;
	s->data = data;
}

/* Run batches until cond holds or about two seconds pass. */
static void run_until(const int *counter, int at_least)
{
	uint64_t deadline = clock_monotonic_ms() + 2000;
	struct error *err = NULL;
	while (*counter < at_least && clock_monotonic_ms() < deadline)
		ck_assert_int_eq(loop_run_once(loop, 100, &err), 0);
	ck_assert_int_ge(*counter, at_least);
}

START_TEST(fd_callbacks_get_their_events)
{
	int p[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	struct seen rd = {0}, wr = {0};
	struct error *err = NULL;
	ck_assert_int_eq(loop_add(loop, p[0], EPOLLIN, record_fd, &rd, &err), 0);
	ck_assert_int_eq(loop_add(loop, p[1], EPOLLOUT, record_fd, &wr, &err), 0);

	/* Nothing to read yet: only the write end is ready. */
	ck_assert_int_eq(loop_run_once(loop, 0, &err), 0);
	ck_assert_int_eq(rd.calls, 0);
	ck_assert_int_eq(wr.calls, 1);
	ck_assert_int_eq(wr.fd, p[1]);
	ck_assert_uint_eq(wr.events, EPOLLOUT);
	ck_assert_ptr_eq(wr.data, &wr);

	ck_assert_int_eq(write(p[1], "x", 1), 1);
	loop_remove(loop, p[1]);
	ck_assert_int_eq(loop_run_once(loop, 1000, &err), 0);
	ck_assert_int_eq(rd.calls, 1);
	ck_assert_int_eq(rd.fd, p[0]);
	ck_assert_uint_eq(rd.events, EPOLLIN);
	ck_assert_int_eq(wr.calls, 1); /* removed: no more calls */

	/* The writer gone: the read end reports the hang-up (with the unread byte, EPOLLIN too). */
	close(p[1]);
	ck_assert_int_eq(loop_run_once(loop, 1000, &err), 0);
	ck_assert_int_eq(rd.calls, 2);
	ck_assert_uint_eq(rd.events, EPOLLIN | EPOLLHUP);
	loop_remove(loop, p[0]);
	close(p[0]);
}
END_TEST

START_TEST(one_watch_per_fd)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct seen s = {0};
	struct error *err = NULL;
	ck_assert_int_eq(loop_add(loop, p[0], EPOLLIN, record_fd, &s, &err), 0);
	ck_assert_int_lt(loop_add(loop, p[0], EPOLLIN, record_fd, &s, &err), 0);
	ck_assert_int_eq(err->errnum, EEXIST);
	err_free(&err);
	/* A bad fd is refused with the reason. */
	ck_assert_int_lt(loop_add(loop, 9999, EPOLLIN, record_fd, &s, &err), 0);
	ck_assert_int_eq(err->errnum, EBADF);
	err_free(&err);
	/* Removing an fd never added is harmless. */
	loop_remove(loop, p[1]);
	loop_remove(loop, 9999);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(modify_changes_the_events)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct seen s = {0};
	struct error *err = NULL;
	ck_assert_int_eq(loop_add(loop, sv[0], EPOLLIN, record_fd, &s, &err), 0);
	ck_assert_int_eq(loop_run_once(loop, 0, &err), 0);
	ck_assert_int_eq(s.calls, 0);
	ck_assert_int_eq(loop_modify(loop, sv[0], EPOLLOUT, &err), 0);
	ck_assert_int_eq(loop_run_once(loop, 1000, &err), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_uint_eq(s.events, EPOLLOUT);
	ck_assert_ptr_eq(s.data, &s); /* the callback and its data stay */
	ck_assert_int_eq(loop_modify(loop, sv[0], 0, &err), 0);
	ck_assert_int_eq(loop_run_once(loop, 0, &err), 0);
	ck_assert_int_eq(s.calls, 1);
	/* Not watched: ERR_NOT_FOUND. */
	ck_assert_int_lt(loop_modify(loop, sv[1], EPOLLIN, &err), 0);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	err_free(&err);
	loop_remove(loop, sv[0]);
	ck_assert_int_lt(loop_modify(loop, sv[0], EPOLLIN, &err), 0);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	err_free(&err);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Two pipes, both readable in the same batch; whichever callback runs first removes and closes
 * both: the other's pending event must be dropped, and its (heap) context must not be touched. */
struct pair {
	int fds[2];
	int *calls;
};

static void remove_both(struct loop *l, int fd, uint32_t events, void *data)
{
	struct pair *pr = data;
	(*pr->calls)++;
	for (int i = 0; i < 2; i++) {
		loop_remove(l, pr->fds[i]);
		close(pr->fds[i]);
	}
	free(pr); /* both watches pointed at it: a late call would be a use after free */
}

START_TEST(remove_inside_a_callback_drops_pending_events)
{
	int a[2], b[2];
	ck_assert_int_eq(pipe(a), 0);
	ck_assert_int_eq(pipe(b), 0);
	int calls = 0;
	struct pair *pr = malloc(sizeof(*pr));
	*pr = (struct pair){.fds = {a[0], b[0]}, .calls = &calls};
	struct error *err = NULL;
	ck_assert_int_eq(loop_add(loop, a[0], EPOLLIN, remove_both, pr, &err), 0);
	ck_assert_int_eq(loop_add(loop, b[0], EPOLLIN, remove_both, pr, &err), 0);
	ck_assert_int_eq(write(a[1], "x", 1), 1);
	ck_assert_int_eq(write(b[1], "y", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, 1000, &err), 0);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(loop_run_once(loop, 0, &err), 0);
	ck_assert_int_eq(calls, 1);
	close(a[1]);
	close(b[1]);
}
END_TEST

/* The first callback closes the other fd and opens a new pipe that reuses its number, watched with
 * a new callback: the old fd's pending event must not reach the new watch. */
struct reuse {
	int fds[2];
	int first_calls, new_calls;
	int new_pipe[2];
};

static void new_watch(struct loop *l, int fd, uint32_t events, void *data)
{
	struct reuse *r = data;
	r->new_calls++;
	char c;
	ck_assert_int_eq(read(fd, &c, 1), 1);
	ck_assert_int_eq(c, 'n');
}

static void first(struct loop *l, int fd, uint32_t events, void *data)
{
	struct reuse *r = data;
	r->first_calls++;
	int other = fd == r->fds[0] ? r->fds[1] : r->fds[0];
	loop_remove(l, fd);
	loop_remove(l, other);
	close(fd);
	close(other);
	/* The lowest free numbers come back: the new pipe's read end takes one of the old fds. */
	ck_assert_int_eq(pipe(r->new_pipe), 0);
	struct error *err = NULL;
	ck_assert_int_eq(loop_add(l, r->new_pipe[0], EPOLLIN, new_watch, r, &err), 0);
}

START_TEST(remove_then_reuse_of_the_fd_number)
{
	int a[2], b[2];
	ck_assert_int_eq(pipe(a), 0);
	ck_assert_int_eq(pipe(b), 0);
	/* Write ends above the read ends' numbers, so the new pipe reuses a read end's number. */
	int wa = fcntl(a[1], F_DUPFD, 100), wb = fcntl(b[1], F_DUPFD, 100);
	close(a[1]);
	close(b[1]);
	struct reuse r = {.fds = {a[0], b[0]}};
	struct error *err = NULL;
	ck_assert_int_eq(loop_add(loop, a[0], EPOLLIN, first, &r, &err), 0);
	ck_assert_int_eq(loop_add(loop, b[0], EPOLLIN, first, &r, &err), 0);
	ck_assert_int_eq(write(wa, "x", 1), 1);
	ck_assert_int_eq(write(wb, "y", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, 1000, &err), 0);
	ck_assert_int_eq(r.first_calls, 1);
	ck_assert_msg(r.new_pipe[0] == a[0] || r.new_pipe[0] == b[0], "fd %d was not reused", r.new_pipe[0]);
	ck_assert_int_eq(r.new_calls, 0); /* nothing written to the new pipe yet */
	ck_assert_int_eq(write(r.new_pipe[1], "n", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, 1000, &err), 0);
	ck_assert_int_eq(r.new_calls, 1);
	ck_assert_int_eq(r.first_calls, 1);
	loop_remove(loop, r.new_pipe[0]);
	close(r.new_pipe[0]);
	close(r.new_pipe[1]);
	close(wa);
	close(wb);
}
END_TEST

static void remove_self(struct loop *l, int fd, uint32_t events, void *data)
{
	struct seen *s = data;
	s->calls++;
	loop_remove(l, fd);
	loop_remove(l, fd); /* twice is harmless */
}

START_TEST(remove_self_stops_further_calls)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1); /* stays readable: level-triggered */
	struct seen s = {0};
	struct error *err = NULL;
	ck_assert_int_eq(loop_add(loop, p[0], EPOLLIN, remove_self, &s, &err), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(loop_run_once(loop, 0, &err), 0);
	ck_assert_int_eq(s.calls, 1);
	/* Watched again after removal: a fresh watch. */
	ck_assert_int_eq(loop_add(loop, p[0], EPOLLIN, remove_self, &s, &err), 0);
	ck_assert_int_eq(loop_run_once(loop, 0, &err), 0);
	ck_assert_int_eq(s.calls, 2);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* ---- timers ---- */

struct fired {
	int order[16];
	int n;
	uint64_t at[16];
};

struct tag {
	struct fired *f;
	int id;
};

static void record_timer(struct loop *l, void *data)
{
	struct tag *t = data;
	t->f->at[t->f->n] = clock_monotonic_ms();
	t->f->order[t->f->n++] = t->id;
}

START_TEST(timers_fire_in_order_and_once)
{
	struct fired f = {0};
	struct tag tags[] = {{&f, 30}, {&f, 10}, {&f, 20}, {&f, 11}, {&f, 0}};
	static const uint64_t delays[] = {30, 10, 20, 10, 0};
	uint64_t start = clock_monotonic_ms();
	for (int i = 0; i < 5; i++)
		ck_assert_int_gt(loop_timer_add(loop, delays[i], record_timer, &tags[i]), 0);
	run_until(&f.n, 5);
	/* By due time; equal delays in the order they were added. */
	ck_assert_int_eq(f.order[0], 0);
	ck_assert_int_eq(f.order[1], 10);
	ck_assert_int_eq(f.order[2], 11);
	ck_assert_int_eq(f.order[3], 20);
	ck_assert_int_eq(f.order[4], 30);
	/* None early. */
	for (int i = 0; i < 5; i++) {
		uint64_t delay = f.order[i] == 11 ? 10 : (uint64_t)f.order[i];
		ck_assert_msg(f.at[i] >= start + delay, "timer %d fired after %llu ms", f.order[i],
			      (unsigned long long)(f.at[i] - start));
	}
	/* Once: more batches fire nothing. */
	struct error *err = NULL;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(loop_run_once(loop, 20, &err), 0);
	ck_assert_int_eq(f.n, 5);
}
END_TEST

START_TEST(timer_ids_are_distinct_and_positive)
{
	struct fired f = {0};
	struct tag t = {&f, 1};
	int64_t a = loop_timer_add(loop, 1000, record_timer, &t);
	int64_t b = loop_timer_add(loop, 1000, record_timer, &t);
	ck_assert(a > 0 && b > 0 && a != b);
}
END_TEST

struct canceller {
	struct loop *loop;
	int64_t victim;
	struct fired *f;
};

static void cancel_victim(struct loop *l, void *data)
{
	struct canceller *c = data;
	c->f->order[c->f->n++] = 99;
	loop_timer_cancel(l, c->victim);
}

START_TEST(cancelled_timers_never_fire)
{
	struct fired f = {0};
	struct tag a = {&f, 1}, b = {&f, 2}, c = {&f, 3};
	int64_t ia = loop_timer_add(loop, 5, record_timer, &a);
	int64_t ib = loop_timer_add(loop, 10, record_timer, &b);
	loop_timer_add(loop, 15, record_timer, &c);
	loop_timer_cancel(loop, ib);
	loop_timer_cancel(loop, ib);     /* twice: harmless */
	loop_timer_cancel(loop, 123456); /* unknown: harmless */
	run_until(&f.n, 2);
	ck_assert_int_eq(f.order[0], 1);
	ck_assert_int_eq(f.order[1], 3);
	loop_timer_cancel(loop, ia); /* already fired: harmless */

	/* Cancelled by another timer due at the same moment, from inside its callback. */
	struct fired g = {0};
	struct tag v = {&g, 7};
	struct canceller k = {.loop = loop, .f = &g};
	loop_timer_add(loop, 5, cancel_victim, &k);
	k.victim = loop_timer_add(loop, 5, record_timer, &v);
	run_until(&g.n, 1);
	struct error *err = NULL;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(loop_run_once(loop, 20, &err), 0);
	ck_assert_int_eq(g.n, 1);
	ck_assert_int_eq(g.order[0], 99);
}
END_TEST

static void rearm(struct loop *l, void *data)
{
	int *count = data;
	if (++*count < 3)
		loop_timer_add(l, 0, rearm, data);
}

START_TEST(timers_added_from_a_timer_fire_later)
{
	int count = 0;
	loop_timer_add(loop, 0, rearm, &count);
	run_until(&count, 3);
	struct error *err = NULL;
	ck_assert_int_eq(loop_run_once(loop, 10, &err), 0);
	ck_assert_int_eq(count, 3);
}
END_TEST

/* ---- stop and run_once ---- */

static void stop_from_fd(struct loop *l, int fd, uint32_t events, void *data)
{
	(*(int *)data)++;
	loop_stop(l);
}

static void stop_from_timer(struct loop *l, void *data)
{
	(*(int *)data)++;
	loop_stop(l);
}

START_TEST(stop_ends_run)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1); /* readable on every batch */
	int calls = 0;
	struct error *err = NULL;
	ck_assert_int_eq(loop_add(loop, p[0], EPOLLIN, stop_from_fd, &calls, &err), 0);
	ck_assert_int_eq(loop_run(loop, &err), 0);
	ck_assert_int_eq(calls, 1);
	/* run again: the earlier stop does not linger; a timer stops it this time. */
	loop_remove(loop, p[0]);
	int fired = 0;
	loop_timer_add(loop, 10, stop_from_timer, &fired);
	uint64_t start = clock_monotonic_ms();
	ck_assert_int_eq(loop_run(loop, &err), 0);
	ck_assert_int_eq(fired, 1);
	ck_assert_uint_ge(clock_monotonic_ms() - start, 10);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(run_once_waits_at_most_the_timeout)
{
	struct error *err = NULL;
	uint64_t start = clock_monotonic_ms();
	ck_assert_int_eq(loop_run_once(loop, 0, &err), 0);
	ck_assert_uint_lt(clock_monotonic_ms() - start, 50);
	start = clock_monotonic_ms();
	ck_assert_int_eq(loop_run_once(loop, 60, &err), 0);
	uint64_t took = clock_monotonic_ms() - start;
	ck_assert_msg(took >= 59 && took < 1000, "took %llu ms", (unsigned long long)took);
	/* A timer due sooner than the timeout shortens the wait, and fires. */
	int fired = 0;
	loop_timer_add(loop, 30, stop_from_timer, &fired);
	start = clock_monotonic_ms();
	while (fired == 0 && clock_monotonic_ms() - start < 1000)
		ck_assert_int_eq(loop_run_once(loop, 5000, &err), 0);
	took = clock_monotonic_ms() - start;
	ck_assert_int_eq(fired, 1);
	ck_assert_msg(took >= 29 && took < 1000, "took %llu ms", (unsigned long long)took);
	/* -1 waits for the timer. */
	fired = 0;
	loop_timer_add(loop, 20, stop_from_timer, &fired);
	while (fired == 0 && clock_monotonic_ms() - start < 3000)
		ck_assert_int_eq(loop_run_once(loop, -1, &err), 0);
	ck_assert_int_eq(fired, 1);
	/* An fd event ends the wait early. */
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct seen s = {0};
	ck_assert_int_eq(loop_add(loop, p[0], EPOLLIN, record_fd, &s, &err), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	start = clock_monotonic_ms();
	ck_assert_int_eq(loop_run_once(loop, 5000, &err), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert_uint_lt(clock_monotonic_ms() - start, 1000);
	loop_remove(loop, p[0]);
	close(p[0]);
	close(p[1]);
}
END_TEST

static void on_alarm(int sig)
{
}

START_TEST(a_signal_during_the_wait_is_not_an_error)
{
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	struct itimerval once = {.it_value = {0, 20000}};
	ck_assert_int_eq(setitimer(ITIMER_REAL, &once, NULL), 0);
	struct error *err = NULL;
	uint64_t start = clock_monotonic_ms();
	ck_assert_int_eq(loop_run_once(loop, 2000, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_uint_lt(clock_monotonic_ms() - start, 1000);
}
END_TEST

START_TEST(free_with_watches_and_timers_pending)
{
	/* Under ASan's leak checker this shows loop_free releases everything. */
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct seen s = {0};
	struct error *err = NULL;
	ck_assert_int_eq(loop_add(loop, p[0], EPOLLIN, record_fd, &s, &err), 0);
	ck_assert_int_eq(loop_add(loop, p[1], EPOLLOUT, record_fd, &s, &err), 0);
	loop_remove(loop, p[1]); /* in the graveyard until the next batch */
	loop_timer_add(loop, 100000, stop_from_timer, &s.calls);
	loop_free(loop);
	loop = NULL;
	loop_free(NULL);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(now_is_monotonic_milliseconds)
{
	uint64_t a = clock_monotonic_ms();
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	uint64_t b = clock_monotonic_ms();
	ck_assert_uint_ge(b - a, 20);
	ck_assert_uint_lt(b - a, 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *fds = tcase_create("fds");
	tcase_add_checked_fixture(fds, setup, teardown);
	tcase_add_test(fds, fd_callbacks_get_their_events);
	tcase_add_test(fds, one_watch_per_fd);
	tcase_add_test(fds, modify_changes_the_events);
	tcase_add_test(fds, remove_inside_a_callback_drops_pending_events);
	tcase_add_test(fds, remove_then_reuse_of_the_fd_number);
	tcase_add_test(fds, remove_self_stops_further_calls);
	suite_add_tcase(s, fds);
	TCase *timers = tcase_create("timers");
	tcase_add_checked_fixture(timers, setup, teardown);
	tcase_add_test(timers, timers_fire_in_order_and_once);
	tcase_add_test(timers, timer_ids_are_distinct_and_positive);
	tcase_add_test(timers, cancelled_timers_never_fire);
	tcase_add_test(timers, timers_added_from_a_timer_fire_later);
	suite_add_tcase(s, timers);
	TCase *run = tcase_create("run");
	tcase_add_checked_fixture(run, setup, teardown);
	tcase_add_test(run, stop_ends_run);
	tcase_add_test(run, run_once_waits_at_most_the_timeout);
	tcase_add_test(run, a_signal_during_the_wait_is_not_an_error);
	tcase_add_test(run, free_with_watches_and_timers_pending);
	tcase_add_test(run, now_is_monotonic_milliseconds);
	suite_add_tcase(s, run);
	return testlib_run(s);
}
