/*
 * config.h - a whole settings value from its sources: the defaults, the
 * file named by -c, then the command line over it; checked as a whole.
 * Used at start and by a reload, which builds a complete new value; the
 * value in force is live.c's.  Errors come back as text.
 */
#ifndef SOCKD_CONFIG_H
#define SOCKD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "framing.h"
#include "log.h"
#include "settings.h"

#define CONFIG_ERR_MAX 600

/*
 * What a connection reads while it runs: a block that is never changed
 * once published; SIGHUP publishes a new one and workers pick it up at
 * their next read.
 */
struct live_settings {
	unsigned timeout;
	enum framing framing;
	const char *reply;
	size_t reply_len;
	bool echo;
	unsigned max_line;
	unsigned log_max;
	unsigned max_per_ip;	/* read by the acceptor; 0: no limit */
};

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
/* Log which settings differ and need a restart to take effect. */
void config_report_restart_needed(const struct settings *running,
    const struct settings *loaded);
/* Publish the live part of s for connections; -1 if out of memory. */
int config_live_publish(const struct settings *s);
/* The live settings now in force. */
const struct live_settings *config_live(void);
/* Free every live block ever published (at exit, once workers stopped). */
void config_live_free_all(void);

#endif
