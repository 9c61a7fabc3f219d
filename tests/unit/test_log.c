/*
 * test_log.c - compile-time log levels (emhttp/log.h), with the library
 * and this file compiled at CONFIG_EMHTTP_LOG_LEVEL 2 (errors, warnings).
 *
 * A message at a level compiled in reaches the application's function
 * with its level, text and code; one above the level does not, its
 * arguments are not evaluated and its text is not in the program.  A
 * library call that logs (emhttp_abi_check refusing a caller) reaches it
 * too.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "emhttp/abi.h"
#include "emhttp/error.h"
#include "emhttp/log.h"

#if CONFIG_EMHTTP_LOG_LEVEL != 2
#error "test_log.c is compiled at CONFIG_EMHTTP_LOG_LEVEL 2"
#endif

typedef struct {
    int calls;
    int level;
    const char *msg;
    int code;
} seen_t;

static void on_log(void *arg, int level, const char *msg, int code)
{
    seen_t *s = arg;
    s->calls++;
    s->level = level;
    s->msg = msg;
    s->code = code;
}

static int evaluated;
static int code_of(int c)
{
    evaluated++;
    return c;
}

static void test_levels(void)
{
    seen_t s = {0};
    EMHTTP_LOG_ERR("test: before a function is set", 1); /* dropped, no crash */
    emhttp_log_set(on_log, &s);
    EMHTTP_LOG_ERR("test: an error", code_of(EMHTTP_ERR_DNS));
    CHECK_EQ_INT(s.calls, 1);
    CHECK_EQ_INT(s.level, EMHTTP_LOG_LEVEL_ERR);
    CHECK(s.msg != NULL && strcmp(s.msg, "test: an error") == 0);
    CHECK_EQ_INT(s.code, EMHTTP_ERR_DNS);
    EMHTTP_LOG_WRN("test: a warning", code_of(7));
    CHECK_EQ_INT(s.calls, 2);
    CHECK_EQ_INT(s.level, EMHTTP_LOG_LEVEL_WRN);
    CHECK_EQ_INT(s.code, 7);
    CHECK_EQ_INT(evaluated, 2);
    /* Above the level: no call, arguments not evaluated. */
    EMHTTP_LOG_INF("test: zq8Kx info, compiled out", code_of(3));
    EMHTTP_LOG_DBG("test: zq8Ky debug, compiled out", code_of(4));
    CHECK_EQ_INT(s.calls, 2);
    CHECK_EQ_INT(evaluated, 2);
    emhttp_log_set(NULL, NULL);
    EMHTTP_LOG_ERR("test: after the function is removed", 1);
    CHECK_EQ_INT(s.calls, 2);
}

/* The library logs through the same function. */
static void test_library_logs(void)
{
    seen_t s = {0};
    emhttp_log_set(on_log, &s);
    CHECK_EQ_INT(emhttp_abi_check(EMHTTP_ABI_TAG ^ 1u, 4, 4), EMHTTP_ERR_CONFIG_MISMATCH);
    CHECK_EQ_INT(s.calls, 1);
    CHECK_EQ_INT(s.level, EMHTTP_LOG_LEVEL_ERR);
    CHECK_EQ_INT(s.code, EMHTTP_ERR_CONFIG_MISMATCH);
    printf("library logged: level %d \"%s\" (%d)\n", s.level, s.msg ? s.msg : "", s.code);
    CHECK_EQ_INT(emhttp_abi_check(EMHTTP_ABI_TAG, 4, 4), EMHTTP_OK);
    CHECK_EQ_INT(s.calls, 1);
    emhttp_log_set(NULL, NULL);
}

/* Is @p needle anywhere in the program file? */
static int in_program(const char *needle)
{
    FILE *f = fopen("/proc/self/exe", "rb");
    if (f == NULL) {
        return -1;
    }
    static char buf[1 << 16];
    size_t n = strlen(needle), have = 0, got;
    int found = 0;
    while (!found && (got = fread(buf + have, 1, sizeof buf - have, f)) > 0) {
        have += got;
        for (size_t i = 0; i + n <= have && !found; i++) {
            found = memcmp(buf + i, needle, n) == 0;
        }
        if (have >= n) { /* keep a tail that may hold the start of a match */
            memmove(buf, buf + have - (n - 1), n - 1);
            have = n - 1;
        }
    }
    fclose(f);
    return found;
}

/* The texts of compiled-out messages are not in the program; a compiled-in
 * one is.  The needles are built at run time, so only the log calls can
 * have put them there. */
static void test_texts(void)
{
    static volatile char x = 'x', y = 'y', w = 'w'; /* not known to the compiler */
    char kept[32], gone_inf[32], gone_dbg[32];
    snprintf(kept, sizeof kept, "test: a %carning", w);
    snprintf(gone_inf, sizeof gone_inf, "test: zq8K%c info", x);
    snprintf(gone_dbg, sizeof gone_dbg, "test: zq8K%c debug", y);
    CHECK_EQ_INT(in_program(kept), 1);
    CHECK_EQ_INT(in_program(gone_inf), 0);
    CHECK_EQ_INT(in_program(gone_dbg), 0);
}

int main(void)
{
    RUN(test_levels);
    RUN(test_library_logs);
    RUN(test_texts);
    return check_summary();
}
