/*
 * json_diff_side.c - one side of the differential fuzzer
 * tests/fuzz/fuzz_json_fast_diff.c.  Built twice, with the JSON modules,
 * once with CONFIG_EMHTTP_JSON_FAST=0 (prefix plain_) and once with 1
 * (prefix fast_; json_diff_rename.h renames every symbol).  For one input
 * it hashes everything an application can see:
 *  - the writer: the input decoded as a sequence of calls, made into a
 *    buffer of three sizes (small, middle, large: overflow at every
 *    point); after each call its result, emhttp_jw_needed() and
 *    emhttp_jw_error(); at the end the bytes written.  The bytes after
 *    the buffer must stay as they were;
 *  - the reader on the input as a JSON text, and on the document the
 *    large buffer got: the result of emhttp_jr_parse() and, per token,
 *    its type, count, text and every getter's result (unescaped strings
 *    included).
 *
 * Input: data[0] the small buffer's size (0: a NULL buffer, size 0; the
 * middle one is 16 times larger plus 7), then calls, each a byte b
 * (b & 15 the call, b >> 4 an argument) and its operands:
 *   0 object  1 array  2 object_end  3 array_end
 *   4 key, 5 string: a length byte (b & 0x10: and a second, high byte),
 *     the bytes (b & 0x20: NULL instead)
 *   6 int, 7 uint, 9 double: 8 bytes; 8 fixed: 8 bytes, scale 2 * (b >> 4)
 *   10 true  11 false  12 null  13 raw: a length byte and the bytes
 *   14 finish (then the document goes on being written: the calls fail)
 *   15 key of plain ASCII: a length byte, the bytes with their high bit off
 */
#include <string.h>

#include "emhttp/json_reader.h"
#include "emhttp/json_writer.h"
#include "json_diff.h"

#define BIG 8192
#define GUARD 64
#define MAX_TOKS 256

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *s = (const uint8_t *)p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t mix_int(uint64_t h, long long v) { return mix(h, &v, sizeof v); }

static uint64_t take64(const uint8_t **p, const uint8_t *end)
{
    uint64_t v = 0;
    for (int k = 0; k < 8 && *p < end; k++) {
        v = (v << 8) | *(*p)++;
    }
    return v;
}

/* The bytes of a string operand: a length (one byte, or two when wide),
 * cut to what the input has left. */
static const uint8_t *take_bytes(const uint8_t **p, const uint8_t *end, int wide, size_t *n)
{
    const uint8_t *s;
    size_t len = *p < end ? *(*p)++ : 0;
    if (wide && *p < end) {
        len |= (size_t)*(*p)++ << 8;
    }
    if (len > (size_t)(end - *p)) {
        len = (size_t)(end - *p);
    }
    s = *p;
    *p += len;
    *n = len;
    return s;
}

/* The calls of the input into a buffer of size bytes (NULL when 0). */
static uint64_t write_doc(const uint8_t *p, const uint8_t *end, uint8_t *buf, size_t size,
                          int *bad, size_t *written)
{
    static char ascii[256];
    uint64_t h = 0xcbf29ce484222325u;
    emhttp_jw w;
    size_t n, used;

    memset(buf, 0xA5, size + GUARD);
    h = mix_int(h, emhttp_jw_init(&w, size != 0 ? buf : NULL, size));
    while (p < end) {
        unsigned b = *p++, arg = b >> 4;
        const uint8_t *s;
        uint64_t v;
        int rc = 0;
        switch (b & 15u) {
        case 0: rc = emhttp_jw_object(&w); break;
        case 1: rc = emhttp_jw_array(&w); break;
        case 2: rc = emhttp_jw_object_end(&w); break;
        case 3: rc = emhttp_jw_array_end(&w); break;
        case 4:
        case 5:
            s = take_bytes(&p, end, arg & 1u, &n);
            if (arg & 2u) {
                s = NULL;
            }
            rc = (b & 15u) == 4 ? emhttp_jw_key_n(&w, (const char *)s, n)
                                : emhttp_jw_string_n(&w, (const char *)s, n);
            break;
        case 6: rc = emhttp_jw_int(&w, (int64_t)take64(&p, end)); break;
        case 7: rc = emhttp_jw_uint(&w, take64(&p, end)); break;
        case 8: rc = emhttp_jw_fixed(&w, (int64_t)take64(&p, end), 2 * arg); break;
        case 9:
            v = take64(&p, end);
#if CONFIG_EMHTTP_JSON_FLOAT
            {
                double d;
                memcpy(&d, &v, sizeof d);
                rc = emhttp_jw_double(&w, d);
            }
#else
            rc = emhttp_jw_uint(&w, v);
#endif
            break;
        case 10: rc = emhttp_jw_bool(&w, true); break;
        case 11: rc = emhttp_jw_bool(&w, false); break;
        case 12: rc = emhttp_jw_null(&w); break;
        case 13:
            s = take_bytes(&p, end, 0, &n);
            rc = emhttp_jw_raw(&w, (const char *)s, n);
            break;
        case 14: rc = emhttp_jw_finish(&w); break;
        default:
            s = take_bytes(&p, end, 0, &n);
            for (size_t i = 0; i < n; i++) {
                ascii[i] = (char)(s[i] & 0x7Fu);
            }
            rc = emhttp_jw_key_n(&w, ascii, n);
            break;
        }
        h = mix_int(h, rc);
        h = mix_int(h, (long long)emhttp_jw_needed(&w));
        h = mix_int(h, emhttp_jw_error(&w));
    }
    h = mix_int(h, emhttp_jw_finish(&w));
    used = (size_t)(w.p_ - w.buf_); /* what was written; past it the buffer holds no text */
    h = mix(h, buf, used);
    *written = used;
    for (size_t i = size; i < size + GUARD; i++) {
        *bad |= buf[i] != 0xA5;
    }
    return h;
}

/* Everything the reader says about text js. */
static uint64_t read_doc(const char *js, size_t len)
{
    static emhttp_json_tok toks[MAX_TOKS];
    static char sbuf[1024];
    uint64_t h = 0xcbf29ce484222325u;
    emhttp_jr r;
    int rc = emhttp_jr_parse(&r, js, len, toks, MAX_TOKS);

    h = mix_int(h, rc);
    for (int v = 0; rc >= 0 && v < r.ntok_; v++) {
        const char *t = NULL;
        size_t tl = 0;
        int64_t i = 0;
        uint64_t u = 0;
        bool bo = false;
        int n;
        h = mix_int(h, emhttp_jr_type(&r, v));
        h = mix_int(h, emhttp_jr_count(&r, v));
        h = mix_int(h, emhttp_jr_next(&r, v));
        h = mix_int(h, emhttp_jr_text(&r, v, &t, &tl));
        h = mix(mix_int(h, (long long)tl), t, t != NULL ? tl : 0);
        h = mix_int(mix_int(h, emhttp_jr_int(&r, v, &i)), i);
        h = mix_int(mix_int(h, emhttp_jr_uint(&r, v, &u)), (long long)u);
        h = mix_int(mix_int(h, emhttp_jr_fixed(&r, v, 3, &i)), i);
#if CONFIG_EMHTTP_JSON_FLOAT
        {
            double d = 0;
            h = mix(mix_int(h, emhttp_jr_double(&r, v, &d)), &d, sizeof d);
        }
#endif
        h = mix_int(mix_int(h, emhttp_jr_bool(&r, v, &bo)), bo);
        h = mix_int(h, emhttp_jr_null(&r, v));
        n = emhttp_jr_string(&r, v, sbuf, sizeof sbuf);
        h = mix(mix_int(h, n), sbuf, n > 0 ? (size_t)n : 0);
        h = mix_int(h, emhttp_jr_string(&r, v, sbuf, 4));
    }
    return h;
}

void json_diff_run(const uint8_t *data, size_t len, json_diff_result *res)
{
    static uint8_t buf[BIG + GUARD];
    const uint8_t *end = data + len;
    size_t sizes[3], used = 0;

    memset(res, 0, sizeof *res);
    if (len < 1) {
        return;
    }
    sizes[0] = data[0];
    sizes[1] = 16u * data[0] + 7u;
    sizes[2] = BIG;
    for (int k = 0; k < 3; k++) { /* the large one last: its document is read back */
        res->writer[k] = write_doc(data + 1, end, buf, sizes[k], &res->bad, &used);
    }
    res->readback = read_doc((const char *)buf, used);
    res->reader = read_doc((const char *)data + 1, len - 1);
}
