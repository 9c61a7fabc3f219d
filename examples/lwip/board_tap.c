/*
 * board_tap.c - the "board" of examples/lwip on a Linux host: a tap device
 * (port/lwip/host/tapif.c) as the Ethernet interface, poll() as the sleep.
 *
 * The tap (default emtap0, or $EMHTTP_TAP) must exist with the host side
 * at 192.0.2.1/24; tests/lwip/test_lwip.py sets one up in a private
 * network namespace.  The device is 192.0.2.2, gateway and DNS 192.0.2.1.
 */
#define _GNU_SOURCE 1

#include <stdio.h>
#include <stdlib.h>

#include "board.h"
#include "tapif.h"
#include "test_net.h" /* examples/common: 192.0.2.2/24, gateway and DNS .1 */

static emhttp_tapif tap;

void board_init(void)
{
    const char *name = getenv("EMHTTP_TAP");

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (emhttp_tapif_open(&tap, name != NULL ? name : "emtap0", 10000) != 0) {
        exit(3);
    }
}

void board_netif_add(struct netif *netif)
{
    test_net_add(netif, &tap, emhttp_tapif_netif_init);
}

const ip_addr_t *board_dns_server(void)
{
    return test_net_dns();
}

void board_netif_poll(struct netif *netif)
{
    (void)emhttp_tapif_poll(netif);
}

void board_sleep(struct netif *netif, uint32_t max_ms)
{
    if (max_ms > 0) {
        (void)emhttp_tapif_wait(netif, max_ms);
    }
}
