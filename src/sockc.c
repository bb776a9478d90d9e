/*
 * sockc - the tutorial's client, done properly.  On a terminal it prompts
 * "please input data:", sends each line and prints the answer, ending on
 * an empty line or EOF.  In a pipe it sends every line and prints one
 * answer per line.
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

struct client {
	const char *host;
	const char *port;
	bool line_framing;
	int timeout_ms;
	int fd;
	char answer[ANSWER_MAX + 1];
	size_t answer_len;	/* bytes received and not yet printed */
	size_t answer_end;	/* the current answer is answer[0..end) */
};

/* Print how to use sockc to out. */
static void
usage(FILE *out)
{
	fputs(
"Usage: sockc [-h HOST] [-p PORT] [--framing raw|line] [-t SECONDS]\n"
"Send each input line to a sockd server and print each answer.\n"
"\n"
"  -h, --host HOST          server address or name (default 127.0.0.1)\n"
"  -p, --port PORT          server port (default 8001)\n"
"      --framing raw|line   send lines bare (raw) or ended by \\n (line)\n"
"  -t, --timeout SECONDS    give up on connect or an answer after this (10)\n"
"      --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Exit status: 0 done, 64 bad usage, 69 cannot connect or connection lost,\n"
"74 input/output error, 75 server busy or no answer in time.\n", out);
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

/* Receive once into the answer buffer; returns bytes, exits on failure. */
static size_t
receive_some(struct client *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int64_t deadline = clock_now_ms() + c->timeout_ms;
	ssize_t n;
	int rc;

	if (c->answer_len == ANSWER_MAX)
		fatalx(EX_PROTOCOL, "answer longer than %d bytes", ANSWER_MAX);
	for (;;) {
		rc = net_poll_until(&pfd, 1, deadline);
		if (rc == 0)
			fatalx(EX_TEMPFAIL, "%s:%s: no answer within %d s",
			    c->host, c->port, c->timeout_ms / 1000);
		n = recv(c->fd, c->answer + c->answer_len,
		    ANSWER_MAX - c->answer_len, MSG_DONTWAIT);
		if (n > 0) {
			c->answer_len += (size_t)n;
			return (size_t)n;
		}
		if (n == 0)
			connection_lost(c, 0);
		if (errno != EINTR && errno != EAGAIN)
			connection_lost(c, errno);
	}
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

/* Read one answer: one recv (raw) or up to and including \n (line). */
static void
read_answer(struct client *c)
{
	char *nl;

	/* Drop the previous answer, keep what arrived after it. */
	memmove(c->answer, c->answer + c->answer_end,
	    c->answer_len - c->answer_end);
	c->answer_len -= c->answer_end;
	c->answer_end = 0;
	if (!c->line_framing) {
		if (c->answer_len == 0)
			receive_some(c);
		c->answer_end = c->answer_len;
	} else {
		while ((nl = memchr(c->answer, '\n', c->answer_len)) == NULL)
			receive_some(c);
		c->answer_end = (size_t)(nl + 1 - c->answer);
	}
	check_busy(c);
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

/* Send one line and print its answer. */
static void
exchange(struct client *c, char *line, size_t len)
{
	if (c->line_framing)
		line[len++] = '\n';	/* room left by getline's '\n' or NUL */
	if (net_send_all(c->fd, line, len, c->timeout_ms, -1, NULL) < 0) {
		int errnum = errno;

		/* Rejected before we spoke: the busy line may be waiting. */
		c->answer_len = c->answer_end = 0;
		if (recv(c->fd, c->answer, ANSWER_MAX, MSG_DONTWAIT) ==
		    (ssize_t)sizeof BUSY_TEXT - 1)
			c->answer_len = sizeof BUSY_TEXT - 1;
		connection_lost(c, errnum);
	}
	read_answer(c);
	print_answer(c);
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
		{ "help", no_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long value;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h:p:t:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			c->host = optarg;
			break;
		case 'p':
			if (number_parse(optarg, 1, 65535, &value) < 0)
				fatalx(EX_USAGE, "--port: '%s' is not a number "
				    "in 1-65535", optarg);
			c->port = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "raw") != 0 &&
			    strcmp(optarg, "line") != 0)
				fatalx(EX_USAGE, "--framing: '%s' is not raw "
				    "or line", optarg);
			c->line_framing = strcmp(optarg, "line") == 0;
			break;
		case 't':
			if (number_parse(optarg, 1, 86400, &value) < 0)
				fatalx(EX_USAGE, "--timeout: '%s' is not a "
				    "number in 1-86400", optarg);
			c->timeout_ms = (int)value * 1000;
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
	if (optind < argc)
		fatalx(EX_USAGE, "unexpected argument '%s' (try --help)",
		    argv[optind]);
}

/* Connect, then send each input line and print its answer. */
int
main(int argc, char **argv)
{
	static struct client c = {
		.host = "127.0.0.1", .port = "8001", .timeout_ms = 10000,
	};
	bool interactive = isatty(STDIN_FILENO);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	log_set_program("sockc");
	parse_args(&c, argc, argv);
	client_connect(&c);
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
		if (len == 0 && !c.line_framing)
			continue;
		exchange(&c, line, (size_t)len);
	}
	free(line);
	close(c.fd);
	return 0;
}
