/* SPDX-License-Identifier: Apache-2.0 */
/* Typed fields of a JSON document (the OCI spec and the exec process), each checked and named in
 * errors as "<doc>: <field path>: <problem>", e.g. "config.json: mounts[2].destination: must be an
 * absolute path". Shared by the spec's parsers (spec.c, spec_mounts.c, spec_seccomp.c); also one
 * scan of the text before it is parsed (field_find_object). */
#ifndef REAPER_JSON_FIELD_H
#define REAPER_JSON_FIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Field paths in messages ("mounts[12].options[3]", "annotations.<key>") are built in a stack
 * buffer this large; a longer path (a huge annotation key) is truncated, which only shortens the
 * message. */
#define FIELD_PATH_MAX 160

/* Where the document came from ("config.json", "process") and where errors go. */
struct field_ctx {
	const char *doc;
	struct error **err;
};

/* Record "doc: path: problem" as ERR_INVALID. Returns -1. */
int field_invalid(struct field_ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* buf (FIELD_PATH_MAX bytes) = "parent.field", or "field" for an empty parent. */
void field_join(char *buf, const char *parent, const char *field);
/* buf (FIELD_PATH_MAX bytes) = "parent[i]". */
void field_index(char *buf, const char *parent, size_t i);
/* A member of an object; JSON null counts as absent, as Go's encoding/json (which writes these
 * documents) treats it. */
json_t *field_member(json_t *obj, const char *key);

int field_bool(struct field_ctx *c, json_t *v, const char *path, bool *out);
/* An integer in [min, max]; JSON reals (1.0, 1e3) are rejected. */
int field_integer(struct field_ctx *c, json_t *v, const char *path, json_int_t min, json_int_t max,
		  json_int_t *out);
/* A copy of a string value. */
int field_string(struct field_ctx *c, json_t *v, const char *path, char **out);
/* A copy of a string that is an absolute path. */
int field_path(struct field_ctx *c, json_t *v, const char *path, char **out);
/* An array of strings as a NULL-terminated vector (empty when v is absent). */
int field_strv(struct field_ctx *c, json_t *v, const char *path, char ***out);

/* In JSON text not yet parsed: where the member at keys (from the top-level object down, e.g.
 * {"linux", "seccomp", NULL}) holds an object, its offsets [*start, *end) in the text, so that a
 * caller can take that part apart from the parse. Only the brackets and strings are scanned, not
 * the object's syntax, but it holds no NUL byte. False when there is no such object, or when
 * anything on the way is not what the scan expects (a key written with escapes, bad syntax): the
 * caller then parses all. */
bool field_find_object(const char *json, size_t len, const char *const keys[], size_t *start, size_t *end);

#endif
