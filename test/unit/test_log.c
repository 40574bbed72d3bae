/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/log.c: silent by default, files, levels, the text and JSON line formats,
 * escaping, and configuration from the node settings (config.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "testlib.h"

/* Each test logs to a file "log" in its own directory, with the environment cleared of settings. */
static char *path;

/* Load the settings afresh from the environment alone (no file). */
static void load_settings(void)
{
	char *none = testlib_path("absent.conf");
	config_reset();
	ck_assert_int_eq(config_load_file(none, NULL), 0);
	free(none);
}

static void setup(void)
{
	path = testlib_path("log");
	unsetenv("REAPER_CONFIG");
	unsetenv("REAPER_RUNTIME_LOG");
	unsetenv("REAPER_LOG_LEVEL");
	unsetenv("REAPER_LOG_FORMAT");
	load_settings(); /* not this machine's /etc/reaper/reaper.conf */
}

static void teardown(void)
{
	log_close();
	free(path);
}

/* The lines of the log file, NULL-terminated (caller frees with free_lines). */
static char **read_lines(size_t *n_out)
{
	char *text = testlib_read_file(path);
	ck_assert_ptr_nonnull(text);
	size_t n = 0;
	char **lines = calloc(1, sizeof(char *));
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lines = realloc(lines, (n + 2) * sizeof(char *));
		lines[n++] = strdup(line);
		lines[n] = NULL;
	}
	free(text);
	*n_out = n;
	return lines;
}

static void free_lines(char **lines)
{
	for (char **l = lines; *l; l++)
		free(*l);
	free(lines);
}

static json_t *parse_json_line(const char *line)
{
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr);
	ck_assert_msg(o != NULL, "not a JSON line: %s (%s)", line, jerr.text);
	ck_assert(json_is_object(o));
	/* Exactly the three keys runc's logrus JSON lines carry. */
	ck_assert_int_eq(json_object_size(o), 3);
	ck_assert(json_is_string(json_object_get(o, "level")));
	ck_assert(json_is_string(json_object_get(o, "msg")));
	ck_assert(json_is_string(json_object_get(o, "time")));
	return o;
}

static void assert_rfc3339_utc(const char *when)
{
	regex_t re;
	ck_assert_int_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	ck_assert_msg(regexec(&re, when, 0, NULL, 0) == 0, "bad time '%s'", when);
	regfree(&re);
}

START_TEST(silent_by_default)
{
	/* Point stdout and stderr at files: an unconfigured logger writes to neither. */
	char *out_path = testlib_path("stdout"), *err_path = testlib_path("stderr");
	int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int errf = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(out, 0);
	ck_assert_int_ge(errf, 0);
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(1), saved_err = dup(2);
	dup2(out, 1);
	dup2(errf, 2);
	ck_assert_int_eq(log_fd(), -1);
	log_error("an error %d", 1);
	log_warn("a warning");
	log_info("some info");
	log_debug("debugging");
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	close(out);
	close(errf);
	struct stat st;
	ck_assert_int_eq(stat(out_path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(stat(err_path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	/* And no file of its own appeared either. */
	ck_assert_int_eq(log_fd(), -1);
	free(out_path);
	free(err_path);
}
END_TEST

START_TEST(log_open_creates_0600_and_appends)
{
	mode_t old = umask(0);
	testlib_write_file(path, "");
	ck_assert_int_eq(unlink(path), 0);
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_TEXT, LOG_LEVEL_INFO, &err), 0);
	umask(old);
	ck_assert_ptr_null(err);
	ck_assert_int_ge(log_fd(), 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	log_info("first");
	log_close();
	ck_assert_int_eq(log_fd(), -1);
	log_info("dropped after close");

	ck_assert_int_eq(log_open(path, LOG_FORMAT_TEXT, LOG_LEVEL_INFO, &err), 0);
	log_info("second");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(lines[0], "msg=\"first\""));
	ck_assert_ptr_nonnull(strstr(lines[1], "msg=\"second\""));
	free_lines(lines);
}
END_TEST

START_TEST(log_open_of_a_missing_directory_fails)
{
	struct error *err = NULL;
	char *bad = testlib_path("no/such/dir/log");
	ck_assert_int_lt(log_open(bad, LOG_FORMAT_TEXT, LOG_LEVEL_INFO, &err), 0);
	ck_assert_int_eq(err->kind, ERR_SYSTEM);
	ck_assert_int_eq(err->errnum, ENOENT);
	ck_assert_ptr_nonnull(strstr(err_message(err), bad));
	ck_assert_int_eq(log_fd(), -1);
	err_free(&err);
	free(bad);
}
END_TEST

START_TEST(levels_filter)
{
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_JSON, LOG_LEVEL_WARN, &err), 0);
	log_debug("d1");
	log_info("i1");
	log_warn("w1");
	log_error("e1");
	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("d2");
	log_set_level(LOG_LEVEL_ERROR);
	log_warn("w2");
	log_error("e2");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	static const char *const want[][2] = {
		{"warning", "w1"}, {"error", "e1"}, {"debug", "d2"}, {"error", "e2"}};
	ck_assert_int_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		json_t *o = parse_json_line(lines[i]);
		ck_assert_str_eq(json_string_value(json_object_get(o, "level")), want[i][0]);
		ck_assert_str_eq(json_string_value(json_object_get(o, "msg")), want[i][1]);
		json_decref(o);
	}
	free_lines(lines);
}
END_TEST

START_TEST(text_format_is_logrus_like)
{
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_TEXT, LOG_LEVEL_DEBUG, &err), 0);
	log_info("container %s started with pid %d", "c1", 42);
	log_debug("d");
	log_warn("w");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 3);
	regex_t re;
	ck_assert_int_eq(
		regcomp(&re,
			"^time=\"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z)\" "
			"level=([a-z]+) msg=\"(.*)\"$",
			REG_EXTENDED),
		0);
	static const char *const want[][2] = {
		{"info", "container c1 started with pid 42"}, {"debug", "d"}, {"warning", "w"}};
	for (size_t i = 0; i < n; i++) {
		regmatch_t m[4];
		ck_assert_msg(regexec(&re, lines[i], 4, m, 0) == 0, "bad text line '%s'", lines[i]);
		ck_assert_int_eq(m[2].rm_eo - m[2].rm_so, strlen(want[i][0]));
		ck_assert_int_eq(strncmp(lines[i] + m[2].rm_so, want[i][0], strlen(want[i][0])), 0);
		ck_assert_int_eq(m[3].rm_eo - m[3].rm_so, strlen(want[i][1]));
		ck_assert_int_eq(strncmp(lines[i] + m[3].rm_so, want[i][1], strlen(want[i][1])), 0);
	}
	regfree(&re);
	free_lines(lines);
}
END_TEST

START_TEST(json_lines_carry_level_msg_time)
{
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_JSON, LOG_LEVEL_DEBUG, &err), 0);
	log_error("boom %d", 7);
	log_info("fine");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 2);
	json_t *o = parse_json_line(lines[0]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "level")), "error");
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")), "boom 7");
	assert_rfc3339_utc(json_string_value(json_object_get(o, "time")));
	json_decref(o);
	o = parse_json_line(lines[1]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "level")), "info");
	json_decref(o);
	free_lines(lines);
}
END_TEST

/* Every byte from 1 to 0x7f, quotes, backslashes, newlines and controls included. */
static char *awkward_message(void)
{
	char *msg = malloc(128);
	for (int i = 1; i < 128; i++)
		msg[i - 1] = (char)i;
	msg[127] = '\0';
	return msg;
}

START_TEST(json_escapes_quotes_newlines_and_controls)
{
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_JSON, LOG_LEVEL_INFO, &err), 0);
	char *msg = awkward_message();
	log_info("%s", msg);
	log_info("say \"hi\"\nthen\\leave\t\x01");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 2); /* the newlines in messages did not split lines */
	json_t *o = parse_json_line(lines[0]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")), msg);
	json_decref(o);
	o = parse_json_line(lines[1]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")), "say \"hi\"\nthen\\leave\t\x01");
	json_decref(o);
	free_lines(lines);
	free(msg);
}
END_TEST

START_TEST(text_escapes_quotes_newlines_and_controls)
{
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_TEXT, LOG_LEVEL_INFO, &err), 0);
	log_info("say \"hi\"\nthen\\leave\x01");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 1);
	const char *msg = strstr(lines[0], " msg=");
	ck_assert_ptr_nonnull(msg);
	ck_assert_str_eq(msg, " msg=\"say \\\"hi\\\"\\nthen\\\\leave\\u0001\"");
	free_lines(lines);
}
END_TEST

START_TEST(long_messages_stay_one_valid_line)
{
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_JSON, LOG_LEVEL_INFO, &err), 0);
	/* Longer than any internal buffer, and every byte needs escaping. */
	size_t len = 64 * 1024;
	char *big = malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		big[i] = i % 2 ? '"' : '\x02';
	big[len] = '\0';
	log_info("%s", big);
	log_info("after");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 2);
	json_t *o = parse_json_line(lines[0]);
	const char *got = json_string_value(json_object_get(o, "msg"));
	ck_assert_uint_gt(strlen(got), 100);
	ck_assert_int_eq(strncmp(got, big, strlen(got)), 0); /* a prefix, cut between characters */
	json_decref(o);
	o = parse_json_line(lines[1]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")), "after");
	json_decref(o);
	free_lines(lines);
	free(big);
}
END_TEST

START_TEST(json_stays_valid_utf8)
{
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_JSON, LOG_LEVEL_INFO, &err), 0);
	/* Valid UTF-8 passes through unchanged. */
	log_info("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Bytes that are not UTF-8 (stray, overlong, a surrogate, a lead without its tail) must not
	 * make the line invalid JSON: each becomes U+FFFD. */
	log_info("open /tmp/\xff\xc0\xaf|\xed\xa0\x80: bad \xc3(");
	/* A message long enough to be cut, made of 2-byte characters: never cut inside one. */
	size_t len = 8 * 1024;
	char *big = malloc(len + 2);
	for (size_t i = 0; i + 1 < len; i += 2) {
		big[i] = '\xc3';
		big[i + 1] = '\xa9';
	}
	big[len] = '\0';
	log_info("%s", big); /* an internal byte budget of odd size would cut inside a character */
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 3);
	json_t *o = parse_json_line(lines[0]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")),
			 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	json_decref(o);
	o = parse_json_line(lines[1]);
	const char *msg = json_string_value(json_object_get(o, "msg"));
#define FFFD "\xef\xbf\xbd"
	ck_assert_str_eq(msg, "open /tmp/" FFFD FFFD FFFD "|" FFFD FFFD FFFD ": bad " FFFD "(");
#undef FFFD
	json_decref(o);
	o = parse_json_line(lines[2]);
	msg = json_string_value(json_object_get(o, "msg"));
	ck_assert_uint_gt(strlen(msg), 100);
	ck_assert_int_eq(strncmp(msg, big, strlen(msg)), 0);
	json_decref(o);
	free_lines(lines);
	free(big);
}
END_TEST

START_TEST(log_use_fd_does_not_own_the_fd)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	log_use_fd(fd, LOG_FORMAT_TEXT, LOG_LEVEL_INFO);
	ck_assert_int_eq(log_fd(), fd);
	log_info("via fd");
	log_close();
	/* Still open: the caller owns it. */
	ck_assert_int_eq(fcntl(fd, F_GETFD), 0);
	ck_assert_int_eq(write(fd, "mine\n", 5), 5);
	close(fd);
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(lines[0], "msg=\"via fd\""));
	ck_assert_str_eq(lines[1], "mine");
	free_lines(lines);
}
END_TEST

START_TEST(logging_keeps_errno)
{
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_TEXT, LOG_LEVEL_INFO, &err), 0);
	errno = EXDEV;
	log_info("x");
	ck_assert_int_eq(errno, EXDEV);
	log_close();
}
END_TEST

START_TEST(parse_level_and_format)
{
	enum log_level level = LOG_LEVEL_ERROR;
	ck_assert_int_eq(log_parse_level("debug", &level), 0);
	ck_assert_int_eq(level, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(log_parse_level("info", &level), 0);
	ck_assert_int_eq(level, LOG_LEVEL_INFO);
	ck_assert_int_eq(log_parse_level("warning", &level), 0);
	ck_assert_int_eq(level, LOG_LEVEL_WARN);
	ck_assert_int_eq(log_parse_level("error", &level), 0);
	ck_assert_int_eq(level, LOG_LEVEL_ERROR);
	ck_assert_int_eq(log_parse_level("warn", &level), 0);
	ck_assert_int_eq(level, LOG_LEVEL_WARN);
	level = LOG_LEVEL_INFO;
	ck_assert_int_eq(log_parse_level("verbose", &level), -1);
	ck_assert_int_eq(log_parse_level("", &level), -1);
	ck_assert_int_eq(log_parse_level("DEBUGX", &level), -1);
	ck_assert_int_eq(level, LOG_LEVEL_INFO);

	enum log_format format = LOG_FORMAT_TEXT;
	ck_assert_int_eq(log_parse_format("json", &format), 0);
	ck_assert_int_eq(format, LOG_FORMAT_JSON);
	ck_assert_int_eq(log_parse_format("text", &format), 0);
	ck_assert_int_eq(format, LOG_FORMAT_TEXT);
	ck_assert_int_eq(log_parse_format("xml", &format), -1);
	ck_assert_int_eq(log_parse_format("", &format), -1);
}
END_TEST

START_TEST(from_config_unset_stays_silent)
{
	struct error *err = NULL;
	load_settings();
	ck_assert_int_eq(log_open_from_config("REAPER_RUNTIME_LOG", &err), 0);
	ck_assert_int_eq(log_fd(), -1);
	setenv("REAPER_RUNTIME_LOG", "", 1);
	load_settings();
	ck_assert_int_eq(log_open_from_config("REAPER_RUNTIME_LOG", &err), 0);
	ck_assert_int_eq(log_fd(), -1);
	ck_assert_ptr_null(err);
}
END_TEST

START_TEST(from_config_defaults_to_text_at_info)
{
	struct error *err = NULL;
	setenv("REAPER_RUNTIME_LOG", path, 1);
	load_settings();
	ck_assert_int_eq(log_open_from_config("REAPER_RUNTIME_LOG", &err), 0);
	log_debug("hidden");
	log_info("shown");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(lines[0], "level=info msg=\"shown\""));
	free_lines(lines);
}
END_TEST

START_TEST(from_config_level_and_format)
{
	struct error *err = NULL;
	setenv("REAPER_RUNTIME_LOG", path, 1);
	setenv("REAPER_LOG_LEVEL", "debug", 1);
	setenv("REAPER_LOG_FORMAT", "json", 1);
	load_settings();
	ck_assert_int_eq(log_open_from_config("REAPER_RUNTIME_LOG", &err), 0);
	log_debug("deep");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 1);
	json_t *o = parse_json_line(lines[0]);
	ck_assert_str_eq(json_string_value(json_object_get(o, "level")), "debug");
	ck_assert_str_eq(json_string_value(json_object_get(o, "msg")), "deep");
	json_decref(o);
	free_lines(lines);

	setenv("REAPER_LOG_LEVEL", "error", 1);
	setenv("REAPER_LOG_FORMAT", "text", 1);
	load_settings();
	ck_assert_int_eq(log_open_from_config("REAPER_RUNTIME_LOG", &err), 0);
	log_warn("filtered");
	log_error("kept");
	log_close();
	lines = read_lines(&n);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(lines[1], "level=error msg=\"kept\""));
	free_lines(lines);
}
END_TEST

START_TEST(a_bad_level_keeps_the_default_and_the_load_reports_it)
{
	struct error *err = NULL;
	setenv("REAPER_RUNTIME_LOG", path, 1);
	setenv("REAPER_LOG_LEVEL", "loud", 1);
	config_reset();
	ck_assert_int_lt(config_load(&err), 0);
	ck_assert_str_eq(
		err_message(err),
		"environment: REAPER_LOG_LEVEL: must be error, warning, info or debug, not \"loud\"");
	err_free(&err);
	ck_assert_int_eq(log_open_from_config("REAPER_RUNTIME_LOG", &err), 0);
	log_debug("hidden");
	log_info("shown");
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(lines[0], "msg=\"shown\""));
	free_lines(lines);
}
END_TEST

START_TEST(the_first_log_gets_the_configuration_warnings)
{
	char *conf = testlib_path("reaper.conf");
	testlib_write_file(conf, "REAPER_FOO=1\n");
	ck_assert_int_eq(chmod(conf, 0644), 0);
	config_reset();
	ck_assert_int_eq(config_load_file(conf, NULL), 0);
	struct error *err = NULL;
	ck_assert_int_eq(log_open(path, LOG_FORMAT_TEXT, LOG_LEVEL_INFO, &err), 0);
	log_close();
	ck_assert_int_eq(log_open(path, LOG_FORMAT_TEXT, LOG_LEVEL_INFO, &err), 0);
	log_close();
	size_t n;
	char **lines = read_lines(&n);
	ck_assert_int_eq(n, 1);
	char *want = NULL;
	ck_assert_int_ge(asprintf(&want,
				  "level=warning msg=\"node configuration: %s:1: unknown setting REAPER_FOO "
				  "(ignored)\"",
				  conf),
			 0);
	ck_assert_msg(strstr(lines[0], want) != NULL, "%s", lines[0]);
	free(want);
	free_lines(lines);
	free(conf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	testlib_use_scratch(tc, TESTLIB_KEEP_UMASK);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, silent_by_default);
	tcase_add_test(tc, log_open_creates_0600_and_appends);
	tcase_add_test(tc, log_open_of_a_missing_directory_fails);
	tcase_add_test(tc, levels_filter);
	tcase_add_test(tc, text_format_is_logrus_like);
	tcase_add_test(tc, json_lines_carry_level_msg_time);
	tcase_add_test(tc, json_escapes_quotes_newlines_and_controls);
	tcase_add_test(tc, text_escapes_quotes_newlines_and_controls);
	tcase_add_test(tc, long_messages_stay_one_valid_line);
	tcase_add_test(tc, json_stays_valid_utf8);
	tcase_add_test(tc, log_use_fd_does_not_own_the_fd);
	tcase_add_test(tc, logging_keeps_errno);
	tcase_add_test(tc, parse_level_and_format);
	tcase_add_test(tc, from_config_unset_stays_silent);
	tcase_add_test(tc, from_config_defaults_to_text_at_info);
	tcase_add_test(tc, from_config_level_and_format);
	tcase_add_test(tc, a_bad_level_keeps_the_default_and_the_load_reports_it);
	tcase_add_test(tc, the_first_log_gets_the_configuration_warnings);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
