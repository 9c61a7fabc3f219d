/*
 * emhttp/opt.h - compile-time options and their defaults.
 *
 * Every option is a CONFIG_EMHTTP_* macro declared (with help text) in the
 * top-level Kconfig, and listed once in EMHTTP_OPTIONS() below.  Every
 * other emhttp file reads options only through this header.
 *
 * Where the values come from.  A build must name its configuration: the
 * library and every file that includes an emhttp header must see the same
 * one (emhttp_client_init() and the other init functions of structs whose
 * layout depends on options refuse a caller compiled with other values:
 * EMHTTP_ERR_CONFIG_MISMATCH, see emhttp/abi.h).  The first that applies:
 *   1. EMHTTP_CONFIG_FILE defined (-DEMHTTP_CONFIG_FILE='"path.h"'): that
 *      header (CMake passes the one it generated or was given this way);
 *   2. "emhttp_config.h" on the include path: hand-written by a vendoring
 *      project (it may be empty: every default), or generated from a
 *      Kconfig .config (cmake/kconfig_header.py, kconfig-frontends'
 *      autoconf.h, ESP-IDF's sdkconfig.h: it may just #include those);
 *   3. CONFIG_EMHTTP_KCONFIG already defined: the build force-includes a
 *      Kconfig header (Zephyr: -imacros autoconf.h);
 *   4. EMHTTP_CONFIG_DEFAULTS=1: no header, the build says so: -D flags
 *      and the defaults below;
 *   otherwise the build fails (#error): a forgotten configuration header
 *   would otherwise give silently different options.
 * -DCONFIG_EMHTTP_...=... flags apply in every case (a header must not
 * define an option the command line defines).
 *
 * Bools and Kconfig.  Kconfig tools (Zephyr, ESP-IDF, NuttX,
 * kconfig-frontends, kconfiglib's genconfig) leave a bool that is n out of
 * the header instead of defining it to 0.  The Kconfig declares a hidden
 * bool EMHTTP_KCONFIG that is always y, so every such header defines
 * CONFIG_EMHTTP_KCONFIG; when it is defined, a bool option that is not
 * defined is 0 (n).  Without it (hand-written header, -D flags only) a
 * bool that is not defined takes the default written below.  Integer
 * options always take the default below when not defined (a Kconfig tool
 * leaves one out only when its dependencies are off).
 */
#ifndef EMHTTP_OPT_H
#define EMHTTP_OPT_H

#if defined(EMHTTP_CONFIG_FILE)
#include EMHTTP_CONFIG_FILE
#elif defined(__has_include)
#if __has_include("emhttp_config.h")
#include "emhttp_config.h"
#elif !defined(CONFIG_EMHTTP_KCONFIG) && !(defined(EMHTTP_CONFIG_DEFAULTS) && EMHTTP_CONFIG_DEFAULTS)
#error "emhttp: no configuration. Put an emhttp_config.h on the include path (it may be empty), or define EMHTTP_CONFIG_FILE, or build with -DEMHTTP_CONFIG_DEFAULTS=1 to take every default (see emhttp/opt.h)"
#endif
#elif !defined(CONFIG_EMHTTP_KCONFIG) && !(defined(EMHTTP_CONFIG_DEFAULTS) && EMHTTP_CONFIG_DEFAULTS)
#include "emhttp_config.h" /* no such file: see "Where the values come from" above */
#endif

/* The default of a bool option whose default is y: 1, or 0 (n) when the
 * options come from a Kconfig header, which leaves out a bool that is n. */
#ifdef CONFIG_EMHTTP_KCONFIG
#define EMHTTP_DEFAULT_Y_ 0
#else
#define EMHTTP_DEFAULT_Y_ 1
#endif

/* ---- HTTP -------------------------------------------------------------- */

/** Largest response header section (status line + headers + CRLF) in bytes.
 *  A larger one fails the request with EMHTTP_ERR_HEADER_TOO_LARGE. */
#ifndef CONFIG_EMHTTP_MAX_HEADER_BYTES
#define CONFIG_EMHTTP_MAX_HEADER_BYTES 4096
#endif

/** Default timeouts in milliseconds, used when a config field is 0. */
#ifndef CONFIG_EMHTTP_CONNECT_TIMEOUT_MS
#define CONFIG_EMHTTP_CONNECT_TIMEOUT_MS 10000
#endif
#ifndef CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS
#define CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS 15000
#endif
#ifndef CONFIG_EMHTTP_REQUEST_TIMEOUT_MS
#define CONFIG_EMHTTP_REQUEST_TIMEOUT_MS 30000
#endif

/** Most body bytes handed to the port in one poll step (the first step
 *  also hands it the head): a large body is sent over several steps, so
 *  one step's work does not grow with the body. */
#ifndef CONFIG_EMHTTP_SEND_CHUNK
#define CONFIG_EMHTTP_SEND_CHUNK 16384
#endif

/** A server's "Keep-Alive: timeout=N" is honoured with this safety margin:
 *  a connection idle for N*1000 - margin ms is replaced before use. */
#ifndef CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS
#define CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS 500
#endif

/** A kept-alive connection idle for longer than this many ms is replaced
 *  before use (NATs drop idle mappings silently); see Kconfig. */
#ifndef CONFIG_EMHTTP_IDLE_REUSE_MS
#define CONFIG_EMHTTP_IDLE_REUSE_MS 30000
#endif

/** Re-send a request once on a fresh connection when the reused
 *  connection it went out on turns out dead before any response byte
 *  (the server closed it in the meantime).  Off: such a request fails
 *  with EMHTTP_ERR_CLOSED / _RESET / _SEND and the caller may submit it
 *  again (an idle connection is still probed before reuse). */
#ifndef CONFIG_EMHTTP_RESEND
#define CONFIG_EMHTTP_RESEND EMHTTP_DEFAULT_Y_
#endif

/** With CONFIG_EMHTTP_RESEND: re-send every method (1), or only idempotent
 *  methods and requests that carry an Idempotency-Key header (0), unless
 *  the client asks for every method (emhttp_config.retry_all_methods). */
#ifndef CONFIG_EMHTTP_RETRY_ALL_METHODS
#define CONFIG_EMHTTP_RETRY_ALL_METHODS 0
#endif

/** Pipelining: with emhttp_config.max_in_flight above 1, several requests
 *  written ahead on the connection, answered in order (emhttp/client.h).
 *  Off: one request at a time, no code or client fields for it. */
#ifndef CONFIG_EMHTTP_PIPELINING
#define CONFIG_EMHTTP_PIPELINING EMHTTP_DEFAULT_Y_
#endif

/** Streamed request bodies: emhttp_request.body_fn produces the body
 *  piece by piece while it is sent (chunked, or a declared length);
 *  streamed outbox jobs; the JSON writer's resumable output.  Off: a body
 *  is one buffer; no code or fields for any of it. */
#ifndef CONFIG_EMHTTP_BODY_STREAM
#define CONFIG_EMHTTP_BODY_STREAM EMHTTP_DEFAULT_Y_
#endif

/** Expect: 100-continue: a request with that header and a body sends its
 *  head, waits up to CONFIG_EMHTTP_EXPECT_TIMEOUT_MS for 100 Continue,
 *  then the body.  Off: the body follows the head at once. */
#ifndef CONFIG_EMHTTP_EXPECT
#define CONFIG_EMHTTP_EXPECT EMHTTP_DEFAULT_Y_
#endif

/** The wait for 100 Continue in ms, when emhttp_config.expect_timeout_ms
 *  is 0 (curl's is 1 s). */
#ifndef CONFIG_EMHTTP_EXPECT_TIMEOUT_MS
#define CONFIG_EMHTTP_EXPECT_TIMEOUT_MS 1000
#endif

/** Decode chunked responses (Transfer-Encoding: chunked).  Off: a response
 *  with any Transfer-Encoding fails with EMHTTP_ERR_UNSUPPORTED and its
 *  connection is dropped; Content-Length and close-delimited bodies work. */
#ifndef CONFIG_EMHTTP_CHUNKED
#define CONFIG_EMHTTP_CHUNKED EMHTTP_DEFAULT_Y_
#endif

/** Honour a server's "Keep-Alive: timeout=N" (replace an idle connection
 *  before the server's timeout).  Off: the header is ignored; the idle
 *  probe and the re-send on a dead reused connection still apply. */
#ifndef CONFIG_EMHTTP_KEEPALIVE_HINT
#define CONFIG_EMHTTP_KEEPALIVE_HINT EMHTTP_DEFAULT_Y_
#endif

/** Response body lengths (Content-Length, chunk sizes) up to 2^63-1.  Off:
 *  up to 2^32-1, a larger one is EMHTTP_ERR_BAD_LENGTH / _BAD_CHUNK (32-bit
 *  arithmetic only, smaller on 32-bit CPUs). */
#ifndef CONFIG_EMHTTP_LENGTH_64
#define CONFIG_EMHTTP_LENGTH_64 EMHTTP_DEFAULT_Y_
#endif

/** Find the end of header names and values a machine word at a time (the
 *  parser's line scan and the writer's value check), and skip the zero
 *  pieces of a number when writing its digits: faster on 32- and 64-bit
 *  CPUs with unaligned loads, about 220 bytes more flash.  Same results
 *  either way (tests/fuzz/fuzz_http_scan_diff.c compares the two). */
#ifndef CONFIG_EMHTTP_FAST_SCAN
#define CONFIG_EMHTTP_FAST_SCAN EMHTTP_DEFAULT_Y_
#endif

/** Connection events (emhttp_config.on_event: resolve, connect, reuse,
 *  close, ...).  Off: the field and the calls are compiled out. */
#ifndef CONFIG_EMHTTP_EVENTS
#define CONFIG_EMHTTP_EVENTS EMHTTP_DEFAULT_Y_
#endif

/** Client counters (emhttp_client_stats()).  Off: compiled out. */
#ifndef CONFIG_EMHTTP_STATS
#define CONFIG_EMHTTP_STATS EMHTTP_DEFAULT_Y_
#endif

/** Per-request timing and facts (emhttp_request.timing: phase times,
 *  reuse, re-sends, bytes).  Off: the field and the bookkeeping are
 *  compiled out. */
#ifndef CONFIG_EMHTTP_TIMING
#define CONFIG_EMHTTP_TIMING EMHTTP_DEFAULT_Y_
#endif

/** Following redirects (emhttp_config.max_redirects, 301/302/303/307/308
 *  with Location) and emhttp_client_set_origin().  Off: a 3xx response is
 *  returned as it is, and the fields and code are compiled out. */
#ifndef CONFIG_EMHTTP_REDIRECTS
#define CONFIG_EMHTTP_REDIRECTS EMHTTP_DEFAULT_Y_
#endif

/* ---- DNS --------------------------------------------------------------- */

/** How long a resolved address is used before it is resolved again, in
 *  seconds.  0 keeps it until a connect to it fails. */
#ifndef CONFIG_EMHTTP_DNS_TTL_S
#define CONFIG_EMHTTP_DNS_TTL_S 3600
#endif

/** Time allowed for one name resolution, in milliseconds. */
#ifndef CONFIG_EMHTTP_DNS_TIMEOUT_MS
#define CONFIG_EMHTTP_DNS_TIMEOUT_MS 5000
#endif

/** Addresses kept per resolved name (tried in order on connect). */
#ifndef CONFIG_EMHTTP_DNS_MAX_ADDRS
#define CONFIG_EMHTTP_DNS_MAX_ADDRS 2
#endif

/** Compile IPv6 address support into core (address type and URL). */
#ifndef CONFIG_EMHTTP_IPV6
#define CONFIG_EMHTTP_IPV6 EMHTTP_DEFAULT_Y_
#endif

/** Longest host name accepted, in bytes (RFC 1035 allows 253). */
#ifndef CONFIG_EMHTTP_MAX_HOST_LEN
#define CONFIG_EMHTTP_MAX_HOST_LEN 253
#endif

/* ---- TCP (read by the ports) ------------------------------------------- */

/** TCP keepalive on every connection a port opens: seconds without traffic
 *  before the first probe; 0 = off.  A peer that answers none of
 *  CONFIG_EMHTTP_TCP_KEEPALIVE_CNT probes, CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S
 *  apart, gets the connection reset by the stack (a NAT or a cellular
 *  network that dropped it silently); the probes also keep a NAT's mapping
 *  alive.  Defaults: a silent peer is found 45 s after the last traffic. */
#ifndef CONFIG_EMHTTP_TCP_KEEPALIVE_S
#define CONFIG_EMHTTP_TCP_KEEPALIVE_S 30
#endif
#ifndef CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S
#define CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S 5
#endif
#ifndef CONFIG_EMHTTP_TCP_KEEPALIVE_CNT
#define CONFIG_EMHTTP_TCP_KEEPALIVE_CNT 3
#endif

/* ---- JSON -------------------------------------------------------------- */

/** Doubles in the JSON writer and reader (needs a libm-free shortest
 *  round-trip formatter; off for FPU-less parts, which use fixed point). */
#ifndef CONFIG_EMHTTP_JSON_FLOAT
#define CONFIG_EMHTTP_JSON_FLOAT EMHTTP_DEFAULT_Y_
#endif

/** Make JSON faster, for about 3 KB more flash on Cortex-M4 (gcc -Os):
 *  a writer call with room for the most it can write writes directly,
 *  the grammar is inlined into each call, digits are made two at a time,
 *  and the plain bytes of strings (writer and reader) are found a machine
 *  word at a time (best on CPUs with unaligned loads).  Same results
 *  either way (tests/fuzz/fuzz_json_fast_diff.c compares the two). */
#ifndef CONFIG_EMHTTP_JSON_FAST
#define CONFIG_EMHTTP_JSON_FAST EMHTTP_DEFAULT_Y_
#endif

/** Deepest nesting of arrays and objects the JSON writer accepts. */
#ifndef CONFIG_EMHTTP_JSON_MAX_DEPTH
#define CONFIG_EMHTTP_JSON_MAX_DEPTH 16
#endif

/* ---- TLS --------------------------------------------------------------- */

/** Build the mbedTLS transport. */
#ifndef CONFIG_EMHTTP_TLS
#define CONFIG_EMHTTP_TLS 0
#endif

/** With an mbedTLS built with MBEDTLS_ECP_RESTARTABLE (the static-arena
 *  build of cmake/fetch-mbedtls.sh): the most basic ECC operations one
 *  poll may run before the handshake step yields and resumes at the next
 *  poll, so no poll blocks for a whole ECDHE or ECDSA operation.  0 = no
 *  limit.  Ignored by an mbedTLS without MBEDTLS_ECP_RESTARTABLE. */
#ifndef CONFIG_EMHTTP_TLS_ECP_MAX_OPS
#define CONFIG_EMHTTP_TLS_ECP_MAX_OPS 1000
#endif

/** Maximum fragment length (RFC 6066) the TLS client asks the server for:
 *  512, 1024, 2048 or 4096 bytes; 16384 never asks; 0 (default) asks for
 *  the largest of those that fits both of mbedTLS's record buffers
 *  (MBEDTLS_SSL_IN_CONTENT_LEN / _OUT_CONTENT_LEN, mbedTLS options) when
 *  they are smaller than 16384, and never with 16384-byte buffers.
 *  mbedTLS 2.28 cannot reassemble a handshake message split across
 *  records, so the input buffer and the fragment length must both hold the
 *  server's whole Certificate message (its chain + 7 bytes).  Smallest
 *  sizes that work against nginx with an ECDSA P-256 chain: 1024 (buffers
 *  and fragment length) for a chain under 1 KB, 2048 under 2 KB; see
 *  emhttp/tls.h.  Overridable per context (emhttp_tls_config). */
#ifndef CONFIG_EMHTTP_TLS_MAX_FRAG_LEN
#define CONFIG_EMHTTP_TLS_MAX_FRAG_LEN 0
#endif

/** Public-key pins one TLS context holds (32 bytes each). */
#ifndef CONFIG_EMHTTP_TLS_MAX_PINS
#define CONFIG_EMHTTP_TLS_MAX_PINS 2
#endif

/** Resume the previous TLS session on reconnect (session ticket, else
 *  session ID): a reconnect then costs about 1% of a full handshake. */
#ifndef CONFIG_EMHTTP_TLS_RESUME
#define CONFIG_EMHTTP_TLS_RESUME EMHTTP_DEFAULT_Y_
#endif

/** Client certificates (mutual TLS, emhttp_tls_config.client_cert): the
 *  TLS context holds the parsed certificate and key (about 630 bytes of
 *  emhttp_tls on a 64-bit host). */
#ifndef CONFIG_EMHTTP_TLS_CLIENT_CERT
#define CONFIG_EMHTTP_TLS_CLIENT_CERT EMHTTP_DEFAULT_Y_
#endif

/** Default cipher suite order: 1 offers ChaCha20-Poly1305 before AES-GCM
 *  (cheaper without AES hardware, docs/tls-suites.md), 0 AES-GCM first. */
#ifndef CONFIG_EMHTTP_TLS_CHACHA_FIRST
#define CONFIG_EMHTTP_TLS_CHACHA_FIRST EMHTTP_DEFAULT_Y_
#endif

/* ---- logging ----------------------------------------------------------- */

/** Log level: 0 off, 1 errors, 2 warnings, 3 info, 4 debug (emhttp/log.h).
 *  Messages above the level are not compiled in; at 0 no log call, no log
 *  string and no log function is linked. */
#ifndef CONFIG_EMHTTP_LOG_LEVEL
#define CONFIG_EMHTTP_LOG_LEVEL 0
#endif

/* ---- sanity checks ----------------------------------------------------- */
/* Ranges match the Kconfig (tests/kconfig checks both ends of each). */

#define EMHTTP_OPT_BOOL_(x) ((x) == 0 || (x) == 1)

#if CONFIG_EMHTTP_MAX_HEADER_BYTES < 64 || CONFIG_EMHTTP_MAX_HEADER_BYTES > 1048576
#error "CONFIG_EMHTTP_MAX_HEADER_BYTES must be between 64 and 1048576"
#endif
#if CONFIG_EMHTTP_CONNECT_TIMEOUT_MS < 1 || CONFIG_EMHTTP_CONNECT_TIMEOUT_MS > 86400000
#error "CONFIG_EMHTTP_CONNECT_TIMEOUT_MS must be between 1 and 86400000 (one day)"
#endif
#if CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS < 1 || CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS > 86400000
#error "CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS must be between 1 and 86400000 (one day)"
#endif
#if CONFIG_EMHTTP_REQUEST_TIMEOUT_MS < 1 || CONFIG_EMHTTP_REQUEST_TIMEOUT_MS > 86400000
#error "CONFIG_EMHTTP_REQUEST_TIMEOUT_MS must be between 1 and 86400000 (one day)"
#endif
#if CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS > CONFIG_EMHTTP_REQUEST_TIMEOUT_MS
#error "CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS must not exceed CONFIG_EMHTTP_REQUEST_TIMEOUT_MS"
#endif
#if CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS < 0 || CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS > 60000
#error "CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS must be between 0 and 60000"
#endif
#if CONFIG_EMHTTP_IDLE_REUSE_MS < 1 || CONFIG_EMHTTP_IDLE_REUSE_MS > 2147483647
#error "CONFIG_EMHTTP_IDLE_REUSE_MS must be between 1 and 2147483647"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_RESEND)
#error "CONFIG_EMHTTP_RESEND must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_RETRY_ALL_METHODS)
#error "CONFIG_EMHTTP_RETRY_ALL_METHODS must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_PIPELINING)
#error "CONFIG_EMHTTP_PIPELINING must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_BODY_STREAM)
#error "CONFIG_EMHTTP_BODY_STREAM must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_EXPECT)
#error "CONFIG_EMHTTP_EXPECT must be 0 or 1"
#endif
#if CONFIG_EMHTTP_EXPECT_TIMEOUT_MS < 1 || CONFIG_EMHTTP_EXPECT_TIMEOUT_MS > 86400000
#error "CONFIG_EMHTTP_EXPECT_TIMEOUT_MS must be between 1 and 86400000 (one day)"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_CHUNKED)
#error "CONFIG_EMHTTP_CHUNKED must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_KEEPALIVE_HINT)
#error "CONFIG_EMHTTP_KEEPALIVE_HINT must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_LENGTH_64)
#error "CONFIG_EMHTTP_LENGTH_64 must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_FAST_SCAN)
#error "CONFIG_EMHTTP_FAST_SCAN must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_EVENTS)
#error "CONFIG_EMHTTP_EVENTS must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_STATS)
#error "CONFIG_EMHTTP_STATS must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_TIMING)
#error "CONFIG_EMHTTP_TIMING must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_REDIRECTS)
#error "CONFIG_EMHTTP_REDIRECTS must be 0 or 1"
#endif
#if CONFIG_EMHTTP_DNS_TTL_S < 0 || CONFIG_EMHTTP_DNS_TTL_S > 4294966
#error "CONFIG_EMHTTP_DNS_TTL_S must be between 0 and 4294966"
#endif
#if CONFIG_EMHTTP_DNS_TIMEOUT_MS < 1 || CONFIG_EMHTTP_DNS_TIMEOUT_MS > 86400000
#error "CONFIG_EMHTTP_DNS_TIMEOUT_MS must be between 1 and 86400000 (one day)"
#endif
#if CONFIG_EMHTTP_TLS_ECP_MAX_OPS < 0 || CONFIG_EMHTTP_TLS_ECP_MAX_OPS > 1000000
#error "CONFIG_EMHTTP_TLS_ECP_MAX_OPS must be between 0 and 1000000"
#endif
#if CONFIG_EMHTTP_SEND_CHUNK < 256 || CONFIG_EMHTTP_SEND_CHUNK > 1048576
#error "CONFIG_EMHTTP_SEND_CHUNK must be between 256 and 1048576"
#endif
#if CONFIG_EMHTTP_DNS_MAX_ADDRS < 1 || CONFIG_EMHTTP_DNS_MAX_ADDRS > 8
#error "CONFIG_EMHTTP_DNS_MAX_ADDRS must be between 1 and 8"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_IPV6)
#error "CONFIG_EMHTTP_IPV6 must be 0 or 1"
#endif
#if CONFIG_EMHTTP_MAX_HOST_LEN < 1 || CONFIG_EMHTTP_MAX_HOST_LEN > 253
#error "CONFIG_EMHTTP_MAX_HOST_LEN must be between 1 and 253"
#endif
#if CONFIG_EMHTTP_TCP_KEEPALIVE_S < 0 || CONFIG_EMHTTP_TCP_KEEPALIVE_S > 32767
#error "CONFIG_EMHTTP_TCP_KEEPALIVE_S must be between 0 (off) and 32767"
#endif
#if CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S < 1 || CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S > 32767
#error "CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S must be between 1 and 32767"
#endif
#if CONFIG_EMHTTP_TCP_KEEPALIVE_CNT < 1 || CONFIG_EMHTTP_TCP_KEEPALIVE_CNT > 127
#error "CONFIG_EMHTTP_TCP_KEEPALIVE_CNT must be between 1 and 127"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_JSON_FLOAT)
#error "CONFIG_EMHTTP_JSON_FLOAT must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_JSON_FAST)
#error "CONFIG_EMHTTP_JSON_FAST must be 0 or 1"
#endif
#if CONFIG_EMHTTP_JSON_MAX_DEPTH < 1 || CONFIG_EMHTTP_JSON_MAX_DEPTH > 255
#error "CONFIG_EMHTTP_JSON_MAX_DEPTH must be between 1 and 255"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_TLS)
#error "CONFIG_EMHTTP_TLS must be 0 or 1"
#endif
#if CONFIG_EMHTTP_TLS_MAX_FRAG_LEN != 0 && CONFIG_EMHTTP_TLS_MAX_FRAG_LEN != 512 && \
    CONFIG_EMHTTP_TLS_MAX_FRAG_LEN != 1024 && CONFIG_EMHTTP_TLS_MAX_FRAG_LEN != 2048 && \
    CONFIG_EMHTTP_TLS_MAX_FRAG_LEN != 4096 && CONFIG_EMHTTP_TLS_MAX_FRAG_LEN != 16384
#error "CONFIG_EMHTTP_TLS_MAX_FRAG_LEN must be 0 (auto), 512, 1024, 2048, 4096 or 16384 (never)"
#endif
#if CONFIG_EMHTTP_TLS_MAX_PINS < 1 || CONFIG_EMHTTP_TLS_MAX_PINS > 16
#error "CONFIG_EMHTTP_TLS_MAX_PINS must be between 1 and 16"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_TLS_RESUME)
#error "CONFIG_EMHTTP_TLS_RESUME must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_TLS_CLIENT_CERT)
#error "CONFIG_EMHTTP_TLS_CLIENT_CERT must be 0 or 1"
#endif
#if !EMHTTP_OPT_BOOL_(CONFIG_EMHTTP_TLS_CHACHA_FIRST)
#error "CONFIG_EMHTTP_TLS_CHACHA_FIRST must be 0 or 1"
#endif
#if CONFIG_EMHTTP_LOG_LEVEL < 0 || CONFIG_EMHTTP_LOG_LEVEL > 4
#error "CONFIG_EMHTTP_LOG_LEVEL must be between 0 (off) and 4 (debug)"
#endif

/* ---- the list of options ------------------------------------------------ */

/** Every option, once: X(CONFIG_EMHTTP_name) for each, in Kconfig order.
 *  emhttp/abi.h folds their values into EMHTTP_ABI_TAG; tests/kconfig
 *  checks that the list and the Kconfig name the same options. */
#define EMHTTP_OPTIONS(X)                                                                 \
    X(CONFIG_EMHTTP_MAX_HEADER_BYTES) X(CONFIG_EMHTTP_CONNECT_TIMEOUT_MS)                 \
    X(CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS) X(CONFIG_EMHTTP_REQUEST_TIMEOUT_MS)            \
    X(CONFIG_EMHTTP_SEND_CHUNK) X(CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS)                      \
    X(CONFIG_EMHTTP_IDLE_REUSE_MS)                                                        \
    X(CONFIG_EMHTTP_RESEND) X(CONFIG_EMHTTP_RETRY_ALL_METHODS)                            \
    X(CONFIG_EMHTTP_PIPELINING) X(CONFIG_EMHTTP_BODY_STREAM) X(CONFIG_EMHTTP_EXPECT)         \
    X(CONFIG_EMHTTP_EXPECT_TIMEOUT_MS) X(CONFIG_EMHTTP_CHUNKED)                           \
    X(CONFIG_EMHTTP_KEEPALIVE_HINT) X(CONFIG_EMHTTP_LENGTH_64) X(CONFIG_EMHTTP_FAST_SCAN)  \
    X(CONFIG_EMHTTP_EVENTS)                                                               \
    X(CONFIG_EMHTTP_STATS) X(CONFIG_EMHTTP_TIMING) X(CONFIG_EMHTTP_REDIRECTS)             \
    X(CONFIG_EMHTTP_DNS_TTL_S) X(CONFIG_EMHTTP_DNS_TIMEOUT_MS)                            \
    X(CONFIG_EMHTTP_DNS_MAX_ADDRS) X(CONFIG_EMHTTP_IPV6) X(CONFIG_EMHTTP_MAX_HOST_LEN)    \
    X(CONFIG_EMHTTP_TCP_KEEPALIVE_S) X(CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S)               \
    X(CONFIG_EMHTTP_TCP_KEEPALIVE_CNT)                                                    \
    X(CONFIG_EMHTTP_JSON_FLOAT) X(CONFIG_EMHTTP_JSON_FAST) X(CONFIG_EMHTTP_JSON_MAX_DEPTH) \
    X(CONFIG_EMHTTP_TLS)                                                                  \
    X(CONFIG_EMHTTP_TLS_MAX_FRAG_LEN) X(CONFIG_EMHTTP_TLS_ECP_MAX_OPS)                    \
    X(CONFIG_EMHTTP_TLS_MAX_PINS) X(CONFIG_EMHTTP_TLS_RESUME)                        \
    X(CONFIG_EMHTTP_TLS_CLIENT_CERT) X(CONFIG_EMHTTP_TLS_CHACHA_FIRST)                  \
    X(CONFIG_EMHTTP_LOG_LEVEL)

#endif /* EMHTTP_OPT_H */
