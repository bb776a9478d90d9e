/*
 * fault.h - act out on one connection the faults inject.h draws for it
 * (--inject): hold its answers, split, trickle, garble or drop them,
 * reset or close it; count and log each fault.  conn.c calls it only
 * for a connection that began with faults in force.
 */
#ifndef SOCKD_FAULT_H
#define SOCKD_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "framing.h"
#include "inject.h"
#include "stats.h"

/*
 * Send all of buf as the connection sends any answer (its time-outs, the
 * drain); 0, or -1 with the reason to close (and errnum for an error).
 */
typedef int fault_send_fn(void *conn, const char *buf, size_t len,
    enum close_reason *reason, int *errnum);

/* One connection's faults: filled by the caller, then by fault_begin(). */
struct fault_conn {
	const char *peer;		/* ADDR:PORT, for the log */
	struct worker_stats *counters;	/* the worker's, for the faults */
	bool line;			/* line framing: endings stay whole */
	fault_send_fn *send;
	void *conn;			/* send's argument */
	struct inject_conn plan;	/* drawn when the connection began */
	struct inject_draw draw;	/* for the message being answered */
	uint64_t answers;		/* answers sent (close-after) */
};

/*
 * Draw the connection's faults from set, seed and seq (its number at
 * accept); act on those that strike before the first message
 * (close-after=0, stall=MS@0).  -1 with the reason to close.
 */
int fault_begin(struct fault_conn *fc, const struct inject_set *set,
    uint64_t seed, uint64_t seq, enum close_reason *reason);
/*
 * Answer the piece the framer made (one answer or a part of one, see
 * one_each in framing.h), with the faults drawn for its message:
 * message is the number of the last message framed, count how many of
 * them began in this piece (0: it goes on an answer).  The piece's
 * bytes may be changed.  -1 with the reason to close.
 */
int fault_answer(struct fault_conn *fc, struct framer *f, uint64_t message,
    uint64_t count, enum framer_status status, enum close_reason *reason,
    int *errnum);

#endif
