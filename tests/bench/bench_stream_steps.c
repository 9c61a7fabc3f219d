/*
 * bench_stream_steps - the longest single emhttp_poll() step while a
 * streamed body goes out, for a small and a large body side by side: does
 * one step's work grow with the body?  (Issue 13: "the longest poll step
 * does not grow with the body size".)
 *
 *   bench_stream_steps [--tx N] [--reps R] MB...
 *
 * For each size: a JSON array of at least MB MiB (stream_driver's
 * document: seed 1, records written one writer call at a time by the
 * resumable JSON writer into the client's transmit buffer of N bytes,
 * default 1024), POSTed chunked and then with a declared length on ONE
 * client, R times (default 3).  The transport is an in-process sink (it
 * takes every byte, answers 200 once the request is whole), so a step's
 * cost is the client's and the producer's work alone, no system call.
 *
 * Per step (one emhttp_poll() call) it records:
 *  - the bytes handed to the transport (structural: at most 8 state steps
 *    of one piece each);
 *  - the thread's CPU time (CLOCK_THREAD_CPUTIME_ID: not wall time, so a
 *    preempted step does not count the other task; still includes timer
 *    interrupts and cache misses): the longest raw, and the longest of
 *    each step's shortest over the R runs (the same step index does the
 *    same work in every run: noise rarely hits one index in every run);
 *  - under valgrind --tool=callgrind --instr-atstart=no: instructions of
 *    the first 64 steps, of 64 steps spread over the rest and of the last
 *    8, each dumped on its own (CALLGRIND_DUMP_STATS_AT "step N"), for
 *    bench_stream_steps.py to read.  Instrumentation is off in between, so
 *    a 100 MB run takes seconds, not an hour.
 * Figures only: nothing here fails on a number (exit 1 only when a request
 * does not succeed).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emhttp/client.h"
#include "emhttp/json_writer.h"
#include "emhttp/port_posix.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "record_gen.h" /* the document, as tests/integration/stream_driver.c streams it */

static gen doc;

static int produce(emhttp_request *req, uint8_t *buf, size_t size, size_t *len)
{
    (void)req;
    long got = gen_fill(&doc, buf, size);
    if (got < 0) {
        return (int)got;
    }
    *len = (size_t)got;
    return EMHTTP_OK;
}

/* ---- the sink: takes every byte, answers once the request is whole ------ */

static struct {
    int hstate;              /* matched bytes of CRLF CRLF (the head's end) */
    bool in_body;
    unsigned long long body_left; /* declared: bytes to come */
    bool chunked;
    uint8_t tail[7];         /* chunked: the last bytes ("\r\n0\r\n\r\n" ends it) */
    bool answer;
    size_t ans_off;
    unsigned long long step_sent;
} S;

static const char ANSWER[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

static int k_connect(void *c, const char *h, const emhttp_ip_addr *a, uint16_t p)
{
    (void)c;
    (void)h;
    (void)a;
    (void)p;
    S.hstate = 0;
    S.in_body = S.answer = false;
    S.ans_off = 0;
    return EMHTTP_OK;
}
static int k_connect_poll(void *c) { (void)c; return EMHTTP_OK; }
static long k_send(void *c, const uint8_t *b, size_t n, unsigned f)
{
    (void)c;
    (void)f;
    S.step_sent += n;
    for (size_t i = 0; i < n; i++) {
        if (!S.in_body) {
            static const char end[] = "\r\n\r\n";
            S.hstate = b[i] == (uint8_t)end[S.hstate] ? S.hstate + 1 : b[i] == '\r';
            if (S.hstate == 4) {
                S.in_body = true;
                if (!S.chunked && S.body_left == 0) {
                    S.answer = true;
                }
            }
            continue;
        }
        if (S.chunked) {
            memmove(S.tail, S.tail + 1, sizeof S.tail - 1);
            S.tail[sizeof S.tail - 1] = b[i];
            if (memcmp(S.tail, "\r\n0\r\n\r\n", 7) == 0) {
                S.answer = true;
            }
        } else if (--S.body_left == 0) {
            S.answer = true;
        }
    }
    return (long)n;
}
static long k_recv(void *c, uint8_t *b, size_t n)
{
    (void)c;
    if (!S.answer) {
        return 0;
    }
    size_t k = sizeof ANSWER - 1 - S.ans_off;
    k = k < n ? k : n;
    memcpy(b, ANSWER + S.ans_off, k);
    S.ans_off += k;
    if (S.ans_off == sizeof ANSWER - 1) { /* the next request on the same connection */
        S.answer = false;
        S.ans_off = 0;
        S.in_body = false;
        S.hstate = 0;
    }
    return (long)k;
}
static void k_close(void *c) { (void)c; }
static const emhttp_transport_ops sink = {0, k_connect, k_connect_poll, NULL, k_send, NULL,
                                          k_recv, k_close, NULL};

/* ---- the run -------------------------------------------------------------- */

static long long cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#define MAX_STEPS_REC (1u << 22)
static long long *step_min; /* per step index: the shortest over the runs */
static emhttp_client cli;
static uint8_t tx[65536], rx[2048];

/* Is step @p i (of @p n) one to count instructions of under callgrind? */
static bool sampled(size_t i, size_t n)
{
    if (i < 64 || i + 8 >= n) {
        return true;
    }
    size_t every = (n - 72) / 64 + 1;
    return (i - 64) % every == 0;
}

typedef struct {
    size_t steps;
    long long max_ns;           /* longest step, raw */
    unsigned long long max_sent; /* most bytes to the transport in one step */
} run_figures;

/* One request; @p expected_steps (from an earlier run, 0: unknown) picks the
 * sampled steps under callgrind. */
static int one(unsigned long count, bool chunked, size_t len, int rep, size_t expected_steps,
               run_figures *f, const char *tag)
{
    gen_init(&doc, count);
    S.chunked = chunked;
    S.body_left = chunked ? 0 : len;
    emhttp_request r = {.method = "POST", .target = "/hash", .body_len = chunked ? EMHTTP_BODY_UNKNOWN : len,
                        .body_fn = produce};
    if (emhttp_submit(&cli, &r) != EMHTTP_OK) {
        return 1;
    }
    memset(f, 0, sizeof *f);
    bool cg = RUNNING_ON_VALGRIND && rep == 0 && expected_steps > 0;
    while (r.result == EMHTTP_PENDING) {
        size_t i = f->steps;
        bool dump = cg && sampled(i, expected_steps);
        S.step_sent = 0;
#ifdef HAVE_CALLGRIND
        if (dump) {
            CALLGRIND_START_INSTRUMENTATION;
            CALLGRIND_ZERO_STATS;
        }
#endif
        long long t0 = cpu_ns();
        (void)emhttp_poll(&cli);
        long long dt = cpu_ns() - t0;
#ifdef HAVE_CALLGRIND
        if (dump) {
            char name[96];
            snprintf(name, sizeof name, "%s step %zu of %zu", tag, i, expected_steps);
            CALLGRIND_DUMP_STATS_AT(name);
            CALLGRIND_STOP_INSTRUMENTATION;
        }
#else
        (void)dump;
        (void)tag;
#endif
        f->max_ns = dt > f->max_ns ? dt : f->max_ns;
        f->max_sent = S.step_sent > f->max_sent ? S.step_sent : f->max_sent;
        if (i < MAX_STEPS_REC) {
            step_min[i] = rep == 0 || dt < step_min[i] ? dt : step_min[i];
        }
        f->steps++;
    }
    return r.result == EMHTTP_OK && r.status == 200 ? 0 : 1;
}

int main(int argc, char **argv)
{
    size_t txn = 1024;
    int reps = 3, i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--tx") == 0) {
            txn = strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--reps") == 0) {
            reps = atoi(argv[i + 1]);
        }
    }
    static emhttp_posix net;
    step_min = calloc(MAX_STEPS_REC, sizeof *step_min); /* (the bench's own memory, not the client's) */
    if (i >= argc || txn < 64 || txn > sizeof tx || reps < 1 || step_min == NULL ||
        emhttp_posix_init(&net) != EMHTTP_OK) {
        fprintf(stderr, "usage: bench_stream_steps [--tx N] [--reps R] MB...\n");
        return 2;
    }
    emhttp_config cfg = {.host = "127.0.0.1", .port = 80, .net = emhttp_posix_port(&net),
                         .transport = {&sink, NULL}, .tx_buf = tx, .tx_size = txn, .rx_buf = rx,
                         .rx_size = sizeof rx, .request_timeout_ms = EMHTTP_TIMEOUT_NONE};
    if (emhttp_client_init(&cli, &cfg) != EMHTTP_OK) {
        return 2;
    }
    printf("%-8s %-8s %12s %9s %13s %14s %15s\n", "body", "framing", "bytes", "steps",
           "max B/step", "max step ns", "max min-of-runs");
    int bad = 0;
    for (; i < argc; i++) {
        unsigned long mb = strtoul(argv[i], NULL, 10);
        unsigned long count = (mb << 20) / 34 + 1;
        size_t len = doc_len(count);
        for (int chunked = 1; chunked >= 0; chunked--) {
            run_figures f = {0}, all = {0};
            size_t steps = 0;
            char tag[32];
            snprintf(tag, sizeof tag, "%luMB %s", mb, chunked ? "chunked" : "declared");
            for (int rep = 0; rep < reps; rep++) {
                /* (callgrind: the sampled steps in the first run after a dry one) */
                bad |= one(count, chunked, len, RUNNING_ON_VALGRIND ? rep - 1 : rep,
                           steps, &f, tag);
                steps = f.steps;
                all.max_ns = f.max_ns > all.max_ns ? f.max_ns : all.max_ns;
                all.max_sent = f.max_sent > all.max_sent ? f.max_sent : all.max_sent;
                if (RUNNING_ON_VALGRIND && rep == 1) {
                    break;
                }
            }
            long long robust = 0;
            for (size_t k = 0; k < steps && k < MAX_STEPS_REC; k++) {
                robust = step_min[k] > robust ? step_min[k] : robust;
            }
            printf("%-8s %-8s %12zu %9zu %13llu %14lld %15lld\n", tag, chunked ? "chunked" : "declared",
                   len, steps, all.max_sent, all.max_ns, robust);
            fflush(stdout);
        }
    }
    emhttp_client_close(&cli);
    emhttp_posix_deinit(&net);
    free(step_min);
    return bad;
}
