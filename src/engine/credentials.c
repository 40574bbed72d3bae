/* SPDX-License-Identifier: Apache-2.0 */
#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "log.h"

#define LAST_CAP 63

static int set_rlimits(const struct spec_process *p, struct error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return err_sys(err, errno, "setrlimit %d", p->rlimits[i].resource);
	}
	return 0;
}

static int set_oom_score_adj(const struct spec_process *p, struct error **err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char text[16];
	int n = snprintf(text, sizeof(text), "%d", p->oom_score_adj);
	cleanup_close int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, text, (size_t)n) < 0)
		return err_sys(err, errno, "write /proc/self/oom_score_adj (%d)", p->oom_score_adj);
	return 0;
}

static int drop_bounding(uint64_t keep, struct error **err)
{
	for (int cap = 0; cap <= LAST_CAP; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return err_sys(err, errno, "drop capability %d from the bounding set", cap);
	}
	return 0;
}

int credentials_prepare(const struct spec_process *p, struct error **err)
{
	if (set_rlimits(p, err) < 0 || set_oom_score_adj(p, err) < 0)
		return -1;
	if (p->user.has_umask)
		umask(p->user.umask);
	if (p->capabilities.present)
		return drop_bounding(p->capabilities.bounding, err);
	return 0;
}

static int set_capabilities(const struct spec_capabilities *c, struct error **err)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {
		{(uint32_t)c->effective, (uint32_t)c->permitted, (uint32_t)c->inheritable},
		{(uint32_t)(c->effective >> 32), (uint32_t)(c->permitted >> 32),
		 (uint32_t)(c->inheritable >> 32)},
	};
	if (syscall(SYS_capset, &header, data) < 0)
		return err_sys(err, errno, "set capabilities");
	for (int cap = 0; cap <= LAST_CAP; cap++) {
		if (!(c->ambient & (1ULL << cap)))
			continue;
		/* Only a capability both permitted and inheritable can be ambient; like runc, warn and go on.
		 */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			log_warn("cannot raise ambient capability %s: %s", spec_capability_name(cap),
				 strerror(errno));
	}
	return 0;
}

int credentials_apply(const struct spec_process *p, struct error **err)
{
	const struct spec_user *u = &p->user;
	if (setgroups(u->n_additional_gids, u->additional_gids) < 0)
		return err_sys(err, errno, "setgroups");
	/* Keep the permitted set across the uid change so the spec's sets can be applied after it. */
	if (p->capabilities.present && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_sys(err, errno, "keep capabilities");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return err_sys(err, errno, "setgid %u", (unsigned)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return err_sys(err, errno, "setuid %u", (unsigned)u->uid);
	if (p->capabilities.present && set_capabilities(&p->capabilities, err) < 0)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(err, errno, "set no_new_privs");
	return 0;
}

char *credentials_home(uid_t uid)
{
	cleanup_fclose FILE *f = fopen("/etc/passwd", "re");
	char line[1024];
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		/* name:password:uid:gid:gecos:home:shell */
		char *fields[7] = {0};
		char *p = line;
		for (int i = 0; i < 7 && p != NULL; i++)
			fields[i] = strsep(&p, ":\n");
		if (fields[5] != NULL && fields[2] != NULL && strtoul(fields[2], NULL, 10) == uid &&
		    *fields[5])
			return strdup(fields[5]);
	}
	return strdup("/");
}
