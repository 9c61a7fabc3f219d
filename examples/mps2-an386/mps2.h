/*
 * mps2.h - the MPS2-AN386 board support beyond examples/lwip/board.h:
 * the SysTick clock, the instruction meter, the stack high-water mark,
 * the entropy source and the fault exit.
 *
 * Clock: SysTick runs from the 25 MHz system clock and interrupts every
 * millisecond (sys_now(), the port's clock).  Under QEMU's -icount shift=0
 * every instruction advances the emulated clock by 1 ns, so one SysTick
 * count (40 ns) is 40 instructions: board_instr() reads the elapsed
 * instructions to 40-instruction resolution.  On real silicon the same
 * counter counts 25 MHz clock ticks, not instructions (use DWT->CYCCNT for
 * cycles there).
 */
#ifndef MPS2_H
#define MPS2_H

#include <stddef.h>
#include <stdint.h>

#define MPS2_SYSCLK_HZ 25000000u
#define MPS2_TICKS_PER_MS (MPS2_SYSCLK_HZ / 1000u)
/** Instructions per SysTick count under -icount shift=0 (1 ns each). */
#define MPS2_INSTR_PER_TICK 40u

/** SysTick clock counts since boot (25 MHz; wraps after 23,000 years). */
uint64_t board_ticks(void);

/** Instructions since boot under -icount shift=0 (board_ticks() * 40). */
static inline uint64_t board_instr(void)
{
    return board_ticks() * MPS2_INSTR_PER_TICK;
}

/** SysTick counts spent asleep in WFI since boot (subtract them from an
 *  interval to count only the instructions executed). */
uint64_t board_idle_ticks(void);

/** Bytes of the main stack ever used since boot (painted in startup.c);
 *  and its size. */
size_t board_stack_peak(void);
size_t board_stack_size(void);

/** Frames the Ethernet driver dropped (no pbuf, bad frame, TX full). */
uint32_t board_eth_drops(void);

/**
 * Entropy for mbedTLS (emhttp_tls_entropy_fn) and lwIP (LWIP_RAND).
 * TEST ONLY: in this image it reads the host's /dev/urandom through
 * semihosting (entropy.c).  A board returns its TRNG's output here.
 */
int board_entropy(void *ctx, unsigned char *out, size_t len, size_t *olen);

/** Print why and end the emulation with status 2. */
__attribute__((noreturn)) void board_panic(const char *why);

#endif /* MPS2_H */
