/*
 * logsink.c - the log's sink and the writer thread.  Owns where lines go
 * (a descriptor, a file it can reopen, or syslog), the writer that takes
 * them out of the threads' rings (logring.c) and the batches it writes.
 * The writer sleeps until a thread puts a line into an empty ring while
 * it sleeps; under load it never sleeps long enough for that and takes
 * the lines in batches, one write(2) per batch, so lines never mix on any
 * sink.  A sink that stops taking lines (a pipe nobody reads, a slow
 * disk) holds the writer, never the others: their rings fill and lines
 * are dropped.  Before the writer starts, each line is written at once.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "logring.h"
#include "logsink.h"

/* A batch written at once, and room for the time and level before it. */
#define BATCH_SIZE (64 * 1024)
#define PREFIX_MAX 64
/* Under load the writer waits this long between batches, to gather. */
#define BATCH_PAUSE_MS 2
/* The writer's nice value: see writer_main. */
#define WRITER_NICE 10

/* The sink; changed by the main thread under sink_lock. */
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static int sink_fd = 2;
static bool sink_journal, sink_syslog;
static char sink_path[4096];

/* The writer thread and how to wake it. */
static pthread_t writer;
static atomic_bool running, stopping, writer_idle;
static int wake_fd = -1;
static uint64_t dropped_reported;	/* under sink_lock */
static char batch[BATCH_SIZE];		/* under sink_lock */

/* Send lines to fd. */
void
logsink_use_fd(int fd, bool journal)
{
	pthread_mutex_lock(&sink_lock);
	sink_fd = fd;
	sink_journal = journal;
	pthread_mutex_unlock(&sink_lock);
}

/* Append to the file at path from now on. */
int
logsink_open_file(const char *path)
{
	int fd;

	if (strlen(path) >= sizeof sink_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	pthread_mutex_lock(&sink_lock);
	strcpy(sink_path, path);
	sink_fd = fd;
	sink_journal = false;
	pthread_mutex_unlock(&sink_lock);
	return 0;
}

/* Send lines to syslog(3). */
void
logsink_use_syslog(void)
{
	openlog("sockd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	pthread_mutex_lock(&sink_lock);
	sink_syslog = true;
	pthread_mutex_unlock(&sink_lock);
}

/* True when lines go to a file or syslog rather than stderr. */
bool
logsink_elsewhere(void)
{
	bool elsewhere;

	pthread_mutex_lock(&sink_lock);
	elsewhere = sink_syslog || sink_fd != 2;
	pthread_mutex_unlock(&sink_lock);
	return elsewhere;
}

/* True when stderr is the journal. */
bool
logsink_journal(void)
{
	bool journal;

	pthread_mutex_lock(&sink_lock);
	journal = sink_journal;
	pthread_mutex_unlock(&sink_lock);
	return journal;
}

/* The wall clock in milliseconds; coarse is enough for a log, and cheap. */
static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write all of buf to fd, retrying after signals and short writes. */
void
logsink_write_all(int fd, const char *buf, size_t len)
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

/* Write all of buf to the sink; sink_lock held. */
static void
sink_write(const char *buf, size_t len)
{
	logsink_write_all(sink_fd, buf, len);
}

/* Write the time and level a file needs, or the journal's "<N>"; by
 * hand, as printf would cost the writer more than the line itself. */
static size_t
format_prefix(char *out, const struct log_record *r)
{
	static int64_t cached_second = -1;
	static char date[20];		/* 2026-11-29T12:00:00 */
	time_t seconds = (time_t)(r->ms / 1000);
	int ms = (int)(r->ms % 1000);
	size_t n = 0, name_len;
	struct tm tm;

	if (sink_journal) {
		out[n++] = '<';
		out[n++] = (char)('0' + r->priority % 10);
		out[n++] = '>';
		return n;
	}
	/* Formatting the date is the dear part: once a second. */
	if (seconds != cached_second) {
		gmtime_r(&seconds, &tm);
		strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
		cached_second = seconds;
	}
	memcpy(out, date, sizeof date - 1);
	n = sizeof date - 1;
	out[n++] = '.';
	out[n++] = (char)('0' + ms / 100);
	out[n++] = (char)('0' + ms / 10 % 10);
	out[n++] = (char)('0' + ms % 10);
	out[n++] = 'Z';
	out[n++] = ' ';
	name_len = strlen(r->level_name);
	memcpy(out + n, r->level_name, name_len);
	n += name_len;
	out[n++] = ':';
	out[n++] = ' ';
	return n;
}

/* Add one line to the batch, writing the batch first if it is full. */
static void
batch_add(size_t *used, const struct log_record *r, const char *text)
{
	size_t need = PREFIX_MAX + r->len + 1;

	if (sink_syslog) {
		syslog(r->priority, "%.*s", (int)r->len, text);
		return;
	}
	if (*used + need > sizeof batch) {
		sink_write(batch, *used);
		*used = 0;
	}
	*used += format_prefix(batch + *used, r);
	memcpy(batch + *used, text, r->len);
	*used += r->len;
	batch[(*used)++] = '\n';
}

/* logring_drain()'s hand-off: a line taken out of a ring joins the
 * batch, *used bytes long. */
static void
batch_take(void *used, const struct log_record *r, const char *text)
{
	batch_add(used, r, text);
}

/* Say how many lines were lost since the last time it was said. */
static void
report_dropped(size_t *used)
{
	uint64_t dropped = logring_dropped();
	char text[128];
	struct log_record r = { .priority = LOG_WARNING,
	    .level_name = "warning", .ms = wall_ms() };

	if (dropped == dropped_reported)
		return;
	r.len = (uint32_t)snprintf(text, sizeof text, "log: %llu lines lost: "
	    "the log did not keep up", (unsigned long long)(dropped -
	    dropped_reported));
	dropped_reported = dropped;
	batch_add(used, &r, text);
}

/* Write out every ring; true if there was anything.  sink_lock held: it
 * keeps the drainers (the writer, a reopen) one at a time, as the rings
 * need. */
static bool
drain_all(void)
{
	size_t used = 0;
	bool any = logring_drain(batch_take, &used);

	/* Reported once the lines before it went out: the sink drains. */
	if (any)
		report_dropped(&used);
	if (used > 0)
		sink_write(batch, used);
	return any;
}

/* Wait on the wake descriptor up to ms (-1: until woken). */
static void
writer_wait(int ms)
{
	struct pollfd pfd = { .fd = wake_fd, .events = POLLIN };
	eventfd_t count;

	if (poll(&pfd, 1, ms) > 0)
		eventfd_read(wake_fd, &count);
}

/* The writer: write out the rings, then sleep until there is more. */
static void *
writer_main(void *arg)
{
	bool any;

	/*
	 * Below the workers: on a busy machine the log takes what CPU they
	 * leave, and drops the rest, rather than slowing every answer.  At
	 * low traffic nothing competes, and lines are written at once.
	 */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
	    WRITER_NICE) < 0)
		(void)0;	/* an equal share is still a working log */

	while (!atomic_load(&stopping)) {
		pthread_mutex_lock(&sink_lock);
		any = drain_all();
		pthread_mutex_unlock(&sink_lock);
		if (any) {
			writer_wait(BATCH_PAUSE_MS);
			continue;
		}
		/* Idle: the next line put into an empty ring wakes us.  Look
		 * once more after saying so, for a line put meanwhile. */
		atomic_store(&writer_idle, true);
		if (!logring_pending() && !atomic_load(&stopping))
			writer_wait(-1);
		atomic_store(&writer_idle, false);
	}
	/* The last lines, written here: a sink that takes nothing holds
	 * this thread, and logsink_stop() does not wait for it for ever. */
	pthread_mutex_lock(&sink_lock);
	drain_all();
	pthread_mutex_unlock(&sink_lock);
	return arg;
}

/* Start the writer thread. */
int
logsink_start(void)
{
	int rc;

	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0)
		return -1;
	atomic_store(&stopping, false);
	rc = pthread_create(&writer, NULL, writer_main, NULL);
	if (rc != 0) {
		close(wake_fd);
		wake_fd = -1;
		errno = rc;
		return -1;
	}
	atomic_store(&running, true);
	return 0;
}

/* Wake the writer if it sleeps.  Only a load while it works: the flag
 * is read by every thread and written by them only to wake it. */
static void
writer_wake(void)
{
	if (atomic_load(&writer_idle) && atomic_exchange(&writer_idle, false) &&
	    eventfd_write(wake_fd, 1) < 0)
		(void)0;	/* it wakes anyway at its next line */
}

/* The time timeout_ms from now on clock, as the pthread calls take it. */
static struct timespec
deadline_after(clockid_t clock, int timeout_ms)
{
	struct timespec deadline;

	clock_gettime(clock, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	return deadline;
}

/* A lock on the sink, given up after timeout_ms; true if taken. */
static bool
sink_lock_within(int timeout_ms)
{
	struct timespec deadline = deadline_after(CLOCK_REALTIME, timeout_ms);

	return pthread_mutex_timedlock(&sink_lock, &deadline) == 0;
}

/* Write out what is buffered and stop the writer. */
void
logsink_stop(int timeout_ms)
{
	struct timespec deadline;

	if (!atomic_load(&running))
		return;
	atomic_store(&stopping, true);
	eventfd_write(wake_fd, 1);
	/* The writer writes what is left and ends.  One held by a sink
	 * that takes nothing is left there: the lines stay unwritten, and
	 * the process exits anyway. */
	deadline = deadline_after(CLOCK_REALTIME, timeout_ms);
	if (pthread_timedjoin_np(writer, NULL, &deadline) != 0)
		return;
	atomic_store(&running, false);
	close(wake_fd);
	wake_fd = -1;
}

/* Reopen the log file after writing out what is buffered. */
int
logsink_reopen(void)
{
	int fd, rc = 0;

	if (!sink_lock_within(1000))
		return -1;
	if (sink_path[0] != '\0') {
		drain_all();
		fd = open(sink_path, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0640);
		if (fd < 0)
			rc = -1;
		else {
			close(sink_fd);
			sink_fd = fd;
		}
	}
	pthread_mutex_unlock(&sink_lock);
	return rc;
}

/* Write one line at once (no writer thread). */
static void
put_now(const struct log_record *r, const char *text)
{
	size_t used = 0;

	pthread_mutex_lock(&sink_lock);
	batch_add(&used, r, text);
	if (used > 0)
		sink_write(batch, used);
	pthread_mutex_unlock(&sink_lock);
}

/* True if a bulk line of up to len bytes would find room. */
bool
logsink_room(size_t len)
{
	if (!atomic_load(&running))
		return true;
	return logring_room(len);
}

/* Log one line of text. */
void
logsink_put(int priority, const char *level_name, const char *text,
    size_t len, bool bulk)
{
	struct log_record r = { .priority = priority,
	    .level_name = level_name, .ms = wall_ms() };

	r.len = (uint32_t)(len < LOGRING_LINE_MAX ? len : LOGRING_LINE_MAX);
	if (!atomic_load(&running)) {
		put_now(&r, text);
		return;
	}
	switch (logring_put(&r, text, bulk)) {
	case LOGRING_PUT:
		writer_wake();
		break;
	case LOGRING_NO_RING:
		put_now(&r, text);	/* without a ring, at once */
		break;
	case LOGRING_DROPPED:
		break;
	}
}

/* Lines dropped so far because the sink could not keep up. */
uint64_t
logsink_dropped(void)
{
	return logring_dropped();
}
