/*
 * client.c - the client state machine: one persistent connection, a queue
 * of caller-owned requests, DNS cached in the client.
 *
 *   IDLE -> RESOLVING -> CONNECTING -> [TLS_HANDSHAKE] -> SENDING -> RECEIVING
 *     ^                                                                  |
 *     |________ (close) _____________ KEEPALIVE <________________________|
 *
 * One small function per state; emhttp_poll() dispatches (IDLE and
 * KEEPALIVE share the "is a request ready to go" step).  A state function
 * returns STEP_CONTINUE (state changed: run the next one now), STEP_WAIT
 * (waiting for I/O or time) or the negative result of a request it failed.
 *
 * Size: the minimal configuration's -Os build is what a firmware links, so
 * the code avoids copies the compiler would make: one enter() for every
 * phase change (state and deadline), one drop() and finish() exit, one
 * send call site, one send cursor over head and body, a parser reset once
 * per attempt (in next_request(), which also makes "no response byte yet"
 * the parser's own started flag), and init-time work done once (the Host
 * header's port).  None of it adds work per request in -O2 builds.
 */
#include "emhttp/client.h"

#include <string.h>

#include "http_chars.h"

#if CONFIG_EMHTTP_TLS
#include "emhttp/tls.h"
#endif

enum {
    ST_IDLE, /* 0: a zeroed (memset) client is idle */
    ST_RESOLVING,
    ST_CONNECTING,
    ST_TLS_HANDSHAKE,
    ST_SENDING,
    ST_RECEIVING,
    ST_KEEPALIVE
};

#define STEP_WAIT 2
#define STEP_CONTINUE 3
#define MAX_STEPS 8 /* state changes per poll: bounds the work of one call */

/* client flags_ */
#define CF_DNS_VALID 0x01u /* addrs_ holds a resolved address */
#define CF_FIXED_ADDR 0x02u /* configured address (emhttp_config.resolve): never resolve */
#define CF_REUSED 0x04u /* the active request runs on a reused connection */
#define CF_RETRY_ALL 0x08u

/* request flags_ */
#define RQ_QUEUED 0x01u
#define RQ_ACTIVE 0x02u /* head written to tx_, timers started */
#define RQ_RETRIABLE 0x08u /* may be re-sent once (cleared when it is) */
#define RQ_HEAD 0x10u

#define MIN_RX 256u

/* ---- small helpers ----------------------------------------------------- */

static uint32_t now(const emhttp_client *c) { return c->net_.ops->now_ms(c->net_.ctx); }

/* States read the clock once per emhttp_poll() (c->now_): the timers have
 * millisecond resolution and one poll step takes microseconds. */
static bool elapsed(const emhttp_client *c, uint32_t since, uint32_t limit)
{
    return (uint32_t)(c->now_ - since) >= limit;
}

#if CONFIG_EMHTTP_EVENTS
static void emit(const emhttp_client *c, emhttp_event ev, const emhttp_ip_addr *a, int code)
{
    if (c->on_event_ != NULL) {
        c->on_event_(c->event_arg_, ev, a, code);
    }
}
#else
#define emit(c, ev, a, code) ((void)(code)) /* the reason codes are events only */
#endif

/* Counters (CONFIG_EMHTTP_STATS). */
#if CONFIG_EMHTTP_STATS
#define COUNT(c, field, n) ((c)->stats_.field += (n))
#else
#define COUNT(c, field, n) ((void)0)
#endif

static const char *req_method(const emhttp_request *r)
{
    return r->method != NULL ? r->method : (r->body_len > 0 ? "POST" : "GET");
}

/* The sender asks for "the next bytes of the body" (room for producers),
 * only while some remain (body is then set: emhttp_submit() checks). */
static size_t body_next(const emhttp_request *r, uint32_t off, const uint8_t **p)
{
    *p = r->body + off;
    return r->body_len - off;
}

/* The transport: plain TCP through the port, or TLS on top of it. */
static long conn_send(emhttp_client *c, const uint8_t *p, size_t n, unsigned flags)
{
#if CONFIG_EMHTTP_TLS
    if (c->tls_ != NULL) {
        return emhttp_tls_send(c->tls_, p, n);
    }
#endif
    return c->net_.ops->send(c->net_.ctx, p, n, flags);
}

static long conn_recv(emhttp_client *c, uint8_t *p, size_t n)
{
#if CONFIG_EMHTTP_TLS
    if (c->tls_ != NULL) {
        return emhttp_tls_recv(c->tls_, p, n);
    }
#endif
    return c->net_.ops->recv(c->net_.ctx, p, n);
}

static void close_conn(emhttp_client *c, int why)
{
    if (c->state_ == ST_RESOLVING) {
        c->net_.ops->resolve_cancel(c->net_.ctx);
    } else if (c->state_ != ST_IDLE) {
#if CONFIG_EMHTTP_TLS
        if (c->tls_ != NULL && c->state_ != ST_CONNECTING) {
            emhttp_tls_end(c->tls_);
        }
#endif
        c->net_.ops->close(c->net_.ctx);
        emit(c, EMHTTP_EV_CLOSE, NULL, why);
    }
    c->state_ = ST_IDLE;
    c->rx_len_ = 0;
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    c->ka_ms_ = 0;
#endif
    c->flags_ &= (uint8_t)~CF_REUSED;
}

/* Complete the request at the head of the queue. */
static int finish(emhttp_client *c, int rc)
{
    emhttp_request *r = c->queue_;
    c->queue_ = r->next_;
    if (c->queue_ == NULL) {
        c->tail_ = NULL;
    }
    r->next_ = NULL;
    r->flags_ = 0;
    r->result = rc;
    COUNT(c, requests, 1);
    COUNT(c, errors, (rc < 0));
    if (r->cbs != NULL && r->cbs->on_complete != NULL) {
        r->cbs->on_complete(r, rc);
    }
    return rc < 0 ? rc : STEP_CONTINUE;
}

static int drop(emhttp_client *c, int err);

/* The connection failed under the active request: re-send it once on a
 * fresh connection when it was reused and nothing of the response arrived
 * (CONFIG_EMHTTP_RESEND), else fail it. */
static int conn_failed(emhttp_client *c, int err)
{
#if CONFIG_EMHTTP_RESEND
    emhttp_request *r = c->queue_;
    bool no_response = !emhttp_parser_started(&c->parser_); /* reset by next_request() */
    bool dead_reuse = (c->flags_ & CF_REUSED) && no_response &&
                      (err == EMHTTP_ERR_CLOSED || err == EMHTTP_ERR_RESET || err == EMHTTP_ERR_SEND);
    if (!dead_reuse || !(r->flags_ & RQ_RETRIABLE)) {
        return drop(c, err);
    }
    close_conn(c, err);
    r->flags_ &= (uint8_t)~RQ_RETRIABLE;
    COUNT(c, retries, 1);
    emit(c, EMHTTP_EV_RECONNECT, NULL, err);
    return STEP_CONTINUE;
#else
    return drop(c, err);
#endif
}

/* Fail the active request and drop the connection under it (its state is
 * unknown: a timeout, a malformed response, a TLS failure). */
static EMHTTP_NOINLINE int drop(emhttp_client *c, int err)
{
    close_conn(c, err);
    return finish(c, err);
}

/* ---- timers -------------------------------------------------------------
 * The active request has one deadline at a time: that of the current
 * phase (resolving, one connect attempt, the TLS handshake, the first
 * response byte) or the request timeout, whichever comes first, with the
 * error it ends in.  A state arms it when it begins (enter()); waiting
 * states check it; emhttp_next_timeout_ms() reports it. */

static int connect_failed(emhttp_client *c, int err);

/* Milliseconds from the last poll's clock reading to @p since + @p limit
 * (0 when passed). */
static uint32_t remaining(const emhttp_client *c, uint32_t since, uint32_t limit)
{
    uint32_t spent = (uint32_t)(c->now_ - since);
    return spent >= limit ? 0 : limit - spent;
}

/* Phase @p state begins; it may last @p limit ms before it fails with
 * @p err (NO_LIMIT: only the request timeout runs).  One out-of-line
 * function for every state change that starts a phase. */
#define NO_LIMIT UINT32_MAX
static EMHTTP_NOINLINE void enter(emhttp_client *c, unsigned state, uint32_t limit, int err)
{
    c->state_ = (uint8_t)state;
    uint32_t left = remaining(c, c->queue_->t_start_, c->to_request_);
    if (limit >= left) {
        limit = left;
        err = EMHTTP_ERR_TIMEOUT;
    }
    c->t_due_ = c->now_ + limit;
    c->due_err_ = (int8_t)err;
}

/* Nothing to do now: has the deadline passed?  A connect attempt that
 * timed out moves on to the next address; anything else fails. */
static int check_timer(emhttp_client *c)
{
    if ((int32_t)(c->now_ - c->t_due_) < 0) { /* deadlines are < 2^31 ms ahead */
        return STEP_WAIT;
    }
    if (c->due_err_ == EMHTTP_ERR_CONNECT_TIMEOUT && c->state_ == ST_CONNECTING) {
        return connect_failed(c, EMHTTP_ERR_CONNECT_TIMEOUT);
    }
    return drop(c, c->due_err_);
}

/* ---- request activation ------------------------------------------------ */

#if CONFIG_EMHTTP_RESEND
static bool has_idempotency_key(const emhttp_request *r)
{
    for (size_t i = 0; i < r->header_count; i++) {
        const emhttp_header *h = &r->headers[i];
        if (h->name_len == 15 && emhttp_lower_eq(h->name, "idempotency-key", 15)) {
            return true;
        }
    }
    return false;
}
#endif

/* The head of request @p r, whose method @p m has the flags @p mf. */
static void fill_head(const emhttp_client *c, const emhttp_request *r, const char *m, unsigned mf,
                      emhttp_head *h)
{
    *h = (emhttp_head){
        .method = m,
        .target = r->target != NULL ? r->target : "/",
        .host = c->host_,
        .host_len = c->host_len_,
        .port = c->host_port_,
        .headers = r->headers,
        .header_count = r->header_count,
        .send_length = r->body_len > 0 || (mf & EMHTTP_M_CONTENT),
        .body_len = r->body_len,
    };
}

/* Make the head of the queue's first request ready: its prepared bytes,
 * or written into tx_.  Nothing touches the connection before this
 * succeeds, so an invalid request never sends a byte. */
static int activate(emhttp_client *c, emhttp_request *r)
{
    const char *m = req_method(r);
    unsigned mf = emhttp_method_flags(m);
    unsigned rf = r->flags_ | RQ_ACTIVE;
    if (r->head_ != NULL && r->head_body_len_ == r->body_len) { /* prepared */
        c->head_ = r->head_;
        c->tx_len_ = r->head_len_;
    } else {
        emhttp_head h;
        fill_head(c, r, m, mf, &h);
        long n = emhttp_write_head(c->tx_, c->tx_size_, &h);
        if (n < 0) {
            return finish(c, (int)n);
        }
        c->head_ = c->tx_;
        c->tx_len_ = (uint32_t)n;
    }
    r->t_start_ = c->now_;
#if CONFIG_EMHTTP_RESEND
    if ((c->flags_ & CF_RETRY_ALL) || (mf & EMHTTP_M_IDEMPOTENT) || has_idempotency_key(r)) {
        rf |= RQ_RETRIABLE;
    }
#endif
    if (mf & EMHTTP_M_HEAD) {
        rf |= RQ_HEAD;
    }
    r->flags_ = (uint8_t)rf;
    return STEP_CONTINUE;
}

/* ---- IDLE: no connection ----------------------------------------------- */

static int start_connect(emhttp_client *c);

static bool dns_fresh(const emhttp_client *c)
{
    if (c->flags_ & CF_FIXED_ADDR) {
        return true;
    }
    return (c->flags_ & CF_DNS_VALID) &&
           (c->dns_ttl_ms_ == EMHTTP_DNS_TTL_FOREVER || !elapsed(c, c->t_resolved_, c->dns_ttl_ms_));
}

/* IDLE and KEEPALIVE: a request to send, with its head ready?  STEP_WAIT
 * (none), the result of activating it, or 0: go on, from its first byte. */
static int next_request(emhttp_client *c)
{
    if (c->queue_ == NULL) {
        return STEP_WAIT;
    }
    if (!(c->queue_->flags_ & RQ_ACTIVE)) {
        return activate(c, c->queue_);
    }
    c->sent_ = 0;
    /* the parser waits for its response from now on: nothing started */
    emhttp_parser_reset(&c->parser_, (c->queue_->flags_ & RQ_HEAD) != 0);
    return 0;
}

/* (after next_request(): a request is ready to go) */
static int st_idle(emhttp_client *c)
{
    int rc;
    if (dns_fresh(c)) {
        return start_connect(c);
    }
    c->flags_ &= (uint8_t)~CF_DNS_VALID;
    COUNT(c, dns_queries, 1);
    emit(c, EMHTTP_EV_RESOLVE, NULL, 0);
    rc = c->net_.ops->resolve_start(c->net_.ctx, c->host_);
    if (rc < 0) {
        return finish(c, EMHTTP_ERR_DNS);
    }
    enter(c, ST_RESOLVING, c->to_dns_, EMHTTP_ERR_DNS_TIMEOUT);
    return STEP_CONTINUE;
}

/* ---- RESOLVING --------------------------------------------------------- */

static int st_resolving(emhttp_client *c)
{
    size_t n = 0;
    int rc = c->net_.ops->resolve_poll(c->net_.ctx, c->addrs_, CONFIG_EMHTTP_DNS_MAX_ADDRS, &n);
    if (rc == EMHTTP_PENDING) {
        return check_timer(c);
    }
    c->state_ = ST_IDLE;
    if (rc != EMHTTP_OK || n == 0) {
        return finish(c, EMHTTP_ERR_DNS);
    }
    c->naddrs_ = (uint8_t)(n < CONFIG_EMHTTP_DNS_MAX_ADDRS ? n : CONFIG_EMHTTP_DNS_MAX_ADDRS);
    c->addr_idx_ = 0;
    c->t_resolved_ = c->now_;
    c->flags_ |= CF_DNS_VALID;
    emit(c, EMHTTP_EV_RESOLVED, &c->addrs_[0], 0);
    return start_connect(c);
}

/* ---- CONNECTING -------------------------------------------------------- */

static EMHTTP_NOINLINE int connected(emhttp_client *c)
{
    if (CONFIG_EMHTTP_DNS_MAX_ADDRS > 1 && c->addr_idx_ != 0) { /* remember the working address */
        uint8_t *a = (uint8_t *)&c->addrs_[c->addr_idx_], *b = (uint8_t *)&c->addrs_[0];
        for (size_t i = 0; i < sizeof c->addrs_[0]; i++) { /* swap them */
            uint8_t t = a[i];
            a[i] = b[i];
            b[i] = t;
        }
        c->addr_idx_ = 0;
    }
    COUNT(c, connects, 1);
    emit(c, EMHTTP_EV_CONNECTED, &c->addrs_[0], 0); /* CF_REUSED is clear: close_conn() */
#if CONFIG_EMHTTP_TLS
    if (c->tls_ != NULL) {
        enter(c, ST_TLS_HANDSHAKE, c->to_connect_, EMHTTP_ERR_CONNECT_TIMEOUT);
        int rc = emhttp_tls_begin(c->tls_, &c->net_);
        return rc == EMHTTP_OK ? STEP_CONTINUE : drop(c, rc);
    }
#endif
    enter(c, ST_SENDING, NO_LIMIT, 0);
    return STEP_CONTINUE;
}

/* A connect attempt failed: try the next cached address, else give up and
 * forget the addresses so the next request resolves again. */
static int connect_failed(emhttp_client *c, int err)
{
    c->net_.ops->close(c->net_.ctx);
    c->state_ = ST_IDLE;
    if (CONFIG_EMHTTP_DNS_MAX_ADDRS > 1 && c->addr_idx_ + 1u < c->naddrs_) {
        c->addr_idx_++;
        return start_connect(c);
    }
    c->addr_idx_ = 0; /* (stays 0 with one address) */
    c->flags_ &= (uint8_t)~CF_DNS_VALID;
    return finish(c, err);
}

static int start_connect(emhttp_client *c)
{
    const emhttp_ip_addr *a = &c->addrs_[CONFIG_EMHTTP_DNS_MAX_ADDRS > 1 ? c->addr_idx_ : 0];
    emit(c, EMHTTP_EV_CONNECT, a, 0);
    enter(c, ST_CONNECTING, c->to_connect_, EMHTTP_ERR_CONNECT_TIMEOUT);
    int rc = c->net_.ops->connect(c->net_.ctx, a, c->port_);
    if (rc == EMHTTP_OK) {
        return connected(c);
    }
    return rc == EMHTTP_PENDING ? STEP_WAIT : connect_failed(c, EMHTTP_ERR_CONNECT);
}

static int st_connecting(emhttp_client *c)
{
    int rc = c->net_.ops->connect_poll(c->net_.ctx);
    if (rc == EMHTTP_OK) {
        return connected(c);
    }
    if (rc != EMHTTP_PENDING) {
        return connect_failed(c, EMHTTP_ERR_CONNECT);
    }
    return check_timer(c);
}

/* ---- TLS_HANDSHAKE ----------------------------------------------------- */

#if CONFIG_EMHTTP_TLS
/* Handshake failures are final for the request (a certificate does not get
 * better on the next address); the address cache is kept. */
static int st_tls_handshake(emhttp_client *c)
{
    int rc = emhttp_tls_handshake(c->tls_);
    if (rc == EMHTTP_OK) {
        COUNT(c, tls_handshakes, 1);
        COUNT(c, tls_resumed, emhttp_tls_resumed(c->tls_));
        enter(c, ST_SENDING, NO_LIMIT, 0);
        return STEP_CONTINUE;
    }
    if (rc != EMHTTP_PENDING) {
        return drop(c, rc);
    }
    return check_timer(c);
}
#endif

/* ---- KEEPALIVE: open connection, waiting for the next request ---------- */

#if CONFIG_EMHTTP_KEEPALIVE_HINT
static uint32_t ka_limit(uint32_t ka_ms)
{
    return ka_ms > 2u * CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS ? ka_ms - CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS
                                                         : ka_ms / 2u;
}
#endif

/* (after next_request(): a request is ready to go) */
static int st_keepalive(emhttp_client *c)
{
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    if (c->ka_ms_ != 0 && elapsed(c, c->t_idle_, ka_limit(c->ka_ms_))) {
        COUNT(c, ka_expired, 1);
        close_conn(c, EMHTTP_OK); /* replace it rather than race the server's close */
        return STEP_CONTINUE;
    }
#endif
    /* Probe a connection that has been idle: it must have nothing to read.
     * EOF, a reset or stray bytes mean the server is done with it: open a
     * fresh one instead of sending into it.  Within the millisecond of the
     * last response nothing can be known yet, so back-to-back requests
     * skip the system call. */
    if (c->now_ != c->t_idle_) {
        long n = conn_recv(c, c->rx_, c->rx_size_);
        if (n != 0) {
            close_conn(c, n < 0 ? (int)n : EMHTTP_ERR_PROTOCOL);
            return STEP_CONTINUE;
        }
    }
    COUNT(c, reuses, 1);
    emit(c, EMHTTP_EV_REUSE, NULL, 0);
    c->flags_ |= CF_REUSED;
    enter(c, ST_SENDING, NO_LIMIT, 0);
    return STEP_CONTINUE;
}

/* ---- SENDING ----------------------------------------------------------- */

/* Hand the port the rest of the head (not split further) and/or body
 * bytes: at most CONFIG_EMHTTP_SEND_CHUNK in all, unless the head alone is
 * longer; head and body in one call when the port can gather.  Returns
 * bytes accepted or an error. */
static long send_some(emhttp_client *c, const emhttp_request *r)
{
    uint32_t sent = c->sent_;
    const uint8_t *p;
    size_t n;
    unsigned flags = 0u;
    if (sent < c->tx_len_) { /* the rest of the head */
        p = c->head_ + sent;
        n = c->tx_len_ - sent;
        if (r->body_len != 0 && n < CONFIG_EMHTTP_SEND_CHUNK) { /* and the body's start */
            const uint8_t *body;
            size_t blen = body_next(r, 0, &body);
            if (blen > CONFIG_EMHTTP_SEND_CHUNK - n) {
                blen = CONFIG_EMHTTP_SEND_CHUNK - n;
            }
            if (c->tls_ == NULL && c->net_.ops->sendv != NULL) { /* tls_ is NULL without TLS */
                emhttp_iov iov[2] = {{p, n}, {body, blen}};
                return c->net_.ops->sendv(c->net_.ctx, iov, 2);
            }
            flags = EMHTTP_SEND_MORE; /* without gather: the body in the next step */
        }
    } else { /* the body */
        n = body_next(r, sent - c->tx_len_, &p);
        if (n > CONFIG_EMHTTP_SEND_CHUNK) {
            n = CONFIG_EMHTTP_SEND_CHUNK;
        }
    }
    return conn_send(c, p, n, flags);
}

static int st_sending(emhttp_client *c)
{
    emhttp_request *r = c->queue_;
    long n = send_some(c, r);
    if (n < 0) {
        return conn_failed(c, (int)n);
    }
    c->sent_ += (uint32_t)n;
    if (c->sent_ < c->tx_len_ + r->body_len) {
        return check_timer(c); /* the rest in the next step */
    }
    enter(c, ST_RECEIVING, c->to_first_, EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
    return STEP_WAIT; /* the answer takes a round trip: wait for readability */
}

/* ---- RECEIVING --------------------------------------------------------- */

static int response_done(emhttp_client *c, size_t used)
{
    bool reuse = emhttp_parser_keep_alive(&c->parser_) && used == c->rx_len_;
    if (reuse) {
#if CONFIG_EMHTTP_KEEPALIVE_HINT
        c->ka_ms_ = emhttp_parser_keepalive_timeout(&c->parser_) * 1000u;
#endif
        c->rx_len_ = 0;
        c->t_idle_ = c->now_;
        c->state_ = ST_KEEPALIVE;
    } else {
        close_conn(c, EMHTTP_OK);
    }
    return finish(c, EMHTTP_OK);
}

static int received_eof(emhttp_client *c)
{
    int rc = emhttp_parser_eof(&c->parser_);
    if (rc == EMHTTP_OK) {
        return response_done(c, c->rx_len_);
    }
    return conn_failed(c, rc); /* CLOSED: nothing arrived, may be retried */
}

static int st_receiving(emhttp_client *c)
{
    if (c->rx_len_ == c->rx_size_) { /* a head line longer than the buffer */
        return drop(c, EMHTTP_ERR_HEADER_TOO_LARGE);
    }
    long n = conn_recv(c, c->rx_ + c->rx_len_, c->rx_size_ - c->rx_len_);
    if (n == 0) {
        return check_timer(c);
    }
    if (c->due_err_ == EMHTTP_ERR_TIMEOUT_FIRST_BYTE) {
        enter(c, ST_RECEIVING, NO_LIMIT, 0); /* the first byte (or EOF, or an error) arrived */
    }
    if (n < 0) {
        return n == EMHTTP_ERR_CLOSED ? received_eof(c) : conn_failed(c, (int)n);
    }
    c->rx_len_ += (uint32_t)n;
    size_t used = 0;
    int rc = emhttp_parser_feed(&c->parser_, c->rx_, c->rx_len_, &used);
    if (rc == EMHTTP_OK) {
        return response_done(c, used);
    }
    if (rc != EMHTTP_PENDING) {
        return drop(c, rc);
    }
    c->rx_len_ -= (uint32_t)used;
    for (uint32_t i = 0; i < c->rx_len_; i++) { /* the unconsumed rest to the front */
        c->rx_[i] = c->rx_[used + i];
    }
    return STEP_WAIT;
}

/* ---- parser callbacks -> request callbacks ----------------------------- */

static int on_status(void *user, int status, const char *reason, size_t len)
{
    emhttp_request *r = ((emhttp_client *)user)->queue_;
    r->status = status;
    return (r->cbs && r->cbs->on_status) ? r->cbs->on_status(r, status, reason, len) : 0;
}

static int on_header(void *user, const char *n, size_t nl, const char *v, size_t vl)
{
    emhttp_request *r = ((emhttp_client *)user)->queue_;
    return (r->cbs && r->cbs->on_header) ? r->cbs->on_header(r, n, nl, v, vl) : 0;
}

static int on_body(void *user, const uint8_t *d, size_t len)
{
    emhttp_request *r = ((emhttp_client *)user)->queue_;
    return (r->cbs && r->cbs->on_body) ? r->cbs->on_body(r, d, len) : 0;
}

static const emhttp_parser_cbs parser_cbs = {on_status, on_header, NULL, on_body};

/* ---- public API -------------------------------------------------------- */

static bool ops_ok(const emhttp_port_ops *o)
{
    return o != NULL && o->now_ms && o->resolve_start && o->resolve_poll && o->resolve_cancel &&
           o->connect && o->connect_poll && o->send && o->recv && o->close && o->wait;
}

static uint32_t or_default(uint32_t v, uint32_t def) { return v != 0 ? v : def; }

/* The timeouts and the DNS lifetime, 0 meaning the CONFIG_EMHTTP_ default. */
static void set_timeouts(emhttp_client *c, const emhttp_config *cfg)
{
    c->to_connect_ = or_default(cfg->connect_timeout_ms, CONFIG_EMHTTP_CONNECT_TIMEOUT_MS);
    c->to_first_ = or_default(cfg->first_byte_timeout_ms, CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS);
    c->to_request_ = or_default(cfg->request_timeout_ms, CONFIG_EMHTTP_REQUEST_TIMEOUT_MS);
    c->to_dns_ = or_default(cfg->dns_timeout_ms, CONFIG_EMHTTP_DNS_TIMEOUT_MS);
    uint32_t ttl = or_default(cfg->dns_ttl_s, CONFIG_EMHTTP_DNS_TTL_S);
    c->dns_ttl_ms_ = (ttl == 0 || ttl >= EMHTTP_DNS_TTL_FOREVER / 1000u) ? EMHTTP_DNS_TTL_FOREVER
                                                                        : ttl * 1000u;
}

/* HTTPS needs the TLS transport compiled in and a TLS context. */
static bool scheme_ok(const emhttp_config *cfg)
{
    if (cfg->scheme == EMHTTP_SCHEME_HTTP) {
        return cfg->tls == NULL;
    }
    return CONFIG_EMHTTP_TLS && cfg->scheme == EMHTTP_SCHEME_HTTPS && cfg->tls != NULL;
}

/* Buffer sizes are kept in 32 bits (a check only where size_t is wider). */
static bool size_fits(size_t n)
{
#if SIZE_MAX > UINT32_MAX
    return n <= UINT32_MAX;
#else
    (void)n;
    return true;
#endif
}

static EMHTTP_NOINLINE bool config_ok(const emhttp_config *cfg)
{
    return cfg != NULL && cfg->host != NULL && ops_ok(cfg->net.ops) && cfg->tx_buf != NULL &&
           cfg->rx_buf != NULL && cfg->rx_size >= MIN_RX && cfg->tx_size != 0 && scheme_ok(cfg) &&
           size_fits(cfg->rx_size) && size_fits(cfg->tx_size);
}

/* The host: 1 to CONFIG_EMHTTP_MAX_HOST_LEN characters of a host name
 * (ALPHA, DIGIT, '-', '.', '_') or an IP literal (digits and dots; hex
 * digits and colons with IPv6), measured and checked in one bounded loop
 * (no strlen).  Literals are the port's to convert: its resolver answers
 * them at once, without a query.  A configured address (cfg->resolve) is
 * used instead of resolving the name. */
static int set_host(emhttp_client *c, const emhttp_config *cfg)
{
    const char *h = cfg->host;
    size_t len = 0;
    for (; h[len] != '\0'; len++) {
        if (len == CONFIG_EMHTTP_MAX_HOST_LEN ||
            (!(HC(h[len]) & HC_HOST) && !(CONFIG_EMHTTP_IPV6 && h[len] == ':'))) {
            return EMHTTP_ERR_URL;
        }
    }
    if (len == 0) {
        return EMHTTP_ERR_URL;
    }
    c->host_ = h;
    c->host_len_ = (uint8_t)len;
    if (cfg->resolve != NULL) {
        const uint8_t *a = (const uint8_t *)cfg->resolve;
        for (size_t i = 0; i < sizeof c->addrs_[0]; i++) { /* smaller than a struct copy at -Os */
            ((uint8_t *)&c->addrs_[0])[i] = a[i];
        }
        c->naddrs_ = 1;
        c->flags_ = CF_FIXED_ADDR;
    }
    return EMHTTP_OK;
}

int emhttp_client_init_checked(emhttp_client *c, const emhttp_config *cfg, uint32_t abi_tag,
                               size_t client_size)
{
    int rc = emhttp_abi_check(abi_tag, client_size, sizeof *c);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    if (c == NULL || !config_ok(cfg)) {
        return EMHTTP_ERR_ARG;
    }
    memset(c, 0, sizeof *c);
    rc = set_host(c, cfg);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    c->net_ = cfg->net;
    c->tx_ = cfg->tx_buf;
    c->rx_ = cfg->rx_buf;
    c->tx_size_ = (uint32_t)cfg->tx_size;
    c->rx_size_ = (uint32_t)cfg->rx_size;
    set_timeouts(c, cfg);
    uint16_t default_port = cfg->scheme == EMHTTP_SCHEME_HTTPS ? 443 : 80;
    c->port_ = cfg->port != 0 ? cfg->port : default_port;
    c->host_port_ = c->port_ == default_port ? 0 : c->port_;
    c->tls_ = cfg->tls;
#if CONFIG_EMHTTP_EVENTS
    c->on_event_ = cfg->on_event;
    c->event_arg_ = cfg->event_arg;
#endif
#if CONFIG_EMHTTP_RESEND
    if (cfg->retry_all_methods || CONFIG_EMHTTP_RETRY_ALL_METHODS) {
        c->flags_ |= CF_RETRY_ALL;
    }
#endif
    emhttp_parser_init(&c->parser_, &parser_cbs, c, CONFIG_EMHTTP_MAX_HEADER_BYTES);
    return EMHTTP_OK; /* state_ ST_IDLE (0), by the memset */
}

int emhttp_request_prepare(const emhttp_client *c, emhttp_request *req, uint8_t *buf,
                           size_t size)
{
    emhttp_head h;
    if (c == NULL || req == NULL || (req->flags_ & RQ_QUEUED)) {
        return EMHTTP_ERR_ARG;
    }
    req->head_ = NULL;
    if (buf == NULL) {
        return EMHTTP_OK; /* dropped */
    }
    const char *m = req_method(req);
    fill_head(c, req, m, emhttp_method_flags(m), &h);
    long n = emhttp_write_head(buf, size, &h);
    if (n < 0) {
        return (int)n;
    }
    req->head_ = buf;
    req->head_len_ = (uint32_t)n;
    req->head_body_len_ = req->body_len;
    return EMHTTP_OK;
}

int emhttp_submit(emhttp_client *c, emhttp_request *req)
{
    if (c == NULL || req == NULL || (req->body == NULL && req->body_len > 0) ||
        (req->headers == NULL && req->header_count > 0)) {
        return EMHTTP_ERR_ARG;
    }
    if (req->flags_ & RQ_QUEUED) {
        return EMHTTP_ERR_BUSY;
    }
    req->flags_ = RQ_QUEUED;
    req->next_ = NULL;
    req->status = 0;
    req->result = EMHTTP_PENDING;
    if (c->tail_ != NULL) {
        c->tail_->next_ = req;
    } else {
        c->queue_ = req;
    }
    c->tail_ = req;
    return EMHTTP_OK;
}

/* One state step.  IDLE and KEEPALIVE first need a request ready to go. */
static int step(emhttp_client *c)
{
    switch (c->state_) {
    case ST_RESOLVING: return st_resolving(c);
    case ST_CONNECTING: return st_connecting(c);
#if CONFIG_EMHTTP_TLS
    case ST_TLS_HANDSHAKE: return st_tls_handshake(c);
#endif
    case ST_SENDING: return st_sending(c);
    case ST_RECEIVING: return st_receiving(c);
    default: break;
    }
    int rc = next_request(c);
    if (rc != 0) {
        return rc;
    }
    return c->state_ == ST_IDLE ? st_idle(c) : st_keepalive(c);
}

int emhttp_poll(emhttp_client *c)
{
    if (c == NULL) {
        return EMHTTP_ERR_ARG;
    }
    c->now_ = now(c);
    for (int i = 0; i < MAX_STEPS; i++) {
        int rc = step(c);
        if (rc < 0) {
            return rc;
        }
        if (rc == STEP_WAIT) {
            break;
        }
    }
    return c->queue_ != NULL ? EMHTTP_PENDING : EMHTTP_OK;
}

unsigned emhttp_wait_flags(const emhttp_client *c)
{
    switch (c->state_) {
    case ST_CONNECTING:
    case ST_SENDING: return EMHTTP_WAIT_WRITE;
    case ST_RECEIVING: return EMHTTP_WAIT_READ;
#if CONFIG_EMHTTP_TLS
    case ST_TLS_HANDSHAKE: return emhttp_tls_want(c->tls_);
#endif
    default: return 0;
    }
}

/* TLS work that needs no I/O: a handshake step to run, or decrypted bytes
 * of a record that did not fit the receive buffer. */
static bool tls_ready(const emhttp_client *c)
{
#if CONFIG_EMHTTP_TLS
    return c->tls_ != NULL && (c->state_ == ST_TLS_HANDSHAKE || c->state_ == ST_RECEIVING) &&
           emhttp_tls_ready(c->tls_);
#else
    (void)c;
    return false;
#endif
}

uint32_t emhttp_next_timeout_ms(const emhttp_client *c)
{
    const emhttp_request *r = c->queue_;
    if (r == NULL) {
        return UINT32_MAX;
    }
    if (c->state_ == ST_IDLE || c->state_ == ST_KEEPALIVE || tls_ready(c)) {
        return 0; /* work to do right away */
    }
    /* Measured from the last poll's clock reading: the caller waits right
     * after polling, so that reading is current to well within a ms. */
    int32_t left = (int32_t)(c->t_due_ - c->now_);
    return left > 0 ? (uint32_t)left : 0;
}

int emhttp_request_sync(emhttp_client *c, emhttp_request *req)
{
    int rc = emhttp_submit(c, req);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    for (;;) {
        (void)emhttp_poll(c);
        if (req->result != EMHTTP_PENDING) {
            return req->result;
        }
        c->net_.ops->wait(c->net_.ctx, emhttp_wait_flags(c), emhttp_next_timeout_ms(c));
    }
}

void emhttp_client_close(emhttp_client *c)
{
    if (c == NULL) {
        return;
    }
    close_conn(c, EMHTTP_OK); /* also cancels a running resolution */
    while (c->queue_ != NULL) {
        (void)finish(c, EMHTTP_ERR_CANCELLED);
    }
}

#if CONFIG_EMHTTP_STATS
const emhttp_stats *emhttp_client_stats(const emhttp_client *c) { return &c->stats_; }
#endif
