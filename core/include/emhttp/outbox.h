/*
 * emhttp/outbox.h - bodies encoded ahead of time, in an idle task.
 *
 * The network loop never runs serializer code.  The outbox is a ring of N
 * caller-supplied body slots moving through three tasks, each owning one
 * cursor and one transition:
 *
 *   application task        idle task (low priority)      network loop
 *   emhttp_outbox_queue()   emhttp_outbox_encode()        emhttp_outbox_pump()
 *   FREE -> QUEUED          QUEUED -> READY | FAILED      READY -> IN_FLIGHT -> FREE
 *                                                         FAILED -> FREE
 *
 * Order is kept: slots are queued, encoded and sent in ring order.  When
 * every slot is taken, queuing returns EMHTTP_ERR_OUTBOX_FULL: nothing is
 * lost, overwritten or reordered.  A body that does not fit its slot (or an
 * encoder error) fails that request only - its done callback reports the
 * error - and the ones behind it go on.
 *
 * Hand-over: each slot's state is published with a release store and read
 * with an acquire load (C11 atomics semantics through the compiler's
 * __atomic builtins; plain loads and stores on every target, no
 * read-modify-write, so Cortex-M0+ works).  Single producer, single
 * consumer per transition: one application task queues, one idle task
 * encodes, one network loop pumps.  Two of these roles may be the same
 * task (a super-loop can be all three).
 *
 * Memory: the caller owns the outbox, the slot array and every slot
 * buffer.  Nothing is allocated.
 */
#ifndef EMHTTP_OUTBOX_H
#define EMHTTP_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emhttp/client.h"
#include "emhttp/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Encode callback: write the body into @p buf (capacity @p size).
 * Runs in the idle task.
 * @return the body length (<= size), or a negative emhttp_err (e.g.
 *         EMHTTP_ERR_JSON_OVERFLOW when the body does not fit).
 */
typedef long (*emhttp_encode_fn)(void *arg, uint8_t *buf, size_t size);

/**
 * Completion: the request is finished.  Runs in the network loop.
 * @param result  EMHTTP_OK (status holds the HTTP status) or a negative
 *                emhttp_err: the client's error, or the encoder's
 *                (EMHTTP_ERR_OUTBOX_ENCODE when it returned a length out
 *                of range).
 */
typedef void (*emhttp_done_fn)(void *arg, int result, int status);

/** What to send: copied into the slot by emhttp_outbox_queue(). */
typedef struct emhttp_outbox_job {
    const char *method;             /**< NULL = POST */
    const char *target;             /**< NUL-terminated; must stay valid until done */
    const emhttp_header *headers;   /**< must stay valid until done; may be NULL */
    size_t header_count;
    emhttp_encode_fn encode;        /**< required */
    void *encode_arg;
    emhttp_done_fn done;            /**< optional */
    void *done_arg;
} emhttp_outbox_job;

/** One slot.  Set buf and size before emhttp_outbox_init(); the rest is
 *  private. */
typedef struct emhttp_outbox_slot {
    uint8_t *buf;  /**< body buffer (caller-owned) */
    size_t size;   /**< its capacity */
    /* private */
    emhttp_outbox_job job_;
    emhttp_request req_;
    struct emhttp_outbox *ob_;
    long len_;     /* body length, or the encoder's error */
    uint8_t state_;
} emhttp_outbox_slot;

/** The ring.  Fields are private. */
typedef struct emhttp_outbox {
    emhttp_outbox_slot *slots_;
    const emhttp_client *cli_; /* heads prepared for it, or NULL */
    uint32_t n_;
    uint32_t queue_idx_;  /* application task */
    uint32_t encode_idx_; /* idle task */
    uint32_t send_idx_;   /* network loop: next slot to submit */
    uint32_t done_idx_;   /* network loop: next slot to complete */
} emhttp_outbox;

/**
 * Initialise an outbox over @p n slots whose buf/size the caller has set.
 * Call before any task uses it.
 * @param c  the client the bodies go to, or NULL.  With a client, the idle
 *           task also prepares each request's HTTP head
 *           (emhttp_request_prepare) in the slot, after the body, so the
 *           loop formats nothing; leave room for it (about 100 bytes plus
 *           the headers).  It only reads the client's host and port, which
 *           never change after emhttp_client_init().
 * @return EMHTTP_OK or EMHTTP_ERR_ARG (NULL, n == 0, a slot without buffer).
 */
int emhttp_outbox_init(emhttp_outbox *ob, emhttp_outbox_slot *slots, size_t n,
                       const emhttp_client *c);

/**
 * Queue a request whose body the idle task will encode.  Application task.
 * @return EMHTTP_OK, EMHTTP_ERR_ARG (no encode callback or target), or
 *         EMHTTP_ERR_OUTBOX_FULL (every slot taken; nothing changed:
 *         try again later).
 */
int emhttp_outbox_queue(emhttp_outbox *ob, const emhttp_outbox_job *job);

/**
 * Encode the next queued body, if any.  Idle task: call it whenever the
 * processor has nothing better to do (RTOS idle hook, low-priority task,
 * POSIX thread, or the idle branch of a super-loop).
 * @return true when a body was encoded (call again), false when none
 *         was waiting.
 */
bool emhttp_outbox_encode(emhttp_outbox *ob);

/**
 * Hand ready bodies to the client and retire finished and failed slots.
 * Network loop, next to emhttp_poll(); sends nothing itself and never runs
 * an encoder.  Bounded: touches each slot at most once.
 * @return the number of slots submitted to the client by this call.
 */
size_t emhttp_outbox_pump(emhttp_outbox *ob, emhttp_client *c);

/** Slots not free (queued, encoded or in flight).  Any task (a snapshot). */
size_t emhttp_outbox_used(const emhttp_outbox *ob);

/* ---- lower level: the hand-off without a client (used by tests) ------- */

/**
 * Network loop: the next slot in ring order once it is encoded.
 * @param len  out: body length, or the encoder's negative error
 * @return the slot (its buf holds the body), or NULL when the next slot is
 *         not encoded yet.  Call emhttp_outbox_release() when done with it.
 */
emhttp_outbox_slot *emhttp_outbox_take(emhttp_outbox *ob, long *len);

/** Network loop: give back the slot returned by the last take(). */
void emhttp_outbox_release(emhttp_outbox *ob, emhttp_outbox_slot *slot);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_OUTBOX_H */
