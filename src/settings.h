/*
 * settings.h - the value that holds every setting of sockd.  config.c
 * fills one at start and at each reload; once published by live.c it is
 * never written again, only replaced whole.  Types only, no functions.
 */
#ifndef SOCKD_SETTINGS_H
#define SOCKD_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "framing.h"
#include "inject.h"
#include "net.h"

#define SETTINGS_LISTEN_MAX 16

struct settings {
	char *listen_specs[SETTINGS_LISTEN_MAX];	/* as given, or NULL */
	size_t nlisten_specs;
	struct listen_addr listen[SETTINGS_LISTEN_MAX];	/* parsed */
	size_t nlisten;
	unsigned port;
	unsigned workers;
	unsigned queue;
	unsigned backlog;
	unsigned timeout;		/* seconds; 0: never */
	unsigned shutdown_timeout;	/* seconds */
	enum framing framing;
	char *reply;
	bool echo;
	unsigned max_line;
	int log_level;			/* enum log_level */
	unsigned log_max;
	char *config_file;	/* -c; NULL: none */
	bool check_only;	/* -n: check the settings and exit */
	char *log_file;
	bool syslog;
	char *user;
	char *pidfile;
	bool daemon;
	bool reuseport;
	unsigned max_per_ip;	/* 0: no limit */
	char *metrics;		/* --metrics as written; NULL: off */
	struct listen_addr metrics_addr;	/* parsed, when on */
	struct inject_set inject;	/* --inject: faults for testing */
	uint64_t seed;		/* of the faults' draws */
	bool seed_given;	/* --seed; else main picks one at start */
};

#endif
