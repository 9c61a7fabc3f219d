/*
 * lwip_bringup.h - the start of both lwIP super-loop examples
 * (examples/lwip/main.c, examples/mps2-an386/main.c): the board, lwIP,
 * the board's Ethernet interface and DNS server (examples/lwip/board.h),
 * then emhttp's lwIP port, which sleeps in board_sleep() when the loop
 * waits.
 */
#ifndef EXAMPLE_LWIP_BRINGUP_H
#define EXAMPLE_LWIP_BRINGUP_H

#include "emhttp/port_lwip.h"
#include "lwip/netif.h"

/** board_init(), lwip_init(), board_netif_add(@p netif), the DNS server,
 *  emhttp_lwip_init(@p net) with board_sleep(@p netif) as its idle hook.
 *  Returns emhttp_lwip_init()'s code (EMHTTP_OK).  Call once, first. */
int lwip_bringup(struct netif *netif, emhttp_lwip *net);

#endif /* EXAMPLE_LWIP_BRINGUP_H */
