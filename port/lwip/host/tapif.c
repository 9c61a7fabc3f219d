/*
 * tapif.c - lwIP over a Linux tap device, sys_now() and a per-run seeded
 * LWIP_RAND for host builds (see tapif.h).  Host test support only.
 */
#define _GNU_SOURCE 1

#include "tapif.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "netif/ethernet.h"
#if LWIP_IPV6
#include "lwip/ethip6.h"
#endif

#define MAX_FRAME 1600 /* MTU 1500 + Ethernet header, with room to spare */

/* ---- clock and random numbers --------------------------------------------- */

static uint64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#if NO_SYS
/* lwIP's clock on a NO_SYS build (the unix sys_arch.c has its own). */
u32_t sys_now(void)
{
    return (u32_t)mono_ms();
}
#endif

static uint64_t rand_state, rand_seed;
static int rand_seeded;

static void rand_init(void)
{
    const char *env = getenv("EMHTTP_LWIP_SEED");

    if (env != NULL && *env != '\0') {
        rand_seed = strtoull(env, NULL, 0);
    } else if (getrandom(&rand_seed, sizeof rand_seed, 0) != (ssize_t)sizeof rand_seed) {
        rand_seed = mono_ms() ^ ((uint64_t)getpid() << 32);
    }
    rand_state = rand_seed;
    rand_seeded = 1;
}

/* splitmix64; lwIP calls it with its core lock held (or from the loop). */
uint32_t lwip_port_rand(void)
{
    uint64_t z;

    if (!rand_seeded) {
        rand_init();
    }
    z = (rand_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 16);
}

uint64_t emhttp_tapif_rand_seed(void)
{
    if (!rand_seeded) {
        rand_init();
    }
    return rand_seed;
}

/* ---- waiting for the tap to run ---------------------------------------------- */

static int link_running(const char *name)
{
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int ok;

    if (s < 0) {
        return -1;
    }
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    ok = ioctl(s, SIOCGIFFLAGS, &ifr);
    close(s);
    if (ok < 0) {
        return -1;
    }
    return (ifr.ifr_flags & IFF_RUNNING) != 0;
}

/* A netlink socket that hears about every link change. */
static int link_events(void)
{
    struct sockaddr_nl sa;
    int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

    if (nl < 0) {
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = RTMGRP_LINK;
    if (bind(nl, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(nl);
        return -1;
    }
    return nl;
}

static void drain(int fd)
{
    char buf[4096];

    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
}

/* Subscribe first, then check: a change between the two is not missed. */
static int wait_running(const char *name, uint32_t timeout_ms)
{
    uint64_t deadline = mono_ms() + timeout_ms;
    int nl = link_events();
    int up;

    if (nl < 0) {
        perror("tapif: netlink");
        return -1;
    }
    while ((up = link_running(name)) == 0) {
        uint64_t now = mono_ms();
        struct pollfd pfd = {nl, POLLIN, 0};
        if (now >= deadline) {
            break;
        }
        (void)poll(&pfd, 1, (int)(deadline - now));
        drain(nl);
    }
    close(nl);
    if (up != 1) {
        fprintf(stderr, "tapif: %s is not running after %u ms\n", name, (unsigned)timeout_ms);
        return -1;
    }
    return 0;
}

/* ---- the device ------------------------------------------------------------- */

static int attach(const char *name)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        perror("tapif: /dev/net/tun");
        return -1;
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        fprintf(stderr, "tapif: TUNSETIFF %s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int emhttp_tapif_open(emhttp_tapif *t, const char *name, uint32_t timeout_ms)
{
    memset(t, 0, sizeof *t);
    t->fd = attach(name);
    if (t->fd < 0) {
        return -1;
    }
    if (wait_running(name, timeout_ms) != 0) {
        emhttp_tapif_close(t);
        return -1;
    }
    return 0;
}

void emhttp_tapif_close(emhttp_tapif *t)
{
    if (t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
    }
}

/* lwIP -> tap: one write() per frame.  tcpip thread / super-loop. */
static err_t tap_output(struct netif *netif, struct pbuf *p)
{
    emhttp_tapif *t = netif->state;
    uint8_t frame[MAX_FRAME];
    u16_t len = p->tot_len < sizeof frame ? p->tot_len : (u16_t)sizeof frame;
    ssize_t n;

    pbuf_copy_partial(p, frame, len, 0);
    do {
        n = write(t->fd, frame, len);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)len) {
        t->tx_dropped++; /* like a full transmit ring: TCP retransmits */
        return ERR_OK;
    }
    t->tx_frames++;
    return ERR_OK;
}

err_t emhttp_tapif_netif_init(struct netif *netif)
{
    static const u8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

    netif->name[0] = 't';
    netif->name[1] = 'p';
    netif->linkoutput = tap_output;
#if LWIP_IPV4
    netif->output = etharp_output;
#endif
#if LWIP_IPV6
    netif->output_ip6 = ethip6_output;
#endif
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, mac, sizeof mac);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
                   NETIF_FLAG_LINK_UP;
    return ERR_OK;
}

/* One frame into a pool pbuf and up the stack; dropped (and counted)
 * when the pool is empty or the input queue refuses it. */
static void deliver(struct netif *netif, const uint8_t *frame, u16_t len)
{
    emhttp_tapif *t = netif->state;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);

    if (p == NULL) {
        t->rx_dropped++;
        return;
    }
    pbuf_take(p, frame, len);
    if (netif->input(p, netif) != ERR_OK) {
        pbuf_free(p);
        t->rx_dropped++;
        return;
    }
    t->rx_frames++;
}

int emhttp_tapif_poll(struct netif *netif)
{
    emhttp_tapif *t = netif->state;
    uint8_t frame[MAX_FRAME];
    int frames = 0;

    for (;;) {
        ssize_t n = read(t->fd, frame, sizeof frame);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return frames; /* EAGAIN: nothing more pending */
        }
        deliver(netif, frame, (u16_t)n);
        frames++;
    }
}

int emhttp_tapif_wait(struct netif *netif, uint32_t timeout_ms)
{
    emhttp_tapif *t = netif->state;
    struct pollfd pfd = {t->fd, POLLIN, 0};
    int ms = timeout_ms > 60000u ? 60000 : (int)timeout_ms;

    return poll(&pfd, 1, ms) > 0;
}
