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

/* The Host line's parts: brackets for an IPv6 literal with and without a
 * port, none of it when a caller header is named Host (any case), and an
 * overflow at every size of those heads too. */
static void test_host_line_forms(void)
{
    static const struct {
        const char *host;
        uint16_t port;
        const char *custom;
        const char *want;
    } cases[] = {
        {"::1", 0, NULL, "GET /api?x=1 HTTP/1.1\r\nHost: [::1]\r\n\r\n"},
        {"fe80::1", 443, NULL, "GET /api?x=1 HTTP/1.1\r\nHost: [fe80::1]:443\r\n\r\n"},
        {"10.0.0.1", 65535, NULL, "GET /api?x=1 HTTP/1.1\r\nHost: 10.0.0.1:65535\r\n\r\n"},
        {"", 0, NULL, "GET /api?x=1 HTTP/1.1\r\nHost: \r\n\r\n"},
        {"::1", 81, "HOST", "GET /api?x=1 HTTP/1.1\r\nHOST: h\r\n\r\n"},
        {"a", 81, "Host", "GET /api?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"},
        {"a", 81, "Hos", "GET /api?x=1 HTTP/1.1\r\nHost: a:81\r\nHos: h\r\n\r\n"},
        {"a", 81, "Hosts", "GET /api?x=1 HTTP/1.1\r\nHost: a:81\r\nHosts: h\r\n\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t full[128];
        emhttp_header hs[] = {{cases[i].custom, cases[i].custom ? strlen(cases[i].custom) : 0,
                               "h", 1}};
        emhttp_head h = base();
        h.host = cases[i].host;
        h.host_len = strlen(cases[i].host);
        h.port = cases[i].port;
        h.headers = hs;
        h.header_count = cases[i].custom != NULL;
        long n = emhttp_write_head(full, sizeof full, &h);
        CHECK_EQ_MEM(full, n, cases[i].want, strlen(cases[i].want));
        for (long size = 0; size < n; size++) {
            uint8_t buf[160];
            memset(buf, 0x5A, sizeof buf);
            CHECK_EQ_INT(emhttp_write_head(buf, (size_t)size, &h), EMHTTP_ERR_TX_OVERFLOW);
            CHECK(buf[size] == 0x5A);
        }
    }
}

/* A Host header does not end the checks of the headers after it; the
 * framing headers are refused in any case. */
static void test_owned_names(void)
{
    uint8_t buf[256];
    static const char *const refused[] = {"CONTENT-LENGTH", "content-Length", "TRANSFER-encoding"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        emhttp_header hs[] = {EMHTTP_HEADER("Host", "example.com"),
                              {refused[i], strlen(refused[i]), "1", 1}};
        emhttp_head h = base();
        h.headers = hs;
        h.header_count = 2;
        memset(buf, 0xAA, sizeof buf);
        CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
        CHECK(buf[0] == 0xAA);
    }
    emhttp_header ok[] = {EMHTTP_HEADER("Content-Lengths", "1"),
                          EMHTTP_HEADER("Transfer-Encodin", "x"),
                          EMHTTP_HEADER("Content-Type", "y")};
    emhttp_head h = base();
    h.headers = ok;
    h.header_count = 3;
    long n = emhttp_write_head(buf, sizeof buf, &h);
    const char *want = "GET /api?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Lengths: 1\r\n"
                       "Transfer-Encodin: x\r\nContent-Type: y\r\n\r\n";
    CHECK_EQ_MEM(buf, n, want, strlen(want));
}

/* NULL where a string is needed: EMHTTP_ERR_ARG for the head's own
 * pointers, EMHTTP_ERR_BAD_REQUEST for a header's; a NULL value of length
 * 0 is an empty value. */
static void test_null_strings(void)
{
    uint8_t buf[128];
    emhttp_head h = base();
    CHECK_EQ_INT(emhttp_write_head(NULL, sizeof buf, &h), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, NULL), EMHTTP_ERR_ARG);
    h.method = NULL;
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_ARG);
    h = base();
    h.target = NULL;
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_ARG);
    h = base();
    h.host = NULL;
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_ARG);
    h.host_len = 0;
    CHECK(emhttp_write_head(buf, sizeof buf, &h) > 0);
    h = base();
    h.header_count = 1;
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_ARG);

    emhttp_header null_name[] = {{NULL, 4, "v", 1}};
    emhttp_header null_empty_name[] = {{NULL, 0, "v", 1}};
    emhttp_header null_value[] = {{"X", 1, NULL, 3}};
    emhttp_header empty_value[] = {{"X", 1, NULL, 0}};
    const emhttp_header *bad[] = {null_name, null_empty_name, null_value};
    for (size_t i = 0; i < 3; i++) {
        h = base();
        h.headers = bad[i];
        h.header_count = 1;
        memset(buf, 0xAA, sizeof buf);
        CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
        CHECK(buf[0] == 0xAA);
    }
    h = base();
    h.headers = empty_value;
    h.header_count = 1;
    long n = emhttp_write_head(buf, sizeof buf, &h);
    const char *want = "GET /api?x=1 HTTP/1.1\r\nHost: localhost\r\nX: \r\n\r\n";
    CHECK_EQ_MEM(buf, n, want, strlen(want));
}

/* A bad byte at every position of long fields (the fast build checks
 * values a word at a time), and the bytes each field takes: obs-text in
 * a target and a value, not in a token. */
static void test_bad_byte_anywhere(void)
{
    static const char bad[] = {'\r', '\n', '\0', 0x1f, 0x7f};
    char value[40], name[24];
    for (size_t pos = 0; pos < sizeof value; pos++) {
        for (size_t b = 0; b < sizeof bad; b++) {
            uint8_t buf[256];
            memset(value, 'v', sizeof value);
            memset(name, 'n', sizeof name);
            value[pos] = bad[b];
            if (pos < sizeof name) {
                name[pos] = bad[b];
            }
            emhttp_header hv[] = {{"X", 1, value, sizeof value}};
            emhttp_header hn[] = {{name, sizeof name, "v", 1}};
            emhttp_head h = base();
            h.headers = hv;
            h.header_count = 1;
            memset(buf, 0xAA, sizeof buf);
            CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
            CHECK(buf[0] == 0xAA);
            h.host = value;
            h.host_len = sizeof value;
            h.header_count = 0;
            CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
            if (pos < sizeof name) {
                h = base();
                h.headers = hn;
                h.header_count = 1;
                CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
            }
        }
    }
    uint8_t buf[256];
    emhttp_head h = base();
    h.target = "/caf\xc3\xa9";
    CHECK(emhttp_write_head(buf, sizeof buf, &h) > 0);
    h.target = "/a\x7f";
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
    h = base();
    h.method = "G\xc3\x89T";
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
    h.method = "M-SEARCH";
    CHECK(emhttp_write_head(buf, sizeof buf, &h) > 0);
    h.method = "";
    CHECK_EQ_INT(emhttp_write_head(buf, sizeof buf, &h), EMHTTP_ERR_BAD_REQUEST);
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
    RUN(test_host_line_forms);
    RUN(test_owned_names);
    RUN(test_null_strings);
    RUN(test_bad_byte_anywhere);
    RUN(test_idempotent);
    return check_summary();
}
