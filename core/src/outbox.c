/*
 * outbox.c - the idle-task hand-off of encoded requests.
 *
 * Each slot state has one writer per transition (see outbox.h); states are
 * published with release stores and read with acquire loads.  A slot
 * embeds its request: the client's callbacks find the slot from it
 * (SLOT_OF), so the request's user pointer stays the job's.
 */
#include "emhttp/outbox.h"

#include <string.h>

enum { S_FREE, S_QUEUED, S_READY, S_FAILED, S_IN_FLIGHT };

/* Acquire/release on the one-byte slot state: the compiler's __atomic
 * builtins when it has them (GCC, clang), else C11 <stdatomic.h>. */
#ifndef EMHTTP_OUTBOX_STDATOMIC
#if defined(__ATOMIC_ACQUIRE)
#define EMHTTP_OUTBOX_STDATOMIC 0
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_ATOMICS__)
#define EMHTTP_OUTBOX_STDATOMIC 1
#else
#error "emhttp outbox: neither __atomic builtins nor C11 <stdatomic.h>"
#endif
#endif

#if EMHTTP_OUTBOX_STDATOMIC
#if !defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L || defined(__STDC_NO_ATOMICS__)
#error "EMHTTP_OUTBOX_STDATOMIC needs C11 <stdatomic.h>"
#endif
#include <stdatomic.h>
_Static_assert(sizeof(_Atomic uint8_t) == sizeof(uint8_t) &&
                   _Alignof(_Atomic uint8_t) == _Alignof(uint8_t),
               "the slot state is a uint8_t accessed as _Atomic uint8_t");
#define LOAD_ACQ(p) atomic_load_explicit((const _Atomic uint8_t *)(p), memory_order_acquire)
#define STORE_REL(p, v) atomic_store_explicit((_Atomic uint8_t *)(p), (v), memory_order_release)
#else
#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif

#define SLOT_OF(req) \
    ((emhttp_outbox_slot *)(void *)((char *)(req) - offsetof(emhttp_outbox_slot, req_)))

static emhttp_outbox_slot *slot_at(const emhttp_outbox *ob, uint32_t idx)
{
    return &ob->slots_[idx % ob->n_];
}

int emhttp_outbox_init(emhttp_outbox *ob, emhttp_outbox_slot *slots, size_t n,
                       const emhttp_client *c)
{
    if (ob == NULL || slots == NULL || c == NULL || n == 0 || n > UINT32_MAX / 2) {
        return EMHTTP_ERR_ARG;
    }
    size_t record_size = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        emhttp_outbox_slot *s = &slots[i];
        if ((s->buf == NULL && s->size != 0) || (s->record == NULL && s->record_size != 0)) {
            return EMHTTP_ERR_ARG;
        }
        record_size = s->record_size < record_size ? s->record_size : record_size;
        memset(&s->job_, 0, sizeof s->job_);
        memset(&s->req_, 0, sizeof s->req_);
        s->ob_ = ob;
        s->len_ = 0;
        s->state_ = S_FREE;
    }
    memset(ob, 0, sizeof *ob);
    ob->slots_ = slots;
    ob->cli_ = c;
    ob->record_size_ = record_size;
    ob->n_ = (uint32_t)n;
    return EMHTTP_OK;
}

void emhttp_outbox_set_wake(emhttp_outbox *ob, emhttp_outbox_wake_fn wake, void *arg)
{
    ob->wake_ = wake;
    ob->wake_arg_ = arg;
}

int emhttp_outbox_queue(emhttp_outbox *ob, const emhttp_outbox_job *job)
{
    if (ob == NULL || job == NULL || job->encode == NULL || job->target == NULL ||
        (job->record != NULL ? job->record_len == 0 || job->record_len > ob->record_size_
                             : job->record_len != 0)) {
        return EMHTTP_ERR_ARG;
    }
    emhttp_outbox_slot *s = slot_at(ob, ob->queue_idx_);
    if (LOAD_ACQ(&s->state_) != S_FREE) {
        return EMHTTP_ERR_OUTBOX_FULL;
    }
    s->job_ = *job;
    if (job->record != NULL) {
        memcpy(s->record, job->record, job->record_len); /* the snapshot */
    }
    STORE_REL(&s->state_, (uint8_t)S_QUEUED);
    ob->queue_idx_++;
    return EMHTTP_OK;
}

/* ---- the slot's request and its callbacks (network loop) ---------------- */

/* The job ends: its response callbacks' completion, then the slot is free,
 * then the job's done.  Everything is read before calling out. */
static void finish(emhttp_outbox_slot *s, int result)
{
    emhttp_outbox *ob = s->ob_;
    const emhttp_response_cbs *cbs = s->job_.cbs;
    emhttp_done_fn done = s->job_.done;
    void *arg = s->job_.done_arg;
    int status = s->req_.status;
    s->req_.result = result; /* also for a job the client never completed */
    if (cbs != NULL && cbs->on_complete != NULL) {
        cbs->on_complete(&s->req_, result); /* the slot is still held */
    }
    ob->done_n_++;
    STORE_REL(&s->state_, (uint8_t)S_FREE);
    if (done != NULL) {
        done(arg, result, status);
    }
}

static void on_complete(emhttp_request *req, int result) { finish(SLOT_OF(req), result); }

/* The job's own response callbacks, behind the outbox's completion. */
static int fwd_status(emhttp_request *req, int status, const char *reason, size_t len)
{
    const emhttp_response_cbs *cbs = SLOT_OF(req)->job_.cbs;
    return cbs->on_status != NULL ? cbs->on_status(req, status, reason, len) : 0;
}

static int fwd_header(emhttp_request *req, const char *n, size_t nl, const char *v, size_t vl)
{
    const emhttp_response_cbs *cbs = SLOT_OF(req)->job_.cbs;
    return cbs->on_header != NULL ? cbs->on_header(req, n, nl, v, vl) : 0;
}

static int fwd_body(emhttp_request *req, const uint8_t *data, size_t len)
{
    const emhttp_response_cbs *cbs = SLOT_OF(req)->job_.cbs;
    return cbs->on_body != NULL ? cbs->on_body(req, data, len) : 0;
}

static const emhttp_response_cbs plain_cbs = {NULL, NULL, NULL, on_complete};
static const emhttp_response_cbs forward_cbs = {fwd_status, fwd_header, fwd_body, on_complete};

/* ---- encoding (idle task) ------------------------------------------------ */

/* The slot's request for a body of @p len bytes (< 0: the job failed),
 * its head prepared behind the body.  Returns @p len or the job's error. */
static long prepare_request(const emhttp_outbox *ob, emhttp_outbox_slot *s, long len)
{
    const emhttp_outbox_job *job = &s->job_;
    s->req_ = (emhttp_request){
        .method = job->method != NULL ? job->method : "POST",
        .target = job->target,
        .headers = job->headers,
        .header_count = job->header_count,
        .body = s->buf,
        .body_len = len > 0 ? (size_t)len : 0,
        .cbs = job->cbs != NULL ? &forward_cbs : &plain_cbs,
        .user = job->user,
    };
    if (len < 0) {
        return len;
    }
    int rc = emhttp_request_prepare(ob->cli_, &s->req_, s->buf + len, s->size - (size_t)len);
    if (rc != EMHTTP_OK) {
        return rc == EMHTTP_ERR_TX_OVERFLOW ? EMHTTP_ERR_OUTBOX_HEAD : rc;
    }
    return len;
}

bool emhttp_outbox_encode(emhttp_outbox *ob)
{
    emhttp_outbox_slot *s = slot_at(ob, ob->encode_idx_);
    if (LOAD_ACQ(&s->state_) != S_QUEUED) {
        return false;
    }
    emhttp_encoded_fn encoded = s->job_.encoded;
    void *arg = s->job_.encode_arg;
    long len = s->job_.encode(s->job_.record != NULL ? s->record : arg, s->buf, s->size);
    if (len > (long)s->size) {
        len = EMHTTP_ERR_OUTBOX_ENCODE; /* the encoder broke its contract */
    }
    len = prepare_request(ob, s, len);
    s->len_ = len;
    ob->encode_idx_++;
    STORE_REL(&s->state_, (uint8_t)(len >= 0 ? S_READY : S_FAILED));
    /* the slot is the loop's now: only the copies above are used */
    if (ob->wake_ != NULL) {
        ob->wake_(ob->wake_arg_);
    }
    if (encoded != NULL) {
        encoded(arg, len >= 0 ? EMHTTP_OK : (int)len);
    }
    return true;
}

/* ---- hand-off (network loop) --------------------------------------------- */

size_t emhttp_outbox_pump(emhttp_outbox *ob, emhttp_client *c)
{
    size_t submitted = 0;
    for (uint32_t i = 0; i < ob->n_; i++) {
        emhttp_outbox_slot *s = slot_at(ob, ob->send_idx_);
        uint8_t st = LOAD_ACQ(&s->state_);
        if (st == S_READY) {
            STORE_REL(&s->state_, (uint8_t)S_IN_FLIGHT); /* the loop's own (others read it) */
            ob->send_idx_++;
            int rc = c == ob->cli_ ? emhttp_submit(c, &s->req_) : EMHTTP_ERR_ARG;
            if (rc != EMHTTP_OK) {
                finish(s, rc);
            }
            submitted += rc == EMHTTP_OK;
        } else if (st == S_FAILED && ob->done_n_ == ob->send_idx_) {
            ob->send_idx_++; /* everything before it is done: report in order */
            finish(s, (int)s->len_);
        } else {
            break;
        }
    }
    return submitted;
}

size_t emhttp_outbox_used(const emhttp_outbox *ob)
{
    size_t used = 0;
    for (uint32_t i = 0; i < ob->n_; i++) {
        used += LOAD_ACQ(&ob->slots_[i].state_) != S_FREE;
    }
    return used;
}
