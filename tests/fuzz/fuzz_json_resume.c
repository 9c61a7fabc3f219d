/*
 * fuzz_json_resume - libFuzzer harness for the JSON writer's resumable
 * output (CONFIG_EMHTTP_BODY_STREAM): the input is a random document (a
 * sequence of writer calls, valid or not) and random split points (the
 * sizes of the buffers it is written through).
 *
 * The calls go once into one big buffer, and once into a resumable writer
 * given buffers of the drawn sizes (1 byte and up), repeating each call
 * that ran out of room after emhttp_jw_resume().  Checks:
 *   - every call's final result is the one-piece result (errors included:
 *     STATE, DEPTH, UTF8, ARG, NUMBER, and what sticks after them);
 *   - the finish gives the same result; when the document is complete the
 *     pieces put together are byte for byte the one-piece document;
 *   - a piece that ended because a call ran out of room is full to its
 *     last byte; no byte is written past a piece.
 *
 * Input: bytes 0-3 seed the piece sizes; then operations, one byte each
 * (low 4 bits: the call) and their operands (string: a length byte and
 * the bytes, or for a long string a length byte times 64 of one byte;
 * numbers: 8 bytes).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DEMHTTP_CONFIG_DEFAULTS=1 \
 *       -Icore/include -Itests/support core/src/abi.c core/src/json_common.c core/src/json_writer.c \
 *       core/src/http_chars.c tests/fuzz/fuzz_json_resume.c -o fuzz_json_resume
 *   ./fuzz_json_resume -max_total_time=60 tests/fuzz/corpus/json_resume
 * tests/unit/test_json_resume.c runs it over seeded random inputs in every
 * build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emhttp/json_writer.h"
#include "fuzz_assert.h"

#define MAX_OPS 512
#define BIG (1u << 20)

enum {
    OP_OBJ, OP_ARR, OP_OBJ_END, OP_ARR_END, OP_KEY, OP_STR, OP_INT, OP_UINT,
    OP_FIXED, OP_DBL, OP_BOOL, OP_NULL, OP_RAW, OP_LONG_STR, OP_LONG_KEY, OP_KEY_NUL
};

typedef struct {
    uint8_t kind;
    const uint8_t *p; /* string bytes */
    size_t n;
    uint64_t v;
    unsigned scale;
} op;

static op ops[MAX_OPS];
static int nops;
static uint8_t longs[MAX_OPS][255 * 16]; /* long strings: up to 255 x 16 bytes */

static const char *const raws[] = {"1.5e3", "\"r\\u00e9\"", "-0", "null", "[]", "{\"k\":[1,2]}"};

static uint64_t take64(const uint8_t **p, const uint8_t *end)
{
    uint64_t v = 0;
    for (int k = 0; k < 8 && *p < end; k++) {
        v = (v << 8) | *(*p)++;
    }
    return v;
}

static void decode(const uint8_t *p, const uint8_t *end)
{
    nops = 0;
    while (p < end && nops < MAX_OPS) {
        op *o = &ops[nops];
        memset(o, 0, sizeof *o);
        o->kind = *p & 15u;
        o->scale = (unsigned)(*p++ >> 4) + 8u; /* 8..23: some out of range */
        switch (o->kind) {
        case OP_KEY:
        case OP_STR:
        case OP_KEY_NUL: {
            size_t n = p < end ? *p++ : 0;
            if (n > (size_t)(end - p)) {
                n = (size_t)(end - p);
            }
            o->p = p;
            o->n = n;
            p += n;
            break;
        }
        case OP_LONG_STR:
        case OP_LONG_KEY: {
            size_t n = p < end ? (size_t)*p++ * 16u : 0;
            uint8_t b = p < end ? *p++ : 'x';
            memset(longs[nops], b, n);
            o->p = longs[nops];
            o->n = n;
            break;
        }
        case OP_RAW: o->v = (p < end ? *p++ : 0) % (sizeof raws / sizeof raws[0]); break;
        case OP_INT:
        case OP_UINT:
        case OP_FIXED:
        case OP_DBL:
        case OP_BOOL: o->v = take64(&p, end); break;
        default: break;
        }
        nops++;
    }
}

static int call(emhttp_jw *w, const op *o)
{
    switch (o->kind) {
    case OP_OBJ: return emhttp_jw_object(w);
    case OP_ARR: return emhttp_jw_array(w);
    case OP_OBJ_END: return emhttp_jw_object_end(w);
    case OP_ARR_END: return emhttp_jw_array_end(w);
    case OP_KEY:
    case OP_LONG_KEY: return emhttp_jw_key_n(w, (const char *)o->p, o->n);
    case OP_KEY_NUL: return emhttp_jw_key_n(w, NULL, o->n); /* NULL: ARG */
    case OP_STR:
    case OP_LONG_STR: return emhttp_jw_string_n(w, (const char *)o->p, o->n);
    case OP_INT: return emhttp_jw_int(w, (int64_t)o->v);
    case OP_UINT: return emhttp_jw_uint(w, o->v);
    case OP_FIXED: return emhttp_jw_fixed(w, (int64_t)o->v, o->scale);
#if CONFIG_EMHTTP_JSON_FLOAT
    case OP_DBL: {
        double d;
        memcpy(&d, &o->v, sizeof d);
        return emhttp_jw_double(w, d);
    }
#else
    case OP_DBL: return emhttp_jw_fixed(w, (int64_t)o->v, 3);
#endif
    case OP_BOOL: return emhttp_jw_bool(w, (o->v & 1) != 0);
    case OP_NULL: return emhttp_jw_null(w);
    default: return emhttp_jw_raw(w, raws[o->v], strlen(raws[o->v]));
    }
}

static uint8_t one[BIG], joined[BIG], piece[BIG + 16];
static int rc_one[MAX_OPS];

/* xorshift32 for the piece sizes */
static uint32_t rnd(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static size_t piece_size(uint32_t *s)
{
    uint32_t r = rnd(s);
    switch (r & 3u) {
    case 0: return 1 + (r >> 8) % 4;       /* tiny: splits inside escapes and numbers */
    case 1: return 1 + (r >> 8) % 64;
    case 2: return 1 + (r >> 8) % 1024;
    default: return 1 + (r >> 8) % 8192;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) {
        return 0;
    }
    uint32_t seed = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                    (uint32_t)data[3] << 24 | 1u;
    decode(data + 4, data + size);

    emhttp_jw w1;
    ASSERT(emhttp_jw_init(&w1, one, sizeof one) == EMHTTP_OK);
    for (int i = 0; i < nops; i++) {
        rc_one[i] = call(&w1, &ops[i]);
        if (rc_one[i] == EMHTTP_ERR_JSON_OVERFLOW) {
            return 0; /* a document larger than the reference buffer: no reference */
        }
    }
    int fin_one = emhttp_jw_finish(&w1);

    emhttp_jw w2;
    ASSERT(emhttp_jw_init_resumable(&w2) == EMHTTP_OK);
    size_t total = 0;
    int i = 0, fin = 0, rc = EMHTTP_OK;
    bool finished = false;
    while (!finished) {
        size_t sz = piece_size(&seed);
        memset(piece + sz, 0xA5, 16); /* guard */
        rc = emhttp_jw_resume(&w2, piece, sz);
        if (rc != EMHTTP_OK) {
            break; /* a sticky error: the document cannot go on */
        }
        bool full = false;
        while (i < nops) {
            rc = call(&w2, &ops[i]);
            if (rc == EMHTTP_ERR_JSON_OVERFLOW) {
                full = true;
                break; /* the same call again in the next piece */
            }
            ASSERT(rc == rc_one[i]);
            i++;
        }
        if (!full) {
            fin = emhttp_jw_finish(&w2);
            finished = true;
        }
        size_t n = emhttp_jw_written(&w2);
        ASSERT(n <= sz);
        if (full) {
            ASSERT(n == sz); /* it stopped because the buffer was full */
        }
        for (int g = 0; g < 16; g++) {
            ASSERT(piece[sz + g] == 0xA5);
        }
        ASSERT(total + n <= sizeof joined);
        memcpy(joined + total, piece, n);
        total += n;
    }
    if (!finished) { /* stopped by an error: the one-piece writer has it too */
        ASSERT(rc < 0 && rc != EMHTTP_ERR_JSON_OVERFLOW);
        ASSERT(i < nops && rc_one[i] == rc);
        return 0;
    }
    ASSERT(i == nops);
    if (fin_one > 0) {
        ASSERT(fin > 0); /* (the length of the last piece) */
        ASSERT(total == (size_t)fin_one);
        ASSERT(memcmp(joined, one, total) == 0);
    } else {
        ASSERT(fin == fin_one);
    }
    return 0;
}
