/*
 * test-reload.c - SIGHUP against the real sockd: the settings that may
 * change live are applied to the connections that come next, or to the
 * next message of a connection already open; a broken file is kept out.
 */
#include "build-config.h"

#include <glib.h>
#include <signal.h>
#include <unistd.h>

#include "harness.h"

/* Write text over the configuration file and send SIGHUP. */
static void
reload_with(struct server *srv, const char *conf, const char *text)
{
	GError *error = NULL;

	g_file_set_contents(conf, text, -1, &error);
	g_assert_no_error(error);
	server_signal(srv, SIGHUP);
}

/* A new reply applies to the next message; a broken file is kept out. */
static void
test_sighup_changes_reply_live(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf", "reply = one\n");
	struct server *srv = server_start("-c", conf, NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "a", "one");
	reload_with(srv, conf, "reply = two\nworkers = 5\n");
	g_assert_true(server_wait_log(srv, "reloaded ", WAIT_MS));
	g_assert_true(server_wait_log(srv, "workers changed (256 to 5)",
	    WAIT_MS));
	/* The same connection gets the new reply for its next message. */
	tcp_exchange(fd, "b", "two");

	/* A broken file keeps the running settings. */
	reload_with(srv, conf, "reply = three\nworkers = none\n");
	g_assert_true(server_wait_log(srv, "keeping the running settings",
	    WAIT_MS));
	g_assert_true(server_wait_log(srv, "sockd.conf:2: workers:",
	    WAIT_MS));
	tcp_exchange(fd, "c", "two");
	close(fd);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

/* A reloaded timeout applies to the connections that come next. */
static void
test_sighup_changes_timeout(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf", "timeout = 60\n");
	struct server *srv = server_start("-c", conf, NULL);
	gint64 start;
	int fd;

	reload_with(srv, conf, "timeout = 1\n");
	g_assert_true(server_wait_log(srv, "reloaded ", WAIT_MS));
	fd = server_connect(srv);
	start = now_ms();
	tcp_exchange(fd, "a", "ok");
	g_assert_true(tcp_wait_closed(fd, WAIT_MS));
	g_assert_cmpint(now_ms() - start, >=, 900);
	g_assert_true(server_wait_log(srv, "closed (time out)", WAIT_MS));
	close(fd);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

/* A reloaded --max-per-ip applies to the next connection. */
static void
test_sighup_changes_max_per_ip(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf", "max-per-ip = 1\n");
	struct server *srv = server_start("-c", conf, NULL);
	int held, refused, admitted;
	char *got;

	held = server_connect(srv);
	tcp_exchange(held, "a", "ok");
	refused = server_connect(srv);
	got = tcp_recv(refused, 100, WAIT_MS, NULL);
	g_assert_cmpstr(got, ==, "busy\n");
	g_free(got);
	close(refused);
	reload_with(srv, conf, "max-per-ip = 2\n");
	g_assert_true(server_wait_log(srv, "reloaded ", WAIT_MS));
	admitted = server_connect(srv);
	tcp_exchange(admitted, "b", "ok");
	close(admitted);
	close(held);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/service/sighup/changes-reply-live",
	    test_sighup_changes_reply_live);
	g_test_add_func("/service/sighup/changes-timeout",
	    test_sighup_changes_timeout);
	g_test_add_func("/service/sighup/changes-max-per-ip",
	    test_sighup_changes_max_per_ip);
	return g_test_run();
}
