/*
 * bench_peer.h - what the benchmark peers (raw_client, curl_client,
 * emhttp_client) share: reading the body file, the clock around the
 * request loop, the per-request latencies and the one result line
 *
 *   requests=N secs=F req_per_s=F ok=N connects=C [p50_us=F p99_us=F]
 *
 * Over TLS (timed_from 1) the timing starts after the first request
 * (connect and handshake excluded) and req_per_s counts requests 2..N.
 * Latencies are taken only when asked for (EMHTTP_BENCH_LAT=1 for the
 * peers that time each request; off under callgrind, where the clock
 * reads would count as the client's).
 */
#ifndef EMHTTP_BENCH_PEER_H
#define EMHTTP_BENCH_PEER_H

#include <stddef.h>

#define BODY_MAX 65536

typedef struct {
    long timed_from; /* 1: request 1 is not timed (TLS handshake) */
    int lat;         /* time each request (p50/p99 in the result line) */
    double t0, t;    /* start of the timing; start of this request */
} bench_clock;

/* The file at path into buf (at most cap bytes): its length, or -1 (said on
 * stderr, prefixed "prog: ") when it is unreadable or larger than cap. */
long bench_read_file(const char *prog, const char *path, void *buf, size_t cap);

/* The request count N from arg: > 0, else -1 ("prog: N must be > 0" on
 * stderr). */
long bench_count(const char *prog, const char *arg);

/* 1 when EMHTTP_BENCH_LAT=1 is in the environment. */
int bench_lat_env(void);

/* Starts the clock (now). */
void bench_start(bench_clock *c, long timed_from, int lat);

/* The clock now, in seconds (CLOCK_MONOTONIC). */
double bench_now_s(void);

/* Keeps one latency (seconds). */
void bench_lat_add(double secs);

/* Around each request i (from 0): before it, and after it with ok set when
 * it completed (then its latency is kept).  After request 0 the clock
 * restarts when timed_from is 1.  Inline: under callgrind the loop costs
 * what it did when each peer had it written out. */
static inline void bench_request_start(bench_clock *c)
{
    c->t = c->lat ? bench_now_s() : 0.0;
}

static inline void bench_request_done(bench_clock *c, long i, int ok)
{
    if (ok && c->lat && i >= c->timed_from) {
        bench_lat_add(bench_now_s() - c->t);
    }
    if (i == 0 && c->timed_from) {
        c->t0 = bench_now_s();
    }
}

/* Prints the result line: `requests` requests were made, ok of them 200. */
void bench_report(const bench_clock *c, long requests, long ok, unsigned long connects);

#endif /* EMHTTP_BENCH_PEER_H */
