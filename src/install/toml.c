/* SPDX-License-Identifier: Apache-2.0 */
#include "toml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "strv.h"

struct toml_scan {
	const char *p, *end;
	int line;
	struct error **err;
};

int toml_fail(struct toml_scan *s, const char *what)
{
	return err_new(s->err, ERR_INVALID, "line %d: %s", s->line, what);
}

bool toml_bare_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

static bool at_end(const struct toml_scan *s)
{
	return s->p >= s->end;
}

static bool looking_at(const struct toml_scan *s, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(s->end - s->p) >= n && memcmp(s->p, lit, n) == 0;
}

static void skip_blanks(struct toml_scan *s)
{
	while (!at_end(s) && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

static void skip_comment(struct toml_scan *s)
{
	if (!at_end(s) && *s->p == '#')
		while (!at_end(s) && *s->p != '\n')
			s->p++;
}

/* Consume one newline (\n or \r\n); false when not at one. */
static bool take_newline(struct toml_scan *s)
{
	if (looking_at(s, "\r\n"))
		s->p++;
	if (!at_end(s) && *s->p == '\n') {
		s->p++;
		s->line++;
		return true;
	}
	return false;
}

/* Blanks, comments and newlines: what may separate array elements. */
static void skip_space_lines(struct toml_scan *s)
{
	for (;;) {
		skip_blanks(s);
		skip_comment(s);
		if (!take_newline(s))
			return;
	}
}

/* After a header or a key/value: only blanks and a comment may follow on the line. */
static int expect_line_end(struct toml_scan *s)
{
	skip_blanks(s);
	skip_comment(s);
	if (at_end(s) || take_newline(s))
		return 0;
	return toml_fail(s, "unexpected text after a value or table header");
}

enum toml_value_kind toml_value_kind(const struct toml_scan *s)
{
	if (at_end(s))
		return TOML_SCALAR;
	switch (*s->p) {
	case '"':
	case '\'':
		return looking_at(s, "\"\"\"") || looking_at(s, "'''") ? TOML_MULTILINE_STRING : TOML_STRING;
	case '[':
		return TOML_ARRAY;
	case '{':
		return TOML_INLINE_TABLE;
	default:
		return TOML_SCALAR;
	}
}

int toml_read_string(struct toml_scan *s, char **out)
{
	if (toml_value_kind(s) != TOML_STRING)
		return toml_fail(s, "expected a single-line string");
	char quote = *s->p++;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return err_sys(s->err, errno, "open_memstream");
	for (;;) {
		if (at_end(s) || *s->p == '\n') {
			fclose(mem);
			free(buf);
			return toml_fail(s, "unterminated string");
		}
		char c = *s->p++;
		if (c == quote)
			break;
		if (c == '\\' && quote == '"' && !at_end(s)) {
			char e = *s->p++;
			c = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
		}
		fputc(c, mem);
	}
	if (fclose(mem) != 0) {
		free(buf);
		return err_sys(s->err, ENOMEM, "string");
	}
	*out = buf;
	return 0;
}

/* """...""" or '''...''', possibly over several lines. */
static int skip_long_string(struct toml_scan *s)
{
	const char *delim = *s->p == '"' ? "\"\"\"" : "'''";
	bool basic = *s->p == '"';
	s->p += 3;
	while (!at_end(s)) {
		if (basic && *s->p == '\\' && s->p + 1 < s->end) {
			if (s->p[1] == '\n')
				s->line++;
			s->p += 2;
			continue;
		}
		if (looking_at(s, delim)) {
			s->p += 3;
			/* Up to two more quotes belong to the content ("""a"""""). */
			while (!at_end(s) && *s->p == delim[0])
				s->p++;
			return 0;
		}
		if (*s->p == '\n')
			s->line++;
		s->p++;
	}
	return toml_fail(s, "unterminated multi-line string");
}

static int scan_key_part(struct toml_scan *s, char **out)
{
	if (!at_end(s) && (*s->p == '"' || *s->p == '\'')) {
		if (toml_value_kind(s) == TOML_MULTILINE_STRING)
			return toml_fail(s, "a multi-line string cannot be a key");
		return toml_read_string(s, out);
	}
	const char *start = s->p;
	while (!at_end(s) && toml_bare_key_char(*s->p))
		s->p++;
	if (s->p == start)
		return toml_fail(s, "expected a key");
	*out = strndup(start, (size_t)(s->p - start));
	return *out ? 0 : err_sys(s->err, ENOMEM, "key");
}

/* key, "quoted key", a.b."c.d": the parts, unquoted, appended to *path. */
static int scan_key_path(struct toml_scan *s, char ***path)
{
	for (;;) {
		char *part = NULL;
		skip_blanks(s);
		if (scan_key_part(s, &part) < 0)
			return -1;
		if (strv_push(path, part) < 0)
			return err_sys(s->err, ENOMEM, "key");
		skip_blanks(s);
		if (at_end(s) || *s->p != '.')
			return 0;
		s->p++;
	}
}

/* Elements of an array until its ']', each read by element(). */
static int scan_array(struct toml_scan *s, int (*element)(struct toml_scan *s, void *data), void *data)
{
	s->p++; /* [ */
	for (;;) {
		skip_space_lines(s);
		if (at_end(s))
			return toml_fail(s, "unterminated array");
		if (*s->p == ']') {
			s->p++;
			return 0;
		}
		if (element(s, data) < 0)
			return -1;
		skip_space_lines(s);
		if (!at_end(s) && *s->p == ',') {
			s->p++;
			continue;
		}
		if (!at_end(s) && *s->p == ']') {
			s->p++;
			return 0;
		}
		return toml_fail(s, "expected ',' or ']' in an array");
	}
}

static int skip_element(struct toml_scan *s, void *data)
{
	return toml_skip_value(s);
}

static int skip_inline_table(struct toml_scan *s)
{
	s->p++; /* { */
	skip_blanks(s);
	if (!at_end(s) && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		cleanup_strv char **key = strv_new();
		if (key == NULL)
			return err_sys(s->err, ENOMEM, "key");
		if (scan_key_path(s, &key) < 0)
			return -1;
		skip_blanks(s);
		if (at_end(s) || *s->p != '=')
			return toml_fail(s, "expected '=' in an inline table");
		s->p++;
		skip_blanks(s);
		if (toml_skip_value(s) < 0)
			return -1;
		skip_blanks(s);
		if (!at_end(s) && *s->p == ',') {
			s->p++;
			continue;
		}
		if (!at_end(s) && *s->p == '}') {
			s->p++;
			return 0;
		}
		return toml_fail(s, "expected ',' or '}' in an inline table");
	}
}

static bool ends_scalar(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == ',' || c == ']' ||
	       c == '}';
}

/* Numbers, booleans, dates: checked only for shape (characters TOML scalars use). */
static int skip_scalar(struct toml_scan *s)
{
	const char *start = s->p;
	while (!at_end(s) && !ends_scalar(*s->p)) {
		char c = *s->p;
		if (!toml_bare_key_char(c) && c != '.' && c != '+' && c != ':')
			return toml_fail(s, "malformed value");
		s->p++;
	}
	if (s->p == start)
		return toml_fail(s, "expected a value");
	/* A date-time may use a space between date and time: 1979-05-27 07:32:00Z. */
	if (s->p - start == 10 && start[4] == '-' && start[7] == '-' && s->end - s->p > 1 && *s->p == ' ' &&
	    s->p[1] >= '0' && s->p[1] <= '9') {
		s->p++;
		return skip_scalar(s);
	}
	return 0;
}

int toml_skip_value(struct toml_scan *s)
{
	if (at_end(s))
		return toml_fail(s, "expected a value");
	switch (toml_value_kind(s)) {
	case TOML_MULTILINE_STRING:
		return skip_long_string(s);
	case TOML_STRING: {
		cleanup_free char *str = NULL;
		return toml_read_string(s, &str);
	}
	case TOML_ARRAY:
		return scan_array(s, skip_element, NULL);
	case TOML_INLINE_TABLE:
		return skip_inline_table(s);
	default:
		return skip_scalar(s);
	}
}

int toml_read_integer(struct toml_scan *s, const char *what, long *out)
{
	const char *start = s->p;
	long v = 0;
	while (!at_end(s) && *s->p >= '0' && *s->p <= '9' && v < 1000000)
		v = v * 10 + (*s->p++ - '0');
	if (s->p == start || v >= 1000000 || (!at_end(s) && !ends_scalar(*s->p)))
		return err_new(s->err, ERR_INVALID, "line %d: %s must be an integer (0 to 999999)", s->line,
			       what);
	*out = v;
	return 0;
}

static int push_string(struct toml_scan *s, void *data)
{
	char *str = NULL;
	if (toml_read_string(s, &str) < 0)
		return -1;
	return strv_push(data, str) < 0 ? err_sys(s->err, ENOMEM, "array") : 0;
}

int toml_read_string_array(struct toml_scan *s, const char *what, char ***out)
{
	if (toml_value_kind(s) != TOML_ARRAY)
		return err_new(s->err, ERR_INVALID, "line %d: %s must be an array of strings", s->line, what);
	cleanup_strv char **items = strv_new();
	if (items == NULL)
		return err_sys(s->err, ENOMEM, "array");
	if (scan_array(s, push_string, &items) < 0)
		return -1;
	*out = steal_pointer(&items);
	return 0;
}

static int scan_table_header(struct toml_scan *s, char ***table, const struct toml_visitor *v, void *data)
{
	bool array = looking_at(s, "[[");
	s->p += array ? 2 : 1;
	strv_free(*table);
	*table = strv_new();
	if (*table == NULL)
		return err_sys(s->err, ENOMEM, "table");
	if (scan_key_path(s, table) < 0)
		return -1;
	if (!looking_at(s, array ? "]]" : "]"))
		return toml_fail(s, "malformed table header");
	s->p += array ? 2 : 1;
	if (v->table != NULL && v->table(data, *table, s) < 0)
		return -1;
	return expect_line_end(s);
}

/* The table's path followed by the key's: the key's full path. */
static char **copy_path(char **table)
{
	char **full = strv_new();
	for (size_t i = 0; full != NULL && table != NULL && table[i] != NULL; i++) {
		char *dup = strdup(table[i]);
		if (dup == NULL || strv_push(&full, dup) < 0) {
			strv_free(full);
			full = NULL;
		}
	}
	return full;
}

static int scan_key_value(struct toml_scan *s, char **table, const struct toml_visitor *v, void *data)
{
	cleanup_strv char **path = copy_path(table);
	if (path == NULL)
		return err_sys(s->err, ENOMEM, "key");
	if (scan_key_path(s, &path) < 0)
		return -1;
	skip_blanks(s);
	if (at_end(s) || *s->p != '=')
		return toml_fail(s, "expected '=' after a key");
	s->p++;
	skip_blanks(s);
	int r = v->key != NULL ? v->key(data, path, s) : toml_skip_value(s);
	return r < 0 ? -1 : expect_line_end(s);
}

int toml_scan(const char *text, size_t len, const struct toml_visitor *v, void *data, struct error **err)
{
	if (memchr(text, '\0', len) != NULL)
		return err_new(err, ERR_INVALID, "binary data (a NUL byte) in a TOML file");
	struct toml_scan s = {.p = text, .end = text + len, .line = 1, .err = err};
	cleanup_strv char **table = NULL;
	for (;;) {
		skip_blanks(&s);
		skip_comment(&s);
		if (at_end(&s))
			return 0;
		if (take_newline(&s))
			continue;
		int r = *s.p == '[' ? scan_table_header(&s, &table, v, data)
				    : scan_key_value(&s, table, v, data);
		if (r < 0)
			return -1;
	}
}
