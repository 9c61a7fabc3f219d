/*
 * test_port_posix.c - the POSIX port against real sockets on 127.0.0.1 and
 * ::1 and the real resolver thread.
 *
 * Usage:
 *   test_port_posix               every case that stays on this machine:
 *                                 loopback sockets, IP literals and
 *                                 "localhost" (answered from /etc/hosts)
 *   unshare -rn test_port_posix --dns-fail
 *                                 only the cases that need a name that
 *                                 does not resolve ("*.invalid").  They run
 *                                 only inside an empty network namespace,
 *                                 so no query can leave the machine: the
 *                                 binary checks that 192.0.2.1 and
 *                                 2001:db8::1 are unreachable first and
 *                                 exits 77 (skip) otherwise.
 *   unshare -rn test_port_posix --dns-hang
 *                                 (Linux) the resolver against a DNS server
 *                                 that never answers: in the empty network
 *                                 namespace the binary brings up lo, binds
 *                                 a UDP socket to 127.0.0.1:53 that reads
 *                                 nothing (the black hole), and in a mount
 *                                 namespace of its own puts its own
 *                                 resolv.conf (that server, 30 s timeout),
 *                                 hosts ("localhost" only) and
 *                                 nsswitch.conf ("files dns") over /etc's.
 *                                 Lookups of other names hang in
 *                                 getaddrinfo() until the test answers them
 *                                 (NXDOMAIN) to let the threads end.
 *
 * SIGPIPE keeps its default action on purpose: a send() that raised it
 * would kill the test.  Every wait is bounded, and alarm() ends a stuck run.
 */
#define _POSIX_C_SOURCE 200809L
#ifdef __linux__
#define _GNU_SOURCE 1 /* --dns-hang: unshare(), mount(), struct ifreq */
#endif

#include "emhttp/port_posix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#endif

#include "emhttp/client.h"

#include "check.h"

#define SKIP_CODE 77
#define LONG_MS 10000u  /* "should happen": generous for a loaded CI VM */
#define QUICK_MS 5000u  /* upper bound for something that is immediate */

static emhttp_posix px;
static emhttp_port net;
static emhttp_transport tcp;

/* ---- helpers ------------------------------------------------------------- */

static uint32_t ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000u;
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int setup(void)
{
    int rc = emhttp_posix_init(&px);

    net = emhttp_posix_port(&px);
    tcp = emhttp_posix_tcp(&px);
    return rc;
}

static emhttp_ip_addr loop_addr(int family)
{
    emhttp_ip_addr a;

    memset(&a, 0, sizeof a);
    a.family = (uint8_t)family;
    if (family == EMHTTP_AF_INET) {
        a.bytes[0] = 127;
        a.bytes[3] = 1;
    } else {
        a.bytes[15] = 1;
    }
    return a;
}

static int is_loopback(const emhttp_ip_addr *a)
{
    static const uint8_t v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    if (a->family == EMHTTP_AF_INET)
        return a->bytes[0] == 127;
    return a->family == EMHTTP_AF_INET6 && memcmp(a->bytes, v6, 16) == 0;
}

/* A bound loopback TCP socket on an ephemeral port (listening if asked). */
static int bind_loopback(int family, int do_listen, uint16_t *port)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    socklen_t len = family == EMHTTP_AF_INET ? sizeof *in4 : sizeof *in6;
    int fd = socket(family == EMHTTP_AF_INET ? AF_INET : AF_INET6, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    memset(&ss, 0, sizeof ss);
    if (family == EMHTTP_AF_INET) {
        in4->sin_family = AF_INET;
        in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else {
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || (do_listen && listen(fd, 4) != 0) ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(family == EMHTTP_AF_INET ? in4->sin_port : in6->sin6_port);
    return fd;
}

static int accept_within(int lfd, unsigned ms)
{
    struct pollfd pfd = {lfd, POLLIN, 0};

    if (poll(&pfd, 1, (int)ms) != 1)
        return -1;
    return accept(lfd, NULL, NULL);
}

/* Resolve @p host through the port, waiting (bounded) for the answer. */
static int resolve_wait(const char *host, emhttp_ip_addr *out, size_t max, size_t *n)
{
    uint32_t t0 = ms_now();
    int rc = net.ops->resolve_start(net.ctx, host);

    if (rc != EMHTTP_OK && rc != EMHTTP_PENDING)
        return rc;
    for (;;) {
        rc = net.ops->resolve_poll(net.ctx, out, max, n);
        if (rc != EMHTTP_PENDING || ms_now() - t0 > LONG_MS)
            return rc;
        net.ops->wait(net.ctx, 0, 200);
    }
}

/* Wait (bounded) until no resolver thread runs in the process. */
static int threads_end_within(unsigned ms)
{
    uint32_t t0 = ms_now();

    while (emhttp_posix_resolver_threads() != 0) {
        if (ms_now() - t0 > ms)
            return 0;
        sleep_ms(5);
    }
    return 1;
}

/* Wait (bounded) until a slot of the resolver's query pool is free: loops
 * that abandon lookups faster than the lookups end meet the pool's bound
 * (EMHTTP_ERR_RESOLVER, tested in --dns-hang) otherwise. */
static void wait_free_slot(void)
{
    uint32_t t0 = ms_now();

    while (emhttp_posix_resolver_threads() >= EMHTTP_POSIX_RESOLVER_THREADS &&
           ms_now() - t0 < LONG_MS)
        sleep_ms(1);
}

/* Connect through the port, waiting (bounded) for the outcome. */
static int connect_wait(const emhttp_ip_addr *a, uint16_t port)
{
    uint32_t t0 = ms_now();
    int rc = tcp.ops->connect(tcp.ctx, NULL, a, port);

    while (rc == EMHTTP_PENDING && ms_now() - t0 < LONG_MS) {
        net.ops->wait(net.ctx, EMHTTP_WAIT_WRITE, 200);
        rc = tcp.ops->connect_poll(tcp.ctx);
    }
    return rc;
}

/* Connect the port to a fresh loopback listener; returns the accepted
 * server socket, -1 on failure, -2 when the family is unavailable. */
static int connected_pair(int family)
{
    uint16_t port;
    emhttp_ip_addr a = loop_addr(family);
    int lfd = bind_loopback(family, 1, &port), sfd;

    if (lfd < 0)
        return -2;
    CHECK_EQ_INT(connect_wait(&a, port), EMHTTP_OK);
    sfd = accept_within(lfd, LONG_MS);
    CHECK(sfd >= 0);
    close(lfd);
    return sfd;
}

/* recv through the port until something other than "nothing yet". */
static long recv_wait(uint8_t *buf, size_t len)
{
    uint32_t t0 = ms_now();
    long r;

    for (;;) {
        r = tcp.ops->recv(tcp.ctx, buf, len);
        if (r != 0 || ms_now() - t0 > LONG_MS)
            return r;
        net.ops->wait(net.ctx, EMHTTP_WAIT_READ, 200);
    }
}

/* ---- lifecycle and clock ------------------------------------------------- */

static void test_init_deinit(void)
{
    CHECK_EQ_INT(emhttp_posix_init(NULL), EMHTTP_ERR_PORT);
    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK(net.ctx == &px);
    CHECK(net.ops != NULL && net.ops->now_ms != NULL && net.ops->wait != NULL);
    CHECK_EQ_INT(px.fd_, -1);
    CHECK_EQ_INT(px.query_, -1); /* no query, no thread */
    tcp.ops->close(tcp.ctx);             /* idempotent, even unopened */
    tcp.ops->close(tcp.ctx);
    emhttp_posix_deinit(&px);
    emhttp_posix_deinit(&px); /* twice is harmless */
    emhttp_posix_deinit(NULL);
}

static void test_now_ms(void)
{
    uint32_t a, b;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    a = net.ops->now_ms(net.ctx);
    sleep_ms(50);
    b = net.ops->now_ms(net.ctx);
    CHECK((uint32_t)(b - a) >= 45);
    CHECK((uint32_t)(b - a) < QUICK_MS);
    CHECK((uint32_t)(ms_now() - b) < QUICK_MS); /* same clock as CLOCK_MONOTONIC */
    emhttp_posix_deinit(&px);
}

/* ---- resolver ------------------------------------------------------------ */

static void test_resolve_no_query(void)
{
    emhttp_ip_addr out[2];
    size_t n = 99;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_ERR_DNS);
    CHECK_EQ_INT(n, 0);
    net.ops->resolve_cancel(net.ctx); /* nothing to cancel: harmless */
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_ERR_DNS);
    emhttp_posix_deinit(&px);
}

static void test_resolve_literals(void)
{
    emhttp_ip_addr out[2], v4 = loop_addr(EMHTTP_AF_INET), v6 = loop_addr(EMHTTP_AF_INET6);
    char longname[CONFIG_EMHTTP_MAX_HOST_LEN + 2];
    size_t n = 0;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "127.0.0.1"), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_OK);
    CHECK_EQ_INT(n, 1);
    CHECK(out[0].family == EMHTTP_AF_INET && memcmp(out[0].bytes, v4.bytes, 4) == 0);
    /* polling again gives the same answer */
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_OK);
    CHECK_EQ_INT(n, 1);

    CHECK_EQ_INT(resolve_wait("::1", out, 2, &n), EMHTTP_OK);
    CHECK_EQ_INT(n, 1);
    CHECK(out[0].family == EMHTTP_AF_INET6 && memcmp(out[0].bytes, v6.bytes, 16) == 0);
    CHECK_EQ_INT(px.query_, -1); /* literals need no thread */

    /* a name that can never resolve: done at once, poll says ERR_DNS */
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, longname), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_ERR_DNS);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, ""), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_ERR_DNS);
    emhttp_posix_deinit(&px);
}

static void check_localhost_answer(const emhttp_ip_addr *out, size_t n)
{
    size_t i, j;

    CHECK(n >= 1 && n <= CONFIG_EMHTTP_DNS_MAX_ADDRS);
    for (i = 0; i < n; i++) {
        CHECK(is_loopback(&out[i]));
        for (j = 0; j < i; j++) /* no duplicates */
            CHECK(out[i].family != out[j].family || memcmp(out[i].bytes, out[j].bytes, 16) != 0);
    }
}

static void test_resolve_localhost(void)
{
    emhttp_ip_addr out[CONFIG_EMHTTP_DNS_MAX_ADDRS + 2];
    size_t n = 0;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
    CHECK(px.query_ >= 0); /* a lookup thread runs */
    CHECK_EQ_INT(resolve_wait("localhost", out, sizeof out / sizeof out[0], &n), EMHTTP_OK);
    check_localhost_answer(out, n);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 1, &n), EMHTTP_OK); /* max honoured */
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 0, &n), EMHTTP_ERR_DNS);
    CHECK_EQ_INT(n, 0);
    emhttp_posix_deinit(&px);
}

static void test_resolve_cancel_then_new(void)
{
    emhttp_ip_addr out[2];
    size_t n = 0;
    uint32_t t0;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    /* cancel: the query is gone */
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
    net.ops->resolve_cancel(net.ctx);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_ERR_DNS);
    /* a new query after a cancel gets its own answer */
    CHECK_EQ_INT(resolve_wait("localhost", out, 2, &n), EMHTTP_OK);
    check_localhost_answer(out, n);

    /* superseded by a literal: the old answer neither wins nor wakes */
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "::1"), EMHTTP_OK);
    t0 = ms_now();
    net.ops->wait(net.ctx, 0, 300);
    CHECK(ms_now() - t0 >= 250); /* no wake-up from the discarded query */
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(out[0].family, EMHTTP_AF_INET6);

    /* cancelled, then a new query: only the new one answers */
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
    net.ops->resolve_cancel(net.ctx);
    CHECK_EQ_INT(resolve_wait("127.0.0.1", out, 2, &n), EMHTTP_OK);
    sleep_ms(200); /* give the cancelled lookup time to finish */
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_OK);
    CHECK(n == 1 && out[0].family == EMHTTP_AF_INET);
    emhttp_posix_deinit(&px);
}

static void test_wait_wakes_on_resolver(void)
{
    emhttp_ip_addr out[2];
    size_t n = 0;
    uint32_t t0;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
    t0 = ms_now();
    CHECK_EQ_INT(net.ops->wait(net.ctx, 0, 2 * LONG_MS), EMHTTP_OK);
    CHECK(ms_now() - t0 < LONG_MS);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_OK); /* woken by the answer */
    check_localhost_answer(out, n);
    /* the wake-up was consumed: the next wait runs to its timeout */
    t0 = ms_now();
    net.ops->wait(net.ctx, 0, 200);
    CHECK(ms_now() - t0 >= 190);
    emhttp_posix_deinit(&px);
}

static void test_deinit_while_resolving(void)
{
    uint32_t t0 = ms_now();
    int i;

    for (i = 0; i < 20; i++) {
        wait_free_slot();
        CHECK_EQ_INT(setup(), EMHTTP_OK);
        CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
        if (i % 2)
            sleep_ms(1); /* let the worker take the query */
        emhttp_posix_deinit(&px);
        CHECK_EQ_INT(px.query_, -1);
    }
    /* and after an answer nobody collected */
    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
    net.ops->wait(net.ctx, 0, LONG_MS);
    emhttp_posix_deinit(&px);
    CHECK(ms_now() - t0 < 2 * LONG_MS);
    /* every abandoned lookup ends by itself and gives its slot back */
    CHECK(threads_end_within(LONG_MS));
}

/* ---- connection ---------------------------------------------------------- */

static void check_socket_options(void)
{
    int v = 0;
    socklen_t len = sizeof v;

    CHECK(getsockopt(px.fd_, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v != 0);
    CHECK((fcntl(px.fd_, F_GETFL) & O_NONBLOCK) != 0);
    /* TCP keepalive with the configured timing (emhttp/opt.h) */
    len = sizeof v;
    CHECK(getsockopt(px.fd_, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0);
    CHECK_EQ_INT(v != 0, CONFIG_EMHTTP_TCP_KEEPALIVE_S > 0);
#if CONFIG_EMHTTP_TCP_KEEPALIVE_S > 0
#ifdef TCP_KEEPIDLE
    len = sizeof v;
    CHECK(getsockopt(px.fd_, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len) == 0);
    CHECK_EQ_INT(v, CONFIG_EMHTTP_TCP_KEEPALIVE_S);
#endif
#ifdef TCP_KEEPINTVL
    len = sizeof v;
    CHECK(getsockopt(px.fd_, IPPROTO_TCP, TCP_KEEPINTVL, &v, &len) == 0);
    CHECK_EQ_INT(v, CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S);
#endif
#ifdef TCP_KEEPCNT
    len = sizeof v;
    CHECK(getsockopt(px.fd_, IPPROTO_TCP, TCP_KEEPCNT, &v, &len) == 0);
    CHECK_EQ_INT(v, CONFIG_EMHTTP_TCP_KEEPALIVE_CNT);
#endif
#endif
}

static void connect_family(int family)
{
    int sfd;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    sfd = connected_pair(family);
    if (sfd == -2) {
        fprintf(stderr, "  (IPv%d loopback unavailable: skipped)\n", family);
    } else if (sfd >= 0) {
        check_socket_options();
        CHECK_EQ_INT(tcp.ops->connect_poll(tcp.ctx), EMHTTP_OK); /* stays connected */
        close(sfd);
    }
    tcp.ops->close(tcp.ctx);
    CHECK_EQ_INT(px.fd_, -1);
    tcp.ops->close(tcp.ctx);
    emhttp_posix_deinit(&px);
}

static void test_connect_v4(void)
{
    connect_family(EMHTTP_AF_INET);
}

static void test_connect_v6(void)
{
    connect_family(EMHTTP_AF_INET6);
}

static void test_connect_refused(void)
{
    emhttp_ip_addr a = loop_addr(EMHTTP_AF_INET), bad;
    uint16_t port;
    /* bound but not listening: the port is ours, and refuses connections */
    int fd = bind_loopback(EMHTTP_AF_INET, 0, &port);

    CHECK(fd >= 0);
    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(connect_wait(&a, port), EMHTTP_ERR_CONNECT);
    CHECK_EQ_INT(tcp.ops->connect_poll(tcp.ctx), EMHTTP_ERR_CONNECT);
    CHECK_EQ_INT(px.fd_, -1);
    tcp.ops->close(tcp.ctx);
    tcp.ops->close(tcp.ctx);
    memset(&bad, 0, sizeof bad); /* unknown family */
    CHECK_EQ_INT(tcp.ops->connect(tcp.ctx, NULL, &bad, 80), EMHTTP_ERR_CONNECT);
    emhttp_posix_deinit(&px);
    close(fd);
}

static void test_not_connected(void)
{
    uint8_t b[4] = {0};

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(tcp.ops->send(tcp.ctx, b, sizeof b, 0), EMHTTP_ERR_SEND);
    CHECK_EQ_INT(tcp.ops->recv(tcp.ctx, b, sizeof b), EMHTTP_ERR_RECV);
    CHECK_EQ_INT(tcp.ops->connect_poll(tcp.ctx), EMHTTP_ERR_CONNECT);
    emhttp_posix_deinit(&px);
}

static uint8_t pattern(uint64_t off)
{
    return (uint8_t)(off % 251u);
}

/* Send through the port until the socket buffers are full (send -> 0). */
static uint64_t fill_until_full(unsigned *partials)
{
    static uint8_t chunk[65536];
    uint64_t sent = 0;
    uint32_t t0 = ms_now();
    size_t i;
    long r;

    for (;;) {
        for (i = 0; i < sizeof chunk; i++)
            chunk[i] = pattern(sent + i);
        r = tcp.ops->send(tcp.ctx, chunk, sizeof chunk, 0);
        if (r <= 0 || ms_now() - t0 > LONG_MS || sent > (512u << 20))
            break;
        if ((size_t)r < sizeof chunk)
            (*partials)++;
        sent += (uint64_t)r;
    }
    CHECK_EQ_INT(r, 0); /* full: "no room now", not an error */
    return sent;
}

/* Server reads @p total bytes (bounded), checking the pattern. */
static int drain_server(int sfd, uint64_t total)
{
    static uint8_t buf[65536];
    uint64_t got = 0;
    uint32_t t0 = ms_now();
    ssize_t r, i;
    int ok = 1;

    while (got < total && ms_now() - t0 < LONG_MS) {
        struct pollfd pfd = {sfd, POLLIN, 0};

        if (poll(&pfd, 1, 200) != 1)
            continue;
        r = recv(sfd, buf, sizeof buf, 0);
        if (r <= 0)
            break;
        for (i = 0; i < r; i++)
            ok &= buf[i] == pattern(got + (uint64_t)i);
        got += (uint64_t)r;
    }
    return ok && got == total;
}

/* Server reads exactly strlen(@p want) bytes (bounded) and compares. */
static int drain_server_text(int sfd, const char *want)
{
    char buf[64];
    size_t got = 0, len = strlen(want);
    uint32_t t0 = ms_now();
    ssize_t r;

    while (got < len && ms_now() - t0 < LONG_MS) {
        struct pollfd pfd = {sfd, POLLIN, 0};

        if (poll(&pfd, 1, 200) != 1)
            continue;
        r = recv(sfd, buf + got, len - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got == len && memcmp(buf, want, len) == 0;
}

static void test_roundtrip_partial(void)
{
    uint8_t buf[16];
    unsigned partials = 0;
    uint64_t sent;
    int sfd;
    long r;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    sfd = connected_pair(EMHTTP_AF_INET);
    CHECK(sfd >= 0);
    if (sfd >= 0) {
        sent = fill_until_full(&partials);
        CHECK(sent > 0);
        fprintf(stderr, "  (filled %llu bytes, %u partial sends)\n", (unsigned long long)sent,
                partials);
        CHECK(drain_server(sfd, sent));
        CHECK(send(sfd, "pong", 4, 0) == 4);
        r = recv_wait(buf, sizeof buf);
        CHECK_EQ_INT(r, 4);
        CHECK(r == 4 && memcmp(buf, "pong", 4) == 0);
        CHECK_EQ_INT(tcp.ops->recv(tcp.ctx, buf, 0), 0); /* len 0 is not EOF */
        CHECK_EQ_INT(tcp.ops->recv(tcp.ctx, buf, sizeof buf), 0); /* nothing yet */
        CHECK_EQ_INT(tcp.ops->send(tcp.ctx, buf, 0, 0), 0);
        CHECK_EQ_INT(tcp.ops->send(tcp.ctx, (const uint8_t *)"ab", 2, EMHTTP_SEND_MORE), 2);
        CHECK_EQ_INT(tcp.ops->send(tcp.ctx, (const uint8_t *)"cd", 2, 0), 2);
        CHECK(drain_server_text(sfd, "abcd"));
        close(sfd);
    }
    tcp.ops->close(tcp.ctx);
    emhttp_posix_deinit(&px);
}

static void test_peer_close(void)
{
    uint8_t buf[16];
    uint32_t t0;
    long r;
    int sfd;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    sfd = connected_pair(EMHTTP_AF_INET);
    CHECK(sfd >= 0);
    if (sfd >= 0) {
        CHECK(send(sfd, "bye", 3, 0) == 3);
        close(sfd); /* orderly: FIN after the data */
        r = recv_wait(buf, sizeof buf);
        CHECK_EQ_INT(r, 3);
        CHECK_EQ_INT(recv_wait(buf, sizeof buf), EMHTTP_ERR_CLOSED);
        CHECK_EQ_INT(tcp.ops->recv(tcp.ctx, buf, sizeof buf), EMHTTP_ERR_CLOSED);
        /* writing on: the closed peer answers with RST; no SIGPIPE */
        t0 = ms_now();
        do {
            r = tcp.ops->send(tcp.ctx, (const uint8_t *)"x", 1, 0);
            if (r >= 0)
                sleep_ms(10);
        } while (r >= 0 && ms_now() - t0 < LONG_MS);
        CHECK_EQ_INT(r, EMHTTP_ERR_RESET);
        CHECK_EQ_INT(tcp.ops->send(tcp.ctx, (const uint8_t *)"x", 1, 0), EMHTTP_ERR_RESET);
    }
    tcp.ops->close(tcp.ctx);
    emhttp_posix_deinit(&px);
}

static void test_peer_reset(void)
{
    struct linger lg = {1, 0};
    uint8_t buf[16];
    int sfd;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    sfd = connected_pair(EMHTTP_AF_INET);
    CHECK(sfd >= 0);
    if (sfd >= 0) {
        CHECK(setsockopt(sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
        close(sfd); /* abortive: RST */
        CHECK_EQ_INT(recv_wait(buf, sizeof buf), EMHTTP_ERR_RESET);
        /* the reset was consumed: send sees EPIPE, still a reset */
        CHECK_EQ_INT(tcp.ops->send(tcp.ctx, (const uint8_t *)"x", 1, 0), EMHTTP_ERR_RESET);
    }
    tcp.ops->close(tcp.ctx);
    /* the instance connects again after a close */
    sfd = connected_pair(EMHTTP_AF_INET);
    CHECK(sfd >= 0);
    if (sfd >= 0) {
        CHECK_EQ_INT(tcp.ops->send(tcp.ctx, (const uint8_t *)"hi", 2, 0), 2);
        CHECK(drain_server_text(sfd, "hi"));
        close(sfd);
    }
    tcp.ops->close(tcp.ctx);
    emhttp_posix_deinit(&px);
}

/* ---- wait ---------------------------------------------------------------- */

static void *write_later(void *arg)
{
    int sfd = *(const int *)arg;

    sleep_ms(100);
    if (send(sfd, "z", 1, 0) != 1)
        return arg;
    return NULL;
}

static void test_wait_readable_and_timeout(void)
{
    pthread_t th;
    uint8_t buf[4];
    uint32_t t0;
    int sfd;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    t0 = ms_now(); /* nothing to wait for: the timeout */
    CHECK_EQ_INT(net.ops->wait(net.ctx, EMHTTP_WAIT_READ, 200), EMHTTP_OK);
    CHECK(ms_now() - t0 >= 190 && ms_now() - t0 < QUICK_MS);
    sfd = connected_pair(EMHTTP_AF_INET);
    CHECK(sfd >= 0);
    if (sfd >= 0) {
        t0 = ms_now(); /* connected, no data: the timeout */
        net.ops->wait(net.ctx, EMHTTP_WAIT_READ, 200);
        CHECK(ms_now() - t0 >= 190 && ms_now() - t0 < QUICK_MS);
        t0 = ms_now(); /* writable at once */
        net.ops->wait(net.ctx, EMHTTP_WAIT_WRITE, LONG_MS);
        CHECK(ms_now() - t0 < QUICK_MS);
        CHECK(pthread_create(&th, NULL, write_later, &sfd) == 0);
        t0 = ms_now(); /* data arrives while waiting */
        net.ops->wait(net.ctx, EMHTTP_WAIT_READ, 2 * LONG_MS);
        CHECK(ms_now() - t0 < LONG_MS);
        CHECK_EQ_INT(tcp.ops->recv(tcp.ctx, buf, sizeof buf), 1);
        pthread_join(th, NULL);
        close(sfd);
    }
    tcp.ops->close(tcp.ctx);
    emhttp_posix_deinit(&px);
}

/* ---- --dns-fail: names that do not resolve ------------------------------- */

/* True when neither family can route anywhere (an empty namespace).  A UDP
 * connect() only looks up the route; it sends nothing. */
static int network_isolated(void)
{
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    int fd, ok = 1;

    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_port = htons(53);
    inet_pton(AF_INET, "192.0.2.1", &a4.sin_addr);
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(53);
    inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a4, sizeof a4) == 0)
        ok = 0;
    if (fd >= 0)
        close(fd);
    fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a6, sizeof a6) == 0)
        ok = 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void test_dns_fail(void)
{
    emhttp_ip_addr out[2];
    size_t n = 99;
    uint32_t t0;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(resolve_wait("emhttp-test.invalid", out, 2, &n), EMHTTP_ERR_DNS);
    CHECK_EQ_INT(n, 0);
    /* wait() wakes on a failed answer too */
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "wake.emhttp-test.invalid"), EMHTTP_PENDING);
    t0 = ms_now();
    net.ops->wait(net.ctx, 0, 2 * LONG_MS);
    CHECK(ms_now() - t0 < LONG_MS);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_ERR_DNS);
    emhttp_posix_deinit(&px);
}

static void test_dns_fail_supersede(void)
{
    emhttp_ip_addr out[2];
    size_t n = 0;

    CHECK_EQ_INT(setup(), EMHTTP_OK);
    /* a failing query superseded by one that resolves */
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "old.emhttp-test.invalid"), EMHTTP_PENDING);
    CHECK_EQ_INT(resolve_wait("localhost", out, 2, &n), EMHTTP_OK);
    check_localhost_answer(out, n);
    /* a resolving query cancelled, then one that fails */
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
    net.ops->resolve_cancel(net.ctx);
    CHECK_EQ_INT(resolve_wait("new.emhttp-test.invalid", out, 2, &n), EMHTTP_ERR_DNS);
    CHECK_EQ_INT(n, 0);
    emhttp_posix_deinit(&px);
}

static void test_dns_fail_deinit(void)
{
    int i;

    for (i = 0; i < 10; i++) {
        wait_free_slot();
        CHECK_EQ_INT(setup(), EMHTTP_OK);
        CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "gone.emhttp-test.invalid"), EMHTTP_PENDING);
        if (i % 2)
            sleep_ms(1);
        emhttp_posix_deinit(&px);
    }
    CHECK(threads_end_within(LONG_MS)); /* abandoned lookups end by themselves */
}

/* ---- --dns-hang: a DNS server that never answers ------------------------- */

#ifdef __linux__

static int bh_fd = -1;                             /* UDP 127.0.0.1:53, the black hole */
static char bh_dir[] = "/tmp/emhttp-dns-hang-XXXXXX"; /* the test's own /etc files */
static const char *const bh_files[][2] = {
    {"resolv.conf", "nameserver 127.0.0.1\noptions timeout:30 attempts:1\n"},
    {"hosts", "127.0.0.1 localhost\n"},
    {"nsswitch.conf", "hosts: files dns\n"},
};

static long long mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int link_up(const char *name)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM, 0), ok;

    if (fd < 0)
        return 0;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, name, sizeof ifr.ifr_name - 1);
    ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags |= IFF_UP;
    ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    close(fd);
    return ok;
}

/* Write /tmp/.../name and bind it over /etc/name. */
static int bind_etc(const char *name, const char *text)
{
    char src[128], dst[64];
    FILE *f;
    int ok;

    snprintf(src, sizeof src, "%s/%s", bh_dir, name);
    snprintf(dst, sizeof dst, "/etc/%s", name);
    f = fopen(src, "w");
    if (f == NULL)
        return 0;
    ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    return ok && mount(src, dst, NULL, MS_BIND, NULL) == 0;
}

/* Set the black hole up; NULL, or why the mode cannot run. */
static const char *blackhole_setup(void)
{
    struct sockaddr_in a;
    size_t i;

    if (!network_isolated())
        return "the network is reachable; run it under `unshare -rn` "
               "(refusing to touch the machine's resolver)";
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return "no mount namespace of its own (unshare(CLONE_NEWNS) or making / private failed)";
    if (!link_up("lo"))
        return "cannot bring up lo";
    bh_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bh_fd < 0 || bind(bh_fd, (struct sockaddr *)&a, sizeof a) != 0)
        return "cannot bind 127.0.0.1:53";
    if (mkdtemp(bh_dir) == NULL)
        return "mkdtemp failed";
    for (i = 0; i < sizeof bh_files / sizeof bh_files[0]; i++) {
        if (!bind_etc(bh_files[i][0], bh_files[i][1]))
            return "cannot bind the test's files over /etc/resolv.conf, hosts, nsswitch.conf";
    }
    return NULL;
}

static void blackhole_cleanup(void)
{
    char path[128];
    size_t i;

    for (i = 0; i < sizeof bh_files / sizeof bh_files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", bh_dir, bh_files[i][0]);
        (void)unlink(path); /* the bind mounts go with the namespace */
    }
    (void)rmdir(bh_dir);
    close(bh_fd);
}

/* Has a query reached the black hole (it is left unread)? */
static int bh_query_within(unsigned ms)
{
    struct pollfd pfd = {bh_fd, POLLIN, 0};

    return poll(&pfd, 1, (int)ms) == 1;
}

/* Answer the query @p q (@p len bytes) with NXDOMAIN: its header and
 * question, QR and RA set, no records. */
static void bh_answer(const uint8_t *q, size_t len, const struct sockaddr_storage *from,
                      socklen_t flen)
{
    uint8_t r[512];
    size_t i = 12;

    if (len < 12 || len > sizeof r)
        return;
    while (i < len && q[i] != 0)
        i += 1u + q[i]; /* QNAME labels */
    i += 1u + 4u;       /* root label, QTYPE, QCLASS */
    if (i > len)
        return;
    memcpy(r, q, i);
    r[2] = (uint8_t)(0x80u | (q[2] & 0x79u)); /* response; opcode and RD kept */
    r[3] = 0x80u | 3u;                        /* RA, NXDOMAIN */
    memset(r + 4, 0, 8);
    r[5] = 1; /* one question, no answer */
    (void)sendto(bh_fd, r, i, 0, (const struct sockaddr *)from, flen);
}

/* Let the hung lookups end: answer every query (also those still to come)
 * until no resolver thread runs; then drop what is left.  True when they
 * all ended within @p ms. */
static int bh_release(unsigned ms)
{
    uint8_t buf[512];
    struct sockaddr_storage from;
    socklen_t flen;
    uint32_t t0 = ms_now();
    ssize_t r;
    int done;

    for (;;) {
        done = emhttp_posix_resolver_threads() == 0;
        for (;;) {
            flen = sizeof from;
            r = recvfrom(bh_fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
            if (r < 0)
                break;
            if (!done)
                bh_answer(buf, (size_t)r, &from, flen);
        }
        if (done || ms_now() - t0 > ms)
            return done;
        (void)bh_query_within(20);
    }
}

/* (c): deinit with a lookup hung in getaddrinfo() returns at once, and the
 * hung thread, when it ends, touches neither the instance's memory nor the
 * descriptors it had. */
static void test_hang_deinit(void)
{
    emhttp_ip_addr out[2];
    unsigned char *bytes = (unsigned char *)&px;
    size_t n = 0, i, changed = 0;
    long long t0, us;
    int pfd[2];
    char c;

    CHECK_EQ_INT(emhttp_posix_resolver_threads(), 0);
    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "deinit.hang.emhttp-test"), EMHTTP_PENDING);
    CHECK(bh_query_within(LONG_MS)); /* getaddrinfo() asked: it waits for an answer now */
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_PENDING);
    t0 = mono_us();
    emhttp_posix_deinit(&px);
    us = mono_us() - t0;
    fprintf(stderr, "  (emhttp_posix_deinit with a lookup hung in getaddrinfo: %lld us)\n", us);
    CHECK(us < 100000); /* the bound: 100 ms (nothing in deinit waits) */
    CHECK_EQ_INT(emhttp_posix_resolver_threads(), 1); /* still hung */

    /* the instance's memory and its descriptor numbers are reused at once */
    memset(&px, 0xA5, sizeof px);
    CHECK(pipe(pfd) == 0);
    CHECK(fcntl(pfd[0], F_SETFL, O_NONBLOCK) == 0);
    CHECK(bh_release(LONG_MS)); /* the lookup fails now; its thread ends */
    for (i = 0; i < sizeof px; i++)
        changed += bytes[i] != 0xA5;
    CHECK_EQ_INT(changed, 0);
    CHECK(read(pfd[0], &c, 1) < 0 && errno == EAGAIN); /* no late wake-up byte */
    close(pfd[0]);
    close(pfd[1]);
}

/* A loopback HTTP server for one request: answers 200 with a 2-byte body. */
static void *serve_one(void *arg)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    char buf[1024];
    size_t got = 0;
    int fd = accept_within(*(const int *)arg, LONG_MS);
    ssize_t r;

    if (fd < 0)
        return arg;
    while (got < sizeof buf - 1) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, (int)LONG_MS) != 1 || (r = recv(fd, buf + got, sizeof buf - 1 - got, 0)) <= 0)
            break;
        got += (size_t)r;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL)
            break;
    }
    r = send(fd, resp, sizeof resp - 1, MSG_NOSIGNAL);
    close(fd);
    return r == (ssize_t)(sizeof resp - 1) ? NULL : arg;
}

static void client_config(emhttp_config *cfg, const char *host, uint16_t port)
{
    static uint8_t tx[512], rx[1024];

    memset(cfg, 0, sizeof *cfg);
    cfg->host = host;
    cfg->port = port;
    cfg->net = net;
    cfg->transport = tcp;
    cfg->tx_buf = tx;
    cfg->tx_size = sizeof tx;
    cfg->rx_buf = rx;
    cfg->rx_size = sizeof rx;
}

/* (a) a request to the hung name fails with EMHTTP_ERR_DNS_TIMEOUT at its
 * DNS timeout; (b) then, on the same port instance, a request to a name
 * the hosts file answers succeeds while the first lookup still hangs. */
static void test_hang_client(void)
{
    emhttp_client cli;
    emhttp_config cfg;
    emhttp_request req;
    pthread_t th;
    void *srv_rc = NULL;
    uint32_t t0, took;
    uint16_t port;
    int lfd;

    CHECK_EQ_INT(emhttp_posix_resolver_threads(), 0);
    CHECK_EQ_INT(setup(), EMHTTP_OK);
    client_config(&cfg, "client.hang.emhttp-test", 80);
    cfg.dns_timeout_ms = 300;
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    memset(&req, 0, sizeof req);
    t0 = ms_now();
    CHECK_EQ_INT(emhttp_request_sync(&cli, &req), EMHTTP_ERR_DNS_TIMEOUT);
    took = ms_now() - t0;
    fprintf(stderr, "  (hung name: EMHTTP_ERR_DNS_TIMEOUT after %u ms, DNS timeout 300 ms)\n",
            (unsigned)took);
    CHECK(took >= 299 && took < LONG_MS);
    CHECK(bh_query_within(0)); /* it was the DNS server that did not answer */
    CHECK_EQ_INT(emhttp_posix_resolver_threads(), 1);

    lfd = bind_loopback(EMHTTP_AF_INET, 1, &port);
    CHECK(lfd >= 0);
    CHECK(pthread_create(&th, NULL, serve_one, &lfd) == 0);
    client_config(&cfg, "localhost", port);
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    memset(&req, 0, sizeof req);
    t0 = ms_now();
    CHECK_EQ_INT(emhttp_request_sync(&cli, &req), EMHTTP_OK);
    took = ms_now() - t0;
    CHECK_EQ_INT(req.status, 200);
    fprintf(stderr, "  (then localhost on the same instance: result %d, status %d after %u ms, "
                    "%zu lookup(s) still hung)\n", req.result, req.status, (unsigned)took,
            emhttp_posix_resolver_threads());
    CHECK_EQ_INT(emhttp_posix_resolver_threads(), 1); /* the first one has not returned */
    pthread_join(th, &srv_rc);
    CHECK(srv_rc == NULL);
    close(lfd);
    emhttp_client_close(&cli);
    emhttp_posix_deinit(&px);
    CHECK(bh_release(LONG_MS));
}

/* The bound: abandoned lookups fill the pool; then a start fails with
 * EMHTTP_ERR_RESOLVER (a request too), literals still work, and once the
 * lookups return, names resolve again. */
static void test_hang_pool_full(void)
{
    emhttp_ip_addr out[2];
    emhttp_client cli;
    emhttp_config cfg;
    emhttp_request req;
    char name[64];
    size_t n = 0;
    int i;

    CHECK_EQ_INT(emhttp_posix_resolver_threads(), 0);
    CHECK_EQ_INT(setup(), EMHTTP_OK);
    for (i = 0; i < EMHTTP_POSIX_RESOLVER_THREADS; i++) {
        snprintf(name, sizeof name, "q%d.hang.emhttp-test", i);
        CHECK_EQ_INT(net.ops->resolve_start(net.ctx, name), EMHTTP_PENDING);
        net.ops->resolve_cancel(net.ctx); /* as the client does at its DNS timeout */
    }
    CHECK_EQ_INT(emhttp_posix_resolver_threads(), EMHTTP_POSIX_RESOLVER_THREADS);
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_ERR_RESOLVER);
    CHECK_EQ_INT(net.ops->resolve_poll(net.ctx, out, 2, &n), EMHTTP_ERR_DNS);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(resolve_wait("127.0.0.1", out, 2, &n), EMHTTP_OK); /* no thread needed */
    CHECK_EQ_INT(n, 1);
    client_config(&cfg, "localhost", 80);
    CHECK_EQ_INT(emhttp_client_init(&cli, &cfg), EMHTTP_OK);
    memset(&req, 0, sizeof req);
    CHECK_EQ_INT(emhttp_request_sync(&cli, &req), EMHTTP_ERR_RESOLVER);
    CHECK_EQ_INT(emhttp_posix_resolver_threads(), EMHTTP_POSIX_RESOLVER_THREADS);

    CHECK(bh_release(LONG_MS)); /* every lookup returns: the slots come back */
    CHECK_EQ_INT(resolve_wait("localhost", out, 2, &n), EMHTTP_OK);
    CHECK(n == 1 && is_loopback(&out[0]));
    emhttp_posix_deinit(&px);
    CHECK(threads_end_within(LONG_MS));
}

static int run_dns_hang(void)
{
    const char *why = blackhole_setup();

    if (why != NULL) {
        fprintf(stderr, "--dns-hang: %s\n", why);
        return SKIP_CODE;
    }
    RUN(test_hang_deinit);
    RUN(test_hang_client);
    RUN(test_hang_pool_full);
    blackhole_cleanup();
    return check_summary();
}

#else

static int run_dns_hang(void)
{
    fprintf(stderr, "--dns-hang: needs Linux (network and mount namespaces)\n");
    return SKIP_CODE;
}

#endif /* __linux__ */

/* ---- main ---------------------------------------------------------------- */

static int run_dns_fail(void)
{
    if (!network_isolated()) {
        fprintf(stderr, "--dns-fail: the network is reachable; run it under "
                        "`unshare -rn` (refusing to send queries off the machine)\n");
        return SKIP_CODE;
    }
    RUN(test_dns_fail);
    RUN(test_dns_fail_supersede);
    RUN(test_dns_fail_deinit);
    return check_summary();
}

int main(int argc, char **argv)
{
    alarm(120); /* a hung test ends the run (SIGALRM's default action) */
    if (argc > 1 && strcmp(argv[1], "--dns-fail") == 0)
        return run_dns_fail();
    if (argc > 1 && strcmp(argv[1], "--dns-hang") == 0)
        return run_dns_hang();
    if (argc > 1) {
        fprintf(stderr, "usage: %s [--dns-fail | --dns-hang]\n", argv[0]);
        return 2;
    }
    RUN(test_init_deinit);
    RUN(test_now_ms);
    RUN(test_resolve_no_query);
    RUN(test_resolve_literals);
    RUN(test_resolve_localhost);
    RUN(test_resolve_cancel_then_new);
    RUN(test_wait_wakes_on_resolver);
    RUN(test_deinit_while_resolving);
    RUN(test_connect_v4);
    RUN(test_connect_v6);
    RUN(test_connect_refused);
    RUN(test_not_connected);
    RUN(test_roundtrip_partial);
    RUN(test_peer_close);
    RUN(test_peer_reset);
    RUN(test_wait_readable_and_timeout);
    return check_summary();
}
