/*
 * test-reload.c - SIGHUP against the real sockd: the settings that may
 * change live are applied to the connections that come next, or to the
 * next message of a connection already open; a broken file is kept out.
 */
#include "build-config.h"

#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* sockd's resident memory in KiB, from /proc. */
static long
rss_kib(pid_t pid)
{
	char *path = g_strdup_printf("/proc/%d/status", (int)pid), *text;
	const char *line;
	long kib = -1;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	line = strstr(text, "\nVmRSS:");
	if (line != NULL)
		kib = strtol(line + 7, NULL, 10);
	g_free(text);
	g_free(path);
	return kib;
}

/*
 * Reloads do not add up in memory: each replaced settings value is freed
 * once no worker reads it.  200 reloads of a 512 KiB reply kept 104 MB
 * when every old value stayed until exit.
 */
static void
test_reloads_do_not_grow(void)
{
	char *dir = temp_dir(), *reply = g_malloc(512 * 1024 + 1);
	char *text, *conf, *asan, *measured;
	struct server *srv;
	long before, after;
	int fd;
	unsigned i;

	memset(reply, 'r', 512 * 1024);
	reply[512 * 1024] = '\0';
	text = g_strdup_printf("reply = %s\n", reply);
	conf = write_file(dir, "sockd.conf", text);
	/* AddressSanitizer keeps freed memory in quarantine for a while:
	 * measure what sockd keeps, not what the sanitizer does. */
	asan = g_strdup(g_getenv("ASAN_OPTIONS"));
	measured = g_strconcat(asan ? asan : "", ":quarantine_size_mb=0",
	    NULL);
	g_setenv("ASAN_OPTIONS", measured, TRUE);
	srv = server_start("-c", conf, "--log-level", "notice", NULL);
	if (asan != NULL)
		g_setenv("ASAN_OPTIONS", asan, TRUE);
	else
		g_unsetenv("ASAN_OPTIONS");
	g_free(measured);
	g_free(asan);
	/* A worker that read the settings, as a served client makes it. */
	fd = server_connect(srv);
	tcp_send_str(fd, "x");
	g_free(tcp_recv(fd, 512 * 1024, WAIT_MS, NULL));
	server_signal(srv, SIGHUP);
	g_assert_true(server_wait_log_count(srv, "reloaded ", 1, WAIT_MS));
	before = rss_kib(srv->pid);
	for (i = 2; i <= 201; i++) {
		server_signal(srv, SIGHUP);
		g_assert_true(server_wait_log_count(srv, "reloaded ", i,
		    WAIT_MS));
	}
	after = rss_kib(srv->pid);
	g_test_message("RSS %ld KiB before, %ld KiB after 200 reloads",
	    before, after);
	/* 200 kept values would be 100 MiB; allow 16 MiB of noise. */
	g_assert_cmpint(after - before, <, 16 * 1024);
	close(fd);
	server_stop(srv);
	g_free(text);
	g_free(conf);
	g_free(reply);
	remove_dir(dir);
}

/* Every setting the file changed that needs a restart is named. */
static void
test_restart_only_changes_named(void)
{
	char *dir = temp_dir(), *text;
	char *conf = write_file(dir, "sockd.conf", "reply = one\n");
	char *log = g_build_filename(dir, "sockd.log", NULL);
	char *pid = g_build_filename(dir, "sockd.pid", NULL);
	struct server *srv = server_start("-c", conf, NULL);

	text = g_strdup_printf("reply = two\nlog-file = %s\npidfile = %s\n"
	    "shutdown-timeout = 3\nuser = nobody\ndaemon = yes\n", log, pid);
	reload_with(srv, conf, text);
	g_assert_true(server_wait_log(srv, "reloaded ", WAIT_MS));
	g_assert_true(server_wait_log(srv, "reload: log-file changed, user "
	    "changed, pidfile changed, daemon changed, shutdown-timeout "
	    "changed (10 to 3): they take effect at restart", WAIT_MS));
	g_free(text);
	reload_with(srv, conf, "reply = three\nsyslog = yes\n");
	g_assert_true(server_wait_log(srv, "reload: syslog changed: they "
	    "take effect at restart", WAIT_MS));
	/* None of them was taken: no file appeared. */
	g_assert_false(g_file_test(log, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(pid, G_FILE_TEST_EXISTS));
	server_stop(srv);
	g_free(log);
	g_free(pid);
	g_free(conf);
	remove_dir(dir);
}

/* A configuration file replaced by a FIFO does not stop the service: a
 * reload refuses it at once and the old settings serve on. */
static void
test_fifo_refused_at_reload(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf", "reply = one\n");
	struct server *srv = server_start("-c", conf, NULL);
	int fd;

	g_assert_cmpint(unlink(conf), ==, 0);
	g_assert_cmpint(mkfifo(conf, 0600), ==, 0);
	server_signal(srv, SIGHUP);
	g_assert_true(server_wait_log(srv, "sockd.conf:0: not a regular file; "
	    "keeping the running settings", WAIT_MS));
	fd = server_connect(srv);
	tcp_exchange(fd, "a", "one");
	close(fd);
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
	g_test_add_func("/service/sighup/reloads-do-not-grow",
	    test_reloads_do_not_grow);
	g_test_add_func("/service/sighup/restart-only-changes-named",
	    test_restart_only_changes_named);
	g_test_add_func("/service/sighup/fifo-refused",
	    test_fifo_refused_at_reload);
	return g_test_run();
}
