/*
 * inject.h - faults on demand (--inject SPEC, --seed N): the SPEC
 * grammar, and the seeded draws that decide which connection and which
 * message a fault strikes.  Pure: text in, decisions out, no sockets, no
 * clock, no shared state, so the same seed and the same traffic give the
 * same faults in every worker.  Acting the decisions out is conn.c's.
 */
#ifndef SOCKD_INJECT_H
#define SOCKD_INJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kinds of fault, in the order they are drawn, shown and counted. */
enum inject_kind {
	INJECT_DELAY,		/* wait before an answer */
	INJECT_STALL,		/* once per connection, after its Nth message */
	INJECT_DROP,		/* leave a message unanswered */
	INJECT_RESET,		/* RST instead of an answer */
	INJECT_CLOSE_AFTER,	/* FIN after N answers */
	INJECT_SLOW,		/* trickle answers at a rate */
	INJECT_PARTIAL,		/* an answer in several sends */
	INJECT_GARBLE,		/* a wrong answer of the same length */
	INJECT_KINDS
};

/* A share is in millionths: 100% is 1000000, 0.0001% is 1. */
#define INJECT_SHARE_ALL 1000000u
/* The largest MS, N or BYTES_PER_S a SPEC may give. */
#define INJECT_NUMBER_MAX 1000000000u
/* The longest wait a SPEC may ask for: an hour. */
#define INJECT_MS_MAX 3600000u
/* reset without @N-M: a message from the first to this one. */
#define INJECT_RESET_LAST 10u
/* The most pieces partial splits an answer into. */
#define INJECT_PIECES_MAX 3

/* One kind's setting; what a and b hold depends on the kind. */
struct inject_fault {
	bool on;
	uint32_t share;		/* of messages or connections, millionths */
	uint32_t a;		/* delay, stall: ms; reset: first message;
				 * close-after: answers; slow: bytes/s */
	uint32_t b;		/* delay: jitter ms; stall: after message N;
				 * reset: last message */
};

/* Every fault set; a value with no pointers, copied as it is. */
struct inject_set {
	struct inject_fault fault[INJECT_KINDS];
	bool any;		/* some fault is on */
};

/*
 * A connection's faults: the set in force when it began (a reload
 * applies to the next connections), its generator's key, and what was
 * drawn for it as a whole.
 */
struct inject_conn {
	struct inject_set set;
	uint64_t key;		/* from the seed and the connection number */
	bool stall, close_after, slow, reset;	/* drawn for this one */
	uint32_t reset_at;	/* the message the reset replaces */
};

/* What is drawn for one message. */
struct inject_draw {
	uint64_t message;	/* its number on the connection, from 1 */
	bool reset, drop, garble;
	bool delay;
	uint32_t delay_ms;
	unsigned pieces;	/* partial: 2 or more; 0: sent whole */
	uint64_t state;		/* the message's generator, for the bytes
				 * of a garble and the cuts of a partial */
};

/* The name of a kind as the SPEC writes it ("close-after"). */
const char *inject_kind_name(enum inject_kind kind);
/*
 * Add the faults of spec ("drop=5,delay=100~20") to set; "none" empties
 * it.  -1 with err naming the part that is wrong:
 * "'drop=150': not a percentage 0-100".
 */
int inject_parse(struct inject_set *set, const char *spec, char *err,
    size_t errsz);
/* True when a and b hold the same faults. */
bool inject_equal(const struct inject_set *a, const struct inject_set *b);
/* The set as a SPEC, in the canonical order; "none" when empty. */
void inject_format(const struct inject_set *set, char *out, size_t outsz);

/* The next number of a splitmix64 generator. */
uint64_t inject_next(uint64_t *state);
/* Draw what a connection gets: set, seed, its number at accept. */
void inject_conn_begin(struct inject_conn *ic, const struct inject_set *set,
    uint64_t seed, uint64_t seq);
/* Draw what message number message (from 1) gets. */
void inject_message(const struct inject_conn *ic, uint64_t message,
    struct inject_draw *d);
/*
 * Make bytes a wrong answer of the same length: every byte becomes
 * another printable ASCII byte, drawn from d's generator.
 */
void inject_garble(struct inject_draw *d, char *bytes, size_t len);
/*
 * Where partial cuts an answer of len bytes: the ends of its pieces but
 * the last, rising, in cuts; their number (d->pieces - 1, fewer when
 * the answer is too short to cut so often).
 */
unsigned inject_cuts(struct inject_draw *d, size_t len,
    size_t cuts[INJECT_PIECES_MAX]);

#endif
