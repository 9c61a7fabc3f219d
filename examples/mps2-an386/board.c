/*
 * board.c - the MPS2-AN386 board for examples/lwip/board.h: SysTick as
 * the millisecond clock (sys_now), the LAN9118 as lwIP's netif, WFI as the
 * sleep, plus the instruction meter of mps2.h.
 *
 * Addresses: the device is 192.0.2.2/24, gateway and DNS server 192.0.2.1
 * (the test's namespace; a product takes them from DHCP).
 */
#include <string.h>

#include "board.h"
#include "lan9118.h"
#include "lwip/sys.h"
#include "mps2.h"
#include "semihost.h"
#include "test_net.h" /* examples/common: 192.0.2.2/24, gateway and DNS .1 */

#define SYST_CSR (*(volatile uint32_t *)0xe000e010u)
#define SYST_RVR (*(volatile uint32_t *)0xe000e014u)
#define SYST_CVR (*(volatile uint32_t *)0xe000e018u)
#define SCB_ICSR (*(volatile uint32_t *)0xe000ed04u)
#define ICSR_PENDSTSET (1u << 26)

static volatile uint32_t ms_count;
static uint64_t idle_ticks;
static lan9118 eth;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    ms_count++;
}

void ETH_IRQHandler(void);
void ETH_IRQHandler(void)
{
    lan9118_irq(&eth);
}

uint64_t board_ticks(void)
{
    uint32_t primask, ms, val;

    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    ms = ms_count;
    val = SYST_CVR;
    /* A wrap not yet counted by the (masked) interrupt: read again after
     * it, so value and count belong together. */
    if (SCB_ICSR & ICSR_PENDSTSET) {
        val = SYST_CVR;
        ms++;
    }
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
    return (uint64_t)ms * MPS2_TICKS_PER_MS + (MPS2_TICKS_PER_MS - 1u - val);
}

uint64_t board_idle_ticks(void)
{
    return idle_ticks;
}

uint32_t sys_now(void)
{
    return ms_count;
}

uint32_t board_eth_drops(void)
{
    return eth.rx_dropped + eth.tx_dropped;
}

void board_panic(const char *why)
{
    con_printf("PANIC: %s\n", why);
    sh_exit(2);
}

/* lwIP's LWIP_RAND (arch/cc.h): ports, TCP initial sequence numbers, DNS
 * ids.  From the entropy source (test only here: see entropy.c). */
uint32_t lwip_port_rand(void)
{
    uint32_t r = 0;
    size_t n = 0;

    if (board_entropy(NULL, (unsigned char *)&r, sizeof r, &n) != 0 || n != sizeof r) {
        board_panic("no entropy for LWIP_RAND");
    }
    return r;
}

void board_init(void)
{
    SYST_RVR = MPS2_TICKS_PER_MS - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
    if (lan9118_init(&eth) != 0) {
        board_panic("no LAN9118 at 0x40200000");
    }
}

void board_netif_add(struct netif *netif)
{
    test_net_add(netif, &eth, lan9118_netif_init);
    netif_set_link_up(netif);
}

const ip_addr_t *board_dns_server(void)
{
    return test_net_dns();
}

void board_netif_poll(struct netif *netif)
{
    lan9118_poll(&eth, netif);
}

/* Sleep until an interrupt: the LAN9118's (a frame arrived) or SysTick's
 * (the next millisecond).  With interrupts masked, check that no frame
 * came in since the last poll, then WFI: a pending interrupt still wakes
 * it, so no frame is left waiting for the next tick.  max_ms is not
 * needed: SysTick wakes the loop every millisecond. */
void board_sleep(struct netif *netif, uint32_t max_ms)
{
    uint64_t t0;

    (void)netif;
    if (max_ms == 0) {
        return;
    }
    t0 = board_ticks();
    __asm__ volatile("cpsid i" ::: "memory");
    if (!lan9118_pending(&eth)) {
        __asm__ volatile("dsb\n wfi" ::: "memory");
    }
    __asm__ volatile("cpsie i\n isb" ::: "memory");
    idle_ticks += board_ticks() - t0;
}
