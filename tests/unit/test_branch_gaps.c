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
 *    (re-sent once; a POST only with an Idempotency-Key), a receive error
 *    and a port out of resources (not re-sent), emhttp_next_timeout_ms()
 *    with no limit, with no time left and with progress possible at once,
 *    a resolver answering no address, EMHTTP_DNS_TTL_FOREVER, no idle
 *    limit and a server Keep-Alive longer than the client's, a transport
 *    holding bytes back on an idle connection, a late poll between two
 *    addresses, a prepared head whose body changed, a close event that
 *    cancels the re-sent request, a connect code outside transport.h;
 *    pipelining: a head too large to go ahead, a re-send without a
 *    request timeout, an early answer while the next body is sent, a
 *    cancel before and during the first response; a first-byte timeout
 *    and a TLS error on a reused connection, Expect values other than
 *    100-continue and a final status behind a 100, producer edges;
 *  - redirects: Location forms (query, relative, not a scheme), two or
 *    empty Locations, methods kept, streamed bodies on 307, other origins
 *    (refused, on_origin, https, back home, credentials dropped), and
 *    emhttp_client_set_origin()'s checks.
 *
 * The client runs over the scripted mock port (support/mock_net.h): the
 * clock is the test's, a connection's server bytes arrive when a request
 * head has been written.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "emhttp/client.h"
#include "emhttp/http_parser.h"
#include "emhttp/url.h"
#include "mock_net.h"

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

static void test_parser_names_of_known_lengths(void)
{
    emhttp_parser p;
    got g;
    /* names as long as Content-Length (14), Connection and Keep-Alive
     * (10) and Transfer-Encoding (17) that are none of them: reported,
     * no effect on the framing or the connection */
    const char *r = "HTTP/1.1 200 OK\r\nAccept-Charset: 9\r\nSet-Cookie: close\r\n"
                    "X-Forwarded-Proto: chunked\r\nContent-Length: 2\r\n\r\nok";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_OK);
    CHECK_EQ_INT(g.headers, 4);
    CHECK_EQ_INT((int)g.body, 2);
    CHECK(emhttp_parser_keep_alive(&p));
}

static void test_parser_chunk_extension(void)
{
#if CONFIG_EMHTTP_CHUNKED
    emhttp_parser p;
    got g;
    /* RFC 9112 7.1.1: extensions after the size are ignored */
    const char *r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3;name=value\r\nabc\r\n2 ; x\r\nde\r\n0\r\n\r\n";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_OK);
    CHECK_EQ_INT((int)g.body, 5);
    /* a byte over 0x7f right after the size: not a digit, not an
     * extension - refused */
    r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\xff\r\nabc\r\n0\r\n\r\n";
    CHECK_EQ_INT(parse(&p, &all_cbs, &g, r, NULL), EMHTTP_ERR_BAD_CHUNK);
    CHECK_EQ_INT((int)g.body, 0);
#endif
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
    CHECK_EQ_INT(emhttp_url_parse("http://h/a b", &u), EMHTTP_ERR_URL); /* no space */
    /* bytes over 0x7f (obs-text, UTF-8) go into the target as they are */
    CHECK_EQ_INT(emhttp_url_parse("http://h/caf\xc3\xa9?q", &u), EMHTTP_OK);
    CHECK_EQ_MEM(u.target, u.target_len, "/caf\xc3\xa9?q", 8);
    CHECK_EQ_INT(emhttp_url_parse("http://h/a\x7f", &u), EMHTTP_ERR_URL); /* no DEL */
    CHECK_EQ_MEM(u.host, u.host_len, "h", 1);
}

/* ---- client over a mock port ---------------------------------------------- */

/* A port whose wait() sleeps a little: up to 10 ms of the clock a call. */
static int wait_10ms(unsigned flags, uint32_t timeout_ms)
{
    (void)flags;
    MN.now += timeout_ms < 10 ? timeout_ms : 10;
    return EMHTTP_OK;
}

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

/* A fresh mock and a configuration: every timeout @p to but the
 * request's, @p request. */
static emhttp_config config(const emhttp_port_ops *ops, uint32_t to, uint32_t request)
{
    mn_reset();
    MN.wait = wait_10ms;
    MN.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    completions = 0;
    emhttp_config cfg = {.host = "api.test", .port = 8080, .net = {ops, NULL},
                         .transport = mn_transport(&mn_tcp_nogather), .tx_buf = tx, .tx_size = sizeof tx,
                         .rx_buf = rx, .rx_size = sizeof rx, .connect_timeout_ms = to,
                         .first_byte_timeout_ms = to, .request_timeout_ms = request,
                         .dns_timeout_ms = to};
    return cfg;
}

static int setup_request(const emhttp_port_ops *ops, uint32_t to, uint32_t request)
{
    emhttp_config cfg = config(ops, to, request);
    return emhttp_client_init(&cli, &cfg);
}

static int setup(const emhttp_port_ops *ops, uint32_t to) { return setup_request(ops, to, to); }

static void test_client_argument_checks(void)
{
    static const uint8_t body[] = "x";
    static uint8_t head[256];
    emhttp_request r = {.target = "/", .cbs = &cbs};
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
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
    CHECK(MN.sent_len > 5 && memcmp(MN.sent, "POST / HTTP/1.1\r\n", 17) == 0);
    emhttp_client_close(&cli);

    /* a port without wait(): emhttp_request_sync() cannot block */
    CHECK_EQ_INT(setup(&mn_port_ops_nowait, 0), EMHTTP_OK);
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
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 1);
    MN.send_fail = 1;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_EQ_INT(completions, 2);
#if CONFIG_EMHTTP_STATS && CONFIG_EMHTTP_RESEND
    CHECK_EQ_INT((int)emhttp_client_stats(&cli)->retries, 1);
#endif
    /* a send failure on a fresh connection is not retried */
    emhttp_client_close(&cli);
    MN.send_fail = 1;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_SEND);
    CHECK_EQ_INT(MN.connects, 3);
    emhttp_client_close(&cli);
}

static void test_client_next_timeout(void)
{
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    /* submitted, not polled yet: progress is possible now */
    CHECK_EQ_INT(setup_request(&mn_port_ops, 300, 5000), EMHTTP_OK);
    MN.dns_rc = EMHTTP_PENDING;
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    CHECK(emhttp_wait_flags(&cli) & EMHTTP_WAIT_NOW);
    CHECK_EQ_INT((int)emhttp_next_timeout_ms(&cli), 0);
    /* resolving: the DNS timeout runs; the clock passed it before the
     * next poll: 0, then that poll fails the request */
    CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_PENDING);
    CHECK_EQ_INT((int)emhttp_next_timeout_ms(&cli), 300);
    MN.now += 100;
    CHECK_EQ_INT((int)emhttp_next_timeout_ms(&cli), 300); /* from the last poll's clock */
    CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_PENDING);
    CHECK_EQ_INT((int)emhttp_next_timeout_ms(&cli), 200);
    MN.now += 500;
    (void)emhttp_poll(&cli);
    CHECK_EQ_INT(r.result, EMHTTP_ERR_DNS_TIMEOUT);
    CHECK_EQ_INT(completions, 1);
    emhttp_client_close(&cli);

    /* every timeout off: no limit while resolving */
    CHECK_EQ_INT(setup(&mn_port_ops, EMHTTP_TIMEOUT_NONE), EMHTTP_OK);
    MN.dns_rc = EMHTTP_PENDING;
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_PENDING);
    CHECK(emhttp_wait_flags(&cli) & EMHTTP_WAIT_RESOLVE);
    CHECK_EQ_INT((long long)emhttp_next_timeout_ms(&cli), (long long)UINT32_MAX);
    emhttp_client_close(&cli);
    CHECK_EQ_INT(r.result, EMHTTP_ERR_CANCELLED);
}

static void test_client_resend_needs_idempotency_key(void)
{
    /* POST on a reused connection whose send fails: re-sent only with an
     * Idempotency-Key header; a header of the same length (15 bytes)
     * with another name does not count. */
    static const uint8_t body[] = "{}";
    static const emhttp_header lang = {"Accept-Language", 15, "en", 2};
    static const emhttp_header key = {"Idempotency-Key", 15, "k-1", 3};
    emhttp_request r = {.method = "POST", .target = "/p", .cbs = &cbs, .body = body,
                        .body_len = 2, .headers = &lang, .header_count = 1};
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    MN.send_fail = 1;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_SEND);
    CHECK_EQ_INT(MN.connects, 1);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK); /* a fresh connection */
    CHECK_EQ_INT(MN.connects, 2);
    r.headers = &key;
    MN.send_fail = 1;
#if CONFIG_EMHTTP_RESEND
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 3);
#endif
    emhttp_client_close(&cli);
}

static void test_client_dns_answers(void)
{
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    /* a port that answers EMHTTP_OK with no address: EMHTTP_ERR_DNS, no
     * connect attempt */
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    MN.naddrs = 0;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_DNS);
    CHECK_EQ_INT(MN.attempts, 0);
    MN.naddrs = 1;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    emhttp_client_close(&cli);
#if CONFIG_EMHTTP_STATS
    /* EMHTTP_DNS_TTL_FOREVER: one resolution, however long it has been */
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.dns_ttl_s = EMHTTP_DNS_TTL_FOREVER;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    emhttp_client_close(&cli);
    MN.now += 100u * 24 * 3600 * 1000; /* 100 days */
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT((int)emhttp_client_stats(&cli)->dns_queries, 1);
    CHECK_EQ_INT(MN.connects, 2);
    emhttp_client_close(&cli);
#endif
}

static void test_client_transport_holds_bytes(void)
{
    /* The transport says it holds bytes back (a TLS record: a close_notify,
     * stray data) on an idle connection: it is replaced, not reused - also
     * when the response just before drained the connection in the same
     * poll (two requests queued at once). */
    emhttp_request a = {.method = "GET", .target = "/a", .cbs = &cbs};
    emhttp_request b = {.method = "GET", .target = "/b", .cbs = &cbs};
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.transport.ops = &mn_tcp_want;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &a), EMHTTP_OK);
    MN.want_now = true;      /* on connection 1, idle */
    MN.want_from_head = 2;   /* on connection 2, once a's head is out */
    CHECK_EQ_INT(emhttp_submit(&cli, &a), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &b), EMHTTP_OK);
    for (int i = 0; i < 50 && b.result == EMHTTP_PENDING; i++) {
        (void)emhttp_poll(&cli);
    }
    CHECK_EQ_INT(a.result, EMHTTP_OK);
    CHECK_EQ_INT(b.result, EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 3); /* a fresh connection for each */
#if CONFIG_EMHTTP_STATS
    CHECK_EQ_INT((int)emhttp_client_stats(&cli)->ka_expired, 2);
#endif
    emhttp_client_close(&cli);
}

#if CONFIG_EMHTTP_KEEPALIVE_HINT
/* A client with the idle limit @p idle_reuse_ms (0: the default) and a
 * server answering @p answer: after @p reused_after ms idle the
 * connection is reused, after @p replaced_after ms more it is replaced
 * before use. */
static void reused_then_replaced(uint32_t idle_reuse_ms, const char *answer,
                                 uint32_t reused_after, uint32_t replaced_after)
{
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.idle_reuse_ms = idle_reuse_ms;
    MN.answer = answer;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    MN.now += reused_after;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 1);
    MN.now += replaced_after;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_EQ_INT((int)emhttp_client_stats(&cli)->ka_expired, 1);
    emhttp_client_close(&cli);
}
#endif

static void test_client_idle_limits(void)
{
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    /* no idle limit at all: a connection idle for 10 days is reused */
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.idle_reuse_ms = EMHTTP_TIMEOUT_NONE;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    MN.now += 10u * 24 * 3600 * 1000;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 1);
    emhttp_client_close(&cli);
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    /* the server's Keep-Alive timeout longer than the client's idle limit
     * (1 s): the client's limit holds */
    reused_then_replaced(1000,
                         "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=3600\r\nContent-Length: 2\r\n\r\nok",
                         999, 1000);
    /* a Keep-Alive timeout of at most twice the margin (timeout=1, margin
     * 500 ms): the client keeps the connection for half of it, 500 ms */
    reused_then_replaced(0,
                         "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok",
                         400, 600);
#endif
}

static void test_client_late_poll_between_addresses(void)
{
    /* Two addresses, connects that never finish, connect timeout 100 ms,
     * request timeout 150 ms, and the next poll comes 200 ms late: the
     * connect timeout moves on to the second address with no time left,
     * and the request fails with the request timeout, not a connect
     * timeout. */
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    emhttp_config cfg = config(&mn_port_ops, 100, 150);
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    MN.naddrs = 2;
    mn_connect_all(EMHTTP_PENDING);
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_PENDING);
    CHECK_EQ_INT(MN.attempts, 1);
    MN.now += 200;
    (void)emhttp_poll(&cli);
    if (r.result == EMHTTP_PENDING) { /* connecting to the second, no time left */
        CHECK_EQ_INT((int)emhttp_next_timeout_ms(&cli), 0);
    }
    for (int i = 0; i < 5 && r.result == EMHTTP_PENDING; i++) {
        (void)emhttp_poll(&cli);
    }
    CHECK_EQ_INT(r.result, EMHTTP_ERR_TIMEOUT);
    CHECK_EQ_INT(MN.attempts, 2);
    CHECK_EQ_INT(completions, 1);
    emhttp_client_close(&cli);
}

static void test_client_prepared_head_body_changed(void)
{
    /* A head prepared for a 1-byte body; the body grew before submission:
     * the head is written anew, with the new length. */
    static const uint8_t body[] = "abc";
    static uint8_t head[256];
    emhttp_request r = {.method = "PUT", .target = "/x", .cbs = &cbs, .body = body,
                        .body_len = 1};
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_prepare(&cli, &r, head, sizeof head), EMHTTP_OK);
    r.body_len = 3;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    MN.sent[MN.sent_len < sizeof MN.sent ? MN.sent_len : sizeof MN.sent - 1] = '\0';
    CHECK(strstr(MN.sent, "Content-Length: 3\r\n") != NULL);
    CHECK(strstr(MN.sent, "\r\n\r\nabc") != NULL);
    emhttp_client_close(&cli);
}

#if CONFIG_EMHTTP_EVENTS
static emhttp_request *cancel_on_close;
static int closes;
static void ev_cancel(void *arg, emhttp_event ev, const emhttp_ip_addr *a, int code)
{
    (void)arg;
    (void)a;
    if (ev == EMHTTP_EV_CLOSE && code != 0 && cancel_on_close != NULL) {
        closes++;
        CHECK_EQ_INT(emhttp_cancel(&cli, cancel_on_close), EMHTTP_OK);
        cancel_on_close = NULL;
    }
}
#endif

static void test_client_event_cancels_resend(void)
{
#if CONFIG_EMHTTP_EVENTS && CONFIG_EMHTTP_RESEND
    /* The reused connection fails; the close event (inside the re-send)
     * cancels the request: it completes once, cancelled, and is not sent
     * again; the next request works. */
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.on_event = ev_cancel;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    cancel_on_close = &r;
    closes = 0;
    MN.send_fail = 1;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_CANCELLED);
    CHECK_EQ_INT(closes, 1);
    CHECK_EQ_INT(completions, 2);
    CHECK_EQ_INT(MN.connects, 1);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 2);
    emhttp_client_close(&cli);
#endif
}

static void test_client_pipelined_head_too_large(void)
{
#if CONFIG_EMHTTP_PIPELINING
    /* The request behind the first has a head that does not fit the
     * transmit buffer: it is not written ahead, and fails in its turn;
     * the first and the one after it succeed. */
    static char big[600];
    memset(big, 'v', sizeof big - 1);
    static emhttp_header h = {"X-Big", 5, big, sizeof big - 1};
    emhttp_request a = {.method = "GET", .target = "/a", .cbs = &cbs};
    emhttp_request b = {.method = "GET", .target = "/b", .cbs = &cbs, .headers = &h,
                        .header_count = 1};
    emhttp_request c = {.method = "GET", .target = "/c", .cbs = &cbs};
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.max_in_flight = 2;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    MN.answer = NULL;
    CHECK_EQ_INT(emhttp_submit(&cli, &a), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &b), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &c), EMHTTP_OK);
    for (int i = 0; i < 5; i++) {
        (void)emhttp_poll(&cli);
    }
    CHECK_EQ_INT(MN.heads, 1); /* b could not go ahead; c waits behind it */
    MN.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    mn_push_str(MN.answer);
    for (int i = 0; i < 50 && c.result == EMHTTP_PENDING; i++) {
        (void)emhttp_poll(&cli);
    }
    CHECK_EQ_INT(a.result, EMHTTP_OK);
    CHECK_EQ_INT(b.result, EMHTTP_ERR_TX_OVERFLOW);
    CHECK_EQ_INT(c.result, EMHTTP_OK);
    CHECK_EQ_INT(completions, 3);
    emhttp_client_close(&cli);
#endif
}

static void test_client_pipelined_redo_without_request_timeout(void)
{
#if CONFIG_EMHTTP_PIPELINING
    /* Two requests written back to back; the first response announces the
     * close: the second goes out again on a fresh connection, and with no
     * request timeout it has all the time it needs. */
    emhttp_request a = {.method = "GET", .target = "/a", .cbs = &cbs};
    emhttp_request b = {.method = "GET", .target = "/b", .cbs = &cbs};
    emhttp_config cfg = config(&mn_port_ops, EMHTTP_TIMEOUT_NONE, EMHTTP_TIMEOUT_NONE);
    cfg.max_in_flight = 2;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    MN.on_head[1] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok";
    MN.on_head[2] = "";
    CHECK_EQ_INT(emhttp_submit(&cli, &a), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &b), EMHTTP_OK);
    for (int i = 0; i < 50 && b.result == EMHTTP_PENDING; i++) {
        (void)emhttp_poll(&cli);
        MN.now += 1000;
    }
    CHECK_EQ_INT(a.result, EMHTTP_OK);
    CHECK_EQ_INT(b.result, EMHTTP_OK);
    CHECK_EQ_INT(MN.heads, 3);
    CHECK_EQ_INT(MN.connects, 2);
    emhttp_client_close(&cli);
#endif
}

static void test_client_port_and_receive_errors(void)
{
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    /* the port out of resources at connect: the request fails with it at
     * once (no next address), and the resolved addresses are kept */
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    MN.naddrs = 2;
    MN.connect_rc[MN.attempts] = EMHTTP_ERR_PORT; /* the next connect, once */
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_PORT);
    CHECK_EQ_INT(MN.attempts, 1);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
#if CONFIG_EMHTTP_STATS
    CHECK_EQ_INT((int)emhttp_client_stats(&cli)->dns_queries, 1);
#endif
    /* a receive error (not an end, not a reset: ETIMEDOUT after failed
     * TCP keepalive probes, say) on a reused connection before any
     * response byte: a dead connection like a reset one - the request is
     * re-sent once on a fresh connection, which the next one reuses */
    MN.recv_err = EMHTTP_ERR_RECV;
    MN.recv_err_head = MN.heads + 1; /* after the probe, once the head is out */
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_EQ_INT(completions, 4);
    emhttp_client_close(&cli);
}

/* Pipelining: a and b written back to back, no answer yet; then b is
 * cancelled - before any byte of a's response (a goes out again on a
 * fresh connection) or after a's response began (a cannot be replayed). */
static void pipelined_cancel(bool a_started)
{
#if CONFIG_EMHTTP_PIPELINING
    emhttp_request a = {.method = "GET", .target = "/a", .cbs = &cbs};
    emhttp_request b = {.method = "GET", .target = "/b", .cbs = &cbs};
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.max_in_flight = 2;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    MN.answer = NULL;
    CHECK_EQ_INT(emhttp_submit(&cli, &a), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &b), EMHTTP_OK);
    for (int i = 0; i < 5; i++) {
        (void)emhttp_poll(&cli);
    }
    CHECK_EQ_INT(MN.heads, 2);
    if (a_started) {
        static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab";
        mn_push(part, sizeof part - 1);
        (void)emhttp_poll(&cli);
        CHECK_EQ_INT(a.result, EMHTTP_PENDING);
    }
    CHECK_EQ_INT(emhttp_cancel(&cli, &b), EMHTTP_OK);
    CHECK_EQ_INT(b.result, EMHTTP_ERR_CANCELLED);
    MN.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    for (int i = 0; i < 20 && a.result == EMHTTP_PENDING; i++) {
        (void)emhttp_poll(&cli);
    }
    if (a_started) { /* client.h, Pipelining: not re-sent, EMHTTP_ERR_CLOSED */
        CHECK_EQ_INT(a.result, EMHTTP_ERR_CLOSED);
        CHECK_EQ_INT(MN.connects, 1);
    } else {
        CHECK_EQ_INT(a.result, EMHTTP_OK);
        CHECK_EQ_INT(MN.connects, 2);
        CHECK_EQ_INT(MN.heads, 3);
    }
    CHECK_EQ_INT(completions, 2);
    emhttp_client_close(&cli);
#else
    (void)a_started;
#endif
}

static void test_client_pipelined_early_answer(void)
{
#if CONFIG_EMHTTP_PIPELINING
    /* a (GET) is out; b (PUT, a body) goes behind it.  While b's body
     * waits for room, the server answers a and at once b (an early
     * answer, before b's body is all there): a completes while b is still
     * being sent, b's answer waits in the receive buffer and is b's
     * response once b is all sent. */
    static uint8_t body[300];
    memset(body, 'b', sizeof body);
    emhttp_request a = {.method = "GET", .target = "/a", .cbs = &cbs};
    emhttp_request b = {.method = "PUT", .target = "/b", .cbs = &cbs, .body = body,
                        .body_len = sizeof body};
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.max_in_flight = 2;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    MN.on_head[1] = "";
    MN.on_head[2] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                   "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nB";
    MN.stall_head = 2;
    CHECK_EQ_INT(emhttp_submit(&cli, &a), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &b), EMHTTP_OK);
    for (int i = 0; i < 50 && b.result == EMHTTP_PENDING; i++) {
        (void)emhttp_poll(&cli);
    }
    CHECK_EQ_INT(a.result, EMHTTP_OK);
    CHECK_EQ_INT(a.status, 200);
    CHECK_EQ_INT(b.result, EMHTTP_OK);
    CHECK_EQ_INT(b.status, 201);
    CHECK_EQ_INT(MN.heads, 2);
    CHECK_EQ_INT(MN.connects, 1);
    CHECK(MN.sent_len > sizeof body && memcmp(MN.sent + MN.sent_len - sizeof body, body,
                                             sizeof body) == 0);
    CHECK_EQ_INT(completions, 2);
    emhttp_client_close(&cli);
#endif
}

static void test_client_connect_code_outside_contract(void)
{
    /* connect() returning a code transport.h does not allow (here
     * EMHTTP_ERR_OUTBOX_FULL): taken as this address failing, like a
     * refusal - the next address is tried. */
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    MN.naddrs = 2;
    MN.connect_rc[MN.attempts] = EMHTTP_ERR_OUTBOX_FULL; /* not a code connect() may return */
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.attempts, 2);
    emhttp_client_close(&cli);
}

static void test_client_pipelined_cancel_before_response(void) { pipelined_cancel(false); }
static void test_client_pipelined_cancel_during_response(void) { pipelined_cancel(true); }

/* ---- redirects (CONFIG_EMHTTP_REDIRECTS) -------------------------------- */

/* Is @p s in what the client sent? */
static bool sent_has(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= MN.sent_len; i++) {
        if (memcmp(MN.sent + i, s, n) == 0) {
            return true;
        }
    }
    return false;
}

#if CONFIG_EMHTTP_REDIRECTS
static char rbuf[256];
static const char *origin_seen;
static uint16_t origin_port;
static emhttp_transport origin_tr; /* what on_origin hands back (ops NULL: keep) */
static bool origin_by_scheme;       /* ... or the mock's transport for the scheme */
static bool origin_refuses;         /* on_origin says no */
static int on_origin(void *arg, const emhttp_origin *o, emhttp_transport *tr)
{
    (void)arg;
    origin_seen = o->host;
    origin_port = o->port;
    if (origin_refuses) {
        return 1;
    }
    if (origin_by_scheme) {
        *tr = mn_transport(o->scheme == EMHTTP_SCHEME_HTTPS ? &mn_secure : &mn_tcp);
    } else if (origin_tr.ops != NULL) {
        *tr = origin_tr;
    }
    return 0;
}

/* A client that follows up to 3 redirects (@p other: to other origins,
 * through on_origin when @p ask). */
static emhttp_config redirect_config(bool other, bool ask)
{
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.max_redirects = 3;
    cfg.redirect_buf = rbuf;
    cfg.redirect_size = sizeof rbuf;
    cfg.redirect_other_origins = other;
    cfg.on_origin = ask ? on_origin : NULL;
    origin_seen = NULL;
    origin_port = 0;
    origin_tr = (emhttp_transport){NULL, NULL};
    origin_by_scheme = false;
    origin_refuses = false;
    return cfg;
}

/* @p method @p target answered by @p first (a 3xx head), then 200: the
 * request's result. */
static int redirect_once(emhttp_request *r, const char *method, const char *target,
                         const char *first)
{
    *r = (emhttp_request){.method = method, .target = target, .cbs = &cbs};
    MN.on_head[MN.heads + 1] = first;
    return emhttp_request_sync(&cli, r);
}

static void test_redirect_location_forms(void)
{
    emhttp_request r;
    emhttp_config cfg = redirect_config(false, false);
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    /* "?query": the current path, all of it, with the new query */
    CHECK_EQ_INT(redirect_once(&r, "GET", "/dir/page?old",
                               "HTTP/1.1 302 F\r\nLocation: ?q=1\r\nContent-Length: 0\r\n\r\n"),
                 EMHTTP_OK);
    CHECK(sent_has("GET /dir/page?q=1 HTTP/1.1\r\n"));
    CHECK_EQ_INT(r.status, 200);
    /* no target: the request's is "/" */
    CHECK_EQ_INT(redirect_once(&r, "GET", NULL,
                               "HTTP/1.1 302 F\r\nLocation: x\r\nContent-Length: 0\r\n\r\n"),
                 EMHTTP_OK);
    CHECK(sent_has("GET /x HTTP/1.1\r\n"));
    CHECK(r.target == NULL); /* restored */
    /* Not a scheme (a digit, '-', '.', '_' first; '_' inside): relative
     * paths, even with a ':' in them */
    static const char *const rel[] = {"1x:y", "-a:b", ".a:b", "_a:b", "a_b:c"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char head[128], line[64];
        snprintf(head, sizeof head, "HTTP/1.1 301 M\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n",
                 rel[i]);
        snprintf(line, sizeof line, "GET /d/%s HTTP/1.1\r\n", rel[i]);
        CHECK_EQ_INT(redirect_once(&r, "GET", "/d/e", head), EMHTTP_OK);
        CHECK(sent_has(line));
    }
    /* a '+' in a scheme: "a+b:" is one, not http(s): refused */
    CHECK_EQ_INT(redirect_once(&r, "GET", "/d/e",
                               "HTTP/1.1 301 M\r\nLocation: a+b:x\r\nContent-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    CHECK_EQ_INT(r.status, 301);
    /* the host in another case is the same origin: same connection */
    int connects = MN.connects;
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 301 M\r\nLocation: http://API.Test:8080?z\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_OK);
    CHECK(sent_has("GET /?z HTTP/1.1\r\n")); /* no path: '/' in front of the query */
    CHECK_EQ_INT(MN.connects, connects);
    /* a relative path against a target without a leading '/' (or none
     * left to keep): refused, not guessed */
    CHECK_EQ_INT(redirect_once(&r, "GET", "abc",
                               "HTTP/1.1 301 M\r\nLocation: d\r\nContent-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    CHECK_EQ_INT(redirect_once(&r, "GET", "a/b",
                               "HTTP/1.1 301 M\r\nLocation: d\r\nContent-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    CHECK(!sent_has("/d HTTP/1.1"));
    /* two Location headers, an empty one: which one is meant is unknown */
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 302 F\r\nLocation: /one\r\nLocation: /two\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    CHECK(!sent_has("GET /one") && !sent_has("GET /two"));
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 302 F\r\nLocation: \r\nContent-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    /* a header name of 8 bytes that is not Location: not taken for it */
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 302 F\r\nX-Locate: /no\r\nLocation: /yes\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_OK);
    CHECK(sent_has("GET /yes HTTP/1.1\r\n") && !sent_has("GET /no"));
    /* 4-letter methods that are not POST keep their method on a 302 */
    static const char *const m4[] = {"PUSH", "POLL", "POSE"};
    for (size_t i = 0; i < 3; i++) {
        char line[64];
        snprintf(line, sizeof line, "%s /m%u HTTP/1.1\r\n", m4[i], (unsigned)i);
        char head[128];
        snprintf(head, sizeof head, "HTTP/1.1 302 F\r\nLocation: /m%u\r\nContent-Length: 0\r\n\r\n",
                 (unsigned)i);
        CHECK_EQ_INT(redirect_once(&r, m4[i], "/", head), EMHTTP_OK);
        CHECK(sent_has(line));
    }
    emhttp_client_close(&cli);
}

#if CONFIG_EMHTTP_BODY_STREAM
static int produce_once(emhttp_request *req, uint8_t *buf, size_t size, size_t *len)
{
    (void)size;
    if (req->user == NULL) {
        *len = 0;
        return EMHTTP_OK;
    }
    req->user = NULL;
    memcpy(buf, "ab", 2);
    *len = 2;
    return EMHTTP_OK;
}
#endif

static void test_redirect_streamed_body_307(void)
{
#if CONFIG_EMHTTP_BODY_STREAM
    /* a 307 needs the body again; a producer was read once */
    emhttp_config cfg = redirect_config(false, false);
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    emhttp_request r = {.method = "PUT", .target = "/s", .cbs = &cbs, .body_len = 2,
                        .body_fn = produce_once, .user = &cli};
    MN.on_head[1] = "HTTP/1.1 307 T\r\nLocation: /t\r\nContent-Length: 0\r\n\r\n";
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_REDIRECT_BODY);
    CHECK_EQ_INT(r.status, 307);
    CHECK(r.body_fn == produce_once);
    CHECK_EQ_INT(MN.lines, 1);
    /* a declared empty stream is a producer all the same: not run again */
    r = (emhttp_request){.method = "PUT", .target = "/s", .cbs = &cbs, .body_len = 0,
                         .body_fn = produce_once, .user = NULL};
    MN.on_head[2] = "HTTP/1.1 307 T\r\nLocation: /t\r\nContent-Length: 0\r\n\r\n";
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_REDIRECT_BODY);
    CHECK_EQ_INT(MN.lines, 2);
    emhttp_client_close(&cli);
#endif
}

static void test_redirect_other_origins(void)
{
    emhttp_request r;
    /* no on_origin, a secure transport bound to its host: another host
     * over it is refused (the certificate check would be the old host's) */
    emhttp_config cfg = redirect_config(true, false);
    cfg.transport = mn_transport(&mn_secure);
    cfg.scheme = EMHTTP_SCHEME_HTTPS;
    cfg.port = 443;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 301 M\r\nLocation: https://other.test/x\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    CHECK_EQ_INT(MN.connects, 1);
    /* a network-path Location keeps the scheme: https, the same host */
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 301 M\r\nLocation: //api.test/n\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_OK);
    CHECK(sent_has("GET /n HTTP/1.1\r\n"));
    CHECK_EQ_INT(MN.connects, 1);
    emhttp_client_close(&cli);

    /* no on_origin: another scheme is refused too (no transport for it) */
    cfg = redirect_config(true, false);
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 301 M\r\nLocation: https://api.test:8080/\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    CHECK_EQ_INT(MN.connects, 1);
    emhttp_client_close(&cli);

    /* on_origin refuses: the request completes with the 3xx */
    cfg = redirect_config(true, true);
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    origin_refuses = true;
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 308 P\r\nLocation: http://o1.test:8080/\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    CHECK(origin_seen != NULL && strcmp(origin_seen, "o1.test") == 0);
    CHECK_EQ_INT(origin_port, 8080);
    CHECK_EQ_INT(r.status, 308);
    CHECK_EQ_INT(MN.connects, 1);
    emhttp_client_close(&cli);

    /* on_origin consents but hands back a transport without recv, or a
     * plain one for https: refused, nothing connects */
    static emhttp_transport_ops no_recv;
    no_recv = mn_tcp;
    no_recv.recv = NULL;
    cfg = redirect_config(true, true);
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    origin_tr = mn_transport(&no_recv);
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 301 M\r\nLocation: http://o2.test/\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    CHECK(origin_seen != NULL);
    origin_tr = mn_transport(&mn_tcp);
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 301 M\r\nLocation: https://o2.test/\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_ERR_REDIRECT);
    CHECK_EQ_INT(MN.connects, 1);

    /* the same host on another port is another origin; then https with
     * the secure transport on_origin gives (port 443: no port in Host),
     * then a third origin from there; then home again */
    origin_tr = (emhttp_transport){NULL, NULL};
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 301 M\r\nLocation: http://api.test:9090/p\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_OK);
    CHECK_EQ_INT(MN.last_port, 9090);
    CHECK(sent_has("GET /p HTTP/1.1\r\nHost: api.test:9090\r\n"));
    origin_by_scheme = true;
    MN.on_head[MN.heads + 2] = "HTTP/1.1 302 F\r\nLocation: http://third.test:81/3\r\n"
                               "Content-Length: 0\r\n\r\n";
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 301 M\r\nLocation: https://secure.test/s\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_OK);
    CHECK(sent_has("GET /s HTTP/1.1\r\nHost: secure.test\r\n"));
    CHECK(sent_has("GET /3 HTTP/1.1\r\nHost: third.test:81\r\n"));
    CHECK_EQ_INT(MN.last_port, 81);
    CHECK(MN.handshakes >= 1);
    r = (emhttp_request){.method = "GET", .target = "/home", .cbs = &cbs};
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK(sent_has("GET /home HTTP/1.1\r\nHost: api.test:8080\r\n"));
    CHECK_EQ_INT(MN.last_port, 8080);
    emhttp_client_close(&cli);
}

static void test_redirect_configured_address(void)
{
    /* a configured address (cfg.resolve) is the home origin's: after a
     * detour the client connects to it again without a lookup */
    static const emhttp_ip_addr fixed = {.family = EMHTTP_AF_INET, .bytes = {10, 0, 0, 7}};
    emhttp_request r;
    emhttp_config cfg = redirect_config(true, false);
    cfg.resolve = &fixed;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    CHECK_EQ_INT(redirect_once(&r, "GET", "/",
                               "HTTP/1.1 302 F\r\nLocation: http://away.test:8080/a\r\n"
                               "Content-Length: 0\r\n\r\n"),
                 EMHTTP_OK);
    CHECK_EQ_INT(MN.resolves, 1); /* away.test */
    CHECK(memcmp(&MN.last_addr, &fixed, sizeof fixed) != 0);
    r = (emhttp_request){.method = "GET", .target = "/", .cbs = &cbs};
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.resolves, 1);
    CHECK(memcmp(&MN.last_addr, &fixed, sizeof fixed) == 0);
    emhttp_client_close(&cli);
}

static void test_redirect_drops_credentials(void)
{
    /* To another origin the hop goes without Authorization and Cookie;
     * headers of their lengths with other names stay. */
    static const emhttp_header hs[] = {{"Authorization", 13, "Basic eDp5", 10},
                                       {"X-Request-Tag", 13, "t1", 2},
                                       {"COOKIE", 6, "s=1", 3},
                                       {"X-Auth", 6, "a2", 2},
                                       {"Accept", 6, "*/*", 3}};
    emhttp_config cfg = redirect_config(true, false);
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    emhttp_request r = {.method = "GET", .target = "/c", .cbs = &cbs, .headers = hs,
                        .header_count = 5};
    MN.on_head[1] = "HTTP/1.1 302 F\r\nLocation: http://o3.test:8080/d\r\nContent-Length: 0\r\n\r\n";
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    const char *hop = NULL;
    for (size_t i = 0; i + 6 <= MN.sent_len; i++) {
        if (memcmp(MN.sent + i, "GET /d", 6) == 0) {
            hop = MN.sent + i;
        }
    }
    CHECK(hop != NULL);
    if (hop != NULL) {
        CHECK(strstr(hop, "X-Request-Tag: t1\r\n") != NULL);
        CHECK(strstr(hop, "X-Auth: a2\r\n") != NULL);
        CHECK(strstr(hop, "Accept: */*\r\n") != NULL);
        CHECK(strstr(hop, "Authorization") == NULL);
        CHECK(strstr(hop, "COOKIE") == NULL);
    }
    CHECK(sent_has("GET /c HTTP/1.1\r\n") && sent_has("Authorization: Basic eDp5\r\n"));
    emhttp_client_close(&cli);
}

static int busy_rc;
static void cb_set_origin(emhttp_request *r, int result)
{
    static const emhttp_origin o = {EMHTTP_SCHEME_HTTP, "x.test", 0, {NULL, NULL}};
    (void)r;
    (void)result;
    busy_rc = emhttp_client_set_origin(&cli, &o);
}

static void test_set_origin_checks(void)
{
    static emhttp_transport_ops no_close;
    no_close = mn_tcp;
    no_close.close = NULL;
    emhttp_origin o = {EMHTTP_SCHEME_HTTP, "new.test", 0, {NULL, NULL}};
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_client_set_origin(NULL, &o), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_client_set_origin(&cli, NULL), EMHTTP_ERR_ARG);
    o.host = NULL;
    CHECK_EQ_INT(emhttp_client_set_origin(&cli, &o), EMHTTP_ERR_ARG);
    o.host = "new.test";
    o.transport = mn_transport(&no_close); /* misses an operation */
    CHECK_EQ_INT(emhttp_client_set_origin(&cli, &o), EMHTTP_ERR_ARG);
    o.transport = mn_transport(&mn_tcp);
    o.scheme = EMHTTP_SCHEME_HTTPS; /* https over a plain transport */
    CHECK_EQ_INT(emhttp_client_set_origin(&cli, &o), EMHTTP_ERR_ARG);
    /* busy: a request queued; from inside a callback */
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    o.scheme = EMHTTP_SCHEME_HTTP;
    CHECK_EQ_INT(emhttp_client_set_origin(&cli, &o), EMHTTP_ERR_BUSY);
    CHECK_EQ_INT(emhttp_cancel(&cli, &r), EMHTTP_OK);
    static const emhttp_response_cbs in_cb = {NULL, NULL, NULL, cb_set_origin};
    r = (emhttp_request){.method = "GET", .target = "/", .cbs = &in_cb};
    busy_rc = 0;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(busy_rc, EMHTTP_ERR_BUSY);
    CHECK(sent_has("Host: api.test:8080\r\n"));
    /* from a completion emhttp_client_close() runs, with another request
     * still to complete: busy as well */
    emhttp_request r2 = {.method = "GET", .target = "/", .cbs = &cbs};
    r = (emhttp_request){.method = "GET", .target = "/", .cbs = &in_cb};
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &r2), EMHTTP_OK);
    busy_rc = 0;
    emhttp_client_close(&cli);
    CHECK_EQ_INT(busy_rc, EMHTTP_ERR_BUSY);
    CHECK_EQ_INT(r2.result, EMHTTP_ERR_CANCELLED);
    /* https with a secure transport, no port: 443, no port in Host */
    o.scheme = EMHTTP_SCHEME_HTTPS;
    o.transport = mn_transport(&mn_secure);
    CHECK_EQ_INT(emhttp_client_set_origin(&cli, &o), EMHTTP_OK);
    r = (emhttp_request){.method = "GET", .target = "/s", .cbs = &cbs};
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.last_port, 443);
    CHECK(sent_has("GET /s HTTP/1.1\r\nHost: new.test\r\n"));
    CHECK(MN.handshakes >= 1);
    /* http on a port of its own, the transport kept (ops NULL) would be
     * the secure one: a plain transport given */
    o = (emhttp_origin){EMHTTP_SCHEME_HTTP, "p.test", 8081, mn_transport(&mn_tcp)};
    CHECK_EQ_INT(emhttp_client_set_origin(&cli, &o), EMHTTP_OK);
    r = (emhttp_request){.method = "GET", .target = "/p", .cbs = &cbs};
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.last_port, 8081);
    CHECK(sent_has("GET /p HTTP/1.1\r\nHost: p.test:8081\r\n"));
    emhttp_client_close(&cli);
}
#endif

static void test_client_config_checks(void)
{
    emhttp_config cfg;
#if CONFIG_EMHTTP_REDIRECTS
    /* redirects without a buffer, or with one over 4 GiB */
    cfg = config(&mn_port_ops, 0, 0);
    cfg.max_redirects = 1;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_ERR_ARG);
#if SIZE_MAX > UINT32_MAX
    cfg.redirect_buf = rbuf;
    cfg.redirect_size = (size_t)UINT32_MAX + 2u;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_ERR_ARG);
#endif
#endif
#if CONFIG_EMHTTP_EXPECT
    /* the 100-continue wait: 1 .. EMHTTP_TIMEOUT_MAX_MS or no limit */
    cfg = config(&mn_port_ops, 0, 0);
    cfg.expect_timeout_ms = EMHTTP_TIMEOUT_MAX_MS + 1u;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_ERR_CONFIG_RANGE);
    cfg.expect_timeout_ms = EMHTTP_TIMEOUT_NONE;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    emhttp_client_close(&cli);
#endif
    (void)cfg;
}

static void test_client_first_byte_timeout_on_reuse(void)
{
    /* A reused connection on which the answer never starts (a NAT forgot
     * it: no FIN, no RST): at the first-byte timeout the request goes out
     * again on a fresh connection, once. */
    emhttp_request r = {.method = "GET", .target = "/", .cbs = &cbs};
    CHECK_EQ_INT(setup_request(&mn_port_ops, 300, EMHTTP_TIMEOUT_NONE), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    MN.answer = NULL;
    MN.on_head[3] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_EQ_INT(MN.head_conn[1], 1);
    CHECK_EQ_INT(MN.head_conn[2], 2);
    CHECK_EQ_INT(completions, 2);
    /* an error other than a dead connection's (a TLS record error) on a
     * reused connection: not re-sent, the request fails with it */
    MN.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    MN.recv_err = EMHTTP_ERR_TLS;
    MN.recv_err_head = MN.heads + 1;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_TLS);
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_EQ_INT(completions, 3);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK); /* usable: a fresh connection */
    CHECK_EQ_INT(MN.connects, 3);
    emhttp_client_close(&cli);
}

#if CONFIG_EMHTTP_EXPECT
static void poll_n(int n)
{
    for (int i = 0; i < n; i++) {
        (void)emhttp_poll(&cli);
    }
}

static void test_expect_edges(void)
{
    static const uint8_t body[] = "BODYBYTES";
    static const emhttp_header other12 = {"Expect", 6, "100-continuX", 12};
    static const emhttp_header other = {"expect", 6, "foo", 3};
    static const emhttp_header cont = {"Expect", 6, "100-Continue", 12};
    emhttp_request r = {.method = "PUT", .target = "/e", .cbs = &cbs, .body = body,
                        .body_len = 9, .headers = &other12, .header_count = 1};
    /* an Expect other than 100-continue holds nothing back: the body
     * follows the head before any answer */
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    MN.answer = NULL;
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    poll_n(5);
    CHECK(sent_has("\r\n\r\nBODYBYTES"));
    mn_push_str("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    poll_n(3);
    CHECK_EQ_INT(r.result, EMHTTP_OK);
    r.headers = &other;
    r.result = 0;
    mn_clear_sent();
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    poll_n(5);
    CHECK(sent_has("\r\n\r\nBODYBYTES"));
    mn_push_str("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    poll_n(3);
    CHECK_EQ_INT(r.result, EMHTTP_OK);
    emhttp_client_close(&cli);

    /* 100-continue: the 100 arrives in pieces, then a final status right
     * behind it, in the same read: the server answered without the body,
     * which never leaves.  Without a request timeout: once an answer
     * began, the body waits for it, not for the end of the expect wait */
    CHECK_EQ_INT(setup_request(&mn_port_ops, 0, EMHTTP_TIMEOUT_NONE), EMHTTP_OK);
    MN.answer = NULL;
    r.headers = &cont;
    r.result = 0;
    CHECK_EQ_INT(emhttp_submit(&cli, &r), EMHTTP_OK);
    poll_n(5);
    CHECK(sent_has("100-Continue\r\n"));
    CHECK(!sent_has("BODYBYTES"));
    mn_push_str("HTTP/1.1 10");
    poll_n(2);
    MN.now += 5 * CONFIG_EMHTTP_EXPECT_TIMEOUT_MS;
    poll_n(2);
    CHECK_EQ_INT(r.result, EMHTTP_PENDING);
    CHECK(!sent_has("BODYBYTES"));
    mn_push_str("0 Continue\r\n\r\nHTTP/1.1 200 OK\r\n");
    poll_n(2);
    CHECK(!sent_has("BODYBYTES"));
    mn_push_str("Content-Length: 0\r\n\r\n");
    poll_n(3);
    CHECK_EQ_INT(r.result, EMHTTP_OK);
    CHECK_EQ_INT(r.status, 200);
    CHECK(!sent_has("BODYBYTES"));
    emhttp_client_close(&cli);
}
#endif

#if CONFIG_EMHTTP_BODY_STREAM
/* A producer by script: gives "ab" pieces of what it is asked, up to its
 * declared length; then its answer to the confirmation. */
static int prod_mode;   /* 0 normal, 1 fails at the confirmation, 2 over room, 3 pending once */
static size_t prod_asked; /* the room of the first call */
static int prod_pending;
static int producer(emhttp_request *req, uint8_t *buf, size_t size, size_t *len)
{
    size_t *left = req->user;
    if (prod_asked == 0) {
        prod_asked = size;
    }
    if (prod_mode == 3 && prod_pending-- > 0) {
        return EMHTTP_PENDING;
    }
    if (prod_mode == 2) {
        *len = size + 1;
        return EMHTTP_OK;
    }
    if (*left == 0) {
        *len = 0;
        return prod_mode == 1 ? EMHTTP_ERR_BODY : EMHTTP_OK;
    }
    size_t n = *left < size ? *left : size;
    memset(buf, 'z', n);
    *left -= n;
    *len = n;
    return EMHTTP_OK;
}

static void test_stream_producer_edges(void)
{
    static uint8_t big_tx[20000];
    size_t left;
    emhttp_request r = {.method = "PUT", .target = "/u", .cbs = &cbs, .body_fn = producer,
                        .user = &left};
    /* a transmit buffer over CONFIG_EMHTTP_SEND_CHUNK: the producer is
     * asked for at most that many bytes at once */
    emhttp_config cfg = config(&mn_port_ops, 0, 0);
    cfg.tx_buf = big_tx;
    cfg.tx_size = sizeof big_tx;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    prod_mode = 0;
    prod_asked = 0;
    left = 18000;
    r.body_len = 18000;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK_EQ_INT((long long)prod_asked, (long long)CONFIG_EMHTTP_SEND_CHUNK);
    CHECK(MN.sent_total > 18000);
    emhttp_client_close(&cli);

    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    /* the producer fails when asked to confirm the end: the last piece
     * never leaves, the request fails */
    prod_mode = 1;
    left = 4;
    r.body_len = 4;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_BODY);
    CHECK(!sent_has("zzzz"));
    emhttp_client_close(&cli);
    /* a producer that claims more bytes than it was given room for */
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    prod_mode = 2;
    r.body_len = EMHTTP_BODY_UNKNOWN;
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_ERR_BODY);
    /* emhttp_request_sync() with a producer waiting for another task:
     * it asks again (without blocking in wait()) until it gives */
    emhttp_client_close(&cli);
    CHECK_EQ_INT(setup(&mn_port_ops, 0), EMHTTP_OK);
    prod_mode = 3;
    prod_pending = 3;
    left = 5;
    r.body_len = 5;
    mn_clear_sent();
    CHECK_EQ_INT(emhttp_request_sync(&cli, &r), EMHTTP_OK);
    CHECK(prod_pending < 0);
    CHECK(sent_has("\r\n\r\nzzzzz"));
    emhttp_client_close(&cli);
}
#endif

int main(void)
{
    RUN(test_parser_long_header_name);
    RUN(test_parser_names_of_known_lengths);
    RUN(test_parser_chunk_extension);
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
    RUN(test_client_resend_needs_idempotency_key);
    RUN(test_client_dns_answers);
    RUN(test_client_transport_holds_bytes);
    RUN(test_client_idle_limits);
    RUN(test_client_late_poll_between_addresses);
    RUN(test_client_prepared_head_body_changed);
    RUN(test_client_event_cancels_resend);
    RUN(test_client_pipelined_head_too_large);
    RUN(test_client_pipelined_redo_without_request_timeout);
    RUN(test_client_port_and_receive_errors);
    RUN(test_client_pipelined_early_answer);
    RUN(test_client_connect_code_outside_contract);
    RUN(test_client_pipelined_cancel_before_response);
    RUN(test_client_pipelined_cancel_during_response);
#if CONFIG_EMHTTP_REDIRECTS
    RUN(test_redirect_location_forms);
    RUN(test_redirect_streamed_body_307);
    RUN(test_redirect_other_origins);
    RUN(test_redirect_configured_address);
    RUN(test_redirect_drops_credentials);
    RUN(test_set_origin_checks);
#endif
    RUN(test_client_config_checks);
    RUN(test_client_first_byte_timeout_on_reuse);
#if CONFIG_EMHTTP_EXPECT
    RUN(test_expect_edges);
#endif
#if CONFIG_EMHTTP_BODY_STREAM
    RUN(test_stream_producer_edges);
#endif
    return check_summary();
}
