/*
 * own_loop - the client inside the application's own poll() loop.
 *
 * The loop owns the waiting.  It never calls the port's wait() nor
 * emhttp_request_sync(): each turn it asks the client what it waits for
 * (emhttp_wait_flags()), lets the port turn that into descriptors
 * (emhttp_posix_pollfds(): the connection's socket, and while a name
 * resolves the resolver's wake-up), adds its own, and sleeps in poll()
 * until one of them is ready or the earliest of its own timers and
 * emhttp_next_timeout_ms() is due - 0 when the client says
 * EMHTTP_WAIT_NOW.  That is the whole contract; nothing else is needed,
 * and a first request to a host name completes as soon as the name
 * resolves and the server answers.
 *
 * The loop polls the client only when what the client asked for has
 * happened (one of its descriptors is ready, its timeout is due, it said
 * EMHTTP_WAIT_NOW) and right after submitting: never "just in case" on the
 * other work's ticks, which would hide a missed wake-up behind the tick
 * period.  Polling more often is harmless; it is not needed.
 *
 * Its own work, beside the client, on two timers of its own:
 *   - "other work" ticks every --tick-ms (default 100) and is counted;
 *   - a request (GET of the URL) every --every-ms (default 50): the next
 *     one is submitted on that timer once the previous one has completed.
 * All requests go over one connection; the name is resolved once.
 *
 * At the end it prints one JSON line on stdout:
 *
 *   {"first_ms":F,"first_result":"...","requests":N,"ok":N,"errors":N,
 *    "ticks":N,"connects":N,"dns_queries":N,"secs":F}
 *
 * first_ms: from the first emhttp_submit() to that request's completion;
 * ok: requests completed with EMHTTP_OK and a 2xx status; ticks: the other
 * work's ticks seen meanwhile.  Exit code 0 when every request is ok, 1
 * when one is not, 2 on bad arguments, 3 when setup fails.
 *
 *   own_loop [-n N] [--tick-ms T] [--every-ms E] [--dns-timeout-ms D]
 *            [--without-resolve-fd] http://host[:port]/path
 *
 * --without-resolve-fd leaves the resolver's wake-up out of the poll set
 * (the loop waits on the socket and its timers only), as a loop had to
 * before the port offered it: the first request then sleeps until the DNS
 * timeout passes and fails with EMHTTP_ERR_DNS_TIMEOUT.  It is there to
 * show that the descriptor matters; a real loop never does this.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emhttp/client.h"
#include "emhttp/port_posix.h"

#define MY_FDS 0   /* this program's own descriptors (its timers are deadlines) */

typedef struct {
    unsigned long n;
    unsigned long tick_ms;
    unsigned long every_ms;
    unsigned long dns_timeout_ms; /* 0: the client's default */
    int without_resolve_fd;
    const char *url;
} options;

static options opt = {20, 100, 50, 0, 0, NULL};
static emhttp_posix net;
static emhttp_client cli;
static uint8_t tx[512], rx[2048];
static char host[CONFIG_EMHTTP_MAX_HOST_LEN + 1], target[1024];

static emhttp_request req;
static unsigned long submitted, done_ok, done_err;
static int first_result = EMHTTP_PENDING;
static uint64_t t_first_submit_us, t_first_done_us;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the client's side ------------------------------------------------ */

static void on_complete(emhttp_request *r, int result)
{
    if (submitted == 1) {
        t_first_done_us = now_us();
        first_result = result;
    }
    if (result == EMHTTP_OK && r->status >= 200 && r->status < 300) {
        done_ok++;
    } else {
        done_err++;
        fprintf(stderr, "own_loop: request %lu: %s (status %d)\n", submitted,
                emhttp_strerror(result), r->status);
    }
}

static const emhttp_response_cbs cbs = {.on_complete = on_complete};

/* When the client's running timeout is due (UINT64_MAX: none).
 * emhttp_next_timeout_ms() counts from the last emhttp_poll(), so it is
 * read right after each poll and kept as an absolute time: the loop wakes
 * for its own timers in between without polling the client. */
static uint64_t client_due_us = UINT64_MAX;

static void poll_client(void)
{
    (void)emhttp_poll(&cli);
    uint32_t ms = emhttp_next_timeout_ms(&cli);
    client_due_us = ms == UINT32_MAX ? UINT64_MAX : now_us() + (uint64_t)ms * 1000u;
}

static void submit_next(void)
{
    req = (emhttp_request){.method = "GET", .target = target, .cbs = &cbs};
    if (submitted == 0) {
        t_first_submit_us = now_us();
    }
    if (emhttp_submit(&cli, &req) != EMHTTP_OK) {
        fprintf(stderr, "own_loop: submit refused\n");
        exit(1);
    }
    submitted++;
    poll_client(); /* after a submit from outside a callback: poll */
}

/* ---- the loop ---------------------------------------------------------- */

/* Milliseconds from @p now until @p due_us, rounded up (0 when due). */
static uint64_t ms_until(uint64_t due_us, uint64_t now)
{
    return due_us <= now ? 0u : (due_us - now + 999u) / 1000u;
}

static void run_loop(unsigned long *ticks)
{
    uint64_t t0 = now_us();
    uint64_t next_tick = t0 + opt.tick_ms * 1000u;
    uint64_t next_request = t0;

    while (done_ok + done_err < opt.n) {
        uint64_t now = now_us();

        /* The application's own work, on its own timers. */
        while (now >= next_tick) {
            ++*ticks;
            next_tick += opt.tick_ms * 1000u;
        }
        bool idle = submitted == done_ok + done_err; /* the previous request is done */
        if (idle && submitted < opt.n && now >= next_request) {
            submit_next();
            next_request = now + opt.every_ms * 1000u;
            idle = false;
        }

        /* What the client waits for, as descriptors and a deadline. */
        unsigned w = emhttp_wait_flags(&cli);
        if (opt.without_resolve_fd) {
            w &= ~EMHTTP_WAIT_RESOLVE;
        }
        struct pollfd fds[2 + MY_FDS];
        size_t n = emhttp_posix_pollfds(&net, w, fds);
        /* (the application's own descriptors would go to fds[n...] here) */
        uint64_t mine = next_tick;
        if (idle && submitted < opt.n && next_request < mine) {
            mine = next_request;
        }
        uint64_t client_due = (w & EMHTTP_WAIT_NOW) ? 0u : client_due_us;
        now = now_us();
        uint64_t timeout = ms_until(client_due < mine ? client_due : mine, now);

        int ready = poll(fds, (nfds_t)n, timeout > 60000u ? 60000 : (int)timeout);
        if (ready < 0 && errno != EINTR) {
            perror("own_loop: poll");
            exit(1);
        }

        /* Poll the client when what it asked for has happened. */
        bool client_turn = now_us() >= client_due; /* WAIT_NOW, or its timeout */
        for (size_t i = 0; i < n; i++) {
            client_turn = client_turn || fds[i].revents != 0;
        }
        if (client_turn) {
            poll_client();
        }
    }
}

/* ---- setup and report -------------------------------------------------- */

static const struct {
    const char *name;
    unsigned long *value;
} number_options[] = {
    {"-n", &opt.n},
    {"--tick-ms", &opt.tick_ms},
    {"--every-ms", &opt.every_ms},
    {"--dns-timeout-ms", &opt.dns_timeout_ms},
};

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        size_t k = 0, count = sizeof number_options / sizeof number_options[0];
        while (k < count && strcmp(argv[i], number_options[k].name) != 0) {
            k++;
        }
        if (k < count && i + 1 < argc) {
            char *end;
            errno = 0;
            *number_options[k].value = strtoul(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || argv[i][0] == '-') {
                return -1;
            }
        } else if (!strcmp(argv[i], "--without-resolve-fd")) {
            opt.without_resolve_fd = 1;
        } else if (argv[i][0] != '-' && opt.url == NULL) {
            opt.url = argv[i];
        } else {
            return -1;
        }
    }
    return opt.url != NULL && opt.n > 0 && opt.tick_ms > 0 && opt.tick_ms <= 3600000u &&
                   opt.every_ms <= 3600000u && opt.dns_timeout_ms <= EMHTTP_TIMEOUT_MAX_MS
               ? 0
               : -1;
}

static int setup(void)
{
    emhttp_url u;
    if (emhttp_url_parse(opt.url, &u) != EMHTTP_OK || u.scheme != EMHTTP_SCHEME_HTTP ||
        u.host_len >= sizeof host || u.target_len + 2 >= sizeof target) {
        fprintf(stderr, "own_loop: bad URL (http://host[:port]/path) %s\n", opt.url);
        return 2;
    }
    memcpy(host, u.host, u.host_len);
    size_t off = (u.target_len == 0 || u.target[0] == '?') ? 1 : 0;
    target[0] = '/';
    memcpy(target + off, u.target, u.target_len);
    if (emhttp_posix_init(&net) != EMHTTP_OK) {
        fprintf(stderr, "own_loop: emhttp_posix_init failed\n");
        return 3;
    }
    emhttp_config cfg = {.host = host, .port = u.port,
                         .net = emhttp_posix_port(&net), .transport = emhttp_posix_tcp(&net),
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx, .rx_size = sizeof rx,
                         .dns_timeout_ms = (uint32_t)opt.dns_timeout_ms};
    int rc = emhttp_client_init(&cli, &cfg);
    if (rc != EMHTTP_OK) {
        fprintf(stderr, "own_loop: emhttp_client_init: %s\n", emhttp_strerror(rc));
        return 3;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) != 0) {
        fprintf(stderr, "usage: own_loop [-n N] [--tick-ms T] [--every-ms E] "
                        "[--dns-timeout-ms D] [--without-resolve-fd] http://host[:port]/path\n");
        return 2;
    }
    int rc = setup();
    if (rc != 0) {
        return rc;
    }
    unsigned long ticks = 0;
    uint64_t t0 = now_us();
    run_loop(&ticks);
    double secs = (double)(now_us() - t0) / 1e6;
    const emhttp_stats *st = emhttp_client_stats(&cli);
    printf("{\"first_ms\":%.3f,\"first_result\":\"%s\",\"requests\":%lu,\"ok\":%lu,"
           "\"errors\":%lu,\"ticks\":%lu,\"connects\":%lu,\"dns_queries\":%lu,\"secs\":%.3f}\n",
           (double)(t_first_done_us - t_first_submit_us) / 1000.0, emhttp_strerror(first_result),
           submitted, done_ok, done_err, ticks, (unsigned long)st->connects,
           (unsigned long)st->dns_queries, secs);
    emhttp_client_close(&cli);
    emhttp_posix_deinit(&net);
    return done_err == 0 ? 0 : 1;
}
