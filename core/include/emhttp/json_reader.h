/*
 * emhttp/json_reader.h - JSON reader on jsmn: parse once, then look up.
 *
 * emhttp_jr_parse() checks a complete JSON text (RFC 8259, strictly: no
 * trailing commas, no leading zeros, no raw control characters in strings,
 * valid UTF-8, paired surrogates in \u escapes, one top-level value) and
 * splits it into tokens with jsmn.  Lookups and getters then work on the
 * tokens; nothing is copied except by emhttp_jr_string().
 *
 * Memory: the caller owns the emhttp_jr struct, the token array and the
 * text.  The text must stay unchanged while the tokens are used: tokens
 * point into it.  One token is needed per value, per object key, per
 * array and per object; size the array for the largest expected body.
 *
 * Values are named by token index (int): 0 is the top-level value.  Every
 * function taking a value index returns a negative index unchanged, so a
 * failed lookup can be passed straight to a getter:
 *
 *     static emhttp_json_tok toks[64];
 *     emhttp_jr r;
 *     int64_t id;
 *     char name[32];
 *     if (emhttp_jr_parse(&r, body, body_len, toks, 64) < 0) ...;
 *     int rc = emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "data.items[2].id"), &id);
 *     // rc: EMHTTP_OK, EMHTTP_ERR_JSON_NOT_FOUND, EMHTTP_ERR_JSON_TYPE, ...
 *     int n = emhttp_jr_string(&r, emhttp_jr_find(&r, 0, "data.name"), name, sizeof name);
 *
 * Iteration: the first element of an array, or the first key of an
 * object, is the token right after it (index + 1); a key's value is the
 * token after the key; emhttp_jr_next() steps over a whole value to the
 * next element or key.  emhttp_jr_count() says how many there are:
 *
 *     int n = emhttp_jr_count(&r, arr), e = arr + 1;
 *     for (int k = 0; k < n; k++, e = emhttp_jr_next(&r, e)) { ... e ... }
 *     int key = obj + 1;                       // members of an object
 *     for (int k = 0; k < emhttp_jr_count(&r, obj); k++)
 *         key = emhttp_jr_next(&r, key + 1);   // value at key + 1
 *
 * Tasks: a parsed document may be read by any task as long as nobody
 * parses into the same tokens meanwhile; there is no global state.
 *
 * Limits: nesting deeper than CONFIG_EMHTTP_JSON_MAX_DEPTH (the option
 * the writer uses too) is refused; the text may be at most INT_MAX bytes
 * (jsmn keeps int offsets: 32767 where int has 16 bits).
 *
 * Cost: one validating pass plus jsmn's pass over the text; lookups walk
 * the tokens (a path step into array element i or past a large sibling
 * scans the tokens in between).  No allocation; about 100 bytes of stack,
 * 300 more for emhttp_jr_double() on numbers near a rounding boundary.
 */
#ifndef EMHTTP_JSON_READER_H
#define EMHTTP_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/error.h"
#include "emhttp/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Storage for one token.  Opaque: it has the size and alignment of jsmn's
 * jsmntok_t (built with JSMN_PARENT_LINKS), which json_reader.c checks at
 * compile time, so callers need not include jsmn.h.
 */
typedef struct emhttp_json_tok {
    int opaque_[5];
} emhttp_json_tok;

/** A value's type, from emhttp_jr_type(). */
typedef enum emhttp_json_type {
    EMHTTP_JSON_OBJECT = 1,
    EMHTTP_JSON_ARRAY = 2,
    EMHTTP_JSON_STRING = 3, /**< also every object key */
    EMHTTP_JSON_NUMBER = 4,
    EMHTTP_JSON_BOOL = 5,
    EMHTTP_JSON_NULL = 6
} emhttp_json_type;

/** A parsed document.  Fields are private: use the functions below. */
typedef struct emhttp_jr {
    const char *js_;       /* the text (borrowed) */
    emhttp_json_tok *tok_; /* the tokens (borrowed) */
    int ntok_;             /* tokens in use, 0 when not parsed */
} emhttp_jr;

/**
 * Check and tokenize a complete JSON text.
 * @param r     document (caller-owned; overwritten)
 * @param js    the text, @p len bytes, no NUL needed (a NUL byte inside is
 *              an error); borrowed for as long as @p r is used
 * @param toks  token array (caller-owned), @p ntoks entries
 * @return the number of tokens used (>= 1), or
 *         EMHTTP_ERR_JSON_MALFORMED  not JSON: bad character, missing or
 *                  extra comma/colon, trailing comma, leading zero, bad
 *                  number or literal, bad escape, control character in a
 *                  string, text after the value;
 *         EMHTTP_ERR_JSON_PARTIAL    the text is a valid beginning of a
 *                  JSON text but ends too early (also: empty text);
 *         EMHTTP_ERR_JSON_UTF8       invalid UTF-8 in a string, or a \u
 *                  escape of a lone surrogate;
 *         EMHTTP_ERR_JSON_DEPTH      nesting over CONFIG_EMHTTP_JSON_MAX_DEPTH;
 *         EMHTTP_ERR_JSON_NO_TOKENS  valid, but @p ntoks is too small;
 *         EMHTTP_ERR_ARG             NULL @p r, NULL @p js or @p toks with a
 *                  non-zero @p len or @p ntoks, or @p len > INT_MAX (an
 *                  empty text is EMHTTP_ERR_JSON_PARTIAL, no tokens
 *                  EMHTTP_ERR_JSON_NO_TOKENS).
 *         The first problem in text order decides.  On error the document
 *         is empty (every lookup returns EMHTTP_ERR_JSON_NOT_FOUND).
 */
int emhttp_jr_parse(emhttp_jr *r, const char *js, size_t len, emhttp_json_tok *toks,
                    unsigned ntoks);

/**
 * Type of value @p v.
 * @return an emhttp_json_type (> 0), @p v itself when negative, or
 *         EMHTTP_ERR_JSON_NOT_FOUND when @p v is not a token index.
 */
int emhttp_jr_type(const emhttp_jr *r, int v);

/**
 * Number of elements of an array or members of an object.
 * @return the count (>= 0), a negative @p v unchanged,
 *         EMHTTP_ERR_JSON_TYPE (not a container) or EMHTTP_ERR_JSON_NOT_FOUND.
 */
int emhttp_jr_count(const emhttp_jr *r, int v);

/**
 * The token after value @p v and everything inside it: the next element
 * of @p v's array or the next key of its object (after the last one: the
 * token that follows the container, so stop with emhttp_jr_count()).  On
 * a key it gives the key's value.
 * @return a token index, EMHTTP_ERR_JSON_NOT_FOUND at the end of the
 *         document, or a negative @p v unchanged.
 */
int emhttp_jr_next(const emhttp_jr *r, int v);

/**
 * Look up a value by path, starting at value @p from (0 for the top).
 * Path syntax: member names separated by '.', array indexes in brackets:
 * "data.items[2].id", "[0].name", "a[1][3]".  "" is @p from itself.
 * Inside a name, '\' takes the next character literally, so a key with a
 * dot or bracket is written "a\\.b" in C ("a\.b" in the path).  Names are
 * compared with the unescaped key (a key written "caf\u00e9" matches the
 * UTF-8 path "caf\xc3\xa9").  With duplicate keys the first one wins.  An empty
 * key, or one containing a NUL, has no path: use emhttp_jr_member().
 * @return the value's token index, a negative @p from unchanged, or
 *         EMHTTP_ERR_JSON_PATH (empty name, unclosed bracket, non-digit
 *         index, path NULL), EMHTTP_ERR_JSON_NOT_FOUND (no such key or
 *         index), EMHTTP_ERR_JSON_TYPE (a name applied to a non-object or
 *         an index to a non-array).
 */
int emhttp_jr_find(const emhttp_jr *r, int from, const char *path);

/**
 * Value of the member @p key (@p key_len bytes, unescaped UTF-8, no path
 * syntax) of object @p obj.
 * @return a token index, a negative @p obj unchanged, EMHTTP_ERR_JSON_TYPE
 *         (not an object) or EMHTTP_ERR_JSON_NOT_FOUND.
 */
int emhttp_jr_member(const emhttp_jr *r, int obj, const char *key, size_t key_len);

/**
 * Element @p i of array @p v, or the value of member @p i of object @p v
 * (its key is the token before it).
 * @return a token index, a negative @p v unchanged, EMHTTP_ERR_JSON_TYPE
 *         (not a container) or EMHTTP_ERR_JSON_NOT_FOUND (out of range).
 */
int emhttp_jr_index(const emhttp_jr *r, int v, unsigned i);

/**
 * The raw text of value @p v inside the document: a number or literal as
 * written, a string's bytes between the quotes (still escaped), a whole
 * array or object.  Pointers into the caller's text.
 * @return EMHTTP_OK, a negative @p v unchanged or EMHTTP_ERR_JSON_NOT_FOUND.
 */
int emhttp_jr_text(const emhttp_jr *r, int v, const char **text, size_t *len);

/**
 * Integer getters.  Accept numbers written without fraction or exponent
 * ("-0" reads as 0).
 * @return EMHTTP_OK (*out set), a negative @p v unchanged,
 *         EMHTTP_ERR_JSON_TYPE (not a number, or has '.', 'e' or 'E'),
 *         EMHTTP_ERR_JSON_NUMBER (outside int64_t / uint64_t: never wraps)
 *         or EMHTTP_ERR_JSON_NOT_FOUND.  *out is unchanged on error.
 */
int emhttp_jr_int(const emhttp_jr *r, int v, int64_t *out);
int emhttp_jr_uint(const emhttp_jr *r, int v, uint64_t *out);

/**
 * Fixed-point getter: any number, as round(value * 10^scale) into an
 * int64_t, rounding halves away from zero ("123.456" with scale 2 gives
 * 12346, "-0.005" gives -1, "1e3" gives 100000).
 * @param scale  0 .. 18
 * @return EMHTTP_OK, a negative @p v unchanged, EMHTTP_ERR_JSON_TYPE,
 *         EMHTTP_ERR_JSON_NUMBER (result outside int64_t), EMHTTP_ERR_ARG
 *         (scale > 18) or EMHTTP_ERR_JSON_NOT_FOUND.
 */
int emhttp_jr_fixed(const emhttp_jr *r, int v, unsigned scale, int64_t *out);

#if CONFIG_EMHTTP_JSON_FLOAT
/**
 * Double getter: any number, correctly rounded (nearest, ties to even),
 * with integer arithmetic only; "-0" gives -0.0; values below the
 * smallest subnormal give (signed) zero.
 * @return EMHTTP_OK, a negative @p v unchanged, EMHTTP_ERR_JSON_TYPE,
 *         EMHTTP_ERR_JSON_NUMBER (magnitude rounds past DBL_MAX: JSON
 *         readers must not produce infinities) or EMHTTP_ERR_JSON_NOT_FOUND.
 *         Numbers with hundreds of digits take a slower exact path (about
 *         300 bytes of stack); any length is handled exactly.
 */
int emhttp_jr_double(const emhttp_jr *r, int v, double *out);
#endif

/**
 * true / false getter.
 * @return EMHTTP_OK, a negative @p v unchanged, EMHTTP_ERR_JSON_TYPE or
 *         EMHTTP_ERR_JSON_NOT_FOUND.
 */
int emhttp_jr_bool(const emhttp_jr *r, int v, bool *out);

/** EMHTTP_OK when value @p v is null, else as emhttp_jr_bool(). */
int emhttp_jr_null(const emhttp_jr *r, int v);

/**
 * Unescape string @p v (a value or a key) into @p buf as UTF-8 plus a
 * terminating NUL.  \uXXXX escapes become UTF-8, surrogate pairs one
 * 4-byte sequence; \u0000 becomes a NUL byte inside the result (use the
 * returned length).
 * @param buf   output (caller-owned), @p size bytes
 * @return the length without the NUL (>= 0), a negative @p v unchanged,
 *         EMHTTP_ERR_JSON_TYPE (not a string), EMHTTP_ERR_JSON_OVERFLOW
 *         (length + 1 > @p size; @p buf content is then unspecified) or
 *         EMHTTP_ERR_JSON_NOT_FOUND.
 */
int emhttp_jr_string(const emhttp_jr *r, int v, char *buf, size_t size);

/**
 * Does string @p v (unescaped) equal the @p len bytes at @p s?
 * @return 1 or 0, a negative @p v unchanged, EMHTTP_ERR_JSON_TYPE or
 *         EMHTTP_ERR_JSON_NOT_FOUND.
 */
int emhttp_jr_string_eq(const emhttp_jr *r, int v, const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_JSON_READER_H */
