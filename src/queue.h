/*
 * queue.h - the bounded hand-off between the accepting thread and the
 * workers: a ring of accepted connections guarded by one mutex, with a
 * condition variable that wakes a waiting worker.  Knows nothing of sockets.
 */
#ifndef SOCKD_QUEUE_H
#define SOCKD_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perip.h"

/* The peer as text: "[ffff:...:ffff%scope]:65535" fits. */
#define PEER_NAME_MAX 64

struct queue_item {
	int fd;
	int64_t accepted_ms;		/* monotonic time of accept() */
	uint64_t seq;			/* its number among those queued,
					 * from 1: seeds its faults */
	struct perip_table *perip;	/* holds a place there; NULL: none */
	struct perip_key perip_key;
	char peer[PEER_NAME_MAX];	/* ADDR:PORT of the client */
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	struct queue_item *items;	/* a ring of slots items */
	size_t capacity;	/* items that may wait for a worker */
	size_t slots;		/* capacity, and one for each taker */
	size_t head, count;
	size_t waiting;		/* workers blocked in queue_pop() */
	bool closed;
};

/*
 * Create a queue where at most capacity items wait for one of the takers
 * (the workers) that queue_pop() them; -1 on failure.
 */
int queue_init(struct queue *q, size_t capacity, size_t takers);
/* Free a queue that no thread uses any more. */
void queue_destroy(struct queue *q);
/*
 * Add an item without blocking.  Returns the depth after the push, or 0
 * when the queue is full or closed (the caller keeps the item).  Items
 * that workers already waiting will take do not count as waiting: a
 * burst is not refused because those workers have yet to wake.
 */
size_t queue_push(struct queue *q, const struct queue_item *item);
/*
 * Take the oldest item, waiting while the queue is empty.  Returns false
 * once the queue is closed and empty: the worker should exit.
 */
bool queue_pop(struct queue *q, struct queue_item *item);
/* Refuse further pushes and wake every waiting worker. */
void queue_close(struct queue *q);

#endif
