/* SPDX-License-Identifier: Apache-2.0 */
/* One logging facility for every applet. Silent until configured: stdout of several applets is a
 * protocol, so nothing is ever written there. Text lines follow runc's logrus format
 * (time="..." level=info msg="..."); JSON lines carry level, msg and time. */
#ifndef REAPER_LOG_H
#define REAPER_LOG_H

#include "error.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* Append to a file (created 0600). */
int log_open(const char *path, enum log_format format, enum log_level level, struct error **err);
/* Log to an fd the caller already holds (the shim's bundle log FIFO, or stderr). */
void log_use_fd(int fd, enum log_format format, enum log_level level);
/* Configure from environment: VAR names a log file; REAPER_LOG_LEVEL and REAPER_LOG_FORMAT refine it. */
int log_open_from_env(const char *var, struct error **err);
void log_set_level(enum log_level level);
void log_close(void);
int log_fd(void);

int log_parse_format(const char *name, enum log_format *out);
int log_parse_level(const char *name, enum log_level *out);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
