/*
 * clock.h - monotonic time in milliseconds, for timeouts and durations.
 * Owns nothing; never reads the wall clock (that belongs to log.c).
 */
#ifndef SOCKD_CLOCK_H
#define SOCKD_CLOCK_H

#include <stdint.h>

/* Milliseconds on the monotonic clock. */
int64_t clock_now_ms(void);
/* Microseconds on the monotonic clock. */
int64_t clock_now_us(void);

#endif
