/*
 * peer_driver - runs a sequence of requests on ONE emhttp client (POSIX
 * port) and prints one JSON line per request plus the client's counters,
 * so the integration tests can check that the same client object serves
 * every request after every kind of failure.
 *
 *   peer_driver HOST PORT [--first-byte MS] [--max-time MS] [--retry-all]
 *               [--pipeline K [--pipeline-all]] STEP...
 *   STEP: METHOD:PATH     e.g. GET:/ok  POST:/eof-before-response
 *         JSON:PATH       GET, body collected and parsed as JSON
 *         sleep:MS        pause (connection idle)
 *         wait:LABEL      print {"wait":"LABEL"} and block until a line
 *                         arrives on stdin (the test changes the network
 *                         meanwhile, e.g. black-holes the idle connection);
 *                         EOF on stdin ends the run (exit 3)
 *         PAIR:PATH1|PATH2  GET PATH1; GET PATH2 submitted from PATH1's
 *                         on_complete (same poll, no pause): two lines
 *   --rx N: receive buffer of N bytes (256..16384, default 2048).
 *   --max-redirects N: follow up to N redirects (redirect_buf 512 bytes,
 *   or --redirect-buf BYTES); --other-origins: also to another origin;
 *   --auth: every METHOD:PATH step carries "Authorization: Bearer
 *   sekrit" and "Cookie: c=1".
 *   --idempotency-key: every METHOD:PATH step carries "Idempotency-Key:
 *   k-1" (a POST may then be re-sent after a dead reused connection).
 *   --idle-reuse MS: emhttp_config.idle_reuse_ms.
 *   --origins-consent / --origins-refuse: an on_origin callback that
 *   agrees / refuses (its calls are counted: "origin_calls" in stats).
 *   STEP ORIGIN:HOST:PORT: emhttp_client_set_origin() (http, the same
 *   transport); prints its result.
 *   METHOD:PATH lines also carry the request's timing facts and, after
 *   completion, its method and target (restored after a redirect).
 *   Each line also has "ms": the request's time from submission to its
 *   completion (CLOCK_MONOTONIC).
 *
 * POST steps carry a small JSON body.  The body of each response is
 * hashed (FNV-1a 64) so the test can compare it with what the server sent.
 *
 * --pipeline K: max_in_flight K, and every METHOD:PATH step is submitted
 * at once (sleep and JSON steps are not allowed); the lines come in
 * completion order, each with its step index "i" and the body itself.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "body_sum.h"
#include "emhttp/client.h"
#include "emhttp/json_response.h"
#include "emhttp/port_posix.h"

static int on_body(emhttp_request *req, const uint8_t *d, size_t n)
{
    body_sum_add(req->user, d, n);
    return 0;
}

static const emhttp_response_cbs cbs = {NULL, NULL, on_body, NULL};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static emhttp_posix net;
static emhttp_client cli;
static uint8_t tx[1024], rx[16384];
static char redirect_buf[4096];
static bool with_auth, with_key;
static unsigned origin_calls;
static int origin_answer;

#if CONFIG_EMHTTP_REDIRECTS
static int on_origin(void *arg, const emhttp_origin *o, emhttp_transport *tr)
{
    (void)arg;
    (void)tr; /* plain TCP reaches any host */
    origin_calls++;
    fprintf(stderr, "on_origin: %s %s:%u\n", o->scheme == EMHTTP_SCHEME_HTTPS ? "https" : "http",
            o->host, (unsigned)o->port);
    return origin_answer;
}

/* ORIGIN:HOST:PORT */
static void run_origin_step(const char *step, const char *spec)
{
    static char hosts[8][256]; /* borrowed by the client: each step its own */
    static unsigned next;
    char *host = hosts[next++ % 8];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || (size_t)(colon - spec) >= sizeof hosts[0]) {
        fprintf(stderr, "bad ORIGIN step\n");
        exit(2);
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    emhttp_origin o = {EMHTTP_SCHEME_HTTP, host, (uint16_t)atoi(colon + 1), {NULL, NULL}};
    int rc = emhttp_client_set_origin(&cli, &o);
    printf("{\"step\":\"%s\",\"rc\":%d,\"err\":\"%s\"}\n", step, rc, emhttp_strerror(rc));
    fflush(stdout);
}
#endif
static const emhttp_header auth_headers[] = {EMHTTP_HEADER("Authorization", "Bearer sekrit"),
                                             EMHTTP_HEADER("Cookie", "c=1")};
static const emhttp_header key_header[] = {EMHTTP_HEADER("Idempotency-Key", "k-1")};

/* wait:LABEL - tell the test, then wait for its go-ahead on stdin. */
static void run_wait_step(const char *label)
{
    char line[64];
    printf("{\"wait\":\"%s\"}\n", label);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        fprintf(stderr, "wait:%s: stdin closed\n", label);
        exit(3);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* JSON:PATH - GET with the JSON collector (64-byte buffer, 32 tokens);
 * prints its result and the value of "n" when there is one. */
static void run_json_step(const char *step, const char *path)
{
    static char body[64];
    static emhttp_json_tok toks[32];
    emhttp_json_response resp;
    int64_t n = -1;
    emhttp_json_response_init(&resp, body, sizeof body, toks, 32, NULL, NULL);
    emhttp_request req = {.method = "GET", .target = path, .cbs = &emhttp_json_response_cbs,
                          .user = &resp};
    int rc = emhttp_request_sync(&cli, &req);
    (void)emhttp_jr_int(&resp.doc, emhttp_jr_find(&resp.doc, 0, "n"), &n);
    printf("{\"step\":\"%s\",\"rc\":%d,\"json_rc\":%d,\"status\":%d,\"is_json\":%d,"
           "\"len\":%zu,\"needed\":%zu,\"n\":%lld}\n",
           step, rc, resp.result, resp.status, resp.is_json, resp.len, resp.needed, (long long)n);
    fflush(stdout);
}

/* PAIR:PATH1|PATH2 - the second request is submitted from the first's
 * on_complete, so it goes out in the same poll. */
typedef struct {
    body_sum sum;
    emhttp_request *next;
    long done;
} pair_ctx;
static int pair_body(emhttp_request *req, const uint8_t *d, size_t n)
{
    body_sum_add(&((pair_ctx *)req->user)->sum, d, n);
    return 0;
}
static void pair_complete(emhttp_request *req, int rc)
{
    pair_ctx *p = req->user;
    (void)rc;
    p->done = now_ms();
    if (p->next != NULL) {
        (void)emhttp_submit(&cli, p->next);
    }
}
static const emhttp_response_cbs pair_cbs = {NULL, NULL, pair_body, pair_complete};

static void run_pair_step(char *paths)
{
    char *bar = strchr(paths, '|');
    if (bar == NULL) {
        fprintf(stderr, "bad PAIR step\n");
        exit(2);
    }
    *bar = '\0';
    pair_ctx p[2] = {{BODY_SUM_INIT, NULL, 0}, {BODY_SUM_INIT, NULL, 0}};
    emhttp_request r[2] = {{.method = "GET", .target = paths, .cbs = &pair_cbs, .user = &p[0]},
                           {.method = "GET", .target = bar + 1, .cbs = &pair_cbs, .user = &p[1]}};
    p[0].next = &r[1];
    long t0 = now_ms();
    (void)emhttp_request_sync(&cli, &r[0]);
    while (r[1].result == EMHTTP_PENDING) { /* submitted from the completion */
        (void)emhttp_poll(&cli);
        unsigned flags = emhttp_wait_flags(&cli);
        if (r[1].result == EMHTTP_PENDING && !(flags & EMHTTP_WAIT_NOW)) {
            emhttp_posix_port(&net).ops->wait(&net, flags, emhttp_next_timeout_ms(&cli));
        }
    }
    for (int i = 0; i < 2; i++) {
        printf("{\"step\":\"PAIR%d:%s\",\"rc\":%d,\"err\":\"%s\",\"status\":%d,\"len\":%zu,"
               "\"fnv\":\"%016llx\",\"ms\":%ld}\n",
               i + 1, i == 0 ? paths : bar + 1, r[i].result, emhttp_strerror(r[i].result),
               r[i].status, p[i].sum.len, (unsigned long long)p[i].sum.fnv, p[i].done - t0);
    }
    fflush(stdout);
}

static void run_step(const char *step)
{
    static const uint8_t json[] = "{\"t\":1}";
    char method[16], path[512];
    const char *colon = strchr(step, ':');
    if (colon == NULL || (size_t)(colon - step) >= sizeof method || strlen(colon) >= sizeof path) {
        fprintf(stderr, "bad step %s\n", step);
        exit(2);
    }
    memcpy(method, step, (size_t)(colon - step));
    method[colon - step] = '\0';
    strcpy(path, colon + 1);
    if (!strcmp(method, "sleep")) {
        sleep_ms(atol(path));
        return;
    }
    if (!strcmp(method, "JSON")) {
        run_json_step(step, path);
        return;
    }
    if (!strcmp(method, "wait")) {
        run_wait_step(path);
        return;
    }
    if (!strcmp(method, "PAIR")) {
        run_pair_step(path);
        return;
    }
#if CONFIG_EMHTTP_REDIRECTS
    if (!strcmp(method, "ORIGIN")) {
        run_origin_step(step, path);
        return;
    }
#endif
    body_sum sum = BODY_SUM_INIT;
    bool post = !strcmp(method, "POST");
    bool put = !strcmp(method, "PUT");
    emhttp_request req = {.method = method, .target = path, .cbs = &cbs, .user = &sum,
                          .body = post || put ? json : NULL,
                          .body_len = post || put ? sizeof json - 1 : 0,
                          .headers = with_auth ? auth_headers : with_key ? key_header : NULL,
                          .header_count = with_auth ? 2 : with_key ? 1 : 0};
    long t0 = now_ms();
    int rc = emhttp_request_sync(&cli, &req);
    printf("{\"step\":\"%s\",\"rc\":%d,\"err\":\"%s\",\"status\":%d,\"len\":%zu,\"fnv\":\"%016llx\","
           "\"ms\":%ld,\"after\":\"%s %s %zu\"",
           step, rc, emhttp_strerror(rc), req.status, sum.len, (unsigned long long)sum.fnv,
           now_ms() - t0, req.method, req.target, req.body_len);
#if CONFIG_EMHTTP_TIMING
    const emhttp_timing *t = &req.timing;
    printf(",\"timing\":{\"resolve\":%u,\"connect\":%u,\"handshake\":%u,\"first_byte\":%u,"
           "\"total\":%u,\"sent\":%u,\"received\":%u,\"connects\":%u,\"resends\":%u,"
           "\"redirects\":%u,\"flags\":%u}",
           (unsigned)t->resolve_ms, (unsigned)t->connect_ms, (unsigned)t->handshake_ms,
           (unsigned)t->first_byte_ms, (unsigned)t->total_ms, (unsigned)t->sent,
           (unsigned)t->received, (unsigned)t->connects, (unsigned)t->resends,
           (unsigned)t->redirects, (unsigned)t->flags);
#endif
    printf("}\n");
    fflush(stdout);
}

/* --pipeline: every step queued at once, then polled to the end. */
#define MAX_STEPS 256
static struct {
    emhttp_request req;
    body_sum sum;
    char text[64];
    size_t text_len;
    char method[16];
    const char *step;
    int i;
} slots[MAX_STEPS];

static int on_body_keep(emhttp_request *req, const uint8_t *d, size_t n)
{
    int i = *(int *)req->user;
    body_sum_add(&slots[i].sum, d, n);
    for (size_t k = 0; k < n && slots[i].text_len + 2 < sizeof slots[i].text; k++) {
        if (d[k] == '"' || d[k] == '\\') { /* (JSON-escaped for the output line) */
            slots[i].text[slots[i].text_len++] = '\\';
        }
        slots[i].text[slots[i].text_len++] = d[k] >= 0x20 && d[k] < 0x7f ? (char)d[k] : '?';
    }
    return 0;
}

static void on_complete_print(emhttp_request *req, int rc)
{
    int i = *(int *)req->user;
    printf("{\"i\":%d,\"step\":\"%s\",\"rc\":%d,\"err\":\"%s\",\"status\":%d,\"len\":%zu,"
           "\"body\":\"%.*s\"",
           i, slots[i].step, rc, emhttp_strerror(rc), req->status, slots[i].sum.len,
           (int)slots[i].text_len, slots[i].text);
#if CONFIG_EMHTTP_TIMING
    printf(",\"timing\":{\"connects\":%u,\"resends\":%u,\"flags\":%u,\"first_byte\":%u,"
           "\"total\":%u,\"sent\":%u,\"received\":%u}",
           (unsigned)req->timing.connects, (unsigned)req->timing.resends,
           (unsigned)req->timing.flags, (unsigned)req->timing.first_byte_ms,
           (unsigned)req->timing.total_ms, (unsigned)req->timing.sent,
           (unsigned)req->timing.received);
#endif
    printf("}\n");
    fflush(stdout);
}

static const emhttp_response_cbs pipe_cbs = {NULL, NULL, on_body_keep, on_complete_print};

static int run_pipelined(int n, char **steps)
{
    static const uint8_t json[] = "{\"t\":1}";
    if (n > MAX_STEPS) {
        return 2;
    }
    for (int i = 0; i < n; i++) {
        const char *colon = strchr(steps[i], ':');
        if (colon == NULL || (size_t)(colon - steps[i]) >= sizeof slots[i].method ||
            !strncmp(steps[i], "sleep:", 6) || !strncmp(steps[i], "JSON:", 5)) {
            fprintf(stderr, "bad step for --pipeline: %s\n", steps[i]);
            return 2;
        }
        memcpy(slots[i].method, steps[i], (size_t)(colon - steps[i]));
        slots[i].step = steps[i];
        slots[i].i = i;
        slots[i].sum = (body_sum)BODY_SUM_INIT;
        bool post = !strcmp(slots[i].method, "POST");
        slots[i].req = (emhttp_request){.method = slots[i].method, .target = colon + 1,
                                        .cbs = &pipe_cbs, .user = &slots[i].i,
                                        .body = post ? json : NULL,
                                        .body_len = post ? sizeof json - 1 : 0};
        if (emhttp_submit(&cli, &slots[i].req) != EMHTTP_OK) {
            return 1;
        }
    }
    emhttp_port p = emhttp_posix_port(&net);
    while (emhttp_poll(&cli) != EMHTTP_OK) {
        unsigned flags = emhttp_wait_flags(&cli);
        if (!(flags & EMHTTP_WAIT_NOW) && flags != 0) {
            p.ops->wait(p.ctx, flags, emhttp_next_timeout_ms(&cli));
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: peer_driver HOST PORT [options] STEP...\n");
        return 2;
    }
    emhttp_config cfg = {.host = argv[1], .port = (uint16_t)atoi(argv[2]), .tx_buf = tx,
                         .tx_size = sizeof tx, .rx_buf = rx, .rx_size = 2048,
                         .first_byte_timeout_ms = 2000, .request_timeout_ms = 5000};
    int i = 3;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--first-byte") && i + 1 < argc) {
            cfg.first_byte_timeout_ms = (uint32_t)atol(argv[++i]);
        } else if (!strcmp(argv[i], "--max-time") && i + 1 < argc) {
            cfg.request_timeout_ms = (uint32_t)atol(argv[++i]);
        } else if (!strcmp(argv[i], "--rx") && i + 1 < argc) {
            cfg.rx_size = (size_t)atol(argv[++i]);
            if (cfg.rx_size > sizeof rx) {
                fprintf(stderr, "--rx: at most %zu\n", sizeof rx);
                return 2;
            }
        } else if (!strcmp(argv[i], "--retry-all")) {
            cfg.retry_all_methods = true;
        } else if (!strcmp(argv[i], "--pipeline") && i + 1 < argc) {
            cfg.max_in_flight = (uint8_t)atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--pipeline-all")) {
            cfg.pipeline_all_methods = true;
#if CONFIG_EMHTTP_REDIRECTS
        } else if (!strcmp(argv[i], "--max-redirects") && i + 1 < argc) {
            cfg.max_redirects = (uint8_t)atoi(argv[++i]);
            cfg.redirect_buf = redirect_buf;
            if (cfg.redirect_size == 0) {
                cfg.redirect_size = 512;
            }
        } else if (!strcmp(argv[i], "--redirect-buf") && i + 1 < argc) {
            cfg.redirect_size = (size_t)atol(argv[++i]);
        } else if (!strcmp(argv[i], "--other-origins")) {
            cfg.redirect_other_origins = true;
        } else if (!strcmp(argv[i], "--origins-consent") || !strcmp(argv[i], "--origins-refuse")) {
            cfg.on_origin = on_origin;
            origin_answer = !strcmp(argv[i], "--origins-refuse");
#endif
        } else if (!strcmp(argv[i], "--auth")) {
            with_auth = true;
        } else if (!strcmp(argv[i], "--idempotency-key")) {
            with_key = true;
        } else if (!strcmp(argv[i], "--idle-reuse") && i + 1 < argc) {
            cfg.idle_reuse_ms = (uint32_t)atol(argv[++i]);
        } else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (with_auth && with_key) {
        fprintf(stderr, "--auth and --idempotency-key do not mix\n");
        return 2;
    }
    if (emhttp_posix_init(&net) != EMHTTP_OK) {
        return 1;
    }
    cfg.net = emhttp_posix_port(&net);
    cfg.transport = emhttp_posix_tcp(&net);
    int irc = emhttp_client_init(&cli, &cfg);
    if (irc != EMHTTP_OK) {
        fprintf(stderr, "init: %s\n", emhttp_strerror(irc));
        return 1;
    }
    if (cfg.max_in_flight > 1) {
        int rc = run_pipelined(argc - i, argv + i);
        if (rc != 0) {
            return rc;
        }
    } else {
        for (; i < argc; i++) {
            run_step(argv[i]);
        }
    }
    const emhttp_stats *s = emhttp_client_stats(&cli);
    printf("{\"stats\":{\"requests\":%u,\"errors\":%u,\"connects\":%u,\"dns_queries\":%u,"
           "\"reuses\":%u,\"retries\":%u,\"ka_expired\":%u,\"origin_calls\":%u}}\n",
           (unsigned)s->requests, (unsigned)s->errors, (unsigned)s->connects,
           (unsigned)s->dns_queries, (unsigned)s->reuses, (unsigned)s->retries,
           (unsigned)s->ka_expired, origin_calls);
    emhttp_client_close(&cli);
    emhttp_posix_deinit(&net);
    return 0;
}
