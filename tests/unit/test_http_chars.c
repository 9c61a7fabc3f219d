/* Shared character helpers (core/src/http_chars.c), in whichever build this
 * runs against (fast, -Os, minimal): the class of every one of the 256
 * bytes against the grammar, written out here independently of the
 * table; decimal digits against printf; method flags; ASCII case. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../../core/src/http_chars.h"
#include "check.h"

static int in(const char *set, unsigned c)
{
    return c != 0 && strchr(set, (int)c) != NULL;
}

static int alpha(unsigned c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int digit(unsigned c) { return c >= '0' && c <= '9'; }
static int vchar(unsigned c) { return c >= 0x21 && c <= 0x7e; }

/* The classes from their definitions. */
static unsigned expected_class(unsigned c)
{
    unsigned k = 0;
    /* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+"
     * / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
    if (in("!#$%&'*+-.^_`|~", c) || digit(c) || alpha(c)) {
        k |= HC_TCHAR;
    }
    /* RFC 9110 5.5: field-value bytes: HTAB, SP, VCHAR, obs-text */
    if (c == '\t' || c == ' ' || vchar(c) || c >= 0x80) {
        k |= HC_FIELD;
    }
    /* RFC 5234 HEXDIG (case-insensitive) */
    if (digit(c) || in("ABCDEFabcdef", c)) {
        k |= HC_HEX;
    }
    /* request-target bytes: VCHAR or obs-text (no CTL, SP, DEL) */
    if (vchar(c) || c >= 0x80) {
        k |= HC_TARGET;
    }
    /* RFC 8259 7: escaped in a string: control characters, '"', '\' */
    if (c < 0x20 || c == '"' || c == '\\') {
        k |= HC_JESC;
    }
    /* non-ASCII: part of a multi-byte UTF-8 sequence */
    if (c >= 0x80) {
        k |= HC_HIGH;
    }
    /* host names: ALPHA, DIGIT, '-', '.', '_' */
    if (alpha(c) || digit(c) || in("-._", c)) {
        k |= HC_HOST;
    }
    return k;
}

static void test_every_byte_class(void)
{
    for (unsigned c = 0; c < 256; c++) {
        unsigned got = HC(c), want = expected_class(c);
        if (got != want) {
            fprintf(stderr, "byte 0x%02x: class %u, want %u\n", c, got, want);
        }
        CHECK_EQ_INT(got, want);
    }
}

/* emhttp_dec_back(v, frac) against printf: the digits of v, zero-padded
 * to frac + 1 digits and a '.' before the last frac when frac > 0.  Bytes
 * before the first one returned stay untouched. */
static void check_dec(uint64_t v, unsigned frac)
{
    char digits[64], want[72], buf[64], *d = digits + 32, *end = buf + sizeof buf - 1, *p;
    int n = snprintf(d, 32, "%" PRIu64, v);
    while (frac > 0 && n < (int)frac + 1) {
        *--d = '0';
        n++;
    }
    if (frac > 0) {
        snprintf(want, sizeof want, "%.*s.%s", n - (int)frac, d, d + n - (int)frac);
    } else {
        snprintf(want, sizeof want, "%s", d);
    }
    memset(buf, 0x5A, sizeof buf);
    p = emhttp_dec_back(end, v, frac);
    if ((size_t)(end - p) != strlen(want) || memcmp(p, want, strlen(want)) != 0) {
        fprintf(stderr, "dec_back(%" PRIu64 ", %u): got %.*s, want %s\n", v, frac,
                (int)(end - p), p, want);
    }
    CHECK_EQ_MEM(p, end - p, want, strlen(want));
    CHECK(end - p <= 21);
    for (char *q = buf; q < p; q++) {
        if (*q != 0x5A) {
            CHECK(!"dec_back wrote before its first digit");
            break;
        }
    }
}

static void test_dec_back(void)
{
    static const uint64_t edges[] = {0u, 1u, 9u, 10u, 11u, 99u, 100u, 65535u, 65536u,
                                     4294967295u, 4294967296u, 4294967297u,
                                     42949672950u, 42949672959u, 429496729600u,
                                     9999999999999999999u, 10000000000000000000u,
                                     9223372036854775807u, 9223372036854775808u,
                                     UINT64_MAX, UINT64_MAX - 1u};
    uint64_t x = 0x9E3779B97F4A7C15u, p10 = 1;
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        for (unsigned frac = 0; frac <= 19; frac++) {
            check_dec(edges[i], frac);
        }
    }
    for (unsigned k = 0; k < 20; k++, p10 *= 10u) {
        check_dec(p10, 0);
        check_dec(p10 - 1u, 0);
        check_dec(p10 + 1u, 3);
    }
    for (int i = 0; i < 20000; i++) { /* xorshift64: all sizes of numbers */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check_dec(x >> (x & 63u), (unsigned)(x % 7u));
    }
}

static void test_method_flags(void)
{
    const unsigned I = EMHTTP_M_IDEMPOTENT, C = EMHTTP_M_CONTENT, H = EMHTTP_M_HEAD;
    CHECK_EQ_INT(emhttp_method_flags("GET"), I);
    CHECK_EQ_INT(emhttp_method_flags("POST"), C);
    CHECK_EQ_INT(emhttp_method_flags("PUT"), I | C);
    CHECK_EQ_INT(emhttp_method_flags("HEAD"), I | H);
    CHECK_EQ_INT(emhttp_method_flags("DELETE"), I);
    CHECK_EQ_INT(emhttp_method_flags("PATCH"), C);
    CHECK_EQ_INT(emhttp_method_flags("OPTIONS"), I);
    CHECK_EQ_INT(emhttp_method_flags("TRACE"), I);
    /* exact, case-sensitive matches only */
    static const char *const others[] = {"", "G", "GE", "GETS", "get", "Get", "POS", "POSTT",
                                         "PU", "PUTGET", "HEADS", "DELET", "PATC", "OPTION",
                                         "TRACEX", "CONNECT", "GET ", " GET", "GET\x02POST",
                                         "\x01GET", "PATCH\x01", "\x02", "\x01"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        if (emhttp_method_flags(others[i]) != 0) {
            fprintf(stderr, "method \"%s\" has flags\n", others[i]);
        }
        CHECK_EQ_INT(emhttp_method_flags(others[i]), 0);
    }
}

static void test_lower_eq(void)
{
    CHECK(emhttp_lower_eq("Content-Length", "content-length", 14));
    CHECK(emhttp_lower_eq("HOST", "host", 4));
    CHECK(emhttp_lower_eq("x", "y", 0));
    CHECK(!emhttp_lower_eq("Hosts", "hostx", 5));
    CHECK(!emhttp_lower_eq("Content_Length", "content-length", 14));
}

int main(void)
{
    RUN(test_every_byte_class);
    RUN(test_dec_back);
    RUN(test_method_flags);
    RUN(test_lower_eq);
    return check_summary();
}
