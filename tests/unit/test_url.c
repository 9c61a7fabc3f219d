/* URL and IP literal parsing. */
#include <string.h>

#include "check.h"
#include "emhttp/url.h"

static void expect(const char *url, emhttp_scheme sch, const char *host, unsigned port,
                   const char *target)
{
    emhttp_url u;
    int rc = emhttp_url_parse(url, &u);
    CHECK_EQ_INT(rc, EMHTTP_OK);
    if (rc != EMHTTP_OK) {
        fprintf(stderr, "  url: %s\n", url);
        return;
    }
    CHECK_EQ_INT(u.scheme, sch);
    CHECK_EQ_MEM(u.host, u.host_len, host, strlen(host));
    CHECK_EQ_INT(u.port, port);
    CHECK_EQ_MEM(u.target, u.target_len, target, strlen(target));
}

static void test_valid(void)
{
    expect("http://localhost:8080/api", EMHTTP_SCHEME_HTTP, "localhost", 8080, "/api");
    expect("http://example.com", EMHTTP_SCHEME_HTTP, "example.com", 80, "");
    expect("HTTPS://example.com/a?b=c#frag", EMHTTP_SCHEME_HTTPS, "example.com", 443, "/a?b=c");
    expect("http://127.0.0.1:1/", EMHTTP_SCHEME_HTTP, "127.0.0.1", 1, "/");
#if CONFIG_EMHTTP_IPV6
    expect("http://[::1]:65535/x", EMHTTP_SCHEME_HTTP, "::1", 65535, "/x");
#else
    emhttp_url u;
    CHECK_EQ_INT(emhttp_url_parse("http://[::1]:65535/x", &u), EMHTTP_ERR_URL);
#endif
    expect("http://h?q", EMHTTP_SCHEME_HTTP, "h", 80, "?q");
    expect("hTtPs://1example.com/", EMHTTP_SCHEME_HTTPS, "1example.com", 443, "/");
    expect("http://0.0.0.0:8/", EMHTTP_SCHEME_HTTP, "0.0.0.0", 8, "/");
    expect("http://255.255.255.255/", EMHTTP_SCHEME_HTTP, "255.255.255.255", 80, "/");
    expect("http://example.com./", EMHTTP_SCHEME_HTTP, "example.com.", 80, "/");
    expect("http://0x7g/", EMHTTP_SCHEME_HTTP, "0x7g", 80, "/");
}

static void test_invalid(void)
{
    static const char *const bad[] = {
        "",  "localhost/x", "ftp://a/", "http://", "http:///x", "http://a:0/", "http://a:65536/",
        "http://a:/x", "http://a:12x/", "http://user@a/", "http://a b/", "http://[::1/",
        "http://[zz::1]/", "http://a/b c", "http://a/\x01", "http://[127.0.0.1]/",
        /* a byte outside RFC 3986's set in scheme, host or port (issue 18):
         * 0x1a | 0x20 is ':' and 0x0f | 0x20 is '/' */
        "http\x1a\x0f\x0f" "example.com/", "https\x1a\x0f\x0f" "example.com/",
        "HTTP\x1a\x0f\x0f" "example.com/", "http\x1a//example.com/", "http:\x0f/example.com/",
        "http:/\x0f" "example.com/", "\x01http://a/", " http://a/", "http ://a/", "ht\x14p://a/",
        "http://exa\x01mple.com/", "http://example.com\x1a/", "http://\x1a" "example.com/",
        "http://example.com:\x1a" "80/", "http://example.com:8\x1a" "0/",
        "http://example.com:80\x1a/", "http://ex\x7f" "ample/", "http://\x80" "example/",
        "http://example.com\xff/", "http://ex%41mple.com/", "http://[::1\x1a]/",
        "http://[::1]\x1a/", "http://[::1]:\x1a" "80/",
        /* numeric-looking hosts that are not the one IPv4 form */
        "http://010.0.0.1/", "http://0x7f.1/", "http://127.1/", "http://2130706433/",
        "http://1.2.3.4./", "http://256.1.1.1/", "http://a.b.c.123/", "http://example.0x10/",
        "http://[::0648:064.1.2.0]/", "http://[::ffff:127.1]/", "http://[::00001]/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        emhttp_url u;
        int rc = emhttp_url_parse(bad[i], &u);
        if (rc != EMHTTP_ERR_URL) {
            fprintf(stderr, "  accepted: %s\n", bad[i]);
        }
        CHECK_EQ_INT(rc, EMHTTP_ERR_URL);
    }
    emhttp_url u;
    CHECK_EQ_INT(emhttp_url_parse(NULL, &u), EMHTTP_ERR_URL);
}

static void ip_ok(const char *s, int fam, const uint8_t *bytes)
{
    emhttp_ip_addr a;
    CHECK_EQ_INT(emhttp_ip_parse(s, strlen(s), &a), EMHTTP_OK);
    CHECK_EQ_INT(a.family, fam);
    CHECK(memcmp(a.bytes, bytes, fam == EMHTTP_AF_INET ? 4 : 16) == 0);
}

static void test_ip_literals(void)
{
    ip_ok("192.0.2.1", EMHTTP_AF_INET, (const uint8_t[]){192, 0, 2, 1});
    ip_ok("0.0.0.0", EMHTTP_AF_INET, (const uint8_t[]){0, 0, 0, 0});
#if CONFIG_EMHTTP_IPV6
    ip_ok("::1", EMHTTP_AF_INET6, (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    ip_ok("::", EMHTTP_AF_INET6, (const uint8_t[16]){0});
    ip_ok("2001:db8::ff00:42:8329", EMHTTP_AF_INET6,
          (const uint8_t[]){0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29});
    ip_ok("1:2:3:4:5:6:7:8", EMHTTP_AF_INET6,
          (const uint8_t[]){0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8});
    ip_ok("::ffff:192.0.2.1", EMHTTP_AF_INET6,
          (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1});
    ip_ok("1:2::3:4", EMHTTP_AF_INET6,
          (const uint8_t[]){0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 4});
    ip_ok("1:2:3:4:5:6:7::", EMHTTP_AF_INET6,
          (const uint8_t[]){0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0});
    ip_ok("1:2:3:4:5:6:1.2.3.4", EMHTTP_AF_INET6,
          (const uint8_t[]){0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4});
    ip_ok("::1.2.3.4", EMHTTP_AF_INET6,
          (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
    ip_ok("fe80::", EMHTTP_AF_INET6, (const uint8_t[]){0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
#else
    emhttp_ip_addr v6; /* without IPv6 support every IPv6 literal is refused */
    CHECK_EQ_INT(emhttp_ip_parse("::1", 3, &v6), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_ip_parse("2001:db8::1", 11, &v6), EMHTTP_ERR_ARG);
#endif
    static const char *const bad[] = {"256.0.0.1", "1.2.3", "1.2.3.4.5", "1..2.3", "a.b.c.d",
                                      "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", "12345::",
                                      "::1%eth0", "", "localhost", "1.2.3.04x",
                                      "1:2:3:4:5:6:7:8::", ":::", "1:::2", "1.2.3.4::",
                                      "1:2:3:4:5:6:7:1.2.3.4", "::1:", "010.0.0.1",
                                      "1.2.3.04", "00.0.0.0", "::0648:064.1.2.0",
                                      "::ffff:010.0.0.1", "::00001", "0x7f.0.0.1", "127.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        emhttp_ip_addr a;
        int rc = emhttp_ip_parse(bad[i], strlen(bad[i]), &a);
        if (rc == EMHTTP_OK) {
            fprintf(stderr, "  accepted: %s\n", bad[i]);
        }
        CHECK_EQ_INT(rc, EMHTTP_ERR_ARG);
    }
}

static void classify(const char *s, int want, int fam, const uint8_t *bytes)
{
    emhttp_ip_addr a;
    memset(&a, 0xEE, sizeof a);
    int rc = emhttp_host_classify(s, strlen(s), &a);
    if (rc != want) {
        fprintf(stderr, "  host: %s\n", s);
    }
    CHECK_EQ_INT(rc, want);
    if (rc == EMHTTP_HOST_IP && want == EMHTTP_HOST_IP) {
        CHECK_EQ_INT(a.family, fam);
        CHECK(memcmp(a.bytes, bytes, fam == EMHTTP_AF_INET ? 4 : 16) == 0);
    }
}

static void test_host_classify(void)
{
    classify("127.0.0.1", EMHTTP_HOST_IP, EMHTTP_AF_INET, (const uint8_t[]){127, 0, 0, 1});
    classify("0.0.0.0", EMHTTP_HOST_IP, EMHTTP_AF_INET, (const uint8_t[]){0, 0, 0, 0});
    static const char *const names[] = {"example.com", "1example.com", "123.example",
                                        "example.com.", "0x7g", "127.0.0.1x", "a", "x0",
                                        "a-b_c~d"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        classify(names[i], EMHTTP_HOST_NAME, 0, NULL);
    }
    static const char *const bad[] = {
        "010.0.0.1", "0x7f.1", "127.1", "2130706433", "0", "0x", "0X1f", "1.2.3.4.",
        "256.1.1.1", "a.b.c.123", "example.123.", "example.0x1f", "1.2.3.4.5",
        "::0648:064.1.2.0", "::ffff:127.1", "::00001", "fe80::1%lo", "example.com:80",
        "exa mple", "a\x1a", "ex%41mple", "ex\xc3\xa4mple", "[::1]", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        classify(bad[i], EMHTTP_ERR_URL, 0, NULL);
    }
#if CONFIG_EMHTTP_IPV6
    classify("::ffff:1.2.3.4", EMHTTP_HOST_IP, EMHTTP_AF_INET6,
             (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4});
    classify("::1", EMHTTP_HOST_IP, EMHTTP_AF_INET6,
             (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
#else
    classify("::1", EMHTTP_ERR_URL, 0, NULL);
    classify("::ffff:1.2.3.4", EMHTTP_ERR_URL, 0, NULL);
#endif
    /* length: CONFIG_EMHTTP_MAX_HOST_LEN is the most; NULL and no length refused */
    char longest[CONFIG_EMHTTP_MAX_HOST_LEN + 2];
    memset(longest, 'a', sizeof longest);
    CHECK_EQ_INT(emhttp_host_classify(longest, CONFIG_EMHTTP_MAX_HOST_LEN, NULL),
                 EMHTTP_HOST_NAME);
    CHECK_EQ_INT(emhttp_host_classify(longest, CONFIG_EMHTTP_MAX_HOST_LEN + 1, NULL),
                 EMHTTP_ERR_URL);
    CHECK_EQ_INT(emhttp_host_classify(NULL, 3, NULL), EMHTTP_ERR_URL);
    CHECK_EQ_INT(emhttp_host_classify("127.0.0.1", 9, NULL), EMHTTP_HOST_IP);
    CHECK_EQ_INT(emhttp_host_classify("010.0.0.1", 9, NULL), EMHTTP_ERR_URL);
    /* the length counts, not a NUL: "127.0.0.1" cut to "127.0.0" */
    CHECK_EQ_INT(emhttp_host_classify("127.0.0.1", 7, NULL), EMHTTP_ERR_URL);
    CHECK_EQ_INT(emhttp_host_classify("example.com/x", 11, NULL), EMHTTP_HOST_NAME);
}

int main(void)
{
    RUN(test_valid);
    RUN(test_invalid);
    RUN(test_ip_literals);
    RUN(test_host_classify);
    return check_summary();
}
