/*
 * escape.h - make client bytes safe to print in one log line.
 * Pure: takes bytes, writes text; no I/O, no allocation.
 */
#ifndef SOCKD_ESCAPE_H
#define SOCKD_ESCAPE_H

#include <stddef.h>

/*
 * Output size for escape_message() with a shown limit of max that always
 * holds the whole result: no input byte takes more than 4 bytes of output
 * (\xNN; \u{XXXX} is 8 bytes for at least 2 input bytes, \u{XXXXX} 9 for
 * 4), and "...(N bytes)" with the NUL takes at most 32.
 */
#define ESCAPE_SIZE(max) ((max) * 4 + 32)

/*
 * Write msg[0..len) into out (of outsz bytes, NUL-terminated) as one line
 * of text: valid UTF-8 is copied as it is; an ASCII control, DEL or a byte
 * that is not part of valid UTF-8 becomes \xNN, a backslash \\, and a
 * character that is a control or hides or reorders text \u{XXXX} (see
 * sockd(8) LOGGING for the list).  At most max bytes of the message are
 * shown, never half a character; a message not shown whole ends in
 * "...(LEN bytes)".  A buffer smaller than ESCAPE_SIZE(max) cuts the
 * result short, safely.  Returns the length written (without the NUL).
 */
size_t escape_message(const char *msg, size_t len, size_t max, char *out,
    size_t outsz);

#endif
