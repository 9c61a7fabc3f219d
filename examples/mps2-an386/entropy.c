/*
 * entropy.c - THE ENTROPY SOURCE OF THIS IMAGE IS FOR TESTING ONLY.
 *
 * The MPS2-AN386 has no true random number generator, so under QEMU the
 * firmware reads the HOST's /dev/urandom through semihosting.  That is
 * fine for a test that runs in an emulator and worthless on hardware (no
 * debugger: bkpt 0xab faults; with a debugger: the "randomness" crosses
 * the debug link).  Everything that needs randomness - mbedTLS's CTR_DRBG
 * seed (emhttp_tls_config.entropy), lwIP's ports, TCP sequence numbers and
 * DNS ids (LWIP_RAND) - comes through board_entropy() below.
 *
 * >>> A board's TRNG plugs in here: replace the body of board_entropy()
 * >>> with reads of its RNG data register (STM32 RNG->DR after RNG->SR
 * >>> DRDY, nRF CRACEN, ESP32 esp_fill_random, ...), checking its health
 * >>> or error flags and returning non-zero when it reports a fault.
 */
#include <string.h>

#include "mps2.h"
#include "semihost.h"

#ifndef MPS2_TEST_ENTROPY
#error "entropy.c is the test-only host entropy of the QEMU image; a board brings its TRNG"
#endif

static uint8_t pool[256];
static size_t pool_left;
static long urandom = -1;

int board_entropy(void *ctx, unsigned char *out, size_t len, size_t *olen)
{
    size_t done = 0;

    (void)ctx;
    while (done < len) {
        if (pool_left == 0) {
            if (urandom < 0) {
                urandom = sh_open_read("/dev/urandom");
            }
            if (urandom < 0 || sh_read(urandom, pool, sizeof pool) != (long)sizeof pool) {
                *olen = done;
                return -1;
            }
            pool_left = sizeof pool;
        }
        size_t n = len - done < pool_left ? len - done : pool_left;
        memcpy(out + done, pool + sizeof pool - pool_left, n);
        memset(pool + sizeof pool - pool_left, 0, n); /* never handed out twice */
        pool_left -= n;
        done += n;
    }
    *olen = done;
    return 0;
}
