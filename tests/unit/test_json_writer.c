/* JSON writer: exact bytes, escaping, UTF-8 checks, numbers, misuse,
 * depth, and overflow at every buffer size with a guard region. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emhttp/json_writer.h"
#include "utf8_ref.h"

static uint8_t out[4096];

/* ---- helpers ----------------------------------------------------------- */

static int one_string(const char *s, size_t n)
{
    emhttp_jw w;
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_string_n(&w, s, n);
    return emhttp_jw_finish(&w);
}

#define CHECK_STRING(in, want)                                               \
    do {                                                                     \
        int n_ = one_string((in), sizeof(in) - 1);                           \
        CHECK_EQ_MEM(out, n_ < 0 ? 0 : n_, (want), strlen(want));            \
    } while (0)

#define CHECK_UTF8_BAD(in) CHECK_EQ_INT(one_string((in), sizeof(in) - 1), EMHTTP_ERR_JSON_UTF8)

static int one_int(int64_t v)
{
    emhttp_jw w;
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_int(&w, v);
    return emhttp_jw_finish(&w);
}

static int one_uint(uint64_t v)
{
    emhttp_jw w;
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_uint(&w, v);
    return emhttp_jw_finish(&w);
}

static int one_fixed(int64_t v, unsigned scale)
{
    emhttp_jw w;
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_fixed(&w, v, scale);
    return emhttp_jw_finish(&w);
}

#define CHECK_OUT(expr, want)                                                \
    do {                                                                     \
        int n_ = (expr);                                                     \
        CHECK_EQ_MEM(out, n_ < 0 ? 0 : n_, (want), strlen(want));            \
    } while (0)

/* ---- documents --------------------------------------------------------- */

static void test_header_example(void)
{
    emhttp_jw w;
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "id");
    emhttp_jw_string(&w, "sensor-7");
    emhttp_jw_key(&w, "temp");
    emhttp_jw_fixed(&w, 2345, 2);
    emhttp_jw_key(&w, "tags");
    emhttp_jw_array(&w);
    emhttp_jw_string(&w, "a");
    emhttp_jw_string(&w, "b");
    emhttp_jw_array_end(&w);
    emhttp_jw_object_end(&w);
    CHECK_OUT(emhttp_jw_finish(&w), "{\"id\":\"sensor-7\",\"temp\":23.45,\"tags\":[\"a\",\"b\"]}");
    CHECK_EQ_INT(emhttp_jw_finish(&w), 47);
    CHECK_EQ_INT(emhttp_jw_needed(&w), 47);
    CHECK_EQ_INT(emhttp_jw_error(&w), EMHTTP_OK);
}

static void test_nesting_and_commas(void)
{
    emhttp_jw w;
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_array(&w);
    emhttp_jw_array(&w);
    emhttp_jw_array_end(&w);
    emhttp_jw_object(&w);
    emhttp_jw_object_end(&w);
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "a");
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "b");
    emhttp_jw_null(&w);
    emhttp_jw_key(&w, "c");
    emhttp_jw_bool(&w, true);
    emhttp_jw_object_end(&w);
    emhttp_jw_key(&w, "");
    emhttp_jw_bool(&w, false);
    emhttp_jw_object_end(&w);
    emhttp_jw_int(&w, -1);
    emhttp_jw_raw(&w, "{\"r\":[1,2]}", 11);
    emhttp_jw_array_end(&w);
    CHECK_OUT(emhttp_jw_finish(&w),
              "[[],{},{\"a\":{\"b\":null,\"c\":true},\"\":false},-1,{\"r\":[1,2]}]");
}

static void test_scalar_documents(void)
{
    emhttp_jw w;
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_null(&w);
    CHECK_OUT(emhttp_jw_finish(&w), "null");
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_raw(&w, "[1]", 3);
    CHECK_OUT(emhttp_jw_finish(&w), "[1]");
    CHECK_STRING("", "\"\"");
}

/* ---- strings ----------------------------------------------------------- */

static void test_escapes(void)
{
    char in[40], want[300];
    size_t wl = 0;
    unsigned c;
    CHECK_STRING("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
    CHECK_STRING("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
    CHECK_STRING("\x7f", "\"\x7f\"");
    CHECK_STRING("nul\0!", "\"nul\\u0000!\"");
    /* every control character */
    want[wl++] = '"';
    for (c = 0; c < 0x20; c++) {
        static const char *shorts[] = {[8] = "\\b", [9] = "\\t", [10] = "\\n", [12] = "\\f",
                                       [13] = "\\r"};
        in[c] = (char)c;
        if (c < 14 && shorts[c]) {
            memcpy(want + wl, shorts[c], 2);
            wl += 2;
        } else {
            static const char hex[] = "0123456789abcdef";
            memcpy(want + wl, "\\u00", 4);
            want[wl + 4] = hex[c >> 4];
            want[wl + 5] = hex[c & 15];
            wl += 6;
        }
    }
    want[wl++] = '"';
    CHECK_EQ_MEM(out, one_string(in, 0x20), want, wl);
    /* long clean runs around escapes */
    {
        char big[300], wbig[400];
        memset(big, 'x', sizeof big);
        big[100] = '\n';
        big[299] = '"';
        wbig[0] = '"';
        memcpy(wbig + 1, big, 100);
        memcpy(wbig + 101, "\\n", 2);
        memcpy(wbig + 103, big + 101, 198);
        memcpy(wbig + 301, "\\\"\"", 3);
        CHECK_EQ_MEM(out, one_string(big, sizeof big), wbig, 304);
    }
}

static void test_utf8_valid(void)
{
    CHECK_STRING("\xc2\x80\xdf\xbf", "\"\xc2\x80\xdf\xbf\"");           /* U+0080, U+07FF */
    CHECK_STRING("\xe0\xa0\x80\xed\x9f\xbf", "\"\xe0\xa0\x80\xed\x9f\xbf\""); /* U+0800, U+D7FF */
    CHECK_STRING("\xee\x80\x80\xef\xbf\xbf", "\"\xee\x80\x80\xef\xbf\xbf\""); /* U+E000, U+FFFF */
    CHECK_STRING("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
                 "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\""); /* U+10000, U+10FFFF */
    CHECK_STRING("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                 "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

static void test_utf8_invalid(void)
{
    CHECK_UTF8_BAD("\x80");             /* stray continuation */
    CHECK_UTF8_BAD("a\xbf");
    CHECK_UTF8_BAD("\xc0\x80");         /* overlong NUL */
    CHECK_UTF8_BAD("\xc1\xbf");         /* overlong 2-byte */
    CHECK_UTF8_BAD("\xe0\x80\x80");     /* overlong 3-byte */
    CHECK_UTF8_BAD("\xe0\x9f\xbf");
    CHECK_UTF8_BAD("\xf0\x80\x80\x80"); /* overlong 4-byte */
    CHECK_UTF8_BAD("\xf0\x8f\xbf\xbf");
    CHECK_UTF8_BAD("\xed\xa0\x80");     /* U+D800 */
    CHECK_UTF8_BAD("\xed\xbf\xbf");     /* U+DFFF */
    CHECK_UTF8_BAD("\xf4\x90\x80\x80"); /* U+110000 */
    CHECK_UTF8_BAD("\xf5\x80\x80\x80");
    CHECK_UTF8_BAD("\xff");
    CHECK_UTF8_BAD("\xc3");             /* truncated */
    CHECK_UTF8_BAD("\xe2\x82");
    CHECK_UTF8_BAD("\xf0\x9f\x98");
    CHECK_UTF8_BAD("\xc3(");            /* bad continuation */
    CHECK_UTF8_BAD("\xe2\x28\xa1");
    CHECK_UTF8_BAD("\xf0\x9f\x98(");
    /* in a key too, and the error sticks */
    {
        emhttp_jw w;
        emhttp_jw_init(&w, out, sizeof out);
        emhttp_jw_object(&w);
        CHECK_EQ_INT(emhttp_jw_key_n(&w, "\xc0\xaf", 2), EMHTTP_ERR_JSON_UTF8);
        CHECK_EQ_INT(emhttp_jw_int(&w, 1), EMHTTP_ERR_JSON_UTF8);
        CHECK_EQ_INT(emhttp_jw_object_end(&w), EMHTTP_ERR_JSON_UTF8);
        CHECK_EQ_INT(emhttp_jw_finish(&w), EMHTTP_ERR_JSON_UTF8);
    }
}

/* Every lead byte with every second byte, then continuation bytes, a
 * truncated sequence or an ASCII byte; in strings and keys, with room for
 * the worst case and without (the byte-wise path of fast builds). */
static void test_utf8_all_pairs(void)
{
    static const uint8_t tails[][3] = {{0x80, 0x80, 'x'}, {0xBF, 0xBF, 'x'}, {0x80, 'x', 'x'},
                                       {0x90, 0xC0, 'x'}};
    static uint8_t small[64];
    unsigned a, b, t, bad = 0, wrong_text = 0;
    for (a = 0x80; a < 0x100; a++) {
        for (b = 0; b < 0x100; b++) {
            for (t = 0; t < sizeof tails / sizeof tails[0]; t++) {
                uint8_t in[6] = {'q', (uint8_t)a, (uint8_t)b, tails[t][0], tails[t][1], tails[t][2]};
                size_t n;
                for (n = 2; n <= sizeof in; n += 2) {
                    int want = utf8_ok(in, n) ? (int)n + 2 : EMHTTP_ERR_JSON_UTF8, got;
                    emhttp_jw w;
                    got = one_string((const char *)in, n);
                    bad += got != want;
                    if (got > 0) {
                        wrong_text += memcmp(out + 1, in, n) != 0;
                    }
                    emhttp_jw_init(&w, small, n + 16); /* less than 6 bytes a byte */
                    emhttp_jw_object(&w);
                    emhttp_jw_key_n(&w, (const char *)in, n);
                    emhttp_jw_null(&w);
                    emhttp_jw_object_end(&w);
                    got = emhttp_jw_finish(&w);
                    bad += got != (want > 0 ? (int)n + 9 : want); /* {"...":null} */
                }
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(wrong_text, 0);
}

/* ---- numbers ----------------------------------------------------------- */

static void test_integers(void)
{
    char want[32];
    int64_t v;
    uint64_t u;
    int k;
    CHECK_OUT(one_int(0), "0");
    CHECK_OUT(one_int(-1), "-1");
    CHECK_OUT(one_int(INT64_MIN), "-9223372036854775808");
    CHECK_OUT(one_int(INT64_MAX), "9223372036854775807");
    CHECK_OUT(one_uint(UINT64_MAX), "18446744073709551615");
    CHECK_OUT(one_uint(0), "0");
    for (k = 0, u = 1; k < 20; k++, u *= 10) { /* digit-count edges */
        snprintf(want, sizeof want, "%" PRIu64, u);
        CHECK_OUT(one_uint(u), want);
        snprintf(want, sizeof want, "%" PRIu64, u - 1);
        CHECK_OUT(one_uint(u - 1), want);
        v = (int64_t)(u > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : u);
        snprintf(want, sizeof want, "%" PRId64, -v);
        CHECK_OUT(one_int(-v), want);
    }
    CHECK_OUT(one_uint(4294967295u), "4294967295");
    CHECK_OUT(one_uint(4294967296u), "4294967296");
}

static void test_fixed(void)
{
    CHECK_OUT(one_fixed(12345, 2), "123.45");
    CHECK_OUT(one_fixed(-12345, 2), "-123.45");
    CHECK_OUT(one_fixed(-5, 3), "-0.005");
    CHECK_OUT(one_fixed(7, 0), "7");
    CHECK_OUT(one_fixed(100, 2), "1.00");
    CHECK_OUT(one_fixed(0, 3), "0.000");
    CHECK_OUT(one_fixed(1, 18), "0.000000000000000001");
    CHECK_OUT(one_fixed(-1, 18), "-0.000000000000000001");
    CHECK_OUT(one_fixed(INT64_MIN, 18), "-9.223372036854775808");
    CHECK_OUT(one_fixed(INT64_MAX, 18), "9.223372036854775807");
    CHECK_OUT(one_fixed(INT64_MIN, 0), "-9223372036854775808");
    CHECK_OUT(one_fixed(INT64_MAX, 1), "922337203685477580.7");
    CHECK_OUT(one_fixed(999, 3), "0.999");
    CHECK_OUT(one_fixed(1000, 3), "1.000");
    CHECK_EQ_INT(one_fixed(1, 19), EMHTTP_ERR_ARG);
}

#if CONFIG_EMHTTP_JSON_FLOAT
static int one_double(double v)
{
    emhttp_jw w;
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_double(&w, v);
    return emhttp_jw_finish(&w);
}

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static void test_doubles_exact(void)
{
    CHECK_OUT(one_double(0.0), "0.0");
    CHECK_OUT(one_double(-0.0), "-0.0");
    CHECK_OUT(one_double(1.0), "1.0");
    CHECK_OUT(one_double(-2.0), "-2.0");
    CHECK_OUT(one_double(0.1), "0.1");
    CHECK_OUT(one_double(0.3), "0.3");
    CHECK_OUT(one_double(0.1 + 0.2), "0.30000000000000004");
    CHECK_OUT(one_double(123.456), "123.456");
    CHECK_OUT(one_double(23.45), "23.45");
    CHECK_OUT(one_double(100.0), "100.0");
    CHECK_OUT(one_double(1e20), "100000000000000000000.0");
    CHECK_OUT(one_double(1e21), "1e21");
    CHECK_OUT(one_double(1.5e21), "1.5e21");
    CHECK_OUT(one_double(1e-6), "0.000001");
    CHECK_OUT(one_double(1.25e-6), "0.00000125");
    CHECK_OUT(one_double(1e-7), "1e-7");
    CHECK_OUT(one_double(-2.5e-5), "-0.000025");
    CHECK_OUT(one_double(1.5e300), "1.5e300");
    CHECK_OUT(one_double(9007199254740992.0), "9007199254740992.0");
    CHECK_OUT(one_double(DBL_MAX), "1.7976931348623157e308");
    CHECK_OUT(one_double(-DBL_MAX), "-1.7976931348623157e308");
    CHECK_OUT(one_double(DBL_MIN), "2.2250738585072014e-308");
    CHECK_OUT(one_double(from_bits(1)), "5e-324");
    CHECK_OUT(one_double(from_bits(0x000fffffffffffffu)), "2.225073858507201e-308");
    CHECK_OUT(one_double(5e-324 * 3), "1.5e-323");
    CHECK_OUT(one_double(1.7976931348623157e308 / 3), "5.992310449541053e307");
    CHECK_OUT(one_double(9.999999999999997e-7), "9.999999999999997e-7");
    CHECK_OUT(one_double(2.9802322387695312e-8), "2.9802322387695312e-8");
    CHECK_EQ_INT(one_double(NAN), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(one_double(INFINITY), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(one_double(-INFINITY), EMHTTP_ERR_JSON_NUMBER);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Significant digits of a formatted number. */
static int sig_digits(const char *s, int n)
{
    int k, first = -1, last = -1, cnt = 0;
    for (k = 0; k < n && s[k] != 'e'; k++) {
        if (s[k] >= '1' && s[k] <= '9') {
            first = first < 0 ? k : first;
            last = k;
        }
    }
    for (k = first; k >= 0 && k <= last; k++) {
        cnt += (s[k] >= '0' && s[k] <= '9');
    }
    return cnt;
}

/* Against glibc: the text reads back to the same bits; no correctly
 * rounded shorter text does; and when the correctly rounded text of the
 * same length reads back, it is the same number (closest). */
static void test_doubles_shortest_random(void)
{
    char buf[64], want[64];
    unsigned long i, bad_rt = 0, bad_short = 0, bad_close = 0;
    for (i = 0; i < 300000; i++) {
        uint64_t b = rnd();
        double d, e;
        int n, nd;
        if (i % 4 == 1) {
            b &= 0x800fffffffffffffu; /* subnormals */
        } else if (i % 4 == 2) {
            b = (b & 0xfff0000000000000u) | (b & 7u); /* near powers of two */
        }
        d = from_bits(b);
        if (isnan(d) || isinf(d) || d == 0) {
            continue;
        }
        n = one_double(d);
        memcpy(buf, out, (size_t)n);
        buf[n] = '\0';
        e = strtod(buf, NULL);
        bad_rt += memcmp(&d, &e, sizeof d) != 0;
        nd = sig_digits(buf, n);
        if (nd > 1 && (b & 0x000fffffffffffffu) != 0) {
            snprintf(want, sizeof want, "%.*e", nd - 2, d);
            e = strtod(want, NULL);
            bad_short += memcmp(&d, &e, sizeof d) == 0;
        }
        snprintf(want, sizeof want, "%.*e", nd - 1, d);
        e = strtod(want, NULL);
        if (memcmp(&d, &e, sizeof d) == 0) {
            bad_close += strtod(buf, NULL) != e || sig_digits(want, (int)strlen(want)) > nd;
        }
    }
    CHECK_EQ_INT(bad_rt, 0);
    CHECK_EQ_INT(bad_short, 0);
    CHECK_EQ_INT(bad_close, 0);
}
#endif

/* ---- misuse ------------------------------------------------------------ */

static void test_state_errors(void)
{
    emhttp_jw w;
    emhttp_jw_init(&w, out, sizeof out);
    CHECK_EQ_INT(emhttp_jw_key(&w, "k"), EMHTTP_ERR_JSON_STATE); /* key at top level */

    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_object(&w);
    CHECK_EQ_INT(emhttp_jw_int(&w, 1), EMHTTP_ERR_JSON_STATE); /* value without key */
    CHECK_EQ_INT(emhttp_jw_finish(&w), EMHTTP_ERR_JSON_STATE);

    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "a");
    CHECK_EQ_INT(emhttp_jw_key(&w, "b"), EMHTTP_ERR_JSON_STATE); /* two keys */

    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "a");
    CHECK_EQ_INT(emhttp_jw_object_end(&w), EMHTTP_ERR_JSON_STATE); /* key without value */

    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_array(&w);
    CHECK_EQ_INT(emhttp_jw_key(&w, "a"), EMHTTP_ERR_JSON_STATE); /* key in array */

    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_array(&w);
    CHECK_EQ_INT(emhttp_jw_object_end(&w), EMHTTP_ERR_JSON_STATE); /* wrong close */

    emhttp_jw_init(&w, out, sizeof out);
    CHECK_EQ_INT(emhttp_jw_array_end(&w), EMHTTP_ERR_JSON_STATE); /* close at depth 0 */

    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_int(&w, 1);
    CHECK_EQ_INT(emhttp_jw_int(&w, 2), EMHTTP_ERR_JSON_STATE); /* second top-level value */
    CHECK_EQ_INT(emhttp_jw_array(&w), EMHTTP_ERR_JSON_STATE);

    emhttp_jw_init(&w, out, sizeof out);
    CHECK_EQ_INT(emhttp_jw_finish(&w), EMHTTP_ERR_JSON_STATE); /* nothing written */
    CHECK_EQ_INT(emhttp_jw_error(&w), EMHTTP_ERR_JSON_STATE);

    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_array(&w);
    emhttp_jw_int(&w, 1);
    CHECK_EQ_INT(emhttp_jw_finish(&w), EMHTTP_ERR_JSON_STATE); /* unbalanced */
    CHECK_EQ_INT(emhttp_jw_array_end(&w), EMHTTP_ERR_JSON_STATE); /* sticks */

    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_array(&w);
    CHECK_EQ_INT(emhttp_jw_string(&w, NULL), EMHTTP_ERR_ARG);
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_array(&w);
    CHECK_EQ_INT(emhttp_jw_raw(&w, "", 0), EMHTTP_ERR_ARG);
    emhttp_jw_init(&w, out, sizeof out);
    emhttp_jw_object(&w);
    CHECK_EQ_INT(emhttp_jw_key(&w, NULL), EMHTTP_ERR_ARG);
}

static void test_state_replaces_overflow(void)
{
    uint8_t small[4];
    emhttp_jw w;
    emhttp_jw_init(&w, small, sizeof small);
    emhttp_jw_array(&w);
    CHECK_EQ_INT(emhttp_jw_string(&w, "too long"), EMHTTP_ERR_JSON_OVERFLOW);
    CHECK_EQ_INT(emhttp_jw_key(&w, "k"), EMHTTP_ERR_JSON_STATE);
    CHECK_EQ_INT(emhttp_jw_finish(&w), EMHTTP_ERR_JSON_STATE);
}

static void test_depth(void)
{
    emhttp_jw w;
    int k;
    emhttp_jw_init(&w, out, sizeof out);
    for (k = 0; k < CONFIG_EMHTTP_JSON_MAX_DEPTH; k++) {
        CHECK_EQ_INT(k % 2 ? emhttp_jw_array(&w) : emhttp_jw_object(&w), EMHTTP_OK);
        if (k % 2 == 0) {
            emhttp_jw_key(&w, "k");
        }
    }
    CHECK_EQ_INT(emhttp_jw_array(&w), EMHTTP_ERR_JSON_DEPTH);
    CHECK_EQ_INT(emhttp_jw_finish(&w), EMHTTP_ERR_JSON_DEPTH);

    emhttp_jw_init(&w, out, sizeof out);
    for (k = 0; k < CONFIG_EMHTTP_JSON_MAX_DEPTH; k++) {
        emhttp_jw_array(&w);
    }
    emhttp_jw_int(&w, 7);
    for (k = 0; k < CONFIG_EMHTTP_JSON_MAX_DEPTH; k++) {
        emhttp_jw_array_end(&w);
    }
    CHECK_EQ_INT(emhttp_jw_finish(&w), 2 * CONFIG_EMHTTP_JSON_MAX_DEPTH + 1);
}

/* ---- overflow ---------------------------------------------------------- */

typedef void (*doc_fn)(emhttp_jw *w);

static void doc_mixed(emhttp_jw *w)
{
    emhttp_jw_object(w);
    emhttp_jw_key(w, "device");
    emhttp_jw_string(w, "sensor-\xc3\xa9\n\"42\"");
    emhttp_jw_key(w, "seq");
    emhttp_jw_uint(w, UINT64_MAX);
    emhttp_jw_key(w, "t\tc");
    emhttp_jw_fixed(w, -2345, 2);
    emhttp_jw_key(w, "list");
    emhttp_jw_array(w);
    emhttp_jw_int(w, INT64_MIN);
    emhttp_jw_bool(w, true);
    emhttp_jw_null(w);
    emhttp_jw_raw(w, "{\"x\":[]}", 8);
#if CONFIG_EMHTTP_JSON_FLOAT
    emhttp_jw_double(w, 0.1);
    emhttp_jw_double(w, -1.7976931348623157e308);
    emhttp_jw_double(w, 5e-324);
#endif
    emhttp_jw_array_end(w);
    emhttp_jw_object_end(w);
}

static void doc_escapes(emhttp_jw *w)
{
    static const char ctl[] = "\x01\x02\x1f\"\\ok\x7f\xf0\x9f\x98\x80";
    emhttp_jw_array(w);
    emhttp_jw_string_n(w, ctl, sizeof ctl - 1);
    emhttp_jw_string(w, "");
    emhttp_jw_object(w);
    emhttp_jw_key_n(w, ctl, sizeof ctl - 1);
    emhttp_jw_array(w);
    emhttp_jw_array_end(w);
    emhttp_jw_object_end(w);
    emhttp_jw_array_end(w);
}

static void doc_numbers(emhttp_jw *w)
{
    int k;
    emhttp_jw_array(w);
    for (k = 0; k < 40; k++) {
        emhttp_jw_int(w, (int64_t)k * 123456789 - 99);
        emhttp_jw_fixed(w, k * 1001 - 7, (unsigned)k % 19);
#if CONFIG_EMHTTP_JSON_FLOAT
        emhttp_jw_double(w, k * 3.14159e-5);
#endif
    }
    emhttp_jw_array_end(w);
}

static void doc_scalar(emhttp_jw *w) { emhttp_jw_string(w, "just one string"); }

/* Strings longer than the short-string paths, with escapes and UTF-8. */
static void doc_long(emhttp_jw *w)
{
    char s[200];
    int k;
    for (k = 0; k < (int)sizeof s; k++) {
        s[k] = (char)('a' + k % 26);
    }
    s[10] = '\n';
    s[50] = '"';
    s[51] = '\x01';
    memcpy(s + 120, "\xe2\x82\xac\xf0\x9f\x98\x80", 7);
    s[199] = '\\';
    emhttp_jw_array(w);
    emhttp_jw_string_n(w, s, sizeof s);
    emhttp_jw_object(w);
    emhttp_jw_key_n(w, s, 150);
    emhttp_jw_string_n(w, s + 100, 100);
    emhttp_jw_object_end(w);
    emhttp_jw_array_end(w);
}

static void check_all_sizes(doc_fn doc)
{
    enum { GUARD = 64 };
    static uint8_t buf[8192 + GUARD];
    emhttp_jw w;
    int full, size, k;
    emhttp_jw_init(&w, out, sizeof out);
    doc(&w);
    full = emhttp_jw_finish(&w);
    CHECK(full > 0);
    if (full <= 0) {
        return;
    }
    /* measuring only */
    emhttp_jw_init(&w, NULL, 0);
    doc(&w);
    CHECK_EQ_INT(emhttp_jw_finish(&w), EMHTTP_ERR_JSON_OVERFLOW);
    CHECK_EQ_INT(emhttp_jw_needed(&w), full);
    for (size = 0; size <= full + 1; size++) {
        int rc, guard_ok = 1;
        memset(buf, 0xA5, sizeof buf);
        emhttp_jw_init(&w, buf, (size_t)size);
        doc(&w);
        rc = emhttp_jw_finish(&w);
        for (k = size; k < size + GUARD; k++) {
            guard_ok &= buf[k] == 0xA5;
        }
        CHECK(guard_ok);
        CHECK_EQ_INT(emhttp_jw_needed(&w), full);
        if (size < full) {
            CHECK_EQ_INT(rc, EMHTTP_ERR_JSON_OVERFLOW);
        } else {
            CHECK_EQ_MEM(buf, rc < 0 ? 0 : rc, out, full);
        }
    }
}

static void test_overflow_every_size(void)
{
    check_all_sizes(doc_mixed);
    check_all_sizes(doc_escapes);
    check_all_sizes(doc_numbers);
    check_all_sizes(doc_scalar);
    check_all_sizes(doc_long);
}

int main(void)
{
    RUN(test_header_example);
    RUN(test_nesting_and_commas);
    RUN(test_scalar_documents);
    RUN(test_escapes);
    RUN(test_utf8_valid);
    RUN(test_utf8_invalid);
    RUN(test_utf8_all_pairs);
    RUN(test_integers);
    RUN(test_fixed);
#if CONFIG_EMHTTP_JSON_FLOAT
    RUN(test_doubles_exact);
    RUN(test_doubles_shortest_random);
#endif
    RUN(test_state_errors);
    RUN(test_state_replaces_overflow);
    RUN(test_depth);
    RUN(test_overflow_every_size);
    return check_summary();
}
