/*
 * logring.c - the per-thread rings of log lines: making a thread's ring
 * at its first line, and taking lines out of every ring for the writer.
 * Putting a line is inline in logring.h, which says who moves what.
 * Rings are never freed, so the list of them is walked without a lock.
 */
#include "build-config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "logring.h"

_Thread_local struct logring *logring_own;
static _Atomic(struct logring *) rings;

/* Make the calling thread's ring and add it to the list. */
struct logring *
logring_claim(void)
{
	struct logring *g;

	g = calloc(1, sizeof *g);
	if (g == NULL)
		return NULL;
	g->next = atomic_load(&rings);
	while (!atomic_compare_exchange_weak(&rings, &g->next, g))
		;
	logring_own = g;
	return g;
}

/* Copy n bytes out of a ring from position pos, across its end. */
static void
ring_read(const struct logring *g, uint64_t pos, void *out, size_t n)
{
	size_t at = (size_t)(pos % LOGRING_SIZE), first = LOGRING_SIZE - at;

	if (first > n)
		first = n;
	memcpy(out, g->data + at, first);
	memcpy((char *)out + first, g->data, n - first);
}

/* Hand every line of one ring to take; true if there was any. */
static bool
drain_ring(struct logring *g, logring_take_fn *take, void *arg)
{
	uint64_t tail = atomic_load_explicit(&g->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&g->head, memory_order_acquire);
	char text[LOGRING_LINE_MAX];
	struct log_record r;

	if (tail == head)
		return false;
	while (tail != head) {
		ring_read(g, tail, &r, sizeof r);
		ring_read(g, tail + sizeof r, text, r.len);
		tail += sizeof r + r.len;
		/* Copied out: its room is free for its thread again. */
		atomic_store_explicit(&g->tail, tail, memory_order_release);
		take(arg, &r, text);
	}
	return true;
}

/* Take every line out of every ring. */
bool
logring_drain(logring_take_fn *take, void *arg)
{
	struct logring *g;
	bool any = false;

	for (g = atomic_load(&rings); g != NULL; g = g->next)
		any |= drain_ring(g, take, arg);
	return any;
}

/* True when some ring holds a line. */
bool
logring_pending(void)
{
	struct logring *g;

	for (g = atomic_load(&rings); g != NULL; g = g->next)
		if (atomic_load(&g->head) != atomic_load(&g->tail))
			return true;
	return false;
}

/* Lines dropped by every ring so far. */
uint64_t
logring_dropped(void)
{
	struct logring *g;
	uint64_t total = 0;

	for (g = atomic_load(&rings); g != NULL; g = g->next)
		total += atomic_load_explicit(&g->dropped,
		    memory_order_relaxed);
	return total;
}
