/* SPDX-License-Identifier: Apache-2.0 */
/* String vectors: length, append with ownership, free. */
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "testlib.h"

START_TEST(test_push_keeps_order_and_terminates)
{
	char **v = NULL;
	ck_assert_uint_eq(strv_len(v), 0);
	ck_assert_int_eq(strv_push(&v, strdup("a")), 0);
	ck_assert_int_eq(strv_push(&v, strdup("b")), 0);
	ck_assert_int_eq(strv_push(&v, strdup("c")), 0);
	ck_assert_uint_eq(strv_len(v), 3);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[2], "c");
	ck_assert_ptr_null(v[3]);
	strv_free(v);
}
END_TEST

START_TEST(test_push_of_null_fails_and_keeps_the_vector)
{
	char **v = NULL;
	ck_assert_int_eq(strv_push(&v, strdup("kept")), 0);
	ck_assert_int_eq(strv_push(&v, NULL), -1); /* a failed strdup upstream */
	ck_assert_uint_eq(strv_len(v), 1);
	ck_assert_str_eq(v[0], "kept");
	strv_free(v);
	strv_free(NULL); /* freeing nothing is fine */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("strv");
	TCase *tc = tcase_create("strv");
	tcase_add_test(tc, test_push_keeps_order_and_terminates);
	tcase_add_test(tc, test_push_of_null_fails_and_keeps_the_vector);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
