/*
 * http_chars.h - what the core modules share: the character classes, the
 * header names core/ acts on, the methods, and a few small helpers.
 * Private to core/: not installed, not API.
 *
 * Each helper has one implementation.  The only build choice is
 * CONFIG_EMHTTP_FAST_SCAN (emhttp/opt.h), a shortcut inside
 * emhttp_field_end() that skips a machine word of plain bytes at a time;
 * it never changes a result (tests/fuzz/fuzz_http_scan_diff.c runs the
 * parser and the writer built with and without it on the same input).
 */
#ifndef EMHTTP_HTTP_CHARS_H
#define EMHTTP_HTTP_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/opt.h"

#if CONFIG_EMHTTP_FAST_SCAN
#include <string.h> /* memcpy: an unaligned word load */
#endif

/* A compile-time check that works in C99: an array of size -1 does not
 * compile.  name makes the typedef unique (and the error readable). */
#define EMHTTP_STATIC_ASSERT(cond, name) typedef char emhttp_static_assert_##name[(cond) ? 1 : -1]

/* ---- character classes ----------------------------------------------- */

#define HC_TCHAR 1u   /* tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA (RFC 9110 5.6.2) */
#define HC_FIELD 2u   /* field-value byte: HTAB, SP, VCHAR, obs-text (no CTL, no DEL) */
#define HC_HEX 4u     /* hex digit */
#define HC_TARGET 8u  /* request-target byte: VCHAR or obs-text (no CTL, SP or DEL) */
#define HC_JESC 16u   /* escaped in a JSON string: a control character, '"', '\\' */
#define HC_HIGH 32u   /* 0x80..0xFF: part of a multi-byte UTF-8 sequence */
#define HC_HOST 64u   /* in a host name: ALPHA, DIGIT, '-', '.', '_' */

/* The HC_* bits of every byte (http_chars.c builds the table from the
 * definitions above). */
extern const uint8_t emhttp_http_chars[256];

/* The HC_* bits of byte c (any integer type; only its low 8 bits count). */
#define HC(c) (emhttp_http_chars[(uint8_t)(c)])

#if CONFIG_EMHTTP_FAST_SCAN
/* From s[i], skip the bytes of s[..n) that certainly are field bytes, a
 * machine word at a time; return where the byte loop must go on.
 *
 * A word is looked at through the low 7 bits l of each byte (so no carry
 * crosses bytes): l - 0x20 borrows below 0x20, l + 1 reaches 0x80 at DEL;
 * bytes >= 0x80 (obs-text: field bytes) are masked out.  Every byte below
 * 0x20 or DEL gets its high bit set in the mask m; so may a byte after
 * obs-text 0x80..0x9f (a borrow), which the byte loop then accepts.  So
 * every byte before the lowest flagged one is a field byte: on a
 * little-endian CPU that is the first flagged byte in memory, found with
 * a count of trailing zeros; elsewhere the byte loop starts at the word. */
static inline size_t emhttp_skip_plain_words(const uint8_t *s, size_t i, size_t n)
{
    const size_t ones = (size_t)-1 / 255, high = ones * 0x80, low7 = ones * 0x7f;
    size_t w, l, m;

    for (; n - i >= sizeof w; i += sizeof w) {
        memcpy(&w, s + i, sizeof w);
        l = w & low7;
        m = ((l - ones * 0x20) | (l + ones)) & ~w & high;
        if (m != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            i += (size_t)(sizeof m > sizeof(unsigned long) ? __builtin_ctzll(m)
                                                           : __builtin_ctzl((unsigned long)m)) / 8;
#endif
            break;
        }
    }
    return i;
}
#endif

/* Index of the first byte of s[i..n) that is not a field-value byte (a
 * CTL other than HTAB, or DEL), n if there is none.  The parser finds the
 * end of status, header and chunk-size lines with it, the writer checks
 * header values with it.  One byte at a time; with CONFIG_EMHTTP_FAST_SCAN
 * the plain words at the start are skipped first (a value with HTAB or
 * obs-text in it then goes on byte by byte from there: slower, the same
 * result).  Inline: the parser calls it for every line. */
static inline size_t emhttp_field_end(const uint8_t *s, size_t i, size_t n)
{
#if CONFIG_EMHTTP_FAST_SCAN
    i = emhttp_skip_plain_words(s, i, n);
#endif
    while (i < n && (HC(s[i]) & HC_FIELD)) {
        i++;
    }
    return i;
}

/* ---- header names ---------------------------------------------------- */

/* The header names core/ acts on, one line each: the writer refuses
 * caller headers named Content-Length or Transfer-Encoding and lets one
 * named Host replace its own; the parser reads the framing headers,
 * Connection and Keep-Alive.  X(ID, lower-case name) gives EMHTTP_HN_ID;
 * the parser looks names up in this order (the most common first). */
#define EMHTTP_HEADER_NAMES(X)                \
    X(CONTENT_LENGTH, "content-length")       \
    X(CONNECTION, "connection")               \
    X(TRANSFER_ENCODING, "transfer-encoding") \
    X(KEEP_ALIVE, "keep-alive")               \
    X(HOST, "host")

#define EMHTTP_HN_ENUM(id, name) EMHTTP_HN_##id,
enum {
    EMHTTP_HN_OTHER, /* a name not in the list */
    EMHTTP_HEADER_NAMES(EMHTTP_HN_ENUM)
    EMHTTP_HN_COUNT
};
#undef EMHTTP_HN_ENUM

/* The EMHTTP_HN_* of the header name s[0..n), ignoring ASCII case;
 * EMHTTP_HN_OTHER for any other name. */
unsigned emhttp_header_id(const char *s, size_t n);

/* True when s[0..n) equals the lower-case literal @p lower (at least n
 * bytes long), ignoring the case of ASCII letters. */
bool emhttp_lower_eq(const char *s, const char *lower, size_t n);

/* ---- methods --------------------------------------------------------- */

/* Flags of the method name m (NUL-terminated, compared exactly: methods
 * are case-sensitive), 0 for a method not in the table (http_writer.c). */
#define EMHTTP_M_IDEMPOTENT 1u /* GET HEAD PUT DELETE OPTIONS TRACE (RFC 9110 9.2.2) */
#define EMHTTP_M_CONTENT 2u    /* POST PUT PATCH: Content-Length even when 0 */
#define EMHTTP_M_HEAD 4u       /* HEAD: the response has no body */
unsigned emhttp_method_flags(const char *m);

/* ---- numbers --------------------------------------------------------- */

/* Write the decimal digits of v backwards, ending just before @p end, with
 * a '.' before the last @p frac of them when frac > 0 (at least frac + 1
 * digits, zero-padded: v = 5, frac = 2 gives "0.05").  At most 21 bytes.
 * Returns the first character written.  No 64-bit division. */
char *emhttp_dec_back(char *end, uint64_t v, unsigned frac);

#endif /* EMHTTP_HTTP_CHARS_H */
