/*
 * mock_net.h - the one scripted mock port and transport of the client's
 * unit tests (fault injection only: the real behaviour against real
 * servers is in tests/integration).
 *
 *   #include "mock_net.h"          (and support/mock_net.c in the target)
 *   mn_reset();                    a fresh mock: clock 1000, one address
 *   cfg.net = mn_port;  cfg.transport = mn_transport(&mn_tcp);
 *   MN.on_head[1] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
 *   ... emhttp_request_sync(&cli, &req); CHECK_EQ_INT(MN.connects, 1);
 *
 * One mock, one state: the global MN.  The test sets its fields between
 * mn_reset() and the run, and reads the counters after.
 *
 * The port: now_ms() returns MN.now (the test moves it; wait() jumps it);
 * the resolver answers MN.dns_rc with MN.naddrs addresses (192.0.2.1 on);
 * wait() returns at once when the connection is writable (WAIT_WRITE) or
 * readable (WAIT_READ), else it jumps the clock to the deadline (1000 ms
 * for "no deadline", 1 ms for 0): simulated time, nothing else can happen.
 *
 * The transport is one connection at a time:
 *  - connect() returns MN.connect_rc[attempt] (0-based; EMHTTP_OK unless
 *    set; attempts past the array repeat its last entry); EMHTTP_PENDING
 *    makes connect_poll() answer MN.connect_poll_rc (EMHTTP_PENDING unless
 *    set: a connect that never finishes).  Established: a fresh stream.
 *  - send()/sendv() append what they accept to MN.sent (all connections,
 *    in order) and count request lines (MN.lines: " HTTP/1.1\r\n" seen,
 *    heads begun) and complete heads (MN.heads: each CRLFCRLF; a
 *    Content-Length body after a head is skipped, chunked framing is not
 *    parsed: a test with chunked uploads counts in its own server hook).
 *    When head k (1-based) is complete, MN.on_head[k] (else MN.answer)
 *    arrives on the connection.  Faults: MN.accept_max, send_zero,
 *    send_fail, stall_head, send_fail_at_line, window (see the fields).
 *  - recv() returns the server's bytes that have arrived (mn_push(),
 *    on_head / answer, script actions), up to the size asked: fewer only
 *    when no more is there (transport.h's promise), then 0, or the end
 *    mn_end() set (sticky until the connection closes).  A script action
 *    (mn_script) arrives once MN.heads >= its gate and everything before
 *    it was read: one action at a time, so a response is never read in
 *    the same recv as the next.  close() drops what was not read (the rest
 *    of a half-read action dies with the connection; later actions stay).
 *  - the "secure" transport (mn_secure) adds a handshake returning
 *    MN.handshake_rc and want(); mn_tcp_want has want() only.
 * Calls the contracts rule out (connect while connected, send/recv on a
 * closed connection, resolve_poll without a query) count in MN.misuse.
 *
 * Hooks (NULL: none) for the behaviour of a test's own server:
 *  - server(p, n): the bytes a send accepted, in order (after MN.sent
 *    and the head counting saw them); the server answers with mn_push().
 *  - on_connect(): a connection was established (reset the server).
 *  - before_send(n): called first by every send on an open connection
 *    with the bytes offered; return 1 to go on, else what send returns.
 *  - before_recv(): the same for recv (may mn_push() what it held back).
 *  - wait(flags, timeout): replaces the default wait().
 */
#ifndef EMHTTP_TEST_MOCK_NET_H
#define EMHTTP_TEST_MOCK_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/port.h"
#include "emhttp/transport.h"

#define MN_ATTEMPTS 16  /* connect attempts with a result of their own */
#define MN_SENT 32768   /* bytes of MN.sent */
#define MN_STREAM 40000 /* the server's bytes arrived on one connection */
#define MN_SCRIPT 32    /* script actions */
#define MN_HEADS 64     /* heads with an on_head / head_conn entry */

/* Script actions: data, an orderly end (EMHTTP_ERR_CLOSED), a reset. */
enum { MN_DATA, MN_CLOSED, MN_RESET };

typedef struct {
    int type;
    int gate; /* complete request heads before it arrives */
    const char *data;
} mn_action;

typedef struct {
    uint32_t now; /* the clock (mn_reset: 1000) */

    /* ---- resolver ---- */
    int resolve_start_rc;     /* resolve_start()'s result (EMHTTP_PENDING) */
    int dns_rc;               /* resolve_poll(): EMHTTP_OK with the addresses,
                                 EMHTTP_PENDING (never answers) or an error */
    size_t naddrs;            /* addresses answered (1; EMHTTP_OK even with 0) */
    emhttp_ip_addr addrs[4];  /* 192.0.2.1 .. 192.0.2.4 */
    bool query;               /* a query runs */
    int resolves;             /* resolve_start() calls */
    int resolve_cancels;

    /* ---- connect ---- */
    int connect_rc[MN_ATTEMPTS]; /* connect()'s result per attempt (EMHTTP_OK) */
    int connect_poll_rc;      /* connect_poll()'s (EMHTTP_PENDING: never done) */
    int attempts;             /* connect() calls */
    int connects;             /* connections established */
    bool open, connecting;
    emhttp_ip_addr last_addr; /* of the last connect() */
    uint16_t last_port;
    int handshake_rc;         /* mn_secure's handshake result (EMHTTP_OK) */
    int handshakes;           /* handshake calls */
    bool want_now;            /* want(READ) is EMHTTP_WAIT_NOW: bytes held
                                 back (cleared by a new connection) */
    int want_from_head;       /* want_now from this many complete heads on */

    /* ---- send ---- */
    char sent[MN_SENT];       /* what the client sent, all connections; with a
                                 server hook, what fits (sent_total counts all) */
    size_t sent_len, sent_total;
    int lines;                /* request lines sent (heads begun) */
    int heads;                /* request heads complete */
    int head_conn[MN_HEADS];  /* connection (MN.connects) head k-1 went out on */
    int send_calls;           /* sends that accepted bytes (or none: no room) */
    size_t max_offer;         /* most bytes offered to one send */
    size_t accept_max;        /* bytes a send accepts (0: all offered) */
    int send_zero;            /* this many sends accept nothing (no room) */
    int send_fail;            /* this many sends fail with send_fail_rc */
    int send_fail_rc;         /* (EMHTTP_ERR_SEND) */
    int stall_head;           /* once this many heads are out, one send
                                 accepts nothing (then 0 again) */
    int send_fail_at_line;    /* the send that gets request line k (1-based)
                                 out fails with EMHTTP_ERR_RESET (the bytes
                                 stay in sent: they were attempted) */
    size_t window;            /* the server reads nothing while this many of
                                 its bytes are unread (0: never); with a
                                 window, a gather send takes its first buffer */

    /* ---- recv ---- */
    uint8_t in[MN_STREAM];    /* the server's bytes on this connection */
    size_t in_rd, in_wr;      /* read up to in_rd, arrived up to in_wr */
    int in_end;               /* after them: EMHTTP_ERR_CLOSED/_RESET (0: open) */
    bool pending_read;        /* the server holds something back that
                                 before_recv() pushes: wait() sees it readable */
    mn_action script[MN_SCRIPT];
    int nscript, next;        /* script actions, the next one to arrive */
    const char *on_head[MN_HEADS]; /* arrives when head k (1-based) is complete */
    size_t on_head_len[MN_HEADS];  /* its length (0: strlen) */
    const char *answer;       /* arrives for a head without on_head (NULL: none) */
    int recv_err;             /* one recv fails with this ... */
    int recv_err_head;        /* ... once this many heads are complete */
    int recvs;                /* recv calls */

    int misuse;               /* calls the port/transport contracts rule out */

    /* ---- hooks of the test's server (NULL: none) ---- */
    void (*server)(const uint8_t *p, size_t n);
    void (*on_connect)(void);
    long (*before_send)(size_t n);
    long (*before_recv)(void);
    int (*wait)(unsigned flags, uint32_t timeout_ms);

    /* (the mock's own head scanner) */
    size_t scan, line_scan, head_start, body_left;
} mock_net;

extern mock_net MN;

/* Port ops over MN (mn_port_nowait: without wait()). */
extern const emhttp_port_ops mn_port_ops, mn_port_ops_nowait;
/* Transports: plain (send and sendv), without sendv, with want(), secure. */
extern const emhttp_transport_ops mn_tcp, mn_tcp_nogather, mn_tcp_want, mn_secure;
#define mn_port ((emhttp_port){&mn_port_ops, NULL})
#define mn_transport(ops) ((emhttp_transport){(ops), NULL})

/* A fresh mock: everything zero but the defaults named above. */
void mn_reset(void);
/* Forget what was sent so far (MN.sent and the head counting's cursors;
 * the counters stay): a test that looks at one request's bytes. */
void mn_clear_sent(void);
/* The server's bytes arrive now (on the open connection). */
void mn_push(const void *p, size_t n);
void mn_push_str(const char *s);
/* After what arrived so far, the connection ends: EMHTTP_ERR_CLOSED or
 * EMHTTP_ERR_RESET from every recv until it is closed. */
void mn_end(int rc);
/* Append a script action (type MN_*, gate: heads complete before it). */
void mn_script(int type, int gate, const char *data);
/* Every connect attempt from now on answers @p rc. */
void mn_connect_all(int rc);
/* Something to read now (what wait(READ) checks). */
bool mn_readable(void);
/* The default wait(): ready, or the clock jumps to the deadline. */
int mn_wait_default(unsigned flags, uint32_t timeout_ms);

#endif /* EMHTTP_TEST_MOCK_NET_H */
