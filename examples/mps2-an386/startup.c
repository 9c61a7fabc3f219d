/*
 * startup.c - vector table and reset handler of the MPS2-AN386 image
 * (Cortex-M4F): copy .data, zero .bss, paint the stack, turn the FPU on,
 * run main(), report its status through semihosting.
 */
#include <stdint.h>
#include <string.h>

#include "mps2.h"
#include "semihost.h"

extern uint32_t __data_start__[], __data_end__[], __data_load__[];
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __stack_bottom__[], __stack_top__[];

int main(void);
void Reset_Handler(void);
void SysTick_Handler(void);
void ETH_IRQHandler(void);

#define STACK_PAINT 0xa5a5a5a5u
#define SCB_CPACR (*(volatile uint32_t *)0xe000ed88u)
#define SCB_CFSR (*(volatile uint32_t *)0xe000ed28u)
#define SCB_HFSR (*(volatile uint32_t *)0xe000ed2cu)
#define SCB_MMFAR (*(volatile uint32_t *)0xe000ed34u)
#define SCB_BFAR (*(volatile uint32_t *)0xe000ed38u)

static void fault(const char *what)
{
    con_printf("FAULT: %s CFSR=0x%08lx HFSR=0x%08lx MMFAR=0x%08lx BFAR=0x%08lx\n", what,
               (unsigned long)SCB_CFSR, (unsigned long)SCB_HFSR, (unsigned long)SCB_MMFAR,
               (unsigned long)SCB_BFAR);
    sh_exit(3);
}

static void NMI_Handler(void) { fault("NMI"); }
static void HardFault_Handler(void) { fault("HardFault"); }
static void MemManage_Handler(void) { fault("MemManage"); }
static void BusFault_Handler(void) { fault("BusFault"); }
static void UsageFault_Handler(void) { fault("UsageFault"); }
static void Unused_Handler(void) { fault("unexpected interrupt"); }

/* Cortex-M4: 16 system exceptions, then the board's interrupts; the
 * LAN9118 is external interrupt 13 on the AN385/AN386 images. */
#define ETH_IRQ 13
typedef void (*vector)(void);
__attribute__((section(".vectors"), used)) static const vector vectors[16 + 32] = {
    [0] = (vector)(uintptr_t)__stack_top__,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [7 ... 10] = Unused_Handler,
    [11] = Unused_Handler, /* SVCall */
    [12] = Unused_Handler, /* DebugMon */
    [13] = Unused_Handler,
    [14] = Unused_Handler, /* PendSV */
    [15] = SysTick_Handler,
    [16 ... 16 + ETH_IRQ - 1] = Unused_Handler,
    [16 + ETH_IRQ] = ETH_IRQHandler,
    [16 + ETH_IRQ + 1 ... 16 + 31] = Unused_Handler,
};

size_t board_stack_size(void)
{
    return (size_t)((uintptr_t)__stack_top__ - (uintptr_t)__stack_bottom__);
}

size_t board_stack_peak(void)
{
    const uint32_t *p = __stack_bottom__;

    while (p < __stack_top__ && *p == STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)__stack_top__ - (uintptr_t)p);
}

__attribute__((noreturn, naked)) void Reset_Handler(void)
{
    /* Paint the stack below the few bytes this handler uses, in assembly
     * (a C loop would itself live on the stack it paints). */
    __asm__ volatile(
        "ldr r0, =__stack_bottom__\n"
        "mov r1, sp\n"
        "sub r1, r1, #64\n"
        "ldr r2, =0xa5a5a5a5\n"
        "1: cmp r0, r1\n"
        "bhs 2f\n"
        "str r2, [r0], #4\n"
        "b 1b\n"
        "2: b reset_c\n");
}

__attribute__((noreturn, used)) void reset_c(void);
__attribute__((noreturn, used)) void reset_c(void)
{
    uint32_t *src = __data_load__, *dst = __data_start__;

    while (dst < __data_end__) {
        *dst++ = *src++;
    }
    for (dst = __bss_start__; dst < __bss_end__; dst++) {
        *dst = 0;
    }
    /* CP10 and CP11 full access: the FPU (-mfloat-abi=hard). */
    SCB_CPACR |= 0xfu << 20;
    __asm__ volatile("dsb\n isb" ::: "memory");
    sh_exit(main());
}
