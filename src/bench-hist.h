/*
 * bench-hist.h - sockbench's latency histogram: a fixed array of buckets,
 * exact below 128 ns, then 128 steps per power of two, so a bucket is
 * never wider than 1/128 (0.8%) of its value.  Owns the bucket layout
 * only; the arrays belong to whoever counts into them.
 */
#ifndef SOCKD_BENCH_HIST_H
#define SOCKD_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB 128
#define HIST_BUCKETS (HIST_SUB + 50 * HIST_SUB)

/* The bucket of a value; inline, as every answer is counted with it. */
static inline unsigned
hist_index(uint64_t v)
{
	unsigned e;

	if (v < HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);	/* >= 7 */
	if (e - 7 >= 50)
		return HIST_BUCKETS - 1;
	return HIST_SUB + (e - 7) * HIST_SUB +
	    (unsigned)((v >> (e - 7)) - HIST_SUB);
}

/* The smallest value with at least q of the total at or below it. */
uint64_t hist_percentile(const uint64_t *hist, uint64_t total, double q);

#endif
