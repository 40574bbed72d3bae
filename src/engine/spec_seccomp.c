/* SPDX-License-Identifier: Apache-2.0 */
/* linux.seccomp as a typed view (spec.h): spec_parse keeps the profile as text, and this parser
 * runs only when a filter is compiled (seccomp_filter.c), so a container whose profile is already
 * compiled never pays for it. Unlike the rest of the spec, an unknown key here is an error: it is
 * a security request, and nothing of it may be skipped. */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "json_field.h"
#include "spec.h"
#include "strv.h"

static const struct {
	const char *name;
	int action; /* enum spec_seccomp_action, or -1: refused */
} seccomp_actions[] = {
	{"SCMP_ACT_KILL", SPEC_SECCOMP_KILL_THREAD},
	{"SCMP_ACT_KILL_THREAD", SPEC_SECCOMP_KILL_THREAD},
	{"SCMP_ACT_KILL_PROCESS", SPEC_SECCOMP_KILL_PROCESS},
	{"SCMP_ACT_TRAP", SPEC_SECCOMP_TRAP},
	{"SCMP_ACT_ERRNO", SPEC_SECCOMP_ERRNO},
	{"SCMP_ACT_TRACE", SPEC_SECCOMP_TRACE},
	{"SCMP_ACT_LOG", SPEC_SECCOMP_LOG},
	{"SCMP_ACT_ALLOW", SPEC_SECCOMP_ALLOW},
	{"SCMP_ACT_NOTIFY", -1},
};

/* Indexed by enum spec_seccomp_op. */
static const char *const seccomp_ops[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static const struct {
	const char *name;
	unsigned flag; /* 0: refused */
} seccomp_flags[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
	{"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
	{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0},
};

const char *spec_seccomp_action_name(size_t i)
{
	/* The last one, SCMP_ACT_NOTIFY, is refused. */
	return i + 1 < ARRAY_LEN(seccomp_actions) ? seccomp_actions[i].name : NULL;
}

const char *spec_seccomp_op_name(size_t i)
{
	return i < ARRAY_LEN(seccomp_ops) ? seccomp_ops[i] : NULL;
}

const char *spec_seccomp_flag_name(size_t i)
{
	return i + 1 < ARRAY_LEN(seccomp_flags) ? seccomp_flags[i].name : NULL;
}

/* Every key of obj is one of the NULL-terminated keys: nothing of a security request is skipped. */
static int only_known_keys(struct field_ctx *c, json_t *obj, const char *path, const char *const *keys)
{
	const char *key;
	json_t *value;
	json_object_foreach(obj, key, value)
	{
		size_t i = 0;
		while (keys[i] != NULL && strcmp(keys[i], key) != 0)
			i++;
		if (keys[i] == NULL) {
			char field[FIELD_PATH_MAX];
			field_join(field, path, key);
			return field_invalid(c, field, "unknown field");
		}
	}
	return 0;
}

static int get_seccomp_action(struct field_ctx *c, json_t *v, const char *path, enum spec_seccomp_action *out)
{
	if (!json_is_string(v))
		return field_invalid(c, path, "must be a string naming an SCMP_ACT_* action");
	const char *name = json_string_value(v);
	for (size_t i = 0; i < ARRAY_LEN(seccomp_actions); i++) {
		if (strcmp(seccomp_actions[i].name, name) != 0)
			continue;
		if (seccomp_actions[i].action < 0)
			return field_invalid(c, path, "%s (seccomp notify) is not supported", name);
		*out = (enum spec_seccomp_action)seccomp_actions[i].action;
		return 0;
	}
	return field_invalid(c, path, "unknown action \"%s\"", name);
}

/* errnoRet belongs to ERRNO (an errno the kernel returns as is, so at most 4095) and TRACE (the
 * tracer's 16-bit message); both default to EPERM, as in runc. */
static int get_errno_ret(struct field_ctx *c, json_t *obj, const char *parent, const char *key,
			 enum spec_seccomp_action action, unsigned *out)
{
	*out = EPERM;
	json_t *v = field_member(obj, key);
	if (v == NULL)
		return 0;
	char path[FIELD_PATH_MAX];
	field_join(path, parent, key);
	if (action != SPEC_SECCOMP_ERRNO && action != SPEC_SECCOMP_TRACE)
		return field_invalid(c, path, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno");
	json_int_t n;
	if (field_integer(c, v, path, 0, action == SPEC_SECCOMP_ERRNO ? 4095 : 65535, &n) < 0)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int get_u64(struct field_ctx *c, json_t *obj, const char *parent, const char *key, uint64_t *out)
{
	*out = 0;
	json_t *v = field_member(obj, key);
	if (v == NULL)
		return 0;
	char path[FIELD_PATH_MAX];
	field_join(path, parent, key);
	json_int_t n;
	/* jansson stops at INT64_MAX; a bigger literal fails the whole document to parse. */
	if (field_integer(c, v, path, 0, INT64_MAX, &n) < 0)
		return -1;
	*out = (uint64_t)n;
	return 0;
}

static int parse_seccomp_arg(struct field_ctx *c, json_t *v, const char *path, struct spec_seccomp_arg *out)
{
	static const char *const keys[] = {"index", "value", "valueTwo", "op", NULL};
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");
	if (only_known_keys(c, v, path, keys) < 0)
		return -1;
	char field[FIELD_PATH_MAX];
	field_join(field, path, "index");
	json_int_t index;
	if (field_member(v, "index") == NULL)
		return field_invalid(c, field, "is required");
	if (field_integer(c, field_member(v, "index"), field, 0, 5, &index) < 0)
		return -1;
	out->index = (unsigned)index;
	if (get_u64(c, v, path, "value", &out->value) < 0 ||
	    get_u64(c, v, path, "valueTwo", &out->value_two) < 0)
		return -1;
	field_join(field, path, "op");
	json_t *op = field_member(v, "op");
	if (!json_is_string(op))
		return field_invalid(c, field, "must be a string naming an SCMP_CMP_* operator");
	size_t i = 0;
	while (i < ARRAY_LEN(seccomp_ops) && strcmp(seccomp_ops[i], json_string_value(op)) != 0)
		i++;
	if (i == ARRAY_LEN(seccomp_ops))
		return field_invalid(c, field, "unknown operator \"%s\"", json_string_value(op));
	out->op = (enum spec_seccomp_op)i;
	if (out->op != SPEC_SECCOMP_MASKED_EQ && out->value_two != 0) {
		field_join(field, path, "valueTwo");
		return field_invalid(c, field, "only SCMP_CMP_MASKED_EQ takes a second value");
	}
	return 0;
}

static int parse_seccomp_rule(struct field_ctx *c, json_t *v, const char *path, struct spec_seccomp_rule *out)
{
	static const char *const keys[] = {"names", "action", "errnoRet", "args", NULL};
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");
	if (only_known_keys(c, v, path, keys) < 0)
		return -1;
	char field[FIELD_PATH_MAX];
	field_join(field, path, "names");
	json_t *names = field_member(v, "names");
	if (!json_is_array(names) || json_array_size(names) == 0)
		return field_invalid(c, field, "must be a non-empty array of system call names");
	if (field_strv(c, names, field, &out->names) < 0)
		return -1;
	field_join(field, path, "action");
	if (get_seccomp_action(c, field_member(v, "action"), field, &out->action) < 0 ||
	    get_errno_ret(c, v, path, "errnoRet", out->action, &out->errno_ret) < 0)
		return -1;
	json_t *args = field_member(v, "args");
	field_join(field, path, "args");
	if (args != NULL && !json_is_array(args))
		return field_invalid(c, field, "must be an array");
	if (json_array_size(args) == 0)
		return 0;
	out->args = calloc(json_array_size(args), sizeof(*out->args));
	if (out->args == NULL)
		return err_sys(c->err, ENOMEM, "%s: %s", c->doc, field);
	for (size_t i = 0; i < json_array_size(args); i++) {
		char item[FIELD_PATH_MAX];
		field_index(item, field, i);
		if (parse_seccomp_arg(c, json_array_get(args, i), item, &out->args[i]) < 0)
			return -1;
		out->n_args++;
	}
	return 0;
}

static int parse_seccomp_rules(struct field_ctx *c, json_t *v, const char *path, struct spec_seccomp *out)
{
	if (!json_is_array(v))
		return field_invalid(c, path, "must be an array");
	if (json_array_size(v) == 0)
		return 0;
	out->rules = calloc(json_array_size(v), sizeof(*out->rules));
	if (out->rules == NULL)
		return err_sys(c->err, ENOMEM, "%s: %s", c->doc, path);
	for (size_t i = 0; i < json_array_size(v); i++) {
		char item[FIELD_PATH_MAX];
		field_index(item, path, i);
		/* Counted first so spec_free releases a half-parsed rule. */
		out->n_rules++;
		if (parse_seccomp_rule(c, json_array_get(v, i), item, &out->rules[i]) < 0)
			return -1;
	}
	return 0;
}

static int parse_seccomp_flags(struct field_ctx *c, json_t *v, const char *path, unsigned *out)
{
	if (!json_is_array(v))
		return field_invalid(c, path, "must be an array of SECCOMP_FILTER_FLAG_* names");
	for (size_t i = 0; i < json_array_size(v); i++) {
		char item[FIELD_PATH_MAX];
		field_index(item, path, i);
		const char *name = json_string_value(json_array_get(v, i));
		if (name == NULL)
			return field_invalid(c, item, "must be a string");
		size_t k = 0;
		while (k < ARRAY_LEN(seccomp_flags) && strcmp(seccomp_flags[k].name, name) != 0)
			k++;
		if (k == ARRAY_LEN(seccomp_flags))
			return field_invalid(c, item, "unknown flag \"%s\"", name);
		if (seccomp_flags[k].flag == 0)
			return field_invalid(
				c, item, "%s needs a seccomp notify listener, which is not supported", name);
		*out |= seccomp_flags[k].flag;
	}
	return 0;
}

static int parse_seccomp_architectures(struct field_ctx *c, json_t *v, const char *path,
				       struct spec_seccomp *out)
{
	if (v != NULL && !json_is_array(v))
		return field_invalid(c, path, "must be an array of SCMP_ARCH_* names");
	if (field_strv(c, v, path, &out->architectures) < 0)
		return -1;
	for (size_t i = 0; out->architectures[i] != NULL; i++) {
		if (strncmp(out->architectures[i], "SCMP_ARCH_", 10) != 0) {
			char item[FIELD_PATH_MAX];
			field_index(item, path, i);
			return field_invalid(c, item, "unknown architecture \"%s\"", out->architectures[i]);
		}
	}
	return 0;
}

static int parse_seccomp(struct field_ctx *c, json_t *v, struct spec_seccomp *out)
{
	static const char *const keys[] = {"defaultAction", "defaultErrnoRet",  "architectures", "flags",
					   "listenerPath",  "listenerMetadata", "syscalls",      NULL};
	const char *path = "linux.seccomp";
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");
	if (only_known_keys(c, v, path, keys) < 0)
		return -1;
	static const char *const listener[] = {"listenerPath", "listenerMetadata"};
	for (size_t i = 0; i < ARRAY_LEN(listener); i++) {
		if (field_member(v, listener[i]) != NULL) {
			char field[FIELD_PATH_MAX];
			field_join(field, path, listener[i]);
			return field_invalid(c, field, "seccomp notify is not supported");
		}
	}
	json_t *f;
	if (get_seccomp_action(c, field_member(v, "defaultAction"), "linux.seccomp.defaultAction",
			       &out->default_action) < 0 ||
	    get_errno_ret(c, v, path, "defaultErrnoRet", out->default_action, &out->default_errno_ret) < 0 ||
	    parse_seccomp_architectures(c, field_member(v, "architectures"), "linux.seccomp.architectures",
					out) < 0)
		return -1;
	if ((f = field_member(v, "flags")) != NULL &&
	    parse_seccomp_flags(c, f, "linux.seccomp.flags", &out->flags) < 0)
		return -1;
	if ((f = field_member(v, "syscalls")) != NULL &&
	    parse_seccomp_rules(c, f, "linux.seccomp.syscalls", out) < 0)
		return -1;
	return 0;
}

int spec_parse_seccomp(const char *json, size_t len, struct spec_seccomp *out, struct error **err)
{
	struct field_ctx c = {.doc = "config.json", .err = err};
	memset(out, 0, sizeof(*out));
	json_error_t jerr;
	json_t *v = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL)
		return err_new(
			err, ERR_INVALID,
			"config.json: linux.seccomp: invalid JSON at line %d, column %d of the profile: %s",
			jerr.line, jerr.column, jerr.text);
	int rc = parse_seccomp(&c, v, out);
	json_decref(v);
	if (rc < 0)
		spec_seccomp_free(out);
	return rc;
}

void spec_seccomp_free(struct spec_seccomp *s)
{
	strv_free(s->architectures);
	for (size_t i = 0; i < s->n_rules; i++) {
		strv_free(s->rules[i].names);
		free(s->rules[i].args);
	}
	free(s->rules);
	memset(s, 0, sizeof(*s));
}
