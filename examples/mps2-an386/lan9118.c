/*
 * lan9118.c - the LAN9118 netif driver (see lan9118.h).
 */
#include "lan9118.h"

#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"

/* System control and status registers (byte offsets). */
#define RX_DATA_FIFO 0x00
#define TX_DATA_FIFO 0x20
#define RX_STATUS_FIFO 0x40
#define TX_STATUS_FIFO 0x48
#define ID_REV 0x50
#define IRQ_CFG 0x54
#define INT_STS 0x58
#define INT_EN 0x5c
#define BYTE_TEST 0x64
#define FIFO_INT 0x68
#define RX_CFG 0x6c
#define TX_CFG 0x70
#define HW_CFG 0x74
#define RX_FIFO_INF 0x7c
#define TX_FIFO_INF 0x80
#define PMT_CTRL 0x84
#define MAC_CSR_CMD 0xa4
#define MAC_CSR_DATA 0xa8

#define IRQ_CFG_EN (1u << 8)
#define IRQ_CFG_POL_HIGH (1u << 4)
#define IRQ_CFG_PUSH_PULL (1u << 0)
#define INT_RSFL (1u << 3) /* RX status FIFO above its level */
#define HW_CFG_SRST (1u << 0)
#define PMT_CTRL_READY (1u << 0)
#define TX_CFG_TX_ON (1u << 1)
#define CSR_BUSY (1u << 31)
#define CSR_READ (1u << 30)

/* MAC registers, reached through MAC_CSR_CMD / MAC_CSR_DATA. */
#define MAC_CR 1
#define MAC_ADDRH 2
#define MAC_ADDRL 3
#define MAC_CR_FDPX (1u << 20)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_RXEN (1u << 2)

/* TX command words. */
#define TXA_FIRST (1u << 13)
#define TXA_LAST (1u << 12)
/* RX status word. */
#define RXS_LEN(s) (((s) >> 16) & 0x3fffu)
#define RXS_ERROR (1u << 15)

#define FRAME_MAX 1536u
#define POLL_LIMIT 100000u

/* Bounce buffer shared by both directions (the loop never overlaps them). */
static uint32_t frame[FRAME_MAX / 4];

static inline uint32_t rd(const lan9118 *d, uint32_t off)
{
    return d->regs[off / 4];
}

static inline void wr(const lan9118 *d, uint32_t off, uint32_t v)
{
    d->regs[off / 4] = v;
}

static int csr_wait(const lan9118 *d)
{
    for (uint32_t i = 0; i < POLL_LIMIT; i++) {
        if ((rd(d, MAC_CSR_CMD) & CSR_BUSY) == 0) {
            return 0;
        }
    }
    return -1;
}

static uint32_t mac_read(const lan9118 *d, uint32_t reg)
{
    (void)csr_wait(d);
    wr(d, MAC_CSR_CMD, CSR_BUSY | CSR_READ | reg);
    (void)csr_wait(d);
    return rd(d, MAC_CSR_DATA);
}

static void mac_write(const lan9118 *d, uint32_t reg, uint32_t v)
{
    (void)csr_wait(d);
    wr(d, MAC_CSR_DATA, v);
    wr(d, MAC_CSR_CMD, CSR_BUSY | reg);
    (void)csr_wait(d);
}

int lan9118_init(lan9118 *dev)
{
    uint32_t i, lo, hi;

    memset(dev, 0, sizeof *dev);
    dev->regs = (volatile uint32_t *)LAN9118_BASE;
    if (rd(dev, BYTE_TEST) != 0x87654321u || (rd(dev, ID_REV) >> 16) != 0x0118u) {
        return -1;
    }
    wr(dev, HW_CFG, HW_CFG_SRST);
    for (i = 0; i < POLL_LIMIT && (rd(dev, HW_CFG) & HW_CFG_SRST); i++) {
    }
    for (i = 0; i < POLL_LIMIT && !(rd(dev, PMT_CTRL) & PMT_CTRL_READY); i++) {
    }
    if (i == POLL_LIMIT) {
        return -1;
    }
    /* The MAC address the chip loaded from its EEPROM (QEMU: -nic ...,mac=). */
    lo = mac_read(dev, MAC_ADDRL);
    hi = mac_read(dev, MAC_ADDRH);
    for (i = 0; i < 4; i++) {
        dev->mac[i] = (uint8_t)(lo >> (8 * i));
    }
    dev->mac[4] = (uint8_t)hi;
    dev->mac[5] = (uint8_t)(hi >> 8);
    /* Own address and broadcast only (reset leaves it promiscuous). */
    mac_write(dev, MAC_CR, MAC_CR_FDPX | MAC_CR_TXEN | MAC_CR_RXEN);
    wr(dev, TX_CFG, TX_CFG_TX_ON);
    wr(dev, RX_CFG, 0);           /* no offset or end padding */
    wr(dev, FIFO_INT, 0x48000000u); /* RX status level 0: any frame interrupts */
    wr(dev, INT_STS, 0xffffffffu);
    wr(dev, INT_EN, INT_RSFL);
    /* Active-high push-pull: the line is asserted only while INT_RSFL is
     * pending (the reset default reads as asserted). */
    wr(dev, IRQ_CFG, IRQ_CFG_EN | IRQ_CFG_POL_HIGH | IRQ_CFG_PUSH_PULL);
    /* NVIC: enable external interrupt 13. */
    *(volatile uint32_t *)0xe000e100u = 1u << 13;
    return 0;
}

void lan9118_irq(lan9118 *dev)
{
    wr(dev, INT_STS, INT_RSFL); /* acknowledge: the loop reads the frames */
    dev->rx_irq = true;
}

bool lan9118_pending(const lan9118 *dev)
{
    return dev->rx_irq || ((rd(dev, RX_FIFO_INF) >> 16) & 0xffu) != 0;
}

static err_t linkoutput(struct netif *netif, struct pbuf *p)
{
    lan9118 *dev = netif->state;
    uint32_t len = p->tot_len, words = (len + 3) / 4;

    if (len > FRAME_MAX || (rd(dev, TX_FIFO_INF) & 0xffffu) < len + 8) {
        dev->tx_dropped++;
        LINK_STATS_INC(link.drop);
        return ERR_IF;
    }
    (void)pbuf_copy_partial(p, frame, (u16_t)len, 0);
    wr(dev, TX_DATA_FIFO, TXA_FIRST | TXA_LAST | len);
    wr(dev, TX_DATA_FIFO, (dev->tx_frames & 0xffffu) << 16 | len); /* tag, length */
    for (uint32_t i = 0; i < words; i++) {
        wr(dev, TX_DATA_FIFO, frame[i]);
    }
    /* Drain the TX status FIFO (one word per frame sent). */
    while ((rd(dev, TX_FIFO_INF) >> 16) & 0xffu) {
        (void)rd(dev, TX_STATUS_FIFO);
    }
    dev->tx_frames++;
    LINK_STATS_INC(link.xmit);
    return ERR_OK;
}

void lan9118_poll(lan9118 *dev, struct netif *netif)
{
    dev->rx_irq = false;
    while ((rd(dev, RX_FIFO_INF) >> 16) & 0xffu) {
        uint32_t status = rd(dev, RX_STATUS_FIFO);
        uint32_t len = RXS_LEN(status); /* with the 4-byte FCS */
        uint32_t words = (len + 3) / 4;
        struct pbuf *p = NULL;

        if (len > FRAME_MAX || len < 18) { /* cannot happen: read it out anyway */
            for (uint32_t i = 0; i < words; i++) {
                (void)rd(dev, RX_DATA_FIFO);
            }
            dev->rx_dropped++;
            continue;
        }
        for (uint32_t i = 0; i < words; i++) {
            frame[i] = rd(dev, RX_DATA_FIFO);
        }
        if (status & RXS_ERROR) {
            dev->rx_dropped++;
            LINK_STATS_INC(link.err);
            continue;
        }
        p = pbuf_alloc(PBUF_RAW, (u16_t)(len - 4), PBUF_POOL);
        if (p == NULL) {
            dev->rx_dropped++;
            LINK_STATS_INC(link.memerr);
            continue;
        }
        (void)pbuf_take(p, frame, (u16_t)(len - 4));
        dev->rx_frames++;
        LINK_STATS_INC(link.recv);
        if (netif->input(p, netif) != ERR_OK) {
            pbuf_free(p);
        }
    }
}

err_t lan9118_netif_init(struct netif *netif)
{
    lan9118 *dev = netif->state;

    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, dev->mac, ETH_HWADDR_LEN);
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                   NETIF_FLAG_LINK_UP;
    netif->output = etharp_output;
    netif->linkoutput = linkoutput;
    return ERR_OK;
}
