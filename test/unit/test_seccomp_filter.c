/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/engine/seccomp_filter.c: OCI profiles translated to BPF (checked by running the
 * program, and in forked children by the kernel itself), the checks made before a filter is
 * installed, and the per-container file and the node's cache. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "seccomp_filter.h"
#include "spec.h"
#include "testlib.h"

/* A spec holding linux.seccomp = profile (single-quoted JSON). */
static void parse_profile(const char *profile, struct spec *out)
{
	char *doc = NULL;
	ck_assert_int_ge(asprintf(&doc,
				  "{'ociVersion': '1.0.2', 'process': {'args': ['/bin/true']},"
				  " 'linux': {'seccomp': %s}}",
				  profile),
			 0);
	for (char *p = doc; *p; p++)
		if (*p == '\'')
			*p = '"';
	struct error *err = NULL;
	ck_assert_msg(spec_parse(doc, strlen(doc), out, &err) == 0, "%s", err_message(err));
	free(doc);
}

/* The typed view of a profile (single-quoted JSON). */
static void typed_profile(const char *profile, struct spec_seccomp *out)
{
	struct spec s;
	parse_profile(profile, &s);
	struct error *err = NULL;
	ck_assert_msg(spec_parse_seccomp(s.seccomp, s.seccomp_len, out, &err) == 0, "%s", err_message(err));
	spec_free(&s);
}

static void compile_ok(const char *profile, struct seccomp_program *out)
{
	struct spec_seccomp p;
	typed_profile(profile, &p);
	struct error *err = NULL;
	ck_assert_msg(seccomp_compile(&p, out, &err) == 0, "%s", err_message(err));
	ck_assert_uint_gt(out->len, 0);
	spec_seccomp_free(&p);
}

static void compile_fails(const char *profile, const char *message)
{
	struct spec_seccomp p;
	typed_profile(profile, &p);
	struct seccomp_program prog;
	struct error *err = NULL;
	ck_assert_int_lt(seccomp_compile(&p, &prog, &err), 0);
	ck_assert_str_eq(err_message(err), message);
	ck_assert_ptr_null(prog.insns);
	err_free(&err);
	spec_seccomp_free(&p);
}

static uint32_t verdict(const struct seccomp_program *prog, int nr, uint64_t arg0)
{
	uint64_t args[6] = {arg0};
	return seccomp_verdict(prog, nr, args);
}

/* "2.5.4": how messages name the library. */
static const char *libseccomp_version(void)
{
	static char text[32];
	const struct scmp_version *v = seccomp_version();
	snprintf(text, sizeof(text), "%u.%u.%u", v->major, v->minor, v->micro);
	return text;
}

#define ALLOW_BASICS "'names': ['read', 'write', 'exit_group', 'execve'], 'action': 'SCMP_ACT_ALLOW'"

START_TEST(allow_list_over_errno_default)
{
	struct seccomp_program p;
	compile_ok("{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{" ALLOW_BASICS "}]}", &p);
	ck_assert_uint_eq(verdict(&p, SYS_read, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(verdict(&p, SYS_write, 1), SECCOMP_RET_ALLOW);
	/* Not listed: the default, EPERM when defaultErrnoRet is absent. */
	ck_assert_uint_eq(verdict(&p, SYS_mount, 0), SECCOMP_RET_ERRNO | EPERM);
	ck_assert_uint_eq(verdict(&p, SYS_unshare, 0), SECCOMP_RET_ERRNO | EPERM);
	ck_assert_uint_eq(p.flags, 0);
	seccomp_program_free(&p);
}
END_TEST

START_TEST(errno_values_are_the_profiles)
{
	struct seccomp_program p;
	compile_ok("{'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38, 'syscalls': [{" ALLOW_BASICS
		   "},"
		   " {'names': ['mount'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 13},"
		   " {'names': ['umount2'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 0}]}",
		   &p);
	ck_assert_uint_eq(verdict(&p, SYS_unshare, 0), SECCOMP_RET_ERRNO | ENOSYS);
	ck_assert_uint_eq(verdict(&p, SYS_mount, 0), SECCOMP_RET_ERRNO | EACCES);
	ck_assert_uint_eq(verdict(&p, SYS_umount2, 0), SECCOMP_RET_ERRNO | 0);
	seccomp_program_free(&p);
}
END_TEST

START_TEST(every_action_maps_to_its_kernel_value)
{
	struct seccomp_program p;
	compile_ok("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': ["
		   " {'names': ['mount'], 'action': 'SCMP_ACT_KILL'},"
		   " {'names': ['umount2'], 'action': 'SCMP_ACT_KILL_THREAD'},"
		   " {'names': ['unshare'], 'action': 'SCMP_ACT_KILL_PROCESS'},"
		   " {'names': ['setns'], 'action': 'SCMP_ACT_TRAP'},"
		   " {'names': ['sethostname'], 'action': 'SCMP_ACT_LOG'},"
		   " {'names': ['ptrace'], 'action': 'SCMP_ACT_TRACE', 'errnoRet': 7},"
		   " {'names': ['keyctl'], 'action': 'SCMP_ACT_ERRNO'}]}",
		   &p);
	ck_assert_uint_eq(verdict(&p, SYS_mount, 0), SECCOMP_RET_KILL_THREAD);
	ck_assert_uint_eq(verdict(&p, SYS_umount2, 0), SECCOMP_RET_KILL_THREAD);
	ck_assert_uint_eq(verdict(&p, SYS_unshare, 0), SECCOMP_RET_KILL_PROCESS);
	ck_assert_uint_eq(verdict(&p, SYS_setns, 0), SECCOMP_RET_TRAP);
	ck_assert_uint_eq(verdict(&p, SYS_sethostname, 0), SECCOMP_RET_LOG);
	ck_assert_uint_eq(verdict(&p, SYS_ptrace, 0), SECCOMP_RET_TRACE | 7);
	ck_assert_uint_eq(verdict(&p, SYS_keyctl, 0), SECCOMP_RET_ERRNO | EPERM);
	ck_assert_uint_eq(verdict(&p, SYS_getpid, 0), SECCOMP_RET_ALLOW);
	seccomp_program_free(&p);
}
END_TEST

START_TEST(argument_conditions_select_the_rule)
{
	struct seccomp_program p;
	/* RuntimeDefault's shapes: personality by value, clone without namespace flags. */
	compile_ok(
		"{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{" ALLOW_BASICS "},"
		" {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW',"
		"  'args': [{'index': 0, 'value': 8, 'op': 'SCMP_CMP_EQ'}]},"
		" {'names': ['clone'], 'action': 'SCMP_ACT_ALLOW',"
		"  'args': [{'index': 0, 'value': 2114060288, 'valueTwo': 0, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
		" {'names': ['kill'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'value': 1, 'op': "
		"'SCMP_CMP_GT'},"
		"  {'index': 1, 'value': 9, 'op': 'SCMP_CMP_NE'}]},"
		" {'names': ['close'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'value': 3, 'op': "
		"'SCMP_CMP_LE'}]}]}",
		&p);
	ck_assert_uint_eq(verdict(&p, SYS_personality, 8), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(verdict(&p, SYS_personality, 9), SECCOMP_RET_ERRNO | EPERM);
	ck_assert_uint_eq(verdict(&p, SYS_clone, SIGCHLD), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(verdict(&p, SYS_clone, SIGCHLD | CLONE_NEWUSER), SECCOMP_RET_ERRNO | EPERM);
	ck_assert_uint_eq(verdict(&p, SYS_clone, CLONE_NEWNS), SECCOMP_RET_ERRNO | EPERM);
	uint64_t kill_ok[6] = {100, 15}, kill_sig9[6] = {100, 9}, kill_init[6] = {1, 15};
	ck_assert_uint_eq(seccomp_verdict(&p, SYS_kill, kill_ok), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(seccomp_verdict(&p, SYS_kill, kill_sig9), SECCOMP_RET_ERRNO | EPERM);
	ck_assert_uint_eq(seccomp_verdict(&p, SYS_kill, kill_init), SECCOMP_RET_ERRNO | EPERM);
	ck_assert_uint_eq(verdict(&p, SYS_close, 3), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(verdict(&p, SYS_close, 4), SECCOMP_RET_ERRNO | EPERM);
	/* 64-bit values compare whole. */
	ck_assert_uint_eq(verdict(&p, SYS_personality, (1ULL << 32) | 8), SECCOMP_RET_ERRNO | EPERM);
	seccomp_program_free(&p);
}
END_TEST

START_TEST(an_argument_compared_twice_makes_separate_rules)
{
	/* runc's reading, which profiles in the wild rely on: either comparison matches. */
	struct seccomp_program p;
	compile_ok("{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{" ALLOW_BASICS "},"
		   " {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW', 'args': ["
		   "  {'index': 0, 'value': 0, 'op': 'SCMP_CMP_EQ'}, {'index': 0, 'value': 8, 'op': "
		   "'SCMP_CMP_EQ'}]}]}",
		   &p);
	ck_assert_uint_eq(verdict(&p, SYS_personality, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(verdict(&p, SYS_personality, 8), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(verdict(&p, SYS_personality, 3), SECCOMP_RET_ERRNO | EPERM);
	seccomp_program_free(&p);
}
END_TEST

START_TEST(a_rule_like_the_default_changes_nothing)
{
	struct seccomp_program p;
	compile_ok("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['read'], 'action': "
		   "'SCMP_ACT_ALLOW'},"
		   " {'names': ['mount'], 'action': 'SCMP_ACT_ERRNO'}]}",
		   &p);
	ck_assert_uint_eq(verdict(&p, SYS_read, 0), SECCOMP_RET_ALLOW);
	ck_assert_uint_eq(verdict(&p, SYS_mount, 0), SECCOMP_RET_ERRNO | EPERM);
	seccomp_program_free(&p);
}
END_TEST

START_TEST(unknown_syscall_names_are_skipped_only_when_allowed)
{
	struct seccomp_program p;
	compile_ok("{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read', 'no_such_call_42', "
		   "'write',"
		   " 'exit_group', 'execve'], 'action': 'SCMP_ACT_ALLOW'}]}",
		   &p);
	ck_assert_uint_eq(verdict(&p, SYS_write, 1), SECCOMP_RET_ALLOW);
	seccomp_program_free(&p);
	char *msg = NULL;
	ck_assert_int_ge(
		asprintf(&msg,
			 "linux.seccomp.syscalls[0].names[1]: system call \"no_such_call_42\" is unknown to "
			 "libseccomp %s, so it cannot be blocked",
			 libseccomp_version()),
		0);
	compile_fails(
		"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mount', 'no_such_call_42'],"
		" 'action': 'SCMP_ACT_ERRNO'}]}",
		msg);
	free(msg);
}
END_TEST

START_TEST(architectures_are_resolved)
{
	struct seccomp_program p;
	/* containerd's list on amd64: the native one and the two 32-bit ABIs. */
	compile_ok(
		"{'defaultAction': 'SCMP_ACT_ERRNO', 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86',"
		" 'SCMP_ARCH_X32'], 'syscalls': [{" ALLOW_BASICS "}]}",
		&p);
	ck_assert_uint_eq(verdict(&p, SYS_read, 0), SECCOMP_RET_ALLOW);
	seccomp_program_free(&p);
	char *msg = NULL;
	ck_assert_int_ge(
		asprintf(
			&msg,
			"linux.seccomp.architectures[1]: \"SCMP_ARCH_Z80\" is not supported by libseccomp %s",
			libseccomp_version()),
		0);
	compile_fails(
		"{'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_Z80']}",
		msg);
	free(msg);
	ck_assert(seccomp_known_architecture("SCMP_ARCH_AARCH64"));
	ck_assert(!seccomp_known_architecture("SCMP_ARCH_Z80"));
	ck_assert_str_eq(seccomp_architecture_name(0), "SCMP_ARCH_X86");
}
END_TEST

START_TEST(flags_travel_with_the_program)
{
	struct seccomp_program p;
	compile_ok("{'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_LOG',"
		   " 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'],"
		   " 'syscalls': [{'names': ['mount'], 'action': 'SCMP_ACT_ERRNO'}]}",
		   &p);
	ck_assert_uint_eq(p.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
					   SECCOMP_FILTER_FLAG_TSYNC);
	seccomp_program_free(&p);
}
END_TEST

/* ---- installing ---- */

/* Run fn in a child (the filter must not reach the test process); returns its exit status. */
static int in_child(int (*fn)(const struct seccomp_program *), const struct seccomp_program *prog)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn(prog));
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* getppid cannot fail, so an error can only come from the filter. */
static int install_then_getppid(const struct seccomp_program *prog)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 10;
	struct seccomp_after after = {.report_fd = STDERR_FILENO};
	struct error *err = NULL;
	if (seccomp_install(prog, &after, &err) < 0)
		return 11;
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != EACCES)
		return 12;
	return getpid() > 0 ? 0 : 13;
}

START_TEST(the_kernel_applies_the_installed_filter)
{
	struct seccomp_program p;
	compile_ok("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['getppid'], 'action': "
		   "'SCMP_ACT_ERRNO',"
		   " 'errnoRet': 13}]}",
		   &p);
	ck_assert_int_eq(in_child(install_then_getppid, &p), 0);
	seccomp_program_free(&p);
}
END_TEST

static int install_expecting_refusal(const struct seccomp_program *prog)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 10;
	struct seccomp_after after = {.report_fd = STDERR_FILENO, .setup = true};
	struct error *err = NULL;
	if (seccomp_install(prog, &after, &err) == 0)
		return 11;
	/* Refused before loading: the process is still unfiltered. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
		return 12;
	return strstr(err_message(err), "which the process needs after the filter is installed") ? 0 : 13;
}

START_TEST(a_filter_that_would_hide_errors_is_refused)
{
	const char *profiles[] = {
		"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['write'], 'action': "
		"'SCMP_ACT_ERRNO'}]}",
		"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['write'], 'action': "
		"'SCMP_ACT_ALLOW',"
		" 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}, {'names': ['write'], 'action': "
		"'SCMP_ACT_KILL',"
		" 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_NE'}]}]}",
		"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['exit_group'], 'action': "
		"'SCMP_ACT_ERRNO'}]}",
		"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['execve'], 'action': "
		"'SCMP_ACT_KILL_PROCESS'}]}",
		"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['openat'], 'action': "
		"'SCMP_ACT_TRAP'}]}",
	};
	for (size_t i = 0; i < ARRAY_LEN(profiles); i++) {
		struct seccomp_program p;
		compile_ok(profiles[i], &p);
		ck_assert_msg(in_child(install_expecting_refusal, &p) == 0, "profile %zu", i);
		seccomp_program_free(&p);
	}
}
END_TEST

START_TEST(what_is_checked_depends_on_what_follows)
{
	struct seccomp_program p;
	/* A failing execve is reported, so ERRNO on it is fine; killing openat matters only while
	 * setup (the start gate) is still ahead. */
	compile_ok("{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['execve'], 'action': "
		   "'SCMP_ACT_ERRNO'},"
		   " {'names': ['openat'], 'action': 'SCMP_ACT_KILL'}]}",
		   &p);
	ck_assert_uint_eq(in_child(install_then_getppid, &p), 12); /* installed; getppid allowed */
	ck_assert_uint_eq(in_child(install_expecting_refusal, &p), 0);
	seccomp_program_free(&p);
}
END_TEST

/* ---- the container's file and the cache ---- */

static char *make_dir(const char *name)
{
	char *dir = testlib_path(name);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	return dir;
}

static void prepare_ok(const char *root, const char *profile, const char *dir)
{
	struct spec s;
	parse_profile(profile, &s);
	struct error *err = NULL;
	ck_assert_msg(seccomp_prepare(root, s.seccomp, s.seccomp_len, dir, &err) == 0, "%s",
		      err_message(err));
	spec_free(&s);
}

static struct stat stat_of(const char *dir, const char *name)
{
	char *path = NULL;
	ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
	struct stat st;
	ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	free(path);
	return st;
}

static size_t count_entries(const char *dir)
{
	char *cmd = NULL;
	ck_assert_int_ge(asprintf(&cmd, "ls -A '%s' | wc -l", dir), 0);
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = 0;
	ck_assert_int_eq(fscanf(f, "%zu", &n), 1);
	pclose(f);
	free(cmd);
	return n;
}

#define PROFILE_A                                                                          \
	"{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mount'], 'action': " \
	"'SCMP_ACT_ERRNO'}]}"

START_TEST(containers_with_one_profile_share_one_compiled_file)
{
	cleanup_free char *root = make_dir("root");
	cleanup_free char *a = make_dir("a");
	cleanup_free char *b = make_dir("b");
	cleanup_free char *cache = testlib_path("root/" SECCOMP_CACHE_DIR);
	prepare_ok(root, PROFILE_A, a);
	prepare_ok(root, PROFILE_A, b);
	struct stat sa = stat_of(a, SECCOMP_FILE), sb = stat_of(b, SECCOMP_FILE);
	ck_assert_uint_eq(sa.st_ino, sb.st_ino);
	ck_assert_uint_eq(sb.st_nlink, 3); /* the cache entry and two containers */
	ck_assert_uint_eq(sa.st_mode & 07777, 0600);
	ck_assert_uint_eq(count_entries(cache), 1);
	ck_assert_uint_eq(stat_of(root, SECCOMP_CACHE_DIR).st_mode & 07777, 0700);

	/* What the monitor reads is what the compiler made. */
	struct seccomp_program compiled, read;
	compile_ok(PROFILE_A, &compiled);
	struct error *err = NULL;
	ck_assert_msg(seccomp_read(b, &read, &err) == 0, "%s", err_message(err));
	ck_assert_uint_eq(read.len, compiled.len);
	ck_assert_uint_eq(read.flags, compiled.flags);
	ck_assert_int_eq(memcmp(read.insns, compiled.insns, compiled.len * sizeof(struct sock_filter)), 0);
	seccomp_program_free(&compiled);
	seccomp_program_free(&read);
}
END_TEST

START_TEST(the_cache_key_is_the_profiles_text)
{
	cleanup_free char *root = make_dir("root");
	cleanup_free char *a = make_dir("a");
	cleanup_free char *b = make_dir("b");
	cleanup_free char *c = make_dir("c");
	cleanup_free char *cache = testlib_path("root/" SECCOMP_CACHE_DIR);
	prepare_ok(root, PROFILE_A, a);
	/* The same rules written another way: a profile of its own (containerd writes one way). */
	prepare_ok(root,
		   "{ 'syscalls' : [ {'action': 'SCMP_ACT_ERRNO', 'names': ['mount']} ],\n"
		   "  'defaultAction': 'SCMP_ACT_ALLOW' }",
		   b);
	ck_assert_uint_ne(stat_of(a, SECCOMP_FILE).st_ino, stat_of(b, SECCOMP_FILE).st_ino);
	/* Identical text, whatever surrounds it in config.json: the same entry, not compiled again. */
	struct spec s;
	char *doc = NULL;
	ck_assert_int_ge(
		asprintf(&doc,
			 "{\"ociVersion\": \"1.0.2\", \"linux\": {\"maskedPaths\": [], \"seccomp\": %s},"
			 " \"process\": {\"args\": [\"/x\"], \"cwd\": \"/tmp\"}}",
			 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mount\"], "
			 "\"action\": \"SCMP_ACT_ERRNO\"}]}"),
		0);
	struct error *err = NULL;
	ck_assert_msg(spec_parse(doc, strlen(doc), &s, &err) == 0, "%s", err_message(err));
	ck_assert_msg(seccomp_prepare(root, s.seccomp, s.seccomp_len, c, &err) == 0, "%s", err_message(err));
	ck_assert_uint_eq(stat_of(a, SECCOMP_FILE).st_ino, stat_of(c, SECCOMP_FILE).st_ino);
	ck_assert_uint_eq(count_entries(cache), 2);
	spec_free(&s);
	free(doc);
}
END_TEST

START_TEST(a_bad_profile_is_refused_by_name)
{
	cleanup_free char *root = make_dir("root");
	cleanup_free char *a = make_dir("a");
	struct spec s;
	parse_profile("{'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '/run/agent.sock'}", &s);
	struct error *err = NULL;
	ck_assert_int_lt(seccomp_prepare(root, s.seccomp, s.seccomp_len, a, &err), 0);
	ck_assert_str_eq(err_message(err),
			 "config.json: linux.seccomp.listenerPath: seccomp notify is not supported");
	ck_assert_uint_eq(count_entries(a), 0);
	err_free(&err);
	spec_free(&s);
}
END_TEST

START_TEST(no_profile_no_file)
{
	cleanup_free char *root = make_dir("root");
	cleanup_free char *a = make_dir("a");
	struct error *err = NULL;
	ck_assert_int_eq(seccomp_prepare(root, NULL, 0, a, &err), 0);
	ck_assert_uint_eq(count_entries(a), 0);
	struct seccomp_program p;
	ck_assert_int_eq(seccomp_read(a, &p, &err), 0);
	ck_assert_ptr_null(p.insns);
	ck_assert_uint_eq(p.len, 0);
}
END_TEST

START_TEST(a_corrupt_file_is_refused)
{
	cleanup_free char *a = make_dir("a");
	cleanup_free char *path = testlib_path("a/" SECCOMP_FILE);
	testlib_write_file(path, "RPRBPF1\nnot a program");
	struct seccomp_program p;
	struct error *err = NULL;
	ck_assert_int_lt(seccomp_read(a, &p, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "not a seccomp program written by this Reaper"));
	err_free(&err);
}
END_TEST

START_TEST(a_profile_that_blocks_write_is_refused_at_create)
{
	cleanup_free char *root = make_dir("root");
	cleanup_free char *a = make_dir("a");
	struct spec s;
	parse_profile("{'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['read'], 'action': "
		      "'SCMP_ACT_ALLOW'}]}",
		      &s);
	struct error *err = NULL;
	ck_assert_int_lt(seccomp_prepare(root, s.seccomp, s.seccomp_len, a, &err), 0);
	ck_assert_str_eq(err_message(err),
			 "config.json: linux.seccomp: the profile blocks write(2), which the "
			 "process needs after the filter is installed, to report a failure");
	ck_assert_uint_eq(count_entries(a), 0);
	err_free(&err);
	spec_free(&s);
}
END_TEST

START_TEST(unused_cache_entries_go_past_the_limit)
{
	cleanup_free char *root = make_dir("root");
	cleanup_free char *kept = make_dir("kept");
	cleanup_free char *cache = testlib_path("root/" SECCOMP_CACHE_DIR);
	prepare_ok(root, PROFILE_A, kept);
	for (int i = 0; i < SECCOMP_CACHE_MAX; i++) {
		char name[32], profile[200];
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(profile, sizeof(profile),
			 "{'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mount'], 'action': "
			 "'SCMP_ACT_ERRNO', 'errnoRet': %d}]}",
			 i + 1);
		cleanup_free char *dir = make_dir(name);
		prepare_ok(root, profile, dir);
		/* The container is deleted: its entry is unused from now on. */
		cleanup_free char *file = NULL;
		ck_assert_int_ge(asprintf(&file, "%s/%s", dir, SECCOMP_FILE), 0);
		ck_assert_int_eq(unlink(file), 0);
	}
	/* The 65th entry made the cache drop every unused one but itself. */
	ck_assert_uint_eq(count_entries(cache), 2);
	ck_assert_uint_eq(stat_of(kept, SECCOMP_FILE).st_nlink, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("seccomp_filter");
	TCase *tc = tcase_create("translate");
	tcase_add_test(tc, allow_list_over_errno_default);
	tcase_add_test(tc, errno_values_are_the_profiles);
	tcase_add_test(tc, every_action_maps_to_its_kernel_value);
	tcase_add_test(tc, argument_conditions_select_the_rule);
	tcase_add_test(tc, an_argument_compared_twice_makes_separate_rules);
	tcase_add_test(tc, a_rule_like_the_default_changes_nothing);
	tcase_add_test(tc, unknown_syscall_names_are_skipped_only_when_allowed);
	tcase_add_test(tc, architectures_are_resolved);
	tcase_add_test(tc, flags_travel_with_the_program);
	suite_add_tcase(s, tc);

	tc = tcase_create("install");
	tcase_add_test(tc, the_kernel_applies_the_installed_filter);
	tcase_add_test(tc, a_filter_that_would_hide_errors_is_refused);
	tcase_add_test(tc, what_is_checked_depends_on_what_follows);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	testlib_use_scratch(tc, TESTLIB_KEEP_UMASK);
	tcase_add_test(tc, containers_with_one_profile_share_one_compiled_file);
	tcase_add_test(tc, the_cache_key_is_the_profiles_text);
	tcase_add_test(tc, a_bad_profile_is_refused_by_name);
	tcase_add_test(tc, no_profile_no_file);
	tcase_add_test(tc, a_corrupt_file_is_refused);
	tcase_add_test(tc, a_profile_that_blocks_write_is_refused_at_create);
	tcase_add_test(tc, unused_cache_entries_go_past_the_limit);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
