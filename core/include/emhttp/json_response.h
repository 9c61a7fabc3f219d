/*
 * emhttp/json_response.h - collect a JSON response body into a caller
 * buffer and parse it when the request completes.
 *
 * Plug the ready-made callbacks into a request:
 *
 *     static char body[2048];
 *     static emhttp_json_tok toks[128];
 *     static emhttp_json_response resp;
 *     emhttp_json_response_init(&resp, body, sizeof body, toks, 128, on_json, NULL);
 *     emhttp_request req = { .target = "/api/config", .cbs = &emhttp_json_response_cbs,
 *                            .user = &resp };
 *     emhttp_submit(&cli, &req);
 *     ...
 *     static void on_json(emhttp_json_response *r, int result)
 *     {
 *         int64_t interval;
 *         if (result == EMHTTP_OK &&
 *             emhttp_jr_int(&r->doc, emhttp_jr_find(&r->doc, 0, "poll.interval_s"),
 *                           &interval) == EMHTTP_OK) { ... }
 *     }
 *
 * Only a response whose Content-Type is application/json (or any
 * application/...+json), with any parameters, is parsed; its body is
 * collected whatever the status.  A body larger than the buffer is never
 * truncated silently: the rest is read and dropped (the connection stays
 * usable) and the result is EMHTTP_ERR_JSON_OVERFLOW, with @c needed the
 * buffer size it would have taken.
 *
 * Memory: the caller owns the struct, the body buffer and the token array;
 * they must stay valid until the completion has run, and @c doc points
 * into them afterwards.  Callbacks run in the network loop.
 */
#ifndef EMHTTP_JSON_RESPONSE_H
#define EMHTTP_JSON_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include "emhttp/client.h"
#include "emhttp/json_reader.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emhttp_json_response emhttp_json_response;

/**
 * Completion of a request that used emhttp_json_response_cbs.
 * @param result  EMHTTP_OK: a JSON body was parsed into r->doc;
 *                EMHTTP_ERR_JSON_TYPE: the response is not JSON (see
 *                r->len for its body); EMHTTP_ERR_JSON_OVERFLOW: the body
 *                did not fit (r->needed); another JSON parse error; or the
 *                request's own error (no response).  r->status has the
 *                HTTP status whenever a response arrived.
 */
typedef void (*emhttp_json_done_fn)(emhttp_json_response *r, int result);

struct emhttp_json_response {
    /* --- results (read them in the completion) --- */
    int result;        /**< as passed to the completion; EMHTTP_PENDING before */
    emhttp_jr doc;     /**< the parsed document (on EMHTTP_OK) */
    int status;        /**< HTTP status, 0 when no response arrived */
    size_t len;        /**< body bytes collected in the buffer */
    size_t needed;     /**< body bytes received in all (> size on overflow) */
    bool is_json;      /**< the Content-Type said JSON */
    /* --- private --- */
    char *buf_;
    size_t size_;
    emhttp_json_tok *toks_;
    size_t ntoks_;
    emhttp_json_done_fn done_;
    void *arg_;
};

/**
 * Prepare a collector for one response (call again before each reuse).
 * Network loop (or before submitting the request).
 * @param r      the collector (caller-owned); passed as req->user
 * @param buf    body buffer (caller-owned) of @p size bytes; NULL with 0
 *               accepts only empty bodies
 * @param toks   token array for the parser (caller-owned), @p ntoks long
 * @param done   completion, may be NULL (then read the fields after
 *               emhttp_request_sync() returns)
 * @param arg    for the caller; emhttp_json_response_arg() returns it
 */
void emhttp_json_response_init(emhttp_json_response *r, char *buf, size_t size,
                               emhttp_json_tok *toks, size_t ntoks, emhttp_json_done_fn done,
                               void *arg);

/** The @p arg given to emhttp_json_response_init(). */
void *emhttp_json_response_arg(const emhttp_json_response *r);

/** Response callbacks: set req->cbs to this and req->user to the collector. */
extern const emhttp_response_cbs emhttp_json_response_cbs;

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_JSON_RESPONSE_H */
