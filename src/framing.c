/*
 * framing.c - split received bytes into messages and build the answers.
 * Received bytes stay in f->in until answered: f->in_pos is where the
 * next message starts, and f->in_scanned how far the line there has been
 * searched for its \n, so a long line arriving in many reads is searched
 * once, not once a read.  Answers are made a piece at a time in f->out,
 * at most the caller's limit, so a read of many short lines with a long
 * reply never needs memory in proportion to the answers.
 */
#include "build-config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "framing.h"

/* Start with empty buffers. */
void
framer_init(struct framer *f)
{
	memset(f, 0, sizeof *f);
}

/* Free a buffer: malloc's up to FRAMER_KEEP, a mapping above. */
static void
buffer_release(char *buf, size_t cap)
{
	if (cap > FRAMER_KEEP)
		munmap(buf, cap);
	else
		free(buf);
}

/*
 * Give a buffer holding len bytes the capacity new_cap.  Up to
 * FRAMER_KEEP it comes from malloc; above, it is a mapping of its own,
 * so that giving it back returns it to the system at once: malloc would
 * keep a freed block of many megabytes in a thread's arena (its trim and
 * mmap thresholds rise after the first such block is freed).
 */
static int
buffer_resize(char **buf, size_t *cap, size_t len, size_t new_cap)
{
	void *p;

	if (*cap <= FRAMER_KEEP && new_cap <= FRAMER_KEEP)
		p = realloc(*buf, new_cap);
	else if (*cap > FRAMER_KEEP && new_cap > FRAMER_KEEP) {
		p = mremap(*buf, *cap, new_cap, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			p = NULL;
	} else {
		if (new_cap > FRAMER_KEEP) {
			p = mmap(NULL, new_cap, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				p = NULL;
		} else
			p = malloc(new_cap);
		if (p != NULL && len > 0)
			memcpy(p, *buf, len);
		if (p != NULL)
			buffer_release(*buf, *cap);
	}
	if (p == NULL)
		return -1;
	*buf = p;
	*cap = new_cap;
	return 0;
}

/* Release the buffers. */
void
framer_free(struct framer *f)
{
	buffer_release(f->in, f->in_cap);
	buffer_release(f->out, f->out_cap);
	framer_init(f);
}

/* Release a buffer that grew past FRAMER_KEEP. */
static void
give_back(char **buf, size_t *cap)
{
	if (*cap <= FRAMER_KEEP)
		return;
	buffer_release(*buf, *cap);
	*buf = NULL;
	*cap = 0;
}

/* Forget a connection's leftovers, keep buffers up to FRAMER_KEEP. */
void
framer_reset(struct framer *f)
{
	f->in_len = 0;
	f->in_pos = 0;
	f->in_scanned = 0;
	f->out_len = 0;
	memset(f->rest, 0, sizeof f->rest);
	f->eof = false;
	f->too_long = false;
	give_back(&f->in, &f->in_cap);
	give_back(&f->out, &f->out_cap);
}

/*
 * Make room for at least need more bytes in a buffer, doubling it, but
 * to no more than limit bytes unless len + need is more.
 */
static int
buffer_reserve(char **buf, size_t *cap, size_t len, size_t need,
    size_t limit)
{
	size_t new_cap;

	if (*cap - len >= need)
		return 0;
	new_cap = *cap ? *cap : FRAMER_READ_CHUNK;
	while (new_cap - len < need)
		new_cap *= 2;
	if (new_cap > limit)
		new_cap = limit > len + need ? limit : len + need;
	return buffer_resize(buf, cap, len, new_cap);
}

/* Where the next recv() should write. */
char *
framer_space(struct framer *f, const struct reply_rules *rules,
    size_t *room)
{
	size_t kept = f->in_len - f->in_pos;

	/* The unfinished line moves to the front, only after a read that
	 * answered lines before it: at most one read's bytes. */
	if (f->in_pos > 0) {
		if (kept > 0)
			memmove(f->in, f->in + f->in_pos, kept);
		f->in_scanned -= f->in_pos;
		f->in_len = kept;
		f->in_pos = 0;
	}
	/* The long line is done: give its memory back (or try later). */
	if (f->in_cap > FRAMER_KEEP &&
	    f->in_len + FRAMER_READ_CHUNK <= FRAMER_KEEP)
		(void)buffer_resize(&f->in, &f->in_cap, f->in_len,
		    FRAMER_KEEP);
	/* An unfinished line is at most max_line bytes and a \r. */
	if (buffer_reserve(&f->in, &f->in_cap, f->in_len, FRAMER_READ_CHUNK,
	    (size_t)rules->max_line + 1 + FRAMER_READ_CHUNK) < 0)
		return NULL;
	*room = f->in_cap - f->in_len;
	if (*room > FRAMER_READ_CHUNK)
		*room = FRAMER_READ_CHUNK;
	return f->in + f->in_len;
}

/* Take n bytes just received at framer_space(). */
void
framer_received(struct framer *f, size_t n)
{
	f->in_len += n;
}

/* The peer closed: a last line without its \n is a message. */
void
framer_eof(struct framer *f)
{
	f->eof = true;
}

/* Bytes of a line received but not yet ended. */
size_t
framer_pending(const struct framer *f)
{
	return f->in_len - f->in_pos;
}

/* A message at f->in_pos, and what its answer ends with. */
struct message {
	const char *bytes;	/* without its ending */
	size_t len;
	const char *ending;	/* the ending to mirror; empty with raw */
	size_t ending_len;
	size_t next;		/* where the message after it starts */
};

enum found {
	FOUND_NONE,		/* no complete message yet */
	FOUND_MESSAGE,
	FOUND_TOO_LONG,		/* a line over max_line, ended or not */
};

/* Find the message at f->in_pos without taking it. */
static enum found
find_message(struct framer *f, const struct reply_rules *rules,
    struct message *m)
{
	const char *start, *nl;
	size_t len = f->in_len - f->in_pos;
	bool crlf;

	/* Nothing pending is no message in either framing; f->in may be
	 * NULL then (an end of input before any read, or after a reset
	 * gave the buffer back), and NULL + 0 is undefined. */
	if (len == 0)
		return FOUND_NONE;
	start = f->in + f->in_pos;
	if (rules->framing == FRAMING_RAW) {
		/* The whole read is one message. */
		*m = (struct message){ start, len, "", 0, f->in_len };
		return FOUND_MESSAGE;
	}
	nl = memchr(f->in + f->in_scanned, '\n', f->in_len - f->in_scanned);
	if (nl == NULL) {
		f->in_scanned = f->in_len;
		/* A partial line may still end in \r before its \n. */
		if (len > rules->max_line + 1 ||
		    (len == rules->max_line + 1 && start[len - 1] != '\r'))
			return FOUND_TOO_LONG;
		if (!f->eof)
			return FOUND_NONE;
		/*
		 * The peer closed after a last line without its \n.  The
		 * answer still ends a line, so a client reading lines sees
		 * it; a lone trailing \r began a \r\n that never came.
		 */
		crlf = start[len - 1] == '\r';
		*m = (struct message){ start, len - crlf, crlf ? "\r\n" : "\n",
		    crlf ? 2 : 1, f->in_len };
		return FOUND_MESSAGE;
	}
	f->in_scanned = (size_t)(nl - f->in);
	len = (size_t)(nl - start);
	crlf = len > 0 && start[len - 1] == '\r';
	*m = (struct message){ start, len - crlf, nl - crlf, 1 + crlf,
	    f->in_scanned + 1 };
	return m->len > rules->max_line ? FOUND_TOO_LONG : FOUND_MESSAGE;
}

/*
 * Copy into the piece what fits of the answer in f->rest: 0 once all of
 * it is there, 1 if the piece filled first, -1 if memory ran out.
 */
static int
copy_rest(struct framer *f, size_t limit)
{
	struct framer_span *span;
	size_t i, n;

	for (i = 0; i < 2; i++) {
		span = &f->rest[i];
		n = limit - f->out_len;
		if (n > span->len)
			n = span->len;
		if (n > 0) {
			if (buffer_reserve(&f->out, &f->out_cap, f->out_len, n,
			    limit) < 0)
				return -1;
			memcpy(f->out + f->out_len, span->bytes, n);
			f->out_len += n;
			span->bytes += n;
			span->len -= n;
		}
		if (span->len > 0)
			return 1;
	}
	return 0;
}

/* Answer what was received, one piece of at most limit bytes. */
int
framer_answer(struct framer *f, const struct reply_rules *rules,
    size_t limit, framer_message_fn on_message, void *arg,
    enum framer_status *status)
{
	/* Read once: the loop's stores through f might alias rules. */
	bool one_each = rules->one_each;
	struct message m;
	enum found found;
	const char *body;
	size_t body_len;
	int rc;

	*status = FRAMER_OK;
	f->out_len = 0;
	while ((rc = copy_rest(f, limit)) == 0) {
		if (f->too_long) {
			*status = FRAMER_LINE_TOO_LONG;
			return 0;
		}
		found = find_message(f, rules, &m);
		if (found == FOUND_NONE)
			return 0;
		if (found == FOUND_TOO_LONG) {
			body = FRAMER_LINE_TOO_LONG_TEXT;
			body_len = sizeof FRAMER_LINE_TOO_LONG_TEXT - 1;
			m.ending = "";
			m.ending_len = 0;
		} else if (rules->echo) {
			body = m.bytes;
			body_len = m.len;
		} else {
			body = rules->reply;
			body_len = rules->reply_len;
		}
		/* A piece holds whole answers: this one starts the next.
		 * The test of one_each is reached only after an answer. */
		if (f->out_len > 0 && (body_len + m.ending_len >
		    limit - f->out_len || one_each))
			return 1;
		if (found == FOUND_TOO_LONG) {
			/* Nothing of that line, or after it, is answered. */
			f->too_long = true;
			f->in_pos = f->in_scanned = f->in_len;
		} else {
			f->in_pos = f->in_scanned = m.next;
			if (on_message != NULL)
				on_message(m.bytes, m.len, arg);
		}
		f->rest[0] = (struct framer_span){ body, body_len };
		f->rest[1] = (struct framer_span){ m.ending, m.ending_len };
	}
	return rc;
}
