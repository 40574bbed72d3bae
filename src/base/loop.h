/* SPDX-License-Identifier: Apache-2.0 */
/* A single-threaded event loop: epoll for fds plus one-shot timers. The shim and the ttrpc
 * server share one loop so nothing ever blocks waiting on another part. */
#ifndef REAPER_LOOP_H
#define REAPER_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

#include "error.h"

struct loop;
typedef void (*loop_fd_fn)(struct loop *loop, int fd, uint32_t events, void *data);
typedef void (*loop_timer_fn)(struct loop *loop, void *data);

int loop_new(struct loop **out, struct error **err);
void loop_free(struct loop *loop);

/* Watch fd for events (EPOLLIN, EPOLLOUT, ...); the callback gets the ready events. One watch per fd. */
int loop_add(struct loop *loop, int fd, uint32_t events, loop_fd_fn fn, void *data, struct error **err);
int loop_modify(struct loop *loop, int fd, uint32_t events, struct error **err);
/* Stop watching fd; call it before closing fd. Safe from inside any callback: pending events for
 * fd are dropped. */
void loop_remove(struct loop *loop, int fd);

/* Call fn once after delay_ms. Returns a timer id (> 0) for loop_timer_cancel, or -1. */
int64_t loop_timer_add(struct loop *loop, uint64_t delay_ms, loop_timer_fn fn, void *data);
void loop_timer_cancel(struct loop *loop, int64_t id);

/* Dispatch until loop_stop is called. */
int loop_run(struct loop *loop, struct error **err);
/* Dispatch one batch, waiting at most timeout_ms (-1: until an event or a timer). */
int loop_run_once(struct loop *loop, int timeout_ms, struct error **err);
void loop_stop(struct loop *loop);

#endif
