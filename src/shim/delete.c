/* SPDX-License-Identifier: Apache-2.0 */
/* `delete`: containerd runs it after a task is removed, and after a shim died. No daemon is asked:
 * whatever is left of the task is killed and its state removed, and the exit the monitor recorded
 * (or a SIGKILL now) is printed as a DeleteResponse. Idempotent and quick. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cleanup.h"
#include "pb.h"
#include "ttrpc.h"
#include "shim_commands.h"
#include "container.h"
#include "containerd/shim.pb-c.h"
#include "fsutil.h"
#include "log.h"

/* The socket of a shim that died stays behind: remove it when nobody answers on it. */
static void remove_dead_socket(const char *bundle)
{
	cleanup_free char *file = NULL, *text = NULL;
	size_t len;
	if (asprintf(&file, "%s/address", bundle) < 0 || fs_read_file(file, 4096, &text, &len, NULL) < 0)
		return;
	const char *path = strncmp(text, "unix://", 7) == 0 ? text + 7 : text;
	if (path[0] == '/' && !shim_socket_alive(path))
		unlink(path);
}

int shim_command_delete(const struct shim_args *a)
{
	struct runtime rt = {.root = state_root(), .ns = a->ns};
	struct proc_state final = {0};
	struct error *err = NULL;
	int64_t exited_at = clock_realtime_ns();
	int exit_status = 128 + SIGKILL;
	if (container_delete(&rt, a->id, NULL, true, &final, &err) == 0) {
		if (final.status == PROC_STOPPED && final.exited_at_ns > 0) {
			exit_status = final.exit_code;
			exited_at = final.exited_at_ns;
		}
	} else if (err->kind != ERR_NOT_FOUND) {
		fprintf(stderr, "delete %s: %s\n", a->id, err_message(err));
	}
	err_free(&err);
	remove_dead_socket(a->bundle ? a->bundle : ".");
	Google__Protobuf__Timestamp ts = pb_timestamp(exited_at);
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	resp.pid = (uint32_t) final.pid;
	resp.exit_status = (uint32_t)exit_status;
	resp.exited_at = &ts;
	proc_state_free(&final);
	ProtobufCBinaryData out;
	if (ttrpc_pack(&resp.base, &out) < 0)
		return 1;
	int rc = fs_write_all(STDOUT_FILENO, out.data, out.len) < 0 ? 1 : 0;
	free(out.data);
	return rc;
}
