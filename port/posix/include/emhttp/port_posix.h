/*
 * emhttp/port_posix.h - the POSIX port: BSD sockets, poll(), a monotonic
 * clock and resolver threads around getaddrinfo().
 *
 * Used for host builds and tests (Linux, macOS, the BSDs).  One
 * emhttp_posix instance serves one client: one TCP connection, one name
 * query at a time.
 *
 * Memory: the caller owns the emhttp_posix struct (place it in .bss or in
 * an object that outlives the client).  The port allocates nothing itself;
 * only getaddrinfo() allocates inside the C library, and its result is
 * freed before the resolver thread ends.
 *
 * Resources per instance, while initialised: one pipe (two descriptors, the
 * resolver's wake-up) and at most one socket.
 *
 * Resolver threads and the query pool.  Each lookup of a host name (not an
 * IP literal) runs getaddrinfo() in a thread of its own, started detached
 * by resolve_start() and ending when getaddrinfo() returns.  getaddrinfo()
 * cannot be interrupted, and a lookup can hang in it (a DNS server that
 * never answers: resolv.conf's "timeout" x "attempts" per server, up to
 * minutes); the client gives up at its DNS timeout (EMHTTP_ERR_DNS_TIMEOUT)
 * and cancels the query.  A cancelled or superseded query is abandoned, not
 * waited for: its thread runs on until getaddrinfo() returns and then ends
 * without touching the instance, so the next query starts at once and
 * emhttp_posix_deinit() never blocks.  What such a thread still needs (the
 * host, the answer, the wake-up descriptor while an instance waits for it)
 * lives in a slot of a static, process-wide pool of
 * EMHTTP_POSIX_RESOLVER_THREADS query slots (shared by every instance, under
 * one mutex): the slot, not the instance, outlives the thread.  So at most
 * EMHTTP_POSIX_RESOLVER_THREADS lookups run at once in the process, current
 * and abandoned ones together; a resolve_start() that finds every slot
 * taken returns EMHTTP_ERR_RESOLVER (the request fails with that code) until
 * a hung lookup returns and frees its slot.  A child made by fork() while
 * lookups run inherits their slots as taken, without their threads: fork
 * (without exec) only while emhttp_posix_resolver_threads() is 0.
 *
 * Tasks: emhttp_posix_init(), emhttp_posix_deinit() and every operation of
 * the port are called from the one task (thread) that runs the client's
 * network loop, never concurrently.  Different instances may be used from
 * different threads.  The resolver threads are internal: each touches only
 * its own pool slot, under the pool's mutex.
 *
 * Minimal use:
 *
 *     static emhttp_posix net;
 *     if (emhttp_posix_init(&net) != EMHTTP_OK) { ... }
 *     emhttp_config cfg = { .host = "api.example.com", .port = 80,
 *                           .net = emhttp_posix_port(&net),
 *                           .transport = emhttp_posix_tcp(&net), ... };
 *     ...
 *     emhttp_posix_deinit(&net);          // after the client is done
 *
 * Behaviour the core may want to know:
 *  - send() uses MSG_NOSIGNAL (and SO_NOSIGPIPE where it exists): a write
 *    to a dead connection never raises SIGPIPE.
 *  - EMHTTP_SEND_MORE maps to MSG_MORE where the system has it (Linux);
 *    elsewhere it is ignored.  TCP_NODELAY is always on.
 *  - TCP keepalive is on with CONFIG_EMHTTP_TCP_KEEPALIVE_S > 0 (emhttp/
 *    opt.h): SO_KEEPALIVE, and TCP_KEEPIDLE (macOS: TCP_KEEPALIVE),
 *    TCP_KEEPINTVL and TCP_KEEPCNT from the CONFIG_EMHTTP_TCP_KEEPALIVE_*
 *    options where the system has them.  A connection whose peer stopped
 *    answering is then reset by the kernel after idle + count x interval
 *    seconds (recv() and send() fail: EMHTTP_ERR_RECV / _SEND).
 *  - EPIPE from send() is reported as EMHTTP_ERR_RESET, like ECONNRESET.
 *    On TCP a peer that only closed (FIN) still accepts bytes and answers
 *    them with RST; once send() fails the connection has been reset (or
 *    the reset was already reported by an earlier call).  The orderly end
 *    of stream is reported by recv() as EMHTTP_ERR_CLOSED.
 *  - resolve_start() sorts the host with emhttp_host_classify() (core's
 *    one rule, emhttp/url.h): IP literals ("192.0.2.1", "2001:db8::1") are
 *    converted at once, and resolve_start() returns EMHTTP_OK; a host the
 *    rule refuses (numeric-looking but not the dotted-decimal form, such
 *    as "010.0.0.1", "0x7f.1", "127.1" or "2130706433", which
 *    getaddrinfo's inet_aton would read; a bad IPv6 literal; a byte
 *    outside a host name) also returns EMHTTP_OK, and resolve_poll()
 *    EMHTTP_ERR_DNS, without any lookup; every other name goes to
 *    getaddrinfo() (AF_UNSPEC, SOCK_STREAM, no AI_ADDRCONFIG) in
 *    a resolver thread.  Results keep getaddrinfo's order, without
 *    duplicates, at most CONFIG_EMHTTP_DNS_MAX_ADDRS of them.
 *  - A host that is empty or longer than CONFIG_EMHTTP_MAX_HOST_LEN makes
 *    resolve_start() return EMHTTP_OK and resolve_poll() EMHTTP_ERR_DNS.
 *    resolve_poll() with max == 0 (or out == NULL) returns EMHTTP_ERR_DNS
 *    and leaves the answer in place for the next poll.  The answer stays
 *    until the next resolve_start() or resolve_cancel().
 *  - connect() on an instance whose connection is still open closes it
 *    first.  A connect that fails (in connect() or connect_poll()) closes
 *    the socket at once; close() afterwards is harmless.
 *  - A query started while an abandoned one is still running begins at
 *    once in a thread of its own; the abandoned one's answer is discarded
 *    and wakes nobody.  resolve_start() returns EMHTTP_ERR_RESOLVER when
 *    every slot of the query pool is taken or no thread can be created;
 *    resolve_poll() then says EMHTTP_ERR_DNS (no query).
 */
#ifndef EMHTTP_PORT_POSIX_H
#define EMHTTP_PORT_POSIX_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/error.h"
#include "emhttp/opt.h"
#include "emhttp/port.h"
#include "emhttp/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Size of the process-wide pool of resolver query slots: the most name
 * lookups (getaddrinfo() threads) running at once in the process, current
 * and abandoned ones of every instance together.  Each slot costs
 * CONFIG_EMHTTP_MAX_HOST_LEN + 17 x CONFIG_EMHTTP_DNS_MAX_ADDRS + about 10
 * bytes of .bss; each running lookup a thread (stack: the system default).
 * The default leaves room for a few clients and, for each, a few lookups
 * abandoned at the DNS timeout while the system resolver still waits.
 * Override with -DEMHTTP_POSIX_RESOLVER_THREADS=n (1..127) when compiling
 * posix.c.
 */
#ifndef EMHTTP_POSIX_RESOLVER_THREADS
#define EMHTTP_POSIX_RESOLVER_THREADS 8
#endif
#if EMHTTP_POSIX_RESOLVER_THREADS < 1 || EMHTTP_POSIX_RESOLVER_THREADS > 127
#error "EMHTTP_POSIX_RESOLVER_THREADS must be between 1 and 127"
#endif

/**
 * State of one POSIX port instance.  Fields are private: use the functions
 * below.  Caller-owned; it must stay valid and at the same address from
 * emhttp_posix_init() until emhttp_posix_deinit() returns.
 */
typedef struct emhttp_posix {
    /* --- the loop's own fields --- */
    int fd_;                  /* connection socket, -1 when closed */
    int wake_rd_, wake_wr_;   /* pipe: resolver thread -> wait() */
    uint8_t connecting_;      /* non-blocking connect in progress */
    uint8_t inited_;          /* between init and deinit */

    /* --- the resolver (the loop's own too; threads never touch them) --- */
    int8_t query_;            /* pool slot of the running query, -1: none */
    uint8_t dns_state_;       /* idle / running / done (private enum) */
    uint8_t naddrs_;          /* addresses in addrs_ when done (0 = failed) */
    emhttp_ip_addr addrs_[CONFIG_EMHTTP_DNS_MAX_ADDRS];
} emhttp_posix;

/**
 * Initialise a port instance: creates the resolver's wake-up pipe.  Opens
 * no socket and starts no thread (a resolver thread starts with each
 * resolve_start() of a name that is not an IP literal).
 *
 * @param p  instance (caller-owned, e.g. static); its previous contents
 *           are ignored.  Do not initialise an instance twice without
 *           emhttp_posix_deinit() in between (that leaks descriptors).
 * @return EMHTTP_OK, or EMHTTP_ERR_PORT (p is NULL, or no pipe could be
 *         created; nothing is left open and p must not be used).
 * Call from the task that will run the client's network loop (or before
 * that task starts).
 */
int emhttp_posix_init(emhttp_posix *p);

/**
 * Release a port instance: closes the connection, abandons a running
 * query and closes the wake-up pipe.  Afterwards the memory of @p p may be
 * reused or freed; no thread refers to it.
 *
 * Never blocks, also not while a lookup hangs in getaddrinfo(): that
 * lookup's thread is detached and works on its pool slot only (see
 * "Resolver threads and the query pool" above); it ends, and frees its
 * slot, when getaddrinfo() returns.
 *
 * @param p  an instance initialised by emhttp_posix_init(), or one already
 *           deinitialised (then nothing happens), or NULL (nothing happens).
 * Call from the network loop's task, after the client that uses the port
 * has stopped using it.
 */
void emhttp_posix_deinit(emhttp_posix *p);

/**
 * The port's TCP transport, to put into emhttp_config.transport (or under
 * emhttp_tls_transport() for HTTPS).  Non-blocking sockets, TCP_NODELAY,
 * sendmsg for gather-sends; connect failures: EMHTTP_ERR_CONNECT, or
 * EMHTTP_ERR_PORT when no socket can be had (EMFILE, ENOBUFS...).
 *
 * @param p  an initialised instance; borrowed (the handle's ctx is @p p).
 * @return {ops, ctx}.
 * Any task may call it; it touches no state.
 */
emhttp_transport emhttp_posix_tcp(emhttp_posix *p);

/**
 * What an application's own poll() loop waits on: turns the client's
 * emhttp_wait_flags() into descriptors - the connection's socket for
 * EMHTTP_WAIT_READ / _WRITE, the resolver's wake-up pipe for
 * EMHTTP_WAIT_RESOLVE - so a loop that follows emhttp_wait_flags() and
 * emhttp_next_timeout_ms() wakes as soon as a name resolves.
 *
 *     struct pollfd fds[2 + MY_FDS];
 *     unsigned w = emhttp_wait_flags(&cli);
 *     size_t n = emhttp_posix_pollfds(&net, w, fds);
 *     int timeout = (w & EMHTTP_WAIT_NOW) ? 0 : my_min(emhttp_next_timeout_ms(&cli), ...);
 *     poll(fds, n + my_count, timeout);   // then emhttp_poll(&cli)
 *
 * @param p      an initialised instance
 * @param flags  emhttp_wait_flags() of the client using @p p
 * @param fds    out: at least 2 entries; events set, revents cleared
 * @return the number of entries written (0, 1 or 2).
 * Network task.
 */
size_t emhttp_posix_pollfds(const emhttp_posix *p, unsigned flags, struct pollfd *fds);

/**
 * Resolver threads running now in the process: lookups in getaddrinfo(),
 * current and abandoned ones of every instance (at most
 * EMHTTP_POSIX_RESOLVER_THREADS).  A diagnostic: a number that stays high
 * means lookups hang in the system resolver and resolve_start() may soon
 * return EMHTTP_ERR_RESOLVER.
 *
 * @return the number of pool slots whose thread has not ended yet.
 * Any task may call it (it takes the pool's mutex briefly).
 */
size_t emhttp_posix_resolver_threads(void);

/**
 * The port handle to put into emhttp_config.net (clock, resolver, wait).
 *
 * @param p  an initialised instance; borrowed by the returned handle (the
 *           handle's ctx is @p p itself).
 * @return {ops, ctx}: ops points to a static, constant table of the POSIX
 *         functions; ctx is @p p.
 * Any task may call it; it touches no state.
 */
emhttp_port emhttp_posix_port(emhttp_posix *p);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_PORT_POSIX_H */
