/*
 * log.c - log lines and fatal errors.  Owns the log level and the log
 * descriptor; formats each line (time, level, text) into one buffer and
 * writes it with one write(2), so lines from different threads never mix.
 * Until startup ends, a fatal error is also written to stderr as
 * "PROGRAM: message", as usage errors are, so one who starts sockd by
 * hand (or reads the journal) sees every failure to start in one form;
 * sockc and sockbench never end startup and use fatalx() as errx(3).
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

/* Large enough for a get value line with the largest --log-max, escaped. */
#define LOG_LINE_MAX 20480

atomic_int log_current_level = LOG_LEVEL_INFO;
static atomic_int log_fd = 2;
static atomic_bool log_to_syslog;
/* stderr is the journal: a "<N>" priority replaces the timestamp. */
static atomic_bool log_to_journal;
static char log_path[4096];	/* --log-file, for log_reopen() */
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
	int fd;

	if (strlen(path) >= sizeof log_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	strcpy(log_path, path);
	atomic_store(&log_to_journal, false);
	atomic_store(&log_fd, fd);
	return 0;
}

/* Reopen the log file (after logrotate moved it); 0 if there is none. */
int
log_reopen(void)
{
	int fd, saved;

	if (log_path[0] == '\0')
		return 0;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	/* dup2 swaps the file under the same number: a thread writing at
	 * this moment writes to the old file or the new, never to a
	 * closed descriptor. */
	if (dup2(fd, atomic_load(&log_fd)) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

/* Send log lines to syslog(3) as "sockd[pid]", facility daemon. */
void
log_use_syslog(void)
{
	openlog("sockd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	atomic_store(&log_to_syslog, true);
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
		atomic_store(&log_to_journal, true);
}

/* Write the whole buffer to fd, retrying after signals and short writes. */
static void
log_write(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* nowhere left to complain to */
		buf += n;
		len -= (size_t)n;
	}
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

/* Begin a line with what a file lacks (time, level) or the journal's <N>. */
static size_t
log_prefix(char *line, size_t room, enum log_level level)
{
	struct timeval tv;
	struct tm tm;
	size_t len;

	if (atomic_load(&log_to_journal))
		return log_append(line, room, 0, "<%d>",
		    level_priorities[level]);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	len = strftime(line, room, "%Y-%m-%dT%H:%M:%S", &tm);
	return log_append(line, room, len, ".%03dZ %s: ",
	    (int)(tv.tv_usec / 1000), level_names[level]);
}

/*
 * Format and write one line (prefix, text and optional error string) if
 * its level is enabled; errno is left as it was, for the caller.
 */
static void
log_vline(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len, room = sizeof line - 1;	/* keep one byte for '\n' */
	bool to_syslog = atomic_load(&log_to_syslog);
	int saved_errno = errno;

	if (!log_enabled(level))
		return;
	/* syslog adds the time and knows the level. */
	len = to_syslog ? 0 : log_prefix(line, room, level);
	len = log_message(line, room, len, errnum, fmt, ap);
	if (to_syslog) {
		line[len] = '\0';
		syslog(level_priorities[level], "%s", line);
	} else {
		line[len++] = '\n';
		log_write(atomic_load(&log_fd), line, len);
	}
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
	if (atomic_load(&log_to_journal))
		len = log_append(line, room, len, "<%d>",
		    level_priorities[LOG_LEVEL_ERROR]);
	len = log_append(line, room, len, "%s: ", log_program);
	len = log_message(line, room, len, errnum, fmt, ap);
	line[len++] = '\n';
	log_write(2, line, len);
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
	if (atomic_load(&log_to_syslog) || atomic_load(&log_fd) != 2)
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
	exit(status);
}
