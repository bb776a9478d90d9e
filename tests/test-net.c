/*
 * test-net.c - listen address parsing and formatting.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "net.h"

static void
assert_parsed(const char *spec, const char *host, unsigned port)
{
	struct listen_addr a;
	char err[NET_ERR_MAX];

	g_assert_cmpint(net_parse_listen(spec, 8001, &a, err, sizeof err), ==,
	    0);
	g_assert_cmpstr(a.host, ==, host);
	g_assert_cmpuint(a.port, ==, port);
}

static void
assert_refused(const char *spec)
{
	struct listen_addr a;
	char err[NET_ERR_MAX] = "";

	g_assert_cmpint(net_parse_listen(spec, 8001, &a, err, sizeof err), ==,
	    -1);
	g_assert_cmpstr(err, !=, "");
}

static void
test_ipv4(void)
{
	assert_parsed("127.0.0.1", "127.0.0.1", 8001);
	assert_parsed("127.0.0.1:9000", "127.0.0.1", 9000);
	assert_parsed("0.0.0.0:0", "0.0.0.0", 0);
}

static void
test_ipv6(void)
{
	assert_parsed("::1", "::1", 8001);
	assert_parsed("[::1]", "::1", 8001);
	assert_parsed("[::1]:9000", "::1", 9000);
	assert_parsed("fe80::1%lo", "fe80::1%lo", 8001);
}

static void
test_names_and_wildcard(void)
{
	assert_parsed("localhost:70", "localhost", 70);
	assert_parsed("*:8080", "", 8080);
	assert_parsed("*", "", 8001);
}

static void
test_refused(void)
{
	assert_refused("");
	assert_refused(":8001");
	assert_refused("[::1");
	assert_refused("[::1]8001");
	assert_refused("[]:1");
	assert_refused("host:");
	assert_refused("host:65536");
	assert_refused("host:-1");
	assert_refused("host:1x");
}

static void
test_format(void)
{
	struct sockaddr_in sin = { 0 };
	struct sockaddr_in6 sin6 = { 0 };
	char out[64];

	sin.sin_family = AF_INET;
	sin.sin_port = htons(8001);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	net_format_addr((struct sockaddr *)&sin, sizeof sin, out, sizeof out);
	g_assert_cmpstr(out, ==, "127.0.0.1:8001");
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(9);
	sin6.sin6_addr = in6addr_loopback;
	net_format_addr((struct sockaddr *)&sin6, sizeof sin6, out,
	    sizeof out);
	g_assert_cmpstr(out, ==, "[::1]:9");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/net/parse/ipv4", test_ipv4);
	g_test_add_func("/net/parse/ipv6", test_ipv6);
	g_test_add_func("/net/parse/names-and-wildcard",
	    test_names_and_wildcard);
	g_test_add_func("/net/parse/refused", test_refused);
	g_test_add_func("/net/format", test_format);
	return g_test_run();
}
