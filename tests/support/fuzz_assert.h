/*
 * fuzz_assert.h - ASSERT(c) for the fuzz harnesses: a failed check names
 * its file, line and condition and aborts (libFuzzer then saves the input
 * as a crash artifact).  Unlike assert(), it stays with NDEBUG.
 */
#ifndef EMHTTP_TEST_FUZZ_ASSERT_H
#define EMHTTP_TEST_FUZZ_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

#define ASSERT(c)                                                                      \
    do {                                                                               \
        if (!(c)) {                                                                    \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #c); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

#endif /* EMHTTP_TEST_FUZZ_ASSERT_H */
