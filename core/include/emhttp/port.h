/*
 * emhttp/port.h - the platform interface: clock, resolver, blocking wait.
 *
 * What the core needs from the platform besides the connection itself
 * (emhttp/transport.h) goes through one struct of function pointers: a
 * millisecond clock, an asynchronous name resolver and, for the blocking
 * convenience API only, a way to sleep until something happens.  A port
 * instance (ctx) serves one client.  A port also offers its TCP transport
 * (emhttp_posix_tcp(), emhttp_lwip_tcp()) and tells an application's own
 * event loop what to wait on (emhttp_posix_pollfds(); on lwIP, the loop
 * already runs the stack).
 *
 * Rules every port follows:
 *  - No call blocks, except wait(), which only emhttp_request_sync() uses.
 *  - A port resolves names but never caches them: caching is the core's
 *    (so every port gets it).  Every resolve_start() is a real query,
 *    except for an IP literal, which the port converts at once.
 *  - A port allocates nothing at run time; its state lives in a struct the
 *    caller provides (see the port's own header).
 *  - All calls are made from the one task that runs emhttp_poll() for the
 *    client, never concurrently.
 */
#ifndef EMHTTP_PORT_H
#define EMHTTP_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "emhttp/error.h"
#include "emhttp/opt.h"
#include "emhttp/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emhttp_port_ops {
    /**
     * Monotonic milliseconds.  Wraps at 2^32; the core only ever uses
     * differences, so wrap-around is harmless.  Required.
     */
    uint32_t (*now_ms)(void *ctx);

    /**
     * Start resolving @p host (NUL-terminated, borrowed for the duration of
     * the query) asynchronously.  One query at a time; a new start cancels
     * (and discards the result of) any earlier one.  The three resolver
     * operations are optional as a group: a port without a resolver leaves
     * them NULL and serves clients with a configured address only.
     * @return EMHTTP_PENDING (poll with resolve_poll), EMHTTP_OK (already
     *         done, fetch with resolve_poll), or EMHTTP_ERR_RESOLVER (the
     *         query cannot start: no thread, no DNS slot; the request
     *         fails with that code).
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
     * Optional: block until the port's connection is ready for @p flags
     * (EMHTTP_WAIT_READ / _WRITE), a running query has an answer
     * (EMHTTP_WAIT_RESOLVE), or @p timeout_ms passes.  Only
     * emhttp_request_sync() calls it (EMHTTP_ERR_ARG without it); a port
     * for a super-loop may simply return.
     * @return EMHTTP_OK (woken or timed out: the core polls to find out).
     */
    int (*wait)(void *ctx, unsigned flags, uint32_t timeout_ms);
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
