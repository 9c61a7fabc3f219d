/*
 * tls_compat.h - every mbedTLS call of tls.c that differs between mbedTLS
 * major versions, in one place.  tls.c uses only these wrappers and the
 * calls that are the same in 2.28 and 3.x.
 *
 * Implemented: mbedTLS 2.28 (Debian bookworm's libmbedtls-dev).  Adding
 * 3.x means filling in the #else branch: in 3.x the context fields are
 * private (mbedtls_ssl_is_handshake_over(), mbedtls_ssl_get_... getters),
 * the SHA-256 call lost its _ret suffix, the curve list became a list of
 * TLS group ids (mbedtls_ssl_conf_groups()), the minimum version is set
 * with mbedtls_ssl_conf_min_tls_version(), mbedtls_ssl_get_session() may be
 * called once per connection, and TLS 1.3 tickets arrive after the
 * handshake.
 */
#ifndef EMHTTP_TLS_COMPAT_H
#define EMHTTP_TLS_COMPAT_H

#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#error "emhttp: mbedTLS 3.x is not supported yet; its calls go in core/src/tls_compat.h"
#endif

#if MBEDTLS_VERSION_NUMBER < 0x021C0000
#error "emhttp: needs mbedTLS 2.28 (LTS) or later"
#endif

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif

/* ---- handshake progress ------------------------------------------------- */

/** The client's handshake state (MBEDTLS_SSL_*: HELLO_REQUEST .. OVER). */
static inline int tlsc_state(const mbedtls_ssl_context *ssl) { return ssl->state; }

static inline bool tlsc_handshake_over(const mbedtls_ssl_context *ssl)
{
    return ssl->state == MBEDTLS_SSL_HANDSHAKE_OVER;
}

/** True in a state only a full handshake passes through (a resumed one
 *  goes from ServerHello straight to the server's ChangeCipherSpec). */
static inline bool tlsc_full_handshake_state(int state)
{
    return state == MBEDTLS_SSL_CLIENT_KEY_EXCHANGE;
}

/** Verification flags of the handshake running or just failed. */
static inline uint32_t tlsc_verify_result(const mbedtls_ssl_context *ssl)
{
    uint32_t f = mbedtls_ssl_get_verify_result(ssl);
    return f == UINT32_MAX ? 0 : f;
}

/* ---- configuration ------------------------------------------------------ */

/** TLS 1.2 at least (2.28 implements nothing newer). */
static inline void tlsc_conf_min_tls12(mbedtls_ssl_config *conf)
{
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
}

/** Offer these curves, in this order (list ends with MBEDTLS_ECP_DP_NONE). */
static inline void tlsc_conf_curves(mbedtls_ssl_config *conf, const mbedtls_ecp_group_id *list)
{
    mbedtls_ssl_conf_curves(conf, list);
}

/* ---- certificates ------------------------------------------------------- */

static inline int tlsc_sha256(const uint8_t *in, size_t len, uint8_t out[32])
{
    return mbedtls_sha256_ret(in, len, out, 0);
}

/** DER SubjectPublicKeyInfo, subject and issuer of a parsed certificate. */
static inline const mbedtls_x509_buf *tlsc_spki(const mbedtls_x509_crt *crt) { return &crt->pk_raw; }
static inline const mbedtls_x509_buf *tlsc_subject(const mbedtls_x509_crt *crt)
{
    return &crt->subject_raw;
}
static inline const mbedtls_x509_buf *tlsc_issuer(const mbedtls_x509_crt *crt)
{
    return &crt->issuer_raw;
}

/** First subjectAltName entry (raw tag and value in buf), or NULL. */
static inline const mbedtls_x509_sequence *tlsc_san(const mbedtls_x509_crt *crt)
{
    return (crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) ? &crt->subject_alt_names : NULL;
}

/** Parse a private key (PEM with its NUL counted, or DER); unencrypted. */
static inline int tlsc_pk_parse_key(mbedtls_pk_context *pk, const uint8_t *key, size_t len)
{
    return mbedtls_pk_parse_key(pk, key, len, NULL, 0); /* 3.x: + f_rng, p_rng */
}

/** 0 when @p prv is the private key of the public key @p pub. */
static inline int tlsc_pk_check_pair(const mbedtls_pk_context *pub, const mbedtls_pk_context *prv)
{
    return mbedtls_pk_check_pair(pub, prv); /* 3.x: + f_rng, p_rng */
}

/** The public key of a parsed certificate. */
static inline const mbedtls_pk_context *tlsc_crt_pk(const mbedtls_x509_crt *crt) { return &crt->pk; }

/** The server's certificate of the connection, or NULL (not kept by this
 *  build, or no handshake yet). */
static inline const mbedtls_x509_crt *tlsc_peer_cert(const mbedtls_ssl_context *ssl)
{
#if defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
    return mbedtls_ssl_get_peer_cert(ssl);
#else
    (void)ssl;
    return NULL;
#endif
}

/** Subject and issuer names of a parsed certificate. */
static inline const mbedtls_x509_name *tlsc_subject_name(const mbedtls_x509_crt *crt)
{
    return &crt->subject;
}
static inline const mbedtls_x509_name *tlsc_issuer_name(const mbedtls_x509_crt *crt)
{
    return &crt->issuer;
}

/* ---- static arena ------------------------------------------------------- */

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
/** Bytes of the buffer allocator's header per block (memory_header in
 *  2.28's memory_buffer_alloc.c: seven words and a magic, two more words
 *  with MBEDTLS_MEMORY_BACKTRACE). */
static inline size_t tlsc_arena_header(void)
{
#if defined(MBEDTLS_MEMORY_BACKTRACE)
    return 10 * sizeof(void *);
#else
    return 8 * sizeof(void *);
#endif
}
#endif

/* ---- gathered application data ------------------------------------------ */

#include <mbedtls/ssl_internal.h> /* 2.28: the record buffer (out_msg) */

/** mbedtls_ssl_write() of the buffers @p base / @p len as one record, each
 *  copied once, straight into the record buffer: what ssl_write_real()
 *  does for one buffer (mbedTLS 2.28, ssl_msg.c).  After the handshake
 *  only, with no record pending; at most
 *  mbedtls_ssl_get_max_out_record_payload() bytes (the rest is left).
 *  *built: the plaintext bytes put into the record.  Returns 0 or an
 *  mbedTLS error (WANT_WRITE: built, flush it with tlsc_flush()). */
static inline int tlsc_write_gather(mbedtls_ssl_context *ssl, const uint8_t *const *base,
                                    const size_t *len, size_t cnt, size_t *built)
{
    size_t total = 0;
    int max = mbedtls_ssl_get_max_out_record_payload(ssl);
    *built = 0;
    if (max < 0) {
        return max;
    }
    for (size_t i = 0; i < cnt && total < (size_t)max; i++) {
        size_t k = len[i] < (size_t)max - total ? len[i] : (size_t)max - total;
        memcpy(ssl->out_msg + total, base[i], k);
        total += k;
    }
    ssl->out_msglen = total;
    ssl->out_msgtype = MBEDTLS_SSL_MSG_APPLICATION_DATA;
    *built = total;
    return mbedtls_ssl_write_record(ssl, 1 /* SSL_FORCE_FLUSH */);
}

/** Send what is left of a record built earlier: 0 when all is out. */
static inline int tlsc_flush(mbedtls_ssl_context *ssl) { return mbedtls_ssl_flush_output(ssl); }

#endif /* EMHTTP_TLS_COMPAT_H */
