/* SPDX-License-Identifier: Apache-2.0 */
/* Signal names and numbers: parsing what `reaper-runtime kill ID SIGNAL` is given, and naming a
 * signal in messages.
 *
 * Accepted (a superset of runc 1.1, checked against runc 1.1.5):
 * - a decimal number 1..64 ("9"); 0 only with SIGNAL_PARSE_ALLOW_ZERO. runc 1.1 hands any integer
 *   to kill(2): 0 succeeds as a liveness probe, 65 or -1 fail there with EINVAL. Reaper refuses
 *   out-of-range numbers while parsing instead.
 * - a name, case-insensitive, with or without "SIG": "TERM", "SIGTERM", "sigkill". Besides runc's
 *   31 names the aliases IOT, CLD and POLL are accepted (runc refuses them).
 * - real-time signals (runc refuses these): "RTMIN", "RTMIN+3", "SIGRTMAX-1", "RTMAX". RTMIN is 34
 *   and RTMAX 64, the values glibc programs (and `kill -l`) use; the kernel's first real-time
 *   signal is 32, but glibc reserves 32 and 33 (musl also 34). The fixed value keeps a musl build
 *   of Reaper agreeing with the glibc workloads it signals. 32 and 33 are reachable by number.
 * Anything else is ERR_INVALID: `unknown signal "FOO"`, `signal "65": must be between 1 and 64`. */
#ifndef REAPER_SIGNALS_H
#define REAPER_SIGNALS_H

#include <stddef.h>

#include "error.h"

#define SIGNAL_MAX   64 /* the highest signal number on Linux (x86_64, arm64) */
#define SIGNAL_RTMIN 34
#define SIGNAL_RTMAX 64

/* Room for the longest name signal_name writes ("SIGRTMAX-14") and its NUL. */
#define SIGNAL_NAME_MAX 16

enum signal_parse_flags {
	SIGNAL_PARSE_ALLOW_ZERO = 1 << 0, /* accept "0" (kill -0: does the process exist?) */
};

/* Parse a signal given as a number or a name (see above) into *out. */
int signal_parse(const char *text, unsigned flags, int *out, struct error **err);

/* The name of signal `sig` ("SIGKILL", "SIGRTMIN+3", "SIGRTMAX-2", "SIG32"), written into buf and
 * returned; NULL when sig is outside 1..SIGNAL_MAX. signal_parse reads every name back except
 * "SIG32" and "SIG33". */
const char *signal_name(int sig, char buf[SIGNAL_NAME_MAX]);

/* In a child about to exec another program: no signal blocked, every disposition the default.
 * (A blocked or ignored signal survives execve: the shim's blocked SIGTERM and ignored SIGPIPE
 * would otherwise reach a workload or a logger.) */
void signals_reset(void);

#endif
