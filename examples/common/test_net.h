/*
 * test_net.h - the static addresses of the boards the tests run
 * (examples/lwip/board_tap.c, examples/mps2-an386/board.c): the device is
 * 192.0.2.2/24, gateway and DNS server 192.0.2.1 (the test's network
 * namespace; a product takes them from DHCP).
 */
#ifndef EXAMPLE_TEST_NET_H
#define EXAMPLE_TEST_NET_H

#include "lwip/ip_addr.h"
#include "lwip/netif.h"

/** netif_add() @p netif (its driver: @p state, @p init; input
 *  ethernet_input) with the test network's addresses, make it the default
 *  and bring it up. */
void test_net_add(struct netif *netif, void *state, netif_init_fn init);

/** The DNS server: 192.0.2.1. */
const ip_addr_t *test_net_dns(void);

#endif /* EXAMPLE_TEST_NET_H */
