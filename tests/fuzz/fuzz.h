/*
 * fuzz.h - what the fuzz targets share: their input read from the front
 * as a stream of choices, exact-size copies that let AddressSanitizer
 * see a read past the end, and failing with a message that libFuzzer
 * keeps with the input that caused it.
 */
#ifndef SOCKD_FUZZ_H
#define SOCKD_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Called by libFuzzer for each input; returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, taken from the front; past its end every byte is 0. */
struct fuzz_input {
	const uint8_t	*data;
	size_t		 size;
	size_t		 pos;
};

/* Print bytes to stderr as a C string literal, for a failure message. */
static inline void
fuzz_dump(const char *label, const void *bytes, size_t len)
{
	const unsigned char *p = bytes;
	size_t i;

	fprintf(stderr, "%s (%zu bytes): \"", label, len);
	for (i = 0; i < len; i++) {
		if (p[i] == '\\' || p[i] == '"')
			fprintf(stderr, "\\%c", p[i]);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			fputc(p[i], stderr);
		else
			fprintf(stderr, "\\x%02x", p[i]);
	}
	fputs("\"\n", stderr);
}

/* Stop with a message: libFuzzer reports a crash and saves the input. */
static inline void __attribute__((format(printf, 1, 2), noreturn))
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz oracle: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Allocate, or fail: running out here is the target's fault. */
static inline void *
fuzz_alloc(size_t size)
{
	void *p = malloc(size > 0 ? size : 1);

	if (p == NULL)
		fuzz_fail("out of memory for %zu bytes", size);
	return p;
}

/* A copy of exactly len bytes, so that reading past them is caught. */
static inline void *
fuzz_memdup(const void *bytes, size_t len)
{
	void *p = fuzz_alloc(len);

	if (len > 0)
		memcpy(p, bytes, len);
	return p;
}

/* Bytes not taken yet. */
static inline size_t
fuzz_left(const struct fuzz_input *in)
{
	return in->size - in->pos;
}

/* The next byte, or 0 once the input is used up. */
static inline uint8_t
fuzz_byte(struct fuzz_input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

/* The next 8 bytes as a number, least significant first. */
static inline uint64_t
fuzz_u64(struct fuzz_input *in)
{
	uint64_t value = 0;
	int i;

	for (i = 0; i < 8; i++)
		value |= (uint64_t)fuzz_byte(in) << (8 * i);
	return value;
}

/* Up to want of the next bytes; *got says how many there were. */
static inline const uint8_t *
fuzz_bytes(struct fuzz_input *in, size_t want, size_t *got)
{
	const uint8_t *p = in->data + in->pos;

	*got = want < fuzz_left(in) ? want : fuzz_left(in);
	in->pos += *got;
	return p;
}

#endif
