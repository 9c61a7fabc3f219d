/* Request head writer: exact bytes, validation before any byte, overflow. */
#include <string.h>

#include "check.h"
#include "emhttp/http_writer.h"

static emhttp_head base(void)
{
    emhttp_head h = {.method = "GET", .target = "/api?x=1", .host = "localhost", .host_len = 9};
    return h;
}

static void test_minimal_get(void)
{
    uint8_t buf[256];
    emhttp_head h = base();
    long n = emhttp_write_head(buf, sizeof buf, &h);
    const char *want = "GET /api?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n";
    CHECK_EQ_MEM(buf, n, want, strlen(want));
}

static void test_post_with_headers_and_port(void)
{
    uint8_t buf[256];
    emhttp_header hs[] = {EMHTTP_HEADER("Content-Type", "application/json"),
                          EMHTTP_HEADER("X-Empty", "")};
    emhttp_head h = base();
    h.method = "POST";
    h.port = 8080;
    h.headers = hs;
    h.header_count = 2;
    h.send_length = true;
    h.body_len = 199;
    long n = emhttp_write_head(buf, sizeof buf, &h);
    const char *want = "POST /api?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nContent-Length: 199\r\n"
                       "Content-Type: application/json\r\nX-Empty: \r\n\r\n";
    CHECK_EQ_MEM(buf, n, want, strlen(want));
}

static void test_ipv6_host_and_custom_host(void)
{
    uint8_t buf[256];
    emhttp_head h = base();
    h.host = "::1";
    h.host_len = 3;
    h.port = 81;
    long n = emhttp_write_head(buf, sizeof buf, &h);
    const char *want = "GET /api?x=1 HTTP/1.1\r\nHost: [::1]:81\r\n\r\n";
    CHECK_EQ_MEM(buf, n, want, strlen(want));

    emhttp_header hs[] = {EMHTTP_HEADER("host", "example.com")};
    h.headers = hs;
    h.header_count = 1;
    n = emhttp_write_head(buf, sizeof buf, &h);
    want = "GET /api?x=1 HTTP/1.1\r\nhost: example.com\r\n\r\n";
    CHECK_EQ_MEM(buf, n, want, strlen(want));
}

static void test_length_zero_and_u64(void)
{
    uint8_t buf[256];
    emhttp_head h = base();
    h.method = "PUT";
    h.send_length = true;
    h.body_len = 0;
    long n = emhttp_write_head(buf, sizeof buf, &h);
    CHECK(n > 0 && strstr((char *)buf, "Content-Length: 0\r\n") != NULL);
    h.body_len = UINT64_MAX;
    n = emhttp_write_head(buf, sizeof buf, &h);
    buf[n] = 0;
    CHECK(strstr((char *)buf, "Content-Length: 18446744073709551615\r\n") != NULL);
}

/* Every forbidden byte in every field is refused, and the buffer is not
 * touched (nothing can have been sent). */
static void test_refuses_bad_bytes(void)
{
    static const char bad[] = {'\r', '\n', '\0', 0x01, 0x7f};
    for (size_t b = 0; b < sizeof bad; b++) {
        char m[] = "GET", t[] = "/a?b", n[] = "X-Name", v[] = "value";
        char *fields[] = {m, t, n, v};
        for (int f = 0; f < 4; f++) {
            uint8_t buf[128];
            memset(buf, 0xAA, sizeof buf);
            char saved = fields[f][1];
            fields[f][1] = bad[b];
            emhttp_header hs[] = {{n, 6, v, 5}};
            emhttp_head h = base();
            h.method = m;
            h.target = t;
            h.headers = hs;
            h.header_count = 1;
            long rc = emhttp_write_head(buf, sizeof buf, &h);
            /* a NUL in a C-string method/target shortens it to one valid
             * character: that is not an injection, everything else is */
            if (bad[b] == '\0' && f < 2) {
                CHECK(rc > 0);
            } else {
                CHECK_EQ_INT(rc, EMHTTP_ERR_BAD_REQUEST);
                CHECK(buf[0] == 0xAA);
            }
            fields[f][1] = saved;
        }
    }
}

static void test_refuses_tokens_and_framing(void)
{
    uint8_t buf[256];
    emhttp_head h = base();
    h.method = "GE T";
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
    h = base();
    h.target = "/a b";
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
    h.target = "";
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
    h = base();
    emhttp_header cl[] = {EMHTTP_HEADER("content-length", "5")};
    h.headers = cl;
    h.header_count = 1;
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
    emhttp_header te[] = {EMHTTP_HEADER("Transfer-Encoding", "chunked")};
    h.headers = te;
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
    emhttp_header colon[] = {EMHTTP_HEADER("X:Y", "v")};
    h.headers = colon;
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
    emhttp_header empty[] = {EMHTTP_HEADER("", "v")};
    h.headers = empty;
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
    emhttp_header tab[] = {EMHTTP_HEADER("X", "a\tb\x80")};
    h.headers = tab;
    CHECK(emhttp_write_head(buf, sizeof buf, &h) > 0);
}

/* Every buffer size: the whole head or an overflow, never a byte past the
 * end. */
static void test_overflow_every_size(void)
{
    uint8_t full[256];
    emhttp_header hs[] = {EMHTTP_HEADER("Accept", "application/json")};
    emhttp_head h = base();
    h.headers = hs;
    h.header_count = 1;
    h.send_length = true;
    h.body_len = 12345;
    long want = emhttp_write_head(full, sizeof full, &h);
    CHECK(want > 0);
    for (long size = 0; size <= want; size++) {
        uint8_t buf[300];
        memset(buf, 0x5A, sizeof buf);
        long rc = emhttp_write_head(buf, (size_t)size, &h);
        if (size < want) {
            CHECK_EQ_INT(rc, EMHTTP_ERR_TX_OVERFLOW);
        } else {
            CHECK_EQ_MEM(buf, rc, full, want);
        }
        for (size_t i = (size_t)size; i < sizeof buf; i++) {
            if (buf[i] != 0x5A) {
                CHECK(!"byte written past the end");
                break;
            }
        }
    }
}

static void test_idempotent(void)
{
    CHECK(emhttp_method_idempotent("GET"));
    CHECK(emhttp_method_idempotent("PUT"));
    CHECK(emhttp_method_idempotent("DELETE"));
    CHECK(!emhttp_method_idempotent("POST"));
    CHECK(!emhttp_method_idempotent("PATCH"));
    CHECK(!emhttp_method_idempotent("get"));
    CHECK(!emhttp_method_idempotent(NULL));
}

int main(void)
{
    RUN(test_minimal_get);
    RUN(test_post_with_headers_and_port);
    RUN(test_ipv6_host_and_custom_host);
    RUN(test_length_zero_and_u64);
    RUN(test_refuses_bad_bytes);
    RUN(test_refuses_tokens_and_framing);
    RUN(test_overflow_every_size);
    RUN(test_idempotent);
    return check_summary();
}
