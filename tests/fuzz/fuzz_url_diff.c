/*
 * fuzz_url_diff.c - libFuzzer: emhttp_url_parse() against curl's URL API
 * (libcurl4-openssl-dev: curl_url(), CURLU), on the same string.
 *
 * Both accept: scheme, host, port, and path plus query must be the same,
 * under the comparison rules of docs/url-differences.md.  Only one
 * accepts: the input must fall under one of the documented classes U1-U9
 * there (each a predicate below, written from the URL grammar rather than
 * from url.c).  Anything else traps with the input printed.
 *
 * Input: the URL (up to the first NUL).
 */
#include <ctype.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emhttp/url.h"

static CURLU *cu;

static void differ(const char *why, const char *s)
{
    fprintf(stderr, "undocumented difference: %s\n  input: ", why);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        fprintf(stderr, *p >= 32 && *p < 127 && *p != '\\' ? "%c" : "\\x%02x", *p);
    }
    fprintf(stderr, "\n");
    __builtin_trap();
}

static bool name_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* The parts by the generic syntax (RFC 3986 3): scheme ":" "//" authority
 * path-abempty [ "?" query ] [ "#" fragment ].  Host and port split at the
 * last ':' outside brackets. */
typedef struct {
    const char *scheme;
    size_t scheme_len;
    bool slashes; /* exactly "://" after the scheme */
    const char *auth;
    size_t auth_len;
    const char *host;
    size_t host_len;
    bool bracket;
    const char *port; /* NULL: none */
    size_t port_len;
    const char *rest; /* path, query, fragment */
} parts;

static void split(const char *s, parts *p)
{
    memset(p, 0, sizeof *p);
    const char *c = strchr(s, ':');
    p->scheme = s;
    p->scheme_len = c != NULL ? (size_t)(c - s) : 0;
    p->slashes = c != NULL && c[1] == '/' && c[2] == '/';
    p->auth = c != NULL ? c + 1 + strspn(c + 1, "/\\") : s;
    p->auth_len = strcspn(p->auth, "/?#\\");
    p->rest = p->auth + p->auth_len;
    const char *at = memchr(p->auth, '@', p->auth_len);
    p->host = at != NULL ? at + 1 : p->auth;
    p->host_len = (size_t)(p->auth + p->auth_len - p->host);
    const char *colon = NULL;
    bool in = false;
    for (size_t i = 0; i < p->host_len; i++) {
        if (p->host[i] == '[') {
            in = true;
        } else if (p->host[i] == ']') {
            in = false;
        } else if (p->host[i] == ':' && !in) {
            colon = p->host + i;
        }
    }
    if (colon != NULL) {
        p->port = colon + 1;
        p->port_len = (size_t)(p->host + p->host_len - p->port);
        p->host_len = (size_t)(colon - p->host);
    }
    if (p->host_len >= 2 && p->host[0] == '[' && p->host[p->host_len - 1] == ']') {
        p->bracket = true;
        p->host++;
        p->host_len -= 2;
    }
}

static bool eq_nocase(const char *a, size_t an, const char *b)
{
    return strlen(b) == an && strncasecmp(a, b, an) == 0;
}

/* Does the host "look numeric" (its last label, one trailing dot ignored,
 * all decimal digits, or 0x and hex digits)? */
static bool looks_numeric(const char *h, size_t n)
{
    if (n > 0 && h[n - 1] == '.') {
        n--;
    }
    size_t i = n;
    while (i > 0 && h[i - 1] != '.') {
        i--;
    }
    const char *l = h + i;
    size_t ln = n - i;
    if (ln == 0) {
        return false;
    }
    if (ln >= 2 && l[0] == '0' && (l[1] | 0x20) == 'x') {
        for (size_t k = 2; k < ln; k++) {
            if (!isxdigit((unsigned char)l[k])) {
                return false;
            }
        }
        return true;
    }
    for (size_t k = 0; k < ln; k++) {
        if (!isdigit((unsigned char)l[k])) {
            return false;
        }
    }
    return true;
}

/* Four dec-octets without leading zeros (RFC 3986 3.2.2). */
static bool dotted_quad(const char *h, size_t n)
{
    int octets = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && isdigit((unsigned char)h[j])) {
            j++;
        }
        size_t d = j - i;
        if (d == 0 || d > 3 || (d > 1 && h[i] == '0') || strtol(h + i, NULL, 10) > 255) {
            return false;
        }
        octets++;
        if (j == n) {
            break;
        }
        if (h[j] != '.') {
            return false;
        }
        i = j + 1;
    }
    return octets == 4;
}

/* The documented class that explains why emhttp refuses @p s, or NULL. */
static const char *refusal_class(const char *s)
{
    parts p;
    split(s, &p);
    for (const unsigned char *q = (const unsigned char *)s; *q && *q != '#'; q++) {
        if (*q <= 0x20 || *q == 0x7f) {
            return "U1"; /* a control byte or space before the fragment */
        }
    }
    if (!(eq_nocase(p.scheme, p.scheme_len, "http") || eq_nocase(p.scheme, p.scheme_len, "https"))) {
        return "U2"; /* another scheme */
    }
    if (!p.slashes || p.auth != p.scheme + p.scheme_len + 3 || p.auth[p.auth_len] == '\\') {
        return "U3"; /* not exactly "://", or a backslash */
    }
    if (memchr(p.auth, '@', p.auth_len) != NULL) {
        return "U4"; /* userinfo */
    }
    if (p.bracket) {
        return "U5"; /* an IPv6 literal emhttp_ip_parse() refuses (zone, IPvFuture, ...) */
    }
    for (size_t i = 0; i < p.host_len; i++) {
        if (!name_char((unsigned char)p.host[i])) {
            return "U6"; /* a host byte outside the host-name set (%, non-ASCII, ...) */
        }
    }
    if (p.host_len == 0 || p.host_len > CONFIG_EMHTTP_MAX_HOST_LEN) {
        return "U7"; /* empty or too long */
    }
    if (looks_numeric(p.host, p.host_len) && !dotted_quad(p.host, p.host_len)) {
        return "U8"; /* numeric-looking, not the one IPv4 form */
    }
    if (p.port != NULL) {
        long v = 0;
        for (size_t i = 0; i < p.port_len; i++) {
            if (!isdigit((unsigned char)p.port[i])) {
                return "U9";
            }
            v = v * 10 + (p.port[i] - '0');
            if (v > 65535) {
                return "U9";
            }
        }
        if (p.port_len == 0 || p.port_len > 5 || v == 0) {
            return "U9"; /* empty, zero, or more than five digits */
        }
    }
    return NULL;
}

/* Why curl refuses what emhttp accepts: documented classes only. */
static const char *curl_refusal_class(const char *s)
{
    parts p;
    split(s, &p);
    const char *frag = strchr(s, '#');
    if (frag != NULL) {
        for (const unsigned char *q = (const unsigned char *)frag; *q; q++) {
            if (*q < 0x20 || *q == 0x7f || *q == ' ') {
                return "U10"; /* the fragment is not checked by emhttp (never sent) */
            }
        }
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char s[1024];
    if (size >= sizeof s) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    if (cu == NULL) {
        cu = curl_url();
    }
    emhttp_url u;
    int erc = emhttp_url_parse(s, &u);
    CURLUcode crc = curl_url_set(cu, CURLUPART_URL, s, CURLU_PATH_AS_IS);
    if (erc != EMHTTP_OK) {
        if (crc == CURLUE_OK && refusal_class(s) == NULL) {
            differ("emhttp refuses, curl accepts", s);
        }
        return 0;
    }
    if (crc != CURLUE_OK) {
        if (curl_refusal_class(s) == NULL) {
            differ("emhttp accepts, curl refuses", s);
        }
        return 0;
    }
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(cu, CURLUPART_HOST, &host, 0);
    curl_url_get(cu, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    curl_url_get(cu, CURLUPART_PATH, &path, 0);
    curl_url_get(cu, CURLUPART_QUERY, &query, 0);
    /* scheme */
    if (scheme == NULL ||
        strcmp(scheme, u.scheme == EMHTTP_SCHEME_HTTPS ? "https" : "http") != 0) {
        differ("scheme", s);
    }
    /* host: names case-insensitively, addresses by value */
    size_t hl = host != NULL ? strlen(host) : 0;
    const char *h = host;
    if (hl >= 2 && h[0] == '[') {
        h++;
        hl -= 2;
    }
    emhttp_ip_addr a, b;
    bool ea = emhttp_ip_parse(u.host, u.host_len, &a) == EMHTTP_OK;
    bool ca = host != NULL && emhttp_ip_parse(h, hl, &b) == EMHTTP_OK;
    if (ea != ca || (ea && (a.family != b.family ||
                            memcmp(a.bytes, b.bytes, a.family == EMHTTP_AF_INET ? 4 : 16))) ||
        (!ea && (hl != u.host_len || strncasecmp(h, u.host, hl) != 0))) {
        differ("host", s);
    }
    /* port */
    if (port == NULL || strtol(port, NULL, 10) != u.port) {
        differ("port", s);
    }
    /* path and query: emhttp's target, "/" put in front of an empty path */
    char want[1100];
    size_t wl = 0;
    if (u.target_len == 0 || u.target[0] == '?') {
        want[wl++] = '/';
    }
    memcpy(want + wl, u.target, u.target_len);
    wl += u.target_len;
    want[wl] = '\0';
    char got[2200];
    snprintf(got, sizeof got, "%s%s%s", path != NULL ? path : "", query != NULL ? "?" : "",
             query != NULL ? query : "");
    /* an empty query ("?" alone): curl drops it */
    if (strcmp(got, want) != 0 && !(wl > 0 && want[wl - 1] == '?' && query == NULL &&
                                    strncmp(got, want, wl - 1) == 0 && got[wl - 1] == '\0')) {
        differ("path and query", s);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    return 0;
}
