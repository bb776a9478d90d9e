/*
 * test-config-file.c - the configuration file against the real sockd:
 * its syntax and values, its errors (exit 78, FILE:LINE), -n checking a
 * file without starting anything, and the command line overriding it.
 */
#include "build-config.h"

#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* Values from the file reach the server; comments and blanks are skipped. */
static void
test_config_values(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf",
	    "# a comment\n"
	    "\n"
	    "  framing = line\n"
	    "reply = \" pong \"\n"
	    "workers=3\n"
	    "timeout = 30\n");
	struct server *srv = server_start("-c", conf, NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "ping\n", " pong \n");
	g_assert_true(server_wait_log(srv, "3 workers, queue 1024, line",
	    WAIT_MS));
	close(fd);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

/* A file with text must stop sockd with 78 and "FILE:LINE: expect". */
static void
assert_config_error(const char *text, unsigned line, const char *expect)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "bad.conf", text);
	char *err, *want;

	g_assert_cmpint(run_sockd(&err, "-c", conf, "--port", "0", NULL), ==,
	    78);
	want = g_strdup_printf("sockd: %s:%u: %s", conf, line, expect);
	g_assert_true(g_str_has_prefix(err, want));
	g_assert_cmpint(strchr(err, '\n') - err, ==, (long)strlen(err) - 1);
	g_free(want);
	g_free(err);
	g_free(conf);
	remove_dir(dir);
}

/* A bad name, a bad value or a missing file: exit 78, FILE:LINE named. */
static void
test_config_errors_exit_78(void)
{
	char *err;

	assert_config_error("reply = x\n\nworkers = 0\n", 3,
	    "workers: '0' is not a number in 1-4096");
	assert_config_error("bogus = 1\n", 1, "unknown name 'bogus'");
	assert_config_error("echo = maybe\n", 1, "echo: 'maybe' is not yes");
	assert_config_error("# fine\nlisten = [::1\n", 2, "listen: ");
	assert_config_error("metrics = localhost\n", 1,
	    "metrics: 'localhost': expected ADDR:PORT");
	assert_config_error("timeout 5\n", 1, "expected name = value");
	assert_config_error("config = /etc/other.conf\n", 1,
	    "unknown name 'config'");
	assert_config_error("check-config = yes\n", 1,
	    "unknown name 'check-config'");
	g_assert_cmpint(run_sockd(&err, "-c", "/nonexistent/sockd.conf",
	    NULL), ==, 78);
	g_assert_cmpstr(err, ==, "sockd: /nonexistent/sockd.conf:0: "
	    "No such file or directory\n");
	g_free(err);
}

/* -n checks file and command line and starts nothing: a port in use, a
 * pid file and a log file are not touched. */
static void
test_check_config(void)
{
	const char *args[] = { harness_program("SOCKD"), "-n", "-c", NULL,
	    NULL, NULL };
	char *dir = temp_dir(), *text, *conf, *pidfile, *logfile, *out, *err;
	int fd, port = tcp_listen_loopback(&fd);

	pidfile = g_build_filename(dir, "sockd.pid", NULL);
	logfile = g_build_filename(dir, "sockd.log", NULL);
	text = g_strdup_printf("listen = 127.0.0.1:%d\npidfile = %s\n"
	    "log-file = %s\nframing = line\n", port, pidfile, logfile);
	conf = write_file(dir, "sockd.conf", text);
	args[3] = conf;
	g_assert_cmpint(run_program(args, NULL, &out, &err, WAIT_MS), ==, 0);
	g_assert_cmpstr(out, ==, "configuration OK\n");
	g_assert_cmpstr(err, ==, "");
	g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(logfile, G_FILE_TEST_EXISTS));
	g_free(out);
	g_free(err);
	/* The long form, and a bad command line: 64, nothing on stdout. */
	args[1] = "--check-config";
	args[4] = "--workers=0";
	g_assert_cmpint(run_program(args, NULL, &out, &err, WAIT_MS), ==, 64);
	g_assert_cmpstr(out, ==, "");
	g_assert_cmpstr(err, ==, "sockd: --workers: '0' is not a number in "
	    "1-4096\n");
	g_free(out);
	g_free(err);
	g_free(conf);
	/* A bad file: 78 and FILE:LINE. */
	conf = write_file(dir, "bad.conf", "framing = line\nworkers = many\n");
	args[3] = conf;
	args[4] = NULL;
	g_assert_cmpint(run_program(args, NULL, &out, &err, WAIT_MS), ==, 78);
	g_assert_cmpstr(out, ==, "");
	g_free(text);
	text = g_strdup_printf("sockd: %s:2: workers: 'many' is not a number "
	    "in 1-4096\n", conf);
	g_assert_cmpstr(err, ==, text);
	g_free(out);
	g_free(err);
	g_free(text);
	g_free(conf);
	g_free(pidfile);
	g_free(logfile);
	close(fd);
	remove_dir(dir);
}

/* An option on the command line wins over the same one in the file. */
static void
test_command_line_overrides_file(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf",
	    "reply = from-file\nlisten = 127.0.0.2\nport = 1\n");
	struct server *srv = server_start("--reply", "from-cli", "-c", conf,
	    "--listen", "127.0.0.1", "--port", "0", NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "x", "from-cli");
	/* The command line's --listen replaced the file's. */
	g_assert_cmpuint(server_log_count(srv, "listening on"), ==, 1);
	close(fd);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/service/config/values", test_config_values);
	g_test_add_func("/service/config/errors-exit-78",
	    test_config_errors_exit_78);
	g_test_add_func("/service/config/check-config", test_check_config);
	g_test_add_func("/service/config/command-line-overrides-file",
	    test_command_line_overrides_file);
	return g_test_run();
}
