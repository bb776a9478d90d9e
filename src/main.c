/*
 * main.c - sockd: load the settings, listen, start the pool, accept,
 * drain, exit.  Wires the modules together and does nothing else.
 */
#include "build-config.h"
#include "build-commit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "config.h"
#include "conn.h"
#include "daemon.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "perip.h"
#include "pool.h"
#include "queue.h"
#include "service.h"
#include "signals.h"
#include "stats.h"

/* The version, and the commit when built from a git checkout. */
static const char *
version_text(void)
{
	return SOCKD_COMMIT[0] != '\0' ? PACKAGE_VERSION " (git " SOCKD_COMMIT
	    ")" : PACKAGE_VERSION;
}

/*
 * Load defaults, file and command line; exits for help, version, errors
 * and -n, so that nothing is opened or bound for them.
 */
static void
load_settings(struct settings *s, int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];

	switch (config_load(s, argc, argv, err, sizeof err)) {
	case CONFIG_OK:
		if (!s->check_only)
			return;
		puts("configuration OK");
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	case CONFIG_HELP:
		config_usage(stdout);
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	case CONFIG_VERSION:
		printf("sockd %s\n", version_text());
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	case CONFIG_ERROR:
		fprintf(stderr, "sockd: %s\n", err);
		exit(EX_USAGE);
	case CONFIG_FILE_ERROR:
		fprintf(stderr, "sockd: %s\n", err);
		exit(EX_CONFIG);
	}
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

/* Everything from listening to a running pool, in the safe order. */
static void
start(const struct settings *s, struct listener *l, struct queue *q)
{
	char err[CONFIG_ERR_MAX];

	notify_init();
	if (signals_init() < 0)
		fatal(EX_OSERR, "signals");
	if (conn_init(s->workers) < 0 || stats_init(s->workers) < 0)
		fatal(EX_OSERR, "drain pipe and counters");
	if (s->pidfile != NULL && pidfile_lock(s->pidfile, err,
	    sizeof err) < 0)
		fatalx(EX_UNAVAILABLE, "%s", err);
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
	if (config_live_publish(s) < 0 || queue_init(q, s->queue) < 0 ||
	    perip_init(&perip_clients, (size_t)s->workers + s->queue + 1) < 0)
		fatalx(EX_OSERR, "queue of %u: out of memory", s->queue);
	if (pool_start(q, s->workers) < 0)
		fatal(EX_OSERR, "starting %u workers", s->workers);
	if (metrics_start() < 0)
		fatal(EX_OSERR, "starting the metrics thread");
}

int
main(int argc, char **argv)
{
	struct settings settings;
	struct listener listener;
	struct queue queue;
	struct signal_requests req;
	char counters[512];
	bool drained;

	load_settings(&settings, argc, argv);
	open_log(&settings);
	start(&settings, &listener, &queue);
	service_init(&settings, argc, argv);
	log_started();
	log_notice("sockd %s started: %u workers, queue %u, %s framing",
	    version_text(), settings.workers, settings.queue,
	    settings.framing == FRAMING_LINE ? "line" : "raw");
	daemon_ready();
	service_ready();

	do {
		listener_run(&listener, &queue, service_tick_ms());
		signals_take(&req);
		if (req.report)
			service_report();
		if (req.reload)
			service_reload();
		service_tick();
	} while (!req.shutdown);

	/* SPEC 6: every listening socket closes at once, metrics too. */
	listener_close(&listener);
	metrics_stop();
	queue_close(&queue);
	drained = service_drain();
	pidfile_remove();
	stats_format(counters, sizeof counters);
	log_notice("stopped: %s", counters);
	if (!drained)
		return 0;	/* exit() ends the stuck workers */
	pool_join();
	stats_free();
	conn_free();
	perip_destroy(&perip_clients);
	queue_destroy(&queue);
	config_live_free_all();
	config_free(&settings);
	return 0;
}
