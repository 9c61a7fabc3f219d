/*
 * body_sum.h - what the test drivers report of a response body: its
 * length and FNV-1a 64 hash (the Python tests compute the same).
 */
#ifndef EMHTTP_TEST_BODY_SUM_H
#define EMHTTP_TEST_BODY_SUM_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t fnv;
    size_t len;
} body_sum;

#define BODY_SUM_INIT {0xcbf29ce484222325ull, 0}

static inline void body_sum_add(body_sum *s, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->fnv = (s->fnv ^ d[i]) * 0x100000001b3ull;
    }
    s->len += n;
}

#endif /* EMHTTP_TEST_BODY_SUM_H */
