/*
 * The callback contract (client.h at emhttp_response_cbs, outbox.h): from
 * inside every callback - on_status, on_header, on_body, on_complete, the
 * event hook, the outbox's done and encode callbacks - the application may
 * call emhttp_submit(), emhttp_cancel() and emhttp_client_close(); each has
 * one documented result and none touches freed or moved state.
 *
 * A matrix: callback x point of a response x action, every combination
 * that exists, each on a fresh client over a scripted mock transport and
 * port (fault injection: a callback at an exact byte of a response is what
 * no real peer arranges on demand).  Run it under ASan+UBSan (the asan
 * build of tests/run-all.sh): a touch of freed or moved state is a report
 * there; here every cell checks
 *  - every submitted request completes exactly once, and no callback of a
 *    request runs after its on_complete (nor before its submission);
 *  - the action's documented result: submit -> EMHTTP_OK, or
 *    EMHTTP_ERR_BUSY while the request is still queued; cancel ->
 *    EMHTTP_OK and the request completed inside the call with
 *    EMHTTP_ERR_CANCELLED, or EMHTTP_ERR_ARG when it is not queued;
 *    close -> every request queued at the call completed inside it with
 *    EMHTTP_ERR_CANCELLED, exactly once; one re-submitted from its
 *    on_complete meanwhile is not completed by that close, goes out later
 *    and succeeds;
 *  - every other completion carries the response's own result;
 *  - emhttp_poll() and emhttp_request_sync() from inside a callback that
 *    runs inside emhttp_poll() return EMHTTP_ERR_BUSY;
 *  - the transport and the resolver are used as their contracts say (no
 *    send/recv on a closed connection, no resolve_poll without a query);
 *  - the loop ends within a bounded number of polls (including close
 *    with an on_complete that re-submits on every error), and the client
 *    serves a fresh request afterwards.
 * One line per cell, then the count; any failure fails the test.
 *
 * The mock server answers each request by its target, one response
 * segment per emhttp_poll() (so every callback point is a separate
 * receive):
 *   /cl        200, Content-Length 30: head | 10 | 10 | 10 (last byte)
 *   /cl-one    the same in one receive (callbacks after one that acted)
 *   /chunked   200, chunked: head | chunk | chunk | chunk + last-chunk
 *   /chunked-two  head | two chunks | chunk + last-chunk
 *   /badchunk  200, chunked: head | chunk | "zz" (EMHTTP_ERR_BAD_CHUNK)
 *   /reset     500, Content-Length 30: head | 10 | reset (EMHTTP_ERR_RESET)
 *   /close     200 "ok" with Connection: close
 *   /dead      the first time: EOF before any byte (a dead reused
 *              connection: re-sent); then as any other
 *   /rd        302 to /cl (the client follows it on the same connection)
 *   /away      302 to http://other.test:8080/cl (a detour to another
 *              origin: closed, resolved, connected; back home after)
 *   anything else: 200 "ok", kept alive.
 */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emhttp/client.h"
#include "emhttp/outbox.h"
#include "mock_net.h"

/* ---- the server, over the shared mock port and transport (mock_net.h) --- */

enum { SEG_DATA, SEG_EOF, SEG_RESET };

typedef struct {
    int type;
    const char *data;
} seg;

#define MAX_SEGS 64

/* The test's server on the mock's connection: it answers each request it
 * has received whole, one segment a poll (before_recv pushes the next
 * one once everything before it was read). */
typedef struct {
    char in[4096];         /* request bytes received, not yet answered */
    size_t in_len;
    seg out[MAX_SEGS];     /* response segments queued on the connection */
    int nout, next;
    bool dead_served;      /* /dead answered with EOF once */
    unsigned epoch, delivered; /* one segment per poll */
} server;

static server M;

#define HEAD_CHUNKED "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
static const seg R_CL[] = {{SEG_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\nX-A: 1\r\n\r\n"},
                           {SEG_DATA, "0123456789"},
                           {SEG_DATA, "abcdefghij"},
                           {SEG_DATA, "ABCDEFGHIJ"}};
static const seg R_CHUNKED[] = {{SEG_DATA, HEAD_CHUNKED},
                                {SEG_DATA, "a\r\n0123456789\r\n"},
                                {SEG_DATA, "a\r\nabcdefghij\r\n"},
                                {SEG_DATA, "a\r\nABCDEFGHIJ\r\n0\r\n\r\n"}};
static const seg R_BADCHUNK[] = {{SEG_DATA, HEAD_CHUNKED},
                                 {SEG_DATA, "a\r\n0123456789\r\n"},
                                 {SEG_DATA, "zz\r\n"}};
static const seg R_RESET[] = {
    {SEG_DATA, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 30\r\n\r\n"},
    {SEG_DATA, "0123456789"},
    {SEG_RESET, NULL}};
/* Several callbacks in one receive: the head's last header and the body;
 * two chunks */
static const seg R_CL_ONE[] = {{SEG_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n"
                                          "0123456789abcdefghijABCDEFGHIJ"}};
static const seg R_CHUNKED_TWO[] = {{SEG_DATA, HEAD_CHUNKED},
                                    {SEG_DATA, "a\r\n0123456789\r\na\r\nabcdefghij\r\n"},
                                    {SEG_DATA, "a\r\nABCDEFGHIJ\r\n0\r\n\r\n"}};
static const seg R_OK[] = {{SEG_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}};
static const seg R_CLOSE[] = {
    {SEG_DATA, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"}};
static const seg R_DEAD[] = {{SEG_EOF, NULL}};
static const seg R_RD[] = {
    {SEG_DATA, "HTTP/1.1 302 Found\r\nLocation: /cl\r\nContent-Length: 5\r\n\r\nmoved"}};
static const seg R_AWAY[] = {{SEG_DATA, "HTTP/1.1 302 Found\r\nLocation: http://other.test:8080/cl"
                                        "\r\nContent-Length: 5\r\n\r\nmoved"}};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void respond(const char *target, size_t len)
{
    const seg *r = R_OK;
    size_t n = N_OF(R_OK);
#define IS(t) (len == strlen(t) && memcmp(target, (t), len) == 0)
    if (IS("/cl")) {
        r = R_CL, n = N_OF(R_CL);
    } else if (IS("/cl-one")) {
        r = R_CL_ONE, n = N_OF(R_CL_ONE);
    } else if (IS("/chunked-two")) {
        r = R_CHUNKED_TWO, n = N_OF(R_CHUNKED_TWO);
    } else if (IS("/chunked")) {
        r = R_CHUNKED, n = N_OF(R_CHUNKED);
    } else if (IS("/badchunk")) {
        r = R_BADCHUNK, n = N_OF(R_BADCHUNK);
    } else if (IS("/reset")) {
        r = R_RESET, n = N_OF(R_RESET);
    } else if (IS("/close")) {
        r = R_CLOSE, n = N_OF(R_CLOSE);
    } else if (IS("/rd")) {
        r = R_RD, n = N_OF(R_RD);
    } else if (IS("/away")) {
        r = R_AWAY, n = N_OF(R_AWAY);
    } else if (IS("/dead") && !M.dead_served) {
        M.dead_served = true;
        r = R_DEAD, n = N_OF(R_DEAD);
    }
#undef IS
    for (size_t i = 0; i < n && M.nout < MAX_SEGS; i++) {
        M.out[M.nout++] = r[i];
    }
}

/* Answer every complete request received (head, and its body if any). */
static void serve(void)
{
    for (;;) {
        const char *end = memmem(M.in, M.in_len, "\r\n\r\n", 4);
        if (end == NULL) {
            return;
        }
        size_t head = (size_t)(end + 4 - M.in), body = 0;
        const char *cl = memmem(M.in, head, "Content-Length: ", 16);
        if (cl != NULL) {
            body = strtoul(cl + 16, NULL, 10);
        }
        if (M.in_len < head + body) {
            return;
        }
        const char *t = memchr(M.in, ' ', head);
        const char *te = t != NULL ? memchr(t + 1, ' ', head - (size_t)(t + 1 - M.in)) : NULL;
        if (te == NULL) {
            MN.misuse++; /* not a request line */
            return;
        }
        respond(t + 1, (size_t)(te - t - 1));
        memmove(M.in, M.in + head + body, M.in_len - head - body);
        M.in_len -= head + body;
    }
}

/* A new connection: a fresh server (nothing received, nothing to send). */
static void on_connect(void)
{
    M.in_len = 0;
    M.nout = M.next = 0;
}

static void on_bytes(const uint8_t *p, size_t n)
{
    if (M.in_len + n > sizeof M.in) {
        MN.misuse++;
        return;
    }
    memcpy(M.in + M.in_len, p, n);
    M.in_len += n;
    serve();
}

/* The next segment arrives when the last one was read, once per poll; an
 * end (EOF, reset) is sticky until the connection closes. */
static long before_recv(void)
{
    if (M.next < M.nout && M.delivered != M.epoch && MN.in_rd == MN.in_wr && MN.in_end == 0) {
        const seg *g = &M.out[M.next++];
        M.delivered = M.epoch;
        if (g->type == SEG_DATA) {
            mn_push_str(g->data);
        } else {
            mn_end(g->type == SEG_EOF ? EMHTTP_ERR_CLOSED : EMHTTP_ERR_RESET);
        }
    }
    return 1;
}

/* (wait: only so that emhttp_request_sync() gets as far as its busy check) */
static int no_wait(unsigned flags, uint32_t timeout_ms)
{
    (void)flags;
    (void)timeout_ms;
    MN.misuse++; /* never reached: the test polls itself */
    return EMHTTP_OK;
}

/* A fresh mock and server: the clock stands still (no deadline passes, the
 * loop bound catches a hang), every connect completes on its first poll. */
static void mock_start(void)
{
    mn_reset();
    memset(&M, 0, sizeof M);
    mn_connect_all(EMHTTP_PENDING);
    MN.connect_poll_rc = EMHTTP_OK;
    MN.server = on_bytes;
    MN.on_connect = on_connect;
    MN.before_recv = before_recv;
    MN.wait = no_wait;
}

/* ---- tracked requests ----------------------------------------------------- */

typedef struct treq {
    emhttp_request req;   /* plain requests; an outbox job's is its slot's */
    emhttp_request *rp;   /* the request the client sees */
    const char *name;
    bool outbox;          /* an outbox job: never re-submitted by the test */
    bool live;            /* submitted (or queued in the outbox), not completed */
    bool in_client;       /* on the client's queue (an outbox job: once pumped) */
    bool encoded;         /* an outbox job: encoded */
    int submits, completes, dones;
    int natural;          /* result of its first run when nothing intervenes */
    int last_result;
    /* per run */
    int headers, bodies;
    size_t body_len;
    bool got_status;
    /* problems */
    int stray_cb;         /* a callback while not live, or on_body before on_status */
    int wrong_result;
    int completes_at_entry; /* snapshot taken when an action starts */
    bool queued_at_entry;
} treq;

static treq T_P, T_R, T_Q, T_N, T_O, T_F;
static treq *const ALL[] = {&T_P, &T_R, &T_Q, &T_N, &T_O, &T_F};
#define N_ALL ((int)N_OF(ALL))

/* ---- cells ------------------------------------------------------------------ */

typedef enum {
    CB_STATUS,
    CB_HEADER,
    CB_BODY,
    CB_COMPLETE,
    CB_EVENT,
    CB_DONE,
    CB_ENCODE
} cb_kind;

typedef enum {
    ACT_SUBMIT_NEW,
    ACT_SUBMIT_SELF,   /* from on_complete: the re-submission the contract allows */
    ACT_CANCEL_SELF,
    ACT_CANCEL_OTHER,  /* Q, queued behind */
    ACT_CLOSE,
    ACT_CLOSE_RESUBMIT, /* close; every on_complete re-submits on any error */
    ACT_CLOSE_NESTED,  /* close; R's completion inside it cancels Q (being
                          completed by that close) and closes again */
    N_ACTIONS
} action;

static const char *const action_name[N_ACTIONS] = {
    "submit-new", "submit-self", "cancel-self", "cancel-other",
    "close",      "close+resubmit-on-error",    "close+nested-cancel-close"};

typedef struct {
    cb_kind cb;
    const char *point; /* printed */
    const char *target; /* R's */
    int body_idx;      /* CB_BODY: which piece; CB_ENCODE: after which piece (-1: head) */
    int ev;            /* CB_EVENT */
    bool needs_p;      /* a first request P opens the connection (REUSE, RECONNECT) */
    bool outbox_r;     /* R is an outbox job */
    bool fail_job;     /* ... whose encoder fails */
} point;

static struct {
    const point *pt;
    action act;
    bool armed, fired;
    bool in_poll;      /* inside the test's emhttp_poll() call */
    int in_action;     /* inside a cancel/close made by the cell's action */
    bool nested_pending;
    int busy_checks;
} X;

static emhttp_client cli;
static uint8_t tx[512], rx[512];
static emhttp_outbox ob;
static uint8_t slot_buf[2][512];
static emhttp_outbox_slot slots[2];

static size_t expect_len(const char *target)
{
    return strcmp(target, "/cl") == 0 || strcmp(target, "/cl-one") == 0 ||
                   strncmp(target, "/chunked", 8) == 0 || strcmp(target, "/rd") == 0 ||
                   strcmp(target, "/away") == 0 /* (redirected to /cl) */
               ? 30
               : 2;
}

static void start_run(treq *t)
{
    t->live = true;
    t->in_client = !t->outbox;
    t->submits++;
    t->headers = t->bodies = 0;
    t->body_len = 0;
    t->got_status = false;
}

static int tsubmit(treq *t, const char *target)
{
    t->req.target = target;
    int rc = emhttp_submit(&cli, &t->req);
    CHECK_EQ_INT(rc, EMHTTP_OK);
    if (rc == EMHTTP_OK) {
        start_run(t);
    }
    return rc;
}

/* Inside a callback the client runs - inside emhttp_poll(), or inside an
 * emhttp_cancel() / emhttp_client_close() the cell's action made, also
 * from outside a poll (the encode callback, a failed job's done) -
 * polling is refused and does nothing.  (The outbox's own callbacks
 * outside the client are not its to refuse: not checked there.) */
static void check_busy(void)
{
    static emhttp_request spare;
    if (X.in_poll || X.in_action > 0) {
        spare = (emhttp_request){.target = "/spare", .result = 12345};
        int rc = emhttp_poll(&cli);
        CHECK_EQ_INT(rc, EMHTTP_ERR_BUSY);
        if (rc == EMHTTP_ERR_BUSY) { /* (else it would block in here) */
            CHECK_EQ_INT(emhttp_request_sync(&cli, &spare), EMHTTP_ERR_BUSY);
            CHECK_EQ_INT(spare.result, 12345); /* not queued by it */
        }
        X.busy_checks++;
    }
}

static void snapshot(void)
{
    for (int i = 0; i < N_ALL; i++) {
        ALL[i]->completes_at_entry = ALL[i]->completes;
        ALL[i]->queued_at_entry = ALL[i]->live && ALL[i]->in_client;
    }
}

static void cancel_one(treq *t)
{
    bool was = t->live;
    int c0 = t->completes;
    X.in_action++;
    int rc = emhttp_cancel(&cli, t->rp);
    X.in_action--;
    CHECK_EQ_INT(rc, was ? EMHTTP_OK : EMHTTP_ERR_ARG);
    CHECK_EQ_INT(t->completes, c0 + (was ? 1 : 0)); /* completed inside the call, once */
    if (was) {
        CHECK_EQ_INT(t->last_result, EMHTTP_ERR_CANCELLED);
        CHECK_EQ_INT(t->rp->result, EMHTTP_ERR_CANCELLED);
        CHECK(!t->live);
    }
}

static void close_all(void)
{
    snapshot();
    X.in_action++;
    emhttp_client_close(&cli);
    X.in_action--;
    for (int i = 0; i < N_ALL; i++) {
        treq *t = ALL[i];
        /* each request queued at the call: completed inside it, exactly once
         * (an outbox job not yet handed to the client is not the client's) */
        CHECK_EQ_INT(t->completes - t->completes_at_entry, t->queued_at_entry ? 1 : 0);
        if (X.act == ACT_CLOSE_RESUBMIT && t->queued_at_entry && !t->outbox) {
            CHECK(t->live); /* re-submitted from its on_complete: left queued */
        } else if (t->queued_at_entry) {
            CHECK(!t->live);
        }
    }
}

/* The cell's action, from inside the callback of request @p self. */
static void act(treq *self)
{
    X.fired = true;
    switch (X.act) {
    case ACT_SUBMIT_NEW:
        tsubmit(&T_N, "/n");
        break;
    case ACT_SUBMIT_SELF: {
        bool was = self->live;
        if (!was) {
            self->req.target = "/ok"; /* the request is the caller's again: reuse it */
        }
        int rc = emhttp_submit(&cli, self->rp);
        CHECK_EQ_INT(rc, was ? EMHTTP_ERR_BUSY : EMHTTP_OK);
        if (rc == EMHTTP_OK) {
            start_run(self);
        }
        break;
    }
    case ACT_CANCEL_SELF:
        cancel_one(self);
        break;
    case ACT_CANCEL_OTHER:
        CHECK(T_Q.live); /* (the cell needs it queued) */
        cancel_one(&T_Q);
        break;
    case ACT_CLOSE:
    case ACT_CLOSE_RESUBMIT:
        close_all();
        break;
    case ACT_CLOSE_NESTED:
        CHECK(self->live && T_Q.live); /* (the cell needs both queued) */
        X.nested_pending = true;
        close_all();
        CHECK(!X.nested_pending);
        break;
    default:
        break;
    }
}

/* More completions of one request than any cell makes: a loop. */
#define MAX_RUNS 8

static bool is_trigger(const treq *t, cb_kind cb)
{
    return X.armed && !X.fired && X.pt->cb == cb && t == &T_R;
}

static void stray_check(treq *t)
{
    if (!t->live) {
        t->stray_cb++;
        fprintf(stderr, "  callback of %s while not queued\n", t->name);
    }
}

static int cb_status(emhttp_request *req, int status, const char *reason, size_t len)
{
    treq *t = req->user;
    (void)reason;
    (void)len;
    stray_check(t);
    check_busy();
    CHECK_EQ_INT(req->status, status);
    t->got_status = true;
    if (is_trigger(t, CB_STATUS)) {
        act(t);
    }
    return 0;
}

static int cb_header(emhttp_request *req, const char *n, size_t nl, const char *v, size_t vl)
{
    treq *t = req->user;
    (void)n;
    (void)nl;
    (void)v;
    (void)vl;
    stray_check(t);
    check_busy();
    if (!t->got_status) {
        t->stray_cb++;
    }
    if (t->headers++ == 0 && is_trigger(t, CB_HEADER)) {
        act(t);
    }
    return 0;
}

static int cb_body(emhttp_request *req, const uint8_t *d, size_t len)
{
    treq *t = req->user;
    (void)d;
    stray_check(t);
    check_busy();
    if (!t->got_status) {
        t->stray_cb++;
    }
    t->body_len += len;
    if (t->bodies++ == X.pt->body_idx && is_trigger(t, CB_BODY)) {
        act(t);
    }
    return 0;
}

static void cb_complete(emhttp_request *req, int result)
{
    treq *t = req->user;
    stray_check(t);
    check_busy();
    CHECK_EQ_INT(req->result, result);
    int run = t->completes;
    t->live = false;
    t->completes++;
    t->last_result = result;
    int want;
    if (X.in_action > 0) {
        want = EMHTTP_ERR_CANCELLED; /* completed by the action's cancel or close */
    } else {
        want = run == 0 ? t->natural : EMHTTP_OK; /* later runs go to /ok */
    }
    if (result != want) {
        t->wrong_result++;
        fprintf(stderr, "  %s run %d: result %d, want %d\n", t->name, run, result, want);
    }
    if (result == EMHTTP_OK) {
        CHECK_EQ_INT(req->status, 200);
        CHECK_EQ_INT(t->body_len, expect_len(req->target)); /* every byte, no more */
    }
    if (is_trigger(t, CB_COMPLETE)) {
        act(t);
    }
    if (X.act == ACT_CLOSE_NESTED && X.nested_pending && t == &T_R && X.in_action > 0) {
        X.nested_pending = false;
        /* Q is on the list close is completing: cancel takes it off */
        cancel_one(&T_Q);
        X.in_action++;
        emhttp_client_close(&cli); /* nested: nothing left to complete twice */
        X.in_action--;
    }
    if (t->completes > MAX_RUNS) { /* e.g. a close that completes what its completions submit */
        CHECK(!"a request completed over and over");
        return;
    }
    if (X.act == ACT_CLOSE_RESUBMIT && result < 0 && !t->outbox && !t->live) {
        t->req.target = "/ok";
        int rc = emhttp_submit(&cli, &t->req);
        CHECK_EQ_INT(rc, EMHTTP_OK);
        if (rc == EMHTTP_OK) {
            start_run(t);
        }
    }
}

static const emhttp_response_cbs track_cbs = {cb_status, cb_header, cb_body, cb_complete};

#if CONFIG_EMHTTP_EVENTS
static void cb_event(void *arg, emhttp_event ev, const emhttp_ip_addr *addr, int code)
{
    (void)arg;
    (void)addr;
    (void)code;
    check_busy();
    if (X.armed && !X.fired && X.pt->cb == CB_EVENT && (int)ev == X.pt->ev) {
        act(&T_R); /* the request the connection is for */
    }
}
#endif

/* ---- the outbox ----------------------------------------------------------- */

static long enc_body(void *arg, uint8_t *buf, size_t size)
{
    (void)arg;
    if (size < 2) {
        return EMHTTP_ERR_JSON_OVERFLOW;
    }
    memcpy(buf, "{}", 2);
    return 2;
}

static long enc_fail(void *arg, uint8_t *buf, size_t size)
{
    (void)arg;
    (void)buf;
    (void)size;
    return EMHTTP_ERR_JSON_OVERFLOW;
}

/* The encode callback of a job queued between two polls: the action runs
 * there (the idle task is the loop, as in a super-loop). */
static long enc_trigger(void *arg, uint8_t *buf, size_t size)
{
    act(arg);
    return enc_body(NULL, buf, size);
}

static void cb_done(void *arg, int result, int status)
{
    treq *t = arg;
    check_busy();
    t->dones++;
    CHECK(!t->live);                     /* after its response callbacks' completion */
    CHECK_EQ_INT(t->dones, t->completes); /* once per job */
    CHECK_EQ_INT(result, t->last_result);
    if (result == EMHTTP_OK) {
        CHECK_EQ_INT(status, 200);
    }
    if (X.armed && !X.fired && X.pt->cb == CB_DONE && t == &T_R) {
        act(t);
    }
}

static void queue_job(treq *t, const char *target, emhttp_encode_fn enc, void *enc_arg)
{
    emhttp_outbox_job job = {.target = target, .encode = enc, .encode_arg = enc_arg,
                             .cbs = &track_cbs, .user = t, .done = cb_done, .done_arg = t};
    t->outbox = true;
    /* the slot's request is what the client and the callbacks see (the test
     * peeks at the ring's private index only to know which slot) */
    t->rp = &slots[ob.queue_idx_ % ob.n_].req_;
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_OK);
    start_run(t);
}

/* ---- running a cell --------------------------------------------------------- */

#define MAX_POLLS 400

static bool anything_live(void)
{
    for (int i = 0; i < N_ALL; i++) {
        if (ALL[i]->live) {
            return true;
        }
    }
    return emhttp_outbox_used(&ob) != 0;
}

/* After a poll: has R reached the point where the encode cell acts? */
static void encode_trigger(void)
{
    const point *pt = X.pt;
    if (!X.armed || X.fired || pt->cb != CB_ENCODE || !T_R.live) {
        return;
    }
    if (pt->body_idx < 0 ? T_R.got_status : T_R.bodies > pt->body_idx) {
        queue_job(&T_O, "/o", enc_trigger, &T_R);
        CHECK(emhttp_outbox_encode(&ob)); /* runs the action */
        T_O.encoded = true;
    }
}

/* emhttp_outbox_pump(): the encoded jobs are on the client's queue now. */
static size_t pump(void)
{
    size_t n = emhttp_outbox_pump(&ob, &cli);
    for (int i = 0; n > 0 && i < N_ALL; i++) {
        if (ALL[i]->outbox && ALL[i]->live && ALL[i]->encoded) {
            ALL[i]->in_client = true;
        }
    }
    return n;
}

/* Poll until nothing is queued, within MAX_POLLS. */
static bool drive(void)
{
    for (int i = 0; i < MAX_POLLS; i++) {
        if (!anything_live()) {
            CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_OK); /* and the client agrees */
            return true;
        }
        M.epoch++;
        X.in_poll = true;
        int rc = emhttp_poll(&cli);
        X.in_poll = false;
        CHECK(rc != EMHTTP_ERR_BUSY);
        (void)pump();
        encode_trigger();
        (void)pump();
    }
    return false;
}

static void treq_init(treq *t, const char *name, int natural)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->rp = &t->req;
    t->req.cbs = &track_cbs;
    t->req.user = t;
    t->natural = natural;
}

static int natural_of(const char *target)
{
    if (strcmp(target, "/badchunk") == 0) {
        return EMHTTP_ERR_BAD_CHUNK;
    }
    if (strcmp(target, "/reset") == 0) {
        return EMHTTP_ERR_RESET;
    }
    return EMHTTP_OK;
}

static int cells, cells_failed;

static void run_cell(const point *pt, action a)
{
    unsigned long f0 = check_failed_;
    mock_start();
    memset(&X, 0, sizeof X);
    X.pt = pt;
    X.act = a;
    treq_init(&T_P, "P", EMHTTP_OK);
    treq_init(&T_R, "R", pt->fail_job ? EMHTTP_ERR_JSON_OVERFLOW : natural_of(pt->target));
    treq_init(&T_Q, "Q", EMHTTP_OK);
    treq_init(&T_N, "N", EMHTTP_OK);
    treq_init(&T_O, "O", EMHTTP_OK);
    treq_init(&T_F, "F", EMHTTP_OK);
    T_F.req.result = EMHTTP_OK; /* (not pending: never submitted yet) */

    emhttp_config cfg = {.host = "api.test", .port = 8080, .net = mn_port,
                         .transport = mn_transport(&mn_tcp), .tx_buf = tx, .tx_size = sizeof tx,
                         .rx_buf = rx, .rx_size = sizeof rx};
#if CONFIG_EMHTTP_EVENTS
    cfg.on_event = cb_event;
#endif
#if CONFIG_EMHTTP_REDIRECTS
    static char redirect_buf[256];
    cfg.max_redirects = 2;
    cfg.redirect_other_origins = true;
    cfg.redirect_buf = redirect_buf;
    cfg.redirect_size = sizeof redirect_buf;
#endif
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    for (int i = 0; i < 2; i++) {
        slots[i] = (emhttp_outbox_slot){.buf = slot_buf[i], .size = sizeof slot_buf[i]};
    }
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, 2, &cli), EMHTTP_OK);

    if (pt->needs_p) { /* an open connection for R to reuse */
        tsubmit(&T_P, "/p");
        CHECK(drive());
    }
    X.armed = true;
    if (pt->outbox_r) {
        if (pt->fail_job) {
            tsubmit(&T_Q, "/q"); /* the failed job is reported by pump, before Q runs */
        }
        queue_job(&T_R, pt->target, pt->fail_job ? enc_fail : enc_body, NULL);
        CHECK(emhttp_outbox_encode(&ob));
        T_R.encoded = !pt->fail_job;
        CHECK_EQ_INT(pump(), pt->fail_job ? 0 : 1);
        if (!pt->fail_job) {
            tsubmit(&T_Q, "/q");
        }
    } else {
        tsubmit(&T_R, pt->target);
        tsubmit(&T_Q, "/q");
    }
    bool ended = drive();
    CHECK(ended); /* the loop terminates */
    CHECK(X.fired); /* the cell's callback ran at its point */
    X.armed = false;

    /* the client is usable: a fresh request succeeds */
    tsubmit(&T_F, "/f");
    CHECK(drive());
    CHECK_EQ_INT(T_F.completes, 1);
    CHECK_EQ_INT(T_F.last_result, EMHTTP_OK);

    for (int i = 0; i < N_ALL; i++) {
        treq *t = ALL[i];
        if (t->completes != t->submits || t->live || t->stray_cb || t->wrong_result) {
            fprintf(stderr, "  %s: %d submitted, %d completed, live %d, stray callbacks %d, "
                            "wrong results %d\n",
                    t->name, t->submits, t->completes, t->live, t->stray_cb, t->wrong_result);
        }
        CHECK_EQ_INT(t->completes, t->submits); /* each submission completes exactly once */
        CHECK(!t->live);
        CHECK_EQ_INT(t->stray_cb, 0);
        CHECK_EQ_INT(t->wrong_result, 0);
        if (t->outbox) {
            CHECK_EQ_INT(t->dones, 1);
        }
    }
    CHECK_EQ_INT(MN.misuse, 0);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
    if (pt->cb != CB_ENCODE && !(pt->cb == CB_DONE && pt->fail_job)) {
        CHECK(X.busy_checks > 0); /* (the callbacks ran inside emhttp_poll()) */
    }

    bool ok = check_failed_ == f0;
    cells++;
    cells_failed += !ok;
    printf("%s %s %s: %s\n",
           pt->cb == CB_STATUS     ? "on_status"
           : pt->cb == CB_HEADER   ? "on_header"
           : pt->cb == CB_BODY     ? "on_body"
           : pt->cb == CB_COMPLETE ? "on_complete"
           : pt->cb == CB_EVENT    ? "event"
           : pt->cb == CB_DONE     ? "outbox-done"
                                   : "outbox-encode",
           pt->point, action_name[a], ok ? "ok" : "FAILED");
    fflush(stdout);
}

/* The points of a response, per callback; R's target chooses the response. */
static const point POINTS[] = {
    {CB_STATUS, "head", "/cl", 0, 0, false, false, false},
    {CB_HEADER, "head", "/cl", 0, 0, false, false, false},
    {CB_BODY, "first-piece", "/cl", 0, 0, false, false, false},
    {CB_BODY, "mid-body", "/cl", 1, 0, false, false, false},
    {CB_BODY, "last-byte", "/cl", 2, 0, false, false, false},
    {CB_HEADER, "head+body-in-one-recv", "/cl-one", 0, 0, false, false, false},
    {CB_BODY, "head+body-in-one-recv", "/cl-one", 0, 0, false, false, false},
    {CB_COMPLETE, "last-byte", "/cl", 0, 0, false, false, false},
    {CB_COMPLETE, "conn-close", "/close", 0, 0, false, false, false},
#if CONFIG_EMHTTP_CHUNKED
    {CB_STATUS, "chunked-head", "/chunked", 0, 0, false, false, false},
    {CB_HEADER, "chunked-head", "/chunked", 0, 0, false, false, false},
    {CB_BODY, "chunked-first", "/chunked", 0, 0, false, false, false},
    {CB_BODY, "chunked-mid", "/chunked", 1, 0, false, false, false},
    {CB_BODY, "chunked-last-byte", "/chunked", 2, 0, false, false, false},
    {CB_BODY, "chunked-two-in-one-recv", "/chunked-two", 0, 0, false, false, false},
    {CB_COMPLETE, "chunked", "/chunked", 0, 0, false, false, false},
    {CB_BODY, "error-bad-chunk", "/badchunk", 0, 0, false, false, false},
    {CB_COMPLETE, "error-bad-chunk", "/badchunk", 0, 0, false, false, false},
#endif
    {CB_STATUS, "error-500", "/reset", 0, 0, false, false, false},
    {CB_HEADER, "error-500", "/reset", 0, 0, false, false, false},
    {CB_BODY, "error-before-reset", "/reset", 0, 0, false, false, false},
    {CB_COMPLETE, "error-reset", "/reset", 0, 0, false, false, false},
#if CONFIG_EMHTTP_EVENTS
    {CB_EVENT, "RESOLVE", "/cl", 0, EMHTTP_EV_RESOLVE, false, false, false},
    {CB_EVENT, "RESOLVED", "/cl", 0, EMHTTP_EV_RESOLVED, false, false, false},
    {CB_EVENT, "CONNECT", "/cl", 0, EMHTTP_EV_CONNECT, false, false, false},
    {CB_EVENT, "CONNECTED", "/cl", 0, EMHTTP_EV_CONNECTED, false, false, false},
    {CB_EVENT, "REUSE", "/cl", 0, EMHTTP_EV_REUSE, true, false, false},
#if CONFIG_EMHTTP_RESEND
    {CB_EVENT, "RECONNECT", "/dead", 0, EMHTTP_EV_RECONNECT, true, false, false},
#endif
    {CB_EVENT, "CLOSE-error", "/reset", 0, EMHTTP_EV_CLOSE, false, false, false},
    {CB_EVENT, "CLOSE-conn-close", "/close", 0, EMHTTP_EV_CLOSE, false, false, false},
#endif
    {CB_DONE, "last-byte", "/cl", 0, 0, false, true, false},
#if CONFIG_EMHTTP_CHUNKED
    {CB_DONE, "chunked", "/chunked", 0, 0, false, true, false},
#endif
    {CB_DONE, "error-reset", "/reset", 0, 0, false, true, false},
    {CB_DONE, "job-failed", "/x", 0, 0, false, true, true},
    {CB_ENCODE, "head", "/cl", -1, 0, false, false, false},
    {CB_ENCODE, "mid-body", "/cl", 1, 0, false, false, false},
#if CONFIG_EMHTTP_CHUNKED
    {CB_ENCODE, "chunked-mid", "/chunked", 1, 0, false, false, false},
#endif
    {CB_ENCODE, "error-before-reset", "/reset", 0, 0, false, false, false},
#if CONFIG_EMHTTP_REDIRECTS
    {CB_STATUS, "after-redirect", "/rd", 0, 0, false, false, false},
    {CB_BODY, "after-redirect-last-byte", "/rd", 2, 0, false, false, false},
    {CB_COMPLETE, "after-redirect", "/rd", 0, 0, false, false, false},
    {CB_STATUS, "detour", "/away", 0, 0, false, false, false},
    {CB_BODY, "detour-last-byte", "/away", 2, 0, false, false, false},
    {CB_COMPLETE, "detour", "/away", 0, 0, false, false, false},
    {CB_DONE, "detour", "/away", 0, 0, false, true, false},
#if CONFIG_EMHTTP_EVENTS
    {CB_EVENT, "REUSE-redirect", "/rd", 0, EMHTTP_EV_REUSE, false, false, false},
    {CB_EVENT, "CLOSE-leaving-for-detour", "/away", 0, EMHTTP_EV_CLOSE, true, false, false},
    {CB_EVENT, "RESOLVE-detour", "/away", 0, EMHTTP_EV_RESOLVE, true, false, false},
    {CB_EVENT, "CONNECTED-detour", "/away", 0, EMHTTP_EV_CONNECTED, true, false, false},
#endif
#endif
};

/* Which actions exist at a point. */
static bool applies(const point *pt, action a)
{
    bool r_done = pt->cb == CB_COMPLETE || pt->cb == CB_DONE; /* R is complete there */
    if (a == ACT_SUBMIT_SELF && pt->outbox_r) {
        return false; /* an outbox job's request is the outbox's: never re-submitted */
    }
    if (a == ACT_CLOSE_NESTED && r_done) {
        return false; /* needs R completed by the close */
    }
    return true;
}

int main(void)
{
    for (size_t i = 0; i < N_OF(POINTS); i++) {
        for (int a = 0; a < N_ACTIONS; a++) {
            if (applies(&POINTS[i], (action)a)) {
                run_cell(&POINTS[i], (action)a);
            }
        }
    }
    printf("%d cells, %d ok, %d failed\n", cells, cells - cells_failed, cells_failed);
    return check_summary();
}
