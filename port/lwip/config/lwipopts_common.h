/*
 * lwipopts_common.h - lwIP options shared by emhttp's two lwIP builds
 * (config/nosys: NO_SYS=1 super-loop; config/sys: NO_SYS=0 with the tcpip
 * thread).  Sized like a small microcontroller: static pools and heap,
 * IPv4 (IPv6 with -DLWIP_IPV6=1), TCP, UDP for DNS, Ethernet + ARP.
 */
#ifndef EMHTTP_LWIPOPTS_COMMON_H
#define EMHTTP_LWIPOPTS_COMMON_H

/* ---- memory: lwIP's own static heap and pools, no malloc ---------------- */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#if defined(__LP64__)
#define MEM_ALIGNMENT 8 /* pointers in pbufs and pcbs: 64-bit hosts */
#else
#define MEM_ALIGNMENT 4
#endif
#define MEM_SIZE (16 * 1024) /* TCP_WRITE_FLAG_COPY segments live here */
#define MEMP_NUM_PBUF 8
#define MEMP_NUM_UDP_PCB 4
#define MEMP_NUM_TCP_PCB 4 /* TIME_WAIT pcbs are recycled when short */
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 32
#define PBUF_POOL_SIZE 16 /* one full-sized frame per pbuf */

/* ---- protocols ------------------------------------------------------------ */
#define LWIP_ETHERNET 1
#define LWIP_ARP 1
#define LWIP_IPV4 1
#ifndef LWIP_IPV6
#define LWIP_IPV6 0
#endif
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_SINGLE_NETIF 1
#define LWIP_NETIF_LINK_CALLBACK 0

/* ---- TCP ------------------------------------------------------------------ */
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define LWIP_CALLBACK_API 1
/* Keepalive interval and count per pcb: the port sets them from
 * CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S / _CNT (without it, lwIP's defaults:
 * 75 s, 9 probes). */
#define LWIP_TCP_KEEPALIVE 1
/* Out-of-order segments are kept, but never more than a few pbufs per
 * connection: a peer sending tiny segments (one pool pbuf each) must not
 * drain the pool that every received frame needs. */
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_PBUFS 4
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
/* Random initial sequence numbers (lwIP's default is a counter). */
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) ((u32_t)LWIP_RAND())

/* ---- DNS ------------------------------------------------------------------ */
#define LWIP_DNS 1
#define DNS_MAX_TTL 0 /* lwIP keeps no answer: emhttp's core caches (port.h) */
#define DNS_TABLE_SIZE 4
#define DNS_MAX_SERVERS 1
/* A query started after a cancelled one for the same name goes on the
 * wire at once instead of joining the old one's retry schedule (lwIP's
 * default NO_MULTIPLE_OUTSTANDING would make it wait up to seconds). */
#define LWIP_DNS_SECURE (LWIP_DNS_SECURE_RAND_XID | LWIP_DNS_SECURE_RAND_SRC_PORT)

/* ---- statistics (the tests read lwip_stats.memp[MEMP_PBUF_POOL]) ---------- */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MEMP_STATS 1
#define MEM_STATS 1
#define TCP_STATS 1
#define LINK_STATS 1

#endif /* EMHTTP_LWIPOPTS_COMMON_H */
