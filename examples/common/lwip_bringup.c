/* lwip_bringup.c - board, lwIP and emhttp's lwIP port (lwip_bringup.h). */
#include "lwip_bringup.h"

#include "board.h"
#include "lwip/dns.h"
#include "lwip/init.h"

/* The port's wait(): the board sleeps (WFI) until a frame or a timer. */
static void sleep_hook(void *arg, uint32_t max_ms)
{
    board_sleep(arg, max_ms);
}

int lwip_bringup(struct netif *netif, emhttp_lwip *net)
{
    int rc;

    board_init();
    lwip_init();
    board_netif_add(netif);
    dns_setserver(0, board_dns_server());
    rc = emhttp_lwip_init(net);
    if (rc == EMHTTP_OK) {
        emhttp_lwip_set_idle(net, sleep_hook, netif);
    }
    return rc;
}
