/* SPDX-License-Identifier: Apache-2.0 */
#include "socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "ttrpc.h"

struct unix_address {
	struct sockaddr_un sa;
	socklen_t len;
	bool abstract;
};

static int parse_address(const char *address, struct unix_address *out, struct error **err)
{
	const char *name = address;
	if (strncmp(name, "unix://", 7) == 0)
		name += 7;
	*out = (struct unix_address){.sa.sun_family = AF_UNIX};
	out->abstract = name[0] == '@';
	if (out->abstract)
		name++;
	size_t n = strlen(name);
	if (n == 0)
		return err_new(err, ERR_INVALID, "ttrpc address '%s' names no socket", address);
	/* An abstract name starts after a NUL byte and needs no terminator; a path needs one. */
	if (n + 1 > sizeof(out->sa.sun_path))
		return err_new(err, ERR_INVALID, "ttrpc address '%s' is too long", address);
	memcpy(out->sa.sun_path + (out->abstract ? 1 : 0), name, n);
	out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (out->abstract ? 1 : 0));
	return 0;
}

/* A new non-blocking socket for address, parsed into *addr. */
static int new_socket(const char *address, struct unix_address *addr, struct error **err)
{
	if (parse_address(address, addr, err) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(err, errno, "create unix socket");
	return fd;
}

int ttrpc_listen_unix(const char *address, struct error **err)
{
	struct unix_address addr;
	cleanup_close int fd = new_socket(address, &addr, err);
	if (fd < 0)
		return -1;
	/* The umask makes the socket 0600 from the moment it exists; chmod afterwards would leave a
	 * window. Single-threaded, so changing the process umask briefly is safe. */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&addr.sa, addr.len);
	int saved = errno;
	umask(old);
	if (rc < 0)
		return err_sys(err, saved, "bind %s", address);
	if (listen(fd, SOMAXCONN) < 0)
		return err_sys(err, errno, "listen on %s", address);
	return steal_fd(&fd);
}

int sock_connect(const char *address, struct error **err)
{
	struct unix_address addr;
	cleanup_close int fd = new_socket(address, &addr, err);
	if (fd < 0)
		return -1;
	int rc;
	do
		rc = connect(fd, (struct sockaddr *)&addr.sa, addr.len);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return err_sys(err, errno, "connect to %s", address);
	return steal_fd(&fd);
}

int sock_prepare_fd(int fd, struct error **err)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return err_sys(err, errno, "make fd %d non-blocking", fd);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return err_sys(err, errno, "set close-on-exec on fd %d", fd);
	return 0;
}
