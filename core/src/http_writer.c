/*
 * http_writer.c - HTTP/1.1 request head writer.
 *
 * One walk over the head, run twice.  walk() lists the head in the order
 * it is sent: fixed text (" HTTP/1.1", "\r\nHost: ", ...) with text(), the
 * method and target with token(), the caller's other fields with field(),
 * numbers with number().  The first run checks every field (and the
 * header names the client owns) and writes nothing; only when all passed
 * does the second run write, with a bounds check.  So everything is
 * validated before the first byte is written, and the order of the head
 * is written down once: a header the writer should add to every request
 * is one more text() line in walk().
 */
#include "emhttp/http_writer.h"

#include "http_chars.h"

/* The state of a run. */
typedef struct {
    uint8_t *p;          /* writing: next byte; NULL while checking and after an overflow */
    uint8_t *end;        /* writing: end of the buffer; NULL while checking */
    bool v6;             /* the host is an IPv6 literal (has a ':'): bracketed */
    bool caller_host;    /* a caller header is named Host: no automatic one */
    bool bad;            /* checking: a field failed */
} walker;

/* Append s[0..n) while there is room; at the end of the buffer the cursor
 * becomes NULL for good.  Nothing while checking (the cursor is NULL). */
static void put(walker *w, const char *s, size_t n)
{
    if (w->p == NULL || (size_t)(w->end - w->p) < n) {
        w->p = NULL;
        return;
    }
    uint8_t *d = w->p;
    for (size_t i = 0; i < n; i++) {
        d[i] = (uint8_t)s[i];
    }
    w->p = d + n;
}

/* Fixed text: a string literal. */
#define text(w, lit) put((w), (lit), sizeof(lit) - 1)

/* Fixed text when cond is true, else nothing (an empty put()). */
#define text_if(w, cond, lit) put((w), (lit), (cond) ? sizeof(lit) - 1 : 0)

/* The caller's field s[0..n) whose bytes must all have the class cls
 * (HC_TCHAR: a header name, also at least one byte; HC_FIELD: a header
 * value or the host).  Checking: s may be NULL only when n is 0. */
static void field(walker *w, const char *s, size_t n, unsigned cls)
{
    if (w->end == NULL) { /* checking: only a value or the host may be empty */
        bool ok = n == 0 ? cls == HC_FIELD
                         : s != NULL && emhttp_class_end((const uint8_t *)s, 0, n, cls) == n;
        if (!ok) {
            w->bad = true;
        }
    }
    put(w, s, n);
}

/* The caller's NUL-terminated method (cls HC_TCHAR) or target
 * (HC_TARGET): at least one byte, all of the class up to the NUL (which
 * has neither class). */
static void token(walker *w, const char *s, unsigned cls)
{
    size_t n = emhttp_class_end((const uint8_t *)s, 0, SIZE_MAX, cls);
    if (n == 0 || s[n] != '\0') {
        w->bad = true;
    }
    put(w, s, n);
}

/* v in decimal (no check needed). */
static void number(walker *w, uint64_t v)
{
    char tmp[20], *d;
    if (w->end != NULL) {
        d = emhttp_dec_back(tmp + sizeof tmp, v, 0);
        put(w, d, (size_t)(tmp + sizeof tmp - d));
    }
}

/* A caller header: "\r\n" name ": " value.  Checking also refuses names
 * of the framing headers the client owns (Content-Length,
 * Transfer-Encoding) and notes one named Host, which replaces the
 * automatic one in the writing run. */
EMHTTP_NOINLINE static void header(walker *w, const emhttp_header *x)
{
    text(w, "\r\n");
    field(w, x->name, x->name_len, HC_TCHAR);
    text(w, ": ");
    field(w, x->value, x->value_len, HC_FIELD);
    if (w->end == NULL && !w->bad) { /* (the name is a checked token) */
        unsigned id = emhttp_header_id(x->name, x->name_len);
        if (id == EMHTTP_HN_HOST) {
            w->caller_host = true;
        } else if (id == EMHTTP_HN_CONTENT_LENGTH || id == EMHTTP_HN_TRANSFER_ENCODING) {
            w->bad = true;
        }
    }
}

/* The head, in the order it is sent. */
static void walk(walker *w, const emhttp_head *h)
{
    token(w, h->method, HC_TCHAR);
    text(w, " ");
    token(w, h->target, HC_TARGET);
    text(w, " HTTP/1.1");
    if (!w->caller_host) {
        text(w, "\r\nHost: ");
        text_if(w, w->v6, "[");
        field(w, h->host, h->host_len, HC_FIELD);
        text_if(w, w->v6, "]");
        if (h->port != 0) {
            text(w, ":");
            number(w, h->port);
        }
    }
    if (h->send_length) {
        text(w, "\r\nContent-Length: ");
        number(w, h->body_len);
    }
#if CONFIG_EMHTTP_BODY_STREAM
    if (h->chunked) {
        text(w, "\r\nTransfer-Encoding: chunked"); /* a streamed body of unknown length */
    }
#endif
    for (size_t i = 0; i < h->header_count; i++) {
#if CONFIG_EMHTTP_REDIRECTS
        const emhttp_header *x = &h->headers[i];
        if (h->drop_credentials && ((x->name_len == 13 && emhttp_lower_eq(x->name, "authorization", 13)) ||
                                    (x->name_len == 6 && emhttp_lower_eq(x->name, "cookie", 6)))) {
            continue;
        }
#endif
        header(w, &h->headers[i]);
    }
    text(w, "\r\n\r\n");
}

/* The checking run, then the writing run. */
long emhttp_write_head(uint8_t *buf, size_t size, const emhttp_head *h)
{
    walker w = {NULL, NULL, false, false, false};

    if (buf == NULL || h == NULL || h->method == NULL || h->target == NULL ||
        (h->header_count != 0 && h->headers == NULL) || (h->host == NULL && h->host_len != 0)) {
        return EMHTTP_ERR_ARG;
    }
    for (size_t i = 0; i < h->host_len; i++) {
        if (h->host[i] == ':') {
            w.v6 = true;
        }
    }
    walk(&w, h);
    if (w.bad) {
        return EMHTTP_ERR_BAD_REQUEST;
    }
    w.p = buf;
    w.end = buf + size;
    walk(&w, h);
    return w.p == NULL ? EMHTTP_ERR_TX_OVERFLOW : (long)(w.p - buf);
}

/* ---- methods -------------------------------------------------------- */

#define I EMHTTP_M_IDEMPOTENT
#define C EMHTTP_M_CONTENT
#define H EMHTTP_M_HEAD

/* The methods that have flags (EMHTTP_M_*, http_chars.h), the common ones
 * first; a name has at most 7 bytes. */
static const struct method {
    char name[8];
    uint8_t flags;
} methods[] = {
    {"GET", I},         {"POST", C},   {"PUT", I | C},     {"HEAD", I | H},
    {"DELETE", I},      {"PATCH", C},  {"OPTIONS", I},     {"TRACE", I},
};

#undef I
#undef C
#undef H

/* m against each name in turn, exactly (methods are case-sensitive): equal
 * bytes up to the NUL of both. */
unsigned emhttp_method_flags(const char *m)
{
    for (const struct method *e = methods; e != methods + sizeof methods / sizeof methods[0]; e++) {
        for (size_t i = 0; i < sizeof e->name && m[i] == e->name[i]; i++) {
            if (m[i] == '\0') {
                return e->flags;
            }
        }
    }
    return 0;
}

/* See http_writer.h. */
bool emhttp_method_idempotent(const char *m)
{
    return m != NULL && (emhttp_method_flags(m) & EMHTTP_M_IDEMPOTENT) != 0;
}
