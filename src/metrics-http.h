/*
 * metrics-http.h - what the Prometheus endpoint says: the end of a
 * request head, its route, the page and the whole HTTP answer.  Pure:
 * bytes in, bytes out, no sockets, for tests and the fuzzer.
 */
#ifndef SOCKD_METRICS_HTTP_H
#define SOCKD_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"

/* The longest page; an answer is this plus its headers. */
#define METRICS_PAGE_MAX 4096

/* What a request gets. */
enum metrics_answer {
	METRICS_OK,		/* 200, the page */
	METRICS_NOT_FOUND,	/* 404 */
	METRICS_BAD_METHOD,	/* 405 */
	METRICS_BAD_REQUEST,	/* 400: not a well-formed request */
	METRICS_BAD_VERSION,	/* 505: HTTP, but not 1.0 or 1.1 */
};

/*
 * The length of the request head at the start of buf, through the empty
 * line (LF or CRLF) that ends it; 0 while it is incomplete.  *from (0 at
 * first) is where the scan goes on when more of the head has come.
 */
size_t metrics_head_end(const char *buf, size_t len, size_t *from);
/*
 * Route a request head ("GET /metrics HTTP/1.1\r\n..."); *headers_only
 * is set for a HEAD request, whose answer, whatever it is, has no body.
 */
enum metrics_answer metrics_route(const char *head, size_t len,
    bool *headers_only);
/* Write the page for snap into out; its length (truncated if too long). */
size_t metrics_render(const struct stats_snapshot *snap, char *out,
    size_t outsz);
/*
 * The whole HTTP answer for answer (the page made from snap for a 200),
 * without its body if headers_only, into out; its length, or 0 if out is
 * too small.
 */
size_t metrics_reply(enum metrics_answer answer, bool headers_only,
    const struct stats_snapshot *snap, char *out, size_t outsz);
#endif
