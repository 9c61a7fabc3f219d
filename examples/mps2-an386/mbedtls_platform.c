/*
 * mbedtls_platform.c - what mbedTLS asks of the platform in this image
 * (see mbedtls_fw_config.h): no heap, no stdio.
 */
#include <stdarg.h>
#include <time.h>

#include "mbedtls/platform.h"
#include "mbedtls/platform_util.h"
#include "mps2.h"
#include "semihost.h"

/* Before emhttp_tls_arena_init() nothing may allocate. */
void *mps2_mbedtls_calloc_unset(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

void mps2_mbedtls_free_unset(void *p)
{
    (void)p;
}

/* The arena's diagnostics (MBEDTLS_MEMORY_DEBUG): the format only - the
 * console's printf does not take every conversion mbedTLS uses. */
int mps2_mbedtls_fprintf(void *stream, const char *fmt, ...)
{
    (void)stream;
    con_printf("mbedTLS: %s", fmt);
    return 0;
}

void mps2_mbedtls_exit(int status)
{
    con_printf("mbedTLS: exit(%d)\n", status);
    sh_exit(2);
}

struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
    time_t t = (time_t)*tt;

    return gmtime_r(&t, tm_buf);
}
