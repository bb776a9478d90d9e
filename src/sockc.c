/*
 * sockc - the tutorial's client, done properly.  On a terminal it prompts
 * "please input data:", sends each line and prints the answer, ending on
 * an empty line or EOF.  In a pipe it sends every line and prints one
 * answer per line.  With --report it counts what went wrong (a server
 * with --inject faults, say) instead of giving up, connects again, and
 * says at the end what it saw.
 */
#include "build-config.h"

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "net.h"
#include "number.h"

#define PROMPT "please input data:"
#define BUSY_TEXT "busy\n"
#define ANSWER_MAX 65536

/* How one exchange ended. */
enum outcome {
	GOT_ANSWER,
	GOT_TIMEOUT,	/* no whole answer within the timeout */
	GOT_CLOSED,	/* the server closed before answering */
	GOT_RESET,	/* the connection was reset */
};

/* What --report counts: sent = answers + timeouts + resets + closed. */
struct report {
	unsigned long sent, answers, wrong, short_reads, timeouts, resets,
	    closed, reconnects;
};

struct client {
	const char *host;
	const char *port;
	bool line_framing;
	int timeout_ms;
	bool report;		/* count failures and go on */
	const char *expect;	/* the right answer; NULL: any */
	size_t expect_len;
	struct report counts;
	int fd;		/* -1 after a failure with --report */
	char answer[ANSWER_MAX + 1];
	size_t answer_len;	/* bytes received and not yet printed */
	size_t answer_end;	/* the current answer is answer[0..end) */
};

/* The one client; static for print_report, which runs at exit. */
static struct client the_client = {
	.host = "127.0.0.1", .port = "8001", .timeout_ms = 10000, .fd = -1,
};

/* Print how to use sockc to out. */
static void
usage(FILE *out)
{
	fputs(
"Usage: sockc [-h HOST] [-p PORT] [--framing raw|line] [-t SECONDS]\n"
"             [--expect TEXT] [--report]\n"
"Send each input line to a sockd server and print each answer.\n"
"\n"
"  -h, --host HOST          server address or name (default 127.0.0.1)\n"
"  -p, --port PORT          server port (default 8001)\n"
"      --framing raw|line   send lines bare (raw) or ended by \\n (line)\n"
"  -t, --timeout SECONDS    give up on connect or an answer after this (10)\n"
"      --expect TEXT        the right answer to every line; another is wrong\n"
"      --report             count time-outs, resets, closes, short reads and\n"
"                           wrong answers instead of failing, connect again,\n"
"                           and print the counts on stderr at the end\n"
"      --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Exit status: 0 done, 64 bad usage, 65 wrong answer (without --report),\n"
"69 cannot connect or connection lost, 74 input/output error, 75 server\n"
"busy or no answer in time.\n", out);
}

/* Connect to one address within the deadline; -1 with errno set. */
static int
connect_one(const struct addrinfo *ai, int64_t deadline)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0, rc;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	rc = net_poll_until(&pfd, 1, deadline);
	if (rc == 0)
		errno = ETIMEDOUT;
	if (rc <= 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		goto fail;
	if (err != 0) {
		errno = err;
		goto fail;
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* Connect to the server, trying each address it resolves to. */
static void
client_connect(struct client *c)
{
	struct addrinfo hints, *list, *ai;
	int64_t deadline = clock_now_ms() + c->timeout_ms;
	int rc, saved = ECONNREFUSED;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(c->host, c->port, &hints, &list);
	if (rc != 0)
		fatalx(EX_NOHOST, "resolve %s: %s", c->host, rc == EAI_SYSTEM ?
		    strerror(errno) : gai_strerror(rc));
	c->fd = -1;
	for (ai = list; ai != NULL && c->fd < 0; ai = ai->ai_next) {
		c->fd = connect_one(ai, deadline);
		if (c->fd < 0)
			saved = errno;
	}
	freeaddrinfo(list);
	if (c->fd >= 0)
		return;
	if (saved == ETIMEDOUT)
		fatalx(EX_TEMPFAIL, "connect %s:%s: no answer within %d s",
		    c->host, c->port, c->timeout_ms / 1000);
	fatalx(EX_UNAVAILABLE, "connect %s:%s: %s", c->host, c->port,
	    strerror(saved));
}

/* The connection ended while we wanted an answer: say why and exit. */
static noreturn void
connection_lost(struct client *c, int errnum)
{
	if (c->answer_len == sizeof BUSY_TEXT - 1 &&
	    memcmp(c->answer, BUSY_TEXT, c->answer_len) == 0)
		fatalx(EX_TEMPFAIL, "%s:%s is busy: try again later", c->host,
		    c->port);
	if (errnum != 0)
		fatalx(EX_UNAVAILABLE, "%s:%s: %s", c->host, c->port,
		    strerror(errnum));
	fatalx(EX_UNAVAILABLE, "%s:%s closed the connection", c->host, c->port);
}

/* Raw with --expect: some bytes of an answer came, not all. */
static bool
raw_answer_begun(const struct client *c)
{
	return !c->line_framing && c->expect != NULL && c->answer_len > 0;
}

/*
 * Receive once into the answer buffer: the bytes, or 0 with *outcome
 * saying why none came (time-out, close, reset) when --report counts
 * it; without --report, and on other failures, exit.
 */
static size_t
receive_some(struct client *c, enum outcome *outcome)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int64_t deadline = clock_now_ms() + c->timeout_ms;
	ssize_t n;
	int rc;

	if (c->answer_len == ANSWER_MAX)
		fatalx(EX_PROTOCOL, "answer longer than %d bytes", ANSWER_MAX);
	for (;;) {
		rc = net_poll_until(&pfd, 1, deadline);
		if (rc == 0 && (c->report || raw_answer_begun(c))) {
			*outcome = GOT_TIMEOUT;
			return 0;
		}
		if (rc == 0)
			fatalx(EX_TEMPFAIL, "%s:%s: no answer within %d s",
			    c->host, c->port, c->timeout_ms / 1000);
		n = recv(c->fd, c->answer + c->answer_len,
		    ANSWER_MAX - c->answer_len, MSG_DONTWAIT);
		if (n > 0) {
			c->answer_len += (size_t)n;
			return (size_t)n;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* "busy" and a close is a refusal, --report or not. */
		if (!c->report || (n == 0 && c->answer_len ==
		    sizeof BUSY_TEXT - 1 && memcmp(c->answer, BUSY_TEXT,
		    c->answer_len) == 0))
			connection_lost(c, n == 0 ? 0 : errno);
		if (n < 0 && errno != ECONNRESET && errno != EPIPE)
			connection_lost(c, errno);
		*outcome = n == 0 ? GOT_CLOSED : GOT_RESET;
		return 0;
	}
}

/* True when the answer buffer holds a whole answer. */
static bool
answer_complete(const struct client *c)
{
	if (c->line_framing)
		return memchr(c->answer, '\n', c->answer_len) != NULL;
	/* Raw: one recv is an answer, unless --expect says how long. */
	return c->answer_len >= (c->expect != NULL ? c->expect_len : 1);
}


/* A "busy\n" answer followed by the server closing means rejected. */
static void
check_busy(struct client *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	char byte;

	if (c->answer_end != sizeof BUSY_TEXT - 1 ||
	    memcmp(c->answer, BUSY_TEXT, c->answer_len) != 0)
		return;
	/* The server closes right after saying busy; a reply of "busy\n"
	 * on a live connection is just a reply. */
	if (poll(&pfd, 1, 200) == 1 &&
	    recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0)
		connection_lost(c, 0);
}

/*
 * Read one answer: one recv (raw), as many bytes as --expect has (raw
 * with --expect; fewer if no more come in time), or up to and including
 * \n (line).  An answer that came in more than one piece counts as a
 * short read.
 */
static enum outcome
read_answer(struct client *c)
{
	enum outcome outcome = GOT_ANSWER;
	bool short_read = false;

	/* Drop the previous answer, keep what arrived after it. */
	memmove(c->answer, c->answer + c->answer_end,
	    c->answer_len - c->answer_end);
	c->answer_len -= c->answer_end;
	c->answer_end = 0;
	while (!answer_complete(c)) {
		/* Part of it is here and not the rest: it came in pieces. */
		if (c->answer_len > 0)
			short_read = true;
		if (receive_some(c, &outcome) == 0) {
			/* Raw bytes that stopped coming short of --expect
			 * were the answer: a wrong one. */
			if (outcome != GOT_TIMEOUT || !raw_answer_begun(c))
				return outcome;
			break;
		}
	}
	c->counts.short_reads += short_read;
	if (c->line_framing)
		c->answer_end = (size_t)((char *)memchr(c->answer, '\n',
		    c->answer_len) + 1 - c->answer);
	else
		c->answer_end = c->expect != NULL && c->answer_len >
		    c->expect_len ? c->expect_len : c->answer_len;
	check_busy(c);
	return GOT_ANSWER;
}

/* Print the answer without its line ending. */
static void
print_answer(const struct client *c)
{
	size_t len = c->answer_end;

	if (c->line_framing && len > 0 && c->answer[len - 1] == '\n')
		len--;
	if (c->line_framing && len > 0 && c->answer[len - 1] == '\r')
		len--;
	if (fwrite(c->answer, 1, len, stdout) != len || putchar('\n') == EOF ||
	    fflush(stdout) == EOF)
		fatal(EX_IOERR, "write to standard output");
}

/* True when the answer is the one --expect gave (or none was given). */
static bool
answer_expected(const struct client *c)
{
	size_t len = c->answer_end;

	if (c->expect == NULL)
		return true;
	if (c->line_framing && len > 0 && c->answer[len - 1] == '\n')
		len--;
	if (c->line_framing && len > 0 && c->answer[len - 1] == '\r')
		len--;
	return len == c->expect_len && memcmp(c->answer, c->expect, len) == 0;
}

/*
 * --report: count what ended an exchange without an answer and drop the
 * connection, whose state is unknown now (a late answer may still
 * come); the next line connects again.
 */
static void
count_lost(struct client *c, enum outcome outcome)
{
	if (outcome == GOT_TIMEOUT)
		c->counts.timeouts++;
	else if (outcome == GOT_RESET)
		c->counts.resets++;
	else
		c->counts.closed++;
	close(c->fd);
	c->fd = -1;
	c->answer_len = c->answer_end = 0;
}

/* Print what --report counted, on standard error; at exit. */
static void
print_report(void)
{
	const struct report *r = &the_client.counts;

	fprintf(stderr, "sockc: report: sent=%lu answers=%lu wrong=%lu "
	    "short=%lu timeouts=%lu resets=%lu closed=%lu reconnects=%lu\n",
	    r->sent, r->answers, r->wrong, r->short_reads, r->timeouts,
	    r->resets, r->closed, r->reconnects);
}

/* Send one line and print its answer. */
static void
exchange(struct client *c, char *line, size_t len)
{
	enum outcome outcome;

	if (c->line_framing)
		line[len++] = '\n';	/* room left by getline's '\n' or NUL */
	if (c->fd < 0) {
		client_connect(c);
		c->counts.reconnects++;
	}
	c->counts.sent++;
	if (net_send_all(c->fd, line, len, c->timeout_ms, -1, NULL) < 0) {
		int errnum = errno;

		if (c->report && (errnum == EPIPE || errnum == ECONNRESET)) {
			count_lost(c, GOT_RESET);
			return;
		}
		/* Rejected before we spoke: the busy line may be waiting. */
		c->answer_len = c->answer_end = 0;
		if (recv(c->fd, c->answer, ANSWER_MAX, MSG_DONTWAIT) ==
		    (ssize_t)sizeof BUSY_TEXT - 1)
			c->answer_len = sizeof BUSY_TEXT - 1;
		connection_lost(c, errnum);
	}
	if ((outcome = read_answer(c)) != GOT_ANSWER) {
		count_lost(c, outcome);
		return;
	}
	c->counts.answers++;
	if (!answer_expected(c)) {
		if (!c->report)
			fatalx(EX_DATAERR, "%s:%s: wrong answer (expected "
			    "'%s')", c->host, c->port, c->expect);
		c->counts.wrong++;
	}
	print_answer(c);
}

/* Take option ch (getopt_long's answer) and its optarg into c. */
static void
take_option(struct client *c, int ch, char **argv)
{
	unsigned long long value;

	switch (ch) {
	case 'h':
		c->host = optarg;
		break;
	case 'p':
		if (number_parse(optarg, 1, 65535, &value) < 0)
			fatalx(EX_USAGE, "--port: '%s' is not a number in "
			    "1-65535", optarg);
		c->port = optarg;
		break;
	case 'f':
		if (strcmp(optarg, "raw") != 0 && strcmp(optarg, "line") != 0)
			fatalx(EX_USAGE, "--framing: '%s' is not raw or line",
			    optarg);
		c->line_framing = strcmp(optarg, "line") == 0;
		break;
	case 't':
		if (number_parse(optarg, 1, 86400, &value) < 0)
			fatalx(EX_USAGE, "--timeout: '%s' is not a number in "
			    "1-86400", optarg);
		c->timeout_ms = (int)value * 1000;
		break;
	case 'e':
		c->expect = optarg;
		c->expect_len = strlen(optarg);
		if (c->expect_len == 0 || c->expect_len > ANSWER_MAX)
			fatalx(EX_USAGE, "--expect: an answer of 1 to %d bytes",
			    ANSWER_MAX);
		break;
	case 'r':
		c->report = true;
		break;
	case 'H':
		usage(stdout);
		exit(0);
	case 'V':
		printf("sockc %s\n", PACKAGE_VERSION);
		exit(0);
	case ':':
		fatalx(EX_USAGE, "%s: needs a value", argv[optind - 1]);
	default:
		fatalx(EX_USAGE, "unknown option '%s' (try --help)",
		    argv[optind - 1]);
	}
}

/* Parse the command line into c. */
static void
parse_args(struct client *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "framing", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "expect", required_argument, NULL, 'e' },
		{ "report", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h:p:t:V", longopts,
	    NULL)) != -1)
		take_option(c, ch, argv);
	if (optind < argc)
		fatalx(EX_USAGE, "unexpected argument '%s' (try --help)",
		    argv[optind]);
}

/* Connect, then send each input line and print its answer. */
int
main(int argc, char **argv)
{
	struct client *c = &the_client;
	bool interactive = isatty(STDIN_FILENO);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	log_set_program("sockc");
	parse_args(c, argc, argv);
	/* Also when a failure ends the run: what was seen until then. */
	if (c->report && atexit(print_report) != 0)
		fatalx(EX_OSERR, "atexit");
	client_connect(c);
	for (;;) {
		if (interactive && (fputs(PROMPT, stdout) == EOF ||
		    fflush(stdout) == EOF))
			fatal(EX_IOERR, "write to standard output");
		errno = 0;
		len = getline(&line, &cap, stdin);
		if (len < 0 && errno != 0)
			fatal(EX_IOERR, "read standard input");
		if (len < 0)
			break;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		/* The tutorial's rule: an empty line ends a session. */
		if (len == 0 && interactive)
			break;
		/* Raw framing cannot send nothing; skip empty lines. */
		if (len == 0 && !c->line_framing)
			continue;
		exchange(c, line, (size_t)len);
	}
	free(line);
	if (c->fd >= 0)
		close(c->fd);
	return 0;
}
