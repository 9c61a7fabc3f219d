/*
 * lwipopts.h - lwIP for a bare-metal super-loop (NO_SYS=1): lwIP's input,
 * its timers (sys_check_timeouts) and the emhttp client all run in the one
 * loop.  sys_now() comes from the board (host: port/lwip/host/tapif.c).
 */
#ifndef EMHTTP_LWIPOPTS_H
#define EMHTTP_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_TIMERS 1
#define SYS_LIGHTWEIGHT_PROT 0

#include "../lwipopts_common.h"

#endif /* EMHTTP_LWIPOPTS_H */
