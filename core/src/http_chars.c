/*
 * http_chars.c - the character classes of core/ (RFC 9110 / 9112 grammar
 * for the HTTP writer and parser, RFC 8259 strings for the JSON writer)
 * and the few helpers the modules share (see http_chars.h).
 *
 * Two forms of the classes, one content (tests/unit/test_http_chars.c
 * checks all 256 bytes against the grammar in every build):
 *  - fast builds: a 256-byte table, one load per byte (HC() inlines it);
 *  - -Os builds: the 9 classes ASCII bytes have as a 4-bit number per
 *    byte, two per table byte, and the class of all of 0x80..0xFF apart:
 *    74 bytes, read by emhttp_http_class() (36 bytes of code on Cortex-M4).
 *
 * emhttp_dec_back() divides by 10 without a 64-bit division (a library
 * call of about 700 bytes on 32-bit CPUs): fast builds write integers
 * below 2^32 with a plain 32-bit loop and split larger values in 32-bit
 * halves; -Os builds divide four 16-bit pieces in one loop (108 bytes on
 * Cortex-M4 instead of 132).
 */
#include "http_chars.h"

/* The class of byte c, as a sum of the HC_* bits (http_chars.h):
 * 1 tchar, 2 field-value, 4 hex digit, 8 request-target, 16 JSON escape,
 * 32 non-ASCII, 64 host name.  Generated with:
 *
 *   tchar = b"!#$%&'*+-.^_`|~" + DIGIT + ALPHA; host = b"-._" + DIGIT + ALPHA
 *   (c in tchar) | 2 * (c == 9 or 0x20 <= c != 0x7f) | 4 * (c in HEXDIG)
 *   | 8 * (0x20 < c != 0x7f) | 16 * (c < 0x20 or c in b'"\\')
 *   | 32 * (c >= 0x80) | 64 * (c in host)
 */
#define NON_ASCII (HC_FIELD | HC_TARGET | HC_HIGH) /* 42: the class of 0x80..0xFF */

#if EMHTTP_FAST
const uint8_t emhttp_http_chars[256] = {
     16,  16,  16,  16,  16,  16,  16,  16,  16,  18,  16,  16,  16,  16,  16,  16, /* 0x00 */
     16,  16,  16,  16,  16,  16,  16,  16,  16,  16,  16,  16,  16,  16,  16,  16, /* 0x10 */
      2,  11,  26,  11,  11,  11,  11,  11,  10,  10,  11,  11,  10,  75,  75,  10, /* 0x20 */
     79,  79,  79,  79,  79,  79,  79,  79,  79,  79,  10,  10,  10,  10,  10,  10, /* 0x30 */
     10,  79,  79,  79,  79,  79,  79,  75,  75,  75,  75,  75,  75,  75,  75,  75, /* 0x40 */
     75,  75,  75,  75,  75,  75,  75,  75,  75,  75,  75,  10,  26,  10,  11,  75, /* 0x50 */
     11,  79,  79,  79,  79,  79,  79,  75,  75,  75,  75,  75,  75,  75,  75,  75, /* 0x60 */
     75,  75,  75,  75,  75,  75,  75,  75,  75,  75,  75,  10,  11,  10,  11,   0, /* 0x70 */
     42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42, /* 0x80 */
     42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42, /* 0x90 */
     42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42, /* 0xa0 */
     42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42, /* 0xb0 */
     42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42, /* 0xc0 */
     42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42, /* 0xd0 */
     42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42, /* 0xe0 */
     42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42,  42, /* 0xf0 */
};

/* The table above, out of line (the tests call it in every build). */
unsigned emhttp_http_class(unsigned c)
{
    return emhttp_http_chars[c & 0xffu];
}
#else
/* The same classes, packed: first the 10 classes there are (number 9 is
 * that of 0x80..0xFF), then the number of each ASCII byte, two per byte
 * (the even byte in the low 4 bits).  Generated with cls(c) as above:
 *
 *   classes = sorted({cls(c) for c in range(128)}) + [42]
 *   nib = [classes.index(cls(c)) | classes.index(cls(c + 1)) << 4
 *          for c in range(0, 128, 2)]
 */
static const uint8_t packed_classes[10 + 64] = {
    0, 2, 10, 11, 16, 18, 26, 75, 79, NON_ASCII, /* DEL SP sep tchar CTL HTAB "\ alnum hex */
    0x44, 0x44, 0x44, 0x44, 0x54, 0x44, 0x44, 0x44, /* 0x00 */
    0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, /* 0x10 */
    0x31, 0x36, 0x33, 0x33, 0x22, 0x33, 0x72, 0x27, /* 0x20 */
    0x88, 0x88, 0x88, 0x88, 0x88, 0x22, 0x22, 0x22, /* 0x30 */
    0x82, 0x88, 0x88, 0x78, 0x77, 0x77, 0x77, 0x77, /* 0x40 */
    0x77, 0x77, 0x77, 0x77, 0x77, 0x27, 0x26, 0x73, /* 0x50 */
    0x83, 0x88, 0x88, 0x78, 0x77, 0x77, 0x77, 0x77, /* 0x60 */
    0x77, 0x77, 0x77, 0x77, 0x77, 0x27, 0x23, 0x03, /* 0x70 */
};

/* Class number 9 for 0x80..0xFF (and above), else the 4 bits of c; then
 * its class. */
unsigned emhttp_http_class(unsigned c)
{
    unsigned k = 9;
    if (c < 0x80u) {
        k = (packed_classes[10 + (c >> 1)] >> ((c & 1u) * 4u)) & 15u;
    }
    return packed_classes[k];
}
#endif

/* See http_chars.h; the length bytes are octal escapes (a name starts
 * with a letter, which cannot extend them). */
const char emhttp_header_names[] = "\4host\16content-length\21transfer-encoding\12connection"
#if CONFIG_EMHTTP_KEEPALIVE_HINT
                                   "\12keep-alive"
#endif
    ;

/* See http_chars.h: the OR with 0x20 folds ASCII letters. */
bool emhttp_lower_eq(const char *s, const char *lower, size_t n)
{
    while (n-- != 0) {
        if ((*s++ | 0x20) != *lower++) {
            return false;
        }
    }
    return true;
}

/* x / 10 for any 32-bit x without a divide instruction (Cortex-M0+ has
 * none): by a 32 x 32 -> 64-bit multiplication (what compilers do for a
 * constant divisor), or, in -Os builds for a Thumb-1-only core (ARMv6-M,
 * ARMv8-M baseline), where that product is a library call, by shifts and
 * adds (Hacker's Delight, divu10). */
#ifndef EMHTTP_DIV10_SHIFTS /* (the *_min tests set it, to run this path on the host) */
#if !EMHTTP_FAST && defined(__thumb__) && !defined(__thumb2__)
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

#if EMHTTP_FAST
/* v % 10, v /= 10, in 32-bit operations.  With v = h * 2^32 + l,
 * h = 10 qh + rh, l = 10 ql + rl and 2^32 = 10 * 429496729 + 6:
 * v = 10 (qh 2^32 + rh 429496729 + ql) + rl + 6 rh, and rl + 6 rh < 64.
 * (rh 429496729 + ql + (rl + 6 rh) / 10 is at most 2^32 - 1.) */
static unsigned div10(uint64_t *v)
{
    uint32_t h = (uint32_t)(*v >> 32), l = (uint32_t)*v, qh, ql, t;

    ql = div10_32(l);
    if (h == 0) {
        *v = ql;
        return l - ql * 10u;
    }
    qh = div10_32(h);
    t = (l - ql * 10u) + (h - qh * 10u) * 6u;
    *v = ((uint64_t)qh << 32) + ((h - qh * 10u) * 429496729u + ql + div10_32(t));
    return t - div10_32(t) * 10u;
}

/* One digit per round, the '.' once frac digits are out.  Integers below
 * 2^32 (lengths, ports) take a plain 32-bit loop first. */
char *emhttp_dec_back(char *end, uint64_t v, unsigned frac)
{
    unsigned k = 0;

    if (frac == 0 && v <= 0xFFFFFFFFu) {
        uint32_t x = (uint32_t)v;
        do {
            *--end = (char)('0' + x % 10u);
            x /= 10u;
        } while (x != 0);
        return end;
    }
    do {
        if (k == frac && k != 0) {
            *--end = '.';
        }
        *--end = (char)('0' + div10(&v));
        k++;
    } while (v != 0 || k <= frac);
    return end;
}
#else
/* Long division of v, in four 16-bit pieces (most significant first), by
 * 10 per digit: each step divides remainder * 2^16 + piece < 10 * 2^16.
 * left counts the digits still due before the '.'. */
char *emhttp_dec_back(char *end, uint64_t v, unsigned frac)
{
    uint32_t part[4] = {(uint32_t)(v >> 48), (uint32_t)(v >> 32) & 0xffffu,
                        (uint32_t)v >> 16, (uint32_t)v & 0xffffu};
    unsigned left = frac;

    for (;;) {
        uint32_t r = 0, rest = 0;
        for (unsigned i = 0; i < 4; i++) {
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
#endif
