/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/shim/shim_io.c: a binary:// logger started as the shim starts it, from a
 * process whose signals are set up as the shim's are. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "op.h"
#include "shim_io.h"
#include "testlib.h"

/* The shim's own signal state (serve.c): the signals it reads from a signalfd are blocked and
 * SIGPIPE is ignored. */
static void act_like_the_shim(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The logger is this very program (a shell would clear its signal mask itself): it records its
 * signal mask and ignored set, says ready, and waits to be stopped. */
static int logger_main(const char *dir, bool slow)
{
	if (slow) {
		struct timespec half = {.tv_nsec = 500 * 1000 * 1000};
		nanosleep(&half, NULL);
	}
	char path[512], *status = NULL;
	FILE *in = fopen("/proc/self/status", "r");
	snprintf(path, sizeof(path), "%s/signals", dir);
	FILE *out = fopen(path, "w");
	size_t cap = 0;
	while (in != NULL && out != NULL && getline(&status, &cap, in) > 0) {
		if (strncmp(status, "SigBlk:", 7) == 0 || strncmp(status, "SigIgn:", 7) == 0)
			fputs(status, out);
	}
	if (out == NULL || fclose(out) != 0)
		return 1;
	close(3), close(4), close(5);
	for (;;)
		pause();
}

static char *logger_target(const char *extra)
{
	char exe[512], *target = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	ck_assert_int_ge(asprintf(&target, "binary://%s?logger=%s%s", exe, testlib_test_dir(), extra), 0);
	return target;
}

/* Open the stdio of a process whose stdout goes to the logger; returns the logger's pid. */
static pid_t start_logger(struct loop *loop, struct shim_io **io)
{
	char *target = logger_target("");
	struct shim_io_spec spec = {.paths = {"", target, target}, .id = "c1", .ns = "default"};
	int stdio[3], console_fd;
	struct error *err = NULL;
	struct op *ready = NULL;
	int rc = shim_io_open(io, loop, &spec, stdio, &console_fd, &ready, &err);
	ck_assert_msg(rc == 0, "shim_io_open: %s", err ? err_message(err) : "");
	ck_assert_ptr_nonnull(ready);
	rc = op_run(ready, &err);
	ck_assert_msg(rc == 0, "the logger did not get ready: %s", err ? err_message(err) : "");
	op_free(ready);
	free(target);
	/* The logger is our only child so far. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
	char *children = testlib_read_file(path);
	pid_t pid = atoi(children);
	free(children);
	ck_assert_int_gt(pid, 0);
	return pid;
}

static bool dies_of(pid_t pid, int sig, int timeout_ms)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ck_assert_int_ge(pidfd, 0);
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int ready = poll(&p, 1, timeout_ms);
	close(pidfd);
	if (ready <= 0)
		kill(pid, SIGKILL);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return ready > 0 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

START_TEST(a_logger_starts_with_no_signal_blocked_or_ignored)
{
	act_like_the_shim();
	struct loop *loop;
	ck_assert_int_eq(loop_new(&loop, NULL), 0);
	struct shim_io *io;
	pid_t pid = start_logger(loop, &io);
	char *file = testlib_path("signals");
	char *signals = testlib_read_file(file);
	ck_assert_str_eq(signals, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
	/* containerd stops a logger with SIGTERM. */
	kill(pid, SIGTERM);
	ck_assert_msg(dies_of(pid, SIGTERM, 5000), "the logger survived SIGTERM");
	free(signals);
	free(file);
	shim_io_free(io);
	loop_free(loop);
}
END_TEST

static bool op_finished;

static void on_ready(struct op *op, int rc, struct error *err, void *data)
{
	ck_assert_msg(rc == 0, "the logger failed: %s", err ? err_message(err) : "");
	op_finished = true;
	op_free(op);
}

/* The shim's loop serves everything else while a logger gets ready. */
START_TEST(a_slow_logger_does_not_hold_up_its_opener)
{
	struct loop *loop;
	ck_assert_int_eq(loop_new(&loop, NULL), 0);
	char *target = logger_target("&slow");
	struct shim_io_spec spec = {.paths = {"", target, ""}, .id = "c1", .ns = "default"};
	int stdio[3], console_fd;
	struct shim_io *io;
	struct op *ready = NULL;
	struct error *err = NULL;
	uint64_t t0 = clock_monotonic_ms();
	ck_assert_int_eq(shim_io_open(&io, loop, &spec, stdio, &console_fd, &ready, &err), 0);
	ck_assert_uint_lt(clock_monotonic_ms() - t0, 300);
	ck_assert_ptr_nonnull(ready);
	op_finished = false;
	ck_assert_int_eq(op_drive(ready, loop, on_ready, NULL, NULL), 0);
	ck_assert_int_eq(loop_run_once(loop, 100, NULL), 0);
	ck_assert(!op_finished);
	while (!op_finished && clock_monotonic_ms() - t0 < 5000)
		ck_assert_int_eq(loop_run_once(loop, 100, NULL), 0);
	ck_assert(op_finished);
	ck_assert_uint_ge(clock_monotonic_ms() - t0, 400);
	shim_io_free(io);
	free(target);
	loop_free(loop);
	/* The logger reads EOF on fd 3 now, but pauses: end it. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
	char *children = testlib_read_file(path);
	pid_t pid = atoi(children);
	free(children);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}
END_TEST

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "logger") == 0)
		return logger_main(argv[2], argc >= 4 && strcmp(argv[3], "slow") == 0);
	Suite *s = suite_create("shim_io");
	TCase *tc = tcase_create("logger");
	testlib_use_scratch(tc, TESTLIB_KEEP_UMASK);
	tcase_add_test(tc, a_logger_starts_with_no_signal_blocked_or_ignored);
	tcase_add_test(tc, a_slow_logger_does_not_hold_up_its_opener);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
