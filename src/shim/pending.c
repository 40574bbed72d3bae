/* SPDX-License-Identifier: Apache-2.0 */
#include "pending.h"

#include <stdlib.h>

struct pending *pending_new(enum pending_kind kind, struct shim *shim, struct process *p,
			    struct ttrpc_call *call)
{
	struct pending *pd = calloc(1, sizeof(*pd));
	if (pd == NULL)
		return NULL;
	*pd = (struct pending){.kind = kind, .shim = shim, .p = p, .call = call};
	p->pending = pd;
	return pd;
}

void pending_free(struct pending *pd)
{
	pd->p->pending = NULL;
	op_free(pd->op);
	free(pd->process_json);
	proc_state_free(&pd->st);
	err_free(&pd->undo_err);
	free(pd);
}

void pending_abandon(struct process *p)
{
	struct pending *pd = p->pending;
	if (pd == NULL)
		return;
	ttrpc_call_fail(pd->call, TTRPC_NOT_FOUND, "process %s was deleted", shim_process_name(p));
	p->starting = false;
	pending_free(pd);
}
