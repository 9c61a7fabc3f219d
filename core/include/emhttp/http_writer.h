/*
 * emhttp/http_writer.h - HTTP/1.1 request head writer (RFC 9112).
 *
 * Writes "METHOD target HTTP/1.1", Host, Content-Length (or, for a
 * streamed body, Transfer-Encoding: chunked) and the caller's
 * headers into a caller buffer.  Every byte of the method, target, header
 * names and values is checked before anything is written: a CR, LF, NUL or
 * other control character, a space in the target or a non-token character
 * in the method or a header name gives EMHTTP_ERR_BAD_REQUEST.  Nothing is
 * truncated: a head that does not fit gives EMHTTP_ERR_TX_OVERFLOW.
 * Pure functions: no state, no allocation; any task may call them.
 */
#ifndef EMHTTP_HTTP_WRITER_H
#define EMHTTP_HTTP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/error.h"
#include "emhttp/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One request header.  Strings need not be NUL-terminated. */
typedef struct emhttp_header {
    const char *name;  /**< header name (token characters only) */
    size_t name_len;
    const char *value; /**< header value (no CR, LF, NUL or other CTL but HTAB) */
    size_t value_len;
} emhttp_header;

/** Initialiser for string literals: EMHTTP_HEADER("Accept", "application/json"). */
#define EMHTTP_HEADER(n, v) { (n), sizeof(n) - 1, (v), sizeof(v) - 1 }

/** What to write.  All pointers are borrowed for the call only. */
typedef struct emhttp_head {
    const char *method;   /**< NUL-terminated token, e.g. "GET" */
    const char *target;   /**< NUL-terminated origin-form target, e.g. "/api?x=1" */
    const char *host;     /**< host name or IP literal for the Host header (an
                               IPv6 literal is bracketed by the writer) */
    size_t host_len;
    uint16_t port;        /**< appended as ":port" unless 0 (the scheme's default) */
    const emhttp_header *headers; /**< caller headers, may be NULL if count is 0 */
    size_t header_count;
    bool send_length;     /**< write Content-Length (body present or POST/PUT/PATCH) */
    uint64_t body_len;    /**< value of Content-Length */
#if CONFIG_EMHTTP_BODY_STREAM
    bool chunked;         /**< write "Transfer-Encoding: chunked" (a streamed
                               body of unknown length; send_length false) */
#endif
#if CONFIG_EMHTTP_REDIRECTS /* (last: positional initializers stay valid) */
    bool drop_credentials; /**< leave out caller headers named Authorization
                               and Cookie (a redirect to another origin) */
#endif
} emhttp_head;

/**
 * Write a request head, ending with the empty line.
 * A caller header named Host replaces the automatic one; caller headers
 * named Content-Length or Transfer-Encoding are refused (the client owns
 * the framing).
 * @param buf   output buffer (caller-owned)
 * @param size  its size in bytes
 * @param h     the request head
 * @return number of bytes written (> 0), EMHTTP_ERR_BAD_REQUEST (nothing
 *         usable was written) or EMHTTP_ERR_TX_OVERFLOW (buffer too small).
 */
long emhttp_write_head(uint8_t *buf, size_t size, const emhttp_head *h);

/**
 * Is @p method idempotent by RFC 9110 (GET, HEAD, PUT, DELETE, OPTIONS,
 * TRACE)?  Used by the retry policy.
 */
bool emhttp_method_idempotent(const char *method);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_HTTP_WRITER_H */
