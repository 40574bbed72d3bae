/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/error.c: the error convention every module reports through. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "error.h"
#include "testlib.h"

START_TEST(err_sys_appends_strerror)
{
	struct error *err = NULL;
	ck_assert_int_eq(err_sys(&err, ENOENT, "open %s", "/x/y"), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, ERR_SYSTEM);
	ck_assert_int_eq(err->errnum, ENOENT);
	char want[256];
	snprintf(want, sizeof(want), "open /x/y: %s", strerror(ENOENT));
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	ck_assert_ptr_null(err);
}
END_TEST

START_TEST(err_sys_without_errno_keeps_the_message)
{
	struct error *err = NULL;
	ck_assert_int_eq(err_sys(&err, 0, "timed out after %d ms", 5), -1);
	ck_assert_int_eq(err->kind, ERR_SYSTEM);
	ck_assert_int_eq(err->errnum, 0);
	ck_assert_str_eq(err_message(err), "timed out after 5 ms");
	err_free(&err);
}
END_TEST

START_TEST(err_new_keeps_the_kind)
{
	static const enum err_kind kinds[] = {ERR_INVALID, ERR_NOT_FOUND, ERR_EXISTS, ERR_STATE,
					      ERR_UNSUPPORTED};
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		struct error *err = NULL;
		ck_assert_int_eq(err_new(&err, kinds[i], "case %zu: %s", i, "bad"), -1);
		ck_assert_int_eq(err->kind, kinds[i]);
		ck_assert_int_eq(err->errnum, 0);
		char want[64];
		snprintf(want, sizeof(want), "case %zu: bad", i);
		ck_assert_str_eq(err_message(err), want);
		err_free(&err);
	}
}
END_TEST

START_TEST(err_wrap_prefixes_outermost_first)
{
	struct error *err = NULL;
	err_sys(&err, EACCES, "open %s", "config.json");
	ck_assert_int_eq(err_wrap(&err, "load spec of %s", "c1"), -1);
	ck_assert_int_eq(err_wrap(&err, "create"), -1);
	char want[256];
	snprintf(want, sizeof(want), "create: load spec of c1: open config.json: %s", strerror(EACCES));
	ck_assert_str_eq(err_message(err), want);
	/* Wrapping adds context only: the cause stays what it was. */
	ck_assert_int_eq(err->kind, ERR_SYSTEM);
	ck_assert_int_eq(err->errnum, EACCES);
	err_free(&err);

	err_new(&err, ERR_NOT_FOUND, "container c2 does not exist");
	err_wrap(&err, "kill");
	ck_assert_int_eq(err->kind, ERR_NOT_FOUND);
	ck_assert_str_eq(err_message(err), "kill: container c2 does not exist");
	err_free(&err);
}
END_TEST

START_TEST(a_new_error_replaces_the_old_one)
{
	struct error *err = NULL;
	err_new(&err, ERR_INVALID, "first");
	err_sys(&err, EPERM, "second");
	ck_assert_int_eq(err->kind, ERR_SYSTEM);
	ck_assert_int_eq(err->errnum, EPERM);
	ck_assert_ptr_nonnull(strstr(err_message(err), "second"));
	ck_assert_ptr_null(strstr(err_message(err), "first"));
	err_free(&err);
}
END_TEST

START_TEST(null_error_pointers_are_tolerated)
{
	/* Callers that do not care pass NULL: every function still reports failure. */
	ck_assert_int_eq(err_sys(NULL, ENOENT, "x"), -1);
	ck_assert_int_eq(err_new(NULL, ERR_INVALID, "x %d", 1), -1);
	ck_assert_int_eq(err_wrap(NULL, "context"), -1);
	struct error *none = NULL;
	ck_assert_int_eq(err_wrap(&none, "context"), -1);
	ck_assert_ptr_null(none);
	err_free(NULL);
	err_free(&none);
	ck_assert_ptr_null(none);
}
END_TEST

START_TEST(err_message_of_null)
{
	ck_assert_str_eq(err_message(NULL), "unknown error");
}
END_TEST

START_TEST(err_print_writes_prog_and_message)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(out);
	struct error *err = NULL;
	err_new(&err, ERR_INVALID, "bad id");
	err_wrap(&err, "create");
	err_print(out, "reaper-runtime", err);
	err_print(out, "reaper-runtime", NULL);
	fclose(out);
	ck_assert_str_eq(buf, "reaper-runtime: create: bad id\nreaper-runtime: unknown error\n");
	free(buf);
	err_free(&err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("error");
	tcase_add_test(tc, err_sys_appends_strerror);
	tcase_add_test(tc, err_sys_without_errno_keeps_the_message);
	tcase_add_test(tc, err_new_keeps_the_kind);
	tcase_add_test(tc, err_wrap_prefixes_outermost_first);
	tcase_add_test(tc, a_new_error_replaces_the_old_one);
	tcase_add_test(tc, null_error_pointers_are_tolerated);
	tcase_add_test(tc, err_message_of_null);
	tcase_add_test(tc, err_print_writes_prog_and_message);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
