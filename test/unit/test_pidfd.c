/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/base/pidfd.c: a pid learnt earlier (a record, a /proc scan) reaches the process
 * it named or none, even once the kernel has handed the pid to another process. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"
#include "procfs.h"
#include "signals.h"
#include "testlib.h"

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static unsigned long long start_of(pid_t pid)
{
	struct proc_stat st;
	ck_assert_int_eq(procfs_stat(pid, &st, NULL), 0);
	return st.starttime;
}

/* A child that gets exactly pid (through ns_last_pid, as root), or -1 when other processes of
 * the machine keep taking it first. */
static pid_t spawn_sleeper_at(pid_t pid)
{
	for (int attempt = 0; attempt < 50; attempt++) {
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		char text[16];
		int n = snprintf(text, sizeof(text), "%d", (int)pid - 1);
		ssize_t w = write(fd, text, (size_t)n);
		close(fd);
		if (w != n)
			return -1;
		pid_t got = spawn_sleeper();
		if (got == pid)
			return got;
		kill(got, SIGKILL);
		waitpid(got, NULL, 0);
	}
	return -1;
}

/* Returns 0 when it showed what it must, 2 when the pid could not be reused (skipped). */
static int show_a_reused_pid_is_never_signalled(void)
{
	signals_reset(); /* the sleepers get no Check handlers: SIGTERM ends them, nothing else */
	pid_t first = spawn_sleeper();
	unsigned long long first_start = start_of(first);
	kill(first, SIGKILL);
	ck_assert_int_eq(waitpid(first, NULL, 0), first);
	/* Start times count clock ticks (10 ms): a pid reused within the same tick would be the same
	 * process as far as /proc can tell. The kernel needs a full turn of the pid space to reuse a
	 * pid, far longer than a tick; here the turn is forced, so let a tick pass first. */
	struct timespec tick = {.tv_nsec = 30 * 1000 * 1000};
	nanosleep(&tick, NULL);

	pid_t impostor = spawn_sleeper_at(first);
	if (impostor < 0)
		return 2;
	/* The old identity reaches nothing, and the process now behind the pid lives on. */
	errno = 0;
	ck_assert_int_eq(pidfd_signal_process(first, first_start, SIGTERM), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_int_eq(pidfd_open_process(first, first_start), -1);
	ck_assert(procfs_alive(impostor, start_of(impostor)));
	/* Its own identity reaches it. */
	ck_assert_int_eq(pidfd_signal_process(impostor, start_of(impostor), SIGTERM), 0);
	int status;
	ck_assert_int_eq(waitpid(impostor, &status, 0), impostor);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	return 0;
}

/* In a pid namespace of its own (with its own /proc) no other process takes the pid first. The
 * namespace is made in a helper process that leaves with _exit: a process that unshared its pid
 * namespace can no longer run LeakSanitizer's exit check. */
static int in_a_pid_namespace(void)
{
	if (unshare(CLONE_NEWPID) < 0)
		return show_a_reused_pid_is_never_signalled(); /* retries instead */
	pid_t init = fork();
	if (init < 0)
		return 4;
	if (init == 0) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("proc", "/proc", "proc", 0, NULL) < 0)
			_exit(3);
		_exit(show_a_reused_pid_is_never_signalled());
	}
	int status;
	if (waitpid(init, &status, 0) != init || !WIFEXITED(status))
		return 5;
	return WEXITSTATUS(status);
}

START_TEST(a_reused_pid_is_never_signalled)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root (ns_last_pid)\n");
		return;
	}
	pid_t helper = fork();
	ck_assert_int_ge(helper, 0);
	if (helper == 0)
		_exit(in_a_pid_namespace());
	int status;
	ck_assert_int_eq(waitpid(helper, &status, 0), helper);
	ck_assert_msg(WIFEXITED(status), "the test died");
	int rc = WEXITSTATUS(status);
	if (rc == 2)
		fprintf(stderr, "skipped: the pid could not be reused\n");
	else
		ck_assert_msg(rc == 0, "the test failed (%d)", rc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pidfd");
	TCase *tc = tcase_create("pidfd");
	tcase_add_test(tc, a_reused_pid_is_never_signalled);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
