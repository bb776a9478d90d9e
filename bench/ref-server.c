/*
 * ref-server: the least a thread-per-connection line server can be, as a
 * yardstick for sockd in bench/compare.
 *
 * One accept thread hands each connection over a mutex + condvar queue to
 * one of N worker threads; the worker serves it with blocking recv() until
 * the client closes, answering "ok\n" for every '\n' it reads, all the
 * answers to one read in one send().  Nothing else: no logging, timeouts,
 * counters, drain or busy answer, so what sockd costs beyond this is its
 * own.  The main thread only waits for SIGTERM or SIGINT and exits 0.
 *
 * Usage: ref-server PORT [WORKERS]   (listens on 127.0.0.1 only)
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_SIZE	1024	/* as sockd's --queue */
#define READ_SIZE	16384	/* as sockd's framer */

static int		queue_fds[QUEUE_SIZE];
static unsigned		queue_head, queue_count;
static pthread_mutex_t	queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	queue_not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t	queue_not_full = PTHREAD_COND_INITIALIZER;

/* Print "ref-server: WHAT: error string" and exit 1. */
static void
die(const char *what, int errnum)
{
	fprintf(stderr, "ref-server: %s: %s\n", what, strerror(errnum));
	exit(1);
}

/* Add a connection to the queue, waiting while the queue is full. */
static void
queue_push(int fd)
{
	pthread_mutex_lock(&queue_lock);
	while (queue_count == QUEUE_SIZE)
		pthread_cond_wait(&queue_not_full, &queue_lock);
	queue_fds[(queue_head + queue_count++) % QUEUE_SIZE] = fd;
	pthread_cond_signal(&queue_not_empty);
	pthread_mutex_unlock(&queue_lock);
}

/* Take the oldest connection from the queue, waiting for one. */
static int
queue_pop(void)
{
	int fd;

	pthread_mutex_lock(&queue_lock);
	while (queue_count == 0)
		pthread_cond_wait(&queue_not_empty, &queue_lock);
	fd = queue_fds[queue_head];
	queue_head = (queue_head + 1) % QUEUE_SIZE;
	queue_count--;
	pthread_cond_signal(&queue_not_full);
	pthread_mutex_unlock(&queue_lock);
	return fd;
}

/*
 * Answer every line of one connection until the client closes it.
 *
 * No signal handler ever runs here (SIGTERM and SIGINT are blocked, the
 * others keep their default), so recv() and send() never fail with EINTR,
 * and a blocking send() returns short only when the connection failed.
 */
static void
serve(int fd)
{
	char in[READ_SIZE], out[3 * READ_SIZE];
	const char *p, *end;
	size_t len;
	ssize_t n;
	int on = 1;

	/* NODELAY: an answer is complete when sent, as sockd does; a
	 * failure would only cost latency, as it does in sockd. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	while ((n = recv(fd, in, sizeof in, 0)) > 0) {
		len = 0;
		end = in + n;
		for (p = in; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
		    p++) {
			memcpy(out + len, "ok\n", 3);
			len += 3;
		}
		/* MSG_NOSIGNAL: a client that went away is no SIGPIPE. */
		if (len > 0 && send(fd, out, len, MSG_NOSIGNAL) != (ssize_t)len)
			break;
	}
	close(fd);
}

/* A worker: serve one queued connection after another. */
static void *
worker_main(void *unused)
{
	for (;;)
		serve(queue_pop());
	return NULL;
}

/* The accept thread: queue every connection the kernel completes. */
static void *
accept_main(void *arg)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	int listen_fd = *(int *)arg, fd;

	for (;;) {
		fd = accept(listen_fd, NULL, NULL);
		if (fd >= 0)
			queue_push(fd);
		else if (errno == EMFILE || errno == ENFILE)
			nanosleep(&pause, NULL);	/* no busy loop */
	}
	return NULL;
}

/* Listen on 127.0.0.1:port; the descriptor, or exit 1. */
static int
listen_loopback(int port)
{
	struct sockaddr_in sin;
	int fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket", errno);
	/* SO_REUSEADDR: restart while old connections sit in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
		die("setsockopt SO_REUSEADDR", errno);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		die("bind 127.0.0.1", errno);
	if (listen(fd, 128) < 0)	/* as sockd's --backlog */
		die("listen", errno);
	return fd;
}

int
main(int argc, char **argv)
{
	pthread_t thread;
	sigset_t stop;
	long port, workers = 256, i;
	int listen_fd, rc, sig;
	char *end;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: ref-server PORT [WORKERS]\n");
		return 64;
	}
	port = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "ref-server: bad port: %s\n", argv[1]);
		return 64;
	}
	if (argc == 3) {
		workers = strtol(argv[2], &end, 10);
		if (*argv[2] == '\0' || *end != '\0' || workers < 1 ||
		    workers > 65536) {
			fprintf(stderr, "ref-server: bad worker count: %s\n",
			    argv[2]);
			return 64;
		}
	}
	listen_fd = listen_loopback((int)port);

	/* Blocked before any thread starts, so only sigwait() sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if ((rc = pthread_sigmask(SIG_BLOCK, &stop, NULL)) != 0)
		die("pthread_sigmask", rc);
	for (i = 0; i < workers; i++)
		if ((rc = pthread_create(&thread, NULL, worker_main, NULL)) != 0)
			die("pthread_create", rc);
	if ((rc = pthread_create(&thread, NULL, accept_main, &listen_fd)) != 0)
		die("pthread_create", rc);

	/* No drain: open connections are closed by the exit. */
	if ((rc = sigwait(&stop, &sig)) != 0)
		die("sigwait", rc);
	return 0;
}
