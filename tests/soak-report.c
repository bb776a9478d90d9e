/*
 * soak-report.c - what the soak says: failures as they happen (the first
 * few printed, the rest counted), the progress line, and at the end each
 * sockd's checks against its start and its clients, and the summary.
 */
#include "build-config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include "soak.h"

/* Failures printed; the rest are counted. */
#define FAILURES_SHOWN 60

/* Bytes as text for a message: printable ASCII as is, the rest \xNN. */
const char *
show(const char *p, size_t len)
{
	static char bufs[2][400];
	static int which;
	char *out = bufs[which ^= 1];
	size_t at = 0, i;

	for (i = 0; i < len && at < sizeof bufs[0] - 16; i++) {
		if (p[i] >= ' ' && p[i] <= '~' && p[i] != '\\')
			out[at++] = p[i];
		else
			at += (size_t)snprintf(out + at, 8, "\\x%02x",
			    (unsigned char)p[i]);
	}
	if (i < len)
		at += (size_t)snprintf(out + at, 16, "...");
	out[at] = '\0';
	return out;
}

/* Count a failure and print it while there are few. */
void G_GNUC_PRINTF(2, 3)
failure(const char *who, const char *fmt, ...)
{
	va_list ap;

	/* After a sockd died, what its clients see follows from that. */
	if (run.aborted)
		return;
	if (++run.failures > FAILURES_SHOWN) {
		if (run.failures == FAILURES_SHOWN + 1)
			fprintf(stderr, "soak: FAIL: more failures follow; "
			    "only their number is shown\n");
		return;
	}
	fprintf(stderr, "soak: FAIL: %s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* ------------------------------------------------------------------ */
/* While it runs. */

/* Clients started so far, of every kind, on every instance. */
static uint64_t
clients_total(void)
{
	uint64_t total = 0;
	int i, k;

	for (i = 0; i < NINST; i++)
		for (k = 0; k < NKINDS; k++)
			total += instances[i].kinds[k];
	return total;
}

/* The line phase_run prints every PROGRESS_MS. */
void
progress(int64_t now)
{
	const struct instance *l = &instances[INST_LINE];
	const struct instance *r = &instances[INST_RAW];
	const struct instance *x = &instances[INST_CHAOS];

	printf("soak: %3" PRId64 " s: %" PRIu64 " clients (%u open); answers "
	    "line %" PRIu64 ", raw %" PRIu64 ", chaos %" PRIu64 "; busy %"
	    PRIu64 "; time outs %" PRIu64 "; %u failures\n",
	    (now - run.start_ms) / 1000, clients_total(), clients_open(),
	    l->answers, r->answers, x->answers, l->busy + r->busy + x->busy,
	    l->timeouts + r->timeouts, run.failures);
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* The checks and the summary. */

/* A failure when a != b. */
static void
expect_equal(const struct instance *in, const char *what, uint64_t a,
    const char *what_b, uint64_t b)
{
	if (a != b)
		failure(in->name, "%s %" PRIu64 " != %s %" PRIu64, what, a,
		    what_b, b);
}

/* A failure when a > b. */
static void
expect_at_most(const struct instance *in, const char *what, uint64_t a,
    const char *what_b, uint64_t b)
{
	if (a > b)
		failure(in->name, "%s %" PRIu64 " > %s %" PRIu64, what, a,
		    what_b, b);
}

/* Check one sockd's end state and its counters against the clients. */
void
check_instance(struct instance *in, const struct soak_settings *settings)
{
	const struct counters *s = &in->stopped;

	if (in->running)
		return;		/* said already */
	if (in->status != 0)
		failure(in->name, "exit status %d after SIGTERM, not 0",
		    in->status);
	if (in->odd_lines > 0)
		failure(in->name, "%u lines on stderr that are not log lines",
		    in->odd_lines);
	if (!in->stopped_seen) {
		failure(in->name, "no stopped: line");
		return;
	}
	if (in->end.threads != in->start.threads)
		failure(in->name, "%ld threads at the end, %ld at the start",
		    in->end.threads, in->start.threads);
	if (in->end.fds != in->start.fds)
		failure(in->name, "%ld descriptors at the end, %ld at the "
		    "start", in->end.fds, in->start.fds);
	if (in->end.rss_kib - in->start.rss_kib > settings->rss_bound_kib)
		failure(in->name, "RSS grew by %ld KiB, more than %ld KiB",
		    in->end.rss_kib - in->start.rss_kib,
		    settings->rss_bound_kib);
	expect_equal(in, "stopped: messages", s->messages, "replies",
	    s->replies);
	expect_equal(in, "stopped: accepted", s->accepted,
	    "connections the clients made", in->connected);
	if (in->reloads == 0 || in->reloads > in->hups)
		failure(in->name, "%u reloads logged for %u SIGHUPs",
		    in->reloads, in->hups);
	if (in->exact) {
		expect_equal(in, "stopped: replies", s->replies,
		    "answers the clients received", in->answers);
		expect_equal(in, "stopped: rejected", s->rejected,
		    "busy the clients were told", in->busy);
		expect_equal(in, "stopped: timeouts", s->timeouts,
		    "time outs the clients saw", in->timeouts);
		expect_equal(in, "stopped: errors", s->errors, "none", 0);
	} else {
		expect_at_most(in, "answers the clients received",
		    in->answers, "stopped: replies", s->replies);
		expect_at_most(in, "stopped: messages", s->messages,
		    "messages the clients sent", in->sent);
		expect_at_most(in, "busy the clients were told", in->busy,
		    "stopped: rejected", s->rejected);
	}
	if (in->line && settings->seconds >= 5 &&
	    (in->by_reply[0] == 0 || in->by_reply[1] == 0))
		failure(in->name, "answers with each reply: %" PRIu64 " and %"
		    PRIu64 "; a reload should have switched them",
		    in->by_reply[0], in->by_reply[1]);
}

/* KiB as MiB with one decimal. */
static double
mib(long kib)
{
	return kib / 1024.0;
}

/* Print what one sockd and its clients did. */
static void
summary_instance(const struct instance *in,
    const struct soak_settings *settings)
{
	const struct counters *s = &in->stopped;
	uint64_t total = 0;
	int k;

	printf("%s (--framing %s%s, %s):\n", in->name, in->line ? "line" :
	    "raw", in->line ? "" : " --echo", in->exact ?
	    "every answer accounted for" : "bounds only");
	printf("  clients:");
	for (k = 0; k < NKINDS; k++)
		if (in->kinds[k] > 0) {
			printf(" %s %" PRIu64 ",", spec_of(k)->name,
			    in->kinds[k]);
			total += in->kinds[k];
		}
	printf(" total %" PRIu64 "\n", total);
	printf("  messages sent %" PRIu64 ", answers received %" PRIu64,
	    in->sent, in->answers);
	if (in->line)
		printf(" (%" PRIu64 " '%s', %" PRIu64 " 'bravo...')",
		    in->by_reply[0], replies[0], in->by_reply[1]);
	printf(", busy %" PRIu64 ", time outs %" PRIu64 ", resets %" PRIu64,
	    in->busy, in->timeouts, in->resets);
	if (in->line)
		printf(", line too long %" PRIu64, in->too_long);
	printf("\n");
	if (in->stopped_seen)
		printf("  sockd stopped: accepted=%" PRIu64 " rejected=%" PRIu64
		    " timeouts=%" PRIu64 " messages=%" PRIu64 " replies=%"
		    PRIu64 " errors=%" PRIu64 " log_dropped=%" PRIu64 "\n",
		    s->accepted, s->rejected, s->timeouts, s->messages,
		    s->replies, s->errors, s->log_dropped);
	printf("  SIGHUP %u (reloaded %u), SIGUSR1 %u (counters %u); log "
	    "lines read %" PRIu64 ", lost %" PRIu64 "\n", in->hups,
	    in->reloads, in->usr1s, in->reports, in->log_lines,
	    in->lines_lost);
	if (run.aborted) {
		if (!in->running && in->status >= 0 && !run.term_sent)
			printf("  exited with status %d during the run\n",
			    in->status);
		return;
	}
	printf("  threads %ld -> %ld (%ld-%ld during the run), descriptors "
	    "%ld -> %ld (peak %ld)\n", in->start.threads, in->end.threads,
	    in->threads_min, in->threads_max, in->start.fds, in->end.fds,
	    in->fds_max);
	printf("  RSS %.1f -> %.1f MiB (%+ld KiB, bound %ld KiB), peak "
	    "%.1f MiB\n", mib(in->start.rss_kib), mib(in->end.rss_kib),
	    in->end.rss_kib - in->start.rss_kib, settings->rss_bound_kib,
	    mib(in->end.hwm_kib));
	if (!in->running && in->status >= 0)
		printf("  SIGTERM: exit %d after %" PRId64 " ms; CPU %.1f s\n",
		    in->status, in->exit_ms - in->term_ms, in->cpu_s);
}

/* The summary: the soak's own time, then what each sockd and its
 * clients did. */
void
summary(const struct soak_settings *settings, int64_t took)
{
	struct rusage ru;
	int i;

	getrusage(RUSAGE_SELF, &ru);
	printf("\nsoak: summary after %.1f s: %" PRIu64 " clients; the soak's "
	    "own CPU %.1f s\n", took / 1000.0, clients_total(),
	    ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	printf("soak: start %.1f s, run %.1f s, wind-down %.1f s, settle %.1f "
	    "s, drain %.1f s\n", (run.phase_ms[0] - run.start_ms) / 1000.0,
	    (run.phase_ms[1] - run.phase_ms[0]) / 1000.0,
	    (run.phase_ms[2] - run.phase_ms[1]) / 1000.0,
	    (run.phase_ms[3] - run.phase_ms[2]) / 1000.0,
	    (run.start_ms + took - run.phase_ms[3]) / 1000.0);
	for (i = 0; i < NINST; i++)
		summary_instance(&instances[i], settings);
}
