/*
 * json_reader.c - JSON reader on jsmn (see emhttp/json_reader.h).
 *
 * Parsing is two passes over the text: jr_validate() checks the grammar
 * of RFC 8259 exactly (jsmn, even with JSMN_STRICT, accepts "[1 2]",
 * trailing commas, raw control characters, leading zeros, bad UTF-8 and
 * does not bound the depth), then jsmn builds the tokens.  The getters
 * rely on the first pass: every token they see is well formed.
 *
 * Doubles are converted with integer arithmetic: a 128-bit product with
 * the power-of-five tables (json_common.h, shared with the writer) gives
 * the answer unless the number lies within a few units of a rounding
 * boundary; then an exact big-number comparison with the boundary
 * decides.
 */
#include "emhttp/json_reader.h"

#include <string.h>

#include "emhttp/json_writer.h" /* EMHTTP_JSON_MAX_SCALE */
#include "json_common.h"

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

/* emhttp_json_tok is storage for a jsmntok_t: same size, int alignment. */
typedef char jr_tok_size_ok[sizeof(jsmntok_t) == sizeof(emhttp_json_tok) ? 1 : -1];
typedef char jr_tok_align_ok[offsetof(struct { char c; jsmntok_t t; }, t) <= sizeof(int) ? 1 : -1];

#define JR_INT_MAX ((size_t)(~0u >> 1))
#define JR_EXP_SAT 100000000 /* exponents are clamped to +-this */

static const jsmntok_t *jr_toks(const emhttp_jr *r)
{
    return (const jsmntok_t *)(const void *)r->tok_;
}

/* ---- pass 1: grammar ---------------------------------------------------- */

/* what the scanner expects next */
enum { ST_VALUE, ST_VALUE_OR_CLOSE, ST_KEY, ST_KEY_OR_CLOSE, ST_AFTER };

typedef struct {
    const uint8_t *s;
    size_t n, i;
    unsigned depth;
    int state;
    uint8_t stack[(CONFIG_EMHTTP_JSON_MAX_DEPTH + 7) / 8]; /* 1 = object */
} jr_scan;

static int jr_is_ws(unsigned c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
static int jr_is_digit(unsigned c) { return c - '0' < 10u; }

static int jr_hexval(unsigned c)
{
    if (c - '0' < 10u) {
        return (int)(c - '0');
    }
    c |= 0x20u;
    return (c - 'a' < 6u) ? (int)(c - 'a' + 10) : -1;
}

/* The value of the four hex digits at s[0..4), 0..0xFFFF; -1 when one of
 * them is not a hex digit, -2 when s[0..avail) ends before the four do. */
static long jr_hex4(const uint8_t *s, size_t avail)
{
    long v = 0;
    size_t k;
    for (k = 0; k < 4; k++) {
        int h;
        if (k >= avail) {
            return -2;
        }
        h = jr_hexval(s[k]);
        if (h < 0) {
            return -1;
        }
        v = (v << 4) | h;
    }
    return v;
}

static size_t jr_utf8_put(uint8_t out[4], unsigned long cp)
{
    if (cp < 0x80u) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800u) {
        out[0] = (uint8_t)(0xC0u | (cp >> 6));
        out[1] = (uint8_t)(0x80u | (cp & 0x3Fu));
        return 2;
    }
    if (cp < 0x10000u) {
        out[0] = (uint8_t)(0xE0u | (cp >> 12));
        out[1] = (uint8_t)(0x80u | ((cp >> 6) & 0x3Fu));
        out[2] = (uint8_t)(0x80u | (cp & 0x3Fu));
        return 3;
    }
    out[0] = (uint8_t)(0xF0u | (cp >> 18));
    out[1] = (uint8_t)(0x80u | ((cp >> 12) & 0x3Fu));
    out[2] = (uint8_t)(0x80u | ((cp >> 6) & 0x3Fu));
    out[3] = (uint8_t)(0x80u | (cp & 0x3Fu));
    return 4;
}

/* jr_hex4()'s failure as an error: cut short, or not four hex digits. */
static int jr_hex4_error(long v)
{
    return v == -2 ? EMHTTP_ERR_JSON_PARTIAL : EMHTTP_ERR_JSON_MALFORMED;
}

/* The "\uDC00".."\uDFFF" that must follow a high surrogate at s: its
 * value, or a negative error. */
static long jr_low_surrogate(const uint8_t *s, size_t avail)
{
    if (avail == 0 || (s[0] == '\\' && avail == 1)) {
        return EMHTTP_ERR_JSON_PARTIAL;
    }
    if (s[0] != '\\' || s[1] != 'u') {
        return EMHTTP_ERR_JSON_UTF8; /* lone high surrogate */
    }
    long lo = jr_hex4(s + 2, avail - 2);
    if (lo < 0) {
        return jr_hex4_error(lo);
    }
    return lo >= 0xDC00 && lo <= 0xDFFF ? lo : EMHTTP_ERR_JSON_UTF8;
}

/* The escape at s[0] == '\\' (the text left: s[0..avail)), for the
 * grammar check and the decoder alike: its bytes, UTF-8 encoded, in out
 * and *len its length in the text (2, 6, or 12 for a surrogate pair).
 * Returns the number of bytes in out (1 to 4), or EMHTTP_ERR_JSON_PARTIAL
 * (the text ends inside), _MALFORMED (not an escape) or _UTF8 (a lone
 * surrogate). */
static int jr_escape(const uint8_t *s, size_t avail, uint8_t out[4], size_t *len)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (avail < 2) {
        return EMHTTP_ERR_JSON_PARTIAL;
    }
    if (s[1] != 'u') {
        const char *hit = memchr(from, s[1], 8);
        if (hit == NULL) {
            return EMHTTP_ERR_JSON_MALFORMED;
        }
        out[0] = (uint8_t)to[hit - from];
        *len = 2;
        return 1;
    }
    long cp = jr_hex4(s + 2, avail - 2);
    if (cp < 0) {
        return jr_hex4_error(cp);
    }
    *len = 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return EMHTTP_ERR_JSON_UTF8; /* lone low surrogate */
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) { /* its low half must follow */
        long lo = jr_low_surrogate(s + 6, avail - 6);
        if (lo < 0) {
            return (int)lo;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        *len = 12;
    }
    return (int)jr_utf8_put(out, (unsigned long)cp);
}

/* A string at s[sc->i] == '"'. */
static int jr_scan_string(jr_scan *sc)
{
    const uint8_t *s = sc->s;
    size_t n = sc->n, i = sc->i + 1, len;
    uint8_t u[4];
    for (;;) {
        unsigned c, st;
        int rc;
        i = emhttp_json_plain_end(s, i, n, NULL);
        if (i >= n) {
            return EMHTTP_ERR_JSON_PARTIAL;
        }
        c = s[i];
        if (c == '"') {
            sc->i = i + 1;
            return 0;
        }
        if (c == '\\') {
            rc = jr_escape(s + i, n - i, u, &len);
            if (rc < 0) {
                return rc;
            }
            i += len;
        } else if (c < 0x80) {
            return EMHTTP_ERR_JSON_MALFORMED; /* a control character */
        } else { /* a UTF-8 sequence, the same check as the writer's */
            for (st = 0; (st = emhttp_json_utf8_next(st, s[i++])) > 15u;) {
                if (st == EMHTTP_JSON_UTF8_BAD) {
                    return EMHTTP_ERR_JSON_UTF8;
                }
                if (i >= n) {
                    return EMHTTP_ERR_JSON_PARTIAL;
                }
            }
        }
    }
}

/* Digits at s[*i]: at least one required. */
static int jr_scan_digits(const uint8_t *s, size_t n, size_t *i)
{
    if (*i >= n) {
        return EMHTTP_ERR_JSON_PARTIAL;
    }
    if (!jr_is_digit(s[*i])) {
        return EMHTTP_ERR_JSON_MALFORMED;
    }
    while (*i < n && jr_is_digit(s[*i])) {
        (*i)++;
    }
    return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at s[sc->i]. */
static int jr_scan_number(jr_scan *sc)
{
    const uint8_t *s = sc->s;
    size_t n = sc->n, i = sc->i;
    int rc = 0;
    i += (s[i] == '-');
    if (i < n && s[i] == '0') {
        i++;
    } else {
        rc = jr_scan_digits(s, n, &i);
    }
    if (rc == 0 && i < n && s[i] == '.') {
        i++;
        rc = jr_scan_digits(s, n, &i);
    }
    if (rc == 0 && i < n && (s[i] | 0x20u) == 'e') {
        i++;
        i += (i < n && (s[i] == '+' || s[i] == '-'));
        rc = jr_scan_digits(s, n, &i);
    }
    sc->i = i;
    return rc;
}

static int jr_scan_literal(jr_scan *sc, const char *word, size_t len)
{
    size_t k;
    for (k = 0; k < len; k++) {
        if (sc->i + k >= sc->n) {
            return EMHTTP_ERR_JSON_PARTIAL;
        }
        if (sc->s[sc->i + k] != (uint8_t)word[k]) {
            return EMHTTP_ERR_JSON_MALFORMED;
        }
    }
    sc->i += len;
    return 0;
}

static int jr_scan_open(jr_scan *sc, unsigned is_object)
{
    unsigned d = sc->depth;
    if (d >= CONFIG_EMHTTP_JSON_MAX_DEPTH) {
        return EMHTTP_ERR_JSON_DEPTH;
    }
    if (is_object) {
        sc->stack[d >> 3] |= (uint8_t)(1u << (d & 7u));
    } else {
        sc->stack[d >> 3] &= (uint8_t)~(1u << (d & 7u));
    }
    sc->depth = d + 1;
    sc->i++;
    sc->state = is_object ? ST_KEY_OR_CLOSE : ST_VALUE_OR_CLOSE;
    return 0;
}

static unsigned jr_scan_top_is_object(const jr_scan *sc)
{
    unsigned d = sc->depth - 1;
    return (sc->stack[d >> 3] >> (d & 7u)) & 1u;
}

/* '}' or ']' at s[i], matching the innermost container. */
static int jr_scan_close(jr_scan *sc)
{
    unsigned want = jr_scan_top_is_object(sc) ? '}' : ']';
    if (sc->s[sc->i] != want) {
        return EMHTTP_ERR_JSON_MALFORMED;
    }
    sc->depth--;
    sc->i++;
    sc->state = ST_AFTER;
    return 0;
}

static int jr_scan_value(jr_scan *sc)
{
    unsigned c = sc->s[sc->i];
    sc->state = ST_AFTER;
    switch (c) {
    case '{':
        return jr_scan_open(sc, 1);
    case '[':
        return jr_scan_open(sc, 0);
    case '"':
        return jr_scan_string(sc);
    case 't':
        return jr_scan_literal(sc, "true", 4);
    case 'f':
        return jr_scan_literal(sc, "false", 5);
    case 'n':
        return jr_scan_literal(sc, "null", 4);
    default:
        if (c == '-' || jr_is_digit(c)) {
            return jr_scan_number(sc);
        }
        return EMHTTP_ERR_JSON_MALFORMED;
    }
}

/* A key and its colon. */
static int jr_scan_key(jr_scan *sc)
{
    int rc;
    if (sc->s[sc->i] != '"') {
        return EMHTTP_ERR_JSON_MALFORMED;
    }
    rc = jr_scan_string(sc);
    while (rc == 0 && sc->i < sc->n && jr_is_ws(sc->s[sc->i])) {
        sc->i++;
    }
    if (rc == 0 && sc->i >= sc->n) {
        rc = EMHTTP_ERR_JSON_PARTIAL;
    }
    if (rc == 0 && sc->s[sc->i] != ':') {
        rc = EMHTTP_ERR_JSON_MALFORMED;
    }
    sc->i++;
    sc->state = ST_VALUE;
    return rc;
}

/* After a value: ',' or the close of the container. */
static int jr_scan_after(jr_scan *sc)
{
    if (sc->depth == 0) {
        return EMHTTP_ERR_JSON_MALFORMED; /* text after the top-level value */
    }
    if (sc->s[sc->i] == ',') {
        sc->i++;
        sc->state = jr_scan_top_is_object(sc) ? ST_KEY : ST_VALUE;
        return 0;
    }
    return jr_scan_close(sc);
}

static int jr_scan_step(jr_scan *sc)
{
    unsigned c = sc->s[sc->i];
    switch (sc->state) {
    case ST_VALUE_OR_CLOSE:
        return c == ']' ? jr_scan_close(sc) : jr_scan_value(sc);
    case ST_VALUE:
        return jr_scan_value(sc);
    case ST_KEY_OR_CLOSE:
        return c == '}' ? jr_scan_close(sc) : jr_scan_key(sc);
    case ST_KEY:
        return jr_scan_key(sc);
    default:
        return jr_scan_after(sc);
    }
}

/* Check the whole text.  Returns 0 or an error. */
static int jr_validate(const char *js, size_t len)
{
    jr_scan sc;
    memset(&sc, 0, sizeof sc);
    sc.s = (const uint8_t *)js;
    sc.n = len;
    sc.state = ST_VALUE;
    for (;;) {
        int rc;
        while (sc.i < sc.n && jr_is_ws(sc.s[sc.i])) {
            sc.i++;
        }
        if (sc.i >= sc.n) {
            return (sc.state == ST_AFTER && sc.depth == 0) ? 0 : EMHTTP_ERR_JSON_PARTIAL;
        }
        rc = jr_scan_step(&sc);
        if (rc != 0) {
            return rc;
        }
    }
}

/* ---- pass 2: tokens ----------------------------------------------------- */

/* jsmn (strict) needs a delimiter after a primitive: a top-level number
 * or literal is tokenized here. */
static int jr_root_primitive(emhttp_jr *r, size_t len, size_t start)
{
    jsmntok_t *t = (jsmntok_t *)(void *)r->tok_;
    size_t end = start;
    while (end < len && !jr_is_ws((uint8_t)r->js_[end])) {
        end++;
    }
    t->type = JSMN_PRIMITIVE;
    t->start = (int)start;
    t->end = (int)end;
    t->size = 0;
    t->parent = -1;
    r->ntok_ = 1;
    return 1;
}

static int jr_args_ok(const char *js, size_t len, const emhttp_json_tok *toks, unsigned ntoks)
{
    return (js != NULL || len == 0) && (toks != NULL || ntoks == 0) && len <= JR_INT_MAX;
}

int emhttp_jr_parse(emhttp_jr *r, const char *js, size_t len, emhttp_json_tok *toks,
                    unsigned ntoks)
{
    jsmn_parser p;
    size_t start = 0;
    int rc;
    if (r == NULL) {
        return EMHTTP_ERR_ARG;
    }
    r->js_ = js;
    r->tok_ = toks;
    r->ntok_ = 0;
    rc = jr_args_ok(js, len, toks, ntoks) ? jr_validate(js, len) : EMHTTP_ERR_ARG;
    if (rc != 0) {
        return rc;
    }
    if (ntoks == 0) {
        return EMHTTP_ERR_JSON_NO_TOKENS;
    }
    while (jr_is_ws((uint8_t)js[start])) {
        start++;
    }
    if (js[start] != '{' && js[start] != '[' && js[start] != '"') {
        return jr_root_primitive(r, len, start);
    }
    jsmn_init(&p);
    rc = jsmn_parse(&p, js, len, (jsmntok_t *)(void *)toks, ntoks);
    if (rc == JSMN_ERROR_NOMEM) {
        return EMHTTP_ERR_JSON_NO_TOKENS;
    }
    if (rc <= 0) {
        return EMHTTP_ERR_JSON_MALFORMED; /* not reached: the text was checked */
    }
    r->ntok_ = rc;
    return rc;
}

/* ---- navigation --------------------------------------------------------- */

/* 0 when v names a token, else the error to return. */
static int jr_check(const emhttp_jr *r, int v)
{
    if (v < 0) {
        return v;
    }
    return (r == NULL || v >= r->ntok_) ? EMHTTP_ERR_JSON_NOT_FOUND : 0;
}

static int jr_is_container(const jsmntok_t *t)
{
    return t->type == JSMN_OBJECT || t->type == JSMN_ARRAY;
}

/* The token after v's subtree.  Tokens are in text order, so v's
 * descendants are exactly the following tokens that start before v ends. */
static int jr_skip(const emhttp_jr *r, int v)
{
    const jsmntok_t *t = jr_toks(r);
    int j = v + 1, end = t[v].end;
    if (!jr_is_container(&t[v])) {
        return j;
    }
    while (j < r->ntok_ && t[j].start < end) {
        j++;
    }
    return j;
}

int emhttp_jr_type(const emhttp_jr *r, int v)
{
    const jsmntok_t *t;
    int rc = jr_check(r, v);
    if (rc != 0) {
        return rc;
    }
    t = &jr_toks(r)[v];
    switch (t->type) {
    case JSMN_OBJECT:
        return EMHTTP_JSON_OBJECT;
    case JSMN_ARRAY:
        return EMHTTP_JSON_ARRAY;
    case JSMN_STRING:
        return EMHTTP_JSON_STRING;
    default:
        break;
    }
    switch (r->js_[t->start]) {
    case 't':
    case 'f':
        return EMHTTP_JSON_BOOL;
    case 'n':
        return EMHTTP_JSON_NULL;
    default:
        return EMHTTP_JSON_NUMBER;
    }
}

int emhttp_jr_count(const emhttp_jr *r, int v)
{
    int rc = jr_check(r, v);
    if (rc != 0) {
        return rc;
    }
    return jr_is_container(&jr_toks(r)[v]) ? jr_toks(r)[v].size : EMHTTP_ERR_JSON_TYPE;
}

int emhttp_jr_next(const emhttp_jr *r, int v)
{
    int rc = jr_check(r, v);
    if (rc != 0) {
        return rc;
    }
    v = jr_skip(r, v);
    return v < r->ntok_ ? v : EMHTTP_ERR_JSON_NOT_FOUND;
}

int emhttp_jr_text(const emhttp_jr *r, int v, const char **text, size_t *len)
{
    const jsmntok_t *t;
    int rc = jr_check(r, v);
    if (rc != 0) {
        return rc;
    }
    t = &jr_toks(r)[v];
    *text = r->js_ + t->start;
    *len = (size_t)(t->end - t->start);
    return EMHTTP_OK;
}

/* Element i of an array (want_object 0) or value of member i of an
 * object (want_object 1). */
static int jr_child(const emhttp_jr *r, int v, unsigned i, int want_object)
{
    const jsmntok_t *t = &jr_toks(r)[v];
    int c = v + 1;
    unsigned k;
    if (t->type != (want_object ? JSMN_OBJECT : JSMN_ARRAY)) {
        return EMHTTP_ERR_JSON_TYPE;
    }
    if (i >= (unsigned)t->size) {
        return EMHTTP_ERR_JSON_NOT_FOUND;
    }
    for (k = 0; k < i; k++) {
        c = jr_skip(r, c + want_object);
    }
    return c + want_object;
}

int emhttp_jr_index(const emhttp_jr *r, int v, unsigned i)
{
    int rc = jr_check(r, v);
    if (rc != 0) {
        return rc;
    }
    return jr_child(r, v, i, jr_toks(r)[v].type == JSMN_OBJECT);
}

/* ---- strings ------------------------------------------------------------ */

/* Decode the escape at *pp == '\\' into out (jr_escape()); returns the
 * byte count, 0 if malformed (not after a successful parse). */
static size_t jr_unescape(const char **pp, const char *end, uint8_t out[4])
{
    size_t len;
    int n = jr_escape((const uint8_t *)*pp, (size_t)(end - *pp), out, &len);
    if (n < 0) {
        return 0;
    }
    *pp += len;
    return (size_t)n;
}

/* Byte source over an escaped string body. */
typedef struct {
    const char *p, *end;
    uint8_t u[4];
    size_t nu, iu;
} jr_dec;

/* Next unescaped byte, -1 at the end, -2 on a malformed escape. */
static int jr_dec_next(jr_dec *d)
{
    if (d->iu < d->nu) {
        return d->u[d->iu++];
    }
    if (d->p >= d->end) {
        return -1;
    }
    if (*d->p != '\\') {
        return (uint8_t)*d->p++;
    }
    d->nu = jr_unescape(&d->p, d->end, d->u);
    d->iu = 1;
    return d->nu ? d->u[0] : -2;
}

/* Does the escaped string [k, k+kn) equal want (wn bytes)?  With
 * path_esc, "\x" in want stands for x (the caller passes path_esc only
 * when want has a '\').  Escapes only shorten, so a key shorter than want
 * never matches and one of the same length matches only byte for byte. */
static int jr_str_eq(const char *k, size_t kn, const char *want, size_t wn, int path_esc)
{
    jr_dec d;
    size_t j = 0;
    if (!path_esc && kn <= wn) {
        return kn == wn && memcmp(k, want, kn) == 0 && memchr(k, '\\', kn) == NULL;
    }
    if (!path_esc && memchr(k, '\\', kn) == NULL) {
        return 0;
    }
    memset(&d, 0, sizeof d);
    d.p = k;
    d.end = k + kn;
    for (;;) {
        int a = jr_dec_next(&d), b = -1;
        if (j < wn) {
            j += (path_esc && want[j] == '\\' && j + 1 < wn);
            b = (uint8_t)want[j++];
        }
        if (a != b) {
            return 0;
        }
        if (a < 0) {
            return 1;
        }
    }
}

/* The string token v in *t: 0, or the error of a bad index or of a
 * token of another type. */
static int jr_string_tok(const emhttp_jr *r, int v, const jsmntok_t **t)
{
    int rc = jr_check(r, v);
    if (rc != 0) {
        return rc;
    }
    *t = &jr_toks(r)[v];
    return (*t)->type == JSMN_STRING ? 0 : EMHTTP_ERR_JSON_TYPE;
}

int emhttp_jr_string(const emhttp_jr *r, int v, char *buf, size_t size)
{
    const jsmntok_t *t;
    const char *p, *end;
    size_t o = 0;
    int rc = jr_string_tok(r, v, &t);
    if (rc != 0) {
        return rc;
    }
    p = r->js_ + t->start;
    end = r->js_ + t->end;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = (size_t)((bs ? bs : end) - p), nu;
        uint8_t u[4];
        if (run >= size - o) {
            return EMHTTP_ERR_JSON_OVERFLOW;
        }
        memcpy(buf + o, p, run);
        o += run;
        p += run;
        if (bs == NULL) {
            break;
        }
        nu = jr_unescape(&p, end, u);
        if (nu == 0 || nu >= size - o) {
            return nu ? EMHTTP_ERR_JSON_OVERFLOW : EMHTTP_ERR_JSON_MALFORMED;
        }
        memcpy(buf + o, u, nu);
        o += nu;
    }
    if (size - o == 0) {
        return EMHTTP_ERR_JSON_OVERFLOW;
    }
    buf[o] = '\0';
    return (int)o;
}

int emhttp_jr_string_eq(const emhttp_jr *r, int v, const char *s, size_t len)
{
    const jsmntok_t *t;
    int rc = jr_string_tok(r, v, &t);
    if (rc != 0) {
        return rc;
    }
    return jr_str_eq(r->js_ + t->start, (size_t)(t->end - t->start), s, len, 0);
}

/* ---- lookup ------------------------------------------------------------- */

static int jr_member(const emhttp_jr *r, int obj, const char *key, size_t len, int path_esc)
{
    const jsmntok_t *t = jr_toks(r);
    int k = obj + 1, m;
    if (t[obj].type != JSMN_OBJECT) {
        return EMHTTP_ERR_JSON_TYPE;
    }
    path_esc = path_esc && memchr(key, '\\', len) != NULL;
    for (m = 0; m < t[obj].size; m++) {
        if (jr_str_eq(r->js_ + t[k].start, (size_t)(t[k].end - t[k].start), key, len, path_esc)) {
            return k + 1;
        }
        k = jr_skip(r, k + 1);
    }
    return EMHTTP_ERR_JSON_NOT_FOUND;
}

int emhttp_jr_member(const emhttp_jr *r, int obj, const char *key, size_t key_len)
{
    int rc = jr_check(r, obj);
    if (rc != 0) {
        return rc;
    }
    if (key == NULL && key_len != 0) {
        return EMHTTP_ERR_ARG;
    }
    return jr_member(r, obj, key ? key : "", key_len, 0);
}

/* End of the path name starting at p (an unescaped '.', '[' or the NUL),
 * NULL when a '\' ends the path. */
static const char *jr_name_end(const char *p)
{
    while (*p != '\0' && *p != '.' && *p != '[') {
        if (*p == '\\' && *++p == '\0') {
            return NULL;
        }
        p++;
    }
    return p;
}

/* Syntax check of a whole path, so that errors do not depend on the
 * document. */
static int jr_path_ok(const char *p)
{
    int first = 1;
    while (*p != '\0') {
        if (*p == '[') {
            p++;
            if (!jr_is_digit((uint8_t)*p)) {
                return 0;
            }
            while (jr_is_digit((uint8_t)*p)) {
                p++;
            }
            if (*p++ != ']') {
                return 0;
            }
        } else {
            const char *end;
            if (!first && *p++ != '.') {
                return 0;
            }
            end = jr_name_end(p);
            if (end == NULL || end == p) {
                return 0;
            }
            p = end;
        }
        first = 0;
    }
    return 1;
}

/* "[digits]" at *pp: the index (saturated), *pp past the ']'. */
static unsigned jr_path_index(const char **pp)
{
    const char *p = *pp + 1;
    unsigned i = 0;
    while (jr_is_digit((uint8_t)*p)) {
        unsigned d = (unsigned)(*p++ - '0');
        i = (i > (~0u - d) / 10u) ? ~0u : i * 10u + d;
    }
    *pp = p + 1;
    return i;
}

int emhttp_jr_find(const emhttp_jr *r, int from, const char *path)
{
    int v = from, rc = jr_check(r, from);
    if (rc != 0) {
        return rc;
    }
    if (path == NULL || !jr_path_ok(path)) {
        return EMHTTP_ERR_JSON_PATH;
    }
    while (*path != '\0' && v >= 0) {
        if (*path == '[') {
            v = jr_child(r, v, jr_path_index(&path), 0);
        } else {
            const char *end;
            path += (*path == '.');
            end = jr_name_end(path);
            v = jr_member(r, v, path, (size_t)(end - path), 1);
            path = end;
        }
    }
    return v;
}

/* ---- literals and integers ---------------------------------------------- */

int emhttp_jr_bool(const emhttp_jr *r, int v, bool *out)
{
    int rc = emhttp_jr_type(r, v);
    if (rc < 0) {
        return rc;
    }
    if (rc != EMHTTP_JSON_BOOL) {
        return EMHTTP_ERR_JSON_TYPE;
    }
    *out = r->js_[jr_toks(r)[v].start] == 't';
    return EMHTTP_OK;
}

int emhttp_jr_null(const emhttp_jr *r, int v)
{
    int rc = emhttp_jr_type(r, v);
    if (rc < 0) {
        return rc;
    }
    return rc == EMHTTP_JSON_NULL ? EMHTTP_OK : EMHTTP_ERR_JSON_TYPE;
}

/* A number token taken apart (the grammar was checked by the parse). */
typedef struct {
    const char *d, *f;     /* integer digits, fraction digits */
    int32_t nint, nfrac;   /* their counts */
    int32_t exp;           /* exponent, clamped to +-JR_EXP_SAT */
    int neg, plain;        /* plain: no fraction, no exponent */
} jr_num;

/* The exponent digits after 'e' / 'E', with their sign, clamped. */
static int32_t jr_exponent(const char *p, const char *end)
{
    int32_t e = 0;
    int neg = (*p == '-');
    for (p += (*p == '-' || *p == '+'); p < end; p++) {
        e = (e >= JR_EXP_SAT / 10) ? JR_EXP_SAT : e * 10 + (*p - '0');
    }
    return neg ? -e : e;
}

static int jr_number(const emhttp_jr *r, int v, jr_num *x)
{
    const jsmntok_t *t;
    const char *p, *end;
    int rc = jr_check(r, v);
    if (rc != 0) {
        return rc;
    }
    t = &jr_toks(r)[v];
    p = r->js_ + t->start;
    end = r->js_ + t->end;
    if (t->type != JSMN_PRIMITIVE || (*p != '-' && !jr_is_digit((uint8_t)*p))) {
        return EMHTTP_ERR_JSON_TYPE;
    }
    memset(x, 0, sizeof *x);
    x->neg = (*p == '-');
    x->d = p += x->neg;
    while (p < end && jr_is_digit((uint8_t)*p)) {
        p++;
    }
    x->nint = (int32_t)(p - x->d);
    x->plain = (p == end);
    x->f = p += (p < end && *p == '.');
    while (p < end && jr_is_digit((uint8_t)*p)) {
        p++;
    }
    x->nfrac = (int32_t)(p - x->f);
    x->exp = p < end ? jr_exponent(p + 1, end) : 0;
    return 0;
}

static unsigned jr_digit(const jr_num *x, int32_t k)
{
    return (unsigned)((k < x->nint ? x->d[k] : x->f[k - x->nint]) - '0');
}

/* -mag as int64_t, mag <= 2^63 */
static int64_t jr_neg64(uint64_t mag)
{
    return mag > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)mag;
}

/* acc = acc * 10 + d unless that passes lim.  Returns 0 or -1. */
static int jr_push_digit(uint64_t *acc, unsigned d, uint64_t lim)
{
    if (*acc > (lim - d) / 10u) {
        return -1;
    }
    *acc = *acc * 10u + d;
    return 0;
}

/* Magnitude of a plain integer token. */
static int jr_int_mag(const emhttp_jr *r, int v, uint64_t *mag, int *neg)
{
    jr_num x;
    int32_t k;
    int rc = jr_number(r, v, &x);
    if (rc != 0) {
        return rc;
    }
    if (!x.plain) {
        return EMHTTP_ERR_JSON_TYPE;
    }
    *mag = 0;
    for (k = 0; k < x.nint; k++) {
        if (jr_push_digit(mag, jr_digit(&x, k), UINT64_MAX) != 0) {
            return EMHTTP_ERR_JSON_NUMBER;
        }
    }
    *neg = x.neg;
    return 0;
}

int emhttp_jr_int(const emhttp_jr *r, int v, int64_t *out)
{
    uint64_t mag;
    int neg, rc = jr_int_mag(r, v, &mag, &neg);
    if (rc != 0) {
        return rc;
    }
    if (mag > (uint64_t)INT64_MAX + (uint64_t)neg) {
        return EMHTTP_ERR_JSON_NUMBER;
    }
    *out = neg ? jr_neg64(mag) : (int64_t)mag;
    return EMHTTP_OK;
}

int emhttp_jr_uint(const emhttp_jr *r, int v, uint64_t *out)
{
    uint64_t mag;
    int neg, rc = jr_int_mag(r, v, &mag, &neg);
    if (rc != 0) {
        return rc;
    }
    if (neg && mag != 0) {
        return EMHTTP_ERR_JSON_NUMBER;
    }
    *out = mag;
    return EMHTTP_OK;
}

/* round(|value| * 10^scale), halves up, limited to lim. */
static int jr_fixed_mag(const jr_num *x, unsigned scale, uint64_t lim, uint64_t *acc)
{
    int32_t nd = x->nint + x->nfrac, k;
    int64_t keep = (int64_t)x->exp - x->nfrac + (int64_t)scale + nd; /* integer digits */
    unsigned round = 0;
    *acc = 0;
    for (k = 0; k < nd && k < keep; k++) {
        if (jr_push_digit(acc, jr_digit(x, k), lim) != 0) {
            return EMHTTP_ERR_JSON_NUMBER;
        }
    }
    if (keep < nd) {
        round = keep >= 0 ? jr_digit(x, (int32_t)keep) : 0;
    }
    for (; *acc != 0 && k < keep; k++) {
        if (jr_push_digit(acc, 0, lim) != 0) {
            return EMHTTP_ERR_JSON_NUMBER;
        }
    }
    if (round >= 5 && *acc == lim) {
        return EMHTTP_ERR_JSON_NUMBER;
    }
    *acc += (round >= 5);
    return 0;
}

int emhttp_jr_fixed(const emhttp_jr *r, int v, unsigned scale, int64_t *out)
{
    jr_num x;
    uint64_t mag;
    if (scale > EMHTTP_JSON_MAX_SCALE) {
        return v < 0 ? v : EMHTTP_ERR_ARG;
    }
    int rc = jr_number(r, v, &x);
    if (rc != 0) {
        return rc;
    }
    rc = jr_fixed_mag(&x, scale, (uint64_t)INT64_MAX + (uint64_t)x.neg, &mag);
    if (rc != 0) {
        return rc;
    }
    *out = x.neg ? jr_neg64(mag) : (int64_t)mag;
    return EMHTTP_OK;
}

/* ---- doubles ------------------------------------------------------------ */
#if CONFIG_EMHTTP_JSON_FLOAT

static unsigned jr_clz64(uint64_t v)
{
    unsigned n = 0;
    while (!(v >> 63)) {
        v <<= 1;
        n++;
    }
    return n;
}

/* A binary value m * 2^e. */
typedef struct {
    uint64_t m;
    int32_t e;
} jr_bin;

/* Round the 128-bit H at bit lowbit (74..127) to b->m.  The true value
 * lies within [H - 10, H + 10] units (plus 2^68 when digits were dropped).
 * Returns 1 when that decides the rounding, 0 when it is too close to the
 * half-way point (b->m is then the value below). */
static int jr_round(uint64_t hh, uint64_t hl, int32_t lowbit, int trunc, jr_bin *b)
{
    unsigned s = (unsigned)(lowbit - 64);
    uint64_t rh = hh & ((1ull << s) - 1u), half = 1ull << (s - 1u);
    uint64_t ul = hl + 10u, uh = rh + (trunc ? 16u : 0u) + (ul < hl);
    b->m = hh >> s;
    if (uh < half) {
        return 1;
    }
    if (rh > half || (rh == half && hl > 10u)) {
        b->m++;
        return 1;
    }
    return 0;
}

/* w * 10^q (w > 0, -342 <= q <= 308) with the 125-bit power-of-five
 * tables.  Returns 1 (decided), 0 (needs the exact comparison; b is the
 * candidate below) or EMHTTP_ERR_JSON_NUMBER (overflow). */
static int jr_approx(uint64_t w, int32_t q, int trunc, jr_bin *b)
{
    unsigned lz = jr_clz64(w);
    const uint64_t *t;
    uint64_t hh, hl;
    int32_t e0, top, ue, lowbit;
    if (q >= 0) {
        t = emhttp_json_pow5_[q];
        e0 = emhttp_json_pow5_bits(q) - 128 + q;
    } else {
        t = emhttp_json_pow5inv_[-q];
        e0 = -(emhttp_json_pow5_bits(-q) - 1 + 128) + q;
    }
    e0 -= (int32_t)lz;
    emhttp_json_mul_top(w << lz, (t[0] << 3) | (t[1] >> 61), t[1] << 3, &hh, &hl);
    top = (hh >> 63) ? 127 : 126;
    ue = top + e0 + 64; /* value in [2^ue, 2^(ue+1)) */
    b->m = 0;
    b->e = -1074;
    if (ue > 1023) {
        return EMHTTP_ERR_JSON_NUMBER;
    }
    if (ue < -1074) {
        return ue < -1076; /* below 2^-1076: zero; else ask the exact path */
    }
    lowbit = top - 52 + (ue < -1022 ? -1022 - ue : 0);
    b->e = lowbit + e0 + 64;
    return jr_round(hh, hl, lowbit, trunc, b);
}

/* ---- exact comparison: big integers of 32-bit limbs, little-endian ---- */

#define BN_LIMBS 36 /* 1152 bits: the numbers below stay under 2^1080 */

typedef struct {
    uint32_t w[BN_LIMBS];
    unsigned n; /* limbs in use, no leading zero limb */
} jr_bn;

/* a = v << bits (bits <= 1076) */
static void bn_set_shl(jr_bn *a, uint64_t v, unsigned bits)
{
    unsigned ws = bits / 32u, bs = bits % 32u;
    uint64_t lo = v << bs;
    memset(a, 0, sizeof *a);
    a->w[ws] = (uint32_t)lo;
    a->w[ws + 1] = (uint32_t)(lo >> 32);
    a->w[ws + 2] = bs ? (uint32_t)(v >> (64u - bs)) : 0u;
    a->n = ws + 3;
    while (a->n > 0 && a->w[a->n - 1] == 0) {
        a->n--;
    }
}

static void bn_mul(jr_bn *a, uint32_t m)
{
    uint64_t c = 0;
    unsigned i;
    for (i = 0; i < a->n; i++) {
        c += (uint64_t)a->w[i] * m;
        a->w[i] = (uint32_t)c;
        c >>= 32;
    }
    if (c != 0 && a->n < BN_LIMBS) {
        a->w[a->n++] = (uint32_t)c;
    }
}

static void bn_mul_pow10(jr_bn *a, int32_t k)
{
    static const uint32_t p10[9] = {1u, 10u, 100u, 1000u, 10000u,
                                    100000u, 1000000u, 10000000u, 100000000u};
    for (; k >= 9; k -= 9) {
        bn_mul(a, 1000000000u);
    }
    bn_mul(a, p10[k]);
}

static int bn_cmp(const jr_bn *a, const jr_bn *b)
{
    unsigned i = a->n;
    if (a->n != b->n) {
        return a->n > b->n ? 1 : -1;
    }
    while (i-- > 0) {
        if (a->w[i] != b->w[i]) {
            return a->w[i] > b->w[i] ? 1 : -1;
        }
    }
    return 0;
}

/* a -= b, a >= b */
static void bn_sub(jr_bn *a, const jr_bn *b)
{
    uint64_t borrow = 0;
    unsigned i;
    for (i = 0; i < a->n; i++) {
        uint64_t d = (uint64_t)a->w[i] - (i < b->n ? b->w[i] : 0u) - borrow;
        a->w[i] = (uint32_t)d;
        borrow = (d >> 32) & 1u;
    }
    while (a->n > 0 && a->w[a->n - 1] == 0) {
        a->n--;
    }
}

/* Next decimal digit of r / s (r < s): r = 10 r mod s. */
static unsigned bn_digit(jr_bn *r, const jr_bn *s)
{
    unsigned d = 0;
    bn_mul(r, 10u);
    while (bn_cmp(r, s) >= 0) {
        bn_sub(r, s);
        d++;
    }
    return d;
}

/* Compare the text digits from k on with the digits of r / s, the first
 * of which is d. */
static int jr_cmp_digits(const jr_num *x, int32_t k, unsigned d, jr_bn *r, const jr_bn *s)
{
    int32_t nd = x->nint + x->nfrac;
    for (;;) {
        unsigned t = jr_digit(x, k++);
        if (t != d) {
            return t > d ? 1 : -1;
        }
        if (r->n == 0) { /* h ends here: any further non-zero digit is more */
            while (k < nd) {
                if (jr_digit(x, k++) != 0) {
                    return 1;
                }
            }
            return 0;
        }
        if (k >= nd) {
            return -1;
        }
        d = bn_digit(r, s);
    }
}

/* Sign of |number| - h2 * 2^e2, exactly (h2 > 0): h is written as
 * 0.d1d2... * 10^kh with the digits generated from r / s. */
static int jr_cmp_exact(const jr_num *x, uint64_t h2, int32_t e2)
{
    jr_bn r, s;
    int32_t k = 0, kh = emhttp_json_log10_pow2(63 - (int32_t)jr_clz64(h2) + e2) + 1;
    int64_t kt;
    unsigned d;
    bn_set_shl(&r, h2, e2 > 0 ? (unsigned)e2 : 0u);
    bn_set_shl(&s, 1u, e2 < 0 ? (unsigned)-e2 : 0u);
    bn_mul_pow10(kh >= 0 ? &s : &r, kh >= 0 ? kh : -kh);
    while (bn_cmp(&r, &s) >= 0) {
        bn_mul(&s, 10u);
        kh++;
    }
    while ((d = bn_digit(&r, &s)) == 0) {
        kh--;
    }
    while (jr_digit(x, k) == 0) {
        k++;
    }
    kt = (int64_t)x->nint - k + x->exp;
    if (kt != kh) {
        return kt > kh ? 1 : -1;
    }
    return jr_cmp_digits(x, k, d, &r, &s);
}

/* The first 19 significant digits as w, value ~ w * 10^q; *trunc when a
 * non-zero digit was dropped.  Returns the number of digits in w. */
static int32_t jr_sig(const jr_num *x, uint64_t *w, int64_t *q, int *trunc)
{
    int32_t nd = x->nint + x->nfrac, k = 0, n = 0;
    while (k < nd && jr_digit(x, k) == 0) {
        k++;
    }
    *w = 0;
    for (; k < nd && n < 19; k++, n++) {
        *w = *w * 10u + jr_digit(x, k);
    }
    *q = (int64_t)x->exp - x->nfrac + (nd - k);
    *trunc = 0;
    while (k < nd && !*trunc) {
        *trunc = jr_digit(x, k++) != 0;
    }
    return n;
}

/* Bits of the double (without sign) from m * 2^e. */
static int jr_pack(jr_bin b, uint64_t *bits)
{
    if (b.m == (1ull << 53)) {
        b.m >>= 1;
        b.e++;
    }
    if (b.m < (1ull << 52)) { /* subnormal or zero: e == -1074 */
        *bits = b.m;
        return 0;
    }
    if (b.e + 1075 >= 2047) {
        return EMHTTP_ERR_JSON_NUMBER;
    }
    *bits = ((uint64_t)(b.e + 1075) << 52) | (b.m & ((1ull << 52) - 1u));
    return 0;
}

static int jr_to_double(const jr_num *x, uint64_t *bits)
{
    uint64_t w;
    int64_t q;
    int trunc, rc;
    int32_t nw = jr_sig(x, &w, &q, &trunc);
    jr_bin b;
    *bits = 0;
    if (w == 0 || q + nw <= -324) {
        return 0; /* zero, or below half the smallest subnormal */
    }
    if (q + nw - 1 >= 309) {
        return EMHTTP_ERR_JSON_NUMBER;
    }
    rc = jr_approx(w, (int32_t)q, trunc, &b);
    if (rc < 0) {
        return rc;
    }
    if (rc == 0) {
        int c = jr_cmp_exact(x, 2u * b.m + 1u, b.e - 1);
        b.m += (c > 0 || (c == 0 && (b.m & 1u)));
    }
    return jr_pack(b, bits);
}

int emhttp_jr_double(const emhttp_jr *r, int v, double *out)
{
    jr_num x;
    uint64_t bits;
    int rc = jr_number(r, v, &x);
    if (rc == 0) {
        rc = jr_to_double(&x, &bits);
    }
    if (rc != 0) {
        return rc;
    }
    bits |= (uint64_t)x.neg << 63;
    memcpy(out, &bits, sizeof *out);
    return EMHTTP_OK;
}

#endif /* CONFIG_EMHTTP_JSON_FLOAT */
