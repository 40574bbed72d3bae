/* SPDX-License-Identifier: Apache-2.0 */
/* What Reaper needs of the kernel, probed: overlayfs (the shared overlay), mount namespaces, the
 * new mount API (a container's volumes and view: open_tree, move_mount, fsopen, fsconfig,
 * fsmount, mount_setattr), openat2 (mount points resolved inside the container's view), pidfds
 * (every pid acted upon) and close_range. The kernel is the node's own, host root or not; its
 * modules are looked for under the host root. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "doctor.h"
#include "fsutil.h"
#include "newmount.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define READ_MAX (4 << 20)

static bool listed_in(const char *text, const char *name, char sep)
{
	size_t n = strlen(name);
	for (const char *p = strstr(text, name); p != NULL; p = strstr(p + 1, name))
		if ((p == text || p[-1] == sep || p[-1] == '\n' || p[-1] == '/') &&
		    (p[n] == '\n' || p[n] == '\0' || p[n] == '.' || p[n] == ':'))
			return true;
	return false;
}

static void check_overlayfs(struct doctor *d, const char *release)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	bool exists = false;
	if (fs_read_optional("/proc/filesystems", READ_MAX, &text, &len, &exists, NULL) == 0 && exists &&
	    listed_in(text, "overlay", '\t')) {
		report(d, OK, "kernel overlayfs: listed in /proc/filesystems");
		return;
	}
	/* Not loaded yet: the kernel loads a module on the first mount that asks for it. */
	const char *const lists[] = {"modules.builtin", "modules.dep"};
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *rel = NULL, *path = NULL, *mods = NULL;
		if (asprintf(&rel, "/lib/modules/%s/%s", release, lists[i]) < 0 ||
		    (path = doctor_on_node(d, rel)) == NULL)
			continue;
		if (fs_read_optional(path, 16 << 20, &mods, &len, &exists, NULL) == 0 && exists &&
		    strstr(mods, "/overlay.ko") != NULL) {
			report(d, WARN,
			       "kernel overlayfs: not loaded yet; %s lists the module, which the kernel "
			       "loads on "
			       "first use (`modprobe overlay` loads it now)",
			       rel);
			return;
		}
	}
	report(d, FAIL,
	       "kernel overlayfs: not in /proc/filesystems and no overlay module for %s: `modprobe overlay`, "
	       "or "
	       "a kernel built with CONFIG_OVERLAY_FS (Reaper refuses workloads without its overlay)",
	       release);
}

static void check_mount_namespaces(struct doctor *d)
{
	if (access("/proc/self/ns/mnt", F_OK) == 0)
		report(d, OK, "kernel mount namespaces: /proc/self/ns/mnt present");
	else
		report(d, FAIL,
		       "kernel mount namespaces: /proc/self/ns/mnt: %s (a kernel with CONFIG_MNT_NS is "
		       "needed)",
		       strerror(errno));
}

/* Each call is made so that it fails harmlessly; only ENOSYS says the kernel lacks it. EPERM (a
 * seccomp filter, or no privilege) says it is there but refused to this process. */
struct probe {
	const char *name;
	int since; /* major * 100 + minor */
	long (*call)(void);
};

static long p_open_tree(void)
{
	return syscall(SYS_open_tree, -1, "", 0);
}
static long p_move_mount(void)
{
	return syscall(SYS_move_mount, -1, "", -1, "", 0);
}
static long p_fsopen(void)
{
	return syscall(SYS_fsopen, "", 0);
}
static long p_fsconfig(void)
{
	return syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0);
}
static long p_fsmount(void)
{
	return syscall(SYS_fsmount, -1, 0, 0);
}
static long p_mount_setattr(void)
{
	return syscall(SYS_mount_setattr, -1, "", 0, NULL, 0);
}
static long p_openat2(void)
{
	int fd = nm_openat2(AT_FDCWD, "/", O_PATH | O_CLOEXEC, NM_RESOLVE_IN_ROOT);
	if (fd >= 0)
		close(fd);
	return fd;
}
static long p_pidfd_open(void)
{
	long fd = syscall(SYS_pidfd_open, getpid(), 0);
	if (fd >= 0)
		close((int)fd);
	return fd;
}
static long p_pidfd_send_signal(void)
{
	return syscall(SYS_pidfd_send_signal, -1, 0, NULL, 0);
}
static long p_close_range(void)
{
	return syscall(SYS_close_range, INT_MAX, INT_MAX, 0);
}

static const struct probe probes[] = {
	{"open_tree", 502, p_open_tree},
	{"move_mount", 502, p_move_mount},
	{"fsopen", 502, p_fsopen},
	{"fsconfig", 502, p_fsconfig},
	{"fsmount", 502, p_fsmount},
	{"mount_setattr", 512, p_mount_setattr},
	{"openat2", 506, p_openat2},
	{"pidfd_open", 503, p_pidfd_open},
	{"pidfd_send_signal", 501, p_pidfd_send_signal},
	{"close_range", 509, p_close_range},
};

static void check_syscalls(struct doctor *d, const char *release)
{
	char missing[512] = "", refused[512] = "";
	int newest = 0;
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		errno = 0;
		long r = probes[i].call();
		int e = r < 0 ? errno : 0;
		char *list = e == ENOSYS ? missing : e == EPERM ? refused : NULL;
		if (list != NULL)
			snprintf(list + strlen(list), 512 - strlen(list), "%s%s", *list ? ", " : "",
				 probes[i].name);
		if (e == ENOSYS && probes[i].since > newest)
			newest = probes[i].since;
	}
	if (*missing)
		report(d, FAIL,
		       "kernel %s lacks system calls Reaper uses: %s: a kernel %d.%d or later is needed "
		       "(5.12 for all of them)",
		       release, missing, newest / 100, newest % 100);
	else
		report(d, OK, "kernel %s: the mount API, openat2, pidfds and close_range are there%s%s%s",
		       release, *refused ? " (" : "", refused,
		       *refused ? " refused to this process only: seccomp or no privilege)" : "");
}

void check_kernel(struct doctor *d)
{
	struct utsname u;
	const char *release = uname(&u) == 0 ? u.release : "?";
	check_overlayfs(d, release);
	check_mount_namespaces(d);
	check_syscalls(d, release);
}
