/*
 * emhttp/tls.h - TLS transport on mbedTLS (compiled with CONFIG_EMHTTP_TLS).
 *
 * A transport (emhttp/transport.h) stacked on another one, the port's TCP:
 * it reads and writes the lower connection through mbedTLS's BIO
 * callbacks, never blocking (WANT_READ / WANT_WRITE become EMHTTP_PENDING
 * or a zero byte count).  One emhttp_tls serves one client (one server).
 *
 *     emhttp_config cfg = { ..., .scheme = EMHTTP_SCHEME_HTTPS,
 *                           .transport = emhttp_tls_transport(&tls, emhttp_posix_tcp(&px)) };
 *
 * Two groups of functions:
 *  - setup, called by the application: emhttp_tls_init(), emhttp_tls_free()
 *    and friends (configuration, CA chain, pinning, static arena), and
 *    emhttp_tls_transport();
 *  - the session steps behind the transport's operations: begin /
 *    handshake / send / recv / end / want / ready / resumed.  The client
 *    calls them through the transport; they are public for a custom
 *    transport stack and for tests that drive TLS without a client.
 *
 * Security defaults: TLS 1.2 only (the version mbedTLS 2.28 implements),
 * ECDHE with AES-GCM or ChaCha20-Poly1305, the server certificate verified
 * against the caller's CA chain with the host name checked and sent as SNI
 * (an IP literal is checked against the certificate's iPAddress names and
 * not sent as SNI, RFC 6066).  Turning verification off takes the explicit
 * `insecure` field.  An optional pin (SHA-256 of the server certificate's
 * SubjectPublicKeyInfo, curl's --pinnedpubkey sha256//...) is checked
 * during the handshake, with or without verification.  A refused server
 * never sees a request byte: verification happens while its Certificate
 * message is parsed, before the client's key exchange.
 *
 * Mutual TLS: a client certificate and its private key (client_cert /
 * client_key below) are presented when the server asks for one; the key
 * buffer is read at init only (what mbedTLS keeps: see client_key).
 *
 * Reconnects resume the last session (a session ticket when the server
 * issued one, otherwise the session ID), so they skip the certificate
 * chain and the public-key operations: about 1% of a full handshake's
 * client instructions.
 *
 * Memory: the caller owns the emhttp_tls struct (place it in .bss) and
 * every buffer it names.  mbedTLS's own allocations (record buffers,
 * parsed certificates, handshake state) go to libc (Debian's build) or to
 * the static arena of an MBEDTLS_MEMORY_BUFFER_ALLOC_C build, see
 * emhttp_tls_arena_init().  What sizes them:
 *  - the record buffers are mbedTLS's MBEDTLS_SSL_IN_CONTENT_LEN and
 *    MBEDTLS_SSL_OUT_CONTENT_LEN (compile time, in mbedTLS's config; each
 *    buffer is that plus 45 bytes of record overhead with AEAD suites only,
 *    333 when CBC suites are compiled in).  Debian's build has 16384 for
 *    both: about 45 KB of heap per connection at the handshake's peak.
 *  - mbedTLS 2.28 cannot reassemble a handshake message split across
 *    records: the input buffer must hold the server's whole Certificate
 *    message (its chain plus 7 bytes), and so must the maximum fragment
 *    length when one is negotiated (the server fragments at it).
 *  - mbedTLS 2.28 negotiates a maximum fragment length of at most the
 *    smaller of its two buffers: make them equal.  Without that extension
 *    (or with a server that ignores it) records of up to 16384 bytes
 *    arrive, and smaller input buffers fail on the first large one.
 *  - smallest sizes that work, measured against nginx (ECDSA P-256, chain
 *    sent as leaf + CA): 1024/1024 with a fragment length of 1024 for a
 *    chain under 1 KB (peak mbedTLS heap 9.9 KB), 2048/2048 with 2048 for
 *    a chain under 2 KB (11.9 KB), both with cmake/fetch-mbedtls.sh's
 *    configuration (no CBC, no DTLS, ECC window 2, peer certificate not
 *    kept) and the CA given as DER (referenced, not copied).
 *
 * Tasks: every function here runs in the client's network task (the one
 * that calls emhttp_poll()), except emhttp_tls_arena_init(), which runs
 * once before any other TLS call.
 */
#ifndef EMHTTP_TLS_H
#define EMHTTP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/abi.h"
#include "emhttp/error.h"
#include "emhttp/opt.h"
#include "emhttp/port.h"
#include "emhttp/transport.h"

#if CONFIG_EMHTTP_TLS
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emhttp_tls emhttp_tls;

/** Length of a public-key pin: a SHA-256 digest. */
#define EMHTTP_TLS_PIN_LEN 32

/**
 * An entropy source (mbedTLS's f_source_t): fill @p out with up to @p len
 * bytes of true randomness, set @p *olen to the number written, return 0
 * (non-zero = failure).  On firmware this reads the hardware RNG (STM32
 * RNG, ESP32 esp_fill_random, nRF CRACEN...).
 */
typedef int (*emhttp_tls_entropy_fn)(void *ctx, unsigned char *out, size_t len, size_t *olen);

/**
 * A random generator (mbedTLS's f_rng): fill @p out with @p len random
 * bytes, return 0.  For a firmware that already runs a seeded DRBG shared
 * by its other mbedTLS users, and for tests.
 */
typedef int (*emhttp_tls_rng_fn)(void *ctx, unsigned char *out, size_t len);

/** TLS configuration, read by emhttp_tls_init() only (it may live on the
 *  stack).  Zero-initialise it and set what you need. */
typedef struct emhttp_tls_config {
    /** The server's host name (the client's host): sent as SNI and checked
     *  against the certificate; an IP literal is checked against its
     *  iPAddress names instead.  NUL-terminated; copied.  Required. */
    const char *hostname;
    /** Trusted CA chain: PEM (one or more certificates; the buffer must
     *  end with a NUL byte counted in @c ca_len) or one DER certificate.
     *  PEM is parsed into mbedTLS's heap (the buffer may be freed after
     *  init); DER is referenced without a copy (saves its size of heap; the
     *  buffer must stay valid until emhttp_tls_free()).  More certificates:
     *  emhttp_tls_add_ca().  Required unless @c insecure. */
    const uint8_t *ca;
    size_t ca_len;
    /** Skip certificate verification (CA chain, validity, host name).
     *  Insecure: anyone on the path can impersonate the server.  A pin is
     *  still enforced. */
    bool insecure;
    /** Public-key pins: @c pin_count SHA-256 digests (EMHTTP_TLS_PIN_LEN
     *  bytes each, back to back) of the server certificate's DER
     *  SubjectPublicKeyInfo; the handshake fails unless one matches.
     *  Copied; at most CONFIG_EMHTTP_TLS_MAX_PINS. */
    const uint8_t *pins;
    size_t pin_count;
    /** Optional strong entropy source added to mbedTLS's entropy pool
     *  (firmware: the hardware RNG; needed when mbedTLS is built with
     *  MBEDTLS_NO_PLATFORM_ENTROPY).  Host builds may leave it NULL: the
     *  pool then reads the platform source (getrandom, /dev/urandom). */
    emhttp_tls_entropy_fn entropy;
    void *entropy_ctx;
    /** Optional random generator used instead of the internal CTR_DRBG
     *  (then @c entropy is unused and no seeding happens at init). */
    emhttp_tls_rng_fn rng;
    void *rng_ctx;
    /** Maximum fragment length to negotiate (RFC 6066): 512, 1024, 2048
     *  or 4096; 0 = CONFIG_EMHTTP_TLS_MAX_FRAG_LEN; 16384 = never ask. */
    uint16_t max_frag_len;
    /** Zero-terminated list of IANA cipher suite ids to offer; NULL = the
     *  default (ECDHE-ECDSA/RSA with ChaCha20-Poly1305, AES-128-GCM,
     *  AES-256-GCM; AES-GCM first with CONFIG_EMHTTP_TLS_CHACHA_FIRST 0).
     *  Borrowed for the context's lifetime. */
    const int *ciphersuites;
    /** Client certificate for mutual TLS (CONFIG_EMHTTP_TLS_CLIENT_CERT),
     *  sent when the server asks for one: PEM (the certificate, optionally
     *  followed by intermediate CAs; the buffer ends with a NUL byte
     *  counted in @c client_cert_len) or one DER certificate.  PEM is
     *  parsed into mbedTLS's heap (the buffer may be freed after init);
     *  DER is referenced without a copy (the buffer must stay valid until
     *  emhttp_tls_free()).  ECDSA (P-256, and the other curves of the list
     *  in tls.c) and RSA keys.  Set both or neither of cert and key. */
    const uint8_t *client_cert;
    size_t client_cert_len;
    /** The certificate's private key, unencrypted: PEM (PKCS#8, SEC1 "EC
     *  PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY"; NUL byte counted in
     *  @c client_key_len) or DER of the same.  Read during
     *  emhttp_tls_init() only: mbedTLS parses it into a pk context (the
     *  key's numbers: an ECP key pair, or RSA's N, E, D, P, Q, DP, DQ,
     *  QP) in its heap or static arena, which the context keeps until
     *  emhttp_tls_free() zeroizes and frees it.  The buffer itself is
     *  never referenced after init, nor copied: wipe or free it as soon as
     *  init returns.  (For PEM, mbedTLS decodes the base64 into a
     *  temporary heap buffer that it zeroizes and frees before
     *  returning.)  Init fails when the key does not match the
     *  certificate. */
    const uint8_t *client_key;
    size_t client_key_len;
} emhttp_tls_config;

/** Static arena figures (MBEDTLS_MEMORY_BUFFER_ALLOC_C builds). */
typedef struct emhttp_tls_arena_stats {
    size_t size;        /**< arena bytes given to emhttp_tls_arena_init() */
    size_t used;        /**< payload bytes allocated now */
    size_t blocks;      /**< blocks allocated now */
    size_t peak;        /**< most payload bytes allocated at once */
    size_t peak_blocks; /**< most blocks allocated at once */
    size_t header;      /**< the allocator's bytes per block on top of the
                             payload: peak use of the arena is at most
                             peak + peak_blocks * header */
} emhttp_tls_arena_stats;

#if CONFIG_EMHTTP_TLS
/** TLS context.  Caller-owned (place it in .bss); every field is private. */
struct emhttp_tls {
    mbedtls_ssl_context ssl_;
    mbedtls_ssl_config conf_;
    mbedtls_x509_crt ca_;          /* trusted CAs (nodes in mbedTLS's heap) */
    mbedtls_ssl_session session_;  /* the session to resume (ticket in the heap) */
#if CONFIG_EMHTTP_TLS_CLIENT_CERT
    mbedtls_x509_crt own_cert_;    /* client certificate (nodes in mbedTLS's heap) */
    mbedtls_pk_context own_key_;   /* its private key, parsed (in mbedTLS's heap) */
#endif
    mbedtls_entropy_context entropy_;
    mbedtls_ctr_drbg_context drbg_;
    emhttp_transport lower_;       /* the transport below (TCP): the BIO's */
    uint8_t pins_[CONFIG_EMHTTP_TLS_MAX_PINS][EMHTTP_TLS_PIN_LEN];
    uint8_t ip_[16];               /* the host as an address, when a literal */
    uint32_t vflags_;              /* X.509 verification flags, last handshake */
    int last_err_;                 /* mbedTLS code of the last failure */
    int io_err_;                   /* port error seen by the BIO, 0 = none */
    int later_err_;                /* recv: an error met behind returned bytes */
    size_t wr_pending_;            /* length of a record sent in part */
    uint8_t npins_, ip_len_;
    uint8_t want_;                 /* EMHTTP_WAIT_* the handshake waits for */
    uint16_t flags_;
};
#endif

/* ---- setup: called by the application (network task) ---------------------- */

/**
 * Initialise a TLS context: seed the random generator, parse the CA chain,
 * prepare mbedTLS (this allocates the record buffers in mbedTLS's heap or
 * arena).  Pass it to the client as emhttp_config.tls with scheme
 * EMHTTP_SCHEME_HTTPS; the client borrows it until emhttp_client_close().
 *
 *     static emhttp_tls tls;
 *     emhttp_tls_config tc = { .hostname = "api.example.com",
 *                              .ca = ca_pem, .ca_len = sizeof ca_pem };
 *     if (emhttp_tls_init(&tls, &tc) != EMHTTP_OK) { ... }
 *     emhttp_config cfg = { .host = "api.example.com", .scheme = EMHTTP_SCHEME_HTTPS,
 *                           .tls = &tls, ... };
 *
 * @param t    the context (caller-owned; must not be in use)
 * @param cfg  configuration (read during the call only; see the fields
 *             for what is copied and what is borrowed)
 * @return EMHTTP_OK; EMHTTP_ERR_ARG (NULL, no host name, no CA without
 *         insecure, too many pins, an invalid max_frag_len, a client
 *         certificate without its key or a key without its certificate);
 *         EMHTTP_ERR_UNSUPPORTED (a client certificate in a build without
 *         CONFIG_EMHTTP_TLS_CLIENT_CERT);
 *         EMHTTP_ERR_TLS_CONFIG (the CA chain, the client certificate or
 *         key does not parse, the key does not match the certificate, no
 *         entropy, out of memory in mbedTLS): emhttp_tls_last_error()
 *         holds the mbedTLS code.  On failure nothing stays allocated.
 *         EMHTTP_ERR_CONFIG_MISMATCH: the caller was compiled with other
 *         emhttp options (or another mbedTLS configuration) than the
 *         library; @p t is not touched (emhttp/abi.h).
 */
#define emhttp_tls_init(t, cfg) \
    emhttp_tls_init_checked((t), (cfg), EMHTTP_ABI_TAG, sizeof(emhttp_tls))
/** emhttp_tls_init() with the caller's EMHTTP_ABI_TAG and sizeof(emhttp_tls). */
int emhttp_tls_init_checked(emhttp_tls *t, const emhttp_tls_config *cfg, uint32_t abi_tag,
                            size_t tls_size);

/**
 * Add trusted CA certificates (PEM with its NUL counted in @p len, or one
 * DER certificate, referenced without a copy as in emhttp_tls_config.ca).
 * Only while no connection is open.
 * @return EMHTTP_OK, EMHTTP_ERR_ARG or EMHTTP_ERR_TLS_CONFIG (not parsed).
 */
int emhttp_tls_add_ca(emhttp_tls *t, const uint8_t *ca, size_t len);

/**
 * Release everything mbedTLS holds for the context (record buffers,
 * certificates, the saved session).  Call after emhttp_client_close(),
 * when no client uses it any more.  NULL is ignored.
 */
void emhttp_tls_free(emhttp_tls *t);

/** Drop the saved session: the next connection makes a full handshake. */
void emhttp_tls_forget_session(emhttp_tls *t);

/**
 * Serialize the saved session (mbedTLS's session format, which holds the
 * master secret: keep it as secret as a key), e.g. into RTC RAM before
 * deep sleep, so the first connection after waking up resumes instead of
 * making a full handshake.
 * @param buf   caller-owned output of @p size bytes (NULL with size 0 asks
 *              for the size only); @p len receives the bytes written
 * @return EMHTTP_OK, EMHTTP_ERR_ARG (NULL, or no session saved) or
 *         EMHTTP_ERR_TLS_CONFIG (@p size too small: @p len is the size
 *         needed).
 */
int emhttp_tls_session_save(const emhttp_tls *t, uint8_t *buf, size_t size, size_t *len);

/**
 * Restore a session written by emhttp_tls_session_save() (same mbedTLS
 * build and configuration); the next connection offers it.  Only while no
 * connection is open.
 * @return EMHTTP_OK, EMHTTP_ERR_ARG or EMHTTP_ERR_TLS_CONFIG (not a valid
 *         session for this build).
 */
int emhttp_tls_session_load(emhttp_tls *t, const uint8_t *buf, size_t len);

/**
 * The mbedTLS error code (negative) of the last failed TLS call, 0 if
 * none: for logs, next to emhttp_strerror() of the emhttp code.
 */
int emhttp_tls_last_error(const emhttp_tls *t);

/**
 * X.509 verification flags (MBEDTLS_X509_BADCERT_*) of the last
 * handshake's server certificate; 0 when it verified.  The emhttp error of
 * a refused certificate names the most important one (see error.h).
 */
uint32_t emhttp_tls_verify_flags(const emhttp_tls *t);

/**
 * Give mbedTLS a static arena: from here on every mbedTLS allocation of
 * the process comes from @p buf (mbedTLS's buffer allocator).  Call once,
 * before any other TLS call and before any other mbedTLS use.  Only in an
 * mbedTLS built with MBEDTLS_MEMORY_BUFFER_ALLOC_C and
 * MBEDTLS_PLATFORM_MEMORY (cmake/fetch-mbedtls.sh builds one).
 * @param buf  caller-owned, e.g. a static array; must stay valid for the
 *             life of the program
 * @return EMHTTP_OK, EMHTTP_ERR_ARG (NULL or too small) or
 *         EMHTTP_ERR_TLS_CONFIG (this mbedTLS has no buffer allocator: it
 *         uses the C library's heap).
 */
int emhttp_tls_arena_init(uint8_t *buf, size_t len);

/**
 * Figures of the static arena (peaks need MBEDTLS_MEMORY_DEBUG in
 * mbedTLS's config; they read 0 without it).
 * @return EMHTTP_OK or EMHTTP_ERR_TLS_CONFIG (no arena in this build).
 */
int emhttp_tls_arena_get_stats(emhttp_tls_arena_stats *out);

/**
 * The TLS transport over @p lower (the port's TCP transport, e.g.
 * emhttp_posix_tcp()): put the result into emhttp_config.transport with
 * scheme EMHTTP_SCHEME_HTTPS.  The transport's connect opens @p lower; its
 * handshake runs emhttp_tls_begin() and emhttp_tls_handshake() (one step
 * per call: the client times it with its connect timeout); recv reads
 * record after record until @p len is filled or nothing more is there;
 * close sends close_notify, keeps the session for resumption and closes
 * @p lower.  Flags: EMHTTP_TRANSPORT_SECURE.
 * @param t      an initialised context (emhttp_tls_init()); borrowed
 * @param lower  copied into @p t; its ctx is borrowed
 * @return the transport {ops, ctx = t}.
 * Network task, while no connection of @p t is open.
 */
emhttp_transport emhttp_tls_transport(emhttp_tls *t, emhttp_transport lower);

/* ---- session steps (behind the transport; for custom stacks and tests) ---- */

/**
 * A new connection to the server is up on @p lower: reset the session
 * state and start a handshake, offering the saved session (resumption)
 * when there is one.  @p lower is copied.
 * @return EMHTTP_OK or EMHTTP_ERR_TLS_CONFIG (out of memory in mbedTLS).
 */
int emhttp_tls_begin(emhttp_tls *t, const emhttp_transport *lower);

/**
 * Advance the handshake by one step (bounded work: at most one public-key
 * operation; never blocks).
 * @return EMHTTP_PENDING (wait for emhttp_tls_want(); when it is 0, call
 *         again without waiting), EMHTTP_OK (done; certificate verified
 *         unless verification was turned off; the session is saved),
 *         EMHTTP_ERR_TLS_PIN, one of the certificate errors
 *         EMHTTP_ERR_TLS_CERT_UNTRUSTED, _SELF_SIGNED, _EXPIRED, _HOSTNAME
 *         or EMHTTP_ERR_TLS_CERT (any other verification failure), or
 *         EMHTTP_ERR_TLS_HANDSHAKE (anything else, including the server
 *         closing or resetting the connection during the handshake).
 */
int emhttp_tls_handshake(emhttp_tls *t);

/**
 * Encrypt and send up to @p len bytes (one record, at most the output
 * buffer or the negotiated fragment length).  After a return of 0 the
 * caller must offer the same bytes again.
 * @return bytes accepted (0 = try later), or a negative emhttp_err
 *         (the port's EMHTTP_ERR_RESET / EMHTTP_ERR_SEND /
 *         EMHTTP_ERR_CLOSED, or EMHTTP_ERR_TLS).
 */
long emhttp_tls_send(emhttp_tls *t, const uint8_t *buf, size_t len);

/**
 * Receive up to @p len decrypted bytes, record after record until @p len
 * is filled or the lower transport has nothing more now.
 * @return bytes (0 = nothing now), EMHTTP_ERR_CLOSED (close_notify),
 *         EMHTTP_ERR_RESET (a reset, or a TCP end of stream without
 *         close_notify: forgeable by anyone on the path, so never taken as
 *         the end of a body), EMHTTP_ERR_RECV, or EMHTTP_ERR_TLS (a record
 *         failed authentication or a fatal alert).
 */
long emhttp_tls_recv(emhttp_tls *t, uint8_t *buf, size_t len);

/**
 * The connection is being closed: send close_notify (best effort, never
 * blocks), keep the session for resumption, release the per-connection
 * state.  Does not close the port.
 */
void emhttp_tls_end(emhttp_tls *t);

/** What the pending handshake waits for: EMHTTP_WAIT_READ or _WRITE, or
 *  0 when it can go on at once (see emhttp_tls_ready()). */
unsigned emhttp_tls_want(const emhttp_tls *t);

/**
 * True when the TLS layer has work that needs no I/O: a handshake step to
 * run, decrypted bytes of a record not yet handed out, or an end of stream
 * met behind the bytes the last emhttp_tls_recv() returned.  The client then
 * polls again without waiting for the socket.
 */
bool emhttp_tls_ready(const emhttp_tls *t);

/** True when the last completed handshake resumed a saved session. */
bool emhttp_tls_resumed(const emhttp_tls *t);

/* ---- facts of the connection (curl's -v; after a completed handshake) ----- */

/**
 * The protocol version of the connection, e.g. "TLSv1.2" (mbedTLS's
 * name; a static string), or NULL before the first completed handshake.
 * Valid from a completed handshake until the next connection begins.
 */
const char *emhttp_tls_version(const emhttp_tls *t);

/**
 * The cipher suite of the connection, by mbedTLS's name, e.g.
 * "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256" (a static string), or NULL
 * before the first completed handshake.  Validity as emhttp_tls_version().
 */
const char *emhttp_tls_ciphersuite(const emhttp_tls *t);

/**
 * The server certificate's subject or issuer as text ("CN=localhost",
 * RFC 4514 style, mbedTLS's mbedtls_x509_dn_gets()).  Needs an mbedTLS
 * that keeps the peer certificate (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE,
 * Debian's build does; cmake/fetch-mbedtls.sh's static build does not).
 * Also after a resumed handshake (the saved session carries it).
 * @param issuer  false: the subject; true: the issuer
 * @param buf     caller buffer, NUL-terminated on success
 * @return EMHTTP_OK; EMHTTP_ERR_ARG (NULL, or no completed handshake);
 *         EMHTTP_ERR_UNSUPPORTED (the peer certificate is not kept);
 *         EMHTTP_ERR_TX_OVERFLOW (@p size too small).
 * Network task, while the connection is open or after it closed, until
 * the next connection begins.
 */
int emhttp_tls_peer_name(const emhttp_tls *t, bool issuer, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_TLS_H */
