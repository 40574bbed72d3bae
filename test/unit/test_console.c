/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/console.c: a working pty pair, its window size, and the console-socket
 * protocol (the master fd passed with SCM_RIGHTS) over a socketpair and over a socket path. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "testlib.h"

/* Read what arrives on fd within a second, up to want bytes. */
static char *read_some(int fd, size_t want)
{
	char *buf = calloc(1, want + 1);
	size_t n = 0;
	while (n < want) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 1000) != 1)
			break;
		ssize_t r = read(fd, buf + n, want - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	return buf;
}

static void assert_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	ck_assert_int_ge(flags, 0);
	ck_assert_msg(flags & FD_CLOEXEC, "fd %d is not close-on-exec", fd);
}

static void assert_size(int fd, unsigned rows, unsigned cols)
{
	struct winsize ws;
	ck_assert_int_eq(ioctl(fd, TIOCGWINSZ, &ws), 0);
	ck_assert_uint_eq(ws.ws_row, rows);
	ck_assert_uint_eq(ws.ws_col, cols);
}

/* Data written on the slave comes out of master (ONLCR: "\n" becomes "\r\n"), and back. */
static void assert_pair_works(int master, int slave)
{
	ck_assert_int_eq(write(slave, "hello\n", 6), 6);
	char *got = read_some(master, 7);
	ck_assert_str_eq(got, "hello\r\n");
	free(got);
	struct termios t;
	ck_assert_int_eq(tcgetattr(slave, &t), 0);
	t.c_lflag &= ~(tcflag_t)ECHO; /* keep the master side quiet for the next check */
	ck_assert_int_eq(tcsetattr(slave, TCSANOW, &t), 0);
	ck_assert_int_eq(write(master, "typed\n", 6), 6);
	got = read_some(slave, 6);
	ck_assert_str_eq(got, "typed\n");
	free(got);
}

START_TEST(open_gives_a_working_pty_pair)
{
	int master = -1, slave = -1;
	struct error *err = NULL;
	ck_assert_int_eq(console_open(&master, &slave, 0, 0, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert(isatty(slave));
	ck_assert(isatty(master));
	ck_assert(master != slave);
	assert_cloexec(master);
	assert_cloexec(slave);
	/* The slave is the master's peer: /dev/pts/N with N the master's pty number. */
	unsigned int n = 0;
	ck_assert_int_eq(ioctl(master, TIOCGPTN, &n), 0);
	char want[64], link[64] = "", got[64] = "";
	snprintf(want, sizeof(want), "/dev/pts/%u", n);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", slave);
	ck_assert_int_gt(readlink(link, got, sizeof(got) - 1), 0);
	ck_assert_str_eq(got, want);
	assert_size(slave, 0, 0); /* no size asked: none set */
	assert_pair_works(master, slave);
	close(master);
	close(slave);
}
END_TEST

START_TEST(open_with_a_size)
{
	int master = -1, slave = -1;
	struct error *err = NULL;
	ck_assert_int_eq(console_open(&master, &slave, 24, 80, &err), 0);
	assert_size(slave, 24, 80);
	assert_size(master, 24, 80);
	close(master);
	close(slave);
}
END_TEST

START_TEST(resize_is_visible_on_the_slave)
{
	int master = -1, slave = -1;
	struct error *err = NULL;
	ck_assert_int_eq(console_open(&master, &slave, 24, 80, &err), 0);
	ck_assert_int_eq(console_resize(master, 50, 132, &err), 0);
	assert_size(slave, 50, 132);
	ck_assert_int_eq(console_resize(master, 1, 1, &err), 0);
	assert_size(slave, 1, 1);
	close(master);
	close(slave);
	/* Not a terminal: an error naming the size. */
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_lt(console_resize(p[0], 30, 100, &err), 0);
	ck_assert_int_eq(err->errnum, ENOTTY);
	ck_assert_ptr_nonnull(strstr(err_message(err), "100x30"));
	err_free(&err);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* The received fd is the same open pty master: writing on the original slave reaches it. */
static void assert_received_master(int received, int master, int slave)
{
	ck_assert_int_ge(received, 0);
	ck_assert(received != master);
	assert_cloexec(received);
	struct stat a, b;
	ck_assert_int_eq(fstat(received, &a), 0);
	ck_assert_int_eq(fstat(master, &b), 0);
	ck_assert(a.st_rdev == b.st_rdev && a.st_ino == b.st_ino);
	ck_assert_int_eq(write(slave, "via socket\n", 11), 11);
	char *got = read_some(received, 12);
	ck_assert_str_eq(got, "via socket\r\n");
	free(got);
}

START_TEST(send_fd_and_receive_over_a_socketpair)
{
	int master = -1, slave = -1;
	struct error *err = NULL;
	ck_assert_int_eq(console_open(&master, &slave, 0, 0, &err), 0);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(console_send_fd(sv[0], master, "console", &err), 0);
	int received = -1;
	ck_assert_int_eq(console_receive(sv[1], &received, &err), 0);
	ck_assert_ptr_null(err);
	assert_received_master(received, master, slave);
	close(received);
	close(master);
	close(slave);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(send_carries_the_name)
{
	/* runc's console-socket protocol: the fd rides on a message holding its name. */
	int master = -1, slave = -1;
	struct error *err = NULL;
	ck_assert_int_eq(console_open(&master, &slave, 0, 0, &err), 0);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(console_send_fd(sv[0], master, "/dev/ptmx", &err), 0);
	char name[64] = "";
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	ssize_t n = recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC);
	ck_assert_int_eq(n, 9);
	ck_assert_str_eq(name, "/dev/ptmx");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->cmsg_level, SOL_SOCKET);
	ck_assert_int_eq(c->cmsg_type, SCM_RIGHTS);
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	assert_received_master(fd, master, slave);
	close(fd);
	close(master);
	close(slave);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(send_with_an_empty_name_still_passes_the_fd)
{
	int master = -1, slave = -1;
	struct error *err = NULL;
	ck_assert_int_eq(console_open(&master, &slave, 0, 0, &err), 0);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(console_send_fd(sv[0], master, "", &err), 0);
	close(sv[0]); /* a lost fd shows as EOF instead of a hang */
	int received = -1;
	ck_assert_msg(console_receive(sv[1], &received, &err) == 0, "receive: %s", err_message(err));
	assert_received_master(received, master, slave);
	close(received);
	close(master);
	close(slave);
	close(sv[1]);
}
END_TEST

START_TEST(send_and_receive_over_a_socket_path)
{
	char *path = testlib_path("console.sock");
	int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strcpy(addr.sun_path, path);
	ck_assert_int_eq(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(listener, 1), 0);

	int master = -1, slave = -1;
	struct error *err = NULL;
	ck_assert_int_eq(console_open(&master, &slave, 0, 0, &err), 0);
	/* The connection waits in the backlog: send completes before accept. */
	ck_assert_msg(console_send(path, master, "console", &err) == 0, "send: %s", err_message(err));
	int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(conn, 0);
	int received = -1;
	ck_assert_int_eq(console_receive(conn, &received, &err), 0);
	assert_received_master(received, master, slave);
	/* The sender kept nothing open: the connection is at EOF now. */
	char c;
	ck_assert_int_eq(read(conn, &c, 1), 0);
	close(received);
	close(conn);
	close(listener);
	close(master);
	close(slave);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(send_to_a_bad_path)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct error *err = NULL;
	char *missing = testlib_path("missing.sock");
	ck_assert_int_lt(console_send(missing, p[0], "console", &err), 0);
	ck_assert_int_eq(err->errnum, ENOENT);
	ck_assert_ptr_nonnull(strstr(err_message(err), missing));
	err_free(&err);
	char long_path[200];
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	ck_assert_int_lt(console_send(long_path, p[0], "console", &err), 0);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_message(err), "too long"));
	err_free(&err);
	free(missing);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(receive_without_a_terminal_is_refused)
{
	int sv[2];
	struct error *err = NULL;
	int fd = 12345;
	/* Plain data, no fd attached. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[0], "console", 7), 7);
	ck_assert_int_lt(console_receive(sv[1], &fd, &err), 0);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_int_eq(fd, 12345);
	err_free(&err);
	close(sv[0]);
	close(sv[1]);
	/* The peer hung up without sending anything. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[0]);
	ck_assert_int_lt(console_receive(sv[1], &fd, &err), 0);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	err_free(&err);
	close(sv[1]);
	/* A closed socket. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	ck_assert_int_lt(console_receive(sv[1], &fd, &err), 0);
	ck_assert_int_eq(err->errnum, EBADF);
	err_free(&err);
	close(sv[0]);
}
END_TEST

START_TEST(send_to_a_closed_peer_fails_without_sigpipe)
{
	int master = -1, slave = -1;
	struct error *err = NULL;
	ck_assert_int_eq(console_open(&master, &slave, 0, 0, &err), 0);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	ck_assert_int_lt(console_send_fd(sv[0], master, "console", &err), 0); /* SIGPIPE would kill us */
	ck_assert_int_eq(err->errnum, EPIPE);
	err_free(&err);
	close(sv[0]);
	close(master);
	close(slave);
}
END_TEST

START_TEST(attach_makes_the_slave_the_controlling_terminal_and_stdio)
{
	int master = -1, slave = -1;
	struct error *err = NULL;
	ck_assert_int_eq(console_open(&master, &slave, 0, 0, &err), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(master);
		if (setsid() < 0 || console_attach(slave, NULL) < 0)
			_exit(2);
		/* Controlling terminal: this session's, and /dev/tty opens it. */
		pid_t sid = 0;
		int tty = open("/dev/tty", O_RDWR);
		if (ioctl(0, TIOCGSID, &sid) < 0 || sid != getpid() || tty < 0)
			_exit(3);
		printf("on %s\n", ttyname(1));
		fflush(stdout);
		fprintf(stderr, "err\n");
		_exit(0);
	}
	unsigned int n = 0;
	ck_assert_int_eq(ioctl(master, TIOCGPTN, &n), 0);
	char want[64];
	snprintf(want, sizeof(want), "on /dev/pts/%u\r\nerr\r\n", n);
	char *got = read_some(master, strlen(want));
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	ck_assert_str_eq(got, want);
	free(got);
	close(master);
	close(slave);
	/* Without a new session the terminal cannot become the controlling one. */
	ck_assert_int_eq(console_open(&master, &slave, 0, 0, &err), 0);
	pid = fork();
	if (pid == 0)
		_exit(console_attach(slave, NULL) < 0 ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(master);
	close(slave);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("console");
	testlib_use_scratch(tc, TESTLIB_KEEP_UMASK);
	tcase_add_test(tc, open_gives_a_working_pty_pair);
	tcase_add_test(tc, open_with_a_size);
	tcase_add_test(tc, resize_is_visible_on_the_slave);
	tcase_add_test(tc, send_fd_and_receive_over_a_socketpair);
	tcase_add_test(tc, send_carries_the_name);
	tcase_add_test(tc, send_with_an_empty_name_still_passes_the_fd);
	tcase_add_test(tc, send_and_receive_over_a_socket_path);
	tcase_add_test(tc, send_to_a_bad_path);
	tcase_add_test(tc, receive_without_a_terminal_is_refused);
	tcase_add_test(tc, send_to_a_closed_peer_fails_without_sigpipe);
	tcase_add_test(tc, attach_makes_the_slave_the_controlling_terminal_and_stdio);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
