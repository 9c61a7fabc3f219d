/*
 * lan9118.h - lwIP netif driver for the SMSC LAN9118 (and the register-
 * compatible LAN9220 of real MPS2 boards): 32-bit PIO through its FIFOs,
 * written from the datasheet's register map (checked against QEMU's model).
 *
 * Polled, with the interrupt as a wake-up only: lwIP with NO_SYS=1 must
 * never be entered from an interrupt, so received frames are read and
 * handed to lwIP in the super-loop (lan9118_poll()).  The RX-status
 * interrupt only acknowledges itself and sets a flag, so that WFI ends as
 * soon as a frame arrives rather than at the next SysTick (latency of a
 * tick per exchange otherwise).  No DMA: the chip has none; each frame is
 * copied once between the FIFO and a word-aligned bounce buffer.
 */
#ifndef MPS2_LAN9118_H
#define MPS2_LAN9118_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

#define LAN9118_BASE 0x40200000u

typedef struct lan9118 {
    volatile uint32_t *regs;
    uint8_t mac[6];
    volatile bool rx_irq;    /* set by the interrupt: a frame came in */
    uint32_t rx_frames, tx_frames;
    uint32_t rx_dropped;     /* no pbuf, error status or oversized */
    uint32_t tx_dropped;     /* no room in the TX FIFO */
} lan9118;

/** Reset the chip, read its MAC address, enable TX, RX and the RX-status
 *  interrupt.  @return 0, or -1 when no LAN9118 answers at LAN9118_BASE. */
int lan9118_init(lan9118 *dev);

/** netif_add() init function: @p netif->state is the lan9118. */
err_t lan9118_netif_init(struct netif *netif);

/** Read every received frame into a pbuf and pass it to netif->input. */
void lan9118_poll(lan9118 *dev, struct netif *netif);

/** True when a frame arrived since the last lan9118_poll() (call with
 *  interrupts masked, before WFI). */
bool lan9118_pending(const lan9118 *dev);

/** The interrupt handler's body (external interrupt 13). */
void lan9118_irq(lan9118 *dev);

#endif /* MPS2_LAN9118_H */
