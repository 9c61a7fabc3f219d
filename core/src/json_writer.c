/*
 * json_writer.c - streaming JSON writer (see emhttp/json_writer.h).
 *
 * Grammar: every call starts in jw_prep(), the one routine that knows the
 * JSON structure.  flags_ holds the set of operations that may come next
 * (value, key, '}', ']', finish) and whether a comma goes first; stack_
 * holds one bit per open level (object or array), as a shift register.
 * jw_prep() checks the call against flags_, pushes or pops a level and
 * computes the next set; the call then writes the comma and its text.  A
 * call refused there writes nothing.
 *
 * Output: each call writes through a jw_out.  Byte-wise, every byte goes
 * through jw_putc(), which stores it while the buffer has room and
 * otherwise only counts it, so that a document that does not fit still
 * yields its exact length.  A string goes through jw_string_text(), one
 * loop: plain bytes are copied, '"', '\\' and control characters escaped,
 * bytes >= 0x80 checked as UTF-8 (emhttp_json_utf8_next(), shared with
 * the reader) and copied.  Integers and fixed point are written backwards
 * into a small buffer by jw_dec() (no 64-bit division), then copied.
 * Doubles use a shortest round-trip conversion in the manner of Ryu (Ulf
 * Adams, "Ryu: fast float-to-string conversion", PLDI 2018), written from
 * the paper for this file.
 *
 * CONFIG_EMHTTP_JSON_FAST (emhttp/opt.h) changes how the bytes are moved,
 * never which: with it a call that finds room in the buffer for the most
 * it can write (jw_room()) writes directly, with no check per byte (the
 * same text routines, inlined for it), the plain bytes of a string go a
 * machine word at a time and digits two at a time; without it the
 * grammar, the string loop and the error path exist once, out of line,
 * and every byte goes through jw_putc(), so a firmware links a few
 * hundred bytes of writer.  tests/fuzz/fuzz_json_fast_diff.c runs the
 * writer built both ways on the same calls and fails on any difference.
 *
 * Resumable output (CONFIG_EMHTTP_BODY_STREAM, emhttp_jw_init_resumable()):
 * jw_prep() keeps a copy of the state (flags_, depth_, stack_) and where
 * the call's text begins; a call that overflows fills the buffer to its
 * end (the byte-wise path: direct writes need room for the whole call)
 * and is undone by emhttp_jw_resume(), which restores the copy and sets
 * skip_ to the bytes of the call already out.  The repeated call then
 * goes byte-wise (jw_room() says no while skip_ is set) and jw_putc() /
 * jw_put() drop its first skip_ bytes.  So the text of each call is made
 * by the same routines in either case: the pieces put together are the
 * one-piece document (tests/fuzz/fuzz_json_resume.c).
 */
#include "emhttp/json_writer.h"

#include <string.h>

#include "json_common.h"

/* jw_prep() operations: the number of a bit of flags_ (bits 0-2), and
 * modifiers */
#define J_VALUE 0u   /* a scalar value */
#define J_KEY 1u     /* an object key */
#define J_OBJ_END 2u /* '}' */
#define J_ARR_END 3u /* ']' */
#define J_FINISH 4u  /* the end of the document */
#define J_OPEN 8u    /* a value that opens a level: J_OPEN (object), J_OPEN | J_ARRAY */
#define J_ARRAY 16u
#define J_BAD 32u    /* an invalid argument: EMHTTP_ERR_ARG once the state is right */

/* flags_: bit 1 << J_x set when operation J_x may come next, F_COMMA when
 * a value or key needs a comma first.  0 after an error other than an
 * overflow: every call fails. */
#define F_ERR 0u
#define F_COMMA 32u
#define F_TOP (1u << J_VALUE)                      /* the start */
#define F_KEYED (1u << J_VALUE)                    /* in an object after a key */
#define F_DONE (1u << J_FINISH)                    /* after the top-level value */
#define F_OBJ ((1u << J_KEY) | (1u << J_OBJ_END))   /* a new object */
#define F_ARR ((1u << J_VALUE) | (1u << J_ARR_END)) /* a new array */
#define F_OBJ_MORE (F_OBJ | F_COMMA)               /* an object after a member */
#define F_ARR_MORE (F_ARR | F_COMMA)               /* an array after a member */
#define F_ARRAY (F_ARR - F_OBJ)                    /* array state - object state */

/* JW_INLINE: a copy in each caller.  JW_HOT: the grammar step, the string
 * call and jw_putc(): with CONFIG_EMHTTP_JSON_FAST a copy in each caller,
 * folded for its operation; without, one copy out of line.  JW_SLOW: the
 * byte-wise text of a string or number: with CONFIG_EMHTTP_JSON_FAST out
 * of line (only calls that may not fit take it), else the compiler's
 * choice.  JW_COLD: the error path, out of line. */
#if defined(__GNUC__)
#define JW_INLINE static inline __attribute__((always_inline))
#define JW_COLD static __attribute__((noinline))
#else
#define JW_INLINE static
#define JW_COLD static
#endif
#if CONFIG_EMHTTP_JSON_FAST
#define JW_HOT JW_INLINE
#define JW_SLOW JW_COLD
#else
#define JW_HOT JW_COLD
#define JW_SLOW static
#endif

#define STACK_WORDS (sizeof ((emhttp_jw *)0)->stack_ / sizeof ((emhttp_jw *)0)->stack_[0])
#define NUM_MAX 32 /* longest number text (a double: 25 bytes) */

/* ---- output ------------------------------------------------------------ */

/* Record a sticky error and stop the writer.  flags_ is F_ERR exactly when
 * an error other than an overflow is recorded: that one is kept, an
 * overflow is replaced. */
JW_COLD void jw_fail(emhttp_jw *w, int err)
{
    if (w->flags_ != F_ERR) {
        w->flags_ = F_ERR;
        w->err_ = err;
    }
}

/* Write byte c, or only count it once the buffer is full. */
JW_HOT void jw_putc(emhttp_jw *w, unsigned c)
{
#if CONFIG_EMHTTP_BODY_STREAM
    if (w->skip_ != 0) { /* out in an earlier buffer */
        w->skip_--;
        return;
    }
#endif
    if (w->p_ != w->end_) {
        *w->p_++ = (uint8_t)c;
    } else { /* counted, as jw_count() does */
        size_t n = w->extra_ + 1;
        if (n != 0) {
            w->extra_ = n;
        }
        w->err_ = EMHTTP_ERR_JSON_OVERFLOW;
    }
}

#if CONFIG_EMHTTP_JSON_FAST
/* Count n bytes that did not fit (in extra_, saturating).  Output only
 * happens while the error is 0 or an overflow (every call first passes
 * jw_prep(), which refuses all calls after any other error), so an
 * overflow may be recorded without looking. */
static void jw_count(emhttp_jw *w, size_t n)
{
    w->extra_ = n > SIZE_MAX - w->extra_ ? SIZE_MAX : w->extra_ + n;
    w->err_ = EMHTTP_ERR_JSON_OVERFLOW;
}
#endif

/* Write n bytes: as many as fit, the rest only counted. */
static void jw_put(emhttp_jw *w, const void *p, size_t n)
{
    const uint8_t *s = (const uint8_t *)p;
#if CONFIG_EMHTTP_JSON_FAST
#if CONFIG_EMHTTP_BODY_STREAM
    if (w->skip_ != 0) { /* out in an earlier buffer */
        size_t k = n < w->skip_ ? n : w->skip_;
        w->skip_ -= k;
        s += k;
        n -= k;
    }
#endif
    size_t room = (size_t)(w->end_ - w->p_), k = n < room ? n : room;
    if (k != 0) {
        memcpy(w->p_, s, k);
        w->p_ += k;
    }
    if (k != n) {
        jw_count(w, n - k);
    }
#else
    while (n-- != 0) {
        jw_putc(w, *s++);
    }
#endif
}

/* Is there room for n more bytes, so that a call may write directly?
 * Never without CONFIG_EMHTTP_JSON_FAST. */
JW_INLINE int jw_room(const emhttp_jw *w, size_t n)
{
#if CONFIG_EMHTTP_BODY_STREAM
    if (w->skip_ != 0) {
        return 0; /* a repeated call: byte-wise, its first bytes dropped */
    }
#endif
    return CONFIG_EMHTTP_JSON_FAST && n <= (size_t)(w->end_ - w->p_);
}

/* The output of one call.  direct 0: every byte goes through jw_putc().
 * direct 1 (after jw_room() found room for the most the call writes):
 * bytes are stored at d with no check; the caller moves p_ to d at the
 * end.  The text routines below take it as a constant, so that each is
 * folded for one of the two. */
typedef struct {
    emhttp_jw *w;
    uint8_t *d;
    int direct;
} jw_out;

JW_INLINE void jw_emit(jw_out *o, unsigned c)
{
    if (o->direct) {
        *o->d++ = (uint8_t)c;
    } else {
        jw_putc(o->w, c);
    }
}

/* n bytes. */
JW_INLINE void jw_emit_run(jw_out *o, const uint8_t *s, size_t n)
{
#if CONFIG_EMHTTP_JSON_FAST
    if (o->direct) {
        memcpy(o->d, s, n);
        o->d += n;
        return;
    }
#endif
    jw_put(o->w, s, n);
}

/* The comma (when comma is 1) and c (when not 0). */
JW_INLINE void jw_lead(jw_out *o, int comma, unsigned c)
{
    if (comma) {
        jw_emit(o, ',');
    }
    if (c != 0) {
        jw_emit(o, c);
    }
}

#if CONFIG_EMHTTP_JSON_FAST
/* jw_lead() byte-wise, out of line (only calls that may not fit take it). */
JW_SLOW void jw_lead_bytes(emhttp_jw *w, int comma, unsigned c)
{
    jw_out o = {w, NULL, 0};
    jw_lead(&o, comma, c);
}
#endif

/* ---- structure --------------------------------------------------------- */

/* Check operation op against flags_ and move to the next state, pushing
 * or popping a level.  stack_ is a shift register of the types of the open
 * levels, the innermost in bit 0 (1 = array; all 0 at depth 0).  Returns 1
 * when a comma must go first (a value or a key after a member), 0 when
 * not, -1 when the call is refused (the sticky error is set, flags_ is
 * F_ERR). */
JW_INLINE int jw_prep(emhttp_jw *w, unsigned op)
{
    unsigned f = w->flags_, d = w->depth_, row = op & 7u, nf, i, bit;
    int err = EMHTTP_ERR_JSON_STATE;
#if CONFIG_EMHTTP_BODY_STREAM
    if (w->resumable_) {
        if (w->err_ == EMHTTP_ERR_JSON_OVERFLOW) {
            return -1; /* full: nothing happens until emhttp_jw_resume() */
        }
        w->save_flags_ = (uint8_t)f; /* what emhttp_jw_resume() goes back to */
        w->save_depth_ = (uint8_t)d;
        memcpy(w->save_stack_, w->stack_, sizeof w->stack_);
        w->call_p_ = w->p_;
        w->call_skip_ = w->skip_;
    }
#endif
    if (!(f & (1u << row))) {
        goto refused;
    }
    err = EMHTTP_ERR_ARG;
    if (op & J_BAD) {
        goto refused;
    }
    if (op & J_OPEN) {
        err = EMHTTP_ERR_JSON_DEPTH;
        if (d >= CONFIG_EMHTTP_JSON_MAX_DEPTH) {
            goto refused;
        }
        w->depth_ = (uint8_t)(d + 1);
        bit = op / J_ARRAY; /* op is J_OPEN or J_OPEN | J_ARRAY */
        nf = F_OBJ + bit * F_ARRAY;
        for (i = 0; i < STACK_WORDS; i++) {
            unsigned b = w->stack_[i];
            w->stack_[i] = (uint16_t)(b << 1 | bit);
            bit = b >> 15;
        }
    } else if (row == J_KEY) {
        nf = F_KEYED;
    } else {
        if (row & J_OBJ_END) { /* J_OBJ_END or J_ARR_END */
            w->depth_ = (uint8_t)--d;
            bit = 0;
            for (i = STACK_WORDS; i-- != 0;) {
                unsigned b = w->stack_[i];
                w->stack_[i] = (uint16_t)(b >> 1 | bit << 15);
                bit = b & 1u;
            }
        }
        /* the level now has a member */
        nf = d == 0 ? F_DONE : F_OBJ_MORE + (w->stack_[0] & 1u) * F_ARRAY;
    }
    w->flags_ = (uint8_t)nf;
    return (f & F_COMMA) && !(row & J_OBJ_END);
refused:
    jw_fail(w, err);
    return -1;
}

/* jw_prep(), then the comma (when one goes first) and c (when not 0).
 * Returns the sticky error or 0; the call was refused when flags_ is
 * F_ERR after it. */
JW_HOT int jw_step(emhttp_jw *w, unsigned op, unsigned c)
{
    int comma = jw_prep(w, op);
    jw_out o = {w, w->p_, 0};
    if (comma >= 0) {
        if (jw_room(w, 2)) {
            o.direct = 1;
            jw_lead(&o, comma, c);
            w->p_ = o.d;
        } else {
            jw_lead(&o, comma, c);
        }
    }
    return w->err_;
}

/* The start of a value with a text of at most need bytes after c
 * (need <= SIZE_MAX - 2):
 * jw_prep(), then returns 1 when the call may write directly (nothing
 * written yet: the caller writes the comma when *comma is 1, and c), 0
 * when it goes byte-wise (the comma and c are written), -1 when it is
 * refused.  Without CONFIG_EMHTTP_JSON_FAST never 1. */
JW_INLINE int jw_begin(emhttp_jw *w, unsigned op, unsigned c, size_t need, int *comma)
{
#if CONFIG_EMHTTP_JSON_FAST
    *comma = jw_prep(w, op);
    if (*comma < 0) {
        return -1;
    }
    if (jw_room(w, need + 2)) {
        return 1;
    }
    jw_lead_bytes(w, *comma, c);
    return 0;
#else
    (void)need;
    *comma = 0;
#if CONFIG_EMHTTP_BODY_STREAM
    if (w->resumable_ && w->err_ == EMHTTP_ERR_JSON_OVERFLOW) {
        return -1; /* full: as jw_prep() */
    }
#endif
    return jw_step(w, op, c), w->flags_ == F_ERR ? -1 : 0;
#endif
}

int emhttp_jw_init_checked(emhttp_jw *w, void *buf, size_t size, uint32_t abi_tag,
                           size_t jw_size)
{
    /* A caller built with other options gets a writer that refuses every
     * call: the fields before stack_ sit at the same offsets whatever the
     * options, so they can be set even then. */
    int rc = emhttp_abi_check(abi_tag, jw_size, sizeof *w);
    if (rc != EMHTTP_OK && jw_size < offsetof(emhttp_jw, stack_)) {
        return rc;
    }
    w->buf_ = (uint8_t *)buf;
    w->p_ = (uint8_t *)buf;
    w->end_ = buf ? (uint8_t *)buf + size : w->p_; /* a NULL buffer is never touched */
    w->extra_ = 0;
    w->err_ = rc;
    w->depth_ = 0;
    if (rc != EMHTTP_OK) {
        w->flags_ = F_ERR; /* every call returns err_ and writes nothing */
        return rc;
    }
    w->flags_ = F_TOP;
    memset(w->stack_, 0, sizeof w->stack_);
#if CONFIG_EMHTTP_BODY_STREAM
    w->resumable_ = 0;
    w->skip_ = 0;
#endif
    return EMHTTP_OK;
}

#if CONFIG_EMHTTP_BODY_STREAM
int emhttp_jw_init_resumable_checked(emhttp_jw *w, uint32_t abi_tag, size_t jw_size)
{
    int rc = emhttp_jw_init_checked(w, NULL, 0, abi_tag, jw_size);
    if (rc == EMHTTP_OK) {
        w->resumable_ = 1;
    }
    return rc;
}

int emhttp_jw_resume(emhttp_jw *w, void *buf, size_t size)
{
    if (w == NULL || !w->resumable_ || buf == NULL || size == 0) {
        return EMHTTP_ERR_ARG;
    }
    if (w->err_ != EMHTTP_OK && w->err_ != EMHTTP_ERR_JSON_OVERFLOW) {
        return w->err_;
    }
    if (w->err_ == EMHTTP_ERR_JSON_OVERFLOW) { /* undo the call that did not fit */
        w->flags_ = w->save_flags_;
        w->depth_ = w->save_depth_;
        memcpy(w->stack_, w->save_stack_, sizeof w->stack_);
        w->skip_ = w->call_skip_ + (size_t)(w->p_ - w->call_p_);
        w->err_ = EMHTTP_OK;
        w->extra_ = 0;
    }
    w->buf_ = w->p_ = (uint8_t *)buf;
    w->end_ = w->buf_ + size;
    return EMHTTP_OK;
}

size_t emhttp_jw_written(const emhttp_jw *w) { return (size_t)(w->p_ - w->buf_); }
#endif

int emhttp_jw_object(emhttp_jw *w) { return jw_step(w, J_OPEN, '{'); }
int emhttp_jw_object_end(emhttp_jw *w) { return jw_step(w, J_OBJ_END, '}'); }
int emhttp_jw_array(emhttp_jw *w) { return jw_step(w, J_OPEN | J_ARRAY, '['); }
int emhttp_jw_array_end(emhttp_jw *w) { return jw_step(w, J_ARR_END, ']'); }

int emhttp_jw_finish(emhttp_jw *w)
{
    int rc = jw_step(w, J_FINISH, 0);
    size_t n;
    if (rc != 0) {
        return rc;
    }
    n = (size_t)(w->p_ - w->buf_);
    return n > (size_t)(~0u >> 1) ? EMHTTP_ERR_JSON_OVERFLOW : (int)n;
}

size_t emhttp_jw_needed(const emhttp_jw *w)
{
    size_t len = (size_t)(w->p_ - w->buf_);
    return (w->extra_ > SIZE_MAX - len) ? SIZE_MAX : len + w->extra_;
}

int emhttp_jw_error(const emhttp_jw *w) { return w->err_; }

/* ---- strings ----------------------------------------------------------- */

/* The control characters with a short escape: \b \t \n \f \r, and
 * their letters from '\b' on. */
#define JW_SHORT_ESC ((1u << '\b') | (1u << '\t') | (1u << '\n') | (1u << '\f') | (1u << '\r'))
static const uint8_t jw_short_esc[6] = {'b', 't', 'n', 0, 'f', 'r'};

/* The end of a string: '"', and for a key (op J_KEY) ':'. */
JW_INLINE void jw_string_end(jw_out *o, unsigned op)
{
    jw_emit(o, '"');
    if (op == J_KEY) {
        jw_emit(o, ':');
    }
}

/* The text of a string value (op J_VALUE) or a key (J_KEY) from s[i] on,
 * after its opening '"': the escaped bytes, then jw_string_end().  '"',
 * '\\' and the control characters are escaped: \b \t \n \f \r, \" and \\
 * in short, other control characters as \u00XX.  The bytes >= 0x80 must
 * form valid UTF-8 (emhttp_json_utf8_next(), state st), else the call
 * fails with EMHTTP_ERR_JSON_UTF8 (what came before stays written). */
JW_INLINE void jw_string_text(jw_out *o, const uint8_t *s, size_t i, size_t n, unsigned op)
{
    unsigned st = 0;
    for (; i < n; i++) {
        unsigned c;
#if CONFIG_EMHTTP_JSON_FAST
        if (st <= 15u) { /* the plain bytes up to the next one to look at */
            size_t k = emhttp_json_plain_end(s, i, n, o->direct ? o->d : NULL);
            if (o->direct) {
                o->d += k - i;
            } else {
                jw_put(o->w, s + i, k - i);
            }
            if (k == n) {
                break;
            }
            i = k;
        }
#endif
        c = s[i];
        if (st > 15u || c >= 0x80u) {
            st = emhttp_json_utf8_next(st, c);
            if (st == EMHTTP_JSON_UTF8_BAD) {
                break;
            }
        } else if (HC(c) & HC_JESC) {
            jw_emit(o, '\\');
            if (c < 0x20 && ((JW_SHORT_ESC >> c) & 1u)) {
                c = jw_short_esc[c - '\b'];
            } else if (c < 0x20) {
                jw_emit(o, 'u');
                jw_emit(o, '0');
                jw_emit(o, '0');
                jw_emit(o, '0' + (c >> 4));
                c &= 15u;
                c += c < 10u ? '0' : 'a' - 10u;
            }
        }
        jw_emit(o, c);
    }
    if (st > 15u) { /* a bad byte, or a sequence cut off */
        jw_fail(o->w, EMHTTP_ERR_JSON_UTF8);
        return;
    }
    jw_string_end(o, op);
}

/* The most the text of string s can take after the '"': 6 bytes a
 * byte, or when the buffer has less left, n plus 5 for each byte to
 * escape (a long string near the end of the buffer); plus '"' and ':'.
 * At most SIZE_MAX - 2 (jw_begin()).  Only needed with
 * CONFIG_EMHTTP_JSON_FAST. */
JW_INLINE size_t jw_string_need(const emhttp_jw *w, const uint8_t *s, size_t n)
{
    size_t i, esc = 0;
    if (!CONFIG_EMHTTP_JSON_FAST) {
        return 0;
    }
    if (n <= 32) {
        return 6 * n + 2;
    }
    if (s == NULL || n > SIZE_MAX / 8) {
        return SIZE_MAX - 2; /* never room */
    }
    if (6 * n + 2 <= (size_t)(w->end_ - w->p_)) {
        return 6 * n + 2;
    }
    for (i = 0; i < n; i++) {
        esc += (HC(s[i]) & HC_JESC) != 0;
    }
    return n + 5 * esc + 2;
}

/* jw_string_text() byte-wise. */
JW_SLOW void jw_string_bytes(emhttp_jw *w, const uint8_t *s, size_t n, unsigned op)
{
    jw_out o = {w, NULL, 0};
    jw_string_text(&o, s, 0, n, op);
}

#if CONFIG_EMHTTP_JSON_FAST
/* jw_string_text() direct from s[i], d on. */
JW_COLD void jw_string_direct(emhttp_jw *w, uint8_t *d, const uint8_t *s, size_t i, size_t n,
                              unsigned op)
{
    jw_out o = {w, d, 1};
    jw_string_text(&o, s, i, n, op);
    w->p_ = o.d;
}
#endif

/* A string value (op J_VALUE) or a key (J_KEY).  Directly, the plain
 * bytes at its start are copied here; a string made of them only (most
 * keys and many values) ends here too, the rest goes on in
 * jw_string_direct(). */
JW_HOT int jw_string(emhttp_jw *w, const char *str, size_t n, unsigned op)
{
    const uint8_t *s = (const uint8_t *)str;
    int comma, r = jw_begin(w, op | (s == NULL) * J_BAD, '"', jw_string_need(w, s, n), &comma);
#if CONFIG_EMHTTP_JSON_FAST
    if (r > 0) {
        jw_out o = {w, w->p_, 1};
        size_t k;
        jw_lead(&o, comma, '"');
        k = emhttp_json_plain_end(s, 0, n, o.d);
        o.d += k;
        if (k == n) {
            jw_string_end(&o, op);
            w->p_ = o.d;
        } else {
            jw_string_direct(w, o.d, s, k, n, op);
        }
        return w->err_;
    }
#endif
    if (r == 0) {
        jw_string_bytes(w, s, n, op);
    }
    return w->err_;
}

int emhttp_jw_key_n(emhttp_jw *w, const char *key, size_t len)
{
    return jw_string(w, key, len, J_KEY);
}

int emhttp_jw_string_n(emhttp_jw *w, const char *s, size_t len)
{
    return jw_string(w, s, len, J_VALUE);
}

/* A value whose text is s, n bytes (the text of a literal, or a raw
 * fragment: op J_VALUE | J_BAD for an empty or NULL one). */
JW_INLINE int jw_text(emhttp_jw *w, unsigned op, const char *s, size_t n)
{
    int comma, r = jw_begin(w, op, 0, n < SIZE_MAX - 2 ? n : SIZE_MAX - 2, &comma);
    if (r > 0) {
        jw_out o = {w, w->p_, 1};
        jw_lead(&o, comma, 0);
        jw_emit_run(&o, (const uint8_t *)s, n);
        w->p_ = o.d;
    } else if (r == 0) {
        jw_put(w, s, n);
    }
    return w->err_;
}

int emhttp_jw_raw(emhttp_jw *w, const char *json, size_t len)
{
    return jw_text(w, J_VALUE | (json == NULL || len == 0) * J_BAD, json, len);
}

int emhttp_jw_bool(emhttp_jw *w, bool v)
{
    return v ? jw_text(w, J_VALUE, "true", 4) : jw_text(w, J_VALUE, "false", 5);
}

int emhttp_jw_null(emhttp_jw *w) { return jw_text(w, J_VALUE, "null", 4); }

/* ---- digits ------------------------------------------------------------ */
#if CONFIG_EMHTTP_JSON_FAST || CONFIG_EMHTTP_JSON_FLOAT

static const char jw_digits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* v / 10^8 for every v: (v / 2^8) / 390625 by multiplication (no 64-bit
 * divide, which 32-bit CPUs do in a slow library call). */
static uint64_t jw_div1e8(uint64_t v) { return emhttp_json_umulh(v >> 8, 0x15798ee2308c39eu) >> 11; }

/* Number of decimal digits of v (1..20). */
static inline unsigned jw_dec_len(uint64_t v)
{
    static const uint64_t p10[] = {10000000000u, 100000000000u, 1000000000000u,
                                   10000000000000u, 100000000000000u, 1000000000000000u,
                                   10000000000000000u, 100000000000000000u,
                                   1000000000000000000u, 10000000000000000000u};
    uint32_t x = (uint32_t)v;
    unsigned n = 10;
    if (v > 0xFFFFFFFFu) {
        while (n < 20 && v >= p10[n - 10]) {
            n++;
        }
        return n;
    }
    if (x < 100000u) {
        return x < 100u ? 1u + (x >= 10u) : x < 1000u ? 3u : 4u + (x >= 10000u);
    }
    return x < 10000000u ? 6u + (x >= 1000000u) : x < 100000000u ? 8u : 9u + (x >= 1000000000u);
}

/* Digits of v backwards, ending just before p; returns the first one. */
static inline char *jw_u32_back(char *p, uint32_t v)
{
    while (v >= 100u) {
        p -= 2;
        memcpy(p, jw_digits2 + (v % 100u) * 2u, 2);
        v /= 100u;
    }
    if (v >= 10u) {
        p -= 2;
        memcpy(p, jw_digits2 + v * 2u, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

/* Write the decimal digits of v backwards, ending just before end, at
 * least min_digits of them (zero-padded), two at a time.  Returns the
 * first digit. */
static char *jw_digits_back(char *end, uint64_t v, unsigned min_digits)
{
    char *p = end;
    while (v > 0xFFFFFFFFu) { /* at most twice */
        uint64_t q = jw_div1e8(v);
        uint32_t r = (uint32_t)(v - q * 100000000u);
        unsigned k;
        for (k = 0; k < 4; k++) {
            p -= 2;
            memcpy(p, jw_digits2 + (r % 100u) * 2u, 2);
            r /= 100u;
        }
        v = q;
    }
    p = jw_u32_back(p, (uint32_t)v);
    while ((unsigned)(end - p) < min_digits) {
        *--p = '0';
    }
    return p;
}

#endif /* CONFIG_EMHTTP_JSON_FAST || CONFIG_EMHTTP_JSON_FLOAT */

/* ---- integers and fixed point ------------------------------------------ */

#if CONFIG_EMHTTP_JSON_FAST
/* mag / 10^scale at d as emhttp_dec_back() writes it: the digits, at
 * least scale + 1 of them, with a '.' before the last scale when
 * scale > 0.  Returns the length (at most 21). */
JW_INLINE size_t jw_dec_at(uint8_t *d, uint64_t mag, unsigned scale)
{
    static const uint32_t p10[10] = {1u, 10u, 100u, 1000u, 10000u, 100000u,
                                     1000000u, 10000000u, 100000000u, 1000000000u};
    char *o = (char *)d, *q;
    unsigned nd, i;
    if (mag <= 0xFFFFFFFFu && scale <= 9) { /* the integer and the fraction apart */
        uint32_t ip = scale != 0 ? (uint32_t)mag / p10[scale] : (uint32_t)mag;
        nd = jw_dec_len(ip);
        jw_u32_back(o + nd, ip);
        if (scale == 0) {
            return nd;
        }
        o[nd] = '.';
        q = jw_u32_back(o + nd + 1 + scale, (uint32_t)mag - ip * p10[scale]);
        while (q != o + nd + 1) {
            *--q = '0';
        }
        return nd + 1 + scale;
    }
    nd = jw_dec_len(mag);
    if (scale == 0) {
        jw_digits_back(o + nd, mag, nd);
        return nd;
    }
    if (nd <= scale) {
        nd = scale + 1;
    }
    jw_digits_back(o + nd + 1, mag, nd); /* at d + 1, then the integer */
    for (i = 0; i < nd - scale; i++) {   /* digits one place left */
        o[i] = o[i + 1];
    }
    o[nd - scale] = '.';
    return nd + 1;
}

/* jw_dec_at() byte-wise. */
JW_SLOW void jw_dec_put(emhttp_jw *w, uint64_t mag, unsigned scale)
{
    uint8_t tmp[NUM_MAX];
    jw_put(w, tmp, jw_dec_at(tmp, mag, scale));
}
#endif

/* The number mag / 10^scale, with sign c ('-' or 0); op is J_VALUE, or
 * J_VALUE | J_BAD for a scale out of range. */
JW_INLINE int jw_number(emhttp_jw *w, unsigned op, unsigned c, uint64_t mag, unsigned scale)
{
    int comma, r = jw_begin(w, op, c, NUM_MAX, &comma);
#if CONFIG_EMHTTP_JSON_FAST
    if (r > 0) {
        jw_out o = {w, w->p_, 1};
        jw_lead(&o, comma, c);
        w->p_ = o.d + jw_dec_at(o.d, mag, scale);
    } else if (r == 0) {
        jw_dec_put(w, mag, scale);
    }
#else
    char tmp[NUM_MAX], *p;
    if (r == 0) {
        for (p = emhttp_dec_back(tmp + sizeof tmp, mag, scale); p != tmp + sizeof tmp; p++) {
            jw_putc(w, (uint8_t)*p);
        }
    }
#endif
    return w->err_;
}

int emhttp_jw_int(emhttp_jw *w, int64_t v) { return emhttp_jw_fixed(w, v, 0); }

int emhttp_jw_uint(emhttp_jw *w, uint64_t v) { return jw_number(w, J_VALUE, 0, v, 0); }

int emhttp_jw_fixed(emhttp_jw *w, int64_t v, unsigned scale)
{
    uint64_t mag = (uint64_t)v;
    unsigned sign = 0;
    if (v < 0) {
        mag = 0u - mag;
        sign = '-';
    }
    return jw_number(w, J_VALUE | (scale > EMHTTP_JSON_MAX_SCALE) * J_BAD, sign, mag, scale);
}

/* ---- doubles ----------------------------------------------------------- */
#if CONFIG_EMHTTP_JSON_FLOAT

/* floor(e * log10(5)), 0 <= e <= 2620 */
static uint32_t jw_log10_pow5(int32_t e) { return ((uint32_t)e * 732923u) >> 20; }

/* (m * t) >> j for the 128-bit t = {hi, lo}, 64 <= j < 192 */
static uint64_t jw_mul_shift(uint64_t m, const uint64_t t[2], int32_t j)
{
    uint64_t hi, lo;
    unsigned s = (unsigned)(j - 64);
    emhttp_json_mul_top(m, t[0], t[1], &hi, &lo);
    if (s == 0) {
        return lo;
    }
    return s < 64 ? (hi << (64 - s)) | (lo >> s) : hi >> (s - 64);
}

/* Division by constants through multiplication (no 64-bit divide on
 * 32-bit CPUs). */
static uint64_t jw_div10(uint64_t v) { return emhttp_json_umulh(v, 0xCCCCCCCCCCCCCCCDu) >> 3; }
static uint64_t jw_div100(uint64_t v) { return emhttp_json_umulh(v >> 2, 0x28F5C28F5C28F5C3u) >> 2; }

/* Is v divisible by 5^p?  (v * 5^-1 mod 2^64 <= UINT64_MAX / 5 iff 5 | v) */
static int jw_multiple_of_pow5(uint64_t v, uint32_t p)
{
    uint32_t n = 0;
    while (n < p && v * 0xCCCCCCCCCCCCCCCDu <= 0x3333333333333333u) {
        v *= 0xCCCCCCCCCCCCCCCDu;
        n++;
    }
    return n >= p;
}

/* Decimal interval of one double: vm < vr < vp scaled by 10^-e10, and
 * whether vm, vr are exact (all digits below them are zero). */
typedef struct {
    uint64_t vr, vp, vm;
    int32_t e10;
    int vm_exact, vr_exact;
} jw_ivl;

/* e2 >= 0: divide by 10^q with the inverse table. */
static void jw_ivl_up(jw_ivl *v, uint64_t m2, int32_t e2, unsigned mm_shift, int accept)
{
    uint32_t q = (uint32_t)emhttp_json_log10_pow2(e2) - (e2 > 3);
    int32_t k = EMHTTP_JSON_POW5_BITS + emhttp_json_pow5_bits((int32_t)q) - 1;
    int32_t i = -e2 + (int32_t)q + k;
    const uint64_t *t = emhttp_json_pow5inv_[q];
    uint64_t mv = 4 * m2;
    v->e10 = (int32_t)q;
    v->vr = jw_mul_shift(mv, t, i);
    v->vp = jw_mul_shift(mv + 2, t, i);
    v->vm = jw_mul_shift(mv - 1 - mm_shift, t, i);
    if (q <= 21) {
        if (jw_multiple_of_pow5(mv, 1)) {
            v->vr_exact = jw_multiple_of_pow5(mv, q);
        } else if (accept) {
            v->vm_exact = jw_multiple_of_pow5(mv - 1 - mm_shift, q);
        } else {
            v->vp -= (uint64_t)jw_multiple_of_pow5(mv + 2, q);
        }
    }
}

/* e2 < 0: multiply by 5^i with the table. */
static void jw_ivl_down(jw_ivl *v, uint64_t m2, int32_t e2, unsigned mm_shift, int accept)
{
    uint32_t q = jw_log10_pow5(-e2) - (-e2 > 1);
    int32_t i = -e2 - (int32_t)q;
    int32_t j = (int32_t)q - (emhttp_json_pow5_bits(i) - EMHTTP_JSON_POW5_BITS);
    const uint64_t *t = emhttp_json_pow5_[i];
    uint64_t mv = 4 * m2, mm = mv - 1 - mm_shift;
    v->e10 = (int32_t)q + e2;
    v->vr = jw_mul_shift(mv, t, j);
    v->vp = jw_mul_shift(mv + 2, t, j);
    v->vm = jw_mul_shift(mm, t, j);
    if (q <= 1) {
        /* exact iff 2^q divides the multiplier */
        v->vr_exact = 1;
        if (accept) {
            v->vm_exact = (q == 0) || (mm & 1u) == 0;
        } else {
            v->vp--;
        }
    } else if (q < 63) {
        v->vr_exact = (mv & ((1ull << q) - 1)) == 0;
    }
}

/* Drop digits while the interval allows, tracking exactness (needed for
 * the interval bounds and for ties).  Returns the digits; *removed counts
 * the dropped ones. */
static uint64_t jw_trim_exact(jw_ivl *v, int accept, int32_t *removed)
{
    unsigned last = 0;
    while (jw_div10(v->vp) > jw_div10(v->vm)) {
        uint64_t r10 = jw_div10(v->vr), m10 = jw_div10(v->vm);
        v->vm_exact &= (v->vm - 10 * m10) == 0;
        v->vr_exact &= last == 0;
        last = (unsigned)(v->vr - 10 * r10);
        v->vr = r10;
        v->vp = jw_div10(v->vp);
        v->vm = m10;
        (*removed)++;
    }
    while (v->vm_exact && v->vm != 0 && v->vm - 10 * jw_div10(v->vm) == 0) {
        uint64_t r10 = jw_div10(v->vr);
        v->vr_exact &= last == 0;
        last = (unsigned)(v->vr - 10 * r10);
        v->vr = r10;
        v->vp = jw_div10(v->vp);
        v->vm = jw_div10(v->vm);
        (*removed)++;
    }
    if (v->vr_exact && last == 5 && (v->vr & 1u) == 0) {
        last = 4; /* exactly half way: round to even */
    }
    return v->vr + ((v->vr == v->vm && (!accept || !v->vm_exact)) || last >= 5);
}

/* Drop k digits (10^k = p) while the interval allows; *up: the last
 * dropped digits were at least half of p. */
static void jw_drop(jw_ivl *v, uint64_t (*div)(uint64_t), uint64_t p, int32_t k,
                    int32_t *removed, unsigned *up)
{
    while (div(v->vp) > div(v->vm)) {
        uint64_t q = div(v->vr);
        *up = (v->vr - q * p) >= p / 2;
        v->vr = q;
        v->vp = div(v->vp);
        v->vm = div(v->vm);
        *removed += k;
    }
}

/* The common case: no exactness to track; only the last dropped digit
 * decides the rounding, so digits go 8, 2, then 1 at a time. */
static uint64_t jw_trim_fast(jw_ivl *v, int32_t *removed)
{
    unsigned up = 0;
    jw_drop(v, jw_div1e8, 100000000u, 8, removed, &up);
    jw_drop(v, jw_div100, 100u, 2, removed, &up);
    jw_drop(v, jw_div10, 10u, 1, removed, &up);
    return v->vr + (v->vr == v->vm || up);
}

/* Shortest decimal digits of a finite non-zero double: returns the
 * digits, *e10 the power of ten they are multiplied by. */
static uint64_t jw_shortest(uint64_t mant, uint32_t bexp, int32_t *e10)
{
    jw_ivl v;
    uint64_t m2 = bexp ? mant | (1ull << 52) : mant;
    int32_t e2 = (bexp ? (int32_t)bexp : 1) - 1023 - 52 - 2;
    unsigned mm_shift = (mant != 0 || bexp <= 1);
    int accept = (m2 & 1u) == 0;
    int32_t removed = 0;
    uint64_t out;
    memset(&v, 0, sizeof v);
    if (e2 >= 0) {
        jw_ivl_up(&v, m2, e2, mm_shift, accept);
    } else {
        jw_ivl_down(&v, m2, e2, mm_shift, accept);
    }
    if (v.vm_exact || v.vr_exact) {
        out = jw_trim_exact(&v, accept, &removed);
    } else {
        out = jw_trim_fast(&v, &removed);
    }
    *e10 = v.e10 + removed;
    return out;
}

/* d * 10^e10 in exponent notation at o: "1e-7", "1.5e300". */
static size_t jw_place_exp(char *o, uint64_t d, int32_t nd, int32_t e10)
{
    int32_t x = nd + e10 - 1;
    uint32_t ax = (uint32_t)(x < 0 ? -x : x);
    char *p;
    jw_digits_back(o + nd + 1, d, 1); /* digits at o + 1 */
    o[0] = o[1];
    o[1] = '.';
    p = o + (nd > 1 ? nd + 1 : 1);
    *p++ = 'e';
    *p = '-';
    p += (x < 0);
    p += ax >= 100 ? 3 : ax >= 10 ? 2 : 1;
    jw_digits_back(p, ax, 1);
    return (size_t)(p - o);
}

/* d * 10^e10 (nd digits) at o: plain notation for 1e-6 <= value < 1e21,
 * else exponent notation.  Returns the length. */
static size_t jw_place(char *o, uint64_t d, int32_t nd, int32_t e10)
{
    int32_t k = nd + e10, j; /* decimal point after k digits */
    if (k > 21 || k <= -6) {
        return jw_place_exp(o, d, nd, e10);
    }
    if (k <= 0) { /* 0.000ddd */
        o[0] = '0';
        o[1] = '.';
        for (j = 0; j < -k; j++) {
            o[2 + j] = '0';
        }
        jw_digits_back(o + 2 - k + nd, d, 1);
        return (size_t)(2 - k + nd);
    }
    if (k >= nd) { /* ddd000.0 */
        jw_digits_back(o + nd, d, 1);
        for (j = nd; j < k; j++) {
            o[j] = '0';
        }
        o[k] = '.';
        o[k + 1] = '0';
        return (size_t)k + 2;
    }
    jw_digits_back(o + nd + 1, d, 1); /* ddd.ddd: digits at o + 1, then */
    for (j = 0; j < k; j++) {         /* the integer part one to the left */
        o[j] = o[j + 1];
    }
    o[k] = '.';
    return (size_t)nd + 1;
}

/* Format a finite double; returns the length (at most 25). */
static size_t jw_fmt_double(uint8_t *out, uint64_t bits)
{
    uint64_t mant = bits & ((1ull << 52) - 1), d;
    uint32_t bexp = (uint32_t)(bits >> 52) & 0x7FFu;
    size_t n = (size_t)(bits >> 63);
    int32_t e10;
    out[0] = '-';
    if (bexp == 0 && mant == 0) {
        memcpy(out + n, "0.0", 3);
        return n + 3;
    }
    d = jw_shortest(mant, bexp, &e10);
    return n + jw_place((char *)out + n, d, (int32_t)jw_dec_len(d), e10);
}

int emhttp_jw_double(emhttp_jw *w, double v)
{
    uint64_t bits;
    uint8_t tmp[NUM_MAX];
    int comma, r = jw_begin(w, J_VALUE, 0, NUM_MAX, &comma);
    memcpy(&bits, &v, sizeof bits);
    if (r < 0) {
        return w->err_;
    }
    if (r > 0) { /* the comma first, as byte-wise: it stays written on an error */
        jw_out o = {w, w->p_, 1};
        jw_lead(&o, comma, 0);
        w->p_ = o.d;
    }
    if (((bits >> 52) & 0x7FFu) == 0x7FFu) {
        jw_fail(w, EMHTTP_ERR_JSON_NUMBER); /* NaN, infinities */
        return w->err_;
    }
    if (r > 0) {
        w->p_ += jw_fmt_double(w->p_, bits);
    } else {
        jw_put(w, tmp, jw_fmt_double(tmp, bits));
    }
    return w->err_;
}

#endif /* CONFIG_EMHTTP_JSON_FLOAT */
