/* SPDX-License-Identifier: Apache-2.0 */
#include "stdio_target.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

const char *stdio_kind_name(enum stdio_kind kind)
{
	switch (kind) {
	case STDIO_NULL:
		return "null";
	case STDIO_FIFO:
		return "fifo";
	case STDIO_FILE:
		return "file";
	case STDIO_BINARY:
		return "binary";
	}
	return "unknown";
}

/* ---- parsing ---- */

static int bad_target(struct error **err, const char *text, const char *problem)
{
	return err_new(err, ERR_INVALID, "stdio \"%s\": %s", text, problem);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* %-decode n bytes of s ('+' as a space in a query). NULL on a bad escape or an encoded NUL;
 * *problem then says which. */
static char *percent_decode(const char *s, size_t n, bool plus_is_space, const char **problem)
{
	char *out = malloc(n + 1);
	if (out == NULL) {
		*problem = "out of memory";
		return NULL;
	}
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*problem = "bad %-escape";
				free(out);
				return NULL;
			}
			out[j] = (char)(hi * 16 + lo);
			if (out[j] == '\0') {
				*problem = "%00 (NUL) is not allowed";
				free(out);
				return NULL;
			}
			j++;
			i += 2;
		} else {
			out[j++] = (plus_is_space && s[i] == '+') ? ' ' : s[i];
		}
	}
	out[j] = '\0';
	return out;
}

static bool strv_contains_key(char **argv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i += 2)
		if (strcmp(argv[i], key) == 0)
			return true;
	return false;
}

/* "k=v&flag&k2=v2" -> {"k", "v", "flag", "", "k2", "v2", NULL}; a repeated key keeps its first value. */
static int parse_query(const char *text, const char *query, char ***out, struct error **err)
{
	size_t pieces = 1;
	for (const char *p = query; *p; p++)
		pieces += *p == '&';
	cleanup_strv char **argv = calloc(2 * pieces + 1, sizeof(*argv));
	if (argv == NULL)
		return err_sys(err, ENOMEM, "stdio \"%s\"", text);
	size_t n = 0;
	const char *piece = query;
	while (*piece) {
		size_t len = strcspn(piece, "&");
		const char *eq = memchr(piece, '=', len);
		size_t key_len = eq ? (size_t)(eq - piece) : len;
		if (len == 0) {
			piece++;
			continue;
		}
		if (key_len == 0)
			return bad_target(err, text, "query has an empty key");
		const char *problem = NULL;
		cleanup_free char *key = percent_decode(piece, key_len, true, &problem);
		cleanup_free char *value =
			eq ? percent_decode(eq + 1, len - key_len - 1, true, &problem) : strdup("");
		if (key == NULL || value == NULL)
			return bad_target(err, text, problem ? problem : "out of memory");
		if (!strv_contains_key(argv, n, key)) {
			argv[n++] = steal_pointer(&key);
			argv[n++] = steal_pointer(&value);
		}
		piece += len;
		if (*piece == '&')
			piece++;
	}
	*out = steal_pointer(&argv);
	return 0;
}

/* RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static bool valid_scheme(const char *s, size_t n)
{
	if (n == 0 || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

static int parse_uri(const char *text, const char *sep, struct stdio_target *out, struct error **err)
{
	size_t scheme_len = (size_t)(sep - text);
	if (scheme_len == 4 && strncasecmp(text, "fifo", 4) == 0)
		out->kind = STDIO_FIFO;
	else if (scheme_len == 4 && strncasecmp(text, "file", 4) == 0)
		out->kind = STDIO_FILE;
	else if (scheme_len == 6 && strncasecmp(text, "binary", 6) == 0)
		out->kind = STDIO_BINARY;
	else
		return err_new(err, ERR_INVALID,
			       "stdio \"%s\": unknown scheme \"%.*s\" (want fifo, file or binary)", text,
			       (int)scheme_len, text);

	const char *rest = sep + 3;
	if (strchr(rest, '#') != NULL)
		return bad_target(err, text, "fragments ('#') are not supported");
	const char *query = strchr(rest, '?');
	size_t path_len = query ? (size_t)(query - rest) : strlen(rest);
	if (path_len == 0 || rest[0] != '/')
		return err_new(err, ERR_INVALID, "stdio \"%s\": want %s:///absolute/path (no host)", text,
			       stdio_kind_name(out->kind));
	if (query != NULL && out->kind != STDIO_BINARY)
		return bad_target(err, text, "only binary:// takes query arguments");

	const char *problem = NULL;
	out->path = percent_decode(rest, path_len, false, &problem);
	if (out->path == NULL)
		return bad_target(err, text, problem);
	if (out->kind != STDIO_BINARY)
		return 0;
	if (query == NULL) {
		out->args = calloc(1, sizeof(*out->args));
		return out->args ? 0 : err_sys(err, ENOMEM, "stdio \"%s\"", text);
	}
	return parse_query(text, query + 1, &out->args, err);
}

int stdio_target_parse(const char *text, struct stdio_target *out, struct error **err)
{
	memset(out, 0, sizeof(*out));
	if (text[0] == '\0') {
		out->kind = STDIO_NULL;
		return 0;
	}
	if (text[0] == '/') {
		/* A bare path is used as it is, as containerd does (no %-decoding). */
		out->kind = STDIO_FIFO;
		out->path = strdup(text);
		return out->path ? 0 : err_sys(err, ENOMEM, "stdio \"%s\"", text);
	}
	const char *sep = strstr(text, "://");
	if (sep == NULL || !valid_scheme(text, (size_t)(sep - text)))
		return bad_target(err, text, "want an absolute path or a fifo://, file:// or binary:// URI");
	if (parse_uri(text, sep, out, err) < 0) {
		stdio_target_free(out);
		return -1;
	}
	return 0;
}

void stdio_target_free(struct stdio_target *target)
{
	if (target == NULL)
		return;
	free(target->path);
	if (target->args != NULL) {
		for (char **a = target->args; *a != NULL; a++)
			free(*a);
		free(target->args);
	}
	memset(target, 0, sizeof(*target));
}

/* ---- opening ---- */

static int set_blocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

/* Open the file behind fd again with new flags, through /proc/self/fd. Non-blocking while opening
 * (a FIFO open never waits); blocking afterwards unless keep_nonblock. */
static int reopen(int fd, int flags, bool keep_nonblock, const char *path, struct error **err)
{
	char proc_path[40];
	snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fd);
	int nfd = open(proc_path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (nfd < 0)
		return err_sys(err, errno, "open %s", path);
	if (!keep_nonblock && set_blocking(nfd) < 0) {
		int saved = errno;
		close(nfd);
		return err_sys(err, saved, "clear O_NONBLOCK on %s", path);
	}
	return nfd;
}

static int open_dev_null(int flags, struct error **err)
{
	int fd = open("/dev/null", flags | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "open /dev/null");
	return fd;
}

static int refuse_binary(const struct stdio_target *t, struct error **err)
{
	return err_new(err, ERR_INVALID,
		       "stdio \"binary://%s\": a logging binary is started by the shim, not opened", t->path);
}

/* mkdir -p of the directories above path, 0755 (what containerd does for file:// targets). */
static int make_parents(const char *path)
{
	cleanup_free char *dir = strdup(path);
	if (dir == NULL)
		return -1;
	for (char *p = strchr(dir + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* A file:// target: append, create if missing. O_NONBLOCK keeps a FIFO found there from blocking
 * the open (it is refused just after). */
static int open_file_target(const char *path, struct error **err)
{
	if (make_parents(path) < 0)
		return err_sys(err, errno, "create the directories above %s", path);
	cleanup_close int fd =
		open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0 && errno == ENXIO)
		return err_new(err, ERR_INVALID, "%s: not a regular file", path);
	if (fd < 0)
		return err_sys(err, errno, "open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(err, errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return err_new(err, ERR_INVALID, "%s: not a regular file", path);
	if (set_blocking(fd) < 0)
		return err_sys(err, errno, "clear O_NONBLOCK on %s", path);
	return steal_fd(&fd);
}

static int open_path_writer(const char *path, int *workload_fd, int *keepalive_fd, struct error **err)
{
	cleanup_close int path_fd = open(path, O_PATH | O_CLOEXEC);
	if (path_fd < 0)
		return err_sys(err, errno, "open %s", path);
	struct stat st;
	if (fstat(path_fd, &st) < 0)
		return err_sys(err, errno, "stat %s", path);
	if (S_ISREG(st.st_mode)) {
		*workload_fd = reopen(path_fd, O_WRONLY | O_APPEND, false, path, err);
		return *workload_fd < 0 ? -1 : 0;
	}
	if (S_ISCHR(st.st_mode)) {
		*workload_fd = reopen(path_fd, O_WRONLY, false, path, err);
		return *workload_fd < 0 ? -1 : 0;
	}
	if (!S_ISFIFO(st.st_mode))
		return err_new(err, ERR_INVALID, "%s: not a FIFO, regular file or character device", path);
	/* The read-write open is a reader, so neither open waits and the FIFO keeps a reader. */
	cleanup_close int keep = reopen(path_fd, O_RDWR, true, path, err);
	if (keep < 0)
		return -1;
	int fd = reopen(keep, O_WRONLY, false, path, err);
	if (fd < 0)
		return -1;
	*workload_fd = fd;
	*keepalive_fd = steal_fd(&keep);
	return 0;
}

int stdio_open_writer(const struct stdio_target *target, int *workload_fd, int *keepalive_fd,
		      struct error **err)
{
	*workload_fd = -1;
	*keepalive_fd = -1;
	switch (target->kind) {
	case STDIO_NULL:
		*workload_fd = open_dev_null(O_WRONLY, err);
		return *workload_fd < 0 ? -1 : 0;
	case STDIO_FILE:
		*workload_fd = open_file_target(target->path, err);
		return *workload_fd < 0 ? -1 : 0;
	case STDIO_FIFO:
		return open_path_writer(target->path, workload_fd, keepalive_fd, err);
	case STDIO_BINARY:
		return refuse_binary(target, err);
	}
	return err_new(err, ERR_INVALID, "stdio: unknown target kind %d", (int)target->kind);
}

int stdio_open_reader(const struct stdio_target *target, int *fd, struct error **err)
{
	*fd = -1;
	if (target->kind == STDIO_NULL) {
		*fd = open_dev_null(O_RDONLY, err);
		return *fd < 0 ? -1 : 0;
	}
	if (target->kind == STDIO_BINARY)
		return refuse_binary(target, err);
	const char *path = target->path;
	cleanup_close int rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (rfd < 0)
		return err_sys(err, errno, "open %s", path);
	struct stat st;
	if (fstat(rfd, &st) < 0)
		return err_sys(err, errno, "stat %s", path);
	if (target->kind == STDIO_FILE && !S_ISREG(st.st_mode))
		return err_new(err, ERR_INVALID, "%s: not a regular file", path);
	if (!S_ISFIFO(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return err_new(err, ERR_INVALID, "%s: not a FIFO, regular file or character device", path);
	if (set_blocking(rfd) < 0)
		return err_sys(err, errno, "clear O_NONBLOCK on %s", path);
	*fd = steal_fd(&rfd);
	return 0;
}

int stdio_open_stdin(const struct stdio_target *target, int *workload_fd, int *keepalive_fd,
		     struct error **err)
{
	*keepalive_fd = -1;
	cleanup_close int fd = -1;
	if (stdio_open_reader(target, &fd, err) < 0) {
		*workload_fd = -1;
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		*workload_fd = -1;
		return err_sys(err, errno, "stat %s", target->path);
	}
	if (S_ISFIFO(st.st_mode)) {
		*keepalive_fd = reopen(fd, O_RDWR, true, target->path, err);
		if (*keepalive_fd < 0) {
			*workload_fd = -1;
			return -1;
		}
	}
	*workload_fd = steal_fd(&fd);
	return 0;
}
