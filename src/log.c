/*
 * log.c - log lines and fatal errors.  Owns the log level and the log
 * descriptor; formats each line (time, level, text) into one buffer and
 * writes it with one write(2), so lines from different threads never mix.
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

/* Write the whole buffer, retrying after signals and short writes. */
static void
log_write(const char *buf, size_t len)
{
	int fd = atomic_load(&log_fd);
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

/*
 * Format and write one line (time, level, text and optional error string)
 * if its level is enabled; errno is left as it was, for the caller.
 */
static void
log_vline(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct timeval tv;
	struct tm tm;
	size_t len, room = sizeof line - 1;	/* keep one byte for '\n' */
	int saved_errno = errno, n;

	if (!log_enabled(level))
		return;
	if (atomic_load(&log_to_syslog)) {
		len = 0;	/* syslog adds time and name */
	} else if (atomic_load(&log_to_journal)) {
		n = snprintf(line, room, "<%d>", level_priorities[level]);
		len = n > 0 ? (size_t)n : 0;
	} else {
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		len = strftime(line, room, "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line + len, room - len, ".%03dZ %s: ",
		    (int)(tv.tv_usec / 1000), level_names[level]);
		if (n > 0)
			len += (size_t)n;
	}
	n = vsnprintf(line + len, room - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < room - len ? (size_t)n : room - len - 1;
	if (errnum != 0 && len < room) {
		n = snprintf(line + len, room - len, ": %s", strerror(errnum));
		if (n > 0)
			len += (size_t)n < room - len ? (size_t)n : room - len - 1;
	}
	if (atomic_load(&log_to_syslog)) {
		line[len] = '\0';
		syslog(level_priorities[level], "%s", line);
	} else {
		line[len++] = '\n';
		log_write(line, len);
	}
	errno = saved_errno;
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
	log_vline(LOG_LEVEL_ERROR, errno, fmt, ap);
	va_end(ap);
	exit(status);
}

/* Log an error, then exit with status. */
void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(status);
}
