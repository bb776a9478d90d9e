/*
 * logring.h - the rings log lines wait in until the writer takes them.
 * Each thread that logs has a ring of its own, made at its first line:
 * its thread alone moves the head, the one draining (logsink.c's writer,
 * or a reopen, one at a time under its lock) alone the tail, so putting
 * a line takes no lock and no system call.  Owns the rings, each
 * thread's own, and the count of lines they could not take; knows
 * nothing of where lines go, the writer thread or how a line is
 * formatted (logsink.c).  Putting a line is inline, here: it is the part
 * of logging every worker runs, and a call into logring.c cost it about
 * 2 ns in 7 for a dropped line.
 */
#ifndef SOCKD_LOGRING_H
#define SOCKD_LOGRING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One thread's ring; a bulk line may fill three quarters of it. */
#define LOGRING_SIZE (64 * 1024)
#define LOGRING_BULK_ROOM (LOGRING_SIZE / 4 * 3)
/* The longest text a ring takes; log.c's lines are shorter. */
#define LOGRING_LINE_MAX (24 * 1024)

/* What precedes a line's text in a ring. */
struct log_record {
	uint32_t len;			/* of the text, <= LOGRING_LINE_MAX */
	int32_t priority;
	const char *level_name;		/* a static string */
	int64_t ms;			/* wall clock, milliseconds */
};

struct logring {
	_Atomic uint64_t head;		/* moved by its thread */
	char pad1[56];
	_Atomic uint64_t tail;		/* moved by the one draining */
	_Atomic uint64_t dropped;	/* lines its thread could not put */
	struct logring *next;
	char data[LOGRING_SIZE];
};

/* The calling thread's ring, once made; written by logring_claim() alone. */
extern _Thread_local struct logring *logring_own;

/* Make the calling thread's ring and keep it in logring_own; NULL
 * without memory. */
struct logring *logring_claim(void);

/* What became of a line given to logring_put(). */
enum logring_result {
	LOGRING_PUT,		/* in the ring, for the writer */
	LOGRING_DROPPED,	/* the ring was full: counted */
	LOGRING_NO_RING		/* no memory for the thread's ring */
};

/* The calling thread's ring, made at its first line. */
static inline struct logring *
logring_mine(void)
{
	return logring_own != NULL ? logring_own : logring_claim();
}

/* Copy n bytes into a ring at position pos, across its end. */
static inline void
logring_write(struct logring *g, uint64_t pos, const void *in, size_t n)
{
	size_t at = (size_t)(pos % LOGRING_SIZE), first = LOGRING_SIZE - at;

	if (first > n)
		first = n;
	memcpy(g->data + at, in, first);
	memcpy(g->data, (const char *)in + first, n - first);
}

/* The bytes a ring holds now, as its own thread sees them. */
static inline uint64_t
logring_used(struct logring *g)
{
	return atomic_load_explicit(&g->head, memory_order_relaxed) -
	    atomic_load_explicit(&g->tail, memory_order_acquire);
}

/* Count a line the calling thread's ring could not take; its thread
 * alone writes the count, so no read-modify-write is needed. */
static inline void
logring_count_drop(struct logring *g)
{
	atomic_store_explicit(&g->dropped, atomic_load_explicit(&g->dropped,
	    memory_order_relaxed) + 1, memory_order_relaxed);
}

/*
 * Put r and its r->len bytes of text into the calling thread's ring.  A
 * bulk line may fill only three quarters of the ring, so that when lines
 * must be dropped, the others still find room.
 */
static inline enum logring_result
logring_put(const struct log_record *r, const char *text, bool bulk)
{
	size_t room = bulk ? LOGRING_BULK_ROOM : LOGRING_SIZE;
	struct logring *g;
	uint64_t head, used;

	if ((g = logring_mine()) == NULL)
		return LOGRING_NO_RING;
	head = atomic_load_explicit(&g->head, memory_order_relaxed);
	used = logring_used(g);
	if (used > room || room - used < sizeof *r + r->len) {
		logring_count_drop(g);
		return LOGRING_DROPPED;
	}
	logring_write(g, head, r, sizeof *r);
	logring_write(g, head + sizeof *r, text, r->len);
	/* Sequentially consistent, as the writer's idle flag is: a writer
	 * that says it sleeps then sees this line, or its putter sees the
	 * flag and wakes it (logsink.c). */
	atomic_store(&g->head, head + sizeof *r + r->len);
	return LOGRING_PUT;
}

/*
 * True if the calling thread's ring has room for a bulk line of up to
 * len bytes of text, or it has no ring; if not, the line is counted as
 * dropped.
 */
static inline bool
logring_room(size_t len)
{
	struct logring *g;

	if ((g = logring_mine()) == NULL)
		return true;
	if (logring_used(g) + sizeof(struct log_record) + len <=
	    LOGRING_BULK_ROOM)
		return true;
	logring_count_drop(g);
	return false;
}

/* Called for each line taken out of a ring, with logring_drain()'s arg. */
typedef void logring_take_fn(void *arg, const struct log_record *r,
    const char *text);
/*
 * Take every line out of every ring, each ring's in the order put, and
 * hand them to take; true if there was any.  One caller at a time: the
 * rings' tails are moved by the caller alone.
 */
bool logring_drain(logring_take_fn *take, void *arg);
/* True when some ring holds a line. */
bool logring_pending(void);
/* Lines dropped by every ring so far. */
uint64_t logring_dropped(void);

#endif
