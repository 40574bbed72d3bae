/* SPDX-License-Identifier: Apache-2.0 */
#include "gate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "state.h"

int gate_create(const char *dir, struct error **err)
{
	cleanup_free char *path = state_file(dir, GATE_NAME);
	if (mkfifo(path, 0622) < 0)
		return err_sys(err, errno, "mkfifo %s", path);
	/* mkfifo obeys the umask; the mode must be exact. */
	if (chmod(path, 0622) < 0)
		return err_sys(err, errno, "chmod %s", path);
	return 0;
}

int gate_handle(const char *dir, int *fd, struct error **err)
{
	cleanup_free char *path = state_file(dir, GATE_NAME);
	*fd = open(path, O_PATH | O_CLOEXEC);
	if (*fd < 0)
		return err_sys(err, errno, "open %s", path);
	return 0;
}

int gate_wait(int handle, struct error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", handle);
	int fd;
	do
		fd = open(path, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return err_sys(err, errno, "open the start gate");
	return fd;
}

static int read_failure(int fd, struct error **err)
{
	char msg[512];
	ssize_t n = read(fd, msg, sizeof(msg) - 1);
	if (n <= 0)
		return 0;
	msg[n] = '\0';
	return err_new(err, ERR_SYSTEM, "%s", msg);
}

int gate_release(const char *dir, struct error **err)
{
	cleanup_free char *path = state_file(dir, GATE_NAME);
	/* O_NONBLOCK: never hang here; the blocked writer is released by this open all the same. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "open %s", path);
	return fd;
}

int gate_outcome(int fd, int pidfd, struct error **err)
{
	struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
	int n;
	do
		n = poll(fds, pidfd >= 0 ? 2 : 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(err, errno, "poll the start gate");
	/* POLLHUP only after a writer came and went: the workload's close-on-exec end closed. */
	if (fds[0].revents & POLLIN)
		return read_failure(fd, err);
	if (fds[0].revents & POLLHUP)
		return 0;
	if (fds[1].revents & POLLIN)
		return read_failure(fd, err) < 0
			       ? -1
			       : err_new(err, ERR_STATE, "the process exited before it was started");
	return 1;
}

int gate_open(const char *dir, int pidfd, int timeout_ms, struct error **err)
{
	cleanup_close int fd = gate_release(dir, err);
	if (fd < 0)
		return -1;
	uint64_t deadline = clock_monotonic_ms() + (uint64_t)timeout_ms;
	for (;;) {
		int rc = gate_outcome(fd, pidfd, err);
		if (rc <= 0)
			return rc;
		struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		int n = poll(fds, pidfd >= 0 ? 2 : 1, clock_ms_until(deadline));
		if (n < 0 && errno != EINTR)
			return err_sys(err, errno, "poll the start gate");
		if (n == 0)
			return err_new(err, ERR_SYSTEM,
				       "timed out after %d ms waiting for the process to exec", timeout_ms);
	}
}
