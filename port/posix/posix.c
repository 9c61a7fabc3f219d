/*
 * posix.c - the POSIX port of emhttp (see emhttp/port_posix.h).
 *
 * Sockets are non-blocking; wait() is the only call that blocks.  Names
 * are resolved around getaddrinfo(), one detached thread per query.
 *
 * Resolver protocol.  getaddrinfo() cannot be interrupted, so a query that
 * hangs in it must never hold anything up: not the next query, not deinit.
 * Each query takes a slot of a small process-wide pool (see "the query
 * pool" below) and starts a detached thread that works on that slot only.
 * The instance keeps the slot's index (query_) while the query is its
 * current one:
 *   - resolve_start() abandons the current query (if any), takes a free
 *     slot, copies the host into it and starts the thread;
 *   - the thread runs getaddrinfo(), then, under the pool's mutex, stores
 *     the answer in the slot and - only while an instance still owns the
 *     slot - writes one byte to that instance's wake pipe, so a wait() in
 *     the loop returns;
 *   - resolve_poll() copies the answer from the slot into the instance
 *     (addrs_) and gives the slot back; the thread gives it back from its
 *     side when it ends, and the slot is free once both did;
 *   - cancel, a new start and deinit abandon the query: the instance lets
 *     go of the slot at once, and the thread, whenever getaddrinfo()
 *     returns, finds the slot abandoned, wakes nobody and frees it.
 * No thread is ever joined, and no thread ever touches an emhttp_posix, so
 * deinit returns at once and the instance's memory may be reused while an
 * abandoned lookup still runs.  The start, cancel and deinit also drain
 * the wake pipe after abandoning, so a byte in the pipe always means "the
 * current query has an answer".
 * No allocation: the instance is the caller's, the pool is static, each
 * thread uses its own stack (getaddrinfo() allocates inside the C library
 * and frees it before the thread ends).
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
#include <pthread.h>
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

static void notify_wake(int fd)
{
    const char c = 1;
    ssize_t r;

    do {
        r = write(fd, &c, 1); /* full pipe (EAGAIN): already woken */
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

/* ---- the query pool ------------------------------------------------------ */

/*
 * One query = one slot of this process-wide pool + one detached thread.
 * A slot holds everything the thread needs (the host, the answer, the
 * write end of the owner's wake pipe), so the thread never touches an
 * emhttp_posix: it may outlive the instance that started it.
 *
 * A slot is held by up to two parties, each a bit in flags:
 *   Q_OWNED    the instance whose current query it is (set by
 *              resolve_start(); cleared by resolve_poll() once it has
 *              copied the answer, by resolve_cancel(), by a new
 *              resolve_start() and by deinit: the query is abandoned);
 *   Q_WORKING  the thread (set with Q_OWNED; cleared by the thread itself
 *              when getaddrinfo() returned, its last access to the slot).
 * The slot is free when both are clear.  wake_fd is the owner's pipe while
 * Q_OWNED, -1 once abandoned: the thread writes the wake-up byte only to a
 * pipe whose instance still waits for this very query, under pool_mu, and
 * deinit clears wake_fd under pool_mu before it closes the pipe, so a late
 * thread never writes to a closed (or reused) descriptor.
 *
 * The pool bounds the resolver threads of the process (current and
 * abandoned queries of every instance) to EMHTTP_POSIX_RESOLVER_THREADS;
 * a query beyond that fails to start with EMHTTP_ERR_RESOLVER.
 */
#define Q_OWNED 1u
#define Q_WORKING 2u

typedef struct px_query {
    uint8_t flags;  /* Q_OWNED | Q_WORKING; 0 = free */
    uint8_t done;   /* the thread has stored the answer */
    uint8_t naddrs; /* addresses in addrs (0: the name does not resolve) */
    int wake_fd;    /* owner's wake pipe (write end) while owned, else -1 */
    emhttp_ip_addr addrs[CONFIG_EMHTTP_DNS_MAX_ADDRS];
    char host[CONFIG_EMHTTP_MAX_HOST_LEN + 1];
} px_query;

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static px_query pool[EMHTTP_POSIX_RESOLVER_THREADS]; /* under pool_mu */

static void *resolver_main(void *arg)
{
    px_query *q = arg;
    emhttp_ip_addr addrs[CONFIG_EMHTTP_DNS_MAX_ADDRS];
    size_t n = lookup(q->host, addrs); /* host: constant while Q_WORKING */

    pthread_mutex_lock(&pool_mu);
    if (n > 0)
        memcpy(q->addrs, addrs, n * sizeof addrs[0]);
    q->naddrs = (uint8_t)n;
    q->done = 1;
    if (q->wake_fd >= 0)
        notify_wake(q->wake_fd);
    q->flags &= (uint8_t)~Q_WORKING; /* the slot is not touched after this */
    pthread_mutex_unlock(&pool_mu);
    return NULL;
}

/* Take a free slot for @p host (len bytes + NUL) owned by @p p; -1 when
 * every slot is taken. */
static int query_take(const emhttp_posix *p, const char *host, size_t len)
{
    int i, slot = -1;

    pthread_mutex_lock(&pool_mu);
    for (i = 0; i < EMHTTP_POSIX_RESOLVER_THREADS && slot < 0; i++) {
        if (pool[i].flags == 0)
            slot = i;
    }
    if (slot >= 0) {
        px_query *q = &pool[slot];
        q->flags = Q_OWNED | Q_WORKING;
        q->done = 0;
        q->naddrs = 0;
        q->wake_fd = p->wake_wr_;
        memcpy(q->host, host, len + 1);
    }
    pthread_mutex_unlock(&pool_mu);
    return slot;
}

/* Start the thread of a taken slot, detached, with every signal blocked
 * (signals go to the application's threads, never to a thread inside
 * getaddrinfo).  On failure the slot is given back. */
static int query_run(int slot)
{
    pthread_attr_t attr;
    pthread_t th;
    sigset_t all, old;
    int rc = pthread_attr_init(&attr);

    if (rc == 0) {
        rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (rc == 0) {
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            rc = pthread_create(&th, &attr, resolver_main, &pool[slot]);
            pthread_sigmask(SIG_SETMASK, &old, NULL);
        }
        (void)pthread_attr_destroy(&attr);
    }
    if (rc != 0) {
        pthread_mutex_lock(&pool_mu);
        pool[slot].flags = 0;
        pthread_mutex_unlock(&pool_mu);
        return -1;
    }
    return 0;
}

/* Abandon the instance's query, if any: its thread (still running or not)
 * no longer wakes this instance, and its answer is never read. */
static void query_drop(emhttp_posix *p)
{
    if (p->query_ < 0)
        return;
    pthread_mutex_lock(&pool_mu);
    pool[p->query_].flags &= (uint8_t)~Q_OWNED;
    pool[p->query_].wake_fd = -1;
    pthread_mutex_unlock(&pool_mu);
    p->query_ = -1;
}

/* Collect the answer of a running query once its thread stored it (the
 * slot is given back at once).  The loop's task. */
static void query_collect(emhttp_posix *p)
{
    px_query *q = &pool[p->query_];

    pthread_mutex_lock(&pool_mu);
    if (q->done) {
        if (q->naddrs > 0)
            memcpy(p->addrs_, q->addrs, q->naddrs * sizeof q->addrs[0]);
        p->naddrs_ = q->naddrs;
        p->dns_state_ = DNS_DONE;
        q->flags &= (uint8_t)~Q_OWNED;
        q->wake_fd = -1;
        p->query_ = -1;
    }
    pthread_mutex_unlock(&pool_mu);
}

size_t emhttp_posix_resolver_threads(void)
{
    size_t i, n = 0;

    pthread_mutex_lock(&pool_mu);
    for (i = 0; i < EMHTTP_POSIX_RESOLVER_THREADS; i++)
        n += (pool[i].flags & Q_WORKING) != 0;
    pthread_mutex_unlock(&pool_mu);
    return n;
}

/* ---- resolver operations ------------------------------------------------- */

/* Forget any query (a running one is abandoned).  After query_drop() no
 * thread writes to the pipe for the old query, so draining it now leaves
 * the pipe empty until the next query has an answer. */
static void reset_query(emhttp_posix *p)
{
    query_drop(p);
    p->naddrs_ = 0;
    p->dns_state_ = DNS_IDLE;
    drain_wake(p);
}

/* Finish a query at once with @p n addresses (0 = does not resolve). */
static int finish_now(emhttp_posix *p, const emhttp_ip_addr *addrs, size_t n)
{
    reset_query(p);
    if (n > 0)
        memcpy(p->addrs_, addrs, n * sizeof addrs[0]);
    p->naddrs_ = (uint8_t)n;
    p->dns_state_ = DNS_DONE;
    return EMHTTP_OK;
}

static int px_resolve_start(void *ctx, const char *host)
{
    emhttp_posix *p = ctx;
    emhttp_ip_addr lit;
    size_t len = host != NULL ? strlen(host) : 0;
    int slot;

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
    reset_query(p);
    slot = query_take(p, host, len);
    if (slot < 0 || query_run(slot) != 0)
        return EMHTTP_ERR_RESOLVER; /* every slot busy (hung lookups), or no thread */
    p->query_ = (int8_t)slot;
    p->dns_state_ = DNS_RUNNING;
    return EMHTTP_PENDING;
}

static int px_resolve_poll(void *ctx, emhttp_ip_addr *out, size_t max, size_t *n)
{
    emhttp_posix *p = ctx;
    size_t count = 0;
    int rc;

    if (p->dns_state_ == DNS_RUNNING)
        query_collect(p);
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
    if (n != NULL)
        *n = count;
    return rc;
}

static void px_resolve_cancel(void *ctx)
{
    reset_query(ctx);
}

/* ---- connection ---------------------------------------------------------- */

/* TCP keepalive (CONFIG_EMHTTP_TCP_KEEPALIVE_*, emhttp/opt.h): the probes'
 * timing where the system lets a socket set it (Linux, the BSDs, macOS
 * from 10.8 with TCP_KEEPALIVE for the idle time), else the system's. */
static int set_keepalive(int fd)
{
#if CONFIG_EMHTTP_TCP_KEEPALIVE_S > 0
    int one = 1, idle = CONFIG_EMHTTP_TCP_KEEPALIVE_S;
    int intvl = CONFIG_EMHTTP_TCP_KEEPALIVE_INTVL_S, cnt = CONFIG_EMHTTP_TCP_KEEPALIVE_CNT;

    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) != 0)
        return -1;
#if defined(TCP_KEEPIDLE)
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) != 0)
        return -1;
#elif defined(TCP_KEEPALIVE)
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPALIVE, &idle, sizeof idle) != 0)
        return -1;
#else
    (void)idle;
#endif
#ifdef TCP_KEEPINTVL
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) != 0)
        return -1;
#else
    (void)intvl;
#endif
#ifdef TCP_KEEPCNT
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) != 0)
        return -1;
#else
    (void)cnt;
#endif
#else
    (void)fd;
#endif
    return 0;
}

static int set_sockopts(int fd)
{
    int one = 1;

    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        return -1;
#ifdef SO_NOSIGPIPE
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) != 0)
        return -1;
#endif
    return set_keepalive(fd);
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
    p->query_ = -1;
    if (open_wake_pipe(p) != 0)
        return EMHTTP_ERR_PORT;
    p->inited_ = 1;
    return EMHTTP_OK;
}

void emhttp_posix_deinit(emhttp_posix *p)
{
    if (p == NULL || !p->inited_)
        return;
    px_close(p);
    query_drop(p); /* never waits: a running lookup is abandoned, not joined */
    close_fd(&p->wake_rd_);
    close_fd(&p->wake_wr_);
    p->dns_state_ = DNS_IDLE;
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
