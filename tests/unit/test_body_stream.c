/*
 * Streamed request bodies (CONFIG_EMHTTP_BODY_STREAM) and Expect:
 * 100-continue (CONFIG_EMHTTP_EXPECT) over a mock server inside the shared
 * mock transport (support/mock_net.h).
 *
 * The mock server parses what the client writes byte by byte, strictly
 * (request head, then a Content-Length body or chunked framing down to the
 * last chunk), hashes each body and logs every request with its
 * connection and whether it was complete when the connection ended.  It
 * answers by target: /ok (200), /e417 and /e413 (a final status right
 * after the head, without reading a body; 413 announces Connection: close,
 * 417 does not), /e100 (100 Continue, held back until the client asks to
 * receive: a body byte before that is counted as a violation), /esilent
 * (no 100 at all).  Producers: a deterministic generator (optionally
 * answering EMHTTP_PENDING), one that fails in the middle, one that ends
 * short of the declared length, two that give more (in one piece, and
 * after exactly the declared length).  The real servers (Python fixtures,
 * nginx, the CLI) are in tests/integration/test_upload.py.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emhttp/client.h"
#include "emhttp/outbox.h"
#include "mock_net.h"

#define MAXLOG 64

typedef enum { P_HEAD, P_BODY, P_CSIZE, P_CDATA, P_CCRLF, P_CEND } pstate;

typedef struct {
    int conn;
    char target[32];
    bool complete;      /* the whole request (head and body) arrived */
    uint64_t body_len;  /* body bytes received */
    uint64_t hash;      /* FNV-1a of them */
    bool chunked;
    bool early_body;    /* a body byte before 100 Continue was delivered */
    int done_before;    /* requests the client had completed when the head arrived */
} logrec;

static int ndone; /* requests completed at the client */

typedef struct {
    /* request parser (MN.connects: connections opened; MN.pending_read: a
     * 100 Continue due, not yet read by the client) */
    pstate ps;
    char line[4096];
    size_t linelen;
    uint64_t remaining;
    bool expect;
    logrec *cur;
    bool closing;       /* the server closes after its responses (mn_end) */
    /* log */
    logrec log[MAXLOG];
    int nlog;
    int sends;
    /* faults (and MN.accept_max: most bytes a send takes) */
    int storm;          /* every other send would block */
    long reset_after;   /* the connection is reset once this many bytes came (0: never) */
    long received;      /* bytes on this connection */
    bool stop_reading;  /* /e100stop: the server answered early and reads no more */
} server;

static server S;

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}
#define FNV0 0xcbf29ce484222325ull

static void respond(const char *s) { mn_push_str(s); }

static void request_done(void)
{
    S.cur->complete = true;
    if (strcmp(S.cur->target, "/e413") != 0 && strcmp(S.cur->target, "/e417") != 0) {
        respond("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
    S.ps = P_HEAD;
    S.linelen = 0;
}

/* The head is complete in line[]: what the request is, what comes next. */
static void head_done(void)
{
    CHECK(S.nlog < MAXLOG);
    logrec *l = &S.log[S.nlog++];
    memset(l, 0, sizeof *l);
    l->conn = MN.connects;
    l->hash = FNV0;
    l->done_before = ndone;
    S.cur = l;
    S.line[S.linelen] = '\0';
    char *sp = strchr(S.line, ' ');
    CHECK(sp != NULL);
    size_t tl = strcspn(sp + 1, " ");
    CHECK(tl < sizeof l->target);
    memcpy(l->target, sp + 1, tl);
    char *cl = strstr(S.line, "\r\nContent-Length: ");
    l->chunked = strstr(S.line, "\r\nTransfer-Encoding: chunked\r\n") != NULL;
    CHECK(!(cl != NULL && l->chunked));
    S.expect = strstr(S.line, "\r\nExpect: 100-continue\r\n") != NULL;
    S.remaining = cl != NULL ? strtoull(cl + 18, NULL, 10) : 0;
    S.linelen = 0;
    if (!strcmp(l->target, "/e417")) {
        respond("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
    } else if (!strcmp(l->target, "/e413")) {
        respond("HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        S.closing = true;
        mn_end(EMHTTP_ERR_CLOSED);
    } else if (!strncmp(l->target, "/e100", 5) && (l->chunked || S.remaining > 0)) {
        MN.pending_read = true; /* delivered at the client's next receive */
    } else if (!strcmp(l->target, "/e100")) {
        respond("HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (l->chunked) {
        S.ps = P_CSIZE;
    } else if (S.remaining > 0) {
        S.ps = P_BODY;
    } else {
        request_done();
    }
}

static void body_bytes(const uint8_t *p, size_t n)
{
    if (MN.pending_read || (S.expect && !strcmp(S.cur->target, "/e417"))) {
        S.cur->early_body = true;
    }
    S.cur->hash = fnv(S.cur->hash, p, n);
    S.cur->body_len += n;
    if (!strcmp(S.cur->target, "/e100stop") && S.cur->body_len >= 1000 && !S.stop_reading) {
        respond("HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        S.stop_reading = true; /* and reads nothing more: the client must read to see it */
    }
}

/* One line of chunk framing (without CRLF) in line[]. */
static void chunk_line(void)
{
    S.line[S.linelen] = '\0';
    if (S.ps == P_CCRLF || S.ps == P_CEND) {
        CHECK_EQ_INT((int)S.linelen, 0);
        if (S.ps == P_CEND) {
            request_done();
            return;
        }
        S.ps = P_CSIZE;
    } else { /* P_CSIZE */
        char *end;
        S.remaining = strtoull(S.line, &end, 16);
        CHECK(S.linelen > 0 && *end == '\0');
        S.ps = S.remaining == 0 ? P_CEND : P_CDATA;
    }
    S.linelen = 0;
}

static void serve(const uint8_t *p, size_t n)
{
    S.received += (long)n;
    for (size_t i = 0; i < n;) {
        if (S.ps == P_BODY || S.ps == P_CDATA) {
            size_t k = n - i < S.remaining ? n - i : (size_t)S.remaining;
            body_bytes(p + i, k);
            i += k;
            S.remaining -= k;
            if (S.remaining == 0) {
                if (S.ps == P_BODY) {
                    request_done();
                } else {
                    S.ps = P_CCRLF;
                }
            }
            continue;
        }
        CHECK(S.linelen + 1 < sizeof S.line);
        S.line[S.linelen++] = (char)p[i++];
        if (S.ps == P_HEAD) {
            if (S.linelen >= 4 && !memcmp(S.line + S.linelen - 4, "\r\n\r\n", 4)) {
                head_done();
            }
        } else if (S.linelen >= 2 && !memcmp(S.line + S.linelen - 2, "\r\n", 2)) {
            S.linelen -= 2;
            chunk_line();
        }
    }
}

/* The server's side of a send (the mock's before_send hook). */
static long server_send(size_t n)
{
    if (S.closing) {
        return EMHTTP_ERR_RESET; /* the server closed after its final answer */
    }
    if (S.stop_reading) {
        return 0; /* its window stays shut */
    }
    S.sends++;
    if (S.storm && (S.sends & 1)) {
        return 0; /* would block */
    }
    if (MN.accept_max != 0 && n > MN.accept_max) {
        n = MN.accept_max;
    }
    if (S.reset_after != 0 && S.received + (long)n >= S.reset_after) {
        S.reset_after = 0;
        return EMHTTP_ERR_RESET;
    }
    return 1;
}
/* A receive: the client waits for the 100, now it may have it. */
static long server_recv(void)
{
    if (MN.pending_read) {
        MN.pending_read = false;
        respond("HTTP/1.1 100 Continue\r\n\r\n");
    }
    return 1;
}
/* A new connection: a fresh parser. */
static void server_connect(void)
{
    S.ps = P_HEAD;
    S.linelen = 0;
    S.closing = MN.pending_read = false;
    S.received = 0;
    S.stop_reading = false;
}

static emhttp_client cli;
static uint8_t tx[512], rx[512];

static void setup(uint8_t depth)
{
    CHECK_EQ_INT(MN.misuse, 0); /* the previous run's: no call on a closed connection */
    memset(&S, 0, sizeof S);
    mn_reset();
    MN.server = serve;
    MN.before_send = server_send;
    MN.before_recv = server_recv;
    MN.on_connect = server_connect;
    emhttp_config cfg = {.host = "api.test", .port = 8080, .net = mn_port,
                         .transport = mn_transport(&mn_tcp_nogather),
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx, .rx_size = sizeof rx,
                         .request_timeout_ms = EMHTTP_TIMEOUT_NONE, .expect_timeout_ms = 700,
                         .max_in_flight = depth};
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
}

/* ---- producers ----------------------------------------------------------- */

typedef enum { G_OK, G_FAIL, G_SHORT, G_OVER_PIECE, G_OVER_AFTER } gkind;

typedef struct {
    gkind kind;
    uint64_t total;   /* bytes to give (G_OK) */
    uint64_t at;      /* given so far */
    uint64_t hash;    /* of what was given */
    uint32_t seed;
    size_t max_piece; /* 0 = as much as fits */
    int pending_every; /* answer EMHTTP_PENDING every Nth call (0 = never) */
    int calls;
    int zero_waits;   /* polls after which emhttp_wait_flags() said 0 */
} gen;

#if CONFIG_EMHTTP_BODY_STREAM
static int produce(emhttp_request *req, uint8_t *buf, size_t size, size_t *len)
{
    gen *g = req->user;
    g->calls++;
    if (g->pending_every != 0 && g->calls % g->pending_every == 0) {
        return EMHTTP_PENDING;
    }
    uint64_t limit = g->total;
    if (g->kind == G_FAIL && g->at >= g->total / 2) {
        return EMHTTP_ERR_ARG; /* e.g. a flash read error */
    }
    if (g->kind == G_SHORT) {
        limit = g->total - 10;
    } else if (g->kind == G_OVER_AFTER) {
        limit = g->total + 10;
    }
    size_t n = size;
    if (g->max_piece != 0 && n > g->max_piece) {
        n = g->max_piece;
    }
    if (g->kind == G_OVER_AFTER && g->at < g->total) {
        limit = g->total; /* exactly the declared length first, then 10 more */
    }
    if (g->kind == G_OVER_PIECE && g->total - g->at < n) {
        n = (size_t)(g->total - g->at) + 1; /* one more than declared, in one piece */
        CHECK(n <= size);
    } else if (limit - g->at < n) {
        n = (size_t)(limit - g->at);
    }
    for (size_t i = 0; i < n; i++) {
        g->seed = g->seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(g->seed >> 16);
    }
    g->hash = fnv(g->hash, buf, n);
    g->at += n;
    *len = n;
    return EMHTTP_OK;
}

/* The hash of @p total generated bytes (what the server must see). */
static uint64_t expected_hash(uint64_t total)
{
    uint32_t seed = 7;
    uint64_t h = FNV0;
    uint8_t b;
    for (uint64_t i = 0; i < total; i++) {
        seed = seed * 1103515245u + 12345u;
        b = (uint8_t)(seed >> 16);
        h = fnv(h, &b, 1);
    }
    return h;
}

#endif

static int last_rc;
static void cb_complete(emhttp_request *r, int rc)
{
    (void)r;
    last_rc = rc;
    ndone++;
}
static const emhttp_response_cbs cbs = {NULL, NULL, NULL, cb_complete};

static void run(emhttp_request *r, gen *g)
{
    int start = ndone;
    CHECK_EQ_INT(emhttp_submit(&cli, r), EMHTTP_OK);
    for (long i = 0; i < 10000000 && ndone == start; i++) {
        (void)emhttp_poll(&cli);
        if (ndone != start) {
            break;
        }
        unsigned f = emhttp_wait_flags(&cli);
        if (f == 0) {
            if (g != NULL) {
                g->zero_waits++; /* the producer's own wake-up: poll again */
            }
            continue;
        }
        if (!(f & EMHTTP_WAIT_NOW)) {
            mn_wait_default(f, emhttp_next_timeout_ms(&cli));
        }
    }
    CHECK_EQ_INT(ndone, start + 1);
    CHECK_EQ_INT(MN.misuse, 0); /* no send or recv on a closed connection */
}

#if CONFIG_EMHTTP_BODY_STREAM
static emhttp_request stream_req(const char *target, gen *g, size_t declared,
                                 const emhttp_header *h, size_t nh)
{
    g->seed = 7;
    g->hash = FNV0;
    g->at = 0;
    g->calls = 0;
    emhttp_request r = {.method = "POST", .target = target, .headers = h, .header_count = nh,
                        .body_len = declared, .cbs = &cbs, .user = g};
    r.body_fn = produce;
    return r;
}
#endif

static const emhttp_header expect_hdr[] = {EMHTTP_HEADER("Expect", "100-continue")};

/* A plain GET on the same client afterwards: it succeeds. */
static void next_ok(int want_conn)
{
    emhttp_request g = {.target = "/ok", .cbs = &cbs};
    run(&g, NULL);
    CHECK_EQ_INT(last_rc, EMHTTP_OK);
    CHECK_EQ_INT(g.status, 200);
    CHECK(S.log[S.nlog - 1].complete);
    CHECK_EQ_INT(S.log[S.nlog - 1].conn, want_conn);
}

#if CONFIG_EMHTTP_BODY_STREAM
static void test_stream_ok(size_t declared, int pending_every)
{
    setup(1);
    gen g = {.kind = G_OK, .total = 1u << 20, .pending_every = pending_every};
    emhttp_request r = stream_req("/ok", &g, declared, NULL, 0);
    run(&r, &g);
    CHECK_EQ_INT(last_rc, EMHTTP_OK);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(S.nlog, 1);
    CHECK(S.log[0].complete);
    CHECK_EQ_INT(S.log[0].chunked, declared == EMHTTP_BODY_UNKNOWN);
    CHECK_EQ_INT(S.log[0].body_len, 1u << 20);
    CHECK(S.log[0].hash == g.hash);
    CHECK(S.log[0].hash == expected_hash(1u << 20));
    CHECK(MN.max_offer <= sizeof tx); /* one piece per send: bounded by the buffer */
    if (pending_every != 0) {
        CHECK(g.zero_waits > 0); /* the client said "wait for your own event" */
    }
    next_ok(1); /* the connection is kept */
}

static void test_stream_bad(gkind kind, size_t declared)
{
    setup(1);
    gen g = {.kind = kind, .total = 100000, .max_piece = kind == G_OVER_AFTER ? 0 : 300};
    emhttp_request r = stream_req("/ok", &g, declared, NULL, 0);
    run(&r, &g);
    CHECK_EQ_INT(last_rc, EMHTTP_ERR_BODY);
    CHECK_EQ_INT(S.nlog, 1);
    CHECK(!S.log[0].complete); /* the server never saw a whole request */
    if (declared != EMHTTP_BODY_UNKNOWN) {
        CHECK(S.log[0].body_len < declared);
    }
    CHECK(!MN.open); /* closed under it */
    next_ok(2);     /* a fresh connection */
}

/* Partial writes (7 bytes at most), would-block storms, a reset in the
 * middle: the pieces go out whole and in order, or the request fails with
 * the connection's error (never re-sent: the producer cannot rewind), and
 * the next request succeeds. */
static void test_stream_faults(void)
{
    for (int k = 0; k < 2; k++) {
        setup(1);
        MN.accept_max = 7;
        S.storm = 1;
        gen g = {.kind = G_OK, .total = 20000};
        emhttp_request r = stream_req("/ok", &g, k ? 20000 : EMHTTP_BODY_UNKNOWN, NULL, 0);
        run(&r, &g);
        CHECK_EQ_INT(last_rc, EMHTTP_OK);
        CHECK(S.log[0].complete);
        CHECK(S.log[0].hash == expected_hash(20000));
        next_ok(1);
    }
    for (int k = 0; k < 2; k++) {
        setup(1);
        emhttp_request first = {.target = "/ok", .cbs = &cbs};
        run(&first, NULL); /* the stream then goes on a reused connection */
        S.reset_after = S.received + 5000;
        gen g = {.kind = G_OK, .total = 20000};
        emhttp_request r = stream_req("/ok", &g, k ? 20000 : EMHTTP_BODY_UNKNOWN, NULL, 0);
        run(&r, &g);
        CHECK_EQ_INT(last_rc, EMHTTP_ERR_RESET);
        CHECK_EQ_INT(S.nlog, 2);
        CHECK(!S.log[1].complete);
        CHECK_EQ_INT(MN.connects, 1); /* not re-sent */
        next_ok(2);
    }
}

static void test_stream_small_tx(void)
{
    static uint8_t tiny[8];
    setup(1);
    emhttp_config cfg = {.host = "api.test", .net = mn_port,
                         .transport = mn_transport(&mn_tcp_nogather), .tx_buf = tiny,
                         .tx_size = sizeof tiny, .rx_buf = rx, .rx_size = sizeof rx};
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    gen g = {.kind = G_OK, .total = 10};
    emhttp_request r = stream_req("/ok", &g, EMHTTP_BODY_UNKNOWN, NULL, 0);
    run(&r, &g);
    CHECK_EQ_INT(last_rc, EMHTTP_ERR_TX_OVERFLOW);
    CHECK_EQ_INT(MN.connects, 0); /* nothing went out */
}

static void test_stream_empty(void)
{
    setup(1);
    gen g = {.kind = G_OK, .total = 0};
    emhttp_request r = stream_req("/ok", &g, 0, NULL, 0);
    run(&r, &g);
    CHECK_EQ_INT(last_rc, EMHTTP_OK);
    CHECK(S.log[0].complete);
    CHECK_EQ_INT(S.log[0].body_len, 0);
}
#endif

#if CONFIG_EMHTTP_EXPECT
/* Expect: 100-continue, a plain body or a streamed one. */
static void test_expect(const char *target, bool streamed, int want_status)
{
    static const uint8_t body[] = "{\"reading\":42}";
    setup(1);
    gen g = {.kind = G_OK, .total = 5000};
    emhttp_request r;
    if (streamed) {
#if CONFIG_EMHTTP_BODY_STREAM
        r = stream_req(target, &g, EMHTTP_BODY_UNKNOWN, expect_hdr, 1);
#endif
    } else {
        r = (emhttp_request){.method = "POST", .target = target, .headers = expect_hdr,
                             .header_count = 1, .body = body, .body_len = sizeof body - 1,
                             .cbs = &cbs};
    }
    uint32_t t0 = MN.now;
    run(&r, &g);
    CHECK_EQ_INT(last_rc, EMHTTP_OK);
    CHECK_EQ_INT(r.status, want_status);
    CHECK_EQ_INT(S.nlog, 1);
    CHECK(!S.log[0].early_body);
    if (want_status == 200) {
        CHECK(S.log[0].complete);
        CHECK_EQ_INT(S.log[0].body_len, streamed ? 5000 : sizeof body - 1);
        if (!strcmp(target, "/esilent")) {
            CHECK(MN.now - t0 >= 700); /* sent only when the wait was over */
        } else {
            CHECK(MN.now == t0); /* no wait: 100 came at once */
        }
        next_ok(1);
    } else {
        CHECK_EQ_INT(S.log[0].body_len, 0); /* not a byte of the body */
        CHECK(!MN.open); /* closed: the server cannot tell where a next request starts */
        if (streamed) {
            CHECK_EQ_INT(g.calls, 0); /* the producer never ran */
        }
        next_ok(2);
    }
}

/* 100, then the server answers 413 after 1000 body bytes and stops
 * reading: the client, blocked sending, reads the answer (no deadlock),
 * reports it and drops the connection. */
static void test_expect_answer_midway(bool streamed)
{
    static uint8_t big[30000];
    setup(1);
    gen g = {.kind = G_OK, .total = 30000};
    emhttp_request r = {.method = "POST", .target = "/e100stop", .headers = expect_hdr,
                        .header_count = 1, .body = big, .body_len = sizeof big, .cbs = &cbs};
#if CONFIG_EMHTTP_BODY_STREAM
    if (streamed) {
        r = stream_req("/e100stop", &g, EMHTTP_BODY_UNKNOWN, expect_hdr, 1);
    }
#else
    (void)streamed;
#endif
    uint32_t t0 = MN.now;
    run(&r, &g);
    CHECK_EQ_INT(last_rc, EMHTTP_OK);
    CHECK_EQ_INT(r.status, 413);
    CHECK(MN.now == t0); /* not a timeout: read as soon as it came */
    CHECK(!S.log[0].complete);
    CHECK(!MN.open);
    next_ok(2);
}

/* Expect on a request without a body: nothing to wait for. */
static void test_expect_no_body(void)
{
    setup(1);
    emhttp_request r = {.target = "/e100", .headers = expect_hdr, .header_count = 1, .cbs = &cbs};
    uint32_t t0 = MN.now;
    run(&r, NULL);
    CHECK_EQ_INT(last_rc, EMHTTP_OK);
    CHECK_EQ_INT(r.status, 200);
    CHECK(MN.now == t0);
}
#endif

#if CONFIG_EMHTTP_PIPELINING && CONFIG_EMHTTP_BODY_STREAM
/* With pipelining on, a streamed request goes neither behind an
 * unanswered one nor has one behind it. */
static void test_stream_no_pipeline(void)
{
    setup(4);
    gen g = {.kind = G_OK, .total = 3000};
    emhttp_request a = {.target = "/ok", .cbs = &cbs}, c = {.target = "/ok", .cbs = &cbs};
    emhttp_request b = stream_req("/ok", &g, EMHTTP_BODY_UNKNOWN, NULL, 0);
    CHECK_EQ_INT(emhttp_submit(&cli, &a), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &b), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_submit(&cli, &c), EMHTTP_OK);
    int start = ndone;
    for (int i = 0; i < 100000 && ndone < start + 3; i++) {
        (void)emhttp_poll(&cli);
        unsigned f = emhttp_wait_flags(&cli);
        if (!(f & EMHTTP_WAIT_NOW)) {
            mn_wait_default(f, emhttp_next_timeout_ms(&cli));
        }
    }
    CHECK_EQ_INT(ndone, start + 3);
    CHECK_EQ_INT(a.result, EMHTTP_OK);
    CHECK_EQ_INT(b.result, EMHTTP_OK);
    CHECK_EQ_INT(c.result, EMHTTP_OK);
    CHECK_EQ_INT(S.nlog, 3);
    /* the stream's head reached the server only after the GET before it
     * completed at the client, the GET behind it only after the stream did */
    CHECK(S.log[1].complete && S.log[1].body_len == 3000);
    CHECK_EQ_INT(S.log[1].done_before, start + 1);
    CHECK_EQ_INT(S.log[2].done_before, start + 2);
}
#endif

#if CONFIG_EMHTTP_BODY_STREAM
/* ---- streamed jobs through the outbox ------------------------------------ */

#define NSLOTS 3
static emhttp_outbox ob;
static emhttp_outbox_slot slots[NSLOTS];
static uint8_t slot_buf[NSLOTS][700];

typedef struct {
    int n;           /* jobs done */
    int result[8], status[8], order[8];
} done_log;
static done_log dl;

static void job_done(void *arg, int result, int status)
{
    dl.order[dl.n] = (int)(intptr_t)arg;
    dl.result[dl.n] = result;
    dl.status[dl.n++] = status;
}

/* The stream callback (idle task): pieces of the generator, failing at
 * half for G_FAIL. */
static long piece(void *arg, uint8_t *buf, size_t size)
{
    gen *g = arg;
    emhttp_request fake = {.user = g};
    size_t len = 0;
    g->calls++;
    int rc = produce(&fake, buf, size, &len);
    return rc == EMHTTP_OK ? (long)len : rc;
}

static long small_body(void *arg, uint8_t *buf, size_t size)
{
    (void)arg;
    CHECK(size >= 2);
    memcpy(buf, "{}", 2);
    return 2;
}

static void ob_setup(void)
{
    setup(1);
    memset(&dl, 0, sizeof dl);
    for (int i = 0; i < NSLOTS; i++) {
        slots[i] = (emhttp_outbox_slot){.buf = slot_buf[i], .size = sizeof slot_buf[i]};
    }
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, NSLOTS, &cli), EMHTTP_OK);
}

/* A super-loop: one idle step, one pump, one poll, until @p jobs are done. */
static int idle_waits, max_used;
static void ob_run(int jobs)
{
    idle_waits = max_used = 0;
    for (long i = 0; i < 10000000 && dl.n < jobs; i++) {
        if (!emhttp_outbox_encode(&ob) && ob.stream_ != NULL) {
            idle_waits++; /* every slot taken: the stream callback waits */
        }
        size_t used = emhttp_outbox_used(&ob);
        max_used = used > (size_t)max_used ? (int)used : max_used;
        emhttp_outbox_pump(&ob, &cli);
        (void)emhttp_poll(&cli);
        unsigned f = emhttp_wait_flags(&cli);
        if (f != 0 && !(f & EMHTTP_WAIT_NOW)) {
            mn_wait_default(f, emhttp_next_timeout_ms(&cli));
        }
    }
    CHECK_EQ_INT(dl.n, jobs);
}

static void test_outbox_stream(size_t declared)
{
    ob_setup();
    gen g = {.kind = G_OK, .total = 300000, .seed = 7, .hash = FNV0};
    emhttp_outbox_job job = {.target = "/ok", .stream = piece, .stream_len = declared,
                             .encode_arg = &g, .done = job_done, .done_arg = (void *)1};
    emhttp_outbox_job after = {.target = "/ok", .encode = small_body, .done = job_done,
                               .done_arg = (void *)2};
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &after), EMHTTP_ERR_OUTBOX_FULL); /* the stream holds it */
    /* until the stream's pieces are all made, then the next job goes in */
    int queued = 0;
    for (long i = 0; i < 10000000 && dl.n < 2; i++) {
        if (!queued && emhttp_outbox_queue(&ob, &after) == EMHTTP_OK) {
            queued = 1;
            CHECK(g.at == g.total); /* only once the stream callback returned its end */
        }
        while (emhttp_outbox_encode(&ob)) { /* an eager idle task */
        }
        size_t used = emhttp_outbox_used(&ob);
        if (ob.stream_ != NULL && used == NSLOTS) {
            idle_waits++; /* it stopped because every slot was taken */
        }
        max_used = used > (size_t)max_used ? (int)used : max_used;
        emhttp_outbox_pump(&ob, &cli);
        (void)emhttp_poll(&cli);
    }
    CHECK_EQ_INT(dl.n, 2);
    CHECK_EQ_INT(dl.order[0], 1);
    CHECK_EQ_INT(dl.order[1], 2);
    CHECK_EQ_INT(dl.result[0], EMHTTP_OK);
    CHECK_EQ_INT(dl.status[0], 200);
    CHECK_EQ_INT(dl.result[1], EMHTTP_OK);
    CHECK_EQ_INT(S.nlog, 2);
    CHECK(S.log[0].complete);
    CHECK_EQ_INT(S.log[0].chunked, declared == 0);
    CHECK_EQ_INT(S.log[0].body_len, 300000);
    CHECK(S.log[0].hash == expected_hash(300000)); /* nothing dropped or reordered */
    CHECK(S.log[1].complete && S.log[1].body_len == 2);
    CHECK(idle_waits > 0);        /* the ring was full: the callback waited */
    CHECK(max_used <= NSLOTS);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
}

/* The stream callback fails: EMHTTP_ERR_BODY, never a whole request; the
 * job behind it goes out on a fresh connection. */
static void test_outbox_stream_fails(void)
{
    ob_setup();
    gen g = {.kind = G_FAIL, .total = 100000, .seed = 7, .hash = FNV0};
    emhttp_outbox_job job = {.target = "/ok", .stream = piece, .encode_arg = &g,
                             .done = job_done, .done_arg = (void *)1};
    emhttp_outbox_job after = {.target = "/ok", .encode = small_body, .done = job_done,
                               .done_arg = (void *)2};
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_OK);
    ob_run(1);
    CHECK_EQ_INT(dl.result[0], EMHTTP_ERR_BODY);
    CHECK(!S.log[0].complete);
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &after), EMHTTP_OK);
    ob_run(2);
    CHECK_EQ_INT(dl.result[1], EMHTTP_OK);
    CHECK(S.log[1].complete);
    CHECK_EQ_INT(S.log[1].conn, 2);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
}

/* The request ends before its body was all sent (the server's early 417,
 * or the application closing the client): the stream callback is called no
 * more, the pieces made are dropped, the ring is free again and the next
 * job (a stream too) goes through whole. */
static void test_outbox_stream_ends_early(bool close_it)
{
    ob_setup();
    gen g = {.kind = G_OK, .total = 1000000, .seed = 7, .hash = FNV0};
    emhttp_outbox_job job = {.target = close_it ? "/ok" : "/e417", .stream = piece,
                             .headers = expect_hdr, .header_count = close_it ? 0 : 1,
                             .encode_arg = &g, .done = job_done, .done_arg = (void *)1};
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_OK);
    for (long i = 0; i < 100000 && dl.n < 1; i++) {
        (void)emhttp_outbox_encode(&ob);
        emhttp_outbox_pump(&ob, &cli);
        (void)emhttp_poll(&cli);
        if (close_it && g.at > 20000) {
            emhttp_client_close(&cli);
        }
    }
    CHECK_EQ_INT(dl.n, 1);
    CHECK_EQ_INT(dl.result[0], close_it ? EMHTTP_ERR_CANCELLED : EMHTTP_OK);
    CHECK_EQ_INT(dl.status[0], close_it ? 0 : 417);
    int calls = g.calls;
    gen g2 = {.kind = G_OK, .total = 50000, .seed = 7, .hash = FNV0};
    emhttp_outbox_job next = {.target = "/ok", .stream = piece, .encode_arg = &g2,
                              .done = job_done, .done_arg = (void *)2};
    int rc = EMHTTP_ERR_OUTBOX_FULL;
    for (long i = 0; i < 100000 && rc != EMHTTP_OK; i++) { /* the idle task gives it back */
        rc = emhttp_outbox_queue(&ob, &next);
        (void)emhttp_outbox_encode(&ob);
        emhttp_outbox_pump(&ob, &cli);
    }
    CHECK_EQ_INT(rc, EMHTTP_OK);
    CHECK(g.calls <= calls + 1); /* at most the piece under way when it ended */
    CHECK(g.at < g.total);
    ob_run(2);
    CHECK_EQ_INT(dl.result[1], EMHTTP_OK);
    CHECK(S.log[S.nlog - 1].complete);
    CHECK_EQ_INT(S.log[S.nlog - 1].body_len, 50000);
    CHECK(S.log[S.nlog - 1].hash == expected_hash(50000));
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
}

/* The same with the idle task in a thread of its own (and under
 * ThreadSanitizer: test_body_stream_tsan): the loop sleeps on the wake
 * hook whenever the client says its producer waits. */
static sem_t wake_sem;
static int stop_idle;
static int wake_sleeps;

static void wake_fn(void *arg)
{
    (void)arg;
    sem_post(&wake_sem);
}

static void *idle_thread(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop_idle, __ATOMIC_ACQUIRE)) {
        if (!emhttp_outbox_encode(&ob)) {
            sched_yield(); /* an idle task: nothing better to do */
        }
    }
    return NULL;
}

static void test_outbox_stream_threads(void)
{
    ob_setup();
    CHECK_EQ_INT(sem_init(&wake_sem, 0, 0), 0);
    emhttp_outbox_set_wake(&ob, wake_fn, NULL);
    gen g = {.kind = G_OK, .total = 2000000, .seed = 7, .hash = FNV0};
    emhttp_outbox_job job = {.target = "/ok", .stream = piece, .encode_arg = &g,
                             .done = job_done, .done_arg = (void *)1};
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_OK);
    __atomic_store_n(&stop_idle, 0, __ATOMIC_RELEASE);
    pthread_t t;
    CHECK_EQ_INT(pthread_create(&t, NULL, idle_thread, NULL), 0);
    wake_sleeps = 0;
    for (long i = 0; i < 100000000 && dl.n < 1; i++) {
        emhttp_outbox_pump(&ob, &cli);
        (void)emhttp_poll(&cli);
        unsigned f = emhttp_wait_flags(&cli);
        if (dl.n == 0 && f == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1; /* (a lost wake-up would only slow the test) */
            (void)sem_timedwait(&wake_sem, &ts);
            wake_sleeps++;
        } else if (dl.n == 0 && !(f & EMHTTP_WAIT_NOW)) {
            mn_wait_default(f, emhttp_next_timeout_ms(&cli));
        }
    }
    __atomic_store_n(&stop_idle, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    sem_destroy(&wake_sem);
    CHECK_EQ_INT(dl.n, 1);
    CHECK_EQ_INT(dl.result[0], EMHTTP_OK);
    CHECK(S.log[0].complete);
    CHECK_EQ_INT(S.log[0].body_len, 2000000);
    CHECK(S.log[0].hash == expected_hash(2000000));
    CHECK(S.log[0].hash == g.hash);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
    printf("outbox stream, idle thread: 2,000,000 bytes in pieces of %zu, the loop slept on"
           " the wake hook %d times\n", sizeof slot_buf[0], wake_sleeps);
}
#endif

int main(void)
{
#if CONFIG_EMHTTP_BODY_STREAM
    test_stream_ok(EMHTTP_BODY_UNKNOWN, 0);
    test_stream_ok(1u << 20, 0);
    test_stream_ok(EMHTTP_BODY_UNKNOWN, 3);
    test_stream_ok(1u << 20, 3);
    test_stream_bad(G_FAIL, EMHTTP_BODY_UNKNOWN);
    test_stream_bad(G_FAIL, 100000);
    test_stream_bad(G_SHORT, 100000);
    test_stream_bad(G_OVER_PIECE, 100000);
    test_stream_bad(G_OVER_AFTER, 100000);
    test_stream_faults();
    test_stream_small_tx();
    test_stream_empty();
#endif
#if CONFIG_EMHTTP_EXPECT
    for (int s = 0; s < 1 + CONFIG_EMHTTP_BODY_STREAM; s++) {
        test_expect("/e100", s, 200);
        test_expect("/esilent", s, 200);
        test_expect("/e417", s, 417);
        test_expect("/e413", s, 413);
    }
    test_expect_no_body();
    test_expect_answer_midway(false);
#if CONFIG_EMHTTP_BODY_STREAM
    test_expect_answer_midway(true);
#endif
#endif
#if CONFIG_EMHTTP_PIPELINING && CONFIG_EMHTTP_BODY_STREAM
    test_stream_no_pipeline();
#endif
#if CONFIG_EMHTTP_BODY_STREAM
    test_outbox_stream(0);
    test_outbox_stream(300000);
    test_outbox_stream_fails();
#if CONFIG_EMHTTP_EXPECT
    test_outbox_stream_ends_early(false); /* (the server's 417 before the body) */
#endif
    test_outbox_stream_ends_early(true);
    test_outbox_stream_threads();
#endif
    return check_summary();
}
