/*
 * abi.c - the library's side of emhttp/abi.h.
 */
#include "emhttp/abi.h"

#include "emhttp/error.h"
#include "emhttp/log.h"

int emhttp_abi_check(uint32_t caller_tag, size_t caller_size, size_t lib_size)
{
    if (caller_tag != EMHTTP_ABI_TAG || caller_size != lib_size) {
        EMHTTP_LOG_ERR("caller compiled with other emhttp options than the library",
                       EMHTTP_ERR_CONFIG_MISMATCH);
        return EMHTTP_ERR_CONFIG_MISMATCH;
    }
    return EMHTTP_OK;
}
