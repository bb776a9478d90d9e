/*
 * number.c - whole decimal numbers within a range.
 */
#include "build-config.h"

#include <errno.h>
#include <stdlib.h>

#include "number.h"

/* Parse text as a whole number in [min, max]. */
int
number_parse(const char *text, unsigned long long min,
    unsigned long long max, unsigned long long *value)
{
	unsigned long long v;
	char *end;

	/* strtoull would take spaces, a sign, and wrap "-1" around. */
	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*value = v;
	return 0;
}
