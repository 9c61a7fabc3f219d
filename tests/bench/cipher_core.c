/*
 * cipher_core.c - see cipher_core.h.
 */
#include "cipher_core.h"

#include <string.h>

static const unsigned char test_key[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
                                           0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const unsigned char test_key32[32] = {
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f};
static const unsigned char test_iv[12] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                          0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};

const char *cb_name(int which)
{
    return which == CB_AES128GCM ? "AES-128-GCM" : "ChaCha20-Poly1305";
}

static int key(cb_aead *a, int which, int encrypt, const unsigned char *k, size_t klen,
               const unsigned char iv[12])
{
    const mbedtls_cipher_info_t *info = mbedtls_cipher_info_from_type(
        which == CB_AES128GCM ? MBEDTLS_CIPHER_AES_128_GCM : MBEDTLS_CIPHER_CHACHA20_POLY1305);
    int rc;

    memset(a, 0, sizeof *a);
    a->which = which;
    mbedtls_cipher_init(&a->ctx);
    if (info == NULL) {
        return MBEDTLS_ERR_CIPHER_FEATURE_UNAVAILABLE;
    }
    rc = mbedtls_cipher_setup(&a->ctx, info);
    if (rc == 0) {
        rc = mbedtls_cipher_setkey(&a->ctx, k, (int)(klen * 8),
                                   encrypt ? MBEDTLS_ENCRYPT : MBEDTLS_DECRYPT);
    }
    memcpy(a->iv, iv, 12);
    return rc;
}

int cb_setup(cb_aead *a, int which, int encrypt)
{
    return which == CB_AES128GCM ? key(a, which, encrypt, test_key, 16, test_iv)
                                 : key(a, which, encrypt, test_key32, 32, test_iv);
}

void cb_free(cb_aead *a)
{
    mbedtls_cipher_free(&a->ctx);
}

/* The record's nonce and additional data for sequence number @p seq. */
static size_t nonce(const cb_aead *a, uint64_t seq, unsigned char n[12])
{
    int i;

    memcpy(n, a->iv, 12);
    if (a->which == CB_AES128GCM) {
        /* 4 bytes implicit (the key block's IV), 8 explicit: mbedTLS
         * sends the sequence number as the explicit part. */
        for (i = 0; i < 8; i++) {
            n[4 + i] = (unsigned char)(seq >> (56 - 8 * i));
        }
    } else {
        for (i = 0; i < 8; i++) {
            n[4 + i] ^= (unsigned char)(seq >> (56 - 8 * i));
        }
    }
    return 12;
}

static void aad(uint64_t seq, size_t len, unsigned char ad[13])
{
    int i;

    for (i = 0; i < 8; i++) {
        ad[i] = (unsigned char)(seq >> (56 - 8 * i));
    }
    ad[8] = 23; /* application_data */
    ad[9] = 3;
    ad[10] = 3; /* TLS 1.2 */
    ad[11] = (unsigned char)(len >> 8);
    ad[12] = (unsigned char)len;
}

int cb_seal(cb_aead *a, const unsigned char *in, size_t len, unsigned char *out)
{
    unsigned char n[12], ad[13];
    size_t olen = 0;
    int rc;

    nonce(a, a->seq, n);
    aad(a->seq, len, ad);
    a->seq++;
    rc = mbedtls_cipher_auth_encrypt_ext(&a->ctx, n, sizeof n, ad, sizeof ad, in, len, out,
                                         len + CB_TAG_LEN, &olen, CB_TAG_LEN);
    return rc == 0 && olen != len + CB_TAG_LEN ? MBEDTLS_ERR_CIPHER_BAD_INPUT_DATA : rc;
}

int cb_open(cb_aead *a, uint64_t seq, const unsigned char *in, size_t len, unsigned char *out)
{
    unsigned char n[12], ad[13];
    size_t olen = 0;
    int rc;

    nonce(a, seq, n);
    aad(seq, len, ad);
    rc = mbedtls_cipher_auth_decrypt_ext(&a->ctx, n, sizeof n, ad, sizeof ad, in,
                                         len + CB_TAG_LEN, out, len, &olen, CB_TAG_LEN);
    return rc == 0 && olen != len ? MBEDTLS_ERR_CIPHER_BAD_INPUT_DATA : rc;
}

__attribute__((noinline)) int cb_seal_loop(cb_aead *a, const unsigned char *in, size_t len,
                                           unsigned char *out, unsigned count)
{
    unsigned i;
    int rc;

    for (i = 0; i < count; i++) {
        if ((rc = cb_seal(a, in, len, out)) != 0) {
            return rc;
        }
    }
    return 0;
}

__attribute__((noinline)) int cb_open_loop(cb_aead *a, uint64_t seq, const unsigned char *in,
                                           size_t len, unsigned char *out, unsigned count)
{
    unsigned i;
    int rc;

    for (i = 0; i < count; i++) {
        if ((rc = cb_open(a, seq, in, len, out)) != 0) {
            return rc;
        }
    }
    return 0;
}

/* ---- known answers ------------------------------------------------------ */

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static size_t unhex(const char *h, unsigned char *out)
{
    size_t n = 0;

    for (; h[0] && h[1]; h += 2) {
        out[n++] = (unsigned char)(hexval(h[0]) << 4 | hexval(h[1]));
    }
    return n;
}

/* One AEAD encryption of a published vector: @return 0 when ciphertext
 * (when given) and tag match. */
static int kat(mbedtls_cipher_type_t type, const char *k, const char *iv, const char *ad,
               const unsigned char *pt, size_t ptlen, const char *ct, const char *tag)
{
    static unsigned char kb[32], ivb[12], adb[32], out[128 + CB_TAG_LEN], want[128];
    size_t klen = unhex(k, kb), ivlen = unhex(iv, ivb), adlen = unhex(ad, adb), olen = 0;
    mbedtls_cipher_context_t c;
    int rc;

    mbedtls_cipher_init(&c);
    rc = mbedtls_cipher_setup(&c, mbedtls_cipher_info_from_type(type));
    if (rc == 0) {
        rc = mbedtls_cipher_setkey(&c, kb, (int)klen * 8, MBEDTLS_ENCRYPT);
    }
    if (rc == 0) {
        rc = mbedtls_cipher_auth_encrypt_ext(&c, ivb, ivlen, adb, adlen, pt, ptlen, out,
                                             sizeof out, &olen, CB_TAG_LEN);
    }
    mbedtls_cipher_free(&c);
    if (rc != 0 || olen != ptlen + CB_TAG_LEN) {
        return 1;
    }
    if (ct != NULL && (unhex(ct, want) != ptlen || memcmp(out, want, ptlen) != 0)) {
        return 1;
    }
    return unhex(tag, want) != CB_TAG_LEN || memcmp(out + ptlen, want, CB_TAG_LEN) != 0;
}

int cb_selftest(void)
{
    static const char sunscreen[] =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
        "the future, sunscreen would be it.";
    static unsigned char gcm_pt[60], msg[300], sealed[300 + CB_TAG_LEN], back[300];
    cb_aead s, o;
    int which, rc;
    size_t i;

    unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
          "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
          gcm_pt);
    if (kat(MBEDTLS_CIPHER_AES_128_GCM, "feffe9928665731c6d6a8f9467308308",
            "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2", gcm_pt, 60,
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47") != 0) {
        return 1;
    }
    if (kat(MBEDTLS_CIPHER_CHACHA20_POLY1305,
            "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
            "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
            (const unsigned char *)sunscreen, sizeof sunscreen - 1, NULL,
            "1ae10b594f09e26a7e902ecbd0600691") != 0) {
        return 2;
    }
    for (i = 0; i < sizeof msg; i++) {
        msg[i] = (unsigned char)(i * 7 + 1);
    }
    for (which = 0; which < CB_N_AEADS; which++) {
        if (cb_setup(&s, which, 1) != 0 || cb_setup(&o, which, 0) != 0) {
            return 3;
        }
        rc = cb_seal(&s, msg, sizeof msg, sealed) != 0 || cb_seal(&s, msg, sizeof msg, sealed) != 0 ||
             cb_open(&o, 1, sealed, sizeof msg, back) != 0 || memcmp(back, msg, sizeof msg) != 0 ||
             cb_open(&o, 0, sealed, sizeof msg, back) != MBEDTLS_ERR_CIPHER_AUTH_FAILED;
        sealed[sizeof msg + 3] ^= 0x10;
        rc = rc || cb_open(&o, 1, sealed, sizeof msg, back) != MBEDTLS_ERR_CIPHER_AUTH_FAILED;
        cb_free(&s);
        cb_free(&o);
        if (rc) {
            return 4 + which;
        }
    }
    return 0;
}
