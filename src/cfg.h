/*
 * cfg.h - the configuration file: "name = value" lines, # comments,
 * names as the long options.  Reads and parses; applying the values is
 * options.c's, and the order of file and command line is config.c's.
 */
#ifndef SOCKD_CFG_H
#define SOCKD_CFG_H

#include <stddef.h>

#include "settings.h"

/* A configuration file larger than this is surely not one. */
#define CFG_FILE_MAX (1024 * 1024)

/*
 * Apply configuration text (name = value lines) to s; name is used in
 * messages.  -1 with err = "NAME:LINE: why".
 */
int cfg_parse_text(struct settings *s, const char *name, const char *text,
    char *err, size_t errsz);
/* Read and apply the file at path; -1 with err = "PATH:LINE: why". */
int cfg_load_file(struct settings *s, const char *path, char *err,
    size_t errsz);

#endif
