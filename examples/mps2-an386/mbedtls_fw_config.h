/*
 * mbedtls_fw_config.h - MBEDTLS_USER_CONFIG_FILE of the image's mbedTLS.
 * On top of the project's small-memory configuration (cmake/fetch-mbedtls.sh:
 * static arena, 2 KB records, TLS 1.2 AEAD suites only, ECC window 2) it
 * turns off what needs an operating system: threads, sockets, files, the
 * OS entropy source (board_entropy() is added by emhttp_tls_config.entropy).
 * Time stays on: newlib's time() reads the board's clock (semihost.c:
 * _gettimeofday), so certificate validity is checked.
 */
#undef MBEDTLS_THREADING_C
#undef MBEDTLS_THREADING_PTHREAD
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_HAVEGE_C
#undef MBEDTLS_FS_IO
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
/* No debug output or self tests in the image (they bring printf along). */
#undef MBEDTLS_DEBUG_C
#undef MBEDTLS_SELF_TEST

/* No C library heap or stdio behind mbedTLS (mbedtls_platform.c): the
 * allocator is the static arena (emhttp_tls_arena_init), set before any
 * use; the arena's corruption reports go to the console; and the UTC time
 * comes from newlib's reentrant gmtime_r (its gmtime() would allocate). */
#include <stddef.h>
void *mps2_mbedtls_calloc_unset(size_t n, size_t size);
void mps2_mbedtls_free_unset(void *p);
int mps2_mbedtls_fprintf(void *stream, const char *fmt, ...);
void mps2_mbedtls_exit(int status);
#define MBEDTLS_PLATFORM_STD_CALLOC mps2_mbedtls_calloc_unset
#define MBEDTLS_PLATFORM_STD_FREE mps2_mbedtls_free_unset
#define MBEDTLS_PLATFORM_FPRINTF_MACRO mps2_mbedtls_fprintf
#define MBEDTLS_PLATFORM_EXIT_MACRO mps2_mbedtls_exit
#define MBEDTLS_PLATFORM_GMTIME_R_ALT
