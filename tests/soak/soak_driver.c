/*
 * soak_driver - N requests, one after another, on ONE emhttp client (POSIX
 * port, plain TCP), for tests/soak/soak.py.
 *
 *   soak_driver HOST PORT N [--checkpoint K] [--idle-every M --idle-ms T]
 *               [--path PATH] [--expect BODY]
 *
 * Each request is GET PATH (default /api); it counts as ok when it ends
 * with EMHTTP_OK, status 200 and exactly the body BODY (default
 * {"ok":true}).  Every other end is counted by its result code; a request
 * that ended ok but with another status or body counts as "bad".  The
 * completion callback counts completions: each request must complete
 * exactly once (a second completion, or none, is counted as "double" or
 * "lost").
 *
 * --checkpoint K: after every K-th request (and after the last) the driver
 * prints "checkpoint N" on stdout and reads one line from stdin before it
 * goes on: the soak script samples this process's open file descriptors
 * and RSS while the client is idle between two requests, reloads nginx,
 * then answers.  So the reloads follow request counts.
 *
 * --idle-every M --idle-ms T: before every M-th request, the connection
 * stays idle for T ms plus or minus 2 % (a fixed pseudo-random sequence,
 * in microseconds), so requests meet a kept-alive connection about when
 * the server's keep-alive timeout closes it.
 *
 * At the end one JSON line: {"requests":..,"ok":..,"errors":..,"bad":..,
 * "double":..,"lost":..,"codes":{"-5":n,...},"client":{the emhttp_stats}}.
 * Exit status 0 when the driver ran to the end (the script judges the
 * figures), 2 on a usage error, 1 when the client could not start.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emhttp/client.h"
#include "emhttp/port_posix.h"

#define BODY_MAX 256
#define N_CODES 64 /* result codes 0 .. -63 */

typedef struct {
    char body[BODY_MAX];
    size_t len;
    unsigned completions;
} slot;

static int on_body(emhttp_request *req, const uint8_t *d, size_t n)
{
    slot *s = req->user;
    if (s->len + n <= sizeof s->body) {
        memcpy(s->body + s->len, d, n);
    }
    s->len += n;
    return 0;
}

static void on_complete(emhttp_request *req, int result)
{
    (void)result;
    ((slot *)req->user)->completions++;
}

static const emhttp_response_cbs cbs = {NULL, NULL, on_body, on_complete};

static emhttp_posix net;
static emhttp_client cli;
static uint8_t tx[512], rx[4096];
static unsigned long codes[N_CODES], other_codes;

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static unsigned long number(const char *s, const char *what)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0') {
        fprintf(stderr, "soak_driver: bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: soak_driver HOST PORT N [--checkpoint K] "
                        "[--idle-every M --idle-ms T] [--path PATH] [--expect BODY]\n");
        return 2;
    }
    unsigned long n = number(argv[3], "N"), checkpoint = 0, idle_every = 0, idle_ms = 0;
    const char *path = "/api", *expect = "{\"ok\":true}";
    for (int i = 4; i < argc; i++) {
        if (i + 1 >= argc) {
            fprintf(stderr, "soak_driver: %s wants a value\n", argv[i]);
            return 2;
        }
        if (!strcmp(argv[i], "--checkpoint")) {
            checkpoint = number(argv[++i], "--checkpoint");
        } else if (!strcmp(argv[i], "--idle-every")) {
            idle_every = number(argv[++i], "--idle-every");
        } else if (!strcmp(argv[i], "--idle-ms")) {
            idle_ms = number(argv[++i], "--idle-ms");
        } else if (!strcmp(argv[i], "--path")) {
            path = argv[++i];
        } else if (!strcmp(argv[i], "--expect")) {
            expect = argv[++i];
        } else {
            fprintf(stderr, "soak_driver: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    size_t expect_len = strlen(expect);
    if (expect_len > BODY_MAX) {
        fprintf(stderr, "soak_driver: --expect longer than %d bytes\n", BODY_MAX);
        return 2;
    }
    emhttp_config cfg = {.host = argv[1], .port = (uint16_t)number(argv[2], "PORT"),
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx, .rx_size = sizeof rx,
                         .connect_timeout_ms = 10000, .first_byte_timeout_ms = 10000,
                         .request_timeout_ms = 30000};
    if (emhttp_posix_init(&net) != EMHTTP_OK) {
        fprintf(stderr, "soak_driver: emhttp_posix_init failed\n");
        return 1;
    }
    cfg.net = emhttp_posix_port(&net);
    cfg.transport = emhttp_posix_tcp(&net);
    int rc = emhttp_client_init(&cli, &cfg);
    if (rc != EMHTTP_OK) {
        fprintf(stderr, "soak_driver: emhttp_client_init: %s\n", emhttp_strerror(rc));
        return 1;
    }

    unsigned long ok = 0, errors = 0, bad = 0, dbl = 0, lost = 0;
    uint32_t lcg = 12345;
    static slot s;
    for (unsigned long k = 1; k <= n; k++) {
        if (idle_every != 0 && k % idle_every == 0) {
            lcg = lcg * 1103515245u + 12345u;
            long span_us = (long)idle_ms * 40; /* +- 2 %, in microseconds */
            long jitter_us = (long)((lcg >> 4) % (uint32_t)(span_us + 1)) - span_us / 2;
            sleep_us((long)idle_ms * 1000 + jitter_us);
        }
        memset(&s, 0, sizeof s);
        emhttp_request req = {.method = "GET", .target = path, .cbs = &cbs, .user = &s};
        rc = emhttp_request_sync(&cli, &req);
        if (s.completions == 0) {
            lost++;
        } else if (s.completions > 1) {
            dbl++;
        }
        if (rc == EMHTTP_OK) {
            if (req.status == 200 && s.len == expect_len && !memcmp(s.body, expect, expect_len)) {
                ok++;
            } else {
                bad++;
                if (bad <= 10) {
                    fprintf(stderr, "soak_driver: request %lu: status %d, %zu body bytes\n", k,
                            req.status, s.len);
                }
            }
        } else {
            errors++;
            if (rc <= 0 && rc > -N_CODES) {
                codes[-rc]++;
            } else {
                other_codes++;
            }
            if (errors <= 10) {
                fprintf(stderr, "soak_driver: request %lu: %s (%d)\n", k, emhttp_strerror(rc), rc);
            }
        }
        if ((checkpoint != 0 && k % checkpoint == 0) || k == n) {
            char line[64];
            printf("checkpoint %lu\n", k);
            fflush(stdout);
            if (fgets(line, sizeof line, stdin) == NULL) {
                fprintf(stderr, "soak_driver: stdin closed at checkpoint %lu\n", k);
                return 1;
            }
        }
    }

    const emhttp_stats *st = emhttp_client_stats(&cli);
    printf("{\"requests\":%lu,\"ok\":%lu,\"errors\":%lu,\"bad\":%lu,\"double\":%lu,\"lost\":%lu,"
           "\"codes\":{",
           n, ok, errors, bad, dbl, lost);
    const char *sep = "";
    for (int c = 1; c < N_CODES; c++) {
        if (codes[c] != 0) {
            printf("%s\"%d\":%lu", sep, -c, codes[c]);
            sep = ",";
        }
    }
    if (other_codes != 0) {
        printf("%s\"other\":%lu", sep, other_codes);
    }
    printf("},\"client\":{\"requests\":%lu,\"errors\":%lu,\"connects\":%lu,\"dns_queries\":%lu,"
           "\"reuses\":%lu,\"retries\":%lu,\"ka_expired\":%lu}}\n",
           (unsigned long)st->requests, (unsigned long)st->errors, (unsigned long)st->connects,
           (unsigned long)st->dns_queries, (unsigned long)st->reuses, (unsigned long)st->retries,
           (unsigned long)st->ka_expired);
    fflush(stdout);
    emhttp_client_close(&cli);
    emhttp_posix_deinit(&net);
    return 0;
}
