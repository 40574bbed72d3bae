/* Helpers shared by the Check unit tests. */
#ifndef REAPER_TESTLIB_H
#define REAPER_TESTLIB_H

#include <check.h>

/* A fresh private directory under $TMPDIR (removed by testlib_rmtree). */
char *testlib_tmpdir(void);
void testlib_rmtree(const char *path);
/* Write a whole file; aborts the test on failure. */
void testlib_write_file(const char *path, const char *text);
/* Read a whole file into a NUL-terminated buffer (caller frees). */
char *testlib_read_file(const char *path);
/* Run a suite, returning the process exit status. */
int testlib_run(Suite *suite);

#endif
