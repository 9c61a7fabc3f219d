/*
 * http_chars.c - the character classes of core/ (RFC 9110 / 9112 grammar
 * for the HTTP writer and parser, RFC 8259 strings for the JSON writer)
 * and the few helpers the modules share (see http_chars.h).
 *
 * The class table is built by the preprocessor from the definitions
 * below; tests/unit/test_http_chars.c checks all 256 bytes against the
 * grammar written out a second time.
 *
 * emhttp_dec_back() divides by 10 without a 64-bit division (a library
 * call of about 700 bytes on 32-bit CPUs).
 */
#include "http_chars.h"

/* ---- character classes ----------------------------------------------- */

#define IS_ALPHA(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_VCHAR(c) ((c) > ' ' && (c) < 0x7f)
#define IS_TCHAR(c)                                                                        \
    (IS_ALPHA(c) || IS_DIGIT(c) || (c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || \
     (c) == '&' || (c) == '\'' || (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' ||  \
     (c) == '^' || (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define IS_HEX(c) (IS_DIGIT(c) || ((c) >= 'A' && (c) <= 'F') || ((c) >= 'a' && (c) <= 'f'))
#define IS_HOST(c) (IS_ALPHA(c) || IS_DIGIT(c) || (c) == '-' || (c) == '.' || (c) == '_')

/* The HC_* bits of byte c, from the definitions in http_chars.h. */
#define CLASS(c)                                                          \
    ((IS_TCHAR(c) ? HC_TCHAR : 0) |                                       \
     ((c) == '\t' || (c) == ' ' || IS_VCHAR(c) || (c) >= 0x80 ? HC_FIELD : 0) | \
     (IS_HEX(c) ? HC_HEX : 0) |                                           \
     (IS_VCHAR(c) || (c) >= 0x80 ? HC_TARGET : 0) |                       \
     ((c) < ' ' || (c) == '"' || (c) == '\\' ? HC_JESC : 0) |             \
     ((c) >= 0x80 ? HC_HIGH : 0) |                                        \
     (IS_HOST(c) ? HC_HOST : 0))

#define ROW(r)                                                                              \
    CLASS(r + 0), CLASS(r + 1), CLASS(r + 2), CLASS(r + 3), CLASS(r + 4), CLASS(r + 5),     \
        CLASS(r + 6), CLASS(r + 7), CLASS(r + 8), CLASS(r + 9), CLASS(r + 10), CLASS(r + 11), \
        CLASS(r + 12), CLASS(r + 13), CLASS(r + 14), CLASS(r + 15)

const uint8_t emhttp_http_chars[128] = {
    ROW(0x00), ROW(0x10), ROW(0x20), ROW(0x30), ROW(0x40), ROW(0x50), ROW(0x60), ROW(0x70),
};

/* HC_NON_ASCII is what CLASS() gives every byte 0x80..0xFF. */
EMHTTP_STATIC_ASSERT(CLASS(0x80) == HC_NON_ASCII && CLASS(0xff) == HC_NON_ASCII, non_ascii_class);

size_t emhttp_class_end(const uint8_t *s, size_t i, size_t n, unsigned cls)
{
    return emhttp_class_scan(s, i, n, cls);
}

/* ---- numbers --------------------------------------------------------- */

/* x / 10 for any 32-bit x without a divide instruction (Cortex-M0+ has
 * none): by a 32 x 32 -> 64-bit multiplication (what compilers do for a
 * constant divisor), or, on a Thumb-1-only core (ARMv6-M, ARMv8-M
 * baseline), where that product is a library call, by shifts and adds
 * (Hacker's Delight, divu10). */
#ifndef EMHTTP_DIV10_SHIFTS /* (the *_min tests set it, to run this path on the host) */
#if defined(__thumb__) && !defined(__thumb2__)
#define EMHTTP_DIV10_SHIFTS 1
#else
#define EMHTTP_DIV10_SHIFTS 0
#endif
#endif
static uint32_t div10_32(uint32_t x)
{
#if !EMHTTP_DIV10_SHIFTS
    return (uint32_t)(((uint64_t)x * 0xCCCCCCCDu) >> 35);
#else
    uint32_t q = (x >> 1) + (x >> 2); /* 0.75 x, then towards 0.8 x */
    q += q >> 4;
    q += q >> 8;
    q += q >> 16;
    q >>= 3; /* x / 10, or one less */
    return q + ((x - q * 10u) > 9u);
#endif
}

/* Long division of v by 10 per digit, in three pieces (most significant
 * first): the upper 32 bits, then two 16-bit pieces.  Each step divides
 * remainder * 2^16 + piece: the first one the upper half itself
 * (remainder 0), the others a number below 10 * 2^16.  With
 * CONFIG_EMHTTP_FAST_SCAN the pieces that are 0 already are skipped, so a
 * number below 2^16 costs one 32-bit division per digit (the same digits:
 * 0 / 10 is 0).  left counts the digits still due before the '.'. */
char *emhttp_dec_back(char *end, uint64_t v, unsigned frac)
{
    uint32_t part[3] = {(uint32_t)(v >> 32), (uint32_t)v >> 16, (uint32_t)v & 0xffffu};
    unsigned top = 0, left = frac; /* part[0..top) are 0 */

    for (;;) {
        uint32_t r = 0, rest = 0;
#if CONFIG_EMHTTP_FAST_SCAN
        while (top < 2 && part[top] == 0) {
            top++;
        }
#endif
        for (unsigned i = top; i < 3; i++) {
            uint32_t x = (r << 16) | part[i], q = div10_32(x);
            r = x - q * 10u;
            part[i] = q;
            rest |= q;
        }
        *--end = (char)('0' + r);
        if (left == 0 && rest == 0) {
            return end;
        }
        if (left != 0 && --left == 0) {
            *--end = '.';
        }
    }
}
