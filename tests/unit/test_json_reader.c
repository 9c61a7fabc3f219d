/* JSON reader: lookups, getters, unescaping, and the documented error for
 * every kind of malformed, partial or too deep input. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emhttp/json_reader.h"

static emhttp_json_tok toks[256];

static int parse(emhttp_jr *r, const char *s)
{
    return emhttp_jr_parse(r, s, strlen(s), toks, 256);
}

static int parse_n(const char *s, size_t n)
{
    emhttp_jr r;
    return emhttp_jr_parse(&r, s, n, toks, 256);
}

#define CHECK_PARSE(text, want) CHECK_EQ_INT(parse_n((text), sizeof(text) - 1), (want))

static const char doc[] =
    "{\"data\": {\"items\": [{\"id\": 1}, {\"id\": -2}, {\"id\": 9223372036854775807,"
    " \"name\": \"caf\\u00e9 \\\"x\\\"\"}],\n"
    "  \"count\": 3, \"ok\": true, \"bad\": false, \"none\": null,"
    " \"temp\": 23.45, \"big\": 18446744073709551615, \"neg\": -9223372036854775808},"
    " \"a.b\": {\"c[0]\": 5}, \"back\\\\slash\": 6, \"esc\\u0041ped\": 7, \"\": 8,"
    " \"dup\": 1, \"dup\": 2, \"list\": [[1, 2], [], [3]]}";

/* ---- lookups ----------------------------------------------------------- */

static void test_find_and_get(void)
{
    emhttp_jr r;
    int64_t i = 0;
    uint64_t u = 0;
    bool b = false;
    char s[32];
    CHECK(parse(&r, doc) > 0);
    CHECK_EQ_INT(emhttp_jr_type(&r, 0), EMHTTP_JSON_OBJECT);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "data.items[0].id"), &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 1);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "data.items[1].id"), &i), EMHTTP_OK);
    CHECK_EQ_INT(i, -2);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "data.items[2].id"), &i), EMHTTP_OK);
    CHECK(i == INT64_MAX);
    CHECK_EQ_INT(emhttp_jr_string(&r, emhttp_jr_find(&r, 0, "data.items[2].name"), s, sizeof s),
                 9);
    CHECK_EQ_STR(s, "caf\xc3\xa9 \"x\"");
    CHECK_EQ_INT(emhttp_jr_uint(&r, emhttp_jr_find(&r, 0, "data.big"), &u), EMHTTP_OK);
    CHECK(u == UINT64_MAX);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "data.neg"), &i), EMHTTP_OK);
    CHECK(i == INT64_MIN);
    CHECK_EQ_INT(emhttp_jr_bool(&r, emhttp_jr_find(&r, 0, "data.ok"), &b), EMHTTP_OK);
    CHECK(b);
    CHECK_EQ_INT(emhttp_jr_bool(&r, emhttp_jr_find(&r, 0, "data.bad"), &b), EMHTTP_OK);
    CHECK(!b);
    CHECK_EQ_INT(emhttp_jr_null(&r, emhttp_jr_find(&r, 0, "data.none")), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_jr_null(&r, emhttp_jr_find(&r, 0, "data.ok")), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(emhttp_jr_fixed(&r, emhttp_jr_find(&r, 0, "data.temp"), 2, &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 2345);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "list[2][0]"), &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 3);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "dup"), &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 1); /* first wins */
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "escAped"), &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 7);
#if CONFIG_EMHTTP_JSON_FLOAT
    {
        double d = 0;
        CHECK_EQ_INT(emhttp_jr_double(&r, emhttp_jr_find(&r, 0, "data.temp"), &d), EMHTTP_OK);
        CHECK(d == 23.45);
        CHECK_EQ_INT(emhttp_jr_double(&r, emhttp_jr_find(&r, 0, "data.count"), &d), EMHTTP_OK);
        CHECK(d == 3.0);
    }
#endif
}

static void test_path_escapes(void)
{
    emhttp_jr r;
    int64_t i = 0;
    CHECK(parse(&r, doc) > 0);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "a\\.b.c\\[0]"), &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 5);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "back\\\\slash"), &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 6);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "a.b"), EMHTTP_ERR_JSON_NOT_FOUND);
    /* an empty key has no path name: emhttp_jr_member() reaches it */
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_member(&r, 0, "", 0), &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 8);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_member(&r, 0, "a.b", 3), &i), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(emhttp_jr_type(&r, emhttp_jr_member(&r, 0, "a.b", 3)), EMHTTP_JSON_OBJECT);
}

static void test_path_errors(void)
{
    emhttp_jr r;
    CHECK(parse(&r, doc) > 0);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, ""), 0);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, NULL), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "."), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, ".data"), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "data."), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "data..count"), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "list["), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "list[]"), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "list[x]"), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "list[1"), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "list[-1]"), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "list[0]x"), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "data\\"), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "nope.x[1"), EMHTTP_ERR_JSON_PATH); /* syntax first */
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "nope"), EMHTTP_ERR_JSON_NOT_FOUND);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "list[3]"), EMHTTP_ERR_JSON_NOT_FOUND);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "list[99999999999999999999]"), EMHTTP_ERR_JSON_NOT_FOUND);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "list.x"), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "data[0]"), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "data.count.x"), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(emhttp_jr_find(&r, EMHTTP_ERR_JSON_PATH, "x"), EMHTTP_ERR_JSON_PATH);
    CHECK_EQ_INT(emhttp_jr_find(&r, 100000, "x"), EMHTTP_ERR_JSON_NOT_FOUND);
}

static void test_iteration(void)
{
    emhttp_jr r;
    int v, k, n;
    int64_t i = 0, sum = 0;
    const char *t;
    size_t tl;
    CHECK(parse(&r, "{\"a\": [10, [20, 21], {\"x\": 30}, 40], \"b\": 5}") > 0);
    CHECK_EQ_INT(emhttp_jr_count(&r, 0), 2);
    v = emhttp_jr_find(&r, 0, "a");
    n = emhttp_jr_count(&r, v);
    CHECK_EQ_INT(n, 4);
    for (k = 0, v = v + 1; k < n; k++, v = emhttp_jr_next(&r, v)) {
        if (emhttp_jr_int(&r, v, &i) == EMHTTP_OK) {
            sum += i;
        }
    }
    CHECK_EQ_INT(sum, 50);
    CHECK_EQ_INT(emhttp_jr_string_eq(&r, v, "b", 1), 1); /* after the array: key "b" */
    CHECK_EQ_INT(emhttp_jr_next(&r, v), v + 1);        /* on a key: its value */
    CHECK_EQ_INT(emhttp_jr_next(&r, v + 1), EMHTTP_ERR_JSON_NOT_FOUND);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_index(&r, 0, 1), &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 5);
    CHECK_EQ_INT(emhttp_jr_string_eq(&r, emhttp_jr_index(&r, 0, 1) - 1, "b", 1), 1);
    CHECK_EQ_INT(emhttp_jr_index(&r, 0, 2), EMHTTP_ERR_JSON_NOT_FOUND);
    CHECK_EQ_INT(emhttp_jr_int(&r, emhttp_jr_index(&r, emhttp_jr_find(&r, 0, "a"), 3), &i),
                 EMHTTP_OK);
    CHECK_EQ_INT(i, 40);
    CHECK_EQ_INT(emhttp_jr_text(&r, emhttp_jr_find(&r, 0, "a[1]"), &t, &tl), EMHTTP_OK);
    CHECK_EQ_MEM(t, tl, "[20, 21]", 8);
    CHECK_EQ_INT(emhttp_jr_text(&r, emhttp_jr_find(&r, 0, "a[2].x"), &t, &tl), EMHTTP_OK);
    CHECK_EQ_MEM(t, tl, "30", 2);
    CHECK_EQ_INT(emhttp_jr_count(&r, emhttp_jr_find(&r, 0, "b")), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(emhttp_jr_index(&r, emhttp_jr_find(&r, 0, "b"), 0), EMHTTP_ERR_JSON_TYPE);
}

static void test_root_values(void)
{
    emhttp_jr r;
    int64_t i = 0;
    bool b = false;
    char s[8];
    CHECK_EQ_INT(parse(&r, "42"), 1);
    CHECK_EQ_INT(emhttp_jr_int(&r, 0, &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 42);
    CHECK_EQ_INT(parse(&r, " \t\r\n-7 \n"), 1);
    CHECK_EQ_INT(emhttp_jr_int(&r, 0, &i), EMHTTP_OK);
    CHECK_EQ_INT(i, -7);
    CHECK_EQ_INT(parse(&r, "true"), 1);
    CHECK_EQ_INT(emhttp_jr_bool(&r, 0, &b), EMHTTP_OK);
    CHECK(b);
    CHECK_EQ_INT(parse(&r, "null"), 1);
    CHECK_EQ_INT(emhttp_jr_null(&r, 0), EMHTTP_OK);
    CHECK_EQ_INT(parse(&r, " \"s\" "), 1);
    CHECK_EQ_INT(emhttp_jr_string(&r, 0, s, sizeof s), 1);
    CHECK_EQ_INT(parse(&r, "[]"), 1);
    CHECK_EQ_INT(emhttp_jr_count(&r, 0), 0);
    CHECK_EQ_INT(emhttp_jr_index(&r, 0, 0), EMHTTP_ERR_JSON_NOT_FOUND);
    CHECK_EQ_INT(parse(&r, "{}"), 1);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "x"), EMHTTP_ERR_JSON_NOT_FOUND);
}

/* ---- errors ------------------------------------------------------------ */

static void test_partial(void)
{
    CHECK_PARSE("", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("  \n", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("{", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("[", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("[1", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("[1,", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("[1, ", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("{\"a\"", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("{\"a\" ", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("{\"a\":", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("{\"a\":1", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("{\"a\":1,", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("{\"a", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("\"abc", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("\"abc\\", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("\"\\u12", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("\"\\uD83D", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("\"\\uD83D\\", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("\"\\uD83D\\uDE", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("\"\xe2\x82", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("\"\xf0\x9f\x98", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("tru", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("[fals", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("n", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("-", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("1.", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("1e", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("1e+", EMHTTP_ERR_JSON_PARTIAL);
    CHECK_PARSE("[1.5e-", EMHTTP_ERR_JSON_PARTIAL);
    /* every proper prefix of a document is partial */
    {
        size_t n;
        int all = 1;
        for (n = 0; n < sizeof doc - 1; n++) {
            all &= parse_n(doc, n) == EMHTTP_ERR_JSON_PARTIAL;
        }
        CHECK(all);
        CHECK(parse_n(doc, sizeof doc - 1) > 0);
    }
}

static void test_malformed(void)
{
    CHECK_PARSE("[1 2]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[1,]", EMHTTP_ERR_JSON_MALFORMED);   /* trailing commas */
    CHECK_PARSE("{\"a\":1,}", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[,1]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("{,}", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[1,,2]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("01", EMHTTP_ERR_JSON_MALFORMED);      /* leading zeros */
    CHECK_PARSE("[-01]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[00]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[1.e5]", EMHTTP_ERR_JSON_MALFORMED);  /* bad numbers */
    CHECK_PARSE("[.5]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[+1]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[1e5.0]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[1.2.3]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[-]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[1e]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[0x10]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[NaN]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[Infinity]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[-Infinity]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("tRue", EMHTTP_ERR_JSON_MALFORMED);    /* bad literals */
    CHECK_PARSE("[nul]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("truex", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("{\"a\" 1}", EMHTTP_ERR_JSON_MALFORMED); /* structure */
    CHECK_PARSE("{\"a\",1}", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("{1:2}", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("{\"a\":1 \"b\":2}", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[1]]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("{\"a\":1]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[\"a\"\"b\"]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("['a']", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("1 2", EMHTTP_ERR_JSON_MALFORMED);     /* text after the value */
    CHECK_PARSE("[1]x", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("{} {}", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("[1]\0", EMHTTP_ERR_JSON_MALFORMED);   /* NUL bytes */
    CHECK_PARSE("[\0]", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("\"a\0b\"", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("\"\\x\"", EMHTTP_ERR_JSON_MALFORMED);  /* bad escapes */
    CHECK_PARSE("\"\\'\"", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("\"\\U0041\"", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("\"\\u12G4\"", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("\"\\u123\"", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("\"a\nb\"", EMHTTP_ERR_JSON_MALFORMED); /* raw control characters */
    CHECK_PARSE("\"a\tb\"", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("\"\x1f\"", EMHTTP_ERR_JSON_MALFORMED);
    CHECK_PARSE("\xef\xbb\xbf[1]", EMHTTP_ERR_JSON_MALFORMED); /* BOM */
    CHECK_PARSE("[1]\x0c", EMHTTP_ERR_JSON_MALFORMED);  /* form feed is not whitespace */
}

static void test_bad_unicode(void)
{
    CHECK_PARSE("\"\xc0\x80\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\xed\xa0\x80\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\xf4\x90\x80\x80\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\x80\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\xc3(\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("[\"\xff\"]", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\\uD800\"", EMHTTP_ERR_JSON_UTF8);        /* lone high */
    CHECK_PARSE("\"\\uDBFFx\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\\uD800\\n\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\\uD800\\u0041\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\\uD800\\uD800\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\\uDC00\"", EMHTTP_ERR_JSON_UTF8);        /* lone low */
    CHECK_PARSE("\"\\uDFFF\\uDC00\"", EMHTTP_ERR_JSON_UTF8);
    CHECK_PARSE("\"\\uD83D\\uDE00\"", 1);                    /* a pair is fine */
    CHECK_PARSE("\"\\uFFFF\\u0000\\uD7FF\\uE000\"", 1);
}

static void test_depth(void)
{
    static char deep[50010];
    int d;
    for (d = 1; d <= CONFIG_EMHTTP_JSON_MAX_DEPTH + 1; d++) {
        memset(deep, '[', (size_t)d);
        memset(deep + d, ']', (size_t)d);
        CHECK_EQ_INT(parse_n(deep, 2 * (size_t)d),
                     d <= CONFIG_EMHTTP_JSON_MAX_DEPTH ? d : EMHTTP_ERR_JSON_DEPTH);
    }
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    CHECK_EQ_INT(parse_n(deep, 20000), EMHTTP_ERR_JSON_DEPTH);
    CHECK_EQ_INT(parse_n(deep, 10000), EMHTTP_ERR_JSON_DEPTH); /* partial and deep */
    for (d = 0; d < 10000; d++) {
        memcpy(deep + 5 * d, "{\"a\":", 5);
    }
    CHECK_EQ_INT(parse_n(deep, 50000), EMHTTP_ERR_JSON_DEPTH);
}

static void test_tokens(void)
{
    emhttp_jr r;
    emhttp_json_tok few[5];
    const char *s = "{\"a\":[1,2]}"; /* object, key, array, 1, 2 */
    CHECK_EQ_INT(emhttp_jr_parse(&r, s, strlen(s), few, 5), 5);
    CHECK_EQ_INT(emhttp_jr_parse(&r, s, strlen(s), few, 4), EMHTTP_ERR_JSON_NO_TOKENS);
    CHECK_EQ_INT(emhttp_jr_find(&r, 0, "a"), EMHTTP_ERR_JSON_NOT_FOUND); /* emptied */
    CHECK_EQ_INT(emhttp_jr_parse(&r, s, strlen(s), few, 0), EMHTTP_ERR_JSON_NO_TOKENS);
    CHECK_EQ_INT(emhttp_jr_parse(&r, "7", 1, few, 0), EMHTTP_ERR_JSON_NO_TOKENS);
    CHECK_EQ_INT(emhttp_jr_parse(&r, "[1 2]", 5, few, 0), EMHTTP_ERR_JSON_MALFORMED);
    CHECK_EQ_INT(emhttp_jr_parse(&r, NULL, 1, few, 5), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_jr_parse(&r, s, strlen(s), NULL, 5), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_jr_parse(NULL, s, strlen(s), few, 5), EMHTTP_ERR_ARG);
}

/* ---- getters ----------------------------------------------------------- */

static int get_int(const char *text, int64_t *v)
{
    emhttp_jr r;
    int rc = parse(&r, text);
    return rc < 0 ? rc : emhttp_jr_int(&r, 0, v);
}

static int get_uint(const char *text, uint64_t *v)
{
    emhttp_jr r;
    int rc = parse(&r, text);
    return rc < 0 ? rc : emhttp_jr_uint(&r, 0, v);
}

static int get_fixed(const char *text, unsigned scale, int64_t *v)
{
    emhttp_jr r;
    int rc = parse(&r, text);
    return rc < 0 ? rc : emhttp_jr_fixed(&r, 0, scale, v);
}

static void test_integers(void)
{
    int64_t i = 12;
    uint64_t u = 12;
    CHECK_EQ_INT(get_int("-9223372036854775808", &i), EMHTTP_OK);
    CHECK(i == INT64_MIN);
    CHECK_EQ_INT(get_int("9223372036854775807", &i), EMHTTP_OK);
    CHECK(i == INT64_MAX);
    CHECK_EQ_INT(get_int("-0", &i), EMHTTP_OK);
    CHECK_EQ_INT(i, 0);
    i = 12;
    CHECK_EQ_INT(get_int("9223372036854775808", &i), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(get_int("-9223372036854775809", &i), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(get_int("18446744073709551616", &i), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(get_int("123456789012345678901234567890", &i), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(i, 12); /* unchanged */
    CHECK_EQ_INT(get_int("1.0", &i), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(get_int("1e2", &i), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(get_int("\"1\"", &i), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(get_int("true", &i), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(get_int("null", &i), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(get_int("[1]", &i), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(get_uint("18446744073709551615", &u), EMHTTP_OK);
    CHECK(u == UINT64_MAX);
    CHECK_EQ_INT(get_uint("-0", &u), EMHTTP_OK);
    CHECK(u == 0);
    CHECK_EQ_INT(get_uint("18446744073709551616", &u), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(get_uint("-1", &u), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(get_uint("99999999999999999999", &u), EMHTTP_ERR_JSON_NUMBER);
}

static void test_fixed_getter(void)
{
    static const struct {
        const char *text;
        unsigned scale;
        int rc;
        int64_t want;
    } cases[] = {
        {"123.456", 2, EMHTTP_OK, 12346},
        {"123.454", 2, EMHTTP_OK, 12345},
        {"123.455", 2, EMHTTP_OK, 12346},   /* halves away from zero */
        {"-123.455", 2, EMHTTP_OK, -12346},
        {"-0.005", 2, EMHTTP_OK, -1},
        {"0.004", 2, EMHTTP_OK, 0},
        {"0.05", 1, EMHTTP_OK, 1},
        {"0.0049999999999999999999", 2, EMHTTP_OK, 0},
        {"1e3", 2, EMHTTP_OK, 100000},
        {"1.5E+1", 0, EMHTTP_OK, 15},
        {"25e-1", 0, EMHTTP_OK, 3},
        {"7", 0, EMHTTP_OK, 7},
        {"7", 18, EMHTTP_OK, 7000000000000000000},
        {"10", 18, EMHTTP_ERR_JSON_NUMBER, 0},
        {"9.223372036854775807", 18, EMHTTP_OK, INT64_MAX},
        {"9.2233720368547758074", 18, EMHTTP_OK, INT64_MAX},
        {"9.2233720368547758075", 18, EMHTTP_ERR_JSON_NUMBER, 0},
        {"9.223372036854775808", 18, EMHTTP_ERR_JSON_NUMBER, 0},
        {"-9.223372036854775808", 18, EMHTTP_OK, INT64_MIN},
        {"-9.2233720368547758085", 18, EMHTTP_ERR_JSON_NUMBER, 0},
        {"9223372036854775807", 0, EMHTTP_OK, INT64_MAX},
        {"0.0000000000000000005", 18, EMHTTP_OK, 1},
        {"0.0000000000000000004", 18, EMHTTP_OK, 0},
        {"1e-400", 0, EMHTTP_OK, 0},
        {"1e400", 0, EMHTTP_ERR_JSON_NUMBER, 0},
        {"0e400", 0, EMHTTP_OK, 0},
        {"0.000e99999999999999999999", 3, EMHTTP_OK, 0},
        {"-0.0", 3, EMHTTP_OK, 0},
        {"\"1\"", 0, EMHTTP_ERR_JSON_TYPE, 0},
        {"1", 19, EMHTTP_ERR_ARG, 0},
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int64_t v = -42;
        int rc = get_fixed(cases[k].text, cases[k].scale, &v);
        CHECK_EQ_INT(rc, cases[k].rc);
        if (rc == EMHTTP_OK) {
            CHECK_EQ_INT(v, cases[k].want);
        } else {
            CHECK_EQ_INT(v, -42);
        }
        if (rc != cases[k].rc || (rc == 0 && v != cases[k].want)) {
            fprintf(stderr, "  case %s scale %u\n", cases[k].text, cases[k].scale);
        }
    }
}

static void test_strings(void)
{
    emhttp_jr r;
    char s[16];
    int v;
    CHECK(parse(&r, "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u20ac\\uD83D\\uDE00\","
                    " \"a\\u0000b\", \"plain\", 5]") > 0);
    CHECK_EQ_INT(emhttp_jr_string(&r, 1, s, sizeof s), 8);
    CHECK_EQ_MEM(s, 9, "\"\\/\b\f\n\r\t", 9);
    CHECK_EQ_INT(emhttp_jr_string(&r, 2, s, sizeof s), 10);
    CHECK_EQ_STR(s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK_EQ_INT(emhttp_jr_string(&r, 3, s, sizeof s), 3);
    CHECK_EQ_MEM(s, 4, "a\0b", 4);
    CHECK_EQ_INT(emhttp_jr_string_eq(&r, 3, "a\0b", 3), 1);
    CHECK_EQ_INT(emhttp_jr_string_eq(&r, 3, "a", 1), 0);
    CHECK_EQ_INT(emhttp_jr_string_eq(&r, 2, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10), 1);
    CHECK_EQ_INT(emhttp_jr_string_eq(&r, 2, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98", 9), 0);
    /* exact fit needs room for the NUL */
    CHECK_EQ_INT(emhttp_jr_string(&r, 4, s, 6), 5);
    CHECK_EQ_INT(emhttp_jr_string(&r, 4, s, 5), EMHTTP_ERR_JSON_OVERFLOW);
    CHECK_EQ_INT(emhttp_jr_string(&r, 4, s, 0), EMHTTP_ERR_JSON_OVERFLOW);
    CHECK_EQ_INT(emhttp_jr_string(&r, 2, s, 10), EMHTTP_ERR_JSON_OVERFLOW);
    CHECK_EQ_INT(emhttp_jr_string(&r, 2, s, 11), 10);
    CHECK_EQ_INT(emhttp_jr_string(&r, 1, s, 8), EMHTTP_ERR_JSON_OVERFLOW);
    CHECK_EQ_INT(emhttp_jr_string(&r, 5, s, sizeof s), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(emhttp_jr_string(&r, 0, s, sizeof s), EMHTTP_ERR_JSON_TYPE);
    CHECK_EQ_INT(emhttp_jr_string_eq(&r, 5, "5", 1), EMHTTP_ERR_JSON_TYPE);
    v = emhttp_jr_string(&r, EMHTTP_ERR_JSON_NOT_FOUND, s, sizeof s);
    CHECK_EQ_INT(v, EMHTTP_ERR_JSON_NOT_FOUND);
    CHECK_EQ_INT(emhttp_jr_type(&r, 1), EMHTTP_JSON_STRING);
    CHECK_EQ_INT(emhttp_jr_type(&r, 5), EMHTTP_JSON_NUMBER);
    CHECK_EQ_INT(emhttp_jr_type(&r, 6), EMHTTP_ERR_JSON_NOT_FOUND);
}

#if CONFIG_EMHTTP_JSON_FLOAT
static int get_double(const char *text, double *d)
{
    emhttp_jr r;
    int rc = parse(&r, text);
    return rc < 0 ? rc : emhttp_jr_double(&r, 0, d);
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void test_double_edges(void)
{
    double d = 0;
    CHECK_EQ_INT(get_double("-0", &d), EMHTTP_OK);
    CHECK(same_bits(d, -0.0));
    CHECK_EQ_INT(get_double("-0.0e10", &d), EMHTTP_OK);
    CHECK(same_bits(d, -0.0));
    CHECK_EQ_INT(get_double("0", &d), EMHTTP_OK);
    CHECK(same_bits(d, 0.0));
    CHECK_EQ_INT(get_double("1e-400", &d), EMHTTP_OK);
    CHECK(same_bits(d, 0.0));
    CHECK_EQ_INT(get_double("-1e-400", &d), EMHTTP_OK);
    CHECK(same_bits(d, -0.0));
    CHECK_EQ_INT(get_double("2.4703282292062327e-324", &d), EMHTTP_OK); /* just under half */
    CHECK(same_bits(d, 0.0));
    CHECK_EQ_INT(get_double("2.4703282292062328e-324", &d), EMHTTP_OK);
    CHECK(same_bits(d, 5e-324));
    CHECK_EQ_INT(get_double("1.7976931348623157e308", &d), EMHTTP_OK);
    CHECK(same_bits(d, DBL_MAX));
    CHECK_EQ_INT(get_double("1.7976931348623158e308", &d), EMHTTP_OK);
    CHECK(same_bits(d, DBL_MAX));
    CHECK_EQ_INT(get_double("1.7976931348623159e308", &d), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(get_double("1e309", &d), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(get_double("-1e400", &d), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(get_double("1e99999999999999999999", &d), EMHTTP_ERR_JSON_NUMBER);
    CHECK_EQ_INT(get_double("9007199254740993", &d), EMHTTP_OK); /* tie: to even */
    CHECK(d == 9007199254740992.0);
    CHECK_EQ_INT(get_double("9007199254740995", &d), EMHTTP_OK);
    CHECK(d == 9007199254740996.0);
    CHECK_EQ_INT(get_double("9007199254740993.000000000000000000000000001", &d), EMHTTP_OK);
    CHECK(d == 9007199254740994.0);
    CHECK_EQ_INT(get_double("0.1", &d), EMHTTP_OK);
    CHECK(d == 0.1);
    CHECK_EQ_INT(get_double("2.2250738585072011e-308", &d), EMHTTP_OK);
    CHECK(d == strtod("2.2250738585072011e-308", NULL));
    CHECK_EQ_INT(get_double("\"1\"", &d), EMHTTP_ERR_JSON_TYPE);
}

static uint64_t rng_state = 12345;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static int check_against_strtod(const char *text)
{
    double d = 0, want = strtod(text, NULL);
    int rc = get_double(text, &d);
    if (want > DBL_MAX || want < -DBL_MAX) {
        return rc == EMHTTP_ERR_JSON_NUMBER;
    }
    return rc == EMHTTP_OK && same_bits(d, want);
}

/* glibc's strtod is correctly rounded: compare on random digit strings and
 * on the exact half-way points between neighbouring doubles (printed in
 * full with long double, the hardest inputs), nudged up and down. */
static void test_double_random(void)
{
    static char text[2400];
    unsigned long i, bad = 0, total = 0;
    for (i = 0; i < 100000; i++) {
        int nd = 1 + (int)(rnd() % 25), k, e = (int)(rnd() % 700) - 360;
        char *p = text;
        if (rnd() & 1) {
            *p++ = '-';
        }
        *p++ = (char)('1' + rnd() % 9);
        if (nd > 1) {
            *p++ = '.';
        }
        for (k = 1; k < nd; k++) {
            *p++ = (char)('0' + rnd() % 10);
        }
        sprintf(p, "e%d", e);
        total++;
        bad += !check_against_strtod(text);
    }
#if LDBL_MANT_DIG >= 64
    for (i = 0; i < 6000; i++) {
        uint64_t b = rnd() & 0x7fffffffffffffffu;
        double lo, hi;
        long double half;
        if (i % 3 == 0) {
            b &= 0x000fffffffffffffu; /* subnormal */
        }
        memcpy(&lo, &b, sizeof lo);
        b++;
        memcpy(&hi, &b, sizeof hi);
        if (!(hi <= DBL_MAX)) { /* infinity or NaN */
            continue;
        }
        half = ((long double)lo + (long double)hi) / 2;
        snprintf(text, sizeof text, "%.1100Le", half);
        /* strip trailing zeros of the mantissa: the exact value */
        {
            char *ep = strchr(text, 'e'), *z = ep;
            while (z[-1] == '0' && z[-2] != '.') {
                z--;
            }
            memmove(z, ep, strlen(ep) + 1);
        }
        total++;
        bad += !check_against_strtod(text);
        {
            char *ep = strchr(text, 'e');
            char save = ep[-1];
            ep[-1] = (char)(save == '0' ? '1' : save - 1); /* a hair below */
            total++;
            bad += !check_against_strtod(text);
            ep[-1] = save;
            memmove(ep + 1, ep, strlen(ep) + 1); /* a hair above */
            ep[0] = '1';
            total++;
            bad += !check_against_strtod(text);
        }
    }
#endif
    CHECK_EQ_INT(bad, 0);
    CHECK(total > 100000);
}
#endif

int main(void)
{
    RUN(test_find_and_get);
    RUN(test_path_escapes);
    RUN(test_path_errors);
    RUN(test_iteration);
    RUN(test_root_values);
    RUN(test_partial);
    RUN(test_malformed);
    RUN(test_bad_unicode);
    RUN(test_depth);
    RUN(test_tokens);
    RUN(test_integers);
    RUN(test_fixed_getter);
    RUN(test_strings);
#if CONFIG_EMHTTP_JSON_FLOAT
    RUN(test_double_edges);
    RUN(test_double_random);
#endif
    return check_summary();
}
