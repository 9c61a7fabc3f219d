/*
 * peer_driver - runs a sequence of requests on ONE emhttp client (POSIX
 * port) and prints one JSON line per request plus the client's counters,
 * so the integration tests can check that the same client object serves
 * every request after every kind of failure.
 *
 *   peer_driver HOST PORT [--first-byte MS] [--max-time MS] [--retry-all]
 *               STEP...
 *   STEP: METHOD:PATH     e.g. GET:/ok  POST:/eof-before-response
 *         JSON:PATH       GET, body collected and parsed as JSON
 *         sleep:MS        pause (connection idle)
 *         PAIR:PATH1|PATH2  GET PATH1; GET PATH2 submitted from PATH1's
 *                         on_complete (same poll, no pause): two lines
 *   --rx N: receive buffer of N bytes (256..16384, default 2048).
 *   Each line also has "ms": the request's time from submission to its
 *   completion (CLOCK_MONOTONIC).
 *
 * POST steps carry a small JSON body.  The body of each response is
 * hashed (FNV-1a 64) so the test can compare it with what the server sent.
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
    if (!strcmp(method, "PAIR")) {
        run_pair_step(path);
        return;
    }
    body_sum sum = BODY_SUM_INIT;
    bool post = !strcmp(method, "POST");
    emhttp_request req = {.method = method, .target = path, .cbs = &cbs, .user = &sum,
                          .body = post ? json : NULL, .body_len = post ? sizeof json - 1 : 0};
    long t0 = now_ms();
    int rc = emhttp_request_sync(&cli, &req);
    printf("{\"step\":\"%s\",\"rc\":%d,\"err\":\"%s\",\"status\":%d,\"len\":%zu,\"fnv\":\"%016llx\","
           "\"ms\":%ld}\n",
           step, rc, emhttp_strerror(rc), req.status, sum.len, (unsigned long long)sum.fnv,
           now_ms() - t0);
    fflush(stdout);
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
        } else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (emhttp_posix_init(&net) != EMHTTP_OK) {
        return 1;
    }
    cfg.net = emhttp_posix_port(&net);
    cfg.transport = emhttp_posix_tcp(&net);
    if (emhttp_client_init(&cli, &cfg) != EMHTTP_OK) {
        return 1;
    }
    for (; i < argc; i++) {
        run_step(argv[i]);
    }
    const emhttp_stats *s = emhttp_client_stats(&cli);
    printf("{\"stats\":{\"requests\":%u,\"errors\":%u,\"connects\":%u,\"dns_queries\":%u,"
           "\"reuses\":%u,\"retries\":%u,\"ka_expired\":%u}}\n",
           (unsigned)s->requests, (unsigned)s->errors, (unsigned)s->connects,
           (unsigned)s->dns_queries, (unsigned)s->reuses, (unsigned)s->retries,
           (unsigned)s->ka_expired);
    emhttp_client_close(&cli);
    emhttp_posix_deinit(&net);
    return 0;
}
