/*
 * config.h - sockd's settings: defaults, the command line, validation.
 * Fills one struct settings; nothing else writes it.  Pure apart from
 * the allocation of copied strings: errors come back as text.
 */
#ifndef SOCKD_CONFIG_H
#define SOCKD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "framing.h"
#include "log.h"
#include "net.h"

#define CONFIG_LISTEN_MAX 16
#define CONFIG_ERR_MAX 600

struct settings {
	char *listen_specs[CONFIG_LISTEN_MAX];	/* as given, or NULL */
	size_t nlisten_specs;
	struct listen_addr listen[CONFIG_LISTEN_MAX];	/* parsed */
	size_t nlisten;
	unsigned port;
	unsigned workers;
	unsigned queue;
	unsigned backlog;
	unsigned timeout;		/* seconds; 0: never */
	unsigned shutdown_timeout;	/* seconds */
	enum framing framing;
	char *reply;
	bool echo;
	unsigned max_line;
	int log_level;
	unsigned log_max;
};

enum config_result {
	CONFIG_OK,
	CONFIG_HELP,		/* print usage, exit 0 */
	CONFIG_VERSION,		/* print version, exit 0 */
	CONFIG_ERROR,		/* err says why; exit 64 */
};

/* Fill s with the documented defaults. */
void config_defaults(struct settings *s);
/* Free the strings s holds. */
void config_free(struct settings *s);
/* Parse the command line into s, then check the result as a whole. */
enum config_result config_parse_args(struct settings *s, int argc,
    char **argv, char *err, size_t errsz);
/* Print the usage text. */
void config_usage(FILE *out);

#endif
