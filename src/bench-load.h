/*
 * bench-load.h - sockbench's load engine: the connections, the threads
 * that drive them (one epoll each) and what they count.  It owns its copy
 * of the plan, the server's address, the connections and the threads;
 * it prints nothing but the errors it dies of.  The report is sockbench.c's.
 */
#ifndef SOCKD_BENCH_LOAD_H
#define SOCKD_BENCH_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "bench-hist.h"

/* What a run asks for, as the command line gave it. */
struct load_plan {
	const char *host, *port;
	unsigned conns, depth, threads;
	uint64_t messages;	/* 0: run for seconds */
	double seconds;
	const char *message;
	const char *expect;
	bool connect_per_message;
};

/* What the run counted, added up over the threads. */
struct load_totals {
	uint64_t hist[HIST_BUCKETS];
	uint64_t answers, errors, mismatches, max_ns;
};

/* Copy the plan, resolve the server, make the connections; die on error. */
void load_prepare(const struct load_plan *plan);
/* Start the threads; a run for seconds ends that long after start_ns. */
void load_start(uint64_t start_ns);
/* True once every thread has ended; does not wait. */
bool load_finished(void);
/* Wait until every thread has ended. */
void load_join(void);
/* The answers counted so far; any thread may ask while the run goes on. */
uint64_t load_answers(void);
/* Add up what the threads counted, once they have ended. */
void load_sum(struct load_totals *totals);
/* Free the connections, the threads and the address. */
void load_free(void);

#endif
