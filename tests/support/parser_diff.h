/*
 * parser_diff.h - one response through emhttp's parser and through Node's
 * http_parser 2.9 (Debian's libhttp-parser-dev), each fed the same pieces,
 * reduced to one comparable outcome (tests/unit/parser_diff.c,
 * tests/fuzz/fuzz_parser_diff.c; docs/parser-differences.md).
 *
 * An outcome: accepted or rejected; for an accepted response the status of
 * the final (non-1xx) response, its headers (names lower-cased, values as
 * the parser gives them), the de-chunked body, whether the connection may
 * be kept and where the response ended.  A response not complete when the
 * input ends gets the end of stream (a close-delimited body ends there;
 * anything else cut short is rejected).
 */
#ifndef EMHTTP_TEST_PARSER_DIFF_H
#define EMHTTP_TEST_PARSER_DIFF_H

#include <ctype.h>
#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emhttp/http_parser.h"

#define PD_MAX_IN 8192
#define PD_MAX_HDRS 64

typedef struct pd_outcome {
    int ok;        /* 1 accepted, 0 rejected */
    int err;       /* emhttp's code or http_parser's errno, for the report */
    int status;
    int nhdr;
    size_t name_off[PD_MAX_HDRS], name_len[PD_MAX_HDRS];
    size_t val_off[PD_MAX_HDRS], val_len[PD_MAX_HDRS];
    char hbuf[PD_MAX_IN];
    size_t hlen;
    uint8_t body[PD_MAX_IN];
    size_t body_len;
    int keep_alive;
    size_t consumed; /* where the response ended in the input */
    /* http_parser only, at the end of the last header section: its framing
     * flags (F_CHUNKED; uses_transfer_encoding), for the fuzzer's model of
     * its Transfer-Encoding scanner */
    int node_chunked, node_uses_te;
    bool overflow;   /* the outcome did not fit (not compared) */
} pd_outcome;

/* Pieces: @p cuts ascending offsets inside (0, len); a piece ends at each. */
typedef struct pd_split {
    size_t cuts[64];
    int ncuts;
} pd_split;

/* Appends @p n bytes to hbuf: *off where they start, *len how many were
 * added (0, and the outcome marked overflow, when they do not fit). */
static void pd_add(pd_outcome *o, const char *p, size_t n, bool lower, size_t *off, size_t *len)
{
    *off = o->hlen;
    *len = 0;
    if (o->hlen + n > sizeof o->hbuf) {
        o->overflow = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        o->hbuf[o->hlen++] = lower ? (char)tolower((unsigned char)c) : c;
    }
    *len = n;
}

static void pd_body(pd_outcome *o, const void *p, size_t n)
{
    if (o->body_len + n > sizeof o->body) {
        o->overflow = true;
        return;
    }
    memcpy(o->body + o->body_len, p, n);
    o->body_len += n;
}

/* ---- emhttp --------------------------------------------------------------- */

static int pde_status(void *u, int status, const char *reason, size_t len)
{
    (void)reason;
    (void)len;
    ((pd_outcome *)u)->status = status;
    return 0;
}

static int pde_header(void *u, const char *n, size_t nl, const char *v, size_t vl)
{
    pd_outcome *o = u;
    if (o->nhdr == PD_MAX_HDRS) {
        o->overflow = true;
        return 0;
    }
    pd_add(o, n, nl, true, &o->name_off[o->nhdr], &o->name_len[o->nhdr]);
    pd_add(o, v, vl, false, &o->val_off[o->nhdr], &o->val_len[o->nhdr]);
    o->nhdr++;
    return 0;
}

static int pde_body(void *u, const uint8_t *d, size_t n)
{
    pd_body(u, d, n);
    return 0;
}

static const emhttp_parser_cbs pde_cbs = {pde_status, pde_header, NULL, pde_body};

/* Through emhttp's parser, as the client feeds it: unconsumed bytes stay at
 * the front of a receive buffer, the next piece is appended. */
static void pd_run_emhttp(const uint8_t *in, size_t len, const pd_split *sp, bool head,
                          pd_outcome *o)
{
    static uint8_t buf[PD_MAX_IN];
    emhttp_parser p;
    memset(o, 0, sizeof *o);
    emhttp_parser_init(&p, &pde_cbs, o, PD_MAX_IN);
    emhttp_parser_reset(&p, head);
    size_t have = 0, base = 0, pos = 0; /* base: input offset of buf[0] */
    int rc = EMHTTP_PENDING;
    for (int k = 0; k <= sp->ncuts && rc == EMHTTP_PENDING; k++) {
        size_t end = k < sp->ncuts ? sp->cuts[k] : len;
        memcpy(buf + have, in + pos, end - pos);
        have += end - pos;
        pos = end;
        size_t used = 0;
        rc = emhttp_parser_feed(&p, buf, have, &used);
        if (rc == EMHTTP_OK) {
            o->consumed = base + used;
        }
        memmove(buf, buf + used, have - used);
        have -= used;
        base += used;
    }
    if (rc == EMHTTP_PENDING) {
        rc = emhttp_parser_eof(&p);
        o->consumed = len;
    }
    o->ok = rc == EMHTTP_OK;
    o->err = rc;
    o->keep_alive = o->ok && emhttp_parser_keep_alive(&p);
}

/* ---- Node's http_parser ----------------------------------------------------- */

typedef struct {
    pd_outcome *o;
    bool head, in_value, done, in_body;
} pdn_ctx;

static int pdn_begin(http_parser *p)
{
    pdn_ctx *c = p->data;
    pd_outcome *o = c->o;
    o->nhdr = 0; /* (a 1xx before: its headers are not the response's) */
    o->hlen = 0;
    c->in_value = false;
    c->in_body = false;
    return 0;
}

static int pdn_field(http_parser *p, const char *at, size_t n)
{
    pdn_ctx *c = p->data;
    pd_outcome *o = c->o;
    if (c->in_body) {
        return 0; /* a trailer: not reported (as by emhttp and h11) */
    }
    if (c->in_value || o->nhdr == 0) { /* a new header */
        if (o->nhdr == PD_MAX_HDRS) {
            o->overflow = true;
            return 0;
        }
        o->nhdr++;
        o->name_off[o->nhdr - 1] = o->hlen;
        o->name_len[o->nhdr - 1] = 0;
        o->val_len[o->nhdr - 1] = 0;
        c->in_value = false;
    }
    /* the pieces of one name are contiguous in hbuf: no value came between */
    size_t off, l;
    pd_add(o, at, n, true, &off, &l);
    o->name_len[o->nhdr - 1] += l;
    return 0;
}

static int pdn_value(http_parser *p, const char *at, size_t n)
{
    pdn_ctx *c = p->data;
    pd_outcome *o = c->o;
    if (o->nhdr == 0 || c->in_body) {
        return 0;
    }
    size_t off, l;
    pd_add(o, at, n, false, &off, &l);
    if (!c->in_value) {
        o->val_off[o->nhdr - 1] = off;
        c->in_value = true;
    }
    o->val_len[o->nhdr - 1] += l;
    return 0;
}

static int pdn_headers_done(http_parser *p)
{
    pdn_ctx *c = p->data;
    c->o->status = p->status_code;
    c->o->node_chunked = (p->flags & F_CHUNKED) != 0;
    c->o->node_uses_te = p->uses_transfer_encoding;
    c->in_body = true;
    return c->head && p->status_code >= 200 ? 1 : 0; /* 1: no body follows (HEAD) */
}

static int pdn_body(http_parser *p, const char *at, size_t n)
{
    pdn_ctx *c = p->data;
    pd_body(c->o, at, n);
    return 0;
}

static int pdn_complete(http_parser *p)
{
    pdn_ctx *c = p->data;
    if (p->status_code < 200) {
        c->o->body_len = 0;
        return 0; /* interim: the final response follows */
    }
    c->done = true;
    c->o->keep_alive = http_should_keep_alive(p);
    http_parser_pause(p, 1);
    return 0;
}

static void pd_run_node(const uint8_t *in, size_t len, const pd_split *sp, bool head,
                        pd_outcome *o)
{
    http_parser p;
    http_parser_settings s;
    pdn_ctx c = {.o = o, .head = head};
    memset(o, 0, sizeof *o);
    http_parser_settings_init(&s);
    s.on_message_begin = pdn_begin;
    s.on_header_field = pdn_field;
    s.on_header_value = pdn_value;
    s.on_headers_complete = pdn_headers_done;
    s.on_body = pdn_body;
    s.on_message_complete = pdn_complete;
    http_parser_init(&p, HTTP_RESPONSE);
    p.data = &c;
    size_t pos = 0;
    int err = HPE_OK;
    for (int k = 0; k <= sp->ncuts && !c.done && err == HPE_OK; k++) {
        size_t end = k < sp->ncuts ? sp->cuts[k] : len;
        size_t n = http_parser_execute(&p, &s, (const char *)in + pos, end - pos);
        err = HTTP_PARSER_ERRNO(&p);
        if (c.done) {
            o->consumed = pos + n;
            err = HPE_OK;
        }
        pos = end;
    }
    if (!c.done && err == HPE_OK) {
        http_parser_execute(&p, &s, NULL, 0); /* end of stream */
        err = HTTP_PARSER_ERRNO(&p);
        if (c.done) {
            err = HPE_OK;
            o->consumed = len;
        }
    }
    o->ok = c.done && err == HPE_OK;
    o->err = (int)err;
    if (!o->ok) {
        o->keep_alive = 0;
    }
}

#endif /* EMHTTP_TEST_PARSER_DIFF_H */
