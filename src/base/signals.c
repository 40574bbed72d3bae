/* SPDX-License-Identifier: Apache-2.0 */
#include "signals.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "array.h"

void signals_reset(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
}

/* Canonical names first: signal_name returns the first entry with a number. */
static const struct {
	const char *name; /* without "SIG" */
	int number;
} signal_names[] = {
	{"HUP", SIGHUP},
	{"INT", SIGINT},
	{"QUIT", SIGQUIT},
	{"ILL", SIGILL},
	{"TRAP", SIGTRAP},
	{"ABRT", SIGABRT},
	{"BUS", SIGBUS},
	{"FPE", SIGFPE},
	{"KILL", SIGKILL},
	{"USR1", SIGUSR1},
	{"SEGV", SIGSEGV},
	{"USR2", SIGUSR2},
	{"PIPE", SIGPIPE},
	{"ALRM", SIGALRM},
	{"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT},
	{"CHLD", SIGCHLD},
	{"CONT", SIGCONT},
	{"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},
	{"TTIN", SIGTTIN},
	{"TTOU", SIGTTOU},
	{"URG", SIGURG},
	{"XCPU", SIGXCPU},
	{"XFSZ", SIGXFSZ},
	{"VTALRM", SIGVTALRM},
	{"PROF", SIGPROF},
	{"WINCH", SIGWINCH},
	{"IO", SIGIO},
	{"PWR", SIGPWR},
	{"SYS", SIGSYS},
	/* aliases */
	{"IOT", SIGIOT},
	{"CLD", SIGCHLD},
	{"POLL", SIGIO},
};

#define N_SIGNAL_NAMES ARRAY_LEN(signal_names)

/* A decimal number without sign, spaces or overflow; -1 if text is not one. */
static long parse_decimal(const char *text)
{
	if (*text == '\0')
		return -1;
	long n = 0;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
		if (n > 1000000)
			return 1000000; /* out of range anyway; stop before overflow */
	}
	return n;
}

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (upper or lower case, "SIG" already removed). */
static int parse_realtime(const char *name)
{
	bool from_min;
	if (strncasecmp(name, "RTMIN", 5) == 0)
		from_min = true;
	else if (strncasecmp(name, "RTMAX", 5) == 0)
		from_min = false;
	else
		return -1;
	const char *rest = name + 5;
	if (*rest == '\0')
		return from_min ? SIGNAL_RTMIN : SIGNAL_RTMAX;
	if (*rest != (from_min ? '+' : '-'))
		return -1;
	long offset = parse_decimal(rest + 1);
	if (offset < 0 || offset > SIGNAL_RTMAX - SIGNAL_RTMIN)
		return -1;
	return from_min ? SIGNAL_RTMIN + (int)offset : SIGNAL_RTMAX - (int)offset;
}

static int parse_name(const char *text)
{
	const char *name = strncasecmp(text, "SIG", 3) == 0 ? text + 3 : text;
	for (size_t i = 0; i < N_SIGNAL_NAMES; i++)
		if (strcasecmp(signal_names[i].name, name) == 0)
			return signal_names[i].number;
	return parse_realtime(name);
}

int signal_parse(const char *text, unsigned flags, int *out, struct error **err)
{
	int min = (flags & SIGNAL_PARSE_ALLOW_ZERO) ? 0 : 1;
	if (text[0] >= '0' && text[0] <= '9') {
		long n = parse_decimal(text);
		if (n < 0)
			return err_new(err, ERR_INVALID, "unknown signal \"%s\"", text);
		if (n < min || n > SIGNAL_MAX)
			return err_new(err, ERR_INVALID, "signal \"%s\": must be between %d and %d", text,
				       min, SIGNAL_MAX);
		*out = (int)n;
		return 0;
	}
	int sig = parse_name(text);
	if (sig < 0)
		return err_new(err, ERR_INVALID, "unknown signal \"%s\"", text);
	*out = sig;
	return 0;
}

const char *signal_name(int sig, char buf[SIGNAL_NAME_MAX])
{
	if (sig < 1 || sig > SIGNAL_MAX)
		return NULL;
	for (size_t i = 0; i < N_SIGNAL_NAMES; i++) {
		if (signal_names[i].number == sig) {
			snprintf(buf, SIGNAL_NAME_MAX, "SIG%s", signal_names[i].name);
			return buf;
		}
	}
	/* Real-time names the way `kill -l` writes them: RTMIN+n up to the middle, RTMAX-n after. */
	int middle = (SIGNAL_RTMIN + SIGNAL_RTMAX) / 2;
	if (sig == SIGNAL_RTMIN)
		snprintf(buf, SIGNAL_NAME_MAX, "SIGRTMIN");
	else if (sig == SIGNAL_RTMAX)
		snprintf(buf, SIGNAL_NAME_MAX, "SIGRTMAX");
	else if (sig > SIGNAL_RTMIN && sig <= middle)
		snprintf(buf, SIGNAL_NAME_MAX, "SIGRTMIN+%d", sig - SIGNAL_RTMIN);
	else if (sig > middle && sig < SIGNAL_RTMAX)
		snprintf(buf, SIGNAL_NAME_MAX, "SIGRTMAX-%d", SIGNAL_RTMAX - sig);
	else
		snprintf(buf, SIGNAL_NAME_MAX, "SIG%d", sig);
	return buf;
}
