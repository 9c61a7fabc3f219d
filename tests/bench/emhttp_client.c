/*
 * emhttp_client - emhttp as a library in the benchmark, the counterpart of
 * curl_client (one reused easy handle) and raw_client: one client, one
 * keep-alive connection, the same body POSTed N times with the same
 * headers (Content-Type and Accept application/json), its head prepared
 * once; response bodies are discarded; every response must be a 200.  The
 * emhttp CLI is benchmarked beside it: the difference is the CLI's own
 * curl-like output work (writing each body, -v/-i hooks, the progress
 * meter), not the library's.
 *
 *   emhttp_client HOST PORT PATH BODYFILE N [CAFILE]
 *   -> requests=N secs=F req_per_s=F ok=N connects=C [p50_us=F p99_us=F]  (stdout)
 *
 * CAFILE: https through emhttp's mbedTLS transport (emhttp/tls.h, a build
 * with CONFIG_EMHTTP_TLS), the server verified against this CA (PEM).  Over
 * TLS the timing starts after the first request (connect and handshake
 * excluded): req_per_s counts requests 2..N, as curl_client does.  With
 * EMHTTP_BENCH_LAT=1 in the environment each request is timed too (p50/p99;
 * off under callgrind, where the clock reads would count as the client's).
 *
 * Exit 0 when every response was a 200, 1 otherwise, 2 on usage errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "bench_peer.h"
#include "emhttp/client.h"
#include "emhttp/port_posix.h"
#if CONFIG_EMHTTP_TLS
#include "emhttp/tls.h"
#endif

int main(int argc, char **argv)
{
    static emhttp_posix net;
    static emhttp_client cli;
    static uint8_t tx[1024], rx[16384], head[1024], body[BODY_MAX];
    static const emhttp_header hdrs[] = {EMHTTP_HEADER("Content-Type", "application/json"),
                                         EMHTTP_HEADER("Accept", "application/json")};
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: emhttp_client HOST PORT PATH BODYFILE N [CAFILE]\n");
        return 2;
    }
    long n = strtol(argv[5], NULL, 10), ok = 0, i;
    long body_len = bench_read_file("emhttp_client", argv[4], body, sizeof body);
    if (n <= 0 || body_len < 0 || emhttp_posix_init(&net) != EMHTTP_OK) {
        return 2;
    }
    emhttp_config cfg = {.host = argv[1], .port = (uint16_t)atoi(argv[2]),
                         .net = emhttp_posix_port(&net), .transport = emhttp_posix_tcp(&net),
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx, .rx_size = sizeof rx};
    if (argc == 7) {
#if CONFIG_EMHTTP_TLS
        static emhttp_tls tls;
        static uint8_t ca[65536];
        long ca_len = bench_read_file("emhttp_client", argv[6], ca, sizeof ca - 1);
        if (ca_len < 0) {
            return 2;
        }
        ca[ca_len] = 0; /* PEM: the NUL is counted */
        emhttp_tls_config tc = {.hostname = argv[1], .ca = ca, .ca_len = (size_t)ca_len + 1};
        if (emhttp_tls_init(&tls, &tc) != EMHTTP_OK) {
            fprintf(stderr, "emhttp_client: TLS init failed (mbedTLS %d)\n",
                    emhttp_tls_last_error(&tls));
            return 2;
        }
        cfg.scheme = EMHTTP_SCHEME_HTTPS;
        cfg.transport = emhttp_tls_transport(&tls, emhttp_posix_tcp(&net));
#else
        fprintf(stderr, "emhttp_client: built without TLS (CONFIG_EMHTTP_TLS)\n");
        return 2;
#endif
    }
    emhttp_request req = {.method = "POST", .target = argv[3], .headers = hdrs,
                          .header_count = 2, .body = body, .body_len = (size_t)body_len};
    if (emhttp_client_init(&cli, &cfg) != EMHTTP_OK ||
        emhttp_request_prepare(&cli, &req, head, sizeof head) != EMHTTP_OK) {
        return 2;
    }
    bench_clock clk;
    bench_start(&clk, argc == 7 && n > 1, bench_lat_env()); /* TLS: the handshake is not timed */
    for (i = 0; i < n; i++) {
        bench_request_start(&clk);
        int rc = emhttp_request_sync(&cli, &req); /* no callbacks: the body is discarded */
        bench_request_done(&clk, i, rc == EMHTTP_OK);
        if (rc != EMHTTP_OK) {
            fprintf(stderr, "emhttp_client: request %ld: %s\n", i + 1, emhttp_strerror(rc));
            break;
        }
        if (req.status == 200) {
            ok++;
        } else if (ok == i) {
            fprintf(stderr, "emhttp_client: request %ld: status %d\n", i + 1, req.status);
        }
    }
    bench_report(&clk, i, ok, (unsigned long)emhttp_client_stats(&cli)->connects);
    emhttp_client_close(&cli);
    emhttp_posix_deinit(&net);
    return ok == n ? 0 : 1;
}
