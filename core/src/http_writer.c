/*
 * http_writer.c - HTTP/1.1 request head writer.
 *
 * Everything is validated before the first byte is written, then the head
 * is assembled with memcpy: no printf, no per-byte function calls.
 */
#include "emhttp/http_writer.h"

#include <string.h>

/* Character classes, one lookup per byte:
 *   C_TOKEN  RFC 9110 tchar ("!#$%&'*+-.^_`|~", DIGIT, ALPHA)
 *   C_VALUE  field-value byte: HTAB, SP, VCHAR, obs-text (no CTL, no DEL)
 *   C_TARGET request-target byte: VCHAR or obs-text (no CTL, SP or DEL) */
#define C_TOKEN 1u
#define C_VALUE 2u
#define C_TARGET 4u

static const uint8_t char_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    2, 7, 6, 7, 7, 7, 7, 7, 6, 6, 7, 7, 6, 7, 7, 6, /* 0x20 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6, /* 0x30 */
    6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 0x40 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 7, 7, /* 0x50 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 0x60 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 7, 6, 7, 0, /* 0x70 */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, /* 0x80 */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, /* 0x90 */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, /* 0xa0 */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, /* 0xb0 */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, /* 0xc0 */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, /* 0xd0 */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, /* 0xe0 */
    6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, /* 0xf0 */
};

/* True when every byte of s[0..n) has class @p cls (and n > 0 unless
 * @p empty_ok).  Branch-free inner loop. */
static bool all_of(const char *s, size_t n, unsigned cls, bool empty_ok)
{
    unsigned ok = cls;
    for (size_t i = 0; i < n; i++) {
        ok &= char_class[(uint8_t)s[i]];
    }
    return (ok & cls) && (n > 0 || empty_ok);
}

/* Word-at-a-time pre-scan (the "has less than" / "has byte" bit tricks):
 * skips the words that certainly hold no byte below @p lo and no DEL; the
 * table decides the rest.  Returns how many leading bytes are clean. */
#define ONES ((size_t)-1 / 255u)
#define HIGHS (ONES * 0x80u)

static size_t clean_prefix(const char *s, size_t n, unsigned lo)
{
    size_t i = 0;
    for (; i + sizeof(size_t) <= n; i += sizeof(size_t)) {
        size_t x, y;
        memcpy(&x, s + i, sizeof x);
        y = x ^ (ONES * 0x7fu);
        if ((((x - ONES * lo) & ~x) | ((y - ONES) & ~y)) & HIGHS) {
            break;
        }
    }
    return i;
}

static bool is_token(const char *s, size_t n) { return all_of(s, n, C_TOKEN, false); }

static bool is_field_value(const char *s, size_t n)
{
    size_t i = clean_prefix(s, n, 0x20u); /* HTAB, if any, is left to the table */
    return all_of(s + i, n - i, C_VALUE, true);
}

static bool is_target(const char *s, size_t n)
{
    size_t i = clean_prefix(s, n, 0x21u);
    return n > 0 && all_of(s + i, n - i, C_TARGET, true);
}

static bool name_is(const emhttp_header *h, const char *lit, size_t len)
{
    if (h->name_len != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((h->name[i] | 0x20) != lit[i]) {
            return false;
        }
    }
    return true;
}

/* Validate caller headers; *custom_host tells whether one is named Host. */
static int check_headers(const emhttp_head *h, bool *custom_host)
{
    *custom_host = false;
    for (size_t i = 0; i < h->header_count; i++) {
        const emhttp_header *x = &h->headers[i];
        if (x->name == NULL || (x->value == NULL && x->value_len != 0) ||
            !is_token(x->name, x->name_len) || !is_field_value(x->value, x->value_len)) {
            return EMHTTP_ERR_BAD_REQUEST;
        }
        if (name_is(x, "content-length", 14) || name_is(x, "transfer-encoding", 17)) {
            return EMHTTP_ERR_BAD_REQUEST;
        }
        *custom_host |= name_is(x, "host", 4);
    }
    return EMHTTP_OK;
}

typedef struct {
    uint8_t *p, *end;
} out_buf;

/* Append; on overflow the cursor is set to NULL and stays there. */
static void put(out_buf *o, const void *s, size_t n)
{
    if (o->p == NULL || (size_t)(o->end - o->p) < n) {
        o->p = NULL;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

static void put_u64(out_buf *o, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(o, tmp + i, sizeof tmp - i);
}

static void put_host(out_buf *o, const emhttp_head *h)
{
    bool v6 = memchr(h->host, ':', h->host_len) != NULL;
    put(o, "Host: [", v6 ? 7 : 6);
    put(o, h->host, h->host_len);
    if (v6) {
        put(o, "]", 1);
    }
    if (h->port != 0) {
        put(o, ":", 1);
        put_u64(o, h->port);
    }
    put(o, "\r\n", 2);
}

/* Everything is checked before anything is written. */
static int check_head(const emhttp_head *h, size_t mlen, size_t tlen, bool *custom_host)
{
    if (!is_token(h->method, mlen) || !is_target(h->target, tlen) ||
        !is_field_value(h->host, h->host_len)) {
        return EMHTTP_ERR_BAD_REQUEST;
    }
    return check_headers(h, custom_host);
}

long emhttp_write_head(uint8_t *buf, size_t size, const emhttp_head *h)
{
    bool custom_host;
    if (buf == NULL || h == NULL || h->method == NULL || h->target == NULL ||
        (h->header_count != 0 && h->headers == NULL) || (h->host == NULL && h->host_len != 0)) {
        return EMHTTP_ERR_ARG;
    }
    size_t mlen = strlen(h->method), tlen = strlen(h->target);
    int rc = check_head(h, mlen, tlen, &custom_host);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    out_buf o = {buf, buf + size};
    put(&o, h->method, mlen);
    put(&o, " ", 1);
    put(&o, h->target, tlen);
    put(&o, " HTTP/1.1\r\n", 11);
    if (!custom_host) {
        put_host(&o, h);
    }
    if (h->send_length) {
        put(&o, "Content-Length: ", 16);
        put_u64(&o, h->body_len);
        put(&o, "\r\n", 2);
    }
    for (size_t i = 0; i < h->header_count; i++) {
        const emhttp_header *x = &h->headers[i];
        put(&o, x->name, x->name_len);
        put(&o, ": ", 2);
        put(&o, x->value, x->value_len);
        put(&o, "\r\n", 2);
    }
    put(&o, "\r\n", 2);
    return o.p == NULL ? EMHTTP_ERR_TX_OVERFLOW : (long)(o.p - buf);
}

bool emhttp_method_idempotent(const char *m)
{
    static const char *const idem[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
    if (m == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof idem / sizeof idem[0]; i++) {
        if (strcmp(m, idem[i]) == 0) {
            return true;
        }
    }
    return false;
}
