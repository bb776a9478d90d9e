/*
 * fuzz-framing.c - the framer (framing.h) against a reference framer
 * written here the plain way: it holds the bytes not yet framed and
 * searches them whole after each read, and it packs the answers into
 * pieces as framing.h says.  The input chooses the rules (raw or line,
 * a reply or echo, --max-line), the limits of the pieces, and a script
 * of reads, ends of input and new connections.  After every read and
 * every end of input the framer's messages and pieces of answers, with
 * the status and "more" of each piece, must be the reference's, and so
 * must the bytes it holds of a line not yet ended; its buffers must stay
 * within what framing.h promises.
 *
 * Input: a flags byte, a --max-line byte, a reply length byte and the
 * reply, a byte that says how many piece limits follow and those
 * limits, then the script (see run_script()).
 */
#include "build-config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "framing.h"
#include "fuzz.h"

#define FLAG_LINE	0x01	/* line framing, else raw */
#define FLAG_ECHO	0x02	/* answer with the message */
#define FLAG_OPEN	0x04	/* no end of input after the script */

/* Most bytes one input feeds the framer: long lines, but quick runs. */
#define FEED_MAX	(256 * 1024)
/* Most bytes of expected events one input may ask to check. */
#define EVENTS_MAX	(16 * 1024 * 1024)

/* A growing byte string. */
struct bytes {
	unsigned char	*p;
	size_t		 len, cap;
};

/* What a connection did, in order, as the framer and the reference
 * report it: messages seen, pieces of answers. */
enum event {
	EVENT_MESSAGE = 'M',
	EVENT_PIECE = 'P',
};

/* The reference: the bytes received and not framed, line[start..len). */
struct reference {
	struct bytes	 line;
	size_t		 start;
	bool		 too_long;	/* the error is answered: no more */
	bool		 eof;
};

/* Answers packed into pieces as framer_answer() makes them. */
struct packer {
	struct bytes	*events;
	struct bytes	 piece;
	const size_t	*limits;
	size_t		 nlimits;
	size_t		*calls;		/* framer_answer() calls so far */
};

/* One connection after another, as the script drives them. */
struct run {
	struct framer		 framer;
	struct reply_rules	 rules;
	struct reference	 ref;
	struct bytes		 want, got;	/* the events of one batch */
	const size_t		*limits;
	size_t			 nlimits;
	size_t			 calls, ref_calls;
	size_t			 largest_limit;
	size_t			 fed;		/* bytes fed so far */
	size_t			 events;	/* event bytes checked so far */
	size_t			 batches;
	bool			 closed;	/* until a new connection */
	bool			 stopped;	/* too costly: check no more */
};

/* Start b empty but allocated, so that b->p + 0 is a pointer. */
static void
bytes_init(struct bytes *b)
{
	b->p = fuzz_alloc(256);
	b->len = 0;
	b->cap = 256;
}

/* Append n bytes to b. */
static void
bytes_put(struct bytes *b, const void *data, size_t n)
{
	unsigned char *p;
	size_t cap;

	if (b->cap - b->len < n) {
		cap = b->cap ? b->cap : 256;
		while (cap - b->len < n)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			fuzz_fail("out of memory for %zu bytes", cap);
		b->p = p;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* Append n bytes of value c to b. */
static void
bytes_fill(struct bytes *b, int c, size_t n)
{
	unsigned char run[2048];
	size_t k;

	memset(run, c, sizeof run);
	for (; n > 0; n -= k) {
		k = n < sizeof run ? n : sizeof run;
		bytes_put(b, run, k);
	}
}

/* Append a length as 8 bytes. */
static void
bytes_put_size(struct bytes *b, size_t n)
{
	uint64_t v = n;

	bytes_put(b, &v, sizeof v);
}

/* Record a message seen. */
static void
event_message(struct bytes *events, const void *msg, size_t len)
{
	unsigned char tag = EVENT_MESSAGE;

	bytes_put(events, &tag, 1);
	bytes_put_size(events, len);
	bytes_put(events, msg, len);
}

/* Record a piece of answers and what framer_answer() said with it. */
static void
event_piece(struct bytes *events, const void *piece, size_t len, int more,
    enum framer_status status)
{
	unsigned char head[3] = { EVENT_PIECE, (unsigned char)more,
	    (unsigned char)status };

	bytes_put(events, head, sizeof head);
	bytes_put_size(events, len);
	bytes_put(events, piece, len);
}

/* Print a list of events to stderr, for a failure message. */
static void
events_dump(const char *label, const struct bytes *events)
{
	const unsigned char *p = events->p, *end = p + events->len;
	uint64_t len;
	char what[64];

	fprintf(stderr, "%s:\n", label);
	while (p < end) {
		if (p[0] == EVENT_MESSAGE) {
			memcpy(&len, p + 1, sizeof len);
			fuzz_dump("  message", p + 1 + sizeof len, len);
			p += 1 + sizeof len + len;
		} else {
			memcpy(&len, p + 3, sizeof len);
			snprintf(what, sizeof what, "  piece more=%d status=%d",
			    p[1], p[2]);
			fuzz_dump(what, p + 3 + sizeof len, len);
			p += 3 + sizeof len + len;
		}
	}
}

/* The framer's callback: record the message. */
static void
on_message(const char *msg, size_t len, void *arg)
{
	event_message(arg, msg, len);
}

/* The limit of the next piece: the limits are used in turn. */
static size_t
packer_limit(const struct packer *pk)
{
	return pk->limits[*pk->calls % pk->nlimits];
}

/* End the piece being made; more says whether another follows. */
static void
packer_emit(struct packer *pk, int more, enum framer_status status)
{
	event_piece(pk->events, pk->piece.p, pk->piece.len, more, status);
	pk->piece.len = 0;
	(*pk->calls)++;
}

/*
 * Add one answer (msg is NULL for the error).  A piece holds whole
 * answers while they fit; an answer that does not fit in what is left
 * of a piece starts the next one; an answer longer than a piece is cut
 * at the limit, and the rest of it starts the next piece.  The message
 * is seen as its answer starts.
 */
static void
packer_answer(struct packer *pk, const unsigned char *msg, size_t msg_len,
    const unsigned char *text, size_t len)
{
	size_t room;

	if (pk->piece.len > 0 && len > packer_limit(pk) - pk->piece.len)
		packer_emit(pk, 1, FRAMER_OK);
	if (msg != NULL)
		event_message(pk->events, msg, msg_len);
	while (len > (room = packer_limit(pk) - pk->piece.len)) {
		bytes_put(&pk->piece, text, room);
		text += room;
		len -= room;
		packer_emit(pk, 1, FRAMER_OK);
	}
	bytes_put(&pk->piece, text, len);
}

/* Answer a message: the reply or the message, then its line ending. */
static void
reference_answer(struct packer *pk, const struct reply_rules *rules,
    const unsigned char *msg, size_t len, const char *ending)
{
	struct bytes text;

	bytes_init(&text);
	if (rules->echo)
		bytes_put(&text, msg, len);
	else
		bytes_put(&text, rules->reply, rules->reply_len);
	bytes_put(&text, ending, strlen(ending));
	packer_answer(pk, msg, len, text.p, text.len);
	free(text.p);
}

/*
 * Frame lines: each ends in \n, and a \r before it is part of the
 * ending, mirrored in the answer.  A line is too long as soon as what it
 * holds, without the ending it has or may still get, is over max_line:
 * it and all after it get only the error.  After the end of input, what
 * is left is a last line, ended as it would have been.
 */
static void
reference_lines(struct reference *r, const struct reply_rules *rules,
    struct packer *pk)
{
	static const char too_long[] = FRAMER_LINE_TOO_LONG_TEXT;
	const unsigned char *line;
	size_t len, nl, content, taken;
	const char *ending;

	for (;;) {
		line = r->line.p + r->start;
		len = r->line.len - r->start;
		for (nl = 0; nl < len && line[nl] != '\n'; nl++)
			;
		content = nl;
		ending = "\n";
		if (content > 0 && line[content - 1] == '\r') {
			content--;
			ending = "\r\n";
		}
		taken = nl < len ? nl + 1 : len;
		if (content > rules->max_line) {
			packer_answer(pk, NULL, 0, (const unsigned char *)
			    too_long, sizeof too_long - 1);
			r->too_long = true;
			r->start = r->line.len;
			return;
		}
		/* Not ended, and the peer may still send the rest. */
		if (nl == len && (!r->eof || len == 0))
			return;
		reference_answer(pk, rules, line, content, ending);
		r->start += taken;
	}
}

/* Frame what the reference holds, answer it, and end the batch. */
static void
reference_batch(struct reference *r, const struct reply_rules *rules,
    struct packer *pk)
{
	size_t len = r->line.len - r->start;

	if (r->too_long)
		;
	else if (rules->framing == FRAMING_RAW) {
		/* A read is a message, whatever it holds. */
		if (len > 0)
			reference_answer(pk, rules, r->line.p + r->start, len,
			    "");
		r->start = r->line.len;
	} else
		reference_lines(r, rules, pk);
	packer_emit(pk, 0, r->too_long ? FRAMER_LINE_TOO_LONG : FRAMER_OK);
	/* Keep only the line not yet ended. */
	memmove(r->line.p, r->line.p + r->start, r->line.len - r->start);
	r->line.len -= r->start;
	r->start = 0;
}

/* The framer's buffers stay as small as framing.h promises. */
static void
check_buffers(const struct run *run)
{
	const struct framer *f = &run->framer;
	size_t in_most = run->rules.max_line + 1 + FRAMER_READ_CHUNK;
	size_t out_most = run->largest_limit;

	if (in_most < FRAMER_KEEP)
		in_most = FRAMER_KEEP;
	if (out_most < FRAMER_READ_CHUNK)
		out_most = FRAMER_READ_CHUNK;
	if (f->in_cap > in_most)
		fuzz_fail("input buffer of %zu bytes, more than %zu",
		    f->in_cap, in_most);
	if (f->out_cap > out_most)
		fuzz_fail("output buffer of %zu bytes, more than %zu",
		    f->out_cap, out_most);
}

/*
 * Answer everything as conn.c does, the reference first; compare.
 * Stops the run instead when the answers would cost too much to check.
 */
static void
batch(struct run *run)
{
	struct packer pk = { &run->want, { NULL, 0, 0 }, run->limits,
	    run->nlimits, &run->ref_calls };
	enum framer_status status;
	size_t limit;
	int more;

	bytes_init(&pk.piece);
	run->want.len = run->got.len = 0;
	run->batches++;
	reference_batch(&run->ref, &run->rules, &pk);
	free(pk.piece.p);
	run->events += run->want.len;
	if (run->events > EVENTS_MAX) {
		run->stopped = true;
		return;
	}
	do {
		limit = run->limits[run->calls++ % run->nlimits];
		more = framer_answer(&run->framer, &run->rules, limit,
		    on_message, &run->got, &status);
		if (more < 0)
			fuzz_fail("framer_answer: out of memory");
		if (run->framer.out_len > limit)
			fuzz_fail("piece of %zu bytes, limit %zu",
			    run->framer.out_len, limit);
		event_piece(&run->got, run->framer.out, run->framer.out_len,
		    more, status);
	} while (more > 0);
	if (run->got.len != run->want.len ||
	    memcmp(run->got.p, run->want.p, run->got.len) != 0) {
		events_dump("framer", &run->got);
		events_dump("reference", &run->want);
		fuzz_fail("batch %zu: the framer and the reference differ",
		    run->batches);
	}
	if (framer_pending(&run->framer) != run->ref.line.len)
		fuzz_fail("batch %zu: %zu bytes pending, the reference has "
		    "%zu", run->batches, framer_pending(&run->framer),
		    run->ref.line.len);
	if (run->ref.too_long)
		run->closed = true;
}

/* One read of n bytes (of bytes, or of fill repeated), as recv() would
 * return them: no more than framer_space() offers at a time. */
static void
feed(struct run *run, const uint8_t *bytes, int fill, size_t n)
{
	size_t room, k;
	char *space;

	while (n > 0 && !run->closed && !run->stopped) {
		space = framer_space(&run->framer, &run->rules, &room);
		if (space == NULL)
			fuzz_fail("framer_space: out of memory");
		if (room == 0)
			fuzz_fail("framer_space: no room");
		check_buffers(run);
		/* A line done leaves the memory it took. */
		if (framer_pending(&run->framer) + FRAMER_READ_CHUNK <=
		    FRAMER_KEEP && run->framer.in_cap > FRAMER_KEEP)
			fuzz_fail("input buffer of %zu bytes kept for a "
			    "line of %zu", run->framer.in_cap,
			    framer_pending(&run->framer));
		k = n < room ? n : room;
		if (bytes != NULL) {
			memcpy(space, bytes, k);
			bytes_put(&run->ref.line, bytes, k);
			bytes += k;
		} else {
			memset(space, fill, k);
			bytes_fill(&run->ref.line, fill, k);
		}
		framer_received(&run->framer, k);
		run->fed += k;
		n -= k;
		batch(run);
	}
}

/* The peer closes: a last line is a message. */
static void
end_of_input(struct run *run)
{
	if (run->closed || run->stopped)
		return;
	framer_eof(&run->framer);
	run->ref.eof = true;
	batch(run);
	run->closed = true;
}

/* The next connection, on the same framer. */
static void
new_connection(struct run *run)
{
	framer_reset(&run->framer);
	if (framer_pending(&run->framer) != 0)
		fuzz_fail("reset: %zu bytes still pending",
		    framer_pending(&run->framer));
	if (run->framer.in_cap > FRAMER_KEEP ||
	    run->framer.out_cap > FRAMER_KEEP)
		fuzz_fail("reset kept buffers of %zu and %zu bytes",
		    run->framer.in_cap, run->framer.out_cap);
	run->ref.line.len = run->ref.start = 0;
	run->ref.too_long = run->ref.eof = false;
	run->closed = false;
}

/*
 * The script: each operation is a byte.  0x00-0xef: a read of the next
 * op + 1 bytes of the input; 0xf0-0xf7: a read of (op & 7) + 1 times
 * 2 KiB of the byte that follows (long lines, long messages); 0xf8-0xfb:
 * the end of input; 0xfc-0xff: a new connection.  Reads after an end of
 * input or a line too long wait for a new connection, as sockd closes.
 */
static void
run_script(struct run *run, struct fuzz_input *in)
{
	const uint8_t *bytes;
	size_t n;
	uint8_t op;
	int fill;

	while (fuzz_left(in) > 0 && !run->stopped) {
		op = fuzz_byte(in);
		if (op < 0xf0) {
			bytes = fuzz_bytes(in, (size_t)op + 1, &n);
			feed(run, bytes, 0, n);
		} else if (op < 0xf8) {
			fill = fuzz_byte(in);
			n = ((size_t)(op & 7) + 1) * 2048;
			if (run->fed + n <= FEED_MAX)
				feed(run, NULL, fill, n);
		} else if (op < 0xfc)
			end_of_input(run);
		else
			new_connection(run);
	}
}

/* --max-line: small ones often, and the edges of the buffer sizes. */
static size_t
choose_max_line(uint8_t v)
{
	static const size_t large[] = { 255, 256, 1023, 1024, 4096, 16383,
	    16384, 16385, 32768, 65535, 65536, 65537, 80000, 100000,
	    1048576, 16777216 };

	return v < 0xf0 ? (size_t)v + 1 : large[v - 0xf0];
}

/* Run one input: set the rules and limits, then the script. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	struct run run;
	size_t limits[4], n, i;
	const uint8_t *reply;
	uint8_t flags;
	char *reply_copy;

	memset(&run, 0, sizeof run);
	flags = fuzz_byte(&in);
	run.rules.framing = flags & FLAG_LINE ? FRAMING_LINE : FRAMING_RAW;
	run.rules.echo = (flags & FLAG_ECHO) != 0;
	run.rules.max_line = choose_max_line(fuzz_byte(&in));
	reply = fuzz_bytes(&in, fuzz_byte(&in), &n);
	/* Exactly its size: a read past the reply is caught. */
	reply_copy = fuzz_memdup(reply, n);
	run.rules.reply = reply_copy;
	run.rules.reply_len = n;
	run.nlimits = (size_t)(fuzz_byte(&in) & 3) + 1;
	for (i = 0; i < run.nlimits; i++) {
		n = fuzz_byte(&in);
		limits[i] = n > 0 ? n : FRAMER_PIECE;
		if (limits[i] > run.largest_limit)
			run.largest_limit = limits[i];
	}
	run.limits = limits;
	bytes_init(&run.ref.line);
	bytes_init(&run.want);
	bytes_init(&run.got);
	framer_init(&run.framer);
	run_script(&run, &in);
	if (!(flags & FLAG_OPEN))
		end_of_input(&run);
	framer_free(&run.framer);
	free(run.ref.line.p);
	free(run.want.p);
	free(run.got.p);
	free(reply_copy);
	return 0;
}
