/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/engine/process_tree.c with real processes: who belongs to a container. */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process_tree.h"
#include "procfs.h"
#include "testlib.h"

static char *root;

static void setup(void)
{
	root = testlib_tmpdir();
}

static void teardown(void)
{
	testlib_rmtree(root);
	free(root);
}

static int helper(void *arg)
{
	for (;;)
		pause();
	return 0;
}

/* A stand-in monitor: forks a workload and clones a helper sharing its memory (as LeakSanitizer's
 * tracer does at exit), reports both pids, then waits to be killed. */
static pid_t fake_monitor(pid_t *workload, pid_t *clone_helper)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t mon = fork();
	ck_assert_int_ge(mon, 0);
	if (mon == 0) {
		pid_t pids[2];
		pids[0] = fork();
		if (pids[0] == 0) {
			for (;;)
				pause();
		}
		static char stack[64 * 1024];
		pids[1] = clone(helper, stack + sizeof(stack),
				CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED, NULL);
		if (write(p[1], pids, sizeof(pids)) != sizeof(pids))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	pid_t pids[2];
	ck_assert_int_eq(read(p[0], pids, sizeof(pids)), sizeof(pids));
	close(p[0]);
	*workload = pids[0];
	*clone_helper = pids[1];
	return mon;
}

static void write_record(const char *id, pid_t pid, pid_t monitor)
{
	struct proc_stat wl, mon;
	ck_assert_int_eq(procfs_stat(pid, &wl, NULL), 0);
	ck_assert_int_eq(procfs_stat(monitor, &mon, NULL), 0);
	char path[512], text[512];
	snprintf(path, sizeof(path), "%s/default", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/default/%s", root, id);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/default/%s/state.json", root, id);
	snprintf(text, sizeof(text),
		 "{\"id\":\"%s\",\"status\":\"running\",\"pid\":%d,\"pid_start\":%llu,\"monitor_pid\":%d,"
		 "\"monitor_start\":%llu,\"exit_code\":0,\"exited_at_ns\":0,\"created_ns\":0}",
		 id, (int)pid, wl.starttime, (int)monitor, mon.starttime);
	testlib_write_file(path, text);
}

static bool contains(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

START_TEST(a_helper_sharing_the_monitors_memory_is_not_the_containers)
{
	/* Orphans come back to us to be reaped, not to pid 1 (which reaps nothing on test machines). */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	pid_t workload, clone_helper;
	pid_t mon = fake_monitor(&workload, &clone_helper);
	write_record("c", workload, mon);
	struct runtime rt = {.root = root, .ns = "default"};
	pid_t *pids = NULL;
	size_t n = 0;
	struct error *err = NULL;
	ck_assert_int_eq(process_tree_pids(&rt, "c", NULL, &pids, &n, &err), 0);
	ck_assert_msg(contains(pids, n, workload), "the workload is in the tree");
	ck_assert_msg(!contains(pids, n, clone_helper), "the monitor's own helper is not");
	free(pids);
	/* Kill all: the workload dies, the monitor's helper lives on with its monitor. */
	ck_assert_int_eq(process_tree_signal(&rt, "c", NULL, SIGKILL, &err), 0);
	struct proc_stat st;
	ck_assert_int_eq(procfs_stat(clone_helper, &st, NULL), 0);
	ck_assert_int_ne(st.state, 'Z');
	kill(clone_helper, SIGKILL);
	kill(mon, SIGKILL);
	while (waitpid(-1, NULL, __WALL) > 0)
		;
}
END_TEST

static Suite *process_tree_suite(void)
{
	Suite *s = suite_create("process_tree");
	TCase *tc = tcase_create("members");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_helper_sharing_the_monitors_memory_is_not_the_containers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(process_tree_suite());
}
