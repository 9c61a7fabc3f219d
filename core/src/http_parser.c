/*
 * http_parser.c - incremental HTTP/1.1 response parser (RFC 9112).
 *
 * Line based: the head (status line, header lines, chunk-size lines,
 * trailers) is handled one complete line at a time.  A header line is read
 * in one pass: the name through a 256-byte class table up to the colon,
 * the value a machine word at a time (looking for a CTL: its CR / LF ends
 * the line), so finding the line end also validates it.  Chunk-size lines
 * and the CRLF after chunk data go through the same line check.  (The
 * word-at-a-time scans are left out of -Os builds: EMHTTP_FAST, see
 * http_chars.h.)  A line that is not complete yet is left unconsumed and
 * scanned again from its start on the next call (lines are short; the
 * head is never rescanned as a whole).  Body bytes are handed to on_body
 * straight from the input.
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
 *
 * Choices not fixed by the RFC (documented for the caller):
 *  - Content-Length above 2^63-1 is EMHTTP_ERR_BAD_LENGTH.
 *  - Content-Length together with any Transfer-Encoding is
 *    EMHTTP_ERR_BAD_LENGTH (RFC 9112 6.1 forbids sending both), also when
 *    the response has no body (HEAD, 204, 304).  A malformed Content-Length
 *    is an error even then.
 *  - A chunk size over 64 bits, or a chunk-size line longer than max_head,
 *    is EMHTTP_ERR_BAD_CHUNK; so is any malformed chunk-size line.
 *  - Interim (1xx) and trailer lines are checked for syntax but not
 *    interpreted and not reported.
 *  - Keep-Alive: timeout=N is clamped to 86400 s; a malformed parameter is
 *    ignored.
 */
#include "emhttp/http_parser.h"

#include <string.h>

#include "http_chars.h"

/* States (p->state_).  An error is stored as ST_ERR | -code. */
enum {
    ST_STATUS,      /* expecting a status line */
    ST_INTERIM,     /* header lines of a 1xx response (skipped) */
    ST_HEADER,      /* header lines of the final response */
    ST_BODY_LEN,    /* Content-Length body, remaining_ bytes left */
    ST_BODY_CLOSE,  /* body delimited by the connection close */
    ST_CHUNK_SIZE,  /* expecting a chunk-size line */
    ST_CHUNK_DATA,  /* chunk data, remaining_ bytes left */
    ST_CHUNK_CRLF,  /* expecting the CRLF after chunk data */
    ST_TRAILER,     /* trailer lines (skipped) */
    ST_DONE,        /* response complete */
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
#define CL_MAX UINT64_C(0x7fffffffffffffff)
#define KA_MAX 86400u

/* Character classes (http_chars.h): tchar, field-value byte, hex digit. */
#define C_TCHAR HC_TCHAR
#define C_FIELD HC_FIELD
#define C_HEX HC_HEX

#define IS_OWS(c) ((c) == ' ' || (c) == '\t')

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
#endif /* EMHTTP_FAST */

/* Index of the first byte of s[i..lim) that is no field byte (a CTL other
 * than HTAB, or DEL), lim if none.  A word at a time while it can. */
static inline size_t scan_field(const uint8_t *s, size_t i, size_t lim)
{
#if EMHTTP_FAST
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
#endif
    while (i < lim && (HC(s[i]) & C_FIELD)) {
        i++;
    }
    return i;
}

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

/* Next element of a comma-separated list v[*i..n), without surrounding
 * OWS: start in *start, length returned.  Loop while *i <= n. */
static size_t list_next(const uint8_t *v, size_t n, size_t *i, size_t *start)
{
    size_t b = *i, e;

    while (b < n && IS_OWS(v[b])) {
        b++;
    }
    for (e = b; e < n && v[e] != ','; e++) {
    }
    *i = e + 1;
    *start = b;
    while (e > b && IS_OWS(v[e - 1])) {
        e--;
    }
    return e - b;
}

/* ---- header values the parser cares about --------------------------- */

/* The headers the parser acts on. */
enum { H_OTHER, H_CONNECTION, H_KEEP_ALIVE, H_CONTENT_LENGTH, H_TRANSFER_ENCODING };

/* Classify a header name, by its length first. */
static unsigned header_id(const uint8_t *name, size_t nlen)
{
    switch (nlen) {
    case 10:
        if (eq_ci(name, "connection", 10)) {
            return H_CONNECTION;
        }
        return eq_ci(name, "keep-alive", 10) ? H_KEEP_ALIVE : H_OTHER;
    case 14: return eq_ci(name, "content-length", 14) ? H_CONTENT_LENGTH : H_OTHER;
    case 17: return eq_ci(name, "transfer-encoding", 17) ? H_TRANSFER_ENCODING : H_OTHER;
    default: return H_OTHER;
    }
}

/* Content-Length, one element of the list ("5, 5"): every element must be
 * the same number. */
static int length_element(emhttp_parser *p, const uint8_t *e, size_t n)
{
    uint64_t x = 0;
    size_t k;

    if (n == 0) {
        return EMHTTP_ERR_BAD_LENGTH;
    }
    for (k = 0; k < n; k++) {
        unsigned d = (unsigned)e[k] - '0';
        if (d > 9 || x > CL_MAX / 10 || (x == CL_MAX / 10 && d > CL_MAX % 10)) {
            return EMHTTP_ERR_BAD_LENGTH;
        }
        x = x * 10 + d;
    }
    if ((p->flags_ & F_CL) && x != p->remaining_) {
        return EMHTTP_ERR_BAD_LENGTH;
    }
    p->remaining_ = x;
    p->flags_ |= F_CL;
    return NEXT;
}

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

/* One element e[0..n) of the comma-separated value of header id. */
static int list_element(emhttp_parser *p, unsigned id, const uint8_t *e, size_t n)
{
    switch (id) {
    case H_CONNECTION:
        if (n == 5 && eq_ci(e, "close", 5)) {
            p->flags_ |= F_CLOSE;
        }
        return NEXT;
    case H_KEEP_ALIVE:
        keep_alive_element(p, e, n);
        return NEXT;
    case H_CONTENT_LENGTH:
        return length_element(p, e, n);
    default: /* H_TRANSFER_ENCODING: is chunked the final coding? */
        if (n == 7 && eq_ci(e, "chunked", 7)) {
            p->flags_ |= F_CHUNKED;
        } else if (n != 0) {
            p->flags_ &= (uint8_t)~F_CHUNKED;
        }
        return NEXT;
    }
}

#if EMHTTP_FAST
/* The usual values, quickly: a Content-Length of up to 18 digits (cannot
 * overflow) that does not contradict an earlier one, "keep-alive" or
 * something shorter than "close" in Connection.  True when handled. */
static bool interpret_fast(emhttp_parser *p, unsigned id, const uint8_t *v, size_t n)
{
    uint64_t x = 0;
    size_t k;

    if (id == H_CONNECTION) {
        return n < 5 || (n == 10 && eq_ci(v, "keep-alive", 10));
    }
    if (id != H_CONTENT_LENGTH) {
        return false;
    }
    for (k = 0; k < n && k < 18 && (unsigned)v[k] - '0' <= 9; k++) {
        x = x * 10 + (v[k] - '0');
    }
    if (k != n || n == 0 || ((p->flags_ & F_CL) && x != p->remaining_)) {
        return false; /* the rare cases, and errors */
    }
    p->remaining_ = x;
    p->flags_ |= F_CL;
    return true;
}
#else
#define interpret_fast(p, id, v, n) ((void)(p), (void)(v), (id) == H_CONNECTION && (n) < 5)
#endif

/* Act on a header of the final response: each element of its value. */
static int interpret(emhttp_parser *p, const uint8_t *name, size_t nlen,
                     const uint8_t *v, size_t vlen)
{
    unsigned id = header_id(name, nlen);
    size_t i = 0, s, len;
    int rc = NEXT;

    if (id == H_OTHER || interpret_fast(p, id, v, vlen)) {
        return NEXT;
    }
    if (id == H_TRANSFER_ENCODING) {
        p->flags_ |= F_TE;
    }
    while (rc == NEXT && i <= vlen) {
        len = list_next(v, vlen, &i, &s);
        rc = list_element(p, id, v + s, len);
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
static inline int line_stop(const uint8_t *d, size_t j, size_t lim, bool more, size_t *next)
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

#define IS_T(c) (HC(c) & C_TCHAR)

/* Index of the first byte of d[i..lim) that is no tchar, lim if none. */
static inline size_t name_end(const uint8_t *d, size_t i, size_t lim)
{
#if EMHTTP_FAST
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
#endif
    while (i < lim && IS_T(d[i])) {
        i++;
    }
    return i;
}

/* ---- states --------------------------------------------------------- */

/* Status code of the status line l[0..n) ("HTTP/1.x SSS[ reason]", no CTL
 * in it, starting with "HTTP/1." when n >= 7: st_status() checked), or 0
 * when it is malformed. */
static unsigned status_code(const uint8_t *l, size_t n)
{
    if (n < 12 || (unsigned)l[7] - '0' > 9 || l[8] != ' ' || (unsigned)l[9] - '1' > 8 ||
        (unsigned)l[10] - '0' > 9 || (unsigned)l[11] - '0' > 9 || (n > 12 && l[12] != ' ')) {
        return 0;
    }
    return (l[9] - '0') * 100u + (l[10] - '0') * 10u + (l[11] - '0');
}

static int st_status(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    const uint8_t *s = d + *pos;
    size_t avail = len - *pos, room = p->max_head_ - p->head_bytes_;
    size_t lim = avail < room ? avail : room, j, n = 0;
    unsigned st;
    int rc;

#if EMHTTP_FAST
    if (memcmp(s, "HTTP/1.", avail < 7 ? avail : 7) != 0) {
        return EMHTTP_ERR_PROTOCOL; /* fail early on a non-HTTP reply */
    }
#else
    for (j = 0; j < avail && j < 7; j++) { /* no memcmp() to link */
        if (s[j] != "HTTP/1."[j]) {
            return EMHTTP_ERR_PROTOCOL;
        }
    }
#endif
    j = scan_field(s, 0, lim);
    rc = line_stop(s, j, lim, avail < room, &n); /* n: line length */
    if (rc != NEXT) {
        return rc;
    }
    *pos += n;
    p->head_bytes_ += (uint32_t)n;
    st = status_code(s, j);
    if (st < 200) {
        p->state_ = ST_INTERIM; /* 1xx: skipped; 101: the client never upgrades */
        return st < 100 || st == 101 ? EMHTTP_ERR_PROTOCOL : NEXT;
    }
    p->status_ = (uint16_t)st;
    p->state_ = ST_HEADER;
    if (s[7] == '0') {
        p->flags_ |= F_CLOSE; /* HTTP/1.0 */
    }
    if (p->cbs_ && p->cbs_->on_status &&
        p->cbs_->on_status(p->user_, (int)st, (const char *)s + 12 + (j > 12), j - 12 - (j > 12))) {
        return EMHTTP_ERR_ABORTED;
    }
    return NEXT;
}

/* The empty line ending the final header section: choose the framing. */
static int headers_end(emhttp_parser *p)
{
    uint8_t f = p->flags_;

    if ((f & F_CL) && (f & F_TE)) {
        return EMHTTP_ERR_BAD_LENGTH;
    }
    if ((f & F_HEAD) || p->status_ == 204 || p->status_ == 304) {
        p->state_ = ST_DONE;
    } else if (f & F_CHUNKED) {
        p->state_ = ST_CHUNK_SIZE;
    } else if (f & F_CL) {
        p->state_ = p->remaining_ != 0 ? ST_BODY_LEN : ST_DONE;
    } else {
        p->state_ = ST_BODY_CLOSE;
        f |= F_CLOSE;
    }
    p->flags_ = f | F_HDONE;
    if (p->cbs_ && p->cbs_->on_headers_done && p->cbs_->on_headers_done(p->user_)) {
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
    if (p->state_ == ST_TRAILER) {
        p->state_ = ST_DONE;
        return EMHTTP_OK;
    }
    p->head_bytes_ = 0; /* end of an interim response */
    p->state_ = ST_STATUS;
    return NEXT;
}

/* A complete header line: name s[0..nlen), nlen > 0, and s[nlen] is the
 * colon when end > nlen; the value (not trimmed yet) ends at s[end]. */
static int field(emhttp_parser *p, const uint8_t *s, size_t nlen, size_t end)
{
    const uint8_t *v = s + nlen + 1;
    size_t vlen;
    int rc;

    if (end == nlen) {
        return EMHTTP_ERR_PROTOCOL; /* no colon */
    }
    vlen = end - nlen - 1;
    while (vlen != 0 && IS_OWS(*v)) {
        v++;
        vlen--;
    }
    while (vlen != 0 && IS_OWS(v[vlen - 1])) {
        vlen--;
    }
    if (p->state_ != ST_HEADER) {
        return NEXT; /* interim or trailer: checked, not reported */
    }
    rc = interpret(p, s, nlen, v, vlen);
    if (rc == NEXT && p->cbs_ && p->cbs_->on_header &&
        p->cbs_->on_header(p->user_, (const char *)s, nlen, (const char *)v, vlen)) {
        rc = EMHTTP_ERR_ABORTED;
    }
    return rc;
}

/* ST_INTERIM, ST_HEADER, ST_TRAILER: header lines up to the empty line.
 * Indices are into d; head_bytes_ grows by what is consumed, so the limit
 * of the section is a fixed index for the whole call. */
static int st_field(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    size_t at = *pos, room = p->max_head_ - p->head_bytes_, lim = len, i, j, next = at;
    bool more = true; /* may more bytes come and still fit? */
    int rc;

    if (room <= len - at) {
        lim = at + room;
        more = false;
    }

    do {
        i = name_end(d, at, lim);
        j = i;
        if (i != at && i < lim && d[i] == ':') {
            j = scan_field(d, i + 1, lim);
        }
        rc = line_stop(d, j, lim, more, &next);
        if (rc != NEXT) {
            break;
        }
        p->head_bytes_ += (uint32_t)(next - at);
        *pos = next;
        if (j == at) {
            return section_end(p);
        }
        rc = field(p, d + at, i - at, j - at);
        at = next;
    } while (rc == NEXT);
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
            p->state_ = p->state_ == ST_BODY_LEN ? ST_DONE : ST_CHUNK_CRLF;
        }
        p->remaining_ -= n;
    }
    *pos += n;
    if (p->cbs_ && p->cbs_->on_body && p->cbs_->on_body(p->user_, s, n)) {
        return EMHTTP_ERR_ABORTED;
    }
    return NEXT;
}

/* A line problem in the chunk framing: EMHTTP_ERR_BAD_CHUNK. */
static int chunk_rc(int rc)
{
    return rc == NEXT || rc == EMHTTP_PENDING ? rc : EMHTTP_ERR_BAD_CHUNK;
}

/* chunk-size [ chunk-ext ] CRLF, the line checked as a header line (no CTL
 * but HTAB, at most max_head bytes); the extension is skipped. */
static int st_chunk_size(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    const uint8_t *l = d + *pos;
    size_t avail = len - *pos, lim = avail < p->max_head_ ? avail : p->max_head_, i = 0, next;
    size_t n = scan_field(l, 0, lim);
    int rc = line_stop(l, n, lim, avail < p->max_head_, &next);
    uint64_t x = 0;

    if (rc != NEXT) {
        return chunk_rc(rc);
    }
    *pos += next;
    for (; i < n && (HC(l[i]) & C_HEX); i++) {
        if (x >> 60) {
            return EMHTTP_ERR_BAD_CHUNK; /* over 64 bits */
        }
        x = x << 4 | (uint64_t)(l[i] <= '9' ? l[i] - '0' : (l[i] | 0x20) - 'a' + 10);
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

/* One step of the state machine. */
static int step(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    switch (p->state_) {
    case ST_STATUS:
        return st_status(p, d, len, pos);
    case ST_INTERIM:
    case ST_HEADER:
    case ST_TRAILER:
        return st_field(p, d, len, pos);
    case ST_BODY_LEN:
    case ST_BODY_CLOSE:
    case ST_CHUNK_DATA:
        return st_body(p, d, len, pos);
    case ST_CHUNK_SIZE:
        return st_chunk_size(p, d, len, pos);
    case ST_CHUNK_CRLF:
        return st_chunk_crlf(p, d, len, pos);
    default:
        return EMHTTP_OK;
    }
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
    p->ka_timeout_s_ = 0;
    p->status_ = 0;
    p->state_ = ST_STATUS;
    p->flags_ = head_request ? F_HEAD : 0;
}

int emhttp_parser_feed(emhttp_parser *p, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t pos = 0;
    int rc;

    if (p->state_ & ST_ERR) {
        *consumed = 0;
        return -(int)(p->state_ & ~ST_ERR);
    }
    if (len == 0) { /* nothing to do: no state waits for zero bytes */
        *consumed = 0;
        return p->state_ == ST_DONE ? EMHTTP_OK : EMHTTP_PENDING;
    }
    p->flags_ |= F_STARTED;
    do {
        rc = step(p, data, len, &pos);
    } while (rc == NEXT);
    *consumed = pos;
    if (rc < 0) {
        p->state_ = (uint8_t)(ST_ERR | -rc);
    }
    return rc;
}

int emhttp_parser_eof(emhttp_parser *p)
{
    int rc;

    if (p->state_ & ST_ERR) {
        return -(int)(p->state_ & ~ST_ERR);
    }
    if (p->state_ == ST_DONE || p->state_ == ST_BODY_CLOSE) {
        p->state_ = ST_DONE;
        return EMHTTP_OK;
    }
    rc = (p->flags_ & F_STARTED) ? EMHTTP_ERR_PROTOCOL : EMHTTP_ERR_CLOSED;
    p->state_ = (uint8_t)(ST_ERR | -rc);
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

bool emhttp_parser_keep_alive(const emhttp_parser *p)
{
    return !(p->state_ & ST_ERR) && !(p->flags_ & F_CLOSE);
}

uint32_t emhttp_parser_keepalive_timeout(const emhttp_parser *p)
{
    return p->ka_timeout_s_;
}

int emhttp_parser_status(const emhttp_parser *p)
{
    return p->status_;
}
