/*
 * tls_pair.h - an emhttp TLS client and an in-process mbedTLS server joined
 * by two in-memory pipes, for the TLS unit test and the fuzz harness.
 *
 * The server has a P-256 key and a self-signed certificate for
 * "localhost", made at start-up with mbedTLS (nothing copied in), session
 * tickets, and a deterministic random generator shared with the client
 * (reseeded per case).  The client's port is a mock: send/recv move bytes
 * through the pipes, with an optional per-call budget (partial writes,
 * WANT_WRITE), an end of stream and a reset to inject.  The server's
 * output can be cut at any byte and followed by other bytes (garbage or
 * truncation as the server's bytes during the handshake).
 *
 * Everything is static: one pair per process.  Failures of the set-up
 * itself abort().
 */
#ifndef EMHTTP_TLS_PAIR_H
#define EMHTTP_TLS_PAIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include "emhttp/tls.h"

#define PIPE_SIZE (1u << 17)

typedef struct {
    uint8_t buf[PIPE_SIZE];
    size_t head, tail; /* bytes [head, tail) are queued */
    int eof;
} pipe_t;

static struct {
    pipe_t c2s, s2c;
    size_t send_budget;   /* client port: bytes per send call, 0 = all */
    int recv_reset;       /* client port: recv fails with a reset */
    int send_reset;       /* client port: send fails with a reset */
    /* the server's output: bytes after `cut` are replaced by `tail` */
    size_t srv_total, cut;
    const uint8_t *tail;
    size_t tail_len;
    int cutting, tail_done;
    uint64_t rng;
    /* server */
    mbedtls_pk_context key;
    mbedtls_x509_crt crt;
    mbedtls_ssl_config conf;
    mbedtls_ssl_ticket_context tickets;
    mbedtls_ssl_context srv;
    int srv_state; /* 0 handshaking, 1 done, -1 failed */
    uint8_t der[1024];
    size_t der_len;
} pair;

/* ---- deterministic randomness ------------------------------------------- */

static int pair_rng(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        pair.rng ^= pair.rng << 13;
        pair.rng ^= pair.rng >> 7;
        pair.rng ^= pair.rng << 17;
        out[i] = (unsigned char)(pair.rng >> 24);
    }
    return 0;
}

/* ---- pipes ---------------------------------------------------------------- */

static size_t pipe_len(const pipe_t *p) { return p->tail - p->head; }

static void pipe_put(pipe_t *p, const uint8_t *d, size_t n)
{
    if (n == 0) {
        return;
    }
    if (p->head == p->tail) {
        p->head = p->tail = 0;
    }
    if (n > PIPE_SIZE - p->tail) {
        memmove(p->buf, p->buf + p->head, pipe_len(p));
        p->tail -= p->head;
        p->head = 0;
    }
    if (n > PIPE_SIZE - p->tail) {
        n = PIPE_SIZE - p->tail; /* overflow: drop (never in practice) */
    }
    memcpy(p->buf + p->tail, d, n);
    p->tail += n;
}

static size_t pipe_get(pipe_t *p, uint8_t *d, size_t n)
{
    size_t k = pipe_len(p) < n ? pipe_len(p) : n;
    memcpy(d, p->buf + p->head, k);
    p->head += k;
    return k;
}

/* ---- the client's mock port ------------------------------------------------ */

static long cport_send(void *ctx, const uint8_t *buf, size_t len, unsigned flags)
{
    (void)ctx;
    (void)flags;
    if (pair.send_reset) {
        return EMHTTP_ERR_RESET;
    }
    if (pair.send_budget != 0 && len > pair.send_budget) {
        len = pair.send_budget;
    }
    pair_rng(NULL, (unsigned char *)&flags, sizeof flags);
    if (pair.send_budget != 0 && (flags & 3u) == 0) {
        return 0; /* "no room now" now and then */
    }
    pipe_put(&pair.c2s, buf, len);
    return (long)len;
}

static long cport_recv(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    size_t n = pipe_get(&pair.s2c, buf, len);
    if (n > 0) {
        return (long)n;
    }
    if (pair.recv_reset) {
        return EMHTTP_ERR_RESET;
    }
    return pair.s2c.eof ? EMHTTP_ERR_CLOSED : 0;
}

static const emhttp_transport_ops cport_ops = {.send = cport_send, .recv = cport_recv};

static emhttp_transport pair_port(void) { return (emhttp_transport){&cport_ops, NULL}; }

/* ---- the server's BIO ---------------------------------------------------- */

static int srv_send(void *ctx, const unsigned char *buf, size_t len)
{
    (void)ctx;
    size_t keep = len;
    if (pair.cutting) {
        keep = pair.srv_total >= pair.cut ? 0 : pair.cut - pair.srv_total;
        keep = keep < len ? keep : len;
    }
    pipe_put(&pair.s2c, buf, keep);
    pair.srv_total += len;
    if (pair.cutting && pair.srv_total >= pair.cut && !pair.tail_done) {
        pair.tail_done = 1;
        pipe_put(&pair.s2c, pair.tail, pair.tail_len);
        pair.s2c.eof = 1; /* after the replacement, the stream ends */
    }
    return (int)len;
}

static int srv_recv(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    size_t n = pipe_get(&pair.c2s, buf, len);
    if (n > 0) {
        return (int)n;
    }
    return pair.c2s.eof ? MBEDTLS_ERR_SSL_CONN_EOF : MBEDTLS_ERR_SSL_WANT_READ;
}

/* ---- set-up ------------------------------------------------------------- */

static void check(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "tls_pair: %s failed: -0x%04x\n", what, (unsigned)-rc);
        abort();
    }
}

static void make_certificate(void)
{
    mbedtls_x509write_cert w;
    mbedtls_mpi serial;
    static uint8_t out[1024];
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&serial);
    check(mbedtls_mpi_lset(&serial, 4711), "serial");
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    check(mbedtls_x509write_crt_set_serial(&w, &serial), "set serial");
    check(mbedtls_x509write_crt_set_validity(&w, "20200101000000", "20991231235959"), "validity");
    check(mbedtls_x509write_crt_set_subject_name(&w, "CN=localhost"), "subject");
    check(mbedtls_x509write_crt_set_issuer_name(&w, "CN=localhost"), "issuer");
    mbedtls_x509write_crt_set_subject_key(&w, &pair.key);
    mbedtls_x509write_crt_set_issuer_key(&w, &pair.key);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    check(mbedtls_x509write_crt_set_basic_constraints(&w, 1, 0), "constraints");
    int n = mbedtls_x509write_crt_der(&w, out, sizeof out, pair_rng, NULL);
    if (n <= 0) {
        check(n ? n : -1, "write certificate");
    }
    memcpy(pair.der, out + sizeof out - (size_t)n, (size_t)n);
    pair.der_len = (size_t)n;
    mbedtls_x509write_crt_free(&w);
    mbedtls_mpi_free(&serial);
}

/* Once per process: key, certificate, server configuration. */
static void pair_setup(void)
{
    pair.rng = 0x9E3779B97F4A7C15ull;
    mbedtls_pk_init(&pair.key);
    mbedtls_x509_crt_init(&pair.crt);
    mbedtls_ssl_config_init(&pair.conf);
    mbedtls_ssl_ticket_init(&pair.tickets);
    mbedtls_ssl_init(&pair.srv);
    check(mbedtls_pk_setup(&pair.key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk");
    check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pair.key), pair_rng, NULL),
          "key");
    make_certificate();
    check(mbedtls_x509_crt_parse_der(&pair.crt, pair.der, pair.der_len), "parse certificate");
    check(mbedtls_ssl_config_defaults(&pair.conf, MBEDTLS_SSL_IS_SERVER,
                                      MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT),
          "server defaults");
    mbedtls_ssl_conf_rng(&pair.conf, pair_rng, NULL);
    check(mbedtls_ssl_conf_own_cert(&pair.conf, &pair.crt, &pair.key), "own cert");
    check(mbedtls_ssl_ticket_setup(&pair.tickets, pair_rng, NULL, MBEDTLS_CIPHER_AES_256_GCM,
                                   86400),
          "tickets");
    mbedtls_ssl_conf_session_tickets_cb(&pair.conf, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, &pair.tickets);
    check(mbedtls_ssl_setup(&pair.srv, &pair.conf), "server setup");
    mbedtls_ssl_set_bio(&pair.srv, NULL, srv_send, srv_recv, NULL);
}

/* The client's configuration for this server (it trusts the certificate). */
static emhttp_tls_config pair_client_config(void)
{
    emhttp_tls_config tc = {.hostname = "localhost", .ca = pair.der, .ca_len = pair.der_len,
                            .rng = pair_rng};
    return tc;
}

/* A new connection: empty pipes, no faults, a fresh server session. */
static void pair_reset(uint64_t seed)
{
    memset(&pair.c2s, 0, sizeof pair.c2s);
    memset(&pair.s2c, 0, sizeof pair.s2c);
    pair.send_budget = 0;
    pair.recv_reset = pair.send_reset = 0;
    pair.srv_total = pair.cut = pair.tail_len = 0;
    pair.tail = NULL;
    pair.cutting = pair.tail_done = 0;
    pair.rng = seed | 1u;
    pair.srv_state = 0;
    check(mbedtls_ssl_session_reset(&pair.srv), "server reset");
}

/* From now on the server's bytes after @p cut are replaced by @p tail. */
static void pair_cut(size_t cut, const uint8_t *tail, size_t tail_len)
{
    pair.cutting = 1;
    pair.cut = cut;
    pair.tail = tail;
    pair.tail_len = tail_len;
    if (pair.srv_total >= cut) {
        pair.tail_done = 1;
        pipe_put(&pair.s2c, tail, tail_len);
        pair.s2c.eof = 1;
    }
}

static void server_step(void)
{
    if (pair.srv_state == 0) {
        int rc = mbedtls_ssl_handshake(&pair.srv);
        if (rc == 0) {
            pair.srv_state = 1;
        } else if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
            pair.srv_state = -1;
        }
    }
}

/* Run the handshake to its end.  When the client waits for bytes the
 * server will never send (it failed, or it waits itself), the client's
 * stream ends.  Returns emhttp_tls_handshake()'s final result. */
/* One client handshake step, then the server's answer to it. */
static int pair_handshake_step(emhttp_tls *t)
{
    int rc = emhttp_tls_handshake(t);
    if (rc != EMHTTP_PENDING) {
        return rc;
    }
    size_t before = pipe_len(&pair.s2c);
    server_step();
    if (emhttp_tls_want(t) == EMHTTP_WAIT_READ && pipe_len(&pair.s2c) == before &&
        before == 0 && (pair.srv_state != 0 || pipe_len(&pair.c2s) == 0)) {
        pair.s2c.eof = 1;
    }
    return rc;
}

static int pair_handshake(emhttp_tls *t, int *steps)
{
    for (int i = 0; i < 4000; i++) {
        int rc = pair_handshake_step(t);
        if (steps != NULL) {
            (*steps)++;
        }
        if (rc != EMHTTP_PENDING) {
            return rc;
        }
    }
    return EMHTTP_PENDING; /* never reached unless the handshake loops */
}

#endif /* EMHTTP_TLS_PAIR_H */
