/*
 * fuzz-cfg.c - the configuration file parser (cfg.h) on any text, over
 * the defaults, as sockd -c reads it.  Whatever the text:
 *
 *  - it fails with "fuzz.conf:LINE: why", one printable line, LINE the
 *    first bad line: the text before that line parses, and the text up
 *    to its end fails with the same message;
 *  - or it succeeds with settings each within its row of the options
 *    table, and those settings, written back as a file (every value
 *    quoted), parse into the same settings again;
 *
 * and it frees all it took (config_free; libFuzzer looks for leaks).
 *
 * Input: the text, to its first NUL (a file with a NUL is refused
 * before it is parsed).
 */
#include "build-config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "config.h"
#include "fuzz.h"
#include "log.h"
#include "options.h"

#define NAME "fuzz.conf"

/* A growing string. */
struct text {
	char	*p;
	size_t	 len, cap;
};

/* Append n bytes to t, keeping it NUL-terminated. */
static void
text_put(struct text *t, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (t->cap - t->len <= n) {
		cap = t->cap ? t->cap : 256;
		while (cap - t->len <= n)
			cap *= 2;
		if ((p = realloc(t->p, cap)) == NULL)
			fuzz_fail("out of memory for %zu bytes", cap);
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

/* Append a C string to t. */
static void
text_puts(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

/* The field of s that row o names. */
static const void *
field(const struct settings *s, const struct option_spec *o)
{
	return (const char *)s + o->offset;
}

/* An unsigned field's value. */
static unsigned
uint_field(const struct settings *s, const struct option_spec *o)
{
	unsigned v;

	memcpy(&v, field(s, o), sizeof v);
	return v;
}

/* A bool field's value. */
static bool
bool_field(const struct settings *s, const struct option_spec *o)
{
	bool v;

	memcpy(&v, field(s, o), sizeof v);
	return v;
}

/* A string field's value, NULL if unset. */
static const char *
string_field(const struct settings *s, const struct option_spec *o)
{
	const char *v;

	memcpy(&v, field(s, o), sizeof v);
	return v;
}

/* Append "name = "value"" for a string value, quoted so that blanks at
 * either end stay. */
static void
put_quoted(struct text *t, const char *name, const char *value)
{
	text_puts(t, name);
	text_puts(t, " = \"");
	text_puts(t, value);
	text_puts(t, "\"\n");
}

/* Write s as a configuration file: every setting a file may set. */
static void
write_back(const struct settings *s, struct text *t)
{
	const struct option_spec *o;
	char number[32], spec[512];
	size_t i, k;

	for (i = 0; i < option_count; i++) {
		o = &option_table[i];
		if (o->scope == SCOPE_COMMAND)
			continue;
		switch (o->kind) {
		case KIND_UINT:
			snprintf(number, sizeof number, "%u",
			    uint_field(s, o));
			put_quoted(t, o->name, number);
			break;
		case KIND_STRING:
		case KIND_REPLY:
		case KIND_METRICS:
			if (string_field(s, o) != NULL)
				put_quoted(t, o->name, string_field(s, o));
			break;
		case KIND_FLAG:
		case KIND_ECHO:
			put_quoted(t, o->name, bool_field(s, o) ? "yes" : "no");
			break;
		case KIND_LISTEN:
			for (k = 0; k < s->nlisten_specs; k++)
				put_quoted(t, o->name, s->listen_specs[k]);
			break;
		case KIND_FRAMING:
			put_quoted(t, o->name, s->framing == FRAMING_LINE ?
			    "line" : "raw");
			break;
		case KIND_LEVEL:
			put_quoted(t, o->name,
			    log_level_name((enum log_level)s->log_level));
			break;
		case KIND_INJECT:
			/* The canonical SPEC, "none" for no fault. */
			inject_format(&s->inject, spec, sizeof spec);
			put_quoted(t, o->name, spec);
			break;
		case KIND_SEED:
			if (!s->seed_given)
				break;
			snprintf(number, sizeof number, "%llu",
			    (unsigned long long)s->seed);
			put_quoted(t, o->name, number);
			break;
		}
	}
}

/* Settings a file may leave: each value within its row. */
static void
check_settings(const struct settings *s, const char *text)
{
	const struct option_spec *o;
	size_t i;
	unsigned v;

	for (i = 0; i < option_count; i++) {
		o = &option_table[i];
		if (o->kind != KIND_UINT)
			continue;
		v = uint_field(s, o);
		if (v < o->min || v > o->max) {
			fuzz_dump("file", text, strlen(text));
			fuzz_fail("%s = %u, outside %lu-%lu", o->name, v,
			    o->min, o->max);
		}
	}
	if (s->framing != FRAMING_RAW && s->framing != FRAMING_LINE)
		fuzz_fail("framing %d", (int)s->framing);
	if (s->log_level < LOG_LEVEL_ERROR || s->log_level > LOG_LEVEL_DEBUG)
		fuzz_fail("log level %d", s->log_level);
	if (s->reply == NULL || s->reply[0] == '\0')
		fuzz_fail("no reply");
	if (s->log_file != NULL && s->syslog)
		fuzz_fail("log-file and syslog both set");
	if (s->nlisten_specs > SETTINGS_LISTEN_MAX)
		fuzz_fail("%zu listen addresses", s->nlisten_specs);
	for (i = 0; i < s->nlisten_specs; i++)
		if (s->listen_specs[i] == NULL)
			fuzz_fail("listen address %zu is NULL", i);
	if (s->metrics != NULL && s->metrics_addr.port > 65535)
		fuzz_fail("metrics port %u", s->metrics_addr.port);
}

/* Parse text over the defaults into s; its result, err filled. */
static int
parse(struct settings *s, const char *text, char *err, size_t errsz)
{
	int rc;

	config_defaults(s);
	err[0] = '\0';
	rc = cfg_parse_text(s, NAME, text, err, errsz);
	if (rc != 0 && rc != -1)
		fuzz_fail("cfg_parse_text returned %d", rc);
	return rc;
}

/* What a good file set, written back, sets again. */
static void
check_written_back(const struct settings *s, const char *text)
{
	struct settings again;
	struct text t = { NULL, 0, 0 };
	char err[CONFIG_ERR_MAX];
	size_t i;

	text_puts(&t, "");
	write_back(s, &t);
	if (parse(&again, t.p, err, sizeof err) != 0) {
		fuzz_dump("file", text, strlen(text));
		fuzz_dump("written back", t.p, t.len);
		fuzz_fail("written back, it fails: %s", err);
	}
	for (i = 0; i < option_count; i++) {
		if (!options_equal(s, &again, &option_table[i])) {
			fuzz_dump("file", text, strlen(text));
			fuzz_dump("written back", t.p, t.len);
			fuzz_fail("written back, %s differs",
			    option_table[i].name);
		}
	}
	config_free(&again);
	free(t.p);
}

/* The line number an error names: "fuzz.conf:LINE: why" (0 if the
 * message is not of that form). */
static unsigned long
error_line(const char *err)
{
	const char *p = err + strlen(NAME ":");
	unsigned long line = 0;

	if (strncmp(err, NAME ":", strlen(NAME ":")) != 0)
		return 0;
	for (; *p >= '0' && *p <= '9' && line < 1000000; p++)
		line = line * 10 + (unsigned long)(*p - '0');
	if (p[0] != ':' || p[1] != ' ' || p[2] == '\0')
		return 0;
	return line;
}

/* Where line number line (from 1) starts in text, or NULL. */
static const char *
line_start(const char *text, unsigned long line)
{
	const char *p = text;

	while (--line > 0) {
		if ((p = strchr(p, '\n')) == NULL)
			return NULL;
		p++;
	}
	return *p != '\0' ? p : NULL;
}

/* A failure: one printable line naming the first bad line. */
static void
check_error(const char *text, const char *err)
{
	struct settings s;
	char again[CONFIG_ERR_MAX];
	const char *start, *end;
	unsigned long line;
	char *part;
	size_t i;

	for (i = 0; err[i] != '\0'; i++) {
		if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f) {
			fuzz_dump("file", text, strlen(text));
			fuzz_dump("error", err, strlen(err));
			fuzz_fail("a control byte in the error");
		}
	}
	if ((line = error_line(err)) == 0 ||
	    (start = line_start(text, line)) == NULL) {
		fuzz_dump("file", text, strlen(text));
		fuzz_fail("error not NAME:LINE: why: %s", err);
	}
	/* The lines before it are good. */
	part = fuzz_memdup(text, (size_t)(start - text) + 1);
	part[start - text] = '\0';
	if (parse(&s, part, again, sizeof again) != 0) {
		fuzz_dump("file", text, strlen(text));
		fuzz_fail("error named line %lu, but an earlier one fails: "
		    "%s", line, again);
	}
	config_free(&s);
	free(part);
	/* That line, after them, is the one that fails, and says so. */
	end = strchr(start, '\n');
	end = end != NULL ? end + 1 : start + strlen(start);
	part = fuzz_memdup(text, (size_t)(end - text) + 1);
	part[end - text] = '\0';
	if (parse(&s, part, again, sizeof again) == 0 ||
	    strcmp(again, err) != 0) {
		fuzz_dump("file", text, strlen(text));
		fuzz_fail("error \"%s\", but to the end of that line: \"%s\"",
		    err, again);
	}
	config_free(&s);
	free(part);
}

/* Parse one file and check what came of it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct settings s;
	char err[CONFIG_ERR_MAX], *text;

	text = fuzz_alloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (parse(&s, text, err, sizeof err) == 0) {
		check_settings(&s, text);
		check_written_back(&s, text);
	} else
		check_error(text, err);
	config_free(&s);
	free(text);
	return 0;
}
