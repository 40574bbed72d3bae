/* SPDX-License-Identifier: Apache-2.0 */
#include "json_field.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "strv.h"

/* Record "doc: path: problem" as ERR_INVALID. */
int field_invalid(struct field_ctx *c, const char *path, const char *fmt, ...)
{
	char *problem = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&problem, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err_sys(c->err, ENOMEM, "%s: %s", c->doc, path);
	err_new(c->err, ERR_INVALID, "%s: %s: %s", c->doc, path, problem);
	free(problem);
	return -1;
}

/* Field paths only feed messages, so truncating an absurdly deep one is fine. */
static void format_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void format_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, FIELD_PATH_MAX, fmt, ap);
	va_end(ap);
}

void field_join(char *buf, const char *parent, const char *field)
{
	if (parent == NULL || *parent == '\0')
		format_path(buf, "%s", field);
	else
		format_path(buf, "%s.%s", parent, field);
}

void field_index(char *buf, const char *parent, size_t i)
{
	format_path(buf, "%s[%zu]", parent, i);
}

/* A member of an object; JSON null counts as absent, as Go's encoding/json (which writes these
 * documents) treats it. */
json_t *field_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

int field_bool(struct field_ctx *c, json_t *v, const char *path, bool *out)
{
	if (!json_is_boolean(v))
		return field_invalid(c, path, "must be a boolean");
	*out = json_is_true(v);
	return 0;
}

/* An integer in [min, max]; JSON reals (1.0, 1e3) are rejected. */
int field_integer(struct field_ctx *c, json_t *v, const char *path, json_int_t min, json_int_t max,
		  json_int_t *out)
{
	bool unsigned_field = min == 0;
	if (!json_is_integer(v))
		return field_invalid(
			c, path, unsigned_field ? "must be a non-negative integer" : "must be an integer");
	json_int_t n = json_integer_value(v);
	if (unsigned_field && n < 0)
		return field_invalid(c, path, "must be a non-negative integer");
	if (unsigned_field && n > max)
		return field_invalid(c, path, "must be at most %lld", (long long)max);
	if (n < min || n > max)
		return field_invalid(c, path, "must be between %lld and %lld", (long long)min,
				     (long long)max);
	*out = n;
	return 0;
}

/* A copy of a string value. */
int field_string(struct field_ctx *c, json_t *v, const char *path, char **out)
{
	if (!json_is_string(v))
		return field_invalid(c, path, "must be a string");
	char *s = strdup(json_string_value(v));
	if (s == NULL)
		return err_sys(c->err, ENOMEM, "%s: %s", c->doc, path);
	*out = s;
	return 0;
}

int field_path(struct field_ctx *c, json_t *v, const char *path, char **out)
{
	if (!json_is_string(v) || json_string_value(v)[0] != '/')
		return field_invalid(c, path, "must be an absolute path");
	return field_string(c, v, path, out);
}

/* An array of strings as a NULL-terminated vector (empty when v is absent). */
int field_strv(struct field_ctx *c, json_t *v, const char *path, char ***out)
{
	if (v != NULL && !json_is_array(v))
		return field_invalid(c, path, "must be an array of strings");
	size_t n = json_array_size(v);
	cleanup_strv char **strv = calloc(n + 1, sizeof(*strv));
	if (strv == NULL)
		return err_sys(c->err, ENOMEM, "%s: %s", c->doc, path);
	for (size_t i = 0; i < n; i++) {
		char item[FIELD_PATH_MAX];
		field_index(item, path, i);
		if (field_string(c, json_array_get(v, i), item, &strv[i]) < 0)
			return -1;
	}
	*out = steal_pointer(&strv);
	return 0;
}

/* ---- a scan of the text, for field_find_object ---- */

struct scan {
	const char *p, *end;
};

static void skip_space(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool skip_string(struct scan *s)
{
	if (s->p >= s->end || *s->p != '"')
		return false;
	for (s->p++; s->p < s->end && *s->p != '\0'; s->p++) {
		if (*s->p == '\\') {
			/* The escaped character, never the closing quote. */
			if (++s->p >= s->end || *s->p == '\0')
				return false;
		} else if (*s->p == '"') {
			s->p++;
			return true;
		}
	}
	return false;
}

/* One value: a string, an object or array (brackets counted outside strings), or a scalar. A NUL
 * byte, which no JSON text holds, ends the scan. */
static bool skip_value(struct scan *s)
{
	if (s->p >= s->end)
		return false;
	if (*s->p == '"')
		return skip_string(s);
	if (*s->p != '{' && *s->p != '[') {
		const char *start = s->p;
		while (s->p < s->end && strchr(",}] \t\n\r", *s->p) == NULL)
			s->p++;
		return s->p > start;
	}
	size_t depth = 0;
	while (s->p < s->end && *s->p != '\0') {
		if (*s->p == '"') {
			if (!skip_string(s))
				return false;
			continue;
		}
		if (*s->p == '{' || *s->p == '[')
			depth++;
		else if (*s->p == '}' || *s->p == ']')
			depth--;
		s->p++;
		if (depth == 0)
			return true;
	}
	return false;
}

/* In the object at s->p, move to the value of member key. */
static bool find_member(struct scan *s, const char *key)
{
	skip_space(s);
	if (s->p >= s->end || *s->p != '{')
		return false;
	s->p++;
	for (;;) {
		skip_space(s);
		const char *name = s->p + 1;
		if (!skip_string(s))
			return false;
		bool match = (size_t)(s->p - 1 - name) == strlen(key) && memcmp(name, key, strlen(key)) == 0;
		skip_space(s);
		if (s->p >= s->end || *s->p != ':')
			return false;
		s->p++;
		skip_space(s);
		if (match)
			return true;
		if (!skip_value(s))
			return false;
		skip_space(s);
		if (s->p >= s->end || *s->p != ',')
			return false;
		s->p++;
	}
}

bool field_find_object(const char *json, size_t len, const char *const keys[], size_t *start, size_t *end)
{
	struct scan s = {json, json + len};
	for (size_t i = 0; keys[i] != NULL; i++) {
		if (!find_member(&s, keys[i]))
			return false;
	}
	const char *value = s.p;
	if (s.p >= s.end || *s.p != '{' || !skip_value(&s))
		return false;
	*start = (size_t)(value - json);
	*end = (size_t)(s.p - json);
	return true;
}
