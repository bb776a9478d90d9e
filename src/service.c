/*
 * service.c - reload, counters, watchdog and drain: the main thread's
 * work between accepts.  A reload builds a whole new settings value and
 * publishes it through live.c; nothing here writes a published one.
 */
#include "build-config.h"

#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "drain.h"
#include "inject.h"
#include "live.h"
#include "log.h"
#include "net.h"
#include "notify.h"
#include "pool.h"
#include "service.h"
#include "signals.h"
#include "stats.h"

/* Refresh STATUS= this often under a supervisor. */
#define STATUS_INTERVAL_MS 5000
/* How often the drain reports progress to systemd. */
#define DRAIN_STEP_MS 1000
/* How long past the drain deadline a stuck worker may hold the exit. */
#define DRAIN_GRACE_MS 5000

static int saved_argc;
static char **saved_argv;

/* Remember the command line, which a reload reads again. */
void
service_init(int argc, char **argv)
{
	saved_argc = argc;
	saved_argv = argv;
}

/* How long the accept loop may sleep before service_tick(). */
int
service_tick_ms(void)
{
	int64_t wd = notify_watchdog_interval_ms();

	if (!notify_enabled())
		return -1;
	if (wd > 0 && wd / 2 < STATUS_INTERVAL_MS)
		return (int)(wd / 2 > 0 ? wd / 2 : 1);
	return STATUS_INTERVAL_MS;
}

/* Send the counters as STATUS=. */
static void
send_status(void)
{
	char line[STATS_LINE_MAX];

	if (!notify_enabled())
		return;
	stats_format(line, sizeof line);
	notify_send("STATUS=%s", line);
}

/* Feed the watchdog; refresh the status line every STATUS_INTERVAL_MS,
 * however often the watchdog asks for a tick. */
void
service_tick(void)
{
	static int64_t last_status_ms;
	int64_t now = clock_now_ms();

	notify_watchdog_tick();
	if (now - last_status_ms < STATUS_INTERVAL_MS)
		return;
	last_status_ms = now;
	send_status();
}

/* Tell the supervisor we are ready. */
void
service_ready(void)
{
	char line[STATS_LINE_MAX];

	stats_format(line, sizeof line);
	notify_send("READY=1\nSTATUS=%s", line);
}

/* SIGUSR1: log the counters. */
void
service_report(void)
{
	char line[STATS_LINE_MAX];

	stats_format(line, sizeof line);
	log_notice("counters: %s", line);
	send_status();
}

/*
 * Read the configuration again into a whole new settings value, with the
 * running value of everything a reload may not change; NULL with the
 * reason logged.
 */
static struct settings *
load_for_reload(void)
{
	struct settings *loaded = malloc(sizeof *loaded);
	char err[CONFIG_ERR_MAX], changed[1024];

	if (loaded == NULL) {
		log_warnx("reload: out of memory; keeping the running settings");
		return NULL;
	}
	if (config_load(loaded, saved_argc, saved_argv, err,
	    sizeof err) != CONFIG_OK) {
		log_warnx("reload: %s; keeping the running settings", err);
	} else if (config_keep_restart_only(loaded, live_current(), changed,
	    sizeof changed) < 0) {
		log_warnx("reload: out of memory; keeping the running settings");
	} else {
		if (changed[0] != '\0')
			log_warnx("reload: %s: they take effect at restart",
			    changed);
		return loaded;
	}
	config_free(loaded);
	free(loaded);
	return NULL;
}

/* Log the faults in force and their seed. */
void
service_log_faults(const struct settings *s)
{
	char spec[512];

	if (!s->inject.any)
		return;
	inject_format(&s->inject, spec, sizeof spec);
	log_notice("faults: %s; seed %llu (replay with --seed %llu)", spec,
	    (unsigned long long)s->seed, (unsigned long long)s->seed);
}

/* SIGHUP: reopen the log, re-read and apply the configuration. */
void
service_reload(void)
{
	const struct settings *now;
	struct settings *loaded;
	bool had_faults;

	notify_send("RELOADING=1\nMONOTONIC_USEC=%" PRId64, clock_now_us());
	if (log_reopen() < 0)
		log_warn("reload: reopen log file");
	if (live_current()->config_file == NULL) {
		log_notice("reload: no configuration file; log reopened");
	} else if ((loaded = load_for_reload()) != NULL) {
		had_faults = live_current()->inject.any;
		log_set_level(loaded->log_level);
		/* The running value may be freed from here on. */
		live_publish(loaded);
		now = live_current();
		log_notice("reloaded %s: timeout %u, %s, max-line %u, "
		    "log-level %s", now->config_file, now->timeout,
		    now->echo ? "echo" : "reply", now->max_line,
		    log_level_name(now->log_level));
		if (now->inject.any)
			service_log_faults(now);
		else if (had_faults)
			log_notice("faults: none");
	}
	service_ready();
}

/*
 * Wait up to ms for the pool to finish, answering signals meanwhile: a
 * second SIGTERM or SIGINT ends the drain now (*deadline moves to now),
 * SIGUSR1 logs the counters, a SIGHUP is not acted on.  True once every
 * worker has finished.
 */
static bool
drain_wait(int ms, int64_t *deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = pool_done_fd(), .events = POLLIN },
		{ .fd = signals_fd(), .events = POLLIN },
	};
	struct signal_requests req;

	if (net_poll_until(pfd, 2, clock_now_ms() + ms) < 0)
		log_warn("drain: poll");
	if (pool_finished())
		return true;
	if (pfd[1].revents == 0)
		return false;
	signals_take(&req);
	if (req.report)
		service_report();
	if (req.reload)
		log_notice("reload: not while draining");
	if (req.shutdown && *deadline > clock_now_ms()) {
		log_notice("shutting down now: a second signal ends the drain");
		*deadline = clock_now_ms();
		drain_now();
	}
	return false;
}

/* SIGTERM: drain within --shutdown-timeout; false if workers hang. */
bool
service_drain(void)
{
	unsigned seconds = live_current()->shutdown_timeout;
	int64_t deadline = clock_now_ms() + (int64_t)seconds * 1000;
	int64_t left;

	log_notice("shutting down: draining for at most %u s", seconds);
	notify_send("STOPPING=1");
	drain_begin(deadline);
	/* Workers end by the deadline; tell systemd the drain is alive so
	 * its stop timeout does not kill it first. */
	for (;;) {
		left = deadline - clock_now_ms();
		notify_send("EXTEND_TIMEOUT_USEC=%" PRId64,
		    ((left > 0 ? left : 0) + 2 * DRAIN_STEP_MS) * 1000);
		if (drain_wait(DRAIN_STEP_MS, &deadline))
			return true;
		/* Workers end by the deadline themselves; one that does not
		 * is stuck in a system call, and must not hold the exit. */
		if (deadline - clock_now_ms() < -DRAIN_GRACE_MS) {
			log_warnx("drain: workers still busy %d ms after the "
			    "deadline; exiting", DRAIN_GRACE_MS);
			return false;
		}
	}
}
