/*
 * escape.h - make client bytes safe to print in one log line.
 * Pure: takes bytes, writes text; no I/O, no allocation.
 */
#ifndef SOCKD_ESCAPE_H
#define SOCKD_ESCAPE_H

#include <stddef.h>

/* Worst case output size for escape_message() with a shown limit of max. */
#define ESCAPE_SIZE(max) ((max) * 4 + 32)

/*
 * Write msg[0..len) into out (of outsz bytes, NUL-terminated): bytes outside
 * printable ASCII become \xNN, a backslash becomes \\.  At most max bytes of
 * the message are shown; a longer one ends in "...(LEN bytes)".
 * Returns the length written (without the NUL).
 */
size_t escape_message(const char *msg, size_t len, size_t max, char *out,
    size_t outsz);

#endif
