/*
 * stats.h - sockd's counters (SPEC section 7), kept with atomics so any
 * thread may add to them and any thread may read them without a lock.
 */
#ifndef SOCKD_STATS_H
#define SOCKD_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct stats {
	atomic_uint_fast64_t accepted;	/* connections accepted */
	atomic_uint_fast64_t closed;	/* connections served and closed */
	atomic_uint_fast64_t rejected;	/* answered busy */
	atomic_uint_fast64_t timeouts;	/* closed for silence or a stuck send */
	atomic_uint_fast64_t messages;	/* messages received */
	atomic_uint_fast64_t bytes_in;	/* bytes received */
	atomic_uint_fast64_t replies;	/* messages answered */
	atomic_uint_fast64_t errors;	/* failed system calls on connections */
};

extern struct stats stats;

/* Add n to a counter. */
static inline void
stats_add(atomic_uint_fast64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

/* Format every counter as one line: accepted=... active=... */
void stats_format(char *out, size_t outsz);

#endif
