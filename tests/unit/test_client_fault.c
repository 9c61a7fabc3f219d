/*
 * Fault injection: the client state machine over the scripted mock port
 * (support/mock_net.h).
 *
 * The mock is only for faults no real peer produces on demand (a clock that
 * jumps, a connect that never finishes, a reset at an exact moment); the
 * real behaviour against real servers is in tests/integration.
 *
 * Script: recv actions are delivered in order, each only once the client
 * has sent at least `gate` request heads (so a response never arrives
 * before its request, and the idle-connection probe sees nothing).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "emhttp/client.h"
#include "mock_net.h"

static emhttp_client cli;
static uint8_t tx[512], rx[512];

/* A counter of emhttp_client_stats(), where CONFIG_EMHTTP_STATS has them. */
#if CONFIG_EMHTTP_STATS
#define CHECK_STAT(field, v) CHECK_EQ_INT(emhttp_client_stats(&cli)->field, (v))
#else
#define CHECK_STAT(field, v) ((void)0)
#endif
static char body[2048];
static size_t body_len;

static int cb_body(emhttp_request *r, const uint8_t *d, size_t n)
{
    (void)r;
    memcpy(body + body_len, d, n);
    body_len += n;
    return 0;
}
static int cb_abort(emhttp_request *r, int status, const char *reason, size_t len)
{
    (void)r;
    (void)status;
    (void)reason;
    (void)len;
    return 1;
}
static const emhttp_response_cbs body_cbs = {NULL, NULL, cb_body, NULL};
static const emhttp_response_cbs abort_cbs = {cb_abort, NULL, NULL, NULL};

#define OK200 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
#define OK200_CLOSE "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

static void setup(emhttp_config *over)
{
    mn_reset();
    body_len = 0;
    emhttp_config cfg = {.host = "api.test", .port = 8080, .net = mn_port,
                         .transport = mn_transport(&mn_tcp),
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx, .rx_size = sizeof rx,
                         .connect_timeout_ms = 1000, .first_byte_timeout_ms = 2000,
                         .request_timeout_ms = 5000, .dns_timeout_ms = 700};
    if (over != NULL) {
        cfg.dns_ttl_s = over->dns_ttl_s;
        cfg.retry_all_methods = over->retry_all_methods;
        if (over->transport.ops != NULL) {
            cfg.transport = over->transport;
            cfg.scheme = over->scheme;
        }
    }
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
}

static int get(const char *method)
{
    static emhttp_request req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.target = "/api";
    req.cbs = &body_cbs;
    return emhttp_request_sync(&cli, &req);
}

static void test_request_bytes_and_reuse(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_DATA, 2, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    const char *want = "GET /api HTTP/1.1\r\nHost: api.test:8080\r\n\r\n";
    CHECK_EQ_MEM(MN.sent, MN.sent_len, want, strlen(want));
    CHECK_EQ_MEM(body, body_len, "ok", 2);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 1);
    CHECK_STAT(connects, 1);
    CHECK_STAT(reuses, 1);
    CHECK_STAT(dns_queries, 1);
    CHECK_EQ_INT(MN.resolves, 1);
}

/* Head and body leave in one gather call; a port that takes a few bytes at
 * a time still gets every byte in order. */
static void test_gather_and_partial_sends(void)
{
    static const uint8_t json[] = "{\"a\":1}";
    const char *want = "POST /api HTTP/1.1\r\nHost: api.test:8080\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
    for (size_t accept = 0; accept < 12; accept++) {
        setup(NULL);
        MN.accept_max = accept;
        mn_script(MN_DATA, 1, OK200);
        emhttp_request req = {.method = "POST", .target = "/api", .body = json, .body_len = 7};
        CHECK_EQ_INT(emhttp_request_sync(&cli, &req), EMHTTP_OK);
        CHECK_EQ_MEM(MN.sent, MN.sent_len, want, strlen(want));
        if (accept == 0) {
            CHECK_EQ_INT(MN.send_calls, 1);
        }
    }
}

static void test_dns_cached_across_connections(void)
{
    setup(NULL);
    for (int i = 1; i <= 3; i++) {
        mn_script(MN_DATA, i, OK200_CLOSE);
    }
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    }
    CHECK_EQ_INT(MN.connects, 3);
    CHECK_EQ_INT(MN.resolves, 1);
}

static void test_dns_ttl_expiry(void)
{
    emhttp_config over = {.dns_ttl_s = 10};
    setup(&over);
    mn_script(MN_DATA, 1, OK200_CLOSE);
    mn_script(MN_DATA, 2, OK200_CLOSE);
    mn_script(MN_DATA, 3, OK200_CLOSE);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    MN.now += 9000;
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.resolves, 1);
    MN.now += 2000;
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.resolves, 2);
}

static void test_connect_failure_forgets_address(void)
{
    setup(NULL);
    MN.connect_rc[0] = EMHTTP_ERR_CONNECT;
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_CONNECT);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK); /* usable again, and resolved again */
    CHECK_EQ_INT(MN.resolves, 2);
}

/* A transport that secures inside its connect (an offloaded TLS socket)
 * reports a failed certificate or handshake from connect(): the request
 * fails with that code at once, no next address is tried, the cache is
 * kept (the address is not to blame). */
static void test_tls_failure_in_connect_is_final(void)
{
    static const int codes[] = {EMHTTP_ERR_TLS_CERT_HOSTNAME, EMHTTP_ERR_TLS_CERT_UNTRUSTED,
                                EMHTTP_ERR_TLS_HANDSHAKE, EMHTTP_ERR_TLS_CERT};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        setup(NULL);
        MN.naddrs = 2;
        MN.connect_rc[0] = codes[i];
        mn_script(MN_DATA, 1, OK200);
        CHECK_EQ_INT(get("GET"), codes[i]);
        CHECK_EQ_INT(MN.attempts, 1);
        CHECK_EQ_INT(get("GET"), EMHTTP_OK);
        CHECK_EQ_INT(MN.resolves, 1);
        CHECK_EQ_INT(MN.last_addr.bytes[3], 1);
    }
}

#if CONFIG_EMHTTP_DNS_MAX_ADDRS > 1
static void test_second_address_used_and_remembered(void)
{
    setup(NULL);
    MN.naddrs = 2;
    MN.connect_rc[0] = EMHTTP_ERR_CONNECT;
    mn_script(MN_DATA, 1, OK200_CLOSE);
    mn_script(MN_DATA, 2, OK200_CLOSE);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.last_addr.bytes[3], 2);
    CHECK_EQ_INT(MN.connects, 1);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.attempts, 3); /* straight to the address that worked */
    CHECK_EQ_INT(MN.last_addr.bytes[3], 2);
    CHECK_EQ_INT(MN.resolves, 1);
}
#else
/* One cached address: a failed connect fails the request and the next
 * one resolves again (the second address of the answer is not kept). */
static void test_one_address_kept(void)
{
    setup(NULL);
    MN.naddrs = 2;
    MN.connect_rc[0] = EMHTTP_ERR_CONNECT;
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_CONNECT);
    CHECK_EQ_INT(MN.attempts, 1);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.last_addr.bytes[3], 1);
    CHECK_EQ_INT(MN.resolves, 2);
}
#endif

static void test_dns_errors(void)
{
    setup(NULL);
    MN.dns_rc = EMHTTP_ERR_DNS;
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_DNS);
    MN.dns_rc = EMHTTP_PENDING;
    uint32_t t0 = MN.now;
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_DNS_TIMEOUT);
    CHECK(MN.now - t0 >= 700 && MN.now - t0 < 1000);
    MN.dns_rc = EMHTTP_OK;
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.resolves, 3);
}

/* Dead connections: one idle past the idle-reuse limit (default 30 s) is
 * replaced before use; a reused one that stays silent past the first-byte
 * timeout (a NAT dropped it: no FIN, no RST) is taken for dead and the
 * request re-sent once on a fresh one, under the retry policy. */
static void test_dead_connections(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_DATA, 2, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    MN.now += 29999;
    CHECK_EQ_INT(get("GET"), EMHTTP_OK); /* within the limit: reused */
    CHECK_EQ_INT(MN.connects, 1);
    mn_script(MN_DATA, 3, OK200);
    MN.now += 30000;
    CHECK_EQ_INT(get("GET"), EMHTTP_OK); /* idle too long: a fresh connection */
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_STAT(ka_expired, 1);

#if CONFIG_EMHTTP_RESEND
    setup(NULL);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_DATA, 3, OK200); /* nothing ever answers the second head */
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    uint32_t t0 = MN.now;
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK(MN.now - t0 >= 2000 && MN.now - t0 < 2100); /* the first-byte timeout, once */
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_EQ_INT(MN.lines, 3);
    CHECK_STAT(retries, 1);

    setup(NULL); /* a POST is not re-sent: it may have been processed */
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_DATA, 3, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(get("POST"), EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
    CHECK_EQ_INT(get("POST"), EMHTTP_OK);
#endif
    setup(NULL); /* a fresh connection's silence is not retried */
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
    CHECK_EQ_INT(MN.lines, 1);
}

/* A new connection that speaks before the request was written is not an
 * HTTP server answering it: the request fails, nothing is sent, and the
 * next request goes out on a fresh connection. */
static void test_fresh_connection_speaks_first(void)
{
    setup(NULL);
    mn_script(MN_DATA, 0, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL");
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_PROTOCOL);
    CHECK_EQ_INT(MN.sent_len, 0);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_MEM(body, body_len, "ok", 2);
    CHECK_EQ_INT(MN.attempts, 2);
}

/* Errors keep their cause: a port out of resources is not a refused
 * connection (the cached address is kept), a resolver that cannot start is
 * not a name that does not resolve, a handshake past the connect timeout
 * is not a connect timeout. */
static void test_error_causes(void)
{
    setup(NULL);
    MN.connect_rc[0] = EMHTTP_ERR_PORT;
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_PORT);
    CHECK_EQ_INT(MN.attempts, 1); /* no second address tried for it */
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.resolves, 1); /* the DNS cache survived */

    setup(NULL);
    MN.resolve_start_rc = EMHTTP_ERR_RESOLVER;
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_RESOLVER);
    CHECK_EQ_INT(MN.attempts, 0);
    MN.resolve_start_rc = EMHTTP_PENDING;
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);

    emhttp_config over = {.scheme = EMHTTP_SCHEME_HTTPS, .transport = mn_transport(&mn_secure)};
    setup(&over);
    MN.handshake_rc = EMHTTP_PENDING;
    uint32_t t0 = MN.now;
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_TLS_TIMEOUT);
    CHECK(MN.now - t0 >= 1000 && MN.now - t0 < 1100); /* the connect timeout, not the request's */
    CHECK(MN.handshakes > 0);
    CHECK_EQ_INT(MN.sent_len, 0); /* nothing sent before the handshake completes */
    MN.handshake_rc = EMHTTP_OK;
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.resolves, 1); /* kept across the handshake failure */
    CHECK_STAT(tls_handshakes, 1);
    const char *want = "GET /api HTTP/1.1\r\nHost: api.test:8080\r\n\r\n";
    CHECK_EQ_MEM(MN.sent, MN.sent_len, want, strlen(want));
    MN.handshake_rc = EMHTTP_ERR_TLS_CERT_UNTRUSTED; /* a handshake failure is final, cache kept */
    emhttp_client_close(&cli);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_TLS_CERT_UNTRUSTED);
    CHECK_EQ_INT(MN.resolves, 1);
}

/* A transport that secures the connection itself (an offloaded TLS socket)
 * gets HTTPS semantics: port 443 by default, Host without it. */
static void test_secure_transport_defaults(void)
{
    static const emhttp_ip_addr fixed = {EMHTTP_AF_INET, {192, 0, 2, 7}};
    emhttp_config cfg = {.host = "api.test", .scheme = EMHTTP_SCHEME_HTTPS,
                         .net = mn_port, .transport = mn_transport(&mn_secure),
                         .resolve = &fixed, .tx_buf = tx, .tx_size = sizeof tx,
                         .rx_buf = rx, .rx_size = sizeof rx};
    mn_reset();
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.last_port, 443);
    const char *want = "GET /api HTTP/1.1\r\nHost: api.test\r\n\r\n";
    CHECK_EQ_MEM(MN.sent, MN.sent_len, want, strlen(want));
    CHECK_EQ_INT(MN.resolves, 0);
}

#if CONFIG_EMHTTP_RESEND
/* A reused connection found dead before any response byte: re-sent once on
 * a fresh connection for idempotent methods only. */
static void test_dead_reuse_retry_policy(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_CLOSED, 2, NULL);
    mn_script(MN_DATA, 3, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_STAT(retries, 1);
    CHECK_EQ_INT(MN.connects, 2);

    setup(NULL);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_CLOSED, 2, NULL);
    mn_script(MN_DATA, 3, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(get("POST"), EMHTTP_ERR_CLOSED); /* not idempotent: not re-sent */
    CHECK_EQ_INT(get("POST"), EMHTTP_OK);         /* the client carries on */

    emhttp_config over = {.retry_all_methods = true};
    setup(&over);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_RESET, 2, NULL);
    mn_script(MN_DATA, 3, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(get("POST"), EMHTTP_OK);

    setup(NULL); /* only once: a second death fails the request */
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_CLOSED, 2, NULL);
    mn_script(MN_CLOSED, 3, NULL);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_CLOSED);

    setup(NULL); /* a fresh connection is never retried */
    mn_script(MN_CLOSED, 1, NULL);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_CLOSED);
    CHECK_STAT(retries, 0);
}

static void test_idempotency_key_retried(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_DATA, 3, OK200);
    MN.send_fail_at_line = 2;
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    emhttp_header h[] = {EMHTTP_HEADER("Idempotency-Key", "abc")};
    emhttp_request req = {.method = "POST", .target = "/", .headers = h, .header_count = 1};
    CHECK_EQ_INT(emhttp_request_sync(&cli, &req), EMHTTP_OK);
    CHECK_STAT(retries, 1);
}

#else
/* Without CONFIG_EMHTTP_RESEND a request whose reused connection turns
 * out dead fails (whatever its method); the client carries on and the
 * caller's second submit goes out on a fresh connection. */
static void test_dead_reuse_fails_without_resend(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_CLOSED, 2, NULL);
    mn_script(MN_DATA, 3, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_CLOSED);
    CHECK_EQ_INT(MN.lines, 2);
    CHECK(!MN.open);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 2);

    emhttp_config over = {.retry_all_methods = true}; /* ignored */
    setup(&over);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_RESET, 2, NULL);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(get("POST"), EMHTTP_ERR_RESET);
    CHECK_EQ_INT(MN.lines, 2);
}
#endif

static void test_idle_probe_reconnects_before_send(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_CLOSED, 0, NULL); /* the server closed the idle connection */
    mn_script(MN_DATA, 2, OK200);
    CHECK_EQ_INT(get("POST"), EMHTTP_OK);
    MN.now += 5; /* idle for a while */
    CHECK_EQ_INT(get("POST"), EMHTTP_OK); /* no retry needed: caught before sending */
    CHECK_STAT(retries, 0);
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_EQ_INT(MN.lines, 2);
}

#if CONFIG_EMHTTP_KEEPALIVE_HINT
static void test_keepalive_timeout_honoured(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2\r\nContent-Length: 0\r\n\r\n");
    mn_script(MN_DATA, 2, "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2\r\nContent-Length: 0\r\n\r\n");
    mn_script(MN_DATA, 3, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    MN.now += 1000; /* within 2 s - margin: reused */
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 1);
    MN.now += 1600; /* past 2 s - margin: replaced before use */
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 2);
    CHECK_STAT(ka_expired, 1);
}
#else
/* Without the hint the header is ignored: the idle connection is probed
 * and reused as long as the server keeps it open. */
static void test_keepalive_timeout_honoured(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2\r\nContent-Length: 0\r\n\r\n");
    mn_script(MN_DATA, 2, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    MN.now += 2600;
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 1);
}
#endif

/* Chunked responses: decoded, or (CONFIG_EMHTTP_CHUNKED off) refused with
 * EMHTTP_ERR_UNSUPPORTED, the connection dropped and the client usable. */
static void test_chunked_response(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    mn_script(MN_DATA, 2, OK200);
#if CONFIG_EMHTTP_CHUNKED
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_MEM(body, body_len, "ok", 2);
    CHECK(MN.open);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 1);
#else
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_UNSUPPORTED);
    CHECK(!MN.open);
    CHECK_EQ_INT(body_len, 0);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 2);
#endif
}

static void test_timeouts(void)
{
    setup(NULL);
    MN.connect_rc[0] = EMHTTP_PENDING;
    uint32_t t0 = MN.now;
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_CONNECT_TIMEOUT);
    CHECK(MN.now - t0 >= 1000 && MN.now - t0 < 1500);

    setup(NULL);
    t0 = MN.now;
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
    CHECK(MN.now - t0 >= 2000 && MN.now - t0 < 2500);

    setup(NULL);
    mn_script(MN_DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    t0 = MN.now;
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_TIMEOUT);
    CHECK(MN.now - t0 >= 5000 && MN.now - t0 < 5500);
    CHECK(!MN.open);
    mn_script(MN_DATA, 2, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
}

static void test_bad_request_sends_nothing(void)
{
    setup(NULL);
    emhttp_header h[] = {{"X-Bad", 5, "a\r\nInjected: 1", 14}};
    emhttp_request req = {.target = "/", .headers = h, .header_count = 1};
    CHECK_EQ_INT(emhttp_request_sync(&cli, &req), EMHTTP_ERR_BAD_REQUEST);
    CHECK_EQ_INT(MN.sent_len, 0);
    CHECK_EQ_INT(MN.attempts, 0);
    emhttp_request req2 = {.target = "/a b"};
    CHECK_EQ_INT(emhttp_request_sync(&cli, &req2), EMHTTP_ERR_BAD_REQUEST);
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
}

static void test_protocol_errors_close_and_recover(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok");
    mn_script(MN_DATA, 2, "garbage\r\n\r\n");
    mn_script(MN_DATA, 3, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_BAD_LENGTH);
    CHECK(!MN.open);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_PROTOCOL);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 3);
}

static void test_header_line_longer_than_buffer(void)
{
    static char big[1024];
    setup(NULL);
    strcpy(big, "HTTP/1.1 200 OK\r\nX-Long: ");
    memset(big + strlen(big), 'a', 700);
    mn_script(MN_DATA, 1, big);
    CHECK_EQ_INT(get("GET"), EMHTTP_ERR_HEADER_TOO_LARGE);
    mn_script(MN_DATA, 2, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
}

static void test_callback_abort(void)
{
    setup(NULL);
    mn_script(MN_DATA, 1, OK200);
    emhttp_request req = {.target = "/", .cbs = &abort_cbs};
    CHECK_EQ_INT(emhttp_request_sync(&cli, &req), EMHTTP_ERR_ABORTED);
    CHECK(!MN.open);
}

static int completed[4], ncompleted;
static void on_done(emhttp_request *r, int rc)
{
    completed[ncompleted++] = (int)(intptr_t)r->user;
    (void)rc;
}

static void test_queue_order_and_close(void)
{
    static const emhttp_response_cbs cbs = {NULL, NULL, NULL, on_done};
    emhttp_request r[3] = {{.target = "/1", .cbs = &cbs, .user = (void *)1},
                           {.target = "/2", .cbs = &cbs, .user = (void *)2},
                           {.target = "/3", .cbs = &cbs, .user = (void *)3}};
    setup(NULL);
    ncompleted = 0;
    mn_script(MN_DATA, 1, OK200);
    mn_script(MN_DATA, 2, OK200);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(emhttp_submit(&cli, &r[i]), EMHTTP_OK);
    }
    CHECK_EQ_INT(emhttp_submit(&cli, &r[0]), EMHTTP_ERR_BUSY);
    for (int i = 0; i < 20 && ncompleted < 2; i++) {
        emhttp_poll(&cli);
    }
    CHECK_EQ_INT(ncompleted, 2);
    CHECK(completed[0] == 1 && completed[1] == 2);
    emhttp_client_close(&cli);
    CHECK_EQ_INT(ncompleted, 3);
    CHECK_EQ_INT(r[2].result, EMHTTP_ERR_CANCELLED);
    CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_OK);
}

/* Every configuration emhttp_client_init() rejects, and with which code:
 * EMHTTP_ERR_ARG for a missing or invalid field (checked first), then
 * EMHTTP_ERR_URL for the host name. */
static void test_init_rejects(void)
{
    const emhttp_config good = {.host = "api.test", .net = mn_port,
                                .transport = mn_transport(&mn_tcp), .tx_buf = tx,
                                .tx_size = sizeof tx, .rx_buf = rx, .rx_size = sizeof rx};
    emhttp_config cfg = good;
    CHECK_EQ_INT(emhttp_client_init(NULL, &cfg), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_client_init(&cli, NULL), EMHTTP_ERR_ARG);
#define REJECT(field, value, code)                                \
    do {                                                          \
        cfg = good;                                               \
        cfg.field = (value);                                      \
        CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), (code));     \
    } while (0)
    REJECT(host, NULL, EMHTTP_ERR_ARG);
    REJECT(net.ops, NULL, EMHTTP_ERR_ARG);
    REJECT(tx_buf, NULL, EMHTTP_ERR_ARG);
    REJECT(rx_buf, NULL, EMHTTP_ERR_ARG);
    REJECT(tx_size, 0, EMHTTP_ERR_ARG);
    REJECT(rx_size, 0, EMHTTP_ERR_ARG);
    REJECT(rx_size, 255, EMHTTP_ERR_ARG);
    REJECT(rx_size, 256, EMHTTP_OK);
    REJECT(tx_size, 1, EMHTTP_OK);
#if SIZE_MAX > UINT32_MAX
    REJECT(rx_size, (size_t)UINT32_MAX + 1u, EMHTTP_ERR_ARG);
    REJECT(tx_size, (size_t)UINT32_MAX + 1u, EMHTTP_ERR_ARG);
#endif
    /* the scheme must match the transport: https only over a secure one */
    emhttp_transport_ops secure = mn_tcp;
    secure.flags = EMHTTP_TRANSPORT_SECURE;
    REJECT(scheme, EMHTTP_SCHEME_HTTPS, EMHTTP_ERR_ARG); /* HTTPS over plain TCP */
    REJECT(scheme, (emhttp_scheme)2, EMHTTP_ERR_ARG);
    REJECT(transport.ops, &secure, EMHTTP_ERR_ARG); /* HTTP over a secure transport */
    cfg = good;
    cfg.scheme = EMHTTP_SCHEME_HTTPS;
    cfg.transport.ops = &secure;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    cfg.scheme = (emhttp_scheme)2;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_ERR_ARG);
    REJECT(transport.ops, NULL, EMHTTP_ERR_ARG);

    /* timeouts: 0 default, EMHTTP_TIMEOUT_NONE, or up to EMHTTP_TIMEOUT_MAX_MS */
    REJECT(request_timeout_ms, EMHTTP_TIMEOUT_MAX_MS, EMHTTP_OK);
    REJECT(request_timeout_ms, EMHTTP_TIMEOUT_NONE, EMHTTP_OK);
    REJECT(request_timeout_ms, EMHTTP_TIMEOUT_MAX_MS + 1u, EMHTTP_ERR_CONFIG_RANGE);
    REJECT(request_timeout_ms, 2415919104u, EMHTTP_ERR_CONFIG_RANGE);
    REJECT(request_timeout_ms, UINT32_MAX - 1u, EMHTTP_ERR_CONFIG_RANGE);
    REJECT(connect_timeout_ms, 0x80000000u, EMHTTP_ERR_CONFIG_RANGE);
    REJECT(first_byte_timeout_ms, 0x80000000u, EMHTTP_ERR_CONFIG_RANGE);
    REJECT(dns_timeout_ms, 0x80000000u, EMHTTP_ERR_CONFIG_RANGE);
    REJECT(dns_ttl_s, EMHTTP_TIMEOUT_MAX_MS / 1000u, EMHTTP_OK);
    REJECT(dns_ttl_s, EMHTTP_TIMEOUT_MAX_MS / 1000u + 1u, EMHTTP_ERR_CONFIG_RANGE);
    REJECT(dns_ttl_s, EMHTTP_DNS_TTL_FOREVER, EMHTTP_OK);

    /* every port op is required but the resolver (with a configured
     * address) and wait (only emhttp_request_sync() uses it) */
    emhttp_port_ops ops;
    cfg = good;
    cfg.net.ops = &ops;
#define REJECT_OP(op)                                                       \
    do {                                                                    \
        ops = mn_port_ops;                                                  \
        ops.op = NULL;                                                      \
        CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_ERR_ARG);       \
    } while (0)
    REJECT_OP(now_ms);
    REJECT_OP(resolve_start);
    REJECT_OP(resolve_poll);
    REJECT_OP(resolve_cancel);
    ops = mn_port_ops;
    ops.wait = NULL;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    static const emhttp_ip_addr fixed = {EMHTTP_AF_INET, {192, 0, 2, 9}};
    ops = mn_port_ops;
    ops.resolve_start = NULL;
    ops.resolve_poll = NULL;
    ops.resolve_cancel = NULL;
    cfg.resolve = &fixed; /* no resolver needed */
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
#undef REJECT_OP
    /* every transport op but the optional handshake, sendv and want */
    emhttp_transport_ops tops;
    cfg = good;
    cfg.transport.ops = &tops;
#define REJECT_TOP(op)                                                      \
    do {                                                                    \
        tops = mn_tcp;                                                      \
        tops.op = NULL;                                                     \
        CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_ERR_ARG);       \
    } while (0)
    REJECT_TOP(connect);
    REJECT_TOP(connect_poll);
    REJECT_TOP(send);
    REJECT_TOP(recv);
    REJECT_TOP(close);
    tops = mn_tcp;
    tops.sendv = NULL;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
#undef REJECT_TOP

    /* the host name */
    static char name[CONFIG_EMHTTP_MAX_HOST_LEN + 2];
    memset(name, 'a', sizeof name - 1);
    REJECT(host, name, EMHTTP_ERR_URL); /* CONFIG_EMHTTP_MAX_HOST_LEN + 1 */
    name[CONFIG_EMHTTP_MAX_HOST_LEN] = '\0';
    REJECT(host, name, EMHTTP_OK);
    REJECT(host, "", EMHTTP_ERR_URL);
    REJECT(host, "a", EMHTTP_OK);
    REJECT(host, "x-y_z.9", EMHTTP_OK);
    REJECT(host, "bad host", EMHTTP_ERR_URL);
    REJECT(host, "a/b", EMHTTP_ERR_URL);
    REJECT(host, "a\r\nX-Injected: 1", EMHTTP_ERR_URL); /* docs/SECURITY.md */
    REJECT(host, "a\nb", EMHTTP_ERR_URL);
    REJECT(host, "a\x7f", EMHTTP_ERR_URL);
    REJECT(host, "a\xc3\xa9", EMHTTP_ERR_URL);
    REJECT(host, "::1", CONFIG_EMHTTP_IPV6 ? EMHTTP_OK : EMHTTP_ERR_URL);
    cfg = good;
    cfg.host = "bad host";
    cfg.rx_size = 255;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_ERR_ARG); /* ARG before URL */
#undef REJECT
}

static void test_init_validation(void)
{
    emhttp_config cfg = {.host = "api.test", .net = mn_port,
                         .transport = mn_transport(&mn_tcp), .tx_buf = tx,
                         .tx_size = sizeof tx, .rx_buf = rx, .rx_size = 255};
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_ERR_ARG);
    cfg.rx_size = sizeof rx;
    cfg.host = "bad host";
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_ERR_URL);
    cfg.host = "127.0.0.1"; /* IP literal: the port's resolver converts it */
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
#if CONFIG_EMHTTP_IPV6
    cfg.host = "::1";
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
#endif
    static const emhttp_ip_addr fixed = {EMHTTP_AF_INET, {192, 0, 2, 9}};
    cfg.resolve = &fixed; /* a configured address: never resolved */
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    mn_reset();
    mn_script(MN_DATA, 1, OK200);
    CHECK_EQ_INT(get("GET"), EMHTTP_OK);
    CHECK_EQ_INT(MN.resolves, 0);
    CHECK_EQ_INT(MN.last_addr.bytes[3], 9);
    CHECK_STAT(dns_queries, 0);
}

int main(void)
{
    RUN(test_request_bytes_and_reuse);
    RUN(test_gather_and_partial_sends);
    RUN(test_dns_cached_across_connections);
    RUN(test_dns_ttl_expiry);
    RUN(test_connect_failure_forgets_address);
    RUN(test_tls_failure_in_connect_is_final);
#if CONFIG_EMHTTP_DNS_MAX_ADDRS > 1
    RUN(test_second_address_used_and_remembered);
#else
    RUN(test_one_address_kept);
#endif
    RUN(test_dns_errors);
    RUN(test_error_causes);
    RUN(test_dead_connections);
    RUN(test_fresh_connection_speaks_first);
    RUN(test_secure_transport_defaults);
#if CONFIG_EMHTTP_RESEND
    RUN(test_dead_reuse_retry_policy);
    RUN(test_idempotency_key_retried);
#else
    RUN(test_dead_reuse_fails_without_resend);
#endif
    RUN(test_idle_probe_reconnects_before_send);
    RUN(test_keepalive_timeout_honoured);
    RUN(test_chunked_response);
    RUN(test_timeouts);
    RUN(test_bad_request_sends_nothing);
    RUN(test_protocol_errors_close_and_recover);
    RUN(test_header_line_longer_than_buffer);
    RUN(test_callback_abort);
    RUN(test_queue_order_and_close);
    RUN(test_init_rejects);
    RUN(test_init_validation);
    return check_summary();
}
