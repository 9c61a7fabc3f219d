/*
 * offload_driver - runs a sequence of https requests on ONE emhttp client
 * whose transport does TLS itself (offload_transport.c, OpenSSL standing
 * in for a modem's TLS socket), and prints one JSON line per step plus a
 * last line with the client's counters and the transport's figures.
 * No emhttp TLS code is linked: the client gets https (scheme, default
 * port 443, Host header) from the transport's EMHTTP_TRANSPORT_SECURE.
 *
 *   offload_driver HOST PORT [--cacert FILE] [--resolve IP] [--no-resume]
 *                  [--max-time MS] STEP...
 *   PORT 0: the scheme's default (443).
 *   --resolve IP: emhttp_config.resolve (no name lookup at all).
 *   STEP: METHOD:PATH   one request
 *         N*METHOD:PATH the same request N times, one line for all
 *         sleep:MS      pause (connection idle)
 *         wait          read one line from stdin first (the test forces a
 *                       reconnect meanwhile)
 *         close         close the connection (the next request reconnects)
 *         forget        drop the kept TLS session
 *
 * The loop is the application's own: emhttp_submit(), emhttp_poll(), and
 * poll() on what emhttp_wait_flags() / emhttp_next_timeout_ms() say - the
 * transport's socket for READ / WRITE, the POSIX port's resolver wake-up
 * (emhttp_posix_pollfds) for RESOLVE.  The POSIX port gives the clock and
 * the resolver only; its own TCP transport is not used.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body_sum.h"
#include "driver_steps.h"
#include "emhttp/client.h"
#include "emhttp/port_posix.h"
#include "offload_transport.h"

static emhttp_posix net;
static offload_tls tls;
static emhttp_client cli;
static uint8_t tx[1024], rx[16384];

/* One request through the application's own poll() loop. */
static int run_one(emhttp_request *req)
{
    int rc = emhttp_submit(&cli, req);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    for (;;) {
        (void)emhttp_poll(&cli);
        if (req->result != EMHTTP_PENDING) {
            return req->result;
        }
        unsigned w = emhttp_wait_flags(&cli);
        if (w & EMHTTP_WAIT_NOW) {
            continue;
        }
        struct pollfd fds[3];
        nfds_t n = (nfds_t)emhttp_posix_pollfds(&net, w & EMHTTP_WAIT_RESOLVE, fds);
        if ((w & (EMHTTP_WAIT_READ | EMHTTP_WAIT_WRITE)) && offload_tls_fd(&tls) >= 0) {
            fds[n].fd = offload_tls_fd(&tls);
            fds[n].events = (short)(((w & EMHTTP_WAIT_READ) ? POLLIN : 0) |
                                    ((w & EMHTTP_WAIT_WRITE) ? POLLOUT : 0));
            fds[n].revents = 0;
            n++;
        }
        uint32_t ms = emhttp_next_timeout_ms(&cli);
        int timeout = ms == UINT32_MAX ? -1 : ms > INT_MAX ? INT_MAX : (int)ms;
        if (n == 0 && timeout < 0) {
            fprintf(stderr, "offload_driver: nothing to wait for (flags %u)\n", w);
            exit(4); /* would sleep forever: a contract violation */
        }
        (void)poll(fds, n, timeout);
    }
}

static void print_result(const char *step, int rc, int status, const body_sum *sum,
                         unsigned long n)
{
    const emhttp_stats *s = emhttp_client_stats(&cli);
    printf("{\"step\":\"%s\",\"n\":%lu,\"rc\":%d,\"err\":\"%s\",\"status\":%d,\"len\":%zu,"
           "\"fnv\":\"%016llx\",\"connects\":%u,\"reuses\":%u,\"dns_queries\":%u,"
           "\"handshakes\":%u,\"resumed\":%u,\"last_resumed\":%s,\"verify\":%ld,"
           "\"verify_text\":\"%s\",\"addr\":\"%s\",\"port\":%u}\n",
           step, n, rc, emhttp_strerror(rc), status, sum->len, (unsigned long long)sum->fnv,
           (unsigned)s->connects, (unsigned)s->reuses, (unsigned)s->dns_queries, tls.handshakes,
           tls.resumed, tls.last_resumed ? "true" : "false", tls.verify_result, tls.verify_text,
           tls.last_addr, (unsigned)tls.last_port);
    fflush(stdout);
}

static void run_request(const char *step, char *method, char *path, unsigned long n)
{
    body_sum sum = BODY_SUM_INIT;
    emhttp_request req = {.method = method, .target = path, .cbs = &driver_body_cbs,
                          .user = &sum};
    int rc = EMHTTP_OK;
    for (unsigned long i = 0; i < n && rc == EMHTTP_OK; i++) {
        rc = run_one(&req);
    }
    print_result(step, rc, req.status, &sum, n);
}

static void forget(void)
{
    offload_tls_forget_session(&tls);
}

static const driver_steps steps = {&cli, forget, run_request};

int main(int argc, char **argv)
{
    const char *ca = NULL;
    bool resume = true;
    uint32_t max_time = 10000;
    emhttp_ip_addr fixed;
    bool have_fixed = false;
    if (argc < 3) {
        fprintf(stderr, "usage: offload_driver HOST PORT [options] STEP...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* OpenSSL's socket BIO writes with write() */
    int i = 3;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-resume")) {
            resume = false;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "offload_driver: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--cacert")) {
            ca = v;
        } else if (!strcmp(a, "--max-time")) {
            max_time = (uint32_t)atol(v);
        } else if (!strcmp(a, "--resolve")) {
            memset(&fixed, 0, sizeof fixed);
            if (inet_pton(AF_INET, v, fixed.bytes) == 1) {
                fixed.family = EMHTTP_AF_INET;
            } else if (inet_pton(AF_INET6, v, fixed.bytes) == 1) {
                fixed.family = EMHTTP_AF_INET6;
            } else {
                fprintf(stderr, "offload_driver: bad address %s\n", v);
                return 2;
            }
            have_fixed = true;
        } else {
            fprintf(stderr, "offload_driver: bad option %s\n", a);
            return 2;
        }
    }
    if (offload_tls_init(&tls, ca, resume) != 0 || emhttp_posix_init(&net) != EMHTTP_OK) {
        return 1;
    }
    emhttp_config cfg = {.host = argv[1], .port = (uint16_t)atoi(argv[2]),
                         .scheme = EMHTTP_SCHEME_HTTPS, .net = emhttp_posix_port(&net),
                         .transport = offload_tls_transport(&tls), .tx_buf = tx,
                         .tx_size = sizeof tx, .rx_buf = rx, .rx_size = sizeof rx,
                         .request_timeout_ms = max_time, .first_byte_timeout_ms = max_time,
                         .resolve = have_fixed ? &fixed : NULL};
    int rc = emhttp_client_init(&cli, &cfg);
    if (rc != EMHTTP_OK) {
        fprintf(stderr, "offload_driver: client init: %s\n", emhttp_strerror(rc));
        return 1;
    }
    for (; i < argc; i++) {
        driver_run_step(&steps, argv[i]);
    }
    const emhttp_stats *s = emhttp_client_stats(&cli);
    printf("{\"stats\":{\"requests\":%u,\"errors\":%u,\"connects\":%u,\"reuses\":%u,"
           "\"retries\":%u,\"ka_expired\":%u,\"dns_queries\":%u,\"tls_handshakes\":%u},"
           "\"transport\":{\"handshakes\":%u,\"resumed\":%u,\"addr\":\"%s\",\"port\":%u}}\n",
           (unsigned)s->requests, (unsigned)s->errors, (unsigned)s->connects,
           (unsigned)s->reuses, (unsigned)s->retries, (unsigned)s->ka_expired,
           (unsigned)s->dns_queries, (unsigned)s->tls_handshakes, tls.handshakes, tls.resumed,
           tls.last_addr, (unsigned)tls.last_port);
    fflush(stdout);
    emhttp_client_close(&cli);
    offload_tls_free(&tls);
    emhttp_posix_deinit(&net);
    return 0;
}
