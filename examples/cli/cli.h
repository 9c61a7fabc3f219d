/*
 * cli.h - the parts of the emhttp command line client shared between its
 * files: emhttp.c (options, requests, output), cli_trace.c (what -v and
 * -i see of the connection) and cli_progress.c (the progress meter).
 * A host program: it may use stdio and allocate.
 */
#ifndef EMHTTP_CLI_H
#define EMHTTP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "emhttp/client.h"
#if CONFIG_EMHTTP_TLS
#include "emhttp/tls.h"
#endif

/* ---- cli_trace.c: a transport stacked on the real one ------------------- */

/*
 * The trace sits between the client and its transport (TCP, or TLS over
 * TCP) and sees the plaintext both ways:
 *  - -v: the request head as sent ("> " lines on stderr, Authorization
 *    and Proxy-Authorization values replaced by "<redacted>"), and after a
 *    handshake the TLS version, cipher suite and server certificate;
 *  - -i / -I / -v: the HTTP version of the status line the server sent
 *    (the client reports status and reason only).
 * It only copies what passes; every call goes on to the real transport.
 */
typedef struct cli_trace {
    emhttp_transport lower;  /* the real transport */
    emhttp_transport_ops ops;
#if CONFIG_EMHTTP_TLS
    const emhttp_tls *tls;   /* for the TLS facts (-v), or NULL */
#endif
    bool verbose;
    bool in_req_head;        /* the next bytes sent are a request head */
    bool want_version;       /* the next bytes received start a response */
    char line[512];          /* the request head line being collected */
    size_t line_len;
    char version[16];        /* "HTTP/1.1" of the last response, or "" */
    size_t version_len;
} cli_trace;

/* Stack the trace on @p lower; the client gets the returned transport. */
emhttp_transport cli_trace_wrap(cli_trace *t, emhttp_transport lower);

/* A request is about to be sent (its head comes next). */
void cli_trace_request(cli_trace *t);

/* The HTTP version of the last status line ("HTTP/1.0"), or "HTTP/1.1"
 * when none was seen. */
const char *cli_trace_version(const cli_trace *t);

/* ---- cli_progress.c: curl's progress meter, on stderr ------------------- */

typedef struct cli_progress {
    bool enabled;            /* -s off, stderr a terminal */
    bool shown;              /* a line was printed: end it with a newline */
    uint64_t t0_us;          /* transfer start */
    uint64_t last_us;        /* last line printed */
    uint64_t bytes;          /* body bytes received */
    uint64_t total;          /* Content-Length, 0 = unknown */
} cli_progress;

uint64_t cli_now_us(void);
void cli_progress_start(cli_progress *p, bool enabled);
void cli_progress_total(cli_progress *p, uint64_t total);
void cli_progress_add(cli_progress *p, size_t n);
/* Print a line when the transfer has run over a second and the last line
 * is older than a quarter second. */
void cli_progress_tick(cli_progress *p);
/* The transfer ended: a final line when the meter was showing. */
void cli_progress_end(cli_progress *p);

#endif /* EMHTTP_CLI_H */
