/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/engine/security.c: sysctls refused or (by the node setting REAPER_SYSCTLS)
 * ignored with a warning, SELinux labels refused, an AppArmor profile refused where the host has no
 * AppArmor. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "security.h"
#include "spec.h"
#include "testlib.h"

static void parse(const char *process_extra, const char *doc_extra, struct spec *out)
{
	char *doc = NULL;
	ck_assert_int_ge(asprintf(&doc, "{'ociVersion': '1.0.2', 'process': {'args': ['/bin/true']%s}%s}",
				  process_extra, doc_extra),
			 0);
	for (char *p = doc; *p; p++)
		if (*p == '\'')
			*p = '"';
	struct error *err = NULL;
	ck_assert_msg(spec_parse(doc, strlen(doc), out, &err) == 0, "%s", err_message(err));
	free(doc);
}

static void check_fails(const char *process_extra, const char *doc_extra, const char *message)
{
	struct spec s;
	parse(process_extra, doc_extra, &s);
	struct error *err = NULL;
	ck_assert_int_lt(security_check_spec(&s, &err), 0);
	ck_assert_str_eq(err_message(err), message);
	ck_assert_int_eq(err->kind, ERR_UNSUPPORTED);
	err_free(&err);
	spec_free(&s);
}

#define SYSCTLS ", 'linux': {'sysctl': {'net.core.somaxconn': '1024', 'kernel.shm_rmid_forced': '1'}}"

/* Each test reads the settings afresh: REAPER_SYSCTLS from the environment, over an empty file. */
static void setup(void)
{
	char *conf = testlib_path("reaper.conf");
	testlib_write_file(conf, "");
	ck_assert_int_eq(chmod(conf, 0644), 0);
	setenv(CONFIG_PATH_VAR, conf, 1);
	unsetenv("REAPER_SYSCTLS");
	config_reset();
	free(conf);
}

static void teardown(void)
{
	unsetenv(CONFIG_PATH_VAR);
	unsetenv("REAPER_SYSCTLS");
	config_reset();
}

/* REAPER_SYSCTLS=VALUE, as the node's settings would give it. */
static void set_sysctls(const char *value)
{
	setenv("REAPER_SYSCTLS", value, 1);
	config_reset();
}

START_TEST(sysctls_are_refused_by_name)
{
	check_fails(
		"", SYSCTLS,
		"config.json: linux.sysctl: net.core.somaxconn=1024, kernel.shm_rmid_forced=1: refused: "
		"Reaper "
		"runs pods in the node's namespaces, where a sysctl would change the whole node (the node "
		"setting REAPER_SYSCTLS=ignore runs such pods without their sysctls)");
	/* An empty object asks for nothing. */
	struct spec s;
	parse("", ", 'linux': {'sysctl': {}}", &s);
	struct error *err = NULL;
	ck_assert_int_eq(security_check_spec(&s, &err), 0);
	spec_free(&s);
}
END_TEST

START_TEST(ignored_sysctls_are_named_in_a_warning)
{
	char *log = testlib_path("log");
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	log_use_fd(fd, LOG_FORMAT_TEXT, LOG_LEVEL_INFO);
	set_sysctls("ignore");
	struct spec s;
	parse("", SYSCTLS, &s);
	struct error *err = NULL;
	ck_assert_msg(security_check_spec(&s, &err) == 0, "%s", err_message(err));
	log_close();
	close(fd);
	char *text = testlib_read_file(log);
	ck_assert_ptr_nonnull(strstr(text, "level=warning"));
	ck_assert_ptr_nonnull(strstr(text,
				     "linux.sysctl: not applied, as the node setting REAPER_SYSCTLS=ignore "
				     "asks: net.core.somaxconn=1024, kernel.shm_rmid_forced=1"));
	free(text);
	free(log);
	spec_free(&s);
}
END_TEST

START_TEST(a_bad_node_setting_leaves_sysctls_refused)
{
	/* config_load reports the bad value (create stops there); the getter keeps the default. */
	set_sysctls("sometimes");
	struct error *err = NULL;
	ck_assert_int_lt(config_load(&err), 0);
	err_free(&err);
	struct spec s;
	parse("", SYSCTLS, &s);
	ck_assert_int_lt(security_check_spec(&s, &err), 0);
	ck_assert_int_eq(err->kind, ERR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err_message(err), "linux.sysctl: net.core.somaxconn=1024"));
	err_free(&err);
	spec_free(&s);
}
END_TEST

#define SELINUX_REASON                                                                                     \
	"SELinux labels are not supported: a workload sees the host's files through an overlay shared by " \
	"every pod, which cannot carry a container's label (containerd sends none with enable_selinux = "  \
	"false)"

START_TEST(selinux_labels_are_refused)
{
	check_fails(", 'selinuxLabel': 'system_u:system_r:container_t:s0:c1,c2'", "",
		    "config.json: process.selinuxLabel: " SELINUX_REASON);
	check_fails("", ", 'linux': {'mountLabel': 'system_u:object_r:container_file_t:s0'}",
		    "config.json: linux.mountLabel: " SELINUX_REASON);
	struct spec_process p = {.selinux_label = "system_u:system_r:spc_t:s0"};
	struct error *err = NULL;
	ck_assert_int_lt(security_check_process(&p, "process: ", &err), 0);
	ck_assert_str_eq(err_message(err), "process: selinuxLabel: " SELINUX_REASON);
	err_free(&err);
	/* Empty labels ask for nothing. */
	struct spec s;
	parse(", 'selinuxLabel': ''", ", 'linux': {'mountLabel': ''}", &s);
	ck_assert_int_eq(security_check_spec(&s, &err), 0);
	spec_free(&s);
}
END_TEST

#define USERNS_REFUSED                                                                                \
	"config.json: linux.namespaces: a user namespace (Kubernetes' hostUsers: false) is refused: " \
	"Reaper runs pods in the node's user namespace, where the pod's root would be the node's "    \
	"root; run the pod with hostUsers: true, or with another runtime"

START_TEST(a_user_namespace_is_refused)
{
	check_fails("", ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'user'}]}", USERNS_REFUSED);
	check_fails("", ", 'linux': {'uidMappings': [{'containerID': 0, 'hostID': 65536, 'size': 65536}]}",
		    USERNS_REFUSED);
	/* The other namespaces are the node's by design: asked for, they refuse nothing. */
	struct spec s;
	parse("", ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/x'}]}", &s);
	struct error *err = NULL;
	ck_assert_int_eq(security_check_spec(&s, &err), 0);
	spec_free(&s);
}
END_TEST

START_TEST(apparmor_is_refused_where_the_host_lacks_it)
{
	struct stat st;
	if (stat("/sys/kernel/security/apparmor", &st) == 0)
		return; /* an AppArmor host: applied at exec, covered by the end-to-end tests there */
	check_fails(", 'apparmorProfile': 'cri-containerd.apparmor.d'", "",
		    "config.json: process.apparmorProfile: \"cri-containerd.apparmor.d\" cannot be applied: "
		    "AppArmor is not enabled on this host");
	struct error *err = NULL;
	ck_assert_int_eq(security_apply_apparmor(NULL, &err), 0);
	ck_assert_int_eq(security_apply_apparmor("", &err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("security");
	TCase *tc = tcase_create("security");
	testlib_use_scratch(tc, TESTLIB_KEEP_UMASK);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sysctls_are_refused_by_name);
	tcase_add_test(tc, ignored_sysctls_are_named_in_a_warning);
	tcase_add_test(tc, a_bad_node_setting_leaves_sysctls_refused);
	tcase_add_test(tc, selinux_labels_are_refused);
	tcase_add_test(tc, apparmor_is_refused_where_the_host_lacks_it);
	tcase_add_test(tc, a_user_namespace_is_refused);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
