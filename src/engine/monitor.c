/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor process: prepares the workload, forks it, reports to its creator, then waits. */
#include "monitor.h"
#include "array.h"
#include "names.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "config.h"
#include "console.h"
#include "container.h"
#include "fsutil.h"
#include "gate.h"
#include "log.h"
#include "overlay.h"
#include "pidfd.h"
#include "pod_settings.h"
#include "procfs.h"
#include "process_tree.h"
#include "spec.h"
#include "state.h"
#include "view.h"
#include "workload.h"

#define REAP_GRACE_MS 5000

/* Everything the workload needs, opened in the host namespace before the fork. */
struct preparation {
	struct spec spec;            /* init: config.json */
	struct spec_process process; /* exec: process.json */
	struct volumes volumes;
	struct workload_plan plan;
	int console_master;
};

static int open_exec_namespace(const struct monitor_request *req, int *nsfd, struct error **err)
{
	struct runtime rt = {.root = req->root, .ns = req->ns};
	struct proc_state init;
	if (state_read_process(&rt, req->id, NULL, &init, err) < 0)
		return -1;
	/* A pidfd of the very process the record names: the workload's setns(CLONE_NEWNS) through it
	 * joins that process's namespace, or fails if it has gone; never a reused pid's. */
	*nsfd = pidfd_open_process(init.pid, init.pid_start);
	proc_state_free(&init);
	if (*nsfd < 0 && errno == ESRCH)
		return err_new(err, ERR_STATE, "container %s is not running", req->id);
	return *nsfd < 0 ? err_sys(err, errno, "pidfd of container %s", req->id) : 0;
}

static int load_process(const struct monitor_request *req, const char *dir, const struct proc_state *st,
			struct preparation *prep, struct error **err)
{
	if (req->exec_id != NULL) {
		cleanup_free char *path = state_file(dir, "process.json");
		cleanup_free char *text = NULL;
		size_t len;
		if (fs_read_file(path, SPEC_MAX_SIZE, &text, &len, err) < 0 ||
		    spec_parse_process(text, len, &prep->process, err) < 0)
			return -1;
		prep->plan.process = &prep->process;
		return open_exec_namespace(req, &prep->plan.nsfd, err);
	}
	if (spec_load(st->bundle, &prep->spec, err) < 0)
		return -1;
	prep->plan.process = &prep->spec.process;
	prep->plan.spec = &prep->spec;
	prep->plan.sandbox = st->sandbox;
	struct pod_settings settings;
	if (pod_settings_read(&prep->spec, &settings, err) < 0)
		return -1;
	struct volumes_policy policy = {.host_dns = settings.host_dns,
					.nodev = !view_is_privileged(&prep->spec)};
	if (!st->sandbox && volumes_prepare(&prep->spec, st->bundle, &policy, &prep->volumes, err) < 0)
		return -1;
	prep->plan.volumes = &prep->volumes;
	/* The group create recorded (a record older than groups has none: the default group). */
	return overlay_open(overlay_base(), st->group ? st->group : settings.group, req->root,
			    &prep->plan.nsfd, err);
}

static int prepare_console(const struct monitor_request *req, struct preparation *prep, struct error **err)
{
	const struct spec_process *p = prep->plan.process;
	if (!p->terminal)
		return 0;
	if (req->console_socket == NULL && req->console_fd < 0)
		return err_new(err, ERR_INVALID, "terminal requested but no console socket given");
	if (console_open(&prep->console_master, &prep->plan.console, p->console_height, p->console_width,
			 err) < 0)
		return -1;
	if (req->console_fd >= 0)
		return console_send_fd(req->console_fd, prep->console_master, "console", err);
	return console_send(req->console_socket, prep->console_master, "console", err);
}

static int prepare(const struct monitor_request *req, const char *dir, struct preparation *prep,
		   struct error **err)
{
	/* The creator checked the settings; the file may have changed since. */
	if (config_load(err) < 0)
		return err_wrap(err, "node configuration");
	struct proc_state st;
	if (state_read(dir, &st, err) < 0)
		return -1;
	int rc = load_process(req, dir, &st, prep, err);
	proc_state_free(&st);
	if (rc < 0 || prepare_console(req, prep, err) < 0 || gate_handle(dir, &prep->plan.gate, err) < 0)
		return -1;
	prep->plan.self_exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (prep->plan.self_exe < 0)
		return err_sys(err, errno, "open /proc/self/exe");
	return 0;
}

static void release(struct preparation *prep)
{
	int fds[] = {prep->plan.nsfd, prep->plan.gate, prep->plan.console, prep->plan.self_exe,
		     prep->console_master};
	for (size_t i = 0; i < ARRAY_LEN(fds); i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
	volumes_close(&prep->volumes);
	spec_free(&prep->spec);
	spec_process_free(&prep->process);
}

/* The workload reports one NUL byte when ready, or the error text, before the gate. */
static int await_ready(int fd, struct error **err)
{
	char msg[1024];
	size_t n = 0;
	while (n < sizeof(msg) - 1) {
		ssize_t r = read(fd, msg + n, sizeof(msg) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n == 0 && msg[0] == '\0')
			return 0;
		n += (size_t)r;
	}
	msg[n] = '\0';
	return err_new(err, ERR_SYSTEM, "%s", n ? msg : "the process died while being set up");
}

static int reply(int sync_fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reply(int sync_fd, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return fs_write_all(sync_fd, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

struct created {
	pid_t pid;
};

static int mark_created(struct proc_state *st, void *data, struct error **err)
{
	const struct created *c = data;
	struct proc_stat ps;
	struct proc_stat self;
	if (procfs_stat(c->pid, &ps, err) < 0 || procfs_stat(getpid(), &self, err) < 0)
		return -1;
	st->status = PROC_CREATED;
	st->pid = c->pid;
	st->pid_start = ps.starttime;
	st->monitor_pid = getpid();
	st->monitor_start = self.starttime;
	return 0;
}

struct exit_record {
	int code;
	int64_t at_ns;
};

static int mark_stopped(struct proc_state *st, void *data, struct error **err)
{
	const struct exit_record *e = data;
	st->status = PROC_STOPPED;
	st->exit_code = e->code;
	st->exited_at_ns = e->at_ns;
	return 0;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* Reap every child that has exited; returns true once main is among them. */
static bool reap(pid_t main_pid, struct exit_record *rec)
{
	bool main_done = false;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == main_pid) {
			rec->code = exit_code(status);
			rec->at_ns = clock_realtime_ns();
			main_done = true;
		}
	}
	return main_done;
}

static int signal_fd(void)
{
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Wait for SIGCHLD on sfd; timeout_ms < 0 waits for ever. Other signals are read and ignored: the
 * monitor stays until its workload is gone. */
static bool wait_for_child_signal(int sfd, int timeout_ms)
{
	struct pollfd p = {.fd = sfd, .events = POLLIN};
	if (poll(&p, 1, timeout_ms) <= 0)
		return false;
	struct signalfd_siginfo info;
	while (read(sfd, &info, sizeof(info)) == sizeof(info)) {
		if (info.ssi_signo != SIGCHLD)
			log_info("monitor: ignoring signal %u", info.ssi_signo);
	}
	return true;
}

/* Reap every exited child; true while some child is still alive. */
static bool reap_exited(void)
{
	pid_t r;
	while ((r = waitpid(-1, NULL, WNOHANG)) > 0 || (r < 0 && errno == EINTR))
		;
	return r == 0;
}

/* Nothing of the container outlives its main process: there is no pid namespace to do it for us.
 * As subreaper the monitor has descendants exactly while it has children; an init monitor also
 * takes the container's execs and their leftovers down. The tree is signalled again on every
 * wake-up, so a process forked meanwhile goes too. */
static void kill_remaining(const struct monitor_request *req, int sfd)
{
	struct runtime rt = {.root = req->root, .ns = req->ns};
	uint64_t deadline = clock_monotonic_ms() + REAP_GRACE_MS;
	for (;;) {
		bool children = reap_exited();
		bool execs = process_tree_has_live_execs(&rt, req->id);
		if (!children && !execs)
			return;
		process_tree_signal(&rt, req->id, NULL, SIGKILL, NULL);
		if (!children)
			return; /* the execs' own monitors reap them */
		int left = clock_ms_until(deadline);
		if (left == 0) {
			log_warn("monitor %s: processes still exiting after %d ms", req->id, REAP_GRACE_MS);
			return;
		}
		wait_for_child_signal(sfd, left);
	}
}

/* What an exec leaves behind (`sh -c 'daemon &'`) stays in the container, as under runc, until the
 * container stops: the monitor stays their subreaper, registered so the container still finds
 * them, and goes when the last one has gone. */
static void linger(const struct monitor_request *req, int sfd)
{
	struct runtime rt = {.root = req->root, .ns = req->ns};
	while (reap_exited())
		wait_for_child_signal(sfd, -1);
	process_tree_unlinger(&rt, req->id, getpid());
}

static void detach_stdio(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	if (null > 2)
		close(null);
}

static int supervise(const struct monitor_request *req, const char *dir, pid_t pid, int sfd, int sync_fd)
{
	struct error *err = NULL;
	struct created c = {.pid = pid};
	if (state_update(dir, mark_created, &c, &err) < 0) {
		reply(sync_fd, "error %s\n", err_message(err));
		kill(pid, SIGKILL);
		err_free(&err);
		return EXIT_FAILURE;
	}
	/* Nobody left to answer (the creator gave up: EPIPE): the workload, held at its gate, goes. */
	if (reply(sync_fd, "ok %d\n", (int)pid) < 0)
		kill(pid, SIGKILL);
	struct exit_record rec = {0};
	while (!reap(pid, &rec))
		wait_for_child_signal(sfd, -1);
	if (state_update(dir, mark_stopped, &rec, &err) < 0)
		log_error("monitor %s: record exit %d: %s", req->id, rec.code, err_message(err));
	err_free(&err);
	struct runtime rt = {.root = req->root, .ns = req->ns};
	bool leftovers = req->exec_id != NULL && reap_exited();
	/* Registered before the exit is announced: by the time anyone deletes the exec, the container
	 * can find its leftovers. */
	if (leftovers && process_tree_linger(&rt, req->id, getpid(), &err) < 0) {
		log_warn("monitor %s: %s; killing what the exec left", req->id, err_message(err));
		err_free(&err);
		leftovers = false;
	}
	close(sync_fd); /* the exit is recorded: creators waiting on the pipe see EOF */
	if (leftovers)
		linger(req, sfd);
	else if (req->exec_id != NULL)
		process_tree_signal(&rt, req->id, req->exec_id, SIGKILL, NULL), reap_exited();
	else
		kill_remaining(req, sfd);
	return EXIT_SUCCESS;
}

int monitor_run(const struct monitor_request *req, int sync_fd)
{
	/* Inherited without close-on-exec; the workload must not hold them. */
	fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
	if (req->console_fd >= 0)
		fcntl(req->console_fd, F_SETFD, FD_CLOEXEC);
	prctl(PR_SET_NAME, APPLET_MONITOR_NAME, 0, 0, 0);
	setsid();
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	cleanup_close int sfd = signal_fd();
	struct runtime rt = {.root = req->root, .ns = req->ns};
	cleanup_free char *dir = state_process_dir(&rt, req->id, req->exec_id);
	struct error *err = NULL;
	/* release() frees whatever prepare() got to, from this start. */
	struct preparation prep = {
		.console_master = -1,
		.plan = {.nsfd = -1, .gate = -1, .console = -1, .self_exe = -1, .report = -1}};
	int report[2] = {-1, -1};
	if (sfd < 0 || dir == NULL || prepare(req, dir, &prep, &err) < 0 || pipe2(report, O_CLOEXEC) < 0) {
		reply(sync_fd, "error %s\n", err ? err_message(err) : strerror(errno));
		release(&prep);
		err_free(&err);
		return EXIT_FAILURE;
	}
	prep.plan.report = report[1];
	prep.plan.preserve_fds = req->preserve_fds;
	pid_t pid = fork();
	int fork_errno = errno;
	if (pid == 0)
		workload_run(&prep.plan);
	for (int fd = 3; fd < 3 + req->preserve_fds; fd++)
		close(fd); /* the workload's now */
	close(report[1]);
	release(&prep);
	detach_stdio();
	if (pid < 0 || await_ready(report[0], &err) < 0) {
		reply(sync_fd, "error %s\n", pid < 0 ? strerror(fork_errno) : err_message(err));
		err_free(&err);
		while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return EXIT_FAILURE;
	}
	close(report[0]);
	return supervise(req, dir, pid, sfd, sync_fd);
}
