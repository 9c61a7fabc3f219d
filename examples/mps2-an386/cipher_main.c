/*
 * cipher_main.c - mps2_cipher.elf: the cost of TLS 1.2 record protection
 * with AES-128-GCM and with ChaCha20-Poly1305 on the Cortex-M4 (no AES
 * instructions), in the image's own mbedTLS build (the arena configuration
 * of cmake/fetch-mbedtls.sh, compiled like mps2_https.elf).  No network:
 * tests/qemu/test_qemu.py cipher boots it under QEMU -icount shift=0 and
 * reads the figures; tests/bench/cipher_bench.py puts them beside the
 * host's.
 *
 * It runs the known-answer self test of both AEADs (tests/bench/
 * cipher_core.c), then seals and opens records of 200 and 16,384 bytes -
 * a small JSON request and a full TLS record - and prints
 *     figure ipr_<aes|chacha>_<seal|open>_<size> N
 * the instructions per record (board_instr(): 40-instruction resolution,
 * over enough records that it does not matter), the mbedTLS heap the two
 * contexts take, and the main stack's peak.  Exit 0, or 1 when a check or
 * a record failed.
 */
#include <string.h>

#include "board.h"
#include "cipher_core.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mps2.h"
#include "semihost.h"

static unsigned char arena[8192];
static unsigned char plain[CB_MAX_RECORD], sealed[CB_MAX_RECORD + CB_TAG_LEN],
    opened[CB_MAX_RECORD];

static const struct {
    size_t size;
    unsigned count;
} runs[] = {{200, 200}, {16384, 4}};

static int measure(int which)
{
    static const char *const tag[CB_N_AEADS] = {"aes", "chacha"};
    size_t used0, used, blocks;
    cb_aead s, o;
    unsigned r, i;
    int rc;

    mbedtls_memory_buffer_alloc_cur_get(&used0, &blocks);
    if ((rc = cb_setup(&s, which, 1)) != 0 || (rc = cb_setup(&o, which, 0)) != 0) {
        con_printf("%s: setup failed (-0x%04x)\n", cb_name(which), (unsigned)-rc);
        return 1;
    }
    mbedtls_memory_buffer_alloc_cur_get(&used, &blocks);
    con_printf("figure heap_%s %lu\n", tag[which], (unsigned long)(used - used0));
    for (r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        size_t size = runs[r].size;
        unsigned count = runs[r].count;
        uint64_t t0, seal_ticks, open_ticks;

        for (i = 0; i < size; i++) {
            plain[i] = (unsigned char)(i * 31 + 7);
        }
        /* One record first: the open loop needs one to open. */
        if ((rc = cb_seal(&s, plain, size, sealed)) != 0) {
            break;
        }
        t0 = board_ticks();
        rc = cb_seal_loop(&s, plain, size, sealed, count);
        seal_ticks = board_ticks() - t0;
        if (rc != 0) {
            break;
        }
        t0 = board_ticks();
        rc = cb_open_loop(&o, s.seq - 1, sealed, size, opened, count);
        open_ticks = board_ticks() - t0;
        if (rc != 0 || memcmp(opened, plain, size) != 0) {
            rc = rc != 0 ? rc : -1;
            break;
        }
        con_printf("figure ipr_%s_seal_%lu %lu\n", tag[which], (unsigned long)size,
                   (unsigned long)(seal_ticks * MPS2_INSTR_PER_TICK / count));
        con_printf("figure ipr_%s_open_%lu %lu\n", tag[which], (unsigned long)size,
                   (unsigned long)(open_ticks * MPS2_INSTR_PER_TICK / count));
    }
    cb_free(&s);
    cb_free(&o);
    if (rc != 0) {
        con_printf("%s: a record failed (-0x%04x)\n", cb_name(which), (unsigned)-rc);
        return 1;
    }
    return 0;
}

int main(void)
{
    int rc, which, failed = 0;

    board_init(); /* SysTick (the meter); the LAN9118 stays unused */
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
    if ((rc = cb_selftest()) != 0) {
        con_printf("selftest FAILED (check %d)\n", rc);
        return 1;
    }
    con_printf("selftest ok\n");
    for (which = 0; which < CB_N_AEADS; which++) {
        failed |= measure(which);
    }
    con_printf("figure stack_peak %lu\n", (unsigned long)board_stack_peak());
    con_printf("%s\n", failed ? "FAILED" : "SUCCESS");
    return failed;
}
