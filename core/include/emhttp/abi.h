/*
 * emhttp/abi.h - refuse a caller compiled with other options than the
 * library.
 *
 * Public structs (emhttp_client, emhttp_tls, emhttp_jw) change size and
 * layout with the options of emhttp/opt.h, and the library's behaviour
 * changes with the rest of them.  An application compiled with another
 * emhttp_config.h than the library would link and then corrupt memory.
 * So the init functions of those structs are macros that pass what the
 * caller was compiled with - EMHTTP_ABI_TAG and sizeof the struct - to a
 * checked function in the library, which compares them with its own and
 * returns EMHTTP_ERR_CONFIG_MISMATCH before touching the struct:
 *
 *     #define emhttp_tls_init(t, cfg) \
 *         emhttp_tls_init_checked((t), (cfg), EMHTTP_ABI_TAG, sizeof(emhttp_tls))
 *
 * EMHTTP_ABI_TAG folds the value of every option (EMHTTP_OPTIONS() in
 * opt.h) and EMHTTP_ABI_VERSION into 32 bits; a difference in any single
 * option always changes it.  It is a constant expression, so the check
 * costs the caller two immediate arguments.
 */
#ifndef EMHTTP_ABI_H
#define EMHTTP_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "emhttp/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Raised when a public struct changes layout in a way the options do not
 *  show (a field added or reordered), so old objects are refused too. */
#define EMHTTP_ABI_VERSION 3u /* 2: emhttp_client's small fields first, emhttp_request.flags_ a word;
                                 3: emhttp_client.due_err_ an int, t_resolved_ before rx_req_,
                                    emhttp_parser.state_ an int */

/* ((((v * P ^ o1) * P ^ o2) ...) * P ^ oN): one step per option.  Each step
 * h -> h * P ^ o is a bijection of h (P is odd), so changing one option
 * always changes the result. */
#define EMHTTP_ABI_PRIME_ 16777619u /* FNV-1's 32-bit prime */
#define EMHTTP_ABI_OPEN_(opt) (
#define EMHTTP_ABI_STEP_(opt) * EMHTTP_ABI_PRIME_ ^ (uint32_t)(opt))

/** The options this file was compiled with, as one 32-bit value. */
#define EMHTTP_ABI_TAG \
    ((uint32_t)(EMHTTP_OPTIONS(EMHTTP_ABI_OPEN_) EMHTTP_ABI_VERSION EMHTTP_OPTIONS(EMHTTP_ABI_STEP_)))

/**
 * Compare a caller's compile-time view with the library's.  Called by the
 * checked init functions (not usually by applications).
 * @param caller_tag   EMHTTP_ABI_TAG where the caller was compiled
 * @param caller_size  sizeof the struct where the caller was compiled
 * @param lib_size     sizeof the same struct in the library
 * @return EMHTTP_OK when both match, else EMHTTP_ERR_CONFIG_MISMATCH
 *         (logged at level 1, emhttp/log.h).  Any task may call it.
 */
int emhttp_abi_check(uint32_t caller_tag, size_t caller_size, size_t lib_size);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_ABI_H */
