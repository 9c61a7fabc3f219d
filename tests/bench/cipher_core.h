/*
 * cipher_core.h - TLS 1.2 record protection with mbedTLS's AEADs, the part
 * the cipher benchmark measures on the host (cipher_bench.c) and on the
 * Cortex-M4 (examples/mps2-an386/cipher_main.c).  Portable C, no OS header,
 * no allocation beyond what mbedTLS's cipher layer takes at setup.
 *
 * A record is sealed and opened the way mbedTLS 2.28's ssl_msg.c does it:
 * mbedtls_cipher_auth_encrypt_ext() / _decrypt_ext() on a context keyed
 * once, a 13-byte additional data (sequence number, type, version, length),
 * a 16-byte tag; AES-128-GCM with a 4-byte implicit + 8-byte explicit nonce,
 * ChaCha20-Poly1305 with the 12-byte IV XORed with the sequence number
 * (RFC 7905).  Only the AEAD's work differs between the two suites here;
 * the rest of the record layer (header, copies, the BIO) is the same for
 * both and is not in these loops.
 */
#ifndef EMHTTP_CIPHER_CORE_H
#define EMHTTP_CIPHER_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "mbedtls/cipher.h"

/** The AEADs of the suites compared. */
enum { CB_AES128GCM = 0, CB_CHACHAPOLY = 1, CB_N_AEADS = 2 };

#define CB_TAG_LEN 16
#define CB_MAX_RECORD 16384

/** One direction's state: a keyed context, the fixed IV, the sequence. */
typedef struct cb_aead {
    int which; /* CB_AES128GCM or CB_CHACHAPOLY */
    mbedtls_cipher_context_t ctx;
    unsigned char iv[12];
    uint64_t seq;
} cb_aead;

/** "AES-128-GCM" or "ChaCha20-Poly1305". */
const char *cb_name(int which);

/** Key @p a for @p which (fixed test key and IV) in direction @p encrypt
 *  (1 seal, 0 open). @return 0 or an mbedTLS error code. */
int cb_setup(cb_aead *a, int which, int encrypt);

/** Release @p a's context. */
void cb_free(cb_aead *a);

/** Seal @p len bytes of @p in into @p out (@p len + CB_TAG_LEN bytes,
 *  tag last), next sequence number. @return 0 or an mbedTLS error code. */
int cb_seal(cb_aead *a, const unsigned char *in, size_t len, unsigned char *out);

/** Open a record sealed by cb_seal() as sequence number @p seq:
 *  @p len + CB_TAG_LEN bytes of @p in, @p len plaintext bytes to @p out.
 *  @return 0, MBEDTLS_ERR_CIPHER_AUTH_FAILED, or another mbedTLS error. */
int cb_open(cb_aead *a, uint64_t seq, const unsigned char *in, size_t len, unsigned char *out);

/** Seal @p count records of @p len bytes (the measured loop of a seal
 *  run; not inlined so a profiler can attribute it). @return 0 or the
 *  first error. */
int cb_seal_loop(cb_aead *a, const unsigned char *in, size_t len, unsigned char *out,
                 unsigned count);

/** Open the record @p in (sealed as sequence @p seq) @p count times. */
int cb_open_loop(cb_aead *a, uint64_t seq, const unsigned char *in, size_t len,
                 unsigned char *out, unsigned count);

/** Known-answer check of both AEADs (RFC 8439 section 2.8.2 for
 *  ChaCha20-Poly1305, the GCM spec's test case 4 at 128 bits for AES-GCM)
 *  and a seal/open round trip with a flipped tag bit rejected.
 *  @return 0, or the number of the failed check. */
int cb_selftest(void);

#endif /* EMHTTP_CIPHER_CORE_H */
