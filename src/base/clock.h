/* SPDX-License-Identifier: Apache-2.0 */
/* Time, the two ways Reaper needs it: monotonic milliseconds for deadlines and timers, real-time
 * nanoseconds since the epoch for what is recorded and reported (exit and creation times). */
#ifndef REAPER_CLOCK_H
#define REAPER_CLOCK_H

#include <stdint.h>

uint64_t clock_monotonic_ms(void);
int64_t clock_realtime_ns(void);

/* Milliseconds from now until deadline (a clock_monotonic_ms value), 0 once it has passed: the
 * timeout argument of poll() for a wait that must end by deadline. */
int clock_ms_until(uint64_t deadline);

#endif
