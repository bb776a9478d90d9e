/*
 * pool.h - the fixed pool of worker threads.  Each worker pops a
 * connection from the queue, serves it whole with conn_serve(), and takes
 * the next, until the queue is closed and empty.
 */
#ifndef SOCKD_POOL_H
#define SOCKD_POOL_H

#include <stdbool.h>

#include "queue.h"

/*
 * Start nworkers threads with small explicit stacks and the handled
 * signals blocked.  Returns 0, or -1 with errno set (nothing started).
 */
int pool_start(struct queue *q, unsigned nworkers);
/* A descriptor that becomes readable once every worker has finished. */
int pool_done_fd(void);
/* True once every worker has finished. */
bool pool_finished(void);
/* Wait for every worker to finish (after queue_close()). */
void pool_join(void);

#endif
