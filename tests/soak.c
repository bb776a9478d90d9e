/*
 * soak.c - a long mixed run against real sockd processes (make soak).
 *
 * Three sockd from the build tree, each with 8 workers and a queue of 4,
 * so that the queue fills and "busy" is answered:
 *   line   --framing line; a SIGHUP every second switches the reply
 *          between two texts; every answer is accounted for exactly.
 *   raw    --framing raw --echo; the SIGHUPs switch log-max and
 *          log-level; exact accounting too.
 *   chaos  --framing line, with clients that reset with answers in
 *          flight, vanish or flood without reading: sockd's counters can
 *          only be bounded by what the clients sent and received.
 * SIGUSR1 every second as well.  One thread drives every client through
 * epoll; each checks every answer it reads: exact text, in order, one per
 * message, and that it got all it was owed.  At the end: each sockd's
 * threads, descriptors and RSS back where they started once its counters
 * say no connection is active; then SIGTERM with clients connected (idle,
 * busy, queued and just connected), exit 0, and the "stopped:" counters
 * against what the clients received.
 *
 * Environment: SOCKD (the binary; or the first argument), SOAK_SECONDS
 * (300), SOAK_SEED (from the clock), SOAK_RSS_MIB (4), SOAK_LOGS (a
 * directory to keep each sockd's whole log in; none by default).
 *
 * This file: main, the clock and the random numbers, and the phases
 * (start, run, settle, drain).  soak.h names the other parts.
 */
#include "build-config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "soak.h"

/* For the drain: an idle client must be closed by it, not by -t. */
#define DRAIN_TIMEOUT_S 60
/* The spawner's and the signals' periods. */
#define TICK_MS 20
#define SIGNAL_MS 1000
#define BURST_MS 5000
#define BURST_CLIENTS 8
#define PROGRESS_MS 30000
/* How long the end of the run may take, and each wait for sockd. */
#define WIND_DOWN_MS 120000
#define WAIT_MS 30000

struct run_state run;

/* From the command line and the environment. */
static struct soak_settings settings;

/* The run's random numbers, from SOAK_SEED. */
static GRand *random_source;

/* Milliseconds on the monotonic clock. */
int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A random number in [lo, hi]. */
unsigned
rnd(unsigned lo, unsigned hi)
{
	return lo + (unsigned)g_rand_int_range(random_source, 0,
	    (gint32)(hi - lo + 1));
}

/* True with probability p. */
bool
chance(double p)
{
	return g_rand_double(random_source) < p;
}

/* ------------------------------------------------------------------ */
/* The phases. */

static bool
all_started(void)
{
	int i;

	for (i = 0; i < NINST; i++)
		if (!instances[i].started || instances[i].port == 0)
			return false;
	return true;
}

/* Start the three sockd and take their first samples. */
static void
phase_start(void)
{
	const char *keep = g_getenv("SOAK_LOGS");
	struct instance *in;
	int i;

	for (i = 0; i < NINST; i++) {
		instance_init(&instances[i], i, settings.dir, keep);
		start_instance(&instances[i], settings.sockd);
	}
	if (!loop_until(all_started, now_ms() + WAIT_MS)) {
		failure("start", "sockd did not log its listening and started "
		    "lines within %d s", WAIT_MS / 1000);
		run.aborted = true;
		return;
	}
	for (i = 0; i < NINST; i++) {
		in = &instances[i];
		if (!proc_sample(in->pid, &in->start)) {
			failure(in->name, "cannot read /proc/%d", (int)in->pid);
			run.aborted = true;
		}
		note_sample(in);
	}
}

/* When each kind started at a rate is next due; 0: not yet. */
static int64_t next_spawn[NKINDS];

/* Start clients to keep each kind at its number or rate. */
static void
spawn_tick(int64_t now, int64_t *next_burst)
{
	const struct kind_spec *spec;
	struct instance *in;
	int k;

	for (k = 0; k < NKINDS; k++) {
		spec = spec_of(k);
		in = &instances[spec->inst];
		while (clients_live(k) < spec->concurrent)
			if (client_new(k, in) == NULL)
				break;
		if (spec->per_second <= 0)
			continue;
		if (next_spawn[k] == 0)
			next_spawn[k] = now;
		while (now >= next_spawn[k]) {
			(void)client_new(k, in);
			next_spawn[k] += (int64_t)(1000.0 /
			    spec->per_second *
			    g_rand_double_range(random_source, 0.5, 1.5));
		}
	}
	/* Bursts of churn fill the queue: some of them are told busy. */
	if (now >= *next_burst) {
		*next_burst = now + BURST_MS;
		for (k = 0; k < BURST_CLIENTS; k++) {
			(void)client_new(K_CHURN, &instances[INST_LINE]);
			(void)client_new(K_RAW_CHURN, &instances[INST_RAW]);
		}
	}
}

/* Every second: switch the configurations and SIGHUP; SIGUSR1 half a
 * second later, with a look at threads and descriptors. */
static void
signal_tick(int64_t now, int64_t *next_hup, int64_t *next_usr1)
{
	struct instance *in;
	int i;

	if (now >= *next_hup) {
		*next_hup += SIGNAL_MS;
		for (i = 0; i < NINST; i++) {
			in = &instances[i];
			in->toggle ^= 1;
			write_config(in);
			signal_instance(in, SIGHUP);
			in->hups++;
		}
	}
	if (now >= *next_usr1) {
		*next_usr1 += SIGNAL_MS;
		for (i = 0; i < NINST; i++) {
			in = &instances[i];
			signal_instance(in, SIGUSR1);
			in->usr1s++;
			note_sample(in);
		}
	}
}

/* The run: clients of every kind and the signals, for SOAK_SECONDS. */
static void
phase_run(void)
{
	int64_t now = now_ms(), end = now + (int64_t)settings.seconds * 1000;
	int64_t next_hup = now + SIGNAL_MS, next_usr1 = now + SIGNAL_MS / 2;
	int64_t next_burst = now + BURST_MS, next_progress = now + PROGRESS_MS;

	while ((now = now_ms()) < end && !run.aborted) {
		spawn_tick(now, &next_burst);
		signal_tick(now, &next_hup, &next_usr1);
		if (now >= next_progress) {
			next_progress += PROGRESS_MS;
			progress(now);
		}
		loop_once(TICK_MS);
	}
	/* Let the clients end; the signals go on while they do. */
	run.phase_ms[1] = now_ms();
	run.winding_down = true;
	end = now_ms() + WIND_DOWN_MS;
	while (clients_open() > 0 && (now = now_ms()) < end && !run.aborted) {
		signal_tick(now, &next_hup, &next_usr1);
		loop_once(TICK_MS);
	}
	if (clients_open() > 0 && !run.aborted) {
		clients_fail_open(WIND_DOWN_MS / 1000, "the run ended");
		clients_sweep();
	}
}

/* What report_arrived waits for: a counters line of waited after the
 * waited_reports it had. */
static struct instance *waited;
static unsigned waited_reports;

static bool
report_arrived(void)
{
	return waited->reports > waited_reports;
}

/* SIGUSR1, and wait for the counters line it makes. */
static bool
request_counters(struct instance *in)
{
	waited = in;
	waited_reports = in->reports;
	signal_instance(in, SIGUSR1);
	in->usr1s++;
	if (loop_until(report_arrived, now_ms() + WAIT_MS))
		return true;
	failure(in->name, "no counters line within %d s of SIGUSR1",
	    WAIT_MS / 1000);
	return false;
}

/* Wait until the counters say no connection is active (the clients
 * are gone and sockd has closed them), then take the end sample. */
static void
phase_settle(void)
{
	struct instance *in;
	int64_t deadline;
	int i;

	for (i = 0; i < NINST && !run.aborted; i++) {
		in = &instances[i];
		deadline = now_ms() + WAIT_MS;
		while (request_counters(in) && in->counters.active > 0 &&
		    now_ms() < deadline)
			loop_once(50);
		if (in->counters.active > 0)
			failure(in->name, "%" PRIu64 " connections still "
			    "active %d s after the last client ended",
			    in->counters.active, WAIT_MS / 1000);
		if (!proc_sample(in->pid, &in->end))
			failure(in->name, "cannot read /proc/%d", (int)in->pid);
	}
}

/* What all_reloaded waits for: each sockd's reloads after the SIGHUP. */
static unsigned reloads_wanted[NINST];

static bool
all_reloaded(void)
{
	int i;

	for (i = 0; i < NINST; i++)
		if (instances[i].reloads < reloads_wanted[i])
			return false;
	return true;
}

/* A drain-idle client still waiting for its answer. */
static bool
idle_unanswered(const struct client *c)
{
	return c->kind == K_DRAIN_IDLE && c->state == 0;
}

static bool
drain_idle_ready(void)
{
	return !clients_any(idle_unanswered);
}

/* A late client that has not yet sent all of its message. */
static bool
late_unsent(const struct client *c)
{
	return c->kind == K_DRAIN_LATE && (c->state == 0 || c->out->len > 0);
}

static bool
late_sent(void)
{
	return !clients_any(late_unsent);
}

static bool
drain_over(void)
{
	int i;

	for (i = 0; i < NINST; i++)
		if (instances[i].running || instances[i].log_fd >= 0)
			return false;
	return clients_open() == 0;
}

/* How many drain clients of each sort per instance. */
#define DRAIN_IDLE_N 4
#define DRAIN_ACTIVE_N 6
#define DRAIN_LATE_N 2

/* The drain's timeout of 60 s, so that only the drain closes idle
 * clients: false if a sockd did not reload it. */
static bool
drain_reload(void)
{
	struct instance *in;
	int i;

	for (i = 0; i < NINST; i++) {
		in = &instances[i];
		in->timeout = DRAIN_TIMEOUT_S;
		write_config(in);
		reloads_wanted[i] = in->reloads + 1;
		signal_instance(in, SIGHUP);
		in->hups++;
	}
	if (!loop_until(all_reloaded, now_ms() + WAIT_MS)) {
		failure("drain", "no reloaded line within %d s of SIGHUP",
		    WAIT_MS / 1000);
		return false;
	}
	return true;
}

/* Wait until every idle and active drain client is accepted: served by
 * a worker or queued for one.  False after a failure. */
static bool
drain_accepted(void)
{
	struct instance *in;
	int64_t deadline = now_ms() + WAIT_MS;
	int i;
	bool settled;

	do {
		settled = true;
		for (i = 0; i < NINST; i++) {
			in = &instances[i];
			if (!request_counters(in))
				return false;
			if (in->counters.active !=
			    DRAIN_IDLE_N + DRAIN_ACTIVE_N)
				settled = false;
		}
		if (!settled)
			loop_once(20);
	} while (!settled && !run.aborted && now_ms() < deadline);
	if (!settled) {
		for (i = 0; i < NINST; i++)
			failure("drain", "%s: %" PRIu64 " connections active "
			    "after %d s, not the %d drain clients",
			    instances[i].name, instances[i].counters.active,
			    WAIT_MS / 1000, DRAIN_IDLE_N + DRAIN_ACTIVE_N);
		return false;
	}
	return true;
}

/* SIGTERM to every sockd; then each must exit and close its clients. */
static void
drain_terminate(void)
{
	int i;

	run.term_sent = true;
	run.term_ms = now_ms();
	for (i = 0; i < NINST; i++) {
		signal_instance(&instances[i], SIGTERM);
		instances[i].term_ms = run.term_ms;
	}
	if (loop_until(drain_over, now_ms() + (SHUTDOWN_TIMEOUT_S + 15) *
	    1000))
		return;
	clients_fail_open(SHUTDOWN_TIMEOUT_S + 15, "SIGTERM");
	for (i = 0; i < NINST; i++)
		if (instances[i].running)
			failure(instances[i].name, "still running %d s "
			    "after SIGTERM", SHUTDOWN_TIMEOUT_S + 15);
}

/*
 * The drain: a 60 s timeout (so that only the drain closes idle
 * clients), idle and active clients, more than the workers so some are
 * queued, two each on line and raw that connect just before SIGTERM,
 * then SIGTERM to all.
 */
static void
phase_drain(void)
{
	int i, k;

	if (!drain_reload())
		return;
	for (i = 0; i < NINST; i++)
		for (k = 0; k < DRAIN_IDLE_N; k++)
			(void)client_new(K_DRAIN_IDLE, &instances[i]);
	if (!loop_until(drain_idle_ready, now_ms() + WAIT_MS)) {
		failure("drain", "idle clients unanswered after %d s",
		    WAIT_MS / 1000);
		return;
	}
	for (i = 0; i < NINST; i++)
		for (k = 0; k < DRAIN_ACTIVE_N; k++)
			(void)client_new(K_DRAIN_ACTIVE, &instances[i]);
	if (!drain_accepted())
		return;
	for (k = 0; k < DRAIN_LATE_N; k++) {
		(void)client_new(K_DRAIN_LATE, &instances[INST_LINE]);
		(void)client_new(K_DRAIN_LATE, &instances[INST_RAW]);
	}
	if (!loop_until(late_sent, now_ms() + WAIT_MS)) {
		failure("drain", "late clients could not send in %d s",
		    WAIT_MS / 1000);
		return;
	}
	drain_terminate();
}

/* The version line of the sockd under test. */
static char *
sockd_version(void)
{
	const char *argv[] = { settings.sockd, "--version", NULL };
	char *out = NULL;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL,
	    NULL, &out, NULL, NULL, NULL) || out == NULL)
		return g_strdup("(sockd --version failed)");
	return g_strstrip(out);
}

/* A positive number from the environment, or fallback. */
static long
env_number(const char *name, long fallback)
{
	const char *text = g_getenv(name);
	char *end;
	long n;

	if (text == NULL || *text == '\0')
		return fallback;
	n = strtol(text, &end, 10);
	if (*end != '\0' || n <= 0) {
		fprintf(stderr, "soak: %s: '%s' is not a positive number\n",
		    name, text);
		exit(2);
	}
	return n;
}

/* Remove the configuration files and their directory. */
static void
remove_dir(void)
{
	int i;

	for (i = 0; i < NINST; i++)
		if (instances[i].conf != NULL)
			g_unlink(instances[i].conf);
	g_rmdir(settings.dir);
}

/* The settings from the command line and the environment; false after
 * the usage message. */
static bool
read_settings(int argc, char **argv)
{
	settings.sockd = argc > 1 ? argv[1] : g_getenv("SOCKD");
	if (settings.sockd == NULL || argc > 2) {
		fprintf(stderr, "usage: soak [SOCKD] (or SOCKD=path); "
		    "SOAK_SECONDS, SOAK_SEED, SOAK_RSS_MIB\n");
		return false;
	}
	settings.seconds = (unsigned)env_number("SOAK_SECONDS", 300);
	settings.seed = (guint32)env_number("SOAK_SEED",
	    (long)(g_get_real_time() % 1000000000) + 1);
	settings.rss_bound_kib = env_number("SOAK_RSS_MIB", 4) * 1024;
	return true;
}

/* What runs against what. */
static void
print_header(void)
{
	char *version = sockd_version();

	printf("soak: %u s against %s [%s], seed %u\n", settings.seconds,
	    settings.sockd, version, settings.seed);
	printf("soak: each sockd: --workers %d --queue %d, timeout %d s, "
	    "--max-line %d; SIGHUP and SIGUSR1 every second\n", WORKERS,
	    QUEUE, TIMEOUT_S, MAX_LINE);
	fflush(stdout);
	g_free(version);
}

/* The phases, each only while none was cut short; the time each ends. */
static void
run_phases(void)
{
	run.start_ms = now_ms();
	phase_start();
	run.phase_ms[0] = run.phase_ms[1] = run.phase_ms[2] =
	    run.phase_ms[3] = now_ms();
	if (!run.aborted)
		phase_run();
	run.phase_ms[2] = now_ms();
	if (!run.aborted)
		phase_settle();
	run.phase_ms[3] = now_ms();
	if (!run.aborted)
		phase_drain();
}

/* Kill a sockd still running (a failure said so already); check the
 * others, unless the run was cut short. */
static void
finish_instances(void)
{
	int i;

	for (i = 0; i < NINST; i++) {
		if (instances[i].running) {
			kill(instances[i].pid, SIGKILL);
			waitpid(instances[i].pid, NULL, 0);
			instances[i].running = false;
			instances[i].status = -1;
		} else if (!run.aborted)
			check_instance(&instances[i], &settings);
	}
}

int
main(int argc, char **argv)
{
	GError *error = NULL;
	int64_t took;
	int i;

	if (!read_settings(argc, argv))
		return 2;
	random_source = g_rand_new_with_seed(settings.seed);
	settings.dir = g_dir_make_tmp("sockd-soak-XXXXXX", &error);
	if (settings.dir == NULL) {
		fprintf(stderr, "soak: %s\n", error->message);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	loop_init();
	print_header();
	run_phases();
	took = now_ms() - run.start_ms;
	finish_instances();
	summary(&settings, took);
	for (i = 0; i < NINST; i++)
		if (instances[i].log_copy != NULL)
			fclose(instances[i].log_copy);
	remove_dir();
	if (run.failures > 0 || run.aborted) {
		printf("soak: FAILED: %u failures (see above)%s\n",
		    run.failures, run.aborted ? "; the run was cut short" :
		    "");
		return 1;
	}
	printf("soak: passed\n");
	return 0;
}
