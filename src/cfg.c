/*
 * cfg.c - the configuration file, read whole and applied line by line.
 * An error names the file and the line, so an operator can find it.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "escape.h"
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
	char name[64], shown[ESCAPE_SIZE(sizeof name)];

	if ((size_t)(name_end - line) >= sizeof name || name_end == line) {
		snprintf(err, errsz, "expected name = value");
		return NULL;
	}
	memcpy(name, line, (size_t)(name_end - line));
	name[name_end - line] = '\0';
	o = options_by_name(name);
	if (o == NULL || o->scope == SCOPE_COMMAND) {
		/* Escaped: an invisible or control byte in a name must show
		 * in the message, not act on the terminal. */
		escape_message(name, strlen(name), sizeof name, shown,
		    sizeof shown);
		snprintf(err, errsz, "unknown name '%s'", shown);
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

	/* Editors may start a UTF-8 file with a byte order mark. */
	if (strncmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
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
		/* The file starts from the defaults: both came from it. */
		if (s->log_file != NULL && s->syslog) {
			snprintf(err, errsz, "%s:%u: log-file and syslog "
			    "exclude each other", name, lineno);
			return -1;
		}
	}
	return 0;
}

/*
 * Open path for reading if it is a regular file; -1 with err.  Opened
 * without blocking: a FIFO (or a device) would otherwise stop sockd at
 * start, or the accept loop at a reload, until someone writes to it.
 */
static int
open_regular(const char *path, char *err, size_t errsz)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		snprintf(err, errsz, "%s:0: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0)
		snprintf(err, errsz, "%s:0: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(err, errsz, "%s:0: not a regular file", path);
	else
		return fd;
	close(fd);
	return -1;
}

/* Read a whole regular file into a string; NULL with err. */
static char *
read_file(const char *path, char *err, size_t errsz)
{
	char *text;
	size_t len = 0;
	ssize_t n = 0;
	int fd;

	if ((fd = open_regular(path, err, errsz)) < 0)
		return NULL;
	if ((text = malloc(CFG_FILE_MAX + 1)) == NULL) {
		snprintf(err, errsz, "%s:0: out of memory", path);
		close(fd);
		return NULL;
	}
	/* One byte more than allowed tells a file that is too large. */
	while (len <= CFG_FILE_MAX &&
	    (n = read(fd, text + len, CFG_FILE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errsz, "%s:0: %s", path, strerror(errno));
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > CFG_FILE_MAX)
		snprintf(err, errsz, "%s:0: larger than 1 MiB", path);
	else if (memchr(text, '\0', len) != NULL)
		snprintf(err, errsz, "%s:0: contains a NUL byte", path);
	else if (n >= 0) {
		text[len] = '\0';
		return text;
	}
	free(text);
	return NULL;
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
