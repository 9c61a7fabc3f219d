/*
 * http_writer.c - HTTP/1.1 request head writer.
 *
 * Everything is validated before the first byte is written, then the head
 * is assembled with memcpy: no printf, no per-byte function calls.
 */
#include "emhttp/http_writer.h"

#include <string.h>

/* RFC 9110 tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA - as a 128-bit map. */
static const uint32_t tchar_map[4] = {
    0x00000000u, /* 0x00-0x1f */
    0x03ff6cfau, /* 0x20-0x3f: ! # $ % & ' * + - . 0-9 */
    0xc7fffffeu, /* 0x40-0x5f: A-Z ^ _ */
    0x57ffffffu, /* 0x60-0x7f: ` a-z | ~ */
};

static bool is_token(const char *s, size_t n)
{
    unsigned bad = (n == 0);
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        bad |= (c >= 128) | !((tchar_map[(c >> 5) & 3] >> (c & 31)) & 1);
    }
    return !bad;
}

/* Field value: no CTL but HTAB, no DEL (obs-text allowed). */
static bool is_field_value(const char *s, size_t n)
{
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        bad |= ((c < 0x20) & (c != '\t')) | (c == 0x7f);
    }
    return !bad;
}

/* Request target: no CTL, no space, no DEL. */
static bool is_target(const char *s, size_t n)
{
    unsigned bad = (n == 0);
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i];
        bad |= (c <= 0x20) | (c == 0x7f);
    }
    return !bad;
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

long emhttp_write_head(uint8_t *buf, size_t size, const emhttp_head *h)
{
    bool custom_host;
    if (buf == NULL || h == NULL || h->method == NULL || h->target == NULL ||
        (h->header_count != 0 && h->headers == NULL) || (h->host == NULL && h->host_len != 0)) {
        return EMHTTP_ERR_ARG;
    }
    size_t mlen = strlen(h->method), tlen = strlen(h->target);
    if (!is_token(h->method, mlen) || !is_target(h->target, tlen) ||
        !is_field_value(h->host, h->host_len) || check_headers(h, &custom_host) != EMHTTP_OK) {
        return EMHTTP_ERR_BAD_REQUEST;
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
