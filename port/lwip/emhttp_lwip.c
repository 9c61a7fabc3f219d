/*
 * emhttp_lwip.c - the lwIP port of emhttp (see emhttp/port_lwip.h).
 *
 * lwIP's raw API: tcp_connect / tcp_write / tcp_output, with callbacks for
 * connect, receive, sent and error; dns_gethostbyname with a callback.
 *
 * Concurrency: on NO_SYS=0 the callbacks run in lwIP's tcpip thread with
 * the core lock held, and every port operation takes the same lock
 * (LOCK_TCPIP_CORE) around whatever it shares with them.  On NO_SYS=1 the
 * callbacks run inside the super-loop's lwIP input and timer calls, so the
 * lock macros are empty.
 *
 * Receive path: the recv callback keeps ONE pbuf chain (rx_), appending
 * new segments to it while it stays under EMHTTP_LWIP_RX_MAX_PBUFS pbufs
 * and 64 KiB, refusing them with ERR_MEM beyond (lwIP keeps a refused
 * segment and offers it again later).  recv() copies from the front of the
 * chain, frees what it consumed and calls tcp_recved() for exactly those
 * bytes: the window only reopens as fast as the client reads.
 *
 * Name queries: lwIP offers no way to cancel one, so every query carries a
 * slot (module-wide, EMHTTP_LWIP_DNS_SLOTS of them) naming its instance
 * and generation; an answer whose generation is stale, or whose instance
 * was released, is dropped.
 */
#include "emhttp/port_lwip.h"
#include "emhttp/url.h"

#include <string.h>

#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#if !NO_SYS
#include "lwip/tcpip.h"
#endif

#if !LWIP_TCP || !LWIP_CALLBACK_API
#error "emhttp's lwIP port needs LWIP_TCP=1 and LWIP_CALLBACK_API=1"
#endif
#if !NO_SYS && !LWIP_TCPIP_CORE_LOCKING
#error "emhttp's lwIP port needs LWIP_TCPIP_CORE_LOCKING=1 when NO_SYS=0"
#endif
#ifndef EMHTTP_LWIP_ALLOW_DNS_CACHE
#define EMHTTP_LWIP_ALLOW_DNS_CACHE 0
#endif
#if LWIP_DNS && DNS_MAX_TTL != 0 && !EMHTTP_LWIP_ALLOW_DNS_CACHE
#error "emhttp caches addresses itself: set DNS_MAX_TTL 0 in lwipopts.h (see port_lwip.h)"
#endif

#if NO_SYS
#define CORE_LOCK() ((void)0)
#define CORE_UNLOCK() ((void)0)
#else
#define CORE_LOCK() LOCK_TCPIP_CORE()
#define CORE_UNLOCK() UNLOCK_TCPIP_CORE()
#endif

enum { CONN_CLOSED = 0, CONN_CONNECTING, CONN_OPEN, CONN_FAILED };
enum { Q_IDLE = 0, Q_RUNNING, Q_DONE };

/* Bit in dns_state_: an answer arrived that resolve_poll() has not seen
 * (wait()'s wake-up condition; the answer itself stays until the next
 * start or cancel, as in every port). */
#define Q_UNREAD 0x80u
#define Q_STATE(p) ((p)->dns_state_ & 0x7Fu)

/* ---- wake-up ------------------------------------------------------------- */

/* Something the client may wait for happened.  Under the core lock. */
static void wake(emhttp_lwip *p)
{
#if !NO_SYS
    if (p->armed_) {
        p->armed_ = 0;
        sys_sem_signal(&p->sem_);
    }
#else
    (void)p;
#endif
}

/* ---- addresses ----------------------------------------------------------- */

static void ip_from_lwip(const ip_addr_t *in, emhttp_ip_addr *out)
{
    memset(out, 0, sizeof *out);
#if LWIP_IPV6
    if (IP_IS_V6(in)) {
        out->family = EMHTTP_AF_INET6;
        memcpy(out->bytes, ip_2_ip6(in)->addr, 16); /* words in network order */
        return;
    }
#endif
#if LWIP_IPV4
    out->family = EMHTTP_AF_INET;
    memcpy(out->bytes, &ip_2_ip4(in)->addr, 4); /* network order */
#endif
}

/* lwIP address of @p a; 0 when its family is not built into lwIP. */
static int ip_to_lwip(const emhttp_ip_addr *a, ip_addr_t *out)
{
    u32_t w[4];

    memcpy(w, a->bytes, sizeof w);
#if LWIP_IPV4
    if (a->family == EMHTTP_AF_INET) {
        ip_addr_set_zero_ip4(out);
        ip_2_ip4(out)->addr = w[0];
        return 1;
    }
#endif
#if LWIP_IPV6
    if (a->family == EMHTTP_AF_INET6) {
        IP_ADDR6(out, w[0], w[1], w[2], w[3]);
        return 1;
    }
#endif
    (void)out;
    (void)w;
    return 0;
}

/* ---- TCP callbacks (tcpip thread / super-loop, core lock held) ------------ */

static int chain_has_room(const struct pbuf *held, const struct pbuf *in)
{
    return (u32_t)pbuf_clen(held) + pbuf_clen(in) <= EMHTTP_LWIP_RX_MAX_PBUFS &&
           (u32_t)held->tot_len + in->tot_len <= 0xFFFFu;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *pb, err_t err)
{
    emhttp_lwip *p = arg;
    u16_t held;

    LWIP_UNUSED_ARG(pcb);
    LWIP_UNUSED_ARG(err); /* always ERR_OK in lwIP 2.x */
    if (pb == NULL) {
        p->eof_ = 1;
    } else if (p->rx_ == NULL) {
        p->rx_ = pb;
    } else if (chain_has_room(p->rx_, pb)) {
        pbuf_cat(p->rx_, pb);
    } else {
        p->stats_.rx_refused++;
        return ERR_MEM; /* lwIP keeps it as refused data */
    }
    held = p->rx_ != NULL ? pbuf_clen(p->rx_) : 0;
    if (held > p->stats_.rx_max_pbufs) {
        p->stats_.rx_max_pbufs = held;
    }
    wake(p);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    LWIP_UNUSED_ARG(pcb);
    LWIP_UNUSED_ARG(len);
    wake(arg);
    return ERR_OK;
}

/* The pcb is already freed by lwIP when this runs. */
static void on_err(void *arg, err_t err)
{
    emhttp_lwip *p = arg;

    p->pcb_ = NULL;
    p->err_ = err == ERR_CLSD ? EMHTTP_ERR_CLOSED : EMHTTP_ERR_RESET;
    if (p->conn_ == CONN_CONNECTING) {
        p->conn_ = CONN_FAILED;
    }
    wake(p);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    emhttp_lwip *p = arg;

    LWIP_UNUSED_ARG(pcb);
    LWIP_UNUSED_ARG(err); /* always ERR_OK: failures go to on_err */
    p->conn_ = CONN_OPEN;
    wake(p);
    return ERR_OK;
}

/* ---- connection ---------------------------------------------------------- */

/* Detach and close the pcb (no callback refers to p afterwards).  Locked.
 * A connection whose peer has not acknowledged everything sent (a dead or
 * stuck connection the client gave up on) is reset: a FIN would queue
 * behind the unacknowledged bytes and the pcb would go on retransmitting
 * for minutes, holding one of the MEMP_NUM_TCP_PCB slots.  Otherwise the
 * FIN goes out, and the closing pcb drops to the lowest priority, so that
 * lwIP reclaims it first (tcp_alloc's tcp_kill_prio) when a new
 * connection needs a pcb and its peer has vanished meanwhile. */
static void drop_pcb(emhttp_lwip *p)
{
    struct tcp_pcb *pcb = p->pcb_;

    if (pcb == NULL) {
        return;
    }
    p->pcb_ = NULL;
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL); /* lwIP's tcp_recv_null takes over */
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    if (pcb->unacked != NULL || pcb->unsent != NULL) {
        tcp_abort(pcb);
        return;
    }
    tcp_setprio(pcb, TCP_PRIO_MIN);
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb); /* no memory for the FIN: reset instead */
    }
}

static void reset_conn(emhttp_lwip *p)
{
    drop_pcb(p);
    if (p->rx_ != NULL) {
        pbuf_free(p->rx_);
        p->rx_ = NULL;
    }
    p->conn_ = CONN_CLOSED;
    p->eof_ = 0;
    p->err_ = 0;
}

static void lw_close(void *ctx)
{
    CORE_LOCK();
    reset_conn(ctx);
    CORE_UNLOCK();
}

/* TCP keepalive (CONFIG_EMHTTP_TCP_KEEPALIVE_*, emhttp/opt.h): lwIP's
 * keepalive timer probes a pcb with SOF_KEEPALIVE after keep_idle ms
 * without traffic and aborts it (on_err) when probes go unanswered; the
 * interval and count are per pcb with LWIP_TCP_KEEPALIVE, else lwIP's
 * TCP_KEEPINTVL_DEFAULT and TCP_KEEPCNT_DEFAULT. */
static void set_keepalive(struct tcp_pcb *pcb)
{
#if CONFIG_EMHTTP_TCP_KEEPALIVE_S > 0
    ip_set_option(pcb, SOF_KEEPALIVE);
    pcb->keep_idle = (u32_t)CONFIG_EMHTTP_TCP_KEEPALIVE_S * 1000u;
#if LWIP_TCP_KEEPALIVE
    pcb->keep_intvl = (u32_t)CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S * 1000u;
    pcb->keep_cnt = (u32_t)CONFIG_EMHTTP_TCP_KEEPALIVE_CNT;
#endif
#else
    LWIP_UNUSED_ARG(pcb);
#endif
}

/* Create the pcb and start the handshake.  Locked. */
static int open_pcb(emhttp_lwip *p, const ip_addr_t *ip, uint16_t port)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IP_GET_TYPE(ip));

    if (pcb == NULL) {
        return EMHTTP_ERR_PORT; /* MEMP_NUM_TCP_PCB exhausted */
    }
    tcp_arg(pcb, p);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_nagle_disable(pcb); /* requests leave at once (TCP_NODELAY) */
    set_keepalive(pcb);
    p->pcb_ = pcb;
    p->conn_ = CONN_CONNECTING;
    p->stats_.connects++;
    if (tcp_connect(pcb, ip, port, on_connected) != ERR_OK) {
        reset_conn(p); /* no route, no memory */
        return EMHTTP_ERR_CONNECT;
    }
    return EMHTTP_PENDING;
}

static int lw_connect(void *ctx, const char *host, const emhttp_ip_addr *addr, uint16_t port)
{
    emhttp_lwip *p = ctx;
    (void)host; /* plain TCP: the address is all it needs */
    ip_addr_t ip;
    int rc = EMHTTP_ERR_CONNECT;

    CORE_LOCK();
    reset_conn(p); /* the core closes first; this only guards a leak */
    if (addr != NULL && ip_to_lwip(addr, &ip)) {
        rc = open_pcb(p, &ip, port);
    }
    CORE_UNLOCK();
    return rc;
}

static int lw_connect_poll(void *ctx)
{
    emhttp_lwip *p = ctx;
    int rc;

    CORE_LOCK();
    if (p->conn_ == CONN_OPEN) {
        rc = EMHTTP_OK; /* a later error shows in send / recv */
    } else if (p->conn_ == CONN_CONNECTING && p->pcb_ != NULL) {
        rc = EMHTTP_PENDING;
    } else {
        rc = EMHTTP_ERR_CONNECT;
    }
    CORE_UNLOCK();
    return rc;
}

/* ---- send ---------------------------------------------------------------- */

/* Why nothing can be sent on a connection without a pcb. */
static long send_error(const emhttp_lwip *p)
{
    return p->err_ != 0 ? p->err_ : EMHTTP_ERR_SEND;
}

/* Queue (copy) as much of buf as tcp_sndbuf allows.  Locked, pcb_ set.
 * Returns bytes queued (0: no room, or no memory for segments). */
static long write_some(emhttp_lwip *p, const uint8_t *buf, size_t len, u8_t more)
{
    u16_t n = tcp_sndbuf(p->pcb_);
    err_t e;

    if (len < n) {
        n = (u16_t)len;
    }
    if (n == 0) {
        return 0;
    }
    e = tcp_write(p->pcb_, buf, n, (u8_t)(TCP_WRITE_FLAG_COPY | more));
    if (e == ERR_MEM) {
        return 0; /* queue or segment pool full: after the next ACK */
    }
    return e == ERR_OK ? (long)n : EMHTTP_ERR_SEND;
}

/* After queueing: push unless the caller announced more, and count
 * calls that found no room. */
static void after_write(emhttp_lwip *p, long n, int push)
{
    if (n == 0) {
        p->stats_.tx_full++;
        push = 1; /* flush anything held back: its ACK brings room */
    }
    if (push && p->pcb_ != NULL) {
        (void)tcp_output(p->pcb_); /* errors resurface via tcp_err */
    }
}

static long lw_send(void *ctx, const uint8_t *buf, size_t len, unsigned flags)
{
    emhttp_lwip *p = ctx;
    int more = (flags & EMHTTP_SEND_MORE) != 0;
    long n;

    CORE_LOCK();
    if (p->pcb_ == NULL || p->conn_ != CONN_OPEN) {
        n = send_error(p);
    } else {
        n = write_some(p, buf, len, more ? TCP_WRITE_FLAG_MORE : 0);
        if (n >= 0) {
            after_write(p, n, !more);
        }
    }
    CORE_UNLOCK();
    return n;
}

/* Index of the last buffer that gets bytes when @p room bytes fit. */
static size_t last_buffer(const emhttp_iov *iov, size_t cnt, size_t room)
{
    size_t last = 0;

    for (size_t i = 0; i < cnt && room > 0; i++) {
        if (iov[i].len > 0) {
            last = i;
            room -= iov[i].len < room ? iov[i].len : room;
        }
    }
    return last;
}

/* tcp_write each buffer (MORE on all but the last); locked, pcb_ set. */
static long write_vector(emhttp_lwip *p, const emhttp_iov *iov, size_t cnt)
{
    size_t last = last_buffer(iov, cnt, tcp_sndbuf(p->pcb_));
    long total = 0;

    for (size_t i = 0; i <= last && i < cnt; i++) {
        if (iov[i].len == 0) {
            continue;
        }
        long n = write_some(p, iov[i].base, iov[i].len, i < last ? TCP_WRITE_FLAG_MORE : 0);
        if (n < 0) {
            return total > 0 ? total : n; /* the error shows on the next call */
        }
        total += n;
        if ((size_t)n < iov[i].len) {
            break;
        }
    }
    return total;
}

static long lw_sendv(void *ctx, const emhttp_iov *iov, size_t iovcnt)
{
    emhttp_lwip *p = ctx;
    long n;

    CORE_LOCK();
    if (p->pcb_ == NULL || p->conn_ != CONN_OPEN) {
        n = send_error(p);
    } else {
        n = write_vector(p, iov, iovcnt);
        if (n >= 0) {
            after_write(p, n, 1); /* one tcp_output for the whole vector */
        }
    }
    CORE_UNLOCK();
    return n;
}

/* ---- receive ------------------------------------------------------------- */

/* Copy from the held chain, free what was consumed, reopen the window by
 * exactly that much.  Locked, rx_ set, len > 0. */
static long take_rx(emhttp_lwip *p, uint8_t *buf, size_t len)
{
    u16_t n = p->rx_->tot_len;

    if (len < n) {
        n = (u16_t)len;
    }
    n = pbuf_copy_partial(p->rx_, buf, n, 0);
    p->rx_ = pbuf_free_header(p->rx_, n);
    if (p->pcb_ != NULL) {
        tcp_recved(p->pcb_, n);
    }
    return (long)n;
}

static long lw_recv(void *ctx, uint8_t *buf, size_t len)
{
    emhttp_lwip *p = ctx;
    long n = 0;

    CORE_LOCK();
    if (p->rx_ != NULL) {
        n = len > 0 ? take_rx(p, buf, len) : 0;
    } else if (p->err_ != 0) {
        n = p->err_;
    } else if (p->eof_) {
        n = EMHTTP_ERR_CLOSED;
    } else if (p->pcb_ == NULL) {
        n = EMHTTP_ERR_RECV; /* never connected, or closed */
    }
    CORE_UNLOCK();
    return n;
}

/* ---- name resolution ----------------------------------------------------- */

#if LWIP_DNS
/* One outstanding lwIP query: whose, and which generation.  Shared by all
 * instances; guarded by the core lock. */
typedef struct dns_slot {
    emhttp_lwip *owner; /* NULL: the instance was released */
    uint32_t gen;
    uint8_t busy;       /* lwIP will call back with this slot */
} dns_slot;

static dns_slot dns_slots[EMHTTP_LWIP_DNS_SLOTS];

static dns_slot *slot_take(emhttp_lwip *p)
{
    for (size_t i = 0; i < EMHTTP_LWIP_DNS_SLOTS; i++) {
        if (!dns_slots[i].busy) {
            dns_slots[i].busy = 1;
            dns_slots[i].owner = p;
            dns_slots[i].gen = p->dns_gen_;
            return &dns_slots[i];
        }
    }
    return NULL;
}

static void slots_disown(const emhttp_lwip *p)
{
    for (size_t i = 0; i < EMHTTP_LWIP_DNS_SLOTS; i++) {
        if (dns_slots[i].owner == p) {
            dns_slots[i].owner = NULL;
        }
    }
}
#endif

/* The current query is over: @p ip is its address, NULL when none. */
static void dns_done(emhttp_lwip *p, const ip_addr_t *ip)
{
    p->dns_found_ = ip != NULL;
    if (ip != NULL) {
        ip_from_lwip(ip, &p->dns_addr_);
    }
    p->dns_state_ = Q_DONE;
}

#if LWIP_DNS
static void on_dns(const char *name, const ip_addr_t *ip, void *arg)
{
    dns_slot *s = arg;
    emhttp_lwip *p = s->owner;

    LWIP_UNUSED_ARG(name);
    s->busy = 0;
    s->owner = NULL;
    if (p == NULL || s->gen != p->dns_gen_ || Q_STATE(p) != Q_RUNNING) {
        return; /* cancelled, superseded or released: discard */
    }
    dns_done(p, ip);
    p->dns_state_ |= Q_UNREAD;
    wake(p);
}

/* Ask lwIP.  Locked. */
static int query(emhttp_lwip *p, const char *host)
{
    dns_slot *s = slot_take(p);
    ip_addr_t ip;
    err_t e;

    if (s == NULL) {
        return EMHTTP_ERR_PORT; /* too many abandoned queries outstanding */
    }
    p->dns_state_ = Q_RUNNING;
    p->stats_.dns_queries++;
    e = dns_gethostbyname(host, &ip, on_dns, s);
    if (e == ERR_INPROGRESS) {
        return Q_STATE(p) == Q_RUNNING ? EMHTTP_PENDING : EMHTTP_OK;
    }
    s->busy = 0; /* no callback will come */
    s->owner = NULL;
    if (e == ERR_MEM) {
        p->dns_state_ = Q_IDLE;
        return EMHTTP_ERR_PORT; /* lwIP's DNS table is full */
    }
    dns_done(p, e == ERR_OK ? &ip : NULL); /* ERR_ARG, ERR_VAL: no server */
    return EMHTTP_OK;
}
#endif

static int lw_resolve_start(void *ctx, const char *host)
{
    emhttp_lwip *p = ctx;
    size_t len = host != NULL ? strlen(host) : 0;
    emhttp_ip_addr lit;
    /* core's one host rule, never ipaddr_aton's (010, 0x7f, 127.1 ...) */
    int kind = emhttp_host_classify(host, len, &lit);
    int rc = EMHTTP_OK;

    CORE_LOCK();
    p->dns_gen_++; /* an earlier query's answer is stale from now on */
    p->dns_state_ = Q_IDLE;
    if (kind == EMHTTP_HOST_IP) {
        dns_done(p, NULL);
        p->dns_addr_ = lit; /* a family lwIP lacks fails in connect() */
        p->dns_found_ = 1;
    } else if (kind != EMHTTP_HOST_NAME) {
        dns_done(p, NULL); /* refused or cannot resolve: poll says ERR_DNS */
    } else {
#if LWIP_DNS
        rc = query(p, host);
#else
        dns_done(p, NULL); /* no DNS in this lwIP: IP literals only */
#endif
    }
    CORE_UNLOCK();
    return rc;
}

static int lw_resolve_poll(void *ctx, emhttp_ip_addr *out, size_t max, size_t *n)
{
    emhttp_lwip *p = ctx;
    size_t count = 0;
    int rc = EMHTTP_ERR_DNS;

    CORE_LOCK();
    p->dns_state_ &= (uint8_t)~Q_UNREAD;
    if (p->dns_state_ == Q_RUNNING) {
        rc = EMHTTP_PENDING;
    } else if (p->dns_state_ == Q_DONE && p->dns_found_ && out != NULL && max > 0) {
        out[0] = p->dns_addr_; /* lwIP answers with one address */
        count = 1;
        rc = EMHTTP_OK;
    }
    CORE_UNLOCK();
    if (n != NULL) {
        *n = count;
    }
    return rc;
}

static void lw_resolve_cancel(void *ctx)
{
    emhttp_lwip *p = ctx;

    CORE_LOCK();
    p->dns_gen_++;
    p->dns_state_ = Q_IDLE;
    CORE_UNLOCK();
}

/* ---- clock and wait ------------------------------------------------------ */

static uint32_t lw_now_ms(void *ctx)
{
    (void)ctx;
    return sys_now();
}

/* Is what the client waits for there already?  Locked. */
static int ready_for(const emhttp_lwip *p, unsigned flags)
{
    if ((p->dns_state_ & Q_UNREAD) || p->err_ != 0) {
        return 1;
    }
    if ((flags & EMHTTP_WAIT_READ) && (p->rx_ != NULL || p->eof_ || p->pcb_ == NULL)) {
        return 1;
    }
    if (flags & EMHTTP_WAIT_WRITE) {
        return p->conn_ != CONN_CONNECTING && (p->pcb_ == NULL || tcp_sndbuf(p->pcb_) > 0);
    }
    return 0;
}

#if !NO_SYS
/* Sleep until a callback signals (armed_ was set under the lock together
 * with the readiness check, so no signal is missed).  A signal that comes
 * after the timeout only makes the next wait() return early. */
static void sleep_on_events(emhttp_lwip *p, uint32_t timeout_ms)
{
    (void)sys_arch_sem_wait(&p->sem_, timeout_ms);
    CORE_LOCK();
    p->armed_ = 0;
    CORE_UNLOCK();
}
#endif

/* Return at once when the awaited event is already there (data held,
 * room to send, an answer); otherwise run the idle hook, or (NO_SYS=0)
 * sleep until a callback signals. */
static int lw_wait(void *ctx, unsigned flags, uint32_t timeout_ms)
{
    emhttp_lwip *p = ctx;
    int ready;

    CORE_LOCK();
    ready = ready_for(p, flags);
    if (!ready && (flags & EMHTTP_WAIT_WRITE) && p->conn_ == CONN_OPEN) {
        p->stats_.tx_full++; /* waits for tcp_sent to make room */
    }
#if !NO_SYS
    p->armed_ = !ready && p->idle_ == NULL && timeout_ms > 0; /* 0 = forever to lwIP */
#endif
    CORE_UNLOCK();
    if (ready) {
        return EMHTTP_OK;
    }
    if (p->idle_ != NULL) {
        p->idle_(p->idle_arg_, timeout_ms);
#if !NO_SYS
    } else if (timeout_ms > 0) {
        sleep_on_events(p, timeout_ms);
#endif
    }
    return EMHTTP_OK;
}

/* ---- instance ------------------------------------------------------------ */

static const emhttp_port_ops lw_ops = {
    .now_ms = lw_now_ms,
    .resolve_start = lw_resolve_start,
    .resolve_poll = lw_resolve_poll,
    .resolve_cancel = lw_resolve_cancel,
    .wait = lw_wait,
};

static const emhttp_transport_ops lw_tcp_ops = {
    .flags = 0,
    .connect = lw_connect,
    .connect_poll = lw_connect_poll,
    .handshake = NULL,
    .send = lw_send,
    .sendv = lw_sendv,
    .recv = lw_recv,
    .close = lw_close,
    .want = NULL,
};

int emhttp_lwip_init(emhttp_lwip *p)
{
    if (p == NULL) {
        return EMHTTP_ERR_PORT;
    }
    memset(p, 0, sizeof *p);
#if !NO_SYS
    if (sys_sem_new(&p->sem_, 0) != ERR_OK) {
        return EMHTTP_ERR_PORT;
    }
#endif
    p->inited_ = 1;
    return EMHTTP_OK;
}

void emhttp_lwip_deinit(emhttp_lwip *p)
{
    if (p == NULL || !p->inited_) {
        return;
    }
    CORE_LOCK();
    reset_conn(p);
#if LWIP_DNS
    slots_disown(p);
#endif
    p->dns_gen_++;
    p->dns_state_ = Q_IDLE;
    CORE_UNLOCK();
#if !NO_SYS
    sys_sem_free(&p->sem_);
#endif
    p->inited_ = 0;
}

void emhttp_lwip_set_idle(emhttp_lwip *p, emhttp_lwip_idle_fn fn, void *arg)
{
    p->idle_ = fn;
    p->idle_arg_ = arg;
}

emhttp_port emhttp_lwip_port(emhttp_lwip *p)
{
    emhttp_port port;

    port.ops = &lw_ops;
    port.ctx = p;
    return port;
}

emhttp_transport emhttp_lwip_tcp(emhttp_lwip *p)
{
    emhttp_transport tr;

    tr.ops = &lw_tcp_ops;
    tr.ctx = p;
    return tr;
}

const emhttp_lwip_stats *emhttp_lwip_stats_get(const emhttp_lwip *p)
{
    return &p->stats_;
}
