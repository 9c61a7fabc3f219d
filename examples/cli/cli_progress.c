/*
 * cli_progress.c - the progress meter (cli.h): one line on stderr,
 * rewritten in place with '\r', once a transfer has run over a second:
 *
 *     12.5 MiB of 20.0 MiB  62%   3.11 MiB/s  0:00:04
 *
 * (without "of TOTAL  PCT%" when the length is unknown).  The caller
 * enables it only when stderr is a terminal and -s is off.
 */
#define _POSIX_C_SOURCE 200809L

#include <time.h>

#include "cli.h"

#define SHOW_AFTER_US 1000000u  /* transfers longer than a second */
#define REFRESH_US 250000u

uint64_t cli_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void cli_progress_start(cli_progress *p, bool enabled)
{
    *p = (cli_progress){.enabled = enabled, .t0_us = enabled ? cli_now_us() : 0};
}

void cli_progress_total(cli_progress *p, uint64_t total) { p->total = total; }

void cli_progress_add(cli_progress *p, size_t n) { p->bytes += n; }

/* 1536 -> "1.5 KiB" */
static void size_text(double v, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, size, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

static void print_line(cli_progress *p, uint64_t now)
{
    char got[24], total[24], rate[24];
    uint64_t us = now - p->t0_us;
    unsigned secs = (unsigned)(us / 1000000u);
    size_text((double)p->bytes, got, sizeof got);
    size_text(us > 0 ? (double)p->bytes * 1e6 / (double)us : 0.0, rate, sizeof rate);
    if (p->total > 0) {
        size_text((double)p->total, total, sizeof total);
        fprintf(stderr, "\r%10s of %-10s %3u%%  %10s/s  %u:%02u:%02u ", got, total,
                (unsigned)(p->bytes * 100u / p->total), rate, secs / 3600u, secs / 60u % 60u,
                secs % 60u);
    } else {
        fprintf(stderr, "\r%10s  %10s/s  %u:%02u:%02u ", got, rate, secs / 3600u,
                secs / 60u % 60u, secs % 60u);
    }
    fflush(stderr);
    p->shown = true;
    p->last_us = now;
}

void cli_progress_tick(cli_progress *p)
{
    if (!p->enabled) {
        return;
    }
    uint64_t now = cli_now_us();
    if (now - p->t0_us >= SHOW_AFTER_US && (!p->shown || now - p->last_us >= REFRESH_US)) {
        print_line(p, now);
    }
}

void cli_progress_end(cli_progress *p)
{
    if (p->enabled && p->shown) {
        print_line(p, cli_now_us());
        fputc('\n', stderr);
    }
    p->shown = false;
}
