/*
 * test_json_resume - the resumable JSON writer's fuzz harness
 * (tests/fuzz/fuzz_json_resume.c) over seeded random inputs, in every
 * build (the libFuzzer target runs only in clang builds with EMHTTP_FUZZ):
 * random call sequences (half of them shaped as valid documents: arrays of
 * records with keys, strings, numbers), random split points down to one
 * byte; the pieces put together must be the one-piece document.
 *
 *   test_json_resume [N]     N inputs (default 20000)
 */
#include "../fuzz/fuzz_json_resume.c"

static uint32_t st = 2463534242u;
static uint32_t next(void) { return rnd(&st); }

/* A valid-looking document: an array of objects of a few members. */
static size_t make_records(uint8_t *b, size_t cap)
{
    size_t n = 0;
    b[n++] = OP_ARR;
    while (n + 40 < cap && (next() & 31u) != 0) {
        b[n++] = OP_OBJ;
        for (unsigned m = next() % 4u; m-- != 0 && n + 30 < cap;) {
            b[n++] = OP_KEY;
            b[n++] = 3;
            b[n++] = 'k';
            b[n++] = (uint8_t)('a' + next() % 26u);
            b[n++] = (uint8_t)(next() & 1u ? '"' : 'z');
            uint8_t kinds[] = {OP_INT, OP_UINT, OP_DBL, OP_STR, OP_BOOL, OP_NULL, OP_LONG_STR};
            uint8_t k = kinds[next() % sizeof kinds];
            b[n++] = (uint8_t)(k | ((next() % 8u) << 4)); /* scales 8..15: some in range */
            if (k == OP_STR) {
                b[n++] = 5;
                for (int j = 0; j < 5; j++) {
                    b[n++] = (uint8_t)(next() % 3u == 0 ? next() % 32u : 'a' + next() % 26u);
                }
            } else if (k == OP_LONG_STR) {
                b[n++] = (uint8_t)(next() % 64u);
                b[n++] = (uint8_t)(next() & 1u ? '\n' : 'q');
            } else if (k != OP_NULL) {
                for (int j = 0; j < 8; j++) {
                    b[n++] = (uint8_t)next();
                }
            }
        }
        b[n++] = OP_OBJ_END;
    }
    b[n++] = OP_ARR_END;
    return n;
}

int main(int argc, char **argv)
{
    static uint8_t in[8192];
    long runs = argc > 1 ? atol(argv[1]) : 20000;
    for (long r = 0; r < runs; r++) {
        for (int j = 0; j < 4; j++) {
            in[j] = (uint8_t)next();
        }
        size_t n;
        if (r & 1) {
            n = 4 + make_records(in + 4, sizeof in - 4);
        } else {
            n = 4 + next() % (sizeof in - 4);
            for (size_t j = 4; j < n; j++) {
                in[j] = (uint8_t)next();
            }
        }
        LLVMFuzzerTestOneInput(in, n);
    }
    printf("%ld documents written in one piece and in random pieces: identical\n", runs);
    return 0;
}
