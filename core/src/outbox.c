/*
 * outbox.c - the idle-task hand-off of encoded request bodies.
 *
 * Each slot state has one writer per transition (see outbox.h); states are
 * published with release stores and read with acquire loads.
 */
#include "emhttp/outbox.h"

#include <string.h>

enum { S_FREE, S_QUEUED, S_READY, S_FAILED, S_IN_FLIGHT };

#if defined(__GNUC__) || defined(__clang__)
#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#else
#error "emhttp outbox: provide acquire/release load/store for this compiler"
#endif

static void on_complete(emhttp_request *req, int result);
static const emhttp_response_cbs outbox_cbs = {NULL, NULL, NULL, on_complete};

static emhttp_outbox_slot *slot_at(const emhttp_outbox *ob, uint32_t idx)
{
    return &ob->slots_[idx % ob->n_];
}

int emhttp_outbox_init(emhttp_outbox *ob, emhttp_outbox_slot *slots, size_t n,
                       const emhttp_client *c)
{
    if (ob == NULL || slots == NULL || n == 0 || n > UINT32_MAX / 2) {
        return EMHTTP_ERR_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (slots[i].buf == NULL && slots[i].size != 0) {
            return EMHTTP_ERR_ARG;
        }
        memset(&slots[i].job_, 0, sizeof slots[i].job_);
        memset(&slots[i].req_, 0, sizeof slots[i].req_);
        slots[i].len_ = 0;
        slots[i].ob_ = ob;
        slots[i].state_ = S_FREE;
    }
    memset(ob, 0, sizeof *ob);
    ob->slots_ = slots;
    ob->cli_ = c;
    ob->n_ = (uint32_t)n;
    return EMHTTP_OK;
}

int emhttp_outbox_queue(emhttp_outbox *ob, const emhttp_outbox_job *job)
{
    if (ob == NULL || job == NULL || job->encode == NULL || job->target == NULL) {
        return EMHTTP_ERR_ARG;
    }
    emhttp_outbox_slot *s = slot_at(ob, ob->queue_idx_);
    if (LOAD_ACQ(&s->state_) != S_FREE) {
        return EMHTTP_ERR_OUTBOX_FULL;
    }
    s->job_ = *job;
    STORE_REL(&s->state_, (uint8_t)S_QUEUED);
    ob->queue_idx_++;
    return EMHTTP_OK;
}

/* The request for an encoded slot; with a client, its head goes into the
 * slot behind the body (if it does not fit, the loop formats it). */
static void prepare_request(const emhttp_outbox *ob, emhttp_outbox_slot *s)
{
    size_t len = (size_t)s->len_;
    s->req_ = (emhttp_request){
        .method = s->job_.method != NULL ? s->job_.method : "POST",
        .target = s->job_.target,
        .headers = s->job_.headers,
        .header_count = s->job_.header_count,
        .body = s->buf,
        .body_len = len,
        .cbs = &outbox_cbs,
        .user = s,
    };
    if (ob->cli_ != NULL) {
        (void)emhttp_request_prepare(ob->cli_, &s->req_, s->buf + len, s->size - len);
    }
}

bool emhttp_outbox_encode(emhttp_outbox *ob)
{
    emhttp_outbox_slot *s = slot_at(ob, ob->encode_idx_);
    if (LOAD_ACQ(&s->state_) != S_QUEUED) {
        return false;
    }
    long len = s->job_.encode(s->job_.encode_arg, s->buf, s->size);
    if (len > (long)s->size) {
        len = EMHTTP_ERR_OUTBOX_ENCODE; /* the encoder broke its contract */
    }
    s->len_ = len;
    if (len >= 0) {
        prepare_request(ob, s);
    }
    STORE_REL(&s->state_, (uint8_t)(len >= 0 ? S_READY : S_FAILED));
    ob->encode_idx_++;
    return true;
}

emhttp_outbox_slot *emhttp_outbox_take(emhttp_outbox *ob, long *len)
{
    emhttp_outbox_slot *s = slot_at(ob, ob->send_idx_);
    uint8_t st = LOAD_ACQ(&s->state_);
    if (st != S_READY && st != S_FAILED) {
        return NULL;
    }
    *len = s->len_;
    ob->send_idx_++;
    return s;
}

void emhttp_outbox_release(emhttp_outbox *ob, emhttp_outbox_slot *slot)
{
    ob->done_idx_++;
    STORE_REL(&slot->state_, (uint8_t)S_FREE);
}

/* Report a slot's end and free it (network loop, in ring order). */
static void retire(emhttp_outbox *ob, emhttp_outbox_slot *s, int result, int status)
{
    emhttp_done_fn done = s->job_.done;
    void *arg = s->job_.done_arg;
    emhttp_outbox_release(ob, s);
    if (done != NULL) {
        done(arg, result, status);
    }
}

/* The client finished a slot's request: requests complete in the order
 * they were submitted, which is ring order. */
static void on_complete(emhttp_request *req, int result)
{
    emhttp_outbox_slot *s = req->user;
    retire(s->ob_, s, result, req->status);
}

static bool submit(emhttp_outbox *ob, emhttp_outbox_slot *s, emhttp_client *c)
{
    s->state_ = S_IN_FLIGHT; /* network loop's own state: no hand-over */
    ob->send_idx_++;
    int rc = emhttp_submit(c, &s->req_);
    if (rc != EMHTTP_OK) {
        retire(ob, s, rc, 0);
    }
    return rc == EMHTTP_OK;
}

size_t emhttp_outbox_pump(emhttp_outbox *ob, emhttp_client *c)
{
    size_t submitted = 0;
    for (uint32_t i = 0; i < ob->n_; i++) {
        emhttp_outbox_slot *s = slot_at(ob, ob->send_idx_);
        uint8_t st = LOAD_ACQ(&s->state_);
        if (st == S_READY) {
            submitted += submit(ob, s, c);
        } else if (st == S_FAILED && ob->done_idx_ == ob->send_idx_) {
            ob->send_idx_++; /* everything before it is done: report in order */
            retire(ob, s, (int)s->len_, 0);
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
