/*
 * options-table.h - the one table of sockd's settings: for each, its
 * names, kind, range, default, help text and whether a reload may change
 * it.  The command line, the configuration file, the defaults, --help,
 * reloads and the tests all read this table, so a fact about a setting
 * is written once.
 */
#ifndef SOCKD_OPTIONS_TABLE_H
#define SOCKD_OPTIONS_TABLE_H

#include <stdbool.h>
#include <stddef.h>

enum option_kind {
	KIND_UINT,	/* unsigned within [min, max] */
	KIND_STRING,	/* copied text; a relative path is made absolute */
	KIND_FLAG,	/* bool: bare on the command line, yes/no in a file */
	KIND_LISTEN,	/* appended to listen_specs */
	KIND_FRAMING,	/* raw | line */
	KIND_LEVEL,	/* log level name */
	KIND_REPLY,	/* --reply: text, and echo off */
	KIND_ECHO,	/* --echo: a flag that also decides against reply */
	KIND_METRICS,	/* ADDR:PORT, parsed into metrics_addr */
	KIND_INJECT,	/* a fault SPEC, added to the set (inject.h) */
	KIND_SEED,	/* a 64-bit number, and seed_given */
};

enum option_scope {
	SCOPE_ANY,	/* command line and configuration file */
	SCOPE_COMMAND,	/* command line only (-c, -n) */
};

struct option_spec {
	const char *name;	/* long option, and name in the file */
	int letter;		/* short form, or 0 */
	enum option_kind kind;
	enum option_scope scope;
	bool reload;		/* SIGHUP applies a new value */
	unsigned long min, max;	/* KIND_UINT */
	const char *defval;	/* default as text; NULL: none (off) */
	size_t offset;		/* field in struct settings */
	const char *arg;	/* argument name in --help; NULL: none */
	const char *help;	/* --help text; '\n' continues a line */
};

/* The most rows the table may have: getopt_long's tables are this big. */
#define OPTIONS_TABLE_MAX 40

extern const struct option_spec option_table[];
extern const size_t option_count;

#endif
