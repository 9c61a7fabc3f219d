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
 * refused.  The host may be a name, a dotted IPv4 address or a bracketed
 * IPv6 address.
 * @param url  NUL-terminated URL (borrowed: the result points into it)
 * @param out  parts
 * @return EMHTTP_OK or EMHTTP_ERR_URL.
 */
int emhttp_url_parse(const char *url, emhttp_url *out);

/**
 * Parse a numeric IPv4 ("192.0.2.1") or IPv6 ("::1", no brackets) address.
 * @param s    text (need not be NUL-terminated)
 * @param len  its length
 * @param out  the address
 * @return EMHTTP_OK, or EMHTTP_ERR_ARG when @p s is not an IP literal.
 */
int emhttp_ip_parse(const char *s, size_t len, emhttp_ip_addr *out);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_URL_H */
