/*
 * bench-clock.h - sockbench's clock: nanoseconds on the monotonic clock,
 * for the send stamps of messages and the length of a run.  Inline, as
 * every send and every read takes the time.  Owns no state.
 */
#ifndef SOCKD_BENCH_CLOCK_H
#define SOCKD_BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds on the monotonic clock. */
static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
