/*
 * tls_driver - runs a sequence of requests on ONE emhttp client over TLS
 * (POSIX port) and prints one JSON line per step plus the client's
 * counters and its memory figures, for the TLS integration tests and the
 * TLS benchmark.
 *
 *   tls_driver HOST PORT [--cacert FILE] [--insecure] [--pin BASE64]
 *              [--rx BYTES] [--arena BYTES] [--max-frag N] [--max-time MS]
 *              [--count] [--dump] STEP...
 *   STEP: METHOD:PATH   one request (POST carries a small JSON body)
 *         N*METHOD:PATH the same request N times, one line for all
 *         sleep:MS      pause (connection idle)
 *         wait          read one line from stdin first (the test forces a
 *                       reconnect meanwhile, e.g. an nginx reload)
 *         close         close the connection (the next request reconnects)
 *         forget        drop the saved TLS session
 *
 * --arena gives mbedTLS a static arena of that size (exit 77 when mbedTLS
 * has no buffer allocator).  Heap counting: see below.  The last line
 * holds the counters and the memory figures (struct sizes, buffers, heap
 * and arena peaks).
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body_sum.h"
#include "driver_steps.h"
#include "emhttp/client.h"
#include "emhttp/port_posix.h"
#include "emhttp/tls.h"

/* ---- heap counting ---------------------------------------------------------
 * Every block mbedTLS allocates is tracked (size by address) from
 * emhttp_tls_init() on.  tls_heap_driver (EMHTTP_COUNT_HEAP) interposes the
 * C library's calloc/free, for Debian's mbedTLS; --count installs the
 * same bookkeeping as mbedTLS's own allocator (MBEDTLS_PLATFORM_MEMORY
 * builds without an arena).  --dump prints the sizes of the blocks live at
 * the peak. */

typedef struct {
    size_t now, peak, blocks, peak_blocks, calls;
} heap_count;

static heap_count heap;
static int counting, dumping;
#if defined(EMHTTP_COUNT_HEAP)
static pthread_t net_task;
#endif

#define TRACK_SLOTS 8192 /* open addressing; mbedTLS keeps a few hundred blocks */
static struct {
    void *p;
    size_t n;
} track[TRACK_SLOTS];
static size_t peak_sizes[512], npeak_sizes;

static size_t slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 2654435761u) % TRACK_SLOTS;
}

static void snapshot_peak(void)
{
    npeak_sizes = 0;
    for (size_t i = 0; i < TRACK_SLOTS && npeak_sizes < 512; i++) {
        if (track[i].p != NULL) {
            peak_sizes[npeak_sizes++] = track[i].n;
        }
    }
}

__attribute__((unused)) static void track_add(void *p, size_t n)
{
    for (size_t i = slot_of(p), k = 0; k < TRACK_SLOTS; k++, i = (i + 1) % TRACK_SLOTS) {
        if (track[i].p == NULL) {
            track[i].p = p;
            track[i].n = n;
            heap.now += n;
            heap.blocks++;
            heap.calls++;
            if (heap.now > heap.peak) {
                heap.peak = heap.now;
                if (dumping) {
                    snapshot_peak();
                }
            }
            heap.peak_blocks = heap.blocks > heap.peak_blocks ? heap.blocks : heap.peak_blocks;
            return;
        }
    }
}

/* Backward-shift deletion keeps the probe chains intact. */
__attribute__((unused)) static bool track_del(void *p)
{
    size_t i = slot_of(p), k = 0;
    for (; k < TRACK_SLOTS && track[i].p != p; k++, i = (i + 1) % TRACK_SLOTS) {
        if (track[i].p == NULL) {
            return false;
        }
    }
    if (k == TRACK_SLOTS) {
        return false;
    }
    heap.now -= track[i].n;
    heap.blocks--;
    for (size_t j = (i + 1) % TRACK_SLOTS; track[j].p != NULL; j = (j + 1) % TRACK_SLOTS) {
        size_t h = slot_of(track[j].p);
        if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
            track[i] = track[j];
            track[j].p = NULL;
            i = j;
        }
    }
    track[i].p = NULL;
    return true;
}

#if defined(EMHTTP_COUNT_HEAP)
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    /* Only the network task's: the port's resolver thread (getaddrinfo,
     * its thread's own set-up) is not the TLS layer. */
    if (p != NULL && counting && pthread_equal(pthread_self(), net_task)) {
        track_add(p, n * size);
    }
    return p;
}

void *realloc(void *old, size_t size)
{
    bool tracked = old != NULL && track_del(old);
    void *p = __libc_realloc(old, size);
    if (p != NULL && tracked) {
        track_add(p, size);
    }
    return p;
}

void free(void *p)
{
    if (p != NULL) {
        (void)track_del(p);
    }
    __libc_free(p);
}
#endif

#if defined(MBEDTLS_PLATFORM_MEMORY)
#include <mbedtls/platform.h>

/* Not named calloc/free: the C library's stay untouched. */
static void *count_calloc(size_t n, size_t size)
{
    void *p = (calloc)(n, size);
    if (p != NULL) {
        track_add(p, n * size);
    }
    return p;
}

static void count_free(void *p)
{
    if (p != NULL) {
        (void)track_del(p);
    }
    (free)(p);
}

static bool count_platform(void) { return mbedtls_platform_set_calloc_free(count_calloc, count_free) == 0; }
#else
static bool count_platform(void) { return false; }
#endif

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x < y) - (x > y);
}

static void print_peak_sizes(void)
{
    qsort(peak_sizes, npeak_sizes, sizeof peak_sizes[0], cmp_size);
    printf("{\"peak_block_sizes\":[");
    for (size_t i = 0; i < npeak_sizes; i++) {
        printf("%s%zu", i ? "," : "", peak_sizes[i]);
    }
    printf("]}\n");
}

/* ---- the client ---------------------------------------------------------- */

static emhttp_posix net;
static emhttp_client cli;
static emhttp_tls tls;
static uint8_t tx[1024], rx[65536];
static uint8_t arena[1u << 20];
static uint8_t *ca_buf;
static size_t ca_len;

static int b64(int ch)
{
    const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = ch ? strchr(abc, ch) : NULL;
    return p ? (int)(p - abc) : -1;
}

static bool decode_pin(const char *s, uint8_t *out)
{
    uint32_t acc = 0;
    unsigned bits = 0, n = 0;
    for (; *s && *s != '=' && n < EMHTTP_TLS_PIN_LEN; s++) {
        int v = b64(*s);
        if (v < 0) {
            return false;
        }
        acc = (acc << 6 | (uint32_t)v) & 0xFFFFu;
        if ((bits += 6) >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n == EMHTTP_TLS_PIN_LEN;
}

static bool read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return false;
    }
    static uint8_t buf[1 << 18];
    ca_len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[ca_len] = '\0';
    if (strstr((char *)buf, "-----BEGIN") != NULL) {
        ca_len++; /* PEM: the NUL counts */
    }
    ca_buf = buf;
    return ca_len > 0;
}

static void print_result(const char *step, int rc, int status, const body_sum *sum,
                         unsigned long n, const emhttp_request *req)
{
    const emhttp_stats *s = emhttp_client_stats(&cli);
    printf("{\"step\":\"%s\",\"n\":%lu,\"rc\":%d,\"err\":\"%s\",\"status\":%d,\"len\":%zu,"
           "\"fnv\":\"%016llx\",\"tls_handshakes\":%u,\"tls_resumed\":%u,\"mbedtls\":%d",
           step, n, rc, emhttp_strerror(rc), status, sum->len, (unsigned long long)sum->fnv,
           (unsigned)s->tls_handshakes, (unsigned)s->tls_resumed, emhttp_tls_last_error(&tls));
#if CONFIG_EMHTTP_TIMING /* the last request's (emhttp_request.timing) */
    printf(",\"timing\":{\"connects\":%u,\"handshake_ms\":%u,\"flags\":%u}",
           (unsigned)req->timing.connects, (unsigned)req->timing.handshake_ms,
           (unsigned)req->timing.flags);
#else
    (void)req;
#endif
    printf("}\n");
    fflush(stdout);
}

static void run_request(const char *step, char *method, char *path, unsigned long n)
{
    static const uint8_t json[] = "{\"t\":1}";
    body_sum sum = BODY_SUM_INIT;
    bool post = !strcmp(method, "POST");
    emhttp_request req = {.method = method, .target = path, .cbs = &driver_body_cbs,
                          .user = &sum, .body = post ? json : NULL,
                          .body_len = post ? sizeof json - 1 : 0};
    int rc = EMHTTP_OK;
    for (unsigned long i = 0; i < n && rc == EMHTTP_OK; i++) {
        rc = emhttp_request_sync(&cli, &req);
    }
    print_result(step, rc, req.status, &sum, n, &req);
}

static void forget(void)
{
    emhttp_tls_forget_session(&tls);
}

static const driver_steps steps = {&cli, forget, run_request};

static void print_summary(size_t rx_size)
{
    const emhttp_stats *s = emhttp_client_stats(&cli);
    emhttp_tls_arena_stats a = {0};
    (void)emhttp_tls_arena_get_stats(&a);
    printf("{\"stats\":{\"requests\":%u,\"errors\":%u,\"connects\":%u,\"reuses\":%u,"
           "\"retries\":%u,\"tls_handshakes\":%u,\"tls_resumed\":%u},"
           "\"mem\":{\"client\":%zu,\"tls\":%zu,\"port\":%zu,\"tx\":%zu,\"rx\":%zu,"
           "\"heap_now\":%zu,\"heap_peak\":%zu,\"heap_peak_blocks\":%zu,\"heap_allocs\":%zu,"
           "\"arena\":%zu,\"arena_now\":%zu,\"arena_peak\":%zu,\"arena_peak_blocks\":%zu,"
           "\"arena_header\":%zu}}\n",
           (unsigned)s->requests, (unsigned)s->errors, (unsigned)s->connects,
           (unsigned)s->reuses, (unsigned)s->retries, (unsigned)s->tls_handshakes,
           (unsigned)s->tls_resumed, sizeof cli, sizeof tls, sizeof net, sizeof tx, rx_size,
           heap.now, heap.peak, heap.peak_blocks, heap.calls, a.size, a.used, a.peak,
           a.peak_blocks, a.header);
    fflush(stdout);
}

typedef struct {
    emhttp_tls_config tc;
    uint8_t pin[EMHTTP_TLS_PIN_LEN];
    size_t rx_size, arena_size;
    uint32_t max_time;
    bool count;
} driver_opts;

static int parse_option(driver_opts *o, char **argv, int i, int argc)
{
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--insecure") || !strcmp(a, "--count") || !strcmp(a, "--dump")) {
        o->tc.insecure |= a[2] == 'i';
        o->count |= a[2] == 'c';
        dumping |= a[2] == 'd';
        return 1;
    }
    if (v == NULL) {
        return -1;
    }
    if (!strcmp(a, "--cacert")) {
        return read_file(v) ? 2 : -1;
    } else if (!strcmp(a, "--pin")) {
        o->tc.pins = o->pin;
        o->tc.pin_count = 1;
        return decode_pin(v, o->pin) ? 2 : -1;
    } else if (!strcmp(a, "--rx")) {
        o->rx_size = (size_t)atol(v);
    } else if (!strcmp(a, "--arena")) {
        o->arena_size = (size_t)atol(v);
    } else if (!strcmp(a, "--max-frag")) {
        o->tc.max_frag_len = (uint16_t)atol(v);
    } else if (!strcmp(a, "--max-time")) {
        o->max_time = (uint32_t)atol(v);
    } else {
        return -1;
    }
    return 2;
}

static int setup(const char *host, uint16_t port, driver_opts *o)
{
    if (o->arena_size > sizeof arena || o->rx_size < 256 || o->rx_size > sizeof rx) {
        return 2;
    }
    if (o->arena_size > 0 && emhttp_tls_arena_init(arena, o->arena_size) != EMHTTP_OK) {
        fprintf(stderr, "tls_driver: this mbedTLS has no static arena\n");
        return 77;
    }
    o->tc.hostname = host;
    o->tc.ca = ca_buf;
    o->tc.ca_len = ca_len;
    if (o->count && !count_platform()) {
        fprintf(stderr, "tls_driver: this mbedTLS has no MBEDTLS_PLATFORM_MEMORY\n");
        return 77;
    }
#if defined(EMHTTP_COUNT_HEAP)
    net_task = pthread_self();
#endif
    counting = 1;
    int rc = emhttp_tls_init(&tls, &o->tc);
    if (rc != EMHTTP_OK || emhttp_posix_init(&net) != EMHTTP_OK) {
        fprintf(stderr, "tls_driver: init: %s (mbedTLS %d)\n", emhttp_strerror(rc),
                emhttp_tls_last_error(&tls));
        return 1;
    }
    emhttp_config cfg = {.host = host, .port = port, .scheme = EMHTTP_SCHEME_HTTPS,
                         .net = emhttp_posix_port(&net),
                         .transport = emhttp_tls_transport(&tls, emhttp_posix_tcp(&net)), .tx_buf = tx,
                         .tx_size = sizeof tx, .rx_buf = rx, .rx_size = o->rx_size,
                         .request_timeout_ms = o->max_time, .first_byte_timeout_ms = o->max_time};
    return emhttp_client_init(&cli, &cfg) == EMHTTP_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    driver_opts o = {.rx_size = 2048, .max_time = 10000};
    if (argc < 3) {
        fprintf(stderr, "usage: tls_driver HOST PORT [options] STEP...\n");
        return 2;
    }
    printf("%s", ""); /* stdout's buffer exists before counting starts */
    int i = 3;
    while (i < argc && argv[i][0] == '-') {
        int used = parse_option(&o, argv, i, argc);
        if (used < 0) {
            fprintf(stderr, "tls_driver: bad option %s\n", argv[i]);
            return 2;
        }
        i += used;
    }
    int rc = setup(argv[1], (uint16_t)atoi(argv[2]), &o);
    if (rc != 0) {
        return rc;
    }
    for (; i < argc; i++) {
        driver_run_step(&steps, argv[i]);
    }
    print_summary(o.rx_size);
    if (dumping) {
        print_peak_sizes();
    }
    emhttp_client_close(&cli);
    emhttp_tls_free(&tls);
    counting = 0;
    emhttp_posix_deinit(&net);
    return 0;
}
