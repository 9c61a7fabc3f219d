/*
 * http_chars.h - what the core modules share: the character classes and a
 * few small helpers.  Private to core/: not installed, not API.
 *
 * The classes are read through HC(c) only.  Fast builds look them up in a
 * 256-byte table, inline.  -Os builds (EMHTTP_FAST 0) call
 * emhttp_http_class(), which packs them into 74 bytes (a 4-bit class
 * number per ASCII byte, one class for all of 0x80..0xFF) and 36 bytes of
 * code on Cortex-M4: a call per byte costs a few cycles, and the calls
 * cost about as much flash at the call sites as the inline table loads.
 * The helpers behave the same in every build.
 */
#ifndef EMHTTP_HTTP_CHARS_H
#define EMHTTP_HTTP_CHARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/opt.h"

#define HC_TCHAR 1u   /* tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA (RFC 9110 5.6.2) */
#define HC_FIELD 2u   /* field-value byte: HTAB, SP, VCHAR, obs-text (no CTL, no DEL) */
#define HC_HEX 4u     /* hex digit */
#define HC_TARGET 8u  /* request-target byte: VCHAR or obs-text (no CTL, SP or DEL) */
#define HC_JESC 16u   /* escaped in a JSON string: a control character, '"', '\\' */
#define HC_HIGH 32u   /* 0x80..0xFF: part of a multi-byte UTF-8 sequence */
#define HC_HOST 64u   /* in a host name: ALPHA, DIGIT, '-', '.', '_' */

/*
 * Fast paths - word-at-a-time scans, digit pairs, writing straight into a
 * buffer known to be large enough - cost flash.  They are compiled unless
 * the compiler optimises for size (-Os defines __OPTIMIZE_SIZE__), and each
 * is only a shortcut in front of a byte-by-byte path that handles every
 * case by itself, so both builds behave the same (the unit tests run at
 * -Os too).  Define EMHTTP_FAST to 0 or 1 to choose regardless.
 */
#ifndef EMHTTP_FAST
#ifdef __OPTIMIZE_SIZE__
#define EMHTTP_FAST 0
#else
#define EMHTTP_FAST 1
#endif
#endif

/* The HC_* bits of byte c (0..255), in every build (the unit tests call
 * it; core modules use HC()). */
unsigned emhttp_http_class(unsigned c);

/* The HC_* bits of byte c (any integer type; only its low 8 bits count).
 * Every core module reads the classes through this macro only. */
#if EMHTTP_FAST
extern const uint8_t emhttp_http_chars[256];
#define HC(c) (emhttp_http_chars[(uint8_t)(c)])
#else
#define HC(c) emhttp_http_class((uint8_t)(c))
#endif

/* Keeps a helper out of line where the compiler would copy it into each
 * caller (its -Os size estimate is sometimes wrong that way). */
#if defined(__GNUC__) && !EMHTTP_FAST
#define EMHTTP_NOINLINE __attribute__((noinline))
#else
#define EMHTTP_NOINLINE
#endif

/* The header names core/ knows, in lower case, each after a byte holding
 * its length, then a 0: Host, Content-Length, Transfer-Encoding (the
 * writer refuses or notes them among caller headers), Connection and,
 * with CONFIG_EMHTTP_KEEPALIVE_HINT, Keep-Alive (with the two before, the
 * response headers the -Os parser acts on).  One table: the names are in
 * flash once.  EMHTTP_HN_* are offsets of the names themselves. */
extern const char emhttp_header_names[];
#define EMHTTP_HN_HOST 1
#define EMHTTP_HN_CONTENT_LENGTH 6
#define EMHTTP_HN_TRANSFER_ENCODING 21

/* True when s[0..n) equals the lower-case literal @p lower, ignoring ASCII
 * case.  OR-ing 0x20 folds the letters; for the other bytes a literal may
 * hold (digits, '-', '=') the only other byte it lets match is a control
 * character, and the callers compare names and values already checked to
 * hold none. */
bool emhttp_lower_eq(const char *s, const char *lower, size_t n);

/* Write the decimal digits of v backwards, ending just before @p end, with
 * a '.' before the last @p frac of them when frac > 0 (at least frac + 1
 * digits, zero-padded: v = 5, frac = 2 gives "0.05").  At most 21 bytes.
 * Returns the first character written.  No 64-bit division. */
char *emhttp_dec_back(char *end, uint64_t v, unsigned frac);

/* Methods (http_writer.c): flags of the method name m (NUL-terminated,
 * compared exactly: methods are case-sensitive), 0 for other methods. */
#define EMHTTP_M_IDEMPOTENT 1u /* GET HEAD PUT DELETE OPTIONS TRACE (RFC 9110 9.2.2) */
#define EMHTTP_M_CONTENT 2u    /* POST PUT PATCH: Content-Length even when 0 */
#define EMHTTP_M_HEAD 4u       /* HEAD: the response has no body */
unsigned emhttp_method_flags(const char *m);

#endif /* EMHTTP_HTTP_CHARS_H */
