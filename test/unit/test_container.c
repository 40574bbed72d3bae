/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/container.c that need no process: reading records and settling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "container.h"
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

static void write_record(const char *id, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/default", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/default/%s", root, id);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/default/%s/state.json", root, id);
	testlib_write_file(path, text);
}

START_TEST(read_of_a_missing_container_is_not_found)
{
	struct runtime rt = {.root = root, .ns = "default"};
	struct proc_state st;
	struct error *err = NULL;
	ck_assert_int_lt(state_read_process(&rt, "nosuch", NULL, &st, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	ck_assert_str_eq(err_message(err), "container nosuch does not exist");
	err_free(&err);
}
END_TEST

/* Callers that only want the record pass no error (process_tree.c, container_settle). */
START_TEST(read_without_an_error_pointer)
{
	struct runtime rt = {.root = root, .ns = "default"};
	struct proc_state st;
	ck_assert_int_lt(state_read_process(&rt, "nosuch", NULL, &st, NULL), 0);
	ck_assert_int_lt(state_read_process(&rt, "nosuch", "exec1", &st, NULL), 0);
	write_record("corrupt", "{not json");
	ck_assert_int_lt(state_read_process(&rt, "corrupt", NULL, &st, NULL), 0);
	container_settle(&rt, "nosuch", NULL, 1000);
	container_settle(&rt, "corrupt", NULL, 1000);
}
END_TEST

START_TEST(a_corrupt_record_is_invalid_and_named)
{
	struct runtime rt = {.root = root, .ns = "default"};
	struct proc_state st;
	struct error *err = NULL;
	write_record("corrupt", "{not json");
	ck_assert_int_lt(state_read_process(&rt, "corrupt", NULL, &st, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_msg(strstr(err_message(err), "state.json") != NULL, "message: %s", err_message(err));
	err_free(&err);
}
END_TEST

static Suite *container_suite(void)
{
	Suite *s = suite_create("container");
	TCase *tc = tcase_create("read");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_of_a_missing_container_is_not_found);
	tcase_add_test(tc, read_without_an_error_pointer);
	tcase_add_test(tc, a_corrupt_record_is_invalid_and_named);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(container_suite());
}
