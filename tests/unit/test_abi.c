/*
 * test_abi.c - a caller compiled with other emhttp options than the
 * library (emhttp/abi.h).
 *
 *   test_abi match     compiled with the library's options: the checked
 *                      init functions work as before
 *   test_abi mismatch  compiled with one option changed (tests/CMakeLists.txt
 *                      passes it): every checked init function returns
 *                      EMHTTP_ERR_CONFIG_MISMATCH and writes nothing into
 *                      the caller's struct; the JSON writer then refuses
 *                      every call
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "emhttp/abi.h"
#include "emhttp/client.h"
#include "emhttp/json_writer.h"
#include "emhttp/tls.h"

#define FILL 0xA5

/* The struct, with guard bytes on both sides, all set to FILL. */
#define GUARDED(T)                                                               \
    struct {                                                                     \
        uint8_t before[64];                                                      \
        T obj;                                                                   \
        uint8_t after[64];                                                       \
    }

static int all_fill(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != FILL) {
            return 0;
        }
    }
    return 1;
}

static int mismatch;

static void test_client(void)
{
    static GUARDED(emhttp_client) g;
    memset(&g, FILL, sizeof g);
    int rc = emhttp_client_init(&g.obj, NULL);
    printf("emhttp_client_init (sizeof %zu here): %d, %s\n", sizeof(emhttp_client), rc,
           emhttp_strerror(rc));
    if (mismatch) {
        CHECK_EQ_INT(rc, EMHTTP_ERR_CONFIG_MISMATCH);
        CHECK(all_fill(&g, sizeof g)); /* refused before touching the struct */
    } else {
        CHECK_EQ_INT(rc, EMHTTP_ERR_ARG); /* checked, then the NULL config refused */
    }
}

static void test_json_writer(void)
{
    static GUARDED(emhttp_jw) g;
    static uint8_t buf[64];
    memset(&g, FILL, sizeof g);
    memset(buf, FILL, sizeof buf);
    int rc = emhttp_jw_init(&g.obj, buf, sizeof buf);
    printf("emhttp_jw_init (sizeof %zu here): %d, %s\n", sizeof(emhttp_jw), rc,
           emhttp_strerror(rc));
    int calls = emhttp_jw_object(&g.obj);
    calls |= emhttp_jw_key(&g.obj, "k");
    calls |= emhttp_jw_int(&g.obj, 1);
    calls |= emhttp_jw_object_end(&g.obj);
    int len = emhttp_jw_finish(&g.obj);
    if (mismatch) {
        CHECK_EQ_INT(rc, EMHTTP_ERR_CONFIG_MISMATCH);
        CHECK_EQ_INT(calls, EMHTTP_ERR_CONFIG_MISMATCH); /* every call refused */
        CHECK_EQ_INT(len, EMHTTP_ERR_CONFIG_MISMATCH);
        CHECK_EQ_INT(emhttp_jw_error(&g.obj), EMHTTP_ERR_CONFIG_MISMATCH);
        CHECK(all_fill(buf, sizeof buf));          /* nothing written */
        CHECK(all_fill(g.before, sizeof g.before)); /* nothing outside the struct */
        CHECK(all_fill(g.after, sizeof g.after));
    } else {
        CHECK_EQ_INT(rc, EMHTTP_OK);
        CHECK_EQ_INT(calls, EMHTTP_OK);
        CHECK_EQ_INT(len, 7);
        CHECK(memcmp(buf, "{\"k\":1}", 7) == 0);
    }
}

static void test_tls(void)
{
#if CONFIG_EMHTTP_TLS
    static GUARDED(emhttp_tls) g;
    memset(&g, FILL, sizeof g);
    int rc = emhttp_tls_init(&g.obj, NULL);
    printf("emhttp_tls_init (sizeof %zu here): %d, %s\n", sizeof(emhttp_tls), rc,
           emhttp_strerror(rc));
    if (mismatch) {
        CHECK_EQ_INT(rc, EMHTTP_ERR_CONFIG_MISMATCH);
        CHECK(all_fill(&g, sizeof g));
    } else {
        CHECK_EQ_INT(rc, EMHTTP_ERR_ARG);
    }
#else
    printf("emhttp_tls_init: not compiled (CONFIG_EMHTTP_TLS 0)\n");
#endif
}

static void test_check(void)
{
    /* The tag alone, then a size difference alone. */
    CHECK_EQ_INT(emhttp_abi_check(EMHTTP_ABI_TAG, 8, 8),
                 mismatch ? EMHTTP_ERR_CONFIG_MISMATCH : EMHTTP_OK);
    CHECK_EQ_INT(emhttp_abi_check(EMHTTP_ABI_TAG, 8, 16), EMHTTP_ERR_CONFIG_MISMATCH);
    CHECK(strstr(emhttp_strerror(EMHTTP_ERR_CONFIG_MISMATCH), "other emhttp options") != NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "match") != 0 && strcmp(argv[1], "mismatch") != 0)) {
        fprintf(stderr, "usage: test_abi match|mismatch\n");
        return 2;
    }
    mismatch = strcmp(argv[1], "mismatch") == 0;
    printf("caller EMHTTP_ABI_TAG 0x%08lx (%s)\n", (unsigned long)EMHTTP_ABI_TAG, argv[1]);
    RUN(test_client);
    RUN(test_json_writer);
    RUN(test_tls);
    RUN(test_check);
    return check_summary();
}
