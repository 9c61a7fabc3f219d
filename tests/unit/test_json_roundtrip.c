/* Round trip: 10,000 random documents (seeded, reproducible) are written
 * with the JSON writer, then read back two ways to exactly the values
 * that went in:
 *   - by /usr/bin/python3's json.loads (json_roundtrip_check.py, one
 *     process for all documents; doubles compared bit for bit),
 *   - by the JSON reader (every value by walking the tokens, some by path).
 * The first 300 documents are also written into every buffer size from 0
 * to their length: the exact document or the overflow error with the
 * right needed length, and a guard region after the buffer untouched.
 *
 *   test_json_roundtrip [path/to/json_roundtrip_check.py]
 * (default: next to this source file).
 */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emhttp/json_reader.h"
#include "emhttp/json_writer.h"

#define DOCS 10000
#define SWEEP_DOCS 300
#define MAX_NODES 700
#define POOL_SIZE (1 << 20)
#define MAX_DEPTH CONFIG_EMHTTP_JSON_MAX_DEPTH

enum { K_OBJ, K_ARR, K_STR, K_INT, K_UINT, K_FIXED, K_DBL, K_TRUE, K_FALSE, K_NULL, K_RAW };

typedef struct {
    uint8_t kind;
    unsigned n;               /* containers: children */
    size_t key, key_len;      /* member of an object: key bytes in the pool */
    size_t s, s_len;          /* string / raw bytes in the pool */
    int64_t i;                /* int, fixed */
    uint64_t u;               /* uint, double bits */
    unsigned scale;
} node;

typedef struct {
    node nodes[MAX_NODES];
    int nn;
    uint8_t pool[POOL_SIZE];
    size_t np;
    uint64_t rng;
    int budget, deep;
} gen;

static gen g;

static uint64_t rnd(void)
{
    uint64_t z = (g.rng += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n) { return (unsigned)(rnd() % n); }

/* ---- generation -------------------------------------------------------- */

static void put_utf8(uint32_t cp)
{
    uint8_t *p = g.pool + g.np;
    if (cp < 0x80) {
        p[0] = (uint8_t)cp;
        g.np += 1;
    } else if (cp < 0x800) {
        p[0] = (uint8_t)(0xC0 | (cp >> 6));
        p[1] = (uint8_t)(0x80 | (cp & 0x3F));
        g.np += 2;
    } else if (cp < 0x10000) {
        p[0] = (uint8_t)(0xE0 | (cp >> 12));
        p[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        p[2] = (uint8_t)(0x80 | (cp & 0x3F));
        g.np += 3;
    } else {
        p[0] = (uint8_t)(0xF0 | (cp >> 18));
        p[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        p[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        p[3] = (uint8_t)(0x80 | (cp & 0x3F));
        g.np += 4;
    }
}

static uint32_t random_code_point(void)
{
    unsigned r = below(100);
    uint32_t cp;
    if (r < 45) {
        return 0x20 + below(0x5F); /* printable ASCII, '"' and '\\' included */
    }
    if (r < 60) {
        return r < 58 ? below(0x20) : 0x7F; /* control characters */
    }
    if (r < 75) {
        return 0x80 + below(0x780);
    }
    if (r < 90) {
        do {
            cp = 0x800 + below(0xF800);
        } while (cp >= 0xD800 && cp <= 0xDFFF);
        return cp;
    }
    return 0x10000 + below(0x100000);
}

/* A random valid UTF-8 string into the pool. */
static void gen_string(size_t *off, size_t *len)
{
    unsigned n = below(8) == 0 ? below(300) : below(24), k;
    if (g.np > POOL_SIZE / 2) {
        n = 0; /* keep the pool from filling up */
    }
    *off = g.np;
    if (below(50) == 0) { /* every control character and both quotes */
        for (k = 0; k < 0x20; k++) {
            g.pool[g.np++] = (uint8_t)k;
        }
        memcpy(g.pool + g.np, "\"\\/", 3);
        g.np += 3;
    }
    for (k = 0; k < n; k++) {
        put_utf8(random_code_point());
    }
    *len = g.np - *off;
}

static int64_t random_int(void)
{
    static const int64_t special[] = {INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN + 1,
                                      INT64_MAX - 1, 999999999, -1000000000};
    if (below(5) == 0) {
        return special[below(sizeof special / sizeof special[0])];
    }
    return (int64_t)(rnd() >> below(64));
}

static uint64_t random_uint(void)
{
    static const uint64_t special[] = {UINT64_MAX, 0, 1, (uint64_t)1 << 63, 4294967295u,
                                       4294967296u, 10000000000000000000u};
    if (below(4) == 0) {
        return special[below(sizeof special / sizeof special[0])];
    }
    return rnd() >> below(64);
}

static uint64_t random_double_bits(void)
{
    static const uint64_t special[] = {
        0, 0x8000000000000000u, 1, 0x8000000000000001u, 0x000fffffffffffffu,
        0x0010000000000000u, 0x7fefffffffffffffu, 0xffefffffffffffffu, 0x3ff0000000000000u,
        0x3fb999999999999au, 0x4415af1d78b58c40u, 0x44b52d02c7e14af6u, 0x3eb0c6f7a0b5ed8du};
    unsigned r = below(10);
    uint64_t b;
    double d;
    if (r < 2) {
        return special[below(sizeof special / sizeof special[0])];
    }
    if (r < 3) {
        return rnd() & 0x800fffffffffffffu; /* subnormal */
    }
    if (r < 5) { /* short decimals, like sensor values */
        static const double p10[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6};
        d = (double)((int64_t)(rnd() % 2000001) - 1000000) / p10[below(7)];
        memcpy(&b, &d, sizeof b);
        return b;
    }
    do {
        b = rnd();
    } while (((b >> 52) & 0x7FF) == 0x7FF);
    return b;
}

static const char *const raws[] = {
    "{\"raw\":[1,2.5,{\"x\":null}]}", "[]", "\"r\\u00e9\\n\"", "-0.0", "123",
    "{\"a\":{\"b\":[true,false]}}", "[[[]]]",
};

static int gen_value(unsigned depth);

static void gen_container(node *nd, unsigned depth)
{
    unsigned n = below(6) == 0 ? below(24) : below(6), k;
    int deep_now = g.deep && depth + 1 < MAX_DEPTH;
    if (deep_now && n == 0) {
        n = 1;
    }
    nd->n = n;
    for (k = 0; k < n && g.nn < MAX_NODES - 2; k++) {
        int child = gen_value(depth + 1);
        if (nd->kind == K_OBJ) {
            char suffix[16];
            size_t sl = (size_t)snprintf(suffix, sizeof suffix, "#%u", k);
            gen_string(&g.nodes[child].key, &g.nodes[child].key_len);
            memcpy(g.pool + g.np, suffix, sl); /* keys are unique in an object */
            g.np += sl;
            g.nodes[child].key_len += sl;
        }
    }
    nd->n = k;
}

static unsigned pick_kind(unsigned depth)
{
    if (g.deep && depth + 1 < MAX_DEPTH) {
        return below(2) ? K_OBJ : K_ARR;
    }
    if (depth < MAX_DEPTH && g.budget > 0 && below(100) < 30u - 3u * (depth < 10 ? depth : 10)) {
        return below(2) ? K_OBJ : K_ARR;
    }
    /* a raw fragment nests up to 3 levels of its own */
    unsigned k = K_STR + below(depth + 3 <= MAX_DEPTH ? K_RAW - K_STR + 1 : K_RAW - K_STR);
    return (k == K_DBL && !CONFIG_EMHTTP_JSON_FLOAT) ? K_NULL : k;
}

/* Appends a value (and its subtree) in document order; returns its index. */
static int gen_value(unsigned depth)
{
    int idx = g.nn++;
    node *nd = &g.nodes[idx];
    memset(nd, 0, sizeof *nd);
    nd->kind = (uint8_t)pick_kind(depth);
    g.budget--;
    switch (nd->kind) {
    case K_OBJ:
    case K_ARR:
        gen_container(nd, depth);
        break;
    case K_STR:
        gen_string(&nd->s, &nd->s_len);
        break;
    case K_INT:
        nd->i = random_int();
        break;
    case K_UINT:
        nd->u = random_uint();
        break;
    case K_FIXED:
        nd->i = random_int();
        nd->scale = below(19);
        break;
    case K_DBL:
        nd->u = random_double_bits();
        break;
    case K_RAW:
        nd->s = below(sizeof raws / sizeof raws[0]);
        break;
    default:
        break;
    }
    return idx;
}

static void gen_doc(unsigned doc)
{
    g.rng = 0x5EED0000u + doc * 0x100000001B3u;
    g.nn = 0;
    g.np = 0;
    g.budget = below(10) == 0 ? 400 : 60;
    g.deep = below(20) == 0;
    gen_value(0);
}

/* ---- writing ----------------------------------------------------------- */

static void write_value(emhttp_jw *w, int *ni)
{
    const node *nd = &g.nodes[(*ni)++];
    unsigned k;
    switch (nd->kind) {
    case K_OBJ:
    case K_ARR:
        nd->kind == K_OBJ ? emhttp_jw_object(w) : emhttp_jw_array(w);
        for (k = 0; k < nd->n; k++) {
            const node *c = &g.nodes[*ni];
            if (nd->kind == K_OBJ) {
                emhttp_jw_key_n(w, (const char *)g.pool + c->key, c->key_len);
            }
            write_value(w, ni);
        }
        nd->kind == K_OBJ ? emhttp_jw_object_end(w) : emhttp_jw_array_end(w);
        break;
    case K_STR:
        emhttp_jw_string_n(w, (const char *)g.pool + nd->s, nd->s_len);
        break;
    case K_INT:
        emhttp_jw_int(w, nd->i);
        break;
    case K_UINT:
        emhttp_jw_uint(w, nd->u);
        break;
    case K_FIXED:
        emhttp_jw_fixed(w, nd->i, nd->scale);
        break;
#if CONFIG_EMHTTP_JSON_FLOAT
    case K_DBL: {
        double d;
        memcpy(&d, &nd->u, sizeof d);
        emhttp_jw_double(w, d);
    }
        break;
#endif
    case K_TRUE:
    case K_FALSE:
        emhttp_jw_bool(w, nd->kind == K_TRUE);
        break;
    case K_NULL:
        emhttp_jw_null(w);
        break;
    default:
        emhttp_jw_raw(w, raws[nd->s], strlen(raws[nd->s]));
        break;
    }
}

static int write_doc(uint8_t *buf, size_t size, emhttp_jw *w)
{
    int ni = 0;
    emhttp_jw_init(w, buf, size);
    write_value(w, &ni);
    return emhttp_jw_finish(w);
}

/* ---- expectations for Python ------------------------------------------- */

static void put_hex(FILE *f, const char *tag, const uint8_t *p, size_t n)
{
    size_t k;
    fputs(tag, f);
    for (k = 0; k < n; k++) {
        fprintf(f, "%02x", p[k]);
    }
    fputc(' ', f);
}

static void expect_value(FILE *f, int *ni)
{
    const node *nd = &g.nodes[(*ni)++];
    unsigned k;
    switch (nd->kind) {
    case K_OBJ:
    case K_ARR:
        fprintf(f, "%c:%u ", nd->kind == K_OBJ ? 'O' : 'A', nd->n);
        for (k = 0; k < nd->n; k++) {
            const node *c = &g.nodes[*ni];
            if (nd->kind == K_OBJ) {
                put_hex(f, "K:", g.pool + c->key, c->key_len);
            }
            expect_value(f, ni);
        }
        break;
    case K_STR:
        put_hex(f, "S:", g.pool + nd->s, nd->s_len);
        break;
    case K_INT:
        fprintf(f, "I:%" PRId64 " ", nd->i);
        break;
    case K_UINT:
        fprintf(f, "U:%" PRIu64 " ", nd->u);
        break;
    case K_FIXED:
        fprintf(f, "X:%" PRId64 ":%u ", nd->i, nd->scale);
        break;
    case K_DBL:
        fprintf(f, "D:%016" PRIx64 " ", nd->u);
        break;
    case K_RAW:
        put_hex(f, "R:", (const uint8_t *)raws[nd->s], strlen(raws[nd->s]));
        break;
    default:
        fputs(nd->kind == K_TRUE ? "T " : nd->kind == K_FALSE ? "F " : "N ", f);
        break;
    }
}

/* ---- reading back ------------------------------------------------------ */

static emhttp_json_tok toks[4096];
static char sbuf[POOL_SIZE];
static char path[8192];

typedef struct {
    emhttp_jr r;
    int ntok;
    unsigned long values, paths, bad;
} reader_state;

static void fail(reader_state *st, const char *what, int v)
{
    if (st->bad++ < 10) {
        fprintf(stderr, "reader: %s at token %d\n", what, v);
    }
}

/* Append a path step for key bytes; 0 if the key cannot be a path name. */
static size_t path_key(size_t at, const uint8_t *key, size_t n)
{
    size_t k;
    if (n == 0 || at + 2 * n + 2 >= sizeof path) {
        return 0;
    }
    if (at > 0) {
        path[at++] = '.';
    }
    for (k = 0; k < n; k++) {
        if (key[k] == 0) {
            return 0;
        }
        if (key[k] == '.' || key[k] == '[' || key[k] == '\\') {
            path[at++] = '\\';
        }
        path[at++] = (char)key[k];
    }
    path[at] = '\0';
    return at;
}

static void check_scalar(reader_state *st, const node *nd, int v)
{
    int64_t i = 0;
    uint64_t u = 0;
    bool b = false;
#if CONFIG_EMHTTP_JSON_FLOAT
    double d;
#endif
    int n;
    const char *t;
    size_t tl;
    switch (nd->kind) {
    case K_STR:
        n = emhttp_jr_string(&st->r, v, sbuf, sizeof sbuf);
        if (n < 0 || (size_t)n != nd->s_len || memcmp(sbuf, g.pool + nd->s, nd->s_len) != 0 ||
            emhttp_jr_string_eq(&st->r, v, (const char *)g.pool + nd->s, nd->s_len) != 1) {
            fail(st, "string", v);
        }
        break;
    case K_INT:
        if (emhttp_jr_int(&st->r, v, &i) != 0 || i != nd->i) {
            fail(st, "int", v);
        }
        break;
    case K_UINT:
        if (emhttp_jr_uint(&st->r, v, &u) != 0 || u != nd->u) {
            fail(st, "uint", v);
        }
        break;
    case K_FIXED:
        if (emhttp_jr_fixed(&st->r, v, nd->scale, &i) != 0 || i != nd->i) {
            fail(st, "fixed", v);
        }
        break;
#if CONFIG_EMHTTP_JSON_FLOAT
    case K_DBL:
        if (emhttp_jr_double(&st->r, v, &d) != 0 || memcmp(&d, &nd->u, sizeof d) != 0) {
            fail(st, "double", v);
        }
        break;
#endif
    case K_TRUE:
    case K_FALSE:
        if (emhttp_jr_bool(&st->r, v, &b) != 0 || b != (nd->kind == K_TRUE)) {
            fail(st, "bool", v);
        }
        break;
    case K_NULL:
        if (emhttp_jr_null(&st->r, v) != 0) {
            fail(st, "null", v);
        }
        break;
    default: /* raw: the same text (a string's without its quotes) */
        n = raws[nd->s][0] == '"';
        if (emhttp_jr_text(&st->r, v, &t, &tl) != 0 || tl != strlen(raws[nd->s]) - 2u * (size_t)n ||
            memcmp(t, raws[nd->s] + n, tl) != 0) {
            fail(st, "raw", v);
        }
        break;
    }
}

/* Check value v against node *ni (and their subtrees); returns the token
 * after v's subtree.  plen: length of the path to v, 0 if unusable. */
static int check_value(reader_state *st, int *ni, int v, size_t plen, int root)
{
    const node *nd = &g.nodes[(*ni)++];
    int next, c = v + 1;
    unsigned k;
    st->values++;
    if ((plen > 0 || root) && below(8) == 0) {
        st->paths++;
        if (emhttp_jr_find(&st->r, 0, root ? "" : path) != v) {
            fail(st, "path", v);
        }
    }
    if (nd->kind != K_OBJ && nd->kind != K_ARR) {
        check_scalar(st, nd, v);
        next = emhttp_jr_next(&st->r, v);
        return next < 0 ? st->ntok : next;
    }
    if (emhttp_jr_type(&st->r, v) != (nd->kind == K_OBJ ? EMHTTP_JSON_OBJECT : EMHTTP_JSON_ARRAY) ||
        emhttp_jr_count(&st->r, v) != (int)nd->n) {
        fail(st, "container", v);
        return st->ntok;
    }
    for (k = 0; k < nd->n && c < st->ntok; k++) {
        const node *ch = &g.nodes[*ni];
        size_t cl = 0;
        if (nd->kind == K_OBJ) {
            if (emhttp_jr_string_eq(&st->r, c, (const char *)g.pool + ch->key, ch->key_len) != 1) {
                fail(st, "key", c);
            }
            cl = (plen > 0 || root) ? path_key(plen, g.pool + ch->key, ch->key_len) : 0;
            c++;
        } else if ((plen > 0 || root) && plen + 16 < sizeof path) {
            cl = plen + (size_t)sprintf(path + plen, "[%u]", k);
        }
        if (emhttp_jr_index(&st->r, v, k) != c) {
            fail(st, "index", c);
        }
        c = check_value(st, ni, c, cl, 0);
        if (plen > 0 || root) {
            path[plen] = '\0';
        }
    }
    next = emhttp_jr_next(&st->r, v);
    if ((next < 0 ? st->ntok : next) != c) {
        fail(st, "next", v);
    }
    return c;
}

/* ---- the test ---------------------------------------------------------- */

static uint8_t doc[8 << 20];

static void sweep_sizes(int full)
{
    enum { GUARD = 32 };
    static uint8_t buf[sizeof doc + GUARD];
    int size, bad = 0;
    for (size = 0; size <= full; size++) {
        emhttp_jw w;
        int rc, k;
        memset(buf + size, 0xA5, GUARD);
        rc = write_doc(buf, (size_t)size, &w);
        for (k = 0; k < GUARD; k++) {
            bad += buf[size + k] != 0xA5;
        }
        bad += emhttp_jw_needed(&w) != (size_t)full;
        bad += size < full ? rc != EMHTTP_ERR_JSON_OVERFLOW
                           : (rc != full || memcmp(buf, doc, (size_t)full) != 0);
    }
    CHECK_EQ_INT(bad, 0);
}

static const char *script_path(int argc, char **argv)
{
    static char p[1024];
    const char *slash = strrchr(__FILE__, '/');
    if (argc > 1) {
        return argv[1];
    }
    snprintf(p, sizeof p, "%.*sjson_roundtrip_check.py",
             slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__);
    return p;
}

int main(int argc, char **argv)
{
    char cmd[1200];
    FILE *py;
    reader_state st;
    unsigned d;
    unsigned long bytes = 0, swept = 0;
    int rc;
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s'", script_path(argc, argv));
    py = popen(cmd, "w");
    CHECK(py != NULL);
    if (py == NULL) {
        return check_summary();
    }
    memset(&st, 0, sizeof st);
    for (d = 0; d < DOCS; d++) {
        emhttp_jw w;
        int len, ni = 0;
        gen_doc(d);
        len = write_doc(doc, sizeof doc, &w);
        CHECK(len > 0);
        if (len <= 0) {
            fprintf(stderr, "document %u: writer error %d\n", d, len);
            continue;
        }
        bytes += (unsigned long)len;
        fwrite(doc, 1, (size_t)len, py);
        fputc('\n', py);
        expect_value(py, &ni);
        fputc('\n', py);
        st.ntok = emhttp_jr_parse(&st.r, (const char *)doc, (size_t)len, toks, 4096);
        CHECK(st.ntok > 0);
        if (st.ntok > 0) {
            unsigned long before = st.bad;
            ni = 0;
            path[0] = '\0';
            CHECK_EQ_INT(check_value(&st, &ni, 0, 0, 1), st.ntok);
            if (st.bad != before) {
                fprintf(stderr, "document %u: reader mismatch\n", d);
            }
        }
        if (d < SWEEP_DOCS && len <= 4000) {
            sweep_sizes(len);
            swept++;
        }
    }
    rc = pclose(py);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(st.bad, 0);
    printf("%u documents, %lu bytes, %lu values read back, %lu path lookups, "
           "%lu documents swept over every buffer size\n",
           DOCS, bytes, st.values, st.paths, swept);
    return check_summary();
}
