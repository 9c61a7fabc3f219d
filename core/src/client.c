/*
 * client.c - the client state machine: one persistent connection, a queue
 * of caller-owned requests, DNS cached in the client.
 *
 *            +---------------------------- (close) ----------------------+
 *            v                                                           |
 *   IDLE --> RESOLVING --> CONNECTING --> HANDSHAKE --> SENDING --> RECEIVING
 *    |  (address cached)  ^   | (next address)  (transport    ^          |
 *    +--------------------+   +--> CONNECTING    has one)     |          |
 *                                                             |          v
 *                             READY (open, idle) -------------+ <--- response
 *                               | probe: bytes, EOF or reset    complete, kept
 *                               +--> (close) --> IDLE
 *
 *   Pipelining (CONFIG_EMHTTP_PIPELINING, max_in_flight > 1):
 *             send_ahead(): the next request, while earlier ones wait
 *   SENDING <-------------------------------------------------- RECEIVING
 *     | all sent -----------------------------------------------> ^  | response
 *     | would block, responses pending: keep receiving            |  | complete,
 *     +--> (receive, as RECEIVING)       next_response() <---------+--+ more in flight
 *
 * Edges written where they happen: next_address() (a connect failed: the
 * next cached address), resend() (a reused connection was dead before any
 * response byte: the same request on a fresh connection), probe() (an
 * idle connection with something waiting on it is replaced before use);
 * with pipelining send_ahead(), next_response() (the head answered, the
 * next one in flight is answered next) and rewind() (the connection ended
 * under requests written on it: back to the queue, to be re-sent or lost).
 *
 * One function per state; step() dispatches.  A state function returns a
 * step_result: STEP_WAIT (for I/O or time) or STEP_NEXT (the state
 * changed: run the next one now).  A failed request is completed where it
 * fails (complete()); the first failure of a poll is what emhttp_poll()
 * returns.
 *
 * Callbacks (the request's, the event hook) may call emhttp_submit(),
 * emhttp_cancel() and emhttp_client_close().  Code that runs a callback
 * and then goes on checks that what it works on survived - the response
 * being parsed is still rx_req_ (cleared when its request completes or the
 * connection closes), the request is still_active(), or nothing intervened
 * (gen_, bumped by cancel and close) - and otherwise returns STEP_NEXT, so
 * step() starts over from the state the callback left.  Elsewhere a
 * callback is the last thing its function does.
 *
 * Deadlines: the active request has one at a time - the current phase's
 * (resolving, one connect attempt, the handshake, the first response
 * byte) or the request timeout, whichever ends first - armed by enter()
 * as (start, length) so lengths up to 2^31 - 1 ms are exact across the
 * clock's wrap; step() checks it before every step of a running state, so
 * a server that trickles bytes cannot extend it.
 */
#include "emhttp/client.h"

#include <string.h>

#include "http_chars.h"

typedef enum state {
    ST_IDLE, /* 0: a zeroed (memset) client is idle: no connection */
    ST_RESOLVING,
    ST_CONNECTING,
    ST_HANDSHAKE,
    ST_READY, /* connection open, no request on it */
    ST_SENDING,
    ST_RECEIVING,
    ST_CONTINUE /* Expect: 100-continue: the head is out, the body waits for 100 */
} state;

typedef enum step_result {
    STEP_WAIT, /* waiting for I/O or time */
    STEP_NEXT  /* state changed: step again */
} step_result;

#define MAX_STEPS 8 /* state steps per poll: bounds the work of one call */

/* client flags_ */
#define CF_DNS_VALID 0x01u  /* addrs_ holds a resolved address */
#define CF_FIXED_ADDR 0x02u /* configured address (emhttp_config.resolve): never resolve */
#define CF_REUSED 0x04u     /* the active request runs on a reused connection */
#define CF_RETRY_ALL 0x08u
#define CF_IN_POLL 0x10u    /* inside emhttp_poll(), _cancel() or _close(): callbacks may not poll */
#define CF_DRAINED 0x20u    /* this poll's last receive left nothing behind */
#if CONFIG_EMHTTP_EXPECT
#define CF_EXPECT 0x40u     /* the request being sent holds its body back for 100 Continue */
#else
#define CF_EXPECT 0u
#endif

#if CONFIG_EMHTTP_BODY_STREAM
#define STREAMED(r) ((r)->body_fn != NULL)
/* client sflags_ */
#define SF_LAST 0x01u    /* the piece in tx_ is the body's last */
#define SF_CONFIRM 0x02u /* the piece completes a declared length: the producer must
                            confirm the end before it leaves */
#define SF_WAIT 0x04u    /* the producer had nothing ready (EMHTTP_PENDING) */
#define CHUNK_PRE 10u    /* room in front of a piece: 8 hex digits and CRLF */
#define STREAM_MIN_TX 16u /* smallest transmit buffer for a streamed body */
#define STREAM_WAITS(c) (((c)->sflags_ & SF_WAIT) != 0)
#else
#define STREAMED(r) false
#define STREAM_WAITS(c) false
#endif

/* request flags_ */
#define RQ_QUEUED 0x01u
#define RQ_ACTIVE 0x02u    /* head ready, timers started */
#define RQ_CLOSING 0x04u   /* on the closing_ list */
#define RQ_RETRIABLE 0x08u /* may be re-sent once (cleared when it is) */
#define RQ_HEAD 0x10u
#if CONFIG_EMHTTP_PIPELINING
#define RQ_REDO 0x20u  /* started on a connection that ended: its head is written
                          again, its start time kept */
#define RQ_ALONE 0x40u /* nothing goes behind it (re-sent after a loss, or its head
                          could not be written ahead) and it goes behind nothing */
#define RQ_LOST 0x80u  /* written on a connection that failed, may not be re-sent:
                          completes with EMHTTP_ERR_CLOSED in its turn */

/* client pflags_ */
#define PF_ALL 0x01u    /* pipeline_all_methods */
#define PF_OFF 0x02u    /* one at a time on this connection: the last one ended by
                           the server's announcement with requests behind */
#define PF_RXLEFT 0x04u /* rx_ holds bytes of the next response, not parsed yet */

#define TX_REQ(c) ((c)->tx_req_) /* the request being written */
#define RX_AT(c) ((c)->rx_at_)     /* where the unparsed bytes of rx_ start */
#else
#define TX_REQ(c) ((c)->queue_)
#define RX_AT(c) 0u
#endif

#define MIN_RX 256u

#if CONFIG_EMHTTP_REDIRECTS
/* client rflags_ */
#define RF_OTHER 0x01u  /* redirect_other_origins */
#define RF_CAND 0x02u   /* the response being parsed is a redirect: the client's */
#define RF_BADLOC 0x04u /* its Location is repeated or does not fit redirect_buf */
#define RF_AWAY 0x08u   /* on a detour to another origin: home_ holds ours */
#define RF_NOCRED 0x10u /* the redirected request left its origin: no credentials */
#define LOC_ROOM 8u     /* bytes kept free in front of a captured Location ("https:") */
#endif

/* c->to_[]: the timeouts, in emhttp_config's order */
enum { TO_CONNECT, TO_FIRST, TO_REQUEST, TO_DNS, TO_IDLE, TO_COUNT };
#define NO_LIMIT EMHTTP_TIMEOUT_NONE

/* ---- small helpers ----------------------------------------------------- */

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

#if CONFIG_EMHTTP_STATS
#define COUNT(c, field, n) ((c)->stats_.field += (n))
#else
#define COUNT(c, field, n) ((void)0)
#endif

#if CONFIG_EMHTTP_TIMING
/* Timing (emhttp_request.timing): a phase of the head request began now,
 * or ended now (its time added to @p field). */
#define T_MARK(c) ((c)->t_phase_ = (c)->now_)
#define T_LAP(c, field) \
    ((c)->queue_->timing.field += (uint32_t)((c)->now_ - (c)->t_phase_), T_MARK(c))
#define T_ADD(r, field, n) ((r)->timing.field += (n))
#define T_FLAGS(r, set, clear) \
    ((r)->timing.flags = (uint8_t)(((r)->timing.flags & ~(unsigned)(clear)) | (set)))
#define T_FIRST_BYTE(c, r) ((r)->timing.first_byte_ms = (uint32_t)((c)->now_ - (r)->t_start_))
#else
#define T_MARK(c) ((void)0)
#define T_LAP(c, field) ((void)0)
#define T_ADD(r, field, n) ((void)0)
#define T_FLAGS(r, set, clear) ((void)0)
#define T_FIRST_BYTE(c, r) ((void)0)
#endif

/* A callback called emhttp_cancel() or emhttp_client_close() since @p gen
 * was read: the state it left is the one to continue from. */
static bool intervened(const emhttp_client *c, uint16_t gen) { return c->gen_ != gen; }

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

/* Body bytes that leave from r->body in this send: none while they wait
 * for 100 Continue, or when a producer makes the body (send_piece()). */
static size_t plain_body(const emhttp_client *c, const emhttp_request *r)
{
    return (STREAMED(r) || (c->flags_ & CF_EXPECT)) ? 0 : r->body_len;
}

/* What the transport needs before a step in direction @p dir can go on. */
static unsigned tr_want(const emhttp_client *c, unsigned dir)
{
    return c->tr_.ops->want != NULL ? c->tr_.ops->want(c->tr_.ctx, dir) : dir;
}

/* ---- the queue ----------------------------------------------------------
 * Requests wait on queue_ (the head is the one on the connection once
 * active) or, while emhttp_client_close() completes them, on closing_. */

/* Take @p r off @p list (and its @p tail, if kept); false: not on it. */
static bool unlink_req(emhttp_request **list, emhttp_request **tail, emhttp_request *r)
{
    emhttp_request *prev = NULL;
    for (emhttp_request *it = *list; it != NULL; prev = it, it = it->next_) {
        if (it == r) {
            *(prev != NULL ? &prev->next_ : list) = r->next_;
            if (tail != NULL && *tail == r) {
                *tail = prev;
            }
            r->next_ = NULL;
            return true;
        }
    }
    return false;
}

/* Complete @p r (taken off its list already) with @p rc: the last thing
 * done with it. */
#if CONFIG_EMHTTP_REDIRECTS
static void end_redirect(emhttp_client *c, emhttp_request *r);
#endif

static void complete(emhttp_client *c, emhttp_request *r, int rc)
{
    if (c->rx_req_ == r) {
        c->rx_req_ = NULL; /* its parser callbacks stop */
    }
#if CONFIG_EMHTTP_TIMING
    if (r->timing.flags & EMHTTP_TIMING_STARTED) {
        r->timing.total_ms = (uint32_t)(c->now_ - r->t_start_);
    }
#endif
#if CONFIG_EMHTTP_REDIRECTS
    if (c->redir_req_ == r) {
        end_redirect(c, r);
    }
#endif
    r->flags_ = 0;
    r->result = rc;
    COUNT(c, requests, 1);
    COUNT(c, errors, (rc < 0));
    if (rc < 0 && c->poll_rc_ == EMHTTP_OK) {
        c->poll_rc_ = rc;
    }
    if (r->cbs != NULL && r->cbs->on_complete != NULL) {
        r->cbs->on_complete(r, rc);
    }
}

/* Complete the request at the head of the queue (the one a state works
 * for: a callback's submit appends, its cancel of another request leaves
 * the head, and its cancel or close of the head completes it). */
static void finish(emhttp_client *c, int rc)
{
    emhttp_request *r = c->queue_;
    c->queue_ = r->next_;
    if (c->queue_ == NULL) {
        c->tail_ = NULL;
    }
    r->next_ = NULL;
    complete(c, r, rc);
}

/* After a callback: is @p r still the same submission, not completed?
 * (RQ_ACTIVE is set only by a state step, never by a callback's call, so
 * a re-submission of @p r from inside does not count.) */
static bool still_active(const emhttp_request *r) { return (r->flags_ & RQ_ACTIVE) != 0; }

/* ---- the connection ---------------------------------------------------- */

#if CONFIG_EMHTTP_PIPELINING
/* rewind(): the connection ended (@p why) under the requests written on
 * it, from @p r on (those still marked active): back to the queue, in
 * order, none completed here.  After the server announced the end (@p why
 * EMHTTP_OK: Connection: close, HTTP/1.0) none of them was processed: each
 * goes out again as it was, and the next connection sends one at a time
 * until a response on it keeps it open.  Otherwise each may have been
 * processed: re-sent once, alone, if it may be, else lost. */
static void rewind_from(emhttp_client *c, emhttp_request *r, int why)
{
    for (; r != NULL && (r->flags_ & RQ_ACTIVE); r = r->next_) {
        unsigned f = (r->flags_ & ~RQ_ACTIVE) | RQ_REDO;
        if (why == EMHTTP_OK) {
            c->pflags_ |= PF_OFF;
        } else if (f & RQ_RETRIABLE) {
            f = (f & ~RQ_RETRIABLE) | RQ_ALONE;
            COUNT(c, retries, 1);
        } else {
            f |= RQ_LOST;
        }
        if (!(f & RQ_LOST)) {
            T_ADD(r, resends, 1);
        }
        r->flags_ = f;
    }
}
#endif

/* Nothing in rx_ (no unparsed bytes either). */
static void rx_clear(emhttp_client *c)
{
    c->rx_len_ = 0;
#if CONFIG_EMHTTP_PIPELINING
    c->rx_at_ = 0;
#endif
}

/* Close the connection (or cancel the query); the event comes last.  The
 * head's fate is the caller's; requests written behind it are rewound. */
static void close_conn(emhttp_client *c, int why)
{
    state was = (state)c->state_;
    c->state_ = ST_IDLE;
    rx_clear(c);
    c->rx_req_ = NULL;
#if CONFIG_EMHTTP_PIPELINING
    if (c->queue_ != NULL) {
        rewind_from(c, c->queue_->next_, why);
    }
    c->inflight_ = 0;
    c->pflags_ &= (uint8_t)~PF_RXLEFT;
#endif
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    c->ka_ms_ = 0;
#endif
    c->flags_ &= (uint8_t)~(CF_REUSED | CF_DRAINED);
    if (was == ST_RESOLVING) {
        c->net_.ops->resolve_cancel(c->net_.ctx);
    } else if (was != ST_IDLE) {
        c->tr_.ops->close(c->tr_.ctx);
        emit(c, EMHTTP_EV_CLOSE, NULL, why);
    }
}

/* Fail the active request and drop the connection under it (its state is
 * unknown: a timeout, a malformed response, a handshake failure). */
static step_result drop(emhttp_client *c, int err)
{
    emhttp_request *r = c->queue_;
    close_conn(c, err);
    if (still_active(r)) {
        finish(c, err);
    }
    return STEP_NEXT;
}

/* The connection failed under the active request: re-send it once on a
 * fresh connection when it was reused and nothing of the response arrived
 * (CONFIG_EMHTTP_RESEND), else fail it. */
static step_result conn_failed(emhttp_client *c, int err)
{
#if CONFIG_EMHTTP_RESEND
    emhttp_request *r = c->queue_;
    bool dead_reuse = (c->flags_ & CF_REUSED) && !emhttp_parser_started(&c->parser_) &&
                      (err == EMHTTP_ERR_CLOSED || err == EMHTTP_ERR_RESET ||
                       err == EMHTTP_ERR_SEND || err == EMHTTP_ERR_RECV ||
                       err == EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
    if (dead_reuse && (r->flags_ & RQ_RETRIABLE)) { /* resend(): the edge */
        r->flags_ &= ~RQ_RETRIABLE;
        COUNT(c, retries, 1);
        T_ADD(r, resends, 1);
        close_conn(c, err); /* -> IDLE: the same request goes out from its first byte */
        if (still_active(r)) {
#if CONFIG_EMHTTP_PIPELINING /* (tx_ may hold a later request's head: written again) */
            r->flags_ = (r->flags_ & ~RQ_ACTIVE) | RQ_REDO | RQ_ALONE;
#endif
            emit(c, EMHTTP_EV_RECONNECT, NULL, err);
        }
        return STEP_NEXT;
    }
#endif
    return drop(c, err);
}

/* ---- deadlines --------------------------------------------------------- */

/* Phase @p st begins; it may last @p limit ms (NO_LIMIT: only the request
 * timeout runs) before it fails with @p err. */
static void enter(emhttp_client *c, state st, uint32_t limit, int err)
{
    uint32_t total = c->to_[TO_REQUEST];
    c->state_ = (uint8_t)st;
    if (total != NO_LIMIT) {
        uint32_t spent = (uint32_t)(c->now_ - c->queue_->t_start_);
        uint32_t left = spent >= total ? 0 : total - spent;
        if (limit == NO_LIMIT || left <= limit) {
            limit = left;
            err = EMHTTP_ERR_TIMEOUT;
        }
    }
    c->t_armed_ = c->now_;
    c->due_len_ = limit;
    c->due_err_ = err;
}

static bool deadline_passed(const emhttp_client *c)
{
    return c->due_len_ != NO_LIMIT && elapsed(c, c->t_armed_, c->due_len_);
}

static step_result next_address(emhttp_client *c, int err);
#if CONFIG_EMHTTP_EXPECT
static step_result release_body(emhttp_client *c);
#endif

/* The deadline passed: a connect attempt moves on to the next address; no
 * first byte on a reused connection is a silently dead one (a NAT dropped
 * it: no FIN, no RST), re-sent like a reset one; anything else fails.
 * (due_err_ names the phase: EMHTTP_ERR_CONNECT_TIMEOUT is armed only by
 * CONNECTING, which every other state arms over.) */
static step_result timed_out(emhttp_client *c)
{
    if (c->due_err_ == EMHTTP_ERR_CONNECT_TIMEOUT) {
        return next_address(c, EMHTTP_ERR_CONNECT_TIMEOUT);
    }
    if (c->due_err_ == EMHTTP_ERR_TIMEOUT_FIRST_BYTE) {
        return conn_failed(c, EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
    }
#if CONFIG_EMHTTP_EXPECT
    if (c->state_ == ST_CONTINUE && c->due_err_ == EMHTTP_OK) {
        return release_body(c); /* no 100 Continue in time: the body goes anyway */
    }
#endif
    return drop(c, c->due_err_);
}

/* ---- activating a request ---------------------------------------------- */

#if CONFIG_EMHTTP_RESEND || CONFIG_EMHTTP_PIPELINING || CONFIG_EMHTTP_EXPECT
#define HB_KEY 1u      /* Idempotency-Key */
#define HB_EXPECT 2u   /* Expect (any) */
#define HB_CONTINUE 4u /* Expect: 100-continue */

/* Which of the headers that decide re-sending and pipelining @p r has. */
static unsigned header_bits(const emhttp_request *r)
{
    unsigned b = 0;
    for (size_t i = 0; i < r->header_count; i++) {
        const emhttp_header *h = &r->headers[i];
        if (h->name_len == 15 && emhttp_lower_eq(h->name, "idempotency-key", 15)) {
            b |= HB_KEY;
        }
#if CONFIG_EMHTTP_PIPELINING || CONFIG_EMHTTP_EXPECT
        if (h->name_len == 6 && emhttp_lower_eq(h->name, "expect", 6)) {
            b |= HB_EXPECT;
            if (h->value_len == 12 && emhttp_lower_eq(h->value, "100-continue", 12)) {
                b |= HB_CONTINUE;
            }
        }
#endif
    }
    return b;
}

#if CONFIG_EMHTTP_RESEND || CONFIG_EMHTTP_PIPELINING
/* May @p r (method flags @p mf) be replayed: idempotent, or keyed? */
static bool replayable(const emhttp_request *r, unsigned mf)
{
    return (mf & EMHTTP_M_IDEMPOTENT) || (header_bits(r) & HB_KEY);
}
#endif
#endif

/* The head of request @p r, whose method @p m has the flags @p mf: every
 * field of emhttp_head, one by one (gcc -Os then moves each through one
 * register; a compound literal took 8 bytes more on Cortex-M4). */
static void fill_head(const emhttp_client *c, const emhttp_request *r, const char *m, unsigned mf,
                      emhttp_head *h)
{
    h->method = m;
    h->target = r->target != NULL ? r->target : "/";
    h->host = c->host_;
    h->host_len = c->host_len_;
    h->port = c->host_port_;
    h->headers = r->headers;
    h->header_count = r->header_count;
    h->send_length = r->body_len > 0 || (mf & EMHTTP_M_CONTENT);
    h->body_len = r->body_len;
#if CONFIG_EMHTTP_BODY_STREAM
    h->chunked = STREAMED(r) && r->body_len == EMHTTP_BODY_UNKNOWN;
    if (h->chunked) {
        h->send_length = false;
    }
#endif
#if CONFIG_EMHTTP_REDIRECTS
    h->drop_credentials = c->redir_req_ == r && (c->rflags_ & RF_NOCRED);
#endif
}

/* A request goes out for the first time (not again after a lost
 * connection): its clock starts (a redirect's next hop keeps it); returns
 * its flags @p rf with those its method @p mf gives it. */
static unsigned first_sending(emhttp_client *c, emhttp_request *r, unsigned mf, unsigned rf)
{
    if (mf & EMHTTP_M_HEAD) {
        rf |= RQ_HEAD;
    }
#if CONFIG_EMHTTP_REDIRECTS
    if (c->redir_req_ != r)
#endif
    {
        r->t_start_ = c->now_;
        T_FLAGS(r, EMHTTP_TIMING_STARTED, 0);
    }
#if CONFIG_EMHTTP_RESEND
    if (!STREAMED(r) && ((c->flags_ & CF_RETRY_ALL) || replayable(r, mf))) {
        rf |= RQ_RETRIABLE;
    }
#else
    (void)c;
#endif
    return rf;
}

/* Make request @p r ready to go: its prepared head, or one written into
 * tx_; its timers start (not again when it is re-sent).  Nothing touches
 * the connection before this succeeds, so an invalid request never sends
 * a byte.  Returns EMHTTP_OK or the error to complete it with. */
static int activate(emhttp_client *c, emhttp_request *r)
{
    bool prepared = r->head_ != NULL && r->head_body_len_ == r->body_len;
    const char *m = req_method(r);
    unsigned mf = prepared ? r->head_mf_ : emhttp_method_flags(m);
    unsigned rf = r->flags_ | RQ_ACTIVE;
#if CONFIG_EMHTTP_PIPELINING
    if (rf & RQ_LOST) {
        return EMHTTP_ERR_CLOSED;
    }
    if ((rf & RQ_REDO) && c->to_[TO_REQUEST] != NO_LIMIT &&
        elapsed(c, r->t_start_, c->to_[TO_REQUEST])) {
        return EMHTTP_ERR_TIMEOUT; /* its time ran out on the connection that ended */
    }
#endif
#if CONFIG_EMHTTP_BODY_STREAM
    if (STREAMED(r) && c->tx_size_ < STREAM_MIN_TX) {
        return EMHTTP_ERR_TX_OVERFLOW; /* no room for a piece and its framing */
    }
#endif
    if (prepared) {
        c->head_ = r->head_;
        c->tx_len_ = r->head_len_;
    } else {
        emhttp_head h;
        fill_head(c, r, m, mf, &h);
        long n = emhttp_write_head(c->tx_, c->tx_size_, &h);
        if (n < 0) {
            return (int)n;
        }
        c->head_ = c->tx_;
        c->tx_len_ = (uint32_t)n;
    }
#if CONFIG_EMHTTP_PIPELINING
    if (!(rf & RQ_REDO))
#endif
    {
        rf = first_sending(c, r, mf, rf);
    }
    r->flags_ = rf;
#if CONFIG_EMHTTP_TIMING
    r->timing.body_sent = 0; /* (this sending's) */
#endif
    return EMHTTP_OK;
}

/* IDLE and READY, with a request queued: is its head ready, and its time
 * not up?  (An active request can wait in IDLE across polls - between
 * connections, after a resolution, when the steps ran out - and a
 * redirect's next hop keeps its start.)  false: it failed (completed). */
static bool request_ready(emhttp_client *c)
{
    emhttp_request *r = c->queue_;
    uint32_t total = c->to_[TO_REQUEST];
    int rc = (r->flags_ & RQ_ACTIVE) ? EMHTTP_OK : activate(c, r);
    if (rc == EMHTTP_OK && total != NO_LIMIT && elapsed(c, r->t_start_, total)) {
        rc = EMHTTP_ERR_TIMEOUT;
    }
    if (rc == EMHTTP_OK) {
        return true;
    }
    finish(c, rc);
    return false;
}

/* The request at the head goes out from its first byte; the parser waits
 * for its response from now on (nothing of it started). */
static void start_sending(emhttp_client *c)
{
    c->sent_ = 0;
#if CONFIG_EMHTTP_PIPELINING
    c->tx_req_ = c->queue_;
    c->inflight_ = 1;
#endif
#if CONFIG_EMHTTP_BODY_STREAM
    c->produced_ = 0;
    c->piece_at_ = c->piece_end_ = 0;
    c->sflags_ = 0;
#endif
#if CONFIG_EMHTTP_EXPECT /* a body to hold back until 100 Continue */
    const emhttp_request *r = c->queue_;
    c->flags_ &= (uint8_t)~CF_EXPECT;
    if ((header_bits(r) & HB_CONTINUE) && (STREAMED(r) || r->body_len > 0)) {
        c->flags_ |= CF_EXPECT;
    }
#endif
    emhttp_parser_reset(&c->parser_, (c->queue_->flags_ & RQ_HEAD) != 0);
    enter(c, ST_SENDING, NO_LIMIT, 0);
}

/* ---- IDLE: no connection ----------------------------------------------- */

static step_result start_connect(emhttp_client *c);

static bool dns_fresh(const emhttp_client *c)
{
    if (c->flags_ & CF_FIXED_ADDR) {
        return true;
    }
    return (c->flags_ & CF_DNS_VALID) &&
           (c->dns_ttl_ms_ == EMHTTP_DNS_TTL_FOREVER || !elapsed(c, c->t_resolved_, c->dns_ttl_ms_));
}

static step_result st_idle(emhttp_client *c)
{
    if (c->queue_ == NULL) {
        return STEP_WAIT;
    }
    if (!request_ready(c)) {
        return STEP_NEXT; /* it failed: the next one */
    }
    if (dns_fresh(c)) {
        return start_connect(c);
    }
    c->flags_ &= (uint8_t)~CF_DNS_VALID;
    COUNT(c, dns_queries, 1);
    T_MARK(c);
    int rc = c->net_.ops->resolve_start(c->net_.ctx, c->host_);
    if (rc < 0) {
        finish(c, EMHTTP_ERR_RESOLVER);
        return STEP_NEXT;
    }
    enter(c, ST_RESOLVING, c->to_[TO_DNS], EMHTTP_ERR_DNS_TIMEOUT);
    emit(c, EMHTTP_EV_RESOLVE, NULL, 0);
    return STEP_NEXT;
}

/* ---- RESOLVING --------------------------------------------------------- */

static step_result st_resolving(emhttp_client *c)
{
    size_t n = 0;
    int rc = c->net_.ops->resolve_poll(c->net_.ctx, c->addrs_, CONFIG_EMHTTP_DNS_MAX_ADDRS, &n);
    if (rc == EMHTTP_PENDING) {
        return STEP_WAIT;
    }
    T_LAP(c, resolve_ms);
    c->state_ = ST_IDLE;
    if (rc != EMHTTP_OK || n == 0) {
        finish(c, EMHTTP_ERR_DNS);
        return STEP_NEXT;
    }
    c->naddrs_ = (uint8_t)(n < CONFIG_EMHTTP_DNS_MAX_ADDRS ? n : CONFIG_EMHTTP_DNS_MAX_ADDRS);
    c->addr_idx_ = 0;
    c->t_resolved_ = c->now_;
    c->flags_ |= CF_DNS_VALID;
    emit(c, EMHTTP_EV_RESOLVED, &c->addrs_[0], 0);
    return STEP_NEXT; /* IDLE with a fresh address: connect */
}

/* ---- CONNECTING -------------------------------------------------------- */

static void connected(emhttp_client *c)
{
    if (CONFIG_EMHTTP_DNS_MAX_ADDRS > 1 && c->addr_idx_ != 0) { /* remember the working address */
        uint8_t *a = (uint8_t *)&c->addrs_[c->addr_idx_], *b = (uint8_t *)&c->addrs_[0];
        for (size_t i = 0; i < sizeof c->addrs_[0]; i++) { /* swap (no memcpy at -Os) */
            uint8_t t = a[i];
            a[i] = b[i];
            b[i] = t;
        }
        c->addr_idx_ = 0;
    }
    COUNT(c, connects, 1);
    T_LAP(c, connect_ms);
    T_ADD(c->queue_, connects, 1);
    T_FLAGS(c->queue_, 0, EMHTTP_TIMING_REUSED);
    if (c->tr_.ops->handshake != NULL) {
        enter(c, ST_HANDSHAKE, c->to_[TO_CONNECT], EMHTTP_ERR_TLS_TIMEOUT);
    } else {
        start_sending(c);
    }
    emit(c, EMHTTP_EV_CONNECTED, &c->addrs_[0], 0); /* last: the hook may intervene */
}

/* Connect failures the address is not to blame for: the port out of
 * resources, or (from a transport that secures inside its connect, like a
 * modem's TLS socket) a failed TLS handshake or certificate. */
static bool conn_final(int err)
{
    return err == EMHTTP_ERR_PORT ||
           (err <= EMHTTP_ERR_TLS_HANDSHAKE && err > EMHTTP_ERR_OUTBOX_FULL); /* TLS's range */
}

/* A connect attempt failed: next_address(), the edge to the next cached
 * address; when none is left, fail and forget the addresses so the next
 * request resolves again.  A conn_final() error fails the request at once
 * and keeps the cache. */
static step_result next_address(emhttp_client *c, int err)
{
    T_LAP(c, connect_ms);
    c->tr_.ops->close(c->tr_.ctx);
    c->state_ = ST_IDLE;
    if (conn_final(err)) {
        finish(c, err);
        return STEP_NEXT;
    }
    if (CONFIG_EMHTTP_DNS_MAX_ADDRS > 1 && c->addr_idx_ + 1u < c->naddrs_) {
        c->addr_idx_++;
        return start_connect(c);
    }
    c->addr_idx_ = 0;
    c->flags_ &= (uint8_t)~CF_DNS_VALID;
    finish(c, err);
    return STEP_NEXT;
}

static int connect_error(int rc) { return conn_final(rc) ? rc : EMHTTP_ERR_CONNECT; }

static step_result start_connect(emhttp_client *c)
{
    const emhttp_ip_addr *a = &c->addrs_[CONFIG_EMHTTP_DNS_MAX_ADDRS > 1 ? c->addr_idx_ : 0];
    uint16_t gen = c->gen_;
    emit(c, EMHTTP_EV_CONNECT, a, 0); /* still IDLE: an intervention starts over */
    if (intervened(c, gen)) {
        return STEP_NEXT;
    }
    enter(c, ST_CONNECTING, c->to_[TO_CONNECT], EMHTTP_ERR_CONNECT_TIMEOUT);
    T_MARK(c);
    int rc = c->tr_.ops->connect(c->tr_.ctx, c->host_, a, c->port_);
    if (rc == EMHTTP_OK) {
        connected(c);
        return STEP_NEXT;
    }
    return rc == EMHTTP_PENDING ? STEP_WAIT : next_address(c, connect_error(rc));
}

static step_result st_connecting(emhttp_client *c)
{
    int rc = c->tr_.ops->connect_poll(c->tr_.ctx);
    if (rc == EMHTTP_OK) {
        connected(c);
        return STEP_NEXT;
    }
    return rc == EMHTTP_PENDING ? STEP_WAIT : next_address(c, connect_error(rc));
}

/* ---- HANDSHAKE (transports that have one: TLS) ------------------------- */

/* Handshake failures are final for the request (a certificate does not get
 * better on the next address); the address cache is kept. */
static step_result st_handshake(emhttp_client *c)
{
    int rc = c->tr_.ops->handshake(c->tr_.ctx);
    if (rc == EMHTTP_PENDING) {
        return (tr_want(c, 0) & EMHTTP_WAIT_NOW) ? STEP_NEXT : STEP_WAIT;
    }
    T_LAP(c, handshake_ms);
    if (rc < 0) {
        return drop(c, rc);
    }
    COUNT(c, tls_handshakes, 1);
    COUNT(c, tls_resumed, rc == EMHTTP_HANDSHAKE_RESUMED);
    T_FLAGS(c->queue_,
            EMHTTP_TIMING_HANDSHAKE | (rc == EMHTTP_HANDSHAKE_RESUMED ? EMHTTP_TIMING_RESUMED : 0u),
            0);
    start_sending(c);
    return STEP_NEXT;
}

/* ---- READY: open connection, no request on it --------------------------- */

#if CONFIG_EMHTTP_KEEPALIVE_HINT
static uint32_t ka_limit(uint32_t ka_ms)
{
    return ka_ms > 2u * CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS ? ka_ms - CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS
                                                         : ka_ms / 2u;
}
#endif

/* probe(): before a request goes onto an idle connection, nothing may be
 * waiting on it.  Bytes that arrived before the request was written are
 * never its response; EOF or a reset mean the server is done with it.
 * Only when the last receive of this same poll drained the connection
 * (and the transport holds nothing back) is there nothing to look at -
 * unless the request was re-sent already (pipelining: a second loss
 * fails it), which looks anyway, for an end that came right behind the
 * last response.  true: the connection is fit for the next request. */
static bool probe(emhttp_client *c)
{
    if ((c->flags_ & CF_DRAINED) && !(tr_want(c, EMHTTP_WAIT_READ) & EMHTTP_WAIT_NOW)
#if CONFIG_EMHTTP_PIPELINING
        && !(c->queue_->flags_ & RQ_ALONE)
#endif
    ) {
        return true;
    }
    long n = c->tr_.ops->recv(c->tr_.ctx, c->rx_, c->rx_size_);
    if (n == 0 && !(tr_want(c, EMHTTP_WAIT_READ) & EMHTTP_WAIT_NOW)) {
        c->flags_ |= CF_DRAINED; /* (for the rest of this poll) */
        return true;
    }
    return false;
}

static step_result st_ready(emhttp_client *c)
{
    if (c->queue_ == NULL) {
        return STEP_WAIT;
    }
    if (!request_ready(c)) {
        return STEP_NEXT;
    }
    uint32_t idle_limit = c->to_[TO_IDLE];
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    if (c->ka_ms_ != 0 && ka_limit(c->ka_ms_) < idle_limit) {
        idle_limit = ka_limit(c->ka_ms_); /* the server's own, with a margin */
    }
#endif
    bool expired = idle_limit != NO_LIMIT && elapsed(c, c->t_idle_, idle_limit);
    if (expired || !probe(c)) { /* replace it rather than race the server's close */
        COUNT(c, ka_expired, 1);
        close_conn(c, EMHTTP_OK);
        return STEP_NEXT;
    }
    COUNT(c, reuses, 1);
    c->flags_ |= CF_REUSED;
    T_FLAGS(c->queue_, EMHTTP_TIMING_REUSED, 0);
    start_sending(c);
    emit(c, EMHTTP_EV_REUSE, NULL, 0);
    return STEP_NEXT;
}

/* ---- SENDING ----------------------------------------------------------- */

/* Hand the transport the rest of the head (not split further) and/or at
 * most CONFIG_EMHTTP_SEND_CHUNK body bytes; head and body in one call when
 * the transport can gather (a body of up to a chunk then leaves with its
 * head in one write: no second write, no second segment to wake the
 * server).  Returns bytes accepted or an error. */
static long send_some(emhttp_client *c, const emhttp_request *r)
{
    const emhttp_transport_ops *t = c->tr_.ops;
    uint32_t sent = c->sent_;
    const uint8_t *p;
    size_t n;
    unsigned flags = 0u;
    if (sent < c->tx_len_) { /* the rest of the head */
        p = c->head_ + sent;
        n = c->tx_len_ - sent;
        if (plain_body(c, r) != 0) { /* and the body's start */
            const uint8_t *body;
            size_t blen = body_next(r, 0, &body);
            if (blen > CONFIG_EMHTTP_SEND_CHUNK) {
                blen = CONFIG_EMHTTP_SEND_CHUNK;
            }
            if (t->sendv != NULL) {
                emhttp_iov iov[2] = {{p, n}, {body, blen}};
                return t->sendv(c->tr_.ctx, iov, 2);
            }
            flags = EMHTTP_SEND_MORE; /* without gather: the body in the next step */
        }
    } else { /* the body */
        n = body_next(r, sent - c->tx_len_, &p);
        if (n > CONFIG_EMHTTP_SEND_CHUNK) {
            n = CONFIG_EMHTTP_SEND_CHUNK;
        }
    }
    return t->send(c->tr_.ctx, p, n, flags);
}

#if CONFIG_EMHTTP_PIPELINING
/* The next request that may be written behind those in flight, or NULL.
 * Only a replayable one goes behind an unanswered request (unless
 * pipeline_all_methods); "Expect: 100-continue" never does (it waits for
 * the interim response); nor does a streamed body (never re-sent, so never
 * behind an unanswered one), and nothing goes behind one. */
static emhttp_request *ahead(const emhttp_client *c)
{
    const emhttp_request *last = c->tx_req_;
    if (c->inflight_ >= c->depth_ || (c->pflags_ & PF_OFF) || (last->flags_ & RQ_ALONE)) {
        return NULL;
    }
    emhttp_request *n = last->next_;
    if (n == NULL || (n->flags_ & (RQ_ALONE | RQ_LOST)) || (header_bits(n) & HB_EXPECT) ||
        STREAMED(n) || STREAMED(last)) {
        return NULL;
    }
    return (c->pflags_ & PF_ALL) || replayable(n, emhttp_method_flags(req_method(n))) ? n : NULL;
}
#endif

static step_result receive(emhttp_client *c);

/* The last byte of @p r is out: its response is awaited next, unless
 * earlier ones are (pipelining: the head's deadline runs on). */
static step_result all_sent(emhttp_client *c, emhttp_request *r)
{
#if CONFIG_EMHTTP_PIPELINING
    if (c->rx_req_ != NULL && c->rx_req_ != r) { /* (r itself after 100 Continue) */
        c->state_ = ST_RECEIVING;
        return STEP_NEXT;
    }
#endif
    c->rx_req_ = r;
    enter(c, ST_RECEIVING, c->to_[TO_FIRST], EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
#if CONFIG_EMHTTP_PIPELINING
    if (ahead(c) != NULL || (c->pflags_ & PF_RXLEFT)) {
        return STEP_NEXT;
    }
#endif
    return STEP_WAIT; /* the answer takes a round trip: wait for readability */
}

#if CONFIG_EMHTTP_EXPECT
/* The head of @p r is out and its body waits: for 100 Continue (its
 * response is parsed from now on), at most expect_ms_ (then the body goes
 * anyway: timed_out()). */
static step_result await_continue(emhttp_client *c, emhttp_request *r)
{
    c->rx_req_ = r;
    enter(c, ST_CONTINUE, c->expect_ms_, EMHTTP_OK);
    return STEP_WAIT;
}

/* 100 Continue arrived, or the wait is over: the body goes out. */
static step_result release_body(emhttp_client *c)
{
    c->flags_ &= (uint8_t)~CF_EXPECT;
    enter(c, ST_SENDING, NO_LIMIT, 0);
    return STEP_NEXT;
}

/* CONTINUE: receive; a 100 with nothing behind it releases the body.  A
 * final status line (or bytes of one) after it, or instead of it: the
 * server answered without the body, which never leaves (response_done()
 * then closes the connection). */
static step_result st_continue(emhttp_client *c)
{
    emhttp_request *r = c->queue_;
    step_result s = receive(c);
    if (c->state_ == ST_CONTINUE && c->rx_req_ == r && c->rx_len_ == 0 &&
        emhttp_parser_continued(&c->parser_) && emhttp_parser_status(&c->parser_) == 0) {
        return release_body(c);
    }
    if (c->state_ == ST_CONTINUE && c->due_err_ == EMHTTP_OK && c->due_len_ != NO_LIMIT &&
        emhttp_parser_started(&c->parser_)) {
        /* an answer began: the body waits for it to be a 100, never for
         * the end of expect_ms_ (a final status may be in the middle) */
        enter(c, ST_CONTINUE, NO_LIMIT, 0);
    }
    return s;
}
#endif

#if CONFIG_EMHTTP_BODY_STREAM
/* The producer's end, or a piece of @p len bytes at tx_, of a declared
 * length: never more than declared, never an end before it; the piece that
 * completes it waits for the producer's confirmation (confirm_end()). */
static int confirm_end(emhttp_client *c, emhttp_request *r);

static int declared_piece(emhttp_client *c, emhttp_request *r, size_t len)
{
    size_t left = r->body_len - c->produced_;
    if (len == 0) { /* the end: short of the declared length fails */
        c->sflags_ |= SF_LAST;
        return left == 0 ? EMHTTP_OK : EMHTTP_ERR_BODY;
    }
    if (len > left) {
        return EMHTTP_ERR_BODY; /* over the declared length: not a byte of it leaves */
    }
    c->produced_ += len;
    c->piece_at_ = 0;
    c->piece_end_ = (uint32_t)len;
    if (len < left) {
        return EMHTTP_OK;
    }
    c->sflags_ |= SF_CONFIRM;
    return confirm_end(c, r);
}

/* The piece in tx_ completes the declared length: it leaves only once the
 * producer says the body ends there (room behind the piece for its answer). */
static int confirm_end(emhttp_client *c, emhttp_request *r)
{
    size_t more = 0;
    int rc = r->body_fn(r, c->tx_ + c->piece_end_, c->tx_size_ - c->piece_end_, &more);
    if (rc == EMHTTP_PENDING) {
        c->sflags_ |= SF_WAIT;
        return rc;
    }
    if (rc != EMHTTP_OK || more != 0) {
        return EMHTTP_ERR_BODY;
    }
    c->sflags_ = (uint8_t)((c->sflags_ & ~SF_CONFIRM) | SF_LAST);
    return EMHTTP_OK;
}

/* A chunk of @p len bytes at tx_ + CHUNK_PRE: its size line in front, CRLF
 * behind; the end (@p len 0) is the last chunk, "0" CRLF CRLF. */
static void frame_chunk(emhttp_client *c, size_t len)
{
    uint8_t *tx = c->tx_;
    uint32_t at = CHUNK_PRE - 2;
    if (len == 0) {
        memcpy(tx, "0\r\n\r\n", 5);
        c->piece_at_ = 0;
        c->piece_end_ = 5;
        c->sflags_ |= SF_LAST;
        return;
    }
    tx[at] = '\r';
    tx[at + 1] = '\n';
    for (size_t v = len; v != 0; v >>= 4) {
        tx[--at] = (uint8_t)"0123456789abcdef"[v & 15u];
    }
    tx[CHUNK_PRE + len] = '\r';
    tx[CHUNK_PRE + len + 1] = '\n';
    c->piece_at_ = at;
    c->piece_end_ = (uint32_t)(CHUNK_PRE + len + 2);
}

/* Run the producer for the next piece into tx_ (the head is out): at most
 * CONFIG_EMHTTP_SEND_CHUNK bytes, room kept for the framing (chunked) or
 * for the producer's answer behind a declared length's last piece.
 * EMHTTP_OK (a piece, maybe empty at the end), EMHTTP_PENDING or
 * EMHTTP_ERR_BODY. */
static int produce(emhttp_client *c, emhttp_request *r)
{
    bool chunked = r->body_len == EMHTTP_BODY_UNKNOWN;
    uint32_t at = chunked ? CHUNK_PRE : 0u;
    uint32_t room = c->tx_size_ - (chunked ? CHUNK_PRE + 2u : 1u);
    size_t len = 0;
    c->sflags_ &= (uint8_t)~SF_WAIT;
    if (c->sflags_ & SF_CONFIRM) {
        return confirm_end(c, r);
    }
    if (room > CONFIG_EMHTTP_SEND_CHUNK) {
        room = CONFIG_EMHTTP_SEND_CHUNK;
    }
    int rc = r->body_fn(r, c->tx_ + at, room, &len);
    if (rc == EMHTTP_PENDING) {
        c->sflags_ |= SF_WAIT;
        return rc;
    }
    if (rc != EMHTTP_OK || len > room) {
        return EMHTTP_ERR_BODY;
    }
    if (!chunked) {
        return declared_piece(c, r, len);
    }
    frame_chunk(c, len);
    return EMHTTP_OK;
}

/* SENDING a streamed body: the piece in tx_, or a new one from the
 * producer.  A producer's failure ends the request and the connection
 * before the body is complete (the server never sees a whole request). */
static step_result send_piece(emhttp_client *c, emhttp_request *r)
{
    if (c->piece_at_ == c->piece_end_ || (c->sflags_ & SF_CONFIRM)) {
        if (c->piece_at_ == c->piece_end_ && (c->sflags_ & SF_LAST)) {
            return all_sent(c, r);
        }
        int rc = produce(c, r);
        if (rc != EMHTTP_OK) {
            return rc == EMHTTP_PENDING ? STEP_WAIT : drop(c, rc);
        }
        if (c->piece_at_ == c->piece_end_) {
            return STEP_NEXT; /* an empty end: all sent */
        }
    }
    long n = c->tr_.ops->send(c->tr_.ctx, c->tx_ + c->piece_at_, c->piece_end_ - c->piece_at_, 0);
    if (n < 0) {
        return conn_failed(c, (int)n);
    }
    c->piece_at_ += (uint32_t)n;
    T_ADD(r, sent, (uint32_t)n);
    T_ADD(r, body_sent, (uint32_t)n);
#if CONFIG_EMHTTP_EXPECT
    if (n == 0 && c->rx_req_ != NULL) { /* (r itself after 100) */
        return receive(c); /* the server may have answered and stopped reading */
    }
#endif
    return n > 0 ? STEP_NEXT : STEP_WAIT;
}
#endif

static step_result st_sending(emhttp_client *c)
{
    emhttp_request *r = TX_REQ(c);
    /* Bytes before the request on a connection with no response pending
     * are not its answer (with responses pending, they are theirs). */
    if (c->sent_ == 0 && c->rx_req_ == NULL && !probe(c)) {
        if (!(c->flags_ & CF_REUSED)) {
            return drop(c, EMHTTP_ERR_PROTOCOL); /* a new connection that speaks first */
        }
        COUNT(c, ka_expired, 1); /* the head waited for room, and something came */
        close_conn(c, EMHTTP_OK);
        return STEP_NEXT;
    }
#if CONFIG_EMHTTP_BODY_STREAM
    if (STREAMED(r) && c->sent_ == c->tx_len_) {
        return send_piece(c, r); /* (CF_EXPECT is clear once the head is out) */
    }
#endif
    long n = send_some(c, r);
    if (n < 0) {
        return conn_failed(c, (int)n);
    }
    c->sent_ += (uint32_t)n;
    T_ADD(r, sent, (uint32_t)n);
#if CONFIG_EMHTTP_TIMING
    r->timing.body_sent = c->sent_ > c->tx_len_ ? c->sent_ - c->tx_len_ : 0;
#endif
    if (c->sent_ < c->tx_len_ + plain_body(c, r)) {
#if CONFIG_EMHTTP_PIPELINING || CONFIG_EMHTTP_EXPECT /* (rx_req_: r itself after 100) */
        if (n == 0 && c->rx_req_ != NULL) {
            return receive(c); /* the server may wait for us to read: keep receiving */
        }
#endif
        return n > 0 ? STEP_NEXT : STEP_WAIT; /* the rest in the next step */
    }
#if CONFIG_EMHTTP_EXPECT
    if (c->flags_ & CF_EXPECT) {
        return await_continue(c, r);
    }
#endif
    return STREAMED(r) ? STEP_NEXT : all_sent(c, r); /* (a streamed body: its pieces) */
}

#if CONFIG_EMHTTP_REDIRECTS
/* ---- redirects -----------------------------------------------------------
 * A 3xx response the client follows (RF_CAND, set by on_status) reaches no
 * callback: on_header captures its Location at the back of redirect_buf,
 * redirected() sends the request again (client.h, "Redirects").  The
 * buffer: [host NUL, while away] [target NUL, once redirected] ... free
 * ... [Location NUL].  A detour to another origin ends in end_redirect(),
 * from complete(). */

static bool transport_ok(const emhttp_transport_ops *t);

/* Byte helpers, so no C library function is linked for redirects: the
 * length of @p s up to its NUL or the first @p stop byte; a copy to a
 * place not behind the source (every copy here moves bytes forward in
 * rbuf_, or from outside it). */
static size_t span(const char *s, char stop)
{
    size_t n = 0;
    while (s[n] != '\0' && s[n] != stop) {
        n++;
    }
    return n;
}

static void copy_down(char *d, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        d[i] = s[i];
    }
}

/* The request's target lives at this offset of rbuf_ once redirected. */
static uint32_t target_at(const emhttp_client *c)
{
    return (c->rflags_ & RF_AWAY) ? c->host_len_ + 1u : 0u;
}

/* The Location value, if it is one byte string the request line can
 * carry (VCHAR: no control byte, space or non-ASCII byte) and fits behind
 * what the current hop still uses of the buffer. */
static void capture_location(emhttp_client *c, const char *v, size_t vl)
{
    uint32_t front = c->redir_req_ != NULL
                         ? target_at(c) + (uint32_t)span(c->redir_req_->target, '\0') + 1u
                         : 0u;
    bool ok = c->loc_at_ == 0 && vl != 0 && vl + 1u + LOC_ROOM + front <= c->rsize_;
    for (size_t i = 0; ok && i < vl; i++) {
        ok = (HC(v[i]) & HC_TARGET) && (unsigned char)v[i] < 0x80u;
    }
    if (!ok) {
        c->rflags_ |= RF_BADLOC;
        return;
    }
    c->loc_at_ = (uint32_t)(c->rsize_ - vl - 1u);
    copy_down(c->rbuf_ + c->loc_at_, v, vl);
    c->rbuf_[c->loc_at_ + vl] = '\0';
}

static char lower(char ch) { return ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch; }

static bool same_host(const emhttp_client *c, const emhttp_url *u)
{
    if (u->host_len != c->host_len_) {
        return false;
    }
    for (size_t i = 0; i < u->host_len; i++) {
        if (lower(u->host[i]) != lower(c->host_[i])) {
            return false;
        }
    }
    return true;
}

/* "scheme:" in front (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )). */
static bool has_scheme(const char *s)
{
    if (!(HC(s[0]) & HC_HOST) || (s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '.' ||
        s[0] == '_') {
        return false;
    }
    size_t i = 1;
    while (s[i] == '+' || ((HC(s[i]) & HC_HOST) && s[i] != '_')) {
        i++;
    }
    return s[i] == ':';
}

/* Hook for bodies that are produced while they are sent (streams): those
 * cannot be sent again.  A buffer can, for as long as the request is
 * queued (an outbox slot is held until its request completes). */
static bool body_replayable(const emhttp_request *r) { return r->body != NULL; }

/* To another origin: allowed, consented to, and given a transport that
 * speaks its scheme.  The host goes to the front of rbuf_.  The
 * connection is closed (its event hook may intervene: EMHTTP_PENDING). */
static int switch_origin(emhttp_client *c, const emhttp_url *u)
{
    emhttp_transport tr = c->tr_;
    bool other_host = !same_host(c, u);
    if (!(c->rflags_ & RF_OTHER)) {
        return EMHTTP_ERR_REDIRECT;
    }
    copy_down(c->rbuf_, u->host, u->host_len); /* (behind the front: see capture_location) */
    c->rbuf_[u->host_len] = '\0';
    emhttp_origin o = {u->scheme, c->rbuf_, u->port, tr};
    bool refused = c->on_origin_ != NULL
                       ? c->on_origin_(c->origin_arg_, &o, &tr) != 0
                       : u->scheme != (emhttp_scheme)c->scheme_ ||
                             (other_host && (tr.ops->flags & EMHTTP_TRANSPORT_SECURE));
    if (refused || !transport_ok(tr.ops) ||
        ((tr.ops->flags & EMHTTP_TRANSPORT_SECURE) != 0) != (u->scheme == EMHTTP_SCHEME_HTTPS)) {
        return EMHTTP_ERR_REDIRECT;
    }
    uint16_t gen = c->gen_;
    close_conn(c, EMHTTP_OK);
    if (intervened(c, gen)) {
        return EMHTTP_PENDING;
    }
    if (!(c->rflags_ & RF_AWAY)) { /* leaving home: remember it */
        c->home_.host = c->host_;
        c->home_.host_len = c->host_len_;
        c->home_.port = c->port_;
        c->home_.host_port = c->host_port_;
        c->home_.tr = c->tr_;
        c->home_.flags = c->flags_ & CF_FIXED_ADDR;
        copy_down((char *)&c->home_.addr, (const char *)&c->addrs_[0], sizeof c->home_.addr);
        c->rflags_ |= RF_AWAY;
    }
    c->host_ = c->rbuf_;
    c->host_len_ = (uint8_t)u->host_len;
    c->port_ = u->port;
    c->host_port_ = u->port == (u->scheme == EMHTTP_SCHEME_HTTPS ? 443 : 80) ? 0 : u->port;
    c->scheme_ = (uint8_t)u->scheme;
    c->tr_ = tr;
    c->flags_ &= (uint8_t)~(CF_DNS_VALID | CF_FIXED_ADDR);
    c->rflags_ |= RF_NOCRED;
    return EMHTTP_OK;
}

/* RFC 9110 15.4 as curl applies it: a 303, and a 301/302 after a POST,
 * turn the request into a GET without a body (a HEAD stays a HEAD). */
static bool hop_turns_to_get(const emhttp_request *r)
{
    const char *m = req_method(r);
    bool post = span(m, '\0') == 4 && m[0] == 'P' && m[1] == 'O' && m[2] == 'S' && m[3] == 'T';
    return !(emhttp_method_flags(m) & EMHTTP_M_HEAD) &&
           (r->status == 303 || (r->status <= 302 && post));
}

/* The next target = the first `keep` bytes of the current one, a '/' when
 * `slash`, then `tail` (tail_len bytes). */
typedef struct {
    const char *tail;
    size_t tail_len;
    size_t keep;
    bool slash;
} hop_target;

/* An absolute Location: its target (with a '/' when it has no path); to
 * another scheme, host or port only through switch_origin(). */
static int absolute_location(emhttp_client *c, char *loc, hop_target *h)
{
    emhttp_url u;
    if (emhttp_url_parse(loc, &u) != EMHTTP_OK) {
        return EMHTTP_ERR_REDIRECT;
    }
    if (u.scheme != (emhttp_scheme)c->scheme_ || u.port != c->port_ || !same_host(c, &u)) {
        int rc = switch_origin(c, &u);
        if (rc != EMHTTP_OK) {
            return rc;
        }
    }
    h->tail = u.target;
    h->tail_len = u.target_len;
    h->slash = u.target_len == 0 || u.target[0] == '?';
    return EMHTTP_OK;
}

/* A relative Location: an absolute path as it is; otherwise the current
 * path up to its last '/' (all of it before a "?query") followed by it. */
static int relative_location(const char *cur, const char *loc, hop_target *h)
{
    h->tail = loc;
    h->tail_len = span(loc, '\0');
    if (loc[0] != '/') {
        size_t keep = span(cur, '?');
        while (loc[0] != '?' && keep > 0 && cur[keep - 1] != '/') {
            keep--;
        }
        if (keep == 0 || cur[0] != '/') {
            return EMHTTP_ERR_REDIRECT;
        }
        h->keep = keep;
    }
    return EMHTTP_OK;
}

/* The next target into the target buffer of rbuf_ (cur may be there
 * already: copied down, never up). */
static char *write_hop_target(emhttp_client *c, const char *cur, const hop_target *h)
{
    char *dst = c->rbuf_ + target_at(c);
    copy_down(dst, cur, h->keep);
    size_t at = h->keep;
    if (h->slash) {
        dst[at++] = '/';
    }
    copy_down(dst + at, h->tail, h->tail_len);
    dst[at + h->tail_len] = '\0';
    return dst;
}

/* The first hop: the caller's fields, restored by end_redirect(). */
static void save_caller_request(emhttp_client *c, emhttp_request *r)
{
    c->redir_req_ = r;
    c->save_method_ = r->method;
    c->save_target_ = r->target;
    c->save_body_ = r->body;
    c->save_body_len_ = r->body_len;
    c->save_head_ = r->head_;
#if CONFIG_EMHTTP_BODY_STREAM
    c->save_body_fn_ = r->body_fn;
#endif
}

/* Turns the redirected request into its next hop: the Location (in rbuf_)
 * resolved against the current target into the target buffer, the method
 * and body by the status.  A refusal leaves the request as it was. */
static int follow(emhttp_client *c, emhttp_request *r)
{
    if (c->loc_at_ == 0 || (c->rflags_ & RF_BADLOC)) {
        return EMHTTP_ERR_REDIRECT;
    }
    char *loc = c->rbuf_ + c->loc_at_;
    loc[span(loc, '#')] = '\0'; /* the fragment stays with the client */
    bool to_get = hop_turns_to_get(r);
    if (!to_get && (r->body_len > 0 || STREAMED(r)) && !body_replayable(r)) {
        return EMHTTP_ERR_REDIRECT_BODY; /* (a producer is read once: 307/308 need it again) */
    }
    if (loc[0] == '/' && loc[1] == '/') { /* network-path: this scheme (LOC_ROOM) */
        const char *sch = c->scheme_ == EMHTTP_SCHEME_HTTPS ? "https:" : "http:";
        loc -= span(sch, '\0');
        copy_down(loc, sch, span(sch, '\0'));
    }
    const char *cur = r->target != NULL ? r->target : "/";
    hop_target h = {0};
    int rc = has_scheme(loc) ? absolute_location(c, loc, &h) : relative_location(cur, loc, &h);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    char *dst = write_hop_target(c, cur, &h);
    if (c->redir_req_ != r) {
        save_caller_request(c, r);
    }
    r->target = dst;
    if (to_get) {
        r->method = "GET";
        r->body = NULL;
        r->body_len = 0;
#if CONFIG_EMHTTP_BODY_STREAM
        r->body_fn = NULL; /* (the hop sends no body; restored at the end) */
#endif
    }
    r->head_ = NULL;
    return EMHTTP_OK;
}

/* The response to the head @p r was a redirect (the connection is READY,
 * or closed): follow it, or complete @p r with why not. */
static step_result redirected(emhttp_client *c, emhttp_request *r)
{
    c->rflags_ &= (uint8_t)~RF_CAND;
    int rc = c->hops_ >= c->max_redir_ ? EMHTTP_ERR_TOO_MANY_REDIRECTS : follow(c, r);
    if (rc == EMHTTP_PENDING) {
        return STEP_NEXT; /* the close event's hook intervened */
    }
    if (rc != EMHTTP_OK) {
        finish(c, rc);
        return STEP_NEXT;
    }
    c->hops_++;
    T_ADD(r, redirects, 1);
    r->flags_ = RQ_QUEUED; /* activated again: its new head, its start kept */
    return STEP_NEXT;
}

/* @p r completes: its fields back as the caller set them and, after a
 * detour, the connection closed and the client's own origin back. */
static void end_redirect(emhttp_client *c, emhttp_request *r)
{
    r->method = c->save_method_;
    r->target = c->save_target_;
    r->body = c->save_body_;
    r->body_len = c->save_body_len_;
    r->head_ = c->save_head_;
#if CONFIG_EMHTTP_BODY_STREAM
    r->body_fn = c->save_body_fn_;
#endif
    c->redir_req_ = NULL;
    c->hops_ = 0;
    c->rflags_ &= (uint8_t)~(RF_NOCRED | RF_CAND);
    if (c->rflags_ & RF_AWAY) {
        c->rflags_ &= (uint8_t)~RF_AWAY;
        close_conn(c, EMHTTP_OK);
        c->host_ = c->home_.host;
        c->host_len_ = c->home_.host_len;
        c->port_ = c->home_.port;
        c->host_port_ = c->home_.host_port;
        c->scheme_ = (c->home_.tr.ops->flags & EMHTTP_TRANSPORT_SECURE) ? EMHTTP_SCHEME_HTTPS
                                                                       : EMHTTP_SCHEME_HTTP;
        c->tr_ = c->home_.tr;
        c->flags_ = (uint8_t)((c->flags_ & ~(CF_DNS_VALID | CF_FIXED_ADDR)) | c->home_.flags);
        if (c->home_.flags) {
            copy_down((char *)&c->addrs_[0], (const char *)&c->home_.addr, sizeof c->addrs_[0]);
            c->naddrs_ = 1;
        }
    }
}
#endif

/* ---- RECEIVING --------------------------------------------------------- */

/* @p used more bytes of rx_ are parsed: the rest moves to the front (the
 * next receive appends to it). */
static void drop_front(emhttp_client *c, size_t used)
{
    uint32_t from = RX_AT(c) + (uint32_t)used;
    uint32_t left = c->rx_len_ - from;
    uint8_t *rx = c->rx_;
    rx_clear(c);
    for (uint32_t i = 0; i < left; i++) {
        rx[i] = rx[from + i];
    }
    c->rx_len_ = left;
}

#if CONFIG_EMHTTP_PIPELINING
/* next_response(): the head @p r is answered (@p used bytes of rx_), the
 * connection stays open and more requests are on it: the next one's
 * response follows (its first bytes may be in rx_ already). */
static step_result next_response(emhttp_client *c, emhttp_request *r, size_t used)
{
    emhttp_request *n = r->next_;
    c->queue_ = n; /* r leaves the queue (n follows it: not the tail) */
    r->next_ = NULL;
    c->inflight_--;
    c->flags_ |= CF_REUSED;
    c->rx_at_ += (uint32_t)used; /* (not moved: a pipelined rx_ holds many responses) */
    bool more = c->rx_at_ != c->rx_len_;
    if (more) {
        c->pflags_ |= PF_RXLEFT;
    } else {
        rx_clear(c);
    }
    emhttp_parser_reset(&c->parser_, (n->flags_ & RQ_HEAD) != 0);
    if (more) {
        T_FIRST_BYTE(c, n);
    }
    if (n != c->tx_req_ || c->state_ != ST_SENDING) { /* n is all sent */
        c->rx_req_ = n;
        enter(c, (state)c->state_, more ? NO_LIMIT : c->to_[TO_FIRST],
              EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
    } else {
        enter(c, ST_SENDING, NO_LIMIT, 0);
    }
    complete(c, r, EMHTTP_OK);
    return STEP_NEXT;
}
#endif

static step_result response_done(emhttp_client *c, size_t used)
{
    emhttp_request *r = c->rx_req_;
    bool keep = emhttp_parser_keep_alive(&c->parser_);
#if CONFIG_EMHTTP_EXPECT || CONFIG_EMHTTP_PIPELINING
    if (TX_REQ(c) == r && (c->state_ == ST_SENDING || c->state_ == ST_CONTINUE)) {
        keep = false; /* answered before its body was all out: the server cannot
                         tell where the next request would start */
    }
#endif
    bool reuse = keep && RX_AT(c) + used == c->rx_len_;
    c->rx_req_ = NULL;
#if CONFIG_EMHTTP_PIPELINING
    if (keep) {
        c->pflags_ &= (uint8_t)~PF_OFF; /* this connection stays open: pipelining may resume */
        if (c->inflight_ > 1) {
            return next_response(c, r, used);
        }
    }
#endif
    if (reuse) {
#if CONFIG_EMHTTP_KEEPALIVE_HINT
        c->ka_ms_ = emhttp_parser_keepalive_timeout(&c->parser_) * 1000u;
#endif
        rx_clear(c);
        c->t_idle_ = c->now_;
        c->state_ = ST_READY;
    } else {
        close_conn(c, EMHTTP_OK);
    }
    if (!still_active(r)) {
        return STEP_NEXT;
    }
#if CONFIG_EMHTTP_REDIRECTS
    if (c->rflags_ & RF_CAND) {
        return redirected(c, r);
    }
#endif
    finish(c, EMHTTP_OK);
    return STEP_NEXT;
}

static step_result received_eof(emhttp_client *c)
{
    /* (no callback runs: a close-delimited body was handed out as it came) */
    int rc = emhttp_parser_eof(&c->parser_);
    if (rc == EMHTTP_OK) {
        return response_done(c, c->rx_len_ - RX_AT(c));
    }
    return conn_failed(c, rc); /* CLOSED: nothing arrived, may be re-sent */
}

/* Feed what is in rx_ to the parser (its callbacks run the request's). */
static step_result parse(emhttp_client *c)
{
    emhttp_request *r = c->rx_req_;
    size_t used = 0;
    int rc = emhttp_parser_feed(&c->parser_, c->rx_ + RX_AT(c), c->rx_len_ - RX_AT(c), &used);
    if (c->rx_req_ != r) {
        return STEP_NEXT; /* a callback cancelled or closed: rx_ is not ours */
    }
    T_ADD(r, received, (uint32_t)used);
    if (rc == EMHTTP_OK) {
        return response_done(c, used);
    }
    if (rc != EMHTTP_PENDING) {
        return drop(c, rc);
    }
    drop_front(c, used);
    return STEP_WAIT;
}

/* Receive for rx_req_ and parse (RECEIVING; with pipelining also SENDING
 * when the send would block). */
static step_result receive(emhttp_client *c)
{
#if CONFIG_EMHTTP_PIPELINING
    if (c->pflags_ & PF_RXLEFT) { /* what came along with the last response */
        c->pflags_ &= (uint8_t)~PF_RXLEFT;
        return parse(c);
    }
#endif
    uint32_t room = c->rx_size_ - c->rx_len_;
    if (room == 0) { /* a head line longer than the buffer */
        return drop(c, EMHTTP_ERR_HEADER_TOO_LARGE);
    }
    long n = c->tr_.ops->recv(c->tr_.ctx, c->rx_ + c->rx_len_, room);
    if (n == 0) {
        return (tr_want(c, EMHTTP_WAIT_READ) & EMHTTP_WAIT_NOW) ? STEP_NEXT : STEP_WAIT;
    }
    if (c->due_err_ == EMHTTP_ERR_TIMEOUT_FIRST_BYTE) { /* the first byte (or EOF, or an error) */
        enter(c, (state)c->state_, NO_LIMIT, 0);
    }
#if CONFIG_EMHTTP_TIMING
    if (n > 0 && c->rx_len_ == 0 && c->rx_req_ != NULL && !emhttp_parser_started(&c->parser_)) {
        T_FIRST_BYTE(c, c->rx_req_);
    }
#endif
    if (n < 0) {
        return n == EMHTTP_ERR_CLOSED ? received_eof(c) : conn_failed(c, (int)n);
    }
    if ((uint32_t)n < room) {
        c->flags_ |= CF_DRAINED;
    } else {
        c->flags_ &= (uint8_t)~CF_DRAINED;
    }
    c->rx_len_ += (uint32_t)n;
    return parse(c);
}

#if CONFIG_EMHTTP_PIPELINING
/* send_ahead(): the next request goes out while earlier ones await their
 * responses (the head's deadline runs on).  A head that cannot be written
 * is not retried here: the request fails in its turn. */
static bool send_ahead(emhttp_client *c)
{
    emhttp_request *n = ahead(c);
    if (n == NULL) {
        return false;
    }
    if (activate(c, n) != EMHTTP_OK) {
        n->flags_ |= RQ_ALONE;
        return false;
    }
    c->tx_req_ = n;
    c->inflight_++;
    T_FLAGS(n, EMHTTP_TIMING_REUSED, 0);
    c->sent_ = 0;
    c->state_ = ST_SENDING;
    return true;
}
#endif

static step_result st_receiving(emhttp_client *c)
{
#if CONFIG_EMHTTP_PIPELINING
    if (send_ahead(c)) {
        return STEP_NEXT;
    }
#endif
    return receive(c);
}

/* ---- parser callbacks -> request callbacks ------------------------------
 * rx_req_ is cleared when its request completes or the connection closes:
 * a callback that cancelled or closed stops the parser (non-zero). */

static int on_status(void *user, int status, const char *reason, size_t len)
{
    emhttp_request *r = ((emhttp_client *)user)->rx_req_;
    if (r == NULL) {
        return 1;
    }
    r->status = status;
#if CONFIG_EMHTTP_REDIRECTS
    emhttp_client *c = user;
    c->rflags_ &= (uint8_t)~(RF_CAND | RF_BADLOC);
    c->loc_at_ = 0;
    if (c->max_redir_ != 0 && (status == 301 || status == 302 || status == 303 || status == 307 ||
                               status == 308)) {
        c->rflags_ |= RF_CAND; /* the client's: no callback sees it */
        return 0;
    }
#endif
    return (r->cbs && r->cbs->on_status) ? r->cbs->on_status(r, status, reason, len) : 0;
}

static int on_header(void *user, const char *n, size_t nl, const char *v, size_t vl)
{
    emhttp_request *r = ((emhttp_client *)user)->rx_req_;
    if (r == NULL) {
        return 1;
    }
#if CONFIG_EMHTTP_REDIRECTS
    if (((emhttp_client *)user)->rflags_ & RF_CAND) {
        if (nl == 8 && emhttp_lower_eq(n, "location", 8)) {
            capture_location(user, v, vl);
        }
        return 0;
    }
#endif
    return (r->cbs && r->cbs->on_header) ? r->cbs->on_header(r, n, nl, v, vl) : 0;
}

static int on_body(void *user, const uint8_t *d, size_t len)
{
    emhttp_request *r = ((emhttp_client *)user)->rx_req_;
    if (r == NULL) {
        return 1;
    }
#if CONFIG_EMHTTP_REDIRECTS
    if (((emhttp_client *)user)->rflags_ & RF_CAND) {
        return 0; /* a redirect's body: dropped */
    }
#endif
    return (r->cbs && r->cbs->on_body) ? r->cbs->on_body(r, d, len) : 0;
}

static const emhttp_parser_cbs parser_cbs = {on_status, on_header, NULL, on_body};

/* ---- configuration ----------------------------------------------------- */

static bool port_ok(const emhttp_port_ops *o, bool resolver)
{
    return o != NULL && o->now_ms != NULL &&
           (!resolver || (o->resolve_start && o->resolve_poll && o->resolve_cancel));
}

static bool transport_ok(const emhttp_transport_ops *t)
{
    return t != NULL && t->connect && t->connect_poll && t->send && t->recv && t->close;
}

/* HTTPS needs a transport that secures the connection; HTTP one that does not. */
static bool scheme_ok(const emhttp_config *cfg)
{
    bool secure = (cfg->transport.ops->flags & EMHTTP_TRANSPORT_SECURE) != 0;
    return cfg->scheme == (secure ? EMHTTP_SCHEME_HTTPS : EMHTTP_SCHEME_HTTP);
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

/* (Out of line: EMHTTP_NOINLINE, http_chars.h.) */
EMHTTP_NOINLINE static bool config_ok(const emhttp_config *cfg)
{
    return cfg != NULL && cfg->host != NULL && port_ok(cfg->net.ops, cfg->resolve == NULL) &&
           transport_ok(cfg->transport.ops) && scheme_ok(cfg) && cfg->tx_buf != NULL &&
           cfg->rx_buf != NULL && cfg->rx_size >= MIN_RX && cfg->tx_size != 0 &&
           size_fits(cfg->rx_size) && size_fits(cfg->tx_size);
}

/* The timeouts, in the order of the client's to_[]. */
static const uint32_t default_timeouts[TO_COUNT] = {
    CONFIG_EMHTTP_CONNECT_TIMEOUT_MS, CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS,
    CONFIG_EMHTTP_REQUEST_TIMEOUT_MS, CONFIG_EMHTTP_DNS_TIMEOUT_MS, CONFIG_EMHTTP_IDLE_REUSE_MS};

/* Each: 0 = the default, EMHTTP_TIMEOUT_NONE, or 1..EMHTTP_TIMEOUT_MAX_MS. */
static int set_timeouts(emhttp_client *c, const emhttp_config *cfg)
{
    c->to_[TO_CONNECT] = cfg->connect_timeout_ms;
    c->to_[TO_FIRST] = cfg->first_byte_timeout_ms;
    c->to_[TO_REQUEST] = cfg->request_timeout_ms;
    c->to_[TO_DNS] = cfg->dns_timeout_ms;
    c->to_[TO_IDLE] = cfg->idle_reuse_ms;
    for (size_t i = 0; i < TO_COUNT; i++) {
        if (c->to_[i] == 0) {
            c->to_[i] = default_timeouts[i];
        }
        if (c->to_[i] > EMHTTP_TIMEOUT_MAX_MS && c->to_[i] != NO_LIMIT) {
            return EMHTTP_ERR_CONFIG_RANGE;
        }
    }
    uint32_t ttl = cfg->dns_ttl_s != 0 ? cfg->dns_ttl_s : CONFIG_EMHTTP_DNS_TTL_S;
    if (ttl == EMHTTP_DNS_TTL_FOREVER) {
        c->dns_ttl_ms_ = EMHTTP_DNS_TTL_FOREVER;
    } else if (ttl <= EMHTTP_TIMEOUT_MAX_MS / 1000u) {
        c->dns_ttl_ms_ = ttl * 1000u;
    } else {
        return EMHTTP_ERR_CONFIG_RANGE;
    }
#if CONFIG_EMHTTP_EXPECT
    uint32_t e = cfg->expect_timeout_ms != 0 ? cfg->expect_timeout_ms : CONFIG_EMHTTP_EXPECT_TIMEOUT_MS;
    if (e > EMHTTP_TIMEOUT_MAX_MS && e != NO_LIMIT) {
        return EMHTTP_ERR_CONFIG_RANGE;
    }
    c->expect_ms_ = e;
#endif
    return EMHTTP_OK;
}

/* The host: 1 to CONFIG_EMHTTP_MAX_HOST_LEN characters of a host name
 * (ALPHA, DIGIT, '-', '.', '_') or an IP literal (digits and dots; hex
 * digits and colons with IPv6), measured and checked in one bounded loop
 * (no strlen).  Literals are the port's to convert: its resolver answers
 * them at once, without a query.  A configured address (cfg->resolve) is
 * used instead of resolving the name. */
static size_t host_len(const char *h)
{
    size_t len = 0;
    for (; h[len] != '\0'; len++) {
        if (len == CONFIG_EMHTTP_MAX_HOST_LEN ||
            (!(HC(h[len]) & HC_HOST) && !(CONFIG_EMHTTP_IPV6 && h[len] == ':'))) {
            return 0;
        }
    }
    return len;
}

static int set_host(emhttp_client *c, const emhttp_config *cfg)
{
    const char *h = cfg->host;
    size_t len = host_len(h);
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

/* ---- public API -------------------------------------------------------- */

#if CONFIG_EMHTTP_REDIRECTS
/* The redirect settings; false: max_redirects without a usable buffer. */
static bool init_redirects(emhttp_client *c, const emhttp_config *cfg)
{
    if (cfg->max_redirects != 0 &&
        (cfg->redirect_buf == NULL || cfg->redirect_size < 64 || !size_fits(cfg->redirect_size))) {
        return false;
    }
    c->max_redir_ = cfg->max_redirects;
    c->rbuf_ = cfg->redirect_buf;
    c->rsize_ = (uint32_t)cfg->redirect_size;
    c->rflags_ = cfg->redirect_other_origins ? RF_OTHER : 0;
    c->on_origin_ = cfg->on_origin;
    c->origin_arg_ = cfg->origin_arg;
    c->scheme_ = (uint8_t)cfg->scheme;
    return true;
}
#endif

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
    rc = set_timeouts(c, cfg);
    if (rc == EMHTTP_OK) {
        rc = set_host(c, cfg);
    }
    if (rc != EMHTTP_OK) {
        return rc;
    }
    c->net_.ops = cfg->net.ops; /* (field by field: gcc -Os copies a two-pointer */
    c->net_.ctx = cfg->net.ctx; /* struct with ldrd, add.w, stmia, 4 bytes more) */
    c->tr_.ops = cfg->transport.ops;
    c->tr_.ctx = cfg->transport.ctx;
    c->tx_ = cfg->tx_buf;
    c->rx_ = cfg->rx_buf;
    c->tx_size_ = (uint32_t)cfg->tx_size;
    c->rx_size_ = (uint32_t)cfg->rx_size;
    uint16_t default_port = cfg->scheme == EMHTTP_SCHEME_HTTPS ? 443 : 80;
    c->port_ = default_port; /* and host_port_ 0 (memset): the Host header leaves it out */
    if (cfg->port != 0 && cfg->port != default_port) {
        c->port_ = c->host_port_ = cfg->port;
    }
#if CONFIG_EMHTTP_EVENTS
    c->on_event_ = cfg->on_event;
    c->event_arg_ = cfg->event_arg;
#endif
#if CONFIG_EMHTTP_RESEND
    if (cfg->retry_all_methods || CONFIG_EMHTTP_RETRY_ALL_METHODS) {
        c->flags_ |= CF_RETRY_ALL;
    }
#endif
#if CONFIG_EMHTTP_REDIRECTS
    if (!init_redirects(c, cfg)) {
        return EMHTTP_ERR_ARG;
    }
#endif
#if CONFIG_EMHTTP_PIPELINING
    c->depth_ = cfg->max_in_flight > 1 ? cfg->max_in_flight : 1;
#if CONFIG_EMHTTP_REDIRECTS
    if (c->max_redir_ != 0) {
        c->depth_ = 1; /* a redirected request goes out again before those behind it */
    }
#endif
    c->pflags_ = cfg->pipeline_all_methods ? PF_ALL : 0;
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
    unsigned mf = emhttp_method_flags(m);
    fill_head(c, req, m, mf, &h);
    long n = emhttp_write_head(buf, size, &h);
    if (n < 0) {
        return (int)n;
    }
    req->head_ = buf;
    req->head_len_ = (uint32_t)n;
    req->head_body_len_ = req->body_len;
    req->head_mf_ = (uint8_t)mf;
    return EMHTTP_OK;
}

int emhttp_submit(emhttp_client *c, emhttp_request *req)
{
    if (c == NULL || req == NULL || (req->body == NULL && req->body_len > 0 && !STREAMED(req)) ||
        (req->headers == NULL && req->header_count > 0)) {
        return EMHTTP_ERR_ARG;
    }
    if (req->flags_ & (RQ_QUEUED | RQ_CLOSING)) {
        return EMHTTP_ERR_BUSY;
    }
    req->flags_ = RQ_QUEUED;
    req->next_ = NULL;
    req->status = 0;
    req->result = EMHTTP_PENDING;
#if CONFIG_EMHTTP_TIMING
    memset(&req->timing, 0, sizeof req->timing);
#endif
    if (c->tail_ != NULL) {
        c->tail_->next_ = req;
    } else {
        c->queue_ = req;
    }
    c->tail_ = req;
    return EMHTTP_OK;
}

int emhttp_cancel(emhttp_client *c, emhttp_request *req)
{
    if (c == NULL || req == NULL) {
        return EMHTTP_ERR_ARG;
    }
    /* On the connection: it goes too (what is left of the response is
     * unknown).  Being completed by emhttp_client_close(): on closing_. */
    bool on_conn = (req->flags_ & RQ_ACTIVE) && c->state_ != ST_IDLE && c->state_ != ST_READY;
    if (!((req->flags_ & RQ_CLOSING) ? unlink_req(&c->closing_, NULL, req)
                                     : unlink_req(&c->queue_, &c->tail_, req))) {
        return EMHTTP_ERR_ARG; /* not queued on this client */
    }
    uint8_t outer = (uint8_t)(c->flags_ & CF_IN_POLL); /* its callbacks may not poll either */
    c->flags_ |= CF_IN_POLL;
    c->gen_++;
    if (on_conn) {
#if CONFIG_EMHTTP_PIPELINING /* the others written on it: as on a failed connection */
        if (c->rx_req_ != NULL && c->rx_req_ != req && emhttp_parser_started(&c->parser_)) {
            c->rx_req_->flags_ &= (uint8_t)~RQ_RETRIABLE; /* its response began: not replayed */
        }
        rewind_from(c, c->queue_, EMHTTP_ERR_CANCELLED);
#endif
        close_conn(c, EMHTTP_ERR_CANCELLED);
    }
    complete(c, req, EMHTTP_ERR_CANCELLED);
    c->flags_ = (uint8_t)((c->flags_ & ~CF_IN_POLL) | outer);
    return EMHTTP_OK;
}

/* One state step, deadline first. */
static step_result step(emhttp_client *c)
{
    switch ((state)c->state_) {
    case ST_IDLE: return st_idle(c);
    case ST_READY: return st_ready(c);
    default: break;
    }
    if (deadline_passed(c)) {
        return timed_out(c);
    }
    switch ((state)c->state_) {
    case ST_RESOLVING: return st_resolving(c);
    case ST_CONNECTING: return st_connecting(c);
    case ST_HANDSHAKE: return st_handshake(c);
    case ST_SENDING: return st_sending(c);
    case ST_RECEIVING: return st_receiving(c);
#if CONFIG_EMHTTP_EXPECT
    case ST_CONTINUE: return st_continue(c);
#endif
    default: return STEP_WAIT; /* (IDLE and READY above) */
    }
}

int emhttp_poll(emhttp_client *c)
{
    if (c == NULL) {
        return EMHTTP_ERR_ARG;
    }
    if (c->flags_ & CF_IN_POLL) {
        return EMHTTP_ERR_BUSY; /* from inside a callback */
    }
    c->flags_ |= CF_IN_POLL; /* (CF_DRAINED is clear: the last poll cleared it at its end) */
    c->poll_rc_ = EMHTTP_OK;
    c->now_ = c->net_.ops->now_ms(c->net_.ctx);
    for (int i = 0; i < MAX_STEPS && step(c) == STEP_NEXT; i++) {
    }
    c->flags_ &= (uint8_t)~(CF_IN_POLL | CF_DRAINED);
    if (c->poll_rc_ != EMHTTP_OK) {
        return c->poll_rc_;
    }
    return c->queue_ != NULL ? EMHTTP_PENDING : EMHTTP_OK;
}

unsigned emhttp_wait_flags(const emhttp_client *c)
{
    switch ((state)c->state_) {
    case ST_RESOLVING: return EMHTTP_WAIT_RESOLVE;
    case ST_CONNECTING: return tr_want(c, EMHTTP_WAIT_WRITE);
    case ST_HANDSHAKE: return tr_want(c, 0);
#if CONFIG_EMHTTP_EXPECT
    case ST_CONTINUE: return tr_want(c, EMHTTP_WAIT_READ);
#endif
#if CONFIG_EMHTTP_PIPELINING
    case ST_SENDING: /* and receiving while responses are pending */
        if (STREAM_WAITS(c)) {
            return 0u; /* the producer has nothing ready: its data's arrival wakes */
        }
        return tr_want(c, c->rx_req_ != NULL ? EMHTTP_WAIT_WRITE | EMHTTP_WAIT_READ
                                             : EMHTTP_WAIT_WRITE);
    case ST_RECEIVING:
        return (c->pflags_ & PF_RXLEFT) ? EMHTTP_WAIT_NOW : tr_want(c, EMHTTP_WAIT_READ);
#else
#if CONFIG_EMHTTP_EXPECT /* the body after 100: its response is read meanwhile */
    case ST_SENDING:
        return STREAM_WAITS(c) ? 0u
                               : tr_want(c, c->rx_req_ != NULL ? EMHTTP_WAIT_WRITE | EMHTTP_WAIT_READ
                                                               : EMHTTP_WAIT_WRITE);
#else
    case ST_SENDING: return STREAM_WAITS(c) ? 0u : tr_want(c, EMHTTP_WAIT_WRITE);
#endif
    case ST_RECEIVING: return tr_want(c, EMHTTP_WAIT_READ);
#endif
    default: return c->queue_ != NULL ? EMHTTP_WAIT_NOW : 0u; /* IDLE, READY */
    }
}

uint32_t emhttp_next_timeout_ms(const emhttp_client *c)
{
    if (emhttp_wait_flags(c) & EMHTTP_WAIT_NOW) {
        return 0;
    }
    if (c->queue_ == NULL || c->state_ == ST_IDLE || c->state_ == ST_READY ||
        c->due_len_ == NO_LIMIT) {
        return UINT32_MAX;
    }
    /* Measured from the last poll's clock reading: the caller waits right
     * after polling, so that reading is current to well within a ms. */
    uint32_t spent = (uint32_t)(c->now_ - c->t_armed_);
    return spent >= c->due_len_ ? 0 : c->due_len_ - spent;
}

int emhttp_request_sync(emhttp_client *c, emhttp_request *req)
{
    if (c == NULL || c->net_.ops->wait == NULL) {
        return EMHTTP_ERR_ARG;
    }
    if (c->flags_ & CF_IN_POLL) {
        return EMHTTP_ERR_BUSY;
    }
    int rc = emhttp_submit(c, req);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    for (;;) {
        (void)emhttp_poll(c);
        if (req->result != EMHTTP_PENDING) {
            return req->result;
        }
        unsigned flags = emhttp_wait_flags(c);
#if CONFIG_EMHTTP_BODY_STREAM
        if (STREAM_WAITS(c)) {
            flags = EMHTTP_WAIT_NOW; /* a producer waits for another task: ask it again */
        }
#endif
        if (!(flags & EMHTTP_WAIT_NOW)) {
            c->net_.ops->wait(c->net_.ctx, flags, emhttp_next_timeout_ms(c));
        }
    }
}

void emhttp_client_close(emhttp_client *c)
{
    if (c == NULL) {
        return;
    }
    uint8_t outer = (uint8_t)(c->flags_ & CF_IN_POLL); /* its callbacks may not poll either */
    c->flags_ |= CF_IN_POLL;
    c->gen_++;
    /* Detach the queue first: what is submitted from here on waits for the
     * next poll; a nested close (from a completion) joins the same list. */
    for (emhttp_request *r = c->queue_; r != NULL; r = r->next_) {
        r->flags_ |= RQ_CLOSING;
    }
    if (c->queue_ != NULL) { /* (in front of what a closing caller has left) */
        c->tail_->next_ = c->closing_;
        c->closing_ = c->queue_;
        c->queue_ = c->tail_ = NULL;
    }
    close_conn(c, EMHTTP_OK); /* also cancels a running resolution */
    emhttp_request *r;
    while ((r = c->closing_) != NULL) {
        c->closing_ = r->next_;
        r->next_ = NULL;
        complete(c, r, EMHTTP_ERR_CANCELLED);
    }
    c->flags_ = (uint8_t)((c->flags_ & ~CF_IN_POLL) | outer);
}

#if CONFIG_EMHTTP_REDIRECTS
int emhttp_client_set_origin(emhttp_client *c, const emhttp_origin *o)
{
    if (c == NULL || o == NULL || o->host == NULL) {
        return EMHTTP_ERR_ARG;
    }
    if (c->queue_ != NULL || c->closing_ != NULL || (c->flags_ & CF_IN_POLL)) {
        return EMHTTP_ERR_BUSY;
    }
    emhttp_transport tr = o->transport.ops != NULL ? o->transport : c->tr_;
    if (!transport_ok(tr.ops) || ((tr.ops->flags & EMHTTP_TRANSPORT_SECURE) != 0) !=
                                     (o->scheme == EMHTTP_SCHEME_HTTPS)) {
        return EMHTTP_ERR_ARG;
    }
    size_t len = host_len(o->host);
    if (len == 0) {
        return EMHTTP_ERR_URL;
    }
    c->flags_ |= CF_IN_POLL; /* (the close event's hook may not poll) */
    close_conn(c, EMHTTP_OK);
    c->flags_ &= (uint8_t)~CF_IN_POLL;
    uint16_t default_port = o->scheme == EMHTTP_SCHEME_HTTPS ? 443 : 80;
    c->host_ = o->host;
    c->host_len_ = (uint8_t)len;
    c->port_ = o->port != 0 ? o->port : default_port;
    c->host_port_ = c->port_ == default_port ? 0 : c->port_;
    c->scheme_ = (uint8_t)o->scheme;
    c->tr_ = tr;
    c->flags_ &= (uint8_t)~(CF_DNS_VALID | CF_FIXED_ADDR);
    c->naddrs_ = 0;
    c->addr_idx_ = 0;
    return EMHTTP_OK;
}
#endif

#if CONFIG_EMHTTP_STATS
const emhttp_stats *emhttp_client_stats(const emhttp_client *c) { return &c->stats_; }
#endif
