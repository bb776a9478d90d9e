/*
 * log.h - the one place sockd writes log lines and fatal errors.
 * Lines are whole on every sink and never make the caller wait (logsink.h).
 * sockc and sockbench use fatalx() for their "PROGRAM: message" errors.
 */
#ifndef SOCKD_LOG_H
#define SOCKD_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_NOTICE,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

extern atomic_int log_current_level;

/* True when lines of this level are written: test it before costly work. */
static inline bool
log_enabled(enum log_level level)
{
	return (int)level <= atomic_load_explicit(&log_current_level,
	    memory_order_relaxed);
}

/* Name the program in startup errors ("sockc: ..."); before any thread. */
void log_set_program(const char *name);
/*
 * End startup.  Before, fatal() and fatalx() write "PROGRAM: message" to
 * stderr (and an error line to a log file or syslog if the log goes
 * there); after, they write an error line to the log like the others.
 */
void log_started(void);
/* Parse a level name; -1 if it is not one. */
int log_level_parse(const char *name);
/* The name of a level. */
const char *log_level_name(enum log_level level);
/* Set the level below which lines are dropped. */
void log_set_level(enum log_level level);
/* Open FILE for appending and send log lines there; -1 with errno. */
int log_open_file(const char *path);
/* Reopen the log file (after logrotate moved it); 0 if there is none. */
int log_reopen(void);
/* Send log lines to syslog(3), facility daemon. */
void log_use_syslog(void);
/* Use journald's "<N>" priority prefixes when stderr is the journal. */
void log_detect_journal(void);
/*
 * From now on, a thread that logs does not wait for the sink: lines are
 * buffered per thread and written by a thread of their own, dropped and
 * counted when the sink cannot keep up.  After any fork; -1 with errno.
 */
int log_start_writer(void);
/* Write out what is buffered, waiting at most timeout_ms for the sink. */
void log_stop_writer(int timeout_ms);
/* Lines dropped so far because the log could not keep up. */
uint64_t log_dropped(void);

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Log a warning with the error string of errno appended. */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Log a warning. */
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Log a notice: start, stop, reload, counters. */
void log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Log a connection event. */
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
/*
 * Log one line for each message a client sent (get value), at info, as
 * text already made (no newline): when the log cannot keep up, these
 * lines are dropped before any other.
 */
void log_value(const char *text, size_t len);
/*
 * True if a log_value() line of up to len bytes would be taken; if not,
 * it is counted as dropped already, and the caller need not format it.
 */
bool log_value_room(size_t len);
/* Log a trace line for developers. */
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Log an error with the error string of errno, then exit with status. */
noreturn void fatal(int status, const char *fmt, ...) LOG_PRINTF(2, 3);
/* Log an error, then exit with status. */
noreturn void fatalx(int status, const char *fmt, ...) LOG_PRINTF(2, 3);

#endif
