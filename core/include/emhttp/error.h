/*
 * emhttp/error.h - status and error codes shared by every emhttp module.
 *
 * Convention (as in mbedTLS): 0 is success, a small positive value is a
 * non-error status, every error is negative.  Each module owns a range:
 *   -1  .. -63   core HTTP client, transport and port
 *   -64 .. -95   JSON writer and reader
 *   -96 .. -127  TLS
 *   -128.. -159  outbox
 * emhttp_strerror() names every code.  The values are part of the ABI:
 * never renumber, only append.
 */
#ifndef EMHTTP_ERROR_H
#define EMHTTP_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum emhttp_err {
    EMHTTP_OK = 0,              /**< success / request complete */
    EMHTTP_PENDING = 1,         /**< in progress: call again later */

    /* -- caller errors -- */
    EMHTTP_ERR_ARG = -1,        /**< invalid argument or call in wrong state */
    EMHTTP_ERR_BUSY = -2,       /**< resource in use (a request submitted while still queued) */
    EMHTTP_ERR_URL = -3,        /**< malformed URL */
    EMHTTP_ERR_BAD_REQUEST = -4,/**< CR, LF, NUL or invalid character in method, target or header */
    EMHTTP_ERR_TX_OVERFLOW = -5,/**< request head does not fit the transmit buffer */

    /* -- name resolution -- */
    EMHTTP_ERR_DNS = -6,        /**< host name could not be resolved */
    EMHTTP_ERR_DNS_TIMEOUT = -7,/**< name resolution took longer than the DNS timeout */

    /* -- connection -- */
    EMHTTP_ERR_CONNECT = -8,         /**< connection refused or unreachable */
    EMHTTP_ERR_CONNECT_TIMEOUT = -9, /**< connect took longer than the connect timeout */
    EMHTTP_ERR_SEND = -10,           /**< sending failed */
    EMHTTP_ERR_RECV = -11,           /**< receiving failed */
    EMHTTP_ERR_CLOSED = -12,         /**< peer closed the connection (EOF) */
    EMHTTP_ERR_RESET = -13,          /**< peer reset the connection */

    /* -- timeouts -- */
    EMHTTP_ERR_TIMEOUT_FIRST_BYTE = -14, /**< no response byte within the first-byte timeout */
    EMHTTP_ERR_TIMEOUT = -15,            /**< request not complete within the request timeout */

    /* -- response -- */
    EMHTTP_ERR_PROTOCOL = -16,        /**< malformed response (status line, header, framing) */
    EMHTTP_ERR_HEADER_TOO_LARGE = -17,/**< response header section over the configured limit */
    EMHTTP_ERR_BAD_LENGTH = -18,      /**< invalid, duplicate-conflicting or CL+chunked Content-Length */
    EMHTTP_ERR_BAD_CHUNK = -19,       /**< invalid or overflowing chunk size */

    /* -- misc -- */
    EMHTTP_ERR_ABORTED = -20,   /**< a response callback asked to stop */
    EMHTTP_ERR_CANCELLED = -21, /**< request cancelled (emhttp_cancel() or emhttp_client_close()) */
    EMHTTP_ERR_PORT = -22,      /**< port out of resources (no socket, no PCB, no thread);
                                     the DNS cache is kept */
    EMHTTP_ERR_BODY = -23,      /**< the request body source failed */
    EMHTTP_ERR_UNSUPPORTED = -24, /**< the response needs a feature compiled out (chunked: CONFIG_EMHTTP_CHUNKED) */
    EMHTTP_ERR_RESOLVER = -25,  /**< the resolver could not start a query (no resolver, no thread) */
    EMHTTP_ERR_CONFIG_MISMATCH = -26, /**< caller compiled with other emhttp options than the library */
    EMHTTP_ERR_CONFIG_RANGE = -27,    /**< a configuration value out of its documented range */
    EMHTTP_ERR_REDIRECT = -28,        /**< a redirect not followed: no or malformed Location, another
                                           origin not allowed, or too long for the redirect buffer */
    EMHTTP_ERR_TOO_MANY_REDIRECTS = -29, /**< more redirects than emhttp_config.max_redirects */
    EMHTTP_ERR_REDIRECT_BODY = -30,   /**< a 307/308 redirect needs the request body again and it
                                           cannot be replayed (a stream, a freed buffer) */

    /* -- JSON (-64 .. -95) -- */
    EMHTTP_ERR_JSON_OVERFLOW = -64,     /**< output buffer too small (writer: see needed length) */
    EMHTTP_ERR_JSON_UTF8 = -65,         /**< invalid UTF-8 in a string */
    EMHTTP_ERR_JSON_DEPTH = -66,        /**< nesting deeper than allowed */
    EMHTTP_ERR_JSON_NUMBER = -67,       /**< NaN/infinity, or a number out of range */
    EMHTTP_ERR_JSON_STATE = -68,        /**< writer call out of order (value without key, unbalanced close) */
    EMHTTP_ERR_JSON_MALFORMED = -69,    /**< input is not valid JSON */
    EMHTTP_ERR_JSON_NO_TOKENS = -70,    /**< token array too small */
    EMHTTP_ERR_JSON_NOT_FOUND = -71,    /**< path does not exist */
    EMHTTP_ERR_JSON_TYPE = -72,         /**< value has another type than asked for */
    EMHTTP_ERR_JSON_PARTIAL = -73,      /**< input ends before the document does */
    EMHTTP_ERR_JSON_PATH = -74,         /**< malformed lookup path */

    /* -- TLS (-96 .. -127) -- */
    EMHTTP_ERR_TLS_HANDSHAKE = -96,     /**< TLS handshake failed */
    EMHTTP_ERR_TLS_CERT = -97,          /**< server certificate failed verification */
    EMHTTP_ERR_TLS_PIN = -98,           /**< server public key does not match the pin */
    EMHTTP_ERR_TLS = -99,               /**< TLS record layer error */
    EMHTTP_ERR_TLS_CONFIG = -100,       /**< TLS setup failed (bad CA, no entropy) */
    EMHTTP_ERR_TLS_CERT_UNTRUSTED = -101, /**< server certificate not issued by a trusted CA (unknown CA) */
    EMHTTP_ERR_TLS_CERT_SELF_SIGNED = -102, /**< server certificate is self-signed and not trusted */
    EMHTTP_ERR_TLS_CERT_EXPIRED = -103, /**< server certificate (or its chain) has expired */
    EMHTTP_ERR_TLS_CERT_HOSTNAME = -104,/**< server certificate does not name the host */
    EMHTTP_ERR_TLS_TIMEOUT = -105,      /**< TLS handshake took longer than the connect timeout */

    /* -- outbox (-128 .. -159) -- */
    EMHTTP_ERR_OUTBOX_FULL = -128,      /**< every slot is taken */
    EMHTTP_ERR_OUTBOX_ENCODE = -129,    /**< the encode callback failed */
    EMHTTP_ERR_OUTBOX_HEAD = -130       /**< the request head does not fit the slot behind its body */
} emhttp_err;

/**
 * Name an emhttp status or error code.
 *
 * @param code  any value returned by an emhttp function
 * @return      a static, NUL-terminated English description; never NULL
 *              ("unknown error" for values not listed above).
 * Any task may call it; it touches no state.
 */
const char *emhttp_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_ERROR_H */
