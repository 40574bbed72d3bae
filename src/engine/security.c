/* SPDX-License-Identifier: Apache-2.0 */
#include "security.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fsutil.h"
#include "log.h"

#define SYSCTL_SETTING "REAPER_SYSCTLS"

/* The node's choice for a pod that asks for sysctls: refuse it (the default) or run it without
 * them. */
static bool sysctls_ignored(void)
{
	return strcmp(config_get(SYSCTL_SETTING), "ignore") == 0;
}

/* "a=1, b=2", for messages. */
static char *list_sysctls(json_t *sysctl)
{
	char *list = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&list, &size);
	if (f == NULL)
		return NULL;
	const char *key;
	json_t *value;
	const char *sep = "";
	json_object_foreach(sysctl, key, value)
	{
		fprintf(f, "%s%s=%s", sep, key, json_string_value(value));
		sep = ", ";
	}
	fclose(f);
	return list;
}

static int check_sysctls(json_t *sysctl, struct error **err)
{
	if (json_object_size(sysctl) == 0)
		return 0;
	cleanup_free char *list = list_sysctls(sysctl);
	if (list == NULL)
		return err_sys(err, ENOMEM, "config.json: linux.sysctl");
	if (sysctls_ignored()) {
		log_warn("config.json: linux.sysctl: not applied, as the node setting %s=ignore asks: %s",
			 SYSCTL_SETTING, list);
		return 0;
	}
	return err_new(err, ERR_UNSUPPORTED,
		       "config.json: linux.sysctl: %s: refused: Reaper runs pods in the node's namespaces, "
		       "where a sysctl would change the whole node (the node setting %s=ignore runs such "
		       "pods without their sysctls)",
		       list, SYSCTL_SETTING);
}

/* As runc decides it: the securityfs directory and the module's parameter. */
static bool apparmor_enabled(void)
{
	struct stat st;
	if (stat("/sys/kernel/security/apparmor", &st) < 0)
		return false;
	cleanup_free char *text = NULL;
	size_t len = 0;
	return fs_read_file("/sys/module/apparmor/parameters/enabled", 16, &text, &len, NULL) == 0 &&
	       len > 0 && text[0] == 'Y';
}

static int refuse_selinux(const char *where, const char *field, struct error **err)
{
	return err_new(err, ERR_UNSUPPORTED,
		       "%s%s: SELinux labels are not supported: a workload sees the host's files through "
		       "an overlay shared by every pod, which cannot carry a container's label (containerd "
		       "sends none with enable_selinux = false)",
		       where, field);
}

int security_check_process(const struct spec_process *p, const char *where, struct error **err)
{
	if (p->selinux_label != NULL && *p->selinux_label != '\0')
		return refuse_selinux(where, "selinuxLabel", err);
	if (p->apparmor_profile != NULL && *p->apparmor_profile != '\0' && !apparmor_enabled())
		return err_new(err, ERR_UNSUPPORTED,
			       "%sapparmorProfile: \"%s\" cannot be applied: AppArmor is not enabled on "
			       "this host",
			       where, p->apparmor_profile);
	return 0;
}

int security_check_spec(const struct spec *spec, struct error **err)
{
	if (spec->mount_label != NULL && *spec->mount_label != '\0')
		return refuse_selinux("config.json: ", "linux.mountLabel", err);
	if (spec->user_namespace)
		return err_new(err, ERR_UNSUPPORTED,
			       "config.json: linux.namespaces: a user namespace (Kubernetes' hostUsers: "
			       "false) is refused: Reaper runs pods in the node's user namespace, where the "
			       "pod's root would be the node's root; run the pod with hostUsers: true, or "
			       "with another runtime");
	if (security_check_process(&spec->process, "config.json: process.", err) < 0)
		return -1;
	return check_sysctls(spec->sysctl, err);
}

int security_apply_apparmor(const char *profile, struct error **err)
{
	if (profile == NULL || *profile == '\0')
		return 0;
	/* The stacking-aware file first, the older one where it is missing (runc does the same). */
	int fd = open("/proc/thread-self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "apparmor profile \"%s\": open /proc/thread-self/attr", profile);
	cleanup_free char *cmd = NULL;
	int n = asprintf(&cmd, "exec %s", profile);
	int rc = n < 0 ? -1 : fs_write_all(fd, cmd, (size_t)n);
	int saved = errno;
	close(fd);
	if (rc < 0)
		return err_sys(err, n < 0 ? ENOMEM : saved, "apply apparmor profile \"%s\"", profile);
	return 0;
}
