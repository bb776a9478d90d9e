/*
 * conn.h - serve one connection from first byte to close: receive, frame,
 * answer, time out, log.  Runs in a worker thread, woken by drain.h at
 * shutdown, and adds to the worker's counters in stats.h.
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
	CLOSE_FAULT_RESET,	/* "fault reset": --inject reset */
	CLOSE_FAULT_CLOSE,	/* "fault close-after": --inject close-after */
};

/* Per-connection totals for the closing log line. */
struct conn_totals {
	uint64_t messages, bytes_in, bytes_out;
};

/*
 * Serve the connection in item with the framer of worker number worker,
 * then close it.  Reads the settings in force (live_enter) after every
 * receive, counts in stats_worker(worker), and releases the client's
 * place in item->perip.
 */
void conn_serve(const struct queue_item *item, struct framer *f,
    unsigned worker);
/* Close fd in the way reason calls for (conn-close.c). */
void conn_close(int fd, enum close_reason reason);
/* Log the one line that records a closed connection (conn-close.c). */
void conn_log_closed(const struct queue_item *item, enum close_reason reason,
    const struct conn_totals *totals, int errnum);

#endif
