/*
 * tapif.h - a Linux tap device as lwIP's network interface, plus sys_now()
 * and LWIP_RAND for host builds.  Test support and the host stand-in for
 * a board's Ethernet driver: not part of the firmware port.
 *
 * The tap must exist and be up already (the test fixture creates it with
 * "ip tuntap add dev NAME mode tap" and gives the host side its address);
 * emhttp_tapif_open() attaches to it and waits until the kernel reports it
 * running, so the first frame lwIP sends is not dropped.
 *
 * Tasks: NO_SYS=1: everything from the super-loop.  NO_SYS=0: open before
 * tcpip_init's users need the netif; netif_add() under the core lock;
 * emhttp_tapif_wait() and emhttp_tapif_poll() from one driver thread
 * (netif->input is then tcpip_input); the output function runs in the
 * tcpip thread.
 */
#ifndef EMHTTP_TAPIF_H
#define EMHTTP_TAPIF_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One tap device.  Caller-owned; netif->state points to it. */
typedef struct emhttp_tapif {
    int fd;               /**< /dev/net/tun descriptor, -1 when closed */
    uint32_t rx_frames;   /**< frames fed to lwIP */
    uint32_t rx_dropped;  /**< frames dropped: no pbuf, or input refused */
    uint32_t tx_frames;   /**< frames written to the tap */
    uint32_t tx_dropped;  /**< frames the tap did not take */
} emhttp_tapif;

/**
 * Attach to the existing tap @p name (IFF_TAP | IFF_NO_PI, non-blocking)
 * and wait until it reports IFF_RUNNING, for at most @p timeout_ms (the
 * wait follows the kernel's link notifications; it does not sleep).
 * @return 0, or -1 with a message on stderr (no /dev/net/tun, no such
 *         tap, no permission, timeout).
 */
int emhttp_tapif_open(emhttp_tapif *t, const char *name, uint32_t timeout_ms);

/** Close the descriptor (the tap's carrier goes down). */
void emhttp_tapif_close(emhttp_tapif *t);

/**
 * netif_add() init function: netif->state must be an opened emhttp_tapif.
 * Sets a locally administered MAC, MTU 1500, Ethernet + ARP, and the
 * output functions.
 * @return ERR_OK
 */
err_t emhttp_tapif_netif_init(struct netif *netif);

/**
 * Read every frame pending on the tap and hand each to netif->input.
 * @return frames read (0 when none was pending).
 */
int emhttp_tapif_poll(struct netif *netif);

/**
 * Block until a frame is pending on the tap or @p timeout_ms passes.
 * @return 1 when a frame is pending, 0 on timeout or signal.
 */
int emhttp_tapif_wait(struct netif *netif, uint32_t timeout_ms);

/** The seed of this run's LWIP_RAND (from getrandom(), or the
 *  environment variable EMHTTP_LWIP_SEED to repeat a run). */
uint64_t emhttp_tapif_rand_seed(void);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_TAPIF_H */
