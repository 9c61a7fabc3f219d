/*
 * posix.c - the POSIX port of emhttp (see emhttp/port_posix.h).
 *
 * Sockets are non-blocking; wait() is the only call that blocks.  Names
 * are resolved by one worker thread per instance around getaddrinfo().
 *
 * Resolver protocol (all fields below under mu_):
 *   - resolve_start() copies the host into host_, bumps gen_, sets job_ and
 *     dns_state_ = RUNNING and signals cv_.
 *   - The worker takes the job (copies host_ and gen_, clears job_),
 *     unlocks, runs getaddrinfo(), relocks and publishes the addresses only
 *     if gen_ is still the one it took: a cancelled or superseded query is
 *     discarded.  Publishing sets dns_state_ = DONE and writes one byte to
 *     the wake pipe, so a wait() in the loop returns.
 *   - resolve_poll() reads the state and, once DONE, drains the pipe; start
 *     and cancel drain it too, so a byte in the pipe always means "the
 *     current query has an answer".
 *   - deinit sets quit_, bumps gen_, signals and joins the worker.
 * No allocation: the struct is the caller's, the worker uses its stack.
 */
#define _POSIX_C_SOURCE 200809L
#if defined(__APPLE__)
#define _DARWIN_C_SOURCE 1 /* SO_NOSIGPIPE */
#endif

#include "emhttp/port_posix.h"
#include "emhttp/url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* SO_NOSIGPIPE covers it where this is missing */
#endif
#ifndef MSG_MORE
#define MSG_MORE 0 /* EMHTTP_SEND_MORE is a hint: ignored without MSG_MORE */
#endif

#ifndef EMHTTP_POSIX_MAX_IOV
#define EMHTTP_POSIX_MAX_IOV 4 /* buffers per sendv(); the core uses 2 */
#endif

enum { DNS_IDLE = 0, DNS_RUNNING, DNS_DONE };

typedef union sockaddr_any {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
} sockaddr_any;

/* ---- descriptors --------------------------------------------------------- */

static int set_nonblock_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        (void)close(*fd); /* never retried: the descriptor is gone either way */
        *fd = -1;
    }
}

/* Read everything in the (non-blocking) wake pipe. */
static void drain_wake(const emhttp_posix *p)
{
    char buf[16];
    ssize_t r;

    for (;;) {
        r = read(p->wake_rd_, buf, sizeof buf);
        if (r > 0 || (r < 0 && errno == EINTR))
            continue;
        break;
    }
}

static void notify_wake(const emhttp_posix *p)
{
    const char c = 1;
    ssize_t r;

    do {
        r = write(p->wake_wr_, &c, 1); /* full pipe (EAGAIN): already woken */
    } while (r < 0 && errno == EINTR);
}

/* ---- clock --------------------------------------------------------------- */

static uint32_t px_now_ms(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

/* ---- addresses ----------------------------------------------------------- */

/* Fill @p out from a socket address; 0 for families emhttp does not know. */
static int ip_from_sockaddr(const struct sockaddr *sa, size_t salen, emhttp_ip_addr *out)
{
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const void *)sa;
        out->family = EMHTTP_AF_INET;
        memcpy(out->bytes, &sin->sin_addr, 4);
        return 1;
    }
    if (sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const void *)sa;
        out->family = EMHTTP_AF_INET6;
        memcpy(out->bytes, &sin6->sin6_addr, 16);
        return 1;
    }
    return 0;
}

/* Build the socket address for @p a : @p port; returns its length, 0 when
 * the family is unknown. */
static socklen_t sockaddr_from_ip(const emhttp_ip_addr *a, uint16_t port, sockaddr_any *out)
{
    memset(out, 0, sizeof *out);
    if (a->family == EMHTTP_AF_INET) {
        out->in4.sin_family = AF_INET;
        out->in4.sin_port = htons(port);
        memcpy(&out->in4.sin_addr, a->bytes, 4);
        return (socklen_t)sizeof out->in4;
    }
    if (a->family == EMHTTP_AF_INET6) {
        out->in6.sin6_family = AF_INET6;
        out->in6.sin6_port = htons(port);
        memcpy(&out->in6.sin6_addr, a->bytes, 16);
        return (socklen_t)sizeof out->in6;
    }
    return 0;
}

static int ip_equal(const emhttp_ip_addr *a, const emhttp_ip_addr *b)
{
    size_t len = a->family == EMHTTP_AF_INET ? 4 : 16;

    return a->family == b->family && memcmp(a->bytes, b->bytes, len) == 0;
}

/* Append @p a to @p list (holding @p n) unless present or full; new n. */
static size_t ip_add_unique(emhttp_ip_addr *list, size_t n, const emhttp_ip_addr *a)
{
    size_t i;

    if (n >= CONFIG_EMHTTP_DNS_MAX_ADDRS)
        return n;
    for (i = 0; i < n; i++) {
        if (ip_equal(&list[i], a))
            return n;
    }
    list[n] = *a;
    return n + 1;
}

/* The blocking lookup, run by the resolver thread.  Returns the number of
 * addresses stored in @p out (0: the name does not resolve). */
static size_t lookup(const char *host, emhttp_ip_addr *out)
{
    struct addrinfo hints, *res = NULL, *ai;
    emhttp_ip_addr a;
    size_t n = 0;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = CONFIG_EMHTTP_IPV6 ? AF_UNSPEC : AF_INET; /* the system's order */
    hints.ai_socktype = SOCK_STREAM; /* one entry per address; no AI_ADDRCONFIG */
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return 0;
    /* First the first address of each family, in the system's order, so
     * that a few slots never hold one family only (an IPv4-only network
     * with a name that has several AAAA records); then the rest. */
    for (int pass = 0; pass < 2; pass++) {
        unsigned seen = 0; /* bit per family */
        for (ai = res; ai != NULL; ai = ai->ai_next) {
            if (ai->ai_addr == NULL || !ip_from_sockaddr(ai->ai_addr, ai->ai_addrlen, &a))
                continue;
            unsigned bit = a.family == EMHTTP_AF_INET ? 1u : 2u;
            if (pass == 0 && (seen & bit))
                continue;
            seen |= bit;
            n = ip_add_unique(out, n, &a);
        }
    }
    freeaddrinfo(res);
    return n;
}

/* ---- resolver thread ----------------------------------------------------- */

/* Store a result for the current query and wake the loop.  Under mu_. */
static void publish(emhttp_posix *p, const emhttp_ip_addr *addrs, size_t n)
{
    if (n > 0)
        memcpy(p->addrs_, addrs, n * sizeof addrs[0]);
    p->naddrs_ = (uint8_t)n;
    p->dns_state_ = DNS_DONE;
    notify_wake(p);
}

static void *resolver_main(void *arg)
{
    emhttp_posix *p = arg;
    char host[sizeof p->host_];
    emhttp_ip_addr addrs[CONFIG_EMHTTP_DNS_MAX_ADDRS];
    uint32_t gen;
    size_t n;

    pthread_mutex_lock(&p->mu_);
    for (;;) {
        while (!p->quit_ && !p->job_)
            pthread_cond_wait(&p->cv_, &p->mu_);
        if (p->quit_)
            break;
        memcpy(host, p->host_, sizeof host);
        gen = p->gen_;
        p->job_ = 0;
        pthread_mutex_unlock(&p->mu_);

        n = lookup(host, addrs);

        pthread_mutex_lock(&p->mu_);
        if (gen == p->gen_ && !p->quit_)
            publish(p, addrs, n);
    }
    pthread_mutex_unlock(&p->mu_);
    return NULL;
}

/* Start the resolver thread with every signal blocked (signals go to the
 * application's threads, never to a thread inside getaddrinfo). */
static int start_thread(emhttp_posix *p)
{
    sigset_t all, old;
    int rc;

    if (p->thread_started_)
        return 0;
    p->quit_ = 0;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&p->thread_, NULL, resolver_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    p->thread_started_ = 1;
    return 0;
}

static void stop_thread(emhttp_posix *p)
{
    if (!p->thread_started_)
        return;
    pthread_mutex_lock(&p->mu_);
    p->quit_ = 1;
    p->gen_++;
    pthread_cond_signal(&p->cv_);
    pthread_mutex_unlock(&p->mu_);
    pthread_join(p->thread_, NULL); /* may wait for a running getaddrinfo */
    p->thread_started_ = 0;
}

/* ---- resolver operations ------------------------------------------------- */

/* Forget any query (the worker discards a running one).  Under mu_. */
static void reset_query(emhttp_posix *p)
{
    p->gen_++;
    p->job_ = 0;
    p->naddrs_ = 0;
    p->dns_state_ = DNS_IDLE;
    drain_wake(p);
}

/* Finish a query at once with @p n addresses (0 = does not resolve). */
static int finish_now(emhttp_posix *p, const emhttp_ip_addr *addrs, size_t n)
{
    pthread_mutex_lock(&p->mu_);
    reset_query(p);
    if (n > 0)
        memcpy(p->addrs_, addrs, n * sizeof addrs[0]);
    p->naddrs_ = (uint8_t)n;
    p->dns_state_ = DNS_DONE;
    pthread_mutex_unlock(&p->mu_);
    return EMHTTP_OK;
}

static int px_resolve_start(void *ctx, const char *host)
{
    emhttp_posix *p = ctx;
    emhttp_ip_addr lit;
    size_t len = host != NULL ? strlen(host) : 0;

    /* core's one host rule: a literal at once, a numeric-looking host that
     * is not one refused - never left to getaddrinfo's inet_aton rules */
    switch (emhttp_host_classify(host, len, &lit)) {
    case EMHTTP_HOST_IP:
        return finish_now(p, &lit, 1);
    case EMHTTP_HOST_NAME:
        break;
    default:
        return finish_now(p, NULL, 0); /* cannot resolve: poll says ERR_DNS */
    }
    if (start_thread(p) != 0) {
        pthread_mutex_lock(&p->mu_);
        reset_query(p);
        pthread_mutex_unlock(&p->mu_);
        return EMHTTP_ERR_RESOLVER; /* no thread */
    }
    pthread_mutex_lock(&p->mu_);
    reset_query(p);
    memcpy(p->host_, host, len + 1);
    p->job_ = 1;
    p->dns_state_ = DNS_RUNNING;
    pthread_cond_signal(&p->cv_);
    pthread_mutex_unlock(&p->mu_);
    return EMHTTP_PENDING;
}

static int px_resolve_poll(void *ctx, emhttp_ip_addr *out, size_t max, size_t *n)
{
    emhttp_posix *p = ctx;
    size_t count = 0;
    int rc;

    pthread_mutex_lock(&p->mu_);
    if (p->dns_state_ == DNS_RUNNING) {
        rc = EMHTTP_PENDING;
    } else if (p->dns_state_ == DNS_IDLE || p->naddrs_ == 0 || out == NULL || max == 0) {
        rc = EMHTTP_ERR_DNS;
    } else {
        count = p->naddrs_ < max ? p->naddrs_ : max;
        memcpy(out, p->addrs_, count * sizeof out[0]);
        rc = EMHTTP_OK;
    }
    if (p->dns_state_ == DNS_DONE)
        drain_wake(p);
    pthread_mutex_unlock(&p->mu_);
    if (n != NULL)
        *n = count;
    return rc;
}

static void px_resolve_cancel(void *ctx)
{
    emhttp_posix *p = ctx;

    pthread_mutex_lock(&p->mu_);
    reset_query(p);
    pthread_mutex_unlock(&p->mu_);
}

/* ---- connection ---------------------------------------------------------- */

static int set_sockopts(int fd)
{
    int one = 1;

    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        return -1;
#ifdef SO_NOSIGPIPE
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) != 0)
        return -1;
#endif
    return 0;
}

/* A non-blocking TCP socket of @p domain: the descriptor, or an emhttp
 * error (ERR_CONNECT when the family is unsupported here). */
static int open_socket(int domain)
{
    int type = SOCK_STREAM;
    int fd;

#ifdef SOCK_CLOEXEC
    type |= SOCK_CLOEXEC;
#endif
    fd = socket(domain, type, IPPROTO_TCP);
    if (fd < 0)
        return (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT) ? EMHTTP_ERR_CONNECT
                                                                   : EMHTTP_ERR_PORT;
    if (set_nonblock_cloexec(fd) != 0 || set_sockopts(fd) != 0) {
        (void)close(fd);
        return EMHTTP_ERR_PORT;
    }
    return fd;
}

static void px_close(void *ctx)
{
    emhttp_posix *p = ctx;

    close_fd(&p->fd_);
    p->connecting_ = 0;
}

static int px_connect(void *ctx, const char *host, const emhttp_ip_addr *addr, uint16_t port)
{
    emhttp_posix *p = ctx;
    (void)host; /* plain TCP: the address is all it needs */
    sockaddr_any sa;
    socklen_t salen = addr != NULL ? sockaddr_from_ip(addr, port, &sa) : 0;
    int fd;

    px_close(p); /* the core closes first; this only guards a leak */
    if (salen == 0)
        return EMHTTP_ERR_CONNECT;
    fd = open_socket(sa.sa.sa_family);
    if (fd < 0)
        return fd;
    p->fd_ = fd;
    if (connect(fd, &sa.sa, salen) == 0)
        return EMHTTP_OK;
    if (errno == EINPROGRESS || errno == EINTR) { /* EINTR: continues async */
        p->connecting_ = 1;
        return EMHTTP_PENDING;
    }
    px_close(p);
    return EMHTTP_ERR_CONNECT;
}

static int socket_error(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;

    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return errno;
    return err;
}

static int px_connect_poll(void *ctx)
{
    emhttp_posix *p = ctx;
    struct pollfd pfd;
    int r;

    if (p->fd_ < 0)
        return EMHTTP_ERR_CONNECT;
    if (!p->connecting_)
        return EMHTTP_OK;
    pfd.fd = p->fd_;
    pfd.events = POLLOUT;
    pfd.revents = 0;
    r = poll(&pfd, 1, 0);
    if (r == 0 || (r < 0 && errno == EINTR))
        return EMHTTP_PENDING;
    if (r < 0 || socket_error(p->fd_) != 0 ||
        (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
        px_close(p);
        return EMHTTP_ERR_CONNECT;
    }
    p->connecting_ = 0;
    return EMHTTP_OK;
}

/* Map the errno of a failed send/recv: 0 for "try later", else an error. */
static long io_error(int err, long other)
{
    switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
        return 0;
    case EPIPE:      /* connection already torn down (after RST): see header */
    case ECONNRESET:
        return EMHTTP_ERR_RESET;
    default:
        return other;
    }
}

static long px_send(void *ctx, const uint8_t *buf, size_t len, unsigned flags)
{
    emhttp_posix *p = ctx;
    int how = (flags & EMHTTP_SEND_MORE) ? MSG_NOSIGNAL | MSG_MORE : MSG_NOSIGNAL;
    ssize_t r;

    if (p->fd_ < 0)
        return EMHTTP_ERR_SEND;
    if (len == 0)
        return 0;
    if (len > (size_t)LONG_MAX)
        len = (size_t)LONG_MAX;
    do {
        r = send(p->fd_, buf, len, how);
    } while (r < 0 && errno == EINTR);
    return r >= 0 ? (long)r : io_error(errno, EMHTTP_ERR_SEND);
}

static long px_sendv(void *ctx, const emhttp_iov *iov, size_t iovcnt)
{
    emhttp_posix *p = ctx;
    struct iovec v[EMHTTP_POSIX_MAX_IOV];
    struct msghdr msg = {.msg_iov = v};
    ssize_t r;

    if (p->fd_ < 0)
        return EMHTTP_ERR_SEND;
    for (size_t i = 0; i < iovcnt && msg.msg_iovlen < EMHTTP_POSIX_MAX_IOV; i++) {
        if (iov[i].len > 0) {
            v[msg.msg_iovlen].iov_base = (void *)(uintptr_t)iov[i].base;
            v[msg.msg_iovlen++].iov_len = iov[i].len;
        }
    }
    if (msg.msg_iovlen == 0)
        return 0;
    do {
        r = sendmsg(p->fd_, &msg, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    return r >= 0 ? (long)r : io_error(errno, EMHTTP_ERR_SEND);
}

static long px_recv(void *ctx, uint8_t *buf, size_t len)
{
    emhttp_posix *p = ctx;
    ssize_t r;

    if (p->fd_ < 0)
        return EMHTTP_ERR_RECV;
    if (len == 0)
        return 0; /* recv() would return 0, which means EOF */
    if (len > (size_t)LONG_MAX)
        len = (size_t)LONG_MAX;
    do {
        r = recv(p->fd_, buf, len, 0);
    } while (r < 0 && errno == EINTR);
    if (r > 0)
        return (long)r;
    if (r == 0)
        return EMHTTP_ERR_CLOSED;
    return io_error(errno, EMHTTP_ERR_RECV);
}

size_t emhttp_posix_pollfds(const emhttp_posix *p, unsigned flags, struct pollfd *fds)
{
    size_t n = 0;
    short ev = 0;

    if (flags & EMHTTP_WAIT_READ)
        ev |= POLLIN;
    if (flags & EMHTTP_WAIT_WRITE)
        ev |= POLLOUT;
    if (ev != 0 && p->fd_ >= 0) {
        fds[n].fd = p->fd_;
        fds[n].events = ev;
        fds[n++].revents = 0;
    }
    if (flags & EMHTTP_WAIT_RESOLVE) {
        fds[n].fd = p->wake_rd_;
        fds[n].events = POLLIN;
        fds[n++].revents = 0;
    }
    return n;
}

static int px_wait(void *ctx, unsigned flags, uint32_t timeout_ms)
{
    struct pollfd fds[2];
    size_t n = emhttp_posix_pollfds(ctx, flags | EMHTTP_WAIT_RESOLVE, fds);

    (void)poll(fds, (nfds_t)n, timeout_ms > (uint32_t)INT_MAX ? INT_MAX : (int)timeout_ms);
    return EMHTTP_OK; /* woken, timed out or interrupted: the core polls */
}

/* ---- instance ------------------------------------------------------------ */

static const emhttp_port_ops px_ops = {
    .now_ms = px_now_ms,
    .resolve_start = px_resolve_start,
    .resolve_poll = px_resolve_poll,
    .resolve_cancel = px_resolve_cancel,
    .wait = px_wait,
};

static const emhttp_transport_ops px_tcp_ops = {
    .flags = 0,
    .connect = px_connect,
    .connect_poll = px_connect_poll,
    .handshake = NULL,
    .send = px_send,
    .sendv = px_sendv,
    .recv = px_recv,
    .close = px_close,
    .want = NULL,
};

static int open_wake_pipe(emhttp_posix *p)
{
    int fds[2];

    if (pipe(fds) != 0)
        return -1;
    p->wake_rd_ = fds[0];
    p->wake_wr_ = fds[1];
    if (set_nonblock_cloexec(fds[0]) != 0 || set_nonblock_cloexec(fds[1]) != 0) {
        close_fd(&p->wake_rd_);
        close_fd(&p->wake_wr_);
        return -1;
    }
    return 0;
}

int emhttp_posix_init(emhttp_posix *p)
{
    if (p == NULL)
        return EMHTTP_ERR_PORT;
    memset(p, 0, sizeof *p);
    p->fd_ = -1;
    p->wake_rd_ = -1;
    p->wake_wr_ = -1;
    if (open_wake_pipe(p) != 0)
        return EMHTTP_ERR_PORT;
    if (pthread_mutex_init(&p->mu_, NULL) != 0)
        goto fail_pipe;
    if (pthread_cond_init(&p->cv_, NULL) != 0)
        goto fail_mutex;
    p->inited_ = 1;
    return EMHTTP_OK;

fail_mutex:
    pthread_mutex_destroy(&p->mu_);
fail_pipe:
    close_fd(&p->wake_rd_);
    close_fd(&p->wake_wr_);
    return EMHTTP_ERR_PORT;
}

void emhttp_posix_deinit(emhttp_posix *p)
{
    if (p == NULL || !p->inited_)
        return;
    px_close(p);
    stop_thread(p);
    close_fd(&p->wake_rd_);
    close_fd(&p->wake_wr_);
    pthread_cond_destroy(&p->cv_);
    pthread_mutex_destroy(&p->mu_);
    p->inited_ = 0;
}

emhttp_port emhttp_posix_port(emhttp_posix *p)
{
    emhttp_port port;

    port.ops = &px_ops;
    port.ctx = p;
    return port;
}

emhttp_transport emhttp_posix_tcp(emhttp_posix *p)
{
    emhttp_transport tr;

    tr.ops = &px_tcp_ops;
    tr.ctx = p;
    return tr;
}
