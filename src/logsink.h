/*
 * logsink.h - where log lines go, and how they get there without making
 * anyone wait.  Once logsink_start() has run, a thread that logs copies
 * its line into a buffer of its own and goes on; one writer thread
 * empties every buffer, adds the time and level, and writes whole lines
 * in batches.  A line that finds its buffer full is dropped and counted,
 * and the writer says how many were lost once the sink takes lines again.
 * Before logsink_start(), and in sockc and sockbench, each line is
 * written at once.
 */
#ifndef SOCKD_LOGSINK_H
#define SOCKD_LOGSINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Send lines to fd (stderr at first); journal: "<N>" instead of time. */
void logsink_use_fd(int fd, bool journal);
/* Append to the file at path from now on; -1 with errno. */
int logsink_open_file(const char *path);
/*
 * Write out what is buffered, then reopen the log file (after logrotate
 * moved it); 0 if there is none, -1 with errno.
 */
int logsink_reopen(void);
/* Send lines to syslog(3) as "sockd[pid]", facility daemon. */
void logsink_use_syslog(void);
/* True when lines go to a file or syslog rather than stderr. */
bool logsink_elsewhere(void);
/* True when stderr is the journal. */
bool logsink_journal(void);

/* Start the writer thread (after any fork); -1 with errno. */
int logsink_start(void);
/*
 * Write out what is buffered and stop the writer, waiting at most
 * timeout_ms for a sink that does not take lines; what it would not take
 * is lost.  Lines logged afterwards are written at once.
 */
void logsink_stop(int timeout_ms);
/*
 * Log one line of text (no newline) at a syslog priority.  A bulk line
 * (one per message) may fill only three quarters of its thread's buffer,
 * so that when lines must be dropped, the others still find room.
 */
void logsink_put(int priority, const char *level_name, const char *text,
    size_t len, bool bulk);
/*
 * True if the calling thread's buffer has room for a bulk line of up to
 * len bytes; if not, the line is counted as dropped, and need not even
 * be formatted.
 */
bool logsink_room(size_t len);
/* Write all of buf to fd now, retrying short writes (stderr at start). */
void logsink_write_all(int fd, const char *buf, size_t len);
/* Lines dropped so far because the sink could not keep up. */
uint64_t logsink_dropped(void);

#endif
