/* SPDX-License-Identifier: Apache-2.0 */
#include "loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define MAX_EVENTS 32

struct watch {
	int fd;
	loop_fd_fn fn;
	void *data;
	struct watch *next; /* the loop's list of watches, for lookup by fd */
	bool removed;       /* freed after the current batch so pending events can skip it */
};

struct timer {
	int64_t id;
	uint64_t due_ms;
	loop_timer_fn fn;
	void *data;
	struct timer *next; /* sorted by due_ms */
};

struct loop {
	int epfd;
	bool stopped;
	struct watch *watches;
	struct watch *graveyard;
	struct timer *timers;
	int64_t next_timer_id;
};

int loop_new(struct loop **out, struct error **err)
{
	struct loop *loop = calloc(1, sizeof(*loop));
	if (loop == NULL)
		return err_sys(err, ENOMEM, "allocate event loop");
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return err_sys(err, errno, "epoll_create1");
	}
	*out = loop;
	return 0;
}

static void free_watches(struct watch *w)
{
	while (w != NULL) {
		struct watch *next = w->next;
		free(w);
		w = next;
	}
}

void loop_free(struct loop *loop)
{
	if (loop == NULL)
		return;
	free_watches(loop->watches);
	free_watches(loop->graveyard);
	for (struct timer *t = loop->timers; t != NULL;) {
		struct timer *next = t->next;
		free(t);
		t = next;
	}
	close(loop->epfd);
	free(loop);
}

static struct watch **find_watch(struct loop *loop, int fd)
{
	struct watch **pp = &loop->watches;
	while (*pp != NULL && (*pp)->fd != fd)
		pp = &(*pp)->next;
	return pp;
}

int loop_add(struct loop *loop, int fd, uint32_t events, loop_fd_fn fn, void *data, struct error **err)
{
	struct watch *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return err_sys(err, ENOMEM, "allocate watch");
	*w = (struct watch){.fd = fd, .fn = fn, .data = data};
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(w);
		return err_sys(err, errno, "epoll_ctl add fd %d", fd);
	}
	w->next = loop->watches;
	loop->watches = w;
	return 0;
}

int loop_modify(struct loop *loop, int fd, uint32_t events, struct error **err)
{
	struct watch *w = *find_watch(loop, fd);
	if (w == NULL)
		return err_new(err, ERR_NOT_FOUND, "fd %d is not watched", fd);
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return err_sys(err, errno, "epoll_ctl modify fd %d", fd);
	return 0;
}

void loop_remove(struct loop *loop, int fd)
{
	struct watch **pp = find_watch(loop, fd);
	struct watch *w = *pp;
	if (w == NULL)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	*pp = w->next;
	w->removed = true;
	w->next = loop->graveyard;
	loop->graveyard = w;
}

int64_t loop_timer_add(struct loop *loop, uint64_t delay_ms, loop_timer_fn fn, void *data)
{
	struct timer *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -1;
	*t = (struct timer){.id = ++loop->next_timer_id,
			    .due_ms = clock_monotonic_ms() + delay_ms,
			    .fn = fn,
			    .data = data};
	struct timer **pp = &loop->timers;
	while (*pp != NULL && (*pp)->due_ms <= t->due_ms)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	return t->id;
}

void loop_timer_cancel(struct loop *loop, int64_t id)
{
	for (struct timer **pp = &loop->timers; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct timer *t = *pp;
			*pp = t->next;
			free(t);
			return;
		}
	}
}

static int next_timeout(struct loop *loop, int timeout_ms)
{
	if (loop->timers == NULL)
		return timeout_ms;
	uint64_t now = clock_monotonic_ms();
	uint64_t due = loop->timers->due_ms;
	int until = due <= now ? 0 : (due - now > INT32_MAX ? INT32_MAX : (int)(due - now));
	return timeout_ms < 0 || until < timeout_ms ? until : timeout_ms;
}

static void fire_timers(struct loop *loop)
{
	uint64_t now = clock_monotonic_ms();
	while (loop->timers != NULL && loop->timers->due_ms <= now) {
		struct timer *t = loop->timers;
		loop->timers = t->next;
		loop_timer_fn fn = t->fn;
		void *data = t->data;
		free(t);
		fn(loop, data);
	}
}

int loop_run_once(struct loop *loop, int timeout_ms, struct error **err)
{
	struct epoll_event events[MAX_EVENTS];
	int n = epoll_wait(loop->epfd, events, MAX_EVENTS, next_timeout(loop, timeout_ms));
	if (n < 0 && errno != EINTR)
		return err_sys(err, errno, "epoll_wait");
	for (int i = 0; i < n; i++) {
		struct watch *w = events[i].data.ptr;
		if (!w->removed)
			w->fn(loop, w->fd, events[i].events, w->data);
	}
	free_watches(loop->graveyard);
	loop->graveyard = NULL;
	fire_timers(loop);
	return 0;
}

int loop_run(struct loop *loop, struct error **err)
{
	loop->stopped = false;
	while (!loop->stopped) {
		if (loop_run_once(loop, -1, err) < 0)
			return -1;
	}
	return 0;
}

void loop_stop(struct loop *loop)
{
	loop->stopped = true;
}
