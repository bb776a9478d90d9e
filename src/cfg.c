/*
 * cfg.c - the configuration file, read whole and applied line by line.
 * An error names the file and the line, so an operator can find it.
 */
#include "build-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "options.h"

/* Strip blanks at both ends of [*start, *end). */
static void
trim(const char **start, const char **end)
{
	while (*start < *end && (**start == ' ' || **start == '\t'))
		(*start)++;
	while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t' ||
	    (*end)[-1] == '\r'))
		(*end)--;
}

/* The row named by [line, name_end); NULL with err if none may be set
 * from a file. */
static const struct option_spec *
find_name(const char *line, const char *name_end, char *err, size_t errsz)
{
	const struct option_spec *o;
	char name[64];

	if ((size_t)(name_end - line) >= sizeof name || name_end == line) {
		snprintf(err, errsz, "expected name = value");
		return NULL;
	}
	memcpy(name, line, (size_t)(name_end - line));
	name[name_end - line] = '\0';
	o = options_by_name(name);
	if (o == NULL || o->scope == SCOPE_COMMAND) {
		snprintf(err, errsz, "unknown name '%s'", name);
		return NULL;
	}
	return o;
}

/* Apply one "name = value" line; -1 with err (without FILE:LINE). */
static int
apply_line(struct settings *s, const char *line, const char *end, char *err,
    size_t errsz)
{
	const struct option_spec *o;
	const char *eq, *name_end, *value;
	char *copy;
	int rc;

	eq = memchr(line, '=', (size_t)(end - line));
	if (eq == NULL) {
		snprintf(err, errsz, "expected name = value");
		return -1;
	}
	name_end = eq;
	value = eq + 1;
	trim(&line, &name_end);
	trim(&value, &end);
	if ((o = find_name(line, name_end, err, errsz)) == NULL)
		return -1;
	/* "quoted" keeps leading and trailing blanks of a reply. */
	if (end - value >= 2 && value[0] == '"' && end[-1] == '"') {
		value++;
		end--;
	}
	copy = strndup(value, (size_t)(end - value));
	if (copy == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	rc = options_set(s, o, "", copy, err, errsz);
	free(copy);
	return rc;
}

/* Apply configuration text to s. */
int
cfg_parse_text(struct settings *s, const char *name, const char *text,
    char *err, size_t errsz)
{
	const char *line = text, *end, *p;
	char why[512];
	unsigned lineno = 0;

	for (; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		lineno++;
		for (p = line; p < end && (*p == ' ' || *p == '\t' ||
		    *p == '\r'); p++)
			;
		if (p == end || *p == '#')
			continue;
		if (apply_line(s, p, end, why, sizeof why) < 0) {
			snprintf(err, errsz, "%s:%u: %s", name, lineno, why);
			return -1;
		}
	}
	return 0;
}

/* Read a whole file into a string; NULL with err. */
static char *
read_file(const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t n;

	if (f == NULL) {
		snprintf(err, errsz, "%s:0: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(CFG_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		snprintf(err, errsz, "%s:0: out of memory", path);
		return NULL;
	}
	n = fread(text, 1, CFG_FILE_MAX + 1, f);
	if (ferror(f) || n > CFG_FILE_MAX) {
		snprintf(err, errsz, "%s:0: %s", path, ferror(f) ?
		    strerror(errno) : "larger than 1 MiB");
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[n] = '\0';
	if (strlen(text) != n) {
		snprintf(err, errsz, "%s:0: contains a NUL byte", path);
		free(text);
		return NULL;
	}
	return text;
}

/* Read and apply the file at path. */
int
cfg_load_file(struct settings *s, const char *path, char *err, size_t errsz)
{
	char *text = read_file(path, err, errsz);
	int rc;

	if (text == NULL)
		return -1;
	rc = cfg_parse_text(s, path, text, err, errsz);
	free(text);
	return rc;
}
