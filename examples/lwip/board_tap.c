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
#include "lwip/ip4_addr.h"
#include "netif/ethernet.h"
#include "tapif.h"

static emhttp_tapif tap;
static ip_addr_t dns_server;

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
    ip4_addr_t ip, mask, gw;

    IP4_ADDR(&ip, 192, 0, 2, 2);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 192, 0, 2, 1);
    IP_ADDR4(&dns_server, 192, 0, 2, 1);
    netif_add(netif, &ip, &mask, &gw, &tap, emhttp_tapif_netif_init, ethernet_input);
    netif_set_default(netif);
    netif_set_up(netif);
}

const ip_addr_t *board_dns_server(void)
{
    return &dns_server;
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
