/*
 * http_writer.c - HTTP/1.1 request head writer.
 *
 * Everything is validated before the first byte is written, then the head
 * is assembled with memcpy: no printf, no per-byte function calls.  The
 * method and target are measured and checked in one pass (no strlen).
 */
#include "emhttp/http_writer.h"

#include <string.h>

#include "http_chars.h"

#define C_TOKEN HC_TCHAR
#define C_VALUE HC_FIELD
#define C_TARGET HC_TARGET

/* True when every byte of s[0..n) has class @p cls (and n > 0 unless
 * @p empty_ok).  Branch-free inner loop. */
static bool all_of(const char *s, size_t n, unsigned cls, bool empty_ok)
{
    unsigned ok = cls;
    for (size_t i = 0; i < n; i++) {
        ok &= HC(s[i]);
    }
    return (ok & cls) && (n > 0 || empty_ok);
}

/* Length of the NUL-terminated s; *ok becomes false unless it is
 * non-empty and every byte has class @p cls. */
static size_t cstr_of(const char *s, unsigned cls, bool *ok)
{
    size_t n = 0;
    unsigned all = cls;
    for (; s[n] != '\0'; n++) {
        all &= HC(s[n]);
    }
    *ok = *ok && (all & cls) && n > 0;
    return n;
}

#if EMHTTP_FAST
/* Word-at-a-time pre-scan (the "has less than" / "has byte" bit tricks):
 * skips the words that certainly hold no byte below 0x20 and no DEL; the
 * table decides the rest.  Returns how many leading bytes are clean. */
#define ONES ((size_t)-1 / 255u)
#define HIGHS (ONES * 0x80u)

static size_t clean_prefix(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + sizeof(size_t) <= n; i += sizeof(size_t)) {
        size_t x, y;
        memcpy(&x, s + i, sizeof x);
        y = x ^ (ONES * 0x7fu);
        if ((((x - ONES * 0x20u) & ~x) | ((y - ONES) & ~y)) & HIGHS) {
            break;
        }
    }
    return i;
}
#else
#define clean_prefix(s, n) ((void)(s), (void)(n), (size_t)0)
#endif

static bool is_field_value(const char *s, size_t n)
{
    size_t i = clean_prefix(s, n); /* HTAB, if any, is left to the table */
    return all_of(s + i, n - i, C_VALUE, true);
}

static bool name_is(const emhttp_header *h, const char *lower, size_t len)
{
    return h->name_len == len && emhttp_lower_eq(h->name, lower, len);
}

/* Validate caller headers; *custom_host tells whether one is named Host. */
static int check_headers(const emhttp_head *h, bool *custom_host)
{
    *custom_host = false;
    for (size_t i = 0; i < h->header_count; i++) {
        const emhttp_header *x = &h->headers[i];
        if (x->name == NULL || (x->value == NULL && x->value_len != 0) ||
            !all_of(x->name, x->name_len, C_TOKEN, false) ||
            !is_field_value(x->value, x->value_len)) {
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

/* Append @p pre, then v in decimal. */
static void put_u64(out_buf *o, const char *pre, size_t pre_len, uint64_t v)
{
    char tmp[24];
    char *d = emhttp_dec_back(tmp + sizeof tmp, v, 0);
    put(o, pre, pre_len);
    put(o, d, (size_t)(tmp + sizeof tmp - d));
}

static void put_host(out_buf *o, const emhttp_head *h)
{
    bool v6 = false;
    for (size_t i = 0; i < h->host_len; i++) {
        v6 |= h->host[i] == ':';
    }
    put(o, "Host: [", v6 ? 7 : 6);
    put(o, h->host, h->host_len);
    put(o, "]", v6);
    if (h->port != 0) {
        put_u64(o, ":", 1, h->port);
    }
    put(o, "\r\n", 2);
}

/* Everything is checked before anything is written; *mlen and *tlen get
 * the lengths of the method and the target. */
static int check_head(const emhttp_head *h, size_t *mlen, size_t *tlen, bool *custom_host)
{
    bool ok = true;
    *mlen = cstr_of(h->method, C_TOKEN, &ok);
    *tlen = cstr_of(h->target, C_TARGET, &ok);
    if (!ok || !is_field_value(h->host, h->host_len)) {
        return EMHTTP_ERR_BAD_REQUEST;
    }
    return check_headers(h, custom_host);
}

long emhttp_write_head(uint8_t *buf, size_t size, const emhttp_head *h)
{
    bool custom_host;
    size_t mlen, tlen;
    if (buf == NULL || h == NULL || h->method == NULL || h->target == NULL ||
        (h->header_count != 0 && h->headers == NULL) || (h->host == NULL && h->host_len != 0)) {
        return EMHTTP_ERR_ARG;
    }
    int rc = check_head(h, &mlen, &tlen, &custom_host);
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
        put_u64(&o, "Content-Length: ", 16, h->body_len);
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

/* The methods that have flags, the common ones first, each name NUL-padded
 * to 8 bytes; then their flags, three bits per method in the same order. */
static const char methods[8][8] = {"GET", "POST", "PUT", "HEAD", "DELETE", "PATCH", "OPTIONS",
                                   "TRACE"};
#define MB(i, f) ((uint32_t)(f) << (3 * (i)))
#define IDEM EMHTTP_M_IDEMPOTENT
#define METHOD_BITS                                                                            \
    (MB(0, IDEM) | MB(1, EMHTTP_M_CONTENT) | MB(2, IDEM | EMHTTP_M_CONTENT) |                    \
     MB(3, IDEM | EMHTTP_M_HEAD) | MB(4, IDEM) | MB(5, EMHTTP_M_CONTENT) | MB(6, IDEM) | MB(7, IDEM))

unsigned emhttp_method_flags(const char *m)
{
    for (unsigned i = 0; i < 8; i++) {
        const char *p = methods[i], *q = m;
        while (*q != '\0' && *q == *p) {
            q++;
            p++;
        }
        if (*q == *p) {
            return (METHOD_BITS >> (3 * i)) & 7u;
        }
    }
    return 0;
}

bool emhttp_method_idempotent(const char *m)
{
    return m != NULL && (emhttp_method_flags(m) & EMHTTP_M_IDEMPOTENT) != 0;
}
