/* SPDX-License-Identifier: Apache-2.0 */
/* What of Reaper is alive on a node: the containers its state directory records as created or
 * running (and whose processes are still there), and the shims and monitors running from its
 * installed binary. For `reaper install --uninstall`, which must not pull the binary from under
 * them, and for anything else that must know whether Reaper is in use. */
#ifndef REAPER_ALIVE_H
#define REAPER_ALIVE_H

#include "error.h"

struct reaper_alive {
	char **containers; /* "NAMESPACE/ID (pid N)", NULL-terminated */
	char **processes;  /* "PID NAME", NULL-terminated */
};

/* STATE_ROOT: the state directory as this process reaches it. BINARY, BINARY_ON_NODE: the
 * installed reaper as this process reaches it and as the node names it (a process of the node
 * seen through a shared pid namespace shows the node's path as its executable); NULL: no process
 * scan. The process of the caller is left out. */
int reaper_alive_scan(const char *state_root, const char *binary, const char *binary_on_node,
		      struct reaper_alive *out, struct error **err);
void reaper_alive_clear(struct reaper_alive *a);

#endif
