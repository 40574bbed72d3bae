/* SPDX-License-Identifier: Apache-2.0 */
/* The error convention: a failing function returns a negative value and fills *err.
 * Callers add context as they unwind (err_wrap), so the final message reads
 * "outermost context: ...: innermost cause: strerror". Modelled on crun's libcrun_error_t. */
#ifndef REAPER_ERROR_H
#define REAPER_ERROR_H

#include <stdio.h>

enum err_kind {
	ERR_SYSTEM,      /* a system call failed; errnum says why */
	ERR_INVALID,     /* bad input: an id, a flag, a field of a spec */
	ERR_NOT_FOUND,   /* no such container or process */
	ERR_EXISTS,      /* the container or process already exists */
	ERR_STATE,       /* the operation does not fit the current state */
	ERR_UNSUPPORTED, /* a feature Reaper does not implement */
};

struct error {
	enum err_kind kind;
	int errnum; /* errno value, 0 when the cause is not a system call */
	char *msg;
};

/* Record a failed system call; errnum is usually errno. Returns -1. */
int err_sys(struct error **err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Record a failure that is not a system error. Returns -1. */
int err_new(struct error **err, enum err_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the recorded message with context. Returns -1. */
int err_wrap(struct error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The full message, strerror included. Valid until the error is freed. */
const char *err_message(struct error *err);
void err_free(struct error **err);
/* Print "prog: message" to a stream; used by CLI entry points. */
void err_print(FILE *out, const char *prog, struct error *err);

#endif
