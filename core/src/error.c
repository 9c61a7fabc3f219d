/*
 * error.c - names of emhttp status and error codes.
 */
#include "emhttp/error.h"
#include "emhttp/opt.h"

#include <stddef.h>

typedef struct {
    int code;
    const char *text;
} err_name;

static const err_name names[] = {
    {EMHTTP_OK, "success"},
    {EMHTTP_PENDING, "in progress"},
    {EMHTTP_ERR_ARG, "invalid argument"},
    {EMHTTP_ERR_BUSY, "request already queued"},
    {EMHTTP_ERR_URL, "malformed URL"},
    {EMHTTP_ERR_BAD_REQUEST, "invalid character in method, target or header"},
    {EMHTTP_ERR_TX_OVERFLOW, "request head does not fit the transmit buffer"},
    {EMHTTP_ERR_DNS, "could not resolve host"},
    {EMHTTP_ERR_DNS_TIMEOUT, "name resolution timed out"},
    {EMHTTP_ERR_CONNECT, "could not connect"},
    {EMHTTP_ERR_CONNECT_TIMEOUT, "connect timed out"},
    {EMHTTP_ERR_SEND, "send failed"},
    {EMHTTP_ERR_RECV, "receive failed"},
    {EMHTTP_ERR_CLOSED, "connection closed by peer"},
    {EMHTTP_ERR_RESET, "connection reset by peer"},
    {EMHTTP_ERR_TIMEOUT_FIRST_BYTE, "no response within the first-byte timeout"},
    {EMHTTP_ERR_TIMEOUT, "request timed out"},
    {EMHTTP_ERR_PROTOCOL, "malformed HTTP response"},
    {EMHTTP_ERR_HEADER_TOO_LARGE, "response header section too large"},
    {EMHTTP_ERR_BAD_LENGTH, "invalid or conflicting Content-Length"},
    {EMHTTP_ERR_BAD_CHUNK, "invalid chunk size"},
    {EMHTTP_ERR_ABORTED, "aborted by callback"},
    {EMHTTP_ERR_CANCELLED, "cancelled"},
    {EMHTTP_ERR_PORT, "port out of resources (socket, connection slot or thread)"},
    {EMHTTP_ERR_BODY, "request body source failed"},
    {EMHTTP_ERR_UNSUPPORTED, "response needs a feature not compiled in"},
    {EMHTTP_ERR_RESOLVER, "could not start name resolution"},
    {EMHTTP_ERR_CONFIG_MISMATCH, "caller compiled with other emhttp options than the library (emhttp_config.h differs)"},
    {EMHTTP_ERR_CONFIG_RANGE, "configuration value out of range"},
#if CONFIG_EMHTTP_REDIRECTS /* (the only source of these codes) */
    {EMHTTP_ERR_REDIRECT, "redirect not followed (no or malformed Location, or another origin not allowed)"},
    {EMHTTP_ERR_TOO_MANY_REDIRECTS, "too many redirects"},
    {EMHTTP_ERR_REDIRECT_BODY, "redirect needs the request body again and it cannot be replayed"},
#endif
    {EMHTTP_ERR_JSON_OVERFLOW, "JSON output buffer too small"},
    {EMHTTP_ERR_JSON_UTF8, "invalid UTF-8 in JSON string"},
    {EMHTTP_ERR_JSON_DEPTH, "JSON nested too deeply"},
    {EMHTTP_ERR_JSON_NUMBER, "JSON number out of range or not finite"},
    {EMHTTP_ERR_JSON_STATE, "JSON writer call out of order"},
    {EMHTTP_ERR_JSON_MALFORMED, "malformed JSON"},
    {EMHTTP_ERR_JSON_NO_TOKENS, "too few JSON tokens"},
    {EMHTTP_ERR_JSON_NOT_FOUND, "JSON path not found"},
    {EMHTTP_ERR_JSON_TYPE, "JSON value has another type"},
    {EMHTTP_ERR_JSON_PARTIAL, "JSON input ends early"},
    {EMHTTP_ERR_JSON_PATH, "malformed JSON path"},
    {EMHTTP_ERR_TLS_HANDSHAKE, "TLS handshake failed"},
    {EMHTTP_ERR_TLS_CERT, "server certificate verification failed"},
    {EMHTTP_ERR_TLS_PIN, "server public key does not match the pin"},
    {EMHTTP_ERR_TLS, "TLS error"},
    {EMHTTP_ERR_TLS_CONFIG, "TLS configuration error"},
    {EMHTTP_ERR_TLS_CERT_UNTRUSTED, "server certificate not trusted (unknown CA)"},
    {EMHTTP_ERR_TLS_CERT_SELF_SIGNED, "server certificate not trusted (self-signed)"},
    {EMHTTP_ERR_TLS_CERT_EXPIRED, "server certificate expired"},
    {EMHTTP_ERR_TLS_CERT_HOSTNAME, "server certificate does not match the host name"},
    {EMHTTP_ERR_TLS_TIMEOUT, "TLS handshake timed out"},
    {EMHTTP_ERR_OUTBOX_FULL, "outbox full"},
    {EMHTTP_ERR_OUTBOX_ENCODE, "body encoding failed"},
    {EMHTTP_ERR_OUTBOX_HEAD, "request head does not fit the outbox slot"},
};

const char *emhttp_strerror(int code)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].code == code) {
            return names[i].text;
        }
    }
    return "unknown error";
}
