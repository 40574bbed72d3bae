/* SPDX-License-Identifier: Apache-2.0 */
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "fsutil.h"
#include "json_field.h"
#include "spec_mounts.h"
#include "strv.h"

/* ---- capabilities ---- */

static const char *const capability_names[SPEC_CAP_LAST + 1] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int spec_capability_number(const char *name)
{
	for (int i = 0; i <= SPEC_CAP_LAST; i++)
		if (strcmp(capability_names[i], name) == 0)
			return i;
	return -1;
}

const char *spec_capability_name(int cap)
{
	if (cap < 0 || cap > SPEC_CAP_LAST)
		return NULL;
	return capability_names[cap];
}

static int get_capability_set(struct field_ctx *c, json_t *caps, const char *parent, const char *key,
			      uint64_t *out)
{
	char path[FIELD_PATH_MAX];
	field_join(path, parent, key);
	json_t *v = field_member(caps, key);
	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_array(v))
		return field_invalid(c, path, "must be an array of capability names");
	for (size_t i = 0; i < json_array_size(v); i++) {
		char item[FIELD_PATH_MAX];
		field_index(item, path, i);
		json_t *name = json_array_get(v, i);
		if (!json_is_string(name))
			return field_invalid(c, item, "must be a string");
		int cap = spec_capability_number(json_string_value(name));
		if (cap < 0)
			return field_invalid(c, item, "unknown capability \"%s\"", json_string_value(name));
		*out |= UINT64_C(1) << cap;
	}
	return 0;
}

static int parse_capabilities(struct field_ctx *c, json_t *v, const char *path, struct spec_capabilities *out)
{
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");
	out->present = true;
	if (get_capability_set(c, v, path, "bounding", &out->bounding) < 0 ||
	    get_capability_set(c, v, path, "effective", &out->effective) < 0 ||
	    get_capability_set(c, v, path, "inheritable", &out->inheritable) < 0 ||
	    get_capability_set(c, v, path, "permitted", &out->permitted) < 0 ||
	    get_capability_set(c, v, path, "ambient", &out->ambient) < 0)
		return -1;
	return 0;
}

/* ---- rlimits ---- */

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

int spec_rlimit_resource(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(rlimit_names); i++)
		if (strcmp(rlimit_names[i].name, name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

/* soft or hard: required, non-negative. jansson holds integers as signed 64-bit, so the largest
 * value is INT64_MAX (a bigger literal fails to parse); that always fits rlim_t (64-bit). */
static int get_rlimit_value(struct field_ctx *c, json_t *obj, const char *parent, const char *key,
			    rlim_t *out)
{
	char path[FIELD_PATH_MAX];
	field_join(path, parent, key);
	json_t *v = field_member(obj, key);
	if (v == NULL)
		return field_invalid(c, path, "is required");
	_Static_assert(sizeof(rlim_t) >= sizeof(json_int_t), "rlim_t holds every JSON integer");
	json_int_t max = sizeof(json_int_t) == sizeof(long long) ? LLONG_MAX : LONG_MAX;
	json_int_t n;
	if (field_integer(c, v, path, 0, max, &n) < 0)
		return -1;
	*out = (rlim_t)n;
	return 0;
}

static int parse_rlimit(struct field_ctx *c, json_t *v, const char *path, const struct spec_rlimit *seen,
			size_t n_seen, struct spec_rlimit *out)
{
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");
	char field[FIELD_PATH_MAX];
	field_join(field, path, "type");
	json_t *type = field_member(v, "type");
	if (!json_is_string(type))
		return field_invalid(c, field, "must be a string naming an RLIMIT_* resource");
	int resource = spec_rlimit_resource(json_string_value(type));
	if (resource < 0)
		return field_invalid(c, field, "unknown resource \"%s\"", json_string_value(type));
	for (size_t i = 0; i < n_seen; i++)
		if (seen[i].resource == resource)
			return field_invalid(c, field, "%s is given more than once", json_string_value(type));
	out->resource = resource;
	if (get_rlimit_value(c, v, path, "soft", &out->soft) < 0 ||
	    get_rlimit_value(c, v, path, "hard", &out->hard) < 0)
		return -1;
	if (out->soft > out->hard) {
		field_join(field, path, "soft");
		return field_invalid(c, field, "must not exceed hard (%llu > %llu)",
				     (unsigned long long)out->soft, (unsigned long long)out->hard);
	}
	return 0;
}

static int parse_rlimits(struct field_ctx *c, json_t *v, const char *path, struct spec_process *out)
{
	if (!json_is_array(v))
		return field_invalid(c, path, "must be an array");
	size_t n = json_array_size(v);
	if (n == 0)
		return 0;
	out->rlimits = calloc(n, sizeof(*out->rlimits));
	if (out->rlimits == NULL)
		return err_sys(c->err, ENOMEM, "%s: %s", c->doc, path);
	for (size_t i = 0; i < n; i++) {
		char item[FIELD_PATH_MAX];
		field_index(item, path, i);
		if (parse_rlimit(c, json_array_get(v, i), item, out->rlimits, out->n_rlimits,
				 &out->rlimits[i]) < 0)
			return -1;
		out->n_rlimits++;
	}
	return 0;
}

/* ---- user ---- */

/* uid_t and gid_t are 32-bit; (uid_t)-1 means "unchanged" to setresuid() and is refused. */
#define ID_MAX ((json_int_t)UINT32_MAX - 1)

static int get_id(struct field_ctx *c, json_t *obj, const char *parent, const char *key, uint32_t *out)
{
	char path[FIELD_PATH_MAX];
	field_join(path, parent, key);
	json_t *v = field_member(obj, key);
	*out = 0;
	if (v == NULL)
		return 0; /* the spec requires uid and gid; runc reads a missing one as 0, so do we */
	json_int_t n;
	if (field_integer(c, v, path, 0, ID_MAX, &n) < 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int parse_additional_gids(struct field_ctx *c, json_t *v, const char *path, struct spec_user *out)
{
	if (!json_is_array(v))
		return field_invalid(c, path, "must be an array of non-negative integers");
	size_t n = json_array_size(v);
	if (n == 0)
		return 0;
	out->additional_gids = calloc(n, sizeof(gid_t));
	if (out->additional_gids == NULL)
		return err_sys(c->err, ENOMEM, "%s: %s", c->doc, path);
	for (size_t i = 0; i < n; i++) {
		char item[FIELD_PATH_MAX];
		field_index(item, path, i);
		json_int_t gid;
		if (field_integer(c, json_array_get(v, i), item, 0, ID_MAX, &gid) < 0)
			return -1;
		out->additional_gids[i] = (gid_t)gid;
		out->n_additional_gids++;
	}
	return 0;
}

static int parse_user(struct field_ctx *c, json_t *v, const char *path, struct spec_user *out)
{
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");
	uint32_t uid, gid;
	if (get_id(c, v, path, "uid", &uid) < 0 || get_id(c, v, path, "gid", &gid) < 0)
		return -1;
	out->uid = uid;
	out->gid = gid;
	char field[FIELD_PATH_MAX];
	json_t *umask_v = field_member(v, "umask");
	if (umask_v != NULL) {
		field_join(field, path, "umask");
		json_int_t mask;
		if (field_integer(c, umask_v, field, 0, 0777, &mask) < 0)
			return -1;
		out->has_umask = true;
		out->umask = (mode_t)mask;
	}
	json_t *gids = field_member(v, "additionalGids");
	if (gids != NULL) {
		field_join(field, path, "additionalGids");
		if (parse_additional_gids(c, gids, field, out) < 0)
			return -1;
	}
	return 0;
}

/* ---- process ---- */

static int parse_console_size(struct field_ctx *c, json_t *v, const char *path, struct spec_process *out)
{
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");
	char field[FIELD_PATH_MAX];
	json_int_t height, width;
	field_join(field, path, "height");
	if (field_member(v, "height") == NULL)
		return field_invalid(c, field, "is required");
	if (field_integer(c, field_member(v, "height"), field, 0, USHRT_MAX, &height) < 0)
		return -1;
	field_join(field, path, "width");
	if (field_member(v, "width") == NULL)
		return field_invalid(c, field, "is required");
	if (field_integer(c, field_member(v, "width"), field, 0, USHRT_MAX, &width) < 0)
		return -1;
	out->console_height = (unsigned)height;
	out->console_width = (unsigned)width;
	return 0;
}

static int parse_args(struct field_ctx *c, json_t *v, const char *path, struct spec_process *out)
{
	if (!json_is_array(v) || json_array_size(v) == 0)
		return field_invalid(c, path, "must be a non-empty array of strings");
	if (field_strv(c, v, path, &out->args) < 0)
		return -1;
	if (out->args[0][0] == '\0') {
		char item[FIELD_PATH_MAX];
		field_index(item, path, 0);
		return field_invalid(c, item, "must not be empty");
	}
	return 0;
}

/* Every entry is NAME=VALUE with a non-empty NAME, as runc requires. */
static int parse_env(struct field_ctx *c, json_t *v, const char *path, struct spec_process *out)
{
	if (field_strv(c, v, path, &out->env) < 0)
		return -1;
	for (size_t i = 0; out->env[i] != NULL; i++) {
		const char *eq = strchr(out->env[i], '=');
		if (eq == NULL || eq == out->env[i]) {
			char item[FIELD_PATH_MAX];
			field_index(item, path, i);
			return field_invalid(c, item, "must have the form NAME=VALUE (got \"%s\")",
					     out->env[i]);
		}
	}
	return 0;
}

static int parse_optional_bool(struct field_ctx *c, json_t *obj, const char *parent, const char *key,
			       bool *out)
{
	json_t *v = field_member(obj, key);
	if (v == NULL)
		return 0;
	char path[FIELD_PATH_MAX];
	field_join(path, parent, key);
	return field_bool(c, v, path, out);
}

static int parse_process_fields(struct field_ctx *c, json_t *v, const char *path, struct spec_process *out)
{
	char field[FIELD_PATH_MAX];
	json_t *f;
	if (!json_is_object(v) && path[0] == '\0')
		return err_new(c->err, ERR_INVALID, "%s: must be a JSON object", c->doc);
	if (!json_is_object(v))
		return field_invalid(c, path, "must be an object");

	field_join(field, path, "args");
	if (parse_args(c, field_member(v, "args"), field, out) < 0)
		return -1;
	field_join(field, path, "env");
	if (parse_env(c, field_member(v, "env"), field, out) < 0)
		return -1;

	field_join(field, path, "cwd");
	f = field_member(v, "cwd");
	if (f == NULL) {
		/* Required by the OCI spec; a missing cwd runs in "/" rather than failing. */
		out->cwd = strdup("/");
		if (out->cwd == NULL)
			return err_sys(c->err, ENOMEM, "%s: %s", c->doc, field);
	} else if (field_path(c, f, field, &out->cwd) < 0) {
		return -1;
	}

	if (parse_optional_bool(c, v, path, "terminal", &out->terminal) < 0 ||
	    parse_optional_bool(c, v, path, "noNewPrivileges", &out->no_new_privileges) < 0)
		return -1;

	if ((f = field_member(v, "consoleSize")) != NULL) {
		field_join(field, path, "consoleSize");
		if (parse_console_size(c, f, field, out) < 0)
			return -1;
	}
	if ((f = field_member(v, "user")) != NULL) {
		field_join(field, path, "user");
		if (parse_user(c, f, field, &out->user) < 0)
			return -1;
	}
	if ((f = field_member(v, "rlimits")) != NULL) {
		field_join(field, path, "rlimits");
		if (parse_rlimits(c, f, field, out) < 0)
			return -1;
	}
	if ((f = field_member(v, "capabilities")) != NULL) {
		field_join(field, path, "capabilities");
		if (parse_capabilities(c, f, field, &out->capabilities) < 0)
			return -1;
	}
	if ((f = field_member(v, "oomScoreAdj")) != NULL) {
		field_join(field, path, "oomScoreAdj");
		json_int_t adj;
		if (field_integer(c, f, field, -1000, 1000, &adj) < 0)
			return -1;
		out->has_oom_score_adj = true;
		out->oom_score_adj = (int)adj;
	}
	if ((f = field_member(v, "apparmorProfile")) != NULL) {
		field_join(field, path, "apparmorProfile");
		if (field_string(c, f, field, &out->apparmor_profile) < 0)
			return -1;
	}
	if ((f = field_member(v, "selinuxLabel")) != NULL) {
		field_join(field, path, "selinuxLabel");
		if (field_string(c, f, field, &out->selinux_label) < 0)
			return -1;
	}
	return 0;
}

static int parse_process(struct field_ctx *c, json_t *v, const char *path, struct spec_process *out)
{
	memset(out, 0, sizeof(*out));
	if (parse_process_fields(c, v, path, out) < 0) {
		spec_process_free(out);
		return -1;
	}
	return 0;
}

/* ---- the document ---- */

/* An object of strings (annotations, linux.sysctl), kept as it is. */
static int parse_string_map(struct field_ctx *c, json_t *v, const char *name, json_t **out)
{
	if (!json_is_object(v))
		return field_invalid(c, name, "must be an object of strings");
	const char *key;
	json_t *value;
	json_object_foreach(v, key, value)
	{
		if (!json_is_string(value)) {
			char path[FIELD_PATH_MAX];
			field_join(path, name, key);
			return field_invalid(c, path, "must be a string");
		}
	}
	*out = json_incref(v);
	return 0;
}

static int parse_annotations(struct field_ctx *c, json_t *v, struct spec *out)
{
	if (v != NULL)
		return parse_string_map(c, v, "annotations", &out->annotations);
	out->annotations = json_object();
	return out->annotations ? 0 : err_sys(c->err, ENOMEM, "%s: annotations", c->doc);
}

/* Only whether a user namespace is asked for: the others are the node's by design (security.md). */
static int parse_namespaces(struct field_ctx *c, json_t *v, struct spec *out)
{
	json_t *f = field_member(v, "namespaces");
	if (f != NULL && !json_is_array(f))
		return field_invalid(c, "linux.namespaces", "must be an array");
	size_t i;
	json_t *ns;
	json_array_foreach(f, i, ns)
	{
		json_t *type = json_is_object(ns) ? json_object_get(ns, "type") : NULL;
		if (!json_is_string(type)) {
			char item[FIELD_PATH_MAX];
			field_index(item, "linux.namespaces", i);
			return field_invalid(c, item, "must be an object with a string type");
		}
		out->user_namespace |= strcmp(json_string_value(type), "user") == 0;
	}
	out->user_namespace |= json_array_size(field_member(v, "uidMappings")) > 0 ||
			       json_array_size(field_member(v, "gidMappings")) > 0;
	return 0;
}

/* The security requests of linux (an object, or NULL: spec_parse_view checked it); what they ask
 * is decided at create (security.h, seccomp_filter.h). */
static int parse_linux(struct field_ctx *c, json_t *v, struct spec *out)
{
	json_t *f;
	/* Still here when the scan gave up (parse_config_text): kept as text all the same. */
	if ((f = field_member(v, "seccomp")) != NULL) {
		if (!json_is_object(f))
			return field_invalid(c, "linux.seccomp", "must be an object");
		out->seccomp = out->seccomp_buffer = json_dumps(f, JSON_COMPACT);
		if (out->seccomp == NULL)
			return err_sys(c->err, ENOMEM, "%s: linux.seccomp", c->doc);
		out->seccomp_len = strlen(out->seccomp);
	}
	if ((f = field_member(v, "sysctl")) != NULL &&
	    parse_string_map(c, f, "linux.sysctl", &out->sysctl) < 0)
		return -1;
	if ((f = field_member(v, "mountLabel")) != NULL &&
	    field_string(c, f, "linux.mountLabel", &out->mount_label) < 0)
		return -1;
	return parse_namespaces(c, v, out);
}

/* "1.0.2", "1.1.0-rc.1", "1.2": major version 1. */
static bool supported_version(const char *v)
{
	return v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '9';
}

static int parse_document(struct field_ctx *c, json_t *root, struct spec *out)
{
	if (!json_is_object(root))
		return err_new(c->err, ERR_INVALID, "%s: must be a JSON object", c->doc);
	json_t *f = field_member(root, "ociVersion");
	if (f == NULL)
		return field_invalid(c, "ociVersion", "is required");
	if (field_string(c, f, "ociVersion", &out->oci_version) < 0)
		return -1;
	if (!supported_version(out->oci_version))
		return field_invalid(c, "ociVersion", "unsupported version \"%s\" (want 1.x)",
				     out->oci_version);

	f = field_member(root, "process");
	if (f == NULL)
		return field_invalid(c, "process", "is required");
	if (parse_process(c, f, "process", &out->process) < 0)
		return -1;

	if ((f = field_member(root, "hostname")) != NULL &&
	    field_string(c, f, "hostname", &out->hostname) < 0)
		return -1;
	json_t *r = field_member(root, "root");
	if (r != NULL && (f = field_member(r, "path")) != NULL &&
	    field_string(c, f, "root.path", &out->root_path) < 0)
		return -1;
	if ((f = field_member(root, "mounts")) != NULL && spec_parse_mounts(c, f, out) < 0)
		return -1;
	json_t *linux_section = field_member(root, "linux");
	if (spec_parse_view(c, r, linux_section, out) < 0 || parse_linux(c, linux_section, out) < 0)
		return -1;
	return parse_annotations(c, field_member(root, "annotations"), out);
}

/* jansson's result; a syntax error names the document and jansson's position in it. */
static json_t *parsed(struct field_ctx *c, json_t *root, const json_error_t *jerr)
{
	if (root == NULL)
		err_new(c->err, ERR_INVALID, "%s: invalid JSON at line %d, column %d: %s", c->doc, jerr->line,
			jerr->column, jerr->text);
	return root;
}

/* Parse JSON text. */
static json_t *load_json(struct field_ctx *c, const char *json, size_t len)
{
	if (len > SPEC_MAX_SIZE) {
		err_new(c->err, ERR_INVALID, "%s: larger than %d bytes", c->doc, SPEC_MAX_SIZE);
		return NULL;
	}
	json_error_t jerr;
	return parsed(c, json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr), &jerr);
}

/* config.json's text as jansson reads it, linux.seccomp's object [start, end) read as a null and the
 * newlines it held: the lines of later errors stay, and the profile is neither lexed nor copied. */
struct spliced_text {
	const char *text;
	size_t len, start, end, newlines;
	size_t at; /* position in what has been read */
};

static size_t read_spliced(void *buffer, size_t size, void *data)
{
	struct spliced_text *s = data;
	size_t gap = 4 + s->newlines, n;
	if (s->at < s->start) {
		n = s->start - s->at < size ? s->start - s->at : size;
		memcpy(buffer, s->text + s->at, n);
	} else if (s->at < s->start + gap) {
		size_t k = s->at - s->start;
		n = gap - k < size ? gap - k : size;
		for (size_t i = 0; i < n; i++)
			((char *)buffer)[i] = k + i < 4 ? "null"[k + i] : '\n';
	} else {
		size_t from = s->end + (s->at - s->start - gap);
		n = s->len - from < size ? s->len - from : size;
		memcpy(buffer, s->text + from, n);
	}
	s->at += n;
	return n;
}

static json_t *load_spliced(struct field_ctx *c, struct spliced_text *s)
{
	for (size_t i = s->start; i < s->end; i++)
		s->newlines += s->text[i] == '\n';
	json_error_t jerr;
	return parsed(c, json_load_callback(read_spliced, s, JSON_REJECT_DUPLICATES, &jerr), &jerr);
}

/* Parse config.json's text, which *text owns; linux.seccomp is kept as written (see spec.h), the
 * spec then owning the text it points into. */
static int parse_config_text(char **text, size_t len, struct spec *out, struct error **err)
{
	static const char *const seccomp[] = {"linux", "seccomp", NULL};
	struct field_ctx c = {.doc = "config.json", .err = err};
	memset(out, 0, sizeof(*out));
	struct spliced_text s = {.text = *text, .len = len};
	bool found = len <= SPEC_MAX_SIZE && field_find_object(*text, len, seccomp, &s.start, &s.end);
	json_t *root = found ? load_spliced(&c, &s) : load_json(&c, *text, len);
	int ret = root != NULL ? parse_document(&c, root, out) : -1;
	json_decref(root);
	if (ret < 0) {
		spec_free(out);
		return -1;
	}
	if (found) {
		out->seccomp_buffer = steal_pointer(text);
		out->seccomp = out->seccomp_buffer + s.start;
		out->seccomp[s.end - s.start] = '\0';
		out->seccomp_len = s.end - s.start;
	}
	return 0;
}

int spec_parse(const char *json, size_t len, struct spec *out, struct error **err)
{
	memset(out, 0, sizeof(*out));
	if (len > SPEC_MAX_SIZE)
		return err_new(err, ERR_INVALID, "config.json: larger than %d bytes", SPEC_MAX_SIZE);
	cleanup_free char *text = malloc(len + 1);
	if (text == NULL)
		return err_sys(err, ENOMEM, "config.json");
	memcpy(text, json, len);
	return parse_config_text(&text, len, out, err);
}

int spec_parse_process(const char *json, size_t len, struct spec_process *out, struct error **err)
{
	struct field_ctx c = {.doc = "process", .err = err};
	memset(out, 0, sizeof(*out));
	json_t *root = load_json(&c, json, len);
	if (root == NULL)
		return -1;
	int ret = parse_process(&c, root, "", out);
	json_decref(root);
	return ret;
}

/* Read at most SPEC_MAX_SIZE bytes of a regular file; one byte more is an error. */
static int read_bounded(const char *path, char **out, size_t *out_len, struct error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return err_sys(err, errno, "%s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(err, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return err_new(err, ERR_INVALID, "%s: not a regular file", path);
	if (st.st_size > SPEC_MAX_SIZE)
		return err_new(err, ERR_INVALID, "%s: larger than %d bytes", path, SPEC_MAX_SIZE);
	return fs_read_fd(fd, path, SPEC_MAX_SIZE, out, out_len, err);
}

/* The text of bundle/config.json. */
static int read_config(const char *bundle, char **text, size_t *len, struct error **err)
{
	cleanup_free char *path = NULL;
	size_t blen = strlen(bundle);
	while (blen > 1 && bundle[blen - 1] == '/')
		blen--;
	if (asprintf(&path, "%.*s/config.json", (int)blen, bundle) < 0)
		return err_sys(err, ENOMEM, "config.json");
	return read_bounded(path, text, len, err);
}

int spec_load(const char *bundle, struct spec *out, struct error **err)
{
	memset(out, 0, sizeof(*out));
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (read_config(bundle, &text, &len, err) < 0)
		return -1;
	return parse_config_text(&text, len, out, err);
}

json_t *spec_load_json(const char *bundle, struct error **err)
{
	struct field_ctx c = {.doc = "config.json", .err = err};
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (read_config(bundle, &text, &len, err) < 0)
		return NULL;
	return load_json(&c, text, len);
}

void spec_process_free(struct spec_process *process)
{
	if (process == NULL)
		return;
	strv_free(process->args);
	strv_free(process->env);
	free(process->cwd);
	free(process->user.additional_gids);
	free(process->rlimits);
	free(process->apparmor_profile);
	free(process->selinux_label);
	memset(process, 0, sizeof(*process));
}

void spec_free(struct spec *spec)
{
	if (spec == NULL)
		return;
	free(spec->oci_version);
	free(spec->hostname);
	free(spec->root_path);
	spec_process_free(&spec->process);
	spec_mounts_free(spec);
	json_decref(spec->annotations);
	free(spec->seccomp_buffer);
	json_decref(spec->sysctl);
	free(spec->mount_label);
	memset(spec, 0, sizeof(*spec));
}

const char *spec_annotation(const struct spec *spec, const char *key)
{
	return json_string_value(json_object_get(spec->annotations, key));
}
