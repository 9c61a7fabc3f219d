/*
 * json_response.c - response callbacks that collect a JSON body into a
 * caller buffer and parse it on completion.
 */
#include "emhttp/json_response.h"

#include <limits.h>
#include <string.h>

#include "http_chars.h"

void emhttp_json_response_init(emhttp_json_response *r, char *buf, size_t size,
                               emhttp_json_tok *toks, size_t ntoks, emhttp_json_done_fn done,
                               void *arg)
{
    memset(r, 0, sizeof *r);
    r->result = EMHTTP_PENDING;
    r->buf_ = buf;
    r->size_ = buf != NULL ? size : 0;
    r->toks_ = toks;
    r->ntoks_ = toks != NULL ? ntoks : 0;
    r->done_ = done;
    r->arg_ = arg;
}

void *emhttp_json_response_arg(const emhttp_json_response *r) { return r->arg_; }

static bool lower_prefix(const char *s, size_t n, const char *lower, size_t len)
{
    return n >= len && emhttp_lower_eq(s, lower, len);
}

/* application/json or application/<anything>+json, parameters ignored. */
static bool is_json_type(const char *v, size_t n)
{
    size_t end = 0;
    while (end < n && v[end] != ';' && v[end] != ' ' && v[end] != '\t') {
        end++;
    }
    if (!lower_prefix(v, end, "application/", 12)) {
        return false;
    }
    return (end == 16 && lower_prefix(v + 12, 4, "json", 4)) ||
           (end > 17 && lower_prefix(v + end - 5, 5, "+json", 5));
}

static int on_status(emhttp_request *req, int status, const char *reason, size_t len)
{
    emhttp_json_response *r = req->user;
    (void)reason;
    (void)len;
    r->status = status;
    r->len = r->needed = 0;
    r->is_json = false;
    return 0;
}

static int on_header(emhttp_request *req, const char *n, size_t nl, const char *v, size_t vl)
{
    emhttp_json_response *r = req->user;
    if (nl == 12 && lower_prefix(n, nl, "content-type", 12)) {
        r->is_json = is_json_type(v, vl);
    }
    return 0;
}

/* Collect what fits; count the rest so the caller learns the size. */
static int on_body(emhttp_request *req, const uint8_t *d, size_t n)
{
    emhttp_json_response *r = req->user;
    if (r->len == r->needed && r->size_ - r->len >= n) {
        memcpy(r->buf_ + r->len, d, n);
        r->len += n;
    }
    r->needed += n;
    return 0;
}

static int parse(emhttp_json_response *r)
{
    if (!r->is_json) {
        return EMHTTP_ERR_JSON_TYPE;
    }
    if (r->needed > r->len) {
        return EMHTTP_ERR_JSON_OVERFLOW;
    }
    unsigned ntoks = r->ntoks_ > UINT_MAX ? UINT_MAX : (unsigned)r->ntoks_;
    int rc = emhttp_jr_parse(&r->doc, r->buf_, r->len, r->toks_, ntoks);
    return rc < 0 ? rc : EMHTTP_OK; /* rc >= 0: the token count */
}

static void on_complete(emhttp_request *req, int result)
{
    emhttp_json_response *r = req->user;
    memset(&r->doc, 0, sizeof r->doc);
    r->result = result == EMHTTP_OK ? parse(r) : result;
    if (r->done_ != NULL) {
        r->done_(r, r->result);
    }
}

const emhttp_response_cbs emhttp_json_response_cbs = {on_status, on_header, on_body, on_complete};
