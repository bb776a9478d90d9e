/*
 * main.c - sockd: load the settings, listen, start the pool, accept,
 * drain, exit.  Wires the modules together and does nothing else.
 */
#include "build-config.h"
#include "build-commit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "drain.h"
#include "inject.h"
#include "listener.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "options-cli.h"
#include "perip.h"
#include "pool.h"
#include "queue.h"
#include "service.h"
#include "signals.h"
#include "stats.h"

/* How long the exit waits for the log to take the lines before it. */
#define LOG_FLUSH_MS 1000

/* The version, and the commit when built from a git checkout. */
static const char *
version_text(void)
{
	return SOCKD_COMMIT[0] != '\0' ? PACKAGE_VERSION " (git " SOCKD_COMMIT
	    ")" : PACKAGE_VERSION;
}

/*
 * A seed for the faults' draws when --seed gave none: from the kernel,
 * or failing that from the clock and the pid.  Logged with the faults,
 * so the run can be replayed with --seed.
 */
static uint64_t
pick_seed(void)
{
	struct timespec ts = { 0, 0 };
	uint64_t seed;

	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == sizeof seed)
		return seed;
	/* Should the clock fail too, the pid alone still varies it. */
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	seed = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return inject_next(&seed) ^ (uint64_t)getpid();
}

/*
 * Load defaults, file and command line into a new settings value; exits
 * for help, version, errors and -n, so that nothing is opened or bound
 * for them.
 */
static struct settings *
load_settings(int argc, char **argv)
{
	struct settings *s = malloc(sizeof *s);
	char err[CONFIG_ERR_MAX];
	enum config_result result;

	if (s == NULL)
		fatalx(EX_OSERR, "settings: out of memory");
	result = config_load(s, argc, argv, err, sizeof err);
	if (result == CONFIG_OK && !s->check_only) {
		if (!s->seed_given)
			s->seed = pick_seed();
		return s;
	}
	/* Every other way ends here: nothing of s is needed. */
	config_free(s);
	free(s);
	switch (result) {
	case CONFIG_OK:
		puts("configuration OK");
		break;
	case CONFIG_HELP:
		options_usage(stdout);
		break;
	case CONFIG_VERSION:
		printf("sockd %s\n", version_text());
		break;
	case CONFIG_ERROR:
		fatalx(EX_USAGE, "%s", err);
	case CONFIG_FILE_ERROR:
		fatalx(EX_CONFIG, "%s", err);
	}
	exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
}

/* Send the log where the settings say. */
static void
open_log(const struct settings *s)
{
	log_set_level(s->log_level);
	log_detect_journal();
	if (s->log_file != NULL && log_open_file(s->log_file) < 0)
		fatal(EX_CANTCREAT, "log file %s", s->log_file);
	if (s->syslog)
		log_use_syslog();
}

/*
 * Everything up to the last step that needs privileges, in the safe
 * order: listening sockets and pid file, then the privilege drop and the
 * detach.
 */
static void
start_listening(const struct settings *s, struct listener *l)
{
	char err[CONFIG_ERR_MAX];
	int status;

	notify_init();
	if (signals_init() < 0)
		fatal(EX_OSERR, "signals");
	if (s->pidfile != NULL &&
	    (status = pidfile_lock(s->pidfile, err, sizeof err)) != 0)
		fatalx(status, "%s", err);
	if (listener_open(l, s, err, sizeof err) < 0)
		fatalx(EX_UNAVAILABLE, "%s", err);
	if (s->metrics != NULL && metrics_open(&s->metrics_addr, err,
	    sizeof err) < 0)
		fatalx(EX_UNAVAILABLE, "%s", err);
	/* Bound: privileges are no longer needed, threads not yet made. */
	if (s->user != NULL && drop_privileges(s->user, err, sizeof err) < 0)
		fatalx(EX_OSERR, "%s", err);
	if (s->daemon) {
		if (daemonize(err, sizeof err) < 0)
			fatalx(EX_OSERR, "%s", err);
		if (s->log_file == NULL && !s->syslog)
			log_use_syslog();
	}
	if (pidfile_write(err, sizeof err) < 0)
		fatalx(EX_CANTCREAT, "%s", err);
}

/* Publish the settings and start the threads that serve. */
static void
start_serving(struct settings *s, struct queue *q, struct perip_table *perip)
{
	unsigned workers = s->workers, queued = s->queue;
	/* Every client queued or served may come from its own address. */
	size_t addresses = (size_t)workers + queued + 1;

	if (drain_init(workers) < 0)
		fatal(EX_OSERR, "drain pipes");
	if (stats_init(workers) < 0)
		fatalx(EX_OSERR, "counters of %u workers: out of memory",
		    workers);
	if (live_init(workers) < 0)
		fatalx(EX_OSERR, "settings slots of %u workers: out of memory",
		    workers);
	live_publish(s);
	if (queue_init(q, queued, workers) < 0)
		fatalx(EX_OSERR, "queue of %u: out of memory", queued);
	if (perip_init(perip, addresses) < 0)
		fatalx(EX_OSERR, "address table of %zu: out of memory",
		    addresses);
	if (pool_start(q, workers) < 0)
		fatal(EX_OSERR, "starting %u workers", workers);
	if (metrics_start() < 0)
		fatal(EX_OSERR, "starting the metrics thread");
}

/* Accept and serve until SIGTERM or SIGINT, with signals in between. */
static void
serve(struct listener *l, struct queue *q, struct perip_table *perip)
{
	struct signal_requests req;

	do {
		listener_run(l, q, perip, service_tick_ms());
		signals_take(&req);
		if (req.report)
			service_report();
		if (req.reload)
			service_reload();
		service_tick();
	} while (!req.shutdown);
}

int
main(int argc, char **argv)
{
	struct settings *settings;
	struct listener listener;
	struct queue queue;
	struct perip_table perip;
	char counters[STATS_LINE_MAX];
	bool drained;

	/* Before anything is opened: see daemon_open_stdio. */
	if (daemon_open_stdio() < 0)
		exit(EX_OSERR);
	settings = load_settings(argc, argv);
	open_log(settings);
	start_listening(settings, &listener);
	/* After the detach: a thread would not survive the fork. */
	if (log_start_writer() < 0)
		fatal(EX_OSERR, "starting the log writer");
	/* Published: live.c owns the settings, and frees them after the
	 * first reload; main reads them until then. */
	start_serving(settings, &queue, &perip);
	log_started();
	log_notice("sockd %s started: %u workers, queue %u, %s framing",
	    version_text(), settings->workers, settings->queue,
	    settings->framing == FRAMING_LINE ? "line" : "raw");
	service_log_faults(settings);
	service_init(argc, argv);
	daemon_ready();
	service_ready();
	serve(&listener, &queue, &perip);

	/* SPEC 6: every listening socket closes at once, metrics too;
	 * what the kernel already accepted is served, not reset. */
	listener_hand_over(&listener, live_current()->reuseport, &queue,
	    &perip);
	metrics_stop();
	queue_close(&queue);
	drained = service_drain();
	pidfile_remove();
	stats_format(counters, sizeof counters);
	log_notice("stopped: %s", counters);
	/* A log nobody reads must not keep sockd from exiting. */
	log_stop_writer(LOG_FLUSH_MS);
	if (!drained)
		return 0;	/* exit() ends the stuck workers */
	pool_join();
	stats_free();
	drain_free();
	perip_destroy(&perip);
	queue_destroy(&queue);
	live_free_all();
	return 0;
}
