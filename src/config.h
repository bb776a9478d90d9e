/*
 * config.h - a whole settings value from its sources: the defaults, the
 * file named by -c, then the command line over it; checked as a whole.
 * Used at start and by a reload, which builds a complete new value; the
 * value in force is live.c's.  Errors come back as text.
 */
#ifndef SOCKD_CONFIG_H
#define SOCKD_CONFIG_H

#include <stddef.h>

#include "settings.h"

#define CONFIG_ERR_MAX 600

enum config_result {
	CONFIG_OK,
	CONFIG_HELP,		/* print usage, exit 0 */
	CONFIG_VERSION,		/* print version, exit 0 */
	CONFIG_ERROR,		/* err says why; exit 64 */
	CONFIG_FILE_ERROR,	/* err is "FILE:LINE: why"; exit 78 */
};

/* Fill s with the documented defaults (the table's). */
void config_defaults(struct settings *s);
/* Free the strings s holds. */
void config_free(struct settings *s);
/* Parse the command line into s, then check the result as a whole. */
enum config_result config_parse_args(struct settings *s, int argc,
    char **argv, char *err, size_t errsz);
/*
 * The whole load: defaults, then the file named by -c, then the command
 * line over it.  Used at start and on SIGHUP.
 */
enum config_result config_load(struct settings *s, int argc, char **argv,
    char *err, size_t errsz);
/*
 * Make loaded fit to replace running: every setting a reload may not
 * change takes running's value again.  The names of those that differed
 * go to changed ("workers changed (256 to 5), listen changed"; empty if
 * none).  -1 if out of memory.
 */
int config_keep_restart_only(struct settings *loaded,
    const struct settings *running, char *changed, size_t changedsz);

#endif
