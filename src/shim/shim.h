/* SPDX-License-Identifier: Apache-2.0 */
/* The shim daemon: one per pod, serving containerd's Task API over ttrpc on one event loop.
 * It keeps a small table of the tasks (containers) it serves and their processes; the state store
 * stays the source of truth for pids and exits, which the monitors record. */
#ifndef REAPER_SHIM_H
#define REAPER_SHIM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "container.h"
#include "loop.h"
#include "ttrpc.h"

struct shim_io; /* stdio wiring of one process (shim_io.c) */
struct events;  /* the ordered event publisher (events.c) */
struct waiter;  /* a parked Wait call */
struct pending; /* a Create, Exec, Start or Delete waiting for its op (pending.h) */

struct process {
	struct task *task;
	char *exec_id; /* NULL for the init process */
	pid_t pid;
	pid_t monitor_pid;
	int exit_fd; /* EOF once the monitor has recorded the exit; -1 once seen */
	enum proc_status status;
	int exit_code;
	int64_t exited_at_ns;
	char *stdio_paths[3];
	bool terminal;
	struct shim_io *io;
	struct waiter *waiters;
	struct pending *pending; /* at most one call under way */
	bool starting;           /* a Start is under way: an exit waits for it (start before exit) */
	bool exit_deferred;      /* the exit that came meanwhile */
	bool exit_unannounced;   /* exited (STOPPED), but the exit is not published nor Waits answered
				    yet: containerd is still reading the output */
	struct process *next;    /* the task's exec list */
};

struct task {
	struct shim *shim;
	char *id;
	char *bundle;
	struct process init;
	struct process *execs;
	struct task *next;
};

/* The exec id, or the task's id for its init process: how messages name a process. */
static inline const char *shim_process_name(const struct process *p)
{
	return p->exec_id ? p->exec_id : p->task->id;
}

struct shim {
	struct loop *loop;
	struct ttrpc_server *server;
	struct runtime rt;
	char *root;        /* storage behind rt.root */
	char *ns;          /* storage behind rt.ns */
	char *socket_path; /* removed at exit */
	struct events *events;
	struct task *tasks;
	int signal_fd;
	bool shutting_down;
};

/* The daemon: serve on listen_fd until Shutdown with no task left. Returns the exit code. */
int shim_serve(struct shim *shim, int listen_fd);

/* tasks.c: the table. */
struct task *shim_find_task(struct shim *shim, const char *id);
struct process *shim_find_process(struct shim *shim, const char *id, const char *exec_id);
struct task *shim_add_task(struct shim *shim, const char *id, const char *bundle);
struct process *shim_add_exec(struct task *task, const char *exec_id);
void shim_remove_process(struct shim *shim, struct process *p);
/* Watch p's exit fd: at EOF the exit it recorded is read, published, and waiters and I/O released. */
int shim_watch_exit(struct shim *shim, struct process *p, struct error **err);
/* Park a Wait call until p exits (answered at once if it already has). */
void shim_wait(struct shim *shim, struct process *p, struct ttrpc_call *call);
/* p's monitor has recorded its exit (EOF on its pipe): read it, publish it, answer the waiters.
 * While a Start of p is under way the exit is held back until the Start is answered. */
void shim_process_exited(struct shim *shim, struct process *p);
/* Publish p's exit and answer its Waits now if that is still to be done (Delete does not wait for
 * the output to drain: the exit goes before the delete). */
void shim_announce_exit(struct process *p);

/* service.c: the Task service's method table. */
extern const struct ttrpc_method shim_task_methods[];

/* Map a library error onto a gRPC status and fail the call with it. */
void shim_fail(struct ttrpc_call *call, struct error *err);

#endif
