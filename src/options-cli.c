/*
 * options-cli.c - the table's face on the command line: getopt_long's
 * tables and the --help text, both made from the rows, so they never
 * disagree with the file's names or the defaults.
 */
#include "build-config.h"

#include <string.h>

#include "options-cli.h"

/* The row for a getopt_long value, or NULL. */
const struct option_spec *
options_by_getopt(int value)
{
	size_t i;

	if (value >= OPTIONS_LONG_ONLY_BASE &&
	    value < OPTIONS_LONG_ONLY_BASE + (int)option_count)
		return &option_table[value - OPTIONS_LONG_ONLY_BASE];
	for (i = 0; value > 0 && i < option_count; i++)
		if (option_table[i].letter == value)
			return &option_table[i];
	return NULL;
}

/* True for kinds that take no value on the command line. */
static bool
is_flag(const struct option_spec *o)
{
	return o->kind == KIND_FLAG || o->kind == KIND_ECHO;
}

static struct option longopts[OPTIONS_TABLE_MAX + 3];
static char shortopts[2 * OPTIONS_TABLE_MAX + 8];

/* Build getopt_long's tables once; the table never changes. */
static void
build_getopt_tables(void)
{
	size_t i, n = 0;

	if (longopts[0].name != NULL)
		return;
	shortopts[n++] = ':';	/* report a missing argument as ':' */
	for (i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];

		longopts[i].name = o->name;
		longopts[i].has_arg = is_flag(o) ? no_argument :
		    required_argument;
		longopts[i].val = o->letter ? o->letter :
		    OPTIONS_LONG_ONLY_BASE + (int)i;
		if (o->letter) {
			shortopts[n++] = (char)o->letter;
			if (!is_flag(o))
				shortopts[n++] = ':';
		}
	}
	longopts[i++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[i++] = (struct option){ "version", no_argument, NULL, 'V' };
	longopts[i] = (struct option){ NULL, 0, NULL, 0 };
	shortopts[n++] = 'h';
	shortopts[n++] = 'V';
	shortopts[n] = '\0';
}

/* getopt_long's long options. */
const struct option *
options_longopts(void)
{
	build_getopt_tables();
	return longopts;
}

/* getopt_long's short options. */
const char *
options_shortopts(void)
{
	build_getopt_tables();
	return shortopts;
}

/* Print one row's --help lines; the default goes after the first line. */
static void
usage_row(FILE *out, const struct option_spec *o)
{
	char left[64];
	const char *help = o->help, *nl;
	int width;

	width = snprintf(left, sizeof left, "  %c%c%s--%s%s%s",
	    o->letter ? '-' : ' ', o->letter ? o->letter : ' ',
	    o->letter ? ", " : "  ", o->name, o->arg ? " " : "",
	    o->arg ? o->arg : "");
	nl = strchr(help, '\n');
	fprintf(out, "%s%*s%.*s", left, width < 29 ? 29 - width : 1, "",
	    nl ? (int)(nl - help) : (int)strlen(help), help);
	if (o->arg != NULL && o->defval != NULL)
		fprintf(out, " (%s)", o->defval);
	fputc('\n', out);
	while (nl != NULL) {
		help = nl + 1;
		nl = strchr(help, '\n');
		fprintf(out, "%29s%.*s\n", "",
		    nl ? (int)(nl - help) : (int)strlen(help), help);
	}
}

/* Print --help, made from the table. */
void
options_usage(FILE *out)
{
	size_t i;

	fputs("Usage: sockd [OPTION]...\n"
	    "Answer every message a TCP client sends (\"ok\" by default).\n"
	    "\n", out);
	for (i = 0; i < option_count; i++)
		usage_row(out, &option_table[i]);
	fputs("  -h, --help                 show this help and exit\n"
	    "  -V, --version              show the version and exit\n"
	    "\n"
	    "Exit status: 0 clean shutdown, 64 bad command line, "
	    "69 cannot listen,\n"
	    "71 operating-system failure, 73 cannot create the log or pid "
	    "file,\n"
	    "78 bad configuration file.  See sockd(8).\n", out);
}
