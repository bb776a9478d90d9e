/*
 * config.c - the order in which settings are applied (defaults, file,
 * command line) and the checks that need them all: listen addresses,
 * paths, exclusive options.  The per-setting work is options.c's, the
 * file's syntax cfg.c's.
 */
#include "build-config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "config.h"
#include "options.h"
#include "options-cli.h"

/* Fill s with the table's defaults. */
void
config_defaults(struct settings *s)
{
	options_defaults(s);
}

/* Free the strings s holds. */
void
config_free(struct settings *s)
{
	options_free(s);
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
	char joined[8192], *copy;

	if (*path == NULL || (*path)[0] == '/')
		return 0;
	if (start_dir[0] == '\0' && getcwd(start_dir, sizeof start_dir) ==
	    NULL) {
		snprintf(err, errsz, "getcwd: %s", strerror(errno));
		return -1;
	}
	snprintf(joined, sizeof joined, "%s/%s", start_dir, *path);
	if ((copy = strdup(joined)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	free(*path);
	*path = copy;
	return 0;
}

/* Parse the listen addresses, the default one if none was given. */
static int
finish_listen(struct settings *s, char *err, size_t errsz)
{
	const struct option_spec *listen = options_by_name("listen");
	char why[NET_ERR_MAX];
	size_t i;

	if (s->nlisten_specs == 0 &&
	    options_set(s, listen, "", listen->defval, err, errsz) < 0)
		return -1;
	for (i = 0; i < s->nlisten_specs; i++) {
		if (net_parse_listen(s->listen_specs[i], s->port,
		    &s->listen[i], why, sizeof why) < 0) {
			snprintf(err, errsz, "listen: %s", why);
			return -1;
		}
	}
	s->nlisten = s->nlisten_specs;
	return 0;
}

/* Check the settings as a whole and parse the listen addresses. */
static int
config_finish(struct settings *s, char *err, size_t errsz)
{
	if (finish_listen(s, err, errsz) < 0)
		return -1;
	/* Only the command line can put one there: a file's value is one
	 * line. */
	if (s->framing == FRAMING_LINE && !s->echo &&
	    strchr(s->reply, '\n') != NULL) {
		snprintf(err, errsz, "reply: a newline in the reply would put "
		    "line clients out of step");
		return -1;
	}
	if (absolute_path(&s->config_file, err, errsz) < 0 ||
	    absolute_path(&s->log_file, err, errsz) < 0 ||
	    absolute_path(&s->pidfile, err, errsz) < 0)
		return -1;
	return 0;
}

/* Describe the option getopt stopped at, for an error line. */
static void
describe_bad_option(int c, char **argv, char *err, size_t errsz)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		snprintf(err, errsz, "%s: needs a value", arg);
	else if (optopt != 0 && options_by_getopt(optopt) != NULL)
		snprintf(err, errsz, "%s: takes no value", arg);
	else if (optopt > 0 && optopt < OPTIONS_LONG_ONLY_BASE)
		snprintf(err, errsz, "unknown option '-%c' (try --help)",
		    optopt);
	else
		snprintf(err, errsz, "unknown option '%s' (try --help)", arg);
}

/*
 * Where the log goes is one choice: --log-file or --syslog on the command
 * line replaces the file's choice of the other; both given there are an
 * error.
 */
static enum config_result
choose_log_sink(struct settings *s, bool file_given, bool syslog_given,
    char *err, size_t errsz)
{
	if (file_given && syslog_given) {
		snprintf(err, errsz, "--log-file and --syslog exclude each "
		    "other");
		return CONFIG_ERROR;
	}
	if (file_given)
		s->syslog = false;
	if (syslog_given)
		options_clear(s, options_by_name("log-file"));
	return CONFIG_OK;
}

/* True for the settings a command line or a file may give many times. */
static bool
is_list(const struct option_spec *o)
{
	return o->kind == KIND_LISTEN || o->kind == KIND_INJECT;
}

/*
 * Apply the command line over s; the first --listen replaces the file's
 * addresses, the first --inject the file's faults.
 */
static enum config_result
apply_args(struct settings *s, int argc, char **argv, char *err,
    size_t errsz)
{
	const struct option_spec *o;
	bool cleared[OPTIONS_TABLE_MAX] = { false };
	bool file_given = false, syslog_given = false;
	int c;

	opterr = 0;
	optind = 0;	/* glibc: start afresh, so argv can be parsed again */
	while ((c = getopt_long(argc, argv, options_shortopts(),
	    options_longopts(), NULL)) != -1) {
		if (c == 'h')
			return CONFIG_HELP;
		if (c == 'V')
			return CONFIG_VERSION;
		if ((o = options_by_getopt(c)) == NULL) {
			describe_bad_option(c, argv, err, errsz);
			return CONFIG_ERROR;
		}
		if (is_list(o) && !cleared[o - option_table]) {
			options_clear(s, o);
			cleared[o - option_table] = true;
		}
		if (options_set(s, o, "--", optarg, err, errsz) < 0)
			return CONFIG_ERROR;
		file_given |= o->offset == offsetof(struct settings, log_file);
		syslog_given |= o->offset == offsetof(struct settings, syslog) &&
		    s->syslog;
	}
	if (optind < argc) {
		snprintf(err, errsz, "unexpected argument '%s' (try --help)",
		    argv[optind]);
		return CONFIG_ERROR;
	}
	return choose_log_sink(s, file_given, syslog_given, err, errsz);
}

/* Parse the command line into s, then check the result. */
enum config_result
config_parse_args(struct settings *s, int argc, char **argv, char *err,
    size_t errsz)
{
	enum config_result result = apply_args(s, argc, argv, err, errsz);
	char why[CONFIG_ERR_MAX];

	if (result != CONFIG_OK)
		return result;
	if (config_finish(s, why, sizeof why) < 0) {
		/* Name the option the way the user wrote it. */
		snprintf(err, errsz, "--%s", why);
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}

/* Defaults, then the file named by -c, then the command line. */
enum config_result
config_load(struct settings *s, int argc, char **argv, char *err,
    size_t errsz)
{
	enum config_result result;
	char *path;

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
	if (cfg_load_file(s, path, err, errsz) < 0)
		return CONFIG_FILE_ERROR;
	return config_parse_args(s, argc, argv, err, errsz);
}

/* Give loaded running's value of every setting a reload may not change. */
int
config_keep_restart_only(struct settings *loaded,
    const struct settings *running, char *changed, size_t changedsz)
{
	char one[128];
	size_t i, len = 0;

	changed[0] = '\0';
	for (i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];

		if (o->reload)
			continue;
		if (!options_equal(running, loaded, o) &&
		    o->scope != SCOPE_COMMAND) {
			options_describe_change(running, loaded, o, one,
			    sizeof one);
			if (len < changedsz)
				len += (size_t)snprintf(changed + len,
				    changedsz - len, "%s%s", len ? ", " : "",
				    one);
		}
		if (options_copy(loaded, running, o) < 0)
			return -1;
	}
	return 0;
}
