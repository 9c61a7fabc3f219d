/*
 * fuzz_json_write_parse - libFuzzer harness: the input drives the JSON
 * writer, a small independent model predicts every call's result, and
 * a finished document is read back with the JSON reader to the same
 * values.
 *
 * Input: byte 0 gives the size of a second, small output buffer; then
 * operations, one byte each (low 4 bits: operation) followed by their
 * operands (string: a length byte and the bytes; numbers: 8 bytes).
 * Checks:
 *   - each call returns what the model says (OK, STATE, DEPTH, UTF8 with
 *     UTF-8 checked by a decoder written differently from the writer's,
 *     ARG, NUMBER), errors sticking;
 *   - a finished document parses, and the tokens match the calls: keys,
 *     strings (unescaped), integers, fixed point, doubles bit for bit;
 *   - the same calls into the small buffer give the same document or
 *     EMHTTP_ERR_JSON_OVERFLOW with the full needed length, and no byte
 *     after that buffer changes.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *       -Icore/include -Itests/support core/src/json_writer.c core/src/json_reader.c core/src/http_chars.c \
 *       tests/fuzz/fuzz_json_write_parse.c -o fuzz_json_write_parse
 *   ./fuzz_json_write_parse -max_total_time=60 tests/fuzz/corpus/json_write_parse
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emhttp/json_reader.h"
#include "emhttp/json_writer.h"
#include "fuzz_assert.h"
#include "utf8_ref.h"

#define MAX_OPS 512
#define MAXD CONFIG_EMHTTP_JSON_MAX_DEPTH

enum {
    OP_OBJ, OP_ARR, OP_OBJ_END, OP_ARR_END, OP_KEY, OP_STR, OP_INT, OP_UINT,
    OP_FIXED, OP_DBL, OP_TRUE, OP_FALSE, OP_NULL, OP_RAW, OP_FINISH_CHECK, OP_KEY_ASCII
};

typedef struct {
    uint8_t kind;
    const uint8_t *p; /* string bytes */
    size_t n;
    uint64_t v;       /* int / uint / double bits / raw index */
    unsigned scale;
} op;

static op ops[MAX_OPS];
static int nops;

/* raw fragments: scalars, then containers (one level) */
static const char *const raws[] = {"1.5e3", "\"r\\u00e9\"", "-0", "null", "[]", "{\"k\":[]}", "[1,\"x\"]"};

static uint64_t take64(const uint8_t **p, const uint8_t *end)
{
    uint64_t v = 0;
    int k;
    for (k = 0; k < 8 && *p < end; k++) {
        v = (v << 8) | *(*p)++;
    }
    return v;
}

static void decode(const uint8_t *p, const uint8_t *end)
{
    nops = 0;
    while (p < end && nops < MAX_OPS) {
        op *o = &ops[nops++];
        memset(o, 0, sizeof *o);
        o->kind = *p & 15u;
        o->scale = (unsigned)(*p++ >> 4) + 8u; /* 8..23: some invalid */
        if (o->kind == OP_KEY || o->kind == OP_STR || o->kind == OP_KEY_ASCII) {
            o->n = p < end ? *p++ : 0;
            o->n = o->n > (size_t)(end - p) ? (size_t)(end - p) : o->n;
            o->p = p;
            p += o->n;
        } else if (o->kind >= OP_INT && o->kind <= OP_DBL) {
            o->v = take64(&p, end);
            o->scale = o->kind == OP_FIXED ? (unsigned)(o->v >> 56) % 20u : 0u;
        } else if (o->kind == OP_RAW) {
            o->v = p < end ? *p++ % (sizeof raws / sizeof raws[0]) : 0;
        }
    }
}

/* ---- the model --------------------------------------------------------- */

typedef struct {
    int depth, done, err;
    uint8_t is_obj[MAXD + 1];
    uint8_t has_key[MAXD + 1];
} model;

static int m_fail(model *m, int e)
{
    m->err = e;
    return e;
}

/* A value may come here (0) or the error. */
static int m_value(model *m)
{
    if (m->depth == 0) {
        return m->done ? m_fail(m, EMHTTP_ERR_JSON_STATE) : (m->done = 1, 0);
    }
    if (m->is_obj[m->depth]) {
        if (!m->has_key[m->depth]) {
            return m_fail(m, EMHTTP_ERR_JSON_STATE);
        }
        m->has_key[m->depth] = 0;
    }
    return 0;
}

/* Levels of nesting each raw fragment adds ({"k":[]} adds two). */
static const int raw_depth[] = {0, 0, 0, 0, 1, 2, 1};

/* The reader's depth limit must not be crossed inside a raw fragment,
 * which the writer does not count. */
static int raw_ok(const model *m, const op *o)
{
    return m->depth + raw_depth[o->v] <= MAXD;
}

static int m_apply(model *m, const op *o)
{
    int rc;
    if (m->err) {
        return m->err;
    }
    switch (o->kind) {
    case OP_OBJ:
    case OP_ARR:
        if ((rc = m_value(m)) != 0) {
            return rc;
        }
        if (m->depth >= MAXD) {
            return m_fail(m, EMHTTP_ERR_JSON_DEPTH);
        }
        m->depth++;
        m->is_obj[m->depth] = o->kind == OP_OBJ;
        m->has_key[m->depth] = 0;
        return 0;
    case OP_OBJ_END:
    case OP_ARR_END:
        if (m->depth == 0 || m->is_obj[m->depth] != (o->kind == OP_OBJ_END) || m->has_key[m->depth]) {
            return m_fail(m, EMHTTP_ERR_JSON_STATE);
        }
        m->depth--;
        return 0;
    case OP_KEY:
    case OP_KEY_ASCII:
        if (m->depth == 0 || !m->is_obj[m->depth] || m->has_key[m->depth]) {
            return m_fail(m, EMHTTP_ERR_JSON_STATE);
        }
        m->has_key[m->depth] = 1;
        return utf8_ok(o->p, o->n) ? 0 : m_fail(m, EMHTTP_ERR_JSON_UTF8);
    default:
        break;
    }
    if ((rc = m_value(m)) != 0) {
        return rc;
    }
    if (o->kind == OP_STR && !utf8_ok(o->p, o->n)) {
        return m_fail(m, EMHTTP_ERR_JSON_UTF8);
    }
    if (o->kind == OP_FIXED && o->scale > 18) {
        return m_fail(m, EMHTTP_ERR_ARG);
    }
    if (o->kind == OP_DBL && ((o->v >> 52) & 0x7FF) == 0x7FF) {
        return m_fail(m, EMHTTP_ERR_JSON_NUMBER);
    }
    return 0;
}

/* ---- driving the writer ------------------------------------------------ */

static int w_apply(emhttp_jw *w, const op *o)
{
    double d;
    switch (o->kind) {
    case OP_OBJ:
        return emhttp_jw_object(w);
    case OP_ARR:
        return emhttp_jw_array(w);
    case OP_OBJ_END:
        return emhttp_jw_object_end(w);
    case OP_ARR_END:
        return emhttp_jw_array_end(w);
    case OP_KEY:
    case OP_KEY_ASCII:
        return emhttp_jw_key_n(w, (const char *)o->p, o->n);
    case OP_STR:
        return emhttp_jw_string_n(w, (const char *)o->p, o->n);
    case OP_INT:
        return emhttp_jw_int(w, (int64_t)o->v);
    case OP_UINT:
        return emhttp_jw_uint(w, o->v);
    case OP_FIXED:
        return emhttp_jw_fixed(w, (int64_t)o->v, o->scale);
    case OP_DBL:
        memcpy(&d, &o->v, sizeof d);
#if CONFIG_EMHTTP_JSON_FLOAT
        return emhttp_jw_double(w, d);
#else
        return emhttp_jw_null(w);
#endif
    case OP_TRUE:
    case OP_FALSE:
        return emhttp_jw_bool(w, o->kind == OP_TRUE);
    case OP_RAW:
        return emhttp_jw_raw(w, raws[o->v], strlen(raws[o->v]));
    default:
        return emhttp_jw_null(w);
    }
}

/* Turn ops the model would not let through cleanly into harmless ones:
 * ASCII keys (so most documents finish), raw containers at the deepest
 * level (the reader would refuse the nesting), doubles without FLOAT. */
static void sanitize(void)
{
    model m;
    int k;
    size_t j;
    memset(&m, 0, sizeof m);
    for (k = 0; k < nops; k++) {
        op *o = &ops[k];
        if (o->kind == OP_KEY_ASCII) {
            for (j = 0; j < o->n && o->p[j] < 0x80; j++) {
            }
            o->n = j;
        }
        if (o->kind == OP_RAW && !raw_ok(&m, o)) {
            o->v = 0;
        }
        if (o->kind == OP_FINISH_CHECK || (o->kind == OP_DBL && !CONFIG_EMHTTP_JSON_FLOAT)) {
            o->kind = OP_NULL;
        }
        (void)m_apply(&m, o);
    }
}

/* ---- reading back ------------------------------------------------------ */

static emhttp_json_tok toks[4 * MAX_OPS];
static char sbuf[512];

static void check_token(const emhttp_jr *r, int v, const op *o)
{
    int64_t i;
    uint64_t u;
    bool b;
    int n;
    switch (o->kind) {
    case OP_KEY:
    case OP_KEY_ASCII:
    case OP_STR:
        n = emhttp_jr_string(r, v, sbuf, sizeof sbuf);
        ASSERT(n == (int)o->n && memcmp(sbuf, o->p, o->n) == 0);
        ASSERT(emhttp_jr_string_eq(r, v, (const char *)o->p, o->n) == 1);
        break;
    case OP_INT:
        ASSERT(emhttp_jr_int(r, v, &i) == 0 && i == (int64_t)o->v);
        break;
    case OP_UINT:
        ASSERT(emhttp_jr_uint(r, v, &u) == 0 && u == o->v);
        break;
    case OP_FIXED:
        ASSERT(emhttp_jr_fixed(r, v, o->scale, &i) == 0 && i == (int64_t)o->v);
        break;
#if CONFIG_EMHTTP_JSON_FLOAT
    case OP_DBL: {
        double d;
        ASSERT(emhttp_jr_double(r, v, &d) == 0 && memcmp(&d, &o->v, sizeof d) == 0);
        break;
    }
#endif
    case OP_TRUE:
    case OP_FALSE:
        ASSERT(emhttp_jr_bool(r, v, &b) == 0 && b == (o->kind == OP_TRUE));
        break;
    default:
        ASSERT(emhttp_jr_null(r, v) == 0);
        break;
    }
}

/* Walk the calls that succeeded alongside the tokens, in document order. */
static void read_back(const char *doc, size_t len)
{
    emhttp_jr r;
    int ntok = emhttp_jr_parse(&r, doc, len, toks, sizeof toks / sizeof toks[0]);
    int v = 0, k, depth = 0, cont[MAXD + 1], count[MAXD + 1];
    ASSERT(ntok > 0);
    for (k = 0; k < nops; k++) {
        const op *o = &ops[k];
        if (o->kind == OP_OBJ_END || o->kind == OP_ARR_END) {
            ASSERT(emhttp_jr_count(&r, cont[depth]) == count[depth]);
            depth--;
            continue;
        }
        if (depth > 0 && o->kind != OP_KEY && o->kind != OP_KEY_ASCII) {
            count[depth]++;
        }
        if (o->kind == OP_OBJ || o->kind == OP_ARR) {
            ASSERT(emhttp_jr_type(&r, v) ==
                   (o->kind == OP_OBJ ? EMHTTP_JSON_OBJECT : EMHTTP_JSON_ARRAY));
            cont[++depth] = v++;
            count[depth] = 0;
        } else if (o->kind == OP_RAW) {
            const char *t;
            size_t tl;
            int q = raws[o->v][0] == '"', nx = emhttp_jr_next(&r, v);
            ASSERT(emhttp_jr_text(&r, v, &t, &tl) == 0 && tl == strlen(raws[o->v]) - 2u * (size_t)q &&
                   memcmp(t, raws[o->v] + q, tl) == 0);
            v = nx < 0 ? ntok : nx;
        } else {
            check_token(&r, v++, o);
        }
    }
    ASSERT(v == ntok && depth == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t big[1 << 17], small[256 + 64];
    emhttp_jw w;
    model m;
    int k, rc, full;
    size_t small_size;
    if (size < 1) {
        return 0;
    }
    small_size = data[0];
    decode(data + 1, data + size);
    sanitize();
    memset(&m, 0, sizeof m);
    emhttp_jw_init(&w, big, sizeof big);
    for (k = 0; k < nops; k++) {
        int want = m_apply(&m, &ops[k]);
        rc = w_apply(&w, &ops[k]);
        ASSERT(rc == want || (want == 0 && rc == EMHTTP_ERR_JSON_OVERFLOW));
        if (rc != 0) {
            nops = k + 1; /* the error sticks: nothing after it matters */
            break;
        }
    }
    full = emhttp_jw_finish(&w);
    if (m.err == 0 && (m.depth != 0 || !m.done)) {
        m.err = EMHTTP_ERR_JSON_STATE;
    }
    ASSERT(full > 0 ? m.err == 0 : (full == m.err || full == EMHTTP_ERR_JSON_OVERFLOW));
    if (full <= 0) {
        return 0;
    }
    read_back((const char *)big, (size_t)full);
    /* the same calls into a small buffer */
    memset(small, 0xA5, sizeof small);
    emhttp_jw_init(&w, small, small_size);
    for (k = 0; k < nops; k++) {
        (void)w_apply(&w, &ops[k]);
    }
    rc = emhttp_jw_finish(&w);
    ASSERT(emhttp_jw_needed(&w) == (size_t)full);
    ASSERT(small_size >= (size_t)full ? (rc == full && memcmp(small, big, (size_t)full) == 0)
                                      : rc == EMHTTP_ERR_JSON_OVERFLOW);
    for (k = (int)small_size; k < (int)sizeof small; k++) {
        ASSERT(small[k] == 0xA5);
    }
    return 0;
}
