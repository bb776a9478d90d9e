/*
 * config.c - settings from defaults, the configuration file and the
 * command line.  Each option is one row of a table (name, letter, kind,
 * range, field), so parsing and range checks are written once and the
 * file and the command line accept exactly the same names and values.
 */
#include "build-config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "number.h"

/* A configuration file larger than this is surely not one. */
#define CONFIG_FILE_MAX (1024 * 1024)

enum option_kind {
	KIND_UINT,	/* unsigned within [min, max] */
	KIND_STRING,	/* copied text */
	KIND_FLAG,	/* bool: bare on the command line, yes/no in a file */
	KIND_LISTEN,	/* appended to listen_specs */
	KIND_FRAMING,	/* raw | line */
	KIND_LEVEL,	/* log level name */
	KIND_REPLY,	/* --reply: text, and echo off */
	KIND_ECHO,	/* --echo: a flag that also decides against reply */
	KIND_CONFIG,	/* -c: command line only */
	KIND_CHECK,	/* -n: a flag, command line only */
	KIND_METRICS,	/* ADDR:PORT, parsed into metrics_addr */
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
	{ "log-file", 0, KIND_STRING, 0, 0, FIELD(log_file) },
	{ "syslog", 0, KIND_FLAG, 0, 0, FIELD(syslog) },
	{ "config", 'c', KIND_CONFIG, 0, 0, FIELD(config_file) },
	{ "check-config", 'n', KIND_CHECK, 0, 0, FIELD(check_only) },
	{ "user", 0, KIND_STRING, 0, 0, FIELD(user) },
	{ "pidfile", 0, KIND_STRING, 0, 0, FIELD(pidfile) },
	{ "daemon", 'd', KIND_FLAG, 0, 0, FIELD(daemon) },
	{ "shutdown-timeout", 0, KIND_UINT, 0, 3600,
	    FIELD(shutdown_timeout) },
	{ "reuseport", 0, KIND_FLAG, 0, 0, FIELD(reuseport) },
	{ "max-per-ip", 0, KIND_UINT, 0, 1048576, FIELD(max_per_ip) },
	{ "metrics", 0, KIND_METRICS, 0, 0, FIELD(metrics) },
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

/* Forget the listen addresses given so far. */
static void
clear_listen(struct settings *s)
{
	size_t i;

	for (i = 0; i < s->nlisten_specs; i++) {
		free(s->listen_specs[i]);
		s->listen_specs[i] = NULL;
	}
	s->nlisten_specs = s->nlisten = 0;
}

/* Free the strings s holds. */
void
config_free(struct settings *s)
{
	size_t i;

	clear_listen(s);
	for (i = 0; i < NOPTIONS; i++)
		if (option_specs[i].kind == KIND_STRING ||
		    option_specs[i].kind == KIND_CONFIG ||
		    option_specs[i].kind == KIND_REPLY ||
		    option_specs[i].kind == KIND_METRICS) {
			char **field = (char **)((char *)s +
			    option_specs[i].offset);

			free(*field);
			*field = NULL;
		}
}

/* Parse a whole decimal number within [min, max] into an unsigned. */
static int
parse_uint(const char *text, unsigned long min, unsigned long max,
    unsigned *value)
{
	unsigned long long v;

	if (number_parse(text, min, max, &v) < 0)
		return -1;
	*value = (unsigned)v;
	return 0;
}

/* Parse yes/no and its usual spellings. */
static int
parse_bool(const char *text, bool *value)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(text, yes[i]) == 0) {
			*value = true;
			return 0;
		}
		if (strcmp(text, no[i]) == 0) {
			*value = false;
			return 0;
		}
	}
	return -1;
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

/*
 * Apply one option's value to s; -1 with err naming the option as
 * prefix + name ("--workers" on the command line, "workers" in a file).
 * value is NULL for a flag given bare on the command line.
 */
/* Keep --metrics ADDR:PORT as written and parsed; the port is needed. */
static int
set_metrics(struct settings *s, const char *prefix, const char *value,
    char *err, size_t errsz)
{
	char why[NET_ERR_MAX];

	/* 65536 is no port: it marks a spec that named none. */
	if (net_parse_listen(value, 65536, &s->metrics_addr, why,
	    sizeof why) < 0) {
		snprintf(err, errsz, "%smetrics: %s", prefix, why);
		return -1;
	}
	if (s->metrics_addr.port == 65536) {
		snprintf(err, errsz, "%smetrics: '%s': expected ADDR:PORT",
		    prefix, value);
		return -1;
	}
	return set_string(&s->metrics, value, err, errsz);
}

static int
config_apply(struct settings *s, const struct option_spec *o,
    const char *prefix, const char *value, char *err, size_t errsz)
{
	char *base = (char *)s;
	int level;

	switch (o->kind) {
	case KIND_UINT:
		if (parse_uint(value, o->min, o->max,
		    (unsigned *)(base + o->offset)) == 0)
			return 0;
		snprintf(err, errsz, "%s%s: '%s' is not a number in %lu-%lu",
		    prefix, o->name, value, o->min, o->max);
		return -1;
	case KIND_STRING:
	case KIND_CONFIG:
		if (*value == '\0') {
			snprintf(err, errsz, "%s%s: empty value", prefix,
			    o->name);
			return -1;
		}
		return set_string((char **)(base + o->offset), value, err,
		    errsz);
	case KIND_ECHO:
	case KIND_FLAG:
	case KIND_CHECK:
		if (value == NULL)
			*(bool *)(base + o->offset) = true;
		else if (parse_bool(value, (bool *)(base + o->offset)) < 0) {
			snprintf(err, errsz, "%s%s: '%s' is not yes or no",
			    prefix, o->name, value);
			return -1;
		}
		return 0;
	case KIND_LISTEN: {
		struct listen_addr check;
		char why[NET_ERR_MAX];

		/* Syntax now, so a file's error names its line. */
		if (net_parse_listen(value, 0, &check, why, sizeof why) < 0) {
			snprintf(err, errsz, "%s%s: %s", prefix, o->name, why);
			return -1;
		}
		if (s->nlisten_specs == CONFIG_LISTEN_MAX) {
			snprintf(err, errsz, "%s%s: at most %d addresses",
			    prefix, o->name, CONFIG_LISTEN_MAX);
			return -1;
		}
		if (set_string(&s->listen_specs[s->nlisten_specs], value, err,
		    errsz) < 0)
			return -1;
		s->nlisten_specs++;
		return 0;
	}
	case KIND_FRAMING:
		if (strcmp(value, "raw") == 0)
			s->framing = FRAMING_RAW;
		else if (strcmp(value, "line") == 0)
			s->framing = FRAMING_LINE;
		else {
			snprintf(err, errsz, "%s%s: '%s' is not raw or line",
			    prefix, o->name, value);
			return -1;
		}
		return 0;
	case KIND_LEVEL:
		level = log_level_parse(value);
		if (level < 0) {
			snprintf(err, errsz, "%s%s: '%s' is not error, warning, "
			    "notice, info or debug", prefix, o->name, value);
			return -1;
		}
		s->log_level = level;
		return 0;
	case KIND_REPLY:
		s->echo = false;
		return set_string(&s->reply, value, err, errsz);
	case KIND_METRICS:
		return set_metrics(s, prefix, value, err, errsz);
	}
	return -1;
}

/*
 * Make a relative path absolute against the directory sockd started in,
 * remembered at the first call: --daemon moves to / and a reload must
 * still find the same files.
 */
static int
absolute_path(char **path, char *err, size_t errsz)
{
	static char start_dir[4096];
	char joined[8192];

	if (*path == NULL || (*path)[0] == '/')
		return 0;
	if (start_dir[0] == '\0' && getcwd(start_dir, sizeof start_dir) ==
	    NULL) {
		snprintf(err, errsz, "getcwd: %s", strerror(errno));
		return -1;
	}
	snprintf(joined, sizeof joined, "%s/%s", start_dir, *path);
	return set_string(path, joined, err, errsz);
}

/* Check the settings as a whole and parse the listen addresses. */
static int
config_finish(struct settings *s, char *err, size_t errsz)
{
	char why[NET_ERR_MAX];
	size_t i;

	if (s->reply == NULL && set_string(&s->reply, "ok", err, errsz) < 0)
		return -1;
	if (s->nlisten_specs == 0) {
		if (set_string(&s->listen_specs[0], "127.0.0.1", err,
		    errsz) < 0)
			return -1;
		s->nlisten_specs = 1;
	}
	for (i = 0; i < s->nlisten_specs; i++) {
		if (net_parse_listen(s->listen_specs[i], s->port,
		    &s->listen[i], why, sizeof why) < 0) {
			snprintf(err, errsz, "listen: %s", why);
			return -1;
		}
	}
	s->nlisten = s->nlisten_specs;
	if (absolute_path(&s->config_file, err, errsz) < 0 ||
	    absolute_path(&s->log_file, err, errsz) < 0 ||
	    absolute_path(&s->pidfile, err, errsz) < 0)
		return -1;
	if (s->log_file != NULL && s->syslog) {
		snprintf(err, errsz, "log-file and syslog exclude each other");
		return -1;
	}
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
		int takes_arg = o->kind != KIND_ECHO && o->kind != KIND_FLAG &&
		    o->kind != KIND_CHECK;

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

/* Find the row for a name in a file. */
static const struct option_spec *
find_spec_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (strcmp(option_specs[i].name, name) == 0)
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

/* Apply the command line over s; the first --listen replaces the file's. */
static enum config_result
apply_args(struct settings *s, int argc, char **argv, char *err,
    size_t errsz)
{
	struct option longopts[NOPTIONS + 3];
	char shortopts[2 * NOPTIONS + 8];
	const struct option_spec *o;
	bool listen_cleared = false;
	int c;

	build_getopt_tables(longopts, shortopts);
	opterr = 0;
	optind = 0;	/* glibc: start afresh, so argv can be parsed again */
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
		if (o->kind == KIND_LISTEN && !listen_cleared) {
			clear_listen(s);
			listen_cleared = true;
		}
		if (config_apply(s, o, "--", optarg, err, errsz) < 0)
			return CONFIG_ERROR;
	}
	if (optind < argc) {
		snprintf(err, errsz, "unexpected argument '%s' (try --help)",
		    argv[optind]);
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}

/* Parse the command line into s, then check the result. */
enum config_result
config_parse_args(struct settings *s, int argc, char **argv, char *err,
    size_t errsz)
{
	enum config_result result = apply_args(s, argc, argv, err, errsz);

	if (result != CONFIG_OK)
		return result;
	if (config_finish(s, err, errsz) < 0) {
		/* Name the option the way the user wrote it. */
		char why[CONFIG_ERR_MAX];

		snprintf(why, sizeof why, "--%s", err);
		snprintf(err, errsz, "%s", why);
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}

/* Strip blanks at both ends of [*start, *end). */
static void
trim(const char **start, const char **end)
{
	while (*start < *end && (**start == ' ' || **start == '\t'))
		(*start)++;
	while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t' ||
	    (*end)[-1] == '\r'))
		(*end)--;
}

/* Apply one "name = value" line; -1 with err (without FILE:LINE). */
static int
apply_line(struct settings *s, const char *line, const char *end, char *err,
    size_t errsz)
{
	const struct option_spec *o;
	const char *eq, *name_end, *value;
	char name[64], *copy;
	int rc;

	eq = memchr(line, '=', (size_t)(end - line));
	if (eq == NULL) {
		snprintf(err, errsz, "expected name = value");
		return -1;
	}
	name_end = eq;
	value = eq + 1;
	trim(&line, &name_end);
	trim(&value, &end);
	if ((size_t)(name_end - line) >= sizeof name || name_end == line) {
		snprintf(err, errsz, "expected name = value");
		return -1;
	}
	memcpy(name, line, (size_t)(name_end - line));
	name[name_end - line] = '\0';
	o = find_spec_by_name(name);
	if (o == NULL || o->kind == KIND_CONFIG || o->kind == KIND_CHECK) {
		snprintf(err, errsz, "unknown name '%s'", name);
		return -1;
	}
	/* "quoted" keeps leading and trailing blanks of a reply. */
	if (end - value >= 2 && value[0] == '"' && end[-1] == '"') {
		value++;
		end--;
	}
	copy = strndup(value, (size_t)(end - value));
	if (copy == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	rc = config_apply(s, o, "", copy, err, errsz);
	free(copy);
	return rc;
}

/* Parse configuration text into s. */
int
config_parse_text(struct settings *s, const char *name, const char *text,
    char *err, size_t errsz)
{
	const char *line = text, *end, *p;
	char why[CONFIG_ERR_MAX];
	unsigned lineno = 0;

	for (; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		lineno++;
		for (p = line; p < end && (*p == ' ' || *p == '\t' ||
		    *p == '\r'); p++)
			;
		if (p == end || *p == '#')
			continue;
		if (apply_line(s, p, end, why, sizeof why) < 0) {
			snprintf(err, errsz, "%s:%u: %s", name, lineno, why);
			return -1;
		}
	}
	return 0;
}

/* Read a whole file into a string; -1 with err. */
static char *
read_file(const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t n;

	if (f == NULL) {
		snprintf(err, errsz, "%s:0: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		snprintf(err, errsz, "%s:0: out of memory", path);
		return NULL;
	}
	n = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f) || n > CONFIG_FILE_MAX) {
		snprintf(err, errsz, "%s:0: %s", path, ferror(f) ?
		    strerror(errno) : "larger than 1 MiB");
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[n] = '\0';
	if (strlen(text) != n) {
		snprintf(err, errsz, "%s:0: contains a NUL byte", path);
		free(text);
		return NULL;
	}
	return text;
}

/* Defaults, then the file named by -c, then the command line. */
enum config_result
config_load(struct settings *s, int argc, char **argv, char *err,
    size_t errsz)
{
	enum config_result result;
	char *path, *text;
	int rc;

	/* First pass: find -c (and --help, --version, usage errors). */
	config_defaults(s);
	result = apply_args(s, argc, argv, err, errsz);
	if (result != CONFIG_OK || s->config_file == NULL)
		return result != CONFIG_OK ? result :
		    config_parse_args(s, argc, argv, err, errsz);
	if (absolute_path(&s->config_file, err, errsz) < 0)
		return CONFIG_ERROR;
	path = s->config_file;
	s->config_file = NULL;
	config_free(s);
	config_defaults(s);
	s->config_file = path;

	text = read_file(path, err, errsz);
	if (text == NULL)
		return CONFIG_FILE_ERROR;
	rc = config_parse_text(s, path, text, err, errsz);
	free(text);
	if (rc < 0)
		return CONFIG_FILE_ERROR;
	return config_parse_args(s, argc, argv, err, errsz);
}

/* Log which settings differ and need a restart to take effect. */
void
config_report_restart_needed(const struct settings *running,
    const struct settings *loaded)
{
	bool listen_differs = running->nlisten != loaded->nlisten;
	size_t i;

	for (i = 0; !listen_differs && i < running->nlisten; i++)
		listen_differs = strcmp(running->listen[i].host,
		    loaded->listen[i].host) != 0 ||
		    running->listen[i].port != loaded->listen[i].port;
	if (listen_differs)
		log_warnx("reload: listen addresses changed; they take effect "
		    "at restart");
	if (running->workers != loaded->workers)
		log_warnx("reload: workers changed (%u to %u); it takes effect "
		    "at restart", running->workers, loaded->workers);
	if ((running->metrics == NULL) != (loaded->metrics == NULL) ||
	    (running->metrics != NULL && strcmp(running->metrics,
	    loaded->metrics) != 0))
		log_warnx("reload: metrics address changed; it takes effect "
		    "at restart");
	if (running->queue != loaded->queue ||
	    running->backlog != loaded->backlog ||
	    running->framing != loaded->framing ||
	    running->reuseport != loaded->reuseport)
		log_warnx("reload: queue, backlog, framing or reuseport "
		    "changed; they take effect at restart");
}

/*
 * Every live block ever published, newest first.  Old blocks are kept
 * until exit: a worker may still be reading one, and reloads are rare
 * enough that the memory does not matter.
 */
struct live_block {
	struct live_settings live;
	struct live_block *older;
	char reply[];
};

static _Atomic(struct live_block *) live_current;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

/* Publish the live part of s for connections. */
int
config_live_publish(const struct settings *s)
{
	size_t len = strlen(s->reply);
	struct live_block *b = malloc(sizeof *b + len + 1);
	struct live_block *old;

	if (b == NULL)
		return -1;
	memcpy(b->reply, s->reply, len + 1);
	b->live.timeout = s->timeout;
	b->live.reply = b->reply;
	b->live.reply_len = len;
	b->live.echo = s->echo;
	b->live.max_line = s->max_line;
	b->live.max_per_ip = s->max_per_ip;
	b->live.log_max = s->log_max;
	pthread_mutex_lock(&live_lock);
	old = atomic_load(&live_current);
	/* Framing changes need a restart: keep the running one. */
	b->live.framing = old ? old->live.framing : s->framing;
	b->older = old;
	atomic_store_explicit(&live_current, b, memory_order_release);
	pthread_mutex_unlock(&live_lock);
	return 0;
}

/* The live settings now in force. */
const struct live_settings *
config_live(void)
{
	return &atomic_load_explicit(&live_current,
	    memory_order_acquire)->live;
}

/* Free every live block ever published. */
void
config_live_free_all(void)
{
	struct live_block *b, *older;

	pthread_mutex_lock(&live_lock);
	for (b = atomic_load(&live_current); b != NULL; b = older) {
		older = b->older;
		free(b);
	}
	atomic_store(&live_current, NULL);
	pthread_mutex_unlock(&live_lock);
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
"      --log-file FILE        log to FILE (reopened on SIGHUP)\n"
"      --syslog               log to syslog\n"
"  -c, --config FILE          read settings from FILE first\n"
"  -n, --check-config         check the settings, print configuration OK,\n"
"                             and exit; nothing is started\n"
"      --user NAME            drop to this user after binding\n"
"      --pidfile FILE         write and lock a pid file\n"
"  -d, --daemon               detach from the terminal\n"
"      --shutdown-timeout S   longest graceful drain on SIGTERM (10)\n"
"      --reuseport            let several sockd share a port\n"
"      --max-per-ip N         connections one address may hold, 0 = any (0)\n"
"      --metrics ADDR:PORT    serve Prometheus counters at /metrics\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Exit status: 0 clean shutdown, 64 bad command line, 69 cannot listen,\n"
"71 operating-system failure, 78 bad configuration file.  See sockd(8).\n",
	    out);
}
