/*
 * metrics.h - the counters in Prometheus text format over HTTP
 * (--metrics ADDR:PORT, GET /metrics).  One thread of its own serves up
 * to 64 scrapers at once, one request per connection, each within 2
 * seconds, so a slow scraper never delays another, the acceptor or a
 * worker.  What it says is metrics-http.h's.
 */
#ifndef SOCKD_METRICS_H
#define SOCKD_METRICS_H

#include <stddef.h>

#include "net.h"

/* Bind and listen on addr, logging "metrics on ADDR:PORT"; -1 with err. */
int metrics_open(const struct listen_addr *addr, char *err, size_t errsz);
/* Start answering (after any fork); -1 with errno if no thread. */
int metrics_start(void);
/* Stop the thread and close the socket; nothing if never opened. */
void metrics_stop(void);

#endif
