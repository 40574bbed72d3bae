/* SPDX-License-Identifier: Apache-2.0 */
#include "shim_io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "clock.h"
#include "console.h"
#include "fsutil.h"
#include "log.h"
#include "pidfd.h"
#include "signals.h"
#include "stdio_target.h"

#define RELAY_BUF               4096
#define LOGGER_READY_TIMEOUT_MS 10000

/* One direction of the terminal relay: src -> buf -> dst. */
struct relay {
	int src, dst;
	char *buf;
	size_t len, off;
	bool eof;
};

struct shim_io {
	struct loop *loop;
	int workload[3];  /* handed to the monitor, closed once it has them */
	int keepalive[3]; /* FIFO ends held for the process's life */
	int console_sock; /* our end of the socketpair the monitor sends the master over */
	int console_peer; /* the monitor's end */
	int master;
	struct relay in;  /* stdin FIFO -> master */
	struct relay out; /* master -> stdout FIFO */
	bool exited;
	/* Waiting for containerd to read the output (shim_io_when_drained). */
	int drain_watch; /* inotify fd, or -1 */
	int64_t drain_timer;
	void (*drained)(void *data);
	void *drained_data;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Waiting for a logger to say it is ready. */
struct logger_op {
	struct op op;
	int ready;  /* the read end of its fd 5 */
	int logger; /* its pidfd */
	char *path;
};

static void logger_op_free(struct op *op)
{
	struct logger_op *l = (struct logger_op *)op;
	if (l->ready >= 0)
		close(l->ready);
	if (l->logger >= 0)
		close(l->logger);
	free(l->path);
	free(l);
}

static int logger_step(struct op *op, bool timed_out, struct error **err)
{
	struct logger_op *l = (struct logger_op *)op;
	if (!timed_out)
		return 0; /* fd 5 closed (or written to): ready */
	pidfd_signal(l->logger, SIGKILL);
	return err_new(err, ERR_SYSTEM, "logging binary %s did not get ready within %d ms", l->path,
		       LOGGER_READY_TIMEOUT_MS);
}

/* containerd's binary logging protocol: the logger reads stdout on fd 3 and stderr on fd 4, and
 * closes fd 5 once it is ready. Started here, waited for by the caller (*ready). */
static int start_logger(struct shim_io *io, const struct stdio_target *t, const struct shim_io_spec *spec,
			struct op **ready, struct error **err)
{
	int out[2], errp[2], ready_pipe[2];
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(ready_pipe, O_CLOEXEC) < 0)
		return err_sys(err, errno, "pipe for the logging binary");
	struct logger_op *l = calloc(1, sizeof(*l));
	char *path = strdup(t->path);
	pid_t pid = l != NULL && path != NULL ? fork() : -1;
	int fork_errno = l != NULL && path != NULL ? errno : ENOMEM;
	if (pid == 0) {
		signals_reset();
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int fds[6] = {null, null, null, out[0], errp[0], ready_pipe[1]};
		fs_arrange_fds(fds, 6);
		setenv("CONTAINER_ID", spec->id, 1);
		setenv("CONTAINER_NAMESPACE", spec->ns, 1);
		size_t n = 0;
		while (t->args[n])
			n++;
		char **argv = calloc(n + 2, sizeof(char *));
		argv[0] = t->path;
		memcpy(argv + 1, t->args, n * sizeof(char *));
		execv(t->path, argv);
		_exit(127);
	}
	close(out[0]), close(errp[0]), close(ready_pipe[1]);
	if (pid < 0) {
		close(out[1]), close(errp[1]), close(ready_pipe[0]);
		free(l);
		free(path);
		return err_sys(err, fork_errno, "fork the logging binary");
	}
	io->workload[1] = out[1];
	io->workload[2] = errp[1];
	op_init(&l->op, logger_step, logger_op_free);
	l->ready = ready_pipe[0];
	l->logger = pidfd_open_process(pid, 0); /* before anyone can reap it */
	l->path = path;
	l->op.fds[0] = l->ready;
	l->op.deadline = clock_monotonic_ms() + LOGGER_READY_TIMEOUT_MS;
	*ready = &l->op;
	return 0;
}

static int open_target(struct shim_io *io, int i, const struct shim_io_spec *spec, struct op **ready,
		       struct error **err)
{
	struct stdio_target t;
	if (stdio_target_parse(spec->paths[i] ? spec->paths[i] : "", &t, err) < 0)
		return -1;
	int rc;
	if (t.kind == STDIO_BINARY)
		rc = i == 0                 ? err_new(err, ERR_INVALID, "stdin cannot be a logging binary")
		     : io->workload[i] >= 0 ? 0
					    : start_logger(io, &t, spec, ready, err);
	else if (i == 0)
		rc = stdio_open_stdin(&t, &io->workload[0], &io->keepalive[0], err);
	else
		rc = stdio_open_writer(&t, &io->workload[i], &io->keepalive[i], err);
	stdio_target_free(&t);
	return rc;
}

int shim_io_open(struct shim_io **out, struct loop *loop, const struct shim_io_spec *spec, int stdio[3],
		 int *console_fd, struct op **ready, struct error **err)
{
	*ready = NULL;
	struct shim_io *io = calloc(1, sizeof(*io));
	if (io == NULL)
		return err_sys(err, ENOMEM, "stdio");
	*io = (struct shim_io){.loop = loop,
			       .workload = {-1, -1, -1},
			       .keepalive = {-1, -1, -1},
			       .console_sock = -1,
			       .console_peer = -1,
			       .master = -1,
			       .in = {.src = -1, .dst = -1},
			       .out = {.src = -1, .dst = -1},
			       .drain_watch = -1};
	int rc = 0;
	for (int i = 0; i < 3 && rc == 0; i++) {
		if (spec->terminal && i == 2)
			break; /* a terminal has one output stream */
		rc = open_target(io, i, spec, ready, err);
	}
	if (rc == 0 && spec->terminal) {
		int pair[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
			rc = err_sys(err, errno, "socketpair for the terminal");
		else {
			io->console_sock = pair[0];
			io->console_peer = pair[1];
		}
	}
	if (rc < 0) {
		op_free(*ready);
		*ready = NULL;
		shim_io_free(io);
		return err_wrap(err, "stdio");
	}
	/* With a terminal the workload's stdio is the pty: the FIFO ends stay ours, for the relay. */
	for (int i = 0; i < 3; i++)
		stdio[i] = spec->terminal ? -1 : io->workload[i];
	*console_fd = io->console_peer;
	*out = io;
	return 0;
}

static uint32_t interest(const struct shim_io *io, int fd)
{
	uint32_t ev = 0;
	if (fd == io->out.src && io->out.len == 0 && !io->out.eof)
		ev |= EPOLLIN;
	if (fd == io->in.src && io->in.len == 0 && !io->in.eof)
		ev |= EPOLLIN;
	if (fd == io->out.dst && io->out.len > 0)
		ev |= EPOLLOUT;
	if (fd == io->in.dst && io->in.len > 0)
		ev |= EPOLLOUT;
	return ev;
}

static void on_relay_event(struct loop *loop, int fd, uint32_t events, void *data);
static void check_drained(struct shim_io *io);

static void watch(struct shim_io *io, int fd)
{
	if (fd < 0)
		return;
	uint32_t ev = interest(io, fd);
	if (ev == 0)
		loop_remove(io->loop, fd);
	else if (loop_modify(io->loop, fd, ev, NULL) < 0 &&
		 loop_add(io->loop, fd, ev, on_relay_event, io, NULL) < 0)
		log_warn("terminal relay: cannot watch fd %d", fd);
}

static void rewatch(struct shim_io *io)
{
	watch(io, io->master);
	watch(io, io->in.src);
	watch(io, io->out.dst);
}

/* Move what is available through one relay; returns false once the relay is finished. */
static void pump(struct relay *r)
{
	if (r->len == 0 && !r->eof && r->src >= 0) {
		ssize_t n = read(r->src, r->buf, RELAY_BUF);
		if (n > 0) {
			r->len = (size_t)n;
			r->off = 0;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			r->eof = true; /* EIO on the master: every slave end is closed */
		}
	}
	while (r->len > 0 && r->dst >= 0) {
		ssize_t n = write(r->dst, r->buf + r->off, r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			r->len = 0; /* the reader is gone for good: drop output */
			return;
		}
		r->off += (size_t)n;
		r->len -= (size_t)n;
	}
}

static void finish_output(struct shim_io *io)
{
	loop_remove(io->loop, io->out.dst);
	close_fd(&io->out.dst);
	close_fd(&io->keepalive[1]);
}

static void on_relay_event(struct loop *loop, int fd, uint32_t events, void *data)
{
	struct shim_io *io = data;
	pump(&io->out);
	pump(&io->in);
	if (io->out.eof && io->out.len == 0 && io->out.dst >= 0)
		finish_output(io);
	rewatch(io);
	check_drained(io);
}

static int start_relay(struct shim_io *io, struct error **err)
{
	/* The monitor sends the terminal before it reports the process created, so it is there now
	 * or never (the request asked for a terminal, the process spec did not): never wait for it,
	 * the loop serves the whole pod. */
	if (set_nonblocking(io->console_sock) < 0)
		return err_sys(err, errno, "terminal");
	if (console_receive(io->console_sock, &io->master, err) < 0) {
		if ((*err)->errnum != EAGAIN)
			return -1;
		err_free(err);
		return err_new(err, ERR_INVALID,
			       "a terminal was requested but the process does not ask for one "
			       "(process.terminal is false)");
	}
	io->in.buf = malloc(RELAY_BUF);
	io->out.buf = malloc(RELAY_BUF);
	if (io->in.buf == NULL || io->out.buf == NULL)
		return err_sys(err, ENOMEM, "terminal relay");
	io->out.src = io->master;
	io->out.dst = io->workload[1];
	io->in.src = io->workload[0];
	io->in.dst = io->master;
	/* No stdin FIFO (/dev/null, a file): nothing to relay, and epoll takes only pipes and sockets. */
	struct stat st;
	if (io->in.src >= 0 && (fstat(io->in.src, &st) < 0 || !S_ISFIFO(st.st_mode)))
		close_fd(&io->in.src);
	io->in.eof = io->in.src < 0;
	io->workload[0] = io->workload[1] = -1;
	if (set_nonblocking(io->master) < 0 || (io->out.dst >= 0 && set_nonblocking(io->out.dst) < 0) ||
	    (io->in.src >= 0 && set_nonblocking(io->in.src) < 0))
		return err_sys(err, errno, "terminal relay");
	rewatch(io);
	return 0;
}

int shim_io_created(struct shim_io *io, struct error **err)
{
	close_fd(&io->console_peer);
	if (io->console_sock >= 0)
		return start_relay(io, err);
	for (int i = 0; i < 3; i++)
		close_fd(&io->workload[i]);
	return 0;
}

void shim_io_close_stdin(struct shim_io *io)
{
	close_fd(&io->keepalive[0]);
	if (io->in.src >= 0) {
		loop_remove(io->loop, io->in.src);
		close_fd(&io->in.src);
		io->in.eof = true;
		rewatch(io);
	}
}

int shim_io_resize(struct shim_io *io, unsigned width, unsigned height, struct error **err)
{
	if (io->master < 0)
		return err_new(err, ERR_STATE, "the process has no terminal");
	return console_resize(io->master, height, width, err);
}

void shim_io_exited(struct shim_io *io)
{
	io->exited = true;
	shim_io_close_stdin(io);
	if (io->master >= 0) {
		/* What the workload wrote last is still in the pty: the relay drains it to EIO, then closes.
		 */
		on_relay_event(io->loop, io->master, EPOLLIN, io);
	}
}

static bool output_pending(struct shim_io *io)
{
	if (io->out.dst >= 0 && (io->out.len > 0 || !io->out.eof))
		return true;
	for (int i = 1; i < 3; i++) {
		int unread = 0;
		if (io->keepalive[i] >= 0 && ioctl(io->keepalive[i], FIONREAD, &unread) == 0 && unread > 0)
			return true;
	}
	return false;
}

static void stop_draining(struct shim_io *io)
{
	if (io->drain_watch >= 0) {
		loop_remove(io->loop, io->drain_watch);
		close_fd(&io->drain_watch);
	}
	if (io->drain_timer > 0)
		loop_timer_cancel(io->loop, io->drain_timer);
	io->drain_timer = 0;
	io->drained = NULL;
}

static void drained(struct shim_io *io)
{
	void (*done)(void *) = io->drained;
	void *data = io->drained_data;
	stop_draining(io);
	if (done != NULL)
		done(data);
}

static void check_drained(struct shim_io *io)
{
	if (io->drained != NULL && !output_pending(io))
		drained(io);
}

static void on_fifo_read(struct loop *loop, int fd, uint32_t events, void *data)
{
	char events_buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (read(fd, events_buf, sizeof(events_buf)) > 0)
		; /* which read it was does not matter: the FIFOs are checked again */
	check_drained(data);
}

static void drain_timeout(struct loop *loop, void *data)
{
	struct shim_io *io = data;
	io->drain_timer = 0;
	log_warn("exit reported with output containerd has not read yet");
	drained(io);
}

/* Watch the FIFOs (through their keepalive fds) for containerd's reads. */
static int watch_fifo_reads(struct shim_io *io)
{
	io->drain_watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (io->drain_watch < 0)
		return -1;
	for (int i = 1; i < 3; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", io->keepalive[i]);
		if (io->keepalive[i] >= 0 && inotify_add_watch(io->drain_watch, path, IN_ACCESS) < 0)
			return -1;
	}
	return loop_add(io->loop, io->drain_watch, EPOLLIN, on_fifo_read, io, NULL);
}

void shim_io_when_drained(struct shim_io *io, int timeout_ms, void (*done)(void *data), void *data)
{
	io->drained = done;
	io->drained_data = data;
	/* Watch first, then look: a read in between still shows up as an event. */
	if (watch_fifo_reads(io) < 0 ||
	    (io->drain_timer = loop_timer_add(io->loop, (uint64_t)timeout_ms, drain_timeout, io)) <= 0) {
		drained(io);
		return;
	}
	check_drained(io);
}

void shim_io_close_output(struct shim_io *io)
{
	for (int i = 1; i < 3; i++)
		close_fd(&io->keepalive[i]);
	if (io->out.dst >= 0)
		finish_output(io);
}

void shim_io_free(struct shim_io *io)
{
	if (io == NULL)
		return;
	stop_draining(io);
	int *fds[] = {&io->master, &io->in.src, &io->out.dst};
	for (size_t i = 0; i < ARRAY_LEN(fds); i++) {
		if (*fds[i] >= 0)
			loop_remove(io->loop, *fds[i]);
		close_fd(fds[i]);
	}
	for (int i = 0; i < 3; i++) {
		close_fd(&io->workload[i]);
		close_fd(&io->keepalive[i]);
	}
	close_fd(&io->console_sock);
	close_fd(&io->console_peer);
	free(io->in.buf);
	free(io->out.buf);
	free(io);
}
