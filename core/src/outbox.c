/*
 * outbox.c - the idle-task hand-off of encoded requests.
 *
 * Each slot state has one writer per transition (see outbox.h); states are
 * published with release stores and read with acquire loads.  A slot
 * embeds its request: the client's callbacks find the slot from it
 * (SLOT_OF), so the request's user pointer stays the job's.
 *
 * Streams (CONFIG_EMHTTP_BODY_STREAM): queuing a stream job hands the
 * queue position (queue_idx_) to the idle task (streaming_, published with
 * the slot); the idle task makes each piece into the slot at queue_idx_ as
 * it becomes free (S_FREE -> S_PIECE, len_ = its length) and ends the
 * stream with a marker piece (len_ 0: the end, < 0: the callback's error
 * or the loop's abort_), then hands the position back (streaming_ 0).  The
 * pieces follow their job's slot in ring order, so in the loop they are
 * at send_idx_ once the job was submitted: stream_body() (the request's
 * producer) copies them out and retires them (S_PIECE -> S_FREE); after
 * the request ended early, emhttp_outbox_pump() drops them up to the
 * marker (L_DROPPING).  The job's own slot is held until its response: where
 * the ring comes round to it before the stream's marker, both sides pass
 * over it (an empty position), so a stream needs two slots at least.  Streams are numbered 1..255 in queue order by both
 * sides (iseq_ by the idle task, lseq_ by the loop); abort_ names the one
 * whose request ended, so a late abort never stops the next stream.
 */
#include "emhttp/outbox.h"

#include <string.h>

enum { S_FREE, S_QUEUED, S_READY, S_FAILED, S_IN_FLIGHT, S_PIECE };

/* ob->lstate_: where the network loop is with a stream's pieces. */
enum { L_NONE, L_SENDING, L_DROPPING };

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

#if CONFIG_EMHTTP_BODY_STREAM
#define IS_STREAM(job) ((job)->stream != NULL)
#else
#define IS_STREAM(job) false
#endif

int emhttp_outbox_queue(emhttp_outbox *ob, const emhttp_outbox_job *job)
{
    if (ob == NULL || job == NULL || (job->encode == NULL && !IS_STREAM(job)) ||
        job->target == NULL || (IS_STREAM(job) && ob->n_ < 2) ||
        (job->record != NULL ? job->record_len == 0 || job->record_len > ob->record_size_
                             : job->record_len != 0)) {
        return EMHTTP_ERR_ARG;
    }
#if CONFIG_EMHTTP_BODY_STREAM
    if (LOAD_ACQ(&ob->streaming_)) {
        return EMHTTP_ERR_OUTBOX_FULL; /* the idle task holds the queue position */
    }
#endif
    emhttp_outbox_slot *s = slot_at(ob, ob->queue_idx_);
    if (LOAD_ACQ(&s->state_) != S_FREE) {
        return EMHTTP_ERR_OUTBOX_FULL;
    }
    s->job_ = *job;
    if (job->record != NULL) {
        memcpy(s->record, job->record, job->record_len); /* the snapshot */
    }
    ob->queue_idx_++;
#if CONFIG_EMHTTP_BODY_STREAM
    if (IS_STREAM(job)) {
        STORE_REL(&ob->streaming_, (uint8_t)1); /* published with the slot: queue_idx_
                                                  is the idle task's now */
    }
#endif
    STORE_REL(&s->state_, (uint8_t)S_QUEUED);
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
#if CONFIG_EMHTTP_BODY_STREAM
    if (s->req_.body_fn != NULL && ob->lstate_ == L_SENDING) { /* ended inside its body */
        STORE_REL(&ob->abort_, ob->lseq_); /* that stream, not a later one */
        ob->lstate_ = L_DROPPING;
        ob->piece_off_ = 0;
    }
#endif
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

#if CONFIG_EMHTTP_BODY_STREAM
/* The piece at send_idx_ leaves the ring (network loop). */
static void retire_piece(emhttp_outbox *ob, emhttp_outbox_slot *p)
{
    ob->piece_off_ = 0;
    ob->send_idx_++;
    ob->done_n_++;
    STORE_REL(&p->state_, (uint8_t)S_FREE);
}

/* emhttp_body_fn of a stream job's request (network loop, inside
 * emhttp_poll()): the next bytes of the ready piece, copied out. */
static int stream_body(emhttp_request *req, uint8_t *buf, size_t size, size_t *len)
{
    emhttp_outbox *ob = SLOT_OF(req)->ob_;
    if (slot_at(ob, ob->send_idx_) == SLOT_OF(req)) { /* passed over by the idle task */
        ob->send_idx_++;
        ob->done_n_++;
    }
    emhttp_outbox_slot *p = slot_at(ob, ob->send_idx_);
    if (ob->lstate_ != L_SENDING || LOAD_ACQ(&p->state_) != S_PIECE) {
        return EMHTTP_PENDING; /* the idle task has not made it yet */
    }
    long plen = p->len_;
    size_t n = 0;
    if (plen > 0) {
        n = (size_t)plen - ob->piece_off_;
        n = n < size ? n : size;
        memcpy(buf, p->buf + ob->piece_off_, n);
        ob->piece_off_ += (uint32_t)n;
    }
    if (plen <= 0 || ob->piece_off_ == (size_t)plen) {
        retire_piece(ob, p);
        if (plen <= 0) {
            ob->lstate_ = L_NONE; /* the marker: the stream is over */
        }
    }
    *len = n;
    return plen < 0 ? (int)plen : EMHTTP_OK;
}
#endif

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
#if CONFIG_EMHTTP_BODY_STREAM
    if (IS_STREAM(job)) { /* the body comes in pieces: the slot holds the head only */
        s->req_.body = NULL;
        s->req_.body_fn = stream_body;
        s->req_.body_len = job->stream_len != 0 ? job->stream_len : EMHTTP_BODY_UNKNOWN;
    }
#endif
    int rc = emhttp_request_prepare(ob->cli_, &s->req_, s->buf + len, s->size - (size_t)len);
    if (rc != EMHTTP_OK) {
        return rc == EMHTTP_ERR_TX_OVERFLOW ? EMHTTP_ERR_OUTBOX_HEAD : rc;
    }
    return len;
}

#if CONFIG_EMHTTP_BODY_STREAM
/* The stream's next piece into the slot at queue_idx_ (idle task), or its
 * marker: 0 at the end, the callback's error, or EMHTTP_ERR_CANCELLED after
 * the loop's abort.  After a marker the queue position goes back. */
static bool encode_piece(emhttp_outbox *ob)
{
    if (slot_at(ob, ob->queue_idx_) == ob->stream_) { /* its own slot, held to the end: */
        ob->queue_idx_++;                              /* passed over (the loop does so too) */
        ob->encode_idx_++;
    }
    emhttp_outbox_slot *p = slot_at(ob, ob->queue_idx_);
    if (LOAD_ACQ(&p->state_) != S_FREE) {
        return false; /* every slot taken: wait for the loop */
    }
    emhttp_outbox_slot *s = ob->stream_;
    void *arg = s->job_.record != NULL ? s->record : s->job_.encode_arg;
    long n = EMHTTP_ERR_CANCELLED;
    if (LOAD_ACQ(&ob->abort_) != ob->iseq_) {
        n = s->job_.stream(arg, p->buf, p->size);
        n = n > (long)p->size ? EMHTTP_ERR_OUTBOX_ENCODE : n;
    }
    emhttp_encoded_fn encoded = s->job_.encoded;
    void *earg = s->job_.encode_arg;
    p->len_ = n;
    ob->queue_idx_++;
    ob->encode_idx_++;
    if (n <= 0) {
        ob->stream_ = NULL;
    }
    STORE_REL(&p->state_, (uint8_t)S_PIECE);
    if (n <= 0) {
        STORE_REL(&ob->streaming_, (uint8_t)0); /* the queue position is the application's */
    }
    if (ob->wake_ != NULL) {
        ob->wake_(ob->wake_arg_);
    }
    if (n <= 0 && encoded != NULL) {
        encoded(earg, n < 0 ? (int)n : EMHTTP_OK);
    }
    return true;
}
#endif

#if CONFIG_EMHTTP_BODY_STREAM
/* A streamed job's head now, its pieces from the next call on
 * (encode_piece()). */
static void start_stream(emhttp_outbox *ob, emhttp_outbox_slot *s)
{
    emhttp_encoded_fn encoded = s->job_.encoded;
    void *arg = s->job_.encode_arg;
    long len = prepare_request(ob, s, 0);
    s->len_ = len;
    ob->encode_idx_++;
    if (len >= 0) {
        ob->stream_ = s;
        ob->iseq_ = (uint8_t)(ob->iseq_ % 255u + 1u); /* streams 1..255, 0: none */
    }
    STORE_REL(&s->state_, (uint8_t)(len >= 0 ? S_READY : S_FAILED));
    if (len < 0) {
        STORE_REL(&ob->streaming_, (uint8_t)0); /* no pieces: the position goes back */
    }
    if (ob->wake_ != NULL) {
        ob->wake_(ob->wake_arg_);
    }
    if (len < 0 && encoded != NULL) {
        encoded(arg, (int)len);
    }
}
#endif

bool emhttp_outbox_encode(emhttp_outbox *ob)
{
#if CONFIG_EMHTTP_BODY_STREAM
    if (ob->stream_ != NULL) {
        return encode_piece(ob);
    }
#endif
    emhttp_outbox_slot *s = slot_at(ob, ob->encode_idx_);
    if (LOAD_ACQ(&s->state_) != S_QUEUED) {
        return false;
    }
    emhttp_encoded_fn encoded = s->job_.encoded;
    void *arg = s->job_.encode_arg;
#if CONFIG_EMHTTP_BODY_STREAM
    if (IS_STREAM(&s->job_)) {
        start_stream(ob, s);
        return true;
    }
#endif
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
#if CONFIG_EMHTTP_BODY_STREAM
        if (ob->lstate_ == L_DROPPING && s == ob->lslot_) { /* its job's slot: passed over */
            ob->send_idx_++;
            ob->done_n_++;
            continue;
        }
        if (st == S_PIECE && ob->lstate_ == L_DROPPING) { /* of a request that ended */
            if (s->len_ <= 0) {
                ob->lstate_ = L_NONE;
            }
            retire_piece(ob, s);
            continue;
        }
#endif
        if (st == S_READY) {
            STORE_REL(&s->state_, (uint8_t)S_IN_FLIGHT); /* the loop's own (others read it) */
            ob->send_idx_++;
#if CONFIG_EMHTTP_BODY_STREAM
            if (s->req_.body_fn != NULL) {
                ob->lstate_ = L_SENDING; /* its pieces follow it */
                ob->lslot_ = s;
                ob->lseq_ = (uint8_t)(ob->lseq_ % 255u + 1u); /* the idle task's numbering */
            }
#endif
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
