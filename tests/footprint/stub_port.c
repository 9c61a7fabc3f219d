/* stub_port.c - see stub_port.h.  Kept as small as a port can be, because
 * its bytes count in the linked footprint. */
#include "stub_port.h"

static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

static uint32_t clock_ms;
static size_t sent_off; /* bytes of the response handed out so far */
static unsigned char asked; /* a request went out: the server answers only then */

static uint32_t stub_now(void *ctx) { (void)ctx; return clock_ms++; }
static int stub_resolve_start(void *ctx, const char *host) { (void)ctx; (void)host; return EMHTTP_OK; }
static int stub_connect_poll(void *ctx) { (void)ctx; return EMHTTP_OK; }
static void stub_nothing(void *ctx) { (void)ctx; } /* resolve_cancel, close */

static int stub_resolve_poll(void *ctx, emhttp_ip_addr *out, size_t max, size_t *n)
{
    (void)ctx;
    (void)max;
    out->family = EMHTTP_AF_INET;
    out->bytes[0] = 192; /* 192.0.2.1, TEST-NET-1 */
    out->bytes[3] = 1;
    *n = 1;
    return EMHTTP_OK;
}

static int stub_connect(void *ctx, const char *host, const emhttp_ip_addr *addr, uint16_t port)
{
    (void)ctx;
    (void)host;
    (void)addr;
    (void)port;
    sent_off = 0;
    asked = 0;
    return EMHTTP_OK;
}

static long stub_send(void *ctx, const uint8_t *buf, size_t len, unsigned flags)
{
    (void)ctx;
    (void)buf;
    (void)flags;
    asked = 1;
    return (long)len;
}

/* A byte loop that GCC must not turn into a memcpy() call: the libc
 * memcpy would count as the library's (core itself avoids it at -Os). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
static long stub_recv(void *ctx, uint8_t *buf, size_t len)
{
    size_t n = asked ? sizeof response - 1 - sent_off : 0;
    (void)ctx;
    if (n > len) {
        n = len;
    }
    for (size_t i = 0; i < n; i++) {
        buf[i] = (uint8_t)response[sent_off + i];
    }
    sent_off += n;
    return (long)n;
}

const emhttp_port_ops stub_ops = {
    stub_now, stub_resolve_start, stub_resolve_poll, stub_nothing, NULL, /* no wait: polled */
};

const emhttp_transport_ops stub_tcp = {
    0, stub_connect, stub_connect_poll, NULL, stub_send, NULL, stub_recv, stub_nothing, NULL,
};
