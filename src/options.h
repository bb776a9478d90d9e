/*
 * options.h - settings handled by their row of the table in
 * options-table.c: set from text, copied, compared, defaulted.  Pure
 * apart from the allocation of copied strings; errors come back as text.
 */
#ifndef SOCKD_OPTIONS_H
#define SOCKD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "options-table.h"
#include "settings.h"

/* The row named name (as in a file or after "--"), or NULL. */
const struct option_spec *options_by_name(const char *name);
/* The row for a value getopt_long returned, or NULL. */
const struct option_spec *options_by_getopt(int value);
/*
 * Set the option o of s from text; value is NULL for a flag given bare
 * on the command line.  -1 with err naming it as prefix + name
 * ("--workers" on the command line, "workers" in a file).
 */
int options_set(struct settings *s, const struct option_spec *o,
    const char *prefix, const char *value, char *err, size_t errsz);
/* Reset o in s to no value (a command line --listen replacing a file's). */
void options_clear(struct settings *s, const struct option_spec *o);
/* Fill s with every default of the table (listen: see config_finish). */
void options_defaults(struct settings *s);
/* Free the strings s holds. */
void options_free(struct settings *s);
/* Make dst's value of o a copy of src's; -1 if out of memory. */
int options_copy(struct settings *dst, const struct settings *src,
    const struct option_spec *o);
/* True when a and b hold the same value of o. */
bool options_equal(const struct settings *a, const struct settings *b,
    const struct option_spec *o);
/* Describe a change of o for the log: "workers changed (256 to 5)". */
void options_describe_change(const struct settings *from,
    const struct settings *to, const struct option_spec *o, char *out,
    size_t outsz);
#endif
