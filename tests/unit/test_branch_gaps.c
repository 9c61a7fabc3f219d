/*
 * Branches of the response parser, the URL parser and the client that the
 * rest of the suite never took (docs/coverage.md lists them, and those
 * that cannot be reached, with why).  Each test asserts the behaviour the
 * branch exists for, not just that it ran:
 *
 *  - parser: header names of 32 bytes and more, Keep-Alive elements other
 *    than timeout=, Connection and Transfer-Encoding values of the length
 *    of "close" and "chunked" that are not those, a Host header in a
 *    response, a status line shorter than "HTTP/1.1 200", a callback
 *    table with NULL entries;
 *  - URL: NULL arguments, an IPv6 address with too many groups around
 *    "::", a host of dots only, a port of six digits, a fragment right
 *    after the authority;
 *  - client: the public functions' argument checks, a request without a
 *    method but with a body (POST), a reused connection whose send fails
 *    (re-sent once), emhttp_next_timeout_ms() with no limit, with the
 *    deadline already past and with progress possible at once.
 *
 * The client runs over a small scripted mock port (the shape of
 * test_client_deadlines.c): the clock is the test's, a connection's
 * server bytes arrive when a request head has been written.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "emhttp/client.h"
#include "emhttp/http_parser.h"
#include "emhttp/url.h"

/* ---- response parser ---------------------------------------------------- */

typedef struct {
    int status;
    int headers;
    char last_name[64];
    char last_value[64];
    size_t body;
} got;

static int p_status(void *u, int st, const char *r, size_t n)
{
    (void)r;
    (void)n;
    ((got *)u)->status = st;
    return 0;
}
static int p_header(void *u, const char *name, size_t nl, const char *v, size_t vl)
{
    got *g = u;
    g->headers++;
    snprintf(g->last_name, sizeof g->last_name, "%.*s", (int)nl, name);
    snprintf(g->last_value, sizeof g->last_value, "%.*s", (int)vl, v);
    return 0;
}
static int p_body(void *u, const uint8_t *d, size_t n)
{
    (void)d;
    ((got *)u)->body += n;
    return 0;
}
static const emhttp_parser_cbs all_cbs = {p_status, p_header, NULL, p_body};

/* The whole response in one feed: its result; *used gets the bytes used. */
static int parse(emhttp_parser *p, const emhttp_parser_cbs *cbs, got *g, const char *text,
                 size_t *used)
{
    size_t consumed = 0;
    memset(g, 0, sizeof *g);
    emhttp_parser_init(p, cbs, g, 4096);
    int rc = emhttp_parser_feed(p, (const uint8_t *)text, strlen(text), &consumed);
    if (used != NULL) {
        *used = consumed;
    }
    return rc;
}

static void test_parser_long_header_name(void)
{
    emhttp_parser p;
    got g;
    /* 32 and 40 bytes: no name the parser acts on is that long, so they
     * are reported as they are and change nothing (here: a Content-Length
     * look-alike with a suffix must not frame the body). */
    const char *r = "HTTP/1.1 200 OK\r\n"
                    "Content-Length-Of-The-Body-Xxxxx: 99\r\n"
                    "X-A-Very-Long-Header-Name-Of-40-Bytes-Xx: v\r\n"
                    "Content-Length: 2\r\n\r\nok";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_OK);
    CHECK_EQ_INT(g.headers, 3);
    CHECK_EQ_INT((int)g.body, 2);
}

static void test_parser_keep_alive_other_elements(void)
{
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    emhttp_parser p;
    got g;
    /* "max=10000" is longer than "timeout=" and not it: ignored; the
     * timeout element still counts, wherever it is in the list. */
    const char *r = "HTTP/1.1 200 OK\r\nKeep-Alive: max=10000, timeout=7, timeoutX=9\r\n"
                    "Content-Length: 0\r\n\r\n";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_OK);
    CHECK_EQ_INT((int)emhttp_parser_keepalive_timeout(&p), 7);
    r = "HTTP/1.1 200 OK\r\nKeep-Alive: max=10000\r\nContent-Length: 0\r\n\r\n";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_OK);
    CHECK_EQ_INT((int)emhttp_parser_keepalive_timeout(&p), 0);
#endif
}

static void test_parser_connection_five_letters(void)
{
    emhttp_parser p;
    got g;
    /* "clone" has the length of "close": the connection stays open. */
    const char *r = "HTTP/1.1 200 OK\r\nConnection: clone\r\nContent-Length: 0\r\n\r\n";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_OK);
    CHECK(emhttp_parser_keep_alive(&p));
    r = "HTTP/1.1 200 OK\r\nConnection: clone, CLOSE\r\nContent-Length: 0\r\n\r\n";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_OK);
    CHECK(!emhttp_parser_keep_alive(&p));
}

static void test_parser_transfer_encoding_seven_letters(void)
{
#if CONFIG_EMHTTP_CHUNKED
    emhttp_parser p;
    got g;
    /* "deflate" has the length of "chunked": chunked is the final coding
     * only when it comes last. */
    const char *r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: deflate, chunked\r\n\r\n"
                    "3\r\nabc\r\n0\r\n\r\n";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_OK);
    CHECK_EQ_INT((int)g.body, 3);
    /* chunked, then deflate: chunked is not the final coding, so the body
     * is read until the server closes (RFC 9112 6.3), as it came */
    r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, deflate\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_PENDING);
    CHECK_EQ_INT((int)g.body, 13);
    CHECK_EQ_INT(emhttp_parser_eof(&p), EMHTTP_OK);
    CHECK(!emhttp_parser_keep_alive(&p));
#endif
}

static void test_parser_host_in_response(void)
{
    emhttp_parser p;
    got g;
    /* A Host header means nothing in a response: reported, no effect. */
    const char *r = "HTTP/1.1 200 OK\r\nHost: example.com\r\nContent-Length: 1\r\n\r\nx";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_OK);
    CHECK_EQ_INT(g.headers, 2);
    CHECK_EQ_INT((int)g.body, 1);
}

static void test_parser_short_status_line(void)
{
    emhttp_parser p;
    got g;
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, "HTTP/1.1 20\r\n\r\n", NULL), EMHTTP_ERR_PROTOCOL);
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, "HTTP/1.1\r\n\r\n", NULL), EMHTTP_ERR_PROTOCOL);
    CHECK_EQ_INT(g.status, 0);
}

static void test_parser_null_callbacks(void)
{
    /* A table whose entries are all NULL (not a NULL table): the response
     * is parsed and nothing is called. */
    static const emhttp_parser_cbs none = {NULL, NULL, NULL, NULL};
    emhttp_parser p;
    got g;
    const char *r = "HTTP/1.1 200 OK\r\nX: y\r\nContent-Length: 3\r\n\r\nabc";
    size_t used = 0;
    CHECK_EQ_INT(parse(&p, &none, &g, r, &used), EMHTTP_OK);
    CHECK_EQ_INT((int)used, (int)strlen(r));
    CHECK_EQ_INT(emhttp_parser_status(&p), 200);
    CHECK_EQ_INT(g.headers, 0);
}

/* ---- URL parser ----------------------------------------------------------- */

static void test_url_null_arguments(void)
{
    emhttp_url u;
    emhttp_ip_addr a;
    CHECK_EQ_INT(emhttp_url_parse(NULL, &u), EMHTTP_ERR_URL);
    CHECK_EQ_INT(emhttp_url_parse("http://h/", NULL), EMHTTP_ERR_URL);
    CHECK_EQ_INT(emhttp_ip_parse(NULL, 3, &a), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_ip_parse("1.2.3.4", 7, NULL), EMHTTP_ERR_ARG);
}

static void test_url_ipv6_too_many_groups(void)
{
#if CONFIG_EMHTTP_IPV6
    emhttp_ip_addr a;
    /* "::" stands for at least one group: 7 + 1 around it is one too many */
    CHECK_EQ_INT(emhttp_ip_parse("1:2:3:4:5:6:7::8", 16, &a), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_ip_parse("1::2:3:4:5:6:7:8", 16, &a), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_ip_parse("1:2:3:4:5:6::1.2.3.4", 20, &a), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_ip_parse("1:2:3::5:6:7:8", 14, &a), EMHTTP_OK);
    CHECK_EQ_INT(a.family, EMHTTP_AF_INET6);
    CHECK_EQ_INT(a.bytes[7], 0);
    CHECK_EQ_INT(a.bytes[15], 8);
#endif
}

static void test_url_host_of_dots(void)
{
    emhttp_ip_addr a;
    /* no label at all, or an empty last label: names (not numbers), which
     * the resolver then refuses; never an address */
    CHECK_EQ_INT(emhttp_host_classify(".", 1, &a), EMHTTP_HOST_NAME);
    CHECK_EQ_INT(emhttp_host_classify("a..", 3, &a), EMHTTP_HOST_NAME);
    /* numeric last label: an address or nothing (a trailing dot is not
     * the one literal form) */
    CHECK_EQ_INT(emhttp_host_classify("1.2.3.4.", 8, &a), EMHTTP_ERR_URL);
    CHECK_EQ_INT(emhttp_host_classify("a.b.", 4, &a), EMHTTP_HOST_NAME);
}

static void test_url_port_and_fragment(void)
{
    emhttp_url u;
    CHECK_EQ_INT(emhttp_url_parse("http://h:123456/", &u), EMHTTP_ERR_URL);
    CHECK_EQ_INT(emhttp_url_parse("http://h:000080/", &u), EMHTTP_ERR_URL); /* 6 digits */
    CHECK_EQ_INT(emhttp_url_parse("http://h:65535#top", &u), EMHTTP_OK);
    CHECK_EQ_INT(u.port, 65535);
    CHECK_EQ_INT(emhttp_url_parse("http://h#top", &u), EMHTTP_OK);
    CHECK_EQ_MEM(u.host, u.host_len, "h", 1);
}

/* ---- client over a mock port ---------------------------------------------- */

typedef struct {
    uint32_t now;
    bool open;
    bool resolve_pending;
    int connects;
    int heads;
    int send_fail;        /* this many sends fail with EMHTTP_ERR_SEND (open conns) */
    char sent[4096];
    size_t sent_len, scan;
    char in[1024];
    size_t in_rd, in_wr;
    const char *answer;   /* arrives when a head has been written */
} mock;

static mock M;

static uint32_t m_now(void *ctx)
{
    (void)ctx;
    return M.now;
}
static int m_resolve_start(void *ctx, const char *host)
{
    (void)ctx;
    (void)host;
    return EMHTTP_PENDING;
}
static int m_resolve_poll(void *ctx, emhttp_ip_addr *out, size_t max, size_t *n)
{
    (void)ctx;
    (void)max;
    if (M.resolve_pending) {
        return EMHTTP_PENDING;
    }
    out[0] = (emhttp_ip_addr){EMHTTP_AF_INET, {192, 0, 2, 1}};
    *n = 1;
    return EMHTTP_OK;
}
static void m_resolve_cancel(void *ctx) { (void)ctx; }
static int m_wait(void *ctx, unsigned flags, uint32_t timeout_ms)
{
    (void)ctx;
    (void)flags;
    M.now += timeout_ms < 10 ? timeout_ms : 10;
    return EMHTTP_OK;
}
static int m_connect(void *ctx, const char *host, const emhttp_ip_addr *a, uint16_t port)
{
    (void)ctx;
    (void)host;
    (void)a;
    (void)port;
    M.open = true;
    M.connects++;
    M.in_rd = M.in_wr = 0;
    return EMHTTP_OK;
}
static int m_connect_poll(void *ctx)
{
    (void)ctx;
    return EMHTTP_PENDING;
}
static long m_send(void *ctx, const uint8_t *p, size_t n, unsigned flags)
{
    (void)ctx;
    (void)flags;
    if (!M.open) {
        return EMHTTP_ERR_SEND;
    }
    if (M.send_fail > 0) {
        M.send_fail--;
        return EMHTTP_ERR_SEND;
    }
    if (M.sent_len + n > sizeof M.sent) {
        return EMHTTP_ERR_SEND;
    }
    memcpy(M.sent + M.sent_len, p, n);
    M.sent_len += n;
    for (; M.scan + 4 <= M.sent_len; M.scan++) {
        if (memcmp(M.sent + M.scan, "\r\n\r\n", 4) == 0) {
            M.scan += 3;
            M.heads++;
            if (M.answer != NULL) {
                size_t k = strlen(M.answer);
                memcpy(M.in + M.in_wr, M.answer, k);
                M.in_wr += k;
            }
        }
    }
    return (long)n;
}
static long m_recv(void *ctx, uint8_t *p, size_t n)
{
    (void)ctx;
    size_t avail = M.in_wr - M.in_rd;
    size_t k = avail < n ? avail : n;
    memcpy(p, M.in + M.in_rd, k);
    M.in_rd += k;
    return (long)k;
}
static void m_close(void *ctx)
{
    (void)ctx;
    M.open = false;
    M.in_rd = M.in_wr = 0;
}

static const emhttp_port_ops mock_ops = {.now_ms = m_now,
                                         .resolve_start = m_resolve_start,
                                         .resolve_poll = m_resolve_poll,
                                         .resolve_cancel = m_resolve_cancel,
                                         .wait = m_wait};
static const emhttp_port_ops mock_ops_nowait = {.now_ms = m_now,
                                                .resolve_start = m_resolve_start,
                                                .resolve_poll = m_resolve_poll,
                                                .resolve_cancel = m_resolve_cancel};
static const emhttp_transport_ops mock_tcp = {.connect = m_connect,
                                              .connect_poll = m_connect_poll,
                                              .send = m_send,
                                              .recv = m_recv,
                                              .close = m_close};

static emhttp_client cli;
static uint8_t tx[512], rx[1024];

static int completions;
static void cb_complete(emhttp_request *r, int result)
{
    (void)r;
    (void)result;
    completions++;
}
static const emhttp_response_cbs cbs = {NULL, NULL, NULL, cb_complete};

static int setup_request(const emhttp_port_ops *ops, uint32_t to, uint32_t request)
{
    memset(&M, 0, sizeof M);
    M.now = 1000;
    M.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    completions = 0;
    emhttp_config cfg = {.host = "api.test", .port = 8080, .net = {ops, NULL},
                         .transport = {&mock_tcp, NULL}, .tx_buf = tx, .tx_size = sizeof tx,
                         .rx_buf = rx, .rx_size = sizeof rx, .connect_timeout_ms = to,
                         .first_byte_timeout_ms = to, .request_timeout_ms = request,
                         .dns_timeout_ms = to};
    return emhttp_client_init(&cli, &cfg);
}

static int setup(const emhttp_port_ops *ops, uint32_t to) { return setup_request(ops, to, to); }

static void test_client_argument_checks(void)
{
    static const uint8_t body[] = "x";
    static uint8_t head[256];
    emhttp_request r = {.target = "/", .cbs = &cbs};
    CHECK_EQ_INT(setup(&mock_ops, 0), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_poll(NULL), EMHTTP_ERR_ARG);
    emhttp_client_close(NULL); /* nothing to close: returns */
    CHECK_EQ_INT(emhttp_cancel(NULL, &r), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_cancel(&cli, NULL), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_request_sync(NULL, &r), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_submit(NULL, &r), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_submit(&cli, NULL), EMHTTP_ERR_ARG);
    /* a body length without a body, a header count without headers */
    emhttp_request bad = {.target = "/", .body_len = 1};
    CHECK_EQ_INT(emhttp_submit(&cli, &bad), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &bad), EMHTTP_ERR_ARG); /* submit's verdict */
    bad = (emhttp_request){.target = "/", .header_count = 1};
    CHECK_EQ_INT(emhttp_submit(&cli, &bad), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(bad.result, 0); /* untouched */
    /* prepare: no client, no request, a request already queued */
    CHECK_EQ_INT(emhttp_request_prepare(NULL, &r, head, sizeof head), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_request_prepare(&cli, NULL, head, sizeof head), EMHTTP_ERR_ARG);
    r.body = body;
    r.body_len = 1;
    CHECK_EQ_INT(emhttp_request_prepare(&cli, &r, head, sizeof head), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_prepare(&cli, &r, head, sizeof head), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_cancel(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(completions, 1);
    /* a NULL buffer drops the prepared head: the request is written anew */
    CHECK_EQ_INT(emhttp_request_prepare(&cli, &r, NULL, 0), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(r.status, 200);
    /* no method and a body: POST (client.h) */
    CHECK(M.sent_len > 5 && memcmp(M.sent, "POST / HTTP/1.1\r\n", 17) == 0);
    emhttp_client_close(&cli);

    /* a port without wait(): emhttp_request_sync() cannot block */
    CHECK_EQ_INT(setup(&mock_ops_nowait, 0), EMHTTP_OK);
    r = (emhttp_request){.target = "/", .cbs = &cbs};
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(completions, 0);
    emhttp_client_close(&cli);
}

static void test_client_resend_after_send_failure(void)
{
    /* A reused connection whose send fails (the server closed it, the
     * write meets the reset): the request goes out again, once, on a
     * fresh connection, and succeeds. */
    emhttp_request r = {.method = "GET", .target = "/a", .cbs = &cbs};
    CHECK_EQ_INT(setup(&mock_ops, 0), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(M.connects, 1);
    M.send_fail = 1;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(M.connects, 2);
    CHECK_EQ_INT(completions, 2);
#if CONFIG_EMHTTP_STATS && CONFIG_EMHTTP_RESEND
    CHECK_EQ_INT((int)emhttp_client_stats(&cli)->retries, 1);
#endif
    /* a send failure on a fresh connection is not retried */
    emhttp_client_close(&cli);
    M.send_fail = 1;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_SEND);
    CHECK_EQ_INT(M.connects, 3);
    emhttp_client_close(&cli);
}

static void test_client_next_timeout(void)
{
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    /* submitted, not polled yet: progress is possible now */
    CHECK_EQ_INT(setup_request(&mock_ops, 300, 5000), EMHTTP_OK);
    M.resolve_pending = true;
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    CHECK(emhttp_wait_flags(&cli) & EMHTTP_WAIT_NOW);
    CHECK_EQ_INT((int)emhttp_next_timeout_ms(&cli), 0);
    /* resolving: the DNS timeout runs; the clock passed it before the
     * next poll: 0, then that poll fails the request */
    CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_PENDING);
    CHECK_EQ_INT((int)emhttp_next_timeout_ms(&cli), 300);
    M.now += 100;
    CHECK_EQ_INT((int)emhttp_next_timeout_ms(&cli), 300); /* from the last poll's clock */
    CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_PENDING);
    CHECK_EQ_INT((int)emhttp_next_timeout_ms(&cli), 200);
    M.now += 500;
    (void)emhttp_poll(&cli);
    CHECK_EQ_INT(r.result, EMHTTP_ERR_DNS_TIMEOUT);
    CHECK_EQ_INT(completions, 1);
    emhttp_client_close(&cli);

    /* every timeout off: no limit while resolving */
    CHECK_EQ_INT(setup(&mock_ops, EMHTTP_TIMEOUT_NONE), EMHTTP_OK);
    M.resolve_pending = true;
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_PENDING);
    CHECK(emhttp_wait_flags(&cli) & EMHTTP_WAIT_RESOLVE);
    CHECK_EQ_INT((long long)emhttp_next_timeout_ms(&cli), (long long)UINT32_MAX);
    emhttp_client_close(&cli);
    CHECK_EQ_INT(r.result, EMHTTP_ERR_CANCELLED);
}

int main(void)
{
    RUN(test_parser_long_header_name);
    RUN(test_parser_keep_alive_other_elements);
    RUN(test_parser_connection_five_letters);
    RUN(test_parser_transfer_encoding_seven_letters);
    RUN(test_parser_host_in_response);
    RUN(test_parser_short_status_line);
    RUN(test_parser_null_callbacks);
    RUN(test_url_null_arguments);
    RUN(test_url_ipv6_too_many_groups);
    RUN(test_url_host_of_dots);
    RUN(test_url_port_and_fragment);
    RUN(test_client_argument_checks);
    RUN(test_client_resend_after_send_failure);
    RUN(test_client_next_timeout);
    return check_summary();
}
