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
/* Log to an fd the caller already holds (the shim's bundle log FIFO, or stderr). The first log
 * a process opens gets the node configuration's warnings (unknown keys...). */
void log_use_fd(int fd, enum log_format format, enum log_level level);
/* Log to the file the node setting KEY names (REAPER_SHIM_LOG, REAPER_MONITOR_LOG, ...; config.h),
 * at the level and in the format of REAPER_LOG_LEVEL and REAPER_LOG_FORMAT. An empty setting
 * leaves the log closed. */
int log_open_from_config(const char *key, struct error **err);
/* REAPER_LOG_LEVEL when the file or the environment sets it, else fallback. */
enum log_level log_config_level(enum log_level fallback);
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
