/*
 * main.c - emhttp on an MPS2-AN386 (Cortex-M4, LAN9118) with lwIP in a
 * bare-metal super-loop (NO_SYS=1), HTTP or HTTPS (mbedTLS), as QEMU runs
 * it under tests/qemu/test_qemu.py.
 *
 * The loop is examples/lwip/main.c's: frames into lwIP, lwIP's timers, a
 * reading queued in the outbox, ready bodies pumped into the client, the
 * client polled, and in the idle branch the outbox's encoder turns one
 * queued reading into JSON - else the board sleeps (WFI) until a frame or
 * the next millisecond.  The client resolves api.test once through lwIP's
 * DNS client and posts every body over one persistent connection (HTTPS:
 * the certificate verified; when the server closes the connection, the
 * next one resumes the TLS session).
 *
 * Command line (QEMU -append, through semihosting):
 *     http  COUNT              COUNT POSTs to http://api.test/api
 *     https COUNT CA_FILE      the same to https://api.test/api, the CA
 *                              certificate read from the host's CA_FILE
 * Readings are queued as fast as slots free up (this is a benchmark; a
 * sensor would queue one per period).
 *
 * What it measures (printed as "figure NAME VALUE" lines for the test):
 *  - instructions of the steady state (from the 10th completed request to
 *    the last), per request, split into: lwIP input and timers with the
 *    LAN9118 driver (board_netif_poll + sys_check_timeouts), lwIP's TCP
 *    output and the port (the TCP transport's calls), TLS (the TLS
 *    transport's calls minus the TCP ones inside them), the JSON encoder
 *    (the outbox's idle branch) and emhttp (emhttp_poll + the pump minus
 *    the transports), and the rest of the loop (wait(), interrupts, the
 *    meter itself).  Time asleep in WFI is not counted.  Under QEMU's
 *    -icount shift=0 a SysTick count is 40 instructions (mps2.h);
 *  - instructions of each TLS handshake (full or resumed): the client's
 *    handshake steps, including the lwIP sends they make;
 *  - the main stack's peak (painted at boot): the network task's stack;
 *  - lwIP's pool statistics at boot, after the 10th request, after the
 *    last one and once the connection is closed: then every pool must be
 *    back to its boot state (one TIME_WAIT pcb aside) with no allocation
 *    failure, or the run fails (a soak's leak check).
 */
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "emhttp/client.h"
#include "emhttp/outbox.h"
#include "emhttp/port_lwip.h"
#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip_bringup.h" /* examples/common: board, lwIP, emhttp's port */
#include "mps2.h"
#include "reading.h" /* examples/common: the reading and its JSON */
#include "semihost.h"
#if CONFIG_EMHTTP_TLS
#include "emhttp/tls.h"
#endif

#define API_HOST "api.test"
#define API_TARGET "/api"
#define N_SLOTS 4
#define SLOT_BYTES 384 /* body + the prepared request head */
#define WARMUP 10      /* requests before the steady state is measured */
#define MAX_HANDSHAKES 16

static struct netif netif;
static emhttp_lwip net;
static emhttp_client cli;
static uint8_t tx[512], rx[2048];
static uint8_t bodies[N_SLOTS][SLOT_BYTES];
static reading records[N_SLOTS];
static emhttp_outbox_slot slots[N_SLOTS];
static emhttp_outbox ob;
static uint32_t want, queued, done_ok, done_err;

static const emhttp_header json_headers[] = {
    EMHTTP_HEADER("Content-Type", "application/json"),
};

/* ---- the meter: SysTick counts spent in each part of the loop ------------- */

enum { P_LWIP_IN, P_EMHTTP, P_ENCODE, P_TCP, P_TLS, P_LOOP, P_COUNT };
static const char *const part_names[P_COUNT] = {"lwip_in", "emhttp", "encode",
                                                "lwip_tcp", "tls", "loop"};
static uint64_t part[P_COUNT];

/* A transport wrapped so that the time spent in its calls is counted
 * (part P_TCP or P_TLS), and each handshake's time is recorded. */
typedef struct metered {
    emhttp_transport inner;
    int which;
    uint64_t hs_ticks; /* the running handshake so far */
} metered;

static uint32_t hs_n;
static uint64_t hs_ticks[MAX_HANDSHAKES];
static uint8_t hs_resumed[MAX_HANDSHAKES];

/* Charge the time since t0 to the meter's part; the TLS meter's calls
 * contain TCP calls, whose time stays the TCP part's. */
static uint64_t charge(const metered *m, uint64_t t0, uint64_t tcp0)
{
    uint64_t dt = board_ticks() - t0;

    part[m->which] += dt - (m->which == P_TLS ? part[P_TCP] - tcp0 : 0);
    return dt;
}

#define METER(m, call)                           \
    do {                                         \
        uint64_t tcp0_ = part[P_TCP];            \
        uint64_t t0_ = board_ticks();            \
        call;                                    \
        (void)charge((m), t0_, tcp0_);           \
    } while (0)

static int m_connect(void *ctx, const char *host, const emhttp_ip_addr *a, uint16_t port)
{
    metered *m = ctx;
    int rc;
    m->hs_ticks = 0;
    METER(m, rc = m->inner.ops->connect(m->inner.ctx, host, a, port));
    return rc;
}
static int m_connect_poll(void *ctx)
{
    metered *m = ctx;
    int rc;
    METER(m, rc = m->inner.ops->connect_poll(m->inner.ctx));
    return rc;
}
static int m_handshake(void *ctx)
{
    metered *m = ctx;
    uint64_t tcp0 = part[P_TCP], t0 = board_ticks();
    int rc = m->inner.ops->handshake(m->inner.ctx);

    m->hs_ticks += charge(m, t0, tcp0);
    if ((rc == EMHTTP_OK || rc == EMHTTP_HANDSHAKE_RESUMED) && hs_n < MAX_HANDSHAKES) {
        hs_ticks[hs_n] = m->hs_ticks;
        hs_resumed[hs_n++] = rc == EMHTTP_HANDSHAKE_RESUMED;
    }
    return rc;
}
static long m_send(void *ctx, const uint8_t *buf, size_t len, unsigned flags)
{
    metered *m = ctx;
    long rc;
    METER(m, rc = m->inner.ops->send(m->inner.ctx, buf, len, flags));
    return rc;
}
static long m_sendv(void *ctx, const emhttp_iov *iov, size_t iovcnt)
{
    metered *m = ctx;
    long rc;
    METER(m, rc = m->inner.ops->sendv(m->inner.ctx, iov, iovcnt));
    return rc;
}
static long m_recv(void *ctx, uint8_t *buf, size_t len)
{
    metered *m = ctx;
    long rc;
    METER(m, rc = m->inner.ops->recv(m->inner.ctx, buf, len));
    return rc;
}
static void m_close(void *ctx)
{
    metered *m = ctx;
    METER(m, m->inner.ops->close(m->inner.ctx));
}
static unsigned m_want(void *ctx, unsigned dir)
{
    metered *m = ctx;
    unsigned rc;
    METER(m, rc = m->inner.ops->want(m->inner.ctx, dir));
    return rc;
}

/* One ops table per wrapped transport: the optional entries follow the
 * inner transport's. */
static emhttp_transport_ops meter_ops[2];
static metered meters[2];

static emhttp_transport meter(int slot, int which, emhttp_transport inner)
{
    emhttp_transport_ops *o = &meter_ops[slot];

    meters[slot] = (metered){.inner = inner, .which = which};
    *o = (emhttp_transport_ops){.flags = inner.ops->flags, .connect = m_connect,
                                .connect_poll = m_connect_poll, .send = m_send,
                                .recv = m_recv, .close = m_close};
    o->handshake = inner.ops->handshake ? m_handshake : NULL;
    o->sendv = inner.ops->sendv ? m_sendv : NULL;
    o->want = inner.ops->want ? m_want : NULL;
    return (emhttp_transport){.ops = o, .ctx = &meters[slot]};
}

/* ---- lwIP's pools: the soak's leak check ----------------------------------- */

static const char *const pool_names[MEMP_MAX] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};

typedef struct pool_snap {
    uint32_t used[MEMP_MAX], err[MEMP_MAX];
    uint32_t heap_used, heap_err;
} pool_snap;

static void pools_take(pool_snap *s)
{
    for (int i = 0; i < MEMP_MAX; i++) {
        s->used[i] = lwip_stats.memp[i]->used;
        s->err[i] = lwip_stats.memp[i]->err;
    }
    s->heap_used = lwip_stats.mem.used;
    s->heap_err = lwip_stats.mem.err;
}

static void pools_print(const char *when, const pool_snap *s)
{
    for (int i = 0; i < MEMP_MAX; i++) {
        con_printf("pool %s %s used=%lu max=%lu avail=%lu err=%lu\n", when,
                   pool_names[i], (unsigned long)s->used[i],
                   (unsigned long)lwip_stats.memp[i]->max,
                   (unsigned long)lwip_stats.memp[i]->avail, (unsigned long)s->err[i]);
    }
    con_printf("pool %s HEAP used=%lu max=%lu avail=%lu err=%lu\n", when,
               (unsigned long)s->heap_used, (unsigned long)lwip_stats.mem.max,
               (unsigned long)lwip_stats.mem.avail, (unsigned long)s->heap_err);
}

/* ---- idle: the encoder ----------------------------------------------------- */

static long encode_reading(void *arg, uint8_t *buf, size_t size)
{
    return reading_to_json(arg, "mps2-an386", buf, size); /* arg: the slot's copy */
}

/* ---- network loop: completions --------------------------------------------- */

static uint64_t ss_ticks0, ss_idle0, ss_part0[P_COUNT];
static pool_snap pools_boot, pools_warm;

static void on_done(void *arg, int result, int status)
{
    (void)arg;
    if (result == EMHTTP_OK && status >= 200 && status < 300) {
        done_ok++;
    } else {
        done_err++;
        if (done_err <= 10) {
            con_printf("request %lu: %s (status %d)\n", (unsigned long)(done_ok + done_err),
                       emhttp_strerror(result), status);
        }
    }
    if (done_ok + done_err == WARMUP) { /* the steady state starts */
        ss_ticks0 = board_ticks();
        ss_idle0 = board_idle_ticks();
        memcpy(ss_part0, part, sizeof part);
        pools_take(&pools_warm);
    }
}

/* ---- application: a reading whenever a slot is free ------------------------ */

static void take_reading(uint32_t now)
{
    reading r = reading_take(queued, now);
    emhttp_outbox_job job = {
        .target = API_TARGET, .headers = json_headers, .header_count = 1,
        .encode = encode_reading, .record = &r, .record_len = sizeof r, .done = on_done,
    };

    if (queued < want && emhttp_outbox_used(&ob) < N_SLOTS &&
        emhttp_outbox_queue(&ob, &job) == EMHTTP_OK) {
        queued++;
    }
}

/* ---- TLS ------------------------------------------------------------------- */

#if CONFIG_EMHTTP_TLS
static emhttp_tls tls;
static uint8_t tls_arena[24 * 1024];
static uint8_t ca_pem[4096];

static int tls_setup(const char *ca_file, emhttp_transport *tr)
{
    long n = sh_read_file(ca_file, ca_pem, sizeof ca_pem - 1);
    int rc;

    if (n <= 0) {
        con_printf("cannot read the CA certificate %s from the host\n", ca_file);
        return -1;
    }
    ca_pem[n] = 0; /* PEM: the NUL is part of the length */
    emhttp_tls_config tc = {.hostname = API_HOST, .ca = ca_pem, .ca_len = (size_t)n + 1,
                            .entropy = board_entropy};
    if ((rc = emhttp_tls_arena_init(tls_arena, sizeof tls_arena)) != EMHTTP_OK ||
        (rc = emhttp_tls_init(&tls, &tc)) != EMHTTP_OK) {
        con_printf("TLS setup: %s (mbedTLS -0x%04x)\n", emhttp_strerror(rc),
                   (unsigned)-emhttp_tls_last_error(&tls));
        return -1;
    }
    *tr = meter(1, P_TLS, emhttp_tls_transport(&tls, *tr));
    return 0;
}
#endif

/* ---- setup and the loop ---------------------------------------------------- */

static char cmdline[256];
static char *args[8];

static int parse_args(void)
{
    int n = 0;
    char *p = cmdline;

    if (sh_cmdline(cmdline, sizeof cmdline) != 0) {
        return 0;
    }
    while (n < 8) {
        while (*p == ' ') {
            *p++ = 0;
        }
        if (*p == 0) {
            break;
        }
        args[n++] = p;
        while (*p && *p != ' ') {
            p++;
        }
    }
    return n;
}

int main(void)
{
    emhttp_config cfg = {.host = API_HOST, .tx_buf = tx, .tx_size = sizeof tx,
                         .rx_buf = rx, .rx_size = sizeof rx};
    emhttp_port port;
    int argc = parse_args(); /* args[0] is the program */
    bool https = argc >= 3 && strcmp(args[1], "https") == 0;

    if (argc < 3 || (!https && strcmp(args[1], "http") != 0) || (https && argc < 4) ||
        (want = (uint32_t)strtoul(args[2], NULL, 10)) <= WARMUP) {
        con_printf("usage: http COUNT | https COUNT CA_FILE (COUNT > %d)\n", WARMUP);
        return 64;
    }
    if (lwip_bringup(&netif, &net) != EMHTTP_OK) {
        board_panic("emhttp_lwip_init");
    }
    cfg.net = emhttp_lwip_port(&net);
    cfg.transport = meter(0, P_TCP, emhttp_lwip_tcp(&net));
    if (https) {
#if CONFIG_EMHTTP_TLS
        cfg.scheme = EMHTTP_SCHEME_HTTPS;
        if (tls_setup(args[3], &cfg.transport) != 0) {
            return 1;
        }
#else
        con_printf("this image has no TLS (build the https image)\n");
        return 64;
#endif
    }
    for (unsigned i = 0; i < N_SLOTS; i++) {
        slots[i].buf = bodies[i];
        slots[i].size = sizeof bodies[i];
        slots[i].record = &records[i];
        slots[i].record_size = sizeof records[i];
    }
    if (emhttp_client_init(&cli, &cfg) != EMHTTP_OK ||
        emhttp_outbox_init(&ob, slots, N_SLOTS, &cli) != EMHTTP_OK) {
        board_panic("client setup");
    }
    pools_take(&pools_boot);
    con_printf("mps2-an386: %s, %lu requests to %s://" API_HOST API_TARGET "\n",
               https ? "HTTPS" : "HTTP", (unsigned long)want, https ? "https" : "http");

    port = emhttp_lwip_port(&net);
    while (done_ok + done_err < want) {
        uint64_t t0 = board_ticks(), t1, t2, t3;
        uint64_t in_tr = part[P_TCP] + part[P_TLS];

        board_netif_poll(&netif); /* network: frames in */
        sys_check_timeouts();     /* network: lwIP's timers */
        t1 = board_ticks();
        take_reading(sys_now()); /* application */
        emhttp_outbox_pump(&ob, &cli);
        emhttp_poll(&cli);
        t2 = board_ticks();
        bool encoded = emhttp_outbox_encode(&ob); /* idle: encode, else sleep */
        t3 = board_ticks();
        if (!encoded) {
            uint32_t budget = emhttp_next_timeout_ms(&cli);
            uint32_t lwip_t = sys_timeouts_sleeptime();

            if (queued < want && emhttp_outbox_used(&ob) < N_SLOTS) {
                budget = 0; /* a reading is due at once */
            }
            port.ops->wait(port.ctx, emhttp_wait_flags(&cli), lwip_t < budget ? lwip_t : budget);
        }
        part[P_LWIP_IN] += t1 - t0;
        /* the transports' time inside emhttp_poll is theirs, not emhttp's */
        part[P_EMHTTP] += (t2 - t1) - (part[P_TCP] + part[P_TLS] - in_tr);
        part[P_ENCODE] += t3 - t2;
    }
    uint64_t ss_ticks = board_ticks() - ss_ticks0, ss_idle = board_idle_ticks() - ss_idle0;
    uint64_t ss_active = ss_ticks - ss_idle, known = 0;
    uint32_t n_ss = want - WARMUP;

    const emhttp_stats *s = emhttp_client_stats(&cli);
    con_printf("stats: requests=%lu ok=%lu errors=%lu connects=%lu dns_queries=%lu reuses=%lu "
               "tls_handshakes=%lu tls_resumed=%lu eth_drops=%lu\n",
               (unsigned long)s->requests, (unsigned long)done_ok, (unsigned long)done_err,
               (unsigned long)s->connects, (unsigned long)s->dns_queries,
               (unsigned long)s->reuses, (unsigned long)s->tls_handshakes,
               (unsigned long)s->tls_resumed, (unsigned long)board_eth_drops());

    /* Per request over the steady state; the loop's rest is what no part
     * claims (wait(), SysTick and Ethernet interrupts, the meter). */
    con_printf("figure steady_requests %lu\n", (unsigned long)n_ss);
    con_printf("figure instr_per_request %lu\n",
               (unsigned long)(ss_active * MPS2_INSTR_PER_TICK / n_ss));
    for (int i = 0; i < P_COUNT; i++) {
        uint64_t d = part[i] - ss_part0[i];

        if (i == P_LOOP) {
            d = ss_active > known ? ss_active - known : 0;
        }
        known += d;
        con_printf("figure instr_per_request_%s %lu\n", part_names[i],
                   (unsigned long)(d * MPS2_INSTR_PER_TICK / n_ss));
    }
    for (uint32_t i = 0; i < hs_n; i++) {
        con_printf("figure handshake_%s %lu\n", hs_resumed[i] ? "resumed" : "full",
                   (unsigned long)(hs_ticks[i] * MPS2_INSTR_PER_TICK));
    }
#if CONFIG_EMHTTP_TLS
    if (https) {
        emhttp_tls_arena_stats as;

        if (emhttp_tls_arena_get_stats(&as) == EMHTTP_OK) {
            con_printf("figure tls_arena_size %lu\nfigure tls_arena_peak %lu\n",
                       (unsigned long)as.size,
                       (unsigned long)(as.peak + as.peak_blocks * as.header));
        }
    }
#endif

    /* The leak check: close the connection, let lwIP finish it (data
     * acknowledged, FIN exchanged; at most 5 s), then every pool must be
     * back where it was at boot - but for the one pcb our own close leaves
     * in TIME_WAIT and the TCP timer it keeps running - and nothing may ever have failed to allocate. */
    pool_snap end, closed;
    bool leak = false;

    pools_take(&end);
    emhttp_client_close(&cli);
    for (uint32_t t0 = sys_now(); (int32_t)(sys_now() - t0) < 5000;) {
        board_netif_poll(&netif);
        sys_check_timeouts();
        if (lwip_stats.memp[MEMP_TCP_SEG]->used == 0 &&
            lwip_stats.memp[MEMP_PBUF_POOL]->used == 0 && lwip_stats.mem.used == 0) {
            break;
        }
        board_sleep(&netif, 1);
    }
    pools_take(&closed);
    pools_print("boot", &pools_boot);
    pools_print("warm", &pools_warm);
    pools_print("end", &end);
    pools_print("closed", &closed);
    for (int i = 0; i < MEMP_MAX; i++) {
        /* that pcb keeps lwIP's TCP timer running: one timeout more */
        uint32_t allowed = pools_boot.used[i] + (i == MEMP_TCP_PCB || i == MEMP_SYS_TIMEOUT);

        leak |= closed.used[i] < pools_boot.used[i] || closed.used[i] > allowed ||
                closed.err[i] != 0;
    }
    leak |= closed.heap_used != pools_boot.heap_used || closed.heap_err != 0;
    con_printf("figure stack_peak %lu\nfigure stack_size %lu\n",
               (unsigned long)board_stack_peak(), (unsigned long)board_stack_size());

    bool ok = done_err == 0 && done_ok == want && !leak;
    con_printf("%s: %lu of %lu requests succeeded%s\n", ok ? "SUCCESS" : "FAILURE",
               (unsigned long)done_ok, (unsigned long)want,
               leak ? "; lwIP pools not back to their boot state (leak or failed allocation)" : "");
    return ok ? 0 : 1;
}
