/*
 * emhttp/auth.h - Authorization header values: Basic (RFC 7617) and
 * Bearer (RFC 6750), and the base64 encoder (RFC 4648) behind Basic.
 *
 * Every function writes into a caller buffer and allocates nothing; none
 * keeps a pointer to its input or output after it returns.  The values
 * they build carry credentials: the caller owns the buffers, keeps them as
 * secret as the password or token, and wipes them when done.  emhttp never
 * logs a header (emhttp/log.h messages are fixed strings and a code).
 *
 * Use: build the value once, then name it in a request's headers:
 *
 *     static char auth[EMHTTP_AUTH_BASIC_LEN(32, 64) + 1];
 *     size_t n;
 *     if (emhttp_auth_basic("device-17", 9, secret, secret_len, auth, sizeof auth, &n)
 *         == EMHTTP_OK) {
 *         hdrs[0] = (emhttp_header){"Authorization", 13, auth, n};
 *     }
 *
 * Tasks: any task (pure functions over the caller's memory).
 */
#ifndef EMHTTP_AUTH_H
#define EMHTTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "emhttp/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Characters of the base64 encoding of @p n bytes (padded, no NUL). */
#define EMHTTP_BASE64_LEN(n) ((((n) + 2u) / 3u) * 4u)

/** Characters of "Basic " + base64(user ":" password) for a user of
 *  @p user_len and a password of @p pass_len bytes (no NUL). */
#define EMHTTP_AUTH_BASIC_LEN(user_len, pass_len) \
    (6u + EMHTTP_BASE64_LEN((user_len) + 1u + (pass_len)))

/** Characters of "Bearer " + a token of @p token_len bytes (no NUL). */
#define EMHTTP_AUTH_BEARER_LEN(token_len) (7u + (token_len))

/**
 * Standard base64 (RFC 4648 section 4: alphabet A-Z a-z 0-9 + /, padded
 * with '=') of @p len bytes.
 * @param in    the bytes (may be NULL when @p len is 0)
 * @param out   caller buffer; receives EMHTTP_BASE64_LEN(len) characters
 *              and, when there is room for it, a terminating NUL
 * @param size  bytes at @p out
 * @param olen  out: characters written (without the NUL); may be NULL
 * @return EMHTTP_OK; EMHTTP_ERR_ARG (NULL pointer with a length);
 *         EMHTTP_ERR_TX_OVERFLOW (@p size under EMHTTP_BASE64_LEN(len):
 *         nothing is written).
 */
int emhttp_base64_encode(const uint8_t *in, size_t len, char *out, size_t size, size_t *olen);

/**
 * The value of an "Authorization: Basic" header: "Basic " followed by the
 * base64 of user ":" password, encoded straight from the two inputs (no
 * joined copy of the password is made anywhere).
 * @param user      user-id: no ':' (RFC 7617 2) and no control character
 * @param pass      password: no control character; may be empty
 * @param out       caller buffer; receives EMHTTP_AUTH_BASIC_LEN(user_len,
 *                  pass_len) characters and a NUL when there is room
 * @param olen      out: characters written (without the NUL); may be NULL
 * @return EMHTTP_OK; EMHTTP_ERR_ARG (NULL, a ':' in the user-id, a control
 *         character: CR or LF would end the header line);
 *         EMHTTP_ERR_TX_OVERFLOW (@p out too small: nothing is written).
 */
int emhttp_auth_basic(const char *user, size_t user_len, const char *pass, size_t pass_len,
                      char *out, size_t size, size_t *olen);

/**
 * The value of an "Authorization: Bearer" header: "Bearer " followed by
 * the token as it is.
 * @param token     the access token: visible ASCII only (0x21..0x7E),
 *                  at least one character.  RFC 6750's b64token is
 *                  narrower; any token a server issues fits this.
 * @param out, size, olen  as for emhttp_auth_basic()
 * @return EMHTTP_OK; EMHTTP_ERR_ARG (NULL, empty, a space or a control
 *         character in the token); EMHTTP_ERR_TX_OVERFLOW (nothing written).
 */
int emhttp_auth_bearer(const char *token, size_t token_len, char *out, size_t size,
                       size_t *olen);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_AUTH_H */
