/*
 * examples/lwip/main.c - emhttp on lwIP in a bare-metal super-loop
 * (NO_SYS=1): what a board's main.c looks like.  Only board_*() (board.h)
 * differ per board; on a Linux host they are board_tap.c, a tap device.
 *
 * One loop does everything, in this order:
 *   - network: received frames into lwIP, lwIP's timers;
 *   - application: a sensor reading every READING_PERIOD_MS is queued in
 *     the outbox (only its data: nothing is serialized here);
 *   - network loop proper: ready bodies are handed to the client, the
 *     client is polled - it resolves api.test once (lwIP's DNS client)
 *     and posts every body over one persistent connection;
 *   - idle: the outbox's encoder turns one queued reading into JSON; when
 *     there is none, the board sleeps until a frame, a timer or the next
 *     reading is due.
 * It stops after EXAMPLE_READINGS readings and prints the client's
 * counters; the exit status is 0 when every POST got a 2xx answer.
 */
#include <stdio.h>

#include "board.h"
#include "emhttp/client.h"
#include "emhttp/outbox.h"
#include "emhttp/port_lwip.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip_bringup.h" /* examples/common: board, lwIP, emhttp's port */
#include "reading.h"      /* examples/common: the reading and its JSON */

#define API_HOST "api.test"
#define API_TARGET "/api"
#define N_SLOTS 4
#define SLOT_BYTES 512 /* body + the prepared request head */
#ifndef EXAMPLE_READINGS
#define EXAMPLE_READINGS 20
#endif
#ifndef READING_PERIOD_MS
#define READING_PERIOD_MS 20
#endif

static struct netif netif;
static emhttp_lwip net;
static emhttp_client cli;
static uint8_t tx[512], rx[2048];
static uint8_t bodies[N_SLOTS][SLOT_BYTES];
static emhttp_outbox_slot slots[N_SLOTS];
static emhttp_outbox ob;
static reading readings[N_SLOTS];
static uint32_t queued, done_ok, done_err, next_reading_ms;

static const emhttp_header json_headers[] = {
    EMHTTP_HEADER("Content-Type", "application/json"),
};

/* ---- idle: the encoder --------------------------------------------------- */

static long encode_reading(void *arg, uint8_t *buf, size_t size)
{
    return reading_to_json(arg, "emh-lwip-01", buf, size);
}

/* ---- network loop: completions ------------------------------------------- */

static void on_done(void *arg, int result, int status)
{
    const reading *r = arg;

    if (result == EMHTTP_OK && status >= 200 && status < 300) {
        done_ok++;
    } else {
        done_err++;
        printf("reading %u: %s (status %d)\n", (unsigned)r->seq, emhttp_strerror(result), status);
    }
}

/* ---- application: take a reading when one is due ------------------------- */

static void take_reading(uint32_t now)
{
    reading *r = &readings[queued % N_SLOTS]; /* the ring's next slot is ours */
    emhttp_outbox_job job = {
        .target = API_TARGET, .headers = json_headers, .header_count = 1,
        .encode = encode_reading, .encode_arg = r, .done = on_done, .done_arg = r,
    };

    if (queued >= EXAMPLE_READINGS || (int32_t)(now - next_reading_ms) < 0 ||
        emhttp_outbox_used(&ob) >= N_SLOTS) {
        return;
    }
    *r = reading_take(queued, now);
    if (emhttp_outbox_queue(&ob, &job) == EMHTTP_OK) {
        queued++;
        next_reading_ms = now + READING_PERIOD_MS;
    }
}

/* ---- setup --------------------------------------------------------------- */

static int setup(void)
{
    emhttp_config cfg = {.host = API_HOST, .tx_buf = tx, .tx_size = sizeof tx,
                         .rx_buf = rx, .rx_size = sizeof rx};

    if (lwip_bringup(&netif, &net) != EMHTTP_OK) {
        return -1;
    }
    cfg.net = emhttp_lwip_port(&net);
    cfg.transport = emhttp_lwip_tcp(&net);
    for (unsigned i = 0; i < N_SLOTS; i++) {
        slots[i].buf = bodies[i];
        slots[i].size = sizeof bodies[i];
    }
    if (emhttp_client_init(&cli, &cfg) != EMHTTP_OK ||
        emhttp_outbox_init(&ob, slots, N_SLOTS, &cli) != EMHTTP_OK) {
        return -1;
    }
    return 0;
}

/* Longest sleep: until the client's next timeout, lwIP's next timer or
 * the next reading, whichever comes first. */
static uint32_t sleep_budget(uint32_t now)
{
    uint32_t t = emhttp_next_timeout_ms(&cli);
    uint32_t lwip_t = sys_timeouts_sleeptime();
    uint32_t reading_t = (int32_t)(next_reading_ms - now) > 0 ? next_reading_ms - now : 0;

    t = lwip_t < t ? lwip_t : t;
    if (queued < EXAMPLE_READINGS && emhttp_outbox_used(&ob) < N_SLOTS) {
        t = reading_t < t ? reading_t : t;
    }
    return t;
}

int main(void)
{
    emhttp_port port;

    if (setup() != 0) {
        printf("setup failed\n");
        return 1;
    }
    port = emhttp_lwip_port(&net);
    while (done_ok + done_err < EXAMPLE_READINGS) {
        board_netif_poll(&netif); /* network: frames in */
        sys_check_timeouts();     /* network: lwIP's timers */
        take_reading(sys_now());  /* application */
        emhttp_outbox_pump(&ob, &cli);
        emhttp_poll(&cli);
        if (!emhttp_outbox_encode(&ob)) { /* idle: encode, else sleep */
            /* returns at once when the connection already has what the
             * client waits for, else sleeps in board_sleep() */
            port.ops->wait(port.ctx, emhttp_wait_flags(&cli), sleep_budget(sys_now()));
        }
    }
    const emhttp_stats *s = emhttp_client_stats(&cli);
    printf("stats: requests=%u ok=%u errors=%u connects=%u dns_queries=%u\n",
           (unsigned)s->requests, (unsigned)done_ok, (unsigned)done_err, (unsigned)s->connects,
           (unsigned)s->dns_queries);
    emhttp_client_close(&cli);
    emhttp_lwip_deinit(&net);
    return done_err == 0 ? 0 : 1;
}
