/* SPDX-License-Identifier: Apache-2.0 */
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *testlib_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/reaper-test-XXXXXX", base ? base : "/tmp"), 0);
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void testlib_rmtree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *case_dir;
static char *test_dir;

static void make_case_dir(void)
{
	case_dir = testlib_tmpdir();
}

static void remove_case_dir(void)
{
	testlib_rmtree(case_dir);
	free(case_dir);
	case_dir = NULL;
}

static void make_test_dir(void)
{
	ck_assert_msg(case_dir != NULL, "no case directory: call testlib_use_scratch");
	ck_assert_int_ge(asprintf(&test_dir, "%s/t-XXXXXX", case_dir), 0);
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
}

static void make_test_dir_umask_022(void)
{
	make_test_dir();
	umask(022);
}

static void remove_test_dir(void)
{
	testlib_rmtree(test_dir);
	free(test_dir);
	test_dir = NULL;
}

void testlib_use_scratch(TCase *tc, enum testlib_umask umask_choice)
{
	tcase_add_unchecked_fixture(tc, make_case_dir, remove_case_dir);
	tcase_add_checked_fixture(tc,
				  umask_choice == TESTLIB_UMASK_022 ? make_test_dir_umask_022 : make_test_dir,
				  remove_test_dir);
}

const char *testlib_test_dir(void)
{
	ck_assert_msg(test_dir != NULL, "no test directory: call testlib_use_scratch");
	return test_dir;
}

char *testlib_path(const char *name)
{
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/%s", testlib_test_dir(), name), 0);
	return path;
}

mode_t testlib_mode(const char *path)
{
	struct stat st;
	ck_assert_msg(lstat(path, &st) == 0, "lstat %s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

void testlib_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

char *testlib_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(f);
	fclose(mem);
	return buf;
}

int testlib_run(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	int run = srunner_ntests_run(runner);
	srunner_free(runner);
	if (run == 0) {
		fprintf(stderr, "no test ran\n");
		return 1;
	}
	return failed == 0 ? 0 : 1;
}
