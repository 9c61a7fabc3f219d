/*
 * Outbox: ring order, full/busy, failed encodes, and (main) 1,000,000
 * hand-offs between three real threads - application, idle encoder and
 * network loop - checked for loss, duplication and reordering.  Built a
 * second time with ThreadSanitizer (test_outbox_tsan).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emhttp/outbox.h"

#define NSLOTS 8

static uint8_t bufs[NSLOTS][16];
static emhttp_outbox_slot slots[NSLOTS];
static emhttp_outbox ob;

/* Body = the job's sequence number; every 97th "does not fit". */
static long encode_seq(void *arg, uint8_t *buf, size_t size)
{
    uint64_t seq = (uint64_t)(uintptr_t)arg;
    if (seq % 97 == 50) {
        return EMHTTP_ERR_JSON_OVERFLOW;
    }
    if (size < sizeof seq) {
        return EMHTTP_ERR_JSON_OVERFLOW;
    }
    memcpy(buf, &seq, sizeof seq);
    return (long)sizeof seq;
}

static long encode_too_long(void *arg, uint8_t *buf, size_t size)
{
    (void)arg;
    (void)buf;
    return (long)size + 1;
}

static void setup(size_t slot_size)
{
    for (int i = 0; i < NSLOTS; i++) {
        slots[i].buf = bufs[i];
        slots[i].size = slot_size;
    }
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, NSLOTS, NULL), EMHTTP_OK);
}

static int queue_seq(uint64_t seq)
{
    emhttp_outbox_job job = {.target = "/t", .encode = encode_seq,
                             .encode_arg = (void *)(uintptr_t)seq};
    return emhttp_outbox_queue(&ob, &job);
}

static void test_full_and_order(void)
{
    setup(16);
    for (uint64_t i = 0; i < NSLOTS; i++) {
        CHECK_EQ_INT(queue_seq(i), EMHTTP_OK);
    }
    CHECK_EQ_INT(queue_seq(99), EMHTTP_ERR_OUTBOX_FULL);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), NSLOTS);
    long len;
    CHECK(emhttp_outbox_take(&ob, &len) == NULL); /* nothing encoded yet */
    while (emhttp_outbox_encode(&ob)) {
    }
    for (uint64_t i = 0; i < NSLOTS; i++) {
        emhttp_outbox_slot *s = emhttp_outbox_take(&ob, &len);
        CHECK(s != NULL);
        if (s == NULL) {
            return;
        }
        uint64_t got;
        memcpy(&got, s->buf, sizeof got);
        CHECK_EQ_INT(len, 8);
        CHECK_EQ_INT(got, i);
        emhttp_outbox_release(&ob, s);
        CHECK_EQ_INT(queue_seq(100 + i), EMHTTP_OK); /* a slot is free again */
    }
}

static void test_failed_encode_does_not_block(void)
{
    setup(4); /* 8-byte bodies do not fit */
    CHECK_EQ_INT(queue_seq(1), EMHTTP_OK);
    emhttp_outbox_job bad = {.target = "/t", .encode = encode_too_long};
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &bad), EMHTTP_OK);
    CHECK(emhttp_outbox_encode(&ob));
    CHECK(emhttp_outbox_encode(&ob));
    CHECK(!emhttp_outbox_encode(&ob));
    long len;
    emhttp_outbox_slot *s = emhttp_outbox_take(&ob, &len);
    CHECK(s != NULL && len == EMHTTP_ERR_JSON_OVERFLOW);
    emhttp_outbox_release(&ob, s);
    s = emhttp_outbox_take(&ob, &len);
    CHECK(s != NULL && len == EMHTTP_ERR_OUTBOX_ENCODE);
    emhttp_outbox_release(&ob, s);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
}

static void test_arguments(void)
{
    emhttp_outbox_job job = {.target = "/t"};
    setup(16);
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, 0, NULL), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_outbox_init(NULL, slots, 1, NULL), EMHTTP_ERR_ARG);
}

/* ---- three threads ------------------------------------------------------ */

static uint64_t n_jobs = 1000000;

static void *app_task(void *arg)
{
    (void)arg;
    for (uint64_t seq = 0; seq < n_jobs;) {
        int rc = queue_seq(seq);
        if (rc == EMHTTP_OK) {
            seq++;
        } else {
            sched_yield();
        }
    }
    return NULL;
}

static void *idle_task(void *arg)
{
    uint64_t *encoded = arg;
    while (*encoded < n_jobs) {
        if (emhttp_outbox_encode(&ob)) {
            (*encoded)++;
        } else {
            sched_yield();
        }
    }
    return NULL;
}

static void test_threads_million_handoffs(void)
{
    setup(16);
    pthread_t app, idle;
    uint64_t encoded = 0, expect = 0, failed = 0, bad = 0;
    CHECK(pthread_create(&app, NULL, app_task, NULL) == 0);
    CHECK(pthread_create(&idle, NULL, idle_task, &encoded) == 0);
    while (expect < n_jobs) { /* this thread is the network loop */
        long len;
        emhttp_outbox_slot *s = emhttp_outbox_take(&ob, &len);
        if (s == NULL) {
            sched_yield();
            continue;
        }
        uint64_t got = UINT64_MAX;
        if (len == 8) {
            memcpy(&got, s->buf, sizeof got);
        } else if (len == EMHTTP_ERR_JSON_OVERFLOW) {
            got = (uint64_t)(uintptr_t)s->job_.encode_arg;
            failed++;
        }
        bad += got != expect;
        expect++;
        emhttp_outbox_release(&ob, s);
    }
    pthread_join(app, NULL);
    pthread_join(idle, NULL);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(expect, n_jobs);
    CHECK_EQ_INT(failed, (n_jobs + 46) / 97);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
    printf("hand-offs: %llu in order, %llu failed encodes reported in order\n",
           (unsigned long long)expect, (unsigned long long)failed);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        n_jobs = strtoull(argv[1], NULL, 10);
    }
    RUN(test_full_and_order);
    RUN(test_failed_encode_does_not_block);
    RUN(test_arguments);
    RUN(test_threads_million_handoffs);
    return check_summary();
}
