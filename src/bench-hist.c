/*
 * bench-hist.c - reading sockbench's latency histogram back: the value a
 * bucket stands for and the percentiles of the report.  Pure: no clock,
 * no threads.
 */
#include "build-config.h"

#include <stdint.h>

#include "bench-hist.h"

/* The middle of a bucket. */
static uint64_t
hist_value(unsigned i)
{
	unsigned e;
	uint64_t low;

	if (i < HIST_SUB)
		return i;
	e = (i - HIST_SUB) / HIST_SUB + 7;
	low = (uint64_t)(HIST_SUB + (i - HIST_SUB) % HIST_SUB) << (e - 7);
	return low + ((1ull << (e - 7)) >> 1);
}

/* The smallest value with at least q of the total at or below it. */
uint64_t
hist_percentile(const uint64_t *hist, uint64_t total, double q)
{
	uint64_t want = (uint64_t)((double)total * q), seen = 0;
	unsigned i;

	if (want == 0)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen >= want)
			return hist_value(i);
	}
	return 0;
}
