/*
 * telemetry - the product's reason to exist, on the POSIX port.
 *
 * An idle thread (SCHED_IDLE: it runs only when nothing else wants the
 * CPU) encodes sensor readings - nested objects, arrays, doubles and
 * fixed-point numbers - into the outbox; the main loop only pumps ready
 * bodies into the client and polls it, over one persistent connection.
 * Each reading is queued as a record: the outbox keeps a copy, so the
 * loop reuses its one reading at once.  The idle thread wakes the loop
 * through the outbox's wake hook when a body is ready; the loop sleeps
 * otherwise.  At the end it prints the CLI's stats line plus the longest
 * single loop step (pump + poll, in the loop thread's CPU time):
 *
 *   stats: requests=N ok=N errors=N connects=N dns_queries=N secs=F
 *          req_per_s=F p50_us=F p99_us=F max_poll_us=F
 *
 *   telemetry [-n N] [--body-kb K] [--inline] [--answers] [--slots S]
 *             [--slot-bytes B] URL
 *
 * --slot-bytes makes the slots smaller than some bodies: those requests
 * fail with EMHTTP_ERR_JSON_OVERFLOW (the body does not fit) or
 * EMHTTP_ERR_OUTBOX_HEAD (the body fits, its head does not), and the
 * others go on, in order.
 *
 * --answers reads each response as JSON through the job's response
 * callbacks (emhttp_json_response_cbs), as a device reads the commands
 * its server answers with.  Against an echo server the answer is the
 * report itself: its "seq" must be the one queued.  Prints
 *
 *   answers: ok=N mismatched=N
 *
 * --inline encodes in the loop instead (what the outbox exists to avoid):
 * compare max_poll_us of the two with large bodies.
 */
#define _GNU_SOURCE /* SCHED_IDLE */

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emhttp/client.h"
#include "emhttp/json_response.h"
#include "emhttp/json_writer.h"
#include "emhttp/outbox.h"
#include "emhttp/port_posix.h"

#define MAX_SLOTS 16
#define MAX_BODY (256 * 1024)

typedef struct {
    unsigned long n;
    unsigned long body_kb;
    bool inline_encode;
    bool answers;
    unsigned long slots;
    unsigned long slot_bytes; /* 0: big enough for --body-kb */
    const char *url;
} options;

typedef struct {
    uint32_t seq;
    uint64_t t_queued_us;
} reading;

static options opt = {1000, 0, false, false, 4, 0, NULL};
static emhttp_posix net;
static emhttp_client cli;
static uint8_t tx[512], rx[4096];
static uint8_t bodies[MAX_SLOTS][MAX_BODY];
static reading records[MAX_SLOTS]; /* the outbox's copies */
static emhttp_outbox_slot slots[MAX_SLOTS];
static emhttp_outbox ob;
static sem_t work;  /* posted per queued job: wakes the idle thread */
static sem_t ready; /* posted by the outbox's wake hook: wakes the loop */
static char host[256], target[1024];

/* --answers: one collector per job in flight (at most opt.slots, in ring
 * order: job seq uses answers[seq % opt.slots]) */
static emhttp_json_response answers[MAX_SLOTS];
static char answer_buf[MAX_SLOTS][4096];
static emhttp_json_tok answer_toks[MAX_SLOTS][256];
static unsigned long answers_ok, answers_bad;

static unsigned long done_ok, done_err, done_total;
static uint64_t *queued_us;  /* by seq */
static uint32_t *latency_us; /* in completion order */

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the encoder (idle task) ------------------------------------------ */

static void write_reading(emhttp_jw *w, uint32_t seq, unsigned i)
{
    emhttp_jw_object(w);
    emhttp_jw_key(w, "sensor");
    emhttp_jw_uint(w, i);
    emhttp_jw_key(w, "temp_c");
    emhttp_jw_double(w, 21.5 + (double)((seq * 7 + i) % 100) / 37.0);
    emhttp_jw_key(w, "humidity_pct");
    emhttp_jw_fixed(w, 400 + (int64_t)((seq + i * 13) % 300), 1); /* 40.0 .. 69.9 */
    emhttp_jw_key(w, "samples");
    emhttp_jw_array(w);
    for (int k = 0; k < 4; k++) {
        emhttp_jw_int(w, (int64_t)((seq ^ (i * 31u + (unsigned)k)) % 4096) - 2048);
    }
    emhttp_jw_array_end(w);
    emhttp_jw_object_end(w);
}

/* A device report: about 120 bytes of header plus readings until the body
 * reaches --body-kb (1 to 3 readings, by sequence number, when 0).  @p arg
 * is the outbox's copy of the queued reading. */
static long encode_report(void *arg, uint8_t *buf, size_t size)
{
    const reading *r = arg;
    emhttp_jw w;
    emhttp_jw_init(&w, buf, size);
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "device");
    emhttp_jw_string(&w, "emh-7f3a9c21");
    emhttp_jw_key(&w, "seq");
    emhttp_jw_uint(&w, r->seq);
    emhttp_jw_key(&w, "location");
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "lat");
    emhttp_jw_double(&w, 52.520008);
    emhttp_jw_key(&w, "lon");
    emhttp_jw_double(&w, 13.404954);
    emhttp_jw_object_end(&w);
    emhttp_jw_key(&w, "readings");
    emhttp_jw_array(&w);
    unsigned i = 0, min_readings = opt.body_kb ? 1u : 1u + r->seq % 3u;
    do {
        write_reading(&w, r->seq, i++);
    } while (i < min_readings || emhttp_jw_needed(&w) + 120 < opt.body_kb * 1024u);
    emhttp_jw_array_end(&w);
    emhttp_jw_key(&w, "ok");
    emhttp_jw_bool(&w, true);
    emhttp_jw_object_end(&w);
    return emhttp_jw_finish(&w);
}

static void *idle_task(void *arg)
{
    (void)arg;
    struct sched_param sp = {0};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
    for (;;) {
        sem_wait(&work);
        if (!emhttp_outbox_encode(&ob)) { /* wakes the loop: on_body_ready */
            return NULL; /* posted with nothing queued: quit */
        }
    }
}

/* The outbox's wake hook (idle thread): a body is ready for the loop. */
static void on_body_ready(void *arg)
{
    (void)arg;
    sem_post(&ready);
}

/* ---- completion (network loop) ---------------------------------------- */

static void on_done(void *arg, int result, int status)
{
    uint32_t seq = (uint32_t)(uintptr_t)arg;
    latency_us[done_total++] = (uint32_t)(now_us() - queued_us[seq]);
    if (result == EMHTTP_OK && status >= 200 && status < 400) {
        done_ok++;
    } else {
        done_err++;
        if (result != EMHTTP_OK) {
            fprintf(stderr, "telemetry: request %u: %s\n", (unsigned)seq,
                    emhttp_strerror(result));
        }
    }
}

/* --answers: the response of job seq, parsed (runs before on_done). */
static void on_answer(emhttp_json_response *r, int result)
{
    uint32_t seq = (uint32_t)(uintptr_t)emhttp_json_response_arg(r);
    int64_t got = -1;
    if (r->status == 0) {
        return; /* no response (never sent, or failed): on_done reports it */
    }
    if (result == EMHTTP_OK) {
        (void)emhttp_jr_int(&r->doc, emhttp_jr_find(&r->doc, 0, "seq"), &got);
    }
    if (got == (int64_t)seq) {
        answers_ok++;
    } else {
        answers_bad++;
        fprintf(stderr, "telemetry: answer %u: %s, seq %lld\n", (unsigned)seq,
                emhttp_strerror(result), (long long)got);
    }
}

/* ---- the loop ---------------------------------------------------------- */

static const emhttp_header json_headers[] = {
    EMHTTP_HEADER("Content-Type", "application/json"),
};

static bool queue_next(unsigned long *queued)
{
    reading r = {.seq = (uint32_t)*queued, .t_queued_us = now_us()};
    emhttp_outbox_job job = {
        .target = target, .headers = json_headers, .header_count = 1,
        .encode = encode_report, .record = &r, .record_len = sizeof r,
        .done = on_done, .done_arg = (void *)(uintptr_t)r.seq,
    };
    if (emhttp_outbox_used(&ob) >= opt.slots) {
        return false; /* every slot taken: so is every collector */
    }
    if (opt.answers) {
        unsigned k = r.seq % opt.slots;
        emhttp_json_response_init(&answers[k], answer_buf[k], sizeof answer_buf[k],
                                  answer_toks[k], 256, on_answer, (void *)(uintptr_t)r.seq);
        job.cbs = &emhttp_json_response_cbs;
        job.user = &answers[k];
    }
    queued_us[r.seq] = r.t_queued_us;
    if (emhttp_outbox_queue(&ob, &job) != EMHTTP_OK) {
        return false;
    }
    (*queued)++;
    if (!opt.inline_encode) {
        sem_post(&work);
    }
    return true;
}

static uint64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One loop step: (inline: encode), hand ready bodies over, poll.  Timed in
 * the loop thread's CPU time: the work the step itself does (its system
 * calls included), not the time another process ran on a shared CPU. */
static uint64_t loop_step(void)
{
    uint64_t t0 = thread_cpu_us();
    if (opt.inline_encode) {
        emhttp_outbox_encode(&ob);
    }
    emhttp_outbox_pump(&ob, &cli);
    emhttp_poll(&cli);
    return thread_cpu_us() - t0;
}

/* Sleep until the connection or the idle task has something for us.  A
 * running request ends before the next one is sent (one connection), so
 * while one runs the loop waits for the connection only. */
static void wait_for_work(void)
{
    if (emhttp_next_timeout_ms(&cli) != UINT32_MAX) { /* a request runs: socket or DNS */
        emhttp_port p = emhttp_posix_port(&net);
        p.ops->wait(p.ctx, emhttp_wait_flags(&cli), emhttp_next_timeout_ms(&cli));
    } else if (!opt.inline_encode) {
        sem_wait(&ready); /* posted by the wake hook once per body ready */
    }
}

static uint64_t run_loop(void)
{
    unsigned long queued = 0;
    uint64_t max_step = 0;
    while (done_total < opt.n) {
        while (queued < opt.n && queue_next(&queued)) {
        }
        uint64_t dt = loop_step();
        max_step = dt > max_step ? dt : max_step;
        if (done_total < opt.n) {
            wait_for_work();
        }
    }
    return max_step;
}

/* ---- setup and report -------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* "-n N" style options: name and where the number goes. */
static const struct {
    const char *name;
    unsigned long *value;
} number_options[] = {
    {"-n", &opt.n},
    {"--body-kb", &opt.body_kb},
    {"--slot-bytes", &opt.slot_bytes},
    {"--slots", &opt.slots},
};

static bool take_number(const char *name, const char *value)
{
    for (size_t k = 0; k < sizeof number_options / sizeof number_options[0]; k++) {
        if (!strcmp(name, number_options[k].name)) {
            *number_options[k].value = strtoul(value, NULL, 10);
            return true;
        }
    }
    return false;
}

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--inline")) {
            opt.inline_encode = true;
        } else if (!strcmp(argv[i], "--answers")) {
            opt.answers = true;
        } else if (i + 1 < argc && take_number(argv[i], argv[i + 1])) {
            i++;
        } else if (argv[i][0] != '-' && opt.url == NULL) {
            opt.url = argv[i];
        } else {
            return -1;
        }
    }
    bool ok = opt.url != NULL && opt.n > 0 && opt.slots > 0 && opt.slots <= MAX_SLOTS &&
              opt.body_kb * 1024u + 4096u <= MAX_BODY && opt.slot_bytes <= MAX_BODY;
    return ok ? 0 : -1;
}

static int setup(void)
{
    emhttp_url u;
    if (emhttp_url_parse(opt.url, &u) != EMHTTP_OK || u.scheme != EMHTTP_SCHEME_HTTP ||
        u.host_len >= sizeof host || u.target_len + 2 >= sizeof target) {
        fprintf(stderr, "telemetry: bad URL %s\n", opt.url);
        return 3;
    }
    memcpy(host, u.host, u.host_len);
    size_t off = (u.target_len == 0 || u.target[0] == '?') ? 1 : 0;
    target[0] = '/';
    memcpy(target + off, u.target, u.target_len);
    for (unsigned i = 0; i < opt.slots; i++) {
        slots[i].buf = bodies[i];
        slots[i].size = opt.slot_bytes ? opt.slot_bytes : opt.body_kb * 1024u + 4096u;
        slots[i].record = &records[i];
        slots[i].record_size = sizeof records[i];
    }
    emhttp_config cfg = {.host = host, .port = u.port, .tx_buf = tx, .tx_size = sizeof tx,
                         .rx_buf = rx, .rx_size = sizeof rx};
    if (emhttp_posix_init(&net) != EMHTTP_OK || sem_init(&work, 0, 0) != 0 ||
        sem_init(&ready, 0, 0) != 0) {
        return 1;
    }
    cfg.net = emhttp_posix_port(&net);
    cfg.transport = emhttp_posix_tcp(&net);
    latency_us = calloc(opt.n, sizeof *latency_us);
    queued_us = calloc(opt.n, sizeof *queued_us);
    if (latency_us == NULL || queued_us == NULL || emhttp_client_init(&cli, &cfg) != EMHTTP_OK ||
        emhttp_outbox_init(&ob, slots, opt.slots, &cli) != EMHTTP_OK) {
        return 1;
    }
    if (!opt.inline_encode) {
        emhttp_outbox_set_wake(&ob, on_body_ready, NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) != 0) {
        fprintf(stderr, "usage: telemetry [-n N] [--body-kb K] [--inline] [--answers] "
                        "[--slots S] [--slot-bytes B] URL\n");
        return 2;
    }
    int rc = setup();
    if (rc != 0) {
        return rc;
    }
    pthread_t idle;
    if (!opt.inline_encode && pthread_create(&idle, NULL, idle_task, NULL) != 0) {
        return 1;
    }
    uint64_t t0 = now_us();
    uint64_t max_step = run_loop();
    double secs = (double)(now_us() - t0) / 1e6;
    if (!opt.inline_encode) {
        sem_post(&work); /* nothing queued: the idle thread quits */
        pthread_join(idle, NULL);
    }
    qsort(latency_us, done_total, sizeof *latency_us, cmp_u32);
    const emhttp_stats *st = emhttp_client_stats(&cli);
    fprintf(stderr,
            "stats: requests=%lu ok=%lu errors=%lu connects=%lu dns_queries=%lu secs=%.3f "
            "req_per_s=%.1f p50_us=%.1f p99_us=%.1f max_poll_us=%.1f\n",
            done_total, done_ok, done_err, (unsigned long)st->connects,
            (unsigned long)st->dns_queries, secs, secs > 0 ? (double)done_total / secs : 0.0,
            (double)latency_us[(done_total - 1) / 2], (double)latency_us[(done_total - 1) * 99 / 100],
            (double)max_step);
    if (opt.answers) {
        fprintf(stderr, "answers: ok=%lu mismatched=%lu\n", answers_ok, answers_bad);
    }
    emhttp_client_close(&cli);
    emhttp_posix_deinit(&net);
    free(latency_us);
    free(queued_us);
    return done_err == 0 && answers_bad == 0 ? 0 : 1;
}
