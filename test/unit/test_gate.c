/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/gate.c: the start gate with real processes. A child plays the workload: it takes
 * its handle, blocks in gate_wait, then execs (or reports a failed exec, or dies); the test plays
 * start with gate_open. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "gate.h"
#include "loop.h"
#include "testlib.h"

/* Each test starts with a gate made in its own directory. */
static void setup(void)
{
	struct error *err = NULL;
	ck_assert_int_eq(gate_create(testlib_test_dir(), &err), 0);
}

static int pidfd_of(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	ck_assert_msg(fd >= 0, "pidfd_open: %s", strerror(errno));
	return fd;
}

/* What the child does once it holds the gate's write end. */
enum after_gate { EXEC_SLEEP, EXEC_MISSING, EXIT_SILENTLY };

/* The workload: report 'w' on progress before blocking in gate_wait and 'o' once through it. */
static pid_t spawn_workload(int progress_fd, enum after_gate then, uid_t uid)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid != 0)
		return pid;
	int handle = -1;
	struct error *err = NULL;
	if (gate_handle(testlib_test_dir(), &handle, &err) < 0)
		_exit(10);
	if (uid != 0 && setuid(uid) < 0) /* a workload that dropped root still gets through */
		_exit(11);
	if (write(progress_fd, "w", 1) != 1)
		_exit(12);
	int fd = gate_wait(handle, &err);
	if (fd < 0)
		_exit(13);
	if (write(progress_fd, "o", 1) != 1)
		_exit(14);
	if (then == EXIT_SILENTLY)
		_exit(0);
	/* A program that keeps running: start must learn of the exec itself, not of an exit. */
	const char *path = then == EXEC_SLEEP ? "/bin/sleep" : "/nonexistent/cmd";
	execl(path, path, "60", (char *)NULL);
	/* What the workload does when exec fails: the error text goes through the gate. */
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "exec %s: %s", path, strerror(errno));
	ssize_t ignored = write(fd, msg, (size_t)n);
	(void)ignored;
	_exit(127);
}

static char read_progress(int fd)
{
	char c = 0;
	ck_assert_int_eq(read(fd, &c, 1), 1);
	return c;
}

/* True when fd has something to read within ms. */
static bool readable_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1;
}

/* The child is running /bin/sleep now: it exec'd and is still there. */
static void assert_runs_sleep(pid_t pid)
{
	char path[64], comm[64] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(comm, sizeof(comm), f));
	fclose(f);
	ck_assert_str_eq(comm, "sleep\n");
}

static int reap(pid_t pid)
{
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

START_TEST(fifo_is_0622_and_made_once)
{
	char *path = testlib_path(GATE_NAME);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0622); /* exact, whatever the umask */
	struct error *err = NULL;
	ck_assert_int_lt(gate_create(testlib_test_dir(), &err), 0);
	ck_assert_int_eq(err->errnum, EEXIST);
	ck_assert_ptr_nonnull(strstr(err_message(err), path));
	err_free(&err);
	free(path);
}
END_TEST

START_TEST(child_blocks_until_open_then_exec_releases_start)
{
	int progress[2];
	ck_assert_int_eq(pipe(progress), 0);
	pid_t pid = spawn_workload(progress[1], EXEC_SLEEP, 0);
	ck_assert_int_eq(read_progress(progress[0]), 'w');
	/* Blocked in gate_wait: nothing more comes until start opens the gate. */
	ck_assert(!readable_within(progress[0], 200));
	int pidfd = pidfd_of(pid);
	struct error *err = NULL;
	ck_assert_msg(gate_open(testlib_test_dir(), pidfd, 5000, &err) == 0, "gate_open: %s",
		      err_message(err));
	ck_assert_int_eq(read_progress(progress[0]), 'o');
	assert_runs_sleep(pid);
	kill(pid, SIGKILL);
	reap(pid);
	close(pidfd);
	close(progress[0]);
	close(progress[1]);
}
END_TEST

START_TEST(open_before_the_child_arrives)
{
	/* start may come first: the child reaches the gate later and passes straight through. */
	int progress[2];
	ck_assert_int_eq(pipe(progress), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		usleep(100 * 1000);
		int handle = -1;
		if (gate_handle(testlib_test_dir(), &handle, NULL) < 0 || gate_wait(handle, NULL) < 0)
			_exit(10);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	struct error *err = NULL;
	int pidfd = pidfd_of(pid);
	ck_assert_msg(gate_open(testlib_test_dir(), pidfd, 5000, &err) == 0, "gate_open: %s",
		      err_message(err));
	int status = reap(pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(pidfd);
	close(progress[0]);
	close(progress[1]);
}
END_TEST

START_TEST(failed_exec_returns_the_childs_error)
{
	int progress[2];
	ck_assert_int_eq(pipe(progress), 0);
	pid_t pid = spawn_workload(progress[1], EXEC_MISSING, 0);
	ck_assert_int_eq(read_progress(progress[0]), 'w');
	int pidfd = pidfd_of(pid);
	struct error *err = NULL;
	ck_assert_int_lt(gate_open(testlib_test_dir(), pidfd, 5000, &err), 0);
	ck_assert_ptr_nonnull(err);
	char want[256];
	snprintf(want, sizeof(want), "exec /nonexistent/cmd: %s", strerror(ENOENT));
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	int status = reap(pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 127);
	close(pidfd);
	close(progress[0]);
	close(progress[1]);
}
END_TEST

START_TEST(child_dead_before_the_gate_is_err_state)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(1); /* never reaches the gate */
	int pidfd = pidfd_of(pid);
	siginfo_t info;
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
	struct error *err = NULL;
	uint64_t start = clock_monotonic_ms();
	ck_assert_int_lt(gate_open(testlib_test_dir(), pidfd, 5000, &err), 0);
	ck_assert_uint_lt(clock_monotonic_ms() - start, 2000); /* the pidfd ended the wait, not the timeout */
	ck_assert_int_eq(err->kind, ERR_STATE);
	ck_assert_str_eq(err_message(err), "the process exited before it was started");
	err_free(&err);
	reap(pid);
	close(pidfd);
}
END_TEST

START_TEST(child_killed_while_blocked_is_err_state)
{
	/* A workload killed while it waits at the gate (it never opened the write end). */
	int progress[2];
	ck_assert_int_eq(pipe(progress), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int handle = -1;
		if (gate_handle(testlib_test_dir(), &handle, NULL) < 0)
			_exit(10);
		pause(); /* stands for a workload still setting up */
		_exit(0);
	}
	int pidfd = pidfd_of(pid);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	struct error *err = NULL;
	ck_assert_int_lt(gate_open(testlib_test_dir(), pidfd, 5000, &err), 0);
	ck_assert_int_eq(err->kind, ERR_STATE);
	err_free(&err);
	int status = reap(pid);
	ck_assert(WIFSIGNALED(status));
	close(pidfd);
	close(progress[0]);
	close(progress[1]);
}
END_TEST

START_TEST(child_that_never_comes_times_out)
{
	struct error *err = NULL;
	uint64_t start = clock_monotonic_ms();
	ck_assert_int_lt(gate_open(testlib_test_dir(), -1, 150, &err), 0);
	uint64_t took = clock_monotonic_ms() - start;
	ck_assert_msg(took >= 149 && took < 2000, "took %llu ms", (unsigned long long)took);
	ck_assert_str_eq(err_message(err), "timed out after 150 ms waiting for the process to exec");
	err_free(&err);

	/* A live child that never reaches the gate: its pidfd does not end the wait either. */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	int pidfd = pidfd_of(pid);
	start = clock_monotonic_ms();
	ck_assert_int_lt(gate_open(testlib_test_dir(), pidfd, 100, &err), 0);
	ck_assert_uint_ge(clock_monotonic_ms() - start, 99);
	ck_assert_ptr_nonnull(strstr(err_message(err), "timed out after 100 ms"));
	err_free(&err);
	kill(pid, SIGKILL);
	reap(pid);
	close(pidfd);
}
END_TEST

START_TEST(unprivileged_workload_gets_through)
{
	if (geteuid() != 0) {
		fprintf(stderr, "unprivileged_workload_gets_through: skipped (needs root)\n");
		return;
	}
	/* As in real use, the state directory is root's 0700: the handle taken before dropping root
	 * and the FIFO's 0622 are what let the workload through. */
	int progress[2];
	ck_assert_int_eq(pipe(progress), 0);
	pid_t pid = spawn_workload(progress[1], EXEC_SLEEP, 65534);
	ck_assert_int_eq(read_progress(progress[0]), 'w');
	int pidfd = pidfd_of(pid);
	struct error *err = NULL;
	ck_assert_msg(gate_open(testlib_test_dir(), pidfd, 5000, &err) == 0, "gate_open: %s",
		      err_message(err));
	assert_runs_sleep(pid);
	kill(pid, SIGKILL);
	reap(pid);
	close(pidfd);
	close(progress[0]);
	close(progress[1]);
}
END_TEST

START_TEST(child_that_exits_without_exec_after_the_gate)
{
	/* Through the gate, then gone without exec and without a word: start cannot tell this from a
	 * quick exec; it must not hang or report a failure text that was never written. */
	int progress[2];
	ck_assert_int_eq(pipe(progress), 0);
	pid_t pid = spawn_workload(progress[1], EXIT_SILENTLY, 0);
	ck_assert_int_eq(read_progress(progress[0]), 'w');
	struct error *err = NULL;
	uint64_t start = clock_monotonic_ms();
	int rc = gate_open(testlib_test_dir(), -1, 5000, &err);
	ck_assert_uint_lt(clock_monotonic_ms() - start, 2000);
	ck_assert_msg(rc == 0, "gate_open: %s", err_message(err));
	reap(pid);
	close(progress[0]);
	close(progress[1]);
}
END_TEST

START_TEST(missing_gate_errors)
{
	char *empty = testlib_path("empty");
	ck_assert_int_eq(mkdir(empty, 0700), 0);
	struct error *err = NULL;
	int handle = 12345;
	ck_assert_int_lt(gate_handle(empty, &handle, &err), 0);
	ck_assert_int_eq(err->errnum, ENOENT);
	ck_assert_ptr_nonnull(strstr(err_message(err), empty));
	err_free(&err);
	ck_assert_int_lt(gate_open(empty, -1, 100, &err), 0);
	ck_assert_int_eq(err->errnum, ENOENT);
	err_free(&err);
	ck_assert_int_lt(gate_wait(9999, &err), 0); /* not an open handle */
	ck_assert_ptr_nonnull(err);
	err_free(&err);
	free(empty);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("gate");
	testlib_use_scratch(tc, TESTLIB_UMASK_022);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, fifo_is_0622_and_made_once);
	tcase_add_test(tc, child_blocks_until_open_then_exec_releases_start);
	tcase_add_test(tc, open_before_the_child_arrives);
	tcase_add_test(tc, failed_exec_returns_the_childs_error);
	tcase_add_test(tc, child_dead_before_the_gate_is_err_state);
	tcase_add_test(tc, child_killed_while_blocked_is_err_state);
	tcase_add_test(tc, child_that_never_comes_times_out);
	tcase_add_test(tc, unprivileged_workload_gets_through);
	tcase_add_test(tc, child_that_exits_without_exec_after_the_gate);
	tcase_add_test(tc, missing_gate_errors);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
