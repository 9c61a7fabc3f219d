/*
 * Pipelining (CONFIG_EMHTTP_PIPELINING, emhttp_config.max_in_flight) over a
 * mock server inside the shared mock transport (support/mock_net.h).
 *
 * The mock parses the request heads the client writes and answers them in
 * order, one response per request (its body is the request's target), with
 * faults no real server produces on demand at an exact point: it closes
 * after every Nth response (announced with Connection: close, or not),
 * answers one request as HTTP/1.0, never answers one (a stall), stops
 * reading while the client does not read its responses (the pipelining
 * deadlock).  It logs every request it received with its connection;
 * every test checks that no request reached one connection twice, that
 * every request completed once, in submission order, and what it says.
 * The real servers are in tests/integration/test_pipeline.py.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emhttp/client.h"
#include "mock_net.h"

#define MAXREQ 64

typedef struct {
    /* policy */
    int close_after;  /* close the connection after this many responses (0 = never) */
    bool announce;    /* ... with Connection: close on the last one */
    bool reset;       /* ... as a reset rather than an orderly end */
    int http10_target;  /* answer this target as HTTP/1.0 (-1 = none) */
    int stall_target;   /* never answer this target (-1 = none) */
    int stall_times;    /* how many times to stall it (0 = always) */
    /* the connection (MN.connects: connections opened; its requests in
     * MN.sent from inoff, parsed up to there) */
    size_t inoff;
    int answered;       /* responses on this connection */
    bool closing;       /* the server ends the connection after its responses are read */
    bool stalled;       /* a stalled request: nothing more is answered here */
    /* log: requests received */
    int log_conn[4 * MAXREQ], log_target[4 * MAXREQ];
    int nlog;
    int stalls_done;
    int written[MAXREQ]; /* heads of each target written by the client, on any connection */
} server;

static server S;

static int completed_order[MAXREQ], completed_rc[MAXREQ], ncompleted;
static uint32_t completed_at[MAXREQ];
static int max_unanswered; /* most requests the server had received but the client not completed */

static void answer(int target)
{
    bool last = S.close_after != 0 && S.answered + 1 == S.close_after;
    bool v10 = target == S.http10_target;
    char out[128];
    int tl = snprintf(out, sizeof out, "%d", target);
    snprintf(out, sizeof out, "HTTP/1.%d 200 OK\r\nContent-Length: %d\r\n%s\r\n%d", v10 ? 0 : 1,
             tl, last && S.announce ? "Connection: close\r\n" : "", target);
    mn_push_str(out);
    S.answered++;
    if (last || v10) {
        S.closing = true;
        mn_end(S.reset ? EMHTTP_ERR_RESET : EMHTTP_ERR_CLOSED);
    }
}

/* Parse the complete requests of this connection, log and answer them
 * (the mock's server hook: MN.sent has the bytes). */
static void serve(const uint8_t *p, size_t n)
{
    (void)p;
    (void)n;
    CHECK(MN.sent_len == MN.sent_total); /* all of it logged */
    for (;;) {
        char *start = MN.sent + S.inoff;
        size_t left = MN.sent_len - S.inoff;
        char *end = NULL;
        for (size_t i = 0; i + 4 <= left; i++) {
            if (memcmp(start + i, "\r\n\r\n", 4) == 0) {
                end = start + i + 4;
                break;
            }
        }
        if (end == NULL) {
            return;
        }
        size_t clen = 0;
        char *cl = memmem(start, (size_t)(end - start), "Content-Length: ", 16);
        if (cl != NULL) {
            clen = strtoul(cl + 16, NULL, 10);
        }
        if ((size_t)(end - start) + clen > left) {
            return;
        }
        int target = atoi(strchr(start, '/') + 1);
        S.inoff += (size_t)(end - start) + clen;
        S.written[target]++;
        if (S.closing || S.stalled) {
            continue; /* read and ignored: not processed */
        }
        CHECK(S.nlog < 4 * MAXREQ);
        S.log_conn[S.nlog] = MN.connects;
        S.log_target[S.nlog++] = target;
        if (S.nlog - ncompleted > max_unanswered) {
            max_unanswered = S.nlog - ncompleted;
        }
        if (target == S.stall_target && (S.stall_times == 0 || S.stalls_done < S.stall_times)) {
            S.stalls_done++;
            S.stalled = true;
            continue;
        }
        answer(target);
    }
}

/* A new connection: a fresh server. */
static void server_connect(void)
{
    S.inoff = MN.sent_len;
    S.answered = 0;
    S.closing = S.stalled = false;
}

static emhttp_client cli;
static uint8_t tx[512], rx[512];

typedef struct {
    emhttp_request r;
    char target[16];
    char body[16];
    size_t body_len;
    int idx;
} item;

static item items[MAXREQ];

static int cb_body(emhttp_request *r, const uint8_t *d, size_t n)
{
    item *it = r->user;
    CHECK(it->body_len + n < sizeof it->body);
    memcpy(it->body + it->body_len, d, n);
    it->body_len += n;
    return 0;
}
static void cb_complete(emhttp_request *r, int rc)
{
    item *it = r->user;
    completed_order[ncompleted] = it->idx;
    completed_rc[ncompleted] = rc;
    completed_at[ncompleted++] = MN.now;
}
static const emhttp_response_cbs cbs = {NULL, NULL, cb_body, cb_complete};

static uint32_t request_timeout = 3000;

static void setup(uint8_t depth, bool all_methods)
{
    memset(&S, 0, sizeof S);
    mn_reset();
    MN.server = serve;
    MN.on_connect = server_connect;
    S.http10_target = S.stall_target = -1;
    ncompleted = max_unanswered = 0;
    emhttp_config cfg = {.host = "api.test", .port = 8080, .net = mn_port,
                         .transport = mn_transport(&mn_tcp),
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx, .rx_size = sizeof rx,
                         .connect_timeout_ms = 1000, .first_byte_timeout_ms = 2000,
                         .request_timeout_ms = request_timeout, .max_in_flight = depth,
                         .pipeline_all_methods = all_methods};
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
}

#if CONFIG_EMHTTP_PIPELINING
static const emhttp_header key_hdr[] = {EMHTTP_HEADER("Idempotency-Key", "k1")};
static const emhttp_header expect_hdr[] = {EMHTTP_HEADER("Expect", "100-continue")};
#endif
static const uint8_t post_body[] = "{\"v\":1}";

/* Submit n requests /0 .. /n-1 with @p method (NULL: GET). */
static void submit_n(int n, const char *method, const emhttp_header *h, size_t nh)
{
    for (int i = 0; i < n; i++) {
        item *it = &items[i];
        memset(it, 0, sizeof *it);
        snprintf(it->target, sizeof it->target, "/%d", i);
        it->idx = i;
        it->r = (emhttp_request){.method = method, .target = it->target, .headers = h,
                                 .header_count = nh, .cbs = &cbs, .user = it};
        if (method != NULL && strcmp(method, "POST") == 0) {
            it->r.body = post_body;
            it->r.body_len = sizeof post_body - 1;
        }
        CHECK_EQ_INT(emhttp_submit(&cli, &it->r), EMHTTP_OK);
    }
}

/* Run the loop until @p n requests completed (bounded). */
static void run(int n)
{
    for (int i = 0; i < 100000 && ncompleted < n; i++) {
        (void)emhttp_poll(&cli);
        unsigned f = emhttp_wait_flags(&cli);
        if (!(f & EMHTTP_WAIT_NOW)) {
            mn_wait_default(f, emhttp_next_timeout_ms(&cli));
        }
    }
    CHECK_EQ_INT(ncompleted, n);
    CHECK_EQ_INT(MN.misuse, 0); /* no send or recv on a closed connection */
}

/* Every request completed once, in order; none reached a connection twice;
 * an OK one carries its own response. */
static void check_common(int n)
{
    for (int i = 0; i < n; i++) {
        CHECK_EQ_INT(completed_order[i], i);
        if (completed_rc[i] == EMHTTP_OK) {
            char want[16];
            snprintf(want, sizeof want, "%d", i);
            CHECK_EQ_INT((int)items[i].body_len, (int)strlen(want));
            CHECK(memcmp(items[i].body, want, strlen(want)) == 0);
            CHECK_EQ_INT(items[i].r.status, 200);
        }
    }
    for (int a = 0; a < S.nlog; a++) {
        for (int b = a + 1; b < S.nlog; b++) {
            CHECK(!(S.log_conn[a] == S.log_conn[b] && S.log_target[a] == S.log_target[b]));
        }
    }
}

#if CONFIG_EMHTTP_PIPELINING
static int times_received(int target)
{
    int k = 0;
    for (int i = 0; i < S.nlog; i++) {
        k += S.log_target[i] == target;
    }
    return k;
}

static int count_rc(int rc)
{
    int k = 0;
    for (int i = 0; i < ncompleted; i++) {
        k += completed_rc[i] == rc;
    }
    return k;
}
#endif

#if CONFIG_EMHTTP_STATS
#define STAT(f) ((int)emhttp_client_stats(&cli)->f)
#else
#define STAT(f) (-1)
#endif

#if CONFIG_EMHTTP_PIPELINING
/* Depth 4, 12 GETs: answered in order on one connection, 4 in flight. */
static void test_order(void)
{
    setup(4, false);
    submit_n(12, NULL, NULL, 0);
    run(12);
    check_common(12);
    CHECK_EQ_INT(count_rc(EMHTTP_OK), 12);
    CHECK_EQ_INT(MN.connects, 1);
    CHECK_EQ_INT(max_unanswered, 4);
    CHECK_EQ_INT(S.nlog, 12);
    CHECK(STAT(retries) <= 0);
    CHECK_EQ_INT(emhttp_poll(&cli), EMHTTP_OK);
}

/* Depth 1 (and 0): one at a time, as without pipelining. */
static void test_off(void)
{
    for (uint8_t d = 0; d <= 1; d++) {
        setup(d, false);
        submit_n(5, NULL, NULL, 0);
        run(5);
        check_common(5);
        CHECK_EQ_INT(max_unanswered, 1);
        CHECK_EQ_INT(MN.connects, 1);
    }
}

/* The server ends the connection after every 3rd response without saying
 * so: what was written behind is re-sent once (alone) on a fresh
 * connection; nothing is lost, nothing answered twice. */
static void drop_resend(bool reset)
{
    setup(4, false);
    S.close_after = 3;
    S.reset = reset;
    submit_n(10, NULL, NULL, 0);
    run(10);
    check_common(10);
    CHECK_EQ_INT(count_rc(EMHTTP_OK), 10);
    CHECK(MN.connects >= 4);
    for (int i = 0; i < 10; i++) {
        CHECK(times_received(i) <= 2); /* at most once more, on a fresh connection */
    }
    CHECK(STAT(retries) != 0);
}

static void test_drop_resend_closed(void) { drop_resend(false); }

/* Depth 16 against the same server: many are written behind on each
 * connection; each completes once, in order, OK or with a definite error
 * (a second loss), and none is processed twice. */
static void test_drop_deep(void)
{
    setup(16, false);
    S.close_after = 3;
    submit_n(40, NULL, NULL, 0);
    run(40);
    check_common(40);
    CHECK_EQ_INT(count_rc(EMHTTP_OK) + count_rc(EMHTTP_ERR_CLOSED), 40);
    for (int i = 0; i < 40; i++) {
        CHECK(times_received(i) <= 1);
        CHECK(S.written[i] <= 2);
    }
    fprintf(stderr, "  depth 16, close after 3 unannounced: %d of 40 OK over %d connections\n",
            count_rc(EMHTTP_OK), MN.connects);
}
static void test_drop_resend_reset(void) { drop_resend(true); }

/* Announced close (Connection: close on every 3rd): what was behind was not
 * processed: re-sent as it was (no retry spent), and the next connection
 * sends one request at a time until a response keeps it open. */
static void test_announced_close(void)
{
    setup(4, false);
    S.close_after = 3;
    S.announce = true;
    submit_n(10, NULL, NULL, 0);
    run(10);
    check_common(10);
    CHECK_EQ_INT(count_rc(EMHTTP_OK), 10);
    CHECK(STAT(retries) <= 0);
    /* connection 2 opened with one request: its second arrived only after
     * the first was answered (the client completed it) */
    int first2 = -1;
    for (int i = 0; i < S.nlog; i++) {
        if (S.log_conn[i] == 2) {
            first2 = S.log_target[i];
            break;
        }
    }
    CHECK_EQ_INT(first2, 3);
}

/* Depth 16 with a server that closes after every 3rd response, announced:
 * every request succeeds although each connection answers only 3. */
static void test_announced_close_deep(void)
{
    setup(16, false);
    S.close_after = 3;
    S.announce = true;
    submit_n(40, NULL, NULL, 0);
    run(40);
    check_common(40);
    CHECK_EQ_INT(count_rc(EMHTTP_OK), 40);
}

/* One response as HTTP/1.0: the connection ends after it, the requests
 * behind go out again on a fresh one, one at a time at first. */
static void test_http10(void)
{
    setup(4, false);
    S.http10_target = 2;
    submit_n(8, NULL, NULL, 0);
    run(8);
    check_common(8);
    CHECK_EQ_INT(count_rc(EMHTTP_OK), 8);
    CHECK_EQ_INT(MN.connects, 2);
    CHECK(STAT(retries) <= 0);
    CHECK_EQ_INT(S.written[3], 2); /* written behind /2 on the first, again on the second */
    CHECK_EQ_INT(times_received(3), 1); /* processed once */
}

/* POST without a key never goes behind an unanswered request; with an
 * Idempotency-Key or pipeline_all_methods it does.  Expect never does. */
static void test_replayable(void)
{
    setup(4, false);
    submit_n(6, "POST", NULL, 0);
    run(6);
    check_common(6);
    CHECK_EQ_INT(max_unanswered, 1);

    setup(4, false);
    submit_n(6, "POST", key_hdr, 1);
    run(6);
    check_common(6);
    CHECK_EQ_INT(max_unanswered, 4);

    setup(4, true);
    submit_n(6, "POST", NULL, 0);
    run(6);
    check_common(6);
    CHECK_EQ_INT(max_unanswered, 4);

    setup(4, true);
    submit_n(4, NULL, expect_hdr, 1);
    run(4);
    check_common(4);
    CHECK_EQ_INT(max_unanswered, 1);
}

/* pipeline_all_methods, POSTs, a connection that resets after 2 responses:
 * the POSTs written behind may have been processed: they fail with
 * EMHTTP_ERR_CLOSED (in order), never sent twice. */
static void test_lost_not_replayed(void)
{
    setup(4, true);
    S.close_after = 2;
    S.reset = true;
    submit_n(4, "POST", NULL, 0);
    run(4);
    check_common(4);
    CHECK_EQ_INT(completed_rc[0], EMHTTP_OK);
    CHECK_EQ_INT(completed_rc[1], EMHTTP_OK);
    CHECK_EQ_INT(completed_rc[2], EMHTTP_ERR_RESET); /* the head when it failed */
    CHECK_EQ_INT(completed_rc[3], EMHTTP_ERR_CLOSED); /* written behind it */
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(S.written[i], 1);
    }
}

/* A response that never comes: /1 stalls on every connection.  Its
 * first-byte deadline (2000 ms) runs from /0's answer; it is re-sent once
 * with those behind it, keeping its start time: the request timeout
 * (3000 ms) ends it, and ends those behind it too (they started with it:
 * each request's timeout holds, re-sent or not). */
static void test_stall(void)
{
    setup(4, false);
    S.stall_target = 1;
    uint32_t t0 = MN.now;
    submit_n(4, NULL, NULL, 0);
    run(4);
    check_common(4);
    CHECK_EQ_INT(completed_rc[0], EMHTTP_OK);
    CHECK_EQ_INT(completed_rc[1], EMHTTP_ERR_TIMEOUT);
    CHECK_EQ_INT(completed_at[1] - t0, 3000);
    CHECK_EQ_INT(completed_rc[2], EMHTTP_ERR_TIMEOUT);
    CHECK_EQ_INT(completed_at[2] - t0, 3000);
    CHECK_EQ_INT(completed_rc[3], EMHTTP_ERR_TIMEOUT);
    CHECK_EQ_INT(S.written[1], 2);
    CHECK_EQ_INT(S.written[2], 1); /* its time was up: not sent again */
    CHECK_EQ_INT(MN.connects, 2);

    /* With a longer request timeout: the re-sent /1 stalls again and fails
     * by its first-byte timeout on the fresh connection (2000 + 2000 ms);
     * /2 and /3 then go out and succeed. */
    request_timeout = 10000;
    setup(4, false);
    request_timeout = 3000;
    S.stall_target = 1;
    t0 = MN.now;
    submit_n(4, NULL, NULL, 0);
    run(4);
    check_common(4);
    CHECK_EQ_INT(completed_rc[1], EMHTTP_ERR_TIMEOUT_FIRST_BYTE);
    CHECK_EQ_INT(completed_at[1] - t0, 4000);
    CHECK_EQ_INT(completed_rc[2], EMHTTP_OK);
    CHECK_EQ_INT(completed_rc[3], EMHTTP_OK);

    /* stalled once only: the re-send succeeds */
    setup(4, false);
    S.stall_target = 1;
    S.stall_times = 1;
    submit_n(4, NULL, NULL, 0);
    run(4);
    check_common(4);
    CHECK_EQ_INT(count_rc(EMHTTP_OK), 4);
}

/* The server reads requests only while its responses are being read: the
 * client keeps receiving while its sends would block (no deadlock, no
 * timeout). */
static void test_no_deadlock(void)
{
    setup(8, false);
    MN.window = 40; /* about one response */
    submit_n(16, "POST", key_hdr, 1);
    run(16);
    check_common(16);
    CHECK_EQ_INT(count_rc(EMHTTP_OK), 16);
    CHECK_EQ_INT(MN.connects, 1);
    CHECK(max_unanswered > 1);
}

/* Cancelling a request written behind another closes the connection; the
 * others are re-sent, each completes once, in order. */
static emhttp_request *cancel_target;
static int cb_status_cancel(emhttp_request *r, int status, const char *reason, size_t len)
{
    (void)r;
    (void)status;
    (void)reason;
    (void)len;
    if (cancel_target != NULL) {
        CHECK_EQ_INT(emhttp_cancel(&cli, cancel_target), EMHTTP_OK);
        cancel_target = NULL;
    }
    return 0;
}
static const emhttp_response_cbs cancel_cbs = {cb_status_cancel, NULL, cb_body, cb_complete};

static void test_cancel_behind(void)
{
    setup(4, false);
    submit_n(4, NULL, NULL, 0);
    items[0].r.cbs = &cancel_cbs; /* (before any poll: not sent yet) */
    cancel_target = &items[2].r;
    run(4);
    CHECK_EQ_INT(completed_order[0], 2); /* cancelled inside /0's status callback */
    CHECK_EQ_INT(completed_rc[0], EMHTTP_ERR_CANCELLED);
    /* /0's response had begun: it is not replayed (EMHTTP_ERR_CLOSED); /1 and
     * /3 are re-sent on a fresh connection */
    CHECK_EQ_INT(completed_order[1], 0);
    CHECK_EQ_INT(completed_rc[1], EMHTTP_ERR_CLOSED);
    CHECK_EQ_INT(completed_order[2], 1);
    CHECK_EQ_INT(completed_rc[2], EMHTTP_OK);
    CHECK_EQ_INT(completed_order[3], 3);
    CHECK_EQ_INT(completed_rc[3], EMHTTP_OK);
    CHECK_EQ_INT(MN.connects, 2);
}

#else
/* Compiled out: max_in_flight is ignored, one request at a time. */
static void test_compiled_out(void)
{
    setup(4, true);
    submit_n(5, NULL, NULL, 0);
    run(5);
    check_common(5);
    CHECK_EQ_INT(max_unanswered, 1);
}
#endif

int main(void)
{
#if CONFIG_EMHTTP_PIPELINING
    RUN(test_order);
    RUN(test_off);
    RUN(test_drop_resend_closed);
    RUN(test_drop_resend_reset);
    RUN(test_drop_deep);
    RUN(test_announced_close);
    RUN(test_announced_close_deep);
    RUN(test_http10);
    RUN(test_replayable);
    RUN(test_lost_not_replayed);
    RUN(test_stall);
    RUN(test_no_deadlock);
    RUN(test_cancel_behind);
#else
    RUN(test_compiled_out);
#endif
    return check_summary();
}
