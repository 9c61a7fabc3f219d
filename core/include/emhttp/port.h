/*
 * emhttp/port.h - the platform interface.
 *
 * Everything the core needs from the platform goes through one struct of
 * function pointers: a millisecond clock, an asynchronous name resolver and
 * ONE non-blocking TCP connection.  A port instance (ctx) serves one client.
 *
 * Rules every port follows:
 *  - No call blocks, except wait(), which only the blocking convenience API
 *    uses.  Work that cannot finish now returns EMHTTP_PENDING or 0 bytes.
 *  - A port resolves names but never caches them: caching is the core's
 *    (so every port gets it).  Every resolve_start() is a real query,
 *    except for an IP literal, which the port converts at once (the core
 *    leaves literals to the port: no second address parser in an image).
 *  - A port allocates nothing at run time; its state lives in a struct the
 *    caller provides (see the port's own header).
 *  - All calls are made from the one task that runs emhttp_poll() for the
 *    client, never concurrently.
 *
 * Return values: EMHTTP_OK, EMHTTP_PENDING, a byte count, or a negative
 * emhttp_err as documented per call.
 */
#ifndef EMHTTP_PORT_H
#define EMHTTP_PORT_H

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

/** One buffer of a gather-send (emhttp_port_ops.sendv). */
typedef struct emhttp_iov {
    const uint8_t *base;
    size_t len;
} emhttp_iov;

/** Flags for emhttp_port_ops.send(). */
#define EMHTTP_SEND_MORE 1u /**< more data follows immediately */

/** Flags for emhttp_port_ops.wait(). */
#define EMHTTP_WAIT_READ 1u  /**< wake when the connection is readable */
#define EMHTTP_WAIT_WRITE 2u /**< wake when the connection is writable/connected */

typedef struct emhttp_port_ops {
    /**
     * Monotonic milliseconds.  Wraps at 2^32; the core only ever uses
     * differences, so wrap-around is harmless.
     */
    uint32_t (*now_ms)(void *ctx);

    /**
     * Start resolving @p host (NUL-terminated, borrowed for the duration of
     * the query) asynchronously.  One query at a time; a new start cancels
     * (and discards the result of) any earlier one.
     * @return EMHTTP_PENDING (poll with resolve_poll), EMHTTP_OK (already
     *         done, fetch with resolve_poll), or EMHTTP_ERR_PORT.
     */
    int (*resolve_start)(void *ctx, const char *host);

    /**
     * Collect the result of the query started last.
     * @param out  array of @p max entries the port fills
     * @param n    out: number of addresses written (>= 1 on EMHTTP_OK)
     * @return EMHTTP_PENDING while running, EMHTTP_OK with addresses,
     *         EMHTTP_ERR_DNS when the name does not resolve (or no query
     *         was started).
     */
    int (*resolve_poll)(void *ctx, emhttp_ip_addr *out, size_t max, size_t *n);

    /** Abandon a running query (its result is discarded). */
    void (*resolve_cancel)(void *ctx);

    /**
     * Open the port's connection to @p addr : @p port (host byte order),
     * non-blocking.  Any previous connection must have been closed.
     * @return EMHTTP_OK (connected), EMHTTP_PENDING (poll with
     *         connect_poll), EMHTTP_ERR_CONNECT or EMHTTP_ERR_PORT.
     */
    int (*connect)(void *ctx, const emhttp_ip_addr *addr, uint16_t port);

    /**
     * Progress of a pending connect.
     * @return EMHTTP_OK, EMHTTP_PENDING or EMHTTP_ERR_CONNECT.
     */
    int (*connect_poll)(void *ctx);

    /**
     * Queue up to @p len bytes for sending.  The port may keep a pointer
     * only until the call returns (copy or send now).
     * @param flags  EMHTTP_SEND_MORE when the caller sends more bytes right
     *               after this call (request head before its body): the
     *               port should hold them back to fill one segment
     *               (MSG_MORE on POSIX, TCP_WRITE_FLAG_MORE without
     *               tcp_output on lwIP).  A port may ignore it.
     * @return bytes accepted (0 = no room now, try later), or
     *         EMHTTP_ERR_CLOSED / EMHTTP_ERR_RESET / EMHTTP_ERR_SEND.
     */
    long (*send)(void *ctx, const uint8_t *buf, size_t len, unsigned flags);

    /**
     * Take up to @p len received bytes.
     * @return bytes copied (0 = nothing available now), or
     *         EMHTTP_ERR_CLOSED (orderly end of stream, after all data was
     *         returned), EMHTTP_ERR_RESET or EMHTTP_ERR_RECV.
     */
    long (*recv)(void *ctx, uint8_t *buf, size_t len);

    /** Close the connection (idempotent; never fails, never blocks). */
    void (*close)(void *ctx);

    /**
     * Block until the connection is ready for @p flags (EMHTTP_WAIT_*),
     * a running resolve_start() query has an answer, or @p timeout_ms
     * passes.  Only the blocking convenience API calls it; a port for a
     * super-loop may simply return.
     * @return EMHTTP_OK (woken or timed out: the core polls to find out).
     */
    int (*wait)(void *ctx, unsigned flags, uint32_t timeout_ms);

    /**
     * Optional (NULL when the port has none): send the buffers of @p iov in
     * order as one write (sendmsg on POSIX; tcp_write per buffer and one
     * tcp_output on lwIP), so a request head and its body leave in one
     * segment and one system call.  Same results as send(): the bytes
     * accepted from the front of the vector (0 = no room now), or an error.
     */
    long (*sendv)(void *ctx, const struct emhttp_iov *iov, size_t iovcnt);
} emhttp_port_ops;

/** A port instance: its operations plus its state. */
typedef struct emhttp_port {
    const emhttp_port_ops *ops; /**< static table of the port's functions */
    void *ctx;                  /**< the port's state (caller-owned memory) */
} emhttp_port;

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_PORT_H */
