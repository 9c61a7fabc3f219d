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
}

static void test_invalid(void)
{
    static const char *const bad[] = {
        "",  "localhost/x", "ftp://a/", "http://", "http:///x", "http://a:0/", "http://a:65536/",
        "http://a:/x", "http://a:12x/", "http://user@a/", "http://a b/", "http://[::1/",
        "http://[zz::1]/", "http://a/b c", "http://a/\x01", "http://[127.0.0.1]/",
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
                                      "1:2:3:4:5:6:7:1.2.3.4", "::1:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        emhttp_ip_addr a;
        int rc = emhttp_ip_parse(bad[i], strlen(bad[i]), &a);
        if (rc == EMHTTP_OK) {
            fprintf(stderr, "  accepted: %s\n", bad[i]);
        }
        CHECK_EQ_INT(rc, EMHTTP_ERR_ARG);
    }
}

int main(void)
{
    RUN(test_valid);
    RUN(test_invalid);
    RUN(test_ip_literals);
    return check_summary();
}
