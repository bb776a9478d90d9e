/*
 * fuzz-metrics.c - what the Prometheus endpoint makes of a request
 * (metrics-http.h).  The request head's end, found as the head arrives
 * in pieces, must be where it is found in the whole and where a plain
 * scan for the first empty line finds it; the route must be what a
 * reference router written here from the contract gives; and the answer,
 * for every status, with and without its body, for counters near zero,
 * at the largest values or anywhere between, must be a well-formed HTTP
 * answer whose Content-Length is its body's and whose page holds each
 * counter once with its value, in a buffer that holds it, and nothing
 * but the whole answer or nothing in one that does not.
 *
 * Input: a flags byte, two bytes for a short buffer's size, a byte that
 * says how many piece sizes follow and those sizes, then the request.
 */
#include "build-config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "metrics-http.h"

#define SNAP_MASK	0x03	/* which counters: */
#define SNAP_ZERO	0x00	/*   all 0 */
#define SNAP_MAX	0x01	/*   all UINT64_MAX */
#define SNAP_ANY	0x02	/*   any, from the input */
#define SNAP_SMALL	0x03	/*   below 1000, from the input */

/* A buffer that holds any answer: the page and its headers. */
#define ANSWER_MAX	(METRICS_PAGE_MAX + 1024)

/* The status line of each answer, as RFC 9110 names them. */
static const char *const status_text[] = {
	[METRICS_OK] = "200 OK",
	[METRICS_NOT_FOUND] = "404 Not Found",
	[METRICS_BAD_METHOD] = "405 Method Not Allowed",
	[METRICS_BAD_REQUEST] = "400 Bad Request",
	[METRICS_BAD_VERSION] = "505 HTTP Version Not Supported",
};

/* The counters sockd(8) names, and where a snapshot keeps each. */
static const struct {
	const char	*name;
	size_t		 offset;
} counters[] = {
	{ "sockd_connections_accepted_total",
	    offsetof(struct stats_snapshot, accepted) },
	{ "sockd_connections_active",
	    offsetof(struct stats_snapshot, active) },
	{ "sockd_connections_rejected_total",
	    offsetof(struct stats_snapshot, rejected) },
	{ "sockd_connections_timed_out_total",
	    offsetof(struct stats_snapshot, timeouts) },
	{ "sockd_messages_received_total",
	    offsetof(struct stats_snapshot, messages) },
	{ "sockd_received_bytes_total",
	    offsetof(struct stats_snapshot, bytes_in) },
	{ "sockd_replies_sent_total",
	    offsetof(struct stats_snapshot, replies) },
	{ "sockd_errors_total",
	    offsetof(struct stats_snapshot, errors) },
	{ "sockd_log_dropped_total",
	    offsetof(struct stats_snapshot, log_dropped) },
	/* One family, a sample per kind of fault (--inject). */
#define FAULT(kind, name) { "sockd_faults_injected_total{fault=\"" name \
	    "\"}", offsetof(struct stats_snapshot, faults[kind]) }
	FAULT(INJECT_DELAY, "delay"),
	FAULT(INJECT_STALL, "stall"),
	FAULT(INJECT_DROP, "drop"),
	FAULT(INJECT_RESET, "reset"),
	FAULT(INJECT_CLOSE_AFTER, "close-after"),
	FAULT(INJECT_SLOW, "slow"),
	FAULT(INJECT_PARTIAL, "partial"),
	FAULT(INJECT_GARBLE, "garble"),
#undef FAULT
};
#define NCOUNTERS (sizeof counters / sizeof counters[0])

/* Where the first empty line (LF, or CR LF) ends, plainly; 0 if none. */
static size_t
reference_head_end(const char *buf, size_t len)
{
	size_t line = 0, i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i == line || (i == line + 1 && buf[line] == '\r'))
			return i + 1;
		line = i + 1;
	}
	return 0;
}

/* The head's end, fed as it would arrive: pieces of the given sizes in
 * turn, each time in a buffer of exactly what has come. */
static size_t
head_end_in_pieces(const char *req, size_t len, const uint8_t *sizes,
    size_t nsizes)
{
	size_t have = 0, from = 0, last_from = 0, end, k = 0;
	char *buf;

	while (have < len) {
		have += nsizes > 0 ? (size_t)sizes[k++ % nsizes] + 1 : len;
		if (have > len)
			have = len;
		buf = fuzz_memdup(req, have);
		end = metrics_head_end(buf, have, &from);
		free(buf);
		if (from < last_from || from > have)
			fuzz_fail("scan went from %zu to %zu of %zu bytes",
			    last_from, from, have);
		last_from = from;
		if (end != 0)
			return end;
	}
	return 0;
}

/* True if [s, s + n) is the C string word. */
static bool
is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

/*
 * The route, from the contract: a request line "METHOD SP TARGET SP
 * VERSION" ending in LF or CR LF; VERSION exactly HTTP/D.D, 1.0 or 1.1
 * spoken, another one 505; GET or HEAD, else 405; /metrics, with a
 * query or without, else 404; anything else 400.  A HEAD request gets
 * no body, whatever it gets.
 */
static enum metrics_answer
reference_route(const char *head, size_t len, bool *headers_only)
{
	const char *line = head, *target, *version;
	size_t n, method_len, target_len, version_len;

	*headers_only = false;
	for (n = 0; n < len && head[n] != '\n'; n++)
		;
	if (n == len)
		return METRICS_BAD_REQUEST;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	for (method_len = 0; method_len < n && line[method_len] != ' ';
	    method_len++)
		;
	if (method_len == n || method_len == 0)
		return METRICS_BAD_REQUEST;
	*headers_only = is(line, method_len, "HEAD");
	target = line + method_len + 1;
	for (target_len = 0; target + target_len < line + n &&
	    target[target_len] != ' '; target_len++)
		;
	if (target + target_len == line + n || target_len == 0)
		return METRICS_BAD_REQUEST;
	version = target + target_len + 1;
	version_len = (size_t)(line + n - version);
	if (version_len != 8 || memcmp(version, "HTTP/", 5) != 0 ||
	    version[5] < '0' || version[5] > '9' || version[6] != '.' ||
	    version[7] < '0' || version[7] > '9')
		return METRICS_BAD_REQUEST;
	if (!is(version, 8, "HTTP/1.0") && !is(version, 8, "HTTP/1.1"))
		return METRICS_BAD_VERSION;
	if (!is(line, method_len, "GET") && !*headers_only)
		return METRICS_BAD_METHOD;
	if (is(target, target_len, "/metrics") || (target_len > 8 &&
	    memcmp(target, "/metrics?", 9) == 0))
		return METRICS_OK;
	return METRICS_NOT_FOUND;
}

/* A counter's value in a snapshot. */
static uint64_t
counter_value(const struct stats_snapshot *snap, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)snap + counters[i].offset, sizeof v);
	return v;
}

/* Fail, showing the answer. */
static void __attribute__((noreturn))
answer_fail(const char *out, size_t n, const char *why)
{
	fuzz_dump("answer", out, n);
	fuzz_fail("%s", why);
}

/* The page: HELP, TYPE and sample lines, each counter's sample once,
 * with its value. */
static void
check_page(const char *page, size_t len, const struct stats_snapshot *snap)
{
	bool seen[NCOUNTERS] = { false };
	const char *line = page, *end = page + len, *nl, *sp;
	char number[32];
	size_t i, nseen = 0;

	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			answer_fail(page, len, "page's last line not ended");
		if (nl == line)
			answer_fail(page, len, "empty line in the page");
		if ((size_t)(nl - line) > 7 && (memcmp(line, "# HELP ", 7) ==
		    0 || memcmp(line, "# TYPE ", 7) == 0))
			continue;
		sp = memchr(line, ' ', (size_t)(nl - line));
		if (sp == NULL)
			answer_fail(page, len, "sample without a value");
		for (i = 0; i < NCOUNTERS; i++)
			if (is(line, (size_t)(sp - line), counters[i].name))
				break;
		if (i == NCOUNTERS || seen[i])
			answer_fail(page, len, "unknown or repeated sample");
		seen[i] = true;
		nseen++;
		snprintf(number, sizeof number, "%" PRIu64,
		    counter_value(snap, i));
		if (!is(sp + 1, (size_t)(nl - sp - 1), number))
			answer_fail(page, len, "sample with a wrong value");
	}
	if (nseen != NCOUNTERS)
		answer_fail(page, len, "a counter is missing");
}

/* The value of header name in head, or NULL; *vlen its length. */
static const char *
header(const char *head, size_t len, const char *name, size_t *vlen)
{
	const char *line, *end = head + len, *eol;
	size_t n = strlen(name);

	line = (const char *)memchr(head, '\n', len) + 1;
	for (; line < end; line = eol + 2) {
		eol = memchr(line, '\r', (size_t)(end - line));
		if ((size_t)(eol - line) > n + 2 &&
		    memcmp(line, name, n) == 0 && line[n] == ':' &&
		    line[n + 1] == ' ') {
			*vlen = (size_t)(eol - line) - n - 2;
			return line + n + 2;
		}
	}
	return NULL;
}

/*
 * One whole answer: the status line, header lines ended by CR LF and
 * free of other control bytes, a blank line, then the body Content-Length
 * says (none for HEAD; body_len is what a GET gets).
 */
static void
check_answer(const char *out, size_t n, enum metrics_answer answer,
    bool headers_only, const struct stats_snapshot *snap, size_t *body_len)
{
	const char *end, *value, *body;
	char want[64];
	size_t head_len, vlen, length = 0, i;

	snprintf(want, sizeof want, "HTTP/1.1 %s\r\n", status_text[answer]);
	if (n < strlen(want) || memcmp(out, want, strlen(want)) != 0)
		answer_fail(out, n, "wrong status line");
	if ((end = memmem(out, n, "\r\n\r\n", 4)) == NULL)
		answer_fail(out, n, "head not ended");
	head_len = (size_t)(end - out) + 4;
	for (i = 0; i < head_len; i++) {
		if (out[i] == '\r' && out[i + 1] != '\n')
			answer_fail(out, n, "a CR without its LF in the head");
		if (out[i] == '\n' && (i == 0 || out[i - 1] != '\r'))
			answer_fail(out, n, "an LF without its CR in the head");
		if (((unsigned char)out[i] < 0x20 && out[i] != '\r' &&
		    out[i] != '\n') || out[i] == 0x7f)
			answer_fail(out, n, "a control byte in the head");
	}
	if ((value = header(out, head_len, "Content-Length", &vlen)) == NULL ||
	    vlen == 0 || vlen > 9)
		answer_fail(out, n, "no Content-Length");
	for (i = 0; i < vlen; i++) {
		if (value[i] < '0' || value[i] > '9')
			answer_fail(out, n, "Content-Length not a number");
		length = length * 10 + (size_t)(value[i] - '0');
	}
	if (header(out, head_len, "Content-Type", &vlen) == NULL ||
	    (value = header(out, head_len, "Connection", &vlen)) == NULL ||
	    !is(value, vlen, "close"))
		answer_fail(out, n, "no Content-Type or Connection: close");
	value = header(out, head_len, "Allow", &vlen);
	if ((answer == METRICS_BAD_METHOD) != (value != NULL &&
	    is(value, vlen, "GET, HEAD")))
		answer_fail(out, n, "Allow: GET, HEAD with 405 only");
	body = out + head_len;
	if (headers_only) {
		if (n != head_len)
			answer_fail(out, n, "a body for HEAD");
	} else if (n - head_len != length)
		answer_fail(out, n, "Content-Length is not the body's");
	else if (answer == METRICS_OK)
		check_page(body, length, snap);
	else {
		snprintf(want, sizeof want, "%s\n", status_text[answer]);
		if (!is(body, length, want))
			answer_fail(out, n, "an error's body is not its status");
	}
	*body_len = length;
}

/* Every answer, with its body and without, in a buffer that holds it:
 * well formed, and HEAD's Content-Length is GET's. */
static void
check_every_answer(const struct stats_snapshot *snap)
{
	static char out[ANSWER_MAX];
	size_t n, get_len, head_len;
	int a;

	for (a = METRICS_OK; a <= METRICS_BAD_VERSION; a++) {
		n = metrics_reply(a, false, snap, out, sizeof out);
		if (n == 0 || n >= sizeof out)
			fuzz_fail("answer %d: %zu bytes in %zu", a, n,
			    sizeof out);
		check_answer(out, n, a, false, snap, &get_len);
		n = metrics_reply(a, true, snap, out, sizeof out);
		if (n == 0 || n >= sizeof out)
			fuzz_fail("HEAD answer %d: %zu bytes", a, n);
		check_answer(out, n, a, true, snap, &head_len);
		if (head_len != get_len)
			answer_fail(out, n, "HEAD's Content-Length not GET's");
	}
}

/* In a short buffer: the whole answer, or 0 when it does not fit; the
 * page alone: a prefix of it, NUL-terminated. */
static void
check_short(enum metrics_answer answer, bool headers_only,
    const struct stats_snapshot *snap, size_t outsz)
{
	char whole[ANSWER_MAX], *out;
	size_t n, whole_n;

	whole_n = metrics_reply(answer, headers_only, snap, whole,
	    sizeof whole);
	out = fuzz_alloc(outsz);
	n = metrics_reply(answer, headers_only, snap, out, outsz);
	if (n != 0 && (n != whole_n || memcmp(out, whole, n) != 0))
		answer_fail(out, n, "a short buffer holds part of an answer");
	if ((n == 0) != (whole_n >= outsz))
		fuzz_fail("%zu bytes in a buffer of %zu: %zu", whole_n, outsz,
		    n);
	whole_n = metrics_render(snap, whole, sizeof whole);
	n = metrics_render(snap, out, outsz);
	if (n >= outsz || out[n] != '\0' || n > whole_n ||
	    memcmp(out, whole, n) != 0)
		fuzz_fail("page of %zu bytes in %zu: %zu, not its prefix",
		    whole_n, outsz, n);
	free(out);
}

/* Counters as the flags say: 0, the largest, or made from the input. */
static void
make_snapshot(struct stats_snapshot *snap, uint8_t flags,
    const uint8_t *data, size_t size)
{
	uint64_t mix = 0xcbf29ce484222325ULL, v;
	size_t i;

	/* FNV-1a over the input, then a step of splitmix64 per counter:
	 * values that change with the input without taking bytes of it. */
	for (i = 0; i < size; i++)
		mix = (mix ^ data[i]) * 0x100000001b3ULL;
	for (i = 0; i < NCOUNTERS; i++) {
		mix += 0x9e3779b97f4a7c15ULL;
		v = (mix ^ (mix >> 30)) * 0xbf58476d1ce4e5b9ULL;
		v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
		v ^= v >> 31;
		switch (flags & SNAP_MASK) {
		case SNAP_ZERO:
			v = 0;
			break;
		case SNAP_MAX:
			v = UINT64_MAX;
			break;
		case SNAP_SMALL:
			v %= 1000;
			break;
		}
		memcpy((char *)snap + counters[i].offset, &v, sizeof v);
	}
}

/* Find the head, route it, answer it; check each step. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	struct stats_snapshot snap;
	const uint8_t *sizes;
	const char *req;
	size_t len, nsizes, from = 0, end, ref_end, pieces_end, outsz;
	enum metrics_answer answer, ref_answer;
	bool headers_only, ref_headers_only;
	uint8_t flags;
	char *copy;

	flags = fuzz_byte(&in);
	outsz = (size_t)fuzz_byte(&in) << 8;
	outsz |= fuzz_byte(&in);
	sizes = fuzz_bytes(&in, fuzz_byte(&in) & 15, &nsizes);
	req = (const char *)fuzz_bytes(&in, fuzz_left(&in), &len);

	copy = fuzz_memdup(req, len);
	end = metrics_head_end(copy, len, &from);
	ref_end = reference_head_end(req, len);
	pieces_end = head_end_in_pieces(req, len, sizes, nsizes);
	if (end != ref_end || pieces_end != ref_end) {
		fuzz_dump("request", req, len);
		fuzz_fail("head ends at %zu whole, %zu in pieces; at %zu",
		    end, pieces_end, ref_end);
	}
	/* As metrics.c routes it: the head, or what came of it. */
	answer = metrics_route(copy, end ? end : len, &headers_only);
	ref_answer = reference_route(req, end ? end : len, &ref_headers_only);
	if (answer != ref_answer || headers_only != ref_headers_only) {
		fuzz_dump("request", req, end ? end : len);
		fuzz_fail("routed to %d (headers only %d), not %d (%d)",
		    answer, headers_only, ref_answer, ref_headers_only);
	}
	free(copy);

	make_snapshot(&snap, flags, data, size);
	check_every_answer(&snap);
	if (outsz > 0)
		check_short(answer, headers_only, &snap, outsz);
	return 0;
}
