/* bench_peer.c - the benchmark peers' shared timing (bench_peer.h). */
#define _POSIX_C_SOURCE 200809L
#include "bench_peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LAT_MAX 1000000

static unsigned lat_us[LAT_MAX];
static long nlat;

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_u(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

long bench_read_file(const char *prog, const char *path, void *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    n = fread(buf, 1, cap, f);
    if (ferror(f) || !feof(f)) {
        fprintf(stderr, "%s: %s: unreadable or larger than %zu\n", prog, path, cap);
        fclose(f);
        return -1;
    }
    fclose(f);
    return (long)n;
}

long bench_count(const char *prog, const char *arg)
{
    long n = strtol(arg, NULL, 10);

    if (n <= 0) {
        fprintf(stderr, "%s: N must be > 0\n", prog);
        return -1;
    }
    return n;
}

int bench_lat_env(void)
{
    const char *lat_env = getenv("EMHTTP_BENCH_LAT");
    return lat_env != NULL && strcmp(lat_env, "1") == 0;
}

void bench_start(bench_clock *c, long timed_from, int lat)
{
    c->timed_from = timed_from;
    c->lat = lat;
    c->t = 0.0;
    c->t0 = bench_now_s();
}

void bench_lat_add(double secs)
{
    if (nlat < LAT_MAX) {
        lat_us[nlat++] = (unsigned)(secs * 1e6);
    }
}

void bench_report(const bench_clock *c, long requests, long ok, unsigned long connects)
{
    double secs = bench_now_s() - c->t0;
    printf("requests=%ld secs=%.6f req_per_s=%.1f ok=%ld connects=%lu", requests, secs,
           (double)(requests - c->timed_from) / secs, ok, connects);
    if (nlat > 0) {
        qsort(lat_us, (size_t)nlat, sizeof lat_us[0], cmp_u);
        printf(" p50_us=%u p99_us=%u", lat_us[nlat / 2],
               lat_us[(size_t)((double)(nlat - 1) * 0.99 + 0.5)]);
    }
    printf("\n");
}
