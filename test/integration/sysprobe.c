/* SPDX-License-Identifier: Apache-2.0 */
/* sysprobe CALL...: try system calls a seccomp profile may block and print, one line each,
 * "CALL ok" or "CALL <ERRNO NAME>". Each probe leaves the host as it was: sethostname sets the
 * current name again, unshare makes only this process a UTS namespace of its own, mount targets a
 * path that does not exist (ENOENT when allowed), keyctl only reads the session keyring's id.
 * CALLs: sethostname unshare mount keyctl getppid. An unknown CALL exits 2. */
#include <errno.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {{EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {EACCES, "EACCES"},
		     {ENOSYS, "ENOSYS"}, {EINVAL, "EINVAL"}, {EFAULT, "EFAULT"}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	static char other[16];
	snprintf(other, sizeof(other), "errno%d", e);
	return other;
}

static long probe(const char *call)
{
	char name[256] = "";
	if (strcmp(call, "sethostname") == 0) {
		if (gethostname(name, sizeof(name) - 1) < 0)
			return -1;
		return sethostname(name, strlen(name));
	}
	if (strcmp(call, "unshare") == 0)
		return unshare(CLONE_NEWUTS);
	if (strcmp(call, "mount") == 0)
		return mount("none", "/nonexistent-sysprobe-target", "tmpfs", 0, NULL);
	if (strcmp(call, "keyctl") == 0)
		return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	if (strcmp(call, "getppid") == 0)
		return syscall(SYS_getppid);
	fprintf(stderr, "sysprobe: unknown call %s\n", call);
	_exit(2);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		errno = 0;
		long rc = probe(argv[i]);
		printf("%s %s\n", argv[i], rc < 0 ? errno_name(errno) : "ok");
	}
	return 0;
}
