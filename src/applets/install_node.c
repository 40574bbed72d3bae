/* SPDX-License-Identifier: Apache-2.0 */
/* What install and uninstall share on the node: the links' names, paths as the node names them,
 * the plan's lines, the lock, file comparisons, and containerd's restart. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "install_node.h"
#include "sha256.h"

const char *const install_links[] = REAPER_LINKED_NAMES;
_Static_assert(sizeof((const char *[])REAPER_LINKED_NAMES) / sizeof(const char *) == INSTALL_N_LINKS,
	       "INSTALL_N_LINKS must count REAPER_LINKED_NAMES");

const char *on_host(const struct install_opts *o, const char *path)
{
	size_t n = strlen(o->host_root);
	while (n > 0 && o->host_root[n - 1] == '/')
		n--;
	return strncmp(path, o->host_root, n) == 0 && path[n] == '/' ? path + n : path;
}

void say(const struct install_opts *o, const char *what, const char *path, const char *action)
{
	printf("  %-8s %s: %s%s\n", what, on_host(o, path), o->dry_run ? "would " : "", action);
}

int install_lock(const struct install_opts *o, bool exclusive, int *fd, struct error **err)
{
	*fd = open(o->host_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return err_sys(err, errno, "open %s", o->host_root);
	int mode = exclusive ? LOCK_EX : LOCK_SH;
	if (flock(*fd, mode | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return err_sys(err, errno, "lock %s", o->host_root);
	printf("waiting for another reaper install on this node (a lock on %s) to finish\n", o->host_root);
	fflush(stdout);
	while (flock(*fd, mode) < 0)
		if (errno != EINTR)
			return err_sys(err, errno, "lock %s", o->host_root);
	return 0;
}

char *sha_of(const char *data, size_t len)
{
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	sha256_hex(data, len, hex);
	return strdup(hex);
}

bool same_file_bytes(const char *path, const char *data, size_t len)
{
	cleanup_free char *have = NULL;
	size_t n = 0;
	bool exists = false;
	struct error *ignored = NULL;
	int r = fs_read_optional(path, INSTALL_READ_MAX, &have, &n, &exists, &ignored);
	err_free(&ignored);
	return r == 0 && exists && n == len && memcmp(have, data, len) == 0;
}

int link_state(const char *path, struct error **err)
{
	char target[64];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		if (strcmp(target, REAPER_BINARY_NAME) == 0)
			return 1;
		return err_new(err, ERR_EXISTS, "%s is a link to '%s', not to reaper: remove it first", path,
			       target);
	}
	if (errno == ENOENT)
		return 0;
	if (errno == EINVAL)
		return err_new(err, ERR_EXISTS, "%s exists and is not a link: remove it first", path);
	return err_sys(err, errno, "readlink %s", path);
}

/* ---- restarting containerd ----------------------------------------------------------------- */

/* Run `systemctl restart containerd` in pid 1's mount namespace: the host's when Reaper runs in a
 * DaemonSet with hostPID (a chroot into the host root would not do: systemctl refuses to act from
 * inside a chroot), and our own when it runs on the host, where joining changes nothing. */
int check_systemd(struct error **err)
{
	cleanup_free char *comm = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional("/proc/1/comm", INSTALL_READ_MAX, &comm, &len, &exists, err) < 0)
		return -1;
	if (!exists || len != 8 || strncmp(comm, "systemd\n", len) != 0)
		return err_new(
			err, ERR_UNSUPPORTED,
			"--restart systemd: pid 1 is '%.*s', not systemd (in a pod, the DaemonSet needs "
			"hostPID: true; on a node without systemd, use --restart none and restart containerd "
			"yourself)",
			(int)(len > 0 ? len - 1 : 0), exists ? comm : "");
	return 0;
}

int restart_containerd(struct error **err)
{
	if (check_systemd(err) < 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, errno, "fork");
	if (pid == 0) {
		int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) {
			fprintf(stderr, INSTALL_NAME ": join pid 1's mount namespace: %s\n", strerror(errno));
			_exit(126);
		}
		char *const argv[] = {"systemctl", "restart", "containerd", NULL};
		char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				      NULL};
		execvpe(argv[0], argv, envp);
		fprintf(stderr, INSTALL_NAME ": exec systemctl: %s\n", strerror(errno));
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_sys(err, errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_new(err, ERR_STATE,
			       "systemctl restart containerd failed (status %d): see `journalctl -u "
			       "containerd` on the "
			       "node",
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	printf("  restarted containerd (systemctl restart containerd)\n");
	return 0;
}
