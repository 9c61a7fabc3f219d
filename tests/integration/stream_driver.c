/*
 * stream_driver - streamed request bodies on ONE emhttp client (POSIX
 * port) against a real server: a JSON array written by the resumable JSON
 * writer record by record into the client's transmit buffer while it is
 * sent, never held whole.
 *
 *   stream_driver HOST PORT [--tx N] [--expect-ms MS] STEP...
 *   STEP: METHOD,PATH,KIND,COUNT,FRAMING[,expect]
 *     KIND     json   COUNT records, the document below
 *              fail   the producer fails after half of the records
 *              short  declares 100 bytes more than it gives
 *              over   declares 100 bytes less than it gives
 *              plain  a 16-byte body from memory (not streamed)
 *              none   no body
 *     FRAMING  chunked (length unknown) | declared (Content-Length)
 *     expect   adds "Expect: 100-continue"
 *     outbox   (json only) a streamed outbox job: an idle thread writes
 *              the pieces into 4 slots of 1 KB (emhttp_outbox_encode()), the
 *              loop pumps, polls and sleeps on the wake hook while the
 *              client's producer waits
 *   --tx N: transmit buffer of N bytes (default 1024): the pieces.
 *   --cacert FILE (CONFIG_EMHTTP_TLS builds): https, the mbedTLS transport
 *   (emhttp_tls_transport()) over the port's TCP, the server's certificate
 *   verified against FILE (PEM or DER) and HOST; an mbedTLS with its
 *   buffer allocator gets a static arena (emhttp_tls_arena_init()).  Exit
 *   77 when this build has no TLS.
 *
 * The document (seed 1, COUNT records), the same as
 * test_upload.py's json_document():
 *   [{"i":0,"t":1700000000,"v":V0},{"i":1,"t":1700000060,"v":V1},...]
 *   seed = seed * 1103515245 + 12345 (mod 2^32) before each record,
 *   V = (seed >> 16) % 20001 - 10000.
 *
 * One JSON line per step: rc, status, the response body (the fixture's
 * JSON), and the figures of the loop: polls, mean_poll_us and max_poll_us
 * (emhttp_poll() wall time, with the producer's work: reported, never
 * asserted - a loaded machine preempts), max_poll_sent (most bytes the
 * transport accepted in one poll), max_piece (largest single send);
 * then {"maxrss_kb": N}: the process's peak resident memory (VmHWM of
 * /proc/self/status; getrusage's ru_maxrss would carry the parent's peak
 * across fork and exec).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emhttp/client.h"
#include "emhttp/json_writer.h"
#include "emhttp/outbox.h"
#include "emhttp/port_posix.h"
#if CONFIG_EMHTTP_TLS
#include "emhttp/tls.h"
#endif

static emhttp_posix net;
static emhttp_client cli;
static uint8_t tx[65536], rx[4096];

#include "record_gen.h" /* the document: gen_init(), gen_fill() */

typedef struct {
    gen g;
    long long extra; /* "over": bytes given beyond the document */
} step_state;

static int produce(emhttp_request *req, uint8_t *buf, size_t size, size_t *len)
{
    step_state *s = req->user;
    if (s->g.rec >= s->g.fail_at) {
        return EMHTTP_ERR_ARG; /* e.g. the flash read failed */
    }
    long got = gen_fill(&s->g, buf, size);
    if (got < 0) {
        return (int)got;
    }
    size_t n = (size_t)got;
    if (n == 0 && s->extra > 0) { /* "over": more after the document */
        n = (size_t)s->extra < size ? (size_t)s->extra : size;
        memset(buf, ' ', n);
        s->extra -= (long long)n;
    }
    *len = n;
    return EMHTTP_OK;
}

/* ---- a transport over the port's TCP that counts what it accepts ------ */

static emhttp_transport lower;
static unsigned long long poll_sent, max_piece;

static int c_connect(void *ctx, const char *h, const emhttp_ip_addr *a, uint16_t p)
{
    (void)ctx;
    return lower.ops->connect(lower.ctx, h, a, p);
}
static int c_connect_poll(void *ctx) { (void)ctx; return lower.ops->connect_poll(lower.ctx); }
static long c_send(void *ctx, const uint8_t *b, size_t n, unsigned f)
{
    (void)ctx;
    long r = lower.ops->send(lower.ctx, b, n, f);
    if (r > 0) {
        poll_sent += (unsigned long long)r;
        if ((unsigned long long)n > max_piece) {
            max_piece = n;
        }
    }
    return r;
}
static long c_recv(void *ctx, uint8_t *b, size_t n) { (void)ctx; return lower.ops->recv(lower.ctx, b, n); }
static void c_close(void *ctx) { (void)ctx; lower.ops->close(lower.ctx); }
static unsigned c_want(void *ctx, unsigned dir)
{
    (void)ctx;
    return lower.ops->want != NULL ? lower.ops->want(lower.ctx, dir) : dir;
}
static int c_handshake(void *ctx) { (void)ctx; return lower.ops->handshake(lower.ctx); }
/* (flags and handshake: the lower transport's, set in main()) */
static emhttp_transport_ops counting = {0, c_connect, c_connect_poll, NULL, c_send, NULL,
                                        c_recv, c_close, c_want};

/* ---- steps ------------------------------------------------------------- */

static char resp[4096];
static size_t resp_len;

static int on_body(emhttp_request *req, const uint8_t *d, size_t n)
{
    (void)req;
    if (resp_len + n < sizeof resp) {
        memcpy(resp + resp_len, d, n);
        resp_len += n;
    }
    return 0;
}
static const emhttp_response_cbs cbs = {NULL, NULL, on_body, NULL};

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static const emhttp_header expect_hdr[] = {EMHTTP_HEADER("Expect", "100-continue"),
                                           EMHTTP_HEADER("Content-Type", "application/json")};

/* ---- outbox mode: the idle task in a thread ------------------------------ */

#define OB_SLOTS 4
static emhttp_outbox ob;
static emhttp_outbox_slot ob_slots[OB_SLOTS];
static uint8_t ob_buf[OB_SLOTS][1024];
static sem_t ob_wake, ob_idle; /* idle -> loop (the wake hook), loop -> idle */
static int ob_stop, ob_result = 1, ob_status;

static void ob_wake_fn(void *arg)
{
    (void)arg;
    sem_post(&ob_wake);
}

static long ob_piece(void *arg, uint8_t *buf, size_t size) { return gen_fill(arg, buf, size); }

static void ob_done(void *arg, int result, int status)
{
    (void)arg;
    ob_result = result;
    ob_status = status;
}

static void *ob_idle_thread(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&ob_stop, __ATOMIC_ACQUIRE)) {
        if (!emhttp_outbox_encode(&ob)) { /* nothing to do: until the loop frees a slot */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 10000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            (void)sem_timedwait(&ob_idle, &ts);
        }
    }
    return NULL;
}

static long long now_us(void);

/* The job through the outbox; the loop's figures as for a request. */
static int run_outbox(const emhttp_outbox_job *job, long long *max_us, long long *total_us,
                      long long *polls, unsigned long long *max_sent)
{
    static bool ready;
    if (!ready) {
        for (int i = 0; i < OB_SLOTS; i++) {
            ob_slots[i] = (emhttp_outbox_slot){.buf = ob_buf[i], .size = sizeof ob_buf[i]};
        }
        if (emhttp_outbox_init(&ob, ob_slots, OB_SLOTS, &cli) != EMHTTP_OK) {
            return EMHTTP_ERR_ARG;
        }
        emhttp_outbox_set_wake(&ob, ob_wake_fn, NULL);
        sem_init(&ob_wake, 0, 0);
        sem_init(&ob_idle, 0, 0);
        ready = true;
    }
    ob_result = 1;
    int rc = emhttp_outbox_queue(&ob, job);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    pthread_t t;
    __atomic_store_n(&ob_stop, 0, __ATOMIC_RELEASE);
    pthread_create(&t, NULL, ob_idle_thread, NULL);
    while (ob_result == 1) {
        poll_sent = 0;
        long long t0 = now_us();
        emhttp_outbox_pump(&ob, &cli);
        (void)emhttp_poll(&cli);
        long long dt = now_us() - t0;
        *max_us = dt > *max_us ? dt : *max_us;
        *total_us += dt;
        (*polls)++;
        *max_sent = poll_sent > *max_sent ? poll_sent : *max_sent;
        sem_post(&ob_idle); /* slots may be free again */
        if (ob_result != 1) {
            break;
        }
        unsigned f = emhttp_wait_flags(&cli);
        if (f == 0) { /* the producer waits for the idle thread: its wake hook */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            (void)sem_timedwait(&ob_wake, &ts);
        } else if (!(f & EMHTTP_WAIT_NOW)) {
            emhttp_port p = emhttp_posix_port(&net);
            p.ops->wait(p.ctx, f, emhttp_next_timeout_ms(&cli));
        }
    }
    __atomic_store_n(&ob_stop, 1, __ATOMIC_RELEASE);
    sem_post(&ob_idle);
    pthread_join(t, NULL);
    return ob_result;
}

static int run_step(char *spec)
{
    static step_state s;
    static const uint8_t plain[] = "{\"plain\":true}\n\n";
    char *method = strtok(spec, ","), *path = strtok(NULL, ","), *kind = strtok(NULL, ",");
    char *count_s = strtok(NULL, ","), *framing = strtok(NULL, ","), *opt = strtok(NULL, ",");
    if (method == NULL || path == NULL || kind == NULL || count_s == NULL || framing == NULL) {
        fprintf(stderr, "bad step\n");
        return 2;
    }
    unsigned long count = strtoul(count_s, NULL, 10);
    bool expect = opt != NULL && strcmp(opt, "expect") == 0;
    bool outbox = opt != NULL && strcmp(opt, "outbox") == 0;
    emhttp_request r = {.method = method, .target = path, .cbs = &cbs, .user = &s,
                        .headers = expect ? expect_hdr : expect_hdr + 1, .header_count = expect ? 2 : 1};
    memset(&s, 0, sizeof s);
    gen_init(&s.g, count);
    if (strcmp(kind, "plain") == 0) {
        r.body = plain;
        r.body_len = sizeof plain - 1;
    } else if (strcmp(kind, "none") != 0) {
        r.body_fn = produce;
        size_t len = doc_len(count);
        r.body_len = strcmp(framing, "declared") == 0 ? len : EMHTTP_BODY_UNKNOWN;
        if (strcmp(kind, "fail") == 0) {
            s.g.fail_at = count / 2;
        } else if (strcmp(kind, "short") == 0) {
            r.body_len = len + 100;
        } else if (strcmp(kind, "over") == 0) {
            r.body_len = len - 100;
        } else if (strcmp(kind, "overx") == 0) {
            s.extra = 100; /* the whole document, then 100 bytes more */
        }
    }
    resp_len = 0;
    long long max_us = 0, total_us = 0, polls = 0;
    unsigned long long max_sent = 0;
    max_piece = 0;
    if (outbox) {
        emhttp_outbox_job job = {.method = method, .target = path, .headers = expect_hdr + 1,
                                 .header_count = 1, .stream = ob_piece, .encode_arg = &s.g,
                                 .stream_len = r.body_len == EMHTTP_BODY_UNKNOWN ? 0 : r.body_len,
                                 .cbs = &cbs, .done = ob_done};
        r.result = run_outbox(&job, &max_us, &total_us, &polls, &max_sent);
        r.status = ob_status;
    }
    int rc = outbox ? EMHTTP_OK : emhttp_submit(&cli, &r);
    while (rc == EMHTTP_OK && r.result == EMHTTP_PENDING) {
        poll_sent = 0;
        long long t0 = now_us();
        (void)emhttp_poll(&cli);
        long long dt = now_us() - t0;
        max_us = dt > max_us ? dt : max_us;
        total_us += dt;
        polls++;
        max_sent = poll_sent > max_sent ? poll_sent : max_sent;
        if (r.result != EMHTTP_PENDING) {
            break;
        }
        unsigned f = emhttp_wait_flags(&cli);
        if (!(f & EMHTTP_WAIT_NOW)) {
            emhttp_port p = emhttp_posix_port(&net);
            p.ops->wait(p.ctx, f, emhttp_next_timeout_ms(&cli));
        }
    }
    resp[resp_len] = '\0';
    while (resp_len > 0 && (resp[resp_len - 1] == '\n' || resp[resp_len - 1] == '\r')) {
        resp[--resp_len] = '\0';
    }
    printf("{\"rc\":%d,\"status\":%d,\"given\":%llu,\"polls\":%lld,\"mean_poll_us\":%.1f,"
           "\"max_poll_us\":%lld,\"max_poll_sent\":%llu,\"max_piece\":%llu,\"body\":%s}\n",
           rc == EMHTTP_OK ? r.result : rc, r.status, s.g.given, polls,
           polls > 0 ? (double)total_us / (double)polls : 0.0, max_us, max_sent, max_piece,
           resp_len > 0 && resp[0] == '{' ? resp : "null");
    fflush(stdout);
    return 0;
}

/* ---- https: the mbedTLS transport under the counting one ---------------- */

static int tls_missing;
#if CONFIG_EMHTTP_TLS
static emhttp_tls tls;
static uint8_t tls_arena[64 * 1024];
static uint8_t ca_buf[16384];

static int setup_tls(const char *host, const char *cafile)
{
    FILE *f = fopen(cafile, "rb");
    size_t n = f != NULL ? fread(ca_buf, 1, sizeof ca_buf - 1, f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    if (n == 0) {
        fprintf(stderr, "stream_driver: cannot read %s\n", cafile);
        return 1;
    }
    ca_buf[n] = 0; /* (PEM: mbedTLS wants the NUL counted) */
    if (ca_buf[0] == '-') {
        n++;
    }
    (void)emhttp_tls_arena_init(tls_arena, sizeof tls_arena); /* only with an arena build */
    emhttp_tls_config tc = {.hostname = host, .ca = ca_buf, .ca_len = n};
    int rc = emhttp_tls_init(&tls, &tc);
    if (rc != EMHTTP_OK) {
        fprintf(stderr, "stream_driver: tls init: %s (mbedTLS %d)\n", emhttp_strerror(rc),
                emhttp_tls_last_error(&tls));
        return 1;
    }
    lower = emhttp_tls_transport(&tls, lower);
    return 0;
}
#else
static int setup_tls(const char *host, const char *cafile)
{
    (void)host;
    (void)cafile;
    fprintf(stderr, "stream_driver: built without TLS (CONFIG_EMHTTP_TLS=0): no --cacert\n");
    tls_missing = 1;
    return 1;
}
#endif

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: stream_driver HOST PORT [--tx N] [--expect-ms MS] STEP...\n");
        return 2;
    }
    size_t txn = 1024;
    uint32_t expect_ms = 0;
    const char *cacert = NULL;
    int i = 3;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--tx") == 0) {
            txn = strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--expect-ms") == 0) {
            expect_ms = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--cacert") == 0) {
            cacert = argv[i + 1];
        }
    }
    if (txn < 64 || txn > sizeof tx || emhttp_posix_init(&net) != EMHTTP_OK) {
        return 2;
    }
    lower = emhttp_posix_tcp(&net);
    if (cacert != NULL && setup_tls(argv[1], cacert) != 0) {
        return tls_missing ? 77 : 2;
    }
    counting.flags = lower.ops->flags;
    counting.handshake = lower.ops->handshake != NULL ? c_handshake : NULL;
    emhttp_config cfg = {.host = argv[1], .port = (uint16_t)atoi(argv[2]),
                         .scheme = cacert != NULL ? EMHTTP_SCHEME_HTTPS : EMHTTP_SCHEME_HTTP,
                         .net = emhttp_posix_port(&net), .transport = {&counting, NULL},
                         .tx_buf = tx, .tx_size = txn, .rx_buf = rx, .rx_size = sizeof rx,
                         .request_timeout_ms = EMHTTP_TIMEOUT_NONE,
                         .first_byte_timeout_ms = 60000, .expect_timeout_ms = expect_ms};
    int rc = emhttp_client_init(&cli, &cfg);
    if (rc != EMHTTP_OK) {
        fprintf(stderr, "init: %s\n", emhttp_strerror(rc));
        return 2;
    }
    for (; i < argc; i++) {
        if (run_step(argv[i]) != 0) {
            return 2;
        }
    }
    emhttp_client_close(&cli);
#if CONFIG_EMHTTP_TLS
    if (cacert != NULL) {
        emhttp_tls_free(&tls);
    }
#endif
    emhttp_posix_deinit(&net);
    long hwm = -1;
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            hwm = strtol(line + 6, NULL, 10);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    printf("{\"maxrss_kb\":%ld}\n", hwm);
    return 0;
}
