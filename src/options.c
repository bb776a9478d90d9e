/*
 * options.c - a setting's value handled by the kind of its row: parsed
 * from text, copied, compared.  Knows nothing of files or of the order
 * in which the command line and the file are applied (config.c, cfg.c).
 */
#include "build-config.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "log.h"
#include "number.h"
#include "options.h"

/* The field of s that row o names, as a pointer of the given type. */
#define FIELD_OF(type, s, o) ((type *)(void *)((char *)(s) + (o)->offset))
#define CFIELD_OF(type, s, o) \
	((const type *)(const void *)((const char *)(s) + (o)->offset))
/* A string field, so that CFIELD_OF gives char *const *. */
typedef char *string_field;

/* The row named name, or NULL. */
const struct option_spec *
options_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < option_count; i++)
		if (strcmp(option_table[i].name, name) == 0)
			return &option_table[i];
	return NULL;
}

/* Parse yes/no and its usual spellings. */
static int
parse_bool(const char *text, bool *value)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0) {
			*value = strcmp(text, yes[i]) == 0;
			return 0;
		}
	}
	return -1;
}

/* Replace a string field with a copy of value (NULL: none). */
static int
set_string(char **field, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/*
 * Name the option and what net.c says is wrong with its address, escaped:
 * net.c quotes the value as given, and a control byte in it would act on
 * the terminal that shows the error.
 */
static void
address_error(char *err, size_t errsz, const char *prefix,
    const char *name, const char *why)
{
	char shown[ESCAPE_SIZE(NET_ERR_MAX)];

	escape_message(why, strlen(why), NET_ERR_MAX, shown, sizeof shown);
	snprintf(err, errsz, "%s%s: %s", prefix, name, shown);
}

/* Append a listen address, checking its syntax now so that a file's
 * error names its line. */
static int
add_listen(struct settings *s, const char *prefix, const char *value,
    char *err, size_t errsz)
{
	struct listen_addr check;
	char why[NET_ERR_MAX];

	if (net_parse_listen(value, 0, &check, why, sizeof why) < 0) {
		address_error(err, errsz, prefix, "listen", why);
		return -1;
	}
	if (s->nlisten_specs == SETTINGS_LISTEN_MAX) {
		snprintf(err, errsz, "%slisten: at most %d addresses", prefix,
		    SETTINGS_LISTEN_MAX);
		return -1;
	}
	if (set_string(&s->listen_specs[s->nlisten_specs], value) < 0) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	s->nlisten_specs++;
	return 0;
}

/* Keep --metrics ADDR:PORT as written and parsed; the port is needed. */
static int
set_metrics(struct settings *s, const char *prefix, const char *value,
    char *err, size_t errsz)
{
	char why[NET_ERR_MAX];

	/* 65536 is no port: it marks a spec that named none. */
	if (net_parse_listen(value, 65536, &s->metrics_addr, why,
	    sizeof why) < 0) {
		address_error(err, errsz, prefix, "metrics", why);
		return -1;
	}
	if (s->metrics_addr.port == 65536) {
		snprintf(why, sizeof why, "'%s': expected ADDR:PORT", value);
		address_error(err, errsz, prefix, "metrics", why);
		return -1;
	}
	if (set_string(&s->metrics, value) < 0) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

/* Add a fault SPEC to the set; the error names the part that is wrong. */
static int
add_inject(struct settings *s, const char *prefix, const char *value,
    char *err, size_t errsz)
{
	char why[256];

	if (inject_parse(&s->inject, value, why, sizeof why) == 0)
		return 0;
	snprintf(err, errsz, "%sinject: %s", prefix, why);
	return -1;
}

/* Set the seed of the faults' draws; -1 if value is no 64-bit number. */
static int
set_seed(struct settings *s, const char *value)
{
	unsigned long long number;

	if (number_parse(value, 0, ~0ULL, &number) < 0)
		return -1;
	s->seed = number;
	s->seed_given = true;
	return 0;
}

/* Set a word-valued option: framing or log level; -1 if not a word of
 * its kind. */
static int
set_word(struct settings *s, const struct option_spec *o, const char *value)
{
	int level;

	if (o->kind == KIND_LEVEL) {
		if ((level = log_level_parse(value)) < 0)
			return -1;
		s->log_level = level;
	} else if (strcmp(value, "raw") == 0)
		s->framing = FRAMING_RAW;
	else if (strcmp(value, "line") == 0)
		s->framing = FRAMING_LINE;
	else
		return -1;
	return 0;
}

/* What a refused value should have been, for the error line. */
static void
describe_expected(const struct option_spec *o, char *out, size_t outsz)
{
	switch (o->kind) {
	case KIND_UINT:
		snprintf(out, outsz, "a number in %lu-%lu", o->min, o->max);
		break;
	case KIND_FLAG:
	case KIND_ECHO:
		snprintf(out, outsz, "yes or no");
		break;
	case KIND_FRAMING:
		snprintf(out, outsz, "raw or line");
		break;
	case KIND_SEED:
		snprintf(out, outsz, "a number in 0-%llu", ~0ULL);
		break;
	default:
		snprintf(out, outsz, "error, warning, notice, info or debug");
		break;
	}
}

/* Set the option o of s from text. */
int
options_set(struct settings *s, const struct option_spec *o,
    const char *prefix, const char *value, char *err, size_t errsz)
{
	unsigned long long number;
	char expected[64], shown[ESCAPE_SIZE(64)];
	int rc = 0;

	switch (o->kind) {
	case KIND_LISTEN:
		return add_listen(s, prefix, value, err, errsz);
	case KIND_METRICS:
		return set_metrics(s, prefix, value, err, errsz);
	case KIND_INJECT:
		return add_inject(s, prefix, value, err, errsz);
	case KIND_SEED:
		rc = set_seed(s, value);
		break;
	case KIND_STRING:
	case KIND_REPLY:
		/* An empty reply would leave raw clients without an answer. */
		if (*value == '\0') {
			snprintf(err, errsz, "%s%s: empty value", prefix,
			    o->name);
			return -1;
		}
		if (o->kind == KIND_REPLY)
			s->echo = false;
		if (set_string(FIELD_OF(char *, s, o), value) == 0)
			return 0;
		snprintf(err, errsz, "out of memory");
		return -1;
	case KIND_UINT:
		rc = number_parse(value, o->min, o->max, &number);
		if (rc == 0)
			*FIELD_OF(unsigned, s, o) = (unsigned)number;
		break;
	case KIND_FLAG:
	case KIND_ECHO:
		if (value == NULL)
			*FIELD_OF(bool, s, o) = true;
		else
			rc = parse_bool(value, FIELD_OF(bool, s, o));
		break;
	case KIND_FRAMING:
	case KIND_LEVEL:
		rc = set_word(s, o, value);
		break;
	}
	if (rc == 0)
		return 0;
	describe_expected(o, expected, sizeof expected);
	/* Escaped: the value may hold bytes a terminal would act on. */
	escape_message(value, strlen(value), 64, shown, sizeof shown);
	snprintf(err, errsz, "%s%s: '%s' is not %s", prefix, o->name, shown,
	    expected);
	return -1;
}

/* Fill s with every default of the table. */
void
options_defaults(struct settings *s)
{
	char err[256];
	size_t i;

	memset(s, 0, sizeof *s);
	for (i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];

		/* A given --listen replaces the default rather than adding
		 * to it: config_finish applies it when none was given. */
		if (o->defval == NULL || o->kind == KIND_LISTEN)
			continue;
		/* The table's own text; a unit test checks each parses. */
		if (options_set(s, o, "", o->defval, err, sizeof err) < 0)
			log_warnx("default of %s: %s", o->name, err);
	}
}

/* Forget the listen addresses s holds. */
static void
free_listen(struct settings *s)
{
	size_t i;

	for (i = 0; i < s->nlisten_specs; i++) {
		free(s->listen_specs[i]);
		s->listen_specs[i] = NULL;
	}
	s->nlisten_specs = s->nlisten = 0;
}

/* True for kinds whose field is a string s owns. */
static bool
holds_string(const struct option_spec *o)
{
	return o->kind == KIND_STRING || o->kind == KIND_REPLY ||
	    o->kind == KIND_METRICS;
}

/* Free the strings s holds. */
void
options_free(struct settings *s)
{
	size_t i;

	for (i = 0; i < option_count; i++) {
		if (option_table[i].kind == KIND_LISTEN)
			free_listen(s);
		else if (holds_string(&option_table[i]))
			set_string(FIELD_OF(char *, s, &option_table[i]), NULL);
	}
}

/* Copy the listen addresses of src, as given and as parsed. */
static int
copy_listen(struct settings *dst, const struct settings *src)
{
	size_t i;

	free_listen(dst);
	for (i = 0; i < src->nlisten_specs; i++) {
		if (set_string(&dst->listen_specs[i], src->listen_specs[i]) < 0)
			return -1;
		dst->nlisten_specs = i + 1;
	}
	memcpy(dst->listen, src->listen, sizeof dst->listen);
	dst->nlisten = src->nlisten;
	return 0;
}

/* Make dst's value of o a copy of src's. */
int
options_copy(struct settings *dst, const struct settings *src,
    const struct option_spec *o)
{
	switch (o->kind) {
	case KIND_LISTEN:
		return copy_listen(dst, src);
	case KIND_METRICS:
		if (set_string(&dst->metrics, src->metrics) < 0)
			return -1;
		dst->metrics_addr = src->metrics_addr;
		return 0;
	case KIND_STRING:
	case KIND_REPLY:
		return set_string(FIELD_OF(char *, dst, o),
		    *CFIELD_OF(string_field, src, o));
	case KIND_UINT:
		*FIELD_OF(unsigned, dst, o) = *CFIELD_OF(unsigned, src, o);
		return 0;
	case KIND_FLAG:
	case KIND_ECHO:
		*FIELD_OF(bool, dst, o) = *CFIELD_OF(bool, src, o);
		return 0;
	case KIND_FRAMING:
		dst->framing = src->framing;
		return 0;
	case KIND_LEVEL:
		dst->log_level = src->log_level;
		return 0;
	case KIND_INJECT:
		dst->inject = src->inject;
		return 0;
	case KIND_SEED:
		dst->seed = src->seed;
		dst->seed_given = src->seed_given;
		return 0;
	}
	return 0;
}

/* Reset o in s to no value. */
void
options_clear(struct settings *s, const struct option_spec *o)
{
	static const struct settings none;

	/* Copying nothing allocates nothing, so it cannot fail. */
	options_copy(s, &none, o);
}

/* True when two listen lists are written the same (a new --port is a
 * change of port, told apart). */
static bool
listen_equal(const struct settings *a, const struct settings *b)
{
	size_t i;

	if (a->nlisten_specs != b->nlisten_specs)
		return false;
	for (i = 0; i < a->nlisten_specs; i++)
		if (strcmp(a->listen_specs[i], b->listen_specs[i]) != 0)
			return false;
	return true;
}

/* True when a and b hold the same value of o. */
bool
options_equal(const struct settings *a, const struct settings *b,
    const struct option_spec *o)
{
	const char *sa, *sb;

	switch (o->kind) {
	case KIND_LISTEN:
		return listen_equal(a, b);
	case KIND_STRING:
	case KIND_REPLY:
	case KIND_METRICS:
		sa = *CFIELD_OF(string_field, a, o);
		sb = *CFIELD_OF(string_field, b, o);
		return sa == sb || (sa != NULL && sb != NULL &&
		    strcmp(sa, sb) == 0);
	case KIND_UINT:
		return *CFIELD_OF(unsigned, a, o) == *CFIELD_OF(unsigned, b, o);
	case KIND_FLAG:
	case KIND_ECHO:
		return *CFIELD_OF(bool, a, o) == *CFIELD_OF(bool, b, o);
	case KIND_FRAMING:
		return a->framing == b->framing;
	case KIND_LEVEL:
		return a->log_level == b->log_level;
	case KIND_INJECT:
		return inject_equal(&a->inject, &b->inject);
	case KIND_SEED:
		/* The seed main picked is no change the file made. */
		return a->seed_given == b->seed_given && (!a->seed_given ||
		    a->seed == b->seed);
	}
	return true;
}

/* Describe a change of o for the log. */
void
options_describe_change(const struct settings *from,
    const struct settings *to, const struct option_spec *o, char *out,
    size_t outsz)
{
	if (o->kind == KIND_UINT)
		snprintf(out, outsz, "%s changed (%u to %u)", o->name,
		    *CFIELD_OF(unsigned, from, o), *CFIELD_OF(unsigned, to, o));
	else
		snprintf(out, outsz, "%s changed", o->name);
}
