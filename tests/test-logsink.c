/*
 * test-logsink.c - the log writer in-process: stopping it at exit waits
 * a bounded time for a sink that takes nothing, however the writer
 * stands when asked (test-log.c covers the log through the real binary).
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <unistd.h>

#include "log.h"
#include "logsink.h"

#define STOP_WAIT_MS 300
#define ROUNDS 10

/* Fill the pipe behind fd until it takes nothing more; leave it blocking
 * again, as a stderr pipe is. */
static void
fill_pipe(int fd)
{
	char chunk[4096] = { 0 };
	int flags = fcntl(fd, F_GETFL);

	g_assert_cmpint(fcntl(fd, F_SETFL, flags | O_NONBLOCK), ==, 0);
	while (write(fd, chunk, sizeof chunk) > 0)
		;
	g_assert_cmpint(errno, ==, EAGAIN);
	g_assert_cmpint(fcntl(fd, F_SETFL, flags), ==, 0);
}

/* In a child: a full pipe nobody reads, one line, then the exit's stop. */
static void
stop_on_full_pipe(void)
{
	int fds[2];
	gint64 start;

	/* A hang fails the child instead of the whole run. */
	alarm(10);
	g_assert_cmpint(pipe(fds), ==, 0);
	fill_pipe(fds[1]);
	logsink_use_fd(fds[1], false);
	g_assert_cmpint(log_start_writer(), ==, 0);
	log_notice("stopped: a line the full pipe cannot take");
	start = g_get_monotonic_time();
	log_stop_writer(STOP_WAIT_MS);
	g_assert_cmpint(g_get_monotonic_time() - start, <,
	    5 * STOP_WAIT_MS * 1000);
}

/*
 * The exit's stop returns within its bound whether the writer is blocked
 * in write(2) or still asleep when asked.  It once took the sink's lock
 * while the writer slept and wrote the rest itself, blocking for good on
 * the full pipe.  Which of the two happens is up to the scheduler, hence
 * the rounds.
 */
static void
test_stop_bounded_on_full_pipe(void)
{
	int i;

	if (g_test_subprocess()) {
		stop_on_full_pipe();
		return;
	}
	for (i = 0; i < ROUNDS; i++) {
		g_test_trap_subprocess(NULL, 0,
		    G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/logsink/stop-bounded-on-full-pipe",
	    test_stop_bounded_on_full_pipe);
	return g_test_run();
}
