/*
 * offload_transport.h - a test transport that does TLS itself, standing in
 * for a cellular modem's or Wi-Fi module's offloaded TLS socket (nRF91,
 * ESP-AT, u-blox), Zephyr's TLS sockets or ESP-TLS.
 *
 * It owns a non-blocking TCP socket and an OpenSSL (libssl) connection and
 * sets EMHTTP_TRANSPORT_SECURE, so an emhttp client speaks https over it
 * without any of emhttp's own TLS code (emhttp/tls.h is not used; this
 * builds without mbedTLS).  Like a modem's socket it has no handshake
 * operation: connect_poll() returns EMHTTP_OK only once the TLS handshake
 * is done and the server's certificate verified against the CA file and
 * the host name given to connect() (SNI for a name; an IP literal is
 * checked against the certificate's IP addresses and sends no SNI).
 *
 * Non-blocking everywhere: SSL_ERROR_WANT_READ / _WANT_WRITE become
 * EMHTTP_PENDING or 0 bytes, want() says which; decrypted bytes held
 * inside OpenSSL (SSL_pending) make want() answer EMHTTP_WAIT_NOW.
 * recv() reads record after record until @p len is filled or nothing more
 * is available.  close() sends close_notify (best effort); an end of TCP
 * without the server's close_notify is EMHTTP_ERR_RESET, as for the
 * mbedTLS transport (a FIN can be forged; RFC 8446 6.1).
 *
 * Failures of connect()/connect_poll():
 *  - TCP: EMHTTP_ERR_CONNECT (refused, unreachable), EMHTTP_ERR_PORT (no
 *    socket: EMFILE, ENFILE, ENOBUFS, ENOMEM);
 *  - TLS: the certificate's verdict (EMHTTP_ERR_TLS_CERT_UNTRUSTED,
 *    _SELF_SIGNED, _EXPIRED, _HOSTNAME, or EMHTTP_ERR_TLS_CERT), else
 *    EMHTTP_ERR_TLS_HANDSHAKE.
 *
 * Test code: OpenSSL allocates on the heap.  Writes to a dead socket can
 * raise SIGPIPE (OpenSSL's socket BIO uses write()): the program ignores
 * SIGPIPE (the driver does).
 */
#ifndef EMHTTP_TEST_OFFLOAD_TRANSPORT_H
#define EMHTTP_TEST_OFFLOAD_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/transport.h"

/* OpenSSL's types, opaque here. */
struct ssl_ctx_st;
struct ssl_st;
struct ssl_session_st;

typedef struct offload_tls {
    struct ssl_ctx_st *ctx;
    struct ssl_st *ssl;
    struct ssl_session_st *session; /* the newest session the server gave, or NULL */
    const char *host;               /* of the connect in progress (SNI, name check) */
    int fd;                         /* -1 when closed */
    uint8_t phase;                  /* private: closed, TCP connect, handshake, open */
    bool resume;                    /* offer the kept session on the next connect */
    bool fatal;                     /* the connection failed: no close_notify */
    bool last_resumed;              /* the last completed handshake resumed */
    unsigned hs_want;               /* handshake: what it waits for */
    unsigned rd_want, wr_want;      /* recv / send: what they wait for (0: as asked) */
    size_t wr_pending;              /* length of a write OpenSSL must see again */
    long later_err;                 /* an error met behind bytes already returned */
    /* figures for the tests */
    unsigned handshakes, resumed;   /* handshakes completed, of which resumed */
    long verify_result;             /* X509_V_* of the last handshake (0 = ok) */
    char verify_text[96];           /* its text, or the last handshake error's */
    uint16_t last_port;             /* port of the last connect() */
    char last_addr[48];             /* its address, as text */
} offload_tls;

/**
 * Set up the OpenSSL context: TLS 1.2 or 1.3, peer verification against
 * the PEM file @p ca_file (NULL: the system's default paths).
 * @param resume  keep the server's newest session and offer it on the next
 *                connect (whether the server resumes is its choice).
 * @return 0, or -1 (message on stderr).
 */
int offload_tls_init(offload_tls *t, const char *ca_file, bool resume);

/** Close any connection and free the OpenSSL objects. */
void offload_tls_free(offload_tls *t);

/** The transport handle for emhttp_config.transport (ctx is @p t). */
emhttp_transport offload_tls_transport(offload_tls *t);

/** The socket an event loop waits on (-1 when closed). */
int offload_tls_fd(const offload_tls *t);

/** Drop the kept session: the next handshake is a full one. */
void offload_tls_forget_session(offload_tls *t);

#endif /* EMHTTP_TEST_OFFLOAD_TRANSPORT_H */
