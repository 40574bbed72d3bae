/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/base/config.c: the file's syntax, the environment over the file, warnings,
 * each kind's validation and its message with file and line, the defaults, the filter helpers,
 * and the default file the installer writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "strv.h"
#include "testlib.h"

/* Each test starts with no setting in the environment and nothing loaded; conf is the path of
 * the test's own reaper.conf. */
static char *conf;

static void clear_environment(void)
{
	size_t n;
	const struct config_key *keys = config_keys(&n);
	for (size_t i = 0; i < n; i++)
		unsetenv(keys[i].name);
	unsetenv(CONFIG_PATH_VAR);
}

static void setup(void)
{
	clear_environment();
	config_reset();
	conf = testlib_path("reaper.conf");
}

static void teardown(void)
{
	config_reset();
	free(conf);
}

/* Write TEXT to the test's reaper.conf (0644) and load it through $REAPER_CONFIG; returns what
 * config_load returned, the error in *err. */
static int load_text(const char *text, struct error **err)
{
	testlib_write_file(conf, text);
	ck_assert_int_eq(chmod(conf, 0644), 0);
	setenv(CONFIG_PATH_VAR, conf, 1);
	config_reset();
	return config_load(err);
}

static void load_ok(const char *text)
{
	struct error *err = NULL;
	int rc = load_text(text, &err);
	ck_assert_msg(rc == 0, "load failed: %s", err_message(err));
	ck_assert_ptr_null(err);
}

/* The message config_load gives for TEXT must be "CONF:" followed by WANT. */
static void load_fails(const char *text, const char *want)
{
	struct error *err = NULL;
	ck_assert_int_lt(load_text(text, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	char *full = NULL;
	ck_assert_int_ge(asprintf(&full, "%s:%s", conf, want), 0);
	ck_assert_str_eq(err_message(err), full);
	free(full);
	err_free(&err);
}

static char *at_line(unsigned line)
{
	char *s = NULL;
	ck_assert_int_ge(asprintf(&s, "%s:%u", conf, line), 0);
	return s;
}

START_TEST(defaults_apply_without_a_file_or_environment)
{
	char *none = testlib_path("absent.conf");
	struct error *err = NULL;
	ck_assert_int_eq(config_load_file(none, &err), 0);
	ck_assert_ptr_null(config_file());
	ck_assert_ptr_null(config_warnings()[0]);
	size_t n;
	const struct config_key *keys = config_keys(&n);
	ck_assert_int_ge(n, 13);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(config_get(keys[i].name), keys[i].def);
		ck_assert_str_eq(config_source(keys[i].name), "default");
		ck_assert(!config_is_set(keys[i].name));
	}
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/run/reaper");
	ck_assert_str_eq(config_get("REAPER_OVERLAY_BASE"), "/run/reaper/overlay");
	ck_assert_str_eq(config_get("REAPER_FILTER_MODE"), "append");
	ck_assert_str_eq(config_get("REAPER_SYSCTLS"), "refuse");
	ck_assert(config_bool("REAPER_FILTER_ENABLED"));
	ck_assert_ptr_null(config_get("REAPER_NO_SUCH_KEY"));
	free(none);
}
END_TEST

START_TEST(a_getter_loads_the_settings_on_first_use)
{
	setenv("REAPER_ROOT", "/srv/reaper", 1);
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/srv/reaper");
	ck_assert_str_eq(config_source("REAPER_ROOT"), "environment");
}
END_TEST

START_TEST(file_values_apply_with_their_line)
{
	load_ok("# Reaper\n"
		"\n"
		"REAPER_ROOT=/srv/reaper\n"
		"   REAPER_LOG_LEVEL   =   debug   \n"
		"\t# indented comment\n"
		"REAPER_FILTER_ENABLED=no\r\n"
		"REAPER_SYSCTLS=ignore");
	ck_assert_str_eq(config_file(), conf);
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/srv/reaper");
	ck_assert_str_eq(config_get("REAPER_LOG_LEVEL"), "debug");
	ck_assert_str_eq(config_get("REAPER_SYSCTLS"), "ignore");
	ck_assert(!config_bool("REAPER_FILTER_ENABLED"));
	char *l3 = at_line(3), *l4 = at_line(4), *l6 = at_line(6), *l7 = at_line(7);
	ck_assert_str_eq(config_source("REAPER_ROOT"), l3);
	ck_assert_str_eq(config_source("REAPER_LOG_LEVEL"), l4);
	ck_assert_str_eq(config_source("REAPER_FILTER_ENABLED"), l6);
	ck_assert_str_eq(config_source("REAPER_SYSCTLS"), l7);
	ck_assert_str_eq(config_source("REAPER_OVERLAY_BASE"), "default");
	ck_assert(config_is_set("REAPER_ROOT"));
	ck_assert(!config_is_set("REAPER_OVERLAY_BASE"));
	free(l3), free(l4), free(l6), free(l7);
}
END_TEST

START_TEST(quotes_are_removed_and_keep_what_is_inside)
{
	load_ok("REAPER_FILTER_PATHS=\"/srv/a b:/srv/c#d\"  # a comment\n"
		"REAPER_FILTER_ALLOWLIST='/x # y'\n"
		"REAPER_SHIM_LOG=\"\"\n");
	ck_assert_str_eq(config_get("REAPER_FILTER_PATHS"), "/srv/a b:/srv/c#d");
	ck_assert_str_eq(config_get("REAPER_FILTER_ALLOWLIST"), "/x # y");
	ck_assert_str_eq(config_get("REAPER_SHIM_LOG"), "");
	/* Inside quotes the space stays (and " /sp" is no absolute path: see the kinds' test). */
	load_ok("REAPER_ROOT='/with space'\n");
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/with space");
}
END_TEST

START_TEST(a_hash_after_whitespace_starts_a_comment_in_an_unquoted_value)
{
	load_ok("REAPER_FILTER_PATHS=/srv/a#b:/srv/c  # hide these\n"
		"REAPER_FILTER_MODE=replace\t# tab before it\n");
	ck_assert_str_eq(config_get("REAPER_FILTER_PATHS"), "/srv/a#b:/srv/c");
	ck_assert_str_eq(config_get("REAPER_FILTER_MODE"), "replace");
}
END_TEST

START_TEST(the_environment_overrides_the_file_key_by_key)
{
	setenv("REAPER_ROOT", "/env/root", 1);
	setenv("REAPER_FILTER_PATHS", "/env/secret", 1);
	load_ok("REAPER_ROOT=/file/root\nREAPER_OVERLAY_BASE=/file/overlay\nREAPER_FILTER_PATHS=/file/"
		"secret\n");
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/env/root");
	ck_assert_str_eq(config_source("REAPER_ROOT"), "environment");
	ck_assert_str_eq(config_get("REAPER_FILTER_PATHS"), "/env/secret");
	ck_assert_str_eq(config_get("REAPER_OVERLAY_BASE"), "/file/overlay");
	char *l2 = at_line(2);
	ck_assert_str_eq(config_source("REAPER_OVERLAY_BASE"), l2);
	free(l2);
}
END_TEST

START_TEST(an_empty_value_counts_as_unset_where_a_value_is_needed)
{
	/* The file's empty REAPER_ROOT means the default; the environment's empty one is ignored. */
	setenv("REAPER_OVERLAY_BASE", "", 1);
	setenv("REAPER_FILTER_PATHS", "", 1);
	load_ok("REAPER_ROOT=\nREAPER_OVERLAY_BASE=/file/overlay\nREAPER_FILTER_PATHS=/file/secret\n"
		"REAPER_HIDDEN_SOCKETS=\nREAPER_FILTER_ENABLED=\"\"\n");
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/run/reaper");
	ck_assert_str_eq(config_source("REAPER_ROOT"), "default");
	ck_assert_str_eq(config_get("REAPER_OVERLAY_BASE"), "/file/overlay");
	ck_assert(config_bool("REAPER_FILTER_ENABLED"));
	/* Lists and log files take empty as a value: none. */
	ck_assert_str_eq(config_get("REAPER_FILTER_PATHS"), "");
	ck_assert_str_eq(config_source("REAPER_FILTER_PATHS"), "environment");
	ck_assert_str_eq(config_get("REAPER_HIDDEN_SOCKETS"), "");
	char **none = config_list("REAPER_HIDDEN_SOCKETS");
	ck_assert_ptr_null(none[0]);
	strv_free(none);
}
END_TEST

START_TEST(an_unknown_key_is_a_warning_naming_the_file_and_line)
{
	load_ok("REAPER_ROOT=/srv/reaper\nREAPER_NO_SUCH_SETTING=1\n");
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "%s:2: unknown setting REAPER_NO_SUCH_SETTING (ignored)", conf), 0);
	ck_assert_str_eq(config_warnings()[0], want);
	ck_assert_ptr_null(config_warnings()[1]);
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/srv/reaper");
	free(want);
	/* An unknown variable in the environment is no one's business. */
	setenv("REAPER_SOMETHING", "x", 1);
	load_ok("");
	ck_assert_ptr_null(config_warnings()[0]);
	unsetenv("REAPER_SOMETHING");
}
END_TEST

START_TEST(a_key_set_twice_warns_and_the_last_line_wins)
{
	load_ok("REAPER_FILTER_MODE=append\nREAPER_FILTER_MODE=replace\n");
	ck_assert_str_eq(config_get("REAPER_FILTER_MODE"), "replace");
	char *want = NULL;
	ck_assert_int_ge(
		asprintf(&want, "%s:2: REAPER_FILTER_MODE is set again (line 1 is overridden)", conf), 0);
	ck_assert_str_eq(config_warnings()[0], want);
	free(want);
}
END_TEST

START_TEST(each_kind_refuses_a_bad_value_naming_the_file_line_and_key)
{
	load_fails("# comment\n\nREAPER_FILTER_MODE=merge\n",
		   "3: REAPER_FILTER_MODE: must be append or replace, not \"merge\"");
	load_fails("REAPER_FILTER_ENABLED=maybe",
		   "1: REAPER_FILTER_ENABLED: must be true or false (or yes/no, "
		   "1/0), not \"maybe\"");
	load_fails("REAPER_FILTER_ENABLED=True",
		   "1: REAPER_FILTER_ENABLED: must be true or false (or yes/no, 1/0), not \"True\"");
	load_fails("REAPER_LOG_LEVEL=loud", "1: REAPER_LOG_LEVEL: must be error, warning, info or debug, not "
					    "\"loud\"");
	load_fails("REAPER_ROOT=run/reaper",
		   "1: REAPER_ROOT: must be an absolute path: \"run/reaper\" is not an absolute path");
	load_fails("REAPER_ROOT=/run/../etc",
		   "1: REAPER_ROOT: must be an absolute path: \"/run/../etc\" goes up with \"..\"");
	load_fails("REAPER_ROOT=\" /sp\"",
		   "1: REAPER_ROOT: must be an absolute path: \" /sp\" is not an absolute path");
	load_fails("REAPER_SHIM_LOG=shim.log", "1: REAPER_SHIM_LOG: must be an absolute path or empty: "
					       "\"shim.log\" is not an absolute path");
	load_fails("REAPER_FILTER_PATHS=/etc/a::etc/b", "1: REAPER_FILTER_PATHS: must be absolute paths or "
							"globs separated by colons: \"etc/b\" is not "
							"an absolute path");
	load_fails("REAPER_HIDDEN_SOCKETS=/run/x:/run/y/..",
		   "1: REAPER_HIDDEN_SOCKETS: must be absolute paths or globs separated by colons: "
		   "\"/run/y/..\" "
		   "goes up with \"..\"");
	load_fails("REAPER_OVERLAY_BASE=/run/a,b",
		   "1: REAPER_OVERLAY_BASE: must not contain , : \\ or a space "
		   "(overlayfs options cannot carry them)");
	load_fails("REAPER_ROOT=\"/run/\x01x\"",
		   "1: REAPER_ROOT: must not hold control characters: \"/run/\\x01x\"");
}
END_TEST

START_TEST(each_kind_takes_its_good_values)
{
	static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
	for (size_t i = 0; i < 3; i++) {
		setenv("REAPER_FILTER_ENABLED", yes[i], 1);
		load_ok("");
		ck_assert(config_bool("REAPER_FILTER_ENABLED"));
		setenv("REAPER_FILTER_ENABLED", no[i], 1);
		load_ok("");
		ck_assert(!config_bool("REAPER_FILTER_ENABLED"));
	}
	load_ok("REAPER_LOG_LEVEL=warning\nREAPER_LOG_FORMAT=json\nREAPER_MONITOR_LOG=/var/log/m.log\n"
		"REAPER_FILTER_PATHS=/srv/*/secret:/home/*/.ssh/id_*\nREAPER_ROOT=/run/..hidden/x\n");
	ck_assert_str_eq(config_get("REAPER_LOG_LEVEL"), "warning");
	ck_assert_str_eq(config_get("REAPER_MONITOR_LOG"), "/var/log/m.log");
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/run/..hidden/x");
}
END_TEST

START_TEST(malformed_lines_are_errors_naming_the_line)
{
	load_fails("REAPER_ROOT=/a\nJUST SOME TEXT\n",
		   "2: expected KEY=VALUE (KEY of letters, digits and _), not \"JUST SOME TEXT\"");
	load_fails("1REAPER=x\n", "1: expected KEY=VALUE (KEY of letters, digits and _), not \"1REAPER=x\"");
	load_fails("=x\n", "1: expected KEY=VALUE (KEY of letters, digits and _), not \"=x\"");
	load_fails("REAPER_ROOT=\"/x\n", "1: REAPER_ROOT: the double quote is not closed");
	load_fails("REAPER_ROOT='/x\n", "1: REAPER_ROOT: the single quote is not closed");
	load_fails("REAPER_ROOT=\"/x\" /y\n", "1: REAPER_ROOT: text after the closing quote: \"/y\"");
	load_ok(""); /* the empty file is fine */
}
END_TEST

START_TEST(a_bad_line_leaves_the_other_lines_in_effect)
{
	load_fails("REAPER_FILTER_MODE=merge\nREAPER_ROOT=/srv/reaper\nREAPER_SYSCTLS=allow\n",
		   "1: REAPER_FILTER_MODE: must be append or replace, not \"merge\"");
	ck_assert_str_eq(config_get("REAPER_FILTER_MODE"), "append");
	ck_assert_str_eq(config_source("REAPER_FILTER_MODE"), "default");
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/srv/reaper");
	ck_assert_str_eq(config_get("REAPER_SYSCTLS"), "refuse");
}
END_TEST

START_TEST(a_bad_environment_value_is_an_error_naming_the_environment)
{
	setenv("REAPER_SYSCTLS", "allow", 1);
	struct error *err = NULL;
	ck_assert_int_lt(load_text("REAPER_SYSCTLS=ignore\n", &err), 0);
	ck_assert_str_eq(err_message(err),
			 "environment: REAPER_SYSCTLS: must be refuse or ignore, not \"allow\"");
	err_free(&err);
	/* The file's value stays in effect. */
	ck_assert_str_eq(config_get("REAPER_SYSCTLS"), "ignore");
	/* The file's error comes first. */
	ck_assert_int_lt(load_text("REAPER_ROOT=x\n", &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), ":1: REAPER_ROOT: "));
	err_free(&err);
}
END_TEST

START_TEST(every_load_of_a_process_returns_the_same_first_error)
{
	struct error *err = NULL;
	ck_assert_int_lt(load_text("REAPER_FILTER_MODE=merge\n", &err), 0);
	char *first = strdup(err_message(err));
	err_free(&err);
	/* Loaded once: a fixed file does not change what this process has. */
	testlib_write_file(conf, "REAPER_FILTER_MODE=replace\n");
	ck_assert_int_lt(config_load(&err), 0);
	ck_assert_str_eq(err_message(err), first);
	err_free(&err);
	ck_assert_int_lt(config_load(NULL), 0);
	free(first);
}
END_TEST

START_TEST(reaper_config_must_name_a_file_that_exists)
{
	char *none = testlib_path("none.conf");
	setenv(CONFIG_PATH_VAR, none, 1);
	struct error *err = NULL;
	ck_assert_int_lt(config_load(&err), 0);
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want, "REAPER_CONFIG: %s: No such file or directory", none), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	/* Every setting still answers. */
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/run/reaper");
	/* Without REAPER_CONFIG a missing file is no error: the default file is optional. */
	ck_assert_int_eq(config_load_file(none, &err), 0);
	free(want);
	free(none);
}
END_TEST

START_TEST(a_file_others_can_write_or_not_a_regular_file_is_refused)
{
	testlib_write_file(conf, "REAPER_ROOT=/srv/reaper\n");
	ck_assert_int_eq(chmod(conf, 0666), 0);
	struct error *err = NULL;
	ck_assert_int_lt(config_load_file(conf, &err), 0);
	char *want = NULL;
	ck_assert_int_ge(
		asprintf(&want, "%s: refused: writable by group or others (mode 0666; chmod go-w)", conf), 0);
	ck_assert_str_eq(err_message(err), want);
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/run/reaper");
	err_free(&err);
	free(want);
	const char *dir = testlib_test_dir();
	ck_assert_int_lt(config_load_file(dir, &err), 0);
	ck_assert_int_ge(asprintf(&want, "%s: not a regular file", dir), 0);
	ck_assert_str_eq(err_message(err), want);
	err_free(&err);
	free(want);
}
END_TEST

START_TEST(a_nul_byte_or_a_huge_file_is_an_error)
{
	testlib_write_file(conf, "");
	FILE *f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fwrite("REAPER_ROOT=/a\nX\0Y=1\n", 1, 21, f);
	fclose(f);
	struct error *err = NULL;
	ck_assert_int_lt(config_load_file(conf, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), ":2: a NUL byte (is this a text file?)"));
	err_free(&err);
	ck_assert_int_eq(truncate(conf, 70000), 0);
	ck_assert_int_lt(config_load_file(conf, &err), 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), ": larger than 64 KiB"));
	err_free(&err);
}
END_TEST

START_TEST(lists_split_on_colons_without_empty_elements)
{
	load_ok("REAPER_FILTER_ALLOWLIST=:/a::/b/*:/a:\n");
	char **l = config_list("REAPER_FILTER_ALLOWLIST");
	ck_assert_int_eq(strv_len(l), 2);
	ck_assert_str_eq(l[0], "/a");
	ck_assert_str_eq(l[1], "/b/*");
	strv_free(l);
	l = config_list("REAPER_HIDDEN_SOCKETS");
	ck_assert_int_ge(strv_len(l), 5);
	ck_assert_str_eq(l[0], "/run/containerd");
	strv_free(l);
}
END_TEST

static bool has(char **v, const char *s)
{
	for (; v != NULL && *v != NULL; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

START_TEST(filter_paths_append_to_or_replace_the_builtin_list)
{
	load_ok("REAPER_FILTER_PATHS=/srv/secret:/etc/shadow\n");
	char **p = config_filter_paths();
	ck_assert(has(p, "/etc/shadow") && has(p, "/etc/gshadow") && has(p, "/root/.ssh"));
	ck_assert(has(p, "/etc/ssh/ssh_host_*_key") && has(p, "/etc/sudoers.d"));
	ck_assert(has(p, "/srv/secret"));
	/* The builtin's /etc/shadow is not there twice. */
	size_t shadows = 0;
	for (char **s = p; *s != NULL; s++)
		shadows += strcmp(*s, "/etc/shadow") == 0;
	ck_assert_int_eq(shadows, 1);
	/* What ordinary workloads need stays visible. */
	ck_assert(!has(p, "/etc/passwd") && !has(p, "/etc/group") && !has(p, "/etc/ssl/certs"));
	strv_free(p);

	load_ok("REAPER_FILTER_MODE=replace\nREAPER_FILTER_PATHS=/srv/secret\n");
	p = config_filter_paths();
	ck_assert_int_eq(strv_len(p), 1);
	ck_assert_str_eq(p[0], "/srv/secret");
	strv_free(p);

	load_ok("REAPER_FILTER_ENABLED=false\nREAPER_FILTER_PATHS=/srv/secret\n");
	p = config_filter_paths();
	ck_assert_int_eq(strv_len(p), 0);
	strv_free(p);
	ck_assert_ptr_nonnull(strstr(config_filter_builtin(), "/etc/shadow:"));
}
END_TEST

START_TEST(the_allowlist_matches_globs_and_the_directories_above)
{
	load_ok("REAPER_FILTER_ALLOWLIST=/etc/ssh/ssh_host_ed25519_key:/root/.ssh/:/etc/kubernetes/*.conf\n");
	ck_assert(config_filter_allowed("/etc/ssh/ssh_host_ed25519_key"));
	ck_assert(!config_filter_allowed("/etc/ssh/ssh_host_rsa_key"));
	ck_assert(config_filter_allowed("/root/.ssh"));
	ck_assert(config_filter_allowed("/root/.ssh/authorized_keys"));
	ck_assert(!config_filter_allowed("/root/.sshx"));
	ck_assert(config_filter_allowed("/etc/kubernetes/kubelet.conf"));
	ck_assert(!config_filter_allowed("/etc/kubernetes/pki/x.conf.d"));
	ck_assert(!config_filter_allowed("/etc/shadow"));
	load_ok("");
	ck_assert(!config_filter_allowed("/etc/shadow"));
}
END_TEST

START_TEST(the_default_file_has_every_key_commented_out_with_its_default)
{
	char *text = config_default_text();
	ck_assert_ptr_nonnull(text);
	char **warnings = NULL;
	struct error *err = NULL;
	ck_assert_int_eq(config_check_text("default", text, strlen(text), &warnings, &err), 0);
	ck_assert_ptr_null(warnings[0]);
	strv_free(warnings);
	size_t n;
	const struct config_key *keys = config_keys(&n);
	for (size_t i = 0; i < n; i++) {
		char *line = NULL;
		ck_assert_int_ge(asprintf(&line, "\n#%s=%s\n", keys[i].name, keys[i].def), 0);
		ck_assert_msg(strstr(text, line) != NULL, "no line %s", line);
		free(line);
		/* Each uncommented line is a good one. */
		ck_assert_int_ge(asprintf(&line, "%s=%s\n", keys[i].name, keys[i].def), 0);
		ck_assert_int_eq(config_check_text("line", line, strlen(line), NULL, &err), 0);
		free(line);
	}
	/* Only comments and blank lines: loading it changes nothing. */
	load_ok(text);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(config_source(keys[i].name), "default");
	ck_assert_ptr_nonnull(strstr(text, "/etc/shadow"));
	free(text);
}
END_TEST

START_TEST(check_text_reports_and_changes_nothing)
{
	load_ok("REAPER_ROOT=/srv/reaper\n");
	char **warnings = NULL;
	struct error *err = NULL;
	const char *text = "REAPER_ROOT=/other\nREAPER_NEW=1\nREAPER_SYSCTLS=allow\n";
	ck_assert_int_lt(config_check_text("values.conf", text, strlen(text), &warnings, &err), 0);
	ck_assert_str_eq(err_message(err),
			 "values.conf:3: REAPER_SYSCTLS: must be refuse or ignore, not \"allow\"");
	ck_assert_str_eq(warnings[0], "values.conf:2: unknown setting REAPER_NEW (ignored)");
	err_free(&err);
	strv_free(warnings);
	ck_assert_str_eq(config_get("REAPER_ROOT"), "/srv/reaper");
	ck_assert_int_eq(config_load(&err), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	testlib_use_scratch(tc, TESTLIB_UMASK_022);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_apply_without_a_file_or_environment);
	tcase_add_test(tc, a_getter_loads_the_settings_on_first_use);
	tcase_add_test(tc, file_values_apply_with_their_line);
	tcase_add_test(tc, quotes_are_removed_and_keep_what_is_inside);
	tcase_add_test(tc, a_hash_after_whitespace_starts_a_comment_in_an_unquoted_value);
	tcase_add_test(tc, the_environment_overrides_the_file_key_by_key);
	tcase_add_test(tc, an_empty_value_counts_as_unset_where_a_value_is_needed);
	tcase_add_test(tc, an_unknown_key_is_a_warning_naming_the_file_and_line);
	tcase_add_test(tc, a_key_set_twice_warns_and_the_last_line_wins);
	tcase_add_test(tc, each_kind_refuses_a_bad_value_naming_the_file_line_and_key);
	tcase_add_test(tc, each_kind_takes_its_good_values);
	tcase_add_test(tc, malformed_lines_are_errors_naming_the_line);
	tcase_add_test(tc, a_bad_line_leaves_the_other_lines_in_effect);
	tcase_add_test(tc, a_bad_environment_value_is_an_error_naming_the_environment);
	tcase_add_test(tc, every_load_of_a_process_returns_the_same_first_error);
	tcase_add_test(tc, reaper_config_must_name_a_file_that_exists);
	tcase_add_test(tc, a_file_others_can_write_or_not_a_regular_file_is_refused);
	tcase_add_test(tc, a_nul_byte_or_a_huge_file_is_an_error);
	tcase_add_test(tc, lists_split_on_colons_without_empty_elements);
	tcase_add_test(tc, filter_paths_append_to_or_replace_the_builtin_list);
	tcase_add_test(tc, the_allowlist_matches_globs_and_the_directories_above);
	tcase_add_test(tc, the_default_file_has_every_key_commented_out_with_its_default);
	tcase_add_test(tc, check_text_reports_and_changes_nothing);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
