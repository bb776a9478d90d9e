/*
 * escape.c - make client bytes safe to print in one log line, so a client
 * can never write control characters into the log or forge a line.
 */
#include "build-config.h"

#include <stdio.h>

#include "escape.h"

/* Escape and truncate one message for the log; see escape.h. */
size_t
escape_message(const char *msg, size_t len, size_t max, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t shown = len < max ? len : max;
	size_t o = 0, i;
	int n;

	if (outsz == 0)
		return 0;
	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (o + 5 > outsz)	/* room for \xNN and the NUL */
			break;
		if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = '\0';
	if (i < len) {
		n = snprintf(out + o, outsz - o, "...(%zu bytes)", len);
		if (n > 0)
			o += (size_t)n < outsz - o ? (size_t)n : outsz - o - 1;
	}
	return o;
}
