/*
 * The fault matrix: every client state x every fault, over a scripted mock
 * port and transport (issue 17).
 *
 * Rows are the states a request passes through (resolving, connecting, the
 * transport's handshake, sending the head, sending the body, waiting for
 * the status, headers, a Content-Length body, a chunked body, a body
 * delimited by the close, an idle kept-alive connection; a streamed body:
 * chunked, declared, the producer waiting; Expect: 100-continue: waiting
 * for 100, a final status instead); columns are the
 * faults (EOF, reset, no progress until a timeout, 1-byte writes,
 * would-block storms, 1-byte reads, DNS failure, DNS timeout, connection
 * refused, port out of resources).  A cell runs one or more variants
 * (a fresh connection, a reused one, a method that may be re-sent and one
 * that may not) and asserts for each:
 *  - the exact result code (req->result, on_complete's argument, and the
 *    negative return of the emhttp_poll() that failed it - nothing else
 *    negative from any poll);
 *  - on_complete exactly once, on_status at most once, no callback of the
 *    request after its completion;
 *  - the retry policy: connect() attempts and how often the request line
 *    reached the server (a GET on a reused connection found dead before
 *    any response byte - EOF, reset, or no first byte: the silently dead
 *    connection - goes out once more on a fresh connection, a POST does
 *    not, a request whose response began is never re-sent; with
 *    CONFIG_EMHTTP_RESEND=0 nothing is re-sent), the DNS cache kept or
 *    dropped as transport.h says, emhttp_stats.retries where compiled in;
 *  - no transport call on a closed connection, the failed connection
 *    closed, and then, with the fault gone, the next request on the same
 *    client succeeds (re-resolving only when the cache had to go).
 * It prints the matrix, a cell count and the reason of every cell marked
 * n/a.  Expected values are written out per cell below, from client.h,
 * transport.h and docs/design.md, not computed from the client.
 *
 * Time is simulated: the driver advances the mock clock by 1 ms per
 * waiting poll, or straight to the client's next deadline once the mock
 * has stalled on purpose (nothing else can happen then).
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "emhttp/client.h"

/* ---- the axes ----------------------------------------------------------- */

enum { S_RESOLVE, S_CONNECT, S_HANDSHAKE, S_HEAD, S_BODY, S_STATUS, S_HEADERS, S_CLBODY,
       S_CHUNKED, S_CLOSEBODY, S_IDLE, S_SCHUNK, S_SDECL, S_SWAIT, S_CONTINUE, S_FINAL, NSTATE };
enum { F_EOF, F_RESET, F_STALL, F_W1, F_STORM, F_R1, F_DNSFAIL, F_DNSTO, F_REFUSED, F_PORT,
       NFAULT };

static const char *const state_name[NSTATE] = {
    "resolving",   "connecting",  "handshake",  "sending head",   "sending body", "await status",
    "headers",     "CL body",     "chunked body", "close-delim body", "idle keep-alive",
    "stream chunked", "stream declared", "stream waits", "expect: await 100", "expect: final"};
static const char *const fault_name[NFAULT] = {"EOF",   "reset", "stall", "1B-wr", "wblock",
                                               "1B-rd", "dnsfail", "dns-to", "refused", "port"};

/* ---- the mock ------------------------------------------------------------ */

/* Where a fault sits. */
enum { W_NONE, W_SEND, W_RECV, W_ANY, W_IDLE };
/* Resolver behaviour. */
enum { D_OK, D_FAIL, D_HANG, D_LATE, D_START_FAIL, D_STORM };

#define MAXC 8
#define STORM_RUN 64

typedef struct {
    char in[4096];   /* what the server received */
    size_t in_len, parsed;
    char out[4096];  /* what it sends */
    size_t out_len, out_off;
    bool close_after; /* the server closes once out is delivered */
    bool hs_done;
    int dead;        /* an error every call returns (the idle fault) */
    /* the mode a fired W1/R1/storm fault left */
    bool w1, r1, storm_send, storm_recv;
    int storm_left[2]; /* per direction: send, recv */
    unsigned storm_tick[2];
    uint8_t hs_buf[5];
    size_t hs_sent, hs_got;
    /* Expect: 100-continue of the request at cont_req - 1 (0: none) */
    size_t cont_req, cont_head_end, cont_end;
    bool final; /* a final status went instead of 100: nothing more is parsed */
    size_t final_head_end;
} sconn;

static struct {
    uint32_t now;
    /* resolver */
    int dns_mode, naddrs, resolves, resolve_cancels, dns_storm;
    bool dns_active;
    uint32_t t_dns;
    /* connections */
    int attempts; /* connect() calls */
    int cur;
    bool open;
    sconn conn[MAXC];
    emhttp_ip_addr addr[MAXC];
    int refuse_from, refuse_to; /* attempts [from, to) are refused */
    bool refuse_sync;          /* ... by connect() itself */
    int port_from;             /* attempts from here: out of resources */
    bool connect_hang;         /* connect_poll never finishes */
    int connect_storm;
    /* the fault */
    int kind, where, fconn;
    size_t foff, base_in, base_out;
    bool fired;
    bool stalled; /* a stall fired: only a deadline can move things */
    /* the test request's response */
    const char *resp;
    bool resp_close;
    int misuse;
    /* streamed bodies and Expect (the test request's) */
    int expect_mode;        /* E_* */
    size_t body_total;      /* the body the server must get whole and right */
    int bodies_ok, bodies_bad, early;
    size_t hold_at;         /* the producer waits at this many bytes given ... */
    int hold;               /* ... for this many calls (-1: for ever) */
    bool piece_pending;     /* the last poll's producer had its piece next time */
} M;

/* How the server answers "Expect: 100-continue" on /test. */
enum { E_100, E_NONE, E_FINAL };
static const char RESP_417[] = "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 5\r\n\r\nnope!";

static const char RESP_CL[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
static const char RESP_CHUNKED[] =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3;x=y\r\nllo\r\n0\r\n\r\n";
static const char RESP_CLOSE[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello";

static bool fault_here(int where) { return M.kind >= 0 && M.where == where && M.cur == M.fconn; }

static const char EXPECT_LINE[] = "\r\nExpect: 100-continue\r\n";
static const char TE_LINE[] = "\r\nTransfer-Encoding: chunked\r\n";

/* The server's side: whole requests in, responses out (a chunked body
 * de-framed; "Expect: 100-continue" on /test answered as M.expect_mode
 * says; a test body checked against the pattern). */
static void server_take(sconn *s)
{
    while (!s->final) {
        const char *start = s->in + s->parsed;
        size_t avail = s->in_len - s->parsed;
        const char *end = memmem(start, avail, "\r\n\r\n", 4);
        if (end == NULL) {
            return;
        }
        size_t head = (size_t)(end + 4 - start), cl = 0;
        const char *h = memmem(start, head, "\r\nContent-Length: ", 18);
        if (h != NULL) {
            for (h += 18; *h >= '0' && *h <= '9'; h++) {
                cl = cl * 10 + (size_t)(*h - '0');
            }
        }
        const char *sp = memchr(start, ' ', head);
        bool test = sp != NULL && strncmp(sp, " /test ", 7) == 0;
        if (test && memmem(start, head, EXPECT_LINE, sizeof EXPECT_LINE - 1) != NULL &&
            s->cont_req != s->parsed + 1) {
            s->cont_req = s->parsed + 1;
            s->cont_head_end = s->parsed + head;
            const char *a = M.expect_mode == E_100 ? "HTTP/1.1 100 Continue\r\n\r\n"
                            : M.expect_mode == E_FINAL ? RESP_417 : "";
            memcpy(s->out + s->out_len, a, strlen(a));
            s->out_len += strlen(a);
            /* (the 100 is known once its status line is in: the body may follow) */
            s->cont_end = M.expect_mode == E_100 ? s->out_len - 2 : 0;
            if (M.expect_mode == E_FINAL) { /* the body is not read: none may come */
                s->final = true;
                s->final_head_end = s->parsed + head;
                return;
            }
        }
        /* the body: right when it is the pattern 'a' + i % 26, M.body_total long */
        size_t blen = cl;
        bool good = true;
        for (size_t i = 0; i < cl && head + i < avail; i++) {
            good &= start[head + i] == (char)('a' + i % 26);
        }
        bool chunked = memmem(start, head, TE_LINE, sizeof TE_LINE - 1) != NULL;
        if (chunked) { /* (whole chunks of the body; cl: the framed length) */
            size_t at = head;
            blen = 0;
            for (;;) {
                const char *crlf = memmem(start + at, avail - at, "\r\n", 2);
                if (crlf == NULL) {
                    return;
                }
                size_t n = 0;
                for (const char *d = start + at; d < crlf; d++) {
                    n = n * 16 + (size_t)(*d <= '9' ? *d - '0' : *d - 'a' + 10);
                }
                at = (size_t)(crlf + 2 - start);
                if (avail < at + n + 2) {
                    return;
                }
                if (n == 0) {
                    at += 2; /* the empty trailer */
                    break;
                }
                for (size_t i = 0; i < n; i++) {
                    good &= start[at + i] == (char)('a' + (blen + i) % 26);
                }
                blen += n;
                at += n + 2;
            }
            cl = at - head;
        } else if (avail < head + cl) {
            return;
        }
        if (test && M.body_total > 0) {
            good &= blen == M.body_total;
            M.bodies_ok += good;
            M.bodies_bad += !good;
        }
        const char *r = test ? M.resp : RESP_CL;
        size_t n = strlen(r);
        if (s->out_len + n <= sizeof s->out) {
            memcpy(s->out + s->out_len, r, n);
            s->out_len += n;
        }
        if (test && M.resp_close) {
            s->close_after = true;
        }
        s->parsed += head + cl;
    }
}

static uint32_t m_now(void *ctx) { (void)ctx; return M.now; }

static int m_resolve_start(void *ctx, const char *host)
{
    (void)ctx;
    (void)host;
    M.resolves++;
    if (M.dns_mode == D_START_FAIL) {
        return EMHTTP_ERR_RESOLVER;
    }
    M.dns_active = true;
    M.t_dns = M.now;
    M.dns_storm = STORM_RUN;
    return EMHTTP_PENDING;
}

static int m_resolve_poll(void *ctx, emhttp_ip_addr *out, size_t max, size_t *n)
{
    (void)ctx;
    if (!M.dns_active) {
        M.misuse++;
        return EMHTTP_ERR_DNS;
    }
    switch (M.dns_mode) {
    case D_FAIL: M.dns_active = false; return EMHTTP_ERR_DNS;
    case D_HANG: M.stalled = true; return EMHTTP_PENDING;
    case D_LATE:
        if (M.now - M.t_dns < 800) { /* the answer comes after the 700 ms limit */
            return EMHTTP_PENDING;
        }
        break;
    case D_STORM:
        if (M.dns_storm > 0) {
            M.dns_storm--;
            return EMHTTP_PENDING;
        }
        break;
    default: break;
    }
    M.dns_active = false;
    size_t k = (size_t)M.naddrs < max ? (size_t)M.naddrs : max;
    for (size_t i = 0; i < k; i++) {
        out[i] = (emhttp_ip_addr){EMHTTP_AF_INET, {192, 0, 2, (uint8_t)(1 + i)}};
    }
    *n = k;
    return EMHTTP_OK;
}

static void m_resolve_cancel(void *ctx)
{
    (void)ctx;
    M.resolve_cancels++;
    M.dns_active = false;
    M.stalled = false;
}

static int m_connect(void *ctx, const char *host, const emhttp_ip_addr *a, uint16_t port)
{
    (void)ctx;
    (void)host;
    (void)port;
    if (M.open) {
        M.misuse++; /* the previous connection was not closed */
    }
    int i = M.attempts++;
    if (i >= MAXC) {
        M.misuse++;
        return EMHTTP_ERR_PORT;
    }
    M.cur = i;
    M.addr[i] = *a;
    memset(&M.conn[i], 0, sizeof M.conn[i]);
    M.conn[i].storm_left[0] = M.conn[i].storm_left[1] = STORM_RUN;
    M.connect_storm = STORM_RUN;
    if (M.port_from >= 0 && i >= M.port_from) {
        return EMHTTP_ERR_PORT;
    }
    if (M.refuse_sync && i >= M.refuse_from && i < M.refuse_to) {
        return EMHTTP_ERR_CONNECT;
    }
    return EMHTTP_PENDING;
}

static int m_connect_poll(void *ctx)
{
    (void)ctx;
    if (M.connect_hang) {
        M.stalled = true;
        return EMHTTP_PENDING;
    }
    if (M.kind == F_STORM && M.where == W_NONE && M.connect_storm > 0) {
        M.connect_storm--;
        return EMHTTP_PENDING;
    }
    if (M.attempts - 1 >= M.refuse_from && M.attempts - 1 < M.refuse_to) {
        return EMHTTP_ERR_CONNECT;
    }
    M.open = true;
    return EMHTTP_OK;
}

/* A fired W1 / R1 / storm fault changes how the connection behaves from
 * there on; EOF, reset and stall end it. */
static int fire(sconn *s, int dir)
{
    M.fired = true;
    switch (M.kind) {
    case F_EOF: s->dead = EMHTTP_ERR_CLOSED; return s->dead;
    case F_RESET: s->dead = EMHTTP_ERR_RESET; return s->dead;
    case F_STALL: M.stalled = true; return 0;
    case F_W1: s->w1 = true; break;
    case F_R1: s->r1 = true; break;
    case F_STORM:
        if (dir == W_SEND || M.where == W_ANY) {
            s->storm_send = true;
        }
        if (dir == W_RECV || M.where == W_ANY) {
            s->storm_recv = true;
        }
        break;
    default: break;
    }
    return 1; /* go on in the new mode */
}

/* A storm: STORM_RUN would-blocks in a row, then every other call (each
 * direction counts its own calls). */
static bool storm_blocks(sconn *s, int dir)
{
    if (s->storm_left[dir] > 0) {
        s->storm_left[dir]--;
        return true;
    }
    return (s->storm_tick[dir]++ & 1u) == 0;
}

static long raw_send(const emhttp_iov *iov, size_t cnt)
{
    if (!M.open || M.cur < 0) {
        M.misuse++;
        return EMHTTP_ERR_SEND;
    }
    sconn *s = &M.conn[M.cur];
    if (s->dead && !(s->dead == EMHTTP_ERR_CLOSED && M.where == W_IDLE)) {
        return s->dead;
    }
    /* (after a FIN, writes still succeed, as on a socket; nobody answers) */
    size_t room = sizeof s->in - s->in_len;
    if (fault_here(W_SEND) || fault_here(W_ANY)) {
        size_t at = M.base_in + M.foff;
        if (s->in_len >= at && !M.fired) {
            int r = fire(s, W_SEND);
            if (r <= 0) {
                return r;
            }
        }
        if (M.stalled) {
            return 0;
        }
        if (!M.fired && at - s->in_len < room) {
            room = at - s->in_len; /* up to the fault, then the fault */
        }
    }
    if (s->storm_send && storm_blocks(s, 0)) {
        return 0;
    }
    if (s->w1 && room > 1) {
        room = 1;
    }
    size_t before = s->in_len;
    for (size_t i = 0; i < cnt && room > 0; i++) {
        size_t k = iov[i].len < room ? iov[i].len : room;
        memcpy(s->in + s->in_len, iov[i].base, k);
        s->in_len += k;
        room -= k;
    }
    if (!s->dead) {
        server_take(s);
    }
    /* a body byte before the client had the 100 (or after a final status) */
    M.early += s->cont_end != 0 && s->out_off < s->cont_end && s->in_len > s->cont_head_end;
    M.early += s->final && s->in_len > s->final_head_end;
    return (long)(s->in_len - before);
}

static long raw_recv(uint8_t *p, size_t n)
{
    if (!M.open || M.cur < 0) {
        M.misuse++;
        return EMHTTP_ERR_RECV;
    }
    sconn *s = &M.conn[M.cur];
    if (fault_here(W_IDLE) && !M.fired) {
        return fire(s, W_RECV) < 0 ? s->dead : 0;
    }
    if (s->dead) {
        return s->dead;
    }
    size_t avail = s->out_len - s->out_off;
    if (fault_here(W_RECV) || fault_here(W_ANY)) {
        size_t at = M.base_out + M.foff;
        /* (only once the response exists: never in the idle probe) */
        if (!M.fired && s->out_off >= at && s->out_len > M.base_out) {
            int r = fire(s, W_RECV);
            if (r < 0) {
                return r;
            }
        }
        if (M.stalled) {
            return 0;
        }
        if (!M.fired && at - s->out_off < avail) {
            avail = at - s->out_off;
        }
    }
    if (s->storm_recv && storm_blocks(s, 1)) {
        return 0;
    }
    if (avail == 0) {
        return s->close_after && s->out_off == s->out_len ? EMHTTP_ERR_CLOSED : 0;
    }
    size_t k = avail < n ? avail : n;
    if (s->r1) {
        k = 1;
    }
    memcpy(p, s->out + s->out_off, k);
    s->out_off += k;
    return (long)k;
}

static long m_send(void *ctx, const uint8_t *p, size_t n, unsigned flags)
{
    (void)ctx;
    (void)flags;
    emhttp_iov one = {p, n};
    return raw_send(&one, 1);
}
static long m_sendv(void *ctx, const emhttp_iov *iov, size_t cnt)
{
    (void)ctx;
    return raw_send(iov, cnt);
}
static long m_recv(void *ctx, uint8_t *p, size_t n)
{
    (void)ctx;
    return raw_recv(p, n);
}
static void m_close(void *ctx)
{
    (void)ctx;
    M.open = false;
    M.stalled = false;
    M.cur = -1;
}

/* The "secure" transport's handshake, shaped like tls.c's over its lower
 * transport: the client hello ("HELLO") out, the server's ("WORLD") in; an
 * I/O failure is EMHTTP_ERR_TLS_HANDSHAKE, as mbedTLS reports it. */
static int m_handshake(void *ctx)
{
    (void)ctx;
    if (!M.open) {
        M.misuse++;
        return EMHTTP_ERR_TLS_HANDSHAKE;
    }
    sconn *s = &M.conn[M.cur];
    if (s->hs_sent < 5) {
        emhttp_iov v = {(const uint8_t *)"HELLO" + s->hs_sent, 5 - s->hs_sent};
        long n = raw_send(&v, 1);
        if (n < 0) {
            return EMHTTP_ERR_TLS_HANDSHAKE;
        }
        s->hs_sent += (size_t)n;
        if (s->hs_sent == 5) {
            s->parsed = 5; /* the server answers the hello, then speaks HTTP */
            memcpy(s->out + s->out_len, "WORLD", 5);
            s->out_len += 5;
        }
        return EMHTTP_PENDING;
    }
    long n = raw_recv(s->hs_buf + s->hs_got, 5 - s->hs_got);
    if (n < 0) {
        return EMHTTP_ERR_TLS_HANDSHAKE;
    }
    s->hs_got += (size_t)n;
    if (s->hs_got < 5) {
        return EMHTTP_PENDING;
    }
    s->hs_done = true;
    return memcmp(s->hs_buf, "WORLD", 5) == 0 ? EMHTTP_OK : EMHTTP_ERR_TLS_HANDSHAKE;
}

static unsigned m_want(void *ctx, unsigned dir)
{
    (void)ctx;
    return dir != 0 ? dir : EMHTTP_WAIT_READ;
}

static const emhttp_port_ops port_ops = {.now_ms = m_now,
                                         .resolve_start = m_resolve_start,
                                         .resolve_poll = m_resolve_poll,
                                         .resolve_cancel = m_resolve_cancel};
static const emhttp_transport_ops tcp_ops = {.connect = m_connect,
                                             .connect_poll = m_connect_poll,
                                             .send = m_send,
                                             .sendv = m_sendv,
                                             .recv = m_recv,
                                             .close = m_close};
static const emhttp_transport_ops secure_ops = {.flags = EMHTTP_TRANSPORT_SECURE,
                                                .connect = m_connect,
                                                .connect_poll = m_connect_poll,
                                                .handshake = m_handshake,
                                                .send = m_send,
                                                .recv = m_recv,
                                                .close = m_close,
                                                .want = m_want};

/* ---- the request's callbacks -------------------------------------------- */

typedef struct {
    int completes, statuses, after, rc;
    char body[256];
    size_t body_len;
    size_t given; /* the producer's bytes */
    int pcalls;
} track;

static int t_status(emhttp_request *r, int st, const char *re, size_t rl)
{
    (void)st;
    (void)re;
    (void)rl;
    track *t = r->user;
    t->after += t->completes > 0;
    t->statuses++;
    return 0;
}
static int t_header(emhttp_request *r, const char *n, size_t nl, const char *v, size_t vl)
{
    (void)n;
    (void)nl;
    (void)v;
    (void)vl;
    track *t = r->user;
    t->after += t->completes > 0;
    return 0;
}
static int t_body(emhttp_request *r, const uint8_t *d, size_t n)
{
    track *t = r->user;
    t->after += t->completes > 0;
    if (t->body_len + n <= sizeof t->body) {
        memcpy(t->body + t->body_len, d, n);
        t->body_len += n;
    }
    return 0;
}
static void t_complete(emhttp_request *r, int rc)
{
    track *t = r->user;
    t->after += t->completes > 0;
    t->completes++;
    t->rc = rc;
}
static const emhttp_response_cbs track_cbs = {t_status, t_header, t_body, t_complete};

/* The streamed body (CONFIG_EMHTTP_BODY_STREAM): STREAM_LEN bytes of the
 * pattern 'a' + i % 26 in pieces of at most STREAM_PIECE; every other call
 * has nothing ready (EMHTTP_PENDING: a piece pending), and at M.hold_at
 * bytes it waits M.hold calls more (-1: for ever, a stall). */
#define STREAM_LEN 1000u
#define STREAM_PIECE 100u
#if CONFIG_EMHTTP_BODY_STREAM
static int t_produce(emhttp_request *r, uint8_t *buf, size_t size, size_t *len)
{
    track *t = r->user;
    t->after += t->completes > 0;
    if (t->pcalls++ % 2 == 0) {
        M.piece_pending = true; /* (not a stall: the next poll has it) */
        return EMHTTP_PENDING;
    }
    if (M.hold != 0 && t->given == M.hold_at) {
        if (M.hold < 0) {
            M.stalled = true; /* only a deadline can move things */
        } else {
            M.hold--;
        }
        return EMHTTP_PENDING;
    }
    size_t n = STREAM_LEN - t->given;
    n = n < size ? n : size;
    n = n < STREAM_PIECE ? n : STREAM_PIECE;
    for (size_t i = 0; i < n; i++) {
        buf[i] = (uint8_t)('a' + (t->given + i) % 26);
    }
    t->given += n;
    *len = n;
    return EMHTTP_OK;
}
#endif
static const emhttp_header expect_hdr[] = {EMHTTP_HEADER("Expect", "100-continue")};

/* ---- one variant of a cell ----------------------------------------------- */

typedef struct {
    const char *name;
    bool secure, reused;
    int naddrs;
    const char *method; /* of the test request */
    size_t body_len;
    const char *resp;
    bool resp_close;
    /* the fault */
    int kind, where;
    size_t off;
    bool off_after_head; /* off counts from the end of the request head */
    bool off_after_resp_head; /* off counts from the end of the response head */
    int dns_mode;
    int refuse_from, refuse_to;
    bool refuse_sync;
    int port_from;
    bool connect_hang;
    uint32_t idle_ms; /* the connection idles this long before the request */
    /* expected */
    int rc;
    int attempts;     /* connect() calls while the test request ran */
    int sends;        /* times its request line reached the server */
    const char *body; /* NULL: "hello" when rc is EMHTTP_OK */
    bool reresolve;   /* the next request resolves again */
    int retries;
    /* streamed bodies and Expect */
    bool streamed, chunked_body; /* body_fn: STREAM_LEN bytes, chunked or declared */
    bool expect;                 /* "Expect: 100-continue" */
    int expect_mode;             /* E_*: how the server answers it */
    size_t hold_at;              /* the producer waits at hold_at bytes ... */
    int hold;                    /* ... this many calls (-1: for ever) */
    int status;                  /* expected status (0: 200 when rc is EMHTTP_OK) */
    int bodies;                  /* whole bodies the server gets (-1: 1 on success, else 0) */
    bool early_ok;               /* the body may come without the 100 (after the wait) */
} variant;

static emhttp_client cli;
static uint8_t txb[512], rxb[512];
static uint8_t req_body[300];
static int variants_run, variants_failed;

static void mock_reset(int naddrs)
{
    memset(&M, 0, sizeof M);
    M.now = 100000;
    M.naddrs = naddrs;
    M.cur = -1;
    M.kind = -1;
    M.refuse_from = M.refuse_to = -1;
    M.port_from = -1;
    M.resp = RESP_CL;
}

static int count_test_sends(void)
{
    int n = 0;
    for (int i = 0; i < M.attempts && i < MAXC; i++) {
        const sconn *s = &M.conn[i];
        for (const char *p = s->in; (p = memmem(p, s->in_len - (size_t)(p - s->in), " /test", 6));
             p++) {
            n++;
        }
    }
    return n;
}

/* Poll until @p r completes; every negative poll result is checked
 * against @p want. */
static bool drive(emhttp_request *r, int want, int *bad_polls, int *err_polls)
{
    for (int it = 0; it < 50000; it++) {
        M.piece_pending = false;
        int rc = emhttp_poll(&cli);
        if (rc < 0) {
            (*err_polls)++;
            *bad_polls += rc != want;
        }
        if (r->result != EMHTTP_PENDING) {
            return true;
        }
        if (M.stalled && !M.piece_pending) {
            uint32_t t = emhttp_next_timeout_ms(&cli);
            if (t == UINT32_MAX) {
                return false; /* stalled with no deadline: a hang */
            }
            M.now += t > 0 ? t : 1;
        } else {
            M.now += 1;
        }
    }
    return false;
}

/* (evaluates @p cond once: it may submit or drive) */
#define VCHECK(cond)                                                                       \
    do {                                                                                   \
        bool vcheck_ = (cond);                                                             \
        if (!vcheck_) {                                                                    \
            ok = false;                                                                    \
            fprintf(stderr, "  [%s x %s, %s] failed: %s\n", state_name[row],               \
                    fault_name[fault], v->name, #cond);                                    \
        }                                                                                  \
        CHECK(vcheck_);                                                                    \
    } while (0)

static bool run_variant(int row, int fault, const variant *v)
{
    bool ok = true;
    mock_reset(v->naddrs > 0 ? v->naddrs : 1);
    emhttp_config cfg = {.host = "api.test", .port = v->secure ? 8443 : 8080,
                         .scheme = v->secure ? EMHTTP_SCHEME_HTTPS : EMHTTP_SCHEME_HTTP,
                         .net = {&port_ops, NULL},
                         .transport = {v->secure ? &secure_ops : &tcp_ops, NULL},
                         .tx_buf = txb, .tx_size = sizeof txb, .rx_buf = rxb, .rx_size = sizeof rxb,
                         .connect_timeout_ms = 1000, .first_byte_timeout_ms = 2000,
                         .request_timeout_ms = 5000, .dns_timeout_ms = 700, .dns_ttl_s = 60,
                         .idle_reuse_ms = 10000};
    VCHECK(emhttp_client_init(&cli, &cfg) == EMHTTP_OK);
    int bad = 0, errs = 0;
    track tw = {0}, tt = {0}, tn = {0};

    if (v->reused) { /* a first request leaves the connection open and idle */
        emhttp_request w = {.target = "/warm", .cbs = &track_cbs, .user = &tw};
        VCHECK(emhttp_submit(&cli, &w) == EMHTTP_OK);
        VCHECK(drive(&w, 0, &bad, &errs));
        VCHECK(w.result == EMHTTP_OK && M.open && M.attempts == 1);
        VCHECK(errs == 0);
    }
    M.now += v->idle_ms;
    int resolves0 = M.resolves, attempts0 = M.attempts;

    emhttp_request t = {.method = v->method, .target = "/test", .body = v->body_len ? req_body : NULL,
                        .body_len = v->body_len, .cbs = &track_cbs, .user = &tt};
#if CONFIG_EMHTTP_BODY_STREAM
    if (v->streamed) {
        t.body = NULL;
        t.body_fn = t_produce;
        t.body_len = v->chunked_body ? EMHTTP_BODY_UNKNOWN : STREAM_LEN;
    }
#endif
    if (v->expect) {
        t.headers = expect_hdr;
        t.header_count = 1;
    }
    M.expect_mode = v->expect_mode;
    M.body_total = v->streamed ? STREAM_LEN : v->expect ? v->body_len : 0;
    M.hold_at = v->hold_at;
    M.hold = v->hold;
    /* arm the fault */
    M.kind = v->kind;
    M.where = v->where;
    M.fconn = v->reused ? 0 : M.attempts;
    M.foff = v->off;
    if (v->off_after_head) {
        uint8_t scratch[512];
        VCHECK(emhttp_request_prepare(&cli, &t, scratch, sizeof scratch) == EMHTTP_OK);
        M.foff += t.head_len_;
        (void)emhttp_request_prepare(&cli, &t, NULL, 0);
    }
    if (v->off_after_resp_head) {
        M.foff += (size_t)(strstr(v->resp, "\r\n\r\n") + 4 - v->resp);
    }
    if (v->reused) {
        M.base_in = M.conn[0].in_len;
        M.base_out = M.conn[0].out_len;
    }
    M.dns_mode = v->dns_mode;
    M.refuse_from = v->refuse_from;
    M.refuse_to = v->refuse_to;
    M.refuse_sync = v->refuse_sync;
    M.port_from = v->port_from;
    M.connect_hang = v->connect_hang;
    if (v->resp != NULL) {
        M.resp = v->resp;
    }
    M.resp_close = v->resp_close;

    VCHECK(emhttp_submit(&cli, &t) == EMHTTP_OK);
    errs = 0;
    bool done = drive(&t, v->rc, &bad, &errs);
    VCHECK(done);
    VCHECK(t.result == v->rc);
    if (t.result != v->rc) {
        fprintf(stderr, "  result %d (%s), expected %d (%s)\n", t.result,
                emhttp_strerror(t.result), v->rc, emhttp_strerror(v->rc));
    }
    VCHECK(tt.completes == 1 && tt.rc == v->rc);
    VCHECK(tt.after == 0 && tw.after == 0);
    VCHECK(tt.statuses <= 1 && (v->rc != EMHTTP_OK || tt.statuses == 1));
    VCHECK(bad == 0);
    VCHECK(errs == (v->rc < 0 ? 1 : 0));
    VCHECK(M.attempts - attempts0 == v->attempts);
    if (M.attempts - attempts0 != v->attempts) {
        fprintf(stderr, "  connect attempts %d, expected %d\n", M.attempts - attempts0, v->attempts);
    }
    VCHECK(count_test_sends() == v->sends);
    if (count_test_sends() != v->sends) {
        fprintf(stderr, "  request sent %d times, expected %d\n", count_test_sends(), v->sends);
    }
    if (v->streamed || v->expect) {
        /* a body reaches the server whole and right, or never complete-looking;
         * with Expect, not a byte of it before the 100 (nor after a final status) */
        int whole = v->bodies >= 0 ? v->bodies : v->rc == EMHTTP_OK && v->status == 0;
        VCHECK(M.bodies_ok == whole && M.bodies_bad == 0);
        VCHECK(M.early == 0 || v->early_ok);
        if (v->rc == EMHTTP_OK) {
            VCHECK(t.status == (v->status != 0 ? v->status : 200));
        }
        if (v->status != 0) {
            VCHECK(!M.open); /* a final status without the body: the connection goes */
            VCHECK(tt.given == 0); /* the producer never ran */
        }
        if (M.bodies_ok != whole || M.bodies_bad != 0 || (M.early && !v->early_ok)) {
            fprintf(stderr, "  server: bodies ok %d bad %d, early %d\n", M.bodies_ok,
                    M.bodies_bad, M.early);
        }
    }
    if (v->rc == EMHTTP_OK) {
        const char *want = v->body != NULL ? v->body : "hello";
        VCHECK(tt.body_len == strlen(want) && memcmp(tt.body, want, tt.body_len) == 0);
    } else {
        VCHECK(!M.open); /* the failed connection went */
        VCHECK(!M.dns_active);
    }
    VCHECK(M.misuse == 0);
#if CONFIG_EMHTTP_STATS
    VCHECK((int)emhttp_client_stats(&cli)->retries == v->retries);
#endif

    /* The fault is gone: the next request on the same client succeeds. */
    bool was_open = M.open;
    int resolves1 = M.resolves;
    M.kind = -1;
    M.where = W_NONE;
    M.dns_mode = D_OK;
    M.refuse_from = M.refuse_to = -1;
    M.refuse_sync = false;
    M.port_from = -1;
    M.connect_hang = false;
    M.resp = RESP_CL;
    M.resp_close = false;
    M.body_total = 0;
    M.hold = 0;
    int attempts1 = M.attempts;
    emhttp_request n = {.target = "/next", .cbs = &track_cbs, .user = &tn};
    VCHECK(emhttp_submit(&cli, &n) == EMHTTP_OK);
    errs = 0;
    VCHECK(drive(&n, 0, &bad, &errs));
    VCHECK(n.result == EMHTTP_OK && tn.completes == 1 && tn.after == 0 && errs == 0);
    VCHECK(tn.body_len == 5 && memcmp(tn.body, "hello", 5) == 0);
    VCHECK(M.attempts - attempts1 == (was_open ? 0 : 1));
    VCHECK((M.resolves - resolves1 == 1) == v->reresolve);
    VCHECK(tt.after == 0 && tt.completes == 1);
    VCHECK(M.misuse == 0);
    (void)resolves0;
    emhttp_client_close(&cli);
    variants_run++;
    variants_failed += !ok;
    return ok;
}

/* ---- the cells ------------------------------------------------------------ */

typedef struct {
    const char *na; /* non-NULL: does not apply, and why */
    variant v[4];
    int nv;
} cell;

#define RESEND CONFIG_EMHTTP_RESEND
#define NADDR (CONFIG_EMHTTP_DNS_MAX_ADDRS > 1 ? 2 : 1)

static const char NA_NOCONN[] = "no connection exists while resolving";
static const char NA_NODNS[] = "the address is cached: no lookup in this state";
static const char NA_CONNECTED[] = "the connection is established: refusal and out-of-resources "
                                   "are connect() results (transport.h)";
static const char NA_NOWRITE[] = "nothing is written in this state (its request is all sent)";
static const char NA_NOREAD[] = "nothing is read while the request is written (rows from "
                                "'await status' on)";

/* A base variant: fresh GET, one address. */
static variant base(const char *name, int kind, int where, size_t off, int rc, int attempts,
                    int sends)
{
    variant v = {.name = name, .method = "GET", .kind = kind, .where = where, .off = off,
                 .rc = rc, .attempts = attempts, .sends = sends, .naddrs = 1,
                 .refuse_from = -1, .refuse_to = -1, .port_from = -1, .bodies = -1};
    return v;
}

/* The three variants of a cell where re-sending is decided: fresh, reused
 * re-sendable (GET, or PUT with a body), reused POST. */
static int three(cell *c, int kind, int where, size_t off, bool after_head, size_t body_len,
                 int fail_rc, bool resent)
{
    const char *m1 = body_len ? "PUT" : "GET";
    c->v[0] = base(body_len ? "fresh PUT" : "fresh GET", kind, where, off, fail_rc, 1, 1);
    c->v[1] = base(body_len ? "reused PUT" : "reused GET", kind, where, off,
                   resent ? EMHTTP_OK : fail_rc, resent ? 1 : 0, resent ? 2 : 1);
    c->v[1].reused = true;
    c->v[1].retries = resent;
    c->v[2] = base("reused POST", kind, where, off, fail_rc, 0, 1);
    c->v[2].reused = true;
    c->v[0].method = c->v[1].method = m1;
    c->v[2].method = "POST";
    for (int i = 0; i < 3; i++) {
        c->v[i].off_after_head = after_head;
        c->v[i].body_len = body_len ? body_len : (i == 2 ? 3 : 0);
    }
    return 3;
}

/* Fresh and reused GET of a cell where the same thing happens to both. */
static int two(cell *c, int kind, int where, size_t off, bool after_head, size_t body_len, int rc)
{
    const char *m = body_len ? "PUT" : "GET";
    c->v[0] = base(body_len ? "fresh PUT" : "fresh GET", kind, where, off, rc, 1, 1);
    c->v[1] = base(body_len ? "reused PUT" : "reused GET", kind, where, off, rc, 0, 1);
    c->v[1].reused = true;
    for (int i = 0; i < 2; i++) {
        c->v[i].method = m;
        c->v[i].off_after_head = after_head;
        c->v[i].body_len = body_len;
    }
    return 2;
}

#if !CONFIG_EMHTTP_BODY_STREAM
static const char NA_NOSTREAM[] = "CONFIG_EMHTTP_BODY_STREAM=0: no streamed bodies";
#endif
#if !CONFIG_EMHTTP_EXPECT
static const char NA_NOEXPECT[] = "CONFIG_EMHTTP_EXPECT=0: Expect: 100-continue is not acted on";
#endif

#if CONFIG_EMHTTP_BODY_STREAM
/* A streamed variant: STREAM_LEN bytes from the producer, chunked or
 * declared; the fault @p off bytes after the head (on the wire: chunk
 * framing counts).  Never re-sent (client.h: the producer cannot rewind). */
static variant streamed(const char *name, bool reused, const char *method, bool chunked,
                        int kind, int where, size_t off, int rc)
{
    variant v = base(name, kind, where, off, rc, reused ? 0 : 1, 1);
    v.reused = reused;
    v.method = method;
    v.streamed = true;
    v.chunked_body = chunked;
    v.off_after_head = true;
    return v;
}
#endif

/* The rows of a streamed body being sent (S_SCHUNK, S_SDECL, S_SWAIT). */
static void build_stream(int row, int fault, cell *c)
{
#if CONFIG_EMHTTP_BODY_STREAM
    variant *v = c->v;
    int rc;
    switch (fault) {
    case F_EOF: rc = EMHTTP_ERR_CLOSED; break;
    case F_RESET: rc = EMHTTP_ERR_RESET; break;
    case F_STALL: rc = EMHTTP_ERR_TIMEOUT; break; /* only the request timeout runs */
    case F_W1: case F_STORM: rc = EMHTTP_OK; break;
    case F_R1: c->na = NA_NOREAD; return;
    case F_REFUSED: case F_PORT: c->na = NA_CONNECTED; return;
    default: c->na = NA_NODNS; return;
    }
    int where = fault == F_STORM ? W_ANY : W_SEND;
    /* chunked: a piece is "64" CRLF, 100 bytes, CRLF (106 on the wire) */
    if (row == S_SCHUNK) { /* mid-piece; inside the second size line */
        v[0] = streamed("fresh PUT, mid-piece", false, "PUT", true, fault, where, 150, rc);
        v[1] = streamed("reused PUT, in a chunk-size line", true, "PUT", true, fault, where, 107, rc);
        v[2] = streamed("reused POST, mid-piece", true, "POST", true, fault, where, 150, rc);
    } else if (row == S_SDECL) { /* mid-piece; the last byte (it waits for the producer's end) */
        v[0] = streamed("fresh PUT, mid-piece", false, "PUT", false, fault, where, 150, rc);
        v[1] = streamed("reused PUT, at the last byte", true, "PUT", false, fault, where,
                        STREAM_LEN - 1, rc);
        v[2] = streamed("reused POST, mid-piece", true, "POST", false, fault, where, 150, rc);
    } else { /* S_SWAIT: the producer waits at 200 bytes; the fault there */
        v[0] = streamed("fresh chunked PUT", false, "PUT", true, fault, where, 2 * 106, rc);
        v[1] = streamed("reused declared PUT", true, "PUT", false, fault, where, 200, rc);
        v[2] = streamed("reused chunked POST", true, "POST", true, fault, where, 2 * 106, rc);
        for (int i = 0; i < 3; i++) {
            v[i].hold_at = 200;
            v[i].hold = 40;
            if (fault == F_STALL) { /* the producer's data never comes */
                v[i].kind = -1;
                v[i].where = W_NONE;
                v[i].hold = -1;
            }
        }
    }
    c->nv = 3;
#else
    (void)row;
    (void)fault;
    c->na = NA_NOSTREAM;
#endif
}

/* Expect: 100-continue (S_CONTINUE: waiting for 100; S_FINAL: a 417
 * instead, its response being read).  Variants: a fresh streamed chunked
 * POST, a reused PUT with a body in memory (re-sendable), a reused
 * streamed declared PUT (never re-sent). */
static void build_expect(int row, int fault, cell *c)
{
#if CONFIG_EMHTTP_EXPECT
    variant *v = c->v;
    int rc, rc_resent;
    int where = W_RECV;
    size_t off = row == S_CONTINUE ? 0 : 20;
    switch (fault) {
    case F_EOF:
        rc = row == S_CONTINUE ? EMHTTP_ERR_CLOSED : EMHTTP_ERR_PROTOCOL;
        break;
    case F_RESET: rc = EMHTTP_ERR_RESET; break;
    case F_STALL:
        rc = row == S_CONTINUE ? EMHTTP_ERR_TIMEOUT_FIRST_BYTE : EMHTTP_ERR_TIMEOUT;
        break;
    case F_STORM: rc = EMHTTP_OK; where = W_ANY; break;
    case F_R1: rc = EMHTTP_OK; break;
    case F_W1:
        if (row == S_FINAL) {
            c->na = "nothing is written once the final status came (the body never leaves)";
            return;
        }
        rc = EMHTTP_OK; /* the head, then the body after 100, 1 byte a call */
        where = W_SEND;
        break;
    case F_REFUSED: case F_PORT: c->na = NA_CONNECTED; return;
    default: c->na = NA_NODNS; return;
    }
    /* a dead reused connection before any response byte: the request in
     * memory goes once more (CONFIG_EMHTTP_RESEND), the streamed one not */
    bool dead = row == S_CONTINUE && (fault == F_EOF || fault == F_RESET || fault == F_STALL);
    rc_resent = dead && RESEND ? EMHTTP_OK : rc;
    c->nv = 0;
#if CONFIG_EMHTTP_BODY_STREAM
    v[c->nv++] = streamed("fresh streamed chunked POST", false, "POST", true, fault, where, off, rc);
#endif
    v[c->nv] = base("reused PUT (body in memory)", fault, where, off, rc_resent,
                    dead && RESEND ? 1 : 0, dead && RESEND ? 2 : 1);
    v[c->nv].reused = true;
    v[c->nv].method = "PUT";
    v[c->nv].body_len = sizeof req_body;
    v[c->nv].retries = dead && RESEND;
    c->nv++;
#if CONFIG_EMHTTP_BODY_STREAM
    v[c->nv++] = streamed("reused streamed declared PUT", true, "PUT", false, fault, where, off, rc);
#endif
    for (int i = 0; i < c->nv; i++) {
        v[i].expect = true;
        v[i].expect_mode = row == S_CONTINUE ? E_100 : E_FINAL;
        v[i].off_after_head = false;
        if (row == S_FINAL) {
            v[i].status = 417;
            v[i].body = "nope!";
        }
        if (row == S_CONTINUE && fault == F_STALL) {
            /* the 100 and the answer are lost (a black hole for reading): the
             * body goes after the wait, reaches the server; no first byte */
            v[i].early_ok = true;
            v[i].bodies = v[i].sends;
        }
    }
    if (row == S_CONTINUE && fault == F_STALL && c->nv < 4) {
        /* a server that never sends 100 but reads the body: it goes after
         * expect_timeout_ms and the request succeeds */
        v[c->nv] = v[0];
        v[c->nv].name = "no 100 at all: the body after the wait";
        v[c->nv].kind = -1;
        v[c->nv].where = W_NONE;
        v[c->nv].rc = EMHTTP_OK;
        v[c->nv].expect_mode = E_NONE;
        v[c->nv].bodies = 1;
        c->nv++;
    }
#else
    (void)row;
    (void)fault;
    c->na = NA_NOEXPECT;
#endif
}

static void build(int row, int fault, cell *c)
{
    memset(c, 0, sizeof *c);
    variant *v = c->v;
    switch (row) {
    case S_RESOLVE: {
        int rc = 0;
        int mode = D_OK;
        switch (fault) {
        case F_STALL: mode = D_HANG; rc = EMHTTP_ERR_DNS_TIMEOUT; break;
        case F_STORM: mode = D_STORM; rc = EMHTTP_OK; break;
        case F_DNSFAIL: mode = D_FAIL; rc = EMHTTP_ERR_DNS; break;
        case F_DNSTO: mode = D_LATE; rc = EMHTTP_ERR_DNS_TIMEOUT; break;
        case F_PORT: mode = D_START_FAIL; rc = EMHTTP_ERR_RESOLVER; break;
        case F_REFUSED: c->na = "refusal is a connect result (row connecting)"; return;
        case F_W1: case F_R1: c->na = "nothing is written or read while resolving"; return;
        default: c->na = NA_NOCONN; return;
        }
        v[0] = base(fault == F_STALL ? "resolver never answers"
                    : fault == F_DNSTO ? "answer after 800 ms > 700 ms limit"
                    : fault == F_PORT ? "resolve_start: no thread/slot" : "fresh GET",
                    -1, W_NONE, 0, rc, rc == EMHTTP_OK, rc == EMHTTP_OK);
        v[0].dns_mode = mode;
        v[0].reresolve = rc != EMHTTP_OK;
        c->nv = 1;
        return;
    }
    case S_CONNECT:
        switch (fault) {
        case F_STALL:
            v[0] = base("connect never completes", -1, W_NONE, 0, EMHTTP_ERR_CONNECT_TIMEOUT, NADDR, 0);
            v[0].naddrs = NADDR;
            v[0].connect_hang = true;
            v[0].reresolve = true; /* every address failed: forgotten */
            c->nv = 1;
            return;
        case F_STORM:
            v[0] = base("connect_poll would-block storm", F_STORM, W_NONE, 0, EMHTTP_OK, 1, 1);
            c->nv = 1;
            return;
        case F_REFUSED:
            v[0] = base("refused (connect_poll), every address", -1, W_NONE, 0, EMHTTP_ERR_CONNECT,
                        NADDR, 0);
            v[0].refuse_from = 0;
            v[0].refuse_to = 99;
            v[0].reresolve = true;
            v[1] = v[0];
            v[1].name = "refused (connect), every address";
            v[1].refuse_sync = true;
            v[0].naddrs = v[1].naddrs = NADDR;
            c->nv = 2;
            if (NADDR > 1) {
                v[2] = base("first address refused, second answers", -1, W_NONE, 0, EMHTTP_OK, 2, 1);
                v[2].naddrs = 2;
                v[2].refuse_from = 0;
                v[2].refuse_to = 1;
                c->nv = 3;
            }
            return;
        case F_PORT:
            v[0] = base("connect: no socket", -1, W_NONE, 0, EMHTTP_ERR_PORT, 1, 0);
            v[0].naddrs = NADDR;
            v[0].port_from = 0;
            v[0].reresolve = false; /* the cache is kept */
            c->nv = 1;
            return;
        case F_EOF: case F_RESET:
            c->na = "no byte stream before the connect completes: a peer's RST is a refusal";
            return;
        case F_W1: case F_R1: c->na = "nothing is written or read while connecting"; return;
        default: c->na = "the address is resolved before connecting (row resolving)"; return;
        }
    case S_HANDSHAKE:
        switch (fault) {
        case F_EOF: case F_RESET: case F_STALL: case F_W1: case F_STORM: case F_R1: {
            int rc = fault == F_EOF || fault == F_RESET ? EMHTTP_ERR_TLS_HANDSHAKE
                     : fault == F_STALL ? EMHTTP_ERR_TLS_TIMEOUT : EMHTTP_OK;
            int where = fault == F_W1 ? W_SEND : fault == F_STORM ? W_ANY : W_RECV;
            v[0] = base("fresh https GET", fault, where, 0, rc, 1, rc == EMHTTP_OK);
            v[0].secure = true;
            /* the server hello is the first thing read: off 0, not after it */
            v[0].off = 0;
            c->nv = 1;
            return;
        }
        case F_REFUSED: c->na = "refused before any handshake (row connecting)"; return;
        case F_PORT:
            c->na = "the handshake's memory is the transport's, set up before connect; "
                    "out of resources shows at connect()";
            return;
        default: c->na = NA_NODNS; return;
        }
    case S_HEAD:
    case S_BODY: {
        size_t blen = row == S_BODY ? sizeof req_body : 0;
        size_t off = row == S_BODY ? 100 : 10; /* mid-body / mid-head */
        bool ah = row == S_BODY;
        switch (fault) {
        case F_EOF: c->nv = three(c, F_EOF, W_SEND, off, ah, blen, EMHTTP_ERR_CLOSED, RESEND); return;
        case F_RESET: c->nv = three(c, F_RESET, W_SEND, off, ah, blen, EMHTTP_ERR_RESET, RESEND); return;
        case F_STALL: /* only the request timeout runs while sending */
            c->nv = three(c, F_STALL, W_SEND, off, ah, blen, EMHTTP_ERR_TIMEOUT, false);
            return;
        case F_W1: case F_STORM:
            c->nv = three(c, fault, W_SEND, off, ah, blen, EMHTTP_OK, false);
            return;
        case F_R1: c->na = NA_NOREAD; return;
        case F_REFUSED: case F_PORT: c->na = NA_CONNECTED; return;
        default: c->na = NA_NODNS; return;
        }
    }
    case S_STATUS:
        switch (fault) {
        case F_EOF: c->nv = three(c, F_EOF, W_RECV, 0, false, 0, EMHTTP_ERR_CLOSED, RESEND); return;
        case F_RESET: c->nv = three(c, F_RESET, W_RECV, 0, false, 0, EMHTTP_ERR_RESET, RESEND); return;
        case F_STALL: /* no first byte: on a reused connection, the silently dead one */
            c->nv = three(c, F_STALL, W_RECV, 0, false, 0, EMHTTP_ERR_TIMEOUT_FIRST_BYTE, RESEND);
            return;
        case F_STORM: case F_R1:
            c->nv = three(c, fault, W_RECV, 0, false, 0, EMHTTP_OK, false);
            return;
        case F_W1: c->na = NA_NOWRITE; return;
        case F_REFUSED: case F_PORT: c->na = NA_CONNECTED; return;
        default: c->na = NA_NODNS; return;
        }
    case S_HEADERS:
    case S_CLBODY:
    case S_CHUNKED:
    case S_CLOSEBODY: {
        const char *resp = row == S_CHUNKED ? RESP_CHUNKED : row == S_CLOSEBODY ? RESP_CLOSE : RESP_CL;
        bool in_body = row != S_HEADERS;
        size_t off = row == S_HEADERS ? 20 : row == S_CHUNKED ? 5 : 2;
        if (row == S_CHUNKED && !CONFIG_EMHTTP_CHUNKED) {
            c->na = "CONFIG_EMHTTP_CHUNKED=0: a chunked response is EMHTTP_ERR_UNSUPPORTED";
            return;
        }
        int rc;
        const char *body = NULL;
        switch (fault) {
        case F_EOF:
            /* a cut response is malformed; a close-delimited body ends there */
            rc = row == S_CLOSEBODY ? EMHTTP_OK : EMHTTP_ERR_PROTOCOL;
            body = row == S_CLOSEBODY ? "he" : NULL;
            break;
        case F_RESET: rc = EMHTTP_ERR_RESET; break;
        case F_STALL: rc = EMHTTP_ERR_TIMEOUT; break; /* the first byte came: request timeout */
        case F_STORM: case F_R1: rc = EMHTTP_OK; break;
        case F_W1: c->na = NA_NOWRITE; return;
        case F_REFUSED: case F_PORT: c->na = NA_CONNECTED; return;
        default: c->na = NA_NODNS; return;
        }
        /* a response begun is never re-sent, reused connection or not */
        c->nv = two(c, fault, W_RECV, off, false, 0, rc);
        for (int i = 0; i < c->nv; i++) {
            v[i].resp = resp;
            v[i].resp_close = row == S_CLOSEBODY;
            v[i].off_after_resp_head = in_body;
            v[i].body = body;
        }
        return;
    }
    case S_IDLE:
        switch (fault) {
        case F_EOF: case F_RESET:
            /* the probe finds it: replaced before use, nothing re-sent */
            v[0] = base(fault == F_EOF ? "server closed the idle connection"
                                       : "idle connection reset",
                        fault, W_IDLE, 0, EMHTTP_OK, 1, 1);
            v[0].reused = true;
            v[1] = v[0];
            v[1].name = "... then a POST (never sent into it)";
            v[1].method = "POST";
            v[1].body_len = 3;
            c->nv = 2;
            return;
        case F_STALL:
            v[0] = base("black-holed idle connection, GET", F_STALL, W_RECV, 0,
                        RESEND ? EMHTTP_OK : EMHTTP_ERR_TIMEOUT_FIRST_BYTE, RESEND, 1 + RESEND);
            v[0].reused = true;
            v[0].retries = RESEND;
            v[1] = base("black-holed idle connection, POST", F_STALL, W_RECV, 0,
                        EMHTTP_ERR_TIMEOUT_FIRST_BYTE, 0, 1);
            v[1].reused = true;
            v[1].method = "POST";
            v[1].body_len = 3;
            v[2] = base("idle past idle_reuse_ms: replaced before use", -1, W_NONE, 0, EMHTTP_OK, 1, 1);
            v[2].reused = true;
            v[2].idle_ms = 10001;
            c->nv = 3;
            return;
        case F_W1: case F_R1: case F_STORM:
            v[0] = base("reused GET", fault,
                        fault == F_W1 ? W_SEND : fault == F_R1 ? W_RECV : W_ANY, 0, EMHTTP_OK, 0, 1);
            v[0].reused = true;
            c->nv = 1;
            return;
        case F_DNSFAIL: case F_DNSTO:
            /* idle past the reuse limit and the DNS lifetime: a new lookup */
            v[0] = base("idle 61 s (> reuse limit, > 60 s TTL), lookup fails", -1, W_NONE, 0,
                        fault == F_DNSFAIL ? EMHTTP_ERR_DNS : EMHTTP_ERR_DNS_TIMEOUT, 0, 0);
            v[0].reused = true;
            v[0].idle_ms = 61000;
            v[0].dns_mode = fault == F_DNSFAIL ? D_FAIL : D_HANG;
            v[0].reresolve = true;
            c->nv = 1;
            return;
        case F_REFUSED: case F_PORT:
            v[0] = base(fault == F_REFUSED ? "idle connection closed, reconnect refused"
                                           : "idle connection closed, no socket for a new one",
                        F_EOF, W_IDLE, 0, fault == F_REFUSED ? EMHTTP_ERR_CONNECT : EMHTTP_ERR_PORT,
                        1, 0);
            v[0].reused = true;
            if (fault == F_REFUSED) {
                v[0].refuse_from = 1;
                v[0].refuse_to = 99;
                v[0].reresolve = true;
            } else {
                v[0].port_from = 1;
            }
            c->nv = 1;
            return;
        default: return;
        }
    case S_SCHUNK: case S_SDECL: case S_SWAIT: build_stream(row, fault, c); return;
    case S_CONTINUE: case S_FINAL: build_expect(row, fault, c); return;
    default: return;
    }
}

int main(void)
{
    for (size_t i = 0; i < sizeof req_body; i++) {
        req_body[i] = (uint8_t)('a' + i % 26);
    }
    static char mark[NSTATE][NFAULT][24];
    static const char *why[NSTATE][NFAULT];
    int cells = 0, run = 0, na = 0, failed = 0;
    for (int r = 0; r < NSTATE; r++) {
        for (int f = 0; f < NFAULT; f++) {
            cell c;
            build(r, f, &c);
            cells++;
            if (c.na != NULL || c.nv == 0) {
                why[r][f] = c.na != NULL ? c.na : "(no variant)";
                snprintf(mark[r][f], sizeof mark[r][f], "n/a");
                na++;
                CHECK(c.na != NULL); /* a cell without variants must say why */
                continue;
            }
            bool ok = true;
            for (int i = 0; i < c.nv; i++) {
                ok &= run_variant(r, f, &c.v[i]);
            }
            run++;
            failed += !ok;
            snprintf(mark[r][f], sizeof mark[r][f], "%s(%d)", ok ? "ok" : "FAIL", c.nv);
        }
    }
    printf("fault matrix (cell: result and number of variants)\n%-18s", "state \\ fault");
    for (int f = 0; f < NFAULT; f++) {
        printf(" %-8s", fault_name[f]);
    }
    printf("\n");
    for (int r = 0; r < NSTATE; r++) {
        printf("%-18s", state_name[r]);
        for (int f = 0; f < NFAULT; f++) {
            printf(" %-8s", mark[r][f]);
        }
        printf("\n");
    }
    printf("n/a cells:\n");
    for (int r = 0; r < NSTATE; r++) {
        for (int f = 0; f < NFAULT; f++) {
            if (why[r][f] != NULL) {
                printf("  %-18s x %-8s: %s\n", state_name[r], fault_name[f], why[r][f]);
            }
        }
    }
    printf("cells: %d (%d run, %d n/a), variants run: %d, cells failed: %d, variants failed: %d\n",
           cells, run, na, variants_run, failed, variants_failed);
    printf("(CONFIG_EMHTTP_RESEND=%d, CONFIG_EMHTTP_DNS_MAX_ADDRS=%d, CONFIG_EMHTTP_CHUNKED=%d)\n",
           CONFIG_EMHTTP_RESEND, CONFIG_EMHTTP_DNS_MAX_ADDRS, CONFIG_EMHTTP_CHUNKED);
    CHECK(cells == NSTATE * NFAULT);
    CHECK(failed == 0);
    return check_summary();
}
