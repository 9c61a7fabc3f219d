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

static size_t count(const uint8_t *in, size_t len, const char *s)
{
    size_t c = 0;
    for (const uint8_t *p = in; (p = find(p, len - (size_t)(p - in), s)) != NULL; p++) {
        c++;
    }
    return c;
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

static bool eol(const uint8_t *in, size_t len, size_t *p, bool lf)
{
    if (*p + 1 < len && in[*p] == '\r' && in[*p + 1] == '\n') {
        *p += 2;
        return true;
    }
    if (lf && *p < len && in[*p] == '\n') {
        *p += 1;
        return true;
    }
    return false;
}

/* A reference de-chunker: chunk lines end in CRLF, or (@p lf) also in a
 * bare LF; extensions are skipped.  true with the body and the end. */
static bool dechunk(const uint8_t *in, size_t len, size_t p, bool lf, uint8_t *out, size_t *olen,
                    size_t *end)
{
    *olen = 0;
    for (;;) {
        size_t size = 0;
        int digits = 0;
        for (; p < len && isxdigit(in[p]); p++, digits++) {
            size = size * 16 + (size_t)(isdigit(in[p]) ? in[p] - '0' : (in[p] | 0x20) - 'a' + 10);
            if (size > PD_MAX_IN) {
                return false;
            }
        }
        while (p < len && in[p] != '\n' && in[p] != '\r') {
            p++;
        }
        if (digits == 0 || !eol(in, len, &p, lf)) {
            return false;
        }
        if (size == 0) {
            break;
        }
        if (p + size > len) {
            return false;
        }
        memcpy(out + *olen, in + p, size);
        *olen += size;
        p += size;
        if (!eol(in, len, &p, lf)) {
            return false;
        }
    }
    for (;;) { /* trailer lines up to the empty one */
        size_t q = p;
        while (p < len && in[p] != '\n' && in[p] != '\r') {
            p++;
        }
        bool empty = p == q;
        if (!eol(in, len, &p, lf)) {
            return false;
        }
        if (empty) {
            *end = p;
            return true;
        }
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

/* D3: Content-Length more than once, or a list. */
static bool d3(const uint8_t *in, size_t len)
{
    const uint8_t *p = find(in, len, "content-length");
    if (p == NULL) {
        return false;
    }
    if (count(in, len, "content-length") > 1) {
        return true;
    }
    for (; p < in + len && *p != '\n'; p++) {
        if (*p == ',') {
            return true;
        }
    }
    return false;
}

/* D12: emhttp's body is the chunked body read with bare LF allowed at the
 * chunk framing, which CRLF-only reading refuses. */
static bool d12(const uint8_t *in, size_t len)
{
    static uint8_t body[PD_MAX_IN];
    size_t blen, end, off = body_start(in, len);
    if (!find(in, len, "chunked") || off >= len) {
        return false;
    }
    if (dechunk(in, len, off, false, body, &blen, &end)) {
        return false; /* CRLF-only reading accepts it: not this class */
    }
    return dechunk(in, len, off, true, body, &blen, &end) && blen == oe.body_len &&
           memcmp(body, oe.body, blen) == 0 && end == oe.consumed;
}

/* D15: a Transfer-Encoding value that is not a plain list of tokens
 * (a byte outside token characters, a tab, trailing whitespace, an empty
 * element), or that has an element which is a proper prefix of "chunked"
 * ("c, chunked"): emhttp reads only whether the last element is chunked. */
static bool d15(const uint8_t *in, size_t len)
{
    static const char tchar[] = "!#$%&'*+-.^_`|~";
    for (const uint8_t *p = in; (p = find(p, len - (size_t)(p - in), "transfer-encoding:")) != NULL;
         p++) {
        const uint8_t *q = p + 18;
        while (q < in + len && *q == ' ') {
            q++;
        }
        int last = 0, prev_sig = ',';
        size_t elem = 0; /* letters of the element so far that match "chunked" */
        bool prefix = true;
        for (; q < in + len && *q != '\r' && *q != '\n'; q++) {
            if (!isalnum(*q) && *q != ',' && *q != ' ' && (*q == 0 || strchr(tchar, *q) == NULL)) {
                return true;
            }
            if (*q == ',' && prev_sig == ',') {
                return true; /* empty element */
            }
            if (*q == ',') {
                if (prefix && elem > 0 && elem < 7) {
                    return true; /* an element that is a proper prefix of "chunked" */
                }
                elem = 0;
                prefix = true;
            } else if (*q != ' ') {
                prefix = prefix && elem < 7 && tolower(*q) == "chunked"[elem];
                elem++;
            }
            if (*q != ' ') {
                prev_sig = *q;
            }
            last = *q;
        }
        if (last == ' ' || last == ',') {
            return true;
        }
    }
    return false;
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

/* D18: a field name that starts with a framing field's name and goes on
 * ("Transfer-Encodingth", "Content-Lengthx"): http_parser 2.9 takes it
 * for that field; emhttp (and h11) compare whole names. */
static bool d18(const uint8_t *in, size_t len)
{
    static const char *const names[] = {"transfer-encoding", "content-length", "connection"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t n = strlen(names[k]);
        for (const uint8_t *p = in; (p = find(p, len - (size_t)(p - in), names[k])) != NULL; p++) {
            if (p + n < in + len && p[n] != ':') {
                return true;
            }
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
        if (d2(in, len) || d3(in, len) || d12(in, len) || d16(in, len) || d17(in, len) ||
            d18(in, len)) {
            return 0;
        }
        differ("emhttp accepts, http_parser rejects", in, len);
    }
    if (oe.status != on.status || !same_headers()) {
        differ("status or header fields", in, len);
    }
    if (oe.body_len != on.body_len || memcmp(oe.body, on.body, oe.body_len) != 0 ||
        oe.consumed != on.consumed) {
        bool d7 = count(in, len, "chunked") > 1;
        if (!(d2(in, len) || d7 || d12(in, len) || d15(in, len) || d18(in, len))) {
            differ("body or end", in, len);
        }
        return 0;
    }
    if (oe.keep_alive != on.keep_alive && !(on.keep_alive && find(in, len, "http/1.0")) &&
        !d16(in, len) && !d18(in, len)) {
        differ("keep-alive", in, len);
    }
    return 0;
}
