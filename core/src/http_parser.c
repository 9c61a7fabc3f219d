/*
 * http_parser.c - incremental HTTP/1.1 response parser (RFC 9112).
 *
 * Line based: the head (status line, header lines, chunk-size lines,
 * trailers) is handled one complete line at a time.  One function
 * (st_head) reads every status, header and trailer line: a status line is
 * checked for "HTTP/1." and scanned as a field value; a header line is
 * read in one pass - the name through the class table up to the colon,
 * then the value, looking for a CTL (its CR / LF ends the line) - so
 * finding the line end also validates the line (line_stop).  Chunk-size
 * lines and the CRLF after chunk data go through the same line check.  A
 * line that is not complete yet is left unconsumed and scanned again from
 * its start on the next call (lines are short; the head is never rescanned
 * as a whole).  Body bytes are handed to on_body straight from the input.
 *
 * Two builds of the same logic (EMHTTP_FAST, see http_chars.h), which
 * behave the same:
 *  - fast builds scan values a machine word at a time and names four
 *    bytes per step, read all complete lines of a section in one st_head
 *    call, compare header names word-wise with their constant lengths and
 *    take the usual Content-Length and Connection values in one pass
 *    (interpret_fast);
 *  - -Os builds keep only what every case needs, in as few copies as
 *    possible: one scan loop for names and values (scan), one line per
 *    st_head call (step() loops), one name table walked for every header
 *    (header_names), every value of a header the parser acts on through
 *    the same comma-list walk with one trim() for values and elements, no
 *    memcmp() / memcpy(), and 64-bit arithmetic only with
 *    CONFIG_EMHTTP_LENGTH_64.  st_head stays out of line (inlined into
 *    emhttp_parser_feed it cost 12 more bytes on Cortex-M4: a larger frame
 *    for the whole call), the status line's SPs and digits are checked in
 *    one loop, and the error state and F_CLOSE are tested together (one
 *    halfword load in emhttp_parser_keep_alive()).
 * Character classes are read through HC() only.
 *
 * Options (emhttp/opt.h):
 *  - CONFIG_EMHTTP_CHUNKED off: no chunk states are compiled; a
 *    Transfer-Encoding header is only noted (its value not read), and a
 *    final response that has one and a body fails with
 *    EMHTTP_ERR_UNSUPPORTED at the end of its header section (after every
 *    header was reported, like the other framing errors), stickily.
 *  - CONFIG_EMHTTP_KEEPALIVE_HINT off: the Keep-Alive header is not read;
 *    emhttp_parser_keepalive_timeout() is 0 (and there is no field for it).
 *  - CONFIG_EMHTTP_LENGTH_64 off: remaining_ and the length arithmetic are
 *    32-bit; Content-Length above 2^32-1 is EMHTTP_ERR_BAD_LENGTH, a chunk
 *    size above it EMHTTP_ERR_BAD_CHUNK (never truncated).
 *
 * Problems are found from left to right, also in a line still incomplete
 * (a bad character, a reply not starting with "HTTP/1.", a section that
 * can no longer fit in max_head), so the result never depends on how the
 * input was split, and a peer sending junk without a line end is refused
 * at once instead of filling the caller's buffer.
 *
 * emhttp_parser_started() is true once a feed call got len > 0 for this
 * response (bytes seen, whether consumed or not).  emhttp_parser_eof()
 * also makes the parser fail (stickily) unless it completes the response.
 * A failed parser keeps its (negative) code in state_, as (uint8_t)code.
 *
 * Choices not fixed by the RFC (documented for the caller):
 *  - Content-Length above 2^63-1 (2^32-1 without LENGTH_64) is
 *    EMHTTP_ERR_BAD_LENGTH.
 *  - Content-Length together with any Transfer-Encoding is
 *    EMHTTP_ERR_BAD_LENGTH (RFC 9112 6.1 forbids sending both), also when
 *    the response has no body (HEAD, 204, 304), and also without CHUNKED
 *    (a malformed response is reported as malformed before a missing
 *    feature).  A malformed Content-Length is an error even then.
 *  - Without CHUNKED, a Transfer-Encoding alone on a response that has no
 *    body (HEAD, 204, 304) is accepted, as with CHUNKED: nothing needs
 *    decoding.  In an interim (1xx) response it is not interpreted.
 *  - A chunk size over 64 bits (32 without LENGTH_64), or a chunk-size
 *    line longer than max_head, is EMHTTP_ERR_BAD_CHUNK; so is any
 *    malformed chunk-size line.
 *  - Interim (1xx) and trailer lines are checked for syntax but not
 *    interpreted and not reported.
 *  - Keep-Alive: timeout=N is clamped to 86400 s; a malformed parameter is
 *    ignored.
 */
#include "emhttp/http_parser.h"

#include <string.h>

#include "http_chars.h"

/* States (p->state_), the head line states first.  A failed parser holds
 * its error code instead: (uint8_t)code, ST_ERR and above. */
enum {
    ST_STATUS,     /* expecting a status line */
    ST_INTERIM,    /* header lines of a 1xx response (skipped) */
    ST_HEADER,     /* header lines of the final response */
#if CONFIG_EMHTTP_CHUNKED
    ST_TRAILER,    /* trailer lines (skipped) */
    ST_CHUNK_SIZE, /* expecting a chunk-size line */
    ST_CHUNK_CRLF, /* expecting the CRLF after chunk data */
    ST_CHUNK_DATA, /* chunk data, remaining_ bytes left */
#endif
    ST_BODY_LEN,   /* Content-Length body, remaining_ bytes left */
    ST_BODY_CLOSE, /* body delimited by the connection close */
    ST_DONE,       /* response complete (right after ST_BODY_CLOSE) */
    ST_ERR = 0x80
};

/* Flags (p->flags_). */
enum {
    F_HEAD = 0x01,    /* response to HEAD: no body */
    F_STARTED = 0x02, /* feed has seen a byte of this response */
    F_CLOSE = 0x04,   /* connection not reusable */
    F_CL = 0x08,      /* Content-Length seen, value in remaining_ */
    F_TE = 0x10,      /* Transfer-Encoding seen */
    F_CHUNKED = 0x20, /* ... with chunked as the final coding */
    F_HDONE = 0x40    /* headers of the final response complete */
};

#define NEXT 2 /* internal: a step made progress, go on */
#define KA_MAX 86400u

/* Body lengths: the type of remaining_, the largest Content-Length, and
 * how many digits cannot exceed it. */
#if CONFIG_EMHTTP_LENGTH_64
typedef uint64_t len_t;
#define LEN_MAX UINT64_C(0x7fffffffffffffff)
#define LEN_SAFE_DIGITS 18
#else
typedef uint32_t len_t;
#define LEN_MAX UINT32_MAX
#define LEN_SAFE_DIGITS 9
#endif

/* Character classes (http_chars.h): tchar, field-value byte, hex digit. */
#define C_TCHAR HC_TCHAR
#define C_FIELD HC_FIELD
#define C_HEX HC_HEX

/* SP or HTAB, in a line already checked (field bytes only: no other byte
 * is at most SP). */
#define IS_OWS(c) ((c) <= ' ')

/* Has p the callback f? */
#define HAS_CB(p, f) ((p)->cbs_ != NULL && (p)->cbs_->f != NULL)

/* ---- character helpers ---------------------------------------------- */

#if EMHTTP_FAST
/* Word-at-a-time constants (size_t is the machine word). */
#define W_ONES ((size_t)-1 / 255)
#define W_HIGH (W_ONES * 0x80)

/* Non-zero when the word w may hold a byte below 0x20 or a 0x7f.  On the
 * low 7 bits l of each byte (so no carry crosses bytes): l - 0x20 borrows
 * below 0x20, l + 1 reaches 0x80 at 0x7f; bytes >= 0x80 are let through.
 * Every such byte is flagged; a borrow may also flag a byte above one with
 * l < 0x20 (a CTL, or obs-text 0x80-0x9f): the caller checks the byte. */
#define W_L7(w) ((w) & (W_ONES * 0x7f))
#define W_CTL(w) (((W_L7(w) - W_ONES * 0x20) | (W_L7(w) + W_ONES)) & ~(w) & W_HIGH)

/* Offset of the lowest flagged byte of a W_CTL() mask m != 0 on a
 * little-endian machine (the first in memory: no byte before it is a CTL);
 * 0 elsewhere, and the caller then steps byte by byte. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#if defined(__GNUC__) /* ctzl where size_t is a long: no library call on 32-bit CPUs */
#define W_FIRST(m)                                                                     \
    ((size_t)(sizeof(size_t) > sizeof(long) ? __builtin_ctzll((unsigned long long)(m)) \
                                            : __builtin_ctzl((unsigned long)(m))) >> 3)
#else
#define W_FIRST(m) ((((((m) & (~(m) + 1)) - 1) & W_ONES) * W_ONES >> (8 * sizeof(size_t) - 8)) - 1)
#endif
#else
#define W_FIRST(m) 0
#endif

/* Index of the first byte of s[i..lim) that is no field byte (a CTL other
 * than HTAB, or DEL), lim if none.  A word at a time while it can. */
static inline size_t scan_field(const uint8_t *s, size_t i, size_t lim)
{
    size_t w, m;

    while (i + sizeof w <= lim) {
        memcpy(&w, s + i, sizeof w);
        m = W_CTL(w);
        if (m == 0) {
            i += sizeof w;
            continue;
        }
        i += W_FIRST(m);
        if (!(HC(s[i]) & C_FIELD)) {
            return i;
        }
        i++; /* HTAB, or a false positive after obs-text */
    }
    while (i < lim && (HC(s[i]) & C_FIELD)) {
        i++;
    }
    return i;
}

#define IS_T(c) (HC(c) & C_TCHAR)

/* Index of the first byte of d[i..lim) that is no tchar, lim if none. */
static inline size_t name_end(const uint8_t *d, size_t i, size_t lim)
{
    for (; i + 4 <= lim; i += 4) { /* unrolled, leaving at the exact byte */
        if (!IS_T(d[i])) {
            return i;
        }
        if (!IS_T(d[i + 1])) {
            return i + 1;
        }
        if (!IS_T(d[i + 2])) {
            return i + 2;
        }
        if (!IS_T(d[i + 3])) {
            return i + 3;
        }
    }
    while (i < lim && IS_T(d[i])) {
        i++;
    }
    return i;
}
#else
/* Index of the first byte of s[i..lim) without any of the class bits
 * cls, lim if none: names (tchar) and values (field bytes) alike. */
static EMHTTP_NOINLINE size_t scan(const uint8_t *s, size_t i, size_t lim, unsigned cls)
{
    while (i < lim && (HC(s[i]) & cls)) {
        i++;
    }
    return i;
}
#define scan_field(s, i, lim) scan(s, i, lim, C_FIELD)
#define name_end(s, i, lim) scan(s, i, lim, C_TCHAR)
#endif /* EMHTTP_FAST */

/* Case-insensitive compare of s[0..n) with the lower-case literal lit,
 * 4 <= n.  OR-ing 0x20 is exact here: lit holds letters, '-' and '=',
 * whose other 0x20-aliases (CR, 0x1d) never reach this point. */
#if !EMHTTP_FAST
#define eq_ci(s, lit, n) emhttp_lower_eq((const char *)(s), lit, n)
#else
static bool eq_ci(const uint8_t *s, const char *lit, size_t n)
{
    uint64_t a, b;
    uint32_t c, d;
    size_t i;

    if (n < 8) {
        memcpy(&c, s, 4);
        memcpy(&d, lit, 4);
        if ((c | 0x20202020u) != d) {
            return false;
        }
        memcpy(&c, s + n - 4, 4);
        memcpy(&d, lit + n - 4, 4);
        return (c | 0x20202020u) == d;
    }
    for (i = 0; i + 8 < n; i += 8) {
        memcpy(&a, s + i, 8);
        memcpy(&b, lit + i, 8);
        if ((a | UINT64_C(0x2020202020202020)) != b) {
            return false;
        }
    }
    memcpy(&a, s + n - 8, 8);
    memcpy(&b, lit + n - 8, 8);
    return (a | UINT64_C(0x2020202020202020)) == b;
}
#endif

/* Strip OWS from both ends of s[0..*n): the new start, *n its length. */
static const uint8_t *trim(const uint8_t *s, size_t *n)
{
    size_t k = *n;

    while (k != 0 && IS_OWS(*s)) {
        s++;
        k--;
    }
    while (k != 0 && IS_OWS(s[k - 1])) {
        k--;
    }
    *n = k;
    return s;
}

/* ---- header values the parser cares about --------------------------- */

/* The headers the parser acts on. */
enum { H_OTHER, H_CONTENT_LENGTH, H_TRANSFER_ENCODING, H_CONNECTION, H_KEEP_ALIVE };

#if EMHTTP_FAST
/* Classify a header name, by its length first (each compare inlined with
 * its constant length: a few word compares). */
static unsigned header_id(const uint8_t *name, size_t nlen)
{
    switch (nlen) {
    case 10:
        if (eq_ci(name, "connection", 10)) {
            return H_CONNECTION;
        }
        return CONFIG_EMHTTP_KEEPALIVE_HINT && eq_ci(name, "keep-alive", 10) ? H_KEEP_ALIVE
                                                                             : H_OTHER;
    case 14: return eq_ci(name, "content-length", 14) ? H_CONTENT_LENGTH : H_OTHER;
    case 17: return eq_ci(name, "transfer-encoding", 17) ? H_TRANSFER_ENCODING : H_OTHER;
    default: return H_OTHER;
    }
}
#else
/* Classify a header name: by its length, then its letters, against the
 * names of http_chars.h in their order (Host, the first, is H_OTHER here;
 * the H_ values follow that order). */
static unsigned header_id(const uint8_t *name, size_t nlen)
{
    const char *t = emhttp_header_names;
    unsigned id;

    for (id = H_OTHER; *t != 0; id++, t += *t + 1) {
        if ((size_t)*t == nlen && eq_ci(name, t + 1, nlen)) {
            return id;
        }
    }
    return H_OTHER;
}
#endif

/* A Content-Length value x: the first, or the same as the earlier ones. */
static int set_length(emhttp_parser *p, len_t x)
{
    if ((p->flags_ & F_CL) && x != p->remaining_) {
        return EMHTTP_ERR_BAD_LENGTH;
    }
    p->remaining_ = x;
    p->flags_ |= F_CL;
    return NEXT;
}

/* Content-Length, one element of the list ("5, 5"): every element must be
 * the same number, at most LEN_MAX. */
static int length_element(emhttp_parser *p, const uint8_t *e, size_t n)
{
    len_t x = 0;
    size_t k;

    if (n == 0) {
        return EMHTTP_ERR_BAD_LENGTH;
    }
    for (k = 0; k < n; k++) {
        unsigned d = (unsigned)e[k] - '0';
        if (d > 9 || x > LEN_MAX / 10 || x * 10 > LEN_MAX - d) {
            return EMHTTP_ERR_BAD_LENGTH;
        }
        x = x * 10 + d;
    }
    return set_length(p, x);
}

#if CONFIG_EMHTTP_KEEPALIVE_HINT
/* Keep-Alive, one element: "timeout=N" sets the timeout. */
static void keep_alive_element(emhttp_parser *p, const uint8_t *e, size_t n)
{
    uint32_t x = 0;
    size_t k;

    if (n <= 8 || !eq_ci(e, "timeout=", 8)) {
        return;
    }
    for (k = 8; k < n && (unsigned)e[k] - '0' <= 9; k++) {
        x = x * 10 + (e[k] - '0');
        x = x > KA_MAX ? KA_MAX : x;
    }
    if (k == n) {
        p->ka_timeout_s_ = x;
    }
}
#endif

/* One element e[0..n) of the comma-separated value of header id. */
static int list_element(emhttp_parser *p, unsigned id, const uint8_t *e, size_t n)
{
    if (id == H_CONTENT_LENGTH) {
        return length_element(p, e, n);
    }
    if (id == H_CONNECTION) {
        if (n == 5 && eq_ci(e, "close", 5)) {
            p->flags_ |= F_CLOSE;
        }
    }
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    else if (id == H_KEEP_ALIVE) {
        keep_alive_element(p, e, n);
    }
#endif
#if CONFIG_EMHTTP_CHUNKED
    else if (n == 7 && eq_ci(e, "chunked", 7)) { /* Transfer-Encoding: final? */
        p->flags_ |= F_CHUNKED;
    } else if (n != 0) {
        p->flags_ &= (uint8_t)~F_CHUNKED;
    }
#endif
    return NEXT;
}

#if EMHTTP_FAST
/* The usual values, quickly: a Content-Length of up to LEN_SAFE_DIGITS
 * digits (cannot overflow) that does not contradict an earlier one,
 * "keep-alive" or something shorter than "close" in Connection.  True
 * when handled. */
static bool interpret_fast(emhttp_parser *p, unsigned id, const uint8_t *v, size_t n)
{
    len_t x = 0;
    size_t k;

    if (id == H_CONNECTION) {
        return n < 5 || (n == 10 && eq_ci(v, "keep-alive", 10));
    }
    if (id != H_CONTENT_LENGTH) {
        return false;
    }
    for (k = 0; k < n && k < LEN_SAFE_DIGITS && (unsigned)v[k] - '0' <= 9; k++) {
        x = x * 10 + (unsigned)(v[k] - '0');
    }
    if (k != n || n == 0 || ((p->flags_ & F_CL) && x != p->remaining_)) {
        return false; /* the rare cases, and errors */
    }
    p->remaining_ = x;
    p->flags_ |= F_CL;
    return true;
}
#else
#define interpret_fast(p, id, v, n) false
#endif

/* Act on a header of the final response: each element of its value. */
static int interpret(emhttp_parser *p, const uint8_t *name, size_t nlen,
                     const uint8_t *v, size_t vlen)
{
    unsigned id = header_id(name, nlen);
    size_t i = 0, e, n;
    const uint8_t *s;
    int rc = NEXT;

    if (id == H_OTHER || interpret_fast(p, id, v, vlen)) {
        return NEXT;
    }
    if (id == H_TRANSFER_ENCODING) {
        p->flags_ |= F_TE;
        if (!CONFIG_EMHTTP_CHUNKED) {
            return NEXT; /* refused in headers_end() if there is a body */
        }
    }
    while (rc == NEXT && i <= vlen) {
        for (e = i; e < vlen && v[e] != ','; e++) {
        }
        n = e - i;
        s = trim(v + i, &n);
        rc = list_element(p, id, s, n);
        i = e + 1;
    }
    return rc;
}

/* ---- lines ---------------------------------------------------------- */

/* A head line (status, header, trailer line) is scanned in d[..lim),
 * where lim stops at the end of the bytes or of the room left under
 * max_head.  The scan stopped at d[j], the first byte that cannot belong
 * to the name or value, or at j == lim.  NEXT with *next just past the
 * line when d[j] is LF or CR LF; EMHTTP_ERR_PROTOCOL at any other byte
 * (bare CR, CTL, obs-fold, space before the colon); else the line is
 * incomplete: PENDING while more bytes may still fit, else
 * EMHTTP_ERR_HEADER_TOO_LARGE.  Bytes are judged from left to right, so
 * the outcome does not depend on how the input was split. */
static int line_stop(const uint8_t *d, size_t j, size_t lim, bool more, size_t *next)
{
    if (j < lim) {
        if (d[j] == '\n') {
            *next = j + 1;
            return NEXT;
        }
        if (d[j] != '\r') {
            return EMHTTP_ERR_PROTOCOL;
        }
        if (j + 1 < lim) {
            *next = j + 2;
            return d[j + 1] == '\n' ? NEXT : EMHTTP_ERR_PROTOCOL;
        }
    }
    return more ? EMHTTP_PENDING : EMHTTP_ERR_HEADER_TOO_LARGE;
}

/* True when s[0..n) starts like "HTTP/1." (all of it when n >= 7). */
static bool http_prefix(const uint8_t *s, size_t n)
{
#if EMHTTP_FAST
    return memcmp(s, "HTTP/1.", n < 7 ? n : 7) == 0;
#else
    size_t j;

    for (j = 0; j < n && j < 7; j++) { /* no memcmp() to link */
        if (s[j] != "HTTP/1."[j]) {
            return false;
        }
    }
    return true;
#endif
}

/* The status line l[0..n) ("HTTP/1.x SSS[ reason]", no CTL in it,
 * starting with "HTTP/1." when n >= 7: st_head() checked).  After the
 * version digit, one loop checks the SP at 8, the digits at 9..11 and the
 * SP at 12 when the line goes on (8 and 12: the positions k & 3 == 0). */
static int status_line(emhttp_parser *p, const uint8_t *l, size_t n)
{
    unsigned st = 0;
    size_t r = n < 13 ? n : 13, k; /* the reason phrase l[r..n) ends the line */

    if (n < 12 || (unsigned)l[7] - '0' > 9) {
        return EMHTTP_ERR_PROTOCOL;
    }
    for (k = 8; k < r; k++) { /* SP at 8 and 12, the code's digits at 9..11 */
        unsigned d = (unsigned)l[k] - '0';
        if ((k & 3) == 0 ? l[k] != ' ' : d > 9) {
            return EMHTTP_ERR_PROTOCOL;
        }
        if (k & 3) {
            st = st * 10 + d;
        }
    }
    if (st < 200) {
        p->state_ = ST_INTERIM; /* 1xx: skipped; 101: the client never upgrades */
        return st < 100 || st == 101 ? EMHTTP_ERR_PROTOCOL : NEXT;
    }
    p->status_ = (uint16_t)st;
    p->state_ = ST_HEADER;
    if (l[7] == '0') {
        p->flags_ |= F_CLOSE; /* HTTP/1.0 */
    }
    if (HAS_CB(p, on_status) &&
        p->cbs_->on_status(p->user_, (int)st, (const char *)l + r, n - r)) {
        return EMHTTP_ERR_ABORTED;
    }
    return NEXT;
}

/* The empty line ending the final header section: choose the framing. */
static int headers_end(emhttp_parser *p)
{
    uint8_t f = p->flags_, st;

    if ((f & F_CL) && (f & F_TE)) {
        return EMHTTP_ERR_BAD_LENGTH;
    }
    if ((f & F_HEAD) || p->status_ == 204 || p->status_ == 304) {
        st = ST_DONE;
#if CONFIG_EMHTTP_CHUNKED
    } else if (f & F_CHUNKED) {
        st = ST_CHUNK_SIZE;
#else
    } else if (f & F_TE) {
        return EMHTTP_ERR_UNSUPPORTED;
#endif
    } else if (f & F_CL) {
        st = p->remaining_ != 0 ? ST_BODY_LEN : ST_DONE;
    } else {
        st = ST_BODY_CLOSE;
        f |= F_CLOSE;
    }
    p->state_ = st;
    p->flags_ = f | F_HDONE;
    if (HAS_CB(p, on_headers_done) && p->cbs_->on_headers_done(p->user_)) {
        return EMHTTP_ERR_ABORTED;
    }
    return NEXT;
}

/* The empty line ending a header section. */
static int section_end(emhttp_parser *p)
{
    if (p->state_ == ST_HEADER) {
        return headers_end(p);
    }
#if CONFIG_EMHTTP_CHUNKED
    if (p->state_ == ST_TRAILER) {
        p->state_ = ST_DONE;
        return EMHTTP_OK;
    }
#endif
    p->head_bytes_ = 0; /* end of an interim response */
    p->state_ = ST_STATUS;
    return NEXT;
}

/* A complete header line: name s[0..nlen), nlen > 0, and s[nlen] is the
 * colon when end > nlen; the value (not trimmed yet) ends at s[end]. */
static int field(emhttp_parser *p, const uint8_t *s, size_t nlen, size_t end)
{
    const uint8_t *v;
    size_t vlen = end - nlen - 1;
    int rc;

    if (end == nlen) {
        return EMHTTP_ERR_PROTOCOL; /* no colon */
    }
    if (p->state_ != ST_HEADER) {
        return NEXT; /* interim or trailer: checked, not reported */
    }
    v = trim(s + nlen + 1, &vlen);
    rc = interpret(p, s, nlen, v, vlen);
    if (rc == NEXT && HAS_CB(p, on_header) &&
        p->cbs_->on_header(p->user_, (const char *)s, nlen, (const char *)v, vlen)) {
        rc = EMHTTP_ERR_ABORTED;
    }
    return rc;
}

/* ---- states --------------------------------------------------------- */

/* ST_STATUS, ST_INTERIM, ST_HEADER, ST_TRAILER: the next line of a head
 * (fast builds: every complete line up to the end of the section; -Os
 * builds: one line per step(), no second loop, and not inlined into
 * emhttp_parser_feed(), which is smaller so).  The lines are scanned in
 * l[0..lim), lim fixed by the end of the bytes or of the room left under
 * max_head for the whole section. */
static EMHTTP_NOINLINE int st_head(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    const uint8_t *l = d + *pos;
    size_t avail = len - *pos, room = p->max_head_ - p->head_bytes_;
    size_t lim = avail < room ? avail : room, i, j, n = 0;
    bool more = avail < room; /* may more bytes come and still fit? */
    int rc;

    do {
        i = 0;
        if (p->state_ == ST_STATUS) {
            if (!http_prefix(l, len - *pos)) {
                return EMHTTP_ERR_PROTOCOL; /* fail early on a non-HTTP reply */
            }
            j = scan_field(l, 0, lim);
        } else {
            i = name_end(l, 0, lim);
            j = i;
            if (i != 0 && i < lim && l[i] == ':') {
                j = scan_field(l, i + 1, lim);
            }
        }
        rc = line_stop(l, j, lim, more, &n);
        if (rc != NEXT) {
            return rc;
        }
        p->head_bytes_ += (uint32_t)n;
        *pos += n;
        if (j == 0) {
            return section_end(p);
        }
        rc = p->state_ == ST_STATUS ? status_line(p, l, j) : field(p, l, i, j);
        l += n;
        lim -= n;
    } while (EMHTTP_FAST && rc == NEXT);
    return rc;
}

/* ST_BODY_LEN, ST_CHUNK_DATA, ST_BODY_CLOSE: hand body bytes over. */
static int st_body(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    size_t n = len - *pos;
    const uint8_t *s = d + *pos;

    if (n == 0) {
        return EMHTTP_PENDING;
    }
    if (p->state_ != ST_BODY_CLOSE) {
        if (p->remaining_ <= n) {
            n = (size_t)p->remaining_;
#if CONFIG_EMHTTP_CHUNKED
            p->state_ = p->state_ == ST_BODY_LEN ? ST_DONE : ST_CHUNK_CRLF;
#else
            p->state_ = ST_DONE;
#endif
        }
        p->remaining_ -= (len_t)n;
    }
    *pos += n;
    if (HAS_CB(p, on_body) && p->cbs_->on_body(p->user_, s, n)) {
        return EMHTTP_ERR_ABORTED;
    }
    return NEXT;
}

#if CONFIG_EMHTTP_CHUNKED
/* A line problem in the chunk framing: EMHTTP_ERR_BAD_CHUNK. */
static int chunk_rc(int rc)
{
    return rc == NEXT || rc == EMHTTP_PENDING ? rc : EMHTTP_ERR_BAD_CHUNK;
}

/* chunk-size [ chunk-ext ] CRLF, the line checked as a header line (no CTL
 * but HTAB, at most max_head bytes); the extension is skipped.  A size
 * that does not fit len_t is refused, never truncated. */
static int st_chunk_size(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    const uint8_t *l = d + *pos;
    size_t avail = len - *pos, lim = avail < p->max_head_ ? avail : p->max_head_, i = 0, next;
    size_t n = scan_field(l, 0, lim);
    int rc = line_stop(l, n, lim, avail < p->max_head_, &next);
    len_t x = 0;

    if (rc != NEXT) {
        return chunk_rc(rc);
    }
    *pos += next;
    for (; i < n && (HC(l[i]) & C_HEX); i++) {
        if (x >> (8 * sizeof x - 4)) {
            return EMHTTP_ERR_BAD_CHUNK; /* over 64 (32) bits */
        }
        x = x << 4 | (len_t)(l[i] <= '9' ? l[i] - '0' : (l[i] | 0x20) - 'a' + 10);
    }
    if (i == 0) {
        return EMHTTP_ERR_BAD_CHUNK;
    }
    while (i < n && IS_OWS(l[i])) {
        i++;
    }
    if (i < n && l[i] != ';') {
        return EMHTTP_ERR_BAD_CHUNK;
    }
    p->remaining_ = x;
    p->head_bytes_ = 0; /* the trailer section is counted on its own */
    p->state_ = x != 0 ? ST_CHUNK_DATA : ST_TRAILER;
    return NEXT;
}

/* The empty line after chunk data. */
static int st_chunk_crlf(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    size_t n = len - *pos, next = 0;
    int rc = line_stop(d + *pos, 0, n < 2 ? n : 2, n < 2, &next);

    if (rc == NEXT) {
        *pos += next;
        p->state_ = ST_CHUNK_SIZE;
    }
    return chunk_rc(rc);
}
#endif /* CONFIG_EMHTTP_CHUNKED */

/* One step of the state machine (never in a failed state), by ranges of
 * the state order: ST_DONE, the body states, the chunk-line states, the
 * head line states. */
static int step(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    uint8_t st = p->state_;

    if (st >= ST_DONE) {
        return EMHTTP_OK;
    }
#if CONFIG_EMHTTP_CHUNKED
    if (st >= ST_CHUNK_DATA) { /* or a body state */
        return st_body(p, d, len, pos);
    }
    if (st == ST_CHUNK_SIZE) {
        return st_chunk_size(p, d, len, pos);
    }
    if (st == ST_CHUNK_CRLF) {
        return st_chunk_crlf(p, d, len, pos);
    }
#else
    if (st >= ST_BODY_LEN) { /* or ST_BODY_CLOSE */
        return st_body(p, d, len, pos);
    }
#endif
    return st_head(p, d, len, pos);
}

/* The error a failed parser keeps (negative), 0 when it has not failed
 * (one byte load: the code is state_ - 256 for state_ >= ST_ERR). */
static int failed(const emhttp_parser *p)
{
    int rc = (int)p->state_ - 256;

    return rc >= ST_ERR - 256 ? rc : 0;
}

/* ---- public --------------------------------------------------------- */

void emhttp_parser_init(emhttp_parser *p, const emhttp_parser_cbs *cbs, void *user,
                        size_t max_head)
{
    p->cbs_ = cbs;
    p->user_ = user;
    p->max_head_ = max_head > UINT32_MAX ? UINT32_MAX : (uint32_t)max_head;
    emhttp_parser_reset(p, false);
}

void emhttp_parser_reset(emhttp_parser *p, bool head_request)
{
    p->remaining_ = 0;
    p->head_bytes_ = 0;
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    p->ka_timeout_s_ = 0;
#endif
    p->status_ = 0;
    p->state_ = ST_STATUS;
    p->flags_ = head_request ? F_HEAD : 0;
}

int emhttp_parser_feed(emhttp_parser *p, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t pos = 0;
    int rc = failed(p);

    if (rc == 0) {
        if (len == 0) { /* nothing to do: no state waits for zero bytes */
            rc = p->state_ == ST_DONE ? EMHTTP_OK : EMHTTP_PENDING;
        } else {
            p->flags_ |= F_STARTED;
            do {
                rc = step(p, data, len, &pos);
            } while (rc == NEXT);
            if (rc < 0) {
                p->state_ = (uint8_t)rc; /* sticky */
            }
        }
    }
    *consumed = pos;
    return rc;
}

int emhttp_parser_eof(emhttp_parser *p)
{
    int rc = failed(p);

    if (rc == 0) {
        if (p->state_ >= ST_BODY_CLOSE) { /* or ST_DONE */
            p->state_ = ST_DONE;
            return EMHTTP_OK;
        }
        rc = (p->flags_ & F_STARTED) ? EMHTTP_ERR_PROTOCOL : EMHTTP_ERR_CLOSED;
        p->state_ = (uint8_t)rc;
    }
    return rc;
}

bool emhttp_parser_started(const emhttp_parser *p)
{
    return (p->flags_ & F_STARTED) != 0;
}

bool emhttp_parser_headers_done(const emhttp_parser *p)
{
    return (p->flags_ & F_HDONE) != 0;
}

/* Not failed and no F_CLOSE: both bits tested at once (GCC loads state_
 * and flags_ as one halfword). */
bool emhttp_parser_keep_alive(const emhttp_parser *p)
{
    return ((p->state_ | p->flags_ << 8) & (ST_ERR | F_CLOSE << 8)) == 0;
}

uint32_t emhttp_parser_keepalive_timeout(const emhttp_parser *p)
{
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    return p->ka_timeout_s_;
#else
    (void)p;
    return 0;
#endif
}

int emhttp_parser_status(const emhttp_parser *p)
{
    return p->status_;
}
