/* SPDX-License-Identifier: Apache-2.0 */
/* An operation that waits for other processes without blocking whoever runs it. At each point it
 * waits for a few fds to become ready (readable or hung up: a pipe's EOF, a pidfd's exit, a FIFO's
 * last writer gone) until a deadline, then takes a step. Whoever runs it chooses how to wait:
 * op_run polls (the CLI may block), op_drive watches the fds on an event loop (the shim must not
 * block). The engine's create, start and delete are ops (container.h); so is a binary:// logger
 * getting ready (shim_io.h).
 *
 * An op is embedded first in a struct of its own kind, which begin functions allocate and fill;
 * results go where the begin function was told to put them. */
#ifndef REAPER_OP_H
#define REAPER_OP_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct loop; /* loop.h: only op_drive needs one, and the engine never includes the loop */

#define OP_MAX_FDS 2

struct op;
/* Take a step: a watched fd is ready (a zero-timeout poll tells which), or the deadline has passed
 * (timed_out). With no fd to watch, the step is taken at once. Returns 1 to wait again (fds and
 * deadline may have changed), 0 when done, -1 with err filled when the operation failed. */
typedef int (*op_step_fn)(struct op *op, bool timed_out, struct error **err);
/* Free the op; one freed before it is done gives up what it holds. */
typedef void (*op_free_fn)(struct op *op);
/* The op is done: rc 0, or -1 with err (the callback owns err, and the op: op_free it). */
typedef void (*op_done_fn)(struct op *op, int rc, struct error *err, void *data);

struct op {
	int fds[OP_MAX_FDS]; /* -1: none */
	uint64_t deadline;   /* clock_monotonic_ms */
	op_step_fn step;
	op_free_fn free;
	/* op_drive's own */
	struct loop *loop;
	int watched[OP_MAX_FDS];
	int64_t timer;
	op_done_fn done;
	void *done_data;
};

/* The common part: no fds, no deadline yet. */
void op_init(struct op *op, op_step_fn step, op_free_fn free);
/* Wait with poll until op is done: 0, or -1 with err. Blocks, up to the op's deadlines. */
int op_run(struct op *op, struct error **err);
/* Run op on loop. done is called once, from a loop callback (never inside op_drive). */
int op_drive(struct op *op, struct loop *loop, op_done_fn done, void *data, struct error **err);
/* Free op, driven or not (done is then never called); NULL is fine. */
void op_free(struct op *op);

#endif
