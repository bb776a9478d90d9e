/*
 * fuzz-number.c - number_parse() (number.h), the one parser of numbers
 * from the command line and the configuration file, against a reference
 * written here from its contract: one or more decimal digits and nothing
 * else, no sign, no blank, no overflow, within [min, max].  Both must
 * accept the same texts, with the same value.
 *
 * Input: a byte that chooses how min and max are made, min and max (8
 * bytes each, least significant first), then the text (to its first NUL,
 * as the C string it is in sockd).
 */
#include "build-config.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "number.h"

#define MIN_ZERO	0x01	/* min is 0 */
#define MAX_ALL		0x02	/* max is ULLONG_MAX */
#define SMALL		0x04	/* min and max below 2^16, as options are */

/* The contract, digit by digit: -1 unless text is a number in range. */
static int
reference_parse(const char *text, unsigned long long min,
    unsigned long long max, unsigned long long *value)
{
	unsigned long long v = 0;
	unsigned digit;
	size_t i;

	if (text[0] == '\0')
		return -1;
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		digit = (unsigned)(text[i] - '0');
		if (v > (ULLONG_MAX - digit) / 10)
			return -1;	/* more than the type holds */
		v = v * 10 + digit;
	}
	if (v < min || v > max)
		return -1;
	*value = v;
	return 0;
}

/* Parse one text both ways and compare. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	unsigned long long min, max, got = 0, want = 0;
	const uint8_t *bytes;
	uint8_t mode;
	size_t len;
	char *text;
	int rc, ref;

	mode = fuzz_byte(&in);
	min = fuzz_u64(&in);
	max = fuzz_u64(&in);
	if (mode & SMALL) {
		min &= 0xffff;
		max &= 0xffff;
	}
	if (mode & MIN_ZERO)
		min = 0;
	if (mode & MAX_ALL)
		max = ULLONG_MAX;
	bytes = fuzz_bytes(&in, fuzz_left(&in), &len);
	text = fuzz_alloc(len + 1);
	memcpy(text, bytes, len);
	text[len] = '\0';

	rc = number_parse(text, min, max, &got);
	ref = reference_parse(text, min, max, &want);
	if (rc != ref || (rc == 0 && got != want)) {
		fuzz_dump("text", text, strlen(text));
		fuzz_fail("in [%llu, %llu]: number_parse %d (%llu), the "
		    "reference %d (%llu)", min, max, rc, got, ref, want);
	}
	free(text);
	return 0;
}
