/*
 * framing.h - turn the bytes a connection receives into messages and the
 * bytes it must send back.  Pure: no sockets, no threads, no logging; the
 * caller receives into framer_space() and sends framer->out.
 */
#ifndef SOCKD_FRAMING_H
#define SOCKD_FRAMING_H

#include <stdbool.h>
#include <stddef.h>

enum framing {
	FRAMING_RAW,	/* a message is what one recv() returned */
	FRAMING_LINE,	/* a message is a line ending in \n or \r\n */
};

/* How messages are answered; read at every framer_input() call. */
struct reply_rules {
	enum framing framing;
	const char *reply;	/* answer text, unless echo */
	size_t reply_len;
	bool echo;		/* answer each message with itself */
	size_t max_line;	/* longest line (without its ending) accepted */
};

enum framer_status {
	FRAMER_OK,
	FRAMER_LINE_TOO_LONG,	/* out ends in the error; close after sending */
};

/* Called for each message, with the line ending stripped. */
typedef void (*framer_message_fn)(const char *msg, size_t len, void *arg);

struct framer {
	char *in;		/* received bytes not yet framed */
	size_t in_len, in_cap;
	size_t in_scanned;	/* in[0, in_scanned) holds no \n */
	char *out;		/* answers to send for the last input */
	size_t out_len, out_cap;
};

#define FRAMER_LINE_TOO_LONG_TEXT "error: line too long\n"

/* Bytes one recv() may return. */
#define FRAMER_READ_CHUNK 16384
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
 * to the bytes available.  NULL if memory ran out.
 */
char *framer_space(struct framer *f, const struct reply_rules *rules,
    size_t *room);
/*
 * Frame n bytes just received at framer_space().  Answers replace
 * f->out; on_message sees each message.  -1 if memory ran out.
 */
int framer_input(struct framer *f, size_t n, const struct reply_rules *rules,
    framer_message_fn on_message, void *arg, enum framer_status *status);
/* Bytes of a line received but not yet ended (0 with raw framing). */
size_t framer_pending(const struct framer *f);
/*
 * The peer closed: a final line without its \n is still a message.
 * Answers replace f->out.  -1 if memory ran out.
 */
int framer_eof(struct framer *f, const struct reply_rules *rules,
    framer_message_fn on_message, void *arg);

#endif
