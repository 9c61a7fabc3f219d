/*
 * Issue 18, items 1-3, over a scripted mock port (the shape of
 * test_client_fault.c): deadlines that a trickling server cannot extend,
 * timeouts around 2^31 and 2^32 with the clock crossing its wrap, and
 * bytes that arrived before a request was written never taken as its
 * response.  The same behaviour against real servers on 127.0.0.1 is
 * tests/integration/test_deadlines.py; the whole client under random
 * bytes, splits, clocks and faults is tests/fuzz/fuzz_client.c.
 *
 * The mock (support/mock_net.h) is a server stream per connection: bytes
 * "arrive" (are pushed) at chosen moments, and recv() returns what has
 * arrived, up to the size asked (fewer only when nothing more is there, as transport.h promises).
 * A response can be queued to arrive the moment a request head has been
 * written completely.  The clock is the test's: it moves only between
 * polls, by the amount each test says.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "emhttp/client.h"
#include "mock_net.h"

#define STREAM_MAX MN_STREAM

#if CONFIG_EMHTTP_STATS
#define CHECK_STAT(field, v) CHECK_EQ_INT(emhttp_client_stats(&cli)->field, (v))
#else
#define CHECK_STAT(field, v) ((void)0)
#endif

static emhttp_client cli;
static uint8_t tx[512], rx[16384];

/* What a request received, and how often it completed. */
typedef struct {
    char body[STREAM_MAX];
    size_t body_len;
    int completions;
    uint32_t done_at; /* clock when it completed */
    emhttp_request *submit_next; /* submitted from on_complete */
} seen;

static int cb_body(emhttp_request *r, const uint8_t *d, size_t n)
{
    seen *s = r->user;
    if (s->body_len + n <= sizeof s->body) {
        memcpy(s->body + s->body_len, d, n);
    }
    s->body_len += n;
    return 0;
}
static void cb_complete(emhttp_request *r, int result)
{
    (void)result;
    seen *s = r->user;
    s->completions++;
    s->done_at = MN.now;
    if (s->submit_next != NULL) {
        CHECK_EQ_INT(emhttp_submit(&cli, s->submit_next), EMHTTP_OK);
    }
}
static const emhttp_response_cbs cbs = {NULL, NULL, cb_body, cb_complete};

static seen seen1, seen2;
static emhttp_request req1, req2;

static void new_req(emhttp_request *r, seen *s, const char *target)
{
    memset(r, 0, sizeof *r);
    memset(s, 0, sizeof *s);
    r->target = target;
    r->cbs = &cbs;
    r->user = s;
}

/* The timeouts of a configuration, in emhttp_config's order. */
typedef struct {
    uint32_t connect, first, request, dns;
} timeouts;

static int setup(uint32_t start, size_t rx_size, timeouts to)
{
    mn_reset();
    MN.now = start;
    emhttp_config cfg = {.host = "api.test", .port = 8080, .net = {&mn_port_ops_nowait, NULL},
                         .transport = mn_transport(&mn_tcp_nogather),
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx, .rx_size = rx_size,
                         .connect_timeout_ms = to.connect, .first_byte_timeout_ms = to.first,
                         .request_timeout_ms = to.request, .dns_timeout_ms = to.dns};
    return emhttp_client_init(&cli, &cfg);
}

/* ---- 1. a trickle does not extend the deadline -------------------------- */

/* The server answers with @p prefix, then sends one byte of the endless
 * @p pattern per poll while the clock moves 1 ms per poll.  The request
 * (timeout T) must fail with EMHTTP_ERR_TIMEOUT at T, at the latest one
 * poll (1 ms) later, never before. */
static void trickle(const char *what, const char *prefix, const char *pattern, uint32_t start)
{
    const uint32_t T = 1000; /* under the 4,096-byte header limit at 1 byte/ms */
    CHECK_EQ_INT(setup(start, 512, (timeouts){1000, 300, T, 1000}), EMHTTP_OK);
    MN.on_head[1] = prefix;
    MN.on_head_len[1] = strlen(prefix);
    new_req(&req1, &seen1, "/trickle");
    CHECK_EQ_INT(emhttp_submit(&cli, &req1), EMHTTP_OK);
    uint32_t t0 = MN.now;
    size_t plen = strlen(pattern), pos = 0;
    int polls = 0;
    while (req1.result == EMHTTP_PENDING && polls < 20000) {
        (void)emhttp_poll(&cli);
        polls++;
        if (req1.result != EMHTTP_PENDING) {
            break;
        }
        MN.now++;
        if (MN.heads > 0) {
            mn_push(pattern + pos, 1);
            pos = (pos + 1) % plen;
        }
    }
    uint32_t took = seen1.done_at - t0;
    if (req1.result != EMHTTP_ERR_TIMEOUT || took < T || took > T + 1) {
        fprintf(stderr, "  trickle %s: result %d after %u ms (%d polls), want %d at %u..%u ms\n",
                what, req1.result, (unsigned)took, polls, EMHTTP_ERR_TIMEOUT, (unsigned)T,
                (unsigned)T + 1);
    }
    CHECK_EQ_INT(req1.result, EMHTTP_ERR_TIMEOUT);
    CHECK(took >= T && took <= T + 1);
    CHECK_EQ_INT(seen1.completions, 1);
    CHECK(!MN.open); /* the connection's state is unknown: dropped */

    /* and the client goes on: the next request gets its answer */
    MN.on_head[2] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    MN.on_head_len[2] = strlen(MN.on_head[2]);
    new_req(&req2, &seen2, "/next");
    CHECK_EQ_INT(emhttp_submit(&cli, &req2), EMHTTP_OK);
    for (int i = 0; i < 10 && req2.result == EMHTTP_PENDING; i++) {
        (void)emhttp_poll(&cli);
        MN.now++;
    }
    CHECK_EQ_INT(req2.result, EMHTTP_OK);
    CHECK_EQ_MEM(seen2.body, seen2.body_len, "ok", 2);
}

static void test_trickle_does_not_extend_deadline(void)
{
    static const uint32_t starts[] = {1000, 0xFFFFFFFFu - 500}; /* the second wraps */
    for (size_t s = 0; s < 2; s++) {
#if CONFIG_EMHTTP_CHUNKED
        trickle("chunked 1-byte chunks",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\nx\r\n", starts[s]);
#endif
        trickle("huge Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 4000000000\r\n\r\n",
                "x", starts[s]);
        trickle("endless 1xx", "", "HTTP/1.1 100 Continue\r\n\r\n", starts[s]);
        trickle("endless headers", "HTTP/1.1 200 OK\r\n", "X-A: b\r\n", starts[s]);
    }
}

/* The first-byte timeout: the server stays silent (nothing to reset it);
 * it fires at its length, not before, at most one poll after. */
static void test_first_byte_timeout_exact(void)
{
    static const uint32_t starts[] = {1000, 0xFFFFFFFFu - 100};
    for (size_t s = 0; s < 2; s++) {
        const uint32_t F = 300;
        CHECK_EQ_INT(setup(starts[s], 256, (timeouts){1000, F, 5000, 1000}), EMHTTP_OK);
        new_req(&req1, &seen1, "/silent");
        CHECK_EQ_INT(emhttp_submit(&cli, &req1), EMHTTP_OK);
        uint32_t t0 = MN.now;
        for (int i = 0; i < 2000 && req1.result == EMHTTP_PENDING; i++) {
            (void)emhttp_poll(&cli);
            if (req1.result == EMHTTP_PENDING) {
                MN.now++;
            }
        }
        CHECK_EQ_INT(req1.result, EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
        CHECK_EQ_INT(seen1.done_at - t0, F);
    }
}

/* The other direction: a server that takes one byte of the request per
 * poll (a 400-byte body) cannot hold it past its deadline either. */
static void test_slow_reader_does_not_extend_deadline(void)
{
    static uint8_t big[400];
    memset(big, 'b', sizeof big);
    const uint32_t T = 200;
    CHECK_EQ_INT(setup(1000, 256, (timeouts){1000, 300, T, 1000}), EMHTTP_OK);
    MN.accept_max = 1;
    new_req(&req1, &seen1, "/upload");
    req1.method = "PUT";
    req1.body = big;
    req1.body_len = sizeof big;
    CHECK_EQ_INT(emhttp_submit(&cli, &req1), EMHTTP_OK);
    uint32_t t0 = MN.now;
    for (int i = 0; i < 5000 && req1.result == EMHTTP_PENDING; i++) {
        (void)emhttp_poll(&cli);
        if (req1.result == EMHTTP_PENDING) {
            MN.now++;
        }
    }
    CHECK_EQ_INT(req1.result, EMHTTP_ERR_TIMEOUT);
    CHECK(seen1.done_at - t0 >= T && seen1.done_at - t0 <= T + 1);
}

/* A request can start a poll between connections (IDLE): here the third
 * of three, activated by the last steps of a poll in which the first two
 * failed to connect (each: resolve, resolved, refused).  The next poll is
 * at its deadline: that poll ends it, it does not start a connect first.
 * (Found by tests/fuzz/fuzz_client.c.) */
static void test_deadline_checked_between_connections(void)
{
    const uint32_t T = 10;
    CHECK_EQ_INT(setup(0xFFFFFFFFu - 4, 256, (timeouts){EMHTTP_TIMEOUT_NONE, EMHTTP_TIMEOUT_NONE,
                                                        T, EMHTTP_TIMEOUT_NONE}),
                 EMHTTP_OK);
    mn_connect_all(EMHTTP_PENDING);
    MN.connect_rc[0] = MN.connect_rc[1] = EMHTTP_ERR_CONNECT;
    static emhttp_request r[3];
    static seen s[3];
    for (int i = 0; i < 3; i++) {
        new_req(&r[i], &s[i], "/x");
        CHECK_EQ_INT(emhttp_submit(&cli, &r[i]), EMHTTP_OK);
    }
    uint32_t t0 = MN.now;
    (void)emhttp_poll(&cli);
    CHECK_EQ_INT(r[0].result, EMHTTP_ERR_CONNECT);
    CHECK_EQ_INT(r[1].result, EMHTTP_ERR_CONNECT);
    CHECK_EQ_INT(r[2].result, EMHTTP_PENDING);
    MN.now = t0 + T;
    (void)emhttp_poll(&cli);
    CHECK_EQ_INT(r[2].result, EMHTTP_ERR_TIMEOUT);
    CHECK_EQ_INT(s[2].done_at - t0, T);
}

/* ---- 2. timeouts around 2^31 and 2^32, the clock crossing its wrap ------ */

enum { F_CONNECT, F_FIRST, F_REQUEST, F_DNS };

/* Timeout field @p f set to @p v, the others EMHTTP_TIMEOUT_NONE; the
 * phase it times never ends.  Polls at t0, t0 + 1, t0 + v/2, t0 + v - 1
 * (pending) and t0 + v (failed with @p err): exact, not early, not never.
 * The clock starts 1,000 ms before its wrap, so it crosses it. */
static void large_timeout(int f, uint32_t v, int err)
{
    uint32_t t[4] = {EMHTTP_TIMEOUT_NONE, EMHTTP_TIMEOUT_NONE, EMHTTP_TIMEOUT_NONE,
                     EMHTTP_TIMEOUT_NONE};
    t[f] = v;
    int rc = setup(0xFFFFFFFFu - 999, 256, (timeouts){t[0], t[1], t[2], t[3]});
    if (v > EMHTTP_TIMEOUT_MAX_MS && v != EMHTTP_TIMEOUT_NONE) {
        CHECK_EQ_INT(rc, EMHTTP_ERR_CONFIG_RANGE); /* cannot be represented: refused */
        return;
    }
    CHECK_EQ_INT(rc, EMHTTP_OK);
    mn_connect_all(f == F_CONNECT ? EMHTTP_PENDING : EMHTTP_OK);
    MN.dns_rc = f == F_DNS ? EMHTTP_PENDING : EMHTTP_OK;
    new_req(&req1, &seen1, "/long");
    CHECK_EQ_INT(emhttp_submit(&cli, &req1), EMHTTP_OK);
    uint32_t t0 = MN.now;
    if (v == EMHTTP_TIMEOUT_NONE) {
        /* never fires: 2^31 - 1 ms steps, three times round the clock */
        for (int i = 0; i < 7; i++) {
            (void)emhttp_poll(&cli);
            CHECK_EQ_INT(req1.result, EMHTTP_PENDING);
            MN.now += EMHTTP_TIMEOUT_MAX_MS;
        }
        emhttp_client_close(&cli);
        CHECK_EQ_INT(req1.result, EMHTTP_ERR_CANCELLED);
        return;
    }
    const uint32_t at[] = {0, 1, v / 2, v - 1};
    for (size_t i = 0; i < 4; i++) {
        MN.now = t0 + at[i];
        (void)emhttp_poll(&cli);
        if (req1.result != EMHTTP_PENDING) {
            fprintf(stderr, "  timeout field %d = %u: fired at +%u ms\n", f, (unsigned)v,
                    (unsigned)at[i]);
        }
        CHECK_EQ_INT(req1.result, EMHTTP_PENDING);
    }
    MN.now = t0 + v;
    (void)emhttp_poll(&cli);
    CHECK_EQ_INT(req1.result, err);
    CHECK_EQ_INT(seen1.completions, 1);
}

static void test_large_timeouts(void)
{
    static const uint32_t values[] = {0x7FFFFFFFu, 0x80000000u, 2415919104u, 0xFFFFFFFEu,
                                      0xFFFFFFFFu, 0x40000000u};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        large_timeout(F_REQUEST, values[i], EMHTTP_ERR_TIMEOUT);
        large_timeout(F_FIRST, values[i], EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
        large_timeout(F_CONNECT, values[i], EMHTTP_ERR_CONNECT_TIMEOUT);
        large_timeout(F_DNS, values[i], EMHTTP_ERR_DNS_TIMEOUT);
    }
    CHECK_EQ_INT(setup(1000, 256, (timeouts){0, 0, 0, 0}), EMHTTP_OK); /* defaults */
}

/* ---- 3. stale bytes are never the next request's response --------------- */

static char resp1[STREAM_MAX];

/* A complete response of exactly @p total bytes (body of 'a'). */
static size_t make_response(size_t total)
{
    for (size_t body = total; body > 0; body--) {
        int n = snprintf(resp1, sizeof resp1, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                         body);
        if ((size_t)n + body == total) {
            memset(resp1 + n, 'a', body);
            return body;
        }
    }
    return 0;
}

#define EVIL "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL"
#define GOOD "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nGOOD"

enum { FROM_COMPLETE, BETWEEN_POLLS };
enum { EVIL_WITH_RESPONSE, EVIL_AFTER_RESPONSE };

/* Request 1 is answered with a response of @p len bytes; the server then
 * appends EVIL before request 2 exists (in the same burst, or after the
 * client has read response 1); request 2 is submitted from request 1's
 * on_complete or between polls, the clock moving @p dt ms per poll.
 * Request 2 must get GOOD, on a fresh connection. */
static void stale(size_t rx_size, size_t len, int submit, int when, uint32_t dt)
{
    CHECK_EQ_INT(setup(0xFFFFFFFFu - 2, rx_size, (timeouts){1000, 1000, 5000, 1000}), EMHTTP_OK);
    size_t body = make_response(len);
    static char burst[STREAM_MAX];
    memcpy(burst, resp1, len);
    size_t blen = len;
    if (when == EVIL_WITH_RESPONSE) {
        memcpy(burst + blen, EVIL, strlen(EVIL));
        blen += strlen(EVIL);
    }
    MN.on_head[1] = burst;
    MN.on_head_len[1] = blen;
    MN.on_head[2] = GOOD; /* the answer to request 2, wherever it goes out */
    MN.on_head_len[2] = strlen(GOOD);
    MN.on_head[3] = GOOD; /* (should it go out twice: not expected) */
    MN.on_head_len[3] = strlen(GOOD);
    new_req(&req1, &seen1, "/one");
    new_req(&req2, &seen2, "/two");
    if (submit == FROM_COMPLETE) {
        seen1.submit_next = &req2;
    }
    CHECK_EQ_INT(emhttp_submit(&cli, &req1), EMHTTP_OK);
    int polls = 0;
    for (; polls < 200 && req1.result == EMHTTP_PENDING; polls++) {
        (void)emhttp_poll(&cli);
        if (req1.result == EMHTTP_PENDING) {
            MN.now += dt;
        }
    }
    CHECK_EQ_INT(req1.result, EMHTTP_OK);
    CHECK_EQ_INT(seen1.body_len, body);
    if (when == EVIL_AFTER_RESPONSE && MN.open) {
        mn_push_str(EVIL); /* arrives while the connection is idle */
    }
    MN.now += dt;
    if (submit == BETWEEN_POLLS) {
        CHECK_EQ_INT(emhttp_submit(&cli, &req2), EMHTTP_OK);
    }
    for (polls = 0; polls < 200 && req2.result == EMHTTP_PENDING; polls++) {
        (void)emhttp_poll(&cli);
        if (req2.result == EMHTTP_PENDING) {
            MN.now += dt;
        }
    }
    bool evil = seen2.body_len == 4 && memcmp(seen2.body, "EVIL", 4) == 0;
    if (evil || req2.result != EMHTTP_OK || MN.connects != 2) {
        fprintf(stderr,
                "  rx %zu, response %zu, %s, EVIL %s, +%u ms: request 2 result %d, body "
                "'%.*s', %d connections\n",
                rx_size, len, submit == FROM_COMPLETE ? "from on_complete" : "between polls",
                when == EVIL_WITH_RESPONSE ? "with the response" : "after it", (unsigned)dt,
                req2.result, (int)(seen2.body_len < 16 ? seen2.body_len : 16), seen2.body,
                MN.connects);
    }
    CHECK(!evil);
    CHECK_EQ_INT(req2.result, EMHTTP_OK);
    CHECK_EQ_INT(req2.status, 200);
    CHECK_EQ_MEM(seen2.body, seen2.body_len, "GOOD", 4);
    CHECK_EQ_INT(seen2.completions, 1);
    CHECK_EQ_INT(MN.connects, 2);     /* the connection was replaced ... */
    CHECK_EQ_INT(MN.heads, 2);        /* ... before request 2 went out, */
    CHECK_EQ_INT(MN.head_conn[1], 2); /* on the fresh one */
}

static void test_stale_bytes_never_answer_the_next_request(void)
{
    static const size_t sizes[] = {256, 512, 1024, 4096, 16384};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (size_t len = sizes[s] - 1; len <= sizes[s] + 1; len++) {
            for (uint32_t dt = 0; dt <= 1; dt++) {
                stale(sizes[s], len, FROM_COMPLETE, EVIL_WITH_RESPONSE, dt);
                stale(sizes[s], len, BETWEEN_POLLS, EVIL_WITH_RESPONSE, dt);
                stale(sizes[s], len, BETWEEN_POLLS, EVIL_AFTER_RESPONSE, dt);
            }
        }
    }
}

/* The idle connection was empty when request 2 went onto it, but its head
 * had to wait for room (send accepted nothing); the server's unrequested
 * response arrives meanwhile, before a byte of the head was written.  It
 * is not request 2's answer: the connection is replaced.  (Found by
 * tests/fuzz/fuzz_client.c.) */
static void test_stale_bytes_while_head_waits(void)
{
    for (uint32_t dt = 0; dt <= 1; dt++) {
        CHECK_EQ_INT(setup(0xFFFFFFFFu, 256, (timeouts){1000, 1000, 5000, 1000}), EMHTTP_OK);
        MN.on_head[1] = GOOD;
        MN.on_head_len[1] = strlen(GOOD);
        MN.on_head[2] = GOOD;
        MN.on_head_len[2] = strlen(GOOD);
        new_req(&req1, &seen1, "/one");
        new_req(&req2, &seen2, "/two");
        CHECK_EQ_INT(emhttp_submit(&cli, &req1), EMHTTP_OK);
        for (int i = 0; i < 20 && req1.result == EMHTTP_PENDING; i++) {
            (void)emhttp_poll(&cli);
        }
        CHECK_EQ_INT(req1.result, EMHTTP_OK);
        CHECK_EQ_INT(emhttp_submit(&cli, &req2), EMHTTP_OK);
        MN.send_zero = 1;
        (void)emhttp_poll(&cli); /* probed (empty), reused; the head waits */
        CHECK_EQ_INT(MN.heads, 1);
        mn_push_str(EVIL);
        MN.now += dt;
        for (int i = 0; i < 20 && req2.result == EMHTTP_PENDING; i++) {
            (void)emhttp_poll(&cli);
            MN.now += dt;
        }
        CHECK_EQ_INT(req2.result, EMHTTP_OK);
        CHECK_EQ_MEM(seen2.body, seen2.body_len, "GOOD", 4);
        CHECK_EQ_INT(MN.connects, 2);
        CHECK_EQ_INT(MN.head_conn[1], 2);
    }
}

/* The probe's other findings: EOF and a reset waiting on the idle
 * connection also replace it (counted in ka_expired). */
static bool eof_next, reset_next;
static long recv_fault(void)
{
    if (MN.in_rd == MN.in_wr && MN.heads == 1 && (eof_next || reset_next)) {
        int rc = eof_next ? EMHTTP_ERR_CLOSED : EMHTTP_ERR_RESET;
        eof_next = reset_next = false; /* the old connection's end, reported once */
        return rc;
    }
    return 1;
}

static void test_probe_eof_and_reset(void)
{
    for (int k = 0; k < 2; k++) {
        mn_reset();
        MN.now = 5;
        MN.before_recv = recv_fault;
        emhttp_config cfg = {.host = "api.test", .net = {&mn_port_ops_nowait, NULL},
                             .transport = mn_transport(&mn_tcp_nogather),
                             .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx, .rx_size = 256};
        CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
        eof_next = k == 0;
        reset_next = k == 1;
        MN.on_head[1] = GOOD;
        MN.on_head_len[1] = strlen(GOOD);
        MN.on_head[2] = GOOD;
        MN.on_head_len[2] = strlen(GOOD);
        new_req(&req1, &seen1, "/one");
        new_req(&req2, &seen2, "/two");
        CHECK_EQ_INT(emhttp_submit(&cli, &req1), EMHTTP_OK);
        for (int i = 0; i < 20 && req1.result == EMHTTP_PENDING; i++) {
            (void)emhttp_poll(&cli);
        }
        CHECK_EQ_INT(req1.result, EMHTTP_OK);
        CHECK_EQ_INT(emhttp_submit(&cli, &req2), EMHTTP_OK);
        for (int i = 0; i < 20 && req2.result == EMHTTP_PENDING; i++) {
            (void)emhttp_poll(&cli);
        }
        eof_next = reset_next = false;
        CHECK_EQ_INT(req2.result, EMHTTP_OK);
        CHECK_EQ_MEM(seen2.body, seen2.body_len, "GOOD", 4);
        CHECK_EQ_INT(MN.connects, 2);
        CHECK_STAT(ka_expired, 1);
        CHECK_STAT(retries, 0);
    }
}

int main(void)
{
    RUN(test_trickle_does_not_extend_deadline);
    RUN(test_first_byte_timeout_exact);
    RUN(test_slow_reader_does_not_extend_deadline);
    RUN(test_deadline_checked_between_connections);
    RUN(test_large_timeouts);
    RUN(test_stale_bytes_never_answer_the_next_request);
    RUN(test_stale_bytes_while_head_waits);
    RUN(test_probe_eof_and_reset);
    return check_summary();
}
