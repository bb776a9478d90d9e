/*
 * log.c - log lines and fatal errors.  Owns the log level; formats each
 * line's text and hands it to logsink.c, which owns where lines go and
 * writes them without making the caller wait.  Until startup ends, a
 * fatal error is also written to stderr as "PROGRAM: message", as usage
 * errors are, so one who starts sockd by hand (or reads the journal) sees
 * every failure to start in one form; sockc and sockbench never end
 * startup and use fatalx() as errx(3).
 */
#include "build-config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logsink.h"

/* Large enough for a get value line with the largest --log-max, escaped. */
#define LOG_LINE_MAX 20480
/* How long a fatal error waits for the log to take the lines before it. */
#define FATAL_FLUSH_MS 1000

atomic_int log_current_level = LOG_LEVEL_INFO;
/* Until log_started(), fatal errors go to stderr as "PROGRAM: message". */
static atomic_bool log_starting = true;
static const char *log_program = "sockd";	/* set before any thread */

/* syslog(3) priorities of our levels, also journald's "<N>" prefixes. */
static const int level_priorities[] = {
	LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG,
};

static const char *const level_names[] = {
	"error", "warning", "notice", "info", "debug",
};

/* Parse a level name; -1 if it is not one. */
int
log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* The name of a level. */
const char *
log_level_name(enum log_level level)
{
	return level_names[level];
}

/* Set the level below which lines are dropped. */
void
log_set_level(enum log_level level)
{
	atomic_store(&log_current_level, (int)level);
}

/* Name the program in fatal errors written before startup ends. */
void
log_set_program(const char *name)
{
	log_program = name;
}

/* End startup: from now on a fatal error is a log line like the others. */
void
log_started(void)
{
	atomic_store(&log_starting, false);
}

/* Open FILE for appending and send log lines there. */
int
log_open_file(const char *path)
{
	return logsink_open_file(path);
}

/* Write out what is buffered, then reopen the log file. */
int
log_reopen(void)
{
	return logsink_reopen();
}

/* Send log lines to syslog(3) as "sockd[pid]", facility daemon. */
void
log_use_syslog(void)
{
	logsink_use_syslog();
}

/* Use journald's priority prefixes when stderr is the journal. */
void
log_detect_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (stream == NULL || sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
		return;
	if (fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		logsink_use_fd(2, true);
}

/* From now on, lines are written by a thread of their own. */
int
log_start_writer(void)
{
	return logsink_start();
}

/* Write out what is buffered, waiting at most timeout_ms. */
void
log_stop_writer(int timeout_ms)
{
	logsink_stop(timeout_ms);
}

/* Lines dropped so far because the log could not keep up. */
uint64_t
log_dropped(void)
{
	return logsink_dropped();
}

/* Append text to line[0..len), cut to fit in room; the new length. */
static size_t
log_vappend(char *line, size_t room, size_t len, const char *fmt, va_list ap)
{
	int n;

	n = vsnprintf(line + len, room - len, fmt, ap);
	if (n <= 0)
		return len;
	return (size_t)n < room - len ? len + (size_t)n : room - 1;
}

/* Append formatted text to line[0..len), cut to fit in room. */
static size_t LOG_PRINTF(4, 5)
log_append(char *line, size_t room, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	len = log_vappend(line, room, len, fmt, ap);
	va_end(ap);
	return len;
}

/* Append the message and, unless errnum is 0, its error string. */
static size_t
log_message(char *line, size_t room, size_t len, int errnum,
    const char *fmt, va_list ap)
{
	len = log_vappend(line, room, len, fmt, ap);
	if (errnum != 0)
		len = log_append(line, room, len, ": %s", strerror(errnum));
	return len;
}

/*
 * Format one line's text (message and optional error string) and hand it
 * to the sink if its level is enabled; errno is left as it was, for the
 * caller.
 */
static void
log_vline(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len;
	int saved_errno = errno;

	if (!log_enabled(level))
		return;
	len = log_message(line, sizeof line, 0, errnum, fmt, ap);
	logsink_put(level_priorities[level], level_names[level], line, len,
	    false);
	errno = saved_errno;
}

/*
 * Write a fatal error as "PROGRAM: message" to stderr, the form err(3)
 * uses, for the operator who started the program to read.
 */
static void
log_vstartup(int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len = 0, room = sizeof line - 1;	/* keep one byte for '\n' */

	/* In the journal, "<3>" keeps the error's priority; it is not shown. */
	if (logsink_journal())
		len = log_append(line, room, len, "<%d>",
		    level_priorities[LOG_LEVEL_ERROR]);
	len = log_append(line, room, len, "%s: ", log_program);
	len = log_message(line, room, len, errnum, fmt, ap);
	line[len++] = '\n';
	logsink_write_all(2, line, len);
}

/*
 * Report a fatal error.  Until log_started(), it goes to stderr as
 * "PROGRAM: message", and also to a log file or syslog if the log goes
 * there; once started, it is an error line like any other.
 */
static void
log_vfatal(int errnum, const char *fmt, va_list ap)
{
	va_list copy;

	if (!atomic_load(&log_starting)) {
		log_vline(LOG_LEVEL_ERROR, errnum, fmt, ap);
		return;
	}
	va_copy(copy, ap);
	log_vstartup(errnum, fmt, copy);
	va_end(copy);
	if (logsink_elsewhere())
		log_vline(LOG_LEVEL_ERROR, errnum, fmt, ap);
}

/* Log a warning with the error string of errno appended. */
void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_WARNING, errno, fmt, ap);
	va_end(ap);
}

/* Log a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_WARNING, 0, fmt, ap);
	va_end(ap);
}

/* Log a notice: start, stop, reload, counters. */
void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_NOTICE, 0, fmt, ap);
	va_end(ap);
}

/* Log a connection event. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
}

/* Log what a client sent, at info: dropped first when the log lags. */
void
log_value(const char *text, size_t len)
{
	if (log_enabled(LOG_LEVEL_INFO))
		logsink_put(level_priorities[LOG_LEVEL_INFO],
		    level_names[LOG_LEVEL_INFO], text, len, true);
}

/* True if a log_value() line of up to len bytes would be taken. */
bool
log_value_room(size_t len)
{
	return logsink_room(len);
}

/* Log a trace line for developers. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* Log an error with the error string of errno, then exit with status. */
void
fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vfatal(errno, fmt, ap);
	va_end(ap);
	log_stop_writer(FATAL_FLUSH_MS);
	exit(status);
}

/* Log an error, then exit with status. */
void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vfatal(0, fmt, ap);
	va_end(ap);
	log_stop_writer(FATAL_FLUSH_MS);
	exit(status);
}
