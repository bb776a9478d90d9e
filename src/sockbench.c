/*
 * sockbench - load generator for line servers: N connections, each with P
 * messages in flight, counting one answer per reply line.  Drives sockd,
 * redis (PING -> +PONG) and memcached (version -> VERSION) alike.
 * This file owns the command line, the progress line and the report;
 * the connections and threads are bench-load.c's, the histogram's
 * layout bench-hist.[ch]'s.
 */
#include "build-config.h"

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "bench-clock.h"
#include "bench-hist.h"
#include "bench-load.h"
#include "log.h"
#include "number.h"

static struct load_plan plan = {
	.host = "127.0.0.1", .port = "8001", .conns = 1, .depth = 1,
	.threads = 1, .seconds = 0, .message = "PING", .expect = NULL,
};
static bool json;	/* --json: the result as one JSON object */

/* Print how to use sockbench to out. */
static void
usage(FILE *out)
{
	fputs(
"Usage: sockbench [-h HOST] [-p PORT] -c CONNS [-n MESSAGES | -d SECONDS]\n"
"                 [-P DEPTH] [-m MESSAGE] [--expect PREFIX] [-T THREADS]\n"
"                 [--connect-per-message] [--json]\n"
"Drive a line server and report messages/s and latency percentiles.\n"
"\n"
"  -h, --host HOST            server (default 127.0.0.1)\n"
"  -p, --port PORT            port (default 8001)\n"
"  -c, --connections N        connections (default 1)\n"
"  -n, --messages N           stop after N answers\n"
"  -d, --duration SECONDS     or stop after this long\n"
"  -P, --pipeline DEPTH       messages in flight per connection (1)\n"
"  -m, --message TEXT         message, sent with \\r\\n (default PING)\n"
"      --expect PREFIX        every answer line must start with PREFIX\n"
"      --connect-per-message  connect, send one message, close; repeat\n"
"  -T, --threads N            load-generating threads (1)\n"
"      --json                 print the result as one JSON object\n"
"      --help                 show this help and exit\n", out);
}

/* Parse an unsigned number within [min, max] or die naming the option. */
static uint64_t
number(const char *name, const char *text, uint64_t min, uint64_t max)
{
	unsigned long long v;

	if (number_parse(text, min, max, &v) < 0)
		fatalx(EX_USAGE, "%s: '%s' is not a number in %llu-%llu", name,
		    text, (unsigned long long)min, (unsigned long long)max);
	return v;
}

/* Parse the command line into plan and json. */
static void
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "connections", required_argument, NULL, 'c' },
		{ "messages", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "pipeline", required_argument, NULL, 'P' },
		{ "message", required_argument, NULL, 'm' },
		{ "expect", required_argument, NULL, 'e' },
		{ "connect-per-message", no_argument, NULL, 'C' },
		{ "threads", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h:p:c:n:d:P:m:T:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h': plan.host = optarg; break;
		case 'p': number("--port", optarg, 1, 65535);
			plan.port = optarg; break;
		case 'c': plan.conns = (unsigned)number("--connections", optarg,
			    1, 100000); break;
		case 'n': plan.messages = number("--messages", optarg, 1,
			    UINT64_MAX / 2); break;
		case 'd': plan.seconds = (double)number("--duration", optarg, 1,
			    86400); break;
		case 'P': plan.depth = (unsigned)number("--pipeline", optarg, 1,
			    4096); break;
		case 'm': plan.message = optarg; break;
		case 'e': plan.expect = optarg; break;
		case 'C': plan.connect_per_message = true; break;
		case 'T': plan.threads = (unsigned)number("--threads", optarg,
			    1, 256); break;
		case 'j': json = true; break;
		case 'H': usage(stdout); exit(0);
		case ':': fatalx(EX_USAGE, "%s: needs a value",
			    argv[optind - 1]);
		default: fatalx(EX_USAGE, "unknown option '%s' (try --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		fatalx(EX_USAGE, "unexpected argument '%s'", argv[optind]);
	if (plan.messages == 0 && plan.seconds == 0)
		plan.seconds = 5;
	if (plan.connect_per_message)
		plan.depth = 1;
	if (plan.threads > plan.conns)
		plan.threads = plan.conns;
}

/* Print the answers so far and how many came since the last line. */
static void
progress(double elapsed, uint64_t *last)
{
	uint64_t total = load_answers();

	fprintf(stderr, "sockbench: %.0f s: %llu answers, %llu/s\n", elapsed,
	    (unsigned long long)total, (unsigned long long)(total - *last));
	*last = total;
}

/* Wait for the run to end, with progress once a second on long runs. */
static void
wait_with_progress(uint64_t start)
{
	uint64_t last = 0, next_progress = start + 1000000000u;

	/* Runs of two seconds or less print no progress. */
	if (plan.seconds <= 2) {
		load_join();
		return;
	}
	while (!load_finished()) {
		usleep(20000);
		if (bench_now_ns() >= next_progress) {
			progress((double)(bench_now_ns() - start) / 1e9, &last);
			next_progress += 1000000000u;
		}
	}
}

/* Print the result as text, or with --json as one JSON object. */
static void
result_print(const struct load_totals *t, double seconds)
{
	double p50 = hist_percentile(t->hist, t->answers, 0.5) / 1e3;
	double p99 = hist_percentile(t->hist, t->answers, 0.99) / 1e3;
	double p999 = hist_percentile(t->hist, t->answers, 0.999) / 1e3;
	double max = t->max_ns / 1e3, rate = (double)t->answers / seconds;

	if (json)
		printf("{\"connections\":%u,\"pipeline\":%u,\"threads\":%u,"
		    "\"connect_per_message\":%s,\"answers\":%llu,"
		    "\"seconds\":%.3f,\"rate\":%.0f,\"p50_us\":%.1f,"
		    "\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
		    "\"errors\":%llu,\"mismatches\":%llu}\n", plan.conns,
		    plan.depth, plan.threads,
		    plan.connect_per_message ? "true" : "false",
		    (unsigned long long)t->answers, seconds, rate, p50, p99,
		    p999, max, (unsigned long long)t->errors,
		    (unsigned long long)t->mismatches);
	else
		printf("%llu answers in %.3f s: %.0f msg/s\n"
		    "latency p50 %.1f us, p99 %.1f us, p99.9 %.1f us, "
		    "max %.1f us\nerrors %llu, mismatches %llu\n",
		    (unsigned long long)t->answers, seconds, rate, p50, p99,
		    p999, max, (unsigned long long)t->errors,
		    (unsigned long long)t->mismatches);
}

/* Drive the server as the options say and report; 1 on any failure. */
int
main(int argc, char **argv)
{
	static struct load_totals totals;
	double seconds;
	uint64_t start;

	log_set_program("sockbench");
	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	load_prepare(&plan);
	start = bench_now_ns();
	load_start(start);
	wait_with_progress(start);
	seconds = (double)(bench_now_ns() - start) / 1e9;
	load_sum(&totals);
	result_print(&totals, seconds);
	load_free();
	return totals.errors || totals.mismatches || totals.answers == 0 ?
	    1 : 0;
}
