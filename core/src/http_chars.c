/*
 * http_chars.c - the one character-class table of core/ (RFC 9110 / 9112
 * grammar for the HTTP writer and parser, RFC 8259 strings for the JSON
 * writer), 256 bytes of flash shared by all, and the few helpers they
 * share (see http_chars.h).
 */
#include "http_chars.h"

/* Each entry is the sum of the HC_* bits of its byte (http_chars.h):
 * 1 tchar, 2 field-value, 4 hex digit, 8 request-target, 16 JSON escape,
 * 32 non-ASCII, 64 host name.  Generated with:
 *
 *   tchar = b"!#$%&'*+-.^_`|~" + DIGIT + ALPHA; host = b"-._" + DIGIT + ALPHA
 *   (c in tchar) | 2 * (c == 9 or 0x20 <= c != 0x7f) | 4 * (c in HEXDIG)
 *   | 8 * (0x20 < c != 0x7f) | 16 * (c < 0x20 or c in b'"\\')
 *   | 32 * (c >= 0x80) | 64 * (c in host)
 */
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

#if !EMHTTP_FAST
void emhttp_copy(void *d, const void *s, size_t n)
{
    uint8_t *to = d;
    const uint8_t *from = s;
    while (n-- != 0) {
        *to++ = *from++;
    }
}
#endif

bool emhttp_lower_eq(const char *s, const char *lower, size_t n)
{
    while (n-- != 0) {
        if ((*s++ | 0x20) != *lower++) {
            return false;
        }
    }
    return true;
}

/* x / 10 for any 32-bit x, by multiplication (what compilers do for a
 * constant divisor where the CPU multiplies 32 x 32 -> 64 bits; written
 * out so that CPUs without a divide instruction, Cortex-M0+, need no
 * division routine either). */
static uint32_t div10_32(uint32_t x)
{
    return (uint32_t)(((uint64_t)x * 0xCCCCCCCDu) >> 35);
}

/* v % 10, v /= 10, in 32-bit operations: a 64-bit division is a library
 * call of about 700 bytes on 32-bit CPUs.  With v = h * 2^32 + l,
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

char *emhttp_dec_back(char *end, uint64_t v, unsigned frac)
{
    unsigned k = 0;

    do {
        if (k == frac && k != 0) {
            *--end = '.';
        }
        *--end = (char)('0' + div10(&v));
        k++;
    } while (v != 0 || k <= frac);
    return end;
}
