/* SPDX-License-Identifier: Apache-2.0 */
/* The container operations: create, start, state, kill, delete, for a container's init process and
 * its execs. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "annotations.h"
#include "array.h"
#include "cleanup.h"
#include "clock.h"
#include "config.h"
#include "fsutil.h"
#include "gate.h"
#include "monitor.h"
#include "pidfd.h"
#include "pod_settings.h"
#include "process_tree.h"
#include "procfs.h"
#include "seccomp_filter.h"
#include "security.h"
#include "spec.h"

#define START_TIMEOUT_MS       10000
#define FAILED_START_SETTLE_MS 5000

/* The record a new process starts with; the monitor fills in its pids. */
static int initial_record(const struct create_options *o, const struct spec *spec,
			  const struct pod_settings *settings, struct proc_state *st, struct error **err)
{
	*st = (struct proc_state){.status = PROC_CREATING, .created_ns = clock_realtime_ns()};
	st->id = strdup(o->id);
	st->exec_id = o->exec_id ? strdup(o->exec_id) : NULL;
	st->bundle = o->bundle ? realpath(o->bundle, NULL) : NULL;
	for (int i = 0; i < 3; i++) {
		char **slot = i == 0 ? &st->stdin_path : i == 1 ? &st->stdout_path : &st->stderr_path;
		*slot = o->stdio_paths[i] ? strdup(o->stdio_paths[i]) : NULL;
	}
	if (spec != NULL) {
		st->terminal = spec->process.terminal;
		st->annotations = json_incref(spec->annotations);
		const char *type = spec_annotation(spec, ANNOTATION_CONTAINER_TYPE);
		st->sandbox = type != NULL && strcmp(type, CONTAINER_TYPE_SANDBOX) == 0;
		st->group = strdup(settings->group);
	}
	if (st->id == NULL || (o->bundle && st->bundle == NULL) || (spec != NULL && st->group == NULL))
		return err_sys(err, errno ? errno : ENOMEM, "bundle %s", o->bundle);
	return 0;
}

/* The fds to pass on are the caller's: each must be open (a closed one would hand the workload
 * whatever the runtime opened there). */
static int check_preserved_fds(const struct create_options *o, struct error **err)
{
	if (o->preserve_fds < 0)
		return err_new(err, ERR_INVALID, "cannot preserve %d fds", o->preserve_fds);
	for (int fd = 3; fd < 3 + o->preserve_fds; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			return err_new(err, ERR_INVALID, "cannot preserve fd %d: it is not open", fd);
	}
	return 0;
}

/* What create checks before it touches the store: config.json parses and its annotations are
 * good (the pod's settings), or the exec's container runs. */
static int check_request(const struct runtime *rt, const struct create_options *o, struct spec *spec,
			 struct pod_settings *settings, bool *terminal, struct error **err)
{
	if (check_preserved_fds(o, err) < 0)
		return -1;
	if (o->exec_id == NULL) {
		/* An empty bundle would read /config.json. */
		if (o->bundle == NULL || *o->bundle == '\0')
			return err_new(err, ERR_INVALID, "create %s: no bundle given", o->id);
		if (spec_load(o->bundle, spec, err) < 0 || pod_settings_read(spec, settings, err) < 0 ||
		    security_check_spec(spec, err) < 0)
			return -1;
		*terminal = spec->process.terminal;
		return 0;
	}
	struct proc_state init;
	if (container_state(rt, o->id, NULL, &init, err) < 0)
		return -1;
	enum proc_status status = init.status;
	proc_state_free(&init);
	if (status != PROC_RUNNING)
		return err_new(err, ERR_STATE, "cannot exec in container %s: it is %s", o->id,
			       proc_status_name(status));
	struct spec_process process;
	if (o->process_json == NULL ||
	    spec_parse_process(o->process_json, strlen(o->process_json), &process, err) < 0)
		return o->process_json ? -1
				       : err_new(err, ERR_INVALID, "exec %s: no process given", o->exec_id);
	*terminal = process.terminal;
	int rc = security_check_process(&process, "process: ", err);
	spec_process_free(&process);
	return rc;
}

static int write_process(const char *dir, const char *json, struct error **err)
{
	cleanup_free char *path = state_file(dir, "process.json");
	return json ? fs_write_atomic(path, json, strlen(json), 0600, err) : 0;
}

/* ---- create ---- */

struct create_op {
	struct op op;
	char *dir;
	char *kind_name; /* "container x" / "exec y", for messages */
	struct proc_state st;
	struct proc_state *out;
	int *exit_fd;
	pid_t monitor;
	int monitor_fd, sync_fd;
	struct monitor_reply reply;
	bool reap; /* the caller has no reaper of its own (the CLI): reap a monitor that failed */
	bool done;
};

static void create_op_free(struct op *op)
{
	struct create_op *c = (struct create_op *)op;
	/* Given up before it was done: a workload the monitor has already answered for (held at its
	 * gate) is killed; a monitor yet to answer finds nobody to answer and lets it go itself. */
	pid_t pid;
	if (c->sync_fd >= 0 && !c->done && monitor_reply_read(&c->reply, c->sync_fd, &pid, NULL) == 0)
		pidfd_signal_process(pid, 0, SIGKILL);
	if (c->sync_fd >= 0)
		close(c->sync_fd);
	if (c->monitor_fd >= 0)
		close(c->monitor_fd);
	proc_state_free(&c->st);
	free(c->dir);
	free(c->kind_name);
	free(c);
}

static int create_failed(struct create_op *c, struct error **err)
{
	close(c->sync_fd);
	c->sync_fd = -1;
	if (c->reap)
		waitpid(c->monitor, NULL, 0);
	state_remove_dir(c->dir, NULL);
	c->done = true;
	return err_wrap(err, "create %s", c->kind_name);
}

static int create_step(struct op *op, bool timed_out, struct error **err)
{
	struct create_op *c = (struct create_op *)op;
	if (timed_out) {
		pidfd_signal(c->monitor_fd, SIGKILL);
		err_new(err, ERR_SYSTEM, "the monitor did not answer within %d ms", MONITOR_REPLY_TIMEOUT_MS);
		return create_failed(c, err);
	}
	pid_t pid;
	int rc = monitor_reply_read(&c->reply, c->sync_fd, &pid, err);
	if (rc > 0)
		return 1;
	if (rc < 0)
		return create_failed(c, err);
	c->st.status = PROC_CREATED;
	c->st.pid = pid;
	c->st.monitor_pid = c->monitor;
	/* The monitor keeps its end open until the exit is recorded. */
	if (c->exit_fd != NULL)
		*c->exit_fd = c->sync_fd;
	else
		close(c->sync_fd);
	c->sync_fd = -1;
	*c->out = c->st;
	c->st = (struct proc_state){0};
	c->done = true;
	return 0;
}

static int spawn(const struct runtime *rt, const struct create_options *o, bool terminal, struct create_op *c,
		 struct error **err)
{
	if (terminal && o->console_socket == NULL && o->console_fd < 0)
		return err_new(err, ERR_INVALID, "%s %s wants a terminal: a console socket is required",
			       state_process_kind(o->exec_id), state_process_name(o->id, o->exec_id));
	if (write_process(c->dir, o->process_json, err) < 0 || gate_create(c->dir, err) < 0 ||
	    state_write(c->dir, &c->st, err) < 0 || state_reserve_exit(c->dir, &c->st, err) < 0)
		return -1;
	struct monitor_request req = {.root = rt->root,
				      .ns = rt->ns,
				      .id = o->id,
				      .exec_id = o->exec_id,
				      .console_socket = o->console_socket,
				      .console_fd = o->console_fd,
				      .preserve_fds = o->preserve_fds};
	memcpy(req.stdio, o->stdio, sizeof(req.stdio));
	return monitor_start(&req, &c->monitor, &c->monitor_fd, &c->sync_fd, err);
}

int container_create_begin(const struct runtime *rt, const struct create_options *o, struct proc_state *out,
			   struct op **op, struct error **err)
{
	if (state_validate_process(rt, o->id, o->exec_id, err) < 0)
		return -1;
	/* A bad node setting refuses every workload, before anything is made. */
	if (config_load(err) < 0)
		return err_wrap(err, "create %s %s: node configuration", state_process_kind(o->exec_id),
				state_process_name(o->id, o->exec_id));
	struct spec spec = {0};
	struct pod_settings settings;
	bool terminal = false;
	if (check_request(rt, o, &spec, &settings, &terminal, err) < 0) {
		spec_free(&spec);
		return err_wrap(err, "create %s %s", state_process_kind(o->exec_id),
				state_process_name(o->id, o->exec_id));
	}
	struct create_op *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		spec_free(&spec);
		return err_sys(err, ENOMEM, "create");
	}
	op_init(&c->op, create_step, create_op_free);
	c->sync_fd = c->monitor_fd = -1;
	c->out = out;
	c->exit_fd = o->exit_fd;
	c->dir = state_process_dir(rt, o->id, o->exec_id);
	int rc = initial_record(o, o->exec_id ? NULL : &spec, &settings, &c->st, err);
	if (rc == 0 && (c->dir == NULL || asprintf(&c->kind_name, "%s %s", state_process_kind(o->exec_id),
						   state_process_name(o->id, o->exec_id)) < 0))
		rc = err_sys(err, ENOMEM, "create");
	if (rc < 0 || state_make_dir(c->dir, state_process_kind(o->exec_id), err) < 0) {
		spec_free(&spec);
		if (rc == 0 && err && *err && (*err)->kind == ERR_EXISTS) {
			err_free(err);
			err_new(err, ERR_EXISTS, "%s already exists", c->kind_name);
		}
		create_op_free(&c->op);
		return -1;
	}
	/* An exec runs under its container's filter, which it finds in the container's directory. */
	rc = seccomp_prepare(rt->root, spec.seccomp, spec.seccomp_len, c->dir, err);
	spec_free(&spec);
	if (rc < 0 || spawn(rt, o, terminal, c, err) < 0) {
		state_remove_dir(c->dir, NULL);
		err_wrap(err, "create %s", c->kind_name);
		create_op_free(&c->op);
		return -1;
	}
	c->op.fds[0] = c->sync_fd;
	c->op.deadline = clock_monotonic_ms() + MONITOR_REPLY_TIMEOUT_MS;
	*op = &c->op;
	return 0;
}

int container_create(const struct runtime *rt, const struct create_options *o, struct proc_state *out,
		     struct error **err)
{
	struct op *op;
	if (container_create_begin(rt, o, out, &op, err) < 0)
		return -1;
	((struct create_op *)op)->reap = true;
	int rc = op_run(op, err);
	op_free(op);
	return rc;
}

/* ---- start ---- */

struct start_op {
	struct op op;
	char *kind_name;
	pid_t pid;
	pid_t *out;
	int gate, workload_fd, monitor_fd;
	struct error *failure; /* once failed: reported after the process has settled */
	uint64_t settle_until;
};

static void start_op_free(struct op *op)
{
	struct start_op *s = (struct start_op *)op;
	int fds[] = {s->gate, s->workload_fd, s->monitor_fd};
	for (size_t i = 0; i < ARRAY_LEN(fds); i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
	err_free(&s->failure);
	free(s->kind_name);
	free(s);
}

/* A failed start leaves a process that can never be started: it is exiting (execve failed) or
 * stuck before its gate. Let it go (killed if stuck) and wait for its monitor to record the exit
 * and leave, so the process reads as stopped once start answers. */
static int start_step(struct op *op, bool timed_out, struct error **err)
{
	struct start_op *s = (struct start_op *)op;
	if (s->failure == NULL) {
		int rc = timed_out ? err_new(&s->failure, ERR_SYSTEM,
					     "timed out after %d ms waiting for the process to exec",
					     START_TIMEOUT_MS)
				   : gate_outcome(s->gate, s->workload_fd, &s->failure);
		if (rc > 0)
			return 1;
		if (rc == 0) {
			*s->out = s->pid;
			return 0;
		}
		s->settle_until = clock_monotonic_ms() + FAILED_START_SETTLE_MS;
		s->op.fds[0] = s->workload_fd;
		s->op.fds[1] = -1;
		s->op.deadline = clock_monotonic_ms() + FAILED_START_SETTLE_MS / 2;
		return 1;
	}
	if (s->op.fds[0] == s->workload_fd) {
		if (timed_out)
			pidfd_signal(s->workload_fd, SIGKILL);
		s->op.fds[0] = s->monitor_fd;
		s->op.deadline = s->settle_until;
		if (s->monitor_fd >= 0)
			return 1;
	}
	*err = steal_pointer(&s->failure);
	return err_wrap(err, "start %s", s->kind_name);
}

static int mark_running(struct proc_state *st, void *data, struct error **err)
{
	if (st->status != PROC_CREATED)
		return 1; /* the monitor already recorded the exit: keep it */
	st->status = PROC_RUNNING;
	return 0;
}

int container_start_begin(const struct runtime *rt, const char *id, const char *exec_id, pid_t *pid,
			  struct op **op, struct error **err)
{
	struct proc_state st;
	if (state_read_process(rt, id, exec_id, &st, err) < 0)
		return -1;
	struct start_op *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		proc_state_free(&st);
		return err_sys(err, ENOMEM, "start");
	}
	op_init(&s->op, start_step, start_op_free);
	s->out = pid;
	s->pid = st.pid;
	s->gate = -1;
	s->workload_fd = pidfd_open_process(st.pid, st.pid_start);
	s->monitor_fd = pidfd_open_process(st.monitor_pid, st.monitor_start);
	enum proc_status status = st.status;
	proc_state_free(&st);
	cleanup_free char *dir = state_process_dir(rt, id, exec_id);
	int rc = 0;
	if (dir == NULL || asprintf(&s->kind_name, "%s %s", state_process_kind(exec_id),
				    state_process_name(id, exec_id)) < 0)
		rc = err_sys(err, ENOMEM, "start");
	else if (status != PROC_CREATED)
		rc = err_new(err, ERR_STATE, "cannot start %s: it is %s, not created", s->kind_name,
			     proc_status_name(status));
	else if (s->workload_fd < 0)
		rc = err_new(err, ERR_STATE, "cannot start %s: its process is gone", s->kind_name);
	/* Recorded first: once released, the process is running whether or not a write would then
	 * fail (a full disk fails start here, before anything happened). A failed start ends with
	 * the exit the monitor records. */
	else if (state_update(dir, mark_running, NULL, err) < 0)
		rc = err_wrap(err, "start %s", s->kind_name);
	else
		s->gate = gate_release(dir, &s->failure);
	if (rc < 0) {
		start_op_free(&s->op);
		return -1;
	}
	s->op.fds[0] = s->gate;
	s->op.fds[1] = s->workload_fd;
	s->op.deadline = clock_monotonic_ms() + START_TIMEOUT_MS;
	if (s->failure != NULL) {
		/* The gate cannot be opened: the process is let go as after any failed start. */
		s->settle_until = clock_monotonic_ms() + FAILED_START_SETTLE_MS;
		s->op.fds[0] = s->workload_fd;
		s->op.fds[1] = -1;
		s->op.deadline = clock_monotonic_ms();
	}
	*op = &s->op;
	return 0;
}

int container_start(const struct runtime *rt, const char *id, const char *exec_id, pid_t *pid,
		    struct error **err)
{
	struct op *op;
	if (container_start_begin(rt, id, exec_id, pid, &op, err) < 0)
		return -1;
	int rc = op_run(op, err);
	op_free(op);
	return rc;
}

int container_state(const struct runtime *rt, const char *id, const char *exec_id, struct proc_state *out,
		    struct error **err)
{
	if (state_read_process(rt, id, exec_id, out, err) < 0)
		return -1;
	bool live = out->status == PROC_CREATED || out->status == PROC_RUNNING;
	if (live && !procfs_alive(out->pid, out->pid_start) &&
	    !procfs_alive(out->monitor_pid, out->monitor_start)) {
		/* Both gone without a record (the monitor was killed): the exit code is unknowable. */
		out->status = PROC_STOPPED;
		out->exit_code = 255;
	}
	return 0;
}

static int visit_namespace(struct runtime *rt, container_visit fn, void *data)
{
	cleanup_strv char **ids = NULL;
	if (state_list_processes(rt, NULL, &ids, NULL) < 0)
		return 0;
	int rc = 0;
	for (char **id = ids; rc == 0 && *id != NULL; id++) {
		struct proc_state st;
		if (container_state(rt, *id, NULL, &st, NULL) < 0)
			continue;
		if (st.status == PROC_CREATING || st.status == PROC_CREATED || st.status == PROC_RUNNING)
			rc = fn(data, rt->ns, *id, &st);
		proc_state_free(&st);
	}
	return rc;
}

int container_each_live(const char *root, container_visit fn, void *data)
{
	cleanup_strv char **namespaces = NULL;
	if (state_list(root, &namespaces, NULL) < 0)
		return 0;
	int rc = 0;
	for (char **ns = namespaces; rc == 0 && *ns != NULL; ns++) {
		struct runtime rt = {.root = root, .ns = *ns};
		rc = visit_namespace(&rt, fn, data);
	}
	return rc;
}

void container_settle(const struct runtime *rt, const char *id, const char *exec_id, int timeout_ms)
{
	struct proc_state st;
	if (state_read_process(rt, id, exec_id, &st, NULL) < 0)
		return;
	bool recorded = st.status != PROC_CREATED && st.status != PROC_RUNNING;
	cleanup_close int monitor = recorded ? -1 : pidfd_open_process(st.monitor_pid, st.monitor_start);
	bool waiting = monitor >= 0 && !procfs_alive(st.pid, st.pid_start);
	proc_state_free(&st);
	if (waiting)
		pidfd_wait_exit(monitor, clock_monotonic_ms() + (uint64_t)timeout_ms);
}

int container_kill(const struct runtime *rt, const char *id, const char *exec_id, int sig, bool all,
		   struct error **err)
{
	struct proc_state st;
	if (state_read_process(rt, id, exec_id, &st, err) < 0)
		return -1;
	bool stopped = st.status == PROC_STOPPED;
	struct proc_id process = {st.pid, st.pid_start};
	proc_state_free(&st);
	if (all)
		return process_tree_signal(rt, id, exec_id, sig, err);
	if (!stopped && pidfd_signal_process(process.pid, process.start, sig) == 0)
		return 0;
	if (stopped || errno == ESRCH)
		return err_new(err, ERR_STATE, "%s %s is not running", state_process_kind(exec_id),
			       state_process_name(id, exec_id));
	return err_sys(err, errno, "kill %d", (int)process.pid);
}

static bool is_directory(const char *path)
{
	struct stat st;
	return path != NULL && lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- delete ---- */

struct delete_op {
	struct op op;
	struct runtime rt;
	char *id, *exec_id, *dir;
	bool salvage;
	struct proc_state *final;
	int *monitors; /* pidfds of the monitors to wait for */
	size_t n_monitors, next;
};

static void delete_op_free(struct op *op)
{
	struct delete_op *d = (struct delete_op *)op;
	for (size_t i = d->next; i < d->n_monitors; i++)
		close(d->monitors[i]);
	free(d->monitors);
	free(d->id);
	free(d->exec_id);
	free(d->dir);
	free(d);
}

static bool has_exited(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	return poll(&p, 1, 0) > 0;
}

/* The monitors record the exits and go, one after the other; then the record goes. */
static int delete_step(struct op *op, bool timed_out, struct error **err)
{
	struct delete_op *d = (struct delete_op *)op;
	while (d->next < d->n_monitors && (timed_out || has_exited(d->monitors[d->next])))
		close(d->monitors[d->next++]);
	if (d->next < d->n_monitors) {
		d->op.fds[0] = d->monitors[d->next];
		return 1;
	}
	if (d->final != NULL &&
	    container_state(&d->rt, d->id, d->exec_id, d->final, d->salvage ? NULL : err) < 0) {
		if (!d->salvage)
			return -1;
		*d->final = (struct proc_state){0}; /* nothing recorded: an unknown exit */
	}
	return state_remove_dir(d->dir, err);
}

int container_delete_begin(const struct runtime *rt, const char *id, const char *exec_id, bool force,
			   struct proc_state *final, struct op **op, struct error **err)
{
	if (state_validate_process(rt, id, exec_id, err) < 0)
		return -1;
	cleanup_free char *dir = state_process_dir(rt, id, exec_id);
	struct proc_state st;
	struct error *unreadable = NULL;
	enum proc_status status = PROC_RUNNING;
	bool salvage = false;
	if (container_state(rt, id, exec_id, &st, &unreadable) == 0) {
		status = st.status;
		proc_state_free(&st);
	} else if (force && is_directory(dir)) {
		/* No record, or a corrupt one (a crash between mkdir and the first write, a damaged
		 * disk): forced, whatever is found of the process goes, and its directory. */
		err_free(&unreadable);
		salvage = true;
	} else {
		if (err != NULL)
			*err = unreadable;
		else
			err_free(&unreadable);
		return -1;
	}
	if (status == PROC_RUNNING && !force)
		return err_new(err, ERR_STATE,
			       "cannot delete %s %s: it is running (stop it first, or use --force)",
			       state_process_kind(exec_id), state_process_name(id, exec_id));
	struct delete_op *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return err_sys(err, ENOMEM, "delete");
	op_init(&d->op, delete_step, delete_op_free);
	*d = (struct delete_op){.op = d->op,
				.rt = *rt,
				.id = strdup(id),
				.exec_id = exec_id ? strdup(exec_id) : NULL,
				.dir = steal_pointer(&dir),
				.salvage = salvage,
				.final = final};
	if (d->id == NULL || d->dir == NULL || (exec_id != NULL && d->exec_id == NULL)) {
		delete_op_free(&d->op);
		return err_sys(err, ENOMEM, "delete");
	}
	/* A finished exec's leftovers belong to the container now (its monitor lingers with them):
	 * deleting the exec removes its record only. Anything else is killed and waited for. */
	if ((exec_id == NULL || status != PROC_STOPPED) &&
	    process_tree_kill(rt, id, exec_id, salvage, &d->monitors, &d->n_monitors, err) < 0) {
		delete_op_free(&d->op);
		return -1;
	}
	d->op.fds[0] = d->n_monitors > 0 ? d->monitors[0] : -1;
	d->op.deadline = clock_monotonic_ms() + PROCESS_TREE_EXIT_TIMEOUT_MS;
	*op = &d->op;
	return 0;
}

int container_delete(const struct runtime *rt, const char *id, const char *exec_id, bool force,
		     struct proc_state *final, struct error **err)
{
	struct op *op;
	if (container_delete_begin(rt, id, exec_id, force, final, &op, err) < 0)
		return -1;
	int rc = op_run(op, err);
	op_free(op);
	return rc;
}
