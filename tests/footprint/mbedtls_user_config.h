/*
 * mbedtls_user_config.h - adapts Debian's mbedTLS 2.28 configuration to a
 * bare-metal target for the compile-only cross check of the TLS glue
 * (footprint.py, full configuration): passed as MBEDTLS_USER_CONFIG_FILE,
 * it turns off what needs an operating system (threads, sockets, files,
 * OS entropy, wall-clock time).
 */
#undef MBEDTLS_THREADING_C
#undef MBEDTLS_THREADING_PTHREAD
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_HAVEGE_C
#undef MBEDTLS_FS_IO
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
#undef MBEDTLS_HAVE_TIME_DATE
#undef MBEDTLS_HAVE_TIME
#define MBEDTLS_NO_PLATFORM_ENTROPY
