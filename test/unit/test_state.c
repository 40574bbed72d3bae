/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/state.c: id validation, paths, process directories, the JSON record (round
 * trip, modes, corrupt input), read-modify-write under the lock with concurrent writers, listing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "state.h"
#include "testlib.h"

/* ---- ids ---- */

static void id_ok(const char *id)
{
	struct error *err = NULL;
	ck_assert_msg(state_validate_id("container id", id, &err) == 0, "'%s' refused: %s", id,
		      err_message(err));
	ck_assert_ptr_null(err);
}

static void id_refused(const char *id, const char *want_in_message)
{
	struct error *err = NULL;
	ck_assert_msg(state_validate_id("container id", id, &err) < 0, "'%s' accepted", id ? id : "(null)");
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_msg(strstr(err_message(err), "container id") != NULL, "'%s' does not name the id",
		      err_message(err));
	ck_assert_msg(strstr(err_message(err), want_in_message) != NULL, "'%s' does not say '%s'",
		      err_message(err), want_in_message);
	err_free(&err);
}

START_TEST(ids_accepted)
{
	id_ok("a");
	id_ok("abc-DEF_012+3.4");
	id_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+.-");
	id_ok("...");
	id_ok(".hidden");
	id_ok("-");
	char max[STATE_ID_MAX + 1];
	memset(max, 'x', STATE_ID_MAX);
	max[STATE_ID_MAX] = '\0';
	ck_assert_int_eq(strlen(max), 256);
	id_ok(max);
}
END_TEST

START_TEST(ids_refused)
{
	id_refused(NULL, "empty");
	id_refused("", "empty");
	id_refused(".", "not allowed");
	id_refused("..", "not allowed");
	id_refused("a/b", "at offset 1");
	id_refused("/", "at offset 0");
	id_refused("../etc", "at offset 2");
	id_refused("a b", "outside [A-Za-z0-9_+.-]");
	id_refused("a:b", "outside");
	id_refused("a@b", "outside");
	id_refused("a*", "outside");
	id_refused("a\nb", "outside");
	id_refused("caf\xc3\xa9", "at offset 3");
	id_refused("a\\b", "outside");
	char long_id[STATE_ID_MAX + 2];
	memset(long_id, 'x', STATE_ID_MAX + 1);
	long_id[STATE_ID_MAX + 1] = '\0';
	id_refused(long_id, "257 bytes long, more than 256");
}
END_TEST

START_TEST(ids_name_what_is_checked)
{
	struct error *err = NULL;
	ck_assert_int_lt(state_validate_id("exec id", "x/y", &err), 0);
	ck_assert_str_eq(err_message(err),
			 "exec id 'x/y' has a character outside [A-Za-z0-9_+.-] at offset 1");
	err_free(&err);
	ck_assert_int_lt(state_validate_id("namespace", "", NULL), 0);
}
END_TEST

/* ---- paths and directories ---- */

START_TEST(paths)
{
	char *p = state_namespace_dir("/run/reaper", "k8s.io");
	ck_assert_str_eq(p, "/run/reaper/k8s.io");
	free(p);
	p = state_container_dir("/run/reaper", "default", "c1");
	ck_assert_str_eq(p, "/run/reaper/default/c1");
	char *e = state_exec_dir(p, "e1");
	ck_assert_str_eq(e, "/run/reaper/default/c1/exec/e1");
	char *f = state_file(e, "start.fifo");
	ck_assert_str_eq(f, "/run/reaper/default/c1/exec/e1/start.fifo");
	free(p);
	free(e);
	free(f);
}
END_TEST

START_TEST(make_dir_creates_0700_with_parents)
{
	char *ns = testlib_path("state/default");
	char *dir = state_container_dir(testlib_test_dir(), "state/default", "c1");
	char *state = testlib_path("state");
	struct error *err = NULL;
	ck_assert_int_eq(state_make_dir(dir, "container c1", &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_int_eq(testlib_mode(dir), 0700);
	ck_assert_int_eq(testlib_mode(ns), 0700);
	ck_assert_int_eq(testlib_mode(state), 0700);
	/* An exec directory below it, its exec/ parent made on the way. */
	char *exec = state_exec_dir(dir, "e1");
	ck_assert_int_eq(state_make_dir(exec, "exec e1", &err), 0);
	ck_assert_int_eq(testlib_mode(exec), 0700);
	char *exec_parent = state_file(dir, "exec");
	ck_assert_int_eq(testlib_mode(exec_parent), 0700);
	free(ns);
	free(dir);
	free(state);
	free(exec);
	free(exec_parent);
}
END_TEST

START_TEST(make_dir_of_an_existing_one_is_err_exists)
{
	char *dir = testlib_path("c1");
	struct error *err = NULL;
	ck_assert_int_eq(state_make_dir(dir, "container c1", &err), 0);
	ck_assert_int_lt(state_make_dir(dir, "container c1", &err), 0);
	ck_assert_int_eq(err->kind, ERR_EXISTS);
	ck_assert_str_eq(err_message(err), "container c1 already exists");
	err_free(&err);
	free(dir);
}
END_TEST

START_TEST(remove_dir_removes_everything_and_tolerates_missing)
{
	char *dir = testlib_path("ns/c1");
	char *exec = state_exec_dir(dir, "e1");
	struct error *err = NULL;
	ck_assert_int_eq(state_make_dir(exec, "exec e1", &err), 0);
	struct proc_state st = {.id = "c1", .status = PROC_CREATED};
	ck_assert_int_eq(state_write(dir, &st, &err), 0);
	ck_assert_int_eq(state_write(exec, &st, &err), 0);
	char *fifo = state_file(dir, "start.fifo");
	ck_assert_int_eq(mkfifo(fifo, 0622), 0);
	ck_assert_int_eq(state_remove_dir(dir, &err), 0);
	ck_assert_int_eq(access(dir, F_OK), -1);
	ck_assert_int_eq(state_remove_dir(dir, &err), 0); /* again: missing is fine */
	ck_assert_ptr_null(err);
	char *ns = testlib_path("ns");
	ck_assert_int_eq(access(ns, F_OK), 0); /* only the process directory goes */
	free(dir);
	free(exec);
	free(fifo);
	free(ns);
}
END_TEST

/* ---- the record ---- */

static struct proc_state full_record(void)
{
	struct proc_state st = {
		.id = strdup("c1"),
		.exec_id = strdup("exec-1"),
		.bundle = strdup("/run/containerd/bundle \"quoted\" path"),
		.status = PROC_RUNNING,
		.pid = 4242,
		.pid_start = 123456789ULL,
		.monitor_pid = 4241,
		.monitor_start = 123456700ULL,
		.exit_code = 137,
		.exited_at_ns = 1700000000123456789LL,
		.created_ns = 1690000000987654321LL,
		.stdin_path = strdup("/run/fifo/stdin"),
		.stdout_path = strdup("/run/fifo/stdout"),
		.stderr_path = strdup("/run/fifo/stderr\nwith newline"),
		.terminal = true,
		.sandbox = true,
		.annotations = json_pack("{s:s, s:s}", "io.kubernetes.cri.container-type", "sandbox", "k",
					 "v\u00e9"),
	};
	return st;
}

static void assert_same_record(const struct proc_state *a, const struct proc_state *b)
{
	ck_assert_str_eq(a->id, b->id);
	ck_assert_pstr_eq(a->exec_id, b->exec_id);
	ck_assert_pstr_eq(a->bundle, b->bundle);
	ck_assert_int_eq(a->status, b->status);
	ck_assert_int_eq(a->pid, b->pid);
	ck_assert_uint_eq(a->pid_start, b->pid_start);
	ck_assert_int_eq(a->monitor_pid, b->monitor_pid);
	ck_assert_uint_eq(a->monitor_start, b->monitor_start);
	ck_assert_int_eq(a->exit_code, b->exit_code);
	ck_assert(a->exited_at_ns == b->exited_at_ns);
	ck_assert(a->created_ns == b->created_ns);
	ck_assert_pstr_eq(a->stdin_path, b->stdin_path);
	ck_assert_pstr_eq(a->stdout_path, b->stdout_path);
	ck_assert_pstr_eq(a->stderr_path, b->stderr_path);
	ck_assert_int_eq(a->terminal, b->terminal);
	ck_assert_int_eq(a->sandbox, b->sandbox);
	if (a->annotations == NULL || json_object_size(a->annotations) == 0)
		ck_assert(b->annotations == NULL || json_object_size(b->annotations) == 0);
	else
		ck_assert(json_equal(a->annotations, b->annotations));
}

static char *make_process_dir(const char *name)
{
	char *dir = testlib_path(name);
	struct error *err = NULL;
	ck_assert_int_eq(state_make_dir(dir, name, &err), 0);
	return dir;
}

START_TEST(write_read_round_trip_of_every_field)
{
	char *dir = make_process_dir("c1");
	struct proc_state st = full_record();
	struct error *err = NULL;
	ck_assert_int_eq(state_write(dir, &st, &err), 0);
	ck_assert_ptr_null(err);
	struct proc_state got;
	ck_assert_int_eq(state_read(dir, &got, &err), 0);
	assert_same_record(&st, &got);
	proc_state_free(&got);

	/* Every status, extremes of every number. */
	for (int s = PROC_CREATING; s <= PROC_STOPPED; s++) {
		st.status = (enum proc_status)s;
		st.pid = s == PROC_STOPPED ? INT_MAX : 0;
		st.pid_start = s == PROC_STOPPED ? (unsigned long long)LLONG_MAX : 0;
		st.exit_code = s == PROC_CREATED ? -1 : 255;
		st.exited_at_ns = s == PROC_STOPPED ? LLONG_MAX : 0;
		st.terminal = s % 2;
		st.sandbox = !(s % 2);
		ck_assert_int_eq(state_write(dir, &st, &err), 0);
		ck_assert_int_eq(state_read(dir, &got, &err), 0);
		assert_same_record(&st, &got);
		proc_state_free(&got);
	}
	proc_state_free(&st);
	ck_assert_ptr_null(st.id); /* proc_state_free leaves it empty */
	free(dir);
}
END_TEST

START_TEST(optional_fields_stay_absent)
{
	char *dir = make_process_dir("c1");
	struct proc_state st = {.id = "c1", .status = PROC_CREATED, .pid = 10};
	struct error *err = NULL;
	ck_assert_int_eq(state_write(dir, &st, &err), 0);
	struct proc_state got;
	ck_assert_int_eq(state_read(dir, &got, &err), 0);
	ck_assert_str_eq(got.id, "c1");
	ck_assert_ptr_null(got.exec_id);
	ck_assert_ptr_null(got.bundle);
	ck_assert_ptr_null(got.stdin_path);
	ck_assert_ptr_null(got.stdout_path);
	ck_assert_ptr_null(got.stderr_path);
	ck_assert(!got.terminal);
	ck_assert(got.annotations == NULL || json_object_size(got.annotations) == 0);
	proc_state_free(&got);
	free(dir);
}
END_TEST

START_TEST(record_file_is_0600_json)
{
	char *dir = make_process_dir("c1");
	char *file = state_file(dir, "state.json");
	struct error *err = NULL;
	for (int s = PROC_CREATING; s <= PROC_STOPPED; s++) {
		umask(s % 2 ? 0 : 077);
		struct proc_state st = {.id = "c1", .status = (enum proc_status)s};
		ck_assert_int_eq(state_write(dir, &st, &err), 0);
		ck_assert_int_eq(testlib_mode(file), 0600);
		json_t *doc = json_load_file(file, 0, NULL);
		ck_assert_ptr_nonnull(doc);
		ck_assert_str_eq(json_string_value(json_object_get(doc, "status")),
				 proc_status_name((enum proc_status)s));
		json_decref(doc);
	}
	/* Only the record: no temp files left in the directory. */
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(names[2]->d_name, "state.json");
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(file);
	free(dir);
}
END_TEST

static void read_fails(const char *dir, const char *text, enum err_kind kind, const char *field)
{
	char *file = state_file(dir, "state.json");
	testlib_write_file(file, text);
	struct proc_state got;
	struct error *err = NULL;
	ck_assert_msg(state_read(dir, &got, &err) < 0, "accepted: %s", text);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, kind);
	const char *msg = err_message(err);
	ck_assert_msg(strstr(msg, file) != NULL, "'%s' does not name %s", msg, file);
	if (field != NULL) {
		char quoted[64];
		snprintf(quoted, sizeof(quoted), "'%s'", field);
		ck_assert_msg(strstr(msg, quoted) != NULL, "'%s' does not name field %s (input %s)", msg,
			      quoted, text);
	}
	err_free(&err);
	free(file);
}

#define VALID_PREFIX                                                                         \
	"{\"id\":\"c1\",\"status\":\"running\",\"pid\":1,\"pid_start\":1,\"monitor_pid\":1," \
	"\"monitor_start\":1,\"exit_code\":0,\"exited_at_ns\":0,\"created_ns\":0"

START_TEST(corrupt_records_are_err_invalid)
{
	char *dir = make_process_dir("c1");
	read_fails(dir, "", ERR_INVALID, NULL);
	read_fails(dir, "not json", ERR_INVALID, NULL);
	read_fails(dir, "{\"id\":\"c1\"", ERR_INVALID, NULL);
	read_fails(dir, "[]", ERR_INVALID, NULL);
	read_fails(dir, "\"c1\"", ERR_INVALID, NULL);
	read_fails(dir, VALID_PREFIX ",\"id\":\"c2\"}", ERR_INVALID, NULL); /* duplicate key */
	/* Fields checked one by one against a record that is valid otherwise. */
	read_fails(dir, VALID_PREFIX ",\"bundle\":7}", ERR_INVALID, "bundle");
	read_fails(dir, VALID_PREFIX ",\"exec_id\":[]}", ERR_INVALID, "exec_id");
	read_fails(dir, VALID_PREFIX ",\"stdin\":{}}", ERR_INVALID, "stdin");
	read_fails(dir, VALID_PREFIX ",\"stdout\":true}", ERR_INVALID, "stdout");
	read_fails(dir, VALID_PREFIX ",\"stderr\":1.5}", ERR_INVALID, "stderr");
	read_fails(dir, VALID_PREFIX ",\"terminal\":\"yes\"}", ERR_INVALID, "terminal");
	read_fails(dir, VALID_PREFIX ",\"sandbox\":1}", ERR_INVALID, "sandbox");
	read_fails(dir, VALID_PREFIX ",\"annotations\":[]}", ERR_INVALID, "annotations");
	/* Each required field missing, of the wrong type or out of its range. */
	static const char *const numbers[][2] = {
		{"id", "5"},
		{"status", "\"zombie\""},
		{"status", "\"Running\""},
		{"status", "3"},
		{"pid", "-1"},
		{"pid", "2147483648"},
		{"pid", "\"1\""},
		{"pid", "1.0"},
		{"pid_start", "-1"},
		{"monitor_pid", "-5"},
		{"monitor_pid", "99999999999"},
		{"monitor_start", "null"},
		{"exit_code", "256"},
		{"exit_code", "-2"},
		{"exit_code", "false"},
		{"exited_at_ns", "-1"},
		{"created_ns", "\"now\""},
	};
	for (size_t i = 0; i < ARRAY_LEN(numbers); i++) {
		/* A valid record with that one field replaced (JSON_REJECT_DUPLICATES: rebuild). */
		json_t *doc = json_loads(VALID_PREFIX "}", 0, NULL);
		ck_assert_ptr_nonnull(doc);
		json_t *bad = json_loads(numbers[i][1], JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(bad);
		json_object_set_new(doc, numbers[i][0], bad);
		char *text = json_dumps(doc, 0);
		read_fails(dir, text, ERR_INVALID, numbers[i][0]);
		json_object_del(doc, numbers[i][0]);
		free(text);
		text = json_dumps(doc, 0);
		read_fails(dir, text, ERR_INVALID, numbers[i][0]);
		free(text);
		json_decref(doc);
	}
	/* The valid base record itself reads fine: the failures above are the fields'. */
	char *file = state_file(dir, "state.json");
	testlib_write_file(file, VALID_PREFIX "}");
	struct proc_state got;
	struct error *err = NULL;
	ck_assert_msg(state_read(dir, &got, &err) == 0, "%s", err_message(err));
	ck_assert_int_eq(got.status, PROC_RUNNING);
	proc_state_free(&got);
	free(file);
	free(dir);
}
END_TEST

START_TEST(oversized_record_is_refused)
{
	char *dir = make_process_dir("c1");
	char *file = state_file(dir, "state.json");
	size_t len = (1 << 20) + 100;
	char *big = malloc(len + 1);
	memset(big, ' ', len);
	memcpy(big, "{\"id\":\"c1\",\"status\":\"running\"}", 30);
	big[len] = '\0';
	testlib_write_file(file, big);
	struct proc_state got;
	struct error *err = NULL;
	ck_assert_int_lt(state_read(dir, &got, &err), 0);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_message(err), file));
	err_free(&err);
	free(big);
	free(file);
	free(dir);
}
END_TEST

START_TEST(missing_record_is_err_not_found)
{
	char *dir = make_process_dir("c1");
	struct proc_state got;
	struct error *err = NULL;
	ck_assert_int_lt(state_read(dir, &got, &err), 0);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	char *file = state_file(dir, "state.json");
	ck_assert_ptr_nonnull(strstr(err_message(err), file));
	err_free(&err);
	/* The directory itself missing too. */
	char *gone = testlib_path("gone");
	ck_assert_int_lt(state_read(gone, &got, &err), 0);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	err_free(&err);
	/* Without an error pointer: still a plain failure. */
	ck_assert_int_lt(state_read(gone, &got, NULL), 0);
	free(file);
	free(gone);
	free(dir);
}
END_TEST

/* ---- state_update ---- */

static int set_running(struct proc_state *st, void *data, struct error **err)
{
	st->status = PROC_RUNNING;
	st->pid = *(int *)data;
	return 0;
}

static int keep(struct proc_state *st, void *data, struct error **err)
{
	st->pid = 999; /* changed in memory, but "unchanged" is returned: not written */
	(*(int *)data)++;
	return 1;
}

static int refuse(struct proc_state *st, void *data, struct error **err)
{
	st->pid = 999;
	return err_new(err, ERR_STATE, "cannot: it is %s", proc_status_name(st->status));
}

static ino_t inode_of(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_ino;
}

START_TEST(update_writes_keeps_or_aborts)
{
	char *dir = make_process_dir("c1");
	char *file = state_file(dir, "state.json");
	struct proc_state st = full_record();
	st.status = PROC_CREATED;
	struct error *err = NULL;
	ck_assert_int_eq(state_write(dir, &st, &err), 0);

	/* 0: written, the other fields kept. */
	int pid = 77;
	ck_assert_int_eq(state_update(dir, set_running, &pid, &err), 0);
	struct proc_state got;
	ck_assert_int_eq(state_read(dir, &got, &err), 0);
	ck_assert_int_eq(got.status, PROC_RUNNING);
	ck_assert_int_eq(got.pid, 77);
	st.status = PROC_RUNNING;
	st.pid = 77;
	assert_same_record(&st, &got);
	proc_state_free(&got);

	/* 1: not written (the same file, untouched). */
	ino_t before = inode_of(file);
	int calls = 0;
	ck_assert_int_eq(state_update(dir, keep, &calls, &err), 0);
	ck_assert_int_eq(calls, 1);
	ck_assert_ptr_null(err);
	ck_assert(inode_of(file) == before);
	ck_assert_int_eq(state_read(dir, &got, &err), 0);
	ck_assert_int_eq(got.pid, 77);
	proc_state_free(&got);

	/* <0: aborted with fn's error, nothing written. */
	ck_assert_int_lt(state_update(dir, refuse, NULL, &err), 0);
	ck_assert_int_eq(err->kind, ERR_STATE);
	ck_assert_str_eq(err_message(err), "cannot: it is running");
	err_free(&err);
	ck_assert(inode_of(file) == before);
	ck_assert_int_eq(state_read(dir, &got, &err), 0);
	ck_assert_int_eq(got.pid, 77);
	proc_state_free(&got);
	proc_state_free(&st);
	free(file);
	free(dir);
}
END_TEST

START_TEST(update_of_missing_is_err_not_found)
{
	struct error *err = NULL;
	int calls = 0;
	/* The directory gone (deleted meanwhile). */
	char *gone = testlib_path("gone");
	ck_assert_int_lt(state_update(gone, keep, &calls, &err), 0);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err_message(err), gone));
	err_free(&err);
	/* The directory there, the record not. */
	char *dir = make_process_dir("c1");
	ck_assert_int_lt(state_update(dir, keep, &calls, &err), 0);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	err_free(&err);
	ck_assert_int_eq(calls, 0);
	free(gone);
	free(dir);
}
END_TEST

static int probe_lock(struct proc_state *st, void *data, struct error **err)
{
	/* Another open file description of the directory cannot take the lock now. */
	int fd = open(data, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	int rc = flock(fd, LOCK_EX | LOCK_NB);
	int saved = errno;
	close(fd);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(saved, EWOULDBLOCK);
	return 1;
}

START_TEST(update_holds_the_lock_while_fn_runs)
{
	char *dir = make_process_dir("c1");
	struct proc_state st = {.id = "c1", .status = PROC_CREATED};
	struct error *err = NULL;
	ck_assert_int_eq(state_write(dir, &st, &err), 0);
	ck_assert_int_eq(state_update(dir, probe_lock, dir, &err), 0);
	/* And released after. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	free(dir);
}
END_TEST

static int increment(struct proc_state *st, void *data, struct error **err)
{
	st->pid_start++;
	return 0;
}

START_TEST(concurrent_updates_lose_nothing)
{
	enum { WRITERS = 4, ROUNDS = 250 };
	char *dir = make_process_dir("c1");
	struct proc_state st = {.id = "c1", .status = PROC_RUNNING};
	struct error *err = NULL;
	ck_assert_int_eq(state_write(dir, &st, &err), 0);
	pid_t pids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			for (int r = 0; r < ROUNDS; r++) {
				if (state_update(dir, increment, NULL, NULL) < 0)
					_exit(2);
			}
			_exit(0);
		}
	}
	for (int i = 0; i < WRITERS; i++) {
		int status;
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d status %#x", i,
			      status);
	}
	struct proc_state got;
	ck_assert_int_eq(state_read(dir, &got, &err), 0);
	ck_assert_uint_eq(got.pid_start, WRITERS * ROUNDS);
	proc_state_free(&got);
	free(dir);
}
END_TEST

START_TEST(readers_never_see_a_partial_exit_record)
{
	/* The exit record goes through the durable path; a reader looping meanwhile always reads a
	 * whole record, one version or the other. */
	char *dir = make_process_dir("c1");
	struct proc_state a = full_record(), b = full_record();
	a.status = b.status = PROC_STOPPED;
	a.exit_code = 1;
	b.exit_code = 2;
	json_object_set_new(b.annotations, "padding", json_string("make the versions differ in size"));
	struct error *err = NULL;
	ck_assert_int_eq(state_write(dir, &a, &err), 0);
	int done[2];
	ck_assert_int_eq(pipe(done), 0);
	pid_t reader = fork();
	ck_assert_int_ge(reader, 0);
	if (reader == 0) {
		close(done[1]);
		fcntl(done[0], F_SETFL, O_NONBLOCK);
		char c;
		for (int reads = 0; read(done[0], &c, 1) < 0 || reads < 10; reads++) {
			struct proc_state got;
			if (state_read(dir, &got, NULL) < 0)
				_exit(2);
			if (got.status != PROC_STOPPED || (got.exit_code != 1 && got.exit_code != 2))
				_exit(3);
			proc_state_free(&got);
		}
		_exit(0);
	}
	close(done[0]);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(state_write(dir, i % 2 ? &a : &b, &err), 0);
	close(done[1]);
	int status;
	ck_assert_int_eq(waitpid(reader, &status, 0), reader);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader saw a bad record (status %#x)",
		      status);
	proc_state_free(&a);
	proc_state_free(&b);
	free(dir);
}
END_TEST

/* ---- listing ---- */

static char *joined(char **ids)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	for (char **p = ids; *p != NULL; p++)
		fprintf(f, "%s%s", p == ids ? "" : " ", *p);
	fclose(f);
	return out;
}

static void free_strv(char **v)
{
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

START_TEST(list_is_sorted_and_skips_junk)
{
	char *ns = testlib_path("ns");
	ck_assert_int_eq(mkdir(ns, 0700), 0);
	static const char *const dirs[] = {"b", "a", "C", "a-2", ".hidden", "z.9", "bad name", "x:y"};
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		char *d = NULL;
		ck_assert_int_ge(asprintf(&d, "%s/%s", ns, dirs[i]), 0);
		ck_assert_int_eq(mkdir(d, 0700), 0);
		free(d);
	}
	/* Not process directories: a file, a FIFO, a symlink to a directory, and temp leftovers. */
	char *file = NULL, *fifo = NULL, *link = NULL;
	ck_assert_int_ge(asprintf(&file, "%s/notes", ns), 0);
	ck_assert_int_ge(asprintf(&fifo, "%s/pipe", ns), 0);
	ck_assert_int_ge(asprintf(&link, "%s/link", ns), 0);
	testlib_write_file(file, "x");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(symlink("a", link), 0);
	char **ids = NULL;
	struct error *err = NULL;
	ck_assert_int_eq(state_list(ns, &ids, &err), 0);
	char *got = joined(ids);
	ck_assert_str_eq(got, ".hidden C a a-2 b z.9");
	free(got);
	free_strv(ids);
	free(file);
	free(fifo);
	free(link);
	free(ns);
}
END_TEST

START_TEST(list_of_missing_or_empty_dir_is_empty)
{
	char **ids = NULL;
	struct error *err = NULL;
	char *missing = testlib_path("missing");
	ck_assert_int_eq(state_list(missing, &ids, &err), 0);
	ck_assert_ptr_nonnull(ids);
	ck_assert_ptr_null(ids[0]);
	free_strv(ids);
	ck_assert_int_eq(state_list(testlib_test_dir(), &ids, &err), 0);
	ck_assert_ptr_null(ids[0]);
	free_strv(ids);
	/* A file where the directory should be is an error. */
	char *file = testlib_path("file");
	testlib_write_file(file, "");
	ck_assert_int_lt(state_list(file, &ids, &err), 0);
	ck_assert_ptr_null(ids);
	ck_assert_int_eq(err->errnum, ENOTDIR);
	err_free(&err);
	free(missing);
	free(file);
}
END_TEST

START_TEST(status_names_and_clock)
{
	ck_assert_str_eq(proc_status_name(PROC_CREATING), "creating");
	ck_assert_str_eq(proc_status_name(PROC_CREATED), "created");
	ck_assert_str_eq(proc_status_name(PROC_RUNNING), "running");
	ck_assert_str_eq(proc_status_name(PROC_STOPPED), "stopped");
	ck_assert_str_eq(proc_status_name((enum proc_status)4), "unknown");
	ck_assert_str_eq(proc_status_name((enum proc_status) - 1), "unknown");
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t before = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	int64_t now = clock_realtime_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t after = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	ck_assert(before <= now && now <= after);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");
	testlib_use_scratch(tc, TESTLIB_UMASK_022);
	tcase_add_test(tc, ids_accepted);
	tcase_add_test(tc, ids_refused);
	tcase_add_test(tc, ids_name_what_is_checked);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, make_dir_creates_0700_with_parents);
	tcase_add_test(tc, make_dir_of_an_existing_one_is_err_exists);
	tcase_add_test(tc, remove_dir_removes_everything_and_tolerates_missing);
	tcase_add_test(tc, write_read_round_trip_of_every_field);
	tcase_add_test(tc, optional_fields_stay_absent);
	tcase_add_test(tc, record_file_is_0600_json);
	tcase_add_test(tc, corrupt_records_are_err_invalid);
	tcase_add_test(tc, oversized_record_is_refused);
	tcase_add_test(tc, missing_record_is_err_not_found);
	tcase_add_test(tc, update_writes_keeps_or_aborts);
	tcase_add_test(tc, update_of_missing_is_err_not_found);
	tcase_add_test(tc, update_holds_the_lock_while_fn_runs);
	tcase_add_test(tc, concurrent_updates_lose_nothing);
	tcase_add_test(tc, readers_never_see_a_partial_exit_record);
	tcase_add_test(tc, list_is_sorted_and_skips_junk);
	tcase_add_test(tc, list_of_missing_or_empty_dir_is_empty);
	tcase_add_test(tc, status_names_and_clock);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
