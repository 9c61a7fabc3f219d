/*
 * board.h - what examples/lwip/main.c needs from a board.  On real
 * hardware these wrap the Ethernet driver and the sleep instruction; on a
 * Linux host examples/lwip/board_tap.c implements them with a tap device.
 */
#ifndef EXAMPLE_BOARD_H
#define EXAMPLE_BOARD_H

#include <stdint.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"

/** Clocks, console, the Ethernet MAC: everything before lwip_init(). */
void board_init(void);

/** netif_add() the board's Ethernet interface with its address, make it
 *  the default and bring it up.  After lwip_init(). */
void board_netif_add(struct netif *netif);

/** The DNS server to ask (lwIP's dns_setserver). */
const ip_addr_t *board_dns_server(void);

/** Hand every received frame to lwIP (netif->input). */
void board_netif_poll(struct netif *netif);

/** Sleep until a frame arrives or @p max_ms pass (WFI on a Cortex-M:
 *  the Ethernet and SysTick interrupts wake it). */
void board_sleep(struct netif *netif, uint32_t max_ms);

#endif /* EXAMPLE_BOARD_H */
