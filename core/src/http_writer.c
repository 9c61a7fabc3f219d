/*
 * http_writer.c - HTTP/1.1 request head writer.
 *
 * One walk over the head, run twice.  walk() lists the head as pieces,
 * each a literal from LITS (" HTTP/1.1", the "\r\n" that starts a line,
 * ": ", ...) followed by a field of the caller, and piece() checks or
 * appends them.  The first run checks every field (and the header names
 * the client owns) and writes nothing; only when all passed does the
 * second run write, with a bounds check.  So everything is validated
 * before the first byte is written, and the order of the head is written
 * down once.  A piece says in its code when it belongs to the automatic
 * Host line (left out when a caller header is named Host) and when its
 * literal is a byte longer for an IPv6 host ("[" and "]"): walk() has no
 * branches of its own for them.
 *
 * -Os builds check, bounds-check and store in one byte loop (no memcpy,
 * no C library), the steps out of line.  Fast builds (EMHTTP_FAST, see
 * http_chars.h) inline the steps, so that each run is compiled for its
 * job alone: the first checks values with a word-at-a-time pre-scan, the
 * second copies with memcpy; C strings are measured once with strlen().
 */
#include "emhttp/http_writer.h"

#include "http_chars.h"

#if EMHTTP_FAST
#include <string.h> /* (not in -Os builds: a freestanding target may lack it) */
#endif

/* The state of a run. */
typedef struct {
    uint8_t *p;        /* writing: next byte, NULL after an overflow */
    uint8_t *end;      /* writing: end of the buffer; NULL while checking */
    unsigned flags;    /* F_V6, F_HOST, F_BAD */
#if EMHTTP_FAST
    size_t mlen, tlen; /* strlen() of the method and the target */
#endif
} walker;

#define F_V6 0x100u   /* the host is an IPv6 literal (has a ':') */
#define F_HOST 0x200u /* a caller header is named Host */
#define F_BAD 0x400u  /* checking: a field failed */

/* The steps: inlined in fast builds (two copies of the walk, one that only
 * checks, one that only writes), out of line in -Os builds. */
#if EMHTTP_FAST && defined(__GNUC__)
#define STEP static inline __attribute__((always_inline))
#else
#define STEP static
#endif

#define CSTR ((size_t)-1) /* length argument of NUL-terminated strings */
#if EMHTTP_FAST
#define LEN_OF(w, f) ((w)->f) /* measured once, with strlen() */
#else
#define LEN_OF(w, f) CSTR
#endif
#define NEEDED (HC_TCHAR | HC_TARGET) /* classes of fields that may not be empty */
#define LIT (HC_FIELD | HC_JESC) /* a class every byte of a literal has (CR, LF: JESC) */

/* The literals, each found by offset and length:
 *   0 " "   0 " HTTP/1.1"   9 "\r\nHost: " + "[" for IPv6   18 "]"
 *  19 ":"   20 "\r\n"   20 "\r\n\r\n" (the end)   22 "\r\nContent-Length: "
 *  15 ": " */
static const char LITS[] = " HTTP/1.1\r\nHost: []:\r\n\r\nContent-Length: ";

/* What piece() is asked: a literal of LITS, the class of the field that
 * follows, and when to leave or lengthen them (flags of the walker). */
#define PRE(off, len) ((unsigned)(off) << 16 | (unsigned)(len) << 11)
#define PRE_OFF(code) ((code) >> 16)
#define PRE_LEN(code) (((code) >> 11) & 31u)
#define CLASS 0xffu     /* the HC_* bits of the field */
#define P_V6 F_V6       /* one more byte of literal for an IPv6 host */
#define P_HOST F_HOST   /* part of the automatic Host header */

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
#endif

/* s[0..n) (n == CSTR: up to the NUL), of class cls (LIT for literals and
 * digits).  Checking: every byte must have class cls, n > 0 for a token
 * or a target, and s may be NULL only when n is 0.  Writing: appended
 * while there is room; at the end of the buffer the cursor becomes NULL
 * for good.  (While checking, p and end are both NULL: the -Os loop's
 * steps then write nothing.)  A C string ends at the first byte without
 * the class: NUL has none of those asked of C strings. */
STEP void emit(walker *w, const char *s, size_t n, unsigned cls)
{
    size_t i = 0;
#if EMHTTP_FAST
    if (w->end != NULL) { /* all was checked */
        if (w->p != NULL && (size_t)(w->end - w->p) >= n) {
            if (n != 0) {
                memcpy(w->p, s, n);
            }
            w->p += n;
        } else {
            w->p = NULL;
        }
        return;
    }
    if (cls == LIT) {
        return; /* nothing to check */
    }
#endif
    if (s == NULL && n != 0) {
        w->flags |= F_BAD; /* a header name or value */
        return;
    }
#if EMHTTP_FAST
    if (cls == HC_FIELD) {
        i = clean_prefix(s, n); /* HTAB is left to the table */
    }
    while (i != n && (HC(s[i]) & cls)) {
        i++;
    }
#else
    uint8_t *p = w->p;
    for (; i != n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (!(HC(c) & cls)) {
            break;
        }
        if (p == w->end) {
            p = NULL;
        } else if (p != NULL) {
            *p++ = c;
        }
    }
    w->p = p;
#endif
    if ((n == CSTR ? s[i] != '\0' : i != n) || (i == 0 && (cls & NEEDED))) {
        w->flags |= F_BAD;
    }
}

/* The literal PRE(off, len) of @p code, then the field s[0..n) of the
 * class in its low bits.  With P_HOST, nothing when a caller header is
 * named Host; with P_V6, the literal is a byte longer for an IPv6 host. */
STEP void piece(walker *w, unsigned code, const char *s, size_t n)
{
    if (code & w->flags & F_HOST) {
        return;
    }
    emit(w, LITS + PRE_OFF(code), PRE_LEN(code) + ((code & w->flags & F_V6) != 0), LIT);
    emit(w, s, n, code & CLASS);
}

/* The literal of @p code, then v in decimal; only written (literals and
 * digits need no check). */
STEP void number(walker *w, unsigned code, uint64_t v)
{
    char tmp[20], *d;
    if (w->end != NULL) {
        d = emhttp_dec_back(tmp + sizeof tmp, v, 0);
        piece(w, code | LIT, d, (size_t)(tmp + sizeof tmp - d));
    }
}

/* The head, piece by piece.  Checking also refuses caller headers named
 * like the framing headers the writer owns (Content-Length,
 * Transfer-Encoding) and notes one named Host, which replaces the
 * automatic one (for the writing run); the names are found by length in
 * emhttp_header_names (http_chars.h). */
STEP void walk(walker *w, const emhttp_head *h)
{
    const char *o;
    size_t i, k;

    piece(w, HC_TCHAR, h->method, LEN_OF(w, mlen));
    piece(w, PRE(0, 1) | HC_TARGET, h->target, LEN_OF(w, tlen));          /* " " */
    piece(w, PRE(0, 9) | LIT, NULL, 0);                                   /* " HTTP/1.1" */
    piece(w, PRE(9, 8) | P_HOST | P_V6 | HC_FIELD, h->host, h->host_len); /* "\r\nHost: [" */
    piece(w, PRE(18, 0) | P_HOST | P_V6 | LIT, NULL, 0);                  /* "]" */
    if (h->port != 0) {
        number(w, PRE(19, 1) | P_HOST, h->port);                          /* ":" */
    }
    if (h->send_length) {
        number(w, PRE(22, 18), h->body_len); /* "\r\nContent-Length: " */
    }
    for (i = 0; i < h->header_count; i++) {
        const emhttp_header *x = &h->headers[i];
        piece(w, PRE(20, 2) | HC_TCHAR, x->name, x->name_len);            /* "\r\n" */
        piece(w, PRE(15, 2) | HC_FIELD, x->value, x->value_len);          /* ": " */
        k = x->name_len;
        o = emhttp_header_names;
        o = k == 4 ? o + EMHTTP_HN_HOST
            : k == 14 ? o + EMHTTP_HN_CONTENT_LENGTH
            : k == 17 ? o + EMHTTP_HN_TRANSFER_ENCODING
                      : NULL;
        /* (a NULL name has failed its piece: F_BAD) */
        if (w->end == NULL && o != NULL && !(w->flags & F_BAD) && emhttp_lower_eq(x->name, o, k)) {
            w->flags |= k == 4 ? F_HOST : F_BAD;
        }
    }
    piece(w, PRE(20, 4) | LIT, NULL, 0);                                  /* "\r\n\r\n" */
}

/* The checking run, then the writing run. */
long emhttp_write_head(uint8_t *buf, size_t size, const emhttp_head *h)
{
    walker w;
    if (buf == NULL || h == NULL || h->method == NULL || h->target == NULL ||
        (h->header_count != 0 && h->headers == NULL) || (h->host == NULL && h->host_len != 0)) {
        return EMHTTP_ERR_ARG;
    }
    w.p = NULL;
    w.end = NULL;
    w.flags = 0;
#if EMHTTP_FAST
    w.mlen = strlen(h->method);
    w.tlen = strlen(h->target);
    if (h->host_len != 0 && memchr(h->host, ':', h->host_len) != NULL) {
        w.flags = F_V6; /* an IPv6 literal: bracketed */
    }
#else
    for (size_t i = 0; i < h->host_len; i++) {
        if (h->host[i] == ':') {
            w.flags = F_V6; /* an IPv6 literal: bracketed */
        }
    }
#endif
    walk(&w, h);
    if (w.flags & F_BAD) {
        return EMHTTP_ERR_BAD_REQUEST;
    }
    w.p = buf;
    w.end = buf + size;
    walk(&w, h);
    return w.p == NULL ? EMHTTP_ERR_TX_OVERFLOW : (long)(w.p - buf);
}

/* Each method that has flags: a byte of its flags (EMHTTP_M_*, 3 bits) and
 * its length, then the name; the common ones first. */
#define I EMHTTP_M_IDEMPOTENT
#define C EMHTTP_M_CONTENT
#define N(len) ((len) << 3)
static const char methods[] = {
    I | N(3), 'G', 'E', 'T', C | N(4), 'P', 'O', 'S', 'T', I | C | N(3), 'P', 'U', 'T',
    I | EMHTTP_M_HEAD | N(4), 'H', 'E', 'A', 'D', I | N(6), 'D', 'E', 'L', 'E', 'T', 'E',
    C | N(5), 'P', 'A', 'T', 'C', 'H', I | N(7), 'O', 'P', 'T', 'I', 'O', 'N', 'S',
    I | N(5), 'T', 'R', 'A', 'C', 'E', 0};
#undef I
#undef C
#undef N

/* m against each name in turn, exactly (methods are case-sensitive): a
 * match is all n bytes of the name, then the end of m. */
unsigned emhttp_method_flags(const char *m)
{
    unsigned f;
    for (const char *p = methods; (f = (unsigned char)*p++) != 0; p += f >> 3) {
        size_t i = 0, n = f >> 3;
        while (m[i] == p[i]) {
            if (++i == n) {
                if (m[n] == '\0') {
                    return f & 7u;
                }
                break;
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
