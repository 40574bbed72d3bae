/* SPDX-License-Identifier: Apache-2.0 */
/* The container operations: create, start, state, kill, delete, for a container's init process and
 * its execs. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annotations.h"
#include "cleanup.h"
#include "clock.h"
#include "config.h"
#include "fsutil.h"
#include "gate.h"
#include "monitor.h"
#include "pidfd.h"
#include "process_tree.h"
#include "procfs.h"
#include "spec.h"

#define START_TIMEOUT_MS       10000
#define FAILED_START_SETTLE_MS 5000

/* The record a new process starts with; the monitor fills in its pids. */
static int initial_record(const struct create_options *o, const struct spec *spec, struct proc_state *st,
			  struct error **err)
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
	}
	if (st->id == NULL || (o->bundle && st->bundle == NULL))
		return err_sys(err, errno ? errno : ENOMEM, "bundle %s", o->bundle);
	return 0;
}

/* What create checks before it touches the store: config.json parses, or the exec's container runs. */
static int check_request(const struct runtime *rt, const struct create_options *o, struct spec *spec,
			 bool *terminal, struct error **err)
{
	if (o->exec_id == NULL) {
		/* An empty bundle would read /config.json. */
		if (o->bundle == NULL || *o->bundle == '\0')
			return err_new(err, ERR_INVALID, "create %s: no bundle given", o->id);
		if (spec_load(o->bundle, spec, err) < 0)
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
	spec_process_free(&process);
	return 0;
}

static int write_process(const char *dir, const char *json, struct error **err)
{
	cleanup_free char *path = state_file(dir, "process.json");
	return json ? fs_write_atomic(path, json, strlen(json), 0600, err) : 0;
}

static int spawn(const struct runtime *rt, const struct create_options *o, const char *dir, bool terminal,
		 struct proc_state *st, struct error **err)
{
	if (terminal && o->console_socket == NULL && o->console_fd < 0)
		return err_new(err, ERR_INVALID, "%s %s wants a terminal: a console socket is required",
			       state_process_kind(o->exec_id), state_process_name(o->id, o->exec_id));
	if (write_process(dir, o->process_json, err) < 0 || gate_create(dir, err) < 0 ||
	    state_write(dir, st, err) < 0)
		return -1;
	struct monitor_request req = {.root = rt->root,
				      .ns = rt->ns,
				      .id = o->id,
				      .exec_id = o->exec_id,
				      .console_socket = o->console_socket,
				      .console_fd = o->console_fd};
	memcpy(req.stdio, o->stdio, sizeof(req.stdio));
	if (monitor_spawn(&req, &st->monitor_pid, &st->pid, o->exit_fd, err) < 0)
		return -1;
	st->status = PROC_CREATED;
	return 0;
}

int container_create(const struct runtime *rt, const struct create_options *o, struct proc_state *out,
		     struct error **err)
{
	if (state_validate_process(rt, o->id, o->exec_id, err) < 0)
		return -1;
	/* A bad node setting refuses every workload, before anything is made. */
	if (config_load(err) < 0)
		return err_wrap(err, "create %s %s: node configuration", state_process_kind(o->exec_id),
				state_process_name(o->id, o->exec_id));
	struct spec spec = {0};
	bool terminal = false;
	if (check_request(rt, o, &spec, &terminal, err) < 0)
		return err_wrap(err, "create %s %s", state_process_kind(o->exec_id),
				state_process_name(o->id, o->exec_id));
	cleanup_free char *dir = state_process_dir(rt, o->id, o->exec_id);
	struct proc_state st;
	int rc = initial_record(o, o->exec_id ? NULL : &spec, &st, err);
	spec_free(&spec);
	if (rc < 0 || state_make_dir(dir, state_process_kind(o->exec_id), err) < 0) {
		proc_state_free(&st);
		if (err && *err && (*err)->kind == ERR_EXISTS) {
			err_free(err);
			return err_new(err, ERR_EXISTS, "%s %s already exists",
				       state_process_kind(o->exec_id), state_process_name(o->id, o->exec_id));
		}
		return -1;
	}
	if (spawn(rt, o, dir, terminal, &st, err) < 0) {
		proc_state_free(&st);
		state_remove_dir(dir, NULL);
		return err_wrap(err, "create %s %s", state_process_kind(o->exec_id),
				state_process_name(o->id, o->exec_id));
	}
	*out = st;
	return 0;
}

/* A failed start leaves a process that can never be started: it is exiting (execve failed) or
 * stuck before its gate. Let it go (killed if stuck) and wait for its monitor to record the exit
 * and leave, so the process reads as stopped once start returns. */
static void settle_failed_start(int workload_fd, int monitor_fd)
{
	uint64_t deadline = clock_monotonic_ms() + FAILED_START_SETTLE_MS;
	if (workload_fd >= 0 &&
	    !pidfd_wait_exit(workload_fd, clock_monotonic_ms() + FAILED_START_SETTLE_MS / 2))
		pidfd_signal(workload_fd, SIGKILL);
	if (monitor_fd >= 0)
		pidfd_wait_exit(monitor_fd, deadline);
}

static int mark_running(struct proc_state *st, void *data, struct error **err)
{
	if (st->status != PROC_CREATED)
		return 1; /* the monitor already recorded the exit: keep it */
	st->status = PROC_RUNNING;
	return 0;
}

int container_start(const struct runtime *rt, const char *id, const char *exec_id, pid_t *pid,
		    struct error **err)
{
	struct proc_state st;
	if (state_read_process(rt, id, exec_id, &st, err) < 0)
		return -1;
	enum proc_status status = st.status;
	pid_t workload = st.pid;
	cleanup_close int pidfd = pidfd_open_process(workload, st.pid_start);
	cleanup_close int monitor_fd = pidfd_open_process(st.monitor_pid, st.monitor_start);
	bool alive = pidfd >= 0;
	proc_state_free(&st);
	if (status != PROC_CREATED)
		return err_new(err, ERR_STATE, "cannot start %s %s: it is %s, not created",
			       state_process_kind(exec_id), state_process_name(id, exec_id),
			       proc_status_name(status));
	if (!alive)
		return err_new(err, ERR_STATE, "cannot start %s %s: its process is gone",
			       state_process_kind(exec_id), state_process_name(id, exec_id));
	cleanup_free char *dir = state_process_dir(rt, id, exec_id);
	if (gate_open(dir, pidfd, START_TIMEOUT_MS, err) < 0) {
		settle_failed_start(pidfd, monitor_fd);
		return err_wrap(err, "start %s %s", state_process_kind(exec_id),
				state_process_name(id, exec_id));
	}
	if (state_update(dir, mark_running, NULL, err) < 0)
		return -1;
	*pid = workload;
	return 0;
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
	bool alive = st.status != PROC_STOPPED && procfs_alive(st.pid, st.pid_start);
	pid_t pid = st.pid;
	proc_state_free(&st);
	if (all)
		return process_tree_signal(rt, id, exec_id, sig, err);
	if (!alive)
		return err_new(err, ERR_STATE, "%s %s is not running", state_process_kind(exec_id),
			       state_process_name(id, exec_id));
	if (kill(pid, sig) < 0)
		return err_sys(err, errno, "kill %d", (int)pid);
	return 0;
}

int container_delete(const struct runtime *rt, const char *id, const char *exec_id, bool force,
		     struct proc_state *final, struct error **err)
{
	struct proc_state st;
	if (container_state(rt, id, exec_id, &st, err) < 0)
		return -1;
	enum proc_status status = st.status;
	proc_state_free(&st);
	if (status == PROC_RUNNING && !force)
		return err_new(err, ERR_STATE,
			       "cannot delete %s %s: it is running (stop it first, or use --force)",
			       state_process_kind(exec_id), state_process_name(id, exec_id));
	/* A finished exec's leftovers belong to the container now (its monitor lingers with them):
	 * deleting the exec removes its record only. Anything else is killed and waited for. */
	if ((exec_id == NULL || status != PROC_STOPPED) && process_tree_kill_all(rt, id, exec_id, err) < 0)
		return -1;
	cleanup_free char *dir = state_process_dir(rt, id, exec_id);
	if (final != NULL && container_state(rt, id, exec_id, final, err) < 0)
		return -1;
	return state_remove_dir(dir, err);
}
