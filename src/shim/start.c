/* SPDX-License-Identifier: Apache-2.0 */
/* `start`: one shim per pod. The socket is named after the pod (sandbox id), so the second
 * container of a pod finds the first one's shim listening and reuses it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "annotations.h"
#include "array.h"
#include "cleanup.h"
#include "shim_commands.h"
#include "fsutil.h"
#include "names.h"
#include "sha256.h"
#include "spec.h"
#include "ttrpc.h"

static const char *const group_annotations[] = {ANNOTATION_SHIM_GROUP, ANNOTATION_SANDBOX_ID};

extern char **environ;

/* The group: the pod's sandbox id from config.json in the bundle (our cwd), else the task id. */
static char *group_of(const char *id)
{
	struct spec spec = {0};
	char *group = NULL;
	if (spec_load(".", &spec, NULL) == 0) {
		for (size_t i = 0; i < ARRAY_LEN(group_annotations) && group == NULL; i++) {
			const char *v = spec_annotation(&spec, group_annotations[i]);
			if (v != NULL && *v)
				group = strdup(v);
		}
	}
	spec_free(&spec);
	return group ? group : strdup(id);
}

/* containerd's rule: sha256 of filepath.Join(address, namespace, group). */
static char *socket_path(const struct shim_args *a, const char *group)
{
	cleanup_free char *key = NULL;
	if (asprintf(&key, "%s/%s/%s", a->address ? a->address : "", a->ns, group) < 0)
		return NULL;
	/* Join cleans the path: no doubled slashes. */
	char *w = key;
	for (const char *r = key; *r; r++) {
		if (!(r[0] == '/' && r[1] == '/'))
			*w++ = *r;
	}
	*w = '\0';
	char hex[65];
	sha256_hex(key, strlen(key), hex);
	char *path = NULL;
	return asprintf(&path, "%s/%s", SHIM_SOCKET_DIR, hex) < 0 ? NULL : path;
}

bool shim_socket_alive(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int write_address(const char *address, struct error **err)
{
	return fs_write_atomic("address", address, strlen(address), 0600, err);
}

static _Noreturn void exec_daemon(const struct shim_args *a, int listen_fd)
{
	int null = open("/dev/null", O_RDWR);
	/* containerd reads start's stdout and stderr until EOF: the daemon must not hold them. */
	dup2(null, 0), dup2(null, 1), dup2(null, 2);
	int fd = fcntl(listen_fd, F_DUPFD, 10);
	dup2(fd, SHIM_LISTEN_FD);
	/* Nothing else goes on: the daemon's stray fds would reach every monitor and workload. */
	if (syscall(SYS_close_range, SHIM_LISTEN_FD + 1, ~0U, 0) < 0) {
		for (int i = SHIM_LISTEN_FD + 1; i < 1024; i++)
			close(i);
	}
	setsid();
	const char *argv[14];
	int n = 0;
	argv[n++] = APPLET_SHIM_NAME;
	argv[n++] = "-namespace", argv[n++] = a->ns;
	argv[n++] = "-id", argv[n++] = a->id;
	argv[n++] = "-address", argv[n++] = a->address ? a->address : "";
	argv[n++] = "-publish-binary", argv[n++] = a->publish_binary ? a->publish_binary : "";
	if (a->debug)
		argv[n++] = "-debug";
	argv[n] = NULL;
	execve("/proc/self/exe", (char *const *)argv, environ);
	_exit(127);
}

static int listen_or_reuse(const char *path, const char *address, bool *reused, struct error **err)
{
	*reused = false;
	int fd = ttrpc_listen_unix(path, NULL);
	if (fd >= 0)
		return fd;
	if (shim_socket_alive(path)) {
		*reused = true;
		return -1;
	}
	unlink(path); /* stale: its shim is gone */
	fd = ttrpc_listen_unix(path, err);
	return fd < 0 ? err_wrap(err, "listen on %s", path) : fd;
}

int shim_command_start(const struct shim_args *a)
{
	struct error *err = NULL;
	cleanup_free char *group = group_of(a->id);
	cleanup_free char *path = group ? socket_path(a, group) : NULL;
	cleanup_free char *address = NULL;
	if (path == NULL || asprintf(&address, "unix://%s", path) < 0 ||
	    fs_mkdir_p(SHIM_SOCKET_DIR, 0711, &err) < 0) {
		fprintf(stderr, "shim start: %s\n", err ? err_message(err) : "out of memory");
		return 1;
	}
	bool reused;
	int fd = listen_or_reuse(path, address, &reused, &err);
	if (fd < 0 && !reused) {
		fprintf(stderr, "shim start: %s\n", err_message(err));
		return 1;
	}
	if (write_address(address, &err) < 0) {
		fprintf(stderr, "shim start: %s\n", err_message(err));
		if (fd >= 0)
			unlink(path);
		return 1;
	}
	if (fd >= 0) {
		pid_t pid = fork();
		if (pid == 0)
			exec_daemon(a, fd);
		close(fd);
		if (pid < 0) {
			unlink(path);
			fprintf(stderr, "shim start: fork: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("%s", address);
	return 0;
}
