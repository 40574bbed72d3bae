/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon: the event loop, the ttrpc server, exits learned from SIGCHLD, and shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "shim_commands.h"
#include "events.h"
#include "log.h"
#include "shim.h"

/* After Shutdown, events still queued get this long to reach containerd. */
#define DRAIN_MS 2000

/* Monitors, loggers and orphans of the pod: exits themselves arrive on each process's exit fd. */
static void reap_children(void)
{
	pid_t pid;
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0 || (pid < 0 && errno == EINTR))
		;
}

static void on_signal(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct shim *shim = data;
	struct signalfd_siginfo info;
	bool child = false;
	while (read(fd, &info, sizeof(info)) == sizeof(info)) {
		if (info.ssi_signo == SIGCHLD) {
			child = true;
		} else if (shim->tasks == NULL && info.ssi_signo != SIGHUP) {
			log_info("shim: signal %u with no task left: exiting", info.ssi_signo);
			shim->shutting_down = true;
		} else {
			/* Tasks outlive a stray signal: their monitors keep them and their exits. */
			log_info("shim: signal %u ignored while tasks remain", info.ssi_signo);
		}
	}
	if (child)
		reap_children();
}

static int watch_signals(struct shim *shim, struct error **err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN); /* a vanished FIFO reader or containerd is an error code, not a death */
	shim->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (shim->signal_fd < 0)
		return err_sys(err, errno, "signalfd");
	return loop_add(shim->loop, shim->signal_fd, EPOLLIN, on_signal, shim, err);
}

/* The bundle's log FIFO (containerd copies it into its own log), or the file the node setting
 * REAPER_SHIM_LOG names. The level is debug when containerd runs with -debug, unless
 * REAPER_LOG_LEVEL says otherwise. */
static void open_log(bool debug)
{
	enum log_level level = log_config_level(debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	struct error *err = NULL;
	if (*config_get("REAPER_SHIM_LOG") != '\0') {
		log_open_from_config("REAPER_SHIM_LOG", &err);
		err_free(&err);
	} else {
		int fd = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			log_use_fd(fd, LOG_FORMAT_TEXT, level);
	}
	log_set_level(level);
}

static void drain_timeout(struct loop *loop, void *data)
{
	loop_stop(loop);
}

static int run(struct shim *shim, struct error **err)
{
	bool draining = false;
	while (true) {
		if (loop_run_once(shim->loop, -1, err) < 0)
			return -1;
		if (!shim->shutting_down || !ttrpc_server_flushed(shim->server))
			continue;
		if (events_pending(shim->events) == 0)
			return 0;
		if (!draining) {
			draining = true;
			loop_timer_add(shim->loop, DRAIN_MS, drain_timeout, NULL);
		}
	}
}

/* Everything the daemon holds, given back before it exits (so a leak checker sees real leaks only).
 * The processes of tasks still in the table are not touched: their monitors keep them. */
static void release(struct shim *shim)
{
	while (shim->tasks != NULL)
		shim_remove_process(shim, &shim->tasks->init);
	if (shim->server != NULL)
		ttrpc_server_free(shim->server);
	shim->server = NULL;
	events_free(shim->events);
	shim->events = NULL;
	if (shim->signal_fd >= 0)
		close(shim->signal_fd);
	shim->signal_fd = -1;
	if (shim->loop != NULL)
		loop_free(shim->loop);
	shim->loop = NULL;
}

int shim_serve(struct shim *shim, int listen_fd)
{
	struct error *err = NULL;
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	/* Exec'd through /proc/self/exe, the daemon's comm would be "exe": name it as containerd's own
	 * shims are named (15 bytes at most), so ps, pgrep containerd-shim and tooling find it. */
	prctl(PR_SET_NAME, "containerd-shim", 0, 0, 0);
	int rc = loop_new(&shim->loop, &err);
	if (rc == 0)
		rc = ttrpc_server_new(&shim->server, shim->loop, listen_fd, &err);
	if (rc == 0)
		rc = ttrpc_server_register(shim->server, shim_task_methods, shim, &err);
	if (rc == 0)
		rc = events_new(&shim->events, shim->loop, getenv("TTRPC_ADDRESS"), shim->rt.ns, &err);
	if (rc == 0)
		rc = watch_signals(shim, &err);
	if (rc == 0) {
		log_info("shim %d serving namespace %s", (int)getpid(), shim->rt.ns);
		rc = run(shim, &err);
	}
	if (rc < 0)
		log_error("shim: %s", err_message(err));
	err_free(&err);
	if (shim->socket_path != NULL)
		unlink(shim->socket_path);
	release(shim);
	return rc < 0 ? 1 : 0;
}

/* The socket path behind our listening fd: removed when we exit. */
static char *listening_path(int fd)
{
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0 || addr.sun_path[0] == '\0')
		return NULL;
	return strndup(addr.sun_path, sizeof(addr.sun_path));
}

int shim_command_serve(const struct shim_args *a)
{
	/* A bad setting does not stop the daemon: it is logged here, and Create and Exec fail with it
	 * (container_create), so kubelet shows it. The settings are read once, at start. */
	struct error *err = NULL;
	config_load(&err);
	open_log(a->debug);
	if (err != NULL)
		log_error("node configuration: %s: Create and Exec fail until it is fixed", err_message(err));
	err_free(&err);
	struct shim shim = {.rt = {.root = state_root(), .ns = a->ns}, .signal_fd = -1};
	shim.socket_path = listening_path(SHIM_LISTEN_FD);
	if (shim.socket_path == NULL) {
		log_error("shim: fd %d is not a listening unix socket", SHIM_LISTEN_FD);
		return 1;
	}
	int rc = shim_serve(&shim, SHIM_LISTEN_FD);
	free(shim.socket_path);
	return rc;
}
