/*
 * fuzz_parser_diff.c - libFuzzer: emhttp's response parser against Node's
 * http_parser 2.9 (libhttp-parser-dev) on the same bytes, split the same
 * way.  Any difference outside the classes of docs/parser-differences.md
 * ("Fuzzing" there) traps; tests/unit/test_parser_diff.py pins each class
 * to its cases, with h11 as the third parser.
 *
 * Input: two control bytes, then the response bytes.
 *   data[0]  piece size: 0 = one piece, else pieces of data[0] bytes
 *            (at most 64 cuts; the rest in one piece)
 *   data[1]  bit 0: the request was HEAD
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "parser_diff.h"

static pd_outcome oe, on;

/* A case-insensitive search for @p s in the input. */
static const uint8_t *find(const uint8_t *in, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && tolower(in[i + k]) == s[k]) {
            k++;
        }
        if (k == n) {
            return in + i;
        }
    }
    return NULL;
}

/* Where the header section starting at @p from ends (just after its empty
 * line, CRLF or bare LF), or @p len. */
static size_t head_end(const uint8_t *in, size_t len, size_t from)
{
    for (size_t i = from; i + 1 < len; i++) {
        if (in[i] == '\n' && in[i + 1] == '\n') {
            return i + 2;
        }
        if (in[i] == '\n' && in[i + 1] == '\r' && i + 2 < len && in[i + 2] == '\n') {
            return i + 3;
        }
    }
    return len;
}

/* The start of the final response's body: past every 1xx header section. */
static size_t body_start(const uint8_t *in, size_t len)
{
    size_t pos = 0;
    for (;;) {
        size_t end = head_end(in, len, pos);
        if (end >= len || pos + 9 >= len || in[pos + 9] != '1') {
            return end;
        }
        pos = end;
    }
}

/* D2: a 1xx, 204 or 304 response that carries framing headers. */
static bool d2(const uint8_t *in, size_t len)
{
    bool framed = find(in, len, "content-length") || find(in, len, "transfer-encoding");
    bool interim = false; /* a status line "HTTP/x.y 1.." */
    for (const uint8_t *p = in; (p = find(p, len - (size_t)(p - in), "http/")) != NULL; p++) {
        interim |= p + 9 < in + len && p[8] == ' ' && p[9] == '1';
    }
    return framed && (oe.status == 204 || oe.status == 304 || on.status == 204 ||
                      on.status == 304 || interim);
}

/* ---- framing: emhttp's rule, and a model of http_parser 2.9's ---------- */

static bool name_eq(const pd_outcome *o, int i, const char *name, bool prefix)
{
    size_t n = strlen(name);
    return (prefix ? o->name_len[i] >= n : o->name_len[i] == n) &&
           memcmp(o->hbuf + o->name_off[i], name, n) == 0; /* (names are lower-cased) */
}

/* emhttp (RFC 9112 6.3, rule 4): chunked is the final coding, the last
 * non-empty element of the fields named Transfer-Encoding. */
static bool emhttp_chunked(void)
{
    bool chunked = false;
    for (int i = 0; i < oe.nhdr; i++) {
        const char *v = oe.hbuf + oe.val_off[i], *end = v + oe.val_len[i];
        while (name_eq(&oe, i, "transfer-encoding", false) && v <= end) {
            const char *e = v, *c = memchr(v, ',', (size_t)(end - v));
            c = c ? c : end;
            while (e < c && (*e == ' ' || *e == '\t')) {
                e++;
            }
            size_t n = (size_t)(c - e);
            while (n > 0 && (e[n - 1] == ' ' || e[n - 1] == '\t')) {
                n--;
            }
            if (n > 0) {
                chunked = n == 7 && strncasecmp(e, "chunked", 7) == 0;
            }
            v = c + 1;
        }
    }
    return chunked;
}

/* A token character (RFC 9110 5.6.2), as http_parser's table has them. */
static bool tchar(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", (int)c) != NULL);
}

/* http_parser 2.9's Transfer-Encoding value scanner (docs, D15), on the
 * value as it reported it (from the first byte after the leading SP and
 * HTAB to the line end): does the value leave it on "chunked"? */
static bool node_te_value(const uint8_t *v, size_t n)
{
    enum { START, MATCH, TOKEN, CHUNKED, GENERAL } st;
    size_t idx = 0;
    if (n == 0) {
        return false;
    }
    st = (v[0] | 0x20) == 'c' ? MATCH : TOKEN; /* the first byte: not checked */
    for (size_t i = 1; i < n; i++) {
        unsigned ch = v[i], c = ch | 0x20; /* its LOWER(): also on non-letters */
        switch (st) {
        case START: /* after a comma */
            if (c == 'c') {
                st = MATCH;
                idx = 0;
            } else if (c != ' ') {
                st = tchar(c) ? TOKEN : GENERAL; /* GENERAL: the rest is ignored */
            }
            break;
        case MATCH:
            idx++;
            st = c != (unsigned)"chunked"[idx] ? TOKEN : idx == 6 ? CHUNKED : MATCH;
            break;
        case TOKEN:
            st = ch == ',' ? START : TOKEN;
            break;
        case CHUNKED:
            st = ch == ' ' ? CHUNKED : TOKEN;
            break;
        case GENERAL:
            break;
        }
    }
    return st == CHUNKED;
}

/* http_parser's framing flags at the end of the header section: each field
 * whose name starts with "transfer-encoding" sets uses_transfer_encoding
 * and clears F_CHUNKED (D18), and one named exactly that sets F_CHUNKED
 * when its value leaves the scanner on "chunked". */
static void node_model(bool *chunked, bool *uses_te)
{
    *chunked = *uses_te = false;
    for (int i = 0; i < on.nhdr; i++) {
        if (name_eq(&on, i, "transfer-encoding", true)) {
            *uses_te = true;
            *chunked = name_eq(&on, i, "transfer-encoding", false) &&
                       node_te_value((const uint8_t *)on.hbuf + on.val_off[i], on.val_len[i]);
        }
    }
}

/* D17: a tab around a Content-Length value (OWS), or after a chunk size
 * (BWS). */
static bool d17(const uint8_t *in, size_t len)
{
    size_t off = body_start(in, len);
    for (size_t i = off; i < len; i++) {
        if (i == off || in[i - 1] == '\n') {
            size_t j = i;
            while (j < len && isxdigit(in[j])) {
                j++;
            }
            if (j > i && j < len && in[j] == '\t') {
                return true;
            }
        }
    }
    for (const uint8_t *p = in; (p = find(p, len - (size_t)(p - in), "content-length:")) != NULL;
         p++) {
        for (const uint8_t *q = p + 15; q < in + len && *q != '\r' && *q != '\n'; q++) {
            if (*q == '\t') {
                return true;
            }
        }
    }
    return false;
}

/* D3: Content-Length more than once, or a list, among the header fields
 * (emhttp accepted them: every value the same number). */
static bool d3(void)
{
    int n = 0;
    for (int i = 0; i < oe.nhdr; i++) {
        if (name_eq(&oe, i, "content-length", false)) {
            n++;
            n += memchr(oe.hbuf + oe.val_off[i], ',', oe.val_len[i]) != NULL;
        }
    }
    return n > 1;
}

/* D18: a field name that starts with "transfer-encoding" and goes on
 * ("Transfer-Encodingth"): http_parser 2.9 sets uses_transfer_encoding and
 * clears its chunked flag for it; emhttp (and h11) compare whole names. */
static bool d18(void)
{
    for (int i = 0; i < oe.nhdr; i++) {
        if (name_eq(&oe, i, "transfer-encoding", true) &&
            !name_eq(&oe, i, "transfer-encoding", false)) {
            return true;
        }
    }
    return false;
}

/* D19: a Proxy-Connection field, which http_parser 2.9 reads as
 * Connection. */
static bool d19(void)
{
    for (int i = 0; i < oe.nhdr; i++) {
        if (name_eq(&oe, i, "proxy-connection", false)) {
            return true;
        }
    }
    return false;
}

/* D16: framing or connection fields after the header section (trailers;
 * a guess when the input is not chunked: then it is body bytes anyway). */
static bool d16(const uint8_t *in, size_t len)
{
    size_t off = body_start(in, len);
    return off < len && (find(in + off, len - off, "connection") ||
                         find(in + off, len - off, "transfer-encoding") ||
                         find(in + off, len - off, "content-length"));
}

static bool same_headers(void)
{
    if (oe.nhdr != on.nhdr) {
        return false;
    }
    for (int i = 0; i < oe.nhdr; i++) {
        const char *nv = on.hbuf + on.val_off[i];
        size_t nl = on.val_len[i];
        while (nl > 0 && (nv[nl - 1] == ' ' || nv[nl - 1] == '\t')) {
            nl--; /* http_parser keeps trailing whitespace */
        }
        if (oe.name_len[i] != on.name_len[i] ||
            memcmp(oe.hbuf + oe.name_off[i], on.hbuf + on.name_off[i], oe.name_len[i]) != 0 ||
            oe.val_len[i] != nl || memcmp(oe.hbuf + oe.val_off[i], nv, nl) != 0) {
            return false;
        }
    }
    return true;
}

static void differ(const char *why, const uint8_t *in, size_t len)
{
    fprintf(stderr, "undocumented difference: %s\n  emhttp ok=%d err=%d status=%d ka=%d end=%zu body=%zu\n"
            "  node   ok=%d err=%d (%s) status=%d ka=%d end=%zu body=%zu\n  input: ",
            why, oe.ok, oe.err, oe.status, oe.keep_alive, oe.consumed, oe.body_len, on.ok, on.err,
            http_errno_name((enum http_errno)on.err), on.status, on.keep_alive, on.consumed,
            on.body_len);
    for (size_t i = 0; i < len; i++) {
        fprintf(stderr, in[i] >= 32 && in[i] < 127 && in[i] != '\\' ? "%c" : "\\x%02x", in[i]);
    }
    fprintf(stderr, "\n");
    __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size - 2 > PD_MAX_IN / 2) {
        return 0;
    }
    const uint8_t *in = data + 2;
    size_t len = size - 2;
    bool head = data[1] & 1;
    pd_split sp = {.ncuts = 0};
    if (data[0] != 0) {
        for (size_t c = data[0]; c < len && sp.ncuts < 64; c += data[0]) {
            sp.cuts[sp.ncuts++] = c;
        }
    }
    pd_run_emhttp(in, len, &sp, head, &oe);
    pd_run_node(in, len, &sp, head, &on);
    if (oe.overflow || on.overflow) {
        return 0;
    }
    if (!oe.ok) {
        return 0; /* emhttp the stricter: allowed (the corpus test names each reason) */
    }
    if (!on.ok) {
        if (d2(in, len) || d3() || d16(in, len) || d17(in, len) || d18()) {
            return 0;
        }
        differ("emhttp accepts, http_parser rejects", in, len);
    }
    if (oe.status != on.status || !same_headers()) {
        differ("status or header fields", in, len);
    }
    /* The framing each chose: emhttp's by its rule, http_parser's by the
     * model (checked against its own flags). */
    bool nchunked, nte;
    node_model(&nchunked, &nte);
    if (nchunked != (on.node_chunked != 0) || nte != (on.node_uses_te != 0)) {
        differ("http_parser's framing flags are outside the model of D15 and D18", in, len);
    }
    bool framing = nchunked != emhttp_chunked(); /* D15, or D18 with a longer name */
    if (oe.body_len != on.body_len || memcmp(oe.body, on.body, oe.body_len) != 0 ||
        oe.consumed != on.consumed) {
        if (!(d2(in, len) || framing)) {
            differ("body or end", in, len);
        }
        return 0;
    }
    if (oe.keep_alive != on.keep_alive && !(on.keep_alive && find(in, len, "http/1.0")) &&
        !d16(in, len) && !d18() && !d19() && !framing) {
        differ("keep-alive", in, len);
    }
    return 0;
}
