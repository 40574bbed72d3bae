/* SPDX-License-Identifier: Apache-2.0 */
/* The state store: one directory per process, one JSON record in it, the single source of truth
 * shared by the CLI, the shim and the monitor.
 *   <root>/<namespace>/<id>/             the container: its init process record
 *   <root>/<namespace>/<id>/exec/<eid>/  one exec process each
 * Records are replaced by atomic rename; a record of an exit is made durable as well (fsync of the
 * file before the rename and of the directory after). Read-modify-write holds an exclusive flock
 * on the process directory. Directories are 0700, files 0600. */
#ifndef REAPER_STATE_H
#define REAPER_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define STATE_ID_MAX 256

enum proc_status { PROC_CREATING, PROC_CREATED, PROC_RUNNING, PROC_STOPPED };

struct proc_state {
	char *id;      /* container id */
	char *exec_id; /* NULL for the init process */
	char *bundle;
	enum proc_status status;
	pid_t pid;                    /* the workload, 0 until known */
	unsigned long long pid_start; /* its start time in /proc ticks: tells a reused pid apart */
	pid_t monitor_pid;
	unsigned long long monitor_start;
	int exit_code;        /* WEXITSTATUS or 128+signal, once stopped */
	int64_t exited_at_ns; /* real time of the exit, ns since the epoch */
	int64_t created_ns;
	char *stdin_path, *stdout_path, *stderr_path;
	bool terminal;
	bool sandbox; /* a pod's pause task: Reaper runs its own pause */
	char *group;  /* the overlay group it runs in (pod_settings.h); NULL in records older than groups */
	json_t *annotations; /* object, owned; NULL means none */
};

/* The node setting REAPER_ROOT (config.h; default /run/reaper): where the shim, the CLI and
 * `reaper doctor` keep state. */
const char *state_root(void);

/* Ids and exec ids: 1..256 bytes of [A-Za-z0-9_+.-], not "." or "..". what names it in errors. */
int state_validate_id(const char *what, const char *id, struct error **err);

/* Paths (malloc'd). */
char *state_namespace_dir(const char *root, const char *ns);
char *state_container_dir(const char *root, const char *ns, const char *id);
char *state_exec_dir(const char *container_dir, const char *exec_id);
/* A file inside a process directory, e.g. "start.fifo". */
char *state_file(const char *dir, const char *name);

/* Make the process directory (parents too, 0700). An existing one is ERR_EXISTS. */
int state_make_dir(const char *dir, const char *what, struct error **err);
/* Remove a process directory and everything in it; a missing one is not an error. */
int state_remove_dir(const char *dir, struct error **err);

int state_write(const char *dir, const struct proc_state *st, struct error **err);
/* Set room aside in dir for the record of st's exit (what st encodes to, with room to spare), so
 * that the exit is recorded even once the filesystem is full: state_write of a stopped record
 * writes into it. Called by the creator, before the process exists. */
int state_reserve_exit(const char *dir, const struct proc_state *st, struct error **err);
/* A missing record is ERR_NOT_FOUND, a corrupt one ERR_INVALID; both name the file. */
int state_read(const char *dir, struct proc_state *st, struct error **err);

/* Read, let fn change the record, write it back; all under the directory's flock.
 * fn returns <0 to abort without writing, 0 to write, 1 to leave the record unchanged.
 * A missing directory or record is ERR_NOT_FOUND. */
typedef int (*state_update_fn)(struct proc_state *st, void *data, struct error **err);
int state_update(const char *dir, state_update_fn fn, void *data, struct error **err);

/* Ids of the containers (or exec ids under a container's exec/), sorted; *out NULL-terminated.
 * Only directories named by a valid id count; a missing dir lists nothing. */
int state_list(const char *dir, char ***out, struct error **err);

/* Where a runtime keeps its records: the state root and a namespace under it. */
struct runtime {
	const char *root; /* state root, e.g. /run/reaper */
	const char *ns;   /* namespace, e.g. "default" or "k8s.io" */
};

/* "container" or "exec", and the id that names the process, for messages. */
const char *state_process_kind(const char *exec_id);
const char *state_process_name(const char *id, const char *exec_id);
/* The namespace, the container id and (if not NULL) the exec id are valid ids. */
int state_validate_process(const struct runtime *rt, const char *id, const char *exec_id, struct error **err);
/* The directory of a container (exec_id NULL) or of one of its execs (malloc'd). */
char *state_process_dir(const struct runtime *rt, const char *id, const char *exec_id);
/* Validate the ids and read the record. No such container or exec is ERR_NOT_FOUND. */
int state_read_process(const struct runtime *rt, const char *id, const char *exec_id, struct proc_state *out,
		       struct error **err);
/* Ids of the containers in the namespace (id NULL), or of the execs of container id. */
int state_list_processes(const struct runtime *rt, const char *id, char ***ids, struct error **err);

void proc_state_free(struct proc_state *st);
const char *proc_status_name(enum proc_status status);

#endif
