/*
 * fuzz_json_reader - libFuzzer harness for the JSON reader.
 *
 * Input: byte 0 sizes the token array, the rest is the JSON text.  Checks
 * beyond "no crash":
 *   - parse returns a token count or one of its documented errors;
 *   - too few tokens gives EMHTTP_ERR_JSON_NO_TOKENS, never another answer;
 *   - a proper prefix of a document whose top-level value is an array,
 *     object or string is EMHTTP_ERR_JSON_PARTIAL;
 *   - every getter on every token returns one of its documented codes,
 *     unescaped strings are valid UTF-8 (the writer accepts them);
 *   - paths built from the document's own keys and indexes find the value
 *     they were built from; random paths never crash;
 *   - the document written back with the JSON writer (strings unescaped
 *     and re-escaped, numbers as raw text) parses to the same values.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *       -Icore/include -Itests/support core/src/json_writer.c core/src/json_reader.c core/src/http_chars.c \
 *       tests/fuzz/fuzz_json_reader.c -o fuzz_json_reader
 *   ./fuzz_json_reader -max_total_time=60 tests/fuzz/corpus/json_reader
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emhttp/json_reader.h"
#include "emhttp/json_writer.h"
#include "fuzz_assert.h"

#define MAX_TOKS 2048

static emhttp_json_tok toks[MAX_TOKS], toks2[MAX_TOKS];
static char sbuf[1 << 16], sbuf2[1 << 16];
static uint8_t out[1 << 18];
static char path[4096];

static int is_parse_error(int rc)
{
    return rc == EMHTTP_ERR_JSON_MALFORMED || rc == EMHTTP_ERR_JSON_PARTIAL ||
           rc == EMHTTP_ERR_JSON_UTF8 || rc == EMHTTP_ERR_JSON_DEPTH ||
           rc == EMHTTP_ERR_JSON_NO_TOKENS;
}

static int get_ok(int rc, int type_ok)
{
    return rc == EMHTTP_OK || rc == EMHTTP_ERR_JSON_TYPE || (type_ok && rc == EMHTTP_ERR_JSON_NUMBER);
}

/* Call every getter on token v; returns the unescaped length for strings. */
static int poke(const emhttp_jr *r, int v)
{
    int64_t i;
    uint64_t u;
    bool b;
    const char *t;
    size_t tl;
    int type = emhttp_jr_type(r, v), n, k;
    ASSERT(type >= EMHTTP_JSON_OBJECT && type <= EMHTTP_JSON_NULL);
    ASSERT(emhttp_jr_text(r, v, &t, &tl) == EMHTTP_OK);
    ASSERT(get_ok(emhttp_jr_int(r, v, &i), 1));
    ASSERT(get_ok(emhttp_jr_uint(r, v, &u), 1));
    for (k = 0; k <= 18; k += 6) {
        ASSERT(get_ok(emhttp_jr_fixed(r, v, (unsigned)k, &i), 1));
    }
#if CONFIG_EMHTTP_JSON_FLOAT
    {
        double d;
        ASSERT(get_ok(emhttp_jr_double(r, v, &d), 1));
    }
#endif
    ASSERT(get_ok(emhttp_jr_bool(r, v, &b), 0));
    ASSERT(get_ok(emhttp_jr_null(r, v), 0));
    n = emhttp_jr_count(r, v);
    ASSERT(n >= 0 || n == EMHTTP_ERR_JSON_TYPE);
    n = emhttp_jr_string(r, v, sbuf, 3);
    ASSERT(n >= 0 || n == EMHTTP_ERR_JSON_TYPE || n == EMHTTP_ERR_JSON_OVERFLOW);
    n = emhttp_jr_string(r, v, sbuf, sizeof sbuf);
    ASSERT(n >= 0 || n == EMHTTP_ERR_JSON_TYPE);
    if (n >= 0) {
        emhttp_jw w;
        emhttp_jw_init(&w, NULL, 0);
        ASSERT(emhttp_jw_string_n(&w, sbuf, (size_t)n) != EMHTTP_ERR_JSON_UTF8);
        ASSERT(emhttp_jr_string_eq(r, v, sbuf, (size_t)n) == 1);
        ASSERT((size_t)n <= tl); /* unescaping never lengthens */
    }
    return n;
}

/* Append a path step for token k (a key) of length n; 0 if not usable. */
static size_t path_add_key(const emhttp_jr *r, int k, size_t at)
{
    int n = emhttp_jr_string(r, k, sbuf2, sizeof sbuf2), j;
    if (n <= 0 || at + 2 * (size_t)n + 2 >= sizeof path || memchr(sbuf2, 0, (size_t)n)) {
        return 0;
    }
    if (at > 0) {
        path[at++] = '.';
    }
    for (j = 0; j < n; j++) {
        if (sbuf2[j] == '.' || sbuf2[j] == '[' || sbuf2[j] == '\\') {
            path[at++] = '\\';
        }
        path[at++] = sbuf2[j];
    }
    path[at] = '\0';
    return at;
}

/* Walk down from the root choosing children with the input bytes; check
 * that the path built on the way finds each value. */
static void walk_paths(const emhttp_jr *r, const uint8_t *sel, size_t nsel)
{
    int v = 0;
    size_t at = 0, s;
    path[0] = '\0';
    for (s = 0; s < nsel; s++) {
        int type = emhttp_jr_type(r, v), n = emhttp_jr_count(r, v), c;
        if (n <= 0) {
            return;
        }
        c = emhttp_jr_index(r, v, sel[s] % (unsigned)n);
        ASSERT(c > v);
        if (type == EMHTTP_JSON_OBJECT) {
            int f;
            at = path_add_key(r, c - 1, at);
            if (at == 0) {
                return;
            }
            f = emhttp_jr_find(r, 0, path);
            ASSERT(f > 0);
            if (f != c) { /* a duplicate key: the first one won */
                ASSERT(f < c && emhttp_jr_string_eq(r, f - 1, sbuf2, strlen(sbuf2)) == 1);
                return;
            }
        } else {
            at += (size_t)snprintf(path + at, sizeof path - at, "[%u]", sel[s] % (unsigned)n);
            ASSERT(emhttp_jr_find(r, 0, path) == c);
        }
        v = c;
    }
}

/* Write token v (and its subtree) with the writer; returns the next token. */
static int rewrite(const emhttp_jr *r, int v, emhttp_jw *w)
{
    int type = emhttp_jr_type(r, v), n = emhttp_jr_count(r, v), k, c = v + 1;
    const char *t;
    size_t tl;
    if (type == EMHTTP_JSON_OBJECT || type == EMHTTP_JSON_ARRAY) {
        type == EMHTTP_JSON_OBJECT ? emhttp_jw_object(w) : emhttp_jw_array(w);
        for (k = 0; k < n; k++) {
            if (type == EMHTTP_JSON_OBJECT) {
                int len = emhttp_jr_string(r, c, sbuf, sizeof sbuf);
                ASSERT(len >= 0);
                emhttp_jw_key_n(w, sbuf, (size_t)len);
                c++;
            }
            c = rewrite(r, c, w);
        }
        type == EMHTTP_JSON_OBJECT ? emhttp_jw_object_end(w) : emhttp_jw_array_end(w);
        return c;
    }
    if (type == EMHTTP_JSON_STRING) {
        int len = emhttp_jr_string(r, v, sbuf, sizeof sbuf);
        ASSERT(len >= 0);
        emhttp_jw_string_n(w, sbuf, (size_t)len);
    } else {
        emhttp_jr_text(r, v, &t, &tl);
        emhttp_jw_raw(w, t, tl);
    }
    return c;
}

/* Same values in both documents, token by token. */
static void compare_docs(const emhttp_jr *a, const emhttp_jr *b, int ntok)
{
    int v;
    for (v = 0; v < ntok; v++) {
        int ta = emhttp_jr_type(a, v), na, nb;
        ASSERT(ta == emhttp_jr_type(b, v));
        ASSERT(emhttp_jr_count(a, v) == emhttp_jr_count(b, v));
        if (ta == EMHTTP_JSON_STRING) {
            na = emhttp_jr_string(a, v, sbuf, sizeof sbuf);
            nb = emhttp_jr_string(b, v, sbuf2, sizeof sbuf2);
            ASSERT(na == nb && memcmp(sbuf, sbuf2, (size_t)na) == 0);
        } else if (ta != EMHTTP_JSON_OBJECT && ta != EMHTTP_JSON_ARRAY) {
            const char *ta_, *tb_;
            size_t la, lb;
            emhttp_jr_text(a, v, &ta_, &la);
            emhttp_jr_text(b, v, &tb_, &lb);
            ASSERT(la == lb && memcmp(ta_, tb_, la) == 0);
        }
    }
}

static void check_prefixes(const char *js, size_t len, int ntok, unsigned seed)
{
    emhttp_jr r;
    const char *t;
    size_t tl, k;
    emhttp_jr_parse(&r, js, len, toks2, MAX_TOKS);
    emhttp_jr_text(&r, 0, &t, &tl);
    if (emhttp_jr_type(&r, 0) != EMHTTP_JSON_STRING && emhttp_jr_type(&r, 0) != EMHTTP_JSON_OBJECT &&
        emhttp_jr_type(&r, 0) != EMHTTP_JSON_ARRAY) {
        return;
    }
    tl = (size_t)(t - js) + tl + (emhttp_jr_type(&r, 0) == EMHTTP_JSON_STRING); /* value end */
    for (k = 0; k < 4; k++) {
        size_t cut = (seed * 2654435761u + k * 40503u) % tl;
        ASSERT(emhttp_jr_parse(&r, js, cut, toks2, MAX_TOKS) == EMHTTP_ERR_JSON_PARTIAL);
    }
    if (ntok > 1) {
        ASSERT(emhttp_jr_parse(&r, js, len, toks2, (unsigned)ntok - 1) == EMHTTP_ERR_JSON_NO_TOKENS);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emhttp_jr r, r2;
    emhttp_jw w;
    const char *js;
    size_t len;
    unsigned ntoks;
    int rc, v, n;
    static const char *const paths[] = {"", "a", "a.b", "[0]", "[1][0]", "a[2].b", "x\\.y",
                                        "..", "[", "a[", "[99999999999]", "\\", "a.b.c.d.e"};
    if (size < 1) {
        return 0;
    }
    ntoks = data[0] == 0xFF ? MAX_TOKS : data[0];
    js = (const char *)data + 1;
    len = size - 1;
    rc = emhttp_jr_parse(&r, js, len, toks, ntoks);
    ASSERT(rc > 0 || is_parse_error(rc));
    if (rc == EMHTTP_ERR_JSON_NO_TOKENS) {
        rc = emhttp_jr_parse(&r, js, len, toks, MAX_TOKS);
        ASSERT(rc > (int)ntoks || rc == EMHTTP_ERR_JSON_NO_TOKENS);
    }
    if (rc <= 0) {
        return 0;
    }
    for (v = 0; v < rc; v++) {
        poke(&r, v);
    }
    for (v = 0; v < (int)(sizeof paths / sizeof paths[0]); v++) {
        n = emhttp_jr_find(&r, 0, paths[v]);
        ASSERT(n >= 0 || n == EMHTTP_ERR_JSON_NOT_FOUND || n == EMHTTP_ERR_JSON_TYPE ||
               n == EMHTTP_ERR_JSON_PATH);
    }
    walk_paths(&r, data, size < 12 ? size : 12);
    check_prefixes(js, len, rc, (unsigned)size);
    /* write it back and read it again */
    emhttp_jw_init(&w, out, sizeof out);
    ASSERT(rewrite(&r, 0, &w) == rc);
    n = emhttp_jw_finish(&w);
    ASSERT(n > 0 || n == EMHTTP_ERR_JSON_OVERFLOW);
    if (n > 0) {
        ASSERT(emhttp_jr_parse(&r2, (const char *)out, (size_t)n, toks2, MAX_TOKS) == rc);
        compare_docs(&r, &r2, rc);
    }
    return 0;
}
