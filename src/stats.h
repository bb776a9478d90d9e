/*
 * stats.h - sockd's counters (SPEC section 7).  The acceptor's counters
 * are shared atomics; what workers count lives in one block per worker,
 * on its own cache line and written by that worker alone, so the
 * per-message path never contends for a line.  Readers sum on demand.
 */
#ifndef SOCKD_STATS_H
#define SOCKD_STATS_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "inject.h"

/* Counted by the accepting thread. */
struct stats {
	atomic_uint_fast64_t accepted;	/* connections accepted */
	atomic_uint_fast64_t rejected;	/* answered busy */
};

/* Counted by one worker; any thread may read. */
struct worker_stats {
	alignas(64) atomic_uint_fast64_t closed; /* connections served */
	atomic_uint_fast64_t timeouts;	/* closed for silence or a stuck send */
	atomic_uint_fast64_t messages;	/* messages received */
	atomic_uint_fast64_t bytes_in;	/* bytes received */
	atomic_uint_fast64_t replies;	/* messages answered */
	atomic_uint_fast64_t errors;	/* failed system calls on connections */
	atomic_uint_fast64_t faults[INJECT_KINDS];	/* injected, by kind */
};

extern struct stats stats;

/* Add n to a counter any thread may add to. */
static inline void
stats_add(atomic_uint_fast64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

/*
 * Add n to a counter only the calling worker writes: a plain load and
 * store, no locked instruction, still a whole value for readers.
 */
static inline void
stats_bump(atomic_uint_fast64_t *counter, uint64_t n)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter,
	    memory_order_relaxed) + n, memory_order_relaxed);
}

/* Every counter at one moment, roughly: each is read once. */
struct stats_snapshot {
	uint64_t accepted, active, rejected, timeouts, messages, bytes_in,
	    replies, errors;
	uint64_t log_dropped;	/* log lines the sink could not take */
	uint64_t faults[INJECT_KINDS];	/* injected, by kind */
};

/* Make the blocks for nworkers workers; -1 if out of memory. */
int stats_init(unsigned nworkers);
/* Worker id's block (0 <= id < nworkers). */
struct worker_stats *stats_worker(unsigned id);
/* Free the blocks once no worker runs. */
void stats_free(void);
/* Read every counter. */
void stats_read(struct stats_snapshot *snap);
/*
 * Format every counter as one line: accepted=... active=...
 * fault_delay=...; STATS_LINE_MAX bytes hold it whatever the numbers.
 */
#define STATS_LINE_MAX 1024
void stats_format(char *out, size_t outsz);

#endif
