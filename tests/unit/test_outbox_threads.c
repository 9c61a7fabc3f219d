/*
 * Outbox across three real threads - application, idle encoder, network
 * loop - built plain and with ThreadSanitizer (test_outbox_threads_tsan).
 *
 * Snapshots (1,000,000 jobs; argv[1] changes it): the application has ONE
 * record object.  For each job it writes the job's values into it, queues
 * it, and overwrites it at once.  The idle thread encodes from the slot's
 * copy and wakes the loop through the wake hook; the loop thread sleeps
 * until woken, pumps the requests into a real client (never polled: the
 * loop then closes it, which ends them) and checks, in the job's response
 * completion while the slot still holds the request, that every body holds
 * the values at queue time, in queue order.  Every 97th job fails to
 * encode and must be reported in its place.
 *
 * Encoded notification (a tenth as many jobs): no record; the application
 * changes its object only after the job's encoded notification.
 *
 * Prints, per phase: jobs, mismatches, failed encodes, wall time.  Fails
 * on any mismatch (and, under TSan, on any data race).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "emhttp/outbox.h"
#include "emhttp/port_posix.h"

#define NSLOTS 8
#define SLOT_BYTES 256

typedef struct {
    uint64_t seq;
    uint64_t a;
    uint32_t b;
    uint8_t tag[20];
} record;

static emhttp_posix net;
static emhttp_client cli;
static uint8_t tx[256], rx[512];
static uint8_t bufs[NSLOTS][SLOT_BYTES];
static record recs[NSLOTS];
static emhttp_outbox_slot slots[NSLOTS];
static emhttp_outbox ob;

static sem_t work;    /* app -> idle: a job was queued */
static sem_t wake;    /* idle -> loop: the wake hook */
static sem_t freed;   /* loop -> app: a slot was freed */
static sem_t encoded; /* idle -> app: the encoded notification */

static uint64_t n_jobs;
static bool use_records;
/* loop thread only */
static uint64_t expect, mismatches, failed, done_n;
/* each other thread's own count of surprises, read after joining it */
static uint64_t app_errors, idle_errors;

static void set_values(record *r, uint64_t seq)
{
    r->seq = seq;
    r->a = seq * 0x9E3779B97F4A7C15u;
    r->b = (uint32_t)(seq ^ 0xA5A5A5A5u);
    for (size_t i = 0; i < sizeof r->tag; i++) {
        r->tag[i] = (uint8_t)(seq + i * 7);
    }
}

static bool fails(uint64_t seq) { return seq % 97 == 50; }

static int format(const record *r, char *buf, size_t size)
{
    int n = snprintf(buf, size, "seq=%llu a=%llx b=%x tag=", (unsigned long long)r->seq,
                     (unsigned long long)r->a, (unsigned)r->b);
    for (size_t i = 0; i < sizeof r->tag && n > 0 && (size_t)n + 2 < size; i++) {
        n += snprintf(buf + n, size - (size_t)n, "%02x", r->tag[i]);
    }
    return n;
}

static long encode(void *arg, uint8_t *buf, size_t size)
{
    const record *r = arg;
    if (fails(r->seq)) {
        return EMHTTP_ERR_JSON_OVERFLOW;
    }
    int n = format(r, (char *)buf, size);
    return n < 0 || (size_t)n >= size ? EMHTTP_ERR_JSON_OVERFLOW : n;
}

static void on_encoded(void *arg, int result)
{
    (void)arg;
    (void)result;
    sem_post(&encoded);
}

static void on_wake(void *arg)
{
    (void)arg;
    sem_post(&wake);
}

/* The loop thread: the request as handed to the client, slot still held. */
static void on_complete(emhttp_request *req, int result)
{
    uint64_t seq = expect++;
    bool bad = (uintptr_t)req->user != (uintptr_t)seq; /* order */
    if (fails(seq)) {
        failed++;
        bad |= result != EMHTTP_ERR_JSON_OVERFLOW;
    } else {
        record want;
        char body[SLOT_BYTES];
        set_values(&want, seq);
        int n = format(&want, body, sizeof body);
        bad |= result != EMHTTP_ERR_CANCELLED || req->body_len != (size_t)n ||
               memcmp(req->body, body, (size_t)n) != 0;
    }
    if (bad && mismatches++ < 5) {
        fprintf(stderr, "job %llu: result %d body %.*s\n", (unsigned long long)seq, result,
                (int)req->body_len, (const char *)req->body);
    }
}

static const emhttp_response_cbs cbs = {NULL, NULL, NULL, on_complete};

static void on_done(void *arg, int result, int status)
{
    (void)arg;
    (void)result;
    (void)status;
    done_n++;
    sem_post(&freed);
}

static void *app_task(void *arg)
{
    (void)arg;
    record mine;
    for (uint64_t seq = 0; seq < n_jobs;) {
        set_values(&mine, seq);
        emhttp_outbox_job job = {.target = "/t", .encode = encode, .cbs = &cbs,
                                 .user = (void *)(uintptr_t)seq, .done = on_done};
        if (use_records) {
            job.record = &mine;
            job.record_len = sizeof mine;
        } else {
            job.encode_arg = &mine;
            job.encoded = on_encoded;
        }
        int rc = emhttp_outbox_queue(&ob, &job);
        if (rc == EMHTTP_OK) {
            sem_post(&work);
            if (!use_records) {
                sem_wait(&encoded); /* the encoder is done with it */
            }
            memset(&mine, 0xEE, sizeof mine); /* changed at once */
            seq++;
        } else {
            app_errors += rc != EMHTTP_ERR_OUTBOX_FULL;
            sem_wait(&freed);
        }
    }
    return NULL;
}

static void *idle_task(void *arg)
{
    (void)arg;
    for (uint64_t i = 0; i < n_jobs; i++) {
        sem_wait(&work);
        idle_errors += !emhttp_outbox_encode(&ob); /* queued before it was posted */
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_phase(const char *name, uint64_t jobs, bool records)
{
    n_jobs = jobs;
    use_records = records;
    expect = mismatches = failed = done_n = app_errors = idle_errors = 0;
    emhttp_config cfg = {.host = "127.0.0.1", .port = 9, .net = emhttp_posix_port(&net), .transport = emhttp_posix_tcp(&net),
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx,
                         .rx_size = sizeof rx};
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    for (int i = 0; i < NSLOTS; i++) {
        slots[i].buf = bufs[i];
        slots[i].size = sizeof bufs[i];
        slots[i].record = &recs[i];
        slots[i].record_size = sizeof recs[i];
    }
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, NSLOTS, &cli), EMHTTP_OK);
    emhttp_outbox_set_wake(&ob, on_wake, NULL);
    double t0 = now_s();
    pthread_t app, idle;
    CHECK(pthread_create(&app, NULL, app_task, NULL) == 0);
    CHECK(pthread_create(&idle, NULL, idle_task, NULL) == 0);
    while (done_n < n_jobs) { /* this thread is the network loop */
        uint64_t before = done_n;
        if (emhttp_outbox_pump(&ob, &cli) > 0) {
            emhttp_client_close(&cli); /* ends them: checked in on_complete */
        } else if (done_n == before) {
            sem_wait(&wake); /* nothing to do until the idle task says so */
        }
    }
    pthread_join(app, NULL);
    pthread_join(idle, NULL);
    double secs = now_s() - t0;
    CHECK_EQ_INT(app_errors, 0);
    CHECK_EQ_INT(idle_errors, 0);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(expect, n_jobs);
    CHECK_EQ_INT(failed, (n_jobs + 46) / 97);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
    printf("%s: jobs=%llu mismatches=%llu failed_encodes=%llu wall_s=%.3f\n", name,
           (unsigned long long)expect, (unsigned long long)mismatches,
           (unsigned long long)failed, secs);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    uint64_t jobs = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    if (emhttp_posix_init(&net) != EMHTTP_OK || sem_init(&work, 0, 0) != 0 ||
        sem_init(&wake, 0, 0) != 0 || sem_init(&freed, 0, 0) != 0 ||
        sem_init(&encoded, 0, 0) != 0) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    run_phase("snapshot", jobs, true);
    run_phase("encoded-notification", jobs / 10, false);
    emhttp_posix_deinit(&net);
    return check_summary();
}
