/*
 * emhttp/json_writer.h - streaming JSON writer into a caller buffer.
 *
 * The writer turns a sequence of calls into one compact JSON text (RFC
 * 8259): it places the commas and colons, checks that keys appear only in
 * objects and that every value in an object has a key, escapes strings,
 * refuses invalid UTF-8 and formats numbers without printf.
 *
 * Memory: the caller owns the emhttp_jw struct (24 bytes on a 32-bit
 * MCU) and the output buffer; nothing is allocated and nothing is kept
 * after a call except inside those two.  No byte is ever written past the
 * end of the buffer.
 *
 * Errors are sticky: the first error is kept, every later call returns it
 * and emhttp_jw_finish() reports it.  So a caller may issue all its calls
 * and check only the result of the finish:
 *
 *     static uint8_t body[256];
 *     emhttp_jw w;
 *     emhttp_jw_init(&w, body, sizeof body);
 *     emhttp_jw_object(&w);
 *     emhttp_jw_key(&w, "id");    emhttp_jw_string(&w, "sensor-7");
 *     emhttp_jw_key(&w, "temp");  emhttp_jw_fixed(&w, 2345, 2);  // 23.45
 *     emhttp_jw_key(&w, "tags");  emhttp_jw_array(&w);
 *     emhttp_jw_string(&w, "a");  emhttp_jw_string(&w, "b");
 *     emhttp_jw_array_end(&w);
 *     emhttp_jw_object_end(&w);
 *     int n = emhttp_jw_finish(&w);
 *     // n == 47: {"id":"sensor-7","temp":23.45,"tags":["a","b"]}
 *
 * Overflow: when the buffer runs out the writer records
 * EMHTTP_ERR_JSON_OVERFLOW and goes on counting without writing, so after
 * the whole sequence of calls emhttp_jw_needed() is the exact length the
 * document needs.  An overflow is replaced by any later non-overflow error
 * (a misuse is a bug the caller must see, not a size to retry with); other
 * errors are never replaced.  After an error the buffer holds no usable
 * document.
 *
 * Tasks: a writer is used by one task at a time (typically the idle task
 * that encodes request bodies).  There is no global state: different tasks
 * may use different writers at the same time.
 *
 * Resumable output (CONFIG_EMHTTP_BODY_STREAM): a document larger than
 * any buffer, written piece by piece into a small one (a body producer,
 * emhttp_body_fn, or an outbox stream callback), with the same bytes as
 * one piece:
 *
 *     emhttp_jw_init_resumable(&w);               // once per document
 *     // each time a buffer is to be filled:
 *     emhttp_jw_resume(&w, buf, size);
 *     while (my_step < my_steps) {                // the caller's own cursor
 *         int rc = write_step(&w, my_step);       // exactly ONE writer call
 *         if (rc == EMHTTP_ERR_JSON_OVERFLOW) {
 *             break;                              // full: the same step next time
 *         }
 *         if (rc < 0) { ...a real error... }
 *         my_step++;
 *     }
 *     if (my_step == my_steps) emhttp_jw_finish(&w);
 *     piece_len = emhttp_jw_written(&w);          // == size when it was full
 *
 * A call that does not fit writes what fits (the buffer is then full to
 * its last byte) and returns EMHTTP_ERR_JSON_OVERFLOW; the writer keeps
 * how many bytes of that call's text are out and goes back to the state
 * before the call.  After emhttp_jw_resume() the caller repeats exactly
 * that call (same arguments: the writer checks nothing of that): its
 * first bytes are skipped, the rest written - the document continues
 * exactly where it stopped.  Until resumed, every call returns
 * EMHTTP_ERR_JSON_OVERFLOW and changes nothing.  The state is fixed and
 * small: the nesting stack, its copy from before the call, and the count
 * of the call's bytes already out (the position inside a pending string
 * or number).  A string longer than the buffer is scanned again on each
 * repeat (its escapes and UTF-8 are checked from its start).
 *
 * Nesting: at most CONFIG_EMHTTP_JSON_MAX_DEPTH open arrays and objects.
 * Doubles need CONFIG_EMHTTP_JSON_FLOAT; without it use emhttp_jw_fixed().
 */
#ifndef EMHTTP_JSON_WRITER_H
#define EMHTTP_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emhttp/abi.h"
#include "emhttp/error.h"
#include "emhttp/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest fixed-point scale accepted by emhttp_jw_fixed(). */
#define EMHTTP_JSON_MAX_SCALE 18

/** Writer state.  Fields are private: use the functions below. */
typedef struct emhttp_jw {
    uint8_t *buf_;   /* output (caller-owned) */
    uint8_t *p_;     /* next byte to write */
    uint8_t *end_;   /* end of buf_; moved back to p_ at the first overflow */
    size_t extra_;   /* bytes counted, not written, after an overflow (saturating) */
    int err_;        /* sticky error, 0 = none */
    uint8_t depth_;  /* open containers */
    uint8_t flags_;  /* what may come next (see json_writer.c) */
    /* last: the fields above have the same offsets whatever the options */
    uint16_t stack_[(CONFIG_EMHTTP_JSON_MAX_DEPTH + 15) / 16]; /* 1 bit per level: 1 = array */
#if CONFIG_EMHTTP_BODY_STREAM
    uint16_t save_stack_[(CONFIG_EMHTTP_JSON_MAX_DEPTH + 15) / 16]; /* before the last call */
    uint8_t save_depth_, save_flags_;
    uint8_t resumable_; /* emhttp_jw_init_resumable() */
    uint8_t *call_p_;   /* where the last call's text began in the buffer */
    size_t call_skip_;  /* bytes of it skipped (out in an earlier buffer) */
    size_t skip_;       /* bytes still to skip of the repeated call */
#endif
} emhttp_jw;

/**
 * Start a document.
 * @param w     writer (caller-owned; any previous state is discarded)
 * @param buf   output buffer, borrowed until the document is finished; may
 *              be NULL when @p size is 0 (to measure a document only)
 * @param size  its size in bytes
 * @return EMHTTP_OK, or EMHTTP_ERR_CONFIG_MISMATCH: the caller was compiled
 *         with other emhttp options than the library (emhttp/abi.h); then
 *         every call on @p w returns that error and writes nothing.
 */
#define emhttp_jw_init(w, buf, size) \
    emhttp_jw_init_checked((w), (buf), (size), EMHTTP_ABI_TAG, sizeof(emhttp_jw))
/** emhttp_jw_init() with the caller's EMHTTP_ABI_TAG and sizeof(emhttp_jw). */
int emhttp_jw_init_checked(emhttp_jw *w, void *buf, size_t size, uint32_t abi_tag,
                           size_t jw_size);

/**
 * Open an object ("{") / close it ("}").
 * An object is a value: inside an object it needs a key first.
 * @return EMHTTP_OK or the sticky error: EMHTTP_ERR_JSON_STATE (no key
 *         before it in an object, a second top-level value, closing
 *         something that is not an open object, or closing right after a
 *         key), EMHTTP_ERR_JSON_DEPTH (more than CONFIG_EMHTTP_JSON_MAX_DEPTH
 *         levels), EMHTTP_ERR_JSON_OVERFLOW.
 */
int emhttp_jw_object(emhttp_jw *w);
int emhttp_jw_object_end(emhttp_jw *w);

/** Open an array ("[") / close it ("]").  Returns as emhttp_jw_object(). */
int emhttp_jw_array(emhttp_jw *w);
int emhttp_jw_array_end(emhttp_jw *w);

/**
 * Write an object key (escaped like a string), followed by ':'.
 * @param key  NUL-terminated UTF-8 (emhttp_jw_key, inline so that the
 *             length of a literal is known at compile time) or @p len
 *             bytes that may contain NUL (emhttp_jw_key_n, escaped as
 *             \u0000); read during the call only
 * @return EMHTTP_OK or the sticky error: EMHTTP_ERR_JSON_STATE (not inside
 *         an object, or two keys in a row), EMHTTP_ERR_JSON_UTF8 (invalid
 *         UTF-8: stray continuation byte, overlong form, surrogate, code
 *         point over U+10FFFF, truncated sequence), EMHTTP_ERR_ARG (NULL
 *         key), EMHTTP_ERR_JSON_OVERFLOW.
 */
int emhttp_jw_key_n(emhttp_jw *w, const char *key, size_t len);
static inline int emhttp_jw_key(emhttp_jw *w, const char *key)
{
    return emhttp_jw_key_n(w, key, key ? strlen(key) : 0); /* folded for literals */
}

/**
 * Write a string value.  '"' and '\\' are escaped as \" and \\, the
 * control characters U+0008, U+0009, U+000A, U+000C, U+000D as \b \t \n
 * \f \r and the other controls below U+0020 as \u00XX (lower-case hex);
 * every other byte, multi-byte UTF-8 included, is copied as it is.
 * @param s  NUL-terminated UTF-8 (emhttp_jw_string) or @p len bytes
 *           (emhttp_jw_string_n); read during the call only
 * @return EMHTTP_OK or the sticky error: EMHTTP_ERR_JSON_UTF8,
 *         EMHTTP_ERR_JSON_STATE (value without key in an object, second
 *         top-level value), EMHTTP_ERR_ARG (NULL), EMHTTP_ERR_JSON_OVERFLOW.
 */
int emhttp_jw_string_n(emhttp_jw *w, const char *s, size_t len);
static inline int emhttp_jw_string(emhttp_jw *w, const char *s)
{
    return emhttp_jw_string_n(w, s, s ? strlen(s) : 0);
}

/**
 * Write an integer: every int64_t / uint64_t value, exactly, in decimal.
 * @return EMHTTP_OK or the sticky error (EMHTTP_ERR_JSON_STATE,
 *         EMHTTP_ERR_JSON_OVERFLOW).
 */
int emhttp_jw_int(emhttp_jw *w, int64_t v);
int emhttp_jw_uint(emhttp_jw *w, uint64_t v);

/**
 * Write the fixed-point decimal @p v / 10^@p scale, with exactly @p scale
 * fraction digits: (12345, 2) -> 123.45, (-5, 3) -> -0.005, (7, 0) -> 7,
 * (100, 2) -> 1.00.  For MCUs without an FPU.
 * @param scale  0 .. EMHTTP_JSON_MAX_SCALE
 * @return EMHTTP_OK or the sticky error: EMHTTP_ERR_ARG (scale too large),
 *         EMHTTP_ERR_JSON_STATE, EMHTTP_ERR_JSON_OVERFLOW.
 */
int emhttp_jw_fixed(emhttp_jw *w, int64_t v, unsigned scale);

#if CONFIG_EMHTTP_JSON_FLOAT
/**
 * Write a double in the shortest form that reads back to the same bits
 * (the fewest significant digits; among those, the closest to @p v).
 * Plain notation for 1e-6 <= |v| < 1e21, always with a fraction or an
 * exponent so it reads back as a floating-point number: 1.0, 0.1, -0.0,
 * 123.456, 0.000001, 1e-7, 1.5e300, 5e-324.
 * Uses integer arithmetic only (no libm, no printf); about 10.7 KB of
 * power-of-five tables, shared with the JSON reader.
 * @return EMHTTP_OK or the sticky error: EMHTTP_ERR_JSON_NUMBER (NaN or
 *         an infinity: JSON has no such value), EMHTTP_ERR_JSON_STATE,
 *         EMHTTP_ERR_JSON_OVERFLOW.
 */
int emhttp_jw_double(emhttp_jw *w, double v);
#endif

/** Write true or false.  Returns as emhttp_jw_int(). */
int emhttp_jw_bool(emhttp_jw *w, bool v);

/** Write null.  Returns as emhttp_jw_int(). */
int emhttp_jw_null(emhttp_jw *w);

/**
 * Write a pre-encoded value as it is, e.g. a cached sub-document.  The
 * writer adds the comma before it but does not check it: @p json must be
 * exactly one complete, valid JSON value.  Its own nesting is not counted
 * against CONFIG_EMHTTP_JSON_MAX_DEPTH (a reader with the same limit
 * refuses a document that then nests deeper).
 * @param json  @p len bytes (len > 0), read during the call only
 * @return EMHTTP_OK or the sticky error: EMHTTP_ERR_ARG (NULL or empty),
 *         EMHTTP_ERR_JSON_STATE, EMHTTP_ERR_JSON_OVERFLOW.
 */
int emhttp_jw_raw(emhttp_jw *w, const char *json, size_t len);

/**
 * End the document.  No byte is added (no NUL terminator).
 * @return the document length in bytes (> 0) when it is complete and fits
 *         the buffer; otherwise the sticky error, or EMHTTP_ERR_JSON_STATE
 *         when no value was written or a container is still open (the
 *         error then sticks).  A document longer than INT_MAX bytes gives
 *         EMHTTP_ERR_JSON_OVERFLOW.
 */
int emhttp_jw_finish(emhttp_jw *w);

#if CONFIG_EMHTTP_BODY_STREAM
/**
 * Start a document written piece by piece (see "Resumable output" above):
 * no buffer yet; give each one with emhttp_jw_resume().
 * @return as emhttp_jw_init().
 */
#define emhttp_jw_init_resumable(w) \
    emhttp_jw_init_resumable_checked((w), EMHTTP_ABI_TAG, sizeof(emhttp_jw))
/** emhttp_jw_init_resumable() with the caller's EMHTTP_ABI_TAG and sizeof(emhttp_jw). */
int emhttp_jw_init_resumable_checked(emhttp_jw *w, uint32_t abi_tag, size_t jw_size);

/**
 * Give a resumable writer its next buffer (the previous one is the
 * caller's again).  After a call that ran out of room, the state goes
 * back to before that call, which the caller then repeats.
 * @param buf   output buffer (caller-owned, borrowed until the next
 *              resume or the finish); @p size > 0
 * @return EMHTTP_OK, EMHTTP_ERR_ARG (not a resumable writer, no buffer),
 *         or the writer's sticky error (not an overflow: the document
 *         cannot go on).
 * The task that uses the writer.
 */
int emhttp_jw_resume(emhttp_jw *w, void *buf, size_t size);

/** Bytes written into the current buffer so far (a resumable writer: of
 *  this piece; the whole buffer when a call ran out of room). */
size_t emhttp_jw_written(const emhttp_jw *w);
#endif

/**
 * Bytes the calls so far needed: the document length so far when nothing
 * overflowed, otherwise the length a large enough buffer would have
 * received (valid while the only error is EMHTTP_ERR_JSON_OVERFLOW;
 * saturates at SIZE_MAX).  After the last call, retry with a buffer of
 * this size.
 */
size_t emhttp_jw_needed(const emhttp_jw *w);

/** The sticky error, EMHTTP_OK when none. */
int emhttp_jw_error(const emhttp_jw *w);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_JSON_WRITER_H */
