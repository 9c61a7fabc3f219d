/*
 * emhttp/url.h - URL and IP-literal parsing.
 *
 * Pure functions over caller strings: no state, no allocation, any task.
 */
#ifndef EMHTTP_URL_H
#define EMHTTP_URL_H

#include <stddef.h>
#include <stdint.h>

#include "emhttp/error.h"
#include "emhttp/port.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum emhttp_scheme {
    EMHTTP_SCHEME_HTTP = 0, /**< plain TCP, default port 80 */
    EMHTTP_SCHEME_HTTPS = 1 /**< TLS, default port 443 */
} emhttp_scheme;

/** Parts of an absolute http(s) URL; pointers point into the parsed string. */
typedef struct emhttp_url {
    emhttp_scheme scheme;
    const char *host;   /**< host name or IP literal (IPv6 without brackets) */
    size_t host_len;
    uint16_t port;      /**< explicit port, or the scheme's default */
    const char *target; /**< path and query as written in the URL (not
                             NUL-terminated); when it is empty or starts with
                             '?', the path is "/" and the caller prepends it */
    size_t target_len;  /**< length of target, fragment excluded */
} emhttp_url;

/**
 * Parse "http[s]://host[:port][/path][?query][#fragment]".  Userinfo is
 * refused.  The scheme is "http" or "https" in any case of its letters,
 * then exactly "://"; the host is what emhttp_host_classify() accepts (a
 * registered name, a dotted-decimal IPv4 address, or an IPv6 address in
 * brackets); the port is 1-65535 in decimal.  Any other byte there - a
 * control byte, a space, a non-ASCII byte, a percent-encoding - refuses
 * the URL, as does a host that looks numeric but is not the one IPv4 form
 * (see emhttp_host_classify()).
 * @param url  NUL-terminated URL (borrowed: the result points into it)
 * @param out  parts
 * @return EMHTTP_OK or EMHTTP_ERR_URL.
 */
int emhttp_url_parse(const char *url, emhttp_url *out);

/**
 * Parse a numeric IPv4 ("192.0.2.1") or IPv6 ("::1", no brackets) address.
 *
 * IPv4: exactly four RFC 3986 dec-octets ("0".."255", no leading zero:
 * "010.0.0.1" is refused, not read as 10.0.0.1 nor as octal 8.0.0.1), so
 * none of the other forms inet_aton() knows (hex "0x7f.1", short "127.1",
 * one integer "2130706433").  IPv6: the RFC 4291 / RFC 3986 text forms -
 * at most eight groups of 1-4 hex digits, at most one "::", the last 32
 * bits optionally as an IPv4 address under the same dec-octet rule
 * ("::0648:064.1.2.0" is refused); no zone ("%eth0").  IPv6 is refused when
 * CONFIG_EMHTTP_IPV6 is 0.
 * @param s    text (need not be NUL-terminated)
 * @param len  its length
 * @param out  the address (unspecified on failure)
 * @return EMHTTP_OK, or EMHTTP_ERR_ARG when @p s is not an IP literal.
 */
int emhttp_ip_parse(const char *s, size_t len, emhttp_ip_addr *out);

/** emhttp_host_classify(): @p s is a registered name, to be resolved. */
#define EMHTTP_HOST_NAME 1
/** emhttp_host_classify(): @p s is an IP literal, converted into *out. */
#define EMHTTP_HOST_IP 2

/**
 * The one rule for a host string, for every path that takes one (the URL
 * parser and both ports' resolve_start(); client init may call it too),
 * so that no path reads a host differently from another:
 *
 *  - a host containing ':' is an IPv6 literal (no brackets): it must pass
 *    emhttp_ip_parse(), else it is refused;
 *  - a host that "looks numeric" must be a dotted-decimal IPv4 literal
 *    that passes emhttp_ip_parse(), else it is refused.  It looks numeric
 *    when its last label - after the last '.', one trailing '.' ignored -
 *    is non-empty and is all decimal digits, or "0x"/"0X" followed by
 *    zero or more hex digits (the WHATWG URL "ends in a number" test).
 *    So "010.0.0.1", "0x7f.1", "127.1", "2130706433", "1.2.3.4.",
 *    "256.1.1.1", "a.b.c.123" and "example.0x1f" are refused, and nothing
 *    is left for inet_aton() or lwIP's ipaddr_aton() to read as a number
 *    (each of their numeric forms ends in such a label);
 *  - anything else is a name when every byte is ALPHA, DIGIT, '-', '.',
 *    '_' or '~' ("example.com", "1example.com", "0x7g", "127.0.0.1x"),
 *    and refused otherwise (control bytes, space, '%', non-ASCII, '[').
 *
 * Empty hosts and hosts longer than CONFIG_EMHTTP_MAX_HOST_LEN are
 * refused.  Pure function: any task, no state.
 * @param s    host text, without brackets (need not be NUL-terminated)
 * @param len  its length
 * @param out  receives the address for EMHTTP_HOST_IP (unspecified
 *             otherwise); may be NULL
 * @return EMHTTP_HOST_IP, EMHTTP_HOST_NAME, or EMHTTP_ERR_URL (refused: a
 *         port's resolver then fails the query with EMHTTP_ERR_DNS without
 *         asking any resolver).
 */
int emhttp_host_classify(const char *s, size_t len, emhttp_ip_addr *out);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_URL_H */
