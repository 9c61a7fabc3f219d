/*
 * http_chars.h - what the core modules share: the character classes, the
 * header names core/ acts on, the methods, and a few small helpers.
 * Private to core/: not installed, not API.
 *
 * Each helper has one implementation.  The only build choice is
 * CONFIG_EMHTTP_FAST_SCAN (emhttp/opt.h): shortcuts inside
 * emhttp_field_end() and emhttp_token_end() that skip a machine word of
 * plain bytes at a time, and one in emhttp_dec_back() (http_chars.c); they
 * never change a result (tests/fuzz/fuzz_http_scan_diff.c runs these
 * helpers, the parser and the writer built with and without it on the
 * same input).
 */
#ifndef EMHTTP_HTTP_CHARS_H
#define EMHTTP_HTTP_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/opt.h"

#include <string.h> /* memcpy: an unaligned word load */

/* A compile-time check that works in C99: an array of size -1 does not
 * compile.  name makes the typedef unique (and the error readable). */
#define EMHTTP_STATIC_ASSERT(cond, name) typedef char emhttp_static_assert_##name[(cond) ? 1 : -1]

/* A function kept out of line where gcc -Os inlines a copy that costs
 * bytes (measured with tests/footprint), e.g. a chain of checks whose
 * failures all return one value: out of line they branch to a return
 * nearby (2-byte branches) instead of to the caller's far one.  Only a
 * size choice: no result depends on it. */
#if defined(__GNUC__)
#define EMHTTP_NOINLINE __attribute__((noinline))
#else
#define EMHTTP_NOINLINE
#endif

/* ---- character classes ----------------------------------------------- */

#define HC_TCHAR 1u   /* tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA (RFC 9110 5.6.2) */
#define HC_FIELD 2u   /* field-value byte: HTAB, SP, VCHAR, obs-text (no CTL, no DEL) */
#define HC_HEX 4u     /* hex digit */
#define HC_TARGET 8u  /* request-target byte: VCHAR or obs-text (no CTL, SP or DEL) */
#define HC_JESC 16u   /* escaped in a JSON string: a control character, '"', '\\' */
#define HC_HIGH 32u   /* 0x80..0xFF: part of a multi-byte UTF-8 sequence */
#define HC_HOST 64u   /* in a host name: ALPHA, DIGIT, '-', '.', '_' */

/* The class of every byte 0x80..0xFF (obs-text, UTF-8 continuation). */
#define HC_NON_ASCII (HC_FIELD | HC_TARGET | HC_HIGH)

/* The HC_* bits of every ASCII byte (http_chars.c builds the table from
 * the definitions above). */
extern const uint8_t emhttp_http_chars[128];

/* The HC_* bits of byte c (any integer type; only its low 8 bits count). */
#define HC(c) ((uint8_t)(c) < 0x80 ? emhttp_http_chars[(uint8_t)(c)] : HC_NON_ASCII)

/* ---- machine words ---------------------------------------------------
 * Tests on all bytes of a machine word (size_t) at once, where a byte
 * loop would cost several instructions per byte.  A result has 0x80 set
 * in each byte the test holds for.  A carry or borrow between bytes starts
 * only at a byte >= 0x80 or one the caller stops at, and changes only the
 * bytes after it (at higher addresses on a little-endian CPU): no byte
 * before the first one the caller stops at is misjudged (that one may be
 * a false alarm, which the caller's byte loop then takes), and for ASCII
 * bytes every byte is exact. */

#define EMHTTP_ONES ((size_t)-1 / 255) /* 0x01 in every byte */

/* The ASCII letters (either case) of w: with capitals folded onto small
 * letters (| 0x20), 'a' + 0x1f and '{' + 0x05 reach 0x80. */
static inline size_t emhttp_letter_bytes(size_t w)
{
    size_t l = w | EMHTTP_ONES * 0x20;

    return (l + EMHTTP_ONES * 0x1f) & ~(l + EMHTTP_ONES * 0x05) & EMHTTP_ONES * 0x80;
}

#if CONFIG_EMHTTP_FAST_SCAN
/* The bytes of w below 0x20 and DEL: w - 0x20 borrows below 0x20, w + 1
 * reaches 0x80 at DEL; bytes >= 0x80 are left out.  (After an obs-text
 * byte 0xff, the carry of + 1 may flag a byte that is none: the caller's
 * byte loop then takes it.) */
static inline size_t emhttp_ctl_bytes(size_t w)
{
    return ((w - EMHTTP_ONES * 0x20) | (w + EMHTTP_ONES)) & ~w & EMHTTP_ONES * 0x80;
}

/* How many bytes of a word come before its first (lowest-addressed) one
 * flagged in the non-zero mask m: on a little-endian CPU its count of
 * trailing zeros / 8; elsewhere 0 (the caller's byte loop starts at the
 * word). */
static inline size_t emhttp_before_flag(size_t m)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (unsigned)(sizeof m > sizeof(unsigned long) ? __builtin_ctzll(m)
                                                       : __builtin_ctzl((unsigned long)m)) / 8u;
#else
    (void)m;
    return 0;
#endif
}

/* From s[i], skip the bytes of s[..n) that certainly are field bytes (no
 * CTL, no DEL), a machine word at a time; return where the byte loop must
 * go on. */
static inline size_t emhttp_skip_plain_words(const uint8_t *s, size_t i, size_t n)
{
    size_t w, m;

    for (; i + sizeof w <= n; i += sizeof w) {
        memcpy(&w, s + i, sizeof w);
        m = emhttp_ctl_bytes(w);
        if (m != 0) {
            return i + emhttp_before_flag(m);
        }
    }
    return i;
}

/* From s[i], skip the ASCII letters of s[..n) (tchars, what header names
 * are mostly made of), a machine word at a time; return where the byte
 * loop must go on. */
static inline size_t emhttp_skip_letter_words(const uint8_t *s, size_t i, size_t n)
{
    size_t w, m;

    for (; i + sizeof w <= n; i += sizeof w) {
        memcpy(&w, s + i, sizeof w);
        m = ~emhttp_letter_bytes(w) & EMHTTP_ONES * 0x80;
        if (m != 0) {
            return i + emhttp_before_flag(m);
        }
    }
    return i;
}
#endif

/* Index of the first byte of s[i..n) that does not have the class cls
 * (HC_* bits), n if there is none: the one byte loop of the scans below
 * and of the writer's checks. */
static inline size_t emhttp_class_scan(const uint8_t *s, size_t i, size_t n, unsigned cls)
{
    while (i < n && (HC(s[i]) & cls)) {
        i++;
    }
    return i;
}

/* emhttp_class_scan() out of line (http_chars.c): one copy for all its
 * callers, where a copy in each costs more bytes than the call.  The
 * parser's line scans take the inline one with CONFIG_EMHTTP_FAST_SCAN
 * (speed), this one without (size). */
size_t emhttp_class_end(const uint8_t *s, size_t i, size_t n, unsigned cls);

/* Index of the first byte of s[i..n) that is not a field-value byte (a
 * CTL other than HTAB, or DEL), n if there is none.  The parser finds the
 * end of status, header and chunk-size lines with it.  With
 * CONFIG_EMHTTP_FAST_SCAN the plain words at the start are skipped first
 * (a value with HTAB or obs-text in it then goes on byte by byte from
 * there: slower, the same result). */
static inline size_t emhttp_field_end(const uint8_t *s, size_t i, size_t n)
{
#if CONFIG_EMHTTP_FAST_SCAN
    return emhttp_class_scan(s, emhttp_skip_plain_words(s, i, n), n, HC_FIELD);
#else
    return emhttp_class_end(s, i, n, HC_FIELD);
#endif
}

/* Index of the first byte of s[i..n) that is no tchar (RFC 9110 5.6.2), n
 * if there is none: the end of a header name.  With
 * CONFIG_EMHTTP_FAST_SCAN runs of letters are skipped a word at a time
 * (the byte loop takes each other tchar, such as '-', then the words go
 * on). */
static inline size_t emhttp_token_end(const uint8_t *s, size_t i, size_t n)
{
#if CONFIG_EMHTTP_FAST_SCAN
    for (;;) {
        i = emhttp_skip_letter_words(s, i, n);
        if (i == n || !(HC(s[i]) & HC_TCHAR)) {
            return i;
        }
        i++;
    }
#else
    return emhttp_class_end(s, i, n, HC_TCHAR);
#endif
}

/* ---- header names ---------------------------------------------------- */

/* The header names core/ acts on, one line each: the writer refuses
 * caller headers named Content-Length or Transfer-Encoding and lets one
 * named Host replace its own; the parser reads the framing headers,
 * Connection and (with CONFIG_EMHTTP_KEEPALIVE_HINT) Keep-Alive.
 * X(ID, lower-case name) gives EMHTTP_HN_ID; the parser looks names up in
 * this order (the most common first). */
#define EMHTTP_HEADER_NAMES(X)                \
    X(CONTENT_LENGTH, "content-length")       \
    X(CONNECTION, "connection")               \
    X(TRANSFER_ENCODING, "transfer-encoding") \
    EMHTTP_HN_KEEP_ALIVE_(X)                  \
    X(HOST, "host")
#if CONFIG_EMHTTP_KEEPALIVE_HINT
#define EMHTTP_HN_KEEP_ALIVE_(X) X(KEEP_ALIVE, "keep-alive")
#else
#define EMHTTP_HN_KEEP_ALIVE_(X) /* not read */
#endif

#define EMHTTP_HN_ENUM(id, name) EMHTTP_HN_##id,
enum {
    EMHTTP_HN_OTHER, /* a name not in the list */
    EMHTTP_HEADER_NAMES(EMHTTP_HN_ENUM)
    EMHTTP_HN_COUNT
};
#undef EMHTTP_HN_ENUM

/* The EMHTTP_HN_* of the header name s[0..n), ignoring ASCII case;
 * EMHTTP_HN_OTHER for any other name.  (Defined in http_parser.c, next to
 * its hot caller, like emhttp_lower_eq().) */
unsigned emhttp_header_id(const char *s, size_t n);

/* True when s[0..n) equals @p lower, ignoring the case of ASCII letters;
 * lower is a lower-case ASCII literal at least n bytes long.  One compare
 * for every build, a machine word at a time. */
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
