/*
 * emhttp/tls.h - TLS transport on mbedTLS (compiled with CONFIG_EMHTTP_TLS).
 *
 * The TLS layer sits between the client state machine and the port: it
 * reads and writes the port's one TCP connection through mbedTLS's BIO
 * callbacks, never blocking (WANT_READ / WANT_WRITE become EMHTTP_PENDING
 * or a zero byte count).
 *
 * Two groups of functions:
 *  - setup, called by the application: emhttp_tls_init() and friends
 *    (configuration, CA chain, pinning) - see below;
 *  - the transport, called only by the client (client.c) from the network
 *    loop: begin / handshake / send / recv / end / want / resumed.
 *
 * Memory: the caller owns the emhttp_tls struct and every buffer it names;
 * mbedTLS's own allocations go to libc (Debian's build) or to the static
 * arena of an MBEDTLS_MEMORY_BUFFER_ALLOC_C build.
 */
#ifndef EMHTTP_TLS_H
#define EMHTTP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/error.h"
#include "emhttp/opt.h"
#include "emhttp/port.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emhttp_tls emhttp_tls;

/* ---- transport: called by the client only ------------------------------ */

/**
 * A new TCP connection to the server is up on @p net: reset the session
 * state and start a handshake, offering the cached session (resumption)
 * when there is one.
 * @return EMHTTP_OK or EMHTTP_ERR_TLS_CONFIG.
 */
int emhttp_tls_begin(emhttp_tls *t, const emhttp_port *net);

/**
 * Advance the handshake (bounded work, never blocks).
 * @return EMHTTP_PENDING (wait for emhttp_tls_want()), EMHTTP_OK (done;
 *         certificate verified unless verification was turned off),
 *         EMHTTP_ERR_TLS_CERT, EMHTTP_ERR_TLS_PIN, EMHTTP_ERR_TLS_HANDSHAKE,
 *         or a port error (EMHTTP_ERR_CLOSED, EMHTTP_ERR_RESET).
 */
int emhttp_tls_handshake(emhttp_tls *t);

/**
 * Encrypt and send up to @p len bytes.
 * @return bytes accepted (0 = try later), or a negative emhttp_err
 *         (EMHTTP_ERR_CLOSED, EMHTTP_ERR_RESET, EMHTTP_ERR_TLS).
 */
long emhttp_tls_send(emhttp_tls *t, const uint8_t *buf, size_t len);

/**
 * Receive up to @p len decrypted bytes.
 * @return bytes (0 = nothing now), EMHTTP_ERR_CLOSED (close_notify or
 *         TCP EOF), EMHTTP_ERR_RESET or EMHTTP_ERR_TLS.
 */
long emhttp_tls_recv(emhttp_tls *t, uint8_t *buf, size_t len);

/**
 * The connection is being closed: send close_notify (best effort, never
 * blocks), keep the session for resumption.  Does not close the port.
 */
void emhttp_tls_end(emhttp_tls *t);

/** What the pending handshake waits for: EMHTTP_WAIT_READ or _WRITE. */
unsigned emhttp_tls_want(const emhttp_tls *t);

/** True when the last completed handshake resumed a cached session. */
bool emhttp_tls_resumed(const emhttp_tls *t);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_TLS_H */
