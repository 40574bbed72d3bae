/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/signals.c: signal names and numbers for `reaper-runtime kill`. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "signals.h"
#include "testlib.h"

static int parse_ok(const char *text, unsigned flags)
{
	int sig = -12345;
	struct error *err = NULL;
	int ret = signal_parse(text, flags, &sig, &err);
	ck_assert_msg(ret == 0, "signal_parse(\"%s\") failed: %s", text, err_message(err));
	ck_assert_ptr_null(err);
	return sig;
}

static void parse_fails(const char *text, unsigned flags, const char *message)
{
	int sig = -12345;
	struct error *err = NULL;
	ck_assert_int_lt(signal_parse(text, flags, &sig, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_str_eq(err_message(err), message);
	ck_assert_int_eq(sig, -12345); /* untouched on failure */
	err_free(&err);
}

START_TEST(numbers_in_range_are_accepted)
{
	ck_assert_int_eq(parse_ok("1", 0), 1);
	ck_assert_int_eq(parse_ok("9", 0), 9);
	ck_assert_int_eq(parse_ok("15", 0), 15);
	ck_assert_int_eq(parse_ok("009", 0), 9);
	ck_assert_int_eq(parse_ok("32", 0), 32);
	ck_assert_int_eq(parse_ok("64", 0), 64);
}
END_TEST

START_TEST(numbers_out_of_range_are_refused)
{
	parse_fails("0", 0, "signal \"0\": must be between 1 and 64");
	parse_fails("65", 0, "signal \"65\": must be between 1 and 64");
	parse_fails("65", SIGNAL_PARSE_ALLOW_ZERO, "signal \"65\": must be between 0 and 64");
	parse_fails("99999999999999999999999", 0,
		    "signal \"99999999999999999999999\": must be between 1 and 64");
	parse_fails("-1", 0, "unknown signal \"-1\"");
	parse_fails("-9", 0, "unknown signal \"-9\"");
	parse_fails("+9", 0, "unknown signal \"+9\"");
	parse_fails(" 9", 0, "unknown signal \" 9\"");
	parse_fails("9 ", 0, "unknown signal \"9 \"");
	parse_fails("9x", 0, "unknown signal \"9x\"");
	parse_fails("0x9", 0, "unknown signal \"0x9\"");
	parse_fails("", 0, "unknown signal \"\"");
}
END_TEST

START_TEST(zero_needs_the_flag)
{
	parse_fails("0", 0, "signal \"0\": must be between 1 and 64");
	ck_assert_int_eq(parse_ok("0", SIGNAL_PARSE_ALLOW_ZERO), 0);
	ck_assert_int_eq(parse_ok("00", SIGNAL_PARSE_ALLOW_ZERO), 0);
}
END_TEST

START_TEST(names_with_or_without_sig_in_any_case)
{
	ck_assert_int_eq(parse_ok("TERM", 0), SIGTERM);
	ck_assert_int_eq(parse_ok("SIGTERM", 0), SIGTERM);
	ck_assert_int_eq(parse_ok("sigkill", 0), SIGKILL);
	ck_assert_int_eq(parse_ok("kill", 0), SIGKILL);
	ck_assert_int_eq(parse_ok("SigHup", 0), SIGHUP);
	ck_assert_int_eq(parse_ok("usr1", 0), SIGUSR1);
	ck_assert_int_eq(parse_ok("SIGWINCH", 0), SIGWINCH);
	ck_assert_int_eq(parse_ok("IOT", 0), SIGABRT);
	ck_assert_int_eq(parse_ok("SIGCLD", 0), SIGCHLD);
	ck_assert_int_eq(parse_ok("poll", 0), SIGIO);
	parse_fails("SIG", 0, "unknown signal \"SIG\"");
	parse_fails("SIGSIGTERM", 0, "unknown signal \"SIGSIGTERM\"");
	parse_fails("TERMX", 0, "unknown signal \"TERMX\"");
	parse_fails("SIGFOO", 0, "unknown signal \"SIGFOO\"");
	parse_fails("SIG TERM", 0, "unknown signal \"SIG TERM\"");
	parse_fails("SIGTERM\n", 0, "unknown signal \"SIGTERM\n\"");
}
END_TEST

static const struct {
	const char *name;
	int number;
} standard[] = {
	{"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},       {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},
	{"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT},     {"SIGBUS", SIGBUS},   {"SIGFPE", SIGFPE},
	{"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1},     {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2},
	{"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM},     {"SIGTERM", SIGTERM}, {"SIGSTKFLT", SIGSTKFLT},
	{"SIGCHLD", SIGCHLD}, {"SIGCONT", SIGCONT},     {"SIGSTOP", SIGSTOP}, {"SIGTSTP", SIGTSTP},
	{"SIGTTIN", SIGTTIN}, {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},   {"SIGXCPU", SIGXCPU},
	{"SIGXFSZ", SIGXFSZ}, {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF}, {"SIGWINCH", SIGWINCH},
	{"SIGIO", SIGIO},     {"SIGPWR", SIGPWR},       {"SIGSYS", SIGSYS},
};

START_TEST(every_standard_name_round_trips)
{
	ck_assert_int_eq(ARRAY_LEN(standard), 31);
	for (size_t i = 0; i < ARRAY_LEN(standard); i++) {
		ck_assert_int_eq(parse_ok(standard[i].name, 0), standard[i].number);
		ck_assert_int_eq(parse_ok(standard[i].name + 3, 0), standard[i].number);
		char buf[SIGNAL_NAME_MAX];
		ck_assert_str_eq(signal_name(standard[i].number, buf), standard[i].name);
	}
}
END_TEST

START_TEST(realtime_names)
{
	ck_assert_int_eq(parse_ok("RTMIN", 0), 34);
	ck_assert_int_eq(parse_ok("SIGRTMIN", 0), 34);
	ck_assert_int_eq(parse_ok("RTMIN+3", 0), 37);
	ck_assert_int_eq(parse_ok("sigrtmin+3", 0), 37);
	ck_assert_int_eq(parse_ok("RTMIN+0", 0), 34);
	ck_assert_int_eq(parse_ok("RTMIN+30", 0), 64);
	ck_assert_int_eq(parse_ok("SIGRTMAX-1", 0), 63);
	ck_assert_int_eq(parse_ok("rtmax", 0), 64);
	ck_assert_int_eq(parse_ok("RTMAX-30", 0), 34);
	parse_fails("RTMIN+31", 0, "unknown signal \"RTMIN+31\"");
	parse_fails("RTMAX-31", 0, "unknown signal \"RTMAX-31\"");
	parse_fails("RTMIN-1", 0, "unknown signal \"RTMIN-1\"");
	parse_fails("RTMAX+1", 0, "unknown signal \"RTMAX+1\"");
	parse_fails("RTMIN+", 0, "unknown signal \"RTMIN+\"");
	parse_fails("RTMIN+x", 0, "unknown signal \"RTMIN+x\"");
	parse_fails("RTMIN+99999999999999999999", 0, "unknown signal \"RTMIN+99999999999999999999\"");
	parse_fails("RTMINX", 0, "unknown signal \"RTMINX\"");
	parse_fails("RT", 0, "unknown signal \"RT\"");
}
END_TEST

START_TEST(names_of_numbers)
{
	char buf[SIGNAL_NAME_MAX];
	ck_assert_str_eq(signal_name(9, buf), "SIGKILL");
	ck_assert_str_eq(signal_name(SIGABRT, buf), "SIGABRT"); /* the canonical name, not IOT */
	ck_assert_str_eq(signal_name(SIGCHLD, buf), "SIGCHLD");
	ck_assert_str_eq(signal_name(SIGIO, buf), "SIGIO");
	ck_assert_str_eq(signal_name(32, buf), "SIG32");
	ck_assert_str_eq(signal_name(33, buf), "SIG33");
	ck_assert_str_eq(signal_name(34, buf), "SIGRTMIN");
	ck_assert_str_eq(signal_name(37, buf), "SIGRTMIN+3");
	ck_assert_str_eq(signal_name(49, buf), "SIGRTMIN+15");
	ck_assert_str_eq(signal_name(50, buf), "SIGRTMAX-14");
	ck_assert_str_eq(signal_name(63, buf), "SIGRTMAX-1");
	ck_assert_str_eq(signal_name(64, buf), "SIGRTMAX");
	ck_assert_ptr_null(signal_name(0, buf));
	ck_assert_ptr_null(signal_name(65, buf));
	ck_assert_ptr_null(signal_name(-1, buf));
	ck_assert_ptr_eq(signal_name(1, buf), buf);
}
END_TEST

START_TEST(every_number_round_trips_through_its_name)
{
	for (int sig = 1; sig <= SIGNAL_MAX; sig++) {
		char buf[SIGNAL_NAME_MAX];
		const char *name = signal_name(sig, buf);
		ck_assert_ptr_nonnull(name);
		ck_assert_uint_lt(strlen(name), SIGNAL_NAME_MAX);
		if (sig == 32 || sig == 33) {
			parse_fails(name, 0,
				    sig == 32 ? "unknown signal \"SIG32\"" : "unknown signal \"SIG33\"");
			continue;
		}
		ck_assert_msg(parse_ok(name, 0) == sig, "%d -> %s", sig, name);
	}
}
END_TEST

/* The glibc programs Reaper signals agree on RTMIN/RTMAX (this test binary is such a program). */
START_TEST(realtime_range_matches_glibc)
{
#ifdef __GLIBC__
	ck_assert_int_eq(SIGRTMIN, SIGNAL_RTMIN);
	ck_assert_int_eq(SIGRTMAX, SIGNAL_RTMAX);
#endif
	ck_assert_int_eq(SIGNAL_MAX, SIGRTMAX);
}
END_TEST

static Suite *signals_suite(void)
{
	Suite *s = suite_create("signals");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, numbers_in_range_are_accepted);
	tcase_add_test(tc, numbers_out_of_range_are_refused);
	tcase_add_test(tc, zero_needs_the_flag);
	tcase_add_test(tc, names_with_or_without_sig_in_any_case);
	tcase_add_test(tc, every_standard_name_round_trips);
	tcase_add_test(tc, realtime_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("name");
	tcase_add_test(tc, names_of_numbers);
	tcase_add_test(tc, every_number_round_trips_through_its_name);
	tcase_add_test(tc, realtime_range_matches_glibc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return testlib_run(signals_suite());
}
