/*
 * fuzz-escape.c - the log escaper (escape.h) on any message, any shown
 * limit and any buffer size.  Its output must be one printable line (no
 * byte below 0x20, no DEL), valid UTF-8, within ESCAPE_SIZE(max) and its
 * buffer, NUL-terminated; and read back by the unescaper written here
 * from sockd(8) LOGGING, it must give the message, or the longest prefix
 * of whole characters within max followed by "...(N bytes)".  On the
 * way, each character shown as it is must be one the page lets through,
 * each escape must stand for what the page says it does, in its one
 * spelling.  A short buffer must hold a prefix of the same text, then a
 * prefix of the "...(N bytes)".
 *
 * Input: a byte that chooses max, two that choose a short buffer (0 0:
 * none), then the message.
 */
#include "build-config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "fuzz.h"

/* A closed range of code points. */
struct range {
	uint32_t	first, last;
};

/*
 * The characters sockd(8) LOGGING says are shown as \u{XXXX} wherever
 * they are: C1 controls, line and paragraph separators, bidirectional
 * controls, interlinear annotation, and Default_Ignorable_Code_Point.
 */
static const struct range hidden[] = {
	{ 0x0080, 0x009f }, { 0x2028, 0x2029 },
	{ 0x061c, 0x061c }, { 0x200e, 0x200f }, { 0x202a, 0x202e },
	{ 0x2066, 0x2069 },
	{ 0xfff9, 0xfffb },
	{ 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x115f, 0x1160 },
	{ 0x17b4, 0x17b5 }, { 0x180b, 0x180f }, { 0x200b, 0x200d },
	{ 0x2060, 0x2065 }, { 0x206a, 0x206f }, { 0x3164, 0x3164 },
	{ 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 },
	{ 0xfff0, 0xfff8 }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
	{ 0xe0000, 0xe0fff },
};

/* The combining marks that are escaped at the start of the message and
 * right after an escape, where they would draw over sockd's text. */
static const struct range combining[] = {
	{ 0x0300, 0x036f }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff },
	{ 0x20d0, 0x20ff }, { 0xfe20, 0xfe2f },
};

/* True if cp lies in one of n ranges. */
static bool
in_ranges(uint32_t cp, const struct range *ranges, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cp >= ranges[i].first && cp <= ranges[i].last)
			return true;
	return false;
}

/* True if the page says the character cp (of more than one byte) is
 * escaped; after_ours: what precedes it is sockd's own text. */
static bool
must_escape(uint32_t cp, bool after_ours)
{
	return in_ranges(cp, hidden, sizeof hidden / sizeof hidden[0]) ||
	    (after_ours && in_ranges(cp, combining,
	    sizeof combining / sizeof combining[0]));
}

/*
 * The length of the valid UTF-8 character at s (n bytes left) and its
 * code point, or 0 if none starts there: decoded first, then judged by
 * RFC 3629 (shortest form, no surrogate, at most U+10FFFF).
 */
static size_t
utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t want, k;
	uint32_t value;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		want = 2;
		value = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		want = 3;
		value = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		want = 4;
		value = s[0] & 0x07;
	} else
		return 0;
	if (n < want)
		return 0;
	for (k = 1; k < want; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		value = value << 6 | (s[k] & 0x3f);
	}
	if (value < least[want] || (value >= 0xd800 && value <= 0xdfff) ||
	    value > 0x10ffff)
		return 0;
	*cp = value;
	return want;
}

/* Write cp as UTF-8 into b; its length. */
static size_t
utf8_encode(uint32_t cp, unsigned char *b)
{
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (unsigned char)(0xf0 | cp >> 18);
	b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	b[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The value of a hex digit in the one case the page allows, or -1. */
static int
hex_digit(char c, bool upper)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (!upper && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (upper && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* What an escape or a shown character stood for in the message. */
struct unescaper {
	const unsigned char	*msg;		/* the message */
	size_t			 len;
	size_t			 pos;		/* bytes of it read back */
};

/* Fail, showing the text and the message. */
static void __attribute__((noreturn))
text_fail(const struct unescaper *u, const char *text, size_t n,
    const char *why)
{
	fuzz_dump("message", u->msg, u->len);
	fuzz_dump("text", text, n);
	fuzz_fail("%s (at byte %zu of the message)", why, u->pos);
}

/*
 * Read one escape at text (n bytes left) back into the bytes of the
 * message it stands for, judging it by the page; its length, or 0 if
 * the text ends inside it.
 */
static size_t
unescape_one(struct unescaper *u, const char *text, size_t n,
    bool after_ours)
{
	const unsigned char *at = u->msg + u->pos;
	size_t left = u->len - u->pos, k, digits;
	unsigned char b[4];
	uint32_t cp, valid;
	int hi, lo, d;

	if (n < 2)
		return 0;
	if (text[1] == '\\') {
		if (left < 1 || at[0] != '\\')
			text_fail(u, text, n, "\\\\ for no backslash");
		u->pos++;
		return 2;
	}
	if (text[1] == 'x') {
		if (n < 4)
			return 0;
		hi = hex_digit(text[2], false);
		lo = hex_digit(text[3], false);
		if (hi < 0 || lo < 0)
			text_fail(u, text, n, "\\x without two lower-case "
			    "hex digits");
		if (left < 1 || at[0] != (unsigned)(hi << 4 | lo))
			text_fail(u, text, n, "\\xNN for another byte");
		/* Only a control, DEL, or a byte that starts no character. */
		if ((at[0] >= 0x20 && at[0] < 0x7f) ||
		    (at[0] >= 0x80 && utf8_char(at, left, &valid) > 0))
			text_fail(u, text, n, "\\xNN for a byte shown as it is");
		u->pos++;
		return 4;
	}
	if (text[1] != 'u')
		text_fail(u, text, n, "a backslash that starts no escape");
	if (n < 3)
		return 0;
	if (text[2] != '{')
		text_fail(u, text, n, "\\u without {");
	cp = 0;
	for (digits = 0; 3 + digits < n && text[3 + digits] != '}';
	    digits++) {
		if ((d = hex_digit(text[3 + digits], true)) < 0 || digits == 6)
			text_fail(u, text, n, "\\u{} without 4 to 6 upper-case "
			    "hex digits");
		cp = cp << 4 | (uint32_t)d;
	}
	if (3 + digits == n)
		return 0;
	/* One spelling: four digits at least, no more than needed. */
	if (digits < 4 || (digits > 4 && cp >> (4 * (digits - 1)) == 0))
		text_fail(u, text, n, "\\u{} not in its shortest form");
	if (cp < 0x80 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    !must_escape(cp, after_ours))
		text_fail(u, text, n, "\\u{} for a character shown as it is");
	k = utf8_encode(cp, b);
	if (left < k || memcmp(at, b, k) != 0)
		text_fail(u, text, n, "\\u{} for another character");
	u->pos += k;
	return 3 + digits + 1;
}

/*
 * Read text[0..n) back into the message, judging each piece; the bytes
 * of the message it stands for, or -1 if it ends inside an escape or a
 * character (a prefix of the output cut anywhere).
 */
static long
unescape(const unsigned char *msg, size_t len, const char *text, size_t n)
{
	struct unescaper u = { msg, len, 0 };
	bool after_ours = true;
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		if (text[i] == '\\') {
			if ((k = unescape_one(&u, text + i, n - i,
			    after_ours)) == 0)
				return -1;
			after_ours = true;
			i += k;
			continue;
		}
		k = utf8_char((const unsigned char *)text + i, n - i, &cp);
		if (k == 0)
			return -1;
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 &&
		    must_escape(cp, after_ours)))
			text_fail(&u, text + i, n - i,
			    "a character shown that the page escapes");
		if (u.len - u.pos < k || memcmp(msg + u.pos, text + i, k) != 0)
			text_fail(&u, text + i, n - i,
			    "a character shown that is not the message's");
		u.pos += k;
		i += k;
		after_ours = false;
	}
	return (long)u.pos;
}

/* One line of text: no control byte, no NUL before its end, valid UTF-8,
 * of length n within outsz. */
static void
check_line(const unsigned char *msg, size_t len, const char *out,
    size_t n, size_t outsz)
{
	size_t i, k;
	uint32_t cp;

	if (n >= outsz || out[n] != '\0' || strlen(out) != n) {
		fuzz_dump("message", msg, len);
		fuzz_fail("length %zu, strlen %zu, buffer %zu", n,
		    strlen(out), outsz);
	}
	for (i = 0; i < n; i += k) {
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f) {
			fuzz_dump("text", out, n);
			fuzz_fail("control byte 0x%02x at %zu",
			    (unsigned char)out[i], i);
		}
		if ((k = utf8_char((const unsigned char *)out + i, n - i,
		    &cp)) == 0) {
			fuzz_dump("text", out, n);
			fuzz_fail("not UTF-8 at byte %zu", i);
		}
	}
}

/* The output for a buffer that holds it all: the message, or its
 * longest prefix of whole characters within max and the tail. */
static void
check_whole(const unsigned char *msg, size_t len, size_t max,
    const char *out, size_t n, const char *tail)
{
	size_t taillen = strlen(tail), body = n, unit;
	long pos;
	uint32_t cp;

	check_line(msg, len, out, n, ESCAPE_SIZE(max));
	if (len > max) {
		if (n < taillen || strcmp(out + n - taillen, tail) != 0) {
			fuzz_dump("text", out, n);
			fuzz_fail("cut message without \"%s\"", tail);
		}
		body = n - taillen;
	}
	if ((pos = unescape(msg, len, out, body)) < 0) {
		fuzz_dump("text", out, n);
		fuzz_fail("text ends inside an escape or a character");
	}
	if (len <= max && (size_t)pos != len) {
		fuzz_dump("message", msg, len);
		fuzz_dump("text", out, n);
		fuzz_fail("%ld of %zu bytes shown within max %zu", pos, len,
		    max);
	}
	if (len > max) {
		/* Cut before the first character that crosses max. */
		unit = utf8_char(msg + pos, len - (size_t)pos, &cp);
		if ((size_t)pos > max || (size_t)pos + (unit ? unit : 1) <=
		    max) {
			fuzz_dump("message", msg, len);
			fuzz_dump("text", out, n);
			fuzz_fail("cut after %ld bytes with max %zu", pos,
			    max);
		}
	}
	if (body > 4 * (size_t)pos)
		fuzz_fail("%zu bytes of text for %ld of the message", body, pos);
}

/* The output for a short buffer: a prefix of the whole text before its
 * tail (whole_len bytes), cut where a piece ends, then a prefix of the
 * tail. */
static void
check_short(const unsigned char *msg, size_t len, const char *out,
    size_t n, size_t outsz, const char *whole, size_t whole_len,
    const char *tail)
{
	size_t k = n + 1, taillen = strlen(tail);
	long pos;

	check_line(msg, len, out, n, outsz);
	while (k-- > 0) {
		if (n - k > taillen || memcmp(out + k, tail, n - k) != 0 ||
		    k > whole_len || memcmp(out, whole, k) != 0 ||
		    (pos = unescape(msg, len, out, k)) < 0)
			continue;
		/* The tail only after a message not shown whole. */
		if (n > k && (size_t)pos == len)
			continue;
		return;
	}
	fuzz_dump("message", msg, len);
	fuzz_dump("whole text", whole, whole_len);
	fuzz_dump("text", out, n);
	fuzz_fail("a buffer of %zu bytes holds what is not a prefix of the "
	    "whole text and of the tail", outsz);
}

/* max: small ones often, the edges of --log-max, and around len. */
static size_t
choose_max(uint8_t v, size_t len)
{
	static const size_t fixed[] = { 255, 256, 257, 1024, 4095, 4096 };

	if (v < 0xf0)
		return v;
	if (v < 0xf0 + sizeof fixed / sizeof fixed[0])
		return fixed[v - 0xf0];
	/* len - 3 to len + 3: a cut in the last character or none. */
	v -= 0xf0 + sizeof fixed / sizeof fixed[0];
	return len + v >= 3 ? len + v - 3 : 0;
}

/* Escape one message whole and into a short buffer; check both. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	const unsigned char *msg;
	char tail[64], *whole, *out;
	size_t len, max, outsz, n, whole_len;
	uint8_t max_choice;
	unsigned short_choice;

	max_choice = fuzz_byte(&in);
	short_choice = (unsigned)fuzz_byte(&in) << 8;
	short_choice |= fuzz_byte(&in);
	msg = fuzz_bytes(&in, fuzz_left(&in), &len);
	max = choose_max(max_choice, len);
	snprintf(tail, sizeof tail, "...(%zu bytes)", len);

	if (escape_message((const char *)msg, len, max, NULL, 0) != 0)
		fuzz_fail("wrote into a buffer of 0 bytes");
	/* Exactly the size promised, so a byte past it is caught. */
	whole = fuzz_alloc(ESCAPE_SIZE(max));
	whole_len = escape_message((const char *)msg, len, max, whole,
	    ESCAPE_SIZE(max));
	check_whole(msg, len, max, whole, whole_len, tail);
	if (short_choice != 0) {
		outsz = 1 + short_choice % ESCAPE_SIZE(max);
		out = fuzz_alloc(outsz);
		n = escape_message((const char *)msg, len, max, out, outsz);
		check_short(msg, len, out, n, outsz, whole, len > max ?
		    whole_len - strlen(tail) : whole_len, tail);
		free(out);
	}
	free(whole);
	return 0;
}
