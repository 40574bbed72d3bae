/* SPDX-License-Identifier: Apache-2.0 */
/* A TOML scanner, not a parser: it follows TOML's lexical rules (strings, arrays, inline tables,
 * comments, dotted and quoted keys) to walk a document's table headers and keys, and hands each
 * key's value to its visitor, which reads the few values it cares about and skips the rest.
 * Errors are ERR_INVALID "line N: <problem>". */
#ifndef REAPER_TOML_H
#define REAPER_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct toml_scan;

struct toml_visitor {
	/* A table header [a.b] or [[a.b]]: its path, unquoted (NULL-terminated; borrowed). */
	int (*table)(void *data, char **path, struct toml_scan *s);
	/* key = value: the key's full path, the current table's path included (borrowed). The
	 * visitor consumes the value with exactly one toml_read_* or toml_skip_value call. */
	int (*key)(void *data, char **path, struct toml_scan *s);
};

/* Walk TEXT (LEN bytes; a NUL inside is an error). Stops at the first error, the visitor's too. */
int toml_scan(const char *text, size_t len, const struct toml_visitor *v, void *data, struct error **err);

/* What the value at hand starts with. */
enum toml_value_kind { TOML_STRING, TOML_MULTILINE_STRING, TOML_ARRAY, TOML_INLINE_TABLE, TOML_SCALAR };
enum toml_value_kind toml_value_kind(const struct toml_scan *s);

/* A single-line basic or literal string (\" \\ \t \n \r unescaped; other escapes kept as the
 * escaped character). */
int toml_read_string(struct toml_scan *s, char **out);
/* A non-negative decimal integer below 1000000; what names the value in errors. */
int toml_read_integer(struct toml_scan *s, const char *what, long *out);
/* An array of single-line strings; *out NULL-terminated; what names the value in errors. */
int toml_read_string_array(struct toml_scan *s, const char *what, char ***out);
int toml_skip_value(struct toml_scan *s);

/* Fail with "line N: what" at the scanner's position. Returns -1. */
int toml_fail(struct toml_scan *s, const char *what);
/* A character of a bare key: A-Z a-z 0-9 _ - */
bool toml_bare_key_char(char c);

#endif
