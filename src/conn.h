/*
 * conn.h - serve one connection from first byte to close: receive, frame,
 * answer, time out, log.  Runs in a worker thread; owns the drain signal
 * that wakes workers waiting on idle clients at shutdown, and adds to the
 * worker's counters in stats.h.
 */
#ifndef SOCKD_CONN_H
#define SOCKD_CONN_H

#include <stdint.h>

#include "framing.h"
#include "queue.h"

enum close_reason {
	CLOSE_PEER,		/* "peer closed" */
	CLOSE_TIMEOUT,		/* "time out" */
	CLOSE_RESET,		/* "reset" */
	CLOSE_TOO_LONG,		/* "line too long" */
	CLOSE_BUSY,		/* "busy" */
	CLOSE_PER_IP,		/* "busy: too many from this address" */
	CLOSE_SHUTDOWN,		/* "shutdown" */
	CLOSE_ERROR,		/* "error" */
};

/* Per-connection totals for the closing log line. */
struct conn_totals {
	uint64_t messages, bytes_in, bytes_out;
};

/* Create the drain signal for nworkers workers; -1 on failure. */
int conn_init(unsigned nworkers);
/* Free what conn_init() made, once no worker runs. */
void conn_free(void);
/*
 * Begin the graceful drain: every worker stops waiting on idle clients,
 * and nothing is served past deadline_ms (monotonic).
 */
void conn_drain_begin(int64_t deadline_ms);
/*
 * Serve the connection in item with the framer of worker number worker,
 * then close it.  Reads the settings in force (live_enter) after every
 * receive, counts in stats_worker(worker), and releases the client's
 * place in item->perip.
 */
void conn_serve(const struct queue_item *item, struct framer *f,
    unsigned worker);
/* Log the one line that records a closed connection. */
void conn_log_closed(const struct queue_item *item, enum close_reason reason,
    const struct conn_totals *totals, int errnum);

#endif
