/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle engine shared by reaper-runtime and the shim: create, start, state, kill, delete,
 * for a container's init process (exec_id NULL) and for its exec processes. All state lives in the
 * state store (state.h); the monitor (monitor.h) owns each process's runtime fields. */
#ifndef REAPER_CONTAINER_H
#define REAPER_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "op.h"
#include "state.h"

struct create_options {
	const char *id;
	const char *exec_id;        /* exec: the new process's id; NULL to create a container */
	const char *bundle;         /* create: the bundle directory holding config.json */
	const char *process_json;   /* exec: the OCI Process, JSON */
	int stdio[3];               /* the workload's stdin/stdout/stderr; -1 inherits the caller's */
	int preserve_fds;           /* runc's --preserve-fds: the caller's fds 3..preserve_fds+2 go along */
	const char *stdio_paths[3]; /* recorded for State (the shim's FIFO paths); may be NULL */
	const char *console_socket; /* terminal: runc's console socket path, */
	int console_fd;             /* or a connected unix socket; -1 for none */
	int *exit_fd;               /* if not NULL: gets an fd that reaches EOF once the exit is recorded */
};

/* Create, start and delete wait for other processes (the monitor's answer, the workload's execve,
 * the monitors' exits), each bounded. Each comes twice: container_X does it all and blocks (the
 * CLI); container_X_begin does what needs no waiting and hands back an op (op.h) that finishes it
 * once driven to its end, on an event loop (the shim) or not. Where a begin function is told to
 * put its result must stay valid until the op is done or freed. An op freed before it is done
 * leaves the process to be deleted. */

/* Create: the process exists, held before execve; out gets its record (pid, monitor pid).
 * Refused, with nothing made, while the node configuration (config.h) has an error. */
int container_create(const struct runtime *rt, const struct create_options *opts, struct proc_state *out,
		     struct error **err);
int container_create_begin(const struct runtime *rt, const struct create_options *opts,
			   struct proc_state *out, struct op **op, struct error **err);
/* Start a created process; done once execve happened (or failed: the process has then exited and
 * its exit is recorded). */
int container_start(const struct runtime *rt, const char *id, const char *exec_id, pid_t *pid,
		    struct error **err);
int container_start_begin(const struct runtime *rt, const char *id, const char *exec_id, pid_t *pid,
			  struct op **op, struct error **err);
/* The record with its liveness checked: a process whose monitor and workload are both gone reads
 * as stopped. */
int container_state(const struct runtime *rt, const char *id, const char *exec_id, struct proc_state *out,
		    struct error **err);
/* A process that has exited reads as running until its monitor has recorded the exit (a few ms).
 * Wait, at most timeout_ms, for the monitor of such a process to finish, so that a caller who saw
 * the process die finds it stopped, as with runc. Returns at once for a live or a recorded
 * process. Blocks: for the CLI, not for an event loop (the shim learns of exits from fds). */
void container_settle(const struct runtime *rt, const char *id, const char *exec_id, int timeout_ms);
/* Signal the process, or with all every process of the container (of the exec, for an exec).
 * A process that is not running is ERR_STATE. */
int container_kill(const struct runtime *rt, const char *id, const char *exec_id, int sig, bool all,
		   struct error **err);
/* Remove a stopped (or, with force, any) process and its state; a container takes its execs along.
 * Waits (bounded) for the monitors to finish. final, if not NULL, gets the last record (zeroed
 * when there is none). With force, a directory whose record is missing or corrupt is removed
 * too, after whatever is found of its processes (monitors by their command lines) is killed. */
int container_delete(const struct runtime *rt, const char *id, const char *exec_id, bool force,
		     struct proc_state *final, struct error **err);
int container_delete_begin(const struct runtime *rt, const char *id, const char *exec_id, bool force,
			   struct proc_state *final, struct op **op, struct error **err);

#endif
