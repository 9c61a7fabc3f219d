/*
 * log.c - the application's log function (emhttp/log.h).  Empty at
 * CONFIG_EMHTTP_LOG_LEVEL 0.
 */
#include "emhttp/log.h"

#include <stddef.h>

#if CONFIG_EMHTTP_LOG_LEVEL > 0
static emhttp_log_fn log_fn;
static void *log_arg;

void emhttp_log_set(emhttp_log_fn fn, void *arg)
{
    log_fn = fn;
    log_arg = arg;
}

void emhttp_log_write(int level, const char *msg, int code)
{
    if (log_fn != NULL) {
        log_fn(log_arg, level, msg, code);
    }
}
#else
typedef int emhttp_log_off; /* ISO C wants a declaration in every file */
#endif
