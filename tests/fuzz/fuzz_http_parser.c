/*
 * fuzz_http_parser.c - libFuzzer harness for the HTTP/1.1 response parser.
 *
 * Input: two control bytes, then the bytes "received".
 *   data[0]  where the first piece ends (data[0] * len / 256)
 *   data[1]  bits 0-5: max_head = 16 + 16 * value; bits 6-7: size of the
 *            following pieces (1, 3, 16 bytes or the rest at once)
 * The stream is parsed as a sequence of pipelined responses (reset after
 * each EMHTTP_OK), for a GET and for a HEAD request, once in one piece and
 * once in pieces through an emulated client receive buffer (unconsumed
 * bytes kept at its front, new bytes appended).  Invariants, checked with
 * __builtin_trap():
 *  - consumed <= len; a result is one of the documented codes;
 *  - callback pointers lie in the buffer's live bytes; on_body len > 0;
 *  - no callback after an error or after EMHTTP_OK (until reset);
 *    an error is sticky (same code, nothing consumed);
 *  - body bytes delivered never exceed the bytes fed;
 *  - the outcome (events, body bytes, results, consumed counts) does not
 *    depend on how the input was split.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore/include \
 *       core/src/http_parser.c tests/fuzz/fuzz_http_parser.c -o fuzz_http_parser
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emhttp/http_parser.h"

#define MAX_IN 16384
#define MAX_RESPONSES 64

typedef struct ctx {
    uint64_t hash;       /* events, independent of the split */
    uint64_t body_bytes; /* delivered */
    uint64_t fed;        /* bytes handed to the parser for the first time */
    uint64_t consumed;   /* by the current response so far */
    const uint8_t *lo, *hi;
    int quiet;           /* callbacks forbidden */
} ctx;

static void mix(ctx *c, const void *p, size_t n)
{
    const uint8_t *s = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++) {
        c->hash = (c->hash ^ s[i]) * UINT64_C(0x100000001b3);
    }
}

static void mix_int(ctx *c, long long v)
{
    mix(c, &v, sizeof v);
}

static void in_buffer(ctx *c, const void *p, size_t n)
{
    const uint8_t *s = (const uint8_t *)p;
    if (c->quiet || (n != 0 && (s < c->lo || s + n > c->hi || s + n < s))) {
        __builtin_trap();
    }
}

static int on_status(void *u, int status, const char *reason, size_t len)
{
    ctx *c = (ctx *)u;
    in_buffer(c, reason, len);
    if (status < 200 || status > 999) {
        __builtin_trap();
    }
    mix_int(c, 1000 + status);
    mix(c, reason, len);
    return 0;
}

static int on_header(void *u, const char *name, size_t nlen, const char *value, size_t vlen)
{
    ctx *c = (ctx *)u;
    in_buffer(c, name, nlen);
    in_buffer(c, value, vlen);
    if (nlen == 0) {
        __builtin_trap();
    }
    mix_int(c, 2);
    mix(c, name, nlen);
    mix_int(c, 3);
    mix(c, value, vlen);
    return 0;
}

static int on_headers_done(void *u)
{
    ctx *c = (ctx *)u;
    in_buffer(c, NULL, 0);
    mix_int(c, 4);
    return 0;
}

static int on_body(void *u, const uint8_t *data, size_t len)
{
    ctx *c = (ctx *)u;
    in_buffer(c, data, len);
    if (len == 0) {
        __builtin_trap();
    }
    c->body_bytes += len;
    if (c->body_bytes > c->fed) {
        __builtin_trap();
    }
    mix(c, data, len); /* a byte stream: chunk boundaries do not show */
    return 0;
}

static const emhttp_parser_cbs cbs = {on_status, on_header, on_headers_done, on_body};

static bool known(int rc)
{
    return rc == EMHTTP_OK || rc == EMHTTP_PENDING || rc == EMHTTP_ERR_PROTOCOL ||
           rc == EMHTTP_ERR_HEADER_TOO_LARGE || rc == EMHTTP_ERR_BAD_LENGTH ||
           rc == EMHTTP_ERR_BAD_CHUNK || rc == EMHTTP_ERR_CLOSED;
}

/* Feed through the buffer; returns rc, leaves *have unconsumed bytes. */
static int feed(emhttp_parser *p, ctx *c, uint8_t *buf, size_t *have)
{
    size_t used = 99;
    int rc;

    c->quiet = 1; /* a call without bytes does nothing */
    rc = emhttp_parser_feed(p, NULL, 0, &used);
    if (used != 0 || (rc != EMHTTP_PENDING && rc != EMHTTP_OK && rc >= 0)) {
        __builtin_trap();
    }
    c->quiet = 0;
    c->lo = buf;
    c->hi = buf + *have;
    rc = emhttp_parser_feed(p, buf, *have, &used);
    if (used > *have || !known(rc) || rc == EMHTTP_ERR_CLOSED) {
        __builtin_trap();
    }
    memmove(buf, buf + used, *have - used);
    *have -= used;
    if (rc != EMHTTP_PENDING) { /* how often it needs more depends on the split */
        mix_int(c, rc);
        mix_int(c, (long long)(rc == EMHTTP_OK ? c->consumed + used : 0));
    }
    c->consumed = rc == EMHTTP_OK ? 0 : c->consumed + used;
    return rc;
}

/* After OK or an error: nothing more happens until reset. */
static void settled(emhttp_parser *p, ctx *c, uint8_t *buf, size_t have, int rc)
{
    size_t used = 99;

    c->quiet = 1;
    c->lo = buf;
    c->hi = buf + have;
    if (emhttp_parser_feed(p, buf, have, &used) != rc || used != 0) {
        __builtin_trap();
    }
    if (rc == EMHTTP_OK) {
        if (!emhttp_parser_headers_done(p) || emhttp_parser_status(p) < 200) {
            __builtin_trap();
        }
        mix_int(c, emhttp_parser_keep_alive(p));
        mix_int(c, emhttp_parser_keepalive_timeout(p));
    } else if (emhttp_parser_eof(p) != rc || emhttp_parser_keep_alive(p)) {
        __builtin_trap();
    }
    mix_int(c, emhttp_parser_status(p));
    c->quiet = 0;
}

static uint64_t run(const uint8_t *in, size_t n, bool head, size_t max_head, size_t first,
                    size_t step)
{
    static uint8_t buf[MAX_IN];
    emhttp_parser p;
    ctx c;
    size_t off = 0, have = 0, take;
    int rc = EMHTTP_PENDING, responses = 0;

    memset(&c, 0, sizeof c);
    c.hash = UINT64_C(0xcbf29ce484222325);
    emhttp_parser_init(&p, &cbs, &c, max_head);
    emhttp_parser_reset(&p, head);
    for (;;) {
        if (rc == EMHTTP_OK) {
            settled(&p, &c, buf, have, rc);
            if (++responses == MAX_RESPONSES) {
                return c.hash;
            }
            emhttp_parser_reset(&p, head);
        } else if (off < n) {
            take = off == 0 && first != 0 ? first : (step != 0 ? step : n - off);
            take = take < n - off ? take : n - off;
            memcpy(buf + have, in + off, take);
            off += take;
            have += take;
            c.fed += take;
        } else {
            break;
        }
        rc = feed(&p, &c, buf, &have);
        if (rc < 0) {
            settled(&p, &c, buf, have, rc);
            return c.hash;
        }
    }
    rc = emhttp_parser_eof(&p);
    if (rc > 0 || !known(rc) || (rc == EMHTTP_ERR_CLOSED && emhttp_parser_started(&p))) {
        __builtin_trap();
    }
    mix_int(&c, rc);
    if (rc == EMHTTP_OK && emhttp_parser_keep_alive(&p)) {
        __builtin_trap(); /* only a close-delimited body ends at eof */
    }
    return c.hash;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t steps[4] = {1, 3, 16, 0};
    size_t n, first, step, max_head;
    int head;

    if (size < 2 || size - 2 > MAX_IN) {
        return 0;
    }
    n = size - 2;
    first = (size_t)data[0] * n / 256;
    step = steps[data[1] >> 6];
    max_head = 16 + 16 * (size_t)(data[1] & 0x3f);
    for (head = 0; head < 2; head++) {
        uint64_t whole = run(data + 2, n, head, max_head, n, 0);
        uint64_t split = run(data + 2, n, head, max_head, first, step);
        if (whole != split) {
            __builtin_trap();
        }
    }
    return 0;
}
