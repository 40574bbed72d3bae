/* SPDX-License-Identifier: Apache-2.0 */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fsutil.h"

#define RECORD_NAME      "state.json"
#define EXIT_RESERVE     "exit.reserve"
#define RESERVE_SPARE    4096 /* beyond the first record's size: the exit's fields, digits */
#define RECORD_MAX_BYTES (1 << 20)

static const char *const status_names[] = {"creating", "created", "running", "stopped"};

const char *proc_status_name(enum proc_status status)
{
	return (unsigned)status < 4 ? status_names[status] : "unknown";
}

const char *state_root(void)
{
	return config_get("REAPER_ROOT");
}

int state_validate_id(const char *what, const char *id, struct error **err)
{
	if (id == NULL || *id == '\0')
		return err_new(err, ERR_INVALID, "%s must not be empty", what);
	size_t len = strlen(id);
	if (len > STATE_ID_MAX)
		return err_new(err, ERR_INVALID, "%s is %zu bytes long, more than %d", what, len,
			       STATE_ID_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return err_new(err, ERR_INVALID, "%s '%s' is not allowed", what, id);
	for (const char *p = id; *p; p++) {
		unsigned char c = (unsigned char)*p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '+' || c == '.' || c == '-';
		if (!ok)
			return err_new(err, ERR_INVALID,
				       "%s '%.64s' has a character outside [A-Za-z0-9_+.-] at offset %zu",
				       what, id, (size_t)(p - id));
	}
	return 0;
}

static char *join(const char *a, const char *b)
{
	char *out = NULL;
	return asprintf(&out, "%s/%s", a, b) < 0 ? NULL : out;
}

char *state_namespace_dir(const char *root, const char *ns)
{
	return join(root, ns);
}

char *state_container_dir(const char *root, const char *ns, const char *id)
{
	char *out = NULL;
	return asprintf(&out, "%s/%s/%s", root, ns, id) < 0 ? NULL : out;
}

char *state_exec_dir(const char *container_dir, const char *exec_id)
{
	char *out = NULL;
	return asprintf(&out, "%s/exec/%s", container_dir, exec_id) < 0 ? NULL : out;
}

char *state_file(const char *dir, const char *name)
{
	return join(dir, name);
}

int state_make_dir(const char *dir, const char *what, struct error **err)
{
	if (fs_mkdir_parent(dir, 0700, err) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return err_new(err, ERR_EXISTS, "%s already exists", what);
		return err_sys(err, errno, "mkdir %s", dir);
	}
	return 0;
}

int state_remove_dir(const char *dir, struct error **err)
{
	return fs_remove_tree(dir, err);
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *record_to_json(const struct proc_state *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(st->id ? st->id : ""));
	json_object_set_new(o, "exec_id", string_or_null(st->exec_id));
	json_object_set_new(o, "bundle", string_or_null(st->bundle));
	json_object_set_new(o, "status", json_string(proc_status_name(st->status)));
	json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "pid_start", json_integer((json_int_t)st->pid_start));
	json_object_set_new(o, "monitor_pid", json_integer(st->monitor_pid));
	json_object_set_new(o, "monitor_start", json_integer((json_int_t)st->monitor_start));
	json_object_set_new(o, "exit_code", json_integer(st->exit_code));
	json_object_set_new(o, "exited_at_ns", json_integer(st->exited_at_ns));
	json_object_set_new(o, "created_ns", json_integer(st->created_ns));
	json_object_set_new(o, "stdin", string_or_null(st->stdin_path));
	json_object_set_new(o, "stdout", string_or_null(st->stdout_path));
	json_object_set_new(o, "stderr", string_or_null(st->stderr_path));
	json_object_set_new(o, "terminal", json_boolean(st->terminal));
	json_object_set_new(o, "sandbox", json_boolean(st->sandbox));
	if (st->group != NULL)
		json_object_set_new(o, "group", json_string(st->group));
	json_object_set_new(o, "annotations", st->annotations ? json_incref(st->annotations) : json_object());
	return o;
}

int state_write(const char *dir, const struct proc_state *st, struct error **err)
{
	json_t *o = record_to_json(st);
	cleanup_free char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return err_sys(err, ENOMEM, "encode state of %s", st->id);
	cleanup_free char *path = state_file(dir, RECORD_NAME);
	if (st->status != PROC_STOPPED)
		return fs_write_atomic(path, text, strlen(text), 0600, err);
	/* The exit is the record that must never be lost (docs/architecture.md, invariant 1): durable,
	 * and written into the room its creator set aside, so a full disk cannot lose it. The others
	 * can be rebuilt from the processes themselves, and /run is a tmpfs on real nodes. */
	cleanup_free char *reserve = state_file(dir, EXIT_RESERVE);
	struct error *cause = NULL;
	if (fs_write_durable_reserved(reserve, path, text, strlen(text), &cause) == 0)
		return 0;
	if (cause->errnum != ENOENT) {
		if (err != NULL)
			*err = cause;
		else
			err_free(&cause);
		return -1;
	}
	err_free(&cause); /* no reserve (an older creator, or used up): an ordinary write */
	return fs_write_durable(path, text, strlen(text), 0600, err);
}

int state_reserve_exit(const char *dir, const struct proc_state *st, struct error **err)
{
	json_t *o = record_to_json(st);
	cleanup_free char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return err_sys(err, ENOMEM, "encode state of %s", st->id);
	size_t size = (strlen(text) + RESERVE_SPARE + 4095) & ~(size_t)4095;
	cleanup_free char *reserve = state_file(dir, EXIT_RESERVE);
	return fs_reserve(reserve, size, 0600, err);
}

/* Field readers: each names the field and file when the value has the wrong type or range. */
struct reader {
	json_t *obj;
	const char *path;
	struct error **err;
	bool failed;
};

static void bad_field(struct reader *r, const char *key, const char *want)
{
	if (!r->failed)
		err_new(r->err, ERR_INVALID, "%s: corrupt state: field '%s' %s", r->path, key, want);
	r->failed = true;
}

static char *read_string(struct reader *r, const char *key, bool required)
{
	json_t *v = json_object_get(r->obj, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			bad_field(r, key, "is missing");
		return NULL;
	}
	if (!json_is_string(v)) {
		bad_field(r, key, "must be a string");
		return NULL;
	}
	return strdup(json_string_value(v));
}

static long long read_int(struct reader *r, const char *key, long long min, long long max)
{
	json_t *v = json_object_get(r->obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		bad_field(r, key, "must be an integer in range");
		return 0;
	}
	return json_integer_value(v);
}

static bool read_bool(struct reader *r, const char *key)
{
	json_t *v = json_object_get(r->obj, key);
	if (v == NULL)
		return false;
	if (!json_is_boolean(v))
		bad_field(r, key, "must be a boolean");
	return json_is_true(v);
}

static enum proc_status read_status(struct reader *r)
{
	json_t *v = json_object_get(r->obj, "status");
	const char *name = json_string_value(v);
	for (size_t i = 0; name != NULL && i < 4; i++) {
		if (strcmp(name, status_names[i]) == 0)
			return (enum proc_status)i;
	}
	bad_field(r, "status", "must be creating, created, running or stopped");
	return PROC_STOPPED;
}

static int record_from_json(json_t *o, const char *path, struct proc_state *st, struct error **err)
{
	struct reader r = {.obj = o, .path = path, .err = err};
	if (!json_is_object(o))
		return err_new(err, ERR_INVALID, "%s: corrupt state: not a JSON object", path);
	*st = (struct proc_state){0};
	st->id = read_string(&r, "id", true);
	st->exec_id = read_string(&r, "exec_id", false);
	st->bundle = read_string(&r, "bundle", false);
	st->status = read_status(&r);
	st->pid = (pid_t)read_int(&r, "pid", 0, INT_MAX);
	st->pid_start = (unsigned long long)read_int(&r, "pid_start", 0, LLONG_MAX);
	st->monitor_pid = (pid_t)read_int(&r, "monitor_pid", 0, INT_MAX);
	st->monitor_start = (unsigned long long)read_int(&r, "monitor_start", 0, LLONG_MAX);
	st->exit_code = (int)read_int(&r, "exit_code", -1, 255);
	st->exited_at_ns = read_int(&r, "exited_at_ns", 0, LLONG_MAX);
	st->created_ns = read_int(&r, "created_ns", 0, LLONG_MAX);
	st->stdin_path = read_string(&r, "stdin", false);
	st->stdout_path = read_string(&r, "stdout", false);
	st->stderr_path = read_string(&r, "stderr", false);
	st->terminal = read_bool(&r, "terminal");
	st->sandbox = read_bool(&r, "sandbox");
	st->group = read_string(&r, "group", false);
	json_t *ann = json_object_get(o, "annotations");
	if (ann != NULL && !json_is_object(ann))
		bad_field(&r, "annotations", "must be an object");
	else if (ann != NULL)
		st->annotations = json_incref(ann);
	if (r.failed) {
		proc_state_free(st);
		return -1;
	}
	return 0;
}

int state_read(const char *dir, struct proc_state *st, struct error **err)
{
	cleanup_free char *path = state_file(dir, RECORD_NAME);
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (fs_read_file(path, RECORD_MAX_BYTES, &text, &len, err) < 0) {
		if (err != NULL && *err != NULL && (*err)->errnum == ENOENT)
			(*err)->kind = ERR_NOT_FOUND;
		return -1;
	}
	json_error_t jerr;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		return err_new(err, ERR_INVALID, "%s: corrupt state: %s at line %d column %d", path,
			       jerr.text, jerr.line, jerr.column);
	int rc = record_from_json(o, path, st, err);
	json_decref(o);
	return rc;
}

int state_update(const char *dir, state_update_fn fn, void *data, struct error **err)
{
	cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		int saved = errno;
		err_sys(err, saved, "open %s", dir);
		/* Deleted meanwhile: the same kind state_read reports for a missing record. */
		if (saved == ENOENT && err != NULL && *err != NULL)
			(*err)->kind = ERR_NOT_FOUND;
		return -1;
	}
	if (flock(dirfd, LOCK_EX) < 0)
		return err_sys(err, errno, "lock %s", dir);
	struct proc_state st;
	if (state_read(dir, &st, err) < 0)
		return -1;
	int rc = fn(&st, data, err);
	if (rc == 0)
		rc = state_write(dir, &st, err);
	proc_state_free(&st);
	return rc < 0 ? -1 : 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A process directory: a real directory (not a link to one) whose name is a valid id. */
static bool is_process_dir(DIR *d, const struct dirent *e)
{
	if (state_validate_id("id", e->d_name, NULL) < 0)
		return false;
	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_DIR;
	struct stat st;
	return fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int state_list(const char *dir, char ***out, struct error **err)
{
	*out = NULL;
	cleanup_strv char **ids = calloc(1, sizeof(char *));
	if (ids == NULL)
		return err_sys(err, ENOMEM, "list %s", dir);
	DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno != ENOENT)
			return err_sys(err, errno, "open %s", dir);
		*out = steal_pointer(&ids);
		return 0;
	}
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!is_process_dir(d, e))
			continue;
		char **grown = realloc(ids, (n + 2) * sizeof(char *));
		if (grown == NULL || (grown[n] = strdup(e->d_name)) == NULL) {
			if (grown != NULL)
				ids = grown;
			closedir(d);
			return err_sys(err, ENOMEM, "list %s", dir);
		}
		ids = grown;
		ids[++n] = NULL;
	}
	closedir(d);
	qsort(ids, n, sizeof(char *), compare_strings);
	*out = steal_pointer(&ids);
	return 0;
}

void proc_state_free(struct proc_state *st)
{
	free(st->id);
	free(st->exec_id);
	free(st->bundle);
	free(st->group);
	free(st->stdin_path);
	free(st->stdout_path);
	free(st->stderr_path);
	json_decref(st->annotations);
	*st = (struct proc_state){0};
}

const char *state_process_kind(const char *exec_id)
{
	return exec_id ? "exec" : "container";
}

const char *state_process_name(const char *id, const char *exec_id)
{
	return exec_id ? exec_id : id;
}

char *state_process_dir(const struct runtime *rt, const char *id, const char *exec_id)
{
	cleanup_free char *dir = state_container_dir(rt->root, rt->ns, id);
	if (dir == NULL || exec_id == NULL)
		return steal_pointer(&dir);
	return state_exec_dir(dir, exec_id);
}

int state_validate_process(const struct runtime *rt, const char *id, const char *exec_id, struct error **err)
{
	if (state_validate_id("namespace", rt->ns, err) < 0 || state_validate_id("container id", id, err) < 0)
		return -1;
	return exec_id ? state_validate_id("exec id", exec_id, err) : 0;
}

int state_read_process(const struct runtime *rt, const char *id, const char *exec_id, struct proc_state *out,
		       struct error **err)
{
	if (state_validate_process(rt, id, exec_id, err) < 0)
		return -1;
	cleanup_free char *dir = state_process_dir(rt, id, exec_id);
	if (dir == NULL)
		return err_sys(err, ENOMEM, "state path");
	struct error *cause = NULL;
	if (state_read(dir, out, &cause) == 0)
		return 0;
	if (cause->kind != ERR_NOT_FOUND) {
		if (err != NULL)
			*err = cause;
		else
			err_free(&cause);
		return -1;
	}
	err_free(&cause);
	return err_new(err, ERR_NOT_FOUND, "%s %s does not exist", state_process_kind(exec_id),
		       state_process_name(id, exec_id));
}

int state_list_processes(const struct runtime *rt, const char *id, char ***ids, struct error **err)
{
	if (state_validate_id("namespace", rt->ns, err) < 0)
		return -1;
	cleanup_free char *dir = NULL;
	if (id != NULL) {
		if (state_validate_id("container id", id, err) < 0)
			return -1;
		cleanup_free char *cdir = state_process_dir(rt, id, NULL);
		dir = state_file(cdir, "exec");
	} else {
		dir = state_namespace_dir(rt->root, rt->ns);
	}
	return state_list(dir, ids, err);
}
