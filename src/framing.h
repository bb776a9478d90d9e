/*
 * framing.h - turn the bytes a connection receives into messages and the
 * bytes it must send back.  Pure: no sockets, no threads, no logging; the
 * caller receives into framer_space(), then sends framer->out after each
 * framer_answer() until that says the read is answered.
 */
#ifndef SOCKD_FRAMING_H
#define SOCKD_FRAMING_H

#include <stdbool.h>
#include <stddef.h>

enum framing {
	FRAMING_RAW,	/* a message is what one recv() returned */
	FRAMING_LINE,	/* a message is a line ending in \n or \r\n */
};

/* How messages are answered; read at every framer_answer() call. */
struct reply_rules {
	enum framing framing;
	const char *reply;	/* answer text, unless echo */
	size_t reply_len;
	bool echo;		/* answer each message with itself */
	size_t max_line;	/* longest line (without its ending) accepted */
	bool one_each;		/* a piece holds one answer (or a part of
				 * it), so each can be faulted (inject.h) */
};

enum framer_status {
	FRAMER_OK,
	FRAMER_LINE_TOO_LONG,	/* out ends in the error; close after sending */
};

/* Called for each message, with the line ending stripped. */
typedef void (*framer_message_fn)(const char *msg, size_t len, void *arg);

/* Bytes still to be copied into the answers. */
struct framer_span {
	const char *bytes;
	size_t len;
};

struct framer {
	char *in;		/* received bytes not yet answered */
	size_t in_len, in_cap;
	size_t in_pos;		/* where the next message starts */
	size_t in_scanned;	/* in[in_pos, in_scanned) holds no \n */
	char *out;		/* the piece of answers to send now */
	size_t out_len, out_cap;
	struct framer_span rest[2];	/* an answer longer than a piece:
					 * what the next pieces carry */
	bool eof;		/* the peer closed: a last line is a message */
	bool too_long;		/* the error is answered; nothing more is */
};

#define FRAMER_LINE_TOO_LONG_TEXT "error: line too long\n"

/* Bytes one recv() may return. */
#define FRAMER_READ_CHUNK 16384
/*
 * The most answer bytes a connection produces before it sends them: the
 * answers to one read leave in one send() when they fit.
 */
#define FRAMER_PIECE (64 * 1024)
/*
 * Buffer bytes a framer keeps: one that grew past this for a long line
 * is given back once the line is done, and between connections.
 */
#define FRAMER_KEEP (64 * 1024)

/* Start with empty buffers (allocated on first use). */
void framer_init(struct framer *f);
/* Release the buffers. */
void framer_free(struct framer *f);
/*
 * Forget a connection's leftovers; keep the buffers for the next one,
 * up to FRAMER_KEEP bytes each.
 */
void framer_reset(struct framer *f);
/*
 * Where the next recv() should write, growing the buffer if it must, but
 * never past the longest line the rules allow and one read; *room is set
 * to the bytes available.  NULL if memory ran out.  Only once
 * framer_answer() has returned 0: the pieces it made point into the
 * buffer this may move.
 */
char *framer_space(struct framer *f, const struct reply_rules *rules,
    size_t *room);
/* Take n bytes just received at framer_space(). */
void framer_received(struct framer *f, size_t n);
/* The peer closed: a final line without its \n is still a message. */
void framer_eof(struct framer *f);
/*
 * Answer what was received, a piece at a time: f->out gets whole answers,
 * in order, up to limit bytes (an answer longer than limit is cut into
 * pieces of limit bytes); on_message sees each message as its answer
 * starts.  Returns 1 when more answers may follow (send f->out, then call
 * again), 0 when all is answered (f->out is the last piece, perhaps
 * empty), -1 if memory ran out.  *status says whether the error about a
 * line too long ends the piece.
 */
int framer_answer(struct framer *f, const struct reply_rules *rules,
    size_t limit, framer_message_fn on_message, void *arg,
    enum framer_status *status);
/* Bytes of a line received but not yet ended (0 with raw framing). */
size_t framer_pending(const struct framer *f);

#endif
