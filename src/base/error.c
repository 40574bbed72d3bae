/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char *format_message(const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return NULL;
	return msg;
}

static int err_store(struct error **err, enum err_kind kind, int errnum, char *msg)
{
	if (err == NULL) {
		free(msg);
		return -1;
	}
	err_free(err);
	struct error *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		free(msg);
		return -1;
	}
	e->kind = kind;
	e->errnum = errnum;
	e->msg = msg;
	*err = e;
	return -1;
}

int err_sys(struct error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = format_message(fmt, ap);
	va_end(ap);
	if (msg != NULL && errnum != 0) {
		char *full = NULL;
		if (asprintf(&full, "%s: %s", msg, strerror(errnum)) >= 0) {
			free(msg);
			msg = full;
		}
	}
	return err_store(err, ERR_SYSTEM, errnum, msg);
}

int err_new(struct error **err, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = format_message(fmt, ap);
	va_end(ap);
	return err_store(err, kind, 0, msg);
}

int err_wrap(struct error **err, const char *fmt, ...)
{
	if (err == NULL || *err == NULL)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *context = format_message(fmt, ap);
	va_end(ap);
	char *joined = NULL;
	if (context != NULL && asprintf(&joined, "%s: %s", context, err_message(*err)) >= 0) {
		free((*err)->msg);
		(*err)->msg = joined;
	}
	free(context);
	return -1;
}

const char *err_message(struct error *err)
{
	if (err == NULL)
		return "unknown error";
	if (err->msg == NULL)
		return err->errnum ? strerror(err->errnum) : "out of memory";
	return err->msg;
}

void err_free(struct error **err)
{
	if (err == NULL || *err == NULL)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}

void err_print(FILE *out, const char *prog, struct error *err)
{
	fprintf(out, "%s: %s\n", prog, err_message(err));
}
