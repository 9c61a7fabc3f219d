/*
 * emhttp/opt.h - compile-time options and their defaults.
 *
 * Every option is a CONFIG_EMHTTP_* macro declared (with help text) in the
 * top-level Kconfig.  Values come from, in order:
 *   1. the build system (-DCONFIG_EMHTTP_...=...),
 *   2. "emhttp_config.h" when it is on the include path (hand-written by a
 *      vendoring project, or generated from a .config by kconfiglib),
 *   3. the #ifndef defaults below (the pattern of lwIP's opt.h).
 *
 * Every other emhttp file reads options only through this header.
 */
#ifndef EMHTTP_OPT_H
#define EMHTTP_OPT_H

#if defined(EMHTTP_CONFIG_FILE)
#include EMHTTP_CONFIG_FILE
#elif defined(__has_include)
#if __has_include("emhttp_config.h")
#include "emhttp_config.h"
#endif
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

/** A server's "Keep-Alive: timeout=N" is honoured with this safety margin:
 *  a connection idle for N*1000 - margin ms is replaced before use. */
#ifndef CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS
#define CONFIG_EMHTTP_KEEPALIVE_MARGIN_MS 500
#endif

/** Re-send a request on a fresh connection after a dead reused connection
 *  for every method (1), or only for idempotent methods and requests that
 *  carry an Idempotency-Key header (0).  Overridable per client. */
#ifndef CONFIG_EMHTTP_RETRY_ALL_METHODS
#define CONFIG_EMHTTP_RETRY_ALL_METHODS 0
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
#define CONFIG_EMHTTP_IPV6 1
#endif

/** Longest host name accepted, in bytes (RFC 1035 allows 253). */
#ifndef CONFIG_EMHTTP_MAX_HOST_LEN
#define CONFIG_EMHTTP_MAX_HOST_LEN 253
#endif

/* ---- JSON -------------------------------------------------------------- */

/** Doubles in the JSON writer and reader (needs a libm-free shortest
 *  round-trip formatter; off for FPU-less parts, which use fixed point). */
#ifndef CONFIG_EMHTTP_JSON_FLOAT
#define CONFIG_EMHTTP_JSON_FLOAT 1
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

/* ---- sanity checks ----------------------------------------------------- */

#if CONFIG_EMHTTP_MAX_HEADER_BYTES < 64
#error "CONFIG_EMHTTP_MAX_HEADER_BYTES must be at least 64"
#endif
#if CONFIG_EMHTTP_DNS_MAX_ADDRS < 1 || CONFIG_EMHTTP_DNS_MAX_ADDRS > 8
#error "CONFIG_EMHTTP_DNS_MAX_ADDRS must be between 1 and 8"
#endif
#if CONFIG_EMHTTP_MAX_HOST_LEN < 1 || CONFIG_EMHTTP_MAX_HOST_LEN > 253
#error "CONFIG_EMHTTP_MAX_HOST_LEN must be between 1 and 253"
#endif
#if CONFIG_EMHTTP_JSON_MAX_DEPTH < 1 || CONFIG_EMHTTP_JSON_MAX_DEPTH > 255
#error "CONFIG_EMHTTP_JSON_MAX_DEPTH must be between 1 and 255"
#endif

#endif /* EMHTTP_OPT_H */
