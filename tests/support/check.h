/*
 * check.h - the smallest test harness that does the job.
 *
 *   #include "check.h"
 *   static void test_x(void) { CHECK(1 + 1 == 2); CHECK_EQ_INT(f(), 3); }
 *   int main(void) { RUN(test_x); return check_summary(); }
 *
 * A failed CHECK prints file:line and the expression and counts a failure;
 * the test goes on.  check_summary() prints "N passed, N failed" (counted
 * per CHECK) and returns the process exit code.
 */
#ifndef EMHTTP_TEST_CHECK_H
#define EMHTTP_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned long check_passed_, check_failed_;

#define CHECK(expr)                                                          \
    do {                                                                     \
        if (expr) {                                                          \
            check_passed_++;                                                 \
        } else {                                                             \
            check_failed_++;                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #expr);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
    do {                                                                     \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);      \
        if (check_a_ == check_b_) {                                          \
            check_passed_++;                                                 \
        } else {                                                             \
            check_failed_++;                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);         \
        }                                                                    \
    } while (0)

#define CHECK_EQ_MEM(a, alen, b, blen)                                       \
    do {                                                                     \
        size_t check_al_ = (size_t)(alen), check_bl_ = (size_t)(blen);      \
        if (check_al_ == check_bl_ && memcmp((a), (b), check_al_) == 0) {    \
            check_passed_++;                                                 \
        } else {                                                             \
            check_failed_++;                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s equals %s\n  got  %.*s\n  want %.*s\n", \
                    __FILE__, __LINE__, #a, #b, (int)check_al_, (const char *)(a), \
                    (int)check_bl_, (const char *)(b));                      \
        }                                                                    \
    } while (0)

#define CHECK_EQ_STR(a, b) CHECK_EQ_MEM((a), strlen(a), (b), strlen(b))

#define RUN(fn)                                                              \
    do {                                                                     \
        unsigned long check_f0_ = check_failed_;                             \
        fn();                                                                \
        fprintf(stderr, "%-40s %s\n", #fn,                                   \
                check_failed_ == check_f0_ ? "ok" : "FAILED");               \
    } while (0)

static inline int check_summary(void)
{
    printf("%lu passed, %lu failed\n", check_passed_, check_failed_);
    return check_failed_ ? 1 : 0;
}

#endif /* EMHTTP_TEST_CHECK_H */
