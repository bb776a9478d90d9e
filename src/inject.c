/*
 * inject.c - the SPEC grammar of --inject and the draws behind every
 * fault.  Each connection has a generator of its own, seeded from the
 * run's seed and the connection's number at accept; each message draws
 * from a generator seeded from the connection's key and the message's
 * number, so what one message draws (the bytes of a garble, say) never
 * moves the faults of the next.  splitmix64 throughout: small, fast, and
 * good enough to pick shares.
 */
#include "build-config.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "inject.h"

/* The kinds' names, as a SPEC writes them. */
static const char *const kind_names[INJECT_KINDS] = {
	[INJECT_DELAY] = "delay",
	[INJECT_STALL] = "stall",
	[INJECT_DROP] = "drop",
	[INJECT_RESET] = "reset",
	[INJECT_CLOSE_AFTER] = "close-after",
	[INJECT_SLOW] = "slow",
	[INJECT_PARTIAL] = "partial",
	[INJECT_GARBLE] = "garble",
};

/* The name of a kind as the SPEC writes it. */
const char *
inject_kind_name(enum inject_kind kind)
{
	return kind_names[kind];
}

/*
 * Read the decimal number at *p (before end) into *value if it is within
 * [min, max], and move *p past it; -1 if there is none or it is out of
 * range.  Checked digit by digit, so it cannot overflow.
 */
static int
take_number(const char **p, const char *end, uint32_t min, uint32_t max,
    uint32_t *value)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s == end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (uint64_t)(*s - '0')) > max)
			return -1;
	if (v < min)
		return -1;
	*p = s;
	*value = (uint32_t)v;
	return 0;
}

/* Read a percentage, 0 to 100 with up to 4 decimals and an optional %,
 * as millionths; -1 if it is not one. */
static int
take_share(const char **p, const char *end, uint32_t *share)
{
	const char *s = *p;
	uint32_t whole, fraction = 0;
	unsigned digits = 0;

	if (take_number(&s, end, 0, 100, &whole) < 0)
		return -1;
	if (s < end && *s == '.') {
		for (s++; s < end && *s >= '0' && *s <= '9'; s++, digits++)
			if (digits < 4)
				fraction = fraction * 10 + (uint32_t)(*s - '0');
		if (digits == 0 || digits > 4)
			return -1;
		for (; digits < 4; digits++)
			fraction *= 10;
	}
	if (s < end && *s == '%')
		s++;
	if (whole * 10000 + fraction > INJECT_SHARE_ALL)
		return -1;
	*share = whole * 10000 + fraction;
	*p = s;
	return 0;
}

/* reset's optional @N or @N-M: the messages the reset may replace. */
static const char *
take_reset_range(const char **p, const char *end, struct inject_fault *f)
{
	f->a = 1;
	f->b = INJECT_RESET_LAST;
	if (*p == end || **p != '@')
		return NULL;
	(*p)++;
	if (take_number(p, end, 1, INJECT_NUMBER_MAX, &f->a) < 0)
		return "not a message number in 1-1000000000 after @";
	f->b = f->a;
	if (*p < end && **p == '-' && (++*p, take_number(p, end, f->a,
	    INJECT_NUMBER_MAX, &f->b) < 0))
		return "not a range of messages N-M with N <= M after @";
	return NULL;
}

/*
 * Read a kind's value from [p, end) into f; NULL, or why it is wrong.
 */
static const char *
parse_value(enum inject_kind kind, const char *p, const char *end,
    struct inject_fault *f)
{
	const char *why = NULL;

	f->share = INJECT_SHARE_ALL;
	switch (kind) {
	case INJECT_DELAY:
		if (take_number(&p, end, 0, INJECT_MS_MAX, &f->a) < 0)
			return "the delay is not a number of ms in 0-3600000";
		if (p < end && *p == '~' && (++p, take_number(&p, end, 0,
		    INJECT_MS_MAX, &f->b) < 0))
			return "the jitter is not a number of ms in 0-3600000";
		if (f->b > f->a)
			return "the jitter is more than the delay";
		break;
	case INJECT_STALL:
		if (take_number(&p, end, 1, INJECT_MS_MAX, &f->a) < 0)
			return "the stall is not a number of ms in 1-3600000";
		if (p == end || *p++ != '@' || take_number(&p, end, 0,
		    INJECT_NUMBER_MAX, &f->b) < 0)
			return "expected stall=MS@N, N a message number in "
			    "0-1000000000";
		break;
	case INJECT_CLOSE_AFTER:
		if (take_number(&p, end, 0, INJECT_NUMBER_MAX, &f->a) < 0)
			return "not a number of answers in 0-1000000000";
		break;
	case INJECT_SLOW:
		if (take_number(&p, end, 1, INJECT_NUMBER_MAX, &f->a) < 0)
			return "not a number of bytes per second in "
			    "1-1000000000";
		break;
	default:
		if (take_share(&p, end, &f->share) < 0)
			return "not a percentage 0-100";
		if (kind == INJECT_RESET)
			why = take_reset_range(&p, end, f);
		/* The share is the value itself: no /PCT after it. */
		return why != NULL ? why : p == end ? NULL : "not a "
		    "percentage 0-100";
	}
	if (p < end && *p == '/' && (++p, take_share(&p, end, &f->share) < 0))
		return "the share after / is not a percentage 0-100";
	return p == end ? NULL : "unexpected text after the value";
}

/* Add one fault, [part, end) without blanks, to set; NULL or why not. */
static const char *
parse_fault(struct inject_set *set, const char *part, const char *end)
{
	const char *eq = memchr(part, '=', (size_t)(end - part));
	struct inject_fault f;
	const char *why;
	size_t i, len;

	if (eq == NULL)
		return "expected NAME=VALUE";
	len = (size_t)(eq - part);
	for (i = 0; i < INJECT_KINDS; i++)
		if (strlen(kind_names[i]) == len &&
		    memcmp(kind_names[i], part, len) == 0)
			break;
	if (i == INJECT_KINDS)
		return "unknown fault: delay, stall, drop, reset, "
		    "close-after, slow, partial or garble";
	if (set->fault[i].on)
		return "given twice (one of each kind)";
	memset(&f, 0, sizeof f);
	if ((why = parse_value(i, eq + 1, end, &f)) != NULL)
		return why;
	f.on = true;
	set->fault[i] = f;
	set->any = true;
	return NULL;
}

/* Strip blanks at both ends of [*start, *end). */
static void
trim(const char **start, const char **end)
{
	while (*start < *end && (**start == ' ' || **start == '\t'))
		(*start)++;
	while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
		(*end)--;
}

/* Add the faults of spec to set. */
int
inject_parse(struct inject_set *set, const char *spec, char *err,
    size_t errsz)
{
	const char *part = spec, *end, *last;
	char shown[ESCAPE_SIZE(64)];
	const char *why;

	if (strcmp(spec, "none") == 0) {
		memset(set, 0, sizeof *set);
		return 0;
	}
	for (;;) {
		last = strchr(part, ',');
		end = last != NULL ? last : part + strlen(part);
		trim(&part, &end);
		why = part == end ? "no fault between commas" :
		    parse_fault(set, part, end);
		if (why != NULL) {
			/* Escaped: the text may hold bytes a terminal would
			 * act on. */
			escape_message(part, (size_t)(end - part), 64, shown,
			    sizeof shown);
			snprintf(err, errsz, "'%s': %s", shown, why);
			return -1;
		}
		if (last == NULL)
			return 0;
		part = last + 1;
	}
}

/* True when a and b hold the same faults. */
bool
inject_equal(const struct inject_set *a, const struct inject_set *b)
{
	const struct inject_fault *fa, *fb;
	size_t i;

	for (i = 0; i < INJECT_KINDS; i++) {
		fa = &a->fault[i];
		fb = &b->fault[i];
		if (fa->on != fb->on || (fa->on && (fa->share != fb->share ||
		    fa->a != fb->a || fa->b != fb->b)))
			return false;
	}
	return true;
}

/* Append a share as a SPEC writes it: "5", "0.25". */
static int
format_share(char *out, size_t outsz, uint32_t share)
{
	unsigned fraction = share % 10000, digits = 4;

	if (fraction == 0)
		return snprintf(out, outsz, "%u", share / 10000);
	while (fraction % 10 == 0) {
		fraction /= 10;
		digits--;
	}
	return snprintf(out, outsz, "%u.%0*u", share / 10000, (int)digits,
	    fraction);
}

/* One fault's value as a SPEC writes it, after "NAME=". */
static int
format_value(enum inject_kind kind, const struct inject_fault *f, char *out,
    size_t outsz)
{
	int n;

	switch (kind) {
	case INJECT_DELAY:
		n = f->b ? snprintf(out, outsz, "%u~%u", f->a, f->b) :
		    snprintf(out, outsz, "%u", f->a);
		break;
	case INJECT_STALL:
		n = snprintf(out, outsz, "%u@%u", f->a, f->b);
		break;
	case INJECT_CLOSE_AFTER:
	case INJECT_SLOW:
		n = snprintf(out, outsz, "%u", f->a);
		break;
	case INJECT_RESET:
		n = format_share(out, outsz, f->share);
		if (n >= 0 && (size_t)n < outsz)
			n += snprintf(out + n, outsz - (size_t)n, "@%u-%u",
			    f->a, f->b);
		return n;
	default:
		return format_share(out, outsz, f->share);
	}
	if (n >= 0 && (size_t)n < outsz && f->share != INJECT_SHARE_ALL) {
		n += snprintf(out + n, outsz - (size_t)n, "/");
		n += format_share(out + n, outsz - (size_t)n, f->share);
	}
	return n;
}

/* The set as a SPEC. */
void
inject_format(const struct inject_set *set, char *out, size_t outsz)
{
	size_t i, len = 0;
	int n;

	snprintf(out, outsz, "none");
	for (i = 0; i < INJECT_KINDS && len < outsz; i++) {
		if (!set->fault[i].on)
			continue;
		n = snprintf(out + len, outsz - len, "%s%s=", len ? "," : "",
		    kind_names[i]);
		if (n < 0 || (size_t)n >= outsz - len)
			return;
		len += (size_t)n;
		n = format_value(i, &set->fault[i], out + len, outsz - len);
		if (n < 0)
			return;
		len += (size_t)n;
	}
}

/* The next number of a splitmix64 generator. */
uint64_t
inject_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number drawn evenly from [lo, hi], hi - lo below 2^32. */
static uint64_t
draw_between(uint64_t *state, uint64_t lo, uint64_t hi)
{
	/* Multiply and shift: no division, no bias worth the name. */
	return lo + (((inject_next(state) >> 32) * (hi - lo + 1)) >> 32);
}

/* Draw whether fault f strikes; nothing is drawn for a fault that is
 * off, so the draws depend only on the set. */
static bool
draw_share(uint64_t *state, const struct inject_fault *f)
{
	if (!f->on)
		return false;
	return draw_between(state, 0, INJECT_SHARE_ALL - 1) < f->share;
}

/* Draw what a connection gets. */
void
inject_conn_begin(struct inject_conn *ic, const struct inject_set *set,
    uint64_t seed, uint64_t seq)
{
	const struct inject_fault *reset = &set->fault[INJECT_RESET];
	uint64_t state = seed ^ (seq * 0xd1b54a32d192ed03ULL);

	ic->set = *set;
	ic->key = inject_next(&state);
	ic->stall = draw_share(&state, &set->fault[INJECT_STALL]);
	ic->close_after = draw_share(&state, &set->fault[INJECT_CLOSE_AFTER]);
	ic->slow = draw_share(&state, &set->fault[INJECT_SLOW]);
	ic->reset = draw_share(&state, reset);
	ic->reset_at = ic->reset ? (uint32_t)draw_between(&state, reset->a,
	    reset->b) : 0;
}

/* Draw what a message gets. */
void
inject_message(const struct inject_conn *ic, uint64_t message,
    struct inject_draw *d)
{
	const struct inject_fault *f = ic->set.fault;
	uint64_t state = ic->key ^ (message * 0x9e3779b97f4a7c15ULL);

	memset(d, 0, sizeof *d);
	d->message = message;
	d->state = inject_next(&state);
	d->reset = ic->reset && message == ic->reset_at;
	d->delay = draw_share(&d->state, &f[INJECT_DELAY]);
	if (d->delay)
		d->delay_ms = (uint32_t)draw_between(&d->state,
		    f[INJECT_DELAY].a - f[INJECT_DELAY].b,
		    f[INJECT_DELAY].a + (uint64_t)f[INJECT_DELAY].b);
	d->drop = draw_share(&d->state, &f[INJECT_DROP]);
	if (draw_share(&d->state, &f[INJECT_PARTIAL]))
		d->pieces = (unsigned)draw_between(&d->state, 2,
		    INJECT_PIECES_MAX);
	d->garble = draw_share(&d->state, &f[INJECT_GARBLE]);
}

/* Make bytes a wrong answer of the same length. */
void
inject_garble(struct inject_draw *d, char *bytes, size_t len)
{
	size_t i;
	char c;

	/* Printable and never a line ending, so a line client stays in
	 * step: it reads a wrong line, not a broken stream. */
	for (i = 0; i < len; i++) {
		c = (char)draw_between(&d->state, '!', '~');
		if (c == bytes[i])
			c = c == '~' ? '!' : (char)(c + 1);
		bytes[i] = c;
	}
}

/* Where partial cuts an answer of len bytes. */
unsigned
inject_cuts(struct inject_draw *d, size_t len,
    size_t cuts[INJECT_PIECES_MAX])
{
	unsigned n = d->pieces > 1 ? d->pieces - 1 : 0, i;
	size_t prev = 0;

	if (len < 2)
		return 0;
	if (n > len - 1)
		n = (unsigned)(len - 1);
	/* Each cut leaves room for one byte in every piece after it. */
	for (i = 0; i < n; i++) {
		cuts[i] = (size_t)draw_between(&d->state, prev + 1,
		    len - (n - i));
		prev = cuts[i];
	}
	return n;
}
