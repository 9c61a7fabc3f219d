/*
 * http_parser.c - incremental HTTP/1.1 response parser (RFC 9112).
 *
 * Line based: the head (status line, header lines, chunk-size lines,
 * trailers) is handled one complete line at a time.  One function
 * (st_head) reads every status, header and trailer line: a status line is
 * checked for "HTTP/1." and scanned as a field value; a header line is
 * read in one pass - the name up to the colon, then the value up to the
 * first byte that is no field byte (its CR / LF ends the line) - so
 * finding the line end also validates the line (line_stop).  Chunk-size
 * lines and the CRLF after chunk data go through the same line check, but
 * must end in CR LF (RFC 9112 7.1): a bare LF ends only a start line or a
 * field line, header or trailer (RFC 9112 2.2).  A line that is not
 * complete yet is left unconsumed and scanned again from its start on the
 * next call (lines are short; the head is never rescanned as a whole).
 * Body bytes are handed to on_body straight from the input.
 *
 * Every rule is written once, whatever the build: the header names the
 * parser acts on come from the list in http_chars.h, each value is walked
 * as a comma-separated list (interpret), and each element is read by one
 * function per header (list_element).  Character classes are read through
 * HC() only; the ends of a name and of a value are found by
 * emhttp_token_end() and emhttp_field_end(), which CONFIG_EMHTTP_FAST_SCAN
 * may speed up without changing their results.
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
 * A failed parser keeps its error code (negative) in state_.
 *
 * Choices not fixed by the RFC (documented for the caller):
 *  - Content-Length above 2^63-1 (2^32-1 without LENGTH_64) is
 *    EMHTTP_ERR_BAD_LENGTH.
 *  - Content-Length together with any Transfer-Encoding is
 *    EMHTTP_ERR_BAD_LENGTH (RFC 9112 6.1 forbids sending both), also when
 *    the response has no body (HEAD, 204, 304), and also without CHUNKED
 *    (a malformed response is reported as malformed before a missing
 *    feature).  A malformed Content-Length is an error even then.
 *  - An HTTP/1.0 response is never followed by another on the connection
 *    (emhttp_parser_keep_alive() is false), whatever its headers say.  So
 *    an HTTP/1.0 response with Transfer-Encoding (RFC 9112 6.1: "treat the
 *    message as if the framing is faulty ... and close the connection
 *    after processing the message") is decoded, then its connection
 *    closed.
 *  - Without CHUNKED, a Transfer-Encoding alone on a response that has no
 *    body (HEAD, 204, 304) is accepted, as with CHUNKED: nothing needs
 *    decoding.  In an interim (1xx) response it is not interpreted.
 *  - With CHUNKED, chunked named twice in the Transfer-Encoding fields of
 *    the final response (RFC 9112 6.1: "MUST NOT apply chunked more than
 *    once") is EMHTTP_ERR_PROTOCOL at once, also when there is no body:
 *    parsers disagree on where such a body ends.
 *  - A chunk size over 64 bits (32 without LENGTH_64), or a chunk-size
 *    line longer than max_head, is EMHTTP_ERR_BAD_CHUNK; so is any
 *    malformed chunk-size line.
 *  - Interim (1xx) and trailer lines are checked for syntax but not
 *    interpreted and not reported; only a 100 status line is noted
 *    (emhttp_parser_continued(), for a client waiting to send a body).
 *  - Keep-Alive: timeout=N is clamped to 86400 s; a malformed parameter is
 *    ignored.
 */
#include "emhttp/http_parser.h"

#include "http_chars.h"

/* States (p->state_).  A failed parser holds its error code instead, a
 * negative number. */
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
    ST_DONE        /* response complete */
};

/* Flags (p->flags_, a uint8_t). */
enum {
    F_HEAD = 0x01,    /* response to HEAD: no body */
    F_STARTED = 0x02, /* feed has seen a byte of this response */
    F_CLOSE = 0x04,   /* connection not reusable */
    F_CL = 0x08,      /* Content-Length seen, value in remaining_ */
    F_TE = 0x10,      /* Transfer-Encoding seen */
    F_CHUNKED = 0x20, /* ... with chunked as the final coding */
    F_HDONE = 0x40,   /* headers of the final response complete */
    F_CONTINUE = 0x80 /* a 100 (Continue) status line came before the final one */
};

#define NEXT 2 /* internal: a step made progress, go on */
#define KA_MAX 86400u

/* Body lengths: the type of remaining_ and the largest Content-Length. */
#if CONFIG_EMHTTP_LENGTH_64
typedef uint64_t len_t;
#define LEN_MAX UINT64_C(0x7fffffffffffffff)
#else
typedef uint32_t len_t;
#define LEN_MAX UINT32_MAX
#endif

/* SP or HTAB, in a line already checked (field bytes only: no other byte
 * is at most SP). */
#define IS_OWS(c) ((c) <= ' ')

/* c is a decimal digit; d is its value. */
#define DIGIT(c) ((unsigned)(c) - '0')
#define IS_DIGIT(c) (DIGIT(c) <= 9)

/* Has p the callback f? */
#define HAS_CB(p, f) ((p)->cbs_ != NULL && (p)->cbs_->f != NULL)

/* ---- small helpers -------------------------------------------------- */

/* Case-insensitive compare of s[0..n) with the lower-case literal lit. */
static bool eq_ci(const uint8_t *s, const char *lit, size_t n)
{
    return emhttp_lower_eq((const char *)s, lit, n);
}

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

/* ---- header values the parser acts on -------------------------------- */

/* emhttp_lower_eq() and emhttp_header_id() (http_chars.h) are here, next
 * to their hot caller (interpret, once per header line): the compiler may
 * inline them there, each compare with its constant name.  The writer,
 * the client and the JSON response call them too. */

/* Equal bytes, but a capital in s matches a small letter in lower: OR-ing
 * 0x20 into the bytes of s where lower has a letter folds a capital and
 * changes nothing else. */
static bool lower_match(size_t s, size_t lower)
{
    return (s | emhttp_letter_bytes(lower) >> 2) == lower;
}

#if CONFIG_EMHTTP_FAST_SCAN
/* s[i..) against lower[i..), a machine word of each (any alignment). */
static bool lower_word_at(const char *s, const char *lower, size_t i)
{
    size_t a, b;

    memcpy(&a, s + i, sizeof a);
    memcpy(&b, lower + i, sizeof b);
    return lower_match(a, b);
}
#endif

/* With CONFIG_EMHTTP_FAST_SCAN a word at a time, the last word ending at n
 * (it may overlap the one before); otherwise (and for a string shorter
 * than a word) byte by byte, with the same test: no unaligned loads, no
 * memcpy() on cores without them. */
bool emhttp_lower_eq(const char *s, const char *lower, size_t n)
{
#if CONFIG_EMHTTP_FAST_SCAN
    const size_t w = sizeof(size_t);
    if (n >= w) {
        for (size_t i = 0; i < n - w; i += w) {
            if (!lower_word_at(s, lower, i)) {
                return false;
            }
        }
        return lower_word_at(s, lower, n - w);
    }
#endif
    for (size_t i = 0; i < n; i++) {
        if (!lower_match((uint8_t)s[i], (uint8_t)lower[i])) {
            return false;
        }
    }
    return true;
}

/* By the length first, then one compare: each name of the list in
 * http_chars.h in turn.  Inline into interpret(), where each compare
 * becomes a few word compares with its constant name. */
static inline unsigned header_id(const char *s, size_t n)
{
#define HN_TEST(id, name)                                        \
    if (n == sizeof(name) - 1 && emhttp_lower_eq(s, name, n)) { \
        return EMHTTP_HN_##id;                                   \
    }
    EMHTTP_HEADER_NAMES(HN_TEST)
#undef HN_TEST
    return EMHTTP_HN_OTHER;
}

unsigned emhttp_header_id(const char *s, size_t n)
{
    return header_id(s, n);
}

/* Content-Length, one element of the list ("5, 5"): every element must be
 * the same number, at most LEN_MAX. */
static int length_element(emhttp_parser *p, const uint8_t *e, size_t n)
{
    len_t x = 0;

    if (n == 0) {
        return EMHTTP_ERR_BAD_LENGTH;
    }
    for (size_t k = 0; k < n; k++) {
        unsigned d = DIGIT(e[k]);
        if (d > 9 || x > LEN_MAX / 10 || x * 10 > LEN_MAX - d) { /* (no 64-bit division) */
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

#if CONFIG_EMHTTP_KEEPALIVE_HINT
/* Keep-Alive, one element: "timeout=N" sets the timeout. */
static void keep_alive_element(emhttp_parser *p, const uint8_t *e, size_t n)
{
    uint32_t x = 0;
    size_t k;

    if (n <= 8 || !eq_ci(e, "timeout=", 8)) {
        return;
    }
    for (k = 8; k < n && IS_DIGIT(e[k]); k++) {
        x = x * 10 + DIGIT(e[k]);
        x = x > KA_MAX ? KA_MAX : x;
    }
    if (k == n) {
        p->ka_timeout_s_ = x;
    }
}
#endif

/* One element e[0..n) (trimmed, maybe empty) of the comma-separated value
 * of the header EMHTTP_HN_<id>. */
static int list_element(emhttp_parser *p, unsigned id, const uint8_t *e, size_t n)
{
    switch (id) {
    case EMHTTP_HN_CONTENT_LENGTH:
        return length_element(p, e, n);
    case EMHTTP_HN_CONNECTION:
        if (n == 5 && eq_ci(e, "close", 5)) {
            p->flags_ |= F_CLOSE;
        }
        break;
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    case EMHTTP_HN_KEEP_ALIVE:
        keep_alive_element(p, e, n);
        break;
#endif
#if CONFIG_EMHTTP_CHUNKED
    case EMHTTP_HN_TRANSFER_ENCODING: /* is chunked the final coding? */
        if (n == 7 && eq_ci(e, "chunked", 7)) {
            /* at most once: until a Content-Length comes (refused with any
             * Transfer-Encoding in headers_end()), remaining_ counts it */
            if (!(p->flags_ & F_CL) && p->remaining_++ != 0) {
                return EMHTTP_ERR_PROTOCOL;
            }
            p->flags_ |= F_CHUNKED;
        } else if (n != 0) {
            p->flags_ &= (uint8_t)~F_CHUNKED;
        }
        break;
#endif
    default:
        break;
    }
    return NEXT;
}

/* Act on a header of the final response: each element of its value. */
static int interpret(emhttp_parser *p, const uint8_t *name, size_t nlen,
                     const uint8_t *v, size_t vlen)
{
    unsigned id = header_id((const char *)name, nlen);
    int rc = NEXT;

    if (id == EMHTTP_HN_TRANSFER_ENCODING) {
        p->flags_ |= F_TE;
        if (!CONFIG_EMHTTP_CHUNKED) {
            return NEXT; /* refused in headers_end() if there is a body */
        }
    }
    if (id == EMHTTP_HN_OTHER || id == EMHTTP_HN_HOST) {
        return NEXT;
    }
    for (size_t i = 0; rc == NEXT && i <= vlen;) {
        size_t e = i, n;
        const uint8_t *s;
        while (e < vlen && v[e] != ',') {
            e++;
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
    if (j < lim && d[j] == '\r') {
        j++; /* the CR of CR LF */
    }
    if (j == lim) {
        return more ? EMHTTP_PENDING : EMHTTP_ERR_HEADER_TOO_LARGE;
    }
    *next = j + 1;
    return d[j] == '\n' ? NEXT : EMHTTP_ERR_PROTOCOL;
}

/* True when s[0..n) starts like "HTTP/1." (all of it when n >= 7). */
static bool http_prefix(const uint8_t *s, size_t n)
{
    static const char version[] = "HTTP/1.";

    for (size_t j = 0; j < n && j < sizeof version - 1; j++) {
        if (s[j] != (uint8_t)version[j]) {
            return false;
        }
    }
    return true;
}

/* The status line l[0..n): "HTTP/1.x SSS" and, when the line goes on, a
 * SP and the reason phrase (no CTL in it, and "HTTP/1." checked by
 * st_head()). */
static int status_line(emhttp_parser *p, const uint8_t *l, size_t n)
{
    size_t k;
    unsigned st = 0;

    if (n < 12 || !IS_DIGIT(l[7]) || l[8] != ' ' || (n > 12 && l[12] != ' ')) {
        return EMHTTP_ERR_PROTOCOL;
    }
    for (k = 9; k < 12; k++) { /* the three digits of the status code */
        if (!IS_DIGIT(l[k])) {
            return EMHTTP_ERR_PROTOCOL;
        }
        st = st * 10 + DIGIT(l[k]);
    }
    k += n > 12; /* the reason phrase, after its SP */
    if (st < 200) {
        p->state_ = ST_INTERIM; /* 1xx: skipped; 101: the client never upgrades */
#if CONFIG_EMHTTP_EXPECT
        p->flags_ |= st == 100 ? F_CONTINUE : 0;
#endif
        return st < 100 || st == 101 ? EMHTTP_ERR_PROTOCOL : NEXT;
    }
    p->status_ = (uint16_t)st;
    p->state_ = ST_HEADER;
    if (l[7] == '0') {
        p->flags_ |= F_CLOSE; /* HTTP/1.0: no persistent connection */
    }
    if (HAS_CB(p, on_status) &&
        p->cbs_->on_status(p->user_, (int)st, (const char *)l + k, n - k)) {
        return EMHTTP_ERR_ABORTED;
    }
    return NEXT;
}

/* The empty line ending the final header section: choose the framing. */
static int headers_end(emhttp_parser *p)
{
    uint8_t f = p->flags_;
    int st;

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
    } else { /* no length, or a final coding other than chunked */
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

/* ST_STATUS, ST_INTERIM, ST_HEADER, ST_TRAILER: the complete lines of a
 * head, up to the end of its section.  The lines are scanned in
 * l[0..lim), lim fixed by the end of the bytes or of the room left under
 * max_head for the whole section; each line moves both on. */
static int st_head(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    const uint8_t *l = d + *pos;
    size_t avail = len - *pos, room = p->max_head_ - p->head_bytes_;
    size_t lim = avail < room ? avail : room;
    int rc;

    do {
        size_t i = 0, from = 0, to = lim, j, n = 0; /* field bytes: from l[from], before l[to] */

        if (p->state_ == ST_STATUS) { /* (the first line of this call) */
            if (!http_prefix(l, lim)) { /* (bytes past max_head are not judged) */
                return EMHTTP_ERR_PROTOCOL; /* fail early on a non-HTTP reply */
            }
        } else {
            i = emhttp_token_end(l, 0, lim);
            from = i + 1; /* the value, after the colon */
            if (i == 0 || i == lim || l[i] != ':') {
                from = to = i; /* none: the scan stops at l[i] */
            }
        }
        j = emhttp_field_end(l, from, to);
        /* more bytes may come and still fit while lim is short of the room
         * left (lim being then the end of the bytes) */
        rc = line_stop(l, j, lim, lim < p->max_head_ - p->head_bytes_, &n);
        if (rc != NEXT) {
            return rc;
        }
        p->head_bytes_ += (uint32_t)n; /* n <= room: fits in uint32_t */
        *pos += n;
        if (j == 0) {
            return section_end(p);
        }
        rc = p->state_ == ST_STATUS ? status_line(p, l, j) : field(p, l, i, j);
        l += n;
        lim -= n;
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

/* The value of the hex digit c. */
static unsigned hex_value(uint8_t c)
{
    return c <= '9' ? DIGIT(c) : (unsigned)(c | 0x20) - 'a' + 10;
}

/* chunk-size [ chunk-ext ] CRLF, the line checked as a header line (no CTL
 * but HTAB, at most max_head bytes) and ended by CR LF; the extension is
 * skipped.  A size that does not fit len_t is refused, never truncated. */
static int st_chunk_size(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    const uint8_t *l = d + *pos;
    size_t avail = len - *pos, lim = avail < p->max_head_ ? avail : p->max_head_, i = 0, next;
    size_t n = emhttp_field_end(l, 0, lim);
    int rc = line_stop(l, n, lim, avail < p->max_head_, &next);
    len_t x = 0;

    if (rc != NEXT) {
        return chunk_rc(rc);
    }
    if (next != n + 2) {
        return EMHTTP_ERR_BAD_CHUNK; /* a bare LF */
    }
    *pos += next;
    for (; i < n && (HC(l[i]) & HC_HEX); i++) {
        if (x >> (8 * sizeof x - 4)) {
            return EMHTTP_ERR_BAD_CHUNK; /* over 64 (32) bits */
        }
        x = x << 4 | hex_value(l[i]);
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

/* The CR LF after chunk data. */
static int st_chunk_crlf(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    size_t n = len - *pos, next = 0;
    int rc = line_stop(d + *pos, 0, n < 2 ? n : 2, n < 2, &next);

    if (rc == NEXT && next != 2) {
        rc = EMHTTP_ERR_BAD_CHUNK; /* a bare LF */
    }
    if (rc == NEXT) {
        *pos += next;
        p->state_ = ST_CHUNK_SIZE;
    }
    return chunk_rc(rc);
}
#endif /* CONFIG_EMHTTP_CHUNKED */

/* One step of the state machine (never in a failed state). */
static int step(emhttp_parser *p, const uint8_t *d, size_t len, size_t *pos)
{
    switch (p->state_) {
    case ST_DONE:
        return EMHTTP_OK;
    case ST_BODY_LEN:
    case ST_BODY_CLOSE:
#if CONFIG_EMHTTP_CHUNKED
    case ST_CHUNK_DATA:
#endif
        return st_body(p, d, len, pos);
#if CONFIG_EMHTTP_CHUNKED
    case ST_CHUNK_SIZE:
        return st_chunk_size(p, d, len, pos);
    case ST_CHUNK_CRLF:
        return st_chunk_crlf(p, d, len, pos);
#endif
    default: /* ST_STATUS, ST_INTERIM, ST_HEADER, ST_TRAILER */
        return st_head(p, d, len, pos);
    }
}

/* Make p fail with the error rc, for good (until emhttp_parser_reset()). */
static int fail(emhttp_parser *p, int rc)
{
    p->state_ = rc;
    return rc;
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
    int rc = p->state_;

    if (rc >= 0) { /* not failed */
        if (len == 0) { /* nothing to do: no state waits for zero bytes */
            rc = p->state_ == ST_DONE ? EMHTTP_OK : EMHTTP_PENDING;
        } else {
            p->flags_ |= F_STARTED;
            do {
                rc = step(p, data, len, &pos);
            } while (rc == NEXT);
            if (rc < 0) {
                fail(p, rc);
            }
        }
    }
    *consumed = pos;
    return rc;
}

int emhttp_parser_eof(emhttp_parser *p)
{
    if (p->state_ < 0) {
        return p->state_; /* failed before */
    }
    if (p->state_ == ST_BODY_CLOSE || p->state_ == ST_DONE) {
        p->state_ = ST_DONE;
        return EMHTTP_OK;
    }
    return fail(p, (p->flags_ & F_STARTED) ? EMHTTP_ERR_PROTOCOL : EMHTTP_ERR_CLOSED);
}

bool emhttp_parser_started(const emhttp_parser *p)
{
    return (p->flags_ & F_STARTED) != 0;
}

#if CONFIG_EMHTTP_EXPECT
bool emhttp_parser_continued(const emhttp_parser *p)
{
    return (p->flags_ & F_CONTINUE) != 0;
}
#endif

bool emhttp_parser_headers_done(const emhttp_parser *p)
{
    return (p->flags_ & F_HDONE) != 0;
}

bool emhttp_parser_keep_alive(const emhttp_parser *p)
{
    return p->state_ >= 0 && !(p->flags_ & F_CLOSE);
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
