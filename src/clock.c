/*
 * clock.c - monotonic time in milliseconds.
 */
#include "build-config.h"

#include <time.h>

#include "clock.h"

/* Return the monotonic clock in milliseconds. */
int64_t
clock_now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer on Linux/BSD. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Return the monotonic clock in microseconds. */
int64_t
clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
