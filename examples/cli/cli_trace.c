/*
 * cli_trace.c - the CLI's view of the connection: a transport stacked on
 * the real one (cli.h) that prints the request head for -v and reads the
 * HTTP version of each response's status line for -i, -I and -v.
 */
#define _POSIX_C_SOURCE 200809L

#include <string.h>
#include <strings.h>

#include "cli.h"

/* ---- request head (-v) ------------------------------------------------- */

static bool starts_with_ci(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(s, prefix, n) == 0;
}

/* One line of the request head, as curl -v prints it; credentials never. */
static void print_head_line(const char *s, size_t len)
{
    if (starts_with_ci(s, len, "Authorization:") || starts_with_ci(s, len, "Proxy-Authorization:")) {
        size_t name = (size_t)((const char *)memchr(s, ':', len) - s);
        fprintf(stderr, "> %.*s: <redacted>\n", (int)name, s);
        return;
    }
    fprintf(stderr, "> %.*s\n", (int)len, s);
}

/* Bytes the lower transport accepted: while they belong to the head, cut
 * them into lines (a line longer than the buffer is cut short with "...";
 * its end is never a credential: Authorization lines are recognised by
 * their start). */
static void sent_bytes(cli_trace *t, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && t->in_req_head; i++) {
        char c = (char)p[i];
        if (c == '\n') {
            size_t len = t->line_len;
            if (len > 0 && t->line[len - 1] == '\r') {
                len--;
            }
            if (t->verbose) {
                print_head_line(t->line, len);
            }
            t->line_len = 0;
            if (len == 0) { /* the empty line: the head is complete */
                t->in_req_head = false;
                t->want_version = true;
                t->version_len = 0;
            }
        } else if (t->line_len < sizeof t->line) {
            t->line[t->line_len++] = c;
        }
    }
}

/* ---- response version (-i) --------------------------------------------- */

/* The first bytes of a response: "HTTP/x.y" up to the space. */
static void received_bytes(cli_trace *t, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n && t->want_version; i++) {
        if (p[i] == ' ' || p[i] == '\r' || p[i] == '\n' ||
            t->version_len + 1 >= sizeof t->version) {
            t->version[t->version_len] = '\0';
            t->want_version = false;
        } else {
            t->version[t->version_len++] = (char)p[i];
        }
    }
}

const char *cli_trace_version(const cli_trace *t)
{
    if (t->version_len >= 8 && strncmp(t->version, "HTTP/", 5) == 0 && !t->want_version) {
        return t->version;
    }
    return "HTTP/1.1";
}

void cli_trace_request(cli_trace *t)
{
    t->in_req_head = true;
    t->line_len = 0;
}

/* ---- TLS facts (-v) ---------------------------------------------------- */

#if CONFIG_EMHTTP_TLS
static void print_tls(const cli_trace *t, bool resumed)
{
    char name[256];
    const char *ver = emhttp_tls_version(t->tls), *suite = emhttp_tls_ciphersuite(t->tls);
    fprintf(stderr, "* SSL connection using %s / %s\n", ver ? ver : "?", suite ? suite : "?");
    if (resumed) {
        fprintf(stderr, "* SSL re-using session ID\n");
    }
    fprintf(stderr, "* Server certificate:\n");
    int rc = emhttp_tls_peer_name(t->tls, false, name, sizeof name);
    if (rc == EMHTTP_OK) {
        fprintf(stderr, "*  subject: %s\n", name);
    } else if (rc == EMHTTP_ERR_UNSUPPORTED) { /* MBEDTLS_SSL_KEEP_PEER_CERTIFICATE off */
        fprintf(stderr, "*  subject and issuer: not kept by this mbedTLS build\n");
    }
    if (emhttp_tls_peer_name(t->tls, true, name, sizeof name) == EMHTTP_OK) {
        fprintf(stderr, "*  issuer: %s\n", name);
    }
    if (emhttp_tls_verify_flags(t->tls) == 0) {
        fprintf(stderr, "*  SSL certificate verify ok.\n");
    } else {
        fprintf(stderr, "*  SSL certificate verify result: flags 0x%x, continuing anyway.\n",
                (unsigned)emhttp_tls_verify_flags(t->tls));
    }
}
#endif

/* ---- the transport ----------------------------------------------------- */

static int tr_connect(void *ctx, const char *host, const emhttp_ip_addr *addr, uint16_t port)
{
    cli_trace *t = ctx;
    if (t->want_version) { /* a request re-sent on a fresh connection */
        t->in_req_head = true;
    }
    t->line_len = 0;
    t->want_version = false;
    return t->lower.ops->connect(t->lower.ctx, host, addr, port);
}

static int tr_connect_poll(void *ctx)
{
    cli_trace *t = ctx;
    return t->lower.ops->connect_poll(t->lower.ctx);
}

static int tr_handshake(void *ctx)
{
    cli_trace *t = ctx;
    int rc = t->lower.ops->handshake(t->lower.ctx);
#if CONFIG_EMHTTP_TLS
    if (t->verbose && t->tls != NULL && (rc == EMHTTP_OK || rc == EMHTTP_HANDSHAKE_RESUMED)) {
        print_tls(t, rc == EMHTTP_HANDSHAKE_RESUMED);
    }
#endif
    return rc;
}

static long tr_send(void *ctx, const uint8_t *buf, size_t len, unsigned flags)
{
    cli_trace *t = ctx;
    long n = t->lower.ops->send(t->lower.ctx, buf, len, flags);
    if (n > 0) {
        sent_bytes(t, buf, (size_t)n);
    }
    return n;
}

static long tr_sendv(void *ctx, const emhttp_iov *iov, size_t iovcnt)
{
    cli_trace *t = ctx;
    long n = t->lower.ops->sendv(t->lower.ctx, iov, iovcnt);
    size_t left = n > 0 ? (size_t)n : 0;
    for (size_t i = 0; i < iovcnt && left > 0; i++) {
        size_t k = iov[i].len < left ? iov[i].len : left;
        sent_bytes(t, iov[i].base, k);
        left -= k;
    }
    return n;
}

static long tr_recv(void *ctx, uint8_t *buf, size_t len)
{
    cli_trace *t = ctx;
    long n = t->lower.ops->recv(t->lower.ctx, buf, len);
    if (n > 0) {
        received_bytes(t, buf, (size_t)n);
    }
    return n;
}

static void tr_close(void *ctx)
{
    cli_trace *t = ctx;
    t->lower.ops->close(t->lower.ctx);
}

static unsigned tr_want(void *ctx, unsigned dir)
{
    cli_trace *t = ctx;
    return t->lower.ops->want(t->lower.ctx, dir);
}

emhttp_transport cli_trace_wrap(cli_trace *t, emhttp_transport lower)
{
    const emhttp_transport_ops *lo = lower.ops;
    t->lower = lower;
    t->ops = (emhttp_transport_ops){
        .flags = lo->flags,
        .connect = tr_connect,
        .connect_poll = tr_connect_poll,
        .handshake = lo->handshake ? tr_handshake : NULL,
        .send = tr_send,
        .sendv = lo->sendv ? tr_sendv : NULL,
        .recv = tr_recv,
        .close = tr_close,
        .want = lo->want ? tr_want : NULL,
    };
    return (emhttp_transport){&t->ops, t};
}
