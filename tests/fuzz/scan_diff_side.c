/*
 * scan_diff_side.c - one side of the differential fuzzer
 * tests/fuzz/fuzz_http_scan_diff.c.  Built twice, with the HTTP modules,
 * once with CONFIG_EMHTTP_FAST_SCAN=0 (prefix plain_) and once with 1
 * (prefix fast_; scan_diff_rename.h renames every symbol).  For one input
 * it hashes everything an application can see:
 *  - emhttp_field_end() and emhttp_token_end() from every offset of the
 *    input;
 *  - emhttp_dec_back() of the first 8 input bytes as a number, with 0 to 7
 *    digits after the point;
 *  - the parser's callbacks, results, consumed counts, status, keep-alive
 *    and Keep-Alive timeout, the input fed in pieces through an emulated
 *    receive buffer and parsed as pipelined responses;
 *  - emhttp_write_head()'s result and bytes for a head whose host, header
 *    name and header value come from the input.
 *
 * Input: data[0] the piece size (0: all at once, else 1 + data[0] % 32),
 * data[1] bits 0-5: max_head = 16 + 16 * value, bit 7: a HEAD request;
 * the rest are the response bytes.
 */
#include <string.h>

#include "emhttp/http_parser.h"
#include "emhttp/http_writer.h"
#include "http_chars.h"
#include "scan_diff.h"

#define BUF_SIZE 4096
#define MAX_RESPONSES 16

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *s = (const uint8_t *)p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t mix_int(uint64_t h, long long v)
{
    return mix(h, &v, sizeof v);
}

static int on_status(void *u, int status, const char *reason, size_t len)
{
    uint64_t *h = (uint64_t *)u;
    *h = mix(mix_int(*h, 1000 + status), reason, len);
    return 0;
}

static int on_header(void *u, const char *name, size_t nlen, const char *value, size_t vlen)
{
    uint64_t *h = (uint64_t *)u;
    *h = mix(mix_int(mix(mix_int(*h, 2), name, nlen), 3), value, vlen);
    return 0;
}

static int on_headers_done(void *u)
{
    uint64_t *h = (uint64_t *)u;
    *h = mix_int(*h, 4);
    return 0;
}

static int on_body(void *u, const uint8_t *data, size_t len)
{
    uint64_t *h = (uint64_t *)u;
    *h = mix(mix_int(*h, 5), data, len);
    return 0;
}

static const emhttp_parser_cbs cbs = {on_status, on_header, on_headers_done, on_body};

/* The state of one response after a result rc. */
static uint64_t outcome(uint64_t h, const emhttp_parser *p, int rc, size_t consumed)
{
    h = mix_int(h, rc);
    h = mix_int(h, (long long)consumed);
    h = mix_int(h, emhttp_parser_status(p));
    h = mix_int(h, emhttp_parser_keep_alive(p));
    h = mix_int(h, emhttp_parser_headers_done(p));
    return mix_int(h, emhttp_parser_keepalive_timeout(p));
}

/* Feed in[0..n) in pieces of `piece` bytes through a receive buffer that
 * keeps unconsumed bytes at its front, as the client does. */
static uint64_t parse(const uint8_t *in, size_t n, size_t piece, size_t max_head, bool head)
{
    static uint8_t buf[BUF_SIZE];
    uint64_t h = 0xcbf29ce484222325u;
    emhttp_parser p;
    size_t have = 0, fed = 0;
    int responses = 0, rc = EMHTTP_PENDING;

    emhttp_parser_init(&p, &cbs, &h, max_head);
    emhttp_parser_reset(&p, head);
    while (responses < MAX_RESPONSES) {
        size_t k = n - fed < piece ? n - fed : piece, used = 0;
        if (k > BUF_SIZE - have) {
            k = BUF_SIZE - have;
        }
        memcpy(buf + have, in + fed, k);
        have += k;
        fed += k;
        rc = emhttp_parser_feed(&p, buf, have, &used);
        h = outcome(h, &p, rc, used);
        memmove(buf, buf + used, have - used);
        have -= used;
        if (rc == EMHTTP_OK) {
            responses++;
            emhttp_parser_reset(&p, head);
        } else if (rc != EMHTTP_PENDING || (k == 0 && used == 0)) {
            break; /* an error, or no progress possible */
        }
    }
    if (rc == EMHTTP_PENDING) {
        rc = emhttp_parser_eof(&p);
        h = outcome(h, &p, rc, 0);
    }
    return h;
}

/* A head with the input as host (its first bytes), header name and value. */
static uint64_t write_head(const uint8_t *in, size_t n)
{
    static uint8_t out[BUF_SIZE];
    size_t host_len = n < 40 ? n : 40, name_len = n < 12 ? n : 12;
    emhttp_header hdr[2] = {{"X-Fuzz", 6, (const char *)in, n},
                            {(const char *)in, name_len, "v", 1}};
    emhttp_head hd = {.method = "POST", .target = "/p", .host = (const char *)in,
                      .host_len = host_len, .port = 8080, .headers = hdr, .header_count = 2,
                      .send_length = true, .body_len = n};
    uint64_t h = 0xcbf29ce484222325u;
    long rc;

    for (size_t size = 0; size <= sizeof out; size += sizeof out / 2) {
        rc = emhttp_write_head(out, size, &hd);
        h = mix_int(h, rc);
        if (rc > 0) {
            h = mix(h, out, (size_t)rc);
        }
        hd.headers = hdr + 1; /* then only the name from the input */
        hd.header_count = 1;
        hd.host_len = 0;
    }
    return h;
}

/* The decimal forms of the first bytes of the input as a number: all
 * eight, and shifted right to every width, with 0 to 7 digits after the
 * point. */
static uint64_t digits(const uint8_t *in, size_t n)
{
    char buf[32], *end = buf + sizeof buf, *d;
    uint64_t v = 0, h = 0xcbf29ce484222325u;

    for (size_t i = 0; i < n && i < 8; i++) {
        v = v << 8 | in[i];
    }
    for (unsigned shift = 0; shift < 64; shift += 4) {
        d = emhttp_dec_back(end, v >> shift, shift / 4 % 8u);
        h = mix(h, d, (size_t)(end - d));
    }
    return h;
}

void scan_diff_run(const uint8_t *data, size_t len, scan_diff_result *r)
{
    const uint8_t *in = data + 2;
    size_t n = len - 2, piece;
    uint64_t h = 0xcbf29ce484222325u;

    memset(r, 0, sizeof *r);
    if (len < 2) {
        return;
    }
    for (size_t i = 0; i <= n; i++) {
        h = mix_int(h, (long long)emhttp_field_end(in, i, n));
        h = mix_int(h, (long long)emhttp_token_end(in, i, n));
    }
    r->field_ends = h;
    r->digits = digits(in, n);
    piece = data[0] == 0 ? (n != 0 ? n : 1) : 1 + data[0] % 32u;
    r->events = parse(in, n, piece, 16 + 16 * (size_t)(data[1] & 63u), (data[1] & 0x80u) != 0);
    r->head = write_head(in, n);
}
