/*
 * offload_transport.c - TLS done by the transport itself (OpenSSL's
 * libssl), like a modem's offloaded TLS socket.  See offload_transport.h.
 */
#define _GNU_SOURCE

#include "offload_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

enum { PH_CLOSED, PH_TCP, PH_TLS, PH_OPEN };

/* ---- set-up --------------------------------------------------------------- */

/* OpenSSL hands over every new session (TLS 1.3: the tickets after the
 * handshake; TLS 1.2: at its end).  Keep the newest one. */
static int new_session(SSL *ssl, SSL_SESSION *s)
{
    offload_tls *t = SSL_get_app_data(ssl);
    if (t == NULL || !t->resume) {
        return 0; /* not kept: OpenSSL frees it */
    }
    if (t->session != NULL) {
        SSL_SESSION_free(t->session);
    }
    t->session = s;
    return 1; /* the reference is ours */
}

int offload_tls_init(offload_tls *t, const char *ca_file, bool resume)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
    t->resume = resume;
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (t->ctx == NULL) {
        fprintf(stderr, "offload: SSL_CTX_new failed\n");
        return -1;
    }
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    int ok = ca_file != NULL ? SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL)
                             : SSL_CTX_set_default_verify_paths(t->ctx);
    if (ok != 1) {
        fprintf(stderr, "offload: cannot load CA %s\n", ca_file ? ca_file : "(default)");
        offload_tls_free(t);
        return -1;
    }
    /* A write that waited is offered again from the same offset, maybe
     * with the buffer at another address; a record at a time. */
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(t->ctx,
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(t->ctx, new_session);
    return 0;
}

void offload_tls_forget_session(offload_tls *t)
{
    if (t->session != NULL) {
        SSL_SESSION_free(t->session);
        t->session = NULL;
    }
}

int offload_tls_fd(const offload_tls *t) { return t->fd; }

/* ---- the connection ------------------------------------------------------- */

static void tr_close(void *ctx)
{
    offload_tls *t = ctx;
    if (t->ssl != NULL) {
        if (t->phase == PH_OPEN && !t->fatal) {
            (void)SSL_shutdown(t->ssl); /* close_notify, best effort, not waited for */
        }
        SSL_free(t->ssl);
        t->ssl = NULL;
    }
    if (t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
    }
    ERR_clear_error();
    t->phase = PH_CLOSED;
    t->fatal = false;
    t->hs_want = t->rd_want = t->wr_want = 0;
    t->wr_pending = 0;
    t->later_err = 0;
}

void offload_tls_free(offload_tls *t)
{
    tr_close(t);
    offload_tls_forget_session(t);
    if (t->ctx != NULL) {
        SSL_CTX_free(t->ctx);
        t->ctx = NULL;
    }
}

/* The certificate's verdict as the client's code. */
static int cert_error(long v)
{
    switch (v) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: return EMHTTP_ERR_TLS_CERT_EXPIRED;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return EMHTTP_ERR_TLS_CERT_HOSTNAME;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: return EMHTTP_ERR_TLS_CERT_SELF_SIGNED;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: /* the chain's root is not ours */
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED: return EMHTTP_ERR_TLS_CERT_UNTRUSTED;
    default: return EMHTTP_ERR_TLS_CERT;
    }
}

static int handshake_step(offload_tls *t)
{
    ERR_clear_error();
    int rc = SSL_connect(t->ssl);
    if (rc == 1) {
        t->phase = PH_OPEN;
        t->hs_want = 0;
        t->last_resumed = SSL_session_reused(t->ssl) != 0;
        t->handshakes++;
        t->resumed += t->last_resumed;
        t->verify_result = SSL_get_verify_result(t->ssl);
        snprintf(t->verify_text, sizeof t->verify_text, "%s",
                 X509_verify_cert_error_string(t->verify_result));
        return EMHTTP_OK;
    }
    int e = SSL_get_error(t->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        t->hs_want = e == SSL_ERROR_WANT_READ ? EMHTTP_WAIT_READ : EMHTTP_WAIT_WRITE;
        return EMHTTP_PENDING;
    }
    t->fatal = true;
    t->verify_result = SSL_get_verify_result(t->ssl);
    if (t->verify_result != X509_V_OK) {
        snprintf(t->verify_text, sizeof t->verify_text, "%s",
                 X509_verify_cert_error_string(t->verify_result));
        return cert_error(t->verify_result);
    }
    unsigned long err = ERR_peek_error();
    const char *why = err != 0 ? ERR_reason_error_string(err) : NULL;
    snprintf(t->verify_text, sizeof t->verify_text, "%s",
             why != NULL ? why : "connection ended in the handshake");
    return EMHTTP_ERR_TLS_HANDSHAKE;
}

/* TCP is up: the TLS connection on it, then its first handshake step. */
static int start_tls(offload_tls *t, const char *host)
{
    t->ssl = SSL_new(t->ctx);
    if (t->ssl == NULL || SSL_set_fd(t->ssl, t->fd) != 1) {
        return EMHTTP_ERR_PORT;
    }
    SSL_set_app_data(t->ssl, t);
    unsigned char ip[16];
    bool literal = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
    if (literal) { /* no SNI for an address (RFC 6066 3) */
        if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1) {
            return EMHTTP_ERR_TLS_CONFIG;
        }
    } else if (SSL_set_tlsext_host_name(t->ssl, host) != 1 || SSL_set1_host(t->ssl, host) != 1) {
        return EMHTTP_ERR_TLS_CONFIG;
    }
    if (t->resume && t->session != NULL) {
        (void)SSL_set_session(t->ssl, t->session);
    }
    t->phase = PH_TLS;
    return handshake_step(t);
}

static int tr_connect(void *ctx, const char *host, const emhttp_ip_addr *addr, uint16_t port)
{
    offload_tls *t = ctx;
    tr_close(t);
    if (host == NULL) {
        return EMHTTP_ERR_CONNECT;
    }
    t->host = host; /* valid for the client's lifetime (transport.h) */
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    if (addr->family == EMHTTP_AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, addr->bytes, 4);
        sl = sizeof *s4;
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, addr->bytes, 16);
        sl = sizeof *s6;
    }
    inet_ntop(ss.ss_family, addr->bytes, t->last_addr, sizeof t->last_addr);
    t->last_port = port;
    t->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0) {
        return (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                   ? EMHTTP_ERR_PORT
                   : EMHTTP_ERR_CONNECT;
    }
    int one = 1;
    (void)setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(t->fd, (struct sockaddr *)&ss, sl) == 0) {
        int rc = start_tls(t, t->host);
        if (rc < 0) {
            tr_close(t);
        }
        return rc;
    }
    if (errno == EINPROGRESS) {
        t->phase = PH_TCP;
        return EMHTTP_PENDING;
    }
    tr_close(t);
    return EMHTTP_ERR_CONNECT;
}

static int tr_connect_poll(void *ctx)
{
    offload_tls *t = ctx;
    int rc;
    if (t->phase == PH_TCP) {
        struct pollfd p = {t->fd, POLLOUT, 0};
        if (poll(&p, 1, 0) == 0) {
            return EMHTTP_PENDING;
        }
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
            tr_close(t);
            return EMHTTP_ERR_CONNECT;
        }
        rc = start_tls(t, t->host);
    } else if (t->phase == PH_TLS) {
        rc = handshake_step(t);
    } else {
        return t->phase == PH_OPEN ? EMHTTP_OK : EMHTTP_ERR_CONNECT;
    }
    if (rc < 0) {
        tr_close(t);
    }
    return rc;
}

/* An OpenSSL read/write error as the client's code. */
static long io_error(offload_tls *t, int e, long otherwise)
{
    if (e == SSL_ERROR_ZERO_RETURN) {
        return EMHTTP_ERR_CLOSED; /* close_notify: the orderly end */
    }
    t->fatal = true;
    if (e == SSL_ERROR_SYSCALL) {
        /* errno 0: TCP ended without close_notify - an abort, not an end */
        return (errno == 0 || errno == ECONNRESET || errno == EPIPE) ? EMHTTP_ERR_RESET : otherwise;
    }
    if (e == SSL_ERROR_SSL &&
        ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return EMHTTP_ERR_RESET; /* OpenSSL 3's name for the same */
    }
    return EMHTTP_ERR_TLS;
}

static long tr_send(void *ctx, const uint8_t *buf, size_t len, unsigned flags)
{
    offload_tls *t = ctx;
    (void)flags;
    if (t->phase != PH_OPEN) {
        return EMHTTP_ERR_CLOSED;
    }
    if (t->wr_pending != 0) { /* OpenSSL wants the write that waited, again */
        if (len < t->wr_pending) {
            return EMHTTP_ERR_TLS;
        }
        len = t->wr_pending;
    }
    if (len == 0) {
        return 0;
    }
    ERR_clear_error();
    errno = 0;
    int n = SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
    if (n > 0) {
        t->wr_pending = 0;
        t->wr_want = 0;
        return n;
    }
    int e = SSL_get_error(t->ssl, n);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
        t->wr_pending = len;
        t->wr_want = e == SSL_ERROR_WANT_READ ? EMHTTP_WAIT_READ : EMHTTP_WAIT_WRITE;
        return 0;
    }
    return io_error(t, e, EMHTTP_ERR_SEND);
}

static long tr_recv(void *ctx, uint8_t *buf, size_t len)
{
    offload_tls *t = ctx;
    if (t->later_err != 0) { /* met behind the bytes handed out last time */
        long err = t->later_err;
        t->later_err = 0;
        return err;
    }
    if (t->phase != PH_OPEN) {
        return EMHTTP_ERR_CLOSED;
    }
    size_t got = 0;
    t->rd_want = 0;
    while (got < len) { /* record after record: short means nothing more now */
        size_t want = len - got;
        ERR_clear_error();
        errno = 0;
        int n = SSL_read(t->ssl, buf + got, want > INT_MAX ? INT_MAX : (int)want);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        int e = SSL_get_error(t->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            t->rd_want = e == SSL_ERROR_WANT_READ ? EMHTTP_WAIT_READ : EMHTTP_WAIT_WRITE;
            break;
        }
        long err = io_error(t, e, EMHTTP_ERR_RECV);
        if (got == 0) {
            return err;
        }
        t->later_err = err; /* the bytes first, the error next call */
        break;
    }
    return (long)got;
}

static unsigned tr_want(void *ctx, unsigned dir)
{
    const offload_tls *t = ctx;
    switch (t->phase) {
    case PH_TCP: return EMHTTP_WAIT_WRITE;
    case PH_TLS: return t->hs_want != 0 ? t->hs_want : EMHTTP_WAIT_NOW;
    case PH_OPEN: break;
    default: return dir;
    }
    unsigned w = 0;
    if (dir & EMHTTP_WAIT_READ) {
        /* decrypted bytes OpenSSL holds, or an error to report: go on now */
        if (t->later_err != 0 || SSL_pending(t->ssl) > 0) {
            return EMHTTP_WAIT_NOW;
        }
        w |= t->rd_want != 0 ? t->rd_want : EMHTTP_WAIT_READ;
    }
    if (dir & EMHTTP_WAIT_WRITE) {
        w |= t->wr_want != 0 ? t->wr_want : EMHTTP_WAIT_WRITE;
    }
    return w;
}

static const emhttp_transport_ops offload_ops = {
    .flags = EMHTTP_TRANSPORT_SECURE,
    .connect = tr_connect,
    .connect_poll = tr_connect_poll,
    .handshake = NULL, /* done inside connect, as a modem's TLS socket does */
    .send = tr_send,
    .sendv = NULL,
    .recv = tr_recv,
    .close = tr_close,
    .want = tr_want,
};

emhttp_transport offload_tls_transport(offload_tls *t)
{
    emhttp_transport tr = {&offload_ops, t};
    return tr;
}
