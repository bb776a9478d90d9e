/*
 * framing.c - split received bytes into messages and build the answers.
 * A connection's leftover partial line stays at the start of f->in, and
 * f->in_scanned remembers how far it has been searched for its \n, so a
 * long line arriving in many reads is searched once, not once a read.
 * Answers for one read are gathered in f->out so they leave in one send().
 */
#include "build-config.h"

#include <stdint.h>
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
	f->in_scanned = 0;
	f->out_len = 0;
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

/* Append bytes to the answers. */
static int
out_append(struct framer *f, const char *bytes, size_t len)
{
	if (buffer_reserve(&f->out, &f->out_cap, f->out_len, len,
	    SIZE_MAX) < 0)
		return -1;
	memcpy(f->out + f->out_len, bytes, len);
	f->out_len += len;
	return 0;
}

/* Where the next recv() should write. */
char *
framer_space(struct framer *f, const struct reply_rules *rules,
    size_t *room)
{
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

/* Answer one message: the reply text or the message, then its ending. */
static int
answer(struct framer *f, const struct reply_rules *rules, const char *msg,
    size_t len, const char *ending, size_t ending_len)
{
	if (rules->echo) {
		if (out_append(f, msg, len) < 0)
			return -1;
	} else if (out_append(f, rules->reply, rules->reply_len) < 0)
		return -1;
	return out_append(f, ending, ending_len);
}

/* Answer every complete line at the start of f->in; keep the rest. */
static int
frame_lines(struct framer *f, const struct reply_rules *rules,
    framer_message_fn on_message, void *arg, enum framer_status *status)
{
	const char *start = f->in, *end = f->in + f->in_len, *nl;
	const char *from = f->in + f->in_scanned;
	size_t len, ending_len;

	*status = FRAMER_OK;
	while ((nl = memchr(from, '\n', (size_t)(end - from))) != NULL) {
		len = (size_t)(nl - start);
		ending_len = 1;
		if (len > 0 && start[len - 1] == '\r') {
			len--;
			ending_len = 2;
		}
		if (len > rules->max_line)
			goto too_long;
		if (on_message != NULL)
			on_message(start, len, arg);
		if (answer(f, rules, start, len, start + len, ending_len) < 0)
			return -1;
		start = from = nl + 1;
	}
	/* A partial line may still end in \r before its \n arrives. */
	len = (size_t)(end - start);
	if (len > rules->max_line + 1 ||
	    (len == rules->max_line + 1 && end[-1] != '\r'))
		goto too_long;
	if (start != f->in)
		memmove(f->in, start, len);
	f->in_len = len;
	f->in_scanned = len;
	return 0;

too_long:
	f->in_len = 0;
	f->in_scanned = 0;
	*status = FRAMER_LINE_TOO_LONG;
	return out_append(f, FRAMER_LINE_TOO_LONG_TEXT,
	    sizeof FRAMER_LINE_TOO_LONG_TEXT - 1);
}

/* Frame n bytes just received at framer_space(). */
int
framer_input(struct framer *f, size_t n, const struct reply_rules *rules,
    framer_message_fn on_message, void *arg, enum framer_status *status)
{
	f->out_len = 0;
	f->in_len += n;
	*status = FRAMER_OK;
	if (rules->framing == FRAMING_LINE)
		return frame_lines(f, rules, on_message, arg, status);

	/* raw: the whole read is one message */
	if (on_message != NULL)
		on_message(f->in, f->in_len, arg);
	if (answer(f, rules, f->in, f->in_len, "", 0) < 0)
		return -1;
	f->in_len = 0;
	return 0;
}

/* Bytes of a line received but not yet ended. */
size_t
framer_pending(const struct framer *f)
{
	return f->in_len;
}

/* The peer closed: answer a final line that lacks its \n. */
int
framer_eof(struct framer *f, const struct reply_rules *rules,
    framer_message_fn on_message, void *arg)
{
	size_t len = f->in_len;
	bool crlf;

	f->out_len = 0;
	if (rules->framing != FRAMING_LINE || len == 0)
		return 0;
	f->in_len = 0;
	f->in_scanned = 0;
	/*
	 * The answer still ends a line, so a client reading lines sees it;
	 * a lone trailing \r was the start of a \r\n that never came.
	 */
	crlf = f->in[len - 1] == '\r';
	if (crlf)
		len--;
	if (on_message != NULL)
		on_message(f->in, len, arg);
	return answer(f, rules, f->in, len, crlf ? "\r\n" : "\n",
	    crlf ? 2 : 1);
}
