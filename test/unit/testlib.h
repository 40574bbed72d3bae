/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the Check unit tests. */
#ifndef REAPER_TESTLIB_H
#define REAPER_TESTLIB_H

#include <check.h>
#include <sys/types.h>

/* A fresh private directory under $TMPDIR (removed by testlib_rmtree). */
char *testlib_tmpdir(void);
void testlib_rmtree(const char *path);
/* Write a whole file; aborts the test on failure. */
void testlib_write_file(const char *path, const char *text);
/* Read a whole file into a NUL-terminated buffer (caller frees). */
char *testlib_read_file(const char *path);
/* Scratch directories for the tests of tc. The case directory is made and removed by an unchecked
 * fixture, which runs in Check's parent process: a test that fails or is killed (its checked
 * teardown never runs) leaves nothing behind. A checked fixture gives each test a fresh
 * subdirectory of it; with TESTLIB_UMASK_022 that fixture also sets umask 022, so the modes a test
 * sees do not depend on the umask it was started with. */
enum testlib_umask { TESTLIB_KEEP_UMASK, TESTLIB_UMASK_022 };
void testlib_use_scratch(TCase *tc, enum testlib_umask umask_choice);
/* The running test's own directory, empty when the test starts. */
const char *testlib_test_dir(void);
/* name inside the running test's directory (caller frees). */
char *testlib_path(const char *name);
/* The permission bits of path, not following a final symlink; fails the test if lstat fails. */
mode_t testlib_mode(const char *path);

/* Run a suite, returning the process exit status. */
int testlib_run(Suite *suite);

#endif
