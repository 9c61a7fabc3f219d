/*
 * auth.c - Authorization header values and base64 (emhttp/auth.h).
 *
 * Basic encodes user ":" password as one byte sequence read from its
 * pieces in place, so the password is never joined into a copy.
 */
#include "emhttp/auth.h"

#include <string.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Bytes to encode: the pieces one after the other. */
typedef struct {
    const uint8_t *p[3];
    size_t n[3];
} pieces;

static size_t pieces_len(const pieces *s) { return s->n[0] + s->n[1] + s->n[2]; }

static unsigned piece_byte(const pieces *s, size_t i)
{
    for (unsigned k = 0; k < 3; k++) {
        if (i < s->n[k]) {
            return s->p[k][i];
        }
        i -= s->n[k];
    }
    return 0;
}

/* Writes EMHTTP_BASE64_LEN(total) characters; out has room (checked). */
static void encode(const pieces *s, char *out)
{
    size_t total = pieces_len(s), o = 0;
    for (size_t i = 0; i < total; i += 3) {
        size_t left = total - i;
        uint32_t v = (uint32_t)piece_byte(s, i) << 16;
        if (left > 1) {
            v |= (uint32_t)piece_byte(s, i + 1) << 8;
        }
        if (left > 2) {
            v |= (uint32_t)piece_byte(s, i + 2);
        }
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = left > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = left > 2 ? b64_alphabet[v & 63] : '=';
    }
}

/* prefix + base64(pieces) into out, NUL-terminated when there is room. */
static int write_encoded(const char *prefix, const pieces *s, char *out, size_t size,
                         size_t *olen)
{
    size_t plen = strlen(prefix), total = pieces_len(s);
    if (total > (((size_t)-1) - plen) / 4 * 3 - 3) {
        return EMHTTP_ERR_TX_OVERFLOW;
    }
    size_t need = plen + EMHTTP_BASE64_LEN(total);
    if (size < need) {
        return EMHTTP_ERR_TX_OVERFLOW;
    }
    memcpy(out, prefix, plen);
    encode(s, out + plen);
    if (size > need) {
        out[need] = '\0';
    }
    if (olen != NULL) {
        *olen = need;
    }
    return EMHTTP_OK;
}

int emhttp_base64_encode(const uint8_t *in, size_t len, char *out, size_t size, size_t *olen)
{
    if ((in == NULL && len > 0) || (out == NULL && size > 0)) {
        return EMHTTP_ERR_ARG;
    }
    pieces s = {{in, NULL, NULL}, {len, 0, 0}};
    return write_encoded("", &s, out, size, olen);
}

/* No control character (RFC 7617 2: user-id and password are *TEXT). */
static int text_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F) {
            return 0;
        }
    }
    return 1;
}

int emhttp_auth_basic(const char *user, size_t user_len, const char *pass, size_t pass_len,
                      char *out, size_t size, size_t *olen)
{
    if ((user == NULL && user_len > 0) || (pass == NULL && pass_len > 0) || out == NULL ||
        !text_ok(user, user_len) || !text_ok(pass, pass_len) ||
        (user_len > 0 && memchr(user, ':', user_len) != NULL)) {
        return EMHTTP_ERR_ARG;
    }
    if (user_len > (size_t)-1 / 4 || pass_len > (size_t)-1 / 4) {
        return EMHTTP_ERR_TX_OVERFLOW;
    }
    pieces s = {{(const uint8_t *)user, (const uint8_t *)":", (const uint8_t *)pass},
                {user_len, 1, pass_len}};
    return write_encoded("Basic ", &s, out, size, olen);
}

int emhttp_auth_bearer(const char *token, size_t token_len, char *out, size_t size,
                       size_t *olen)
{
    if (token == NULL || token_len == 0 || out == NULL) {
        return EMHTTP_ERR_ARG;
    }
    for (size_t i = 0; i < token_len; i++) {
        unsigned char c = (unsigned char)token[i];
        if (c <= 0x20 || c >= 0x7F) {
            return EMHTTP_ERR_ARG;
        }
    }
    size_t need = EMHTTP_AUTH_BEARER_LEN(token_len);
    if (token_len > (size_t)-1 - 8 || size < need) {
        return EMHTTP_ERR_TX_OVERFLOW;
    }
    memcpy(out, "Bearer ", 7);
    memcpy(out + 7, token, token_len);
    if (size > need) {
        out[need] = '\0';
    }
    if (olen != NULL) {
        *olen = need;
    }
    return EMHTTP_OK;
}
