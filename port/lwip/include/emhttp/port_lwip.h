/*
 * emhttp/port_lwip.h - the lwIP port: lwIP's raw TCP API, lwIP's DNS
 * client and sys_now(), for NO_SYS=1 super-loop firmware and for RTOS
 * builds (NO_SYS=0) alike.
 *
 * One emhttp_lwip instance serves one client: one TCP connection (one
 * tcp_pcb), one name query at a time.
 *
 * Memory: the caller owns the emhttp_lwip struct (place it in .bss).  The
 * port itself never allocates; lwIP allocates its pcb, segments and pbufs
 * from its own pools as configured in lwipopts.h.  Received data stays in
 * lwIP's pbufs until the client copies it out, and the port calls
 * tcp_recved() only for bytes the client actually took, so a slow consumer
 * closes the TCP window and slows the sender instead of draining the pbuf
 * pool.  The port holds ONE pbuf chain: later segments are appended to it
 * while it stays within EMHTTP_LWIP_RX_MAX_PBUFS pbufs; beyond that the
 * recv callback refuses them with ERR_MEM, lwIP keeps the segment as the
 * pcb's refused data and offers it again on the next segment or timer
 * tick (dropping newer data segments meanwhile: the peer retransmits).
 * A chain delivered while the port holds none is taken whole, whatever its
 * length (lwIP has allocated it already, e.g. data released from its
 * out-of-order queue).  Byte-based flow control cannot bound pbufs when a
 * peer sends tiny segments (one pool pbuf each); what bounds them is, per
 * connection: EMHTTP_LWIP_RX_MAX_PBUFS + the refused chain +
 * TCP_OOSEQ_MAX_PBUFS (set it in lwipopts.h: lwIP's default is unlimited)
 * + the frames being input.
 *
 * Requirements on lwipopts.h (checked at compile time):
 *  - LWIP_TCP=1 and LWIP_CALLBACK_API=1 (the raw API with callbacks);
 *  - LWIP_DNS=1 with DNS_MAX_TTL=0: lwIP's DNS table would otherwise
 *    answer from its own cache, and emhttp's rule is that a port never
 *    caches - the core does, for dns_ttl_s (define
 *    EMHTTP_LWIP_ALLOW_DNS_CACHE=1 to accept lwIP's cache knowingly).
 *    The application sets the server (dns_setserver, or DHCP does).
 *    Without LWIP_DNS only IP literals and emhttp_config.resolve work;
 *    every name then fails with EMHTTP_ERR_DNS.  Recommended: leave
 *    LWIP_DNS_SECURE_NO_MULTIPLE_OUTSTANDING out of LWIP_DNS_SECURE, so a
 *    query that follows a timed-out one for the same name is sent at once
 *    rather than joining the old query's retry schedule;
 *  - NO_SYS=0 builds: LWIP_TCPIP_CORE_LOCKING=1.  Every raw API call of
 *    the port runs between LOCK_TCPIP_CORE() and UNLOCK_TCPIP_CORE(); the
 *    callbacks run in the tcpip thread, which holds the same lock.
 *
 * Tasks:
 *  - NO_SYS=1: everything (lwIP's input and timers, the client, this port)
 *    runs in the one super-loop.  Never call the port from an interrupt.
 *  - NO_SYS=0: lwIP runs in its tcpip thread; the client and every call of
 *    this port run in ONE other task (the client's network loop).  That
 *    task must not hold the core lock when it calls the client.
 *
 * Hosts: resolve_start() sorts the host with emhttp_host_classify()
 * (core's one rule, emhttp/url.h) before lwIP sees it.  An IP literal is
 * converted at once (no dns_gethostbyname() call; a family this lwIP is
 * built without then fails in connect()); a host the rule refuses - one
 * that looks numeric but is not the dotted-decimal form ("010.0.0.1",
 * "0x7f.1", "127.1", "2130706433", which lwIP's ipaddr_aton would read)
 * or a bad IPv6 literal - fails with EMHTTP_ERR_DNS without a query; only
 * names go to dns_gethostbyname().
 *
 * Mapping of lwIP events to the client's codes:
 *  - tcp_err(ERR_RST) -> EMHTTP_ERR_RESET; tcp_err(ERR_ABRT / ERR_TIMEOUT,
 *    e.g. retransmissions exhausted) -> EMHTTP_ERR_RESET;
 *    tcp_err(ERR_CLSD) -> EMHTTP_ERR_CLOSED.  During a connect any of them
 *    makes connect_poll() return EMHTTP_ERR_CONNECT.
 *  - remote close (recv callback with p == NULL) -> recv() returns
 *    EMHTTP_ERR_CLOSED once every byte before the FIN was returned.
 *  - bytes received before a reset are still returned by recv(); the
 *    error follows them.
 *
 * Minimal use (NO_SYS=1 super-loop):
 *
 *     static emhttp_lwip net;
 *     emhttp_lwip_init(&net);
 *     emhttp_config cfg = { .host = "api.example.com", .port = 80,
 *                           .net = emhttp_lwip_port(&net),
 *                           .transport = emhttp_lwip_tcp(&net), ... };
 *     emhttp_client_init(&cli, &cfg);
 *     emhttp_submit(&cli, &req);
 *     for (;;) {
 *         board_netif_poll(&netif);      // feed received frames to lwIP
 *         sys_check_timeouts();          // lwIP's timers
 *         emhttp_poll(&cli);
 *     }
 */
#ifndef EMHTTP_PORT_LWIP_H
#define EMHTTP_PORT_LWIP_H

#include <stdint.h>

#include "emhttp/error.h"
#include "emhttp/opt.h"
#include "emhttp/port.h"

#include "lwip/opt.h"
#if !NO_SYS
#include "lwip/sys.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Most pbufs the port holds in its one received chain before it refuses
 *  further segments with ERR_MEM (lwIP keeps those as refused data and
 *  redelivers them).  Keep it below PBUF_POOL_SIZE so the receive path
 *  never takes the whole pool. */
#ifndef EMHTTP_LWIP_RX_MAX_PBUFS
#define EMHTTP_LWIP_RX_MAX_PBUFS (PBUF_POOL_SIZE > 4 ? PBUF_POOL_SIZE / 2 : 2)
#endif

/** Name queries that may be outstanding in lwIP at once, for all
 *  instances together (a cancelled query stays outstanding in lwIP until
 *  it answers or times out; its answer is then discarded).  A
 *  resolve_start() finding every slot taken returns EMHTTP_ERR_PORT. */
#ifndef EMHTTP_LWIP_DNS_SLOTS
#define EMHTTP_LWIP_DNS_SLOTS 4
#endif

struct tcp_pcb;
struct pbuf;

/**
 * What wait() runs on a NO_SYS=1 system (or, when set, on NO_SYS=0 too):
 * drive the network for at most @p timeout_ms - typically wait for a frame
 * or for the next lwIP timer, then feed frames to lwIP and run
 * sys_check_timeouts().  Called from the client's task only, by
 * emhttp_request_sync() through the port's wait().
 */
typedef void (*emhttp_lwip_idle_fn)(void *arg, uint32_t timeout_ms);

/** Counters of one instance, for tests and diagnostics. */
typedef struct emhttp_lwip_stats {
    uint32_t rx_refused;   /**< segments refused with ERR_MEM (chain full) */
    uint32_t rx_max_pbufs; /**< most pbufs held in the received chain */
    uint32_t tx_full;      /**< no room to send: a send found tcp_sndbuf 0 (or
                                tcp_write said ERR_MEM), or wait() for
                                writability had to wait for tcp_sent */
    uint32_t connects;     /**< tcp_connect() calls */
    uint32_t dns_queries;  /**< dns_gethostbyname() calls */
} emhttp_lwip_stats;

/**
 * State of one lwIP port instance.  Fields are private: use the functions
 * below.  Caller-owned; it must stay valid and at the same address from
 * emhttp_lwip_init() until emhttp_lwip_deinit() returns.  lwIP's callbacks
 * refer to it while a connection is open.
 */
typedef struct emhttp_lwip {
    struct tcp_pcb *pcb_;  /* NULL when closed or after tcp_err */
    struct pbuf *rx_;      /* the one held chain of received data */
    int err_;              /* error to report once rx_ is drained (0: none) */
    uint32_t dns_gen_;     /* query generation: bumped by start and cancel */
    emhttp_ip_addr dns_addr_;
    uint8_t conn_;         /* private enum: closed / connecting / open / failed */
    uint8_t eof_;          /* remote sent FIN */
    uint8_t dns_state_;    /* private enum: idle / running / done */
    uint8_t dns_found_;    /* done with an address */
    uint8_t armed_;        /* a wait() sleeps on sem_ (NO_SYS=0) */
    uint8_t inited_;
    emhttp_lwip_idle_fn idle_;
    void *idle_arg_;
    emhttp_lwip_stats stats_;
#if !NO_SYS
    sys_sem_t sem_;        /* callbacks -> wait() */
#endif
} emhttp_lwip;

/**
 * Initialise a port instance.  Opens no connection.
 *
 * @param p  instance (caller-owned, e.g. static); its previous contents
 *           are ignored.  Call emhttp_lwip_deinit() before initialising it
 *           again.
 * @return EMHTTP_OK, or EMHTTP_ERR_PORT (p is NULL; NO_SYS=0: lwIP's
 *         sys_sem_new() failed).
 * Call after lwip_init() (NO_SYS=1) or tcpip_init() (NO_SYS=0), from the
 * task that will run the client, without holding the core lock.
 */
int emhttp_lwip_init(emhttp_lwip *p);

/**
 * Release a port instance: closes an open connection like close() (no
 * callback refers to @p afterwards), frees held pbufs, disowns a running
 * name query and (NO_SYS=0) frees the semaphore.
 *
 * @param p  an initialised instance, an already released one or NULL
 *           (then nothing happens).
 * Call from the client's task after the client stopped using the port,
 * without holding the core lock.
 */
void emhttp_lwip_deinit(emhttp_lwip *p);

/**
 * Set what wait() does: call @p fn (NULL: none).  Without a hook, wait()
 * returns at once on NO_SYS=1 (the super-loop polls anyway) and blocks on
 * the instance's semaphore on NO_SYS=0 (signalled by lwIP's callbacks).
 *
 * @param p    an initialised instance
 * @param fn   the hook, or NULL
 * @param arg  passed to @p fn, borrowed
 * Call from the client's task, not while the client is inside wait().
 */
void emhttp_lwip_set_idle(emhttp_lwip *p, emhttp_lwip_idle_fn fn, void *arg);

/**
 * The port handle to put into emhttp_config.net.
 *
 * @param p  an initialised instance; borrowed by the handle (its ctx).
 * @return {ops, ctx}: ops points to a static constant table; ctx is @p p.
 * Any task may call it; it touches no state.
 */
emhttp_port emhttp_lwip_port(emhttp_lwip *p);

/**
 * The port's TCP transport (raw API tcp_pcb), to put into
 * emhttp_config.transport, or under emhttp_tls_transport() for HTTPS.
 * Connect failures: EMHTTP_ERR_CONNECT, or EMHTTP_ERR_PORT when lwIP has
 * no PCB or memory for it.
 * @param p  an initialised instance; borrowed (the handle's ctx is @p p)
 * @return {ops, ctx}.
 * Any task; it touches no state.
 */
emhttp_transport emhttp_lwip_tcp(emhttp_lwip *p);

/**
 * The instance's counters.
 *
 * @param p  an initialised instance
 * @return a pointer into @p p (valid while @p p is); read it from the
 *         client's task (NO_SYS=0: the tcpip thread updates rx_* under the
 *         core lock, so a reading may be one event old).
 */
const emhttp_lwip_stats *emhttp_lwip_stats_get(const emhttp_lwip *p);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_PORT_LWIP_H */
