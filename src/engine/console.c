/* SPDX-License-Identifier: Apache-2.0 */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"

int console_resize(int master, unsigned rows, unsigned cols, struct error **err)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	if (ioctl(master, TIOCSWINSZ, &ws) < 0)
		return err_sys(err, errno, "resize terminal to %ux%u", cols, rows);
	return 0;
}

int console_open(int *master, int *slave, unsigned rows, unsigned cols, struct error **err)
{
	cleanup_close int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return err_sys(err, errno, "open a pseudo-terminal");
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return err_sys(err, errno, "unlock the pseudo-terminal");
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return err_sys(err, errno, "open the terminal's peer");
	if (rows && cols && console_resize(m, rows, cols, err) < 0) {
		close(s);
		return -1;
	}
	*master = steal_fd(&m);
	*slave = s;
	return 0;
}

/* Control message space aligned for struct cmsghdr, as cmsg(3) asks. */
union fd_control {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

int console_send_fd(int sock, int fd, const char *name, struct error **err)
{
	union fd_control control;
	memset(&control, 0, sizeof(control));
	/* A stream socket carries ancillary data only with at least one byte: an empty name is sent
	 * as one NUL, or the fd would be dropped without an error. */
	struct iovec iov = {.iov_base = (void *)(*name ? name : ""), .iov_len = *name ? strlen(name) : 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? err_sys(err, errno, "send the terminal") : 0;
}

int console_send(const char *socket_path, int fd, const char *name, struct error **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return err_new(err, ERR_INVALID, "console socket path %s is too long", socket_path);
	strcpy(addr.sun_path, socket_path);
	cleanup_close int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return err_sys(err, errno, "connect to console socket %s", socket_path);
	return console_send_fd(sock, fd, name, err) < 0 ? err_wrap(err, "console socket %s", socket_path) : 0;
}

int console_receive(int sock, int *fd, struct error **err)
{
	char name[256];
	union fd_control control;
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(err, errno, "receive a terminal");
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return err_new(err, ERR_INVALID, "console socket: message carried no terminal");
	memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	return 0;
}

int console_attach(int slave, struct error **err)
{
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_sys(err, errno, "make the terminal the controlling terminal");
	for (int fd = 0; fd < 3; fd++) {
		if (dup2(slave, fd) < 0)
			return err_sys(err, errno, "dup the terminal onto fd %d", fd);
	}
	return 0;
}
