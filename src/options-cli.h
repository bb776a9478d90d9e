/*
 * options-cli.h - getopt_long's tables and --help, made from the option
 * table (options-table.c).
 */
#ifndef SOCKD_OPTIONS_CLI_H
#define SOCKD_OPTIONS_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "options-table.h"

/* getopt_long values for options without a letter start here. */
#define OPTIONS_LONG_ONLY_BASE 256

/* The row for a value getopt_long returned, or NULL. */
const struct option_spec *options_by_getopt(int value);
/* getopt_long's tables for every row, plus --help and --version. */
const struct option *options_longopts(void);
const char *options_shortopts(void);
/* Print --help, made from the table. */
void options_usage(FILE *out);

#endif
