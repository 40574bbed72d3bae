/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/engine/spec*.c: config.json and exec Process parsing and validation. */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "json_field.h"
#include "newmount.h"
#include "spec.h"
#include "strv.h"
#include "testlib.h"

/* Test documents are written with single quotes for readability; this turns them into JSON. */
static char *json_of(const char *sq)
{
	char *s = strdup(sq);
	ck_assert_ptr_nonnull(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

/* A config.json whose process object is `process` and whose other members are `extra`. */
static char *config_with(const char *process, const char *extra)
{
	char *sq = NULL;
	ck_assert_int_ge(asprintf(&sq, "{'ociVersion': '1.0.2', 'process': %s%s%s}", process,
				  extra ? ", " : "", extra ? extra : ""),
			 0);
	char *json = json_of(sq);
	free(sq);
	return json;
}

static void parse_ok(const char *json, struct spec *out)
{
	struct error *err = NULL;
	int ret = spec_parse(json, strlen(json), out, &err);
	ck_assert_msg(ret == 0, "spec_parse failed: %s", err_message(err));
	ck_assert_ptr_null(err);
}

static void assert_zeroed_spec(const struct spec *s)
{
	static const struct spec zero;
	ck_assert_int_eq(memcmp(s, &zero, sizeof(zero)), 0);
}

/* Parse a config.json and expect exactly `message` as an ERR_INVALID. */
static void expect_config_error(const char *json, const char *message)
{
	struct spec s;
	memset(&s, 0xAA, sizeof(s));
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse(json, strlen(json), &s, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err_message(err), message);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	assert_zeroed_spec(&s);
	err_free(&err);
}

/* The process object `process` (single-quoted JSON) must fail with `message`. */
static void expect_process_error(const char *process, const char *message)
{
	char *json = config_with(process, NULL);
	expect_config_error(json, message);
	free(json);
}

static void expect_extra_error(const char *extra, const char *message)
{
	char *json = config_with("{'args': ['/bin/true']}", extra);
	expect_config_error(json, message);
	free(json);
}

#define MINIMAL_PROCESS "{'args': ['/bin/true']}"

START_TEST(minimal_document_gets_defaults)
{
	char *json = config_with(MINIMAL_PROCESS, NULL);
	struct spec s;
	parse_ok(json, &s);
	ck_assert_str_eq(s.oci_version, "1.0.2");
	ck_assert_ptr_null(s.hostname);
	ck_assert_str_eq(s.process.args[0], "/bin/true");
	ck_assert_ptr_null(s.process.args[1]);
	ck_assert_ptr_nonnull(s.process.env);
	ck_assert_ptr_null(s.process.env[0]);
	ck_assert_str_eq(s.process.cwd, "/");
	ck_assert_int_eq(s.process.user.uid, 0);
	ck_assert_int_eq(s.process.user.gid, 0);
	ck_assert(!s.process.user.has_umask);
	ck_assert_uint_eq(s.process.user.n_additional_gids, 0);
	ck_assert(!s.process.terminal);
	ck_assert_uint_eq(s.process.console_height, 0);
	ck_assert_uint_eq(s.process.n_rlimits, 0);
	ck_assert(!s.process.capabilities.present);
	ck_assert(!s.process.no_new_privileges);
	ck_assert(!s.process.has_oom_score_adj);
	ck_assert_uint_eq(s.n_mounts, 0);
	ck_assert(json_is_object(s.annotations));
	ck_assert_uint_eq(json_object_size(s.annotations), 0);
	spec_free(&s);
	assert_zeroed_spec(&s);
	spec_free(&s); /* idempotent */
	free(json);
}
END_TEST

static const char *full_config =
	"{'ociVersion': '1.1.0-rc.1', 'hostname': 'pod-a',"
	" 'process': {'terminal': true, 'consoleSize': {'height': 24, 'width': 80},"
	"  'user': {'uid': 1000, 'gid': 1001, 'umask': 18, 'additionalGids': [5, 6, 7], 'username': 'x'},"
	"  'args': ['/bin/sh', '-c', 'echo hi'], 'env': ['PATH=/usr/bin:/bin', 'EMPTY=', 'A=b=c'],"
	"  'cwd': '/tmp', 'noNewPrivileges': true, 'oomScoreAdj': -998,"
	"  'apparmorProfile': 'ignored', 'selinuxLabel': 'ignored',"
	"  'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': 4096},"
	"              {'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 9223372036854775807}],"
	"  'capabilities': {'bounding': ['CAP_CHOWN', 'CAP_KILL', 'CAP_CHECKPOINT_RESTORE'],"
	"                   'effective': ['CAP_NET_BIND_SERVICE'], 'inheritable': [],"
	"                   'permitted': ['CAP_SYS_ADMIN', 'CAP_BPF'], 'ambient': ['CAP_AUDIT_READ']}},"
	" 'root': {'path': 'rootfs', 'readonly': true},"
	" 'mounts': [{'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
	"            {'destination': '/dev/shm', 'type': 'tmpfs', 'source': 'shm',"
	"             'options': ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k']},"
	"            {'destination': '/etc/hosts', 'type': 'bind', 'source': '/var/lib/x/hosts',"
	"             'options': ['rbind', 'rprivate', 'ro']}],"
	" 'annotations': {'io.kubernetes.cri.container-type': 'sandbox',"
	"                 'io.kubernetes.cri.sandbox-id': 'abc'},"
	" 'hooks': {'prestart': [{'path': '/bin/x'}]},"
	" 'linux': {'namespaces': [{'type': 'pid'}], 'resources': {'memory': {'limit': 1}}},"
	" 'windows': {'layerFolders': []}, 'solaris': 1, 'vm': {} }";

START_TEST(full_document_is_parsed)
{
	char *json = json_of(full_config);
	struct spec s;
	parse_ok(json, &s);
	free(json);
	ck_assert_str_eq(s.oci_version, "1.1.0-rc.1");
	ck_assert_str_eq(s.hostname, "pod-a");

	struct spec_process *p = &s.process;
	ck_assert(p->terminal);
	ck_assert_uint_eq(p->console_height, 24);
	ck_assert_uint_eq(p->console_width, 80);
	ck_assert_int_eq(p->user.uid, 1000);
	ck_assert_int_eq(p->user.gid, 1001);
	ck_assert(p->user.has_umask);
	ck_assert_int_eq(p->user.umask, 022);
	ck_assert_uint_eq(p->user.n_additional_gids, 3);
	ck_assert_int_eq(p->user.additional_gids[0], 5);
	ck_assert_int_eq(p->user.additional_gids[2], 7);
	ck_assert_str_eq(p->args[0], "/bin/sh");
	ck_assert_str_eq(p->args[2], "echo hi");
	ck_assert_ptr_null(p->args[3]);
	ck_assert_str_eq(p->env[0], "PATH=/usr/bin:/bin");
	ck_assert_str_eq(p->env[1], "EMPTY=");
	ck_assert_str_eq(p->env[2], "A=b=c");
	ck_assert_ptr_null(p->env[3]);
	ck_assert_str_eq(p->cwd, "/tmp");
	ck_assert(p->no_new_privileges);
	ck_assert(p->has_oom_score_adj);
	ck_assert_int_eq(p->oom_score_adj, -998);

	ck_assert_uint_eq(p->n_rlimits, 2);
	ck_assert_int_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	ck_assert_uint_eq(p->rlimits[0].soft, 1024);
	ck_assert_uint_eq(p->rlimits[0].hard, 4096);
	ck_assert_int_eq(p->rlimits[1].resource, RLIMIT_CORE);
	ck_assert_uint_eq(p->rlimits[1].soft, 0);
	ck_assert_uint_eq(p->rlimits[1].hard, (rlim_t)INT64_MAX);

	ck_assert(p->capabilities.present);
	ck_assert_uint_eq(p->capabilities.bounding,
			  (1ULL << CAP_CHOWN) | (1ULL << CAP_KILL) | (1ULL << CAP_CHECKPOINT_RESTORE));
	ck_assert_uint_eq(p->capabilities.effective, 1ULL << CAP_NET_BIND_SERVICE);
	ck_assert_uint_eq(p->capabilities.inheritable, 0);
	ck_assert_uint_eq(p->capabilities.permitted, (1ULL << CAP_SYS_ADMIN) | (1ULL << CAP_BPF));
	ck_assert_uint_eq(p->capabilities.ambient, 1ULL << CAP_AUDIT_READ);

	ck_assert_uint_eq(s.n_mounts, 3);
	ck_assert_str_eq(s.mounts[0].destination, "/proc");
	ck_assert_str_eq(s.mounts[0].type, "proc");
	ck_assert_str_eq(s.mounts[0].source, "proc");
	ck_assert_ptr_null(s.mounts[0].options[0]);
	ck_assert_uint_eq(s.mounts[0].flags, 0);
	ck_assert_ptr_null(s.mounts[0].data);
	ck_assert(!s.mounts[0].bind);
	ck_assert_uint_eq(s.mounts[1].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
	ck_assert_str_eq(s.mounts[1].data, "mode=1777,size=65536k");
	ck_assert_str_eq(s.mounts[1].options[3], "mode=1777");
	ck_assert_uint_eq(s.mounts[1].propagation, 0);
	ck_assert(s.mounts[2].bind);
	ck_assert_uint_eq(s.mounts[2].flags, MS_BIND | MS_REC | MS_RDONLY);
	ck_assert_uint_eq(s.mounts[2].propagation, MS_PRIVATE | MS_REC);
	ck_assert_ptr_null(s.mounts[2].data);

	ck_assert_str_eq(spec_annotation(&s, "io.kubernetes.cri.container-type"), "sandbox");
	ck_assert_str_eq(spec_annotation(&s, "io.kubernetes.cri.sandbox-id"), "abc");
	ck_assert_ptr_null(spec_annotation(&s, "absent"));
	spec_free(&s);
}
END_TEST

START_TEST(null_members_count_as_absent)
{
	char *json = config_with("{'args': ['/x'], 'env': null, 'cwd': null, 'user': null, 'rlimits': null,"
				 " 'capabilities': null, 'consoleSize': null, 'oomScoreAdj': null}",
				 "'mounts': null, 'hostname': null, 'annotations': null");
	struct spec s;
	parse_ok(json, &s);
	ck_assert_str_eq(s.process.cwd, "/");
	ck_assert_ptr_null(s.process.env[0]);
	ck_assert(!s.process.capabilities.present);
	ck_assert(!s.process.has_oom_score_adj);
	ck_assert_uint_eq(s.n_mounts, 0);
	ck_assert_ptr_null(s.hostname);
	ck_assert_uint_eq(json_object_size(s.annotations), 0);
	spec_free(&s);
	free(json);
}
END_TEST

/* ---- document-level errors ---- */

START_TEST(oci_version_is_checked)
{
	char *json = json_of("{'process': {'args': ['/x']}}");
	expect_config_error(json, "config.json: ociVersion: is required");
	free(json);
	json = json_of("{'ociVersion': 1, 'process': {'args': ['/x']}}");
	expect_config_error(json, "config.json: ociVersion: must be a string");
	free(json);
	json = json_of("{'ociVersion': '2.0.0', 'process': {'args': ['/x']}}");
	expect_config_error(json, "config.json: ociVersion: unsupported version \"2.0.0\" (want 1.x)");
	free(json);
	json = json_of("{'ociVersion': '1', 'process': {'args': ['/x']}}");
	expect_config_error(json, "config.json: ociVersion: unsupported version \"1\" (want 1.x)");
	free(json);
	json = json_of("{'ociVersion': '10.0', 'process': {'args': ['/x']}}");
	expect_config_error(json, "config.json: ociVersion: unsupported version \"10.0\" (want 1.x)");
	free(json);
	json = json_of("{'ociVersion': '1.0.0', 'process': {'args': ['/x']}}");
	struct spec s;
	parse_ok(json, &s);
	spec_free(&s);
	free(json);
}
END_TEST

START_TEST(process_is_required)
{
	char *json = json_of("{'ociVersion': '1.0.2'}");
	expect_config_error(json, "config.json: process: is required");
	free(json);
	expect_process_error("[]", "config.json: process: must be an object");
	expect_process_error("'x'", "config.json: process: must be an object");
}
END_TEST

START_TEST(root_must_be_an_object)
{
	expect_config_error("[]", "config.json: must be a JSON object");
	expect_config_error("[{\"ociVersion\": \"1.0.2\"}]", "config.json: must be a JSON object");
	/* jansson itself refuses a bare scalar as a document. */
	expect_config_error(
		"\"x\"", "config.json: invalid JSON at line 1, column 3: '[' or '{' expected near '\"x\"'");
	expect_config_error("42",
			    "config.json: invalid JSON at line 1, column 2: '[' or '{' expected near '42'");
}
END_TEST

/* The profile is cut out of the text before the rest is parsed: an error after it keeps its line. */
START_TEST(an_error_after_the_profile_names_its_line)
{
	const char *json =
		"{\n  \"linux\": {\n    \"seccomp\": {\n      \"defaultAction\": \"SCMP_ACT_ALLOW\"\n"
		"    },\n    \"sysctl\": {,}\n  }\n}";
	struct spec s;
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse(json, strlen(json), &s, &err), 0);
	ck_assert_msg(strncmp(err_message(err), "config.json: invalid JSON at line 6, column ", 44) == 0,
		      "got %s", err_message(err));
	err_free(&err);
}
END_TEST

START_TEST(invalid_json_reports_line_and_column)
{
	const char *json = "{\n  \"ociVersion\": \"1.0.2\",\n  \"process\": {,}\n}";
	struct spec s;
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse(json, strlen(json), &s, &err), 0);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_msg(strncmp(err_message(err), "config.json: invalid JSON at line 3, column ", 44) == 0,
		      "got %s", err_message(err));
	assert_zeroed_spec(&s);
	err_free(&err);

	ck_assert_int_lt(spec_parse("", 0, &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "config.json: invalid JSON at line"));
	err_free(&err);

	/* Bytes after the document, a NUL inside a string, and invalid UTF-8 are all refused. */
	const char *trailing = "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"/x\"]}} x";
	ck_assert_int_lt(spec_parse(trailing, strlen(trailing), &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "invalid JSON"));
	err_free(&err);
	const char *nul = "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"/x\\u0000y\"]}}";
	ck_assert_int_lt(spec_parse(nul, strlen(nul), &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "invalid JSON"));
	err_free(&err);
	const char bad_utf8[] = "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"/\xff\"]}}";
	ck_assert_int_lt(spec_parse(bad_utf8, sizeof(bad_utf8) - 1, &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "invalid JSON"));
	err_free(&err);
}
END_TEST

START_TEST(duplicate_keys_are_rejected)
{
	char *json = json_of("{'ociVersion': '1.0.2', 'process': {'args': ['/x'], 'args': ['/y']}}");
	struct spec s;
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse(json, strlen(json), &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "duplicate object key"));
	err_free(&err);
	free(json);
}
END_TEST

START_TEST(oversized_input_is_rejected)
{
	size_t len = SPEC_MAX_SIZE + 1;
	char *big = malloc(len);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', len);
	struct spec s;
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse(big, len, &s, &err), 0);
	ck_assert_str_eq(err_message(err), "config.json: larger than 4194304 bytes");
	err_free(&err);
	struct spec_process p;
	ck_assert_int_lt(spec_parse_process(big, len, &p, &err), 0);
	ck_assert_str_eq(err_message(err), "process: larger than 4194304 bytes");
	err_free(&err);
	free(big);
}
END_TEST

/* ---- process fields ---- */

START_TEST(args_are_validated)
{
	expect_process_error("{}", "config.json: process.args: must be a non-empty array of strings");
	expect_process_error("{'args': []}",
			     "config.json: process.args: must be a non-empty array of strings");
	expect_process_error("{'args': '/bin/sh'}",
			     "config.json: process.args: must be a non-empty array of strings");
	expect_process_error("{'args': ['/bin/sh', 3]}", "config.json: process.args[1]: must be a string");
	expect_process_error("{'args': ['']}", "config.json: process.args[0]: must not be empty");
	expect_process_error("{'args': [null]}", "config.json: process.args[0]: must be a string");
}
END_TEST

START_TEST(env_is_validated)
{
	expect_process_error("{'args': ['/x'], 'env': 'A=B'}",
			     "config.json: process.env: must be an array of strings");
	expect_process_error("{'args': ['/x'], 'env': ['A=B', 7]}",
			     "config.json: process.env[1]: must be a string");
	expect_process_error("{'args': ['/x'], 'env': ['A=B', 'NOVALUE']}",
			     "config.json: process.env[1]: must have the form NAME=VALUE (got \"NOVALUE\")");
	expect_process_error("{'args': ['/x'], 'env': ['=x']}",
			     "config.json: process.env[0]: must have the form NAME=VALUE (got \"=x\")");
}
END_TEST

START_TEST(cwd_must_be_absolute)
{
	expect_process_error("{'args': ['/x'], 'cwd': 'tmp'}",
			     "config.json: process.cwd: must be an absolute path");
	expect_process_error("{'args': ['/x'], 'cwd': ''}",
			     "config.json: process.cwd: must be an absolute path");
	expect_process_error("{'args': ['/x'], 'cwd': 5}",
			     "config.json: process.cwd: must be an absolute path");
}
END_TEST

START_TEST(booleans_are_validated)
{
	expect_process_error("{'args': ['/x'], 'terminal': 'yes'}",
			     "config.json: process.terminal: must be a boolean");
	expect_process_error("{'args': ['/x'], 'terminal': 1}",
			     "config.json: process.terminal: must be a boolean");
	expect_process_error("{'args': ['/x'], 'noNewPrivileges': 0}",
			     "config.json: process.noNewPrivileges: must be a boolean");
}
END_TEST

START_TEST(console_size_is_validated)
{
	expect_process_error("{'args': ['/x'], 'consoleSize': 3}",
			     "config.json: process.consoleSize: must be an object");
	expect_process_error("{'args': ['/x'], 'consoleSize': {'height': 3}}",
			     "config.json: process.consoleSize.width: is required");
	expect_process_error("{'args': ['/x'], 'consoleSize': {'width': 3}}",
			     "config.json: process.consoleSize.height: is required");
	expect_process_error("{'args': ['/x'], 'consoleSize': {'height': -1, 'width': 3}}",
			     "config.json: process.consoleSize.height: must be a non-negative integer");
	expect_process_error("{'args': ['/x'], 'consoleSize': {'height': 1, 'width': 65536}}",
			     "config.json: process.consoleSize.width: must be at most 65535");
	expect_process_error("{'args': ['/x'], 'consoleSize': {'height': 1.5, 'width': 3}}",
			     "config.json: process.consoleSize.height: must be a non-negative integer");
}
END_TEST

START_TEST(user_ids_are_bounds_checked)
{
	expect_process_error("{'args': ['/x'], 'user': {'uid': -1, 'gid': 0}}",
			     "config.json: process.user.uid: must be a non-negative integer");
	expect_process_error("{'args': ['/x'], 'user': {'uid': 1.0, 'gid': 0}}",
			     "config.json: process.user.uid: must be a non-negative integer");
	expect_process_error("{'args': ['/x'], 'user': {'uid': '0', 'gid': 0}}",
			     "config.json: process.user.uid: must be a non-negative integer");
	expect_process_error("{'args': ['/x'], 'user': {'uid': 4294967295, 'gid': 0}}",
			     "config.json: process.user.uid: must be at most 4294967294");
	expect_process_error("{'args': ['/x'], 'user': {'uid': 0, 'gid': 99999999999}}",
			     "config.json: process.user.gid: must be at most 4294967294");
	expect_process_error(
		"{'args': ['/x'], 'user': {'uid': 0, 'gid': 0, 'additionalGids': 5}}",
		"config.json: process.user.additionalGids: must be an array of non-negative integers");
	expect_process_error("{'args': ['/x'], 'user': {'uid': 0, 'gid': 0, 'additionalGids': [1, -2]}}",
			     "config.json: process.user.additionalGids[1]: must be a non-negative integer");
	expect_process_error("{'args': ['/x'], 'user': {'uid': 0, 'gid': 0, 'umask': 512}}",
			     "config.json: process.user.umask: must be at most 511");
	expect_process_error("{'args': ['/x'], 'user': 0}", "config.json: process.user: must be an object");

	char *json = config_with(
		"{'args': ['/x'], 'user': {'uid': 4294967294, 'gid': 4294967294, 'umask': 0}}", NULL);
	struct spec s;
	parse_ok(json, &s);
	ck_assert_uint_eq(s.process.user.uid, 4294967294u);
	ck_assert_uint_eq(s.process.user.gid, 4294967294u);
	ck_assert(s.process.user.has_umask);
	ck_assert_int_eq(s.process.user.umask, 0);
	spec_free(&s);
	free(json);
}
END_TEST

START_TEST(rlimits_are_validated)
{
	expect_process_error("{'args': ['/x'], 'rlimits': {}}",
			     "config.json: process.rlimits: must be an array");
	expect_process_error("{'args': ['/x'], 'rlimits': [5]}",
			     "config.json: process.rlimits[0]: must be an object");
	expect_process_error("{'args': ['/x'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 1},"
			     " {'type': 'RLIMIT_BOGUS', 'soft': 1, 'hard': 1}]}",
			     "config.json: process.rlimits[1].type: unknown resource \"RLIMIT_BOGUS\"");
	expect_process_error("{'args': ['/x'], 'rlimits': [{'type': 'rlimit_nofile', 'soft': 1, 'hard': 1}]}",
			     "config.json: process.rlimits[0].type: unknown resource \"rlimit_nofile\"");
	expect_process_error(
		"{'args': ['/x'], 'rlimits': [{'soft': 1, 'hard': 1}]}",
		"config.json: process.rlimits[0].type: must be a string naming an RLIMIT_* resource");
	expect_process_error(
		"{'args': ['/x'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 10, 'hard': 5}]}",
		"config.json: process.rlimits[0].soft: must not exceed hard (10 > 5)");
	expect_process_error(
		"{'args': ['/x'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': -1, 'hard': 5}]}",
		"config.json: process.rlimits[0].soft: must be a non-negative integer");
	expect_process_error(
		"{'args': ['/x'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 5.0}]}",
		"config.json: process.rlimits[0].hard: must be a non-negative integer");
	expect_process_error("{'args': ['/x'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1}]}",
			     "config.json: process.rlimits[0].hard: is required");
	expect_process_error("{'args': ['/x'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, 'hard': 1},"
			     " {'type': 'RLIMIT_NOFILE', 'soft': 2, 'hard': 2}]}",
			     "config.json: process.rlimits[1].type: RLIMIT_NOFILE is given more than once");
}
END_TEST

START_TEST(rlimit_above_int64_fails_to_parse)
{
	/* The documented limit: jansson cannot hold 2^64-1, so the document is refused, clearly. */
	char *json = config_with("{'args': ['/x'], 'rlimits': [{'type': 'RLIMIT_CORE', 'soft': 0, 'hard': "
				 "18446744073709551615}]}",
				 NULL);
	struct spec s;
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse(json, strlen(json), &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "config.json: invalid JSON at line 1"));
	ck_assert_ptr_nonnull(strstr(err_message(err), "too big integer"));
	err_free(&err);
	free(json);
}
END_TEST

START_TEST(every_rlimit_name_maps)
{
	static const struct {
		const char *name;
		int resource;
	} expected[] = {
		{"RLIMIT_AS", RLIMIT_AS},
		{"RLIMIT_CORE", RLIMIT_CORE},
		{"RLIMIT_CPU", RLIMIT_CPU},
		{"RLIMIT_DATA", RLIMIT_DATA},
		{"RLIMIT_FSIZE", RLIMIT_FSIZE},
		{"RLIMIT_LOCKS", RLIMIT_LOCKS},
		{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
		{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
		{"RLIMIT_NICE", RLIMIT_NICE},
		{"RLIMIT_NOFILE", RLIMIT_NOFILE},
		{"RLIMIT_NPROC", RLIMIT_NPROC},
		{"RLIMIT_RSS", RLIMIT_RSS},
		{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
		{"RLIMIT_RTTIME", RLIMIT_RTTIME},
		{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
		{"RLIMIT_STACK", RLIMIT_STACK},
	};
	for (size_t i = 0; i < ARRAY_LEN(expected); i++)
		ck_assert_int_eq(spec_rlimit_resource(expected[i].name), expected[i].resource);
	ck_assert_int_eq(spec_rlimit_resource("RLIMIT_"), -1);
	ck_assert_int_eq(spec_rlimit_resource("NOFILE"), -1);
	ck_assert_int_eq(spec_rlimit_resource(""), -1);
}
END_TEST

START_TEST(capability_table_matches_kernel_header)
{
	static const struct {
		const char *name;
		int number;
	} expected[] = {
		{"CAP_CHOWN", CAP_CHOWN},
		{"CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE},
		{"CAP_DAC_READ_SEARCH", CAP_DAC_READ_SEARCH},
		{"CAP_FOWNER", CAP_FOWNER},
		{"CAP_FSETID", CAP_FSETID},
		{"CAP_KILL", CAP_KILL},
		{"CAP_SETGID", CAP_SETGID},
		{"CAP_SETUID", CAP_SETUID},
		{"CAP_SETPCAP", CAP_SETPCAP},
		{"CAP_LINUX_IMMUTABLE", CAP_LINUX_IMMUTABLE},
		{"CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE},
		{"CAP_NET_BROADCAST", CAP_NET_BROADCAST},
		{"CAP_NET_ADMIN", CAP_NET_ADMIN},
		{"CAP_NET_RAW", CAP_NET_RAW},
		{"CAP_IPC_LOCK", CAP_IPC_LOCK},
		{"CAP_IPC_OWNER", CAP_IPC_OWNER},
		{"CAP_SYS_MODULE", CAP_SYS_MODULE},
		{"CAP_SYS_RAWIO", CAP_SYS_RAWIO},
		{"CAP_SYS_CHROOT", CAP_SYS_CHROOT},
		{"CAP_SYS_PTRACE", CAP_SYS_PTRACE},
		{"CAP_SYS_PACCT", CAP_SYS_PACCT},
		{"CAP_SYS_ADMIN", CAP_SYS_ADMIN},
		{"CAP_SYS_BOOT", CAP_SYS_BOOT},
		{"CAP_SYS_NICE", CAP_SYS_NICE},
		{"CAP_SYS_RESOURCE", CAP_SYS_RESOURCE},
		{"CAP_SYS_TIME", CAP_SYS_TIME},
		{"CAP_SYS_TTY_CONFIG", CAP_SYS_TTY_CONFIG},
		{"CAP_MKNOD", CAP_MKNOD},
		{"CAP_LEASE", CAP_LEASE},
		{"CAP_AUDIT_WRITE", CAP_AUDIT_WRITE},
		{"CAP_AUDIT_CONTROL", CAP_AUDIT_CONTROL},
		{"CAP_SETFCAP", CAP_SETFCAP},
		{"CAP_MAC_OVERRIDE", CAP_MAC_OVERRIDE},
		{"CAP_MAC_ADMIN", CAP_MAC_ADMIN},
		{"CAP_SYSLOG", CAP_SYSLOG},
		{"CAP_WAKE_ALARM", CAP_WAKE_ALARM},
		{"CAP_BLOCK_SUSPEND", CAP_BLOCK_SUSPEND},
		{"CAP_AUDIT_READ", CAP_AUDIT_READ},
		{"CAP_PERFMON", CAP_PERFMON},
		{"CAP_BPF", CAP_BPF},
		{"CAP_CHECKPOINT_RESTORE", CAP_CHECKPOINT_RESTORE},
	};
	ck_assert_int_eq(ARRAY_LEN(expected), SPEC_CAP_LAST + 1);
	ck_assert_int_eq(SPEC_CAP_LAST, CAP_CHECKPOINT_RESTORE);
	for (size_t i = 0; i < ARRAY_LEN(expected); i++) {
		ck_assert_int_eq(spec_capability_number(expected[i].name), expected[i].number);
		ck_assert_str_eq(spec_capability_name(expected[i].number), expected[i].name);
	}
	ck_assert_ptr_null(spec_capability_name(-1));
	ck_assert_ptr_null(spec_capability_name(SPEC_CAP_LAST + 1));
	ck_assert_int_eq(spec_capability_number("cap_chown"), -1);
	ck_assert_int_eq(spec_capability_number("CHOWN"), -1);
	ck_assert_int_eq(spec_capability_number("CAP_"), -1);
}
END_TEST

START_TEST(capabilities_are_validated)
{
	expect_process_error("{'args': ['/x'], 'capabilities': []}",
			     "config.json: process.capabilities: must be an object");
	expect_process_error("{'args': ['/x'], 'capabilities': {'bounding': ['CAP_CHOWN', 'CAP_FLY']}}",
			     "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FLY\"");
	expect_process_error(
		"{'args': ['/x'], 'capabilities': {'ambient': ['cap_chown']}}",
		"config.json: process.capabilities.ambient[0]: unknown capability \"cap_chown\"");
	expect_process_error(
		"{'args': ['/x'], 'capabilities': {'effective': 'CAP_CHOWN'}}",
		"config.json: process.capabilities.effective: must be an array of capability names");
	expect_process_error("{'args': ['/x'], 'capabilities': {'permitted': [21]}}",
			     "config.json: process.capabilities.permitted[0]: must be a string");

	/* An empty object is present with empty sets (drop everything), unlike an absent one. */
	char *json = config_with("{'args': ['/x'], 'capabilities': {}}", NULL);
	struct spec s;
	parse_ok(json, &s);
	ck_assert(s.process.capabilities.present);
	ck_assert_uint_eq(s.process.capabilities.bounding, 0);
	spec_free(&s);
	free(json);
}
END_TEST

START_TEST(oom_score_adj_is_bounded)
{
	expect_process_error("{'args': ['/x'], 'oomScoreAdj': 1001}",
			     "config.json: process.oomScoreAdj: must be between -1000 and 1000");
	expect_process_error("{'args': ['/x'], 'oomScoreAdj': -1001}",
			     "config.json: process.oomScoreAdj: must be between -1000 and 1000");
	expect_process_error("{'args': ['/x'], 'oomScoreAdj': 0.5}",
			     "config.json: process.oomScoreAdj: must be an integer");
	int bounds[] = {-1000, 0, 1000};
	for (size_t i = 0; i < 3; i++) {
		char *process = NULL;
		ck_assert_int_ge(asprintf(&process, "{'args': ['/x'], 'oomScoreAdj': %d}", bounds[i]), 0);
		char *json = config_with(process, NULL);
		struct spec s;
		parse_ok(json, &s);
		ck_assert(s.process.has_oom_score_adj);
		ck_assert_int_eq(s.process.oom_score_adj, bounds[i]);
		spec_free(&s);
		free(json);
		free(process);
	}
}
END_TEST

/* ---- mounts ---- */

/* Parse one mount with the given options and return it through `s`. */
static void parse_mount_options(const char *type, const char *options, struct spec *s)
{
	char *extra = NULL;
	ck_assert_int_ge(asprintf(&extra, "'mounts': [{'destination': '/m', 'type': '%s', 'options': [%s]}]",
				  type, options),
			 0);
	char *json = config_with(MINIMAL_PROCESS, extra);
	parse_ok(json, s);
	ck_assert_uint_eq(s->n_mounts, 1);
	free(json);
	free(extra);
}

START_TEST(every_mount_option_maps_to_its_flag)
{
	static const struct {
		const char *option;
		unsigned long flags;
		unsigned long propagation;
	} cases[] = {
		{"'ro'", MS_RDONLY, 0},
		{"'ro', 'rw'", 0, 0},
		{"'nosuid'", MS_NOSUID, 0},
		{"'nosuid', 'suid'", 0, 0},
		{"'nodev'", MS_NODEV, 0},
		{"'nodev', 'dev'", 0, 0},
		{"'noexec'", MS_NOEXEC, 0},
		{"'noexec', 'exec'", 0, 0},
		{"'sync'", MS_SYNCHRONOUS, 0},
		{"'sync', 'async'", 0, 0},
		{"'dirsync'", MS_DIRSYNC, 0},
		{"'remount'", MS_REMOUNT, 0},
		{"'mand'", MS_MANDLOCK, 0},
		{"'mand', 'nomand'", 0, 0},
		{"'noatime'", MS_NOATIME, 0},
		{"'noatime', 'atime'", 0, 0},
		{"'nodiratime'", MS_NODIRATIME, 0},
		{"'nodiratime', 'diratime'", 0, 0},
		{"'relatime'", MS_RELATIME, 0},
		{"'relatime', 'norelatime'", 0, 0},
		{"'strictatime'", MS_STRICTATIME, 0},
		{"'strictatime', 'nostrictatime'", 0, 0},
		{"'rw', 'ro'", MS_RDONLY, 0},
		{"'defaults'", 0, 0},
		{"'private'", 0, MS_PRIVATE},
		{"'rprivate'", 0, MS_PRIVATE | MS_REC},
		{"'slave'", 0, MS_SLAVE},
		{"'rslave'", 0, MS_SLAVE | MS_REC},
		{"'shared'", 0, MS_SHARED},
		{"'rshared'", 0, MS_SHARED | MS_REC},
		{"'unbindable'", 0, MS_UNBINDABLE},
		{"'runbindable'", 0, MS_UNBINDABLE | MS_REC},
		{"'rshared', 'rslave'", 0, MS_SLAVE | MS_REC},
		{"'ro', 'nosuid', 'nodev', 'noexec', 'relatime'",
		 MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct spec s;
		parse_mount_options("tmpfs", cases[i].option, &s);
		ck_assert_msg(s.mounts[0].flags == cases[i].flags, "%s: flags %#lx, want %#lx",
			      cases[i].option, s.mounts[0].flags, cases[i].flags);
		ck_assert_msg(s.mounts[0].propagation == cases[i].propagation,
			      "%s: propagation %#lx, want %#lx", cases[i].option, s.mounts[0].propagation,
			      cases[i].propagation);
		ck_assert_msg(s.mounts[0].data == NULL, "%s: data %s", cases[i].option, s.mounts[0].data);
		ck_assert(!s.mounts[0].bind);
		spec_free(&s);
	}
}
END_TEST

START_TEST(unknown_mount_options_become_data)
{
	struct spec s;
	parse_mount_options("tmpfs", "'size=64m', 'ro', 'mode=755', 'uid=0'", &s);
	ck_assert_str_eq(s.mounts[0].data, "size=64m,mode=755,uid=0");
	ck_assert_uint_eq(s.mounts[0].flags, MS_RDONLY);
	ck_assert_str_eq(s.mounts[0].options[0], "size=64m");
	ck_assert_str_eq(s.mounts[0].options[3], "uid=0");
	ck_assert_ptr_null(s.mounts[0].options[4]);
	spec_free(&s);
}
END_TEST

START_TEST(bind_comes_from_type_or_option)
{
	struct spec s;
	parse_mount_options("bind", "", &s);
	ck_assert(s.mounts[0].bind);
	ck_assert_uint_eq(s.mounts[0].flags, MS_BIND);
	spec_free(&s);

	parse_mount_options("none", "'bind'", &s);
	ck_assert(s.mounts[0].bind);
	ck_assert_uint_eq(s.mounts[0].flags, MS_BIND);
	spec_free(&s);

	parse_mount_options("none", "'rbind', 'ro'", &s);
	ck_assert(s.mounts[0].bind);
	ck_assert_uint_eq(s.mounts[0].flags, MS_BIND | MS_REC | MS_RDONLY);
	spec_free(&s);

	parse_mount_options("proc", "'nosuid'", &s);
	ck_assert(!s.mounts[0].bind);
	spec_free(&s);

	/* Neither type nor source is required. */
	char *json = config_with(MINIMAL_PROCESS, "'mounts': [{'destination': '/x', 'options': ['rbind']}]");
	parse_ok(json, &s);
	ck_assert_ptr_null(s.mounts[0].type);
	ck_assert_ptr_null(s.mounts[0].source);
	ck_assert(s.mounts[0].bind);
	spec_free(&s);
	free(json);
}
END_TEST

START_TEST(recursive_mount_options_set_tree_attributes)
{
	static const struct {
		const char *option;
		uint64_t set, clr;
	} cases[] = {
		{"'rro'", NM_MOUNT_ATTR_RDONLY, 0},
		{"'rro', 'rrw'", 0, NM_MOUNT_ATTR_RDONLY},
		{"'rnosuid', 'rnodev', 'rnoexec'",
		 NM_MOUNT_ATTR_NOSUID | NM_MOUNT_ATTR_NODEV | NM_MOUNT_ATTR_NOEXEC, 0},
		{"'rsuid'", 0, NM_MOUNT_ATTR_NOSUID},
		{"'rnoatime'", NM_MOUNT_ATTR_NOATIME, 0},
		{"'rnodiratime', 'rdiratime'", 0, NM_MOUNT_ATTR_NODIRATIME},
		{"'rnosymfollow'", NM_MOUNT_ATTR_NOSYMFOLLOW, 0},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct spec s;
		parse_mount_options("bind", cases[i].option, &s);
		ck_assert_msg(s.mounts[0].rec_attr_set == cases[i].set &&
				      s.mounts[0].rec_attr_clr == cases[i].clr,
			      "%s: set %#llx clr %#llx", cases[i].option,
			      (unsigned long long)s.mounts[0].rec_attr_set,
			      (unsigned long long)s.mounts[0].rec_attr_clr);
		ck_assert_msg(s.mounts[0].flags == MS_BIND, "%s: flags %#lx", cases[i].option,
			      s.mounts[0].flags);
		spec_free(&s);
	}
	/* ro on a bind is the top mount's; rro is the tree's. */
	struct spec s;
	parse_mount_options("bind", "'rbind', 'ro'", &s);
	ck_assert_uint_eq(s.mounts[0].rec_attr_set, 0);
	ck_assert_uint_eq(s.mounts[0].flags, MS_BIND | MS_REC | MS_RDONLY);
	spec_free(&s);
	expect_extra_error(
		"'mounts': [{'destination': '/m', 'type': 'bind', 'source': '/s', 'options': ['idmap']}]",
		"config.json: mounts[0].options: idmap: Reaper has no user namespaces to map ids with");
}
END_TEST

START_TEST(view_is_parsed)
{
	struct spec s;
	char *json = config_with(MINIMAL_PROCESS,
				 "'root': {'path': 'rootfs', 'readonly': true}, 'linux': {"
				 "'maskedPaths': ['/proc/kcore', '/sys/firmware'],"
				 "'readonlyPaths': ['/proc/sys'], 'rootfsPropagation': 'rslave',"
				 "'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10, 'minor': 229,"
				 "'fileMode': 8630, 'uid': 0, 'gid': 5}, {'path': '/dev/p', 'type': 'p'},"
				 "{'path': '/dev/u', 'type': 'u', 'major': 1, 'minor': 3}]}");
	parse_ok(json, &s);
	ck_assert(s.view.readonly_root);
	ck_assert_str_eq(s.view.masked_paths[1], "/sys/firmware");
	ck_assert_ptr_null(s.view.masked_paths[2]);
	ck_assert_str_eq(s.view.readonly_paths[0], "/proc/sys");
	ck_assert_uint_eq(s.view.root_propagation, MS_SLAVE | MS_REC);
	ck_assert_uint_eq(s.view.n_devices, 3);
	ck_assert_str_eq(s.view.devices[0].path, "/dev/fuse");
	ck_assert_int_eq(s.view.devices[0].type, 'c');
	ck_assert_uint_eq(s.view.devices[0].major, 10);
	ck_assert_uint_eq(s.view.devices[0].minor, 229);
	ck_assert_uint_eq(s.view.devices[0].mode, 0666); /* 8630 = S_IFCHR | 0666 */
	ck_assert_uint_eq(s.view.devices[0].gid, 5);
	ck_assert_int_eq(s.view.devices[1].type, 'p');
	ck_assert_int_eq(s.view.devices[2].type, 'c');
	spec_free(&s);
	free(json);
	/* Absent: a writable root, no paths (empty vectors), no propagation, no devices. */
	json = config_with(MINIMAL_PROCESS, NULL);
	parse_ok(json, &s);
	ck_assert(!s.view.readonly_root);
	ck_assert_ptr_null(s.view.masked_paths[0]);
	ck_assert_ptr_null(s.view.readonly_paths[0]);
	ck_assert_uint_eq(s.view.root_propagation, 0);
	ck_assert_uint_eq(s.view.n_devices, 0);
	spec_free(&s);
	free(json);
}
END_TEST

START_TEST(view_is_validated)
{
	expect_extra_error("'root': {'readonly': 1}", "config.json: root.readonly: must be a boolean");
	expect_extra_error("'linux': []", "config.json: linux: must be an object");
	expect_extra_error("'linux': {'maskedPaths': ['proc/kcore']}",
			   "config.json: linux.maskedPaths[0]: must be an absolute path");
	expect_extra_error("'linux': {'readonlyPaths': '/proc/sys'}",
			   "config.json: linux.readonlyPaths: must be an array of strings");
	expect_extra_error("'linux': {'rootfsPropagation': 'sideways'}",
			   "config.json: linux.rootfsPropagation: unknown propagation \"sideways\"");
	expect_extra_error("'linux': {'devices': [{'path': '/dev/x', 'type': 'q', 'major': 1, 'minor': 1}]}",
			   "config.json: linux.devices[0].type: must be c, u, b or p, not \"q\"");
	expect_extra_error("'linux': {'devices': [{'path': '/dev/x', 'type': 'b', 'minor': 1}]}",
			   "config.json: linux.devices[0].major: is required");
	expect_extra_error("'linux': {'devices': [{'path': 'x', 'type': 'p'}]}",
			   "config.json: linux.devices[0].path: must be an absolute path");
}
END_TEST

START_TEST(mounts_are_validated)
{
	expect_extra_error("'mounts': {}", "config.json: mounts: must be an array");
	expect_extra_error("'mounts': [{'destination': '/a'}, 'x']",
			   "config.json: mounts[1]: must be an object");
	expect_extra_error("'mounts': [{'destination': '/a'}, {'destination': '/b'}, {'destination': 'c'}]",
			   "config.json: mounts[2].destination: must be an absolute path");
	expect_extra_error("'mounts': [{'type': 'tmpfs'}]",
			   "config.json: mounts[0].destination: must be an absolute path");
	expect_extra_error("'mounts': [{'destination': '/a', 'type': 1}]",
			   "config.json: mounts[0].type: must be a string");
	expect_extra_error("'mounts': [{'destination': '/a', 'source': []}]",
			   "config.json: mounts[0].source: must be a string");
	expect_extra_error("'mounts': [{'destination': '/a', 'options': 'ro'}]",
			   "config.json: mounts[0].options: must be an array of strings");
	expect_extra_error("'mounts': [{'destination': '/a', 'options': ['ro', true]}]",
			   "config.json: mounts[0].options[1]: must be a string");
}
END_TEST

START_TEST(many_mounts_are_all_kept)
{
	char *extra = strdup("'mounts': [");
	for (int i = 0; i < 200; i++) {
		char *next = NULL;
		ck_assert_int_ge(asprintf(&next, "%s%s{'destination': '/m%d', 'options': ['size=%d']}", extra,
					  i ? ", " : "", i, i),
				 0);
		free(extra);
		extra = next;
	}
	char *closed = NULL;
	ck_assert_int_ge(asprintf(&closed, "%s]", extra), 0);
	char *json = config_with(MINIMAL_PROCESS, closed);
	struct spec s;
	parse_ok(json, &s);
	ck_assert_uint_eq(s.n_mounts, 200);
	ck_assert_str_eq(s.mounts[199].destination, "/m199");
	ck_assert_str_eq(s.mounts[199].data, "size=199");
	spec_free(&s);
	free(json);
	free(closed);
	free(extra);
}
END_TEST

START_TEST(hostname_and_annotations_are_validated)
{
	expect_extra_error("'hostname': 5", "config.json: hostname: must be a string");
	expect_extra_error("'annotations': []", "config.json: annotations: must be an object of strings");
	expect_extra_error("'annotations': {'ok': 'x', 'bad': 5}",
			   "config.json: annotations.bad: must be a string");
	expect_extra_error("'annotations': {'nested': {'a': 'b'}}",
			   "config.json: annotations.nested: must be a string");
}
END_TEST

START_TEST(annotations_outlive_the_document)
{
	char *json = config_with(MINIMAL_PROCESS, "'annotations': {'k': 'v', 'empty': ''}");
	struct spec s;
	parse_ok(json, &s);
	/* The parse buffer is gone; the annotations are owned by the spec. */
	memset(json, 0, strlen(json));
	free(json);
	ck_assert_str_eq(spec_annotation(&s, "k"), "v");
	ck_assert_str_eq(spec_annotation(&s, "empty"), "");
	ck_assert_int_eq(json_object_size(s.annotations), 2);
	spec_free(&s);
}
END_TEST

START_TEST(mount_option_names_are_listed)
{
	size_t n = 0;
	bool saw_ro = false, saw_runbindable = false;
	for (const char *name; (name = spec_mount_option_name(n)) != NULL; n++) {
		saw_ro |= strcmp(name, "ro") == 0;
		saw_runbindable |= strcmp(name, "runbindable") == 0;
	}
	ck_assert(saw_ro);
	ck_assert(saw_runbindable);
	ck_assert_uint_ge(n, 33);
}
END_TEST

/* ---- linux: seccomp, sysctl, labels ---- */

START_TEST(seccomp_profile_is_parsed)
{
	char *json = config_with(
		MINIMAL_PROCESS,
		"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 38,"
		" 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],"
		" 'flags': ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],"
		" 'syscalls': [{'names': ['read', 'write'], 'action': 'SCMP_ACT_ALLOW'},"
		"  {'names': ['clone'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0,"
		"   'value': 2114060288, 'valueTwo': 0, 'op': 'SCMP_CMP_MASKED_EQ'}]},"
		"  {'names': ['personality'], 'action': 'SCMP_ACT_ALLOW', 'args': [{'index': 0, 'value': 8,"
		"   'op': 'SCMP_CMP_EQ'}]},"
		"  {'names': ['mount'], 'action': 'SCMP_ACT_KILL'},"
		"  {'names': ['umount2'], 'action': 'SCMP_ACT_ERRNO'},"
		"  {'names': ['ptrace'], 'action': 'SCMP_ACT_TRACE', 'errnoRet': 65535}]}}");
	struct spec s;
	parse_ok(json, &s);
	struct spec_seccomp typed, *p = &typed;
	struct error *err = NULL;
	ck_assert_msg(spec_parse_seccomp(s.seccomp, s.seccomp_len, p, &err) == 0, "%s", err_message(err));
	ck_assert_int_eq(p->default_action, SPEC_SECCOMP_ERRNO);
	ck_assert_uint_eq(p->default_errno_ret, 38);
	ck_assert_str_eq(p->architectures[0], "SCMP_ARCH_X86_64");
	ck_assert_str_eq(p->architectures[1], "SCMP_ARCH_X86");
	ck_assert_ptr_null(p->architectures[2]);
	ck_assert_uint_eq(p->flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	ck_assert_uint_eq(p->n_rules, 6);
	ck_assert_str_eq(p->rules[0].names[1], "write");
	ck_assert_int_eq(p->rules[0].action, SPEC_SECCOMP_ALLOW);
	ck_assert_uint_eq(p->rules[0].n_args, 0);
	ck_assert_uint_eq(p->rules[1].n_args, 1);
	ck_assert_int_eq(p->rules[1].args[0].op, SPEC_SECCOMP_MASKED_EQ);
	ck_assert_uint_eq(p->rules[1].args[0].value, 2114060288);
	ck_assert_int_eq(p->rules[2].args[0].op, SPEC_SECCOMP_EQ);
	ck_assert_uint_eq(p->rules[2].args[0].value, 8);
	ck_assert_int_eq(p->rules[3].action, SPEC_SECCOMP_KILL_THREAD);
	/* errnoRet defaults to EPERM, as in runc. */
	ck_assert_int_eq(p->rules[4].action, SPEC_SECCOMP_ERRNO);
	ck_assert_uint_eq(p->rules[4].errno_ret, EPERM);
	ck_assert_int_eq(p->rules[5].action, SPEC_SECCOMP_TRACE);
	ck_assert_uint_eq(p->rules[5].errno_ret, 65535);
	spec_seccomp_free(p);
	spec_free(&s);
	free(json);
}
END_TEST

START_TEST(no_seccomp_means_none)
{
	char *json = config_with(MINIMAL_PROCESS, "'linux': {'seccomp': null, 'namespaces': []}");
	struct spec s;
	parse_ok(json, &s);
	ck_assert_ptr_null(s.seccomp);
	ck_assert_ptr_null(s.sysctl);
	spec_free(&s);
	free(json);
}
END_TEST

#define SECCOMP_WITH(rule) "'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [" rule "]}}"

/* config.json with linux.seccomp = `extra`'s: spec_parse keeps it, spec_parse_seccomp refuses it. */
static void expect_seccomp_error(const char *extra, const char *message)
{
	char *json = config_with(MINIMAL_PROCESS, extra);
	struct spec s;
	parse_ok(json, &s);
	struct spec_seccomp p;
	memset(&p, 0xAA, sizeof(p));
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse_seccomp(s.seccomp, s.seccomp_len, &p, &err), 0);
	ck_assert_str_eq(err_message(err), message);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	static const struct spec_seccomp zero;
	ck_assert_int_eq(memcmp(&p, &zero, sizeof(zero)), 0);
	err_free(&err);
	spec_free(&s);
	free(json);
}

START_TEST(seccomp_errors_name_the_field)
{
	expect_extra_error("'linux': 3", "config.json: linux: must be an object");
	expect_extra_error("'linux': {'seccomp': []}", "config.json: linux.seccomp: must be an object");
	expect_seccomp_error(
		"'linux': {'seccomp': {}}",
		"config.json: linux.seccomp.defaultAction: must be a string naming an SCMP_ACT_* action");
	expect_seccomp_error("'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_MAYBE'}}",
			     "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_MAYBE\"");
	expect_seccomp_error(
		"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_NOTIFY'}}",
		"config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY (seccomp notify) is not "
		"supported");
	expect_seccomp_error(
		"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'listenerPath': '/run/a.sock'}}",
		"config.json: linux.seccomp.listenerPath: seccomp notify is not supported");
	expect_seccomp_error(
		"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'listenerMetadata': 'x'}}",
		"config.json: linux.seccomp.listenerMetadata: seccomp notify is not supported");
	expect_seccomp_error(
		"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1}}",
		"config.json: linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE "
		"take an errno");
	expect_seccomp_error(
		"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 4096}}",
		"config.json: linux.seccomp.defaultErrnoRet: must be at most 4095");
	expect_seccomp_error("'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'flags': "
			     "['SECCOMP_FILTER_FLAG_X']}}",
			     "config.json: linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_X\"");
	expect_seccomp_error(
		"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW',"
		" 'flags': ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']}}",
		"config.json: linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a "
		"seccomp notify listener, which is not supported");
	expect_seccomp_error(
		"'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['x86_64']}}",
		"config.json: linux.seccomp.architectures[0]: unknown architecture \"x86_64\"");
	expect_seccomp_error("'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'extra': 1}}",
			     "config.json: linux.seccomp.extra: unknown field");
	expect_seccomp_error(
		SECCOMP_WITH("{'names': [], 'action': 'SCMP_ACT_ERRNO'}"),
		"config.json: linux.seccomp.syscalls[0].names: must be a non-empty array of system "
		"call names");
	expect_seccomp_error(SECCOMP_WITH("{'names': ['mount'], 'action': 'SCMP_ACT_KILL', 'errnoRet': 1}"),
			     "config.json: linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and "
			     "SCMP_ACT_TRACE take an errno");
	expect_seccomp_error(
		SECCOMP_WITH("{'names': ['mount'], 'action': 'SCMP_ACT_NOTIFY'}"),
		"config.json: linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY (seccomp notify) is "
		"not supported");
	expect_seccomp_error(SECCOMP_WITH("{'names': ['mount'], 'action': 'SCMP_ACT_ERRNO', 'comment': 'x'}"),
			     "config.json: linux.seccomp.syscalls[0].comment: unknown field");
	expect_seccomp_error(SECCOMP_WITH("{'names': ['mount'], 'action': 'SCMP_ACT_ERRNO',"
					  " 'args': [{'index': 6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}"),
			     "config.json: linux.seccomp.syscalls[0].args[0].index: must be at most 5");
	expect_seccomp_error(
		SECCOMP_WITH("{'names': ['mount'], 'action': 'SCMP_ACT_ERRNO',"
			     " 'args': [{'index': 0, 'value': 1, 'op': 'SCMP_CMP_ABOUT'}]}"),
		"config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\"");
	expect_seccomp_error(
		SECCOMP_WITH("{'names': ['mount'], 'action': 'SCMP_ACT_ERRNO',"
			     " 'args': [{'index': 0, 'value': 1, 'valueTwo': 2, 'op': 'SCMP_CMP_EQ'}]}"),
		"config.json: linux.seccomp.syscalls[0].args[0].valueTwo: only SCMP_CMP_MASKED_EQ "
		"takes a second value");
	expect_seccomp_error(
		SECCOMP_WITH("{'names': ['mount'], 'action': 'SCMP_ACT_ERRNO',"
			     " 'args': [{'index': 0, 'value': -1, 'op': 'SCMP_CMP_EQ'}]}"),
		"config.json: linux.seccomp.syscalls[0].args[0].value: must be a non-negative integer");
}
END_TEST

START_TEST(seccomp_name_lists_cover_the_spec)
{
	size_t n = 0;
	while (spec_seccomp_action_name(n) != NULL)
		n++;
	ck_assert_uint_eq(n, 8); /* all but SCMP_ACT_NOTIFY */
	for (n = 0; spec_seccomp_op_name(n) != NULL; n++)
		;
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(spec_seccomp_op_name(SPEC_SECCOMP_MASKED_EQ), "SCMP_CMP_MASKED_EQ");
	for (n = 0; spec_seccomp_flag_name(n) != NULL; n++)
		;
	ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(sysctls_and_labels_are_kept)
{
	char *json = config_with("{'args': ['/bin/true'], 'apparmorProfile': 'cri-containerd.apparmor.d',"
				 " 'selinuxLabel': 'system_u:system_r:container_t:s0:c1,c2'}",
				 "'linux': {'sysctl': {'net.core.somaxconn': '1024'},"
				 " 'mountLabel': 'system_u:object_r:container_file_t:s0:c1,c2'}");
	struct spec s;
	parse_ok(json, &s);
	ck_assert_str_eq(s.process.apparmor_profile, "cri-containerd.apparmor.d");
	ck_assert_str_eq(s.process.selinux_label, "system_u:system_r:container_t:s0:c1,c2");
	ck_assert_str_eq(s.mount_label, "system_u:object_r:container_file_t:s0:c1,c2");
	ck_assert_str_eq(json_string_value(json_object_get(s.sysctl, "net.core.somaxconn")), "1024");
	spec_free(&s);
	free(json);
	expect_extra_error("'linux': {'sysctl': ['a']}",
			   "config.json: linux.sysctl: must be an object of strings");
	expect_extra_error("'linux': {'sysctl': {'kernel.x': 1}}",
			   "config.json: linux.sysctl.kernel.x: must be a string");
	expect_process_error("{'args': ['/bin/true'], 'apparmorProfile': 1}",
			     "config.json: process.apparmorProfile: must be a string");
}
END_TEST

/* ---- spec_parse_process ---- */

START_TEST(bare_process_is_parsed)
{
	char *json =
		json_of("{'args': ['sh', '-c', 'true'], 'env': ['A=1'], 'cwd': '/root', 'terminal': true,"
			" 'user': {'uid': 7, 'gid': 8}, 'capabilities': {'bounding': ['CAP_KILL']}}");
	struct spec_process p;
	struct error *err = NULL;
	ck_assert_int_eq(spec_parse_process(json, strlen(json), &p, &err), 0);
	ck_assert_str_eq(p.args[0], "sh");
	ck_assert_str_eq(p.env[0], "A=1");
	ck_assert_str_eq(p.cwd, "/root");
	ck_assert(p.terminal);
	ck_assert_int_eq(p.user.uid, 7);
	ck_assert_int_eq(p.user.gid, 8);
	ck_assert_uint_eq(p.capabilities.bounding, 1ULL << CAP_KILL);
	spec_process_free(&p);
	spec_process_free(&p); /* idempotent */
	free(json);
}
END_TEST

static void expect_bare_process_error(const char *sq, const char *message)
{
	char *json = json_of(sq);
	struct spec_process p;
	memset(&p, 0x55, sizeof(p));
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse_process(json, strlen(json), &p, &err), 0);
	ck_assert_str_eq(err_message(err), message);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	static const struct spec_process zero;
	ck_assert_int_eq(memcmp(&p, &zero, sizeof(p)), 0);
	err_free(&err);
	free(json);
}

START_TEST(bare_process_errors_name_the_field)
{
	expect_bare_process_error("[]", "process: must be a JSON object");
	expect_bare_process_error("{'args': []}", "process: args: must be a non-empty array of strings");
	expect_bare_process_error("{'args': ['/x'], 'user': {'uid': -5}}",
				  "process: user.uid: must be a non-negative integer");
	expect_bare_process_error("{'args': ['/x'], 'cwd': 'rel'}", "process: cwd: must be an absolute path");
	expect_bare_process_error("{'args': ['/x'], 'capabilities': {'bounding': ['CAP_NOPE']}}",
				  "process: capabilities.bounding[0]: unknown capability \"CAP_NOPE\"");
	expect_bare_process_error(
		"{'args': ['/x'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 2, 'hard': 1}]}",
		"process: rlimits[0].soft: must not exceed hard (2 > 1)");

	struct spec_process p;
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse_process("{", 1, &p, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "process: invalid JSON at line 1, column"));
	err_free(&err);
}
END_TEST

/* ---- spec_load ---- */

/* Each test's bundle is its own scratch directory (see testlib_use_scratch). */

START_TEST(load_reads_the_bundle)
{
	const char *dir = testlib_test_dir();
	char *path = testlib_path("config.json");
	char *json = json_of(full_config);
	testlib_write_file(path, json);
	struct spec s;
	struct error *err = NULL;
	ck_assert_int_eq(spec_load(dir, &s, &err), 0);
	ck_assert_str_eq(s.hostname, "pod-a");
	ck_assert_uint_eq(s.n_mounts, 3);
	spec_free(&s);

	/* A trailing slash on the bundle is fine. */
	char *slashed = NULL;
	ck_assert_int_ge(asprintf(&slashed, "%s//", dir), 0);
	ck_assert_int_eq(spec_load(slashed, &s, &err), 0);
	spec_free(&s);

	free(slashed);
	free(json);
	free(path);
}
END_TEST

START_TEST(the_profile_is_kept_as_written_and_taken_out_of_the_parse)
{
	/* Braces, brackets, quotes and escapes in strings before it; a 'seccomp' key elsewhere. */
	static const char profile[] = "{'defaultAction': 'SCMP_ACT_ALLOW',"
				      " 'syscalls': [{'names': ['}'], 'action': 'SCMP_ACT_ERRNO'}]}";
	char *json = json_of("{'ociVersion': '1.0.2', 'annotations': {'seccomp': '{\\'x'},"
			     " 'process': {'args': ['[{\\\\']}, 'linux' : { 'maskedPaths': ['/a]'],"
			     " 'seccomp' : {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['}'],"
			     " 'action': 'SCMP_ACT_ERRNO'}]}, 'readonlyPaths': ['/b']}}");
	char *want = json_of(profile);
	struct spec s;
	parse_ok(json, &s);
	ck_assert_str_eq(s.seccomp, want);
	ck_assert_uint_eq(s.seccomp_len, strlen(want));
	ck_assert_str_eq(spec_annotation(&s, "seccomp"), "{\"x");
	ck_assert_str_eq(s.process.args[0], "[{\\");
	ck_assert_str_eq(s.view.masked_paths[0], "/a]");
	ck_assert_str_eq(s.view.readonly_paths[0], "/b");
	spec_free(&s);
	free(want);
	free(json);
}
END_TEST

/* The text before the profile, the profile and the text after it each longer than what jansson
 * asks for at a time: every value and an error's line come out as if the profile were not there. */
START_TEST(a_long_document_reads_the_same_around_the_profile)
{
	enum { ENV = 300, NAMES = 400 };
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	ck_assert_ptr_nonnull(f);
	fputs("{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"/x\"], \"env\": [\n", f);
	for (int i = 0; i < ENV; i++)
		fprintf(f, "\"VAR%d=%d\"%s\n", i, i, i + 1 < ENV ? "," : "");
	fputs("]}, \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\",\n\"syscalls\": [", f);
	for (int i = 0; i < NAMES; i++)
		fprintf(f, "{\"names\": [\"call%d\"], \"action\": \"SCMP_ACT_ERRNO\"}%s\n", i,
			i + 1 < NAMES ? "," : "");
	long profile_end = (fputs("]}", f), ftell(f));
	fputs(",\n\"readonlyPaths\": [", f);
	for (int i = 0; i < ENV; i++)
		fprintf(f, "\"/ro/%d\"%s\n", i, i + 1 < ENV ? "," : "");
	fputs("]}}", f);
	ck_assert_int_eq(fclose(f), 0);

	struct spec s;
	parse_ok(text, &s);
	ck_assert_uint_eq(strv_len(s.process.env), ENV);
	ck_assert_str_eq(s.process.env[ENV - 1], "VAR299=299");
	ck_assert_uint_eq(strv_len(s.view.readonly_paths), ENV);
	ck_assert_str_eq(s.view.readonly_paths[ENV - 1], "/ro/299");
	ck_assert_ptr_nonnull(strstr(s.seccomp, "\"call399\""));
	ck_assert_int_eq(s.seccomp[s.seccomp_len - 1], '}');
	spec_free(&s);

	/* Break the document right after the profile: the error's line is the profile's last. */
	int line = 1;
	for (long i = 0; i < profile_end; i++)
		line += text[i] == '\n';
	text[profile_end] = ';';
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse(text, size, &s, &err), 0);
	char want[64];
	snprintf(want, sizeof(want), "config.json: invalid JSON at line %d, column ", line);
	ck_assert_msg(strncmp(err_message(err), want, strlen(want)) == 0, "got %s", err_message(err));
	err_free(&err);
	free(text);
}
END_TEST

/* field_find_object gives up on what it does not expect; the parse then keeps the profile as
 * compact JSON, or refuses the document. */
START_TEST(what_the_scan_does_not_expect_is_parsed_whole)
{
	static const char *const keys[] = {"linux", "seccomp", NULL};
	const char *not_found[] = {
		"{'ociVersion': '1.0.2', 'process': {'args': ['/x']}}",
		"{'ociVersion': '1.0.2', 'linux': {'seccomp': null}}",
		"{'ociVersion': '1.0.2', 'linux': {'seccomp': []}}",
		"{'ociVersion': '1.0.2', 'linu\\u0078': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW'}}}",
		"{'ociVersion': '1.0.2', 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW'",
		"{'ociVersion': '1.0.2' 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW'}}}",
		"['linux', {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW'}}]",
	};
	for (size_t i = 0; i < ARRAY_LEN(not_found); i++) {
		char *json = json_of(not_found[i]);
		size_t start, end;
		ck_assert_msg(!field_find_object(json, strlen(json), keys, &start, &end), "%s", json);
		free(json);
	}
	/* A NUL byte in the profile (not JSON): the whole text goes to jansson, which refuses it. */
	static const char with_nul[] = "{\"linux\": {\"seccomp\": {\"a\": \"\\\0\"}}}";
	size_t start, end;
	ck_assert(!field_find_object(with_nul, sizeof(with_nul) - 1, keys, &start, &end));
	static const char raw_nul[] = "{\"linux\": {\"seccomp\": {\"a\": [1\0]}}}";
	ck_assert(!field_find_object(raw_nul, sizeof(raw_nul) - 1, keys, &start, &end));
	char *json = config_with(MINIMAL_PROCESS, "'linu\\u0078': {'secc\\u006fmp': {'defaultAction':"
						  " 'SCMP_ACT_ALLOW', 'flags': []}}");
	struct spec s;
	parse_ok(json, &s);
	ck_assert_str_eq(s.seccomp, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[]}");
	spec_free(&s);
	free(json);
	/* {} is too short to take out: kept all the same. */
	json = config_with(MINIMAL_PROCESS, "'linux': {'seccomp': {}}");
	parse_ok(json, &s);
	ck_assert_str_eq(s.seccomp, "{}");
	spec_free(&s);
	free(json);
}
END_TEST

START_TEST(a_profile_is_checked_when_it_is_compiled)
{
	/* Balanced but not JSON: the parse of config.json never reads it; spec_parse_seccomp does. */
	char *json = config_with(MINIMAL_PROCESS, "'linux': {'seccomp': {'defaultAction' 'x'}}");
	struct spec s;
	parse_ok(json, &s);
	struct spec_seccomp p;
	struct error *err = NULL;
	ck_assert_int_lt(spec_parse_seccomp(s.seccomp, s.seccomp_len, &p, &err), 0);
	ck_assert_str_eq(err_message(err),
			 "config.json: linux.seccomp: invalid JSON at line 1, column 20 of the profile: "
			 "':' expected near '\"x\"'");
	err_free(&err);
	spec_free(&s);
	free(json);
}
END_TEST

START_TEST(load_names_a_missing_file)
{
	const char *dir = testlib_test_dir();
	struct spec s;
	struct error *err = NULL;
	ck_assert_int_lt(spec_load(dir, &s, &err), 0);
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "%s/config.json: No such file or directory", dir), 0);
	ck_assert_str_eq(err_message(err), want);
	ck_assert_int_eq(err->kind, ERR_SYSTEM);
	ck_assert_int_eq(err->errnum, ENOENT);
	assert_zeroed_spec(&s);
	err_free(&err);
	free(want);
}
END_TEST

START_TEST(load_refuses_what_is_not_a_small_regular_file)
{
	const char *dir = testlib_test_dir();
	char *path = testlib_path("config.json");
	struct spec s;
	struct error *err = NULL;
	char *want = NULL;

	/* A FIFO: must not block waiting for a writer. */
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_lt(spec_load(dir, &s, &err), 0);
	ck_assert_int_ge(asprintf(&want, "%s: not a regular file", path), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	free(want);
	ck_assert_int_eq(unlink(path), 0);

	/* A directory. */
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_lt(spec_load(dir, &s, &err), 0);
	ck_assert_int_ge(asprintf(&want, "%s: not a regular file", path), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	free(want);
	ck_assert_int_eq(rmdir(path), 0);

	/* One byte over the cap; exactly the cap is read (and then fails as JSON, not as size). */
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ftruncate(fileno(f), SPEC_MAX_SIZE + 1), 0);
	fclose(f);
	ck_assert_int_lt(spec_load(dir, &s, &err), 0);
	ck_assert_int_ge(asprintf(&want, "%s: larger than 4194304 bytes", path), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	free(want);
	ck_assert_int_eq(truncate(path, SPEC_MAX_SIZE), 0);
	ck_assert_int_lt(spec_load(dir, &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "config.json: invalid JSON"));
	err_free(&err);

	/* Invalid JSON on disk names the line. */
	testlib_write_file(path, "{\n\"ociVersion\": \"1.0.2\",\n\n\"process\": \n}\n");
	ck_assert_int_lt(spec_load(dir, &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "config.json: invalid JSON at line 5"));
	err_free(&err);

	free(path);
}
END_TEST

/* Any JSON value in any position of a valid document must either parse or fail cleanly; this
 * walks the type-confusion space for every field (ASan/valgrind catch what asserts cannot). */
START_TEST(wrong_types_everywhere_fail_cleanly)
{
	static const char *values[] = {"null", "true", "0",  "-1",           "1.5",
				       "'s'",  "[]",   "{}", "['CAP_KILL']", "[{}]"};
	static const char *templates[] = {
		"{'ociVersion': %s, 'process': {'args': ['/x']}}",
		"{'ociVersion': '1.0', 'process': %s}",
		"{'ociVersion': '1.0', 'process': {'args': %s}}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x'], 'env': %s}}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x'], 'user': {'uid': %s}}}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x'], 'user': {'additionalGids': [1, %s]}}}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x'], 'rlimits': [%s]}}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x'], 'rlimits': [{'type': 'RLIMIT_CPU', "
		"'soft': %s, "
		"'hard': 3}]}}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x'], 'capabilities': {'bounding': %s}}}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x'], 'consoleSize': {'height': %s, 'width': "
		"1}}}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x']}, 'mounts': [{'destination': '/a'}, %s]}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x']}, 'mounts': [{'destination': '/a', "
		"'options': "
		"['x', %s]}]}",
		"{'ociVersion': '1.0', 'process': {'args': ['/x']}, 'annotations': {'a': 'b', 'c': %s}}",
	};
	int ok = 0, failed = 0;
	for (size_t t = 0; t < ARRAY_LEN(templates); t++) {
		for (size_t v = 0; v < ARRAY_LEN(values); v++) {
			char *sq = NULL;
			ck_assert_int_ge(asprintf(&sq, templates[t], values[v]), 0);
			char *json = json_of(sq);
			struct spec s;
			struct error *err = NULL;
			if (spec_parse(json, strlen(json), &s, &err) == 0) {
				ck_assert_ptr_null(err);
				spec_free(&s);
				ok++;
			} else {
				ck_assert_ptr_nonnull(err);
				ck_assert_int_eq(err->kind, ERR_INVALID);
				ck_assert_msg(strncmp(err_message(err), "config.json: ", 13) == 0, "%s",
					      err_message(err));
				assert_zeroed_spec(&s);
				err_free(&err);
				failed++;
			}
			free(json);
			free(sq);
		}
	}
	ck_assert_int_gt(ok, 0);
	ck_assert_int_gt(failed, ok);
}
END_TEST

static Suite *spec_suite(void)
{
	Suite *s = suite_create("spec");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, minimal_document_gets_defaults);
	tcase_add_test(tc, full_document_is_parsed);
	tcase_add_test(tc, null_members_count_as_absent);
	tcase_add_test(tc, oci_version_is_checked);
	tcase_add_test(tc, process_is_required);
	tcase_add_test(tc, root_must_be_an_object);
	tcase_add_test(tc, invalid_json_reports_line_and_column);
	tcase_add_test(tc, an_error_after_the_profile_names_its_line);
	tcase_add_test(tc, duplicate_keys_are_rejected);
	tcase_add_test(tc, oversized_input_is_rejected);
	tcase_add_test(tc, wrong_types_everywhere_fail_cleanly);
	suite_add_tcase(s, tc);

	tc = tcase_create("process");
	tcase_add_test(tc, args_are_validated);
	tcase_add_test(tc, env_is_validated);
	tcase_add_test(tc, cwd_must_be_absolute);
	tcase_add_test(tc, booleans_are_validated);
	tcase_add_test(tc, console_size_is_validated);
	tcase_add_test(tc, user_ids_are_bounds_checked);
	tcase_add_test(tc, rlimits_are_validated);
	tcase_add_test(tc, rlimit_above_int64_fails_to_parse);
	tcase_add_test(tc, every_rlimit_name_maps);
	tcase_add_test(tc, capability_table_matches_kernel_header);
	tcase_add_test(tc, capabilities_are_validated);
	tcase_add_test(tc, oom_score_adj_is_bounded);
	tcase_add_test(tc, bare_process_is_parsed);
	tcase_add_test(tc, bare_process_errors_name_the_field);
	suite_add_tcase(s, tc);

	tc = tcase_create("mounts");
	tcase_add_test(tc, every_mount_option_maps_to_its_flag);
	tcase_add_test(tc, unknown_mount_options_become_data);
	tcase_add_test(tc, bind_comes_from_type_or_option);
	tcase_add_test(tc, mounts_are_validated);
	tcase_add_test(tc, recursive_mount_options_set_tree_attributes);
	tcase_add_test(tc, view_is_parsed);
	tcase_add_test(tc, view_is_validated);
	tcase_add_test(tc, many_mounts_are_all_kept);
	tcase_add_test(tc, hostname_and_annotations_are_validated);
	tcase_add_test(tc, annotations_outlive_the_document);
	tcase_add_test(tc, mount_option_names_are_listed);
	suite_add_tcase(s, tc);

	tc = tcase_create("linux");
	tcase_add_test(tc, seccomp_profile_is_parsed);
	tcase_add_test(tc, no_seccomp_means_none);
	tcase_add_test(tc, seccomp_errors_name_the_field);
	tcase_add_test(tc, seccomp_name_lists_cover_the_spec);
	tcase_add_test(tc, sysctls_and_labels_are_kept);
	tcase_add_test(tc, the_profile_is_kept_as_written_and_taken_out_of_the_parse);
	tcase_add_test(tc, a_long_document_reads_the_same_around_the_profile);
	tcase_add_test(tc, what_the_scan_does_not_expect_is_parsed_whole);
	tcase_add_test(tc, a_profile_is_checked_when_it_is_compiled);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	testlib_use_scratch(tc, TESTLIB_KEEP_UMASK);
	tcase_add_test(tc, load_reads_the_bundle);
	tcase_add_test(tc, load_names_a_missing_file);
	tcase_add_test(tc, load_refuses_what_is_not_a_small_regular_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(spec_suite());
}
