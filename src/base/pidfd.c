/* SPDX-License-Identifier: Apache-2.0 */
#include "pidfd.h"

#include <errno.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "procfs.h"

int pidfd_open_process(pid_t pid, unsigned long long start)
{
	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -1;
	/* Checked after the open: if pid is still that process now, the pidfd is of it. */
	if (start != 0 && !procfs_alive(pid, start)) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

bool pidfd_wait_exit(int pidfd, uint64_t deadline)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	for (;;) {
		int n = poll(&p, 1, clock_ms_until(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0;
	}
}

int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int pidfd_signal_process(pid_t pid, unsigned long long start, int sig)
{
	int fd = pidfd_open_process(pid, start);
	if (fd < 0)
		return -1;
	int rc = pidfd_signal(fd, sig);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}
