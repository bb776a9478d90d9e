/*
 * main.c - sockd: parse, listen, start the pool, accept, drain, exit.
 * Wires the modules together and does nothing else.
 */
#include "build-config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "clock.h"
#include "config.h"
#include "conn.h"
#include "listener.h"
#include "log.h"
#include "pool.h"
#include "queue.h"
#include "signals.h"
#include "stats.h"

/* Parse the command line; exits for --help, --version and errors. */
static void
parse_command_line(struct settings *s, int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];

	config_defaults(s);
	switch (config_parse_args(s, argc, argv, err, sizeof err)) {
	case CONFIG_OK:
		return;
	case CONFIG_HELP:
		config_usage(stdout);
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	case CONFIG_VERSION:
		printf("sockd %s\n", PACKAGE_VERSION);
		exit(fflush(stdout) == 0 ? 0 : EX_IOERR);
	case CONFIG_ERROR:
		fprintf(stderr, "sockd: %s\n", err);
		exit(EX_USAGE);
	}
}

int
main(int argc, char **argv)
{
	struct settings settings;
	struct listener listener;
	struct queue queue;
	char err[NET_ERR_MAX], counters[512];

	parse_command_line(&settings, argc, argv);
	log_set_level(settings.log_level);

	if (signals_init() < 0)
		fatal(EX_OSERR, "signals");
	if (conn_init() < 0)
		fatal(EX_OSERR, "drain pipe");
	if (listener_open(&listener, &settings, err, sizeof err) < 0)
		fatalx(EX_UNAVAILABLE, "%s", err);
	if (queue_init(&queue, settings.queue) < 0)
		fatalx(EX_OSERR, "queue of %u: out of memory", settings.queue);
	if (pool_start(&queue, &settings, settings.workers) < 0)
		fatal(EX_OSERR, "starting %u workers", settings.workers);
	log_notice("sockd %s started: %u workers, queue %u, %s framing",
	    PACKAGE_VERSION, settings.workers, settings.queue,
	    settings.framing == FRAMING_LINE ? "line" : "raw");

	listener_run(&listener, &queue);

	log_notice("shutting down: draining for at most %u s",
	    settings.shutdown_timeout);
	listener_close(&listener);
	queue_close(&queue);
	conn_drain_begin(clock_now_ms() + settings.shutdown_timeout * 1000LL);
	pool_join();
	queue_destroy(&queue);

	stats_format(counters, sizeof counters);
	log_notice("stopped: %s", counters);
	config_free(&settings);
	return 0;
}
