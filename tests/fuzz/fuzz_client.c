/*
 * fuzz_client.c - libFuzzer harness for the whole client (core/src/client.c
 * with the parser and writer) over a mock port and transport whose every
 * decision comes from the input: the server's bytes (responses framed by
 * Content-Length, chunked or the close, 1xx, endless trickles, unrequested
 * responses, raw bytes), when they arrive (split points), the clock's
 * steps (0 ms to 2^31 - 1 ms, from anywhere, across its wrap), the
 * timeouts (also out of range: refused at init), the resolver's and the
 * connect's answers, partial and refused sends, EOF and resets.  Several
 * requests are submitted, between polls or from the previous one's
 * on_complete; some are cancelled, some abort from on_body.  With
 * redirects on (CONFIG_EMHTTP_REDIRECTS, from the input), some answers
 * are 301/302/303/307/308 whose Location names the same request ("/rK"
 * in every form: absolute path, relative, "//host", absolute URL, another
 * scheme, a fragment) or is missing: the client follows them, on the same
 * connection or on a detour to another origin, and the same properties
 * hold for the response the request finally gets.
 *
 * Properties (abort() when broken):
 *  1. on_complete runs exactly once per submission; no response callback
 *     after it.
 *  2. Deadline: a request completes by its deadline plus one poll - the
 *     first poll whose clock is at or past activation + request timeout
 *     completes it.  It becomes active in the poll where it reaches the
 *     head of the queue, or the next.  A timeout error comes no earlier
 *     than its timeout (request, first byte, connect, DNS), never with
 *     EMHTTP_TIMEOUT_NONE.
 *  3. No stale bytes: every byte the client hands a request (status
 *     reason, header names and values, body) arrived on the connection
 *     that request was last written on, after the client began writing
 *     its head there.  (Not "after the head was complete": a server may
 *     answer a request it is still receiving - a 400 for a bad request
 *     line, a 413 during the body - and that answer is the request's.)
 *     The mock tags each byte it lets arrive with the number of heads
 *     begun so far; the client's receive buffer is mapped back to the
 *     stream (it keeps the unconsumed bytes at its front and receives
 *     behind them: checked on every recv).
 *  4. The client stays usable: afterwards a request to a well-behaved
 *     server succeeds with that server's answer.
 * Bytes that arrive on a new connection before its first request began to
 * go out (a server that speaks first) are checked too: the client probes
 * every connection before a head's first byte and fails the request with
 * EMHTTP_ERR_PROTOCOL when a new one speaks first.
 * Bytes can arrive between polls and at each recv() call, never inside a
 * send(): a byte arriving while the head is being written is the race no
 * client can see, and transport.h's recv() promise (fewer bytes than asked
 * means nothing more is there) holds.
 *
 * An input that runs out reads as zeros: benign answers, all bytes
 * arriving, 0 ms steps; then a drain phase steps the clock until every
 * request with a finite timeout has completed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emhttp/client.h"

#define FAIL(...)                                                                  \
    do {                                                                           \
        fprintf(stderr, "fuzz_client: property broken: " __VA_ARGS__);            \
        fprintf(stderr, "\n");                                                     \
        abort();                                                                   \
    } while (0)

/* FUZZ_CLIENT_TRACE=1 in the environment: what happens, on stderr. */
static int trace_on = -1;
#define TRACE(...)                                                                 \
    do {                                                                           \
        if (trace_on < 0) {                                                        \
            trace_on = getenv("FUZZ_CLIENT_TRACE") != NULL;                        \
        }                                                                          \
        if (trace_on) {                                                            \
            fprintf(stderr, "[%llu ms] ", (unsigned long long)now64);              \
            fprintf(stderr, __VA_ARGS__);                                          \
            fprintf(stderr, "\n");                                                 \
        }                                                                          \
    } while (0)

/* ---- input ------------------------------------------------------------- */

static const uint8_t *in_p;
static size_t in_n, in_i;

static uint8_t u8(void) { return in_i < in_n ? in_p[in_i++] : 0; }
static uint32_t u16(void) { return (uint32_t)u8() | (uint32_t)u8() << 8; }
static uint32_t u32(void) { return u16() | u16() << 16; }

/* ---- time ---------------------------------------------------------------- */

static uint64_t now64;   /* true time since the start, never wraps */
static uint64_t last_poll; /* now64 at the last poll */

/* The clock moves on by @p d ms - at most 2^31 - 1 since the last poll in
 * all: a loop polls at least that often (a 32-bit clock cannot tell a
 * longer gap), so a deadline of up to 2^31 - 1 ms cannot be skipped. */
static void advance(uint64_t d)
{
    uint64_t room = last_poll + 0x7FFFFFFFu - now64;
    now64 += d < room ? d : room;
}
static uint32_t clock0;  /* what the client's clock read at now64 == 0 */
static uint32_t clock32(void) { return clock0 + (uint32_t)now64; }

#define MAX_POLLS 200000
static uint64_t poll_t[MAX_POLLS + 2]; /* now64 of each poll */
static int npolls;                     /* polls started */
static bool in_poll;

/* ---- requests ------------------------------------------------------------ */

#define NREQ 6
enum { R_NEW, R_PENDING, R_DONE };

typedef struct {
    emhttp_request r;
    uint8_t body[256];
    char target[8];
    int state;
    bool from_complete; /* submitted by the previous request's on_complete */
    bool abort_body;    /* on_body returns non-zero */
    int completions;
    int result;
    int ub_poll;        /* the poll in which it reached the head of the queue */
    bool act_known;
    uint64_t act;       /* its activation (now64) */
    uint64_t done_t;
    /* the mock's view */
    uint32_t writes;    /* heads begun in all when its head began (last time); 0 = never */
    int conn;           /* the connection it was written on last */
    uint64_t written_t; /* when its last byte was accepted */
    uint64_t connect_t; /* when the last connect for it began */
    uint64_t resolve_t;
} freq;

static freq R[NREQ];
static int nreq;
static uint32_t to_conn, to_first, to_req, to_dns; /* as the client runs them */
static emhttp_client cli;
static uint8_t tx[512];
static uint8_t rx[16384];
static size_t rx_size;

static bool finite(uint32_t t) { return t != EMHTTP_TIMEOUT_NONE; }

/* ---- the mock server and connection -------------------------------------- */

#define RING 65536u
#define MAX_UNREAD 32768u
#define PEND_MAX 65536u

typedef struct {
    bool open;
    int id;                  /* connection number, 1-based */
    int connect_polls;       /* connect_poll() calls left returning PENDING */
    bool connect_fail;
    /* arrived bytes: stream offsets [rd, wr) unread; ring holds byte + tag */
    uint64_t rd, wr;
    uint8_t byte[RING];
    uint32_t tag[RING];      /* heads written (all connections) when it arrived */
    /* queued by the server, not yet arrived */
    uint8_t pend[PEND_MAX];
    size_t pend_off, pend_len;
    const char *gen;         /* endless pattern after pend, or NULL */
    size_t gen_pos;
    bool eof;                /* server closes after what is queued has been read */
    bool reset;              /* the next recv/send gets a reset */
    /* request parsing (the client's bytes) */
    char head[1024];
    size_t head_len;
    uint32_t body_left;
    int cur;                 /* request whose body is being received */
    uint32_t head_no;        /* heads_written when the current head began */
} mconn;

static mconn C;
static int conn_ids;
static uint32_t heads_written; /* heads begun (first byte accepted), all connections */
static bool good_mode; /* the final, well-behaved server */
static bool redirects;  /* max_redirects > 0: some answers are redirects */

/* rx_ mapping after the last recv: rx[p] is stream byte map_base + p of
 * connection map_conn, for p < map_len */
static int map_conn;
static int64_t map_base;
static size_t map_len;

static void pend_add(const void *p, size_t n)
{
    if (C.pend_off == C.pend_len) {
        C.pend_off = C.pend_len = 0;
    }
    if (n > PEND_MAX - C.pend_len) {
        n = PEND_MAX - C.pend_len;
    }
    memcpy(C.pend + C.pend_len, p, n);
    C.pend_len += n;
}
static void pend_str(const char *s) { pend_add(s, strlen(s)); }

/* Let up to @p n queued bytes arrive (generator bytes after the queue). */
static void arrive(size_t n)
{
    if (!C.open) {
        return;
    }
    while (n > 0 && C.wr - C.rd < MAX_UNREAD) {
        uint8_t b;
        if (C.pend_off < C.pend_len) {
            b = C.pend[C.pend_off++];
        } else if (C.gen != NULL) {
            b = (uint8_t)C.gen[C.gen_pos++];
            if (C.gen[C.gen_pos] == '\0') {
                C.gen_pos = 0;
            }
        } else {
            return;
        }
        TRACE("arrives: %02x '%c' (tag %u)", b, b >= 32 && b < 127 ? b : '.',
              (unsigned)heads_written);
        C.byte[C.wr % RING] = b;
        C.tag[C.wr % RING] = heads_written;
        C.wr++;
        n--;
    }
}
/* Everything queued arrives, and one generator byte. */
static void arrive_all(void) { arrive((C.pend_len - C.pend_off) + (C.gen != NULL)); }

static const char *const generators[] = {
    "1\r\nx\r\n",                     /* endless 1-byte chunks */
    "x",                              /* a huge Content-Length, trickled */
    "HTTP/1.1 100 Continue\r\n\r\n",  /* endless interim responses */
    "X-A: b\r\n",                     /* endless headers */
};

/* The server's answer to a request written completely, from the input. */
static void respond(void)
{
    if (good_mode) {
        pend_str("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        return;
    }
    uint8_t b = u8();
    unsigned framing = b & 3u;
    static const int codes[] = {200, 200, 204, 304, 404, 500, 201, 200};
    int code = codes[(b >> 2) & 7u];
    char line[160];
    if (redirects && ((b >> 2) & 7u) == 7u) { /* a redirect to the same request */
        static const int rcodes[] = {301, 302, 303, 307, 308, 302, 307, 303};
        static const char *const forms[] = {
            "/r%d", "r%d", "//other.test:8081/r%d", "http://other.test/r%d",
            "http://api.test:8080/r%d", "https://api.test:8080/r%d", "/r%d#frag", NULL};
        uint8_t f = u8();
        TRACE("redirect %d, Location form %u", rcodes[f & 7u], (f >> 3) & 7u);
        snprintf(line, sizeof line, "HTTP/1.1 %d Moved\r\n", rcodes[f & 7u]);
        pend_str(line);
        if (forms[(f >> 3) & 7u] != NULL) {
            pend_str("Location: ");
            snprintf(line, sizeof line, forms[(f >> 3) & 7u], C.cur);
            pend_str(line);
            pend_str("\r\n");
        }
        pend_str((f & 0x40) ? "Connection: close\r\n" : "");
        pend_str("Content-Length: 5\r\n\r\nmoved");
        return;
    }
    if (b & 0x20) {
        pend_str("HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (framing == 3) { /* raw bytes from the input */
        size_t n = u8();
        for (size_t i = 0; i < n; i++) {
            uint8_t c = u8();
            pend_add(&c, 1);
        }
    } else {
        uint8_t f = u8();
        uint32_t len = u16() % 20000u;
        if (f & 0x10) { /* endless: the trickle attack */
            unsigned g = (f >> 5) & 3u;
            if (g != 2) { /* (g == 2: interim responses, nothing before them) */
                snprintf(line, sizeof line, "HTTP/1.1 %d OK\r\n", code);
                pend_str(line);
            }
            if (g == 0) {
                pend_str("Transfer-Encoding: chunked\r\n\r\n");
            } else if (g == 1) {
                pend_str("Content-Length: 4000000000\r\n\r\n");
            }
            C.gen = generators[g];
            C.gen_pos = 0;
            return;
        }
        snprintf(line, sizeof line, "HTTP/1.%d %d OK\r\n", (f & 1) ? 0 : 1, code);
        pend_str(line);
        if (f & 2) {
            pend_str("Connection: close\r\n");
        }
        if (f & 4) {
            pend_str("Keep-Alive: timeout=1\r\n");
        }
        if (f & 8) { /* a header line sized from the input: lengths around the buffer */
            size_t pad = (size_t)u16() % 17000u;
            pend_str("X-Pad: ");
            for (size_t i = 0; i < pad; i++) {
                pend_str("p");
            }
            pend_str("\r\n");
        }
        if (framing == 0) {
            snprintf(line, sizeof line, "Content-Length: %u\r\n\r\n", (unsigned)len);
            pend_str(line);
            for (uint32_t i = 0; i < len; i++) {
                pend_str("a");
            }
        } else if (framing == 1) {
            pend_str("Transfer-Encoding: chunked\r\n\r\n");
            uint32_t left = len;
            while (left > 0) {
                uint32_t k = 1u + u8() * 8u;
                k = k < left ? k : left;
                snprintf(line, sizeof line, "%x\r\n", (unsigned)k);
                pend_str(line);
                for (uint32_t i = 0; i < k; i++) {
                    pend_str("c");
                }
                pend_str("\r\n");
                left -= k;
            }
            pend_str("0\r\n\r\n");
        } else { /* delimited by the close */
            pend_str("\r\n");
            for (uint32_t i = 0; i < len; i++) {
                pend_str("d");
            }
            C.eof = true;
        }
    }
    if (b & 0x40) { /* an unrequested response after it */
        pend_str("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL");
    }
    if (b & 0x80) {
        C.eof = true;
    }
}

static freq *req_of(const char *head, size_t len)
{
    for (size_t i = 0; i + 3 < len; i++) {
        if (head[i] == ' ' && head[i + 1] == '/' && head[i + 2] == 'r') {
            int k = head[i + 3] - '0';
            if (k >= 0 && k < nreq) {
                return &R[k];
            }
            break;
        }
    }
    FAIL("a request head the harness did not submit");
}

/* The client's bytes, as the server reads them. */
static void server_reads(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (C.body_left > 0) {
            if (--C.body_left == 0) {
                R[C.cur].written_t = now64;
                respond();
            }
            continue;
        }
        if (C.head_len == sizeof C.head) {
            FAIL("request head over 1 KB");
        }
        if (C.head_len == 0) {
            C.head_no = ++heads_written; /* a head begins */
        }
        C.head[C.head_len++] = (char)p[i];
        if (C.head_len >= 4 && memcmp(C.head + C.head_len - 4, "\r\n\r\n", 4) == 0) {
            freq *q = req_of(C.head, C.head_len);
            C.head_len = 0;
            q->writes = C.head_no;
            TRACE("head of request %d written on connection %d (head %u)", (int)(q - R), C.id,
                  (unsigned)q->writes);
            q->conn = C.id;
            C.cur = (int)(q - R);
            bool has_body = q->r.body_len > 0 && strncmp(q->r.method, "HEAD", 4) != 0;
            C.body_left = has_body ? (uint32_t)q->r.body_len : 0;
            if (C.body_left == 0) {
                q->written_t = now64;
                respond();
            }
        }
    }
}

static freq *active_req(void)
{
    for (int k = 0; k < nreq; k++) {
        if (R[k].state == R_PENDING) {
            return &R[k];
        }
    }
    return NULL;
}

static uint32_t m_now(void *ctx)
{
    (void)ctx;
    return clock32();
}
static int m_resolve_start(void *ctx, const char *host)
{
    (void)ctx;
    (void)host;
    freq *q = active_req();
    if (q != NULL) {
        q->resolve_t = now64;
    }
    uint8_t b = good_mode ? 0 : u8();
    return b % 8 == 7 ? EMHTTP_ERR_RESOLVER : (b & 1 ? EMHTTP_OK : EMHTTP_PENDING);
}
static int m_resolve_poll(void *ctx, emhttp_ip_addr *out, size_t max, size_t *n)
{
    (void)ctx;
    (void)max;
    uint8_t b = good_mode ? 0 : u8();
    if (b % 4 == 1 || b % 4 == 3) {
        return EMHTTP_PENDING;
    }
    if (b % 4 == 2) {
        return EMHTTP_ERR_DNS;
    }
    out[0] = (emhttp_ip_addr){EMHTTP_AF_INET, {192, 0, 2, 1}};
    *n = 1;
    return EMHTTP_OK;
}
static void m_resolve_cancel(void *ctx) { (void)ctx; }

static void m_close(void *ctx)
{
    (void)ctx;
    memset(&C, 0, offsetof(mconn, byte)); /* (the ring and queue are dead with it) */
    C.pend_off = C.pend_len = 0;
    C.gen = NULL;
    C.eof = C.reset = false;
    C.head_len = 0;
    C.body_left = 0;
}
static int m_connect(void *ctx, const char *host, const emhttp_ip_addr *a, uint16_t port)
{
    (void)host;
    (void)a;
    (void)port;
    m_close(ctx);
    freq *q = active_req();
    if (q != NULL) {
        q->connect_t = now64;
    }
    C.id = ++conn_ids;
    TRACE("connect %d", C.id);
    uint8_t b = good_mode ? 0 : u8();
    switch (b % 8) {
    case 5: return EMHTTP_ERR_CONNECT;
    case 6: return EMHTTP_ERR_PORT;
    case 3:
    case 4:
    case 7:
        C.connect_polls = b >> 3;
        C.connect_fail = (b >> 3) == 31;
        C.open = false;
        return EMHTTP_PENDING;
    default: C.open = true; return EMHTTP_OK;
    }
}
static int m_connect_poll(void *ctx)
{
    (void)ctx;
    if (C.connect_polls > 0) {
        C.connect_polls--;
        return EMHTTP_PENDING;
    }
    if (C.connect_fail) {
        return EMHTTP_ERR_CONNECT;
    }
    C.open = true;
    return EMHTTP_OK;
}
static long m_gather(const emhttp_iov *iov, size_t cnt)
{
    if (!C.open) {
        FAIL("send on a connection not open");
    }
    if (C.reset) {
        return EMHTTP_ERR_RESET;
    }
    size_t room = SIZE_MAX;
    if (!good_mode) {
        uint8_t b = u8();
        if (b >= 0xF0) {
            return b == 0xF0 ? EMHTTP_ERR_RESET : (b == 0xF1 ? EMHTTP_ERR_CLOSED : 0);
        }
        if (b >= 0x80) {
            room = (size_t)(b - 0x7F); /* 1..112 bytes this call */
        }
    }
    size_t took = 0;
    for (size_t i = 0; i < cnt && room > 0; i++) {
        size_t k = iov[i].len < room ? iov[i].len : room;
        server_reads(iov[i].base, k);
        took += k;
        room -= k;
    }
    return (long)took;
}
static long m_send(void *ctx, const uint8_t *p, size_t n, unsigned flags)
{
    (void)ctx;
    (void)flags;
    emhttp_iov one = {p, n};
    return m_gather(&one, 1);
}
static long m_sendv(void *ctx, const emhttp_iov *iov, size_t cnt)
{
    (void)ctx;
    return m_gather(iov, cnt);
}
static long m_recv(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    if (!C.open) {
        FAIL("recv on a connection not open");
    }
    /* the mapping of rx_ rests on this: receive behind what is kept */
    if (buf < rx || buf + len != rx + rx_size || len == 0) {
        FAIL("recv into rx[%td..+%zu) of %zu", buf - rx, len, rx_size);
    }
    size_t kept = (size_t)(buf - rx);
    if (good_mode) {
        arrive_all();
    } else {
        uint8_t b = u8();
        if (b == 0) {
            arrive_all();
        } else if (b < 0xF0) {
            arrive(b < 0x80 ? b : (size_t)(b - 0x7F) * 64u);
        } else if (b == 0xF0) {
            C.reset = true;
        } else if (b == 0xF1) {
            C.eof = true;
        }
    }
    if (C.reset) {
        return EMHTTP_ERR_RESET;
    }
    uint64_t unread = C.wr - C.rd;
    if (unread == 0 && C.eof && C.pend_off == C.pend_len && C.gen == NULL) {
        return EMHTTP_ERR_CLOSED;
    }
    size_t n = unread < len ? (size_t)unread : len;
    for (size_t i = 0; i < n; i++) {
        buf[i] = C.byte[(C.rd + i) % RING];
    }
    C.rd += n;
    TRACE("recv(kept %zu, room %zu) -> %zu", kept, len, n);
    if ((uint64_t)kept + n > C.rd) {
        FAIL("the receive buffer keeps %zu bytes, only %llu came on this connection", kept,
             (unsigned long long)(C.rd - n));
    }
    map_conn = C.id;
    map_base = (int64_t)C.rd - (int64_t)(kept + n);
    map_len = kept + n;
    return (long)n;
}

static const emhttp_port_ops mock_ops = {.now_ms = m_now,
                                         .resolve_start = m_resolve_start,
                                         .resolve_poll = m_resolve_poll,
                                         .resolve_cancel = m_resolve_cancel};
static const emhttp_transport_ops mock_tcp = {.connect = m_connect,
                                              .connect_poll = m_connect_poll,
                                              .send = m_send,
                                              .sendv = m_sendv,
                                              .recv = m_recv,
                                              .close = m_close};
static const emhttp_transport_ops mock_tcp_nogather = {.connect = m_connect,
                                                       .connect_poll = m_connect_poll,
                                                       .send = m_send,
                                                       .recv = m_recv,
                                                       .close = m_close};

/* ---- property 3: every delivered byte is fresh for its request ----------- */

static void delivered(const freq *q, const void *ptr, size_t len, const char *what)
{
    if (q->state != R_PENDING) {
        FAIL("%s for request %d after its completion", what, (int)(q - R));
    }
    if (q->writes == 0) {
        FAIL("%s for request %d, never written", what, (int)(q - R));
    }
    const uint8_t *p = ptr;
    if (p < rx || p + len > rx + map_len) {
        FAIL("%s outside the received bytes", what);
    }
    if (map_conn != q->conn) {
        FAIL("%s for request %d from connection %d, written on %d", what, (int)(q - R),
             map_conn, q->conn);
    }
    size_t pos = (size_t)(p - rx);
    for (size_t i = 0; i < len || (len == 0 && i == 0 && pos < map_len); i++) {
        uint64_t so = (uint64_t)(map_base + (int64_t)(pos + i));
        if (C.id == map_conn && (so >= C.rd || C.rd - so > RING - MAX_UNREAD)) {
            FAIL("%s maps outside the live stream", what);
        }
        uint32_t tag = C.tag[so % RING];
        if (tag < q->writes) {
            FAIL("%s byte for request %d arrived with %u heads written, its head was "
                 "head %u",
                 what, (int)(q - R), (unsigned)tag, (unsigned)q->writes);
        }
        if (len == 0) {
            break;
        }
    }
}

static int cb_status(emhttp_request *r, int status, const char *reason, size_t len)
{
    (void)status;
    delivered(r->user, reason, len, "status");
    return 0;
}
static int cb_header(emhttp_request *r, const char *n, size_t nl, const char *v, size_t vl)
{
    delivered(r->user, n, nl, "header name");
    delivered(r->user, v, vl, "header value");
    return 0;
}
static int cb_body(emhttp_request *r, const uint8_t *d, size_t len)
{
    freq *q = r->user;
    delivered(q, d, len, "body");
    return q->abort_body ? 1 : 0;
}

static void submit(freq *q);

/* ---- properties 1 and 2 at completion ------------------------------------ */

/* Which of the candidate polls (the one where it reached the head of the
 * queue, or the next) activated it: from the client's t_start_. */
static bool activation(freq *q)
{
    for (int p = q->ub_poll; p <= q->ub_poll + 1 && p < npolls; p++) {
        if ((uint32_t)(clock0 + (uint32_t)poll_t[p]) == q->r.t_start_) {
            q->act = poll_t[p];
            q->act_known = true;
            return true;
        }
    }
    return false;
}

static void cb_complete(emhttp_request *r, int result)
{
    freq *q = r->user;
    int k = (int)(q - R);
    if (q->state != R_PENDING || ++q->completions != 1) {
        FAIL("request %d completed twice", k);
    }
    q->state = R_DONE;
    TRACE("request %d complete: %d", k, result);
    q->result = result;
    q->done_t = now64;
    /* the next one reaches the head of the queue now */
    for (int j = k + 1; j < nreq; j++) {
        if (R[j].state == R_PENDING) {
            bool first = true;
            for (int i = 0; i < j; i++) {
                first = first && R[i].state != R_PENDING;
            }
            if (first) {
                R[j].ub_poll = in_poll ? npolls - 1 : npolls;
            }
            break;
        }
    }
    bool timeout = result == EMHTTP_ERR_TIMEOUT || result == EMHTTP_ERR_TIMEOUT_FIRST_BYTE ||
                   result == EMHTTP_ERR_CONNECT_TIMEOUT || result == EMHTTP_ERR_DNS_TIMEOUT;
    if (timeout && !q->act_known && !activation(q)) {
        FAIL("request %d timed out (%d) without having been activated", k, result);
    }
    if (result == EMHTTP_ERR_TIMEOUT && (!finite(to_req) || now64 - q->act < to_req)) {
        FAIL("request %d: EMHTTP_ERR_TIMEOUT after %llu ms, timeout %u", k,
             (unsigned long long)(now64 - q->act), (unsigned)to_req);
    }
    if (result == EMHTTP_ERR_TIMEOUT_FIRST_BYTE &&
        (!finite(to_first) || now64 - q->written_t < to_first)) {
        FAIL("request %d: first-byte timeout after %llu ms, timeout %u", k,
             (unsigned long long)(now64 - q->written_t), (unsigned)to_first);
    }
    if (result == EMHTTP_ERR_CONNECT_TIMEOUT &&
        (!finite(to_conn) || now64 - q->connect_t < to_conn)) {
        FAIL("request %d: connect timeout after %llu ms", k,
             (unsigned long long)(now64 - q->connect_t));
    }
    if (result == EMHTTP_ERR_DNS_TIMEOUT && (!finite(to_dns) || now64 - q->resolve_t < to_dns)) {
        FAIL("request %d: DNS timeout after %llu ms", k,
             (unsigned long long)(now64 - q->resolve_t));
    }
    if (k + 1 < nreq && R[k + 1].from_complete && R[k + 1].state == R_NEW) {
        submit(&R[k + 1]);
    }
}

static const emhttp_response_cbs fcbs = {cb_status, cb_header, cb_body, cb_complete};

static void submit(freq *q)
{
    bool first = true;
    for (int i = 0; i < nreq; i++) {
        first = first && R[i].state != R_PENDING;
    }
    q->state = R_PENDING;
    q->ub_poll = in_poll ? npolls - 1 : npolls;
    if (!first) {
        q->ub_poll = MAX_POLLS; /* set when the one before completes */
    }
    TRACE("submit request %d", (int)(q - R));
    if (emhttp_submit(&cli, &q->r) != EMHTTP_OK) {
        FAIL("submit refused");
    }
}

/* ---- the driver ---------------------------------------------------------- */

static uint64_t step_of(uint8_t b)
{
    static const uint64_t big[] = {999, 1000, 1001, 1u << 20, 1u << 28, 1u << 30, 0x7FFFFFFFu,
                                   0x7FFFFFFEu};
    if (b < 200) {
        return b / 4u;
    }
    if (b < 248) {
        return (uint64_t)(b - 199) * 100u;
    }
    return big[b - 248];
}

static void poll_once(void)
{
    if (npolls >= MAX_POLLS) {
        return;
    }
    TRACE("poll %d", npolls);
    poll_t[npolls++] = now64;
    last_poll = now64;
    in_poll = true;
    int rc = emhttp_poll(&cli);
    in_poll = false;
    if (rc == EMHTTP_ERR_BUSY) {
        FAIL("poll busy outside a callback");
    }
    int p = npolls - 1;
    for (int k = 0; k < nreq; k++) {
        freq *q = &R[k];
        if (q->state != R_PENDING) {
            continue;
        }
        if (!q->act_known && q->ub_poll != MAX_POLLS && p >= q->ub_poll + 1 && !activation(q)) {
            FAIL("request %d at the head of the queue since poll %d, not active after poll %d "
                 "(t_start %u)",
                 k, q->ub_poll, p, (unsigned)q->r.t_start_);
        }
        if (q->act_known && finite(to_req) && now64 - q->act >= to_req) {
            FAIL("request %d pending %llu ms after activation, timeout %u", k,
                 (unsigned long long)(now64 - q->act), (unsigned)to_req);
        }
    }
}

static bool all_done(void)
{
    for (int k = 0; k < nreq; k++) {
        if (R[k].state != R_DONE) {
            return false;
        }
    }
    return true;
}

static uint32_t timeout_of(uint8_t b)
{
    static const uint32_t t[] = {0,           1,           2,          5,
                                 20,          100,         1000,       0x7FFFFFFFu,
                                 0x80000000u, 2415919104u, 0xFFFFFFFEu, EMHTTP_TIMEOUT_NONE,
                                 7,           50,          300,        EMHTTP_TIMEOUT_NONE};
    return t[b & 15u];
}

static bool over(uint32_t v) { return v > EMHTTP_TIMEOUT_MAX_MS && v != EMHTTP_TIMEOUT_NONE; }

static void reset_all(void)
{
    memset(R, 0, sizeof R);
    m_close(NULL);
    conn_ids = 0;
    heads_written = 0;
    good_mode = false;
    npolls = 0;
    in_poll = false;
    now64 = 0;
    last_poll = 0;
    map_conn = 0;
    map_base = 0;
    map_len = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_p = data;
    in_n = size;
    in_i = 0;
    reset_all();

    /* configuration */
    static const size_t sizes[] = {256, 257, 511, 512, 1024, 4096, 16384, 300};
    uint8_t c0 = u8(), c1 = u8();
    rx_size = sizes[c0 & 7u];
    if (c0 & 8u) {
        rx_size = 256u + u16() % (sizeof rx - 255u);
    }
    uint32_t t[4] = {timeout_of(u8()), timeout_of(u8()), timeout_of(u8()), timeout_of(u8())};
    uint8_t cs = u8();
    clock0 = cs < 128 ? 0xFFFFFFFFu - cs * 4u : (cs < 192 ? u32() : cs);
    static const emhttp_ip_addr fixed = {EMHTTP_AF_INET, {192, 0, 2, 7}};
    emhttp_config cfg = {.host = "api.test", .port = 8080, .net = {&mock_ops, NULL},
                         .transport = {(c1 & 1) ? &mock_tcp_nogather : &mock_tcp, NULL},
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx, .rx_size = rx_size,
                         .connect_timeout_ms = t[0], .first_byte_timeout_ms = t[1],
                         .request_timeout_ms = t[2], .dns_timeout_ms = t[3],
                         .resolve = (c1 & 2) ? &fixed : NULL,
                         .retry_all_methods = (c1 & 4) != 0};
#if CONFIG_EMHTTP_REDIRECTS
    static char redirect_buf[128];
    redirects = (c0 & 0x10) != 0;
    cfg.max_redirects = redirects ? 3 : 0;
    cfg.redirect_other_origins = (c0 & 0x20) != 0;
    cfg.redirect_buf = redirect_buf;
    cfg.redirect_size = sizeof redirect_buf;
#endif
    int rc = emhttp_client_init(&cli, &cfg);
    bool bad = over(t[0]) || over(t[1]) || over(t[2]) || over(t[3]);
    if (rc != (bad ? EMHTTP_ERR_CONFIG_RANGE : EMHTTP_OK)) {
        FAIL("init returned %d for timeouts %u %u %u %u", rc, (unsigned)t[0], (unsigned)t[1],
             (unsigned)t[2], (unsigned)t[3]);
    }
    if (bad) { /* what cannot be represented, as "no limit" */
        for (int i = 0; i < 4; i++) {
            t[i] = over(t[i]) ? EMHTTP_TIMEOUT_NONE : t[i];
        }
        cfg.connect_timeout_ms = t[0];
        cfg.first_byte_timeout_ms = t[1];
        cfg.request_timeout_ms = t[2];
        cfg.dns_timeout_ms = t[3];
        if (emhttp_client_init(&cli, &cfg) != EMHTTP_OK) {
            FAIL("init refused valid timeouts");
        }
    }
    to_conn = t[0] ? t[0] : CONFIG_EMHTTP_CONNECT_TIMEOUT_MS;
    to_first = t[1] ? t[1] : CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS;
    to_req = t[2] ? t[2] : CONFIG_EMHTTP_REQUEST_TIMEOUT_MS;
    to_dns = t[3] ? t[3] : CONFIG_EMHTTP_DNS_TIMEOUT_MS;

    /* requests */
    static const char *const methods[] = {"GET", "POST", "HEAD", "PUT"};
    nreq = 1 + (c1 >> 3) % NREQ;
    for (int k = 0; k < nreq; k++) {
        freq *q = &R[k];
        uint8_t b = u8();
        snprintf(q->target, sizeof q->target, "/r%d", k);
        q->r.target = q->target;
        q->r.method = methods[b & 3u];
        if ((b & 3u) == 1 || (b & 3u) == 3) {
            q->r.body_len = 1u + u8();
            memset(q->body, 'b', q->r.body_len);
            q->r.body = q->body;
        }
        q->from_complete = k > 0 && (b & 4u);
        q->abort_body = (b & 0xF8u) == 0xF8u;
        q->r.cbs = &fcbs;
        q->r.user = q;
    }
    int next = 0; /* next request to submit between polls */

    /* the run: operations from the input */
    for (int ops = 0; ops < 4000 && in_i < in_n; ops++) {
        uint8_t op = u8();
        while (next < nreq && R[next].state != R_NEW) {
            next++;
        }
        switch (op % 8) {
        case 0:
        case 7:
            advance(step_of(u8()));
            poll_once();
            break;
        case 1: advance(step_of(u8())); break;
        case 2: arrive(u8()); break;
        case 3:
            if (next < nreq) {
                submit(&R[next]);
            }
            break;
        case 4: {
            freq *q = &R[u8() % nreq];
            if (q->state == R_PENDING) {
                if (emhttp_cancel(&cli, &q->r) != EMHTTP_OK || q->result != EMHTTP_ERR_CANCELLED) {
                    FAIL("cancel of a pending request");
                }
            }
            break;
        }
        case 5:
            if (C.open) {
                if (op & 8) {
                    pend_str("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL");
                } else {
                    size_t n = u8();
                    for (size_t i = 0; i < n; i++) {
                        uint8_t c = u8();
                        pend_add(&c, 1);
                    }
                }
            }
            break;
        case 6:
            if (op & 8) {
                C.reset = C.open;
            } else {
                C.eof = true;
            }
            break;
        }
    }

    /* drain: everything submitted; the clock steps until each request with
     * a finite timeout has completed (property 2 bounds how long) */
    uint64_t step = 1 + (u8() & 15u);
    if (finite(to_req) && to_req / 400u + 1u > step) {
        step = to_req / 400u + 1u;
    }
    for (int k = 0; k < nreq; k++) {
        if (R[k].state == R_NEW) {
            submit(&R[k]);
        }
    }
    int limit = finite(to_req) ? MAX_POLLS : npolls + 300;
    while (!all_done() && npolls < limit && npolls < MAX_POLLS) {
        advance(step);
        poll_once();
    }
    if (!all_done()) {
        if (finite(to_req)) {
            FAIL("requests still pending after %d polls", npolls);
        }
        emhttp_client_close(&cli); /* no limit: they would wait forever */
    }
    for (int k = 0; k < nreq; k++) {
        if (R[k].completions != 1 || R[k].r.result != R[k].result) {
            FAIL("request %d completed %d times", k, R[k].completions);
        }
    }

    /* property 4: still usable - a well-behaved server, a fresh request */
    good_mode = true;
    C.gen = NULL;
    C.eof = false;
    arrive_all(); /* whatever was on its way arrives now, before the request */
    freq *q = &R[0];
    memset(q, 0, sizeof *q);
    snprintf(q->target, sizeof q->target, "/r0");
    q->r.target = q->target;
    q->r.method = "GET";
    q->r.cbs = &fcbs;
    q->r.user = q;
    nreq = 1;
    submit(q);
    for (int i = 0; i < 50 && q->state == R_PENDING; i++) {
        poll_once(); /* the clock stands: no timeout can pass */
    }
    if (q->state != R_DONE || q->result != EMHTTP_OK || q->r.status != 200) {
        FAIL("not usable afterwards: result %d status %d", q->result, q->r.status);
    }
    return 0;
}
