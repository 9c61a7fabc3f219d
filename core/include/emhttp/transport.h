/*
 * emhttp/transport.h - the connection a client talks HTTP over.
 *
 * A transport is one struct of function pointers plus its caller-owned
 * state, like coreHTTP's transport interface or lwIP's altcp: plain TCP
 * from the port (emhttp_posix_tcp(), emhttp_lwip_tcp()), TLS on mbedTLS
 * stacked on such a TCP transport (emhttp_tls_transport()), or a device's
 * own - a cellular modem's or Wi-Fi module's offloaded TLS socket, Zephyr's
 * TLS sockets, ESP-TLS - which then gets HTTPS semantics (scheme, default
 * port 443, Host header) without the mbedTLS glue.
 *
 * The client does not know which one it talks to: it connects, optionally
 * runs a handshake, sends, receives and closes, and asks what to wait for.
 *
 * Rules every transport follows:
 *  - No call blocks.  Work that cannot finish now returns EMHTTP_PENDING
 *    or 0 bytes.
 *  - One connection at a time per instance (ctx); every call comes from
 *    the client's network task, never concurrently.
 *  - A transport allocates nothing at run time.
 *  - Results: EMHTTP_OK, EMHTTP_PENDING, a byte count, or a negative
 *    emhttp_err as documented per call.  EMHTTP_ERR_PORT always means
 *    "out of resources here" (no socket, no PCB): the client then keeps
 *    its DNS cache and fails the request with that code.
 */
#ifndef EMHTTP_TRANSPORT_H
#define EMHTTP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "emhttp/error.h"
#include "emhttp/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Address families of emhttp_ip_addr. */
#define EMHTTP_AF_INET 4
#define EMHTTP_AF_INET6 6

/** An IPv4 or IPv6 address in network byte order. */
typedef struct emhttp_ip_addr {
    uint8_t family;    /**< EMHTTP_AF_INET or EMHTTP_AF_INET6 */
    uint8_t bytes[16]; /**< 4 or 16 bytes used, network order */
} emhttp_ip_addr;

/** One buffer of a gather-send (emhttp_transport_ops.sendv). */
typedef struct emhttp_iov {
    const uint8_t *base;
    size_t len;
} emhttp_iov;

/** Flags for emhttp_transport_ops.send(). */
#define EMHTTP_SEND_MORE 1u /**< more data follows immediately */

/** What to wait for (emhttp_wait_flags(), emhttp_transport_ops.want(),
 *  emhttp_port_ops.wait()). */
#define EMHTTP_WAIT_READ 1u    /**< the connection is readable */
#define EMHTTP_WAIT_WRITE 2u   /**< the connection is writable / connected */
#define EMHTTP_WAIT_RESOLVE 4u /**< a name query is running: wake when it answers */
#define EMHTTP_WAIT_NOW 8u     /**< progress is possible without waiting: poll again */

/** emhttp_transport_ops.flags: the transport secures the connection itself
 *  (TLS: mbedTLS, a modem's offloaded TLS socket): the client may speak
 *  https over it.  A client refuses scheme https over a transport without
 *  this flag, and http over one with it. */
#define EMHTTP_TRANSPORT_SECURE 1u

/** emhttp_transport_ops.handshake() result: done, and the handshake
 *  resumed an earlier session (counted in emhttp_stats.tls_resumed). */
#define EMHTTP_HANDSHAKE_RESUMED 2

typedef struct emhttp_transport_ops {
    /** EMHTTP_TRANSPORT_* flags. */
    unsigned flags;

    /**
     * Open the connection to @p addr : @p port (host byte order).  Any
     * previous connection has been closed.
     * @param host  the server's name as configured (NUL-terminated, valid
     *              for the client's lifetime): for SNI and certificate
     *              checks of an offloaded TLS socket; plain TCP ignores it
     * @return EMHTTP_OK (connected), EMHTTP_PENDING (poll with
     *         connect_poll), EMHTTP_ERR_CONNECT (refused, unreachable: the
     *         client tries its next address) or EMHTTP_ERR_PORT.  A
     *         transport that secures the connection inside its connect (a
     *         modem's TLS socket: no handshake op, EMHTTP_OK only once the
     *         handshake is done) may also return EMHTTP_ERR_TLS_HANDSHAKE
     *         .. EMHTTP_ERR_TLS_TIMEOUT (a certificate's verdict, a failed
     *         handshake): like EMHTTP_ERR_PORT, the request fails with it
     *         at once and the DNS cache is kept.  Its handshake is then
     *         timed as part of the connect (EMHTTP_ERR_CONNECT_TIMEOUT).
     */
    int (*connect)(void *ctx, const char *host, const emhttp_ip_addr *addr, uint16_t port);

    /**
     * Progress of a pending connect.
     * @return EMHTTP_OK, EMHTTP_PENDING, EMHTTP_ERR_CONNECT,
     *         EMHTTP_ERR_PORT, or an EMHTTP_ERR_TLS_* code as for connect.
     */
    int (*connect_poll)(void *ctx);

    /**
     * Optional (NULL: none): advance the security handshake by one bounded
     * step, after the connect succeeded.  The client times it with its
     * connect timeout (EMHTTP_ERR_TLS_TIMEOUT when it passes).
     * @return EMHTTP_PENDING (ask want() what to wait for), EMHTTP_OK or
     *         EMHTTP_HANDSHAKE_RESUMED (done), or a negative error that
     *         fails the request (EMHTTP_ERR_TLS_*): the DNS cache is kept.
     */
    int (*handshake)(void *ctx);

    /**
     * Queue up to @p len bytes for sending.  The transport may keep the
     * pointer only until the call returns (copy or send now).
     * @param flags  EMHTTP_SEND_MORE: more bytes follow at once (request
     *               head before its body); a transport may ignore it.
     * @return bytes accepted (0 = no room now; offer the same bytes again
     *         later), or EMHTTP_ERR_CLOSED / EMHTTP_ERR_RESET /
     *         EMHTTP_ERR_SEND / EMHTTP_ERR_TLS.
     */
    long (*send)(void *ctx, const uint8_t *buf, size_t len, unsigned flags);

    /**
     * Optional (NULL: the client uses send()): send the buffers of @p iov
     * in order as one write, so a request head and its body leave in one
     * segment (sendmsg, one tcp_output) or one TLS record.
     * @return as send(): bytes accepted from the front of the vector.
     */
    long (*sendv)(void *ctx, const emhttp_iov *iov, size_t iovcnt);

    /**
     * Take up to @p len received bytes.  Fewer than @p len means nothing
     * more is available right now (a TLS transport reads record after
     * record until the socket has no more or @p len is filled): the client
     * relies on it to know an idle connection holds no stray bytes.
     * @return bytes copied (0 = nothing now), EMHTTP_ERR_CLOSED (orderly
     *         end of stream, after every byte was returned),
     *         EMHTTP_ERR_RESET, EMHTTP_ERR_RECV or EMHTTP_ERR_TLS.
     */
    long (*recv)(void *ctx, uint8_t *buf, size_t len);

    /** Close the connection (idempotent; never fails, never blocks). */
    void (*close)(void *ctx);

    /**
     * Optional (NULL: @p dir as it is): what the transport needs before
     * the client's next step in direction @p dir (EMHTTP_WAIT_READ to
     * receive, EMHTTP_WAIT_WRITE to connect or send, 0 while a handshake
     * runs) can progress: EMHTTP_WAIT_READ and/or _WRITE on the
     * underlying connection, or EMHTTP_WAIT_NOW when it can go on without
     * waiting (a handshake step to compute, decrypted bytes held back).
     * Pure: no I/O, no state change.
     */
    unsigned (*want)(void *ctx, unsigned dir);
} emhttp_transport_ops;

/** A transport instance: its operations plus its state. */
typedef struct emhttp_transport {
    const emhttp_transport_ops *ops; /**< static table of the transport's functions */
    void *ctx;                       /**< its state (caller-owned memory) */
} emhttp_transport;

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_TRANSPORT_H */
