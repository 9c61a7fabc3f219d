/*
 * json_common.h - what the JSON writer and reader share: the scan for the
 * next string byte that needs a look, the UTF-8 check, and (with
 * CONFIG_EMHTTP_JSON_FLOAT) the 128-bit arithmetic of the double
 * conversions and their power-of-five tables.  Private to core/: not installed, not API.
 *
 * The only build choice is CONFIG_EMHTTP_JSON_FAST (emhttp/opt.h): with
 * it emhttp_json_plain_end() skips a machine word of plain bytes at a
 * time; the result is the same (tests/fuzz/fuzz_json_fast_diff.c runs the
 * writer and the reader built with and without it on the same input).
 */
#ifndef EMHTTP_JSON_COMMON_H
#define EMHTTP_JSON_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "http_chars.h"

#if CONFIG_EMHTTP_JSON_FAST
#include <string.h> /* memcpy: an unaligned word load */
#endif

/* ---- strings ----------------------------------------------------------- */

#if CONFIG_EMHTTP_JSON_FAST
/* The bytes of word w that a string cannot carry as they are (see
 * emhttp_json_plain_end()), each flagged in its high bit; ones has 0x01
 * in each byte that counts.  Each byte is looked at with its high bit
 * set, so that taking 0x20 or 1 away cannot borrow from the next byte:
 * the high bit of b - 0x20 is then clear exactly for a byte below 0x20,
 * that of (b ^ q) - 1 exactly for b == q; the bytes >= 0x80 have it
 * set in w. */
static inline size_t emhttp_json_marks(size_t w, size_t ones)
{
    size_t high = ones * 0x80, b = w | high;
    size_t ctl = b - ones * 0x20;             /* high bit clear: below 0x20 */
    size_t quote = (b ^ ones * '"') - ones;   /* high bit clear: '"' */
    size_t bslash = (b ^ ones * '\\') - ones; /* high bit clear: '\\' */
    return (w | ~(ctl & quote & bslash)) & high;
}

/* From s[i], skip the bytes of s[..n) that certainly are plain, a
 * machine word at a time (then, on 64-bit CPUs, 4 bytes); return where
 * the byte loop must go on.  When to is not NULL, each word looked at is
 * also stored from to on.  On a little-endian CPU the first byte to look
 * at in a word is its lowest flagged one, found with a count of trailing
 * zeros; elsewhere the byte loop starts at the word. */
static inline size_t emhttp_json_skip_plain_words(const uint8_t *s, size_t i, size_t n,
                                                  uint8_t *to)
{
    const size_t ones = (size_t)-1 / 255;
    size_t w = 0, m = 0;
    uint32_t h;

    for (; n - i >= sizeof w; i += sizeof w) {
        memcpy(&w, s + i, sizeof w);
        if (to != NULL) {
            memcpy(to, &w, sizeof w);
            to += sizeof w;
        }
        if ((m = emhttp_json_marks(w, ones)) != 0) {
            break;
        }
    }
    if (m == 0 && sizeof w > 4 && n - i >= 4) {
        memcpy(&h, s + i, 4);
        if (to != NULL) {
            memcpy(to, &h, 4);
        }
        m = emhttp_json_marks(h, 0x01010101u);
        i += m == 0 ? 4 : 0;
    }
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (m != 0) {
        i += (size_t)(sizeof m > sizeof(unsigned long) ? __builtin_ctzll(m)
                                                       : __builtin_ctzl((unsigned long)m)) / 8;
    }
#endif
    return i;
}
#endif

/* Index of the first byte of s[i..n) that a JSON string cannot carry as
 * it is, n if there is none: '"', '\\' or a control character (escaped
 * by the writer, an end, an escape or an error to the reader), or a byte
 * >= 0x80 (part of a UTF-8 sequence: see emhttp_json_utf8_next()).  One
 * byte at a time; with CONFIG_EMHTTP_JSON_FAST the plain words at the
 * start are skipped first.  When to is not NULL the plain bytes are also
 * copied there, from to[0] on (the writer, when it has room: with
 * CONFIG_EMHTTP_JSON_FAST up to 7 bytes more may be stored after them).
 * Inline: every string goes through it. */
static inline size_t emhttp_json_plain_end(const uint8_t *s, size_t i, size_t n, uint8_t *to)
{
    size_t j = i;
#if CONFIG_EMHTTP_JSON_FAST
    j = emhttp_json_skip_plain_words(s, i, n, to);
#endif
    while (j < n && !(HC(s[j]) & (HC_JESC | HC_HIGH))) {
        if (to != NULL) {
            to[j - i] = s[j];
        }
        j++;
    }
    return j;
}

/* UTF-8 checked a byte at a time (RFC 3629): st is the state before byte
 * c, 0 at the start of a string; the result is the state after it, or
 * EMHTTP_JSON_UTF8_BAD when c cannot come there: a continuation byte out
 * of place, 0xC0, 0xC1 or 0xF5..0xFF, an overlong form, a surrogate
 * (U+D800..U+DFFF), a code point above U+10FFFF.  A state above 15 means
 * a sequence is unfinished: the next byte must go through here too (at
 * the end of the string it is cut off); otherwise only bytes >= 0x80
 * need to.  Inline: every string byte >= 0x80 goes through it.
 *
 * A state is (continuation bytes still due) << 4 | bit h - 8 set for
 * each high nibble h (8..B) the next byte may have: after the lead bytes
 * E0 and F0 fewer, to leave out overlong forms, after ED the surrogates,
 * after F4 what lies above U+10FFFF. */
#define EMHTTP_JSON_UTF8_BAD 0x40u

static inline unsigned emhttp_json_utf8_next(unsigned st, unsigned c)
{
    static const uint8_t lead[0x15] = {             /* the state after 0xE0 + i */
        0x2C, 0x2F, 0x2F, 0x2F, 0x2F, 0x2F, 0x2F, 0x2F, /* E0: A0..BF next */
        0x2F, 0x2F, 0x2F, 0x2F, 0x2F, 0x23, 0x2F, 0x2F, /* ED: 80..9F next */
        0x3E, 0x3F, 0x3F, 0x3F, 0x31,                   /* F0: 90..BF, F4: 80..8F */
    };
    if (st > 15u) { /* (c >> 4) ^ 8 is 0..3 for the high nibbles 8..B, 4..15 else */
        return ((st & 15u) >> ((c >> 4) ^ 8u)) & 1u ? (st | 15u) - 16u : EMHTTP_JSON_UTF8_BAD;
    }
    if (c < 0xC2 || c > 0xF4) {
        return EMHTTP_JSON_UTF8_BAD; /* a continuation byte, overlong 2-byte, too large */
    }
    return c < 0xE0 ? 0x1Fu : lead[c - 0xE0];
}

/* ---- 64 x 64 -> 128-bit products ------------------------------------- */

/* The high 128 bits {*hi, *lo} of the 192-bit product a * {t0, t1} (t0
 * the high 64 bits of the 128-bit factor).  emhttp_json_umulh(a, b): the
 * high 64 bits of a * b. */
#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 emhttp_json_u128;

static inline void emhttp_json_mul_top(uint64_t a, uint64_t t0, uint64_t t1, uint64_t *hi,
                                       uint64_t *lo)
{
    emhttp_json_u128 l = (emhttp_json_u128)a * t1, h = (emhttp_json_u128)a * t0 + (uint64_t)(l >> 64);
    *hi = (uint64_t)(h >> 64);
    *lo = (uint64_t)h;
}

static inline uint64_t emhttp_json_umulh(uint64_t a, uint64_t b)
{
    return (uint64_t)(((emhttp_json_u128)a * b) >> 64);
}
#else
/* a * b from 32-bit halves: the high 64 bits in *hi, returns the low. */
static inline uint64_t emhttp_json_umul128(uint64_t a, uint64_t b, uint64_t *hi)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    return (mid << 32) | (uint32_t)p00;
}

static inline void emhttp_json_mul_top(uint64_t a, uint64_t t0, uint64_t t1, uint64_t *hi,
                                       uint64_t *lo)
{
    uint64_t h0, h1, l1;
    (void)emhttp_json_umul128(a, t1, &h1);
    l1 = emhttp_json_umul128(a, t0, &h0);
    *lo = l1 + h1;
    *hi = h0 + (*lo < l1);
}

static inline uint64_t emhttp_json_umulh(uint64_t a, uint64_t b)
{
    uint64_t hi;
    (void)emhttp_json_umul128(a, b, &hi);
    return hi;
}
#endif

/* ---- doubles: powers of five ------------------------------------------ */
#if CONFIG_EMHTTP_JSON_FLOAT

/* The power-of-five tables (json_common.c), each entry {high 64 bits, low}:
 *   emhttp_json_pow5_[q]    = floor(5^q * 2^(125 - bitlen(5^q))),     q = 0..325
 *   emhttp_json_pow5inv_[q] = floor(2^(bitlen(5^q) + 124) / 5^q) + 1, q = 0..342 */
#define EMHTTP_JSON_POW5_BITS 125
#define EMHTTP_JSON_POW5_MAX 325    /* last q of emhttp_json_pow5_ */
#define EMHTTP_JSON_POW5INV_MAX 342 /* last q of emhttp_json_pow5inv_ */
extern const uint64_t emhttp_json_pow5_[EMHTTP_JSON_POW5_MAX + 1][2];
extern const uint64_t emhttp_json_pow5inv_[EMHTTP_JSON_POW5INV_MAX + 1][2];

/* Bit length of 5^e, 0 <= e <= 3528. */
static inline int32_t emhttp_json_pow5_bits(int32_t e)
{
    return (int32_t)(((uint32_t)e * 1217359u) >> 19) + 1;
}

/* floor(e * log10(2)), -1650 <= e <= 1650. */
static inline int32_t emhttp_json_log10_pow2(int32_t e)
{
    if (e >= 0) {
        return (int32_t)(((uint32_t)e * 78913u) >> 18);
    }
    return -(int32_t)(((uint32_t)-e * 78913u + (1u << 18) - 1u) >> 18);
}

#endif /* CONFIG_EMHTTP_JSON_FLOAT */

#endif /* EMHTTP_JSON_COMMON_H */
