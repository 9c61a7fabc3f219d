/*
 * arch/cc.h - emhttp's lwIP architecture header, for the host tests (tap
 * in a network namespace) and the Cortex-M4 cross build.  A board brings
 * its own; this one shows what lwIP needs from it.
 */
#ifndef EMHTTP_LWIP_ARCH_CC_H
#define EMHTTP_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__linux__)
/* The C library has ssize_t; make lwIP's arch.h use it instead of
 * declaring its own (strict C99 hides SSIZE_MAX). */
#include <limits.h>
#include <sys/types.h>
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif
#endif

/* lwIP's fast critical sections (SYS_LIGHTWEIGHT_PROT, NO_SYS=0). */
typedef unsigned int sys_prot_t;

/**
 * Random numbers for lwIP: initial local port, TCP initial sequence
 * numbers (LWIP_HOOK_TCP_ISN in lwipopts.h), DNS ids and source ports.
 * Must differ from run to run (boot to boot): the host support seeds it
 * per run (port/lwip/host/tapif.c); a board uses its hardware RNG.
 * Called with lwIP's core lock held (or from the super-loop).
 */
uint32_t lwip_port_rand(void);
#define LWIP_RAND() ((u32_t)lwip_port_rand())

#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        printf x;             \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                          \
    do {                                                                                 \
        fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
        fflush(NULL);                                                                    \
        abort();                                                                         \
    } while (0)

#endif /* EMHTTP_LWIP_ARCH_CC_H */
