/* SPDX-License-Identifier: Apache-2.0 */
/* A Create, Exec, Start or Delete call answered once its op (op.h) is done; a process has at most
 * one under way (process.pending). The Task service drives them; the table gives one up when it
 * removes its process. */
#ifndef REAPER_SHIM_PENDING_H
#define REAPER_SHIM_PENDING_H

#include <stdbool.h>
#include <sys/types.h>

#include "container.h"
#include "op.h"
#include "shim.h"
#include "state.h"
#include "ttrpc.h"

enum pending_kind { PENDING_CREATE, PENDING_EXEC, PENDING_START, PENDING_DELETE, PENDING_UNDO };

struct pending {
	enum pending_kind kind;
	struct shim *shim;
	struct process *p;
	struct ttrpc_call *call; /* its request stays valid until it is answered */
	struct op *op;
	bool spawning;              /* create and exec: past the logger, the monitor's op */
	struct create_options opts; /* create and exec */
	char *process_json;         /* exec */
	struct proc_state st;       /* create and exec: the new record */
	struct error *undo_err;     /* create and exec: why the created process is being deleted */
	pid_t pid;                  /* start */
};

/* A call of KIND for p, recorded as p's pending call; NULL when out of memory. */
struct pending *pending_new(enum pending_kind kind, struct shim *shim, struct process *p,
			    struct ttrpc_call *call);
/* Forget it (p has none under way again) and free its op; the call must have been answered. */
void pending_free(struct pending *pd);
/* p is being removed: a call under way for it is answered NOT_FOUND and its op given up. */
void pending_abandon(struct process *p);

#endif
