/*
 * cipher_bench.c - host side of the cipher benchmark (cipher_bench.py runs
 * it): TLS 1.2 record protection with AES-128-GCM and ChaCha20-Poly1305 in
 * the mbedTLS it is linked with (cipher_core.c).
 *
 *   cipher_bench selftest
 *       known answers of both AEADs and a tampered-record rejection;
 *       exit 0 or 1.
 *   cipher_bench seal|open aes|chacha SIZE COUNT
 *       seals (or opens) COUNT records of SIZE bytes inside cb_seal_loop()
 *       / cb_open_loop() and nothing else, for
 *       valgrind --tool=callgrind --toggle-collect=cb_seal_loop.
 *   cipher_bench speed seal|open aes|chacha SIZE
 *       5 timed rounds of at least 0.2 s each; prints
 *       "speed DIR AEAD SIZE MB_PER_S" with the median round (MB = 10^6 B).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cipher_core.h"

static unsigned char plain[CB_MAX_RECORD], sealed[CB_MAX_RECORD + CB_TAG_LEN],
    opened[CB_MAX_RECORD];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int usage(void)
{
    fprintf(stderr, "usage: cipher_bench selftest | seal|open aes|chacha SIZE COUNT | "
                    "speed seal|open aes|chacha SIZE\n");
    return 2;
}

/* Run DIR on AEAD: COUNT records (or timed rounds when COUNT is 0). */
static int run(int seal, int which, size_t size, unsigned count)
{
    cb_aead s, o;
    double rounds[5];
    int rc, r;
    size_t i;

    for (i = 0; i < size; i++) {
        plain[i] = (unsigned char)(i * 31 + 7);
    }
    if ((rc = cb_setup(&s, which, 1)) != 0 || (rc = cb_setup(&o, which, 0)) != 0 ||
        (rc = cb_seal(&s, plain, size, sealed)) != 0 ||
        (rc = cb_open(&o, 0, sealed, size, opened)) != 0 || memcmp(opened, plain, size) != 0) {
        fprintf(stderr, "cipher_bench: %s setup or round trip failed (-0x%04x)\n", cb_name(which),
                (unsigned)-rc);
        return 1;
    }
    if (count > 0) {
        rc = seal ? cb_seal_loop(&s, plain, size, sealed, count)
                  : cb_open_loop(&o, 0, sealed, size, opened, count);
    } else {
        for (r = 0; r < 5 && rc == 0; r++) {
            double t0 = now(), t;
            unsigned n = 0, step = size >= 4096 ? 16 : 1024;
            do {
                rc = seal ? cb_seal_loop(&s, plain, size, sealed, step)
                          : cb_open_loop(&o, 0, sealed, size, opened, step);
                n += step;
                t = now() - t0;
            } while (rc == 0 && t < 0.2);
            rounds[r] = (double)n * size / t / 1e6;
        }
        if (rc == 0) {
            qsort(rounds, 5, sizeof rounds[0], cmp_double);
            printf("speed %s %s %zu %.1f\n", seal ? "seal" : "open", cb_name(which), size,
                   rounds[2]);
        }
    }
    cb_free(&s);
    cb_free(&o);
    if (rc != 0) {
        fprintf(stderr, "cipher_bench: %s failed (-0x%04x)\n", cb_name(which), (unsigned)-rc);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int speed, seal, which;
    long size, count = 0;

    if (argc == 2 && strcmp(argv[1], "selftest") == 0) {
        int rc = cb_selftest();
        printf("selftest %s (%d)\n", rc == 0 ? "ok" : "FAILED", rc);
        return rc != 0;
    }
    speed = argc > 1 && strcmp(argv[1], "speed") == 0;
    if (argc != 5) {
        return usage();
    }
    seal = strcmp(argv[1 + speed], "seal") == 0;
    if (!seal && strcmp(argv[1 + speed], "open") != 0) {
        return usage();
    }
    which = strcmp(argv[2 + speed], "aes") == 0 ? CB_AES128GCM
            : strcmp(argv[2 + speed], "chacha") == 0 ? CB_CHACHAPOLY : -1;
    size = strtol(argv[3 + speed], NULL, 10);
    if (!speed) {
        count = strtol(argv[4], NULL, 10);
    }
    if (which < 0 || size <= 0 || size > CB_MAX_RECORD || (!speed && count <= 0)) {
        return usage();
    }
    return run(seal, which, (size_t)size, (unsigned)count);
}
