/*
 * emhttp/log.h - compile-time log levels and an application log function.
 *
 * emhttp prints nothing itself: a message is a fixed string and a code
 * (an emhttp_err or a number), handed to the function the application
 * sets with emhttp_log_set().  CONFIG_EMHTTP_LOG_LEVEL (emhttp/opt.h)
 * decides at compile time which messages exist:
 *
 *     level  macro             compiled in at CONFIG_EMHTTP_LOG_LEVEL >=
 *     1      EMHTTP_LOG_ERR    1   the request or the setup failed
 *     2      EMHTTP_LOG_WRN    2   unexpected, handled
 *     3      EMHTTP_LOG_INF    3   connection events
 *     4      EMHTTP_LOG_DBG    4   state changes
 *
 * A message above the level is not compiled: no call, no string, and its
 * arguments are not evaluated (as with assert()).  At level 0 (the
 * default) nothing of logging is linked, emhttp_log_set() included.
 *
 *     static void my_log(void *arg, int level, const char *msg, int code)
 *     {
 *         printf("emhttp %d: %s (%d %s)\n", level, msg, code, emhttp_strerror(code));
 *     }
 *     emhttp_log_set(my_log, NULL);   // once, before the other emhttp calls
 */
#ifndef EMHTTP_LOG_H
#define EMHTTP_LOG_H

#include "emhttp/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMHTTP_LOG_LEVEL_ERR 1
#define EMHTTP_LOG_LEVEL_WRN 2
#define EMHTTP_LOG_LEVEL_INF 3
#define EMHTTP_LOG_LEVEL_DBG 4

/**
 * A log function.  It runs in whichever task made the emhttp call that
 * logs (the network loop; the idle task for the outbox), so it must be
 * safe to call from each of them, must not block for long and must not
 * call emhttp functions other than emhttp_strerror().
 * @param arg    the @c arg given to emhttp_log_set()
 * @param level  EMHTTP_LOG_LEVEL_ERR .. _DBG
 * @param msg    static NUL-terminated text ("module: what happened")
 * @param code   an emhttp_err code, or a number the message explains
 */
typedef void (*emhttp_log_fn)(void *arg, int level, const char *msg, int code);

#if CONFIG_EMHTTP_LOG_LEVEL > 0
/**
 * Set the log function (NULL: drop messages, the initial state).  Call it
 * before any other emhttp function, from one task; it is not synchronised
 * with messages being logged.
 */
void emhttp_log_set(emhttp_log_fn fn, void *arg);

/** Hand one message to the log function (use the EMHTTP_LOG_* macros). */
void emhttp_log_write(int level, const char *msg, int code);
#else
#define emhttp_log_set(fn, arg) ((void)(fn), (void)(arg))
#endif

#if CONFIG_EMHTTP_LOG_LEVEL >= EMHTTP_LOG_LEVEL_ERR
#define EMHTTP_LOG_ERR(msg, code) emhttp_log_write(EMHTTP_LOG_LEVEL_ERR, (msg), (code))
#else
#define EMHTTP_LOG_ERR(msg, code) ((void)0)
#endif
#if CONFIG_EMHTTP_LOG_LEVEL >= EMHTTP_LOG_LEVEL_WRN
#define EMHTTP_LOG_WRN(msg, code) emhttp_log_write(EMHTTP_LOG_LEVEL_WRN, (msg), (code))
#else
#define EMHTTP_LOG_WRN(msg, code) ((void)0)
#endif
#if CONFIG_EMHTTP_LOG_LEVEL >= EMHTTP_LOG_LEVEL_INF
#define EMHTTP_LOG_INF(msg, code) emhttp_log_write(EMHTTP_LOG_LEVEL_INF, (msg), (code))
#else
#define EMHTTP_LOG_INF(msg, code) ((void)0)
#endif
#if CONFIG_EMHTTP_LOG_LEVEL >= EMHTTP_LOG_LEVEL_DBG
#define EMHTTP_LOG_DBG(msg, code) emhttp_log_write(EMHTTP_LOG_LEVEL_DBG, (msg), (code))
#else
#define EMHTTP_LOG_DBG(msg, code) ((void)0)
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_LOG_H */
