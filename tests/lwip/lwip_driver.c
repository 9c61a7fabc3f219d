/*
 * lwip_driver - one emhttp client on the real lwIP stack over a tap
 * device, driven by commands on stdin; one JSON line answers each command.
 * Built twice: NO_SYS=1 (super-loop: the driver feeds frames and runs
 * lwIP's timers itself, including while it waits for the next command)
 * and NO_SYS=0 (lwIP's tcpip thread, a tap reader thread, the client in
 * the main thread through the core lock).
 *
 *   lwip_driver [--tap NAME] [--ip A] [--gw A] [--dns A] [--host NAME]
 *               [--port N] [--rx BYTES] [--dns-ttl S] [--dns-timeout MS]
 *               [--connect-timeout MS] [--first-byte MS] [--max-time MS]
 *               [--idle-reuse MS] [--cacert FILE]
 *
 * --cacert (TLS builds): HTTPS to --host, the server's certificate
 * verified against the CA in FILE (PEM) for that host name.
 *
 * Commands:
 *   req METHOD PATH COUNT [DELAY_US [BODY]]
 *                                      COUNT requests in a row (POST sends a
 *                                      small JSON body, or one of BODY bytes);
 *                                      DELAY_US: the body callback sleeps
 *                                      that long per piece (slow consumer)
 *   refuse PATH                        a GET whose response is left unread
 *                                      until the port refused a segment
 *   stats                              client, port, lwIP and tap counters
 *   quit
 *
 * A req answer: requests ok, every result's count, the last request's
 * result, status, body length and FNV-1a, the batch's ms, and the last
 * request's timing facts (connects opened for it, resends).
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emhttp/client.h"
#include "emhttp/port_lwip.h"
#if CONFIG_EMHTTP_TLS
#include "emhttp/tls.h"
#endif
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#if !NO_SYS
#include "lwip/tcpip.h"
#endif
#include "tapif.h"

#if NO_SYS
#define CORE_LOCK() ((void)0)
#define CORE_UNLOCK() ((void)0)
#else
#define CORE_LOCK() LOCK_TCPIP_CORE()
#define CORE_UNLOCK() UNLOCK_TCPIP_CORE()
#endif

typedef struct options {
    const char *tap, *ip, *gw, *dns, *host, *cacert;
    long port, rx, dns_ttl, dns_timeout, connect_timeout, first_byte, max_time, idle_reuse;
} options;

static options opt = {"emtap0", "192.0.2.2", "192.0.2.1", "192.0.2.1", "api.test", NULL,
                      80, 2048, 3600, 3000, 5000, 10000, 60000, 0};

static emhttp_tapif tap;
static struct netif netif;
static emhttp_lwip net;
static emhttp_client cli;
static uint8_t tx[1024], rx[65536];

/* ---- options ------------------------------------------------------------- */

static int parse_option(const char *name, const char *val)
{
    static const struct {
        const char *name;
        const char **s;
        long *n;
    } tab[] = {
        {"--tap", &opt.tap, NULL},          {"--ip", &opt.ip, NULL},
        {"--gw", &opt.gw, NULL},            {"--dns", &opt.dns, NULL},
        {"--host", &opt.host, NULL},        {"--port", NULL, &opt.port},
        {"--cacert", &opt.cacert, NULL},
        {"--rx", NULL, &opt.rx},            {"--dns-ttl", NULL, &opt.dns_ttl},
        {"--dns-timeout", NULL, &opt.dns_timeout},
        {"--connect-timeout", NULL, &opt.connect_timeout},
        {"--first-byte", NULL, &opt.first_byte}, {"--max-time", NULL, &opt.max_time},
        {"--idle-reuse", NULL, &opt.idle_reuse},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (strcmp(name, tab[i].name) == 0) {
            if (tab[i].s != NULL) {
                *tab[i].s = val;
            } else {
                *tab[i].n = strtol(val, NULL, 10);
            }
            return 0;
        }
    }
    return -1;
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc || parse_option(argv[i], argv[i + 1]) != 0) {
            fprintf(stderr, "lwip_driver: bad option %s\n", argv[i]);
            exit(2);
        }
    }
    if (opt.rx < 256 || opt.rx > (long)sizeof rx) {
        fprintf(stderr, "lwip_driver: --rx must be 256..%zu\n", sizeof rx);
        exit(2);
    }
}

/* ---- lwIP ------------------------------------------------------------------ */

static void add_netif(netif_input_fn input)
{
    ip4_addr_t ip, mask, gw;
    ip_addr_t dns;

    if (!ip4addr_aton(opt.ip, &ip) || !ip4addr_aton(opt.gw, &gw) || !ipaddr_aton(opt.dns, &dns)) {
        fprintf(stderr, "lwip_driver: bad address\n");
        exit(2);
    }
    IP4_ADDR(&mask, 255, 255, 255, 0);
    netif_add(&netif, &ip, &mask, &gw, &tap, emhttp_tapif_netif_init, input);
    netif_set_default(&netif);
    netif_set_up(&netif);
    dns_setserver(0, &dns);
}

#if NO_SYS
/* The super-loop's network step: wait for a frame (at most until lwIP's
 * next timer), feed every pending frame, run the timers. */
static void net_step(void *arg, uint32_t timeout_ms)
{
    uint32_t t = sys_timeouts_sleeptime();

    (void)arg;
    if (t < timeout_ms) {
        timeout_ms = t;
    }
    if (timeout_ms > 0) {
        (void)emhttp_tapif_wait(&netif, timeout_ms);
    }
    (void)emhttp_tapif_poll(&netif);
    sys_check_timeouts();
}

static void net_up(void)
{
    lwip_init();
    add_netif(ethernet_input);
}
#else
static void tcpip_ready(void *arg)
{
    sys_sem_signal((sys_sem_t *)arg);
}

/* The "Ethernet driver task": frames from the tap into tcpip_input. */
static void tap_reader(void *arg)
{
    (void)arg;
    for (;;) {
        if (emhttp_tapif_wait(&netif, 1000)) {
            (void)emhttp_tapif_poll(&netif);
        }
    }
}

static void net_up(void)
{
    sys_sem_t done;

    if (sys_sem_new(&done, 0) != ERR_OK) {
        exit(3);
    }
    tcpip_init(tcpip_ready, &done);
    (void)sys_arch_sem_wait(&done, 0);
    sys_sem_free(&done);
    LOCK_TCPIP_CORE();
    add_netif(tcpip_input);
    UNLOCK_TCPIP_CORE();
    (void)sys_thread_new("tap_reader", tap_reader, NULL, 0, 0);
}
#endif

#if CONFIG_EMHTTP_TLS
static emhttp_tls tls;
static uint8_t ca_pem[16384];

/* HTTPS: the CA from --cacert (PEM, NUL counted), SNI and name check
 * against --host. */
static void tls_up(emhttp_config *cfg)
{
    emhttp_tls_config tc = {.hostname = opt.host, .ca = ca_pem};
    FILE *f = fopen(opt.cacert, "rb");
    size_t n = f != NULL ? fread(ca_pem, 1, sizeof ca_pem - 1, f) : 0;
    int rc;

    if (f != NULL) {
        fclose(f);
    }
    ca_pem[n] = '\0';
    tc.ca_len = n + 1;
    rc = n > 0 ? emhttp_tls_init(&tls, &tc) : EMHTTP_ERR_ARG;
    if (rc != EMHTTP_OK) {
        fprintf(stderr, "lwip_driver: TLS setup (%s): %s\n", opt.cacert, emhttp_strerror(rc));
        exit(3);
    }
    cfg->scheme = EMHTTP_SCHEME_HTTPS;
    cfg->transport = emhttp_tls_transport(&tls, cfg->transport);
}
#else
static void tls_up(emhttp_config *cfg)
{
    (void)cfg;
    fprintf(stderr, "lwip_driver: --cacert needs a TLS build (CONFIG_EMHTTP_TLS)\n");
    exit(77);
}
#endif

static void client_up(void)
{
    emhttp_config cfg = {
        .host = opt.host, .port = (uint16_t)opt.port, .tx_buf = tx, .tx_size = sizeof tx,
        .rx_buf = rx, .rx_size = (size_t)opt.rx,
        .connect_timeout_ms = (uint32_t)opt.connect_timeout,
        .first_byte_timeout_ms = (uint32_t)opt.first_byte,
        .request_timeout_ms = (uint32_t)opt.max_time,
        .dns_timeout_ms = (uint32_t)opt.dns_timeout, .dns_ttl_s = (uint32_t)opt.dns_ttl,
        .idle_reuse_ms = (uint32_t)opt.idle_reuse,
    };

    if (emhttp_lwip_init(&net) != EMHTTP_OK) {
        exit(3);
    }
#if NO_SYS
    emhttp_lwip_set_idle(&net, net_step, NULL);
#endif
    cfg.net = emhttp_lwip_port(&net);
    cfg.transport = emhttp_lwip_tcp(&net);
    if (opt.cacert != NULL) {
        tls_up(&cfg);
    }
    if (emhttp_client_init(&cli, &cfg) != EMHTTP_OK) {
        fprintf(stderr, "lwip_driver: emhttp_client_init failed\n");
        exit(3);
    }
}

/* ---- requests ------------------------------------------------------------ */

typedef struct batch {
    uint64_t fnv;      /* FNV-1a 64 of the last response body */
    size_t len;        /* its length */
    long delay_us;     /* slow consumer: pause per body piece */
    long body_len;     /* POST: a padded JSON body of this size (0: small) */
    unsigned ok, nrc;
    unsigned connects, resends; /* the last request's (CONFIG_EMHTTP_TIMING) */
    int status, last_rc;
    struct {
        int rc;
        unsigned n;
    } rcs[8];
} batch;

static int on_body(emhttp_request *req, const uint8_t *d, size_t n)
{
    batch *b = req->user;

    for (size_t i = 0; i < n; i++) {
        b->fnv = (b->fnv ^ d[i]) * 0x100000001b3ull;
    }
    b->len += n;
    if (b->delay_us > 0) {
        struct timespec ts = {0, b->delay_us * 1000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static const emhttp_response_cbs cbs = {NULL, NULL, on_body, NULL};

static void count_rc(batch *b, int rc)
{
    for (unsigned i = 0; i < b->nrc; i++) {
        if (b->rcs[i].rc == rc) {
            b->rcs[i].n++;
            return;
        }
    }
    if (b->nrc < sizeof b->rcs / sizeof b->rcs[0]) {
        b->rcs[b->nrc].rc = rc;
        b->rcs[b->nrc++].n = 1;
    }
}

static uint8_t big_json[1 << 18];

/* {"pad":"xxx...x"} of exactly n bytes (10 <= n <= sizeof big_json). */
static const uint8_t *padded_json(size_t n)
{
    memset(big_json, 'x', n);
    memcpy(big_json, "{\"pad\":\"", 8);
    memcpy(big_json + n - 2, "\"}", 2);
    return big_json;
}

static void one_request(batch *b, const char *method, const char *path, long seq)
{
    char small[64];
    int slen = snprintf(small, sizeof small, "{\"seq\":%ld,\"temp\":21.5,\"ok\":true}", seq);
    int post = strcmp(method, "POST") == 0;
    int big = post && b->body_len > 0;
    emhttp_request req = {.method = method, .target = path, .cbs = &cbs, .user = b,
                          .body = big ? padded_json((size_t)b->body_len) : (const uint8_t *)small,
                          .body_len = big ? (size_t)b->body_len : (size_t)slen};

    if (!post) {
        req.body = NULL;
        req.body_len = 0;
    }

    b->fnv = 0xcbf29ce484222325ull;
    b->len = 0;
    b->last_rc = emhttp_request_sync(&cli, &req);
    b->status = req.status;
    b->ok += b->last_rc == EMHTTP_OK && req.status == 200;
#if CONFIG_EMHTTP_TIMING
    b->connects = req.timing.connects;
    b->resends = req.timing.resends;
#endif
    count_rc(b, b->last_rc);
}

static void print_batch(const batch *b, long n, uint32_t ms)
{
    printf("{\"cmd\":\"req\",\"n\":%ld,\"ok\":%u,\"last_rc\":%d,\"err\":\"%s\",\"status\":%d,"
           "\"len\":%zu,\"fnv\":\"%016llx\",\"ms\":%u,\"connects\":%u,\"resends\":%u,"
           "\"rcs\":{",
           n, b->ok, b->last_rc, emhttp_strerror(b->last_rc), b->status, b->len,
           (unsigned long long)b->fnv, (unsigned)ms, b->connects, b->resends);
    for (unsigned i = 0; i < b->nrc; i++) {
        printf("%s\"%d\":%u", i ? "," : "", b->rcs[i].rc, b->rcs[i].n);
    }
    printf("}}\n");
}

static void cmd_req(char *args)
{
    char method[16], path[256];
    long count = 1, delay_us = 0, body_len = 0;
    batch b;

    if (sscanf(args, "%15s %255s %ld %ld %ld", method, path, &count, &delay_us, &body_len) < 2 ||
        (body_len != 0 && (body_len < 10 || body_len > (long)sizeof big_json))) {
        printf("{\"cmd\":\"error\",\"why\":\"usage: req METHOD PATH COUNT [DELAY_US [BODY]]\"}\n");
        return;
    }
    memset(&b, 0, sizeof b);
    b.delay_us = delay_us;
    b.body_len = body_len;
    uint32_t t0 = sys_now();
    for (long i = 0; i < count; i++) {
        one_request(&b, method, path, i);
    }
    print_batch(&b, count, sys_now() - t0);
}

/* ---- refused segments ------------------------------------------------------ */

/* Let the network run for a moment without the client reading. */
static void net_only(uint32_t ms)
{
#if NO_SYS
    net_step(NULL, ms);
#else
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
#endif
}

static uint32_t refused(void)
{
    uint32_t n;

    CORE_LOCK();
    n = emhttp_lwip_stats_get(&net)->rx_refused;
    CORE_UNLOCK();
    return n;
}

/* Poll the client until its request is sent (it waits to read), then stop
 * reading until the port has refused a segment - or 10 s pass. */
static void send_then_stall(const emhttp_request *req, uint32_t t0)
{
    uint32_t base = refused();

    while (req->result == EMHTTP_PENDING && emhttp_wait_flags(&cli) != EMHTTP_WAIT_READ &&
           sys_now() - t0 < 10000u) {
        (void)emhttp_poll(&cli);
        net_only(1);
    }
    while (req->result == EMHTTP_PENDING && refused() == base && sys_now() - t0 < 10000u) {
        net_only(1);
    }
}

/* refuse PATH: a GET whose response the client leaves unread until the
 * port's chain is full and lwIP's next segment is refused (ERR_MEM); lwIP
 * offers it again later and the body must still arrive intact. */
static void cmd_refuse(char *args)
{
    char path[256];
    batch b;
    emhttp_request req = {.method = "GET", .target = path, .cbs = &cbs, .user = &b};
    emhttp_port port = emhttp_lwip_port(&net);
    uint32_t t0 = sys_now();

    memset(&b, 0, sizeof b);
    b.fnv = 0xcbf29ce484222325ull;
    if (sscanf(args, "%255s", path) != 1 || emhttp_submit(&cli, &req) != EMHTTP_OK) {
        printf("{\"cmd\":\"error\",\"why\":\"usage: refuse PATH\"}\n");
        return;
    }
    send_then_stall(&req, t0);
    while (req.result == EMHTTP_PENDING) {
        (void)emhttp_poll(&cli);
        if (req.result == EMHTTP_PENDING) {
            port.ops->wait(port.ctx, emhttp_wait_flags(&cli), emhttp_next_timeout_ms(&cli));
        }
    }
    b.last_rc = req.result;
    b.status = req.status;
    b.ok = req.result == EMHTTP_OK && req.status == 200;
    count_rc(&b, req.result);
    print_batch(&b, 1, sys_now() - t0);
}

/* ---- stats --------------------------------------------------------------- */

static void print_mem(const char *name, const struct stats_mem *m, const char *sep)
{
    printf("\"%s\":{\"avail\":%u,\"used\":%u,\"max\":%u,\"err\":%u}%s", name, (unsigned)m->avail,
           (unsigned)m->used, (unsigned)m->max, (unsigned)m->err, sep);
}

static void print_lwip_stats(void)
{
    printf("\"lwip\":{");
    print_mem("pbuf_pool", lwip_stats.memp[MEMP_PBUF_POOL], ",");
    print_mem("pbuf", lwip_stats.memp[MEMP_PBUF], ",");
    print_mem("tcp_pcb", lwip_stats.memp[MEMP_TCP_PCB], ",");
    print_mem("tcp_seg", lwip_stats.memp[MEMP_TCP_SEG], ",");
    print_mem("heap", &lwip_stats.mem, ",");
    printf("\"link\":{\"recv\":%u,\"xmit\":%u,\"drop\":%u,\"memerr\":%u},",
           (unsigned)lwip_stats.link.recv, (unsigned)lwip_stats.link.xmit,
           (unsigned)lwip_stats.link.drop, (unsigned)lwip_stats.link.memerr);
    printf("\"tcp\":{\"recv\":%u,\"xmit\":%u,\"drop\":%u,\"memerr\":%u}}",
           (unsigned)lwip_stats.tcp.recv, (unsigned)lwip_stats.tcp.xmit,
           (unsigned)lwip_stats.tcp.drop, (unsigned)lwip_stats.tcp.memerr);
}

/* The open connection's pcb: keepalive as set by the port, and as
 * configured (CONFIG_EMHTTP_TCP_KEEPALIVE_*).  Locked. */
static void print_pcb(void)
{
    const struct tcp_pcb *pcb = net.pcb_;

    printf(",\"pcb\":{\"open\":%d", pcb != NULL);
    if (pcb != NULL) {
        printf(",\"keepalive\":%d,\"keep_idle_ms\":%lu", ip_get_option(pcb, SOF_KEEPALIVE) != 0,
               (unsigned long)pcb->keep_idle);
#if LWIP_TCP_KEEPALIVE
        printf(",\"keep_intvl_ms\":%lu,\"keep_cnt\":%lu", (unsigned long)pcb->keep_intvl,
               (unsigned long)pcb->keep_cnt);
#endif
    }
    printf("},\"keepalive_config\":{\"idle_ms\":%lu,\"intvl_ms\":%lu,\"cnt\":%lu}",
           (unsigned long)CONFIG_EMHTTP_TCP_KEEPALIVE_S * 1000ul,
           (unsigned long)CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S * 1000ul,
           (unsigned long)CONFIG_EMHTTP_TCP_KEEPALIVE_CNT);
}

static void cmd_stats(void)
{
    const emhttp_stats *s = emhttp_client_stats(&cli);
    const emhttp_lwip_stats *p = emhttp_lwip_stats_get(&net);

    CORE_LOCK();
    printf("{\"cmd\":\"stats\",\"client\":{\"requests\":%u,\"errors\":%u,\"connects\":%u,"
           "\"dns_queries\":%u,\"reuses\":%u,\"retries\":%u,\"ka_expired\":%u,"
           "\"tls_handshakes\":%u,\"tls_resumed\":%u},",
           (unsigned)s->requests, (unsigned)s->errors, (unsigned)s->connects,
           (unsigned)s->dns_queries, (unsigned)s->reuses, (unsigned)s->retries,
           (unsigned)s->ka_expired, (unsigned)s->tls_handshakes, (unsigned)s->tls_resumed);
    printf("\"port\":{\"rx_refused\":%u,\"rx_max_pbufs\":%u,\"rx_max_allowed\":%u,\"tx_full\":%u,"
           "\"connects\":%u,\"dns_queries\":%u},",
           (unsigned)p->rx_refused, (unsigned)p->rx_max_pbufs, (unsigned)EMHTTP_LWIP_RX_MAX_PBUFS,
           (unsigned)p->tx_full, (unsigned)p->connects, (unsigned)p->dns_queries);
    printf("\"tap\":{\"rx_frames\":%u,\"rx_dropped\":%u,\"tx_frames\":%u,\"tx_dropped\":%u},",
           (unsigned)tap.rx_frames, (unsigned)tap.rx_dropped, (unsigned)tap.tx_frames,
           (unsigned)tap.tx_dropped);
    print_lwip_stats();
    print_pcb();
    printf(",\"pbuf_pool_size\":%u,\"no_sys\":%d}\n", (unsigned)PBUF_POOL_SIZE, NO_SYS);
    CORE_UNLOCK();
}

/* ---- command input ------------------------------------------------------- */

static char inbuf[1024];
static size_t inlen;
static int in_eof;

static int take_line(char *out, size_t size)
{
    char *nl = memchr(inbuf, '\n', inlen);
    size_t n, used;

    if (nl == NULL) {
        return 0;
    }
    n = (size_t)(nl - inbuf);
    used = n + 1;
    if (n >= size) {
        n = size - 1;
    }
    memcpy(out, inbuf, n);
    out[n] = '\0';
    memmove(inbuf, inbuf + used, inlen - used);
    inlen -= used;
    return 1;
}

/* Wait for input on stdin; on NO_SYS=1 keep lwIP running meanwhile. */
static void wait_input(void)
{
    struct pollfd fds[2] = {{0, POLLIN, 0}, {tap.fd, POLLIN, 0}};
    ssize_t n;

#if NO_SYS
    uint32_t t = sys_timeouts_sleeptime();
    (void)poll(fds, 2, t > 1000 ? 1000 : (int)t);
    net_step(NULL, 0);
#else
    (void)poll(fds, 1, -1);
#endif
    if (fds[0].revents == 0) {
        return;
    }
    n = read(0, inbuf + inlen, sizeof inbuf - inlen);
    if (n > 0) {
        inlen += (size_t)n;
    } else if (n == 0 || errno != EINTR) {
        in_eof = 1;
    }
}

static int next_command(char *out, size_t size)
{
    while (!take_line(out, size)) {
        if (in_eof || inlen == sizeof inbuf) {
            return 0;
        }
        wait_input();
    }
    return 1;
}

int main(int argc, char **argv)
{
    char line[512];

    parse_args(argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (emhttp_tapif_open(&tap, opt.tap, 10000) != 0) {
        return 3;
    }
    fprintf(stderr, "lwip_driver: NO_SYS=%d, LWIP_RAND seed %llu\n", NO_SYS,
            (unsigned long long)emhttp_tapif_rand_seed());
    net_up();
    client_up();
    printf("{\"cmd\":\"ready\"}\n");
    while (next_command(line, sizeof line)) {
        if (strncmp(line, "req ", 4) == 0) {
            cmd_req(line + 4);
        } else if (strncmp(line, "refuse ", 7) == 0) {
            cmd_refuse(line + 7);
        } else if (strcmp(line, "stats") == 0) {
            cmd_stats();
        } else if (strcmp(line, "quit") == 0) {
            break;
        } else {
            printf("{\"cmd\":\"error\",\"why\":\"unknown command\"}\n");
        }
    }
    emhttp_client_close(&cli);
#if CONFIG_EMHTTP_TLS
    if (opt.cacert != NULL) {
        emhttp_tls_free(&tls);
    }
#endif
    emhttp_lwip_deinit(&net);
    return 0;
}
