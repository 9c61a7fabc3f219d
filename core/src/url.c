/*
 * url.c - absolute http(s) URL and IP literal parsing.
 */
#include "emhttp/url.h"

#include <stdbool.h>
#include <string.h>

#include "http_chars.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int hex_value(char c)
{
    if (is_digit(c)) {
        return c - '0';
    }
    c = (char)(c | 0x20);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Characters allowed in a registered host name (no percent-encoding):
 * ALPHA, DIGIT, '-', '.', '_', '~'. */
static bool is_host_char(char c)
{
    return (HC(c) & HC_HOST) || c == '~';
}

/* @p lit: lower-case letters only (or-ing in 0x20 folds a byte onto a
 * letter only from that letter's upper case; onto ':' or '/' it would
 * fold control bytes such as 0x1a and 0x0f too). */
static bool prefix_nocase(const char *s, const char *lit)
{
    for (; *lit; s++, lit++) {
        if ((*s | 0x20) != *lit) {
            return false;
        }
    }
    return true;
}

/* Four RFC 3986 dec-octets: "0".."255", no leading zero. */
static int parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (i < len && is_digit(s[i]) && digits < 4) {
            v = v * 10 + (unsigned)(s[i++] - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[i - digits] == '0')) {
            return EMHTTP_ERR_ARG;
        }
        out[part] = (uint8_t)v;
        if (part < 3 && (i >= len || s[i++] != '.')) {
            return EMHTTP_ERR_ARG;
        }
    }
    return i == len ? EMHTTP_OK : EMHTTP_ERR_ARG;
}

/* One group of 1-4 hex digits; returns characters used or 0. */
static size_t parse_hex16(const char *s, size_t len, unsigned *v)
{
    size_t i = 0;
    *v = 0;
    while (i < len && i < 4 && hex_value(s[i]) >= 0) {
        *v = (*v << 4) | (unsigned)hex_value(s[i++]);
    }
    return (i < len && hex_value(s[i]) >= 0) ? 0 : i;
}

/* Colon-separated hex groups (the last may be a dotted IPv4 address when
 * @p v4_ok) into out[]; returns the bytes written, or -1. */
static int parse_groups(const char *s, size_t len, uint8_t *out, size_t max, bool v4_ok)
{
    size_t n = 0, i = 0;
    while (i < len) {
        unsigned v;
        size_t used = parse_hex16(s + i, len - i, &v);
        if (v4_ok && used > 0 && i + used < len && s[i + used] == '.') {
            if (n + 4 > max || parse_ipv4(s + i, len - i, out + n) != EMHTTP_OK) {
                return -1;
            }
            return (int)(n + 4);
        }
        if (used == 0 || n + 2 > max) {
            return -1;
        }
        out[n++] = (uint8_t)(v >> 8);
        out[n++] = (uint8_t)v;
        i += used;
        if (i < len && (s[i] != ':' || ++i == len)) {
            return -1; /* not a colon, or a trailing one */
        }
    }
    return (int)n;
}

/* "head::tail" or a full address of eight groups. */
static int parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
    uint8_t head[16], tail[16];
    const char *gap = NULL;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] == ':' && s[i + 1] == ':') {
            gap = s + i;
            break;
        }
    }
    if (gap == NULL) {
        return parse_groups(s, len, out, 16, true) == 16 ? EMHTTP_OK : EMHTTP_ERR_ARG;
    }
    size_t hlen = (size_t)(gap - s), tlen = len - hlen - 2;
    int h = parse_groups(s, hlen, head, 14, false);
    int t = parse_groups(gap + 2, tlen, tail, 14, true);
    if (h < 0 || t < 0 || h + t > 14 || (hlen > 0 && h == 0) || (tlen > 0 && t == 0)) {
        return EMHTTP_ERR_ARG;
    }
    memset(out, 0, 16);
    memcpy(out, head, (size_t)h);
    memcpy(out + 16 - t, tail, (size_t)t);
    return EMHTTP_OK;
}

int emhttp_ip_parse(const char *s, size_t len, emhttp_ip_addr *out)
{
    if (s == NULL || out == NULL) {
        return EMHTTP_ERR_ARG;
    }
    memset(out, 0, sizeof *out);
    if (parse_ipv4(s, len, out->bytes) == EMHTTP_OK) {
        out->family = EMHTTP_AF_INET;
        return EMHTTP_OK;
    }
#if CONFIG_EMHTTP_IPV6
    if (parse_ipv6(s, len, out->bytes) == EMHTTP_OK) {
        out->family = EMHTTP_AF_INET6;
        return EMHTTP_OK;
    }
#else
    (void)parse_ipv6;
#endif
    return EMHTTP_ERR_ARG;
}

/* Is s[0, len) a number as inet_aton() and lwIP's ipaddr_aton() read one:
 * decimal (or octal) digits, or "0x" and hex digits? */
static bool is_number(const char *s, size_t len)
{
    bool hex = len >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x';
    size_t i = hex ? 2 : 0;
    while (i < len && (unsigned)hex_value(s[i]) < (hex ? 16u : 10u)) {
        i++;
    }
    return len > 0 && i == len;
}

int emhttp_host_classify(const char *s, size_t len, emhttp_ip_addr *out)
{
    emhttp_ip_addr tmp;
    bool colon = false;
    if (s == NULL || len == 0 || len > CONFIG_EMHTTP_MAX_HOST_LEN) {
        return EMHTTP_ERR_URL;
    }
    size_t end = len - (s[len - 1] == '.'), label = 0; /* the last label: [label, end) */
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ':') {
            colon = true;
        } else if (!is_host_char(s[i])) {
            return EMHTTP_ERR_URL;
        } else if (s[i] == '.' && i < end) {
            label = i + 1;
        }
    }
    if (!colon && !is_number(s + label, end - label)) {
        return EMHTTP_HOST_NAME;
    }
    if (emhttp_ip_parse(s, len, out != NULL ? out : &tmp) != EMHTTP_OK) {
        return EMHTTP_ERR_URL; /* numeric, but not the one literal form */
    }
    return EMHTTP_HOST_IP;
}

static int parse_port(const char *s, size_t len, uint16_t *port)
{
    unsigned long v = 0;
    if (len == 0 || len > 5) {
        return EMHTTP_ERR_URL;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i])) {
            return EMHTTP_ERR_URL;
        }
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v == 0 || v > 65535) {
        return EMHTTP_ERR_URL;
    }
    *port = (uint16_t)v;
    return EMHTTP_OK;
}

/* Host part of the authority; *end gets the first character after it. */
static int parse_host(const char *s, emhttp_url *out, const char **end)
{
    if (*s == '[') {
        const char *close = strchr(s, ']');
        emhttp_ip_addr ip;
        if (close == NULL || emhttp_ip_parse(s + 1, (size_t)(close - s - 1), &ip) != EMHTTP_OK ||
            ip.family != EMHTTP_AF_INET6) {
            return EMHTTP_ERR_URL;
        }
        out->host = s + 1;
        out->host_len = (size_t)(close - s - 1);
        *end = close + 1;
        return EMHTTP_OK;
    }
    const char *p = s;
    while (is_host_char(*p)) {
        p++;
    }
    out->host = s;
    out->host_len = (size_t)(p - s);
    *end = p;
    return emhttp_host_classify(s, out->host_len, NULL) < 0 ? EMHTTP_ERR_URL : EMHTTP_OK;
}

/* "http" or "https" in any case, then exactly "://". */
static int parse_scheme(const char *url, emhttp_url *out, const char **end)
{
    if (!prefix_nocase(url, "http")) {
        return EMHTTP_ERR_URL;
    }
    const char *p = url + 4;
    out->port = 80;
    if ((*p | 0x20) == 's') {
        out->scheme = EMHTTP_SCHEME_HTTPS;
        out->port = 443;
        p++;
    }
    if (p[0] != ':' || p[1] != '/' || p[2] != '/') {
        return EMHTTP_ERR_URL;
    }
    *end = p + 3;
    return EMHTTP_OK;
}

/* Path and query up to the fragment: no CTL, space or DEL. */
static int parse_target(const char *p, emhttp_url *out)
{
    size_t len = 0;
    for (; p[len] != '\0' && p[len] != '#'; len++) {
        if (!(HC(p[len]) & HC_TARGET)) {
            return EMHTTP_ERR_URL;
        }
    }
    out->target = p;
    out->target_len = len;
    return EMHTTP_OK;
}

int emhttp_url_parse(const char *url, emhttp_url *out)
{
    const char *p;
    if (url == NULL || out == NULL) {
        return EMHTTP_ERR_URL;
    }
    memset(out, 0, sizeof *out);
    if (parse_scheme(url, out, &p) != EMHTTP_OK || parse_host(p, out, &p) != EMHTTP_OK) {
        return EMHTTP_ERR_URL;
    }
    if (*p == ':') {
        const char *digits = ++p;
        while (is_digit(*p)) {
            p++;
        }
        if (parse_port(digits, (size_t)(p - digits), &out->port) != EMHTTP_OK) {
            return EMHTTP_ERR_URL;
        }
    }
    if (*p != '\0' && *p != '/' && *p != '?' && *p != '#') {
        return EMHTTP_ERR_URL; /* userinfo, bad host character, junk */
    }
    return parse_target(p, out);
}
