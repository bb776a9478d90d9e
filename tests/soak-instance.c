/*
 * soak-instance.c - the sockd processes of the soak: their configuration
 * files, starting them, signals, reaping, /proc samples, and reading their
 * logs for the port, the counters, reloads and the stop.  Knows nothing
 * of the clients but the counters they add to an instance.
 */
#include "build-config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "soak.h"

/* Lines of stderr that are not log lines, printed; the rest counted. */
#define ODD_LINES_SHOWN 200

const char *const replies[2] = {
	"alpha",
	"bravo: the second reply, longer, so that answers change size",
};

struct instance instances[NINST];

/* Odd lines printed so far, of every sockd. */
static unsigned odd_shown;

/* A number after "name" in /proc/PID/status text; -1 if absent. */
static long
status_field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p == NULL ? -1 : strtol(p + strlen(name), NULL, 10);
}

/* Threads, descriptors and memory of a process; false if it is gone. */
bool
proc_sample(pid_t pid, struct proc_sample *s)
{
	char path[64], *text = NULL;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return false;
	s->threads = status_field(text, "\nThreads:");
	s->rss_kib = status_field(text, "\nVmRSS:");
	s->hwm_kib = status_field(text, "\nVmHWM:");
	g_free(text);
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return false;
	s->fds = 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			s->fds++;
	closedir(d);
	return true;
}

/* Note a sample's threads and descriptors among the extremes. */
void
note_sample(struct instance *in)
{
	struct proc_sample s;

	if (!in->running || !proc_sample(in->pid, &s))
		return;
	if (s.threads < in->threads_min)
		in->threads_min = s.threads;
	if (s.threads > in->threads_max)
		in->threads_max = s.threads;
	if (s.fds > in->fds_max)
		in->fds_max = s.fds;
}

/* Set up a sockd's record, and open its log copy when keep names a
 * directory. */
void
instance_init(struct instance *in, enum inst_id id, const char *dir,
    const char *keep)
{
	static const char *const names[NINST] = { "line", "raw", "chaos" };
	char *path;

	if (keep != NULL && *keep != '\0') {
		path = g_strdup_printf("%s/%s.log", keep, names[id]);
		if ((in->log_copy = fopen(path, "w")) == NULL) {
			fprintf(stderr, "soak: %s: %s\n", path,
			    strerror(errno));
			exit(2);
		}
		g_free(path);
	}
	in->watch = WATCH_LOG;
	in->name = names[id];
	in->line = id != INST_RAW;
	in->exact = id != INST_CHAOS;
	in->log = g_string_new(NULL);
	in->conf = g_build_filename(dir, names[id], NULL);
	in->timeout = TIMEOUT_S;
	in->threads_min = G_MAXLONG;
}

/* Write the configuration file a reload reads: the toggle'th of two. */
void
write_config(struct instance *in)
{
	GError *error = NULL;
	char *text;

	if (in->line)
		text = g_strdup_printf("# written by the soak\ntimeout = %u\n"
		    "reply = %s\n", in->timeout, replies[in->toggle]);
	else
		text = g_strdup_printf("# written by the soak\ntimeout = %u\n"
		    "log-max = %u\nlog-level = %s\n", in->timeout,
		    in->toggle ? 300u : 16u, in->toggle ? "debug" : "info");
	/* Written beside it and renamed: sockd never reads half a file. */
	if (!g_file_set_contents(in->conf, text, -1, &error)) {
		fprintf(stderr, "soak: %s\n", error->message);
		exit(2);
	}
	g_free(text);
}

/* The command line of a sockd: args has room for 24. */
static void
sockd_args(const struct instance *in, const char *sockd, char **args)
{
	int n = 0;

	args[n++] = (char *)sockd;
	args[n++] = (char *)"--port";
	args[n++] = (char *)"0";
	args[n++] = (char *)"--workers";
	args[n++] = (char *)G_STRINGIFY(WORKERS);
	args[n++] = (char *)"--queue";
	args[n++] = (char *)G_STRINGIFY(QUEUE);
	args[n++] = (char *)"--shutdown-timeout";
	args[n++] = (char *)G_STRINGIFY(SHUTDOWN_TIMEOUT_S);
	args[n++] = (char *)"--framing";
	if (in->line) {
		args[n++] = (char *)"line";
		args[n++] = (char *)"--max-line";
		args[n++] = (char *)G_STRINGIFY(MAX_LINE);
	} else {
		args[n++] = (char *)"raw";
		args[n++] = (char *)"--echo";
	}
	/* The timeout, reply and log settings come from the file, so that
	 * a reload can change them: the command line would win over it. */
	args[n++] = (char *)"-c";
	args[n++] = in->conf;
	args[n] = NULL;
}

/* Start one sockd (the binary at sockd) with its stderr on a pipe we
 * read. */
void
start_instance(struct instance *in, const char *sockd)
{
	char *args[24];
	int pipefd[2], devnull;
	pid_t parent = getpid();

	write_config(in);
	sockd_args(in, sockd, args);
	if (pipe2(pipefd, O_CLOEXEC) < 0 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		perror("soak: pipe");
		exit(2);
	}
	/* Room for bursts of log lines while the soak is busy elsewhere. */
	(void)fcntl(pipefd[0], F_SETPIPE_SZ, 1 << 20);
	in->pid = fork();
	if (in->pid < 0) {
		perror("soak: fork");
		exit(2);
	}
	if (in->pid == 0) {
		/* sockd must not outlive a soak that died. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
		    getppid() != parent)
			_exit(127);
		if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
		    dup2(pipefd[1], 2) < 0)
			_exit(127);
		execv(args[0], args);
		_exit(127);
	}
	close(pipefd[1]);
	close(devnull);
	in->running = true;
	in->status = -1;
	in->log_fd = pipefd[0];
	if (fcntl(in->log_fd, F_SETFL, O_NONBLOCK) < 0) {
		perror("soak: fcntl");
		exit(2);
	}
	watch_add(in->log_fd, EPOLLIN, in);
}

/* Send a signal to a running sockd. */
void
signal_instance(struct instance *in, int signo)
{
	if (in->running && kill(in->pid, signo) < 0)
		failure(in->name, "kill %d: %s", signo, strerror(errno));
}

/* Collect a sockd that exited (waiting for it when wait); a failure
 * unless it was told to. */
static void
reap_how(struct instance *in, bool wait)
{
	struct rusage ru;
	int st;

	if (!in->running || wait4(in->pid, &st, wait ? 0 : WNOHANG, &ru) !=
	    in->pid)
		return;
	in->cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	in->running = false;
	in->exit_ms = now_ms();
	in->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	if (!run.term_sent) {
		failure(in->name, "sockd exited with status %d during the run",
		    in->status);
		run.aborted = true;
	}
}

/* Collect a sockd if it exited. */
void
reap(struct instance *in)
{
	reap_how(in, false);
}

/* Wait for a sockd whose log ended, which it does as it exits. */
static void
reap_wait(struct instance *in)
{
	reap_how(in, true);
}

/* Parse the counters after "prefix" in a log line. */
static bool
parse_counters(const char *text, struct counters *c)
{
	return sscanf(text, "accepted=%" SCNu64 " active=%" SCNu64
	    " rejected=%" SCNu64 " timeouts=%" SCNu64 " messages=%" SCNu64
	    " bytes=%" SCNu64 " replies=%" SCNu64 " errors=%" SCNu64
	    " log_dropped=%" SCNu64, &c->accepted, &c->active, &c->rejected,
	    &c->timeouts, &c->messages, &c->bytes, &c->replies, &c->errors,
	    &c->log_dropped) == 9;
}

/* Print output that is not a log line (a sanitizer's report, say). */
static void
odd_line(struct instance *in, const char *line, size_t len)
{
	in->odd_lines++;
	if (odd_shown++ < ODD_LINES_SHOWN)
		fprintf(stderr, "soak: sockd %s printed: %.*s\n", in->name,
		    (int)len, line);
}

/*
 * One line of a sockd's log: "2026-11-28T12:00:00.000Z LEVEL: text".
 * Errors and warnings fail the soak, but for the count of lines lost;
 * notices carry the port, the counters, reloads and the stop.
 */
static void
log_line(struct instance *in, char *line, size_t len)
{
	const char *text;
	unsigned long long n;

	line[len] = '\0';
	if (len < 26 || line[4] != '-' || line[10] != 'T' ||
	    line[23] != 'Z' || line[24] != ' ') {
		odd_line(in, line, len);
		return;
	}
	text = line + 25;
	if (g_str_has_prefix(text, "info: ") ||
	    g_str_has_prefix(text, "debug: ")) {
		in->log_lines++;
		return;
	}
	if (g_str_has_prefix(text, "warning: log: ") &&
	    sscanf(text, "warning: log: %llu lines lost", &n) == 1) {
		in->lines_lost += n;
		return;
	}
	if (!g_str_has_prefix(text, "notice: ")) {
		in->warnings++;
		failure(in->name, "sockd logged: %s", text);
		return;
	}
	text += strlen("notice: ");
	if (g_str_has_prefix(text, "listening on ") &&
	    strrchr(text, ':') != NULL)
		in->port = atoi(strrchr(text, ':') + 1);
	else if (strstr(text, " started: ") != NULL)
		in->started = true;
	else if (g_str_has_prefix(text, "counters: ")) {
		if (parse_counters(text + strlen("counters: "), &in->counters))
			in->reports++;
		else
			failure(in->name, "cannot read: %s", text);
	} else if (g_str_has_prefix(text, "stopped: ")) {
		in->stopped_seen = parse_counters(text + strlen("stopped: "),
		    &in->stopped);
		if (!in->stopped_seen)
			failure(in->name, "cannot read: %s", text);
	} else if (g_str_has_prefix(text, "reloaded "))
		in->reloads++;
}

/* Read what sockd logged and take its whole lines. */
void
log_read(struct instance *in)
{
	char buf[65536], *nl;
	size_t at;
	ssize_t n;
	int rounds;

	for (rounds = 0; rounds < 16 && in->log_fd >= 0; rounds++) {
		n = read(in->log_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			close(in->log_fd);	/* leaves the epoll set */
			in->log_fd = -1;
			if (in->log->len > 0)
				odd_line(in, in->log->str, in->log->len);
			g_string_truncate(in->log, 0);
			/* Its stderr closes as it exits: say so first. */
			if (!run.term_sent)
				reap_wait(in);
			break;
		}
		if (in->log_copy != NULL)
			fwrite(buf, 1, (size_t)n, in->log_copy);
		g_string_append_len(in->log, buf, n);
		at = 0;
		while ((nl = memchr(in->log->str + at, '\n',
		    in->log->len - at)) != NULL) {
			log_line(in, in->log->str + at,
			    (size_t)(nl - (in->log->str + at)));
			at = (size_t)(nl - in->log->str) + 1;
		}
		g_string_erase(in->log, 0, (gssize)at);
	}
}
