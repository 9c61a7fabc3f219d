/*
 * Outbox, one task playing all three roles: ring order, full, snapshots
 * and the encoded notification, the wake hook, heads prepared in the slot,
 * every way a job fails (reported in order, never formatted in the loop),
 * the job's response callbacks, and callbacks that call back into the
 * client.  The requests go to a real client that is never polled: they
 * end when the test closes it (EMHTTP_ERR_CANCELLED).  Three threads:
 * test_outbox_threads.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emhttp/outbox.h"
#include "emhttp/port_posix.h"

#define NSLOTS 4
#define SLOT_BYTES 160

typedef struct {
    uint32_t seq;
    int32_t value;
} record;

static emhttp_posix net;
static emhttp_client cli, other_cli;
static uint8_t tx[256], rx[512];
static uint8_t bufs[NSLOTS][SLOT_BYTES];
static record recs[NSLOTS];
static emhttp_outbox_slot slots[NSLOTS];
static emhttp_outbox ob;

/* What the callbacks saw, in order. */
#define MAX_EVENTS 32
static struct {
    int n_done, n_complete, n_encoded, n_wake;
    int done_result[MAX_EVENTS];
    uintptr_t done_arg[MAX_EVENTS];
    char body[MAX_EVENTS][32]; /* the body at on_complete */
    uintptr_t user[MAX_EVENTS];
    uintptr_t encoded_arg[MAX_EVENTS];
    int encoded_result[MAX_EVENTS];
} ev;

static void (*done_hook)(uintptr_t arg);
static void (*encode_hook)(void);

static void client_setup(emhttp_client *c)
{
    emhttp_config cfg = {.host = "127.0.0.1", .port = 9, .net = emhttp_posix_port(&net), .transport = emhttp_posix_tcp(&net),
                         .tx_buf = tx, .tx_size = sizeof tx, .rx_buf = rx,
                         .rx_size = sizeof rx};
    CHECK_EQ_INT(emhttp_client_init(c, &cfg), EMHTTP_OK);
}

static void setup(size_t slot_size)
{
    memset(&ev, 0, sizeof ev);
    done_hook = NULL;
    encode_hook = NULL;
    client_setup(&cli);
    for (int i = 0; i < NSLOTS; i++) {
        slots[i].buf = bufs[i];
        slots[i].size = slot_size;
        slots[i].record = &recs[i];
        slots[i].record_size = sizeof recs[i];
    }
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, NSLOTS, &cli), EMHTTP_OK);
}

static void on_wake(void *arg)
{
    CHECK(arg == &ob);
    ev.n_wake++;
}

/* Body: "seq=S value=V"; value 999 "does not fit", 998 breaks the
 * contract, 997 fills the slot (no room for the head). */
static long encode_record(void *arg, uint8_t *buf, size_t size)
{
    const record *r = arg;
    if (encode_hook != NULL) {
        encode_hook();
    }
    if (r->value == 999) {
        return EMHTTP_ERR_JSON_OVERFLOW;
    }
    if (r->value == 998) {
        return (long)size + 1;
    }
    if (r->value == 997) {
        memset(buf, 'x', size - 8);
        return (long)size - 8;
    }
    int n = snprintf((char *)buf, size, "seq=%u value=%d", (unsigned)r->seq, (int)r->value);
    return n < 0 || (size_t)n >= size ? EMHTTP_ERR_JSON_OVERFLOW : n;
}

static void on_encoded(void *arg, int result)
{
    ev.encoded_arg[ev.n_encoded] = (uintptr_t)arg;
    ev.encoded_result[ev.n_encoded++] = result;
}

static void on_job_complete(emhttp_request *req, int result)
{
    int i = ev.n_complete++;
    snprintf(ev.body[i], sizeof ev.body[i], "%.*s", (int)req->body_len, (const char *)req->body);
    ev.user[i] = (uintptr_t)req->user;
    CHECK_EQ_INT(req->result, result);
}

static const emhttp_response_cbs job_cbs = {NULL, NULL, NULL, on_job_complete};

static void on_done(void *arg, int result, int status)
{
    CHECK_EQ_INT(status, 0); /* never polled: no response */
    ev.done_arg[ev.n_done] = (uintptr_t)arg;
    ev.done_result[ev.n_done++] = result;
    if (done_hook != NULL) {
        done_hook((uintptr_t)arg);
    }
}

static int queue_rec(record *r, const char *target)
{
    emhttp_outbox_job job = {.target = target, .encode = encode_record, .record = r,
                             .record_len = sizeof *r, .cbs = &job_cbs,
                             .user = (void *)(uintptr_t)(1000 + r->seq), .done = on_done,
                             .done_arg = (void *)(uintptr_t)r->seq};
    return emhttp_outbox_queue(&ob, &job);
}

static int encode_all(void)
{
    int n = 0;
    while (emhttp_outbox_encode(&ob)) {
        n++;
    }
    return n;
}

/* Ring order, full, snapshot: the caller's one record changes after every
 * queue; each body holds the values at queue time. */
static void test_order_full_snapshot(void)
{
    setup(SLOT_BYTES);
    emhttp_outbox_set_wake(&ob, on_wake, &ob);
    record mine;
    for (uint32_t i = 0; i < NSLOTS; i++) {
        mine = (record){i, (int32_t)(i * 10)};
        CHECK_EQ_INT(queue_rec(&mine, "/t"), EMHTTP_OK);
        mine = (record){77, -1}; /* reused at once */
    }
    CHECK_EQ_INT(queue_rec(&mine, "/t"), EMHTTP_ERR_OUTBOX_FULL);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), NSLOTS);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 0); /* nothing encoded yet */
    CHECK_EQ_INT(ev.n_wake, 0);
    CHECK_EQ_INT(encode_all(), NSLOTS);
    CHECK_EQ_INT(ev.n_wake, NSLOTS);
    /* the head is prepared in the slot, right behind the body */
    emhttp_request *r0 = &slots[0].req_;
    CHECK(r0->head_ == bufs[0] + r0->body_len);
    CHECK(r0->head_len_ > 0 && memcmp(r0->head_, "POST /t HTTP/1.1\r\n", 18) == 0);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), NSLOTS);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 0);
    CHECK_EQ_INT(ev.n_done, 0);
    emhttp_client_close(&cli); /* every request ends: CANCELLED */
    CHECK_EQ_INT(ev.n_done, NSLOTS);
    CHECK_EQ_INT(ev.n_complete, NSLOTS);
    for (int i = 0; i < ev.n_done; i++) {
        char want[32];
        snprintf(want, sizeof want, "seq=%d value=%d", i, i * 10);
        CHECK_EQ_STR(ev.body[i], want);
        CHECK_EQ_INT(ev.done_arg[i], i);
        CHECK_EQ_INT(ev.user[i], 1000 + i);
        CHECK_EQ_INT(ev.done_result[i], EMHTTP_ERR_CANCELLED);
    }
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
    mine = (record){5, 50};
    CHECK_EQ_INT(queue_rec(&mine, "/t"), EMHTTP_OK); /* the ring goes on */
}

/* Without a record the encoder reads the caller's object; the encoded
 * notification says when it may change again. */
static void test_encoded_notification(void)
{
    setup(SLOT_BYTES);
    record mine = {1, 11};
    emhttp_outbox_job job = {.target = "/t", .encode = encode_record, .encode_arg = &mine,
                             .encoded = on_encoded, .cbs = &job_cbs, .done = on_done};
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_OK);
    CHECK_EQ_INT(ev.n_encoded, 0);
    CHECK(emhttp_outbox_encode(&ob));
    CHECK_EQ_INT(ev.n_encoded, 1);
    CHECK(ev.encoded_arg[0] == (uintptr_t)&mine);
    CHECK_EQ_INT(ev.encoded_result[0], EMHTTP_OK);
    mine.value = 12; /* allowed now */
    mine.seq = 2;
    job.record = &mine; /* a record job notifies too */
    job.record_len = sizeof mine;
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_OK);
    mine.value = 999; /* changed at once: the copy is encoded */
    CHECK(emhttp_outbox_encode(&ob));
    CHECK_EQ_INT(ev.n_encoded, 2);
    CHECK_EQ_INT(ev.encoded_result[1], EMHTTP_OK);
    mine.value = 999;
    mine.seq = 3; /* a failing encode notifies with the error */
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_OK);
    CHECK(emhttp_outbox_encode(&ob));
    CHECK_EQ_INT(ev.encoded_result[2], EMHTTP_ERR_JSON_OVERFLOW);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 2);
    emhttp_client_close(&cli);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 0);
    CHECK_EQ_INT(ev.n_done, 3);
    CHECK_EQ_STR(ev.body[0], "seq=1 value=11");
    CHECK_EQ_STR(ev.body[1], "seq=2 value=12");
    CHECK_EQ_INT(ev.done_result[2], EMHTTP_ERR_JSON_OVERFLOW);
}

/* Every way a job fails, each reported alone and in ring order (a failed
 * job waits for the requests before it), the ones behind go on. */
static void test_failures_in_order(void)
{
    static const emhttp_header bad_header[] = {EMHTTP_HEADER("X-Bad", "a\r\nb")};
    setup(SLOT_BYTES);
    emhttp_outbox_set_wake(&ob, on_wake, &ob);
    record r[] = {{0, 1}, {1, 999}, {2, 998}, {3, 997}, {4, 2}, {5, 3}};
    CHECK_EQ_INT(queue_rec(&r[0], "/t"), EMHTTP_OK);
    CHECK_EQ_INT(queue_rec(&r[1], "/t"), EMHTTP_OK);
    CHECK_EQ_INT(queue_rec(&r[2], "/t"), EMHTTP_OK);
    CHECK_EQ_INT(encode_all(), 3);
    CHECK_EQ_INT(ev.n_wake, 3); /* failed ones wake the loop too */
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 1);
    CHECK_EQ_INT(ev.n_done, 0); /* the failures wait for request 0 */
    emhttp_client_close(&cli);
    CHECK_EQ_INT(ev.n_done, 1);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 0);
    CHECK_EQ_INT(ev.n_done, 3);
    CHECK_EQ_INT(queue_rec(&r[3], "/t"), EMHTTP_OK);
    emhttp_outbox_job job = {.target = "/t", .headers = bad_header, .header_count = 1,
                             .encode = encode_record, .record = &r[4],
                             .record_len = sizeof r[4], .done = on_done,
                             .done_arg = (void *)(uintptr_t)4};
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_OK);
    CHECK_EQ_INT(queue_rec(&r[5], "/t"), EMHTTP_OK);
    CHECK_EQ_INT(encode_all(), 3);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 1);
    CHECK_EQ_INT(ev.n_done, 5);
    emhttp_client_close(&cli);
    static const int want[] = {EMHTTP_ERR_CANCELLED, EMHTTP_ERR_JSON_OVERFLOW,
                               EMHTTP_ERR_OUTBOX_ENCODE, EMHTTP_ERR_OUTBOX_HEAD,
                               EMHTTP_ERR_BAD_REQUEST, EMHTTP_ERR_CANCELLED};
    CHECK_EQ_INT(ev.n_done, 6);
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_INT(ev.done_arg[i], i);
        CHECK_EQ_INT(ev.done_result[i], want[i]);
    }
    /* the response callbacks' completion ran for each job that had them */
    CHECK_EQ_INT(ev.n_complete, 5);
    CHECK_EQ_INT(ev.user[3], 1003);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
}

/* Pumped into a client the heads were not prepared for: reported. */
static void test_wrong_client(void)
{
    setup(SLOT_BYTES);
    client_setup(&other_cli);
    record r = {0, 1};
    CHECK_EQ_INT(queue_rec(&r, "/t"), EMHTTP_OK);
    CHECK_EQ_INT(encode_all(), 1);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &other_cli), 0);
    CHECK_EQ_INT(ev.n_done, 1);
    CHECK_EQ_INT(ev.done_result[0], EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
}

/* Callbacks calling back: done closes the client (the requests behind it
 * complete inside) and queues a new job; an encoder closes the client in a
 * super-loop.  Run under ASan+UBSan in the sanitizer build. */
static void close_and_queue(uintptr_t arg)
{
    if (arg == 0) {
        emhttp_client_close(&cli);
        record r = {9, 90};
        CHECK_EQ_INT(queue_rec(&r, "/t"), EMHTTP_OK);
    }
}

static void close_client(void) { emhttp_client_close(&cli); }

static void test_callbacks_call_back(void)
{
    setup(SLOT_BYTES);
    done_hook = close_and_queue;
    for (uint32_t i = 0; i < 3; i++) {
        record r = {i, (int32_t)i};
        CHECK_EQ_INT(queue_rec(&r, "/t"), EMHTTP_OK);
    }
    CHECK_EQ_INT(encode_all(), 3);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 3);
    emhttp_client_close(&cli);
    CHECK_EQ_INT(ev.n_done, 3);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(ev.done_arg[i], i);
        CHECK_EQ_INT(ev.done_result[i], EMHTTP_ERR_CANCELLED);
    }
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 1);
    /* job 9 (queued by the done callback) goes out; job 10's encoder
     * closes the client while 9 is in flight (a super-loop's encoder runs
     * in the loop's task) */
    done_hook = NULL;
    CHECK_EQ_INT(encode_all(), 1);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 1);
    record r = {10, 100};
    CHECK_EQ_INT(queue_rec(&r, "/t"), EMHTTP_OK);
    encode_hook = close_client;
    CHECK_EQ_INT(encode_all(), 1);
    encode_hook = NULL;
    CHECK_EQ_INT(ev.n_done, 4); /* 9 ended inside the encoder */
    CHECK_EQ_INT(ev.done_arg[3], 9);
    CHECK_EQ_INT(emhttp_outbox_pump(&ob, &cli), 1); /* 10 goes out */
    emhttp_client_close(&cli);
    CHECK_EQ_INT(ev.n_done, 5);
    CHECK_EQ_STR(ev.body[4], "seq=10 value=100");
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
}

static void test_arguments(void)
{
    setup(SLOT_BYTES);
    record r = {0, 1};
    emhttp_outbox_job job = {.target = "/t"};
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_ERR_ARG); /* no encoder */
    job = (emhttp_outbox_job){.encode = encode_record};
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_ERR_ARG); /* no target */
    job.target = "/t";
    job.record = &r;
    job.record_len = sizeof r + 1;
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_ERR_ARG); /* record too long */
    job.record_len = 0;
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_ERR_ARG);
    job.record = NULL;
    job.record_len = 4;
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_ERR_ARG); /* length, no record */
    CHECK_EQ_INT(emhttp_outbox_used(&ob), 0);
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, 0, &cli), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_outbox_init(NULL, slots, 1, &cli), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, 1, NULL), EMHTTP_ERR_ARG);
    slots[1].record = NULL;
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, 2, &cli), EMHTTP_ERR_ARG);
    slots[1].record_size = 0; /* no record buffer: no record jobs */
    CHECK_EQ_INT(emhttp_outbox_init(&ob, slots, 2, &cli), EMHTTP_OK);
    job.record = &r;
    job.record_len = 1;
    CHECK_EQ_INT(emhttp_outbox_queue(&ob, &job), EMHTTP_ERR_ARG);
}

int main(void)
{
    if (emhttp_posix_init(&net) != EMHTTP_OK) {
        fprintf(stderr, "emhttp_posix_init failed\n");
        return 1;
    }
    RUN(test_order_full_snapshot);
    RUN(test_encoded_notification);
    RUN(test_failures_in_order);
    RUN(test_wrong_client);
    RUN(test_callbacks_call_back);
    RUN(test_arguments);
    emhttp_posix_deinit(&net);
    return check_summary();
}
