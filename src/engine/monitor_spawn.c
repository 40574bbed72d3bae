/* SPDX-License-Identifier: Apache-2.0 */
/* The creator's side of the monitor: fork, exec `reaper-monitor`, read its one-line reply. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "fsutil.h"
#include "monitor.h"
#include "names.h"
#include "pidfd.h"

extern char **environ;

/* Whether fd is open and survives execve: a caller's inherited stdio. A closed stdio fd (or one
 * the caller reused for a close-on-exec file of its own) would arrive closed in the monitor, whose
 * first open (its signalfd) would take it, to be overwritten when the monitor detaches its stdio. */
static bool inherited(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	return flags >= 0 && !(flags & FD_CLOEXEC);
}

static _Noreturn void exec_monitor(const struct monitor_request *req, int sync_fd)
{
	/* stdio on 0-2 (/dev/null for one the caller has closed), the fds to preserve on 3.., then
	 * the sync pipe and the console socket; nothing else. */
	int keep = req->preserve_fds;
	int sync_at = 3 + keep, console_at = sync_at + 1;
	int fds[console_at + 1];
	fds[0] = req->stdio[0], fds[1] = req->stdio[1], fds[2] = req->stdio[2];
	for (int i = 3; i < sync_at; i++)
		fds[i] = i;
	fds[sync_at] = sync_fd;
	fds[console_at] = req->console_fd;
	for (int i = 0, null = -1; i < 3; i++) {
		if (fds[i] < 0 && !inherited(i)) {
			if (null < 0)
				null = open("/dev/null", O_RDWR | O_CLOEXEC);
			fds[i] = null;
		}
	}
	fs_arrange_fds(fds, console_at + 1);
	char sync_arg[16], console_arg[16], keep_arg[16];
	snprintf(sync_arg, sizeof(sync_arg), "%d", sync_at);
	snprintf(console_arg, sizeof(console_arg), "%d", console_at);
	snprintf(keep_arg, sizeof(keep_arg), "%d", keep);
	const char *argv[18];
	int n = 0;
	argv[n++] = APPLET_MONITOR_NAME;
	argv[n++] = "--root";
	argv[n++] = req->root;
	argv[n++] = "--namespace";
	argv[n++] = req->ns;
	argv[n++] = "--sync-fd";
	argv[n++] = sync_arg;
	if (keep > 0) {
		argv[n++] = "--preserve-fds";
		argv[n++] = keep_arg;
	}
	if (req->exec_id) {
		argv[n++] = "--exec";
		argv[n++] = req->exec_id;
	}
	if (req->console_socket) {
		argv[n++] = "--console-socket";
		argv[n++] = req->console_socket;
	} else if (req->console_fd >= 0) {
		argv[n++] = "--console-fd";
		argv[n++] = console_arg;
	}
	argv[n++] = "--"; /* an id may look like an option ("--exec") */
	argv[n++] = req->id;
	argv[n] = NULL;
	execve("/proc/self/exe", (char *const *)argv, environ);
	dprintf(sync_at, "error exec reaper-monitor: %s\n", strerror(errno));
	_exit(127);
}

/* What a monitor's argv (exec_monitor above) says: its root, namespace, exec id and id. */
struct monitor_argv {
	const char *root, *ns, *exec_id, *id;
};

static bool parse_monitor_argv(char **argv, struct monitor_argv *out)
{
	*out = (struct monitor_argv){0};
	if (argv[0] == NULL || strcmp(argv[0], APPLET_MONITOR_NAME) != 0)
		return false;
	size_t i = 1;
	for (; argv[i] != NULL && strcmp(argv[i], "--") != 0; i += 2) {
		if (argv[i + 1] == NULL) {
			out->id = argv[i]; /* a monitor of a version that put no "--" before the id */
			return out->root != NULL && out->ns != NULL;
		}
		if (strcmp(argv[i], "--root") == 0)
			out->root = argv[i + 1];
		else if (strcmp(argv[i], "--namespace") == 0)
			out->ns = argv[i + 1];
		else if (strcmp(argv[i], "--exec") == 0)
			out->exec_id = argv[i + 1];
	}
	out->id = argv[i] != NULL ? argv[i + 1] : NULL;
	return out->root != NULL && out->ns != NULL && out->id != NULL;
}

int monitor_find(const char *root, const char *ns, const char *id, const char *exec_id, struct proc_id **out,
		 size_t *n, struct error **err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n_pids = 0;
	if (procfs_pids(&pids, &n_pids, err) < 0)
		return -1;
	*out = calloc(n_pids + 1, sizeof(**out));
	*n = 0;
	if (*out == NULL)
		return err_sys(err, ENOMEM, "scan /proc");
	for (size_t i = 0; i < n_pids; i++) {
		struct proc_stat before, after;
		cleanup_strv char **argv = NULL;
		struct monitor_argv m;
		/* The start time read around the argv: the argv was that process's. */
		if (procfs_stat(pids[i], &before, NULL) < 0 || procfs_cmdline(pids[i], &argv, NULL) < 0 ||
		    procfs_stat(pids[i], &after, NULL) < 0 || before.starttime != after.starttime ||
		    !parse_monitor_argv(argv, &m))
			continue;
		if (strcmp(m.root, root) != 0 || strcmp(m.ns, ns) != 0 || strcmp(m.id, id) != 0 ||
		    (exec_id != NULL && (m.exec_id == NULL || strcmp(m.exec_id, exec_id) != 0)))
			continue;
		(*out)[(*n)++] = (struct proc_id){pids[i], after.starttime};
	}
	return 0;
}

int monitor_start(const struct monitor_request *req, pid_t *monitor_pid, int *pidfd, int *sync_fd,
		  struct error **err)
{
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		return err_sys(err, errno, "pipe");
	pid_t child = fork();
	if (child < 0) {
		close(sync[0]);
		close(sync[1]);
		return err_sys(err, errno, "fork the monitor");
	}
	if (child == 0)
		exec_monitor(req, sync[1]);
	close(sync[1]);
	/* Taken before anyone can reap the child: it names the monitor however long it takes. */
	*pidfd = pidfd_open_process(child, 0);
	if (*pidfd < 0 || fcntl(sync[0], F_SETFL, O_NONBLOCK) < 0) {
		int saved = errno;
		kill(child, SIGKILL);
		if (*pidfd >= 0)
			close(*pidfd);
		close(sync[0]);
		return err_sys(err, saved, "the monitor");
	}
	*monitor_pid = child;
	*sync_fd = sync[0];
	return 0;
}

int monitor_reply_read(struct monitor_reply *r, int sync_fd, pid_t *pid, struct error **err)
{
	bool eof = false;
	while (r->len < sizeof(r->text) - 1 && memchr(r->text, '\n', r->len) == NULL) {
		ssize_t n = read(sync_fd, r->text + r->len, sizeof(r->text) - 1 - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n <= 0) {
			eof = true;
			break;
		}
		r->len += (size_t)n;
	}
	r->text[r->len] = '\0';
	if (!eof && memchr(r->text, '\n', r->len) == NULL && r->len < sizeof(r->text) - 1)
		return 1;
	r->text[strcspn(r->text, "\n")] = '\0';
	int workload = 0;
	if (sscanf(r->text, "ok %d", &workload) == 1 && workload > 0) {
		*pid = workload;
		return 0;
	}
	if (strncmp(r->text, "error ", 6) == 0)
		return err_new(err, ERR_SYSTEM, "%s", r->text + 6);
	return err_new(err, ERR_SYSTEM, "the monitor exited without an answer");
}
