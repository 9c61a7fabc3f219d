/* Authorization helpers and base64 (emhttp/auth.h): RFC 4648 section 10
 * test vectors, RFC 7617's examples, every split of a Basic credential
 * against the plain encoding of the joined bytes, overflow and bad input. */
#include <string.h>

#include "check.h"
#include "emhttp/auth.h"

static void b64(const char *in, const char *want)
{
    char out[64];
    size_t n = 99;
    memset(out, 'x', sizeof out);
    CHECK_EQ_INT(emhttp_base64_encode((const uint8_t *)in, strlen(in), out, sizeof out, &n),
                 EMHTTP_OK);
    CHECK_EQ_INT(n, strlen(want));
    CHECK_EQ_INT(n, EMHTTP_BASE64_LEN(strlen(in)));
    CHECK_EQ_STR(out, want); /* NUL-terminated: there was room */
}

static void test_rfc4648_vectors(void)
{
    b64("", "");
    b64("f", "Zg==");
    b64("fo", "Zm8=");
    b64("foo", "Zm9v");
    b64("foob", "Zm9vYg==");
    b64("fooba", "Zm9vYmE=");
    b64("foobar", "Zm9vYmFy");
    /* every value of a 6-bit group, and bytes above 0x7F */
    const uint8_t all[] = {0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8B, 0x30, 0xD3,
                           0x8F, 0x41, 0x14, 0x93, 0x51, 0x55, 0x97, 0x61, 0x96, 0x9B, 0x71,
                           0xD7, 0x9F, 0x82, 0x18, 0xA3, 0x92, 0x59, 0xA7, 0xA2, 0x9A, 0xAB,
                           0xB2, 0xDB, 0xAF, 0xC3, 0x1C, 0xB3, 0xD3, 0x5D, 0xB7, 0xE3, 0x9E,
                           0xBB, 0xF3, 0xDF, 0xBF};
    char out[65];
    size_t n;
    CHECK_EQ_INT(emhttp_base64_encode(all, sizeof all, out, sizeof out, &n), EMHTTP_OK);
    CHECK_EQ_STR(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

static void test_exact_and_short_buffers(void)
{
    char out[8];
    size_t n = 0;
    memset(out, 'x', sizeof out);
    /* exactly the characters: no NUL, nothing past them */
    CHECK_EQ_INT(emhttp_base64_encode((const uint8_t *)"foo", 3, out, 4, &n), EMHTTP_OK);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_MEM(out, 5, "Zm9vx", 5);
    /* one short: an error and nothing written */
    memset(out, 'x', sizeof out);
    CHECK_EQ_INT(emhttp_base64_encode((const uint8_t *)"foob", 4, out, 7, &n),
                 EMHTTP_ERR_TX_OVERFLOW);
    CHECK_EQ_MEM(out, 8, "xxxxxxxx", 8);
    CHECK_EQ_INT(emhttp_base64_encode(NULL, 1, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_base64_encode(NULL, 0, out, sizeof out, NULL), EMHTTP_OK);
    CHECK_EQ_INT(out[0], '\0');
}

static void test_basic_rfc7617(void)
{
    char out[64];
    size_t n;
    CHECK_EQ_INT(emhttp_auth_basic("Aladdin", 7, "open sesame", 11, out, sizeof out, &n),
                 EMHTTP_OK);
    CHECK_EQ_STR(out, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    CHECK_EQ_INT(n, EMHTTP_AUTH_BASIC_LEN(7, 11));
    /* RFC 7617 2.1: user "test", password "123\u00A3" in UTF-8 */
    CHECK_EQ_INT(emhttp_auth_basic("test", 4, "123\xC2\xA3", 5, out, sizeof out, &n), EMHTTP_OK);
    CHECK_EQ_STR(out, "Basic dGVzdDoxMjPCow==");
    /* empty password, empty user */
    CHECK_EQ_INT(emhttp_auth_basic("u", 1, "", 0, out, sizeof out, &n), EMHTTP_OK);
    CHECK_EQ_STR(out, "Basic dTo=");
    CHECK_EQ_INT(emhttp_auth_basic(NULL, 0, "p", 1, out, sizeof out, &n), EMHTTP_OK);
    CHECK_EQ_STR(out, "Basic OnA=");
}

/* Every split of "user:password" strings of every length up to 9 encodes
 * as the joined bytes do. */
static void test_basic_every_split(void)
{
    const char src[] = "abcdefghi";
    for (size_t ul = 0; ul <= 9; ul++) {
        for (size_t pl = 0; pl <= 9; pl++) {
            char joined[32], want[64], got[64];
            memcpy(joined, src, ul);
            joined[ul] = ':';
            memcpy(joined + ul + 1, src, pl);
            memcpy(want, "Basic ", 6);
            size_t wn, gn;
            CHECK_EQ_INT(emhttp_base64_encode((uint8_t *)joined, ul + 1 + pl, want + 6,
                                              sizeof want - 6, &wn),
                         EMHTTP_OK);
            CHECK_EQ_INT(emhttp_auth_basic(src, ul, src, pl, got, sizeof got, &gn), EMHTTP_OK);
            CHECK_EQ_MEM(got, gn, want, wn + 6);
            /* one byte short of the characters: refused, untouched */
            memset(got, 'x', sizeof got);
            CHECK_EQ_INT(emhttp_auth_basic(src, ul, src, pl, got, gn - 1, &gn),
                         EMHTTP_ERR_TX_OVERFLOW);
            CHECK(got[0] == 'x');
        }
    }
}

static void test_basic_bad_input(void)
{
    char out[64];
    size_t n;
    CHECK_EQ_INT(emhttp_auth_basic("a:b", 3, "p", 1, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_auth_basic("a", 1, "p\r\nX: y", 7, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_auth_basic("a\n", 2, "p", 1, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_auth_basic("a", 1, "p\x7f", 2, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_auth_basic("a", 1, NULL, 1, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_auth_basic("a", 1, "p", 1, NULL, 0, &n), EMHTTP_ERR_ARG);
    /* a colon in the password is fine (RFC 7617: only the user-id may not) */
    CHECK_EQ_INT(emhttp_auth_basic("a", 1, "p:q", 3, out, sizeof out, &n), EMHTTP_OK);
    CHECK_EQ_STR(out, "Basic YTpwOnE=");
}

static void test_bearer(void)
{
    char out[64];
    size_t n;
    const char *jwt = "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo";
    char big[128];
    CHECK_EQ_INT(emhttp_auth_bearer("mF_9.B5f-4.1JqM", 15, out, sizeof out, &n), EMHTTP_OK);
    CHECK_EQ_STR(out, "Bearer mF_9.B5f-4.1JqM");
    CHECK_EQ_INT(n, EMHTTP_AUTH_BEARER_LEN(15));
    CHECK_EQ_INT(emhttp_auth_bearer(jwt, strlen(jwt), out, sizeof out, &n),
                 EMHTTP_ERR_TX_OVERFLOW);
    CHECK_EQ_INT(emhttp_auth_bearer(jwt, strlen(jwt), big, sizeof big, &n), EMHTTP_OK);
    CHECK_EQ_INT(n, 7 + strlen(jwt));
    CHECK_EQ_MEM(big + 7, n - 7, jwt, strlen(jwt));
    CHECK_EQ_INT(emhttp_auth_bearer("", 0, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_auth_bearer("a b", 3, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_auth_bearer("a\r\nX: y", 7, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_auth_bearer("\xC3\xA9", 2, out, sizeof out, &n), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_auth_bearer(NULL, 3, out, sizeof out, &n), EMHTTP_ERR_ARG);
}

int main(void)
{
    RUN(test_rfc4648_vectors);
    RUN(test_exact_and_short_buffers);
    RUN(test_basic_rfc7617);
    RUN(test_basic_every_split);
    RUN(test_basic_bad_input);
    RUN(test_bearer);
    return check_summary();
}
