/*
 * queue.c - bounded FIFO of accepted connections, mutex and condition
 * variable.  The pusher signals only when a worker is waiting, so a busy
 * pool pays no wake-up system call per connection.
 */
#include "build-config.h"

#include <stdint.h>
#include <stdlib.h>

#include "queue.h"

/* Create a queue of capacity waiting items, for takers workers. */
int
queue_init(struct queue *q, size_t capacity, size_t takers)
{
	if (capacity == 0 || takers > SIZE_MAX / sizeof *q->items - capacity)
		return -1;
	q->slots = capacity + takers;
	q->items = calloc(q->slots, sizeof *q->items);
	if (q->items == NULL)
		return -1;
	if (pthread_mutex_init(&q->lock, NULL) != 0) {
		free(q->items);
		return -1;
	}
	if (pthread_cond_init(&q->nonempty, NULL) != 0) {
		pthread_mutex_destroy(&q->lock);
		free(q->items);
		return -1;
	}
	q->capacity = capacity;
	q->head = q->count = q->waiting = 0;
	q->closed = false;
	return 0;
}

/* Free a queue that no thread uses any more. */
void
queue_destroy(struct queue *q)
{
	pthread_cond_destroy(&q->nonempty);
	pthread_mutex_destroy(&q->lock);
	free(q->items);
	q->items = NULL;
}

/* Add an item without blocking; the depth after, or 0 if refused. */
size_t
queue_push(struct queue *q, const struct queue_item *item)
{
	size_t depth = 0;
	bool wake;

	pthread_mutex_lock(&q->lock);
	/* Of the count items, waiting ones are already a worker's. */
	if (!q->closed && q->count < q->capacity + q->waiting) {
		q->items[(q->head + q->count) % q->slots] = *item;
		depth = ++q->count;
	}
	wake = depth > 0 && q->waiting > 0;
	pthread_mutex_unlock(&q->lock);
	if (wake)
		pthread_cond_signal(&q->nonempty);
	return depth;
}

/* Take the oldest item, waiting while empty; false when closed and empty. */
bool
queue_pop(struct queue *q, struct queue_item *item)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->closed) {
		q->waiting++;
		pthread_cond_wait(&q->nonempty, &q->lock);
		q->waiting--;
	}
	if (q->count == 0) {
		pthread_mutex_unlock(&q->lock);
		return false;
	}
	*item = q->items[q->head];
	q->head = (q->head + 1) % q->slots;
	q->count--;
	pthread_mutex_unlock(&q->lock);
	return true;
}

/* Refuse further pushes and wake every waiting worker. */
void
queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_mutex_unlock(&q->lock);
	pthread_cond_broadcast(&q->nonempty);
}
