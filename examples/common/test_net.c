/* test_net.c - the test network's static addresses (test_net.h). */
#include "test_net.h"

#include "lwip/ip4_addr.h"
#include "netif/ethernet.h"

static ip_addr_t dns_server;

void test_net_add(struct netif *netif, void *state, netif_init_fn init)
{
    ip4_addr_t ip, mask, gw;

    IP4_ADDR(&ip, 192, 0, 2, 2);
    IP4_ADDR(&mask, 255, 255, 255, 0);
    IP4_ADDR(&gw, 192, 0, 2, 1);
    IP_ADDR4(&dns_server, 192, 0, 2, 1);
    netif_add(netif, &ip, &mask, &gw, state, init, ethernet_input);
    netif_set_default(netif);
    netif_set_up(netif);
}

const ip_addr_t *test_net_dns(void)
{
    return &dns_server;
}
