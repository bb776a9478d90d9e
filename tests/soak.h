/*
 * soak.h - what the parts of the soak (make soak) share: the sockd under
 * test, the clients, the kinds of client, and the two pieces of state
 * every part reads: the run (where it is, what failed) and the three sockd.
 *
 *   soak.c           main and the phases: start, run, settle, drain
 *   soak-instance.c  the sockd processes: configuration, signals, /proc,
 *                    their logs and the counters in them
 *   soak-client.c    a client's connection and the epoll loop that drives
 *                    the clients and reads the logs
 *   soak-messages.c  what clients send and how they check the answers
 *   soak-kinds.c     the kinds of client and the table that names them
 *   soak-report.c    failures, the progress line, the end's checks and
 *                    the summary
 */
#ifndef SOCKD_TEST_SOAK_H
#define SOCKD_TEST_SOAK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Each sockd: small enough that the queue fills and busy is answered. */
#define WORKERS 8
#define QUEUE 4
#define MAX_LINE 512
#define TIMEOUT_S 2
#define SHUTDOWN_TIMEOUT_S 10

#define BUSY_TEXT "busy\n"

/* The two replies the line and chaos instances switch between. */
extern const char *const replies[2];

enum inst_id { INST_LINE, INST_RAW, INST_CHAOS, NINST };

enum kind {
	K_PIPELINE, K_SLOW_READER, K_TRICKLE, K_IDLE, K_OVERSIZED, K_RESET,
	K_CHURN,
	K_RAW_ECHO, K_RAW_IDLE, K_RAW_RESET, K_RAW_CHURN,
	K_CHAOS_PIPELINE, K_CHAOS_RESET, K_CHAOS_VANISH, K_CHAOS_FLOOD,
	K_CHAOS_CHURN,
	K_DRAIN_IDLE, K_DRAIN_ACTIVE, K_DRAIN_LATE,
	NKINDS
};

/* What an epoll event's pointer names: the first member of both. */
enum watch_type { WATCH_CLIENT, WATCH_LOG };

/* The counters of a "counters:" or "stopped:" line. */
struct counters {
	uint64_t accepted, active, rejected, timeouts, messages, bytes,
	    replies, errors, log_dropped;
};

struct proc_sample {
	long threads, fds, rss_kib, hwm_kib;
};

struct instance {
	enum watch_type watch;
	const char *name;
	bool line;		/* line framing; else raw with --echo */
	bool exact;		/* every answer is accounted for */
	pid_t pid;
	bool running;
	int status;		/* exit status once reaped */
	int port;
	bool started;
	int log_fd;		/* -1 at its end */
	GString *log;		/* the partial line read so far */
	FILE *log_copy;		/* SOAK_LOGS: all of it */
	char *conf;
	unsigned toggle;	/* which configuration the file holds */
	unsigned timeout;
	unsigned hups, usr1s;	/* sent */
	unsigned reloads, reports;	/* logged */
	struct counters counters;	/* from the last counters: line */
	bool stopped_seen;
	struct counters stopped;
	struct proc_sample start, end;
	long threads_min, threads_max, fds_max;
	int64_t term_ms, exit_ms;
	double cpu_s;		/* user and system time, once reaped */
	/* What the clients did and saw. */
	uint64_t kinds[NKINDS];
	uint64_t connected, sent, answers, by_reply[2], busy, timeouts,
	    resets, too_long;
	uint64_t lines_lost;	/* log lines sockd said it lost */
	uint64_t log_lines;
	unsigned odd_lines;	/* output that is not a log line */
	unsigned warnings;	/* unexpected warning or error lines */
};

struct client {
	enum watch_type watch;
	struct client *next;
	struct instance *inst;
	enum kind kind;
	unsigned id;
	int fd;
	bool connecting, done, reads;
	uint32_t events;	/* the epoll interest set */
	int64_t wake_ms;	/* the kind's timer; -1: none */
	int64_t release_ms;	/* the rest of a split send; -1: none */
	int64_t progress_ms;	/* the last byte either way */
	int64_t mark_ms;	/* when a silence or a trickle began */
	GString *out;		/* to send: [out_off, out_allowed) now */
	size_t out_off, out_allowed;
	bool shut_after_flush, wr_shut;
	GString *in;		/* received, not yet taken */
	GByteArray *owed;	/* line: per unanswered message, 1 if it
				 * ended in \r\n; from owed_head */
	size_t owed_head;
	GString *expect;	/* raw: the echo owed */
	uint64_t sent, answered, bytes_out;
	unsigned steps, target, trickled;
	int state;
	bool got_line, busy, eof, reset, too_long_owed, too_long_seen;
	int read_errno;
};

struct kind_spec {
	const char *name;
	enum inst_id inst;		/* where the run starts it */
	unsigned concurrent;		/* kept this many running */
	double per_second;		/* or started this often */
	int rcvbuf;			/* SO_RCVBUF before connect; 0: none */
	bool reads;			/* reads when readable, not on a
					 * timer */
	void (*start)(struct client *);
	void (*input)(struct client *);	/* bytes, the end or a reset came */
	void (*timer)(struct client *);
};

/* From the command line and the environment; main fills them in, then
 * they do not change. */
struct soak_settings {
	const char *sockd;
	unsigned seconds;
	guint32 seed;
	long rss_bound_kib;
	char *dir;		/* the configuration files */
};

/*
 * Where the run is.  The phases (soak.c) move it on, failure() counts,
 * and a sockd that dies (soak-instance.c) or does not start (soak.c)
 * aborts it; the clients and the report only read it.
 */
struct run_state {
	bool winding_down;	/* the run is over: clients end */
	bool term_sent;		/* SIGTERM went to every sockd */
	bool aborted;		/* what follows is the consequence */
	unsigned failures;
	int64_t start_ms, term_ms;
	int64_t phase_ms[4];	/* start, run, wind-down and settle ends */
};
extern struct run_state run;

/* The three sockd, by enum inst_id: soak-instance.c runs them and reads
 * their logs, the clients add what they did and saw. */
extern struct instance instances[NINST];

/* soak.c: the clock and the run's random numbers. */
int64_t now_ms(void);
unsigned rnd(unsigned lo, unsigned hi);
bool chance(double p);

/* soak-instance.c */
void instance_init(struct instance *in, enum inst_id id, const char *dir,
    const char *keep);
void write_config(struct instance *in);
void start_instance(struct instance *in, const char *sockd);
void signal_instance(struct instance *in, int signo);
void reap(struct instance *in);
bool proc_sample(pid_t pid, struct proc_sample *s);
void note_sample(struct instance *in);
void log_read(struct instance *in);

/* soak-client.c */
void loop_init(void);
void watch_add(int fd, uint32_t events, void *watched);
struct client *client_new(enum kind kind, struct instance *in);
void client_done(struct client *c, bool rst);
void fail(struct client *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void client_input(struct client *c);
void send_queued(struct client *c, bool split);
unsigned clients_open(void);
unsigned clients_live(enum kind kind);
bool clients_any(bool (*match)(const struct client *));
void clients_fail_open(int seconds, const char *after);
void clients_sweep(void);
void loop_once(int max_ms);
bool loop_until(bool (*done)(void), int64_t deadline);

/* soak-messages.c */
void put_body(GString *out, size_t len);
size_t line_length(void);
size_t owed_count(const struct client *c);
void queue_line(struct client *c, size_t len, bool owe);
void queue_lines(struct client *c, unsigned n);
void queue_last_line(struct client *c);
bool take_line_answers(struct client *c);
void raw_send(struct client *c, size_t len);
size_t raw_length(void);
bool take_echo(struct client *c);
bool ended_early(struct client *c);
void cut_off(struct client *c, int64_t since);

/* soak-kinds.c */
const struct kind_spec *spec_of(enum kind kind);

/* soak-report.c */
const char *show(const char *p, size_t len);
void failure(const char *who, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void progress(int64_t now);
void check_instance(struct instance *in, const struct soak_settings *s);
void summary(const struct soak_settings *s, int64_t took);

#endif
