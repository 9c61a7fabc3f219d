/*
 * curl_client - the libcurl benchmark peer for emhttp.
 *
 * One reused easy handle (so one keep-alive connection) POSTs the same
 * body N times with the same headers as raw_client and emhttp --json:
 * Content-Type and Accept application/json.  Response bodies are
 * discarded; every response must be a 200.
 *
 *   curl_client URL BODYFILE N [CAFILE]
 *   -> requests=N secs=F req_per_s=F ok=N connects=C [p50_us=F p99_us=F]  (stdout)
 *
 * CAFILE: an https URL (libcurl on OpenSSL) verified against this CA.  Over
 * TLS the timing starts after the first request (connect and handshake
 * excluded): req_per_s counts requests 2..N.  With EMHTTP_BENCH_LAT=1 in
 * the environment each request is timed too (p50/p99 of its latency; off
 * under callgrind, where the clock reads would count as the client's).
 *
 * connects is the number of connections libcurl opened (CURLINFO_NUM_CONNECTS
 * summed over the transfers): 1 when the connection was reused throughout.
 * Exit 0 when every response was a 200, 1 otherwise, 2 on usage errors.
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_peer.h"

static size_t discard(char *ptr, size_t size, size_t nmemb, void *user)
{
    (void)ptr;
    (void)user;
    return size * nmemb;
}

int main(int argc, char **argv)
{
    static char body[BODY_MAX + 1];
    struct curl_slist *hdrs = NULL;
    long n, i, ok = 0, connects = 0, body_len;
    bench_clock clk;
    CURL *h;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: curl_client URL BODYFILE N [CAFILE]\n");
        return 2;
    }
    n = bench_count("curl_client", argv[3]);
    if (n <= 0)
        return 2;
    body_len = bench_read_file("curl_client", argv[2], body, sizeof body);
    if (body_len < 0)
        return 2;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    h = curl_easy_init();
    if (h == NULL)
        return 1;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, argv[1]);
    curl_easy_setopt(h, CURLOPT_PROXY, ""); /* ignore *_proxy variables */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, body_len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (argc == 5)
        curl_easy_setopt(h, CURLOPT_CAINFO, argv[4]);

    /* TLS: the handshake is not timed */
    bench_start(&clk, argc == 5 && n > 1, bench_lat_env());
    for (i = 0; i < n; i++) {
        long code = 0, nc = 0;
        bench_request_start(&clk);
        CURLcode rc = curl_easy_perform(h);
        bench_request_done(&clk, i, rc == CURLE_OK);
        if (rc != CURLE_OK) {
            fprintf(stderr, "curl_client: request %ld: %s\n", i + 1,
                    curl_easy_strerror(rc));
            break;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nc);
        connects += nc;
        if (code == 200)
            ok++;
        else if (ok == i)
            fprintf(stderr, "curl_client: request %ld: status %ld\n", i + 1,
                    code);
    }
    bench_report(&clk, i, ok, (unsigned long)connects);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return ok == n ? 0 : 1;
}
