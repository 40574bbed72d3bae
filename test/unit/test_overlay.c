/* SPDX-License-Identifier: Apache-2.0 */
/* The overlay groups, for real: needs root (CAP_SYS_ADMIN). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "overlay.h"
#include "testlib.h"

static char *tmp;
static char *base;

static void setup(void)
{
	tmp = testlib_tmpdir();
	ck_assert_int_ge(asprintf(&base, "%s/overlay", tmp), 0);
}

static void teardown(void)
{
	struct error *err = NULL;
	ck_assert_msg(overlay_teardown(base, &err) == 0, "%s", err_message(err));
	testlib_rmtree(tmp);
	free(base);
	free(tmp);
}

/* Run fn in a child that joined the group's overlay; returns its exit status. */
static int in_group(const char *group, int (*fn)(const char *arg), const char *arg)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct error *err = NULL;
		int fd;
		if (overlay_open(base, group, NULL, &fd, &err) < 0 || overlay_enter(fd, &err) < 0) {
			fprintf(stderr, "%s\n", err_message(err));
			_exit(100);
		}
		_exit(fn(arg));
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int in_overlay(int (*fn)(const char *arg), const char *arg)
{
	return in_group("_default", fn, arg);
}

static int write_file(const char *path)
{
	FILE *f = fopen(path, "w");
	return f && fputs("shared\n", f) >= 0 && fclose(f) == 0 ? 0 : 1;
}

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0 ? 0 : 1;
}

static int proc_readable(const char *unused)
{
	char buf[64];
	int fd = open("/proc/self/status", O_RDONLY);
	return fd >= 0 && read(fd, buf, sizeof(buf)) > 0 ? 0 : 1;
}

START_TEST(test_write_is_shared_but_not_on_host)
{
	char path[128];
	snprintf(path, sizeof(path), "/etc/reaper-overlay-test-%d", (int)getpid());
	ck_assert_int_eq(in_overlay(write_file, path), 0);
	ck_assert_int_ne(access(path, F_OK), 0);            /* the host is untouched */
	ck_assert_int_eq(in_overlay(file_exists, path), 0); /* the next workload sees it */
}
END_TEST

START_TEST(test_proc_is_the_hosts)
{
	ck_assert_int_eq(in_overlay(proc_readable, NULL), 0);
}
END_TEST

START_TEST(test_namespace_is_created_once)
{
	struct error *err = NULL;
	int fd1, fd2;
	ck_assert_msg(overlay_open(base, "_default", NULL, &fd1, &err) == 0, "%s", err_message(err));
	ck_assert_msg(overlay_open(base, "_default", NULL, &fd2, &err) == 0, "%s", err_message(err));
	struct stat a, b;
	ck_assert_int_eq(fstat(fd1, &a), 0);
	ck_assert_int_eq(fstat(fd2, &b), 0);
	ck_assert_int_eq(a.st_ino, b.st_ino);
	close(fd1);
	close(fd2);
}
END_TEST

START_TEST(test_bad_base_is_refused)
{
	struct error *err = NULL;
	int fd = -1;
	ck_assert_int_lt(overlay_open("/tmp/a,b", "_default", NULL, &fd, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "absolute path"));
	err_free(&err);
	ck_assert_int_lt(overlay_open("relative", "_default", NULL, &fd, &err), 0);
	err_free(&err);
}
END_TEST

START_TEST(test_teardown_discards_writes)
{
	char path[128];
	snprintf(path, sizeof(path), "/etc/reaper-overlay-gone-%d", (int)getpid());
	ck_assert_int_eq(in_overlay(write_file, path), 0);
	struct error *err = NULL;
	ck_assert_msg(overlay_teardown(base, &err) == 0, "%s", err_message(err));
	ck_assert_int_eq(in_overlay(file_exists, path), 1);
}
END_TEST

START_TEST(test_groups_do_not_see_each_other)
{
	char path[128];
	snprintf(path, sizeof(path), "/etc/reaper-overlay-group-%d", (int)getpid());
	ck_assert_int_eq(in_group("team-a", write_file, path), 0);
	ck_assert_int_eq(in_group("team-a", file_exists, path), 0);
	ck_assert_int_eq(in_group("team-b", file_exists, path), 1);
	ck_assert_int_eq(in_group("team-a.cache", file_exists, path), 1);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_group_names_are_checked)
{
	static const char *const good[] = {"default", "kube-system", "a.b", "_default", "_node", "x1.y-2"};
	static const char *const bad[] = {"",   "A", "-a", "a-",  "a..b", ".a",
					  "a.", "_", "_A", "a/b", "a_b",  ".."};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(overlay_group_valid(good[i]), "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!overlay_group_valid(bad[i]), "%s", bad[i]);
	struct error *err = NULL;
	int fd;
	ck_assert_int_lt(overlay_open(base, "../x", NULL, &fd, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "not a valid name"));
	err_free(&err);
}
END_TEST

START_TEST(test_a_group_is_listed_and_removed_alone)
{
	char path[128];
	snprintf(path, sizeof(path), "/etc/reaper-overlay-rm-%d", (int)getpid());
	ck_assert_int_eq(in_group("keep", write_file, path), 0);
	ck_assert_int_eq(in_group("drop", write_file, path), 0);
	struct overlay_group *groups;
	size_t n;
	struct error *err = NULL;
	ck_assert_msg(overlay_list(base, &groups, &n, &err) == 0, "%s", err_message(err));
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(groups[0].name, "drop");
	ck_assert_str_eq(groups[1].name, "keep");
	ck_assert(groups[0].built && groups[1].built);
	ck_assert_uint_gt(groups[0].bytes, 0);
	ck_assert_int_gt(groups[0].last_used_ns, 0);
	overlay_list_free(groups, n);
	ck_assert_msg(overlay_remove(base, "drop", &err) == 0, "%s", err_message(err));
	ck_assert_int_eq(in_group("keep", file_exists, path), 0);
	ck_assert_int_eq(in_group("drop", file_exists, path), 1); /* made anew, empty */
	ck_assert_int_lt(overlay_remove(base, "never", &err), 0);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	err_free(&err);
}
END_TEST

static int write_a_lot(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return 2;
	static char block[65536];
	for (int i = 0; i < 64; i++) { /* 4 MiB */
		if (fwrite(block, 1, sizeof(block), f) != sizeof(block))
			return errno == ENOSPC ? 0 : 3;
	}
	return fclose(f) == 0 ? 1 : (errno == ENOSPC ? 0 : 3);
}

START_TEST(test_a_full_group_gets_enospc_alone)
{
	setenv("REAPER_OVERLAY_SIZE", "1m", 1);
	config_reset();
	ck_assert_int_eq(in_group("small", write_a_lot, "/var/tmp/reaper-overlay-big"), 0);
	ck_assert_int_eq(in_group("other", write_file, "/var/tmp/reaper-overlay-fine"), 0);
	unsetenv("REAPER_OVERLAY_SIZE");
	config_reset();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("overlay");
	TCase *tc = tcase_create("namespace");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_write_is_shared_but_not_on_host);
	tcase_add_test(tc, test_proc_is_the_hosts);
	tcase_add_test(tc, test_namespace_is_created_once);
	tcase_add_test(tc, test_bad_base_is_refused);
	tcase_add_test(tc, test_teardown_discards_writes);
	tcase_add_test(tc, test_groups_do_not_see_each_other);
	tcase_add_test(tc, test_group_names_are_checked);
	tcase_add_test(tc, test_a_group_is_listed_and_removed_alone);
	tcase_add_test(tc, test_a_full_group_gets_enospc_alone);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
