/*
 * listener.h - the listening sockets and the accept loop that feeds the
 * queue.  Runs in the main thread; owns the listening descriptors and the
 * busy answer, never serves a connection itself.
 */
#ifndef SOCKD_LISTENER_H
#define SOCKD_LISTENER_H

#include <stddef.h>

#include "config.h"
#include "queue.h"

#define LISTENER_MAX 64

struct listener {
	int fds[LISTENER_MAX];
	size_t nfds;
};

/*
 * Listen on every address in s and log "listening on ADDR:PORT" for each.
 * Returns 0, or -1 with err naming the address and the cause.
 */
int listener_open(struct listener *l, const struct settings *s, char *err,
    size_t errsz);
/*
 * Accept until SIGTERM or SIGINT, pushing connections onto q and
 * answering busy when it is full.  Returns when a shutdown was requested.
 */
void listener_run(struct listener *l, struct queue *q);
/* Close the listening sockets: new clients are refused from now on. */
void listener_close(struct listener *l);

#endif
