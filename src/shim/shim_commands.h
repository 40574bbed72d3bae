/* SPDX-License-Identifier: Apache-2.0 */
/* The shim binary's entry points, as containerd runs them (docs/architecture.md, "The shim"). */
#ifndef REAPER_SHIM_COMMANDS_H
#define REAPER_SHIM_COMMANDS_H

#include <stdbool.h>

struct shim_args {
	const char *ns;
	const char *id;
	const char *address; /* containerd's gRPC socket: names the shim's socket */
	const char *publish_binary;
	const char *bundle; /* delete: the bundle; otherwise the working directory */
	bool debug;
};

#define SHIM_SOCKET_DIR "/run/containerd/s"
#define SHIM_LISTEN_FD  3

/* Whether a shim answers on the unix socket at path (a stale socket refuses). */
bool shim_socket_alive(const char *path);

/* `start`: find or start the pod's shim; print its address on stdout. */
int shim_command_start(const struct shim_args *args);
/* `delete`: clean up a task without the daemon; print a DeleteResponse on stdout. */
int shim_command_delete(const struct shim_args *args);
/* The daemon itself, listening on SHIM_LISTEN_FD. */
int shim_command_serve(const struct shim_args *args);

#endif
