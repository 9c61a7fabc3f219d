/*
 * emhttp/client.h - the HTTP/1.1 client on one persistent connection.
 *
 * Memory: the caller owns everything - the client struct (place it in
 * .bss), the port instance, the transmit and receive buffers and every
 * request.  emhttp never allocates.
 *
 * Tasks: a client belongs to one task, the "network loop".  Every function
 * here must be called from that task only (emhttp_strerror excepted).  The
 * loop calls emhttp_poll() whenever the connection may have progressed or
 * a timeout may have passed; each call does bounded work (at most one
 * receive of the buffer size, one send, one step of DNS or connect).
 *
 * Connection: one TCP connection per client, opened on the first request
 * and reused for every later one while the server keeps it open.  The host
 * is resolved once through the port; the address is cached until the DNS
 * lifetime passes or a connect to it fails.
 *
 * Minimal use (blocking):
 *
 *     static uint8_t tx[512], rx[2048];
 *     static emhttp_client cli;
 *     emhttp_config cfg = { .host = "api.example.com", .port = 80,
 *                           .net = emhttp_posix_port(&px), .transport = emhttp_posix_tcp(&px),
 *                           .tx_buf = tx, .tx_size = sizeof tx,
 *                           .rx_buf = rx, .rx_size = sizeof rx };
 *     emhttp_client_init(&cli, &cfg);
 *     emhttp_request req = { .method = "POST", .target = "/api",
 *                            .body = json, .body_len = json_len, .cbs = &my_cbs };
 *     int rc = emhttp_request_sync(&cli, &req);   // rc == EMHTTP_OK, req.status == 200
 */
#ifndef EMHTTP_CLIENT_H
#define EMHTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/abi.h"
#include "emhttp/error.h"
#include "emhttp/http_parser.h"
#include "emhttp/http_writer.h"
#include "emhttp/opt.h"
#include "emhttp/port.h"
#include "emhttp/transport.h"
#include "emhttp/url.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct emhttp_request emhttp_request;
typedef struct emhttp_client emhttp_client;

/**
 * Response callbacks, all optional (NULL).  They run in the network loop,
 * inside emhttp_poll().  Data pointers are valid during the call only.
 * Returning non-zero from on_status, on_header or on_body aborts the
 * request: it completes with EMHTTP_ERR_ABORTED and the connection is
 * closed (its remaining bytes are unknown).
 *
 * Callback contract (every callback here, the event hook, and the
 * outbox's callbacks): the application may call emhttp_submit(),
 * emhttp_cancel() and emhttp_client_close() from inside, on any request
 * of this client, including the one the callback is about:
 *  - emhttp_submit() queues the request; it goes out in order, started by
 *    this emhttp_poll() or a later one (never from inside the callback).
 *  - emhttp_cancel() completes the request at once (its on_complete runs
 *    inside the call) with EMHTTP_ERR_CANCELLED; if it was the one on the
 *    connection, the connection is closed.  No further callback of that
 *    request runs.
 *  - emhttp_client_close() closes the connection and completes every
 *    queued request with EMHTTP_ERR_CANCELLED, each exactly once; a
 *    request submitted meanwhile (from one of those completions) stays
 *    queued and goes out at the next emhttp_poll().
 * emhttp_poll() and emhttp_request_sync() from inside a callback return
 * EMHTTP_ERR_BUSY and do nothing.
 */
typedef struct emhttp_response_cbs {
    /** Status of the final response (interim 1xx responses are skipped);
     *  @p reason is the reason phrase (may be empty). */
    int (*on_status)(emhttp_request *req, int status, const char *reason, size_t reason_len);
    /** One response header; the value is trimmed of surrounding spaces. */
    int (*on_header)(emhttp_request *req, const char *name, size_t name_len,
                     const char *value, size_t value_len);
    /** A piece of the body (de-chunked).  Bodies larger than the receive
     *  buffer arrive in several pieces. */
    int (*on_body)(emhttp_request *req, const uint8_t *data, size_t len);
    /** The request is finished: @p result is EMHTTP_OK (req->status holds
     *  the status) or a negative emhttp_err.  Runs exactly once per
     *  submission.  The request is no longer referenced by the client when
     *  this runs: it may be reused, even re-submitted from inside. */
    void (*on_complete)(emhttp_request *req, int result);
} emhttp_response_cbs;

#if CONFIG_EMHTTP_BODY_STREAM
/** emhttp_request.body_len of a streamed body whose length is not known in
 *  advance: it is sent with "Transfer-Encoding: chunked". */
#define EMHTTP_BODY_UNKNOWN SIZE_MAX

/**
 * Body producer (CONFIG_EMHTTP_BODY_STREAM): writes the next piece of a
 * streamed request body.  A request with a producer has no body buffer: the
 * client asks for the body piece by piece while it sends it, so a body
 * larger than any buffer (a file, a day of readings, JSON written by the
 * resumable writer) never needs the memory for all of it.
 *
 * Memory: @p buf is the client's transmit buffer (emhttp_config.tx_buf,
 * after the request head has left; the client keeps room in front of and
 * behind the piece for the chunk framing).  The producer owns it only
 * during the call: the client sends the bytes before it calls again, and
 * never keeps a pointer into the producer's data.  One piece is at most
 * CONFIG_EMHTTP_SEND_CHUNK bytes and at most the transmit buffer less 12
 * bytes, so one poll step's work does not grow with the body.
 *
 * Task: the network loop, inside emhttp_poll() (never inside
 * emhttp_submit()).  A producer must not block: when it has nothing ready
 * (data comes from another task: the outbox's idle task, a flash driver)
 * it returns EMHTTP_PENDING, the client stops sending until the next poll
 * and emhttp_wait_flags() says 0 (wait for your own event: the data's
 * arrival).  It may call what the callback contract allows.
 *
 * @param req   the request (req->user for the producer's state)
 * @param buf   where to write the piece
 * @param size  room at @p buf (at least 1)
 * @param len   out: bytes written, 0 .. @p size; 0 with EMHTTP_OK means the
 *              body is complete
 * @return EMHTTP_OK (*len bytes, or the end), EMHTTP_PENDING (nothing ready
 *         yet: called again at a later poll), or a negative error: the
 *         request then ends with EMHTTP_ERR_BODY.
 *
 * Framing.  body_len EMHTTP_BODY_UNKNOWN: each piece leaves as one chunk,
 * the end as the last chunk ("0" CRLF CRLF).  Otherwise body_len is the
 * declared Content-Length: the producer must give exactly that many bytes,
 * then the end.  The last bytes of a declared body leave only after the
 * producer has confirmed the end (the client calls it once more, with the
 * room left behind them).  A producer that fails, ends short of the
 * declared length or gives more than it ends the request with
 * EMHTTP_ERR_BODY and closes the connection before the body is complete,
 * so the server never sees a complete-looking request (a chunked body
 * lacks its last chunk, a declared one at least its last byte).  The next
 * request goes out on a fresh connection.
 *
 * Never re-sent, never pipelined: a streamed request is not replayed after
 * a dead reused connection (the producer cannot rewind: it fails with the
 * connection's error), nothing is written ahead of or behind it with
 * pipelining, and its head always leaves alone (no gather with the first
 * piece).
 */
typedef int (*emhttp_body_fn)(emhttp_request *req, uint8_t *buf, size_t size, size_t *len);
#endif
#if CONFIG_EMHTTP_TIMING
/** emhttp_timing.flags */
#define EMHTTP_TIMING_REUSED 0x01u  /**< the request (its last sending) went out
                                         on a connection opened before it */
#define EMHTTP_TIMING_RESUMED 0x02u /**< a handshake for it resumed a session */
#define EMHTTP_TIMING_HANDSHAKE 0x08u /**< a transport handshake (TLS) completed for it
                                           (handshake_ms may still be 0: under a ms) */
#define EMHTTP_TIMING_STARTED 0x04u /**< it became active (else every figure is 0:
                                         completed while waiting in the queue) */

/**
 * Timing and facts of one request (CONFIG_EMHTTP_TIMING), written by the
 * client into emhttp_request.timing: zeroed by emhttp_submit(), filled in
 * from when the request becomes active (its turn on the connection),
 * final when on_complete runs (read it there or after).  Times are in ms of the port's clock, read once per
 * emhttp_poll(): a phase ends at the poll that sees it end, so each figure
 * is at least the real time spent and at most one poll's wait longer.
 *
 * The phases a request waited through for itself (each summed over every
 * connection it needed: a re-send after a dead reused connection, a
 * redirect to another origin):
 *  - resolve_ms: name resolution (0 when the address was cached, given,
 *    or the connection reused);
 *  - connect_ms: the transport's connect, every address tried;
 *  - handshake_ms: the transport's handshake (TLS; 0 without one);
 * and from its activation on, whatever it waited for:
 *  - first_byte_ms: until the first byte of its (final hop's) response;
 *  - total_ms: until completion (as of the last poll's clock reading when
 *    emhttp_cancel() or emhttp_client_close() completes it).
 * Pipelining: a request written behind others is activated when it is
 * written, so its first_byte_ms includes the time the responses in front
 * of it took; its connection counts as reused (its resolve, connect and
 * handshake are 0 unless it needed a connection of its own after a loss).
 * A request re-sent (rewound, re-sent after a dead reused connection)
 * keeps its start: the figures cover every sending.
 */
typedef struct emhttp_timing {
    uint32_t resolve_ms;
    uint32_t connect_ms;
    uint32_t handshake_ms;
    uint32_t first_byte_ms; /**< 0 when no response byte arrived */
    uint32_t total_ms;
    uint32_t sent;          /**< bytes handed to the transport: heads and bodies,
                                 of every sending and hop (plaintext under TLS) */
    uint32_t body_sent;     /**< of those, body bytes of its last sending (a
                                 streamed body's chunk framing included; after a
                                 redirect that dropped the body: 0) */
    uint32_t received;      /**< response bytes parsed for it: every head
                                 (interim and redirect responses too), body
                                 and chunk framing (plaintext under TLS) */
    uint8_t connects;       /**< connections opened for it (0: all reused) */
    uint8_t resends;        /**< times it was sent again (dead reused connection,
                                 pipelining losses) */
    uint8_t redirects;      /**< redirects followed */
    uint8_t flags;          /**< EMHTTP_TIMING_* */
} emhttp_timing;
#endif

/** A request.  The caller owns it; it must stay valid (with everything it
 *  points to) from emhttp_submit() until its completion.
 *
 *  Expect: 100-continue (CONFIG_EMHTTP_EXPECT): a request whose headers
 *  carry "Expect: 100-continue" and that has a body (body_len > 0, or a
 *  producer) sends its head alone, then waits for the server's interim
 *  100 (Continue) up to emhttp_config.expect_timeout_ms before it sends
 *  the body anyway (RFC 9110 10.1.1).  A final response instead (401,
 *  413, 417...) ends the request (EMHTTP_OK, status set) without sending
 *  the body, and the connection is closed: the server cannot know that
 *  no body follows (a server keeping the connection intends to read the
 *  content, RFC 9110 10.1.1), so nothing else may be written on it.  A
 *  417 is the caller's to repeat without the expectation. */
struct emhttp_request {
    /* --- set by the caller --- */
    const char *method;   /**< NUL-terminated; NULL = GET, or POST when body_len > 0 */
    const char *target;   /**< NUL-terminated path and query; NULL = "/" */
    const emhttp_header *headers; /**< extra headers (Host replaces the automatic one) */
    size_t header_count;
    const uint8_t *body;  /**< already-encoded body bytes, sent as they are (no copy) */
    size_t body_len;      /**< with body_fn: the declared length, or EMHTTP_BODY_UNKNOWN */
#if CONFIG_EMHTTP_BODY_STREAM
    emhttp_body_fn body_fn; /**< streamed body: produced while sent (body unused); NULL = body */
#endif
    const emhttp_response_cbs *cbs; /**< may be NULL: response is discarded */
    void *user;           /**< for the caller's callbacks */

    /* --- results, written by the client --- */
    int status;           /**< final status code, 0 until known */
    int result;           /**< EMHTTP_PENDING while queued, then EMHTTP_OK or an error */
#if CONFIG_EMHTTP_TIMING
    emhttp_timing timing; /**< phase times and facts (see emhttp_timing) */
#endif

    /* --- private to the client --- */
    const uint8_t *head_; /* prepared head (emhttp_request_prepare), or NULL */
    size_t head_body_len_; /* body_len it was prepared for */
    uint32_t head_len_;
    uint8_t head_mf_;     /* its method's flags (emhttp_method_flags), found once */
    emhttp_request *next_;
    uint32_t t_start_;    /* when it became the active request */
    unsigned flags_;      /* (a word, not a byte: at its offset Thumb loads and
                             stores a word in a 16-bit instruction, a byte not) */
};

/** Connection events for logging (curl's -v). */
typedef enum emhttp_event {
    EMHTTP_EV_RESOLVE,    /**< name resolution started */
    EMHTTP_EV_RESOLVED,   /**< an address is known (addr set) */
    EMHTTP_EV_CONNECT,    /**< connecting to addr */
    EMHTTP_EV_CONNECTED,  /**< connection established to addr (before any handshake) */
    EMHTTP_EV_REUSE,      /**< a request goes over the open connection */
    EMHTTP_EV_RECONNECT,  /**< a request is re-sent on a fresh connection (code: why) */
    EMHTTP_EV_CLOSE       /**< the connection was closed (code: why, 0 = orderly) */
} emhttp_event;

/** Event hook; runs inside emhttp_poll() (and inside emhttp_cancel() /
 *  emhttp_client_close() for EMHTTP_EV_CLOSE).  @p addr may be NULL.  It
 *  may call what the callback contract above allows. */
typedef void (*emhttp_event_cb)(void *arg, emhttp_event ev, const emhttp_ip_addr *addr, int code);

#if CONFIG_EMHTTP_REDIRECTS
/** An origin: where the client's requests go (emhttp_client_set_origin(),
 *  emhttp_origin_cb). */
typedef struct emhttp_origin {
    emhttp_scheme scheme;
    const char *host;     /**< NUL-terminated name or IP literal (IPv6 without brackets) */
    uint16_t port;        /**< 0 = the scheme's default */
    emhttp_transport transport; /**< its ops NULL: keep the client's transport */
} emhttp_origin;

/**
 * A redirect to another origin is about to be followed (only with
 * emhttp_config.redirect_other_origins).  @p o describes it (o->host is
 * valid during the call only; o->transport is the transport in use).
 * Return 0 to follow it, after setting @p tr to the transport for the new
 * origin if the current one cannot reach it (another scheme; a TLS
 * transport bound to one host name, like emhttp_tls_transport(): e.g. a
 * second emhttp_tls initialised for that host), or non-zero to refuse
 * (the request completes with EMHTTP_ERR_REDIRECT).  The transport must
 * stay valid until the request completes.  Runs inside emhttp_poll(); it
 * may not call the client.
 */
typedef int (*emhttp_origin_cb)(void *arg, const emhttp_origin *o, emhttp_transport *tr);
#endif

/** Keep the resolved address until a connect to it fails. */
#define EMHTTP_DNS_TTL_FOREVER 0xFFFFFFFFu

/** A timeout field set to this means "no limit". */
#define EMHTTP_TIMEOUT_NONE 0xFFFFFFFFu
/** The longest timeout, in ms (about 24.8 days): deadlines are kept as
 *  differences of a 32-bit millisecond clock, exact up to 2^31 - 1.
 *  Larger values (other than EMHTTP_TIMEOUT_NONE) are refused by
 *  emhttp_client_init() with EMHTTP_ERR_CONFIG_RANGE; so is a DNS
 *  lifetime over EMHTTP_TIMEOUT_MAX_MS / 1000 s (other than
 *  EMHTTP_DNS_TTL_FOREVER). */
#define EMHTTP_TIMEOUT_MAX_MS 0x7FFFFFFFu

/**
 * Client configuration, read by emhttp_client_init() only (it may live on
 * the stack).  Timeouts: 0 means the CONFIG_EMHTTP_* default,
 * EMHTTP_TIMEOUT_NONE no limit, anything else 1 .. EMHTTP_TIMEOUT_MAX_MS.
 * Every timeout holds whatever the server sends: a trickle of bytes does
 * not extend it.
 */
typedef struct emhttp_config {
    const char *host;       /**< NUL-terminated host name or IP literal (IPv6
                                 without brackets); borrowed for the client's
                                 lifetime */
    uint16_t port;          /**< TCP port; 0 = the scheme's default */
    emhttp_scheme scheme;   /**< EMHTTP_SCHEME_HTTP, or EMHTTP_SCHEME_HTTPS (needs a
                                 transport with EMHTTP_TRANSPORT_SECURE) */
    emhttp_port net;        /**< clock, resolver, wait (its ctx is borrowed) */
    emhttp_transport transport; /**< the connection: the port's TCP
                                 (emhttp_posix_tcp()), TLS stacked on it
                                 (emhttp_tls_transport()) or the device's own;
                                 its ctx is borrowed */
    uint8_t *tx_buf;        /**< request head buffer (caller-owned) */
    size_t tx_size;         /**< must hold the longest request head */
    uint8_t *rx_buf;        /**< receive buffer (caller-owned) */
    size_t rx_size;         /**< at least 256; must hold the longest header line */
    uint32_t connect_timeout_ms;    /**< per connect attempt, and the handshake */
    uint32_t first_byte_timeout_ms; /**< request sent -> first response byte */
    uint32_t request_timeout_ms;    /**< whole request, from when it becomes active */
    uint32_t dns_timeout_ms;        /**< one name resolution */
    uint32_t dns_ttl_s;     /**< address lifetime; EMHTTP_DNS_TTL_FOREVER to keep it */
    uint32_t idle_reuse_ms; /**< a kept-alive connection idle longer than this is
                                 replaced before use (NATs drop idle mappings
                                 silently); 0 = CONFIG_EMHTTP_IDLE_REUSE_MS,
                                 EMHTTP_TIMEOUT_NONE = never */
    const emhttp_ip_addr *resolve; /**< if set: use this address, never resolve
                                        (curl's --resolve; the port then needs
                                        no resolver); copied */
    bool retry_all_methods; /**< re-send any method after a dead reused connection
                                 (default: idempotent or Idempotency-Key only,
                                 unless CONFIG_EMHTTP_RETRY_ALL_METHODS); ignored
                                 without CONFIG_EMHTTP_RESEND */
    uint8_t max_in_flight;  /**< pipelining (CONFIG_EMHTTP_PIPELINING): up to this
                                 many requests written ahead on the connection,
                                 answered in order; 0 or 1 = off (one request at
                                 a time).  Only replayable requests (idempotent
                                 method or an Idempotency-Key header) go behind an
                                 unanswered one, unless pipeline_all_methods; see
                                 "Pipelining" above emhttp_client_init(); ignored
                                 without CONFIG_EMHTTP_PIPELINING */
    uint32_t expect_timeout_ms; /**< the wait for 100 Continue after the head of a
                                 request with "Expect: 100-continue"; 0 =
                                 CONFIG_EMHTTP_EXPECT_TIMEOUT_MS (1 s); ignored
                                 without CONFIG_EMHTTP_EXPECT */
    bool pipeline_all_methods; /**< let any method go behind an unanswered
                                 request (one lost with its connection then fails
                                 with EMHTTP_ERR_CLOSED unless it may be re-sent) */
#if CONFIG_EMHTTP_REDIRECTS
    uint8_t max_redirects;  /**< redirects followed per request (see "Redirects"
                                 above emhttp_client_init()); 0 = off: a 3xx
                                 response is returned as it is */
    bool redirect_other_origins; /**< follow a redirect to another scheme, host
                                 or port (default: refused, EMHTTP_ERR_REDIRECT) */
    emhttp_origin_cb on_origin; /**< optional: asked before following a redirect
                                 to another origin; may supply its transport */
    void *origin_arg;
    char *redirect_buf;     /**< holds a Location while a request is redirected
                                 (caller-owned, needed when max_redirects > 0);
                                 a longer Location is EMHTTP_ERR_REDIRECT */
    size_t redirect_size;   /**< its size: the longest Location, plus the
                                 current target and host, plus 10 */
#endif
#if CONFIG_EMHTTP_EVENTS
    emhttp_event_cb on_event; /**< optional (CONFIG_EMHTTP_EVENTS) */
    void *event_arg;
#endif
} emhttp_config;

/** Counters since emhttp_client_init(). */
typedef struct emhttp_stats {
    uint32_t requests;    /**< requests completed (any result) */
    uint32_t errors;      /**< requests completed with an error */
    uint32_t connects;    /**< TCP connections established */
    uint32_t dns_queries; /**< resolutions the port was asked for */
    uint32_t reuses;      /**< requests sent on an already-open connection */
    uint32_t retries;     /**< requests re-sent after a dead reused connection */
    uint32_t ka_expired;  /**< idle connections replaced before use (Keep-Alive
                               timeout, or bytes/EOF waiting on it) */
    uint32_t tls_handshakes; /**< transport handshakes completed */
    uint32_t tls_resumed;    /**< of which resumed a cached session */
} emhttp_stats;

/** Client state.  Fields are private: use the functions below. */
struct emhttp_client {
    /* The small fields first: Thumb's 16-bit loads and stores reach byte
     * offsets 0-31 and halfword offsets 0-62 only (every access from
     * client.c is then 2 bytes shorter). */
    uint8_t state_;
    uint8_t flags_;
    uint8_t naddrs_, addr_idx_;
    uint8_t host_len_;
    uint16_t port_;
    uint16_t host_port_;       /* port_ for the Host header: 0 when the scheme's default */
    uint16_t gen_;             /* bumped by emhttp_cancel() / _close(): a callback intervened */
    const char *host_;
    emhttp_port net_;
    emhttp_transport tr_;
    uint8_t *tx_;
    uint8_t *rx_;
    uint32_t tx_size_, rx_size_;
    uint32_t to_[5];           /* timeouts: connect, first byte, request, DNS, idle reuse */
    uint32_t dns_ttl_ms_;
#if CONFIG_EMHTTP_EVENTS
    emhttp_event_cb on_event_;
    void *event_arg_;
#endif
    emhttp_request *queue_;    /* head: the request on the connection (one in
                                  flight; with pipelining the first of those in
                                  flight), then those waiting */
    emhttp_request *tail_;
    uint32_t t_resolved_;      /* when addrs_ was resolved */
    emhttp_request *rx_req_;   /* the request whose response is being parsed */
    uint32_t now_;             /* clock read at the start of this poll */
    uint32_t t_armed_;         /* when the running deadline was armed */
    uint32_t due_len_;         /* its length in ms; EMHTTP_TIMEOUT_NONE = none */
    int due_err_;              /* what passing the deadline fails the request with (a
                                  word: Thumb has no 16-bit load of a signed byte at an offset) */
    uint32_t t_idle_;          /* when the connection went idle */
#if CONFIG_EMHTTP_KEEPALIVE_HINT
    uint32_t ka_ms_;           /* server's keep-alive timeout, 0 = none */
#endif
    const uint8_t *head_;      /* the active request's head: tx_ or prepared */
    uint32_t tx_len_;          /* its length */
    uint32_t sent_;            /* bytes sent: of the head, then of the body */
    uint32_t rx_len_;          /* bytes in rx_ (unparsed from RX_AT, client.c) */
    int poll_rc_;              /* first request error of this poll */
    emhttp_parser parser_;
    emhttp_ip_addr addrs_[CONFIG_EMHTTP_DNS_MAX_ADDRS];
    emhttp_request *closing_;  /* detached by emhttp_client_close(), being completed
                                  (past offset 124, where a word load takes 32 bits:
                                  only _close() and _cancel() use it, not emhttp_poll()) */
#if CONFIG_EMHTTP_STATS
    emhttp_stats stats_;
#endif
#if CONFIG_EMHTTP_EXPECT
    uint32_t expect_ms_;       /* the wait for 100 Continue */
#endif
#if CONFIG_EMHTTP_BODY_STREAM
    size_t produced_;          /* streamed body bytes produced so far */
    uint32_t piece_at_, piece_end_; /* the produced piece in tx_ still to send */
    uint8_t sflags_;           /* stream flags (client.c) */
#endif
#if CONFIG_EMHTTP_TIMING
    uint32_t t_phase_;         /* when the running resolve/connect/handshake began */
#endif
#if CONFIG_EMHTTP_REDIRECTS
    char *rbuf_;               /* redirect_buf: [host NUL, when away] target NUL ... Location */
    uint32_t rsize_;
    uint32_t loc_at_;          /* where the captured Location starts in rbuf_, 0 = none */
    emhttp_origin_cb on_origin_;
    void *origin_arg_;
    emhttp_request *redir_req_; /* the request being redirected (its fields saved below) */
    const char *save_method_, *save_target_;
    const uint8_t *save_body_, *save_head_;
    size_t save_body_len_;
#if CONFIG_EMHTTP_BODY_STREAM
    emhttp_body_fn save_body_fn_;
#endif
    struct {                   /* the origin to return to after a detour */
        const char *host;
        emhttp_transport tr;
        emhttp_ip_addr addr;   /* its configured address (CF_FIXED_ADDR) */
        uint16_t port, host_port;
        uint8_t host_len, flags;
    } home_;
    uint8_t max_redir_;
    uint8_t hops_;             /* redirects followed by redir_req_ */
    uint8_t rflags_;           /* redirect flags (client.c) */
    uint8_t scheme_;           /* the current origin's emhttp_scheme */
#endif
#if CONFIG_EMHTTP_PIPELINING
    emhttp_request *tx_req_;   /* the last request written (or being written) */
    uint32_t rx_at_;           /* rx_[rx_at_, rx_len_) is unparsed: the next
                                  responses that came with the last one */
    uint8_t depth_;            /* max_in_flight, at least 1 */
    uint8_t inflight_;         /* requests at the queue's front on the connection */
    uint8_t pflags_;           /* pipelining flags (client.c) */
#endif
};

/*
 * Pipelining (CONFIG_EMHTTP_PIPELINING, emhttp_config.max_in_flight K > 1):
 * up to K queued requests are written ahead on the one connection and
 * their responses matched in order.
 *  - Only a replayable request (idempotent method, or an Idempotency-Key
 *    header; any with pipeline_all_methods) goes behind an unanswered one.
 *    Requests with "Expect: 100-continue" and streamed bodies (body_fn)
 *    never do, and nothing goes behind a streamed one.
 *  - A response that ends the connection (Connection: close, HTTP/1.0, a
 *    close-delimited body) means the server did not process what was
 *    written behind it: those requests are re-sent on a fresh connection
 *    (not counted as retries), and that connection sends one request at a
 *    time until a response on it keeps the connection open.
 *  - When the connection fails otherwise (reset, EOF, a timeout, a
 *    malformed response), the requests written behind the failing one may
 *    or may not have been processed: each is re-sent once on a fresh
 *    connection, alone (nothing pipelined behind it), if it may be
 *    re-sent (CONFIG_EMHTTP_RESEND: idempotent, Idempotency-Key, or
 *    retry_all_methods), else it completes with EMHTTP_ERR_CLOSED.
 *  - Every request completes exactly once, in submission order; a re-sent
 *    one keeps its start time, so its request timeout still holds.
 *  - emhttp_cancel() of a request written on the connection closes it; the
 *    others written on it are then treated as on a failed connection.
 */

/**
 * Initialise a client.  Opens nothing: the first request connects.
 * @param c    client (caller-owned, e.g. static)
 * @param cfg  configuration (read during the call only; the host string,
 *             the buffers and the port ctx are borrowed for the client's
 *             lifetime)
 * @return EMHTTP_OK; EMHTTP_ERR_ARG (missing host, buffer, clock, transport
 *         operation, or resolver without a configured address; rx buffer
 *         under 256 bytes; HTTPS over a transport without
 *         EMHTTP_TRANSPORT_SECURE, or HTTP over one with it);
 *         EMHTTP_ERR_CONFIG_RANGE (a timeout over EMHTTP_TIMEOUT_MAX_MS, a
 *         DNS lifetime over EMHTTP_TIMEOUT_MAX_MS / 1000 s); or
 *         EMHTTP_ERR_URL (host longer than CONFIG_EMHTTP_MAX_HOST_LEN or
 *         containing characters not allowed in a host), or
 *         EMHTTP_ERR_ARG also for max_redirects > 0 without a
 *         redirect_buf of at least 64 bytes;
 *         EMHTTP_ERR_CONFIG_MISMATCH (the caller was compiled with other
 *         emhttp options than the library; @p c is not touched:
 *         emhttp/abi.h).
 * Network task, before any other call on @p c.
 */
#define emhttp_client_init(c, cfg) \
    emhttp_client_init_checked((c), (cfg), EMHTTP_ABI_TAG, sizeof(emhttp_client))
/** emhttp_client_init() with the caller's EMHTTP_ABI_TAG and sizeof(emhttp_client). */
int emhttp_client_init_checked(emhttp_client *c, const emhttp_config *cfg, uint32_t abi_tag,
                               size_t client_size);

/**
 * Format and check a request's head once, into caller memory, so that
 * every later submission sends those bytes as they are: the network loop
 * then neither formats nor validates it (the outbox prepares heads in the
 * idle task; a loop that repeats one request prepares it once).
 *
 * The head is a copy: changing the strings the request points to later
 * does not change what is sent.  After changing method, target or headers,
 * prepare again, or drop the prepared head with @p buf NULL.  A changed
 * body_len is detected: the head is then formatted afresh at submission,
 * as for an unprepared request.  A zero-initialised request has none.
 *
 * @param c     the client the request will be submitted to (host and port
 *              go into the Host header)
 * @param req   the request; not queued
 * @param buf   caller-owned buffer that receives the head; must stay valid
 *              and unchanged while the request may be submitted; NULL
 *              drops a prepared head
 * @param size  its size
 * @return EMHTTP_OK, EMHTTP_ERR_BAD_REQUEST or EMHTTP_ERR_TX_OVERFLOW (the
 *         request then has no prepared head), EMHTTP_ERR_ARG (NULL, or
 *         the request is queued).
 * Any task, as long as the request is not queued.
 */
int emhttp_request_prepare(const emhttp_client *c, emhttp_request *req, uint8_t *buf,
                           size_t size);

/**
 * Queue a request.  Requests are sent in order over the one connection;
 * the client fills in req->status and req->result and calls on_complete.
 * @return EMHTTP_OK (queued), EMHTTP_ERR_ARG (NULL, or a body_len or
 *         header_count without its pointer) or EMHTTP_ERR_BUSY (this
 *         request is already queued).
 * Errors of the request itself (invalid header, DNS, connect, timeout...)
 * are reported through its completion, never by this call.
 * Network task; also from inside any callback of this client.
 */
int emhttp_submit(emhttp_client *c, emhttp_request *req);

/**
 * Cancel a queued request.  A request still waiting is taken out without
 * touching the connection; the one on the connection (being resolved for,
 * connected for, sent or answered) is ended and the connection closed
 * (its response was not complete: what is left of it is unknown).  Either
 * way the request completes inside this call: on_complete runs with
 * EMHTTP_ERR_CANCELLED, and no other callback of it runs afterwards.
 * @return EMHTTP_OK (cancelled), EMHTTP_ERR_ARG (NULL, or @p req is not
 *         queued on @p c: never submitted, or already complete - nothing
 *         happens).
 * Network task; also from inside any callback of this client.
 */
int emhttp_cancel(emhttp_client *c, emhttp_request *req);

/**
 * Advance the client: bounded, non-blocking work (at most a few state
 * steps, each at most one receive of the buffer size, one send of a
 * request head and/or CONFIG_EMHTTP_SEND_CHUNK body bytes, one step of
 * DNS, connect or handshake).
 * Every running deadline is checked on each call, whatever arrives.
 * @return EMHTTP_PENDING while requests remain queued, EMHTTP_OK when the
 *         queue is empty, the negative result of a request that failed
 *         during this call (its on_complete has already run; the client
 *         stays usable and carries on with the next request), or
 *         EMHTTP_ERR_BUSY when called from inside a callback (nothing done).
 * Network task.
 */
int emhttp_poll(emhttp_client *c);

/**
 * What the loop should wait for before the next emhttp_poll():
 * EMHTTP_WAIT_READ and/or _WRITE (the connection: the port tells which
 * descriptor, e.g. emhttp_posix_pollfds()), EMHTTP_WAIT_RESOLVE (a name
 * query runs: wait for the port's resolver wake-up), EMHTTP_WAIT_NOW (poll
 * again without waiting), or 0 (nothing queued: wait for your own events;
 * after emhttp_submit() from outside a callback, poll).  Together with
 * emhttp_next_timeout_ms() this is all an event loop needs.
 * Network task.
 */
unsigned emhttp_wait_flags(const emhttp_client *c);

/**
 * Milliseconds until the earliest running timeout expires (0 = already
 * due), or UINT32_MAX when no timeout runs, counted from the clock reading
 * of the last emhttp_poll(): call it right after polling, then sleep at
 * most this long.  0 when emhttp_wait_flags() has EMHTTP_WAIT_NOW.
 * Network task.
 */
uint32_t emhttp_next_timeout_ms(const emhttp_client *c);

/**
 * Blocking convenience: submit @p req, then poll and wait on the port
 * (emhttp_port_ops.wait) until it completes.  Other queued requests
 * progress meanwhile.
 * @return req->result: EMHTTP_OK (see req->status) or a negative error;
 *         EMHTTP_ERR_ARG / _BUSY from emhttp_submit(), EMHTTP_ERR_ARG
 *         when the port has no wait(), EMHTTP_ERR_BUSY from inside a
 *         callback.
 * Network task (host builds and tests; firmware polls from its loop).
 */
int emhttp_request_sync(emhttp_client *c, emhttp_request *req);

/**
 * Close the connection and cancel every queued request (each completes
 * with EMHTTP_ERR_CANCELLED, exactly once, inside this call).  The queue
 * is detached first: a request submitted from one of those completions
 * stays queued and goes out at the next emhttp_poll().  The client stays
 * initialised: a later request reconnects (the cached address is kept).
 * Network task; also from inside any callback of this client.
 */
void emhttp_client_close(emhttp_client *c);

#if CONFIG_EMHTTP_REDIRECTS
/*
 * Redirects (CONFIG_EMHTTP_REDIRECTS, emhttp_config.max_redirects N > 0):
 * a 301, 302, 303, 307 or 308 response is the client's, not the
 * request's: its status, headers and body reach no callback.  The client
 * reads its Location (absolute "http[s]://host[:port]/path", network-path
 * "//host/path", absolute path "/path", relative "path" or "?query";
 * control bytes, spaces, non-ASCII bytes and userinfo are refused; the host
 * follows emhttp_host_classify()) and sends the request again:
 *  - 303, and 301/302 after a POST: as GET without a body (a HEAD stays
 *    HEAD); 307 and 308, and 301/302 after any other method: the same
 *    method and body - a body that cannot be sent again (a streamed
 *    body: emhttp_request.body_fn) completes the request with
 *    EMHTTP_ERR_REDIRECT_BODY; a streamed body turned into a GET is not
 *    produced again;
 *  - to the same origin (scheme, host, port): on the same connection
 *    when the response kept it open;
 *  - to another origin only with redirect_other_origins (else
 *    EMHTTP_ERR_REDIRECT) and, when on_origin is set, its consent: the
 *    connection is closed and the request goes to the new origin, without
 *    its Authorization and Cookie headers (as curl), resolved afresh (the
 *    DNS cache then holds the new host's addresses).  Without on_origin a
 *    redirect to another scheme, or to another host over a transport with
 *    EMHTTP_TRANSPORT_SECURE (the mbedTLS transport is bound to its
 *    configured host name), is refused: on_origin may supply a transport
 *    for it.  This is a detour: when the request completes the client
 *    closes that connection and returns to its own origin and transport
 *    (resolved again, unless it has a configured address; a TLS session
 *    cached in its transport resumes).  Requests queued behind wait for
 *    it and go to the client's own origin.
 * More than N redirects complete the request with
 * EMHTTP_ERR_TOO_MANY_REDIRECTS; a missing or malformed Location, or one
 * longer than redirect_buf allows, with EMHTTP_ERR_REDIRECT.  Either way
 * req->status is the 3xx.  During the redirect the client changes the
 * request's method, target, body and body_len; they are restored before
 * on_complete runs.  The request timeout covers every hop.  With
 * max_redirects > 0 requests are not pipelined (max_in_flight is taken as
 * 1): a redirected request must go out again before those behind it.
 */

/**
 * Point the client at another origin, between requests: the connection
 * is closed; the DNS cache (and a configured address,
 * emhttp_config.resolve) is dropped, so the next request resolves the new
 * host; requests use the new Host (heads prepared before with
 * emhttp_request_prepare() still carry the old one: prepare them again).
 * TLS: a session cache lives in the transport.  The mbedTLS transport
 * checks the certificate against the host name it was initialised with,
 * so another host needs its own transport in @p o->transport (keep the
 * first one to come back to it: its session then resumes).
 * @param c  the client
 * @param o  the new origin; o->host is borrowed for as long as it is the
 *           client's origin; o->transport.ops NULL keeps the transport
 * @return EMHTTP_OK; EMHTTP_ERR_BUSY (requests are queued: nothing
 *         changed); EMHTTP_ERR_ARG (NULL, a transport without the needed
 *         operations, or the scheme does not match the transport's
 *         EMHTTP_TRANSPORT_SECURE); EMHTTP_ERR_URL (the host is refused by
 *         the rule of emhttp_client_init()).
 * Network task, not from inside a callback (EMHTTP_ERR_BUSY).
 */
int emhttp_client_set_origin(emhttp_client *c, const emhttp_origin *o);
#endif

#if CONFIG_EMHTTP_STATS
/** Counters; the pointer stays valid for the client's lifetime.  Any task
 *  may read them; values change only inside emhttp_poll().  Compiled in
 *  with CONFIG_EMHTTP_STATS. */
const emhttp_stats *emhttp_client_stats(const emhttp_client *c);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_CLIENT_H */
