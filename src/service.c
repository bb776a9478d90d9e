/*
 * service.c - reload, counters, watchdog and drain: the main thread's
 * work between accepts.  Writes the running settings only here, and only
 * the fields SIGHUP may change.
 */
#include "build-config.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "conn.h"
#include "log.h"
#include "notify.h"
#include "pool.h"
#include "service.h"
#include "stats.h"

/* Refresh STATUS= this often under a supervisor. */
#define STATUS_INTERVAL_MS 5000
/* How often the drain reports progress to systemd. */
#define DRAIN_STEP_MS 1000
/* How long past the drain deadline a stuck worker may hold the exit. */
#define DRAIN_GRACE_MS 5000

static struct settings *running;
static int saved_argc;
static char **saved_argv;

/* Remember the running settings and the command line. */
void
service_init(struct settings *s, int argc, char **argv)
{
	running = s;
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
	char line[512];

	if (!notify_enabled())
		return;
	stats_format(line, sizeof line);
	notify_send("STATUS=%s", line);
}

/* Feed the watchdog and refresh the status line. */
void
service_tick(void)
{
	notify_watchdog_tick();
	send_status();
}

/* Tell the supervisor we are ready. */
void
service_ready(void)
{
	char line[512];

	stats_format(line, sizeof line);
	notify_send("READY=1\nSTATUS=%s", line);
}

/* SIGUSR1: log the counters. */
void
service_report(void)
{
	char line[512];

	stats_format(line, sizeof line);
	log_notice("counters: %s", line);
	send_status();
}

/* Take over what SIGHUP may change from loaded into running. */
static void
apply_live(struct settings *loaded)
{
	char *reply = running->reply;

	running->timeout = loaded->timeout;
	running->reply = loaded->reply;
	loaded->reply = reply;	/* freed with loaded */
	running->echo = loaded->echo;
	running->max_line = loaded->max_line;
	running->log_level = loaded->log_level;
	running->log_max = loaded->log_max;
	log_set_level(running->log_level);
}

/* SIGHUP: reopen the log, re-read and apply the configuration. */
void
service_reload(void)
{
	struct settings loaded;
	char err[CONFIG_ERR_MAX];

	notify_send("RELOADING=1\nMONOTONIC_USEC=%" PRId64, clock_now_us());
	if (log_reopen() < 0)
		log_warn("reload: reopen log file");
	if (running->config_file == NULL) {
		log_notice("reload: no configuration file; log reopened");
		service_ready();
		return;
	}
	if (config_load(&loaded, saved_argc, saved_argv, err,
	    sizeof err) != CONFIG_OK) {
		log_warnx("reload: %s; keeping the running settings", err);
		config_free(&loaded);
		service_ready();
		return;
	}
	config_report_restart_needed(running, &loaded);
	if (config_live_publish(&loaded) < 0) {
		log_warnx("reload: out of memory; keeping the running settings");
	} else {
		apply_live(&loaded);
		log_notice("reloaded %s: timeout %u, %s, max-line %u, "
		    "log-level %s", running->config_file, running->timeout,
		    running->echo ? "echo" : "reply", running->max_line,
		    log_level_name(running->log_level));
	}
	config_free(&loaded);
	service_ready();
}

/* SIGTERM: drain within --shutdown-timeout; false if workers hang. */
bool
service_drain(void)
{
	int64_t deadline = clock_now_ms() +
	    (int64_t)running->shutdown_timeout * 1000;
	int64_t left;

	log_notice("shutting down: draining for at most %u s",
	    running->shutdown_timeout);
	notify_send("STOPPING=1");
	conn_drain_begin(deadline);
	/* Workers end by the deadline; tell systemd the drain is alive so
	 * its stop timeout does not kill it first. */
	for (;;) {
		left = deadline - clock_now_ms();
		notify_send("EXTEND_TIMEOUT_USEC=%" PRId64,
		    ((left > 0 ? left : 0) + 2 * DRAIN_STEP_MS) * 1000);
		if (pool_wait(DRAIN_STEP_MS))
			return true;
		/* Workers end by the deadline themselves; one that does not
		 * is stuck in a system call, and must not hold the exit. */
		if (left < -DRAIN_GRACE_MS) {
			log_warnx("drain: workers still busy %d ms after the "
			    "deadline; exiting", DRAIN_GRACE_MS);
			return false;
		}
	}
}
