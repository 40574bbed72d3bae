/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "config.h"

static struct {
	int fd;
	bool owned;
	enum log_format format;
	enum log_level level;
	bool config_warned; /* the node configuration's warnings were logged */
} logger = {.fd = -1};

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_use_fd(int fd, enum log_format format, enum log_level level)
{
	log_close();
	logger.fd = fd;
	logger.owned = false;
	logger.format = format;
	logger.level = level;
	if (!logger.config_warned) {
		logger.config_warned = true;
		for (char *const *w = config_warnings(); *w != NULL; w++)
			log_warn("node configuration: %s", *w);
	}
}

int log_open(const char *path, enum log_format format, enum log_level level, struct error **err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return err_sys(err, errno, "open log file %s", path);
	log_use_fd(fd, format, level);
	logger.owned = true;
	return 0;
}

int log_parse_format(const char *name, enum log_format *out)
{
	if (strcmp(name, "text") == 0)
		*out = LOG_FORMAT_TEXT;
	else if (strcmp(name, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

int log_parse_level(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < ARRAY_LEN(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcmp(name, "warn") == 0) {
		*out = LOG_LEVEL_WARN;
		return 0;
	}
	return -1;
}

enum log_level log_config_level(enum log_level fallback)
{
	enum log_level level = fallback;
	if (config_is_set("REAPER_LOG_LEVEL"))
		log_parse_level(config_get("REAPER_LOG_LEVEL"), &level);
	return level;
}

int log_open_from_config(const char *key, struct error **err)
{
	const char *path = config_get(key);
	if (path == NULL || *path == '\0')
		return 0;
	enum log_format format = LOG_FORMAT_TEXT;
	log_parse_format(config_get("REAPER_LOG_FORMAT"), &format);
	return log_open(path, format, log_config_level(LOG_LEVEL_INFO), err);
}

void log_set_level(enum log_level level)
{
	logger.level = level;
}

void log_close(void)
{
	if (logger.owned && logger.fd >= 0)
		close(logger.fd);
	logger.fd = -1;
	logger.owned = false;
}

int log_fd(void)
{
	return logger.fd;
}

/* The length of the well-formed UTF-8 sequence at p (1 to 4), or 0 when p holds none: a stray or
 * truncated byte, an overlong form, a surrogate, or a code point past U+10FFFF. */
static size_t utf8_sequence(const unsigned char *p)
{
	static const unsigned mins[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len;
	unsigned cp;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, cp = p[0] & 0x1fu;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, cp = p[0] & 0x0fu;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) /* the terminating NUL stops here too */
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if (cp < mins[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Drop a character that vsnprintf cut in half at the end of a truncated message. */
static void trim_partial_character(char *s, size_t len)
{
	size_t start = len;
	while (start > 0 && len - start < 4 && ((unsigned char)s[start - 1] & 0xc0) == 0x80)
		start--;
	if (start > 0 && (unsigned char)s[start - 1] >= 0xc0)
		start--;
	else
		return;
	if (utf8_sequence((const unsigned char *)s + start) == 0)
		s[start] = '\0';
}

/* Escape for both formats: JSON string rules, which logfmt quoting accepts too. JSON must be
 * UTF-8, so a byte that is not part of a well-formed character becomes U+FFFD. */
static size_t escape(char *out, size_t cap, const char *in)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && n + 7 < cap; p++) {
		size_t seq = *p >= 0x80 ? utf8_sequence(p) : 1;
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else if (*p < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
		} else if (seq == 0) {
			memcpy(out + n, "\xef\xbf\xbd", 3);
			n += 3;
		} else {
			memcpy(out + n, p, seq);
			n += seq;
			p += seq - 1;
		}
	}
	out[n] = '\0';
	return n;
}

static void format_time(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%09ldZ", ts.tv_nsec);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (logger.fd < 0 || level > logger.level)
		return;
	int saved_errno = errno;
	char raw[1024], msg[2048], when[48], line[2200];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (len >= (int)sizeof(raw))
		trim_partial_character(raw, sizeof(raw) - 1);
	escape(msg, sizeof(msg), raw);
	format_time(when, sizeof(when));
	int n;
	if (logger.format == LOG_FORMAT_JSON)
		n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			     level_names[level], msg, when);
	else
		n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", when,
			     level_names[level], msg);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	/* One write per line keeps lines whole when several processes share the file. */
	ssize_t ignored = write(logger.fd, line, (size_t)n);
	(void)ignored;
	errno = saved_errno;
}
