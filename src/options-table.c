/*
 * options-table.c - every setting of sockd, in --help order.  Only data:
 * options.c parses, copies and compares values by kind.
 */
#include "build-config.h"

#include <stddef.h>

#include "options-table.h"
#include "settings.h"

#define FIELD(f) offsetof(struct settings, f)

const struct option_spec option_table[] = {
	{ "listen", 'l', KIND_LISTEN, SCOPE_ANY, false, 0, 0, "127.0.0.1",
	    FIELD(listen_specs), "ADDR[:PORT]",
	    "listen here (repeatable)" },
	{ "port", 'p', KIND_UINT, SCOPE_ANY, false, 0, 65535, "8001",
	    FIELD(port), "PORT",
	    "port for --listen without one;\n0 lets the kernel choose" },
	{ "workers", 'w', KIND_UINT, SCOPE_ANY, false, 1, 4096, "256",
	    FIELD(workers), "N", "worker threads, clients served at once" },
	{ "queue", 'q', KIND_UINT, SCOPE_ANY, false, 1, 1048576, "1024",
	    FIELD(queue), "N", "connections that may wait for a worker" },
	{ "backlog", 'b', KIND_UINT, SCOPE_ANY, false, 1, 65535, "128",
	    FIELD(backlog), "N", "listen() backlog" },
	{ "timeout", 't', KIND_UINT, SCOPE_ANY, true, 0, 86400, "10",
	    FIELD(timeout), "SECONDS", "idle and send timeout, 0 = never" },
	{ "framing", 0, KIND_FRAMING, SCOPE_ANY, false, 0, 0, "raw",
	    FIELD(framing), "raw|line",
	    "a message is one read, or one line" },
	{ "reply", 0, KIND_REPLY, SCOPE_ANY, true, 0, 0, "ok",
	    FIELD(reply), "TEXT", "answer TEXT" },
	{ "echo", 0, KIND_ECHO, SCOPE_ANY, true, 0, 0, "no",
	    FIELD(echo), NULL, "answer each message with itself" },
	{ "max-line", 0, KIND_UINT, SCOPE_ANY, true, 1, 16777216, "65536",
	    FIELD(max_line), "BYTES", "longest line with --framing line" },
	{ "log-level", 0, KIND_LEVEL, SCOPE_ANY, true, 0, 0, "info",
	    FIELD(log_level), "LEVEL",
	    "error, warning, notice, info, debug" },
	{ "log-max", 0, KIND_UINT, SCOPE_ANY, true, 0, 4096, "256",
	    FIELD(log_max), "BYTES", "bytes of a message shown in the log" },
	{ "log-file", 0, KIND_STRING, SCOPE_ANY, false, 0, 0, NULL,
	    FIELD(log_file), "FILE", "log to FILE (reopened on SIGHUP)" },
	{ "syslog", 0, KIND_FLAG, SCOPE_ANY, false, 0, 0, "no",
	    FIELD(syslog), NULL, "log to syslog" },
	{ "config", 'c', KIND_STRING, SCOPE_COMMAND, false, 0, 0, NULL,
	    FIELD(config_file), "FILE", "read settings from FILE first" },
	{ "check-config", 'n', KIND_FLAG, SCOPE_COMMAND, false, 0, 0, NULL,
	    FIELD(check_only), NULL,
	    "check the settings, print configuration OK,\n"
	    "and exit; nothing is started" },
	{ "user", 0, KIND_STRING, SCOPE_ANY, false, 0, 0, NULL,
	    FIELD(user), "NAME", "drop to this user after binding" },
	{ "pidfile", 0, KIND_STRING, SCOPE_ANY, false, 0, 0, NULL,
	    FIELD(pidfile), "FILE", "write and lock a pid file" },
	{ "daemon", 'd', KIND_FLAG, SCOPE_ANY, false, 0, 0, "no",
	    FIELD(daemon), NULL, "detach from the terminal" },
	{ "shutdown-timeout", 0, KIND_UINT, SCOPE_ANY, false, 0, 3600, "10",
	    FIELD(shutdown_timeout), "S",
	    "longest graceful drain on SIGTERM" },
	{ "reuseport", 0, KIND_FLAG, SCOPE_ANY, false, 0, 0, "no",
	    FIELD(reuseport), NULL, "let several sockd share a port" },
	{ "max-per-ip", 0, KIND_UINT, SCOPE_ANY, true, 0, 1048576, "0",
	    FIELD(max_per_ip), "N",
	    "connections one address may hold, 0 = any" },
	{ "metrics", 0, KIND_METRICS, SCOPE_ANY, false, 0, 0, NULL,
	    FIELD(metrics), "ADDR:PORT", "serve Prometheus counters at /metrics" },
	{ "inject", 0, KIND_INJECT, SCOPE_ANY, true, 0, 0, NULL,
	    FIELD(inject), "SPEC",
	    "inject faults, to test clients (repeatable):\n"
	    "delay=MS[~JITTER] stall=MS@N drop=PCT reset=PCT\n"
	    "close-after=N slow=BYTES_PER_S partial=PCT\n"
	    "garble=PCT; see sockd(8), FAULT INJECTION" },
	{ "seed", 0, KIND_SEED, SCOPE_ANY, false, 0, 0, NULL,
	    FIELD(seed), "N",
	    "seed of the faults' draws, to replay a run;\n"
	    "by default one is picked and logged" },
};

const size_t option_count = sizeof option_table / sizeof option_table[0];

_Static_assert(sizeof option_table / sizeof option_table[0] <=
    OPTIONS_TABLE_MAX, "OPTIONS_TABLE_MAX is too small for the table");
