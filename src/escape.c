/*
 * escape.c - make client bytes safe to print in one log line: valid UTF-8
 * text is shown as it is, and nothing a client sends can write a control
 * character into the log, forge a line, or hide or reorder what it sent.
 * It runs for every message at the default log level, so printable ASCII
 * is found eight bytes at a time and copied in runs; only the rest is
 * decoded.
 */
#include "build-config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

/* What becomes of a valid character of more than one byte. */
enum char_kind {
	CHAR_HIDDEN,		/* a control, hidden or reordering: escaped */
	CHAR_COMBINING		/* escaped where it would attach to our text */
};

/*
 * The characters of more than one byte that are not shown as they are,
 * sorted; every other valid character is.  sockd(8) LOGGING lists them.
 * The hidden ones are the C1 controls, U+2028 and U+2029, U+FFF9..U+FFFB
 * (interlinear annotation, which can hide the annotated text) and every
 * Default_Ignorable_Code_Point of Unicode (zero-width characters, bidi
 * controls, variation selectors, fillers, tags), which a terminal or an
 * editor shows as nothing or acts on.  The combining ones are the common
 * blocks of combining marks: at the start of the message, or after an
 * escape, they would draw over "get value " or over our escape.
 */
static const struct char_range {
	uint32_t	first, last;
	enum char_kind	kind;
} char_ranges[] = {
	{ 0x0080, 0x009f, CHAR_HIDDEN },	/* C1 controls */
	{ 0x00ad, 0x00ad, CHAR_HIDDEN },	/* soft hyphen */
	{ 0x0300, 0x034e, CHAR_COMBINING },
	{ 0x034f, 0x034f, CHAR_HIDDEN },	/* combining grapheme joiner */
	{ 0x0350, 0x036f, CHAR_COMBINING },
	{ 0x061c, 0x061c, CHAR_HIDDEN },	/* arabic letter mark */
	{ 0x115f, 0x1160, CHAR_HIDDEN },	/* hangul fillers */
	{ 0x17b4, 0x17b5, CHAR_HIDDEN },	/* khmer inherent vowels */
	{ 0x180b, 0x180f, CHAR_HIDDEN },	/* mongolian selectors, MVS */
	{ 0x1ab0, 0x1aff, CHAR_COMBINING },
	{ 0x1dc0, 0x1dff, CHAR_COMBINING },
	{ 0x200b, 0x200f, CHAR_HIDDEN },	/* zero width; LRM, RLM */
	{ 0x2028, 0x202e, CHAR_HIDDEN },	/* LS, PS; bidi embeddings */
	{ 0x2060, 0x206f, CHAR_HIDDEN },	/* joiner, bidi isolates */
	{ 0x20d0, 0x20ff, CHAR_COMBINING },
	{ 0x3164, 0x3164, CHAR_HIDDEN },	/* hangul filler */
	{ 0xfe00, 0xfe0f, CHAR_HIDDEN },	/* variation selectors */
	{ 0xfe20, 0xfe2f, CHAR_COMBINING },
	{ 0xfeff, 0xfeff, CHAR_HIDDEN },	/* zero width no-break space */
	{ 0xffa0, 0xffa0, CHAR_HIDDEN },	/* halfwidth hangul filler */
	{ 0xfff0, 0xfffb, CHAR_HIDDEN },	/* interlinear annotation */
	{ 0x1bca0, 0x1bca3, CHAR_HIDDEN },	/* shorthand format */
	{ 0x1d173, 0x1d17a, CHAR_HIDDEN },	/* musical format */
	{ 0xe0000, 0xe0fff, CHAR_HIDDEN },	/* tags, selectors */
};

/* Largest escape written for one character: \u{XXXXXX}. */
#define ESCAPE_LONGEST 10

/* Bytes as \xNN in lower case, as before; characters as \u{XXXX} in upper
 * case, as U+XXXX is written. */
static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

/* Every byte of a word set to 1, and to 0x80. */
#define BYTES_01	0x0101010101010101ULL
#define BYTES_80	0x8080808080808080ULL

/*
 * Count the bytes at s, at most n, that are printable ASCII other than the
 * backslash: they are copied as they are, in one piece.  Most messages are
 * mostly that, so eight bytes are tested at once: a byte below 0x20, above
 * 0x7e or equal to a backslash sets a high bit in one of the three terms.
 */
static size_t
plain_run(const unsigned char *s, size_t n)
{
	uint64_t word, xor;
	size_t k = 0;

	for (; n - k >= 8; k += 8) {
		memcpy(&word, s + k, sizeof word);
		xor = word ^ BYTES_01 * '\\';
		if ((((word - BYTES_01 * 0x20) & ~word) | (word + BYTES_01) |
		    word | ((xor - BYTES_01) & ~xor)) & BYTES_80)
			break;
	}
	while (k < n && s[k] >= 0x20 && s[k] < 0x7f && s[k] != '\\')
		k++;
	return k;
}

/*
 * Decode the UTF-8 character at s (n bytes left) into *cp and return its
 * length, or 0 where none starts: a stray or truncated byte, an overlong
 * form, a surrogate or a code point above U+10FFFF (RFC 3629).
 */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char second_lo, second_hi;
	size_t want, k;
	uint32_t value;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;	/* a continuation, overlong or too large */
	want = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	value = s[0] & (0x7f >> want);
	/* RFC 3629's table: these leads narrow what the second byte may be:
	 * below 0xa0 and 0x90 is overlong, above 0x9f are surrogates, above
	 * 0x8f is past U+10FFFF. */
	second_lo = s[0] == 0xe0 ? 0xa0 : s[0] == 0xf0 ? 0x90 : 0x80;
	second_hi = s[0] == 0xed ? 0x9f : s[0] == 0xf4 ? 0x8f : 0xbf;
	if (n < want || s[1] < second_lo || s[1] > second_hi)
		return 0;
	value = value << 6 | (s[1] & 0x3f);
	for (k = 2; k < want; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		value = value << 6 | (s[k] & 0x3f);
	}
	*cp = value;
	return want;
}

/* Tell whether the character cp is escaped; after_ours: what precedes it
 * in the line was written by sockd (the prefix or an escape). */
static int
char_escaped(uint32_t cp, int after_ours)
{
	size_t lo = 0, hi = sizeof char_ranges / sizeof char_ranges[0], mid;

	/* Most text lies between the ranges: CJK, kana, Hangul syllables,
	 * and the fullwidth punctuation that Chinese and Japanese use. */
	if ((cp >= 0x2100 && cp < 0xfe00 && cp != 0x3164) ||
	    (cp > 0xfeff && cp < 0xffa0))
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cp < char_ranges[mid].first)
			hi = mid;
		else if (cp > char_ranges[mid].last)
			lo = mid + 1;
		else
			return char_ranges[mid].kind == CHAR_HIDDEN ||
			    after_ours;
	}
	return 0;
}

/* Write \u{XXXX} (4 to 6 hex digits) at out; return its length. */
static size_t
put_char_escape(char *out, uint32_t cp)
{
	int digits = cp > 0xfffff ? 6 : cp > 0xffff ? 5 : 4;
	size_t o = 0;

	out[o++] = '\\';
	out[o++] = 'u';
	out[o++] = '{';
	while (digits-- > 0)
		out[o++] = hex_upper[(cp >> (4 * digits)) & 0xf];
	out[o++] = '}';
	return o;
}

/* Copy the valid character of len (2 to 4) bytes at in to out as it is;
 * return len.  Byte by byte: memcpy() of 2 to 4 bytes is a call. */
static inline size_t
put_char_as_is(char *out, const unsigned char *in, size_t len)
{
	out[0] = (char)in[0];
	out[1] = (char)in[1];
	if (len > 2)
		out[2] = (char)in[2];
	if (len > 3)
		out[3] = (char)in[3];
	return len;
}

/* Write "...(LEN bytes)" at out (room bytes, the NUL included) after a
 * message not shown whole; return its length, cut to fit. */
static size_t
put_length_note(char *out, size_t room, size_t len)
{
	int n = snprintf(out, room, "...(%zu bytes)", len);

	if (n <= 0)
		return 0;
	return (size_t)n < room ? (size_t)n : room - 1;
}

/* Escape and truncate one message for the log; see escape.h. */
size_t
escape_message(const char *msg, size_t len, size_t max, char *out, size_t outsz)
{
	const unsigned char *in = (const unsigned char *)msg;
	size_t shown = len < max ? len : max;
	size_t i = 0, o = 0, run, unit;
	uint32_t cp;
	int after_ours = 1;

	if (outsz == 0)
		return 0;
	while (i < shown) {
		if (in[i] >= 0x20 && in[i] < 0x7f && in[i] != '\\') {
			run = plain_run(in + i, shown - i < outsz - 1 - o ?
			    shown - i : outsz - 1 - o);
			if (run == 0)
				break;	/* out is full */
			memcpy(out + o, in + i, run);
			i += run;
			o += run;
			after_ours = 0;
			continue;
		}
		/* Room for the longest escape and the NUL, or stop here. */
		if (outsz - o <= ESCAPE_LONGEST)
			break;
		if (in[i] == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
			unit = 1;
			after_ours = 1;
		} else if (in[i] < 0x80 ||
		    (unit = utf8_decode(in + i, len - i, &cp)) == 0) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex_lower[in[i] >> 4];
			out[o++] = hex_lower[in[i] & 0xf];
			unit = 1;
			after_ours = 1;
		} else if (unit > shown - i) {
			break;	/* never show half a character */
		} else if (char_escaped(cp, after_ours)) {
			o += put_char_escape(out + o, cp);
			after_ours = 1;
		} else {
			o += put_char_as_is(out + o, in + i, unit);
			after_ours = 0;
		}
		i += unit;
	}
	out[o] = '\0';
	if (i < len)
		o += put_length_note(out + o, outsz - o, len);
	return o;
}
