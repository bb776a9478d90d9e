/*
 * config.c - settings from defaults and the command line.  Each option is
 * one row of a table (name, letter, kind, range, field), so parsing and
 * range checks are written once for every option.
 */
#include "build-config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum option_kind {
	KIND_UINT,	/* unsigned within [min, max] */
	KIND_STRING,	/* copied text */
	KIND_LISTEN,	/* appended to listen_specs */
	KIND_FRAMING,	/* raw | line */
	KIND_LEVEL,	/* log level name */
	KIND_REPLY,	/* --reply: text, and echo off */
	KIND_ECHO,	/* --echo: echo on */
};

struct option_spec {
	const char *name;
	int letter;		/* short form, or 0 */
	enum option_kind kind;
	unsigned long min, max;
	size_t offset;		/* field in struct settings */
};

#define FIELD(f) offsetof(struct settings, f)

static const struct option_spec option_specs[] = {
	{ "listen", 'l', KIND_LISTEN, 0, 0, 0 },
	{ "port", 'p', KIND_UINT, 0, 65535, FIELD(port) },
	{ "workers", 'w', KIND_UINT, 1, 4096, FIELD(workers) },
	{ "queue", 'q', KIND_UINT, 1, 1048576, FIELD(queue) },
	{ "backlog", 'b', KIND_UINT, 1, 65535, FIELD(backlog) },
	{ "timeout", 't', KIND_UINT, 0, 86400, FIELD(timeout) },
	{ "framing", 0, KIND_FRAMING, 0, 0, FIELD(framing) },
	{ "reply", 0, KIND_REPLY, 0, 0, FIELD(reply) },
	{ "echo", 0, KIND_ECHO, 0, 0, FIELD(echo) },
	{ "max-line", 0, KIND_UINT, 1, 16777216, FIELD(max_line) },
	{ "log-level", 0, KIND_LEVEL, 0, 0, FIELD(log_level) },
	{ "log-max", 0, KIND_UINT, 0, 4096, FIELD(log_max) },
	{ "shutdown-timeout", 0, KIND_UINT, 0, 3600,
	    FIELD(shutdown_timeout) },
};

#define NOPTIONS (sizeof option_specs / sizeof option_specs[0])
/* getopt_long values for options without a letter start here. */
#define LONG_ONLY_BASE 256

/* Fill s with the documented defaults. */
void
config_defaults(struct settings *s)
{
	memset(s, 0, sizeof *s);
	s->port = 8001;
	s->workers = 256;
	s->queue = 1024;
	s->backlog = 128;
	s->timeout = 10;
	s->shutdown_timeout = 10;
	s->framing = FRAMING_RAW;
	s->reply = NULL;	/* "ok" unless set */
	s->max_line = 65536;
	s->log_level = LOG_LEVEL_INFO;
	s->log_max = 256;
}

/* Free the strings s holds. */
void
config_free(struct settings *s)
{
	size_t i;

	for (i = 0; i < s->nlisten_specs; i++)
		free(s->listen_specs[i]);
	s->nlisten_specs = 0;
	free(s->reply);
	s->reply = NULL;
}

/* Parse a whole decimal number within [min, max]. */
static int
parse_uint(const char *text, unsigned long min, unsigned long max,
    unsigned *value)
{
	unsigned long v;
	char *end;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*value = (unsigned)v;
	return 0;
}

/* Replace a string field with a copy of value. */
static int
set_string(char **field, const char *value, char *err, size_t errsz)
{
	char *copy = strdup(value);

	if (copy == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	free(*field);
	*field = copy;
	return 0;
}

/* Apply one option's value to s; -1 with err naming the option. */
static int
config_apply(struct settings *s, const struct option_spec *o,
    const char *value, char *err, size_t errsz)
{
	char *base = (char *)s;
	int level;

	switch (o->kind) {
	case KIND_UINT:
		if (parse_uint(value, o->min, o->max,
		    (unsigned *)(base + o->offset)) == 0)
			return 0;
		snprintf(err, errsz, "--%s: '%s' is not a number in %lu-%lu",
		    o->name, value, o->min, o->max);
		return -1;
	case KIND_STRING:
		return set_string((char **)(base + o->offset), value, err,
		    errsz);
	case KIND_LISTEN:
		if (s->nlisten_specs == CONFIG_LISTEN_MAX) {
			snprintf(err, errsz, "--listen: at most %d addresses",
			    CONFIG_LISTEN_MAX);
			return -1;
		}
		s->listen_specs[s->nlisten_specs] = NULL;
		if (set_string(&s->listen_specs[s->nlisten_specs], value, err,
		    errsz) < 0)
			return -1;
		s->nlisten_specs++;
		return 0;
	case KIND_FRAMING:
		if (strcmp(value, "raw") == 0)
			s->framing = FRAMING_RAW;
		else if (strcmp(value, "line") == 0)
			s->framing = FRAMING_LINE;
		else {
			snprintf(err, errsz, "--framing: '%s' is not raw or line",
			    value);
			return -1;
		}
		return 0;
	case KIND_LEVEL:
		level = log_level_parse(value);
		if (level < 0) {
			snprintf(err, errsz, "--log-level: '%s' is not error, "
			    "warning, notice, info or debug", value);
			return -1;
		}
		s->log_level = level;
		return 0;
	case KIND_REPLY:
		s->echo = false;
		return set_string(&s->reply, value, err, errsz);
	case KIND_ECHO:
		s->echo = true;
		return 0;
	}
	return -1;
}

/* Check the settings as a whole and parse the listen addresses. */
static int
config_finish(struct settings *s, char *err, size_t errsz)
{
	char why[NET_ERR_MAX];
	size_t i;

	if (s->reply == NULL && set_string(&s->reply, "ok", err, errsz) < 0)
		return -1;
	if (s->nlisten_specs == 0 && set_string(&s->listen_specs[0],
	    "127.0.0.1", err, errsz) == 0)
		s->nlisten_specs = 1;
	if (s->nlisten_specs == 0)
		return -1;
	for (i = 0; i < s->nlisten_specs; i++) {
		if (net_parse_listen(s->listen_specs[i], s->port,
		    &s->listen[i], why, sizeof why) < 0) {
			snprintf(err, errsz, "--listen: %s", why);
			return -1;
		}
	}
	s->nlisten = s->nlisten_specs;
	return 0;
}

/* Build getopt_long's tables from option_specs. */
static void
build_getopt_tables(struct option *longopts, char *shortopts)
{
	size_t i, n = 0;

	shortopts[n++] = ':';	/* report a missing argument as ':' */
	for (i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &option_specs[i];
		int takes_arg = o->kind != KIND_ECHO;

		longopts[i].name = o->name;
		longopts[i].has_arg = takes_arg ? required_argument :
		    no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = o->letter ? o->letter :
		    LONG_ONLY_BASE + (int)i;
		if (o->letter) {
			shortopts[n++] = (char)o->letter;
			if (takes_arg)
				shortopts[n++] = ':';
		}
	}
	longopts[NOPTIONS] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[NOPTIONS + 1] =
	    (struct option){ "version", no_argument, NULL, 'V' };
	longopts[NOPTIONS + 2] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[n++] = 'h';
	shortopts[n++] = 'V';
	shortopts[n] = '\0';
}

/* Find the row for a getopt_long value. */
static const struct option_spec *
find_spec(int value)
{
	size_t i;

	if (value >= LONG_ONLY_BASE && value < LONG_ONLY_BASE + (int)NOPTIONS)
		return &option_specs[value - LONG_ONLY_BASE];
	for (i = 0; i < NOPTIONS; i++)
		if (option_specs[i].letter == value)
			return &option_specs[i];
	return NULL;
}

/* Describe the option getopt stopped at, for an error line. */
static void
describe_bad_option(int c, char **argv, char *err, size_t errsz)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		snprintf(err, errsz, "%s: needs a value", arg);
	else if (optopt != 0 && find_spec(optopt) != NULL)
		snprintf(err, errsz, "%s: takes no value", arg);
	else if (optopt > 0 && optopt < LONG_ONLY_BASE)
		snprintf(err, errsz, "unknown option '-%c' (try --help)",
		    optopt);
	else
		snprintf(err, errsz, "unknown option '%s' (try --help)", arg);
}

/* Parse the command line into s, then check the result. */
enum config_result
config_parse_args(struct settings *s, int argc, char **argv, char *err,
    size_t errsz)
{
	struct option longopts[NOPTIONS + 3];
	char shortopts[2 * NOPTIONS + 8];
	const struct option_spec *o;
	int c;

	build_getopt_tables(longopts, shortopts);
	opterr = 0;
	optind = 0;	/* glibc: start afresh, so tests can parse again */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == 'h')
			return CONFIG_HELP;
		if (c == 'V')
			return CONFIG_VERSION;
		o = find_spec(c);
		if (o == NULL) {
			describe_bad_option(c, argv, err, errsz);
			return CONFIG_ERROR;
		}
		if (config_apply(s, o, optarg, err, errsz) < 0)
			return CONFIG_ERROR;
	}
	if (optind < argc) {
		snprintf(err, errsz, "unexpected argument '%s' (try --help)",
		    argv[optind]);
		return CONFIG_ERROR;
	}
	return config_finish(s, err, errsz) < 0 ? CONFIG_ERROR : CONFIG_OK;
}

/* Print the usage text. */
void
config_usage(FILE *out)
{
	fputs(
"Usage: sockd [OPTION]...\n"
"Answer every message a TCP client sends (\"ok\" by default).\n"
"\n"
"  -l, --listen ADDR[:PORT]   listen here (repeatable; default 127.0.0.1)\n"
"  -p, --port PORT            port for --listen without one (default 8001;\n"
"                             0 lets the kernel choose)\n"
"  -w, --workers N            worker threads, clients served at once (256)\n"
"  -q, --queue N              connections that may wait for a worker (1024)\n"
"  -b, --backlog N            listen() backlog (128)\n"
"  -t, --timeout SECONDS      idle and send timeout, 0 = never (10)\n"
"      --framing raw|line     a message is one read, or one line (raw)\n"
"      --reply TEXT           answer TEXT (default ok)\n"
"      --echo                 answer each message with itself\n"
"      --max-line BYTES       longest line with --framing line (65536)\n"
"      --log-level LEVEL      error, warning, notice, info, debug (info)\n"
"      --log-max BYTES        bytes of a message shown in the log (256)\n"
"      --shutdown-timeout S   longest graceful drain on SIGTERM (10)\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Exit status: 0 clean shutdown, 64 bad command line, 69 cannot listen,\n"
"71 operating-system failure.  See sockd(8).\n", out);
}
