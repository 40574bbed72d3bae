/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/stdio_target.c: parsing containerd's stdio targets and opening them without
 * blocking. Real FIFOs, real files, real child processes for SIGPIPE. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "stdio_target.h"
#include "testlib.h"

/* Any open that blocks kills the test with SIGALRM instead of hanging it. */
#define BLOCK_GUARD_SECONDS 5

static void setup(void)
{
	alarm(BLOCK_GUARD_SECONDS);
}

static void teardown(void)
{
	alarm(0);
}

static char *make_fifo(const char *name)
{
	char *path = testlib_path(name);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	return path;
}

static void parse_ok(const char *text, struct stdio_target *t)
{
	struct error *err = NULL;
	int ret = stdio_target_parse(text, t, &err);
	ck_assert_msg(ret == 0, "parse \"%s\": %s", text, err_message(err));
	ck_assert_ptr_null(err);
}

static void assert_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	ck_assert_int_ge(flags, 0);
	ck_assert_msg(flags & FD_CLOEXEC, "fd %d is not close-on-exec", fd);
}

static int access_mode(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	ck_assert_int_ge(flags, 0);
	return flags & O_ACCMODE;
}

static bool is_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	ck_assert_int_ge(flags, 0);
	return flags & O_NONBLOCK;
}

static void assert_same_file(int fd, const char *path)
{
	struct stat a, b;
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_int_eq(stat(path, &b), 0);
	ck_assert(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	ck_assert_ptr_nonnull(d);
	int n = 0;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static void write_all(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void read_expect(int fd, const char *want)
{
	char buf[256] = {0};
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_eq(n, (ssize_t)strlen(want));
	ck_assert_str_eq(buf, want);
}

/* Open the FIFO's read end the way containerd does (never blocks: a writer already exists). */
static int open_fifo_reader(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* In a child with SIGPIPE at its default action, write one byte to fd; return the wait status. */
static int write_in_child(int fd)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		_exit(write(fd, "x", 1) == 1 ? 0 : 1);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

/* ---- parsing ---- */

START_TEST(empty_is_null)
{
	struct stdio_target t;
	parse_ok("", &t);
	ck_assert_int_eq(t.kind, STDIO_NULL);
	ck_assert_ptr_null(t.path);
	ck_assert_ptr_null(t.args);
	stdio_target_free(&t);
}
END_TEST

START_TEST(plain_path_is_a_fifo_taken_verbatim)
{
	struct stdio_target t;
	parse_ok("/run/containerd/io.containerd.grpc.v1.cri/containers/abc/io/123/abc-stdout", &t);
	ck_assert_int_eq(t.kind, STDIO_FIFO);
	ck_assert_str_eq(t.path,
			 "/run/containerd/io.containerd.grpc.v1.cri/containers/abc/io/123/abc-stdout");
	ck_assert_ptr_null(t.args);
	stdio_target_free(&t);
	parse_ok("/a%20b?c#d", &t);
	ck_assert_str_eq(t.path, "/a%20b?c#d");
	stdio_target_free(&t);
	stdio_target_free(&t); /* idempotent */
}
END_TEST

START_TEST(fifo_uri_is_decoded)
{
	struct stdio_target t;
	parse_ok("fifo:///run/a%20b/c", &t);
	ck_assert_int_eq(t.kind, STDIO_FIFO);
	ck_assert_str_eq(t.path, "/run/a b/c");
	stdio_target_free(&t);
	parse_ok("FIFO:///x+y", &t); /* scheme in any case; '+' is literal in a path */
	ck_assert_int_eq(t.kind, STDIO_FIFO);
	ck_assert_str_eq(t.path, "/x+y");
	stdio_target_free(&t);
}
END_TEST

START_TEST(file_uri_is_parsed)
{
	struct stdio_target t;
	parse_ok("file:///var/log/pods/c.log", &t);
	ck_assert_int_eq(t.kind, STDIO_FILE);
	ck_assert_str_eq(t.path, "/var/log/pods/c.log");
	ck_assert_ptr_null(t.args);
	stdio_target_free(&t);
}
END_TEST

START_TEST(binary_uri_with_arguments)
{
	struct stdio_target t;
	parse_ok("binary:///usr/bin/my%20logger?id=abc&debug&msg=a%2Bb+c&id=again&&x=", &t);
	ck_assert_int_eq(t.kind, STDIO_BINARY);
	ck_assert_str_eq(t.path, "/usr/bin/my logger");
	const char *want[] = {"id", "abc", "debug", "", "msg", "a+b c", "x", "", NULL};
	for (size_t i = 0; want[i] != NULL; i++) {
		ck_assert_ptr_nonnull(t.args[i]);
		ck_assert_str_eq(t.args[i], want[i]);
	}
	ck_assert_ptr_null(t.args[8]);
	stdio_target_free(&t);

	parse_ok("binary:///bin/logger", &t);
	ck_assert_str_eq(t.path, "/bin/logger");
	ck_assert_ptr_nonnull(t.args);
	ck_assert_ptr_null(t.args[0]);
	stdio_target_free(&t);

	parse_ok("binary:///bin/logger?", &t);
	ck_assert_ptr_null(t.args[0]);
	stdio_target_free(&t);
}
END_TEST

static void parse_fails(const char *text, const char *message)
{
	struct stdio_target t;
	memset(&t, 0x5A, sizeof(t));
	struct error *err = NULL;
	ck_assert_int_lt(stdio_target_parse(text, &t, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_str_eq(err_message(err), message);
	ck_assert_ptr_null(t.path);
	ck_assert_ptr_null(t.args);
	err_free(&err);
}

START_TEST(bad_targets_get_clear_errors)
{
	parse_fails("relative/path",
		    "stdio \"relative/path\": want an absolute path or a fifo://, file:// or "
		    "binary:// URI");
	parse_fails("://x", "stdio \"://x\": want an absolute path or a fifo://, file:// or binary:// URI");
	parse_fails("1x://y",
		    "stdio \"1x://y\": want an absolute path or a fifo://, file:// or binary:// URI");
	parse_fails("tcp://host:1",
		    "stdio \"tcp://host:1\": unknown scheme \"tcp\" (want fifo, file or binary)");
	parse_fails("file://host/x", "stdio \"file://host/x\": want file:///absolute/path (no host)");
	parse_fails("file://", "stdio \"file://\": want file:///absolute/path (no host)");
	parse_fails("binary://", "stdio \"binary://\": want binary:///absolute/path (no host)");
	parse_fails("binary://?a=b", "stdio \"binary://?a=b\": want binary:///absolute/path (no host)");
	parse_fails("fifo:///a?b=1", "stdio \"fifo:///a?b=1\": only binary:// takes query arguments");
	parse_fails("file:///a?b", "stdio \"file:///a?b\": only binary:// takes query arguments");
	parse_fails("file:///a#b", "stdio \"file:///a#b\": fragments ('#') are not supported");
	parse_fails("file:///a%2", "stdio \"file:///a%2\": bad %-escape");
	parse_fails("file:///a%zz", "stdio \"file:///a%zz\": bad %-escape");
	parse_fails("file:///a%00b", "stdio \"file:///a%00b\": %00 (NUL) is not allowed");
	parse_fails("binary:///bin/x?a=%zz", "stdio \"binary:///bin/x?a=%zz\": bad %-escape");
	parse_fails("binary:///bin/x?a=%4", "stdio \"binary:///bin/x?a=%4\": bad %-escape");
	parse_fails("binary:///bin/x?k%00=v", "stdio \"binary:///bin/x?k%00=v\": %00 (NUL) is not allowed");
	parse_fails("binary:///bin/x?=v", "stdio \"binary:///bin/x?=v\": query has an empty key");
}
END_TEST

START_TEST(kind_names)
{
	ck_assert_str_eq(stdio_kind_name(STDIO_NULL), "null");
	ck_assert_str_eq(stdio_kind_name(STDIO_FIFO), "fifo");
	ck_assert_str_eq(stdio_kind_name(STDIO_FILE), "file");
	ck_assert_str_eq(stdio_kind_name(STDIO_BINARY), "binary");
}
END_TEST

/* ---- writer on a FIFO ---- */

START_TEST(fifo_writer_without_reader_does_not_block)
{
	char *path = make_fifo("stdout");
	struct stdio_target t;
	parse_ok(path, &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_writer(&t, &wfd, &keep, &err), 0); /* alarm() fires if it blocks */
	ck_assert_int_ge(wfd, 0);
	ck_assert_int_ge(keep, 0);
	ck_assert_int_ne(wfd, keep);
	assert_same_file(wfd, path);
	assert_same_file(keep, path);
	ck_assert_int_eq(access_mode(wfd), O_WRONLY);
	ck_assert(!is_nonblocking(wfd)); /* the workload writes in blocking mode */
	ck_assert_int_eq(access_mode(keep), O_RDWR);
	ck_assert(is_nonblocking(keep));
	assert_cloexec(wfd);
	assert_cloexec(keep);
	close(wfd);
	close(keep);
	stdio_target_free(&t);
	free(path);
}
END_TEST

START_TEST(fifo_uri_writer_opens_the_decoded_path)
{
	char *path = make_fifo("std out");
	struct stdio_target t;
	char *uri = NULL;
	ck_assert_int_ge(asprintf(&uri, "fifo://%s/std%%20out", testlib_test_dir()), 0);
	parse_ok(uri, &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	assert_same_file(wfd, path);
	ck_assert_int_ge(keep, 0);
	close(wfd);
	close(keep);
	stdio_target_free(&t);
	free(uri);
	free(path);
}
END_TEST

START_TEST(output_written_before_the_reader_opens_is_read_later)
{
	char *path = make_fifo("stdout");
	struct stdio_target t;
	parse_ok(path, &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	write_all(wfd, "early output\n");
	int rfd = open_fifo_reader(path);
	read_expect(rfd, "early output\n");
	write_all(wfd, "more\n");
	read_expect(rfd, "more\n");
	close(rfd);
	close(wfd);
	close(keep);
	stdio_target_free(&t);
	free(path);
}
END_TEST

/* containerd restarts: its reader goes away and comes back. With the keepalive held, the
 * workload's writes in between neither fail nor raise SIGPIPE, and reach the new reader; once the
 * keepalive is closed, the same write raises SIGPIPE (EPIPE when ignored). */
START_TEST(keepalive_prevents_sigpipe_when_the_reader_goes_away)
{
	char *path = make_fifo("stdout");
	struct stdio_target t;
	parse_ok(path, &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_writer(&t, &wfd, &keep, &err), 0);

	int rfd = open_fifo_reader(path);
	write_all(wfd, "a");
	read_expect(rfd, "a");
	close(rfd); /* the reader is gone */

	int status = write_in_child(wfd);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "write without reader failed: status %#x", status);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(write(wfd, "y", 1), 1);

	rfd = open_fifo_reader(path); /* the reader is back and gets what was written meanwhile */
	read_expect(rfd, "xy");
	close(rfd);

	close(keep); /* now no reader at all: the difference */
	status = write_in_child(wfd);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE, "expected SIGPIPE, status %#x",
		      status);
	errno = 0;
	ck_assert_int_eq(write(wfd, "z", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	signal(SIGPIPE, SIG_DFL);

	close(wfd);
	stdio_target_free(&t);
	free(path);
}
END_TEST

START_TEST(only_the_dup2_copy_loses_cloexec)
{
	char *path = make_fifo("stdout");
	struct stdio_target t;
	parse_ok(path, &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	int target_fd = wfd + keep + 10;
	ck_assert_int_eq(dup2(wfd, target_fd), target_fd);
	ck_assert_int_eq(fcntl(target_fd, F_GETFD) & FD_CLOEXEC, 0);
	assert_cloexec(wfd);
	assert_cloexec(keep);
	close(target_fd);
	close(wfd);
	close(keep);
	stdio_target_free(&t);
	free(path);
}
END_TEST

/* ---- writer on files, devices, null ---- */

START_TEST(plain_path_to_a_regular_file_appends)
{
	char *path = testlib_path("out.log");
	testlib_write_file(path, "old\n");
	struct stdio_target t;
	parse_ok(path, &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	ck_assert_int_eq(keep, -1);
	ck_assert_int_eq(access_mode(wfd), O_WRONLY);
	ck_assert(fcntl(wfd, F_GETFL) & O_APPEND);
	ck_assert(!is_nonblocking(wfd));
	assert_cloexec(wfd);
	ck_assert_int_eq(lseek(wfd, 0, SEEK_SET), 0);
	write_all(wfd, "new\n");
	close(wfd);
	char *text = testlib_read_file(path);
	ck_assert_str_eq(text, "old\nnew\n");
	free(text);
	stdio_target_free(&t);
	free(path);
}
END_TEST

START_TEST(plain_path_must_exist)
{
	char *path = testlib_path("missing");
	struct stdio_target t;
	parse_ok(path, &t);
	int wfd = 99, keep = 99;
	struct error *err = NULL;
	ck_assert_int_lt(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	ck_assert_int_eq(wfd, -1);
	ck_assert_int_eq(keep, -1);
	ck_assert_int_eq(err->kind, ERR_SYSTEM);
	ck_assert_int_eq(err->errnum, ENOENT);
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "open %s: No such file or directory", path), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	ck_assert_int_eq(access(path, F_OK), -1); /* not created */

	int rfd = 99;
	ck_assert_int_lt(stdio_open_reader(&t, &rfd, &err), 0);
	ck_assert_int_eq(rfd, -1);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	free(want);
	stdio_target_free(&t);
	free(path);
}
END_TEST

START_TEST(plain_path_to_a_directory_is_refused)
{
	struct stdio_target t;
	parse_ok(testlib_test_dir(), &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_lt(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	char *want = NULL;
	ck_assert_int_ge(
		asprintf(&want, "%s: not a FIFO, regular file or character device", testlib_test_dir()), 0);
	ck_assert_str_eq(err_message(err), want);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	err_free(&err);
	ck_assert_int_eq(wfd, -1);
	ck_assert_int_eq(keep, -1);
	free(want);
	stdio_target_free(&t);
}
END_TEST

START_TEST(file_target_creates_parents_and_appends)
{
	mode_t old_umask = umask(022);
	char *uri = NULL;
	ck_assert_int_ge(asprintf(&uri, "file://%s/a/b/c.log", testlib_test_dir()), 0);
	char *path = testlib_path("a/b/c.log");
	char *parent = testlib_path("a/b");
	struct stdio_target t;
	parse_ok(uri, &t);
	for (int round = 0; round < 2; round++) {
		int wfd, keep;
		struct error *err = NULL;
		ck_assert_int_eq(stdio_open_writer(&t, &wfd, &keep, &err), 0);
		ck_assert_int_eq(keep, -1);
		ck_assert(fcntl(wfd, F_GETFL) & O_APPEND);
		ck_assert_int_eq(access_mode(wfd), O_WRONLY);
		ck_assert(!is_nonblocking(wfd));
		assert_cloexec(wfd);
		write_all(wfd, round == 0 ? "first\n" : "second\n");
		close(wfd);
	}
	char *text = testlib_read_file(path);
	ck_assert_str_eq(text, "first\nsecond\n");
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(stat(parent, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0755);
	umask(old_umask);
	free(text);
	free(parent);
	free(path);
	free(uri);
	stdio_target_free(&t);
}
END_TEST

START_TEST(file_target_refuses_a_fifo_without_blocking)
{
	char *path = make_fifo("not-a-file");
	char *uri = NULL;
	ck_assert_int_ge(asprintf(&uri, "file://%s", path), 0);
	struct stdio_target t;
	parse_ok(uri, &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_lt(stdio_open_writer(&t, &wfd, &keep, &err), 0); /* no reader: must not block */
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "%s: not a regular file", path), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);

	int rfd = open_fifo_reader(path); /* with a reader the open succeeds, and is still refused */
	ck_assert_int_lt(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	close(rfd);
	ck_assert_int_eq(wfd, -1);
	free(want);
	free(uri);
	free(path);
	stdio_target_free(&t);
}
END_TEST

START_TEST(file_target_on_a_directory_fails)
{
	char *uri = NULL;
	ck_assert_int_ge(asprintf(&uri, "file://%s", testlib_test_dir()), 0);
	struct stdio_target t;
	parse_ok(uri, &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_lt(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "open %s: Is a directory", testlib_test_dir()), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	free(want);
	free(uri);
	stdio_target_free(&t);
}
END_TEST

static void assert_dev_null(int fd)
{
	struct stat a, b;
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_int_eq(stat("/dev/null", &b), 0);
	ck_assert(S_ISCHR(a.st_mode));
	ck_assert(a.st_rdev == b.st_rdev);
}

START_TEST(null_target_is_dev_null)
{
	struct stdio_target t;
	parse_ok("", &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	ck_assert_int_eq(keep, -1);
	assert_dev_null(wfd);
	ck_assert_int_eq(access_mode(wfd), O_WRONLY);
	assert_cloexec(wfd);
	write_all(wfd, "discarded");
	close(wfd);

	int rfd;
	ck_assert_int_eq(stdio_open_reader(&t, &rfd, &err), 0);
	assert_dev_null(rfd);
	ck_assert_int_eq(access_mode(rfd), O_RDONLY);
	assert_cloexec(rfd);
	char c;
	ck_assert_int_eq(read(rfd, &c, 1), 0);
	close(rfd);

	ck_assert_int_eq(stdio_open_stdin(&t, &rfd, &keep, &err), 0);
	ck_assert_int_eq(keep, -1);
	assert_dev_null(rfd);
	close(rfd);
	stdio_target_free(&t);
}
END_TEST

START_TEST(character_device_path_is_opened_as_is)
{
	struct stdio_target t;
	parse_ok("/dev/null", &t);
	int wfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	ck_assert_int_eq(keep, -1);
	assert_dev_null(wfd);
	ck_assert(!is_nonblocking(wfd));
	assert_cloexec(wfd);
	close(wfd);
	stdio_target_free(&t);
}
END_TEST

START_TEST(binary_target_is_not_opened)
{
	struct stdio_target t;
	parse_ok("binary:///usr/bin/logger?x=1", &t);
	int wfd = 7, keep = 7, rfd = 7;
	struct error *err = NULL;
	ck_assert_int_lt(stdio_open_writer(&t, &wfd, &keep, &err), 0);
	ck_assert_str_eq(
		err_message(err),
		"stdio \"binary:///usr/bin/logger\": a logging binary is started by the shim, not opened");
	ck_assert_int_eq(err->kind, ERR_INVALID);
	err_free(&err);
	ck_assert_int_eq(wfd, -1);
	ck_assert_int_eq(keep, -1);
	ck_assert_int_lt(stdio_open_reader(&t, &rfd, &err), 0);
	ck_assert_int_eq(rfd, -1);
	err_free(&err);
	ck_assert_int_lt(stdio_open_stdin(&t, &rfd, &keep, &err), 0);
	ck_assert_int_eq(rfd, -1);
	ck_assert_int_eq(keep, -1);
	err_free(&err);
	stdio_target_free(&t);
}
END_TEST

/* ---- readers (stdin) ---- */

START_TEST(fifo_reader_without_writer_does_not_block)
{
	char *path = make_fifo("stdin");
	struct stdio_target t;
	parse_ok(path, &t);
	int rfd;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_reader(&t, &rfd, &err), 0); /* alarm() fires if it blocks */
	assert_same_file(rfd, path);
	ck_assert_int_eq(access_mode(rfd), O_RDONLY);
	ck_assert(!is_nonblocking(rfd)); /* the workload reads in blocking mode */
	assert_cloexec(rfd);

	/* The documented caveat: with no writer yet, a read is end of file at once. */
	char c;
	ck_assert_int_eq(read(rfd, &c, 1), 0);

	int wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(wfd, 0);
	write_all(wfd, "input\n");
	read_expect(rfd, "input\n");
	close(wfd);
	close(rfd);
	stdio_target_free(&t);
	free(path);
}
END_TEST

START_TEST(stdin_keepalive_holds_off_end_of_file)
{
	char *path = make_fifo("stdin");
	struct stdio_target t;
	parse_ok(path, &t);
	int rfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_stdin(&t, &rfd, &keep, &err), 0); /* alarm() fires if it blocks */
	ck_assert_int_ge(keep, 0);
	assert_same_file(rfd, path);
	assert_same_file(keep, path);
	ck_assert_int_eq(access_mode(rfd), O_RDONLY);
	ck_assert(!is_nonblocking(rfd));
	ck_assert_int_eq(access_mode(keep), O_RDWR);
	ck_assert(is_nonblocking(keep));
	assert_cloexec(rfd);
	assert_cloexec(keep);

	struct pollfd pfd = {.fd = rfd, .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 100), 0); /* no writer yet, and no end of file */

	int wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC); /* containerd's writer */
	ck_assert_int_ge(wfd, 0);
	write_all(wfd, "abc");
	close(wfd);
	read_expect(rfd, "abc");
	ck_assert_int_eq(poll(&pfd, 1, 100), 0); /* the writer left: still no end of file */

	wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC); /* a second writer (reattach) */
	ck_assert_int_ge(wfd, 0);
	write_all(wfd, "def");
	read_expect(rfd, "def");
	close(wfd);

	close(keep); /* CloseIO */
	ck_assert_int_eq(poll(&pfd, 1, 1000), 1);
	char c;
	ck_assert_int_eq(read(rfd, &c, 1), 0);
	close(rfd);
	stdio_target_free(&t);
	free(path);
}
END_TEST

START_TEST(regular_file_reader_reads_from_the_start)
{
	char *path = testlib_path("input.txt");
	testlib_write_file(path, "line\n");
	struct stdio_target t;
	parse_ok(path, &t);
	int rfd, keep;
	struct error *err = NULL;
	ck_assert_int_eq(stdio_open_stdin(&t, &rfd, &keep, &err), 0);
	ck_assert_int_eq(keep, -1);
	ck_assert(!is_nonblocking(rfd));
	assert_cloexec(rfd);
	read_expect(rfd, "line\n");
	close(rfd);
	stdio_target_free(&t);

	char *uri = NULL;
	ck_assert_int_ge(asprintf(&uri, "file://%s", path), 0);
	parse_ok(uri, &t);
	ck_assert_int_eq(stdio_open_reader(&t, &rfd, &err), 0);
	read_expect(rfd, "line\n");
	close(rfd);
	stdio_target_free(&t);
	free(uri);
	free(path);
}
END_TEST

START_TEST(file_uri_reader_refuses_a_fifo)
{
	char *path = make_fifo("in");
	char *uri = NULL;
	ck_assert_int_ge(asprintf(&uri, "file://%s", path), 0);
	struct stdio_target t;
	parse_ok(uri, &t);
	int rfd;
	struct error *err = NULL;
	ck_assert_int_lt(stdio_open_reader(&t, &rfd, &err), 0);
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "%s: not a regular file", path), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	ck_assert_int_eq(rfd, -1);
	free(want);
	free(uri);
	free(path);
	stdio_target_free(&t);
}
END_TEST

/* Every path, successful or failing, leaves no fd behind but what it returned. */
START_TEST(no_fd_is_leaked)
{
	char *fifo = make_fifo("f");
	char *file = testlib_path("file");
	testlib_write_file(file, "x");
	char *file_uri = NULL, *fifo_as_file = NULL, *missing = testlib_path("missing");
	ck_assert_int_ge(asprintf(&file_uri, "file://%s/new/out.log", testlib_test_dir()), 0);
	ck_assert_int_ge(asprintf(&fifo_as_file, "file://%s", fifo), 0);
	const char *targets[] = {
		"", fifo, file, file_uri, fifo_as_file, missing, testlib_test_dir(), "binary:///bin/true"};
	int before = count_fds();
	for (size_t i = 0; i < ARRAY_LEN(targets); i++) {
		struct stdio_target t;
		parse_ok(targets[i], &t);
		struct error *err = NULL;
		int a = -1, b = -1;
		if (stdio_open_writer(&t, &a, &b, &err) == 0) {
			close(a);
			if (b >= 0)
				close(b);
		}
		err_free(&err);
		if (stdio_open_reader(&t, &a, &err) == 0)
			close(a);
		err_free(&err);
		if (stdio_open_stdin(&t, &a, &b, &err) == 0) {
			close(a);
			if (b >= 0)
				close(b);
		}
		err_free(&err);
		stdio_target_free(&t);
	}
	ck_assert_int_eq(count_fds(), before);
	free(fifo);
	free(file);
	free(file_uri);
	free(fifo_as_file);
	free(missing);
}
END_TEST

static Suite *stdio_target_suite(void)
{
	Suite *s = suite_create("stdio_target");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, empty_is_null);
	tcase_add_test(tc, plain_path_is_a_fifo_taken_verbatim);
	tcase_add_test(tc, fifo_uri_is_decoded);
	tcase_add_test(tc, file_uri_is_parsed);
	tcase_add_test(tc, binary_uri_with_arguments);
	tcase_add_test(tc, bad_targets_get_clear_errors);
	tcase_add_test(tc, kind_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("writer");
	testlib_use_scratch(tc, TESTLIB_KEEP_UMASK);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fifo_writer_without_reader_does_not_block);
	tcase_add_test(tc, fifo_uri_writer_opens_the_decoded_path);
	tcase_add_test(tc, output_written_before_the_reader_opens_is_read_later);
	tcase_add_test(tc, keepalive_prevents_sigpipe_when_the_reader_goes_away);
	tcase_add_test(tc, only_the_dup2_copy_loses_cloexec);
	tcase_add_test(tc, plain_path_to_a_regular_file_appends);
	tcase_add_test(tc, plain_path_must_exist);
	tcase_add_test(tc, plain_path_to_a_directory_is_refused);
	tcase_add_test(tc, file_target_creates_parents_and_appends);
	tcase_add_test(tc, file_target_refuses_a_fifo_without_blocking);
	tcase_add_test(tc, file_target_on_a_directory_fails);
	tcase_add_test(tc, null_target_is_dev_null);
	tcase_add_test(tc, character_device_path_is_opened_as_is);
	tcase_add_test(tc, binary_target_is_not_opened);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	testlib_use_scratch(tc, TESTLIB_KEEP_UMASK);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fifo_reader_without_writer_does_not_block);
	tcase_add_test(tc, stdin_keepalive_holds_off_end_of_file);
	tcase_add_test(tc, regular_file_reader_reads_from_the_start);
	tcase_add_test(tc, file_uri_reader_refuses_a_fifo);
	tcase_add_test(tc, no_fd_is_leaked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(stdio_target_suite());
}
