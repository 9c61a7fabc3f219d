/*
 * arch/cc.h - lwIP's architecture header for the MPS2-AN386 image
 * (arm-none-eabi-gcc, newlib, little endian).  Found before
 * port/lwip/arch/cc.h, which the host builds use: a firmware has no stdio
 * stream to assert to, so lwIP's diagnostics and assertions go to the
 * board's console and a failed assertion ends the run (board_panic).
 */
#ifndef MPS2_LWIP_ARCH_CC_H
#define MPS2_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdlib.h>

typedef unsigned int sys_prot_t;

uint32_t lwip_port_rand(void);
#define LWIP_RAND() ((u32_t)lwip_port_rand())

void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void board_panic(const char *why);

#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        con_printf x;         \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) board_panic("lwIP assertion: " x)

#endif /* MPS2_LWIP_ARCH_CC_H */
