/*
 * test-config.c - the settings: the command line, the configuration
 * file's syntax, range checks, what a reload keeps, and the defaults of
 * the option table against every place that shows them (--help, the
 * sample configuration, both man pages).
 */
#include "build-config.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "config.h"
#include "log.h"
#include "number.h"
#include "options.h"
#include "options-cli.h"

struct parsed {
	struct settings s;
	enum config_result result;
	char err[CONFIG_ERR_MAX];
};

/* Parse a NULL-terminated argument list after "sockd". */
static void
parse(struct parsed *p, ...)
{
	const char *argv[32] = { "sockd" };
	const char *a;
	int argc = 1;
	va_list ap;

	va_start(ap, p);
	while ((a = va_arg(ap, const char *)) != NULL)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	memset(p->err, 0, sizeof p->err);
	config_defaults(&p->s);
	p->result = config_parse_args(&p->s, argc, (char **)argv, p->err,
	    sizeof p->err);
}

/* Every default in the table parses, and listen's is the address used
 * when none is given. */
static void
test_defaults(void)
{
	struct settings s;
	struct parsed p;
	char err[256];
	size_t i;

	for (i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];

		memset(&s, 0, sizeof s);
		if (o->defval != NULL)
			g_assert_cmpint(options_set(&s, o, "", o->defval, err,
			    sizeof err), ==, 0);
		options_free(&s);
	}
	parse(&p, NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_cmpuint(p.s.nlisten, ==, 1);
	g_assert_cmpstr(p.s.listen[0].host, ==,
	    options_by_name("listen")->defval);
	g_assert_cmpuint(p.s.listen[0].port, ==,
	    atoi(options_by_name("port")->defval));
	g_assert_cmpint(p.s.log_level, ==,
	    log_level_parse(options_by_name("log-level")->defval));
	g_assert_cmpstr(p.s.reply, ==, options_by_name("reply")->defval);
	g_assert_null(p.s.metrics);
	config_free(&p.s);
}

static void
test_short_and_long_forms(void)
{
	struct parsed p;

	parse(&p, "-w", "4", "-q", "8", "-b", "16", "-t", "0", "-p", "0",
	    "--framing", "line", "--reply", "pong", "--max-line", "10",
	    "--log-level", "debug", "--log-max", "0", "--shutdown-timeout",
	    "3", "--max-per-ip", "5", "--metrics", "[::1]:9101", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_cmpuint(p.s.workers, ==, 4);
	g_assert_cmpuint(p.s.queue, ==, 8);
	g_assert_cmpuint(p.s.backlog, ==, 16);
	g_assert_cmpuint(p.s.timeout, ==, 0);
	g_assert_cmpuint(p.s.listen[0].port, ==, 0);
	g_assert_cmpint(p.s.framing, ==, FRAMING_LINE);
	g_assert_cmpstr(p.s.reply, ==, "pong");
	g_assert_cmpuint(p.s.max_line, ==, 10);
	g_assert_cmpint(p.s.log_level, ==, LOG_LEVEL_DEBUG);
	g_assert_cmpuint(p.s.log_max, ==, 0);
	g_assert_cmpuint(p.s.shutdown_timeout, ==, 3);
	g_assert_cmpuint(p.s.max_per_ip, ==, 5);
	g_assert_cmpstr(p.s.metrics, ==, "[::1]:9101");
	g_assert_cmpstr(p.s.metrics_addr.host, ==, "::1");
	g_assert_cmpuint(p.s.metrics_addr.port, ==, 9101);
	config_free(&p.s);

	parse(&p, "--workers=7", "--port=9000", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_cmpuint(p.s.workers, ==, 7);
	g_assert_cmpuint(p.s.listen[0].port, ==, 9000);
	config_free(&p.s);
}

static void
test_listen_repeatable_with_port_default(void)
{
	struct parsed p;

	/* --port applies to entries without one, wherever it appears. */
	parse(&p, "-l", "[::1]", "--listen", "127.0.0.1:9001", "-p", "7000",
	    "-l", "localhost", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_cmpuint(p.s.nlisten, ==, 3);
	g_assert_cmpstr(p.s.listen[0].host, ==, "::1");
	g_assert_cmpuint(p.s.listen[0].port, ==, 7000);
	g_assert_cmpuint(p.s.listen[1].port, ==, 9001);
	g_assert_cmpstr(p.s.listen[2].host, ==, "localhost");
	config_free(&p.s);
}

static void
test_echo_and_reply_last_wins(void)
{
	struct parsed p;

	parse(&p, "--reply", "x", "--echo", NULL);
	g_assert_true(p.s.echo);
	config_free(&p.s);
	parse(&p, "--echo", "--reply", "x", NULL);
	g_assert_false(p.s.echo);
	g_assert_cmpstr(p.s.reply, ==, "x");
	config_free(&p.s);
}

static void
test_relative_paths_made_absolute(void)
{
	struct parsed p;

	/* --daemon moves to /: files must still be where the user meant. */
	parse(&p, "--pidfile", "run/x.pid", "--log-file", "/var/log/x.log",
	    NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_true(g_str_has_prefix(p.s.pidfile, "/"));
	g_assert_true(g_str_has_suffix(p.s.pidfile, "/run/x.pid"));
	g_assert_cmpstr(p.s.log_file, ==, "/var/log/x.log");
	config_free(&p.s);
}

static void
test_help_and_version(void)
{
	struct parsed p;

	parse(&p, "--help", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_HELP);
	config_free(&p.s);
	parse(&p, "-V", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_VERSION);
	config_free(&p.s);
}

/* Each bad argument list is refused with an error naming the option. */
static void
assert_refused(const char *named, const char *a, const char *b)
{
	struct parsed p;

	parse(&p, a, b, NULL);
	g_assert_cmpint(p.result, ==, CONFIG_ERROR);
	g_assert_nonnull(strstr(p.err, named));
	g_assert_null(strchr(p.err, '\n'));
	config_free(&p.s);
}

static void
test_range_checks(void)
{
	assert_refused("--workers", "--workers", "0");
	assert_refused("--workers", "--workers", "4097");
	assert_refused("--workers", "-w", "-1");
	assert_refused("--workers", "-w", "12abc");
	assert_refused("--workers", "-w", "");
	assert_refused("--port", "--port", "65536");
	assert_refused("--queue", "--queue", "0");
	assert_refused("--backlog", "--backlog", "0");
	assert_refused("--timeout", "--timeout", "86401");
	assert_refused("--max-line", "--max-line", "0");
	assert_refused("--log-max", "--log-max", "4097");
	assert_refused("--shutdown-timeout", "--shutdown-timeout", "99999");
	assert_refused("--workers", "--workers",
	    "99999999999999999999999999");
}

static void
test_bad_words(void)
{
	assert_refused("--framing", "--framing", "lines");
	assert_refused("--log-level", "--log-level", "loud");
	assert_refused("--listen", "--listen", "[::1");
	assert_refused("--listen", "--listen", "127.0.0.1:http");
	assert_refused("--listen", "--listen", ":8001");
	assert_refused("--bogus", "--bogus", NULL);
	assert_refused("-x", "-x", NULL);
	assert_refused("needs a value", "--port", NULL);
	assert_refused("takes no value", "--echo=yes", NULL);
	assert_refused("unexpected argument 'extra'", "extra", NULL);
}

/* The number parser every program shares: digits only, in range. */
static void
test_number_parse(void)
{
	unsigned long long v = 7;

	g_assert_cmpint(number_parse("0", 0, 10, &v), ==, 0);
	g_assert_cmpuint(v, ==, 0);
	g_assert_cmpint(number_parse("65535", 1, 65535, &v), ==, 0);
	g_assert_cmpuint(v, ==, 65535);
	g_assert_cmpint(number_parse("65536", 1, 65535, &v), ==, -1);
	g_assert_cmpint(number_parse("0", 1, 10, &v), ==, -1);
	g_assert_cmpint(number_parse("", 0, 10, &v), ==, -1);
	g_assert_cmpint(number_parse("-1", 0, ~0ULL, &v), ==, -1);
	g_assert_cmpint(number_parse("+1", 0, 10, &v), ==, -1);
	g_assert_cmpint(number_parse(" 1", 0, 10, &v), ==, -1);
	g_assert_cmpint(number_parse("1 ", 0, 10, &v), ==, -1);
	g_assert_cmpint(number_parse("12x", 0, 100, &v), ==, -1);
	g_assert_cmpint(number_parse("99999999999999999999", 0, ~0ULL, &v),
	    ==, -1);
	g_assert_cmpuint(v, ==, 65535);
}

/* Apply configuration text over the defaults; the result of cfg. */
static int
parse_text(struct settings *s, const char *text, char *err, size_t errsz)
{
	config_defaults(s);
	return cfg_parse_text(s, "t.conf", text, err, errsz);
}

/* The file's syntax: comments, blanks, quotes, CRLF, the last value wins
 * and listen lines add up. */
static void
test_file_syntax(void)
{
	struct settings s;
	char err[CONFIG_ERR_MAX];

	g_assert_cmpint(parse_text(&s,
	    "# comment\n"
	    "\n"
	    "   \t\n"
	    "  workers\t=  7  \n"
	    "workers = 9\r\n"
	    "reply = \"  spaced  \"\n"
	    "echo = on\n"
	    "framing=line\n"
	    "listen = 127.0.0.1:1\n"
	    "listen = [::1]\n"
	    "log-level = debug", err, sizeof err), ==, 0);
	g_assert_cmpuint(s.workers, ==, 9);
	g_assert_cmpstr(s.reply, ==, "  spaced  ");
	g_assert_true(s.echo);
	g_assert_cmpint(s.framing, ==, FRAMING_LINE);
	g_assert_cmpuint(s.nlisten_specs, ==, 2);
	g_assert_cmpstr(s.listen_specs[1], ==, "[::1]");
	g_assert_cmpint(s.log_level, ==, LOG_LEVEL_DEBUG);
	config_free(&s);
	g_assert_cmpint(parse_text(&s, "", err, sizeof err), ==, 0);
	config_free(&s);
}

/* A bad file is refused with FILE:LINE and the cause, on one line. */
static void
assert_text_refused(const char *text, const char *expect)
{
	struct settings s;
	char err[CONFIG_ERR_MAX];

	g_assert_cmpint(parse_text(&s, text, err, sizeof err), ==, -1);
	g_assert_cmpstr(err, ==, expect);
	config_free(&s);
}

static void
test_file_errors(void)
{
	assert_text_refused("\n\nworkers = 0\n",
	    "t.conf:3: workers: '0' is not a number in 1-4096");
	assert_text_refused("timeout 5\n", "t.conf:1: expected name = value");
	assert_text_refused(" = 5\n", "t.conf:1: expected name = value");
	assert_text_refused("bogus = 1\n", "t.conf:1: unknown name 'bogus'");
	assert_text_refused("config = x\n", "t.conf:1: unknown name 'config'");
	assert_text_refused("check-config = yes\n",
	    "t.conf:1: unknown name 'check-config'");
	assert_text_refused("log-file =\n", "t.conf:1: log-file: empty value");
	assert_text_refused("syslog = maybe\n",
	    "t.conf:1: syslog: 'maybe' is not yes or no");
	assert_text_refused("framing = lines\n",
	    "t.conf:1: framing: 'lines' is not raw or line");
}

/* An address's error shows a control byte in it escaped, as any value's
 * is, not as a byte a terminal would act on (fuzz-cfg found these). */
static void
test_file_address_errors_escaped(void)
{
	assert_text_refused("listen = 09.0.0:\x01\n",
	    "t.conf:1: listen: '\\x01': port must be 0-65535");
	assert_text_refused("listen = [::1\x1b]x\n",
	    "t.conf:1: listen: '[::1\\x1b]x': expected [ADDR] or "
	    "[ADDR]:PORT");
	assert_text_refused("metrics = \x1b[2J\n",
	    "t.conf:1: metrics: '\\x1b[2J': expected ADDR:PORT");
	assert_text_refused("metrics = 127.0.0.1:\x7f\n",
	    "t.conf:1: metrics: '\\x7f': port must be 0-65535");
	assert_text_refused("metrics = [\xe2\x80\xae\n",
	    "t.conf:1: metrics: '[\\u{202E}': expected [ADDR] or "
	    "[ADDR]:PORT");
}

/* A reload keeps what needs a restart, takes the rest, and names each
 * setting that it kept although the file changed it. */
static void
test_reload_keeps_restart_only(void)
{
	struct settings running, loaded;
	char err[CONFIG_ERR_MAX], changed[256];
	size_t i;

	g_assert_cmpint(parse_text(&running, "workers = 8\nreply = a\n", err,
	    sizeof err), ==, 0);
	g_assert_cmpint(parse_text(&loaded, "workers = 5\nreply = b\n"
	    "timeout = 3\nlisten = 127.0.0.2\nframing = line\n"
	    "max-per-ip = 2\n", err, sizeof err), ==, 0);
	g_assert_cmpint(config_keep_restart_only(&loaded, &running, changed,
	    sizeof changed), ==, 0);
	g_assert_cmpstr(changed, ==, "listen changed, workers changed "
	    "(8 to 5), framing changed");
	g_assert_cmpuint(loaded.workers, ==, 8);
	g_assert_cmpint(loaded.framing, ==, FRAMING_RAW);
	g_assert_cmpuint(loaded.nlisten_specs, ==, 0);
	g_assert_cmpstr(loaded.reply, ==, "b");
	g_assert_cmpuint(loaded.timeout, ==, 3);
	g_assert_cmpuint(loaded.max_per_ip, ==, 2);
	/* Now nothing that needs a restart differs. */
	for (i = 0; i < option_count; i++)
		if (!option_table[i].reload)
			g_assert_true(options_equal(&running, &loaded,
			    &option_table[i]));
	g_assert_cmpint(config_keep_restart_only(&loaded, &running, changed,
	    sizeof changed), ==, 0);
	g_assert_cmpstr(changed, ==, "");
	config_free(&running);
	config_free(&loaded);
}

/* --inject adds up, a bad one is named; --seed takes 64 bits. */
static void
test_inject_and_seed_options(void)
{
	struct parsed p;

	parse(&p, "--inject", "drop=5", "--inject", "delay=100~20,garble=1",
	    "--seed", "18446744073709551615", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_true(p.s.inject.any);
	g_assert_true(p.s.inject.fault[INJECT_DROP].on);
	g_assert_true(p.s.inject.fault[INJECT_DELAY].on);
	g_assert_true(p.s.inject.fault[INJECT_GARBLE].on);
	g_assert_false(p.s.inject.fault[INJECT_RESET].on);
	g_assert_true(p.s.seed_given);
	g_assert_cmpuint(p.s.seed, ==, G_MAXUINT64);
	config_free(&p.s);
	parse(&p, NULL);
	g_assert_false(p.s.inject.any);
	g_assert_false(p.s.seed_given);
	config_free(&p.s);

	parse(&p, "--inject", "drop=150", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_ERROR);
	g_assert_cmpstr(p.err, ==, "--inject: 'drop=150': not a percentage "
	    "0-100");
	config_free(&p.s);
	parse(&p, "--inject", "drop=5", "--inject", "drop=6", NULL);
	g_assert_cmpstr(p.err, ==, "--inject: 'drop=6': given twice (one of "
	    "each kind)");
	config_free(&p.s);
	assert_refused("--seed", "--seed", "18446744073709551616");
	assert_refused("--seed", "--seed", "-1");
	assert_refused("needs a value", "--inject", NULL);
}

/* The file's inject lines add up; the command line's replace them. */
static void
test_inject_file_and_command_line(void)
{
	const char *argv[] = { "sockd", "--inject", "garble=2", NULL };
	struct settings s;
	char err[CONFIG_ERR_MAX];

	g_assert_cmpint(parse_text(&s, "inject = drop=5\n"
	    "inject = delay=10, partial=1\nseed = 3\n", err, sizeof err), ==,
	    0);
	g_assert_true(s.inject.fault[INJECT_DROP].on);
	g_assert_true(s.inject.fault[INJECT_DELAY].on);
	g_assert_true(s.inject.fault[INJECT_PARTIAL].on);
	g_assert_cmpuint(s.seed, ==, 3);
	g_assert_cmpint(config_parse_args(&s, 3, (char **)argv, err,
	    sizeof err), ==, CONFIG_OK);
	g_assert_true(s.inject.fault[INJECT_GARBLE].on);
	g_assert_false(s.inject.fault[INJECT_DROP].on);
	g_assert_false(s.inject.fault[INJECT_DELAY].on);
	g_assert_cmpuint(s.seed, ==, 3);
	config_free(&s);
	assert_text_refused("inject = drop=5\ninject = garble=x\n",
	    "t.conf:2: inject: 'garble=x': not a percentage 0-100");
	assert_text_refused("inject = drop=5\ninject = drop=1\n",
	    "t.conf:2: inject: 'drop=1': given twice (one of each kind)");
	assert_text_refused("seed = x\n",
	    "t.conf:1: seed: 'x' is not a number in 0-18446744073709551615");
}

/* A reload takes new faults; the seed stays, and the one sockd picked
 * is no change of the file's. */
static void
test_reload_inject_and_seed(void)
{
	struct settings running, loaded;
	char err[CONFIG_ERR_MAX], changed[256];

	g_assert_cmpint(parse_text(&running, "inject = drop=5\n", err,
	    sizeof err), ==, 0);
	running.seed = 12345;	/* as main picks one */
	g_assert_cmpint(parse_text(&loaded, "inject = garble=1\n", err,
	    sizeof err), ==, 0);
	g_assert_cmpint(config_keep_restart_only(&loaded, &running, changed,
	    sizeof changed), ==, 0);
	g_assert_cmpstr(changed, ==, "");
	g_assert_true(loaded.inject.fault[INJECT_GARBLE].on);
	g_assert_false(loaded.inject.fault[INJECT_DROP].on);
	g_assert_cmpuint(loaded.seed, ==, 12345);
	config_free(&loaded);
	g_assert_cmpint(parse_text(&loaded, "seed = 9\n", err, sizeof err),
	    ==, 0);
	g_assert_cmpint(config_keep_restart_only(&loaded, &running, changed,
	    sizeof changed), ==, 0);
	g_assert_cmpstr(changed, ==, "seed changed");
	g_assert_cmpuint(loaded.seed, ==, 12345);
	g_assert_false(loaded.inject.any);
	config_free(&running);
	config_free(&loaded);
}

/* The text of a file of the source tree; NULL (test skipped) when the
 * tests do not run from make check. */
static char *
source_file(const char *name)
{
	const char *srcdir = g_getenv("SOCKD_SRCDIR");
	char *path, *text = NULL;

	if (srcdir == NULL) {
		g_test_skip("SOCKD_SRCDIR is not set (run from make check)");
		return NULL;
	}
	path = g_build_filename(srcdir, name, NULL);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_free(path);
	return text;
}

/* --help shows every option, with the table's default. */
static void
test_help_shows_defaults(void)
{
	char *help = NULL, *line, *want;
	size_t len, i;
	FILE *out = open_memstream(&help, &len);

	options_usage(out);
	fclose(out);
	for (i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];

		want = g_strdup_printf("--%s%s", o->name, o->arg ? " " : "");
		line = strstr(help, want);
		g_assert_nonnull(line);
		g_free(want);
		if (o->arg == NULL || o->defval == NULL)
			continue;
		want = g_strdup_printf("(%s)\n", o->defval);
		g_assert_nonnull(strstr(line, want));
		g_assert_true(strstr(line, want) < strchr(line, '\n') + 1);
		g_free(want);
	}
	free(help);
}

/* The sample configuration names every setting a file may hold, and
 * shows the table's default where there is one. */
static void
test_sample_config_agrees(void)
{
	char *text = source_file("systemd/sockd.conf"), *want;
	size_t i;

	if (text == NULL)
		return;
	for (i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];

		if (o->scope == SCOPE_COMMAND)
			continue;
		if (o->defval != NULL)
			want = g_strdup_printf("\n#%s = %s\n", o->name,
			    o->defval);
		else
			want = g_strdup_printf("\n#%s = ", o->name);
		if (strstr(text, want) == NULL)
			g_error("systemd/sockd.conf lacks '%s'", want + 1);
		g_free(want);
	}
	g_free(text);
}

/*
 * The words of the mdoc item whose .It line holds marker: macro names
 * dropped, one space between words, up to the next item; NULL if none.
 */
static char *
man_item_words(const char *page, const char *marker)
{
	char **lines = g_strsplit(page, "\n", -1), **l;
	GString *words = NULL;

	for (l = lines; *l != NULL; l++) {
		const char *text = *l;
		bool item = g_str_has_prefix(text, ".It");

		if (words == NULL && item && strstr(text, marker) != NULL)
			words = g_string_new(NULL);
		else if (words == NULL)
			continue;
		else if (item || g_str_has_prefix(text, ".El"))
			break;
		if (text[0] == '.')
			text = strchr(text, ' ') ? strchr(text, ' ') + 1 : "";
		g_string_append_printf(words, "%s ", text);
	}
	g_strfreev(lines);
	return words ? g_string_free(words, FALSE) : NULL;
}

/* The item of name in page says "default VALUE" with the table's value. */
static void
assert_man_default(const char *page, const char *file, const char *marker,
    const struct option_spec *o)
{
	char *words = man_item_words(page, marker), *value = NULL;
	GMatchInfo *match;
	GRegex *re = g_regex_new("[Dd]efault(?: is)?,? (\\S+?)[.,;)]?(?: |$)",
	    0, 0, NULL);

	if (words == NULL)
		g_error("%s has no item '%s'", file, marker);
	if (g_regex_match(re, words, 0, &match))
		value = g_match_info_fetch(match, 1);
	if (value == NULL || strcmp(value, o->defval) != 0)
		g_error("%s, %s: the default is %s, not '%s'", file, o->name,
		    o->defval, value ? value : "(none said)");
	g_free(value);
	g_match_info_free(match);
	g_regex_unref(re);
	g_free(words);
}

/* sockd.conf(5) marks an item "reload" when the table does. */
static void
assert_man_reload(const char *page, const char *marker,
    const struct option_spec *o)
{
	char *words = man_item_words(page, marker);

	g_assert_nonnull(words);
	if ((strstr(words, " reload . ") != NULL) != o->reload)
		g_error("sockd.conf(5), %s: %s marked reload", o->name,
		    o->reload ? "not" : "wrongly");
	g_free(words);
}

/* Both man pages give every default the table gives. */
static void
test_man_pages_agree(void)
{
	char *conf5 = source_file("man/sockd.conf.5.in");
	char *sockd8 = source_file("man/sockd.8.in"), *marker;
	size_t i;

	if (conf5 == NULL || sockd8 == NULL)
		return;
	for (i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];

		if (o->defval == NULL)
			continue;
		marker = g_strdup_printf(".It Ic %s = ", o->name);
		assert_man_default(conf5, "sockd.conf(5)", marker, o);
		assert_man_reload(conf5, marker, o);
		g_free(marker);
		/* A flag has no default on the command line: it is given
		 * or not. */
		if (o->kind == KIND_FLAG || o->kind == KIND_ECHO)
			continue;
		marker = g_strdup_printf("Fl Fl %s ", o->name);
		assert_man_default(sockd8, "sockd(8)", marker, o);
		g_free(marker);
	}
	g_free(conf5);
	g_free(sockd8);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/defaults", test_defaults);
	g_test_add_func("/config/short-and-long-forms",
	    test_short_and_long_forms);
	g_test_add_func("/config/listen-repeatable-with-port-default",
	    test_listen_repeatable_with_port_default);
	g_test_add_func("/config/echo-and-reply-last-wins",
	    test_echo_and_reply_last_wins);
	g_test_add_func("/config/help-and-version", test_help_and_version);
	g_test_add_func("/config/relative-paths-made-absolute",
	    test_relative_paths_made_absolute);
	g_test_add_func("/config/range-checks", test_range_checks);
	g_test_add_func("/config/bad-words", test_bad_words);
	g_test_add_func("/config/number-parse", test_number_parse);
	g_test_add_func("/config/file/syntax", test_file_syntax);
	g_test_add_func("/config/file/errors", test_file_errors);
	g_test_add_func("/config/file/address-errors-escaped",
	    test_file_address_errors_escaped);
	g_test_add_func("/config/reload-keeps-restart-only",
	    test_reload_keeps_restart_only);
	g_test_add_func("/config/inject-and-seed", test_inject_and_seed_options);
	g_test_add_func("/config/file/inject", test_inject_file_and_command_line);
	g_test_add_func("/config/reload-inject-and-seed",
	    test_reload_inject_and_seed);
	g_test_add_func("/config/defaults/help", test_help_shows_defaults);
	g_test_add_func("/config/defaults/sample-config",
	    test_sample_config_agrees);
	g_test_add_func("/config/defaults/man-pages", test_man_pages_agree);
	return g_test_run();
}
