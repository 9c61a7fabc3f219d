/*
 * emhttp/http_parser.h - incremental HTTP/1.1 response parser (RFC 9112).
 *
 * In the style of picohttpparser: the caller hands in the bytes it has; the
 * parser reports how many it consumed and whether it needs more, is done or
 * failed.  It may be fed any split of the input, down to one byte at a time.
 *
 * Buffer contract: in the head (status line, header lines, chunk-size lines,
 * trailer lines) the parser consumes only complete lines.  Bytes it did not
 * consume must be presented again, at the start of the next call, followed
 * by newly received bytes (the client keeps them at the front of its
 * receive buffer).  Body bytes are always consumed and handed to on_body
 * straight from the caller's buffer: no copy.
 *
 * The parser allocates nothing, keeps no pointer into the input between
 * calls and has no global state.  One parser instance must be used by one
 * task at a time.
 */
#ifndef EMHTTP_HTTP_PARSER_H
#define EMHTTP_HTTP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/error.h"
#include "emhttp/opt.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Callbacks of the parser.  Any may be NULL.  A callback returning non-zero
 * stops parsing: emhttp_parser_feed() then returns EMHTTP_ERR_ABORTED.
 * Pointers passed to callbacks point into the caller's buffer and are valid
 * only during the call.
 */
typedef struct emhttp_parser_cbs {
    /** Status line of the final (non-1xx) response. */
    int (*on_status)(void *user, int status, const char *reason, size_t reason_len);
    /** One header of the final response; value trimmed of surrounding
     *  whitespace.  Names keep their case.  Trailers are not reported. */
    int (*on_header)(void *user, const char *name, size_t name_len,
                     const char *value, size_t value_len);
    /** The header section of the final response is complete. */
    int (*on_headers_done)(void *user);
    /** A piece of the (de-chunked) body; len > 0. */
    int (*on_body)(void *user, const uint8_t *data, size_t len);
} emhttp_parser_cbs;

/**
 * Parser state.  Fields are private: use the functions below.  The layout
 * depends on the options (emhttp/opt.h), so code using it must be built
 * with the same options as the library: remaining_ is a uint64_t with
 * CONFIG_EMHTTP_LENGTH_64, a uint32_t without (body lengths and chunk
 * sizes up to 2^32-1); ka_timeout_s_ exists only with
 * CONFIG_EMHTTP_KEEPALIVE_HINT.
 */
typedef struct emhttp_parser {
    const emhttp_parser_cbs *cbs_;
    void *user_;
#if CONFIG_EMHTTP_LENGTH_64
    uint64_t remaining_;  /* body or chunk bytes still expected */
#else
    uint32_t remaining_;  /* body or chunk bytes still expected */
#endif
    uint32_t head_bytes_; /* bytes of the current header section so far */
    uint32_t max_head_;   /* header section limit */
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    uint32_t ka_timeout_s_; /* Keep-Alive: timeout=N, 0 if none */
#endif
    uint16_t status_;
    uint8_t flags_;
    int state_; /* a state (>= 0), or the error of a failed parser (< 0); an int,
                   as Thumb loads a signed byte at an offset only in 4 bytes of code */
} emhttp_parser;

/**
 * Initialise a parser.
 * @param p         parser (caller-owned memory)
 * @param cbs       callbacks (borrowed; must outlive the parser), may be NULL
 * @param user      passed to every callback
 * @param max_head  largest header section accepted, in bytes (status line,
 *                  headers and the empty line; each interim 1xx response and
 *                  the trailer section are limited separately by the same
 *                  figure).  A larger one gives EMHTTP_ERR_HEADER_TOO_LARGE.
 */
void emhttp_parser_init(emhttp_parser *p, const emhttp_parser_cbs *cbs, void *user,
                        size_t max_head);

/**
 * Prepare for the next response on the connection, between responses only
 * (also clears a failed state).
 * @param p             the parser
 * @param head_request  true when the request was HEAD (no body follows,
 *                      whatever the headers say)
 */
void emhttp_parser_reset(emhttp_parser *p, bool head_request);

/**
 * Feed received bytes.
 * @param data      bytes: unconsumed bytes of the previous call first, then
 *                  new ones
 * @param len       number of bytes at @p data
 * @param consumed  out: bytes used (always set, also on error)
 * @return EMHTTP_PENDING     need more: keep data[*consumed..len) and call
 *                            again with more bytes appended
 *         EMHTTP_OK          the response is complete; bytes after
 *                            *consumed are not part of it
 *         EMHTTP_ERR_PROTOCOL, EMHTTP_ERR_HEADER_TOO_LARGE,
 *         EMHTTP_ERR_BAD_LENGTH, EMHTTP_ERR_BAD_CHUNK  malformed response
 *                            (also a Content-Length or chunk size over
 *                            2^32-1 without CONFIG_EMHTTP_LENGTH_64)
 *         EMHTTP_ERR_UNSUPPORTED  without CONFIG_EMHTTP_CHUNKED: a final
 *                            response with a body and a Transfer-Encoding
 *                            header
 *         EMHTTP_ERR_ABORTED a callback returned non-zero
 * After an error the parser stays failed until emhttp_parser_reset().
 */
int emhttp_parser_feed(emhttp_parser *p, const uint8_t *data, size_t len, size_t *consumed);

/**
 * The connection reached end of stream.
 * @return EMHTTP_OK when this completes a body delimited by the close,
 *         EMHTTP_ERR_CLOSED when nothing of the response had arrived yet,
 *         EMHTTP_ERR_PROTOCOL when the response was cut short.
 * Runs no callback.
 */
int emhttp_parser_eof(emhttp_parser *p);

/** True once any byte of the current response has been fed (even if the
 *  parser has not consumed it yet: an incomplete status line counts). */
bool emhttp_parser_started(const emhttp_parser *p);

/** True once a complete "100" status line (100 Continue) of the current
 *  response was parsed: its interim response is under way or done, the
 *  final one may follow.  A client that sent "Expect: 100-continue" may
 *  now send the body.  Cleared by emhttp_parser_reset().  Compiled in
 *  with CONFIG_EMHTTP_EXPECT only. */
#if CONFIG_EMHTTP_EXPECT
bool emhttp_parser_continued(const emhttp_parser *p);
#endif

/** True when the headers of the final response are complete. */
bool emhttp_parser_headers_done(const emhttp_parser *p);

/**
 * After EMHTTP_OK: may the connection carry another request?  False for
 * "Connection: close", bodies delimited by the close and every HTTP/1.0
 * response (also one with "Connection: keep-alive", and one with
 * Transfer-Encoding, which RFC 9112 6.1 says to close after), and after
 * an error.
 */
bool emhttp_parser_keep_alive(const emhttp_parser *p);

/** The server's "Keep-Alive: timeout=N" in seconds, 0 when absent; always
 *  0 without CONFIG_EMHTTP_KEEPALIVE_HINT (the header is not read). */
uint32_t emhttp_parser_keepalive_timeout(const emhttp_parser *p);

/** Status code of the final response, 0 before its status line. */
int emhttp_parser_status(const emhttp_parser *p);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_HTTP_PARSER_H */
