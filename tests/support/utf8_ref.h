/*
 * utf8_ref.h - a reference UTF-8 check for the tests: decodes code points,
 * unlike the JSON writer's byte-range check, so the two can be compared.
 */
#ifndef EMHTTP_TEST_UTF8_REF_H
#define EMHTTP_TEST_UTF8_REF_H

#include <stddef.h>
#include <stdint.h>

/* 1 when s[0..n) is valid UTF-8 (no overlong form, surrogate or code
 * point over U+10FFFF, no truncated sequence), else 0. */
static inline int utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0, len, k;
    while (i < n) {
        uint32_t c = s[i], cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n) {
            return 0;
        }
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return 0;
        }
        i += len;
    }
    return 1;
}

#endif /* EMHTTP_TEST_UTF8_REF_H */
