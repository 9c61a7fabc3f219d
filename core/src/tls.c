/*
 * tls.c - the TLS transport: mbedTLS over the port's TCP connection.
 *
 * The lower transport's send/recv (the port's TCP) become mbedTLS's BIO
 * callbacks: 0 bytes map to
 * MBEDTLS_ERR_SSL_WANT_WRITE / _WANT_READ, the port's EMHTTP_ERR_CLOSED to
 * mbedTLS's end of stream (0), other port errors are remembered (io_err_)
 * and handed back to the client unchanged.  The handshake advances one
 * mbedTLS step per call, so one poll does at most one public-key operation.
 *
 * Calls that differ between mbedTLS versions live in tls_compat.h.
 * Nothing here allocates: mbedTLS does, in its heap or static arena.
 */
#include "emhttp/tls.h"

#if CONFIG_EMHTTP_TLS

#include <limits.h>
#include <string.h>

#include <mbedtls/net_sockets.h>

#include "emhttp/url.h"
#include "tls_compat.h"

#if defined(MBEDTLS_ECP_RESTARTABLE)
#include "mbedtls/ecp.h"
#endif

/* flags_ */
#define TF_INIT 0x001u        /* contexts initialised (free them) */
#define TF_INSECURE 0x002u
#define TF_HAVE_SESSION 0x004u /* session_ holds a session to resume */
#define TF_HANDSHAKING 0x008u
#define TF_OFFERED 0x010u     /* this handshake offered session_ */
#define TF_FULL 0x020u        /* this handshake went through a key exchange */
#define TF_RESUMED 0x040u
#define TF_PIN_FAILED 0x080u
#define TF_SELF_SIGNED 0x100u /* the server's certificate signs itself */
#define TF_IP_HOST 0x200u     /* the host is an IP literal (ip_) */
#define TF_BEGUN 0x400u       /* the transport began a session on this connection */
#define TF_DONE 0x800u        /* a handshake completed on this connection */

#define HS_RESET_FLAGS \
    (TF_HANDSHAKING | TF_OFFERED | TF_FULL | TF_RESUMED | TF_PIN_FAILED | TF_SELF_SIGNED | TF_DONE)

/* P-256 and X25519 first: with mbedTLS's default order (largest first) a
 * server that follows the client's preference settles on P-521, which
 * costs 1.6 times as much.  The rest stay on the list because it also
 * limits the curves accepted for the server's certificate key. */
static const mbedtls_ecp_group_id curves[] = {
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
    MBEDTLS_ECP_DP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
    MBEDTLS_ECP_DP_CURVE25519,
#endif
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED)
    MBEDTLS_ECP_DP_SECP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP521R1_ENABLED)
    MBEDTLS_ECP_DP_SECP521R1,
#endif
#if defined(MBEDTLS_ECP_DP_BP256R1_ENABLED)
    MBEDTLS_ECP_DP_BP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_BP384R1_ENABLED)
    MBEDTLS_ECP_DP_BP384R1,
#endif
    MBEDTLS_ECP_DP_NONE};

/* Forward-secret AEAD suites only (suites this mbedTLS lacks are skipped).
 * ChaCha20-Poly1305 first unless CONFIG_EMHTTP_TLS_CHACHA_FIRST is 0: on a
 * Cortex-M4 mbedTLS seals a 16 KB record with it in 0.33x-0.57x the
 * instructions of AES-128-GCM, a 200-byte one in 0.47x-0.79x, and on an
 * x86-64 host with AES-NI in 0.74x and 1.0x (docs/tls-suites.md). */
static const int default_suites[] = {
#if CONFIG_EMHTTP_TLS_CHACHA_FIRST
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
#if !CONFIG_EMHTTP_TLS_CHACHA_FIRST
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
    0};

/* ---- BIO: the port's TCP connection ------------------------------------- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    emhttp_tls *t = ctx;
    long n = t->lower_.ops->send(t->lower_.ctx, buf, len > INT_MAX ? INT_MAX : len, 0u);
    if (n > 0) {
        return (int)n;
    }
    if (n == 0) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    t->io_err_ = (int)n;
    return n == EMHTTP_ERR_RESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    emhttp_tls *t = ctx;
    long n = t->lower_.ops->recv(t->lower_.ctx, buf, len > INT_MAX ? INT_MAX : len);
    if (n > 0) {
        return (int)n;
    }
    if (n == 0) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    t->io_err_ = (int)n;
    if (n == EMHTTP_ERR_CLOSED) {
        return 0; /* end of stream */
    }
    return n == EMHTTP_ERR_RESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* ---- certificate checks (inside the handshake) -------------------------- */

static bool same_buf(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* mbedTLS 2.28 checks DNS names only: an IP literal host is matched
 * against the certificate's iPAddress names here. */
static bool san_has_ip(const mbedtls_x509_crt *crt, const uint8_t *ip, size_t len)
{
    for (const mbedtls_x509_sequence *s = tlsc_san(crt); s != NULL; s = s->next) {
        if ((s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK) == MBEDTLS_X509_SAN_IP_ADDRESS &&
            s->buf.len == len && memcmp(s->buf.p, ip, len) == 0) {
            return true;
        }
    }
    return false;
}

static bool pin_matches(const emhttp_tls *t, const mbedtls_x509_crt *crt)
{
    uint8_t h[EMHTTP_TLS_PIN_LEN];
    const mbedtls_x509_buf *spki = tlsc_spki(crt);
    if (tlsc_sha256(spki->p, spki->len, h) != 0) {
        return false;
    }
    for (unsigned i = 0; i < t->npins_; i++) {
        if (memcmp(h, t->pins_[i], sizeof h) == 0) {
            return true;
        }
    }
    return false;
}

/* Called by mbedTLS for every certificate of the chain, the server's own
 * last (depth 0).  A pin mismatch is fatal even when verification is off. */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    emhttp_tls *t = ctx;
    if (depth == 0) {
        if ((t->flags_ & TF_IP_HOST) && !san_has_ip(crt, t->ip_, t->ip_len_)) {
            *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
        }
        if (same_buf(tlsc_subject(crt), tlsc_issuer(crt))) {
            t->flags_ |= TF_SELF_SIGNED;
        }
    }
    t->vflags_ |= *flags;
    if (depth == 0 && t->npins_ > 0 && !pin_matches(t, crt)) {
        t->flags_ |= TF_PIN_FAILED;
        return MBEDTLS_ERR_X509_FATAL_ERROR;
    }
    return 0;
}

/* ---- setup -------------------------------------------------------------- */

/* mbedTLS 2.28 negotiates a fragment length only up to the smaller of its
 * two record buffers (it applies to both directions). */
#define RECORD_LEN                                                        \
    (MBEDTLS_SSL_IN_CONTENT_LEN < MBEDTLS_SSL_OUT_CONTENT_LEN ? MBEDTLS_SSL_IN_CONTENT_LEN \
                                                             : MBEDTLS_SSL_OUT_CONTENT_LEN)

/* mbedTLS's code for a fragment length; 0 = do not negotiate, -1 = invalid. */
static int mfl_code(unsigned len)
{
    if (len == 0) {
        len = CONFIG_EMHTTP_TLS_MAX_FRAG_LEN;
    }
    if (len == 0) { /* auto: the largest that fits the record buffers */
        len = RECORD_LEN >= 16384 ? 16384u
              : RECORD_LEN >= 4096 ? 4096u
              : RECORD_LEN >= 2048 ? 2048u
              : RECORD_LEN >= 1024 ? 1024u : 512u;
    }
    switch (len) {
    case 512: return MBEDTLS_SSL_MAX_FRAG_LEN_512;
    case 1024: return MBEDTLS_SSL_MAX_FRAG_LEN_1024;
    case 2048: return MBEDTLS_SSL_MAX_FRAG_LEN_2048;
    case 4096: return MBEDTLS_SSL_MAX_FRAG_LEN_4096;
    case 16384: return MBEDTLS_SSL_MAX_FRAG_LEN_NONE;
    default: return -1;
    }
}

/* A client certificate comes with its key, in a build that takes one. */
static int check_identity(const emhttp_tls_config *cfg)
{
    bool cert = cfg->client_cert != NULL && cfg->client_cert_len > 0;
    bool key = cfg->client_key != NULL && cfg->client_key_len > 0;
    if (cert != key) {
        return EMHTTP_ERR_ARG;
    }
    return cert && !CONFIG_EMHTTP_TLS_CLIENT_CERT ? EMHTTP_ERR_UNSUPPORTED : EMHTTP_OK;
}

static int check_config(const emhttp_tls_config *cfg)
{
    if (cfg == NULL || cfg->hostname == NULL || cfg->hostname[0] == '\0' ||
        strlen(cfg->hostname) > CONFIG_EMHTTP_MAX_HOST_LEN) {
        return EMHTTP_ERR_ARG;
    }
    if ((cfg->ca == NULL || cfg->ca_len == 0) && !cfg->insecure) {
        return EMHTTP_ERR_ARG;
    }
    if (cfg->pin_count > CONFIG_EMHTTP_TLS_MAX_PINS || (cfg->pin_count > 0 && cfg->pins == NULL)) {
        return EMHTTP_ERR_ARG;
    }
    int rc = check_identity(cfg);
    return rc != EMHTTP_OK ? rc : mfl_code(cfg->max_frag_len) < 0 ? EMHTTP_ERR_ARG : EMHTTP_OK;
}

static int fail(emhttp_tls *t, int mbedtls_rc, int err)
{
    t->last_err_ = mbedtls_rc;
    return err;
}

static int seed_rng(emhttp_tls *t, const emhttp_tls_config *cfg)
{
    static const unsigned char pers[] = "emhttp";
    int rc;
    if (cfg->rng != NULL) {
        mbedtls_ssl_conf_rng(&t->conf_, cfg->rng, cfg->rng_ctx);
        return EMHTTP_OK;
    }
    if (cfg->entropy != NULL) {
        rc = mbedtls_entropy_add_source(&t->entropy_, cfg->entropy, cfg->entropy_ctx, 32,
                                        MBEDTLS_ENTROPY_SOURCE_STRONG);
        if (rc != 0) {
            return fail(t, rc, EMHTTP_ERR_TLS_CONFIG);
        }
    }
    rc = mbedtls_ctr_drbg_seed(&t->drbg_, mbedtls_entropy_func, &t->entropy_, pers,
                               sizeof pers - 1);
    if (rc != 0) {
        return fail(t, rc, EMHTTP_ERR_TLS_CONFIG);
    }
    mbedtls_ssl_conf_rng(&t->conf_, mbedtls_ctr_drbg_random, &t->drbg_);
    return EMHTTP_OK;
}

static int configure(emhttp_tls *t, const emhttp_tls_config *cfg)
{
    int rc = mbedtls_ssl_config_defaults(&t->conf_, MBEDTLS_SSL_IS_CLIENT,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) {
        return fail(t, rc, EMHTTP_ERR_TLS_CONFIG);
    }
    tlsc_conf_min_tls12(&t->conf_);
    tlsc_conf_curves(&t->conf_, curves);
    mbedtls_ssl_conf_ciphersuites(&t->conf_, cfg->ciphersuites ? cfg->ciphersuites : default_suites);
    mbedtls_ssl_conf_authmode(&t->conf_, cfg->insecure ? MBEDTLS_SSL_VERIFY_OPTIONAL
                                                       : MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_verify(&t->conf_, verify_cb, t);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(&t->conf_, CONFIG_EMHTTP_TLS_RESUME
                                                    ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                    : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif
#if defined(MBEDTLS_ECP_RESTARTABLE)
    /* Bounded work per poll: an ECC operation (ECDHE, ECDSA verify, about
     * a second of a Cortex-M4 in a full handshake) stops after this many
     * basic operations and resumes at the next poll.  mbedTLS keeps the
     * limit in one global: every client shares it. */
    mbedtls_ecp_set_max_ops(CONFIG_EMHTTP_TLS_ECP_MAX_OPS);
#endif
    int mfl = mfl_code(cfg->max_frag_len);
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
    rc = mbedtls_ssl_conf_max_frag_len(&t->conf_, (unsigned char)mfl);
    if (rc != 0) {
        return fail(t, rc, EMHTTP_ERR_ARG);
    }
#else
    if (mfl != MBEDTLS_SSL_MAX_FRAG_LEN_NONE) {
        return EMHTTP_ERR_ARG;
    }
#endif
    return seed_rng(t, cfg);
}

/* The host: an IP literal is kept for the certificate check and never
 * sent as SNI; a name goes to mbedTLS (SNI and verification). */
static int set_host(emhttp_tls *t, const char *host)
{
    emhttp_ip_addr ip;
    if (emhttp_ip_parse(host, strlen(host), &ip) == EMHTTP_OK) {
        t->ip_len_ = ip.family == EMHTTP_AF_INET ? 4 : 16;
        memcpy(t->ip_, ip.bytes, t->ip_len_);
        t->flags_ |= TF_IP_HOST;
        return EMHTTP_OK;
    }
    int rc = mbedtls_ssl_set_hostname(&t->ssl_, host);
    return rc == 0 ? EMHTTP_OK : fail(t, rc, EMHTTP_ERR_TLS_CONFIG);
}

/* PEM (ends with its NUL) into the heap, or one DER certificate referenced
 * in place: the rule of emhttp_tls_add_ca(). */
static int parse_crt(emhttp_tls *t, mbedtls_x509_crt *chain, const uint8_t *buf, size_t len)
{
    int rc = buf[len - 1] == '\0' ? mbedtls_x509_crt_parse(chain, buf, len)
                                  : mbedtls_x509_crt_parse_der_nocopy(chain, buf, len);
    if (rc > 0) {
        rc = MBEDTLS_ERR_X509_INVALID_FORMAT; /* some certificates of the PEM did not parse */
    }
    return rc == 0 ? EMHTTP_OK : fail(t, rc, EMHTTP_ERR_TLS_CONFIG);
}

#if CONFIG_EMHTTP_TLS_CLIENT_CERT
/* Mutual TLS: the client certificate and its key.  The key buffer is only
 * read here: mbedTLS parses it into own_key_ (its heap or arena). */
static int set_identity(emhttp_tls *t, const emhttp_tls_config *cfg)
{
    if (cfg->client_cert == NULL || cfg->client_cert_len == 0) {
        return EMHTTP_OK;
    }
    int rc = parse_crt(t, &t->own_cert_, cfg->client_cert, cfg->client_cert_len);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    rc = tlsc_pk_parse_key(&t->own_key_, cfg->client_key, cfg->client_key_len);
    if (rc == 0) {
        rc = tlsc_pk_check_pair(tlsc_crt_pk(&t->own_cert_), &t->own_key_);
    }
    if (rc == 0) {
        rc = mbedtls_ssl_conf_own_cert(&t->conf_, &t->own_cert_, &t->own_key_);
    }
    return rc == 0 ? EMHTTP_OK : fail(t, rc, EMHTTP_ERR_TLS_CONFIG);
}
#else
static int set_identity(emhttp_tls *t, const emhttp_tls_config *cfg)
{
    (void)t;
    (void)cfg; /* check_config() refused a certificate */
    return EMHTTP_OK;
}
#endif

static int setup(emhttp_tls *t, const emhttp_tls_config *cfg)
{
    if (cfg->pin_count > 0) {
        memcpy(t->pins_, cfg->pins, cfg->pin_count * EMHTTP_TLS_PIN_LEN);
        t->npins_ = (uint8_t)cfg->pin_count;
    }
    if (cfg->insecure) {
        t->flags_ |= TF_INSECURE;
    }
    int rc = configure(t, cfg);
    if (rc == EMHTTP_OK && cfg->ca != NULL && cfg->ca_len > 0) {
        rc = emhttp_tls_add_ca(t, cfg->ca, cfg->ca_len);
    }
    if (rc == EMHTTP_OK) {
        rc = set_identity(t, cfg);
    }
    if (rc != EMHTTP_OK) {
        return rc;
    }
    rc = mbedtls_ssl_setup(&t->ssl_, &t->conf_);
    if (rc != 0) {
        return fail(t, rc, EMHTTP_ERR_TLS_CONFIG);
    }
    mbedtls_ssl_set_bio(&t->ssl_, t, bio_send, bio_recv, NULL);
    return set_host(t, cfg->hostname);
}

int emhttp_tls_init_checked(emhttp_tls *t, const emhttp_tls_config *cfg, uint32_t abi_tag,
                            size_t tls_size)
{
    int rc = emhttp_abi_check(abi_tag, tls_size, sizeof *t);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    if (t == NULL) {
        return EMHTTP_ERR_ARG;
    }
    rc = check_config(cfg);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    memset(t, 0, sizeof *t);
    mbedtls_ssl_init(&t->ssl_);
    mbedtls_ssl_config_init(&t->conf_);
    mbedtls_x509_crt_init(&t->ca_);
    mbedtls_ssl_session_init(&t->session_);
#if CONFIG_EMHTTP_TLS_CLIENT_CERT
    mbedtls_x509_crt_init(&t->own_cert_);
    mbedtls_pk_init(&t->own_key_);
#endif
    mbedtls_entropy_init(&t->entropy_);
    mbedtls_ctr_drbg_init(&t->drbg_);
    t->flags_ = TF_INIT;
    rc = setup(t, cfg);
    if (rc != EMHTTP_OK) {
        int err = t->last_err_;
        emhttp_tls_free(t);
        t->last_err_ = err;
    }
    return rc;
}

int emhttp_tls_add_ca(emhttp_tls *t, const uint8_t *ca, size_t len)
{
    if (t == NULL || !(t->flags_ & TF_INIT) || (t->flags_ & TF_HANDSHAKING) || ca == NULL ||
        len == 0) {
        return EMHTTP_ERR_ARG;
    }
    /* PEM ends with its NUL; anything else is one DER certificate. */
    int rc = parse_crt(t, &t->ca_, ca, len);
    if (rc != EMHTTP_OK) {
        return rc;
    }
    mbedtls_ssl_conf_ca_chain(&t->conf_, &t->ca_, NULL);
    return EMHTTP_OK;
}

void emhttp_tls_free(emhttp_tls *t)
{
    if (t == NULL || !(t->flags_ & TF_INIT)) {
        return;
    }
    mbedtls_ssl_free(&t->ssl_);
    mbedtls_ssl_config_free(&t->conf_);
    mbedtls_x509_crt_free(&t->ca_);
    mbedtls_ssl_session_free(&t->session_);
#if CONFIG_EMHTTP_TLS_CLIENT_CERT
    mbedtls_x509_crt_free(&t->own_cert_);
    mbedtls_pk_free(&t->own_key_); /* zeroizes the key's numbers, then frees them */
#endif
    mbedtls_ctr_drbg_free(&t->drbg_);
    mbedtls_entropy_free(&t->entropy_);
    memset(t, 0, sizeof *t);
}

void emhttp_tls_forget_session(emhttp_tls *t)
{
    if (t != NULL && (t->flags_ & TF_HAVE_SESSION)) {
        mbedtls_ssl_session_free(&t->session_);
        mbedtls_ssl_session_init(&t->session_);
        t->flags_ &= (uint16_t)~TF_HAVE_SESSION;
    }
}

int emhttp_tls_session_save(const emhttp_tls *t, uint8_t *buf, size_t size, size_t *len)
{
    if (t == NULL || len == NULL || (buf == NULL && size > 0) || !(t->flags_ & TF_HAVE_SESSION)) {
        return EMHTTP_ERR_ARG;
    }
    int rc = mbedtls_ssl_session_save(&t->session_, buf, size, len);
    return rc == 0 ? EMHTTP_OK : EMHTTP_ERR_TLS_CONFIG; /* too small: *len = size needed */
}

int emhttp_tls_session_load(emhttp_tls *t, const uint8_t *buf, size_t len)
{
    if (t == NULL || buf == NULL || !(t->flags_ & TF_INIT) || (t->flags_ & TF_HANDSHAKING)) {
        return EMHTTP_ERR_ARG;
    }
    emhttp_tls_forget_session(t);
    int rc = mbedtls_ssl_session_load(&t->session_, buf, len);
    if (rc != 0) { /* a partly loaded session may hold memory */
        mbedtls_ssl_session_free(&t->session_);
        mbedtls_ssl_session_init(&t->session_);
        return fail(t, rc, EMHTTP_ERR_TLS_CONFIG);
    }
    t->flags_ |= TF_HAVE_SESSION;
    return EMHTTP_OK;
}

int emhttp_tls_last_error(const emhttp_tls *t) { return t != NULL ? t->last_err_ : 0; }

uint32_t emhttp_tls_verify_flags(const emhttp_tls *t) { return t != NULL ? t->vflags_ : 0; }

/* ---- static arena ------------------------------------------------------- */

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
static size_t arena_size;

int emhttp_tls_arena_init(uint8_t *buf, size_t len)
{
    if (buf == NULL || len < 1024) {
        return EMHTTP_ERR_ARG;
    }
    mbedtls_memory_buffer_alloc_init(buf, len);
    arena_size = len;
    return EMHTTP_OK;
}

int emhttp_tls_arena_get_stats(emhttp_tls_arena_stats *out)
{
    if (out == NULL || arena_size == 0) {
        return out == NULL ? EMHTTP_ERR_ARG : EMHTTP_ERR_TLS_CONFIG;
    }
    memset(out, 0, sizeof *out);
    out->size = arena_size;
    out->header = tlsc_arena_header();
#if defined(MBEDTLS_MEMORY_DEBUG)
    mbedtls_memory_buffer_alloc_cur_get(&out->used, &out->blocks);
    mbedtls_memory_buffer_alloc_max_get(&out->peak, &out->peak_blocks);
#endif
    return EMHTTP_OK;
}
#else
int emhttp_tls_arena_init(uint8_t *buf, size_t len)
{
    (void)buf;
    (void)len;
    return EMHTTP_ERR_TLS_CONFIG;
}

int emhttp_tls_arena_get_stats(emhttp_tls_arena_stats *out)
{
    (void)out;
    return EMHTTP_ERR_TLS_CONFIG;
}
#endif

/* ---- transport ---------------------------------------------------------- */

int emhttp_tls_begin(emhttp_tls *t, const emhttp_transport *lower)
{
    t->lower_ = *lower;
    t->io_err_ = 0;
    t->later_err_ = 0;
    t->wr_pending_ = 0;
    t->vflags_ = 0;
    t->want_ = 0;
    t->flags_ &= (uint16_t)~HS_RESET_FLAGS;
    int rc = mbedtls_ssl_session_reset(&t->ssl_);
    if (rc != 0) {
        return fail(t, rc, EMHTTP_ERR_TLS_CONFIG);
    }
    if ((t->flags_ & TF_HAVE_SESSION) && mbedtls_ssl_set_session(&t->ssl_, &t->session_) == 0) {
        t->flags_ |= TF_OFFERED;
    }
    t->flags_ |= TF_HANDSHAKING;
    return EMHTTP_OK;
}

static int cert_error(const emhttp_tls *t, uint32_t f)
{
    if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        return (t->flags_ & TF_SELF_SIGNED) ? EMHTTP_ERR_TLS_CERT_SELF_SIGNED
                                            : EMHTTP_ERR_TLS_CERT_UNTRUSTED;
    }
    if (f & MBEDTLS_X509_BADCERT_EXPIRED) {
        return EMHTTP_ERR_TLS_CERT_EXPIRED;
    }
    if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        return EMHTTP_ERR_TLS_CERT_HOSTNAME;
    }
    return EMHTTP_ERR_TLS_CERT;
}

/* A failed handshake: name the reason; the saved session is dropped (the
 * next attempt starts afresh). */
static int handshake_failed(emhttp_tls *t, int rc)
{
    t->last_err_ = rc;
    t->want_ = 0;
    t->flags_ &= (uint16_t)~TF_HANDSHAKING;
    t->vflags_ |= tlsc_verify_result(&t->ssl_);
    emhttp_tls_forget_session(t);
    if (t->flags_ & TF_PIN_FAILED) {
        return EMHTTP_ERR_TLS_PIN;
    }
    if (t->vflags_ != 0 && !(t->flags_ & TF_INSECURE) &&
        (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || rc == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE)) {
        return cert_error(t, t->vflags_);
    }
    return EMHTTP_ERR_TLS_HANDSHAKE;
}

static int handshake_done(emhttp_tls *t)
{
    t->want_ = 0;
    t->flags_ &= (uint16_t)~TF_HANDSHAKING;
    t->flags_ |= TF_DONE;
    if ((t->flags_ & TF_OFFERED) && !(t->flags_ & TF_FULL)) {
        t->flags_ |= TF_RESUMED;
    }
#if CONFIG_EMHTTP_TLS_RESUME
    /* Copies the session (and its ticket) for the next connection. */
    if (mbedtls_ssl_get_session(&t->ssl_, &t->session_) == 0) {
        t->flags_ |= TF_HAVE_SESSION;
    } else {
        emhttp_tls_forget_session(t);
    }
#endif
    return EMHTTP_OK;
}

int emhttp_tls_handshake(emhttp_tls *t)
{
    t->io_err_ = 0;
    int rc = mbedtls_ssl_handshake_step(&t->ssl_);
    if (tlsc_full_handshake_state(tlsc_state(&t->ssl_))) {
        t->flags_ |= TF_FULL;
    }
    switch (rc) {
    case 0:
        if (tlsc_handshake_over(&t->ssl_)) {
            return handshake_done(t);
        }
        t->want_ = 0; /* the next step needs no I/O first */
        return EMHTTP_PENDING;
    case MBEDTLS_ERR_SSL_WANT_READ: t->want_ = EMHTTP_WAIT_READ; return EMHTTP_PENDING;
    case MBEDTLS_ERR_SSL_WANT_WRITE: t->want_ = EMHTTP_WAIT_WRITE; return EMHTTP_PENDING;
    case MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS: t->want_ = 0; return EMHTTP_PENDING;
    default: return handshake_failed(t, rc);
    }
}

/* A failed or incomplete mbedTLS read/write as the client sees it. */
static long io_result(emhttp_tls *t, int rc)
{
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
        rc == MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS) {
        return 0;
    }
    t->last_err_ = rc;
    if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        return EMHTTP_ERR_CLOSED;
    }
    if (rc == 0 || t->io_err_ == EMHTTP_ERR_CLOSED) {
        /* TCP ended without close_notify (mbedtls_ssl_read() returns 0):
         * anyone on the path can forge a FIN, so this is an abort, not an
         * end of data - a body delimited by the close must not be taken
         * as complete (RFC 8446 6.1). */
        return EMHTTP_ERR_RESET;
    }
    return t->io_err_ != 0 ? t->io_err_ : EMHTTP_ERR_TLS;
}

long emhttp_tls_send(emhttp_tls *t, const uint8_t *buf, size_t len)
{
    if (t->wr_pending_ != 0) { /* finish the record already built */
        if (len < t->wr_pending_) {
            return EMHTTP_ERR_TLS;
        }
        len = t->wr_pending_;
    }
    if (len == 0) {
        return 0;
    }
    t->io_err_ = 0;
    int n = mbedtls_ssl_write(&t->ssl_, buf, len);
    if (n > 0) {
        t->wr_pending_ = 0;
        return n;
    }
    if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ) {
        t->wr_pending_ = len;
    }
    return io_result(t, n);
}

long emhttp_tls_recv(emhttp_tls *t, uint8_t *buf, size_t len)
{
    size_t got = 0;
    if (t->later_err_ != 0) { /* met behind the bytes handed out last time */
        long err = t->later_err_;
        t->later_err_ = 0;
        return err;
    }
    while (got < len) { /* record after record: short means nothing more now */
        t->io_err_ = 0;
        int n = mbedtls_ssl_read(&t->ssl_, buf + got, len - got);
        if (n <= 0) {
            long rc = io_result(t, n);
            if (got == 0) {
                return rc;
            }
            t->later_err_ = (int)rc; /* the bytes first, the error next call */
            break;
        }
        got += (size_t)n;
    }
    return (long)got;
}

void emhttp_tls_end(emhttp_tls *t)
{
    if (tlsc_handshake_over(&t->ssl_)) {
        t->io_err_ = 0;
        (void)mbedtls_ssl_close_notify(&t->ssl_); /* best effort */
    }
    t->want_ = 0;
    t->wr_pending_ = 0;
    t->flags_ &= (uint16_t)~TF_HANDSHAKING;
}

unsigned emhttp_tls_want(const emhttp_tls *t) { return t->want_; }

bool emhttp_tls_ready(const emhttp_tls *t)
{
    if (t->flags_ & TF_HANDSHAKING) {
        return t->want_ == 0;
    }
    return t->later_err_ != 0 ||
           (tlsc_handshake_over(&t->ssl_) && mbedtls_ssl_check_pending(&t->ssl_) != 0);
}

bool emhttp_tls_resumed(const emhttp_tls *t) { return (t->flags_ & TF_RESUMED) != 0; }

const char *emhttp_tls_version(const emhttp_tls *t)
{
    return t != NULL && (t->flags_ & TF_DONE) ? mbedtls_ssl_get_version(&t->ssl_) : NULL;
}

const char *emhttp_tls_ciphersuite(const emhttp_tls *t)
{
    return t != NULL && (t->flags_ & TF_DONE) ? mbedtls_ssl_get_ciphersuite(&t->ssl_) : NULL;
}

int emhttp_tls_peer_name(const emhttp_tls *t, bool issuer, char *buf, size_t size)
{
    if (t == NULL || buf == NULL || size == 0 || !(t->flags_ & TF_DONE)) {
        return EMHTTP_ERR_ARG;
    }
    const mbedtls_x509_crt *crt = tlsc_peer_cert(&t->ssl_);
    if (crt == NULL) {
        return EMHTTP_ERR_UNSUPPORTED;
    }
    int n = mbedtls_x509_dn_gets(buf, size,
                                 issuer ? tlsc_issuer_name(crt) : tlsc_subject_name(crt));
    if (n < 0) {
        buf[0] = '\0';
        return EMHTTP_ERR_TX_OVERFLOW;
    }
    return EMHTTP_OK;
}

/* ---- the transport ops: TLS stacked on the lower transport ---------------- */

static int tr_connect(void *ctx, const char *host, const emhttp_ip_addr *addr, uint16_t port)
{
    emhttp_tls *t = ctx;
    t->flags_ &= (uint16_t)~TF_BEGUN;
    return t->lower_.ops->connect(t->lower_.ctx, host, addr, port);
}

static int tr_connect_poll(void *ctx)
{
    emhttp_tls *t = ctx;
    return t->lower_.ops->connect_poll(t->lower_.ctx);
}

static int tr_handshake(void *ctx)
{
    emhttp_tls *t = ctx;
    if (!(t->flags_ & TF_BEGUN)) { /* the first step on a new connection */
        emhttp_transport lower = t->lower_;
        int rc = emhttp_tls_begin(t, &lower);
        if (rc != EMHTTP_OK) {
            return rc;
        }
        t->flags_ |= TF_BEGUN;
    }
    int rc = emhttp_tls_handshake(t);
    return rc == EMHTTP_OK && emhttp_tls_resumed(t) ? EMHTTP_HANDSHAKE_RESUMED : rc;
}

static long tr_send(void *ctx, const uint8_t *buf, size_t len, unsigned flags)
{
    (void)flags; /* one record per call */
    return emhttp_tls_send(ctx, buf, len);
}

/* The head and the start of the body in one record when they fit one
 * (mbedTLS copies each straight into its record buffer, once; before, two
 * records: the head's and the body's).  As emhttp_tls_send(): a record
 * that could not be sent whole is finished by the next call, which must
 * offer at least as many bytes. */
static long tr_sendv(void *ctx, const emhttp_iov *iov, size_t iovcnt)
{
    emhttp_tls *t = ctx;
    const uint8_t *base[2];
    size_t len[2], total = 0, cnt = iovcnt < 2 ? iovcnt : 2, built;
    for (size_t i = 0; i < cnt; i++) {
        base[i] = iov[i].base;
        len[i] = iov[i].len;
        total += len[i];
    }
    if (total == 0) {
        return 0;
    }
    t->io_err_ = 0;
    if (t->wr_pending_ != 0) { /* finish the record already built */
        if (total < t->wr_pending_) {
            return EMHTTP_ERR_TLS;
        }
        int rc = tlsc_flush(&t->ssl_);
        if (rc != 0) {
            return io_result(t, rc);
        }
        built = t->wr_pending_;
        t->wr_pending_ = 0;
        return (long)built;
    }
    int rc = tlsc_write_gather(&t->ssl_, base, len, cnt, &built);
    if (rc == 0) {
        return (long)built;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) {
        t->wr_pending_ = built;
    }
    return io_result(t, rc);
}

static long tr_recv(void *ctx, uint8_t *buf, size_t len) { return emhttp_tls_recv(ctx, buf, len); }

static void tr_close(void *ctx)
{
    emhttp_tls *t = ctx;
    if (t->flags_ & TF_BEGUN) {
        emhttp_tls_end(t);
        t->flags_ &= (uint16_t)~TF_BEGUN;
    }
    t->lower_.ops->close(t->lower_.ctx);
}

static unsigned tr_want(void *ctx, unsigned dir)
{
    const emhttp_tls *t = ctx;
    if (t->flags_ & TF_HANDSHAKING) {
        return t->want_ != 0 ? t->want_ : EMHTTP_WAIT_NOW;
    }
    if ((dir & EMHTTP_WAIT_READ) && (t->flags_ & TF_BEGUN) && emhttp_tls_ready(t)) {
        return EMHTTP_WAIT_NOW; /* decrypted bytes held back */
    }
    if (dir == 0 && (t->flags_ & TF_BEGUN) == 0) {
        return EMHTTP_WAIT_NOW; /* the handshake's first step: no I/O needed first */
    }
    return dir;
}

static const emhttp_transport_ops tls_transport_ops = {
    .flags = EMHTTP_TRANSPORT_SECURE,
    .connect = tr_connect,
    .connect_poll = tr_connect_poll,
    .handshake = tr_handshake,
    .send = tr_send,
    .sendv = tr_sendv,
    .recv = tr_recv,
    .close = tr_close,
    .want = tr_want,
};

emhttp_transport emhttp_tls_transport(emhttp_tls *t, emhttp_transport lower)
{
    t->lower_ = lower;
    return (emhttp_transport){&tls_transport_ops, t};
}

#endif /* CONFIG_EMHTTP_TLS */
