/*
 * lwipopts.h - lwIP under an RTOS (NO_SYS=0): lwIP runs in its tcpip
 * thread, the emhttp client in another task, which takes the core lock
 * (LOCK_TCPIP_CORE) around every raw API call.  On the host the RTOS is
 * the unix port's sys_arch.c (pthreads) from Debian's lwip source package.
 */
#ifndef EMHTTP_LWIPOPTS_H
#define EMHTTP_LWIPOPTS_H

#define NO_SYS 0
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0
#define SYS_LIGHTWEIGHT_PROT 1 /* the network driver allocates pbufs in its own thread */
#define TCPIP_MBOX_SIZE 32
#define TCPIP_THREAD_STACKSIZE 4096
#define TCPIP_THREAD_PRIO 1
#define MEMP_NUM_TCPIP_MSG_INPKT 16

/* Every raw API call must hold the core lock: lwIP checks it (unix port). */
void sys_check_core_locking(void);
void sys_mark_tcpip_thread(void);
#define LWIP_ASSERT_CORE_LOCKED() sys_check_core_locking()
#define LWIP_MARK_TCPIP_THREAD() sys_mark_tcpip_thread()
/* The unix port's lock functions record the holder for that check. */
void sys_lock_tcpip_core(void);
void sys_unlock_tcpip_core(void);
#define LOCK_TCPIP_CORE() sys_lock_tcpip_core()
#define UNLOCK_TCPIP_CORE() sys_unlock_tcpip_core()

#include "../lwipopts_common.h"

#endif /* EMHTTP_LWIPOPTS_H */
