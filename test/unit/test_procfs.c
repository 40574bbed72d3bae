/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/procfs.c: the stat parser (awkward comm fields), a process's identity
 * (alive, reaped, zombie, reused pid) and descendants of real process trees, subreaper included. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs.h"
#include "strv.h"
#include "testlib.h"

/* A stat line with a distinct value in every field, so a parser that miscounts fields reads the
 * wrong number. Fields from 3 on: state, ppid, then 5.. filled with their own index * 11, with
 * the ones the parser reads set to recognisable values. */
static char *stat_line(const char *comm)
{
	char *line = NULL;
	ck_assert_int_ge(asprintf(&line,
				  "4242 (%s) S 77 55 66 0 -1 4194560 5000000000 121 132 143 "
				  "1414 1515 -16 -17 20 0 1 0 2222 140737488355328 2424 "
				  "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
				  comm),
			 0);
	return line;
}

static void parse_ok(const char *comm)
{
	char *line = stat_line(comm);
	struct proc_stat st;
	ck_assert_msg(procfs_parse_stat(line, &st) == 0, "refused: %s", line);
	ck_assert_int_eq(st.pid, 4242);
	ck_assert_int_eq(st.ppid, 77);
	ck_assert_int_eq(st.state, 'S');
	ck_assert_uint_eq(st.utime, 1414);
	ck_assert_uint_eq(st.stime, 1515);
	ck_assert_uint_eq(st.starttime, 2222);
	ck_assert_int_eq(st.rss_pages, 2424);
	free(line);
}

START_TEST(parse_stat_fields)
{
	parse_ok("bash");
	parse_ok("");
	parse_ok("a b");
	parse_ok("x) S 1 2 3");      /* a comm that imitates the fields after it */
	parse_ok("(a) b (c) ) )");   /* parentheses and spaces */
	parse_ok(") ");              /* a comm that is just the closing sequence */
	parse_ok("tab\there\nnl");   /* control characters */
	parse_ok("((((((((((((((("); /* up to TASK_COMM_LEN - 1 bytes */
}
END_TEST

START_TEST(parse_stat_refuses_malformed_text)
{
	struct proc_stat st;
	ck_assert_int_eq(procfs_parse_stat("", &st), -1);
	ck_assert_int_eq(procfs_parse_stat("4242 (bash S 1 2 3", &st), -1); /* no ')' */
	ck_assert_int_eq(procfs_parse_stat("4242 (bash)", &st), -1);        /* nothing after */
	ck_assert_int_eq(procfs_parse_stat("4242 (bash)S 1", &st), -1);     /* no space after ')' */
	ck_assert_int_eq(procfs_parse_stat("4242 (bash) S 1 55 66 0 -1 4194560 1 2 3 4 1414", &st), -1);
	ck_assert_int_eq(procfs_parse_stat("(bash) S 1 55 66 0 -1 4194560 1 2 3 4 14 15 16 17 18 19 20 21 "
					   "22 23 24 25",
					   &st),
			 -1); /* no pid */
	/* A field that is not a number where one is read. */
	ck_assert_int_eq(procfs_parse_stat("4242 (bash) S x 55 66 0 -1 4194560 1 2 3 4 14 15 16 17 18 19 "
					   "20 21 22 23 24 25",
					   &st),
			 -1);
}
END_TEST

START_TEST(stat_of_self)
{
	struct proc_stat st;
	struct error *err = NULL;
	ck_assert_int_eq(procfs_stat(getpid(), &st, &err), 0);
	ck_assert_int_eq(st.pid, getpid());
	ck_assert_int_eq(st.ppid, getppid());
	ck_assert_int_eq(st.state, 'R');
	ck_assert_uint_gt(st.starttime, 0);
	ck_assert_int_gt(st.rss_pages, 0);
}
END_TEST

/* A child that exits at once; returns its pid once it is a zombie (exited, not yet reaped). */
static pid_t zombie_child(unsigned long long *start)
{
	int go[2];
	ck_assert_int_eq(pipe(go), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c;
		close(go[1]);
		ssize_t ignored = read(go[0], &c, 1); /* wait until the parent has its start time */
		(void)ignored;
		_exit(3);
	}
	close(go[0]);
	struct proc_stat st;
	ck_assert_int_eq(procfs_stat(pid, &st, NULL), 0);
	*start = st.starttime;
	ck_assert(procfs_alive(pid, *start));
	close(go[1]);
	/* Wait for the exit but leave the child unreaped. */
	siginfo_t info;
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
	return pid;
}

START_TEST(alive_self_and_wrong_start)
{
	struct proc_stat st;
	ck_assert_int_eq(procfs_stat(getpid(), &st, NULL), 0);
	ck_assert(procfs_alive(getpid(), st.starttime));
	ck_assert(!procfs_alive(getpid(), st.starttime + 1)); /* a reused pid has another start */
	ck_assert(!procfs_alive(getpid(), 0));
	ck_assert(!procfs_alive(0, st.starttime));
	ck_assert(!procfs_alive(-1, st.starttime));
}
END_TEST

START_TEST(zombie_is_not_alive)
{
	unsigned long long start;
	pid_t pid = zombie_child(&start);
	struct proc_stat st;
	ck_assert_int_eq(procfs_stat(pid, &st, NULL), 0);
	ck_assert_int_eq(st.state, 'Z');
	ck_assert(!procfs_alive(pid, start));
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}
END_TEST

START_TEST(reaped_is_not_alive_and_not_found)
{
	unsigned long long start;
	pid_t pid = zombie_child(&start);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	ck_assert(!procfs_alive(pid, start));
	struct proc_stat st;
	struct error *err = NULL;
	ck_assert_int_lt(procfs_stat(pid, &st, &err), 0);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	ck_assert_int_eq(err->errnum, ENOENT);
	err_free(&err);
}
END_TEST

/* ---- descendants ---- */

struct tree {
	int hold[2];  /* every process of the tree blocks reading it until the test closes it */
	int ready[2]; /* each process reports its pid here */
};

static void report_and_hold(struct tree *t)
{
	close(t->hold[1]);
	pid_t self = getpid();
	if (write(t->ready[1], &self, sizeof(self)) != sizeof(self))
		_exit(1);
	char c;
	while (read(t->hold[0], &c, 1) > 0)
		;
}

static pid_t read_pid(struct tree *t)
{
	pid_t pid = 0;
	ck_assert_int_eq(read(t->ready[0], &pid, sizeof(pid)), sizeof(pid));
	return pid;
}

static bool contains(const pid_t *set, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++) {
		if (set[i] == pid)
			return true;
	}
	return false;
}

static void descendants_are(const pid_t *roots, size_t n_roots, const pid_t *want, size_t n_want)
{
	pid_t *got = NULL;
	size_t n = 0;
	struct error *err = NULL;
	ck_assert_int_eq(procfs_descendants(roots, n_roots, &got, &n, &err), 0);
	ck_assert_uint_eq(n, n_want);
	for (size_t i = 0; i < n_want; i++)
		ck_assert_msg(contains(got, n, want[i]), "pid %d missing", (int)want[i]);
	free(got);
}

START_TEST(cmdline_of_self_and_of_a_gone_process)
{
	char **argv = NULL;
	struct error *err = NULL;
	ck_assert_int_eq(procfs_cmdline(getpid(), &argv, &err), 0);
	ck_assert_ptr_nonnull(argv[0]);
	ck_assert_ptr_nonnull(strstr(argv[0], "test_procfs"));
	ck_assert_ptr_null(argv[1]);
	strv_free(argv);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	ck_assert_int_lt(procfs_cmdline(child, &argv, &err), 0);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	err_free(&err);
}
END_TEST

START_TEST(descendants_of_a_forked_tree)
{
	struct tree t;
	ck_assert_int_eq(pipe(t.hold), 0);
	ck_assert_int_eq(pipe(t.ready), 0);
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			report_and_hold(&t);
			_exit(0);
		}
		report_and_hold(&t);
		waitpid(grandchild, NULL, 0);
		_exit(0);
	}
	pid_t a = read_pid(&t), b = read_pid(&t);
	pid_t grandchild = a == child ? b : a;
	ck_assert(a == child || b == child);

	pid_t self = getpid();
	descendants_are(&self, 1, (pid_t[]){child, grandchild}, 2);
	descendants_are(&child, 1, &grandchild, 1);
	descendants_are(&grandchild, 1, NULL, 0);
	/* Roots are never their own descendants, even when one descends from another. */
	descendants_are((pid_t[]){self, child}, 2, &grandchild, 1);
	descendants_are(NULL, 0, NULL, 0);

	close(t.hold[1]);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	close(t.hold[0]);
	close(t.ready[0]);
	close(t.ready[1]);
}
END_TEST

START_TEST(descendants_include_orphans_under_a_subreaper)
{
	/* self -> reaper (subreaper) -> middle -> orphan; middle exits, the orphan moves to reaper. */
	struct tree t;
	ck_assert_int_eq(pipe(t.hold), 0);
	ck_assert_int_eq(pipe(t.ready), 0);
	pid_t reaper = fork();
	ck_assert_int_ge(reaper, 0);
	if (reaper == 0) {
		if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
			_exit(1);
		pid_t middle = fork();
		if (middle == 0) {
			if (fork() == 0) {
				report_and_hold(&t);
				_exit(0);
			}
			_exit(0); /* orphan its child */
		}
		waitpid(middle, NULL, 0);
		report_and_hold(&t); /* only now: the orphan's parent is this process already */
		while (wait(NULL) > 0)
			;
		_exit(0);
	}
	pid_t a = read_pid(&t), b = read_pid(&t);
	pid_t orphan = a == reaper ? b : a;
	ck_assert(a == reaper || b == reaper);
	struct proc_stat st;
	ck_assert_int_eq(procfs_stat(orphan, &st, NULL), 0);
	ck_assert_int_eq(st.ppid, reaper);

	descendants_are(&reaper, 1, &orphan, 1);
	pid_t self = getpid();
	descendants_are(&self, 1, (pid_t[]){reaper, orphan}, 2);

	close(t.hold[1]);
	int status;
	ck_assert_int_eq(waitpid(reaper, &status, 0), reaper);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(t.hold[0]);
	close(t.ready[0]);
	close(t.ready[1]);
}
END_TEST

/* clone3 with set_tid: a child with a pid of our choosing (root only, Linux 5.5+). */
static pid_t fork_with_pid(pid_t want)
{
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uint64_t)(uintptr_t)&want,
		.set_tid_size = 1,
	};
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

START_TEST(descendants_with_lower_pids_than_their_parents)
{
	/* After pid wrap-around a child can have a lower pid than its parent, so /proc lists it first:
	 * the scan must still find it, and its own children. self -> parent -> low -> lowest. */
	struct tree t;
	ck_assert_int_eq(pipe(t.hold), 0);
	ck_assert_int_eq(pipe(t.ready), 0);
	pid_t parent = fork();
	ck_assert_int_ge(parent, 0);
	if (parent == 0) {
		/* Try free pids well below our own: low first, then lowest below it. */
		pid_t low = -1;
		for (pid_t want = getpid() - 100; want > 300 && low < 0; want -= 7) {
			low = fork_with_pid(want);
			if (low < 0 && errno != EEXIST)
				break;
		}
		if (low < 0) {
			pid_t none = -1;
			ssize_t ignored = write(t.ready[1], &none, sizeof(none));
			(void)ignored;
			_exit(0);
		}
		if (low == 0) {
			pid_t lowest = -1;
			for (pid_t want = getpid() - 50; want > 200 && lowest < 0; want -= 7)
				lowest = fork_with_pid(want);
			if (lowest == 0) {
				report_and_hold(&t);
				_exit(0);
			}
			if (lowest < 0) { /* tell the test instead of leaving it waiting */
				pid_t none = -1;
				ssize_t ignored = write(t.ready[1], &none, sizeof(none));
				(void)ignored;
			}
			report_and_hold(&t);
			while (wait(NULL) > 0)
				;
			_exit(0);
		}
		report_and_hold(&t);
		while (wait(NULL) > 0)
			;
		_exit(0);
	}
	pid_t first = read_pid(&t);
	if (first < 0) {
		fprintf(stderr, "descendants_with_lower_pids_than_their_parents: skipped (clone3 set_tid: "
				"needs root and Linux 5.5)\n");
		ck_assert_int_eq(waitpid(parent, NULL, 0), parent);
		return;
	}
	pid_t pids[3] = {first, read_pid(&t), read_pid(&t)};
	for (int i = 0; i < 3; i++)
		ck_assert_msg(pids[i] > 0, "clone3 with set_tid worked once, then failed");
	pid_t low = 0, lowest = 0;
	for (int i = 0; i < 3; i++) {
		struct proc_stat st;
		ck_assert_int_eq(procfs_stat(pids[i], &st, NULL), 0);
		if (st.ppid == parent)
			low = pids[i];
	}
	for (int i = 0; i < 3; i++) {
		if (pids[i] != parent && pids[i] != low)
			lowest = pids[i];
	}
	ck_assert_int_lt(low, parent);
	ck_assert_int_lt(lowest, low);
	pid_t self = getpid();
	descendants_are(&self, 1, (pid_t[]){parent, low, lowest}, 3);
	descendants_are(&parent, 1, (pid_t[]){low, lowest}, 2);

	close(t.hold[1]);
	ck_assert_int_eq(waitpid(parent, NULL, 0), parent);
	close(t.hold[0]);
	close(t.ready[0]);
	close(t.ready[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("procfs");
	TCase *parse = tcase_create("parse");
	tcase_add_test(parse, parse_stat_fields);
	tcase_add_test(parse, parse_stat_refuses_malformed_text);
	suite_add_tcase(s, parse);
	TCase *live = tcase_create("processes");
	tcase_add_test(live, stat_of_self);
	tcase_add_test(live, alive_self_and_wrong_start);
	tcase_add_test(live, zombie_is_not_alive);
	tcase_add_test(live, reaped_is_not_alive_and_not_found);
	tcase_add_test(live, cmdline_of_self_and_of_a_gone_process);
	tcase_add_test(live, descendants_of_a_forked_tree);
	tcase_add_test(live, descendants_include_orphans_under_a_subreaper);
	tcase_add_test(live, descendants_with_lower_pids_than_their_parents);
	suite_add_tcase(s, live);
	return testlib_run(s);
}
