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
 *
 * SIGPIPE keeps its default action on purpose: a send() that raised it
 * would kill the test.  Every wait is bounded, and alarm() ends a stuck run.
 */
#define _POSIX_C_SOURCE 200809L

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
    CHECK_EQ_INT(px.thread_started_, 0); /* the thread starts lazily */
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
    CHECK_EQ_INT(px.thread_started_, 0); /* literals need no thread */

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
    CHECK_EQ_INT(px.thread_started_, 1);
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
        CHECK_EQ_INT(setup(), EMHTTP_OK);
        CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
        if (i % 2)
            sleep_ms(1); /* let the worker take the query */
        emhttp_posix_deinit(&px);
        CHECK_EQ_INT(px.thread_started_, 0);
    }
    /* and after an answer nobody collected */
    CHECK_EQ_INT(setup(), EMHTTP_OK);
    CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "localhost"), EMHTTP_PENDING);
    net.ops->wait(net.ctx, 0, LONG_MS);
    emhttp_posix_deinit(&px);
    CHECK(ms_now() - t0 < 2 * LONG_MS);
}

/* ---- connection ---------------------------------------------------------- */

static void check_socket_options(void)
{
    int v = 0;
    socklen_t len = sizeof v;

    CHECK(getsockopt(px.fd_, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v != 0);
    CHECK((fcntl(px.fd_, F_GETFL) & O_NONBLOCK) != 0);
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
        CHECK_EQ_INT(setup(), EMHTTP_OK);
        CHECK_EQ_INT(net.ops->resolve_start(net.ctx, "gone.emhttp-test.invalid"), EMHTTP_PENDING);
        if (i % 2)
            sleep_ms(1);
        emhttp_posix_deinit(&px);
    }
}

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
    if (argc > 1) {
        fprintf(stderr, "usage: %s [--dns-fail]\n", argv[0]);
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
