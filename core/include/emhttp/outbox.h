/*
 * emhttp/outbox.h - bodies encoded ahead of time, in an idle task.
 *
 * The network loop never runs serializer code and never formats a request
 * head.  The outbox is a ring of N caller-supplied slots moving through
 * three tasks, each owning one cursor and one transition:
 *
 *   application task        idle task (low priority)      network loop
 *   emhttp_outbox_queue()   emhttp_outbox_encode()        emhttp_outbox_pump()
 *   FREE -> QUEUED          QUEUED -> READY | FAILED      READY -> IN_FLIGHT -> FREE
 *                                                         FAILED -> FREE
 *
 * Order is kept: slots are queued, encoded, sent and reported in ring order
 * (see emhttp_outbox_done_fn for the one exception).  When every slot is
 * taken, queuing returns EMHTTP_ERR_OUTBOX_FULL: nothing is lost,
 * overwritten or reordered.  A job that cannot be sent as it is fails
 * alone - its done callback reports why - and the ones behind it go on:
 *   - the encoder's error (e.g. EMHTTP_ERR_JSON_OVERFLOW: the body does not
 *     fit the slot), or EMHTTP_ERR_OUTBOX_ENCODE (it returned a length out
 *     of range);
 *   - EMHTTP_ERR_OUTBOX_HEAD: the body fits but the request head does not
 *     fit the slot behind it.  The loop never formats a head itself;
 *   - EMHTTP_ERR_BAD_REQUEST: the method, target or a header is invalid.
 *
 * The caller's data: a job either carries a small record (snapshot), copied
 * into its slot by emhttp_outbox_queue() - the application may change or
 * reuse its own object as soon as queue returns, the encoder reads the copy
 * - or names the caller's object through encode_arg, which the encoder
 * reads later, in the idle task: then the object must stay unchanged until
 * the job's @c encoded notification.
 *
 * Responses: a job may name response callbacks (emhttp_response_cbs, e.g.
 * emhttp_json_response_cbs) and their user pointer; they run in the network
 * loop on the slot's own request, whose @c user is the job's @c user.
 *
 * Waking the loop: emhttp_outbox_set_wake() names a function the idle task
 * calls each time a slot becomes ready (or failed), so the loop may sleep
 * until then instead of polling.
 *
 * Hand-over: each slot's state is published with a release store and read
 * with an acquire load (C11 atomics semantics: the compiler's __atomic
 * builtins where the compiler has them, else C11 <stdatomic.h>; plain loads
 * and stores on every target, no read-modify-write, so Cortex-M0+ works).
 * Define EMHTTP_OUTBOX_STDATOMIC=1 to use <stdatomic.h> (needs C11).
 * Single producer, single consumer per transition: one application task
 * queues, one idle task encodes, one network loop pumps.  Two of these
 * roles may be the same task (a super-loop can be all three).
 *
 * Callbacks (each runs in the task named at its typedef) may call
 * emhttp_submit(), emhttp_cancel() and emhttp_client_close() of the
 * outbox's client when they run in the network loop's task (the done
 * callback and the response callbacks always do; encode and encoded only
 * when the idle task is the loop, as in a super-loop), and
 * emhttp_outbox_queue() when they run in the application's task.  They may
 * not call emhttp_outbox_pump(), emhttp_outbox_encode(), emhttp_poll() or
 * emhttp_request_sync() (the client refuses the last two with
 * EMHTTP_ERR_BUSY only while it runs a callback itself).  The outbox
 * reads what it needs from a slot before calling out, so whatever these
 * calls complete or free meanwhile is never touched afterwards.
 *
 * Streamed jobs (CONFIG_EMHTTP_BODY_STREAM): a job with a @c stream
 * callback instead of @c encode has a body of any size, produced piece by
 * piece.  Its own slot carries only the request head; the idle task runs
 * the stream callback once per piece, each piece into the next free slot
 * of the ring (a piece is at most a slot's size; the job's own slot is
 * held to its end, so a stream needs two slots at least), and wakes the
 * loop; the
 * client's producer for that request (the outbox's, in the network loop)
 * copies each ready piece into the client's transmit buffer as the
 * request is sent and frees its slot: the loop never runs the stream
 * callback.  With every slot taken the idle task waits
 * (emhttp_outbox_encode() returns false) until the loop frees one; with
 * no piece ready the client waits (its producer answers EMHTTP_PENDING,
 * emhttp_wait_flags() says 0: the wake hook is the loop's signal).
 * Nothing is dropped or reordered.  While a stream's pieces are being
 * produced the idle task owns the ring's queue position:
 * emhttp_outbox_queue() returns EMHTTP_ERR_OUTBOX_FULL until the stream
 * callback has returned its end (the requests behind a stream wait for it
 * on the connection anyway).  A stream callback that fails ends the
 * request with EMHTTP_ERR_BODY (the server never sees a complete request:
 * see emhttp_body_fn in client.h); a request that ends before its body was
 * all sent (cancelled, client closed, the server answered early) stops the
 * stream: the idle task calls the stream callback no more, and the pieces
 * already made are dropped by the loop.
 *
 * Memory: the caller owns the outbox, the slot array, every slot buffer and
 * record buffer.  Nothing is allocated.
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
 * Runs in the idle task (emhttp_outbox_encode()).
 * @param arg  the slot's copy of the job's record when the job has one,
 *             else the job's encode_arg
 * @return the body length (<= size), or a negative emhttp_err (e.g.
 *         EMHTTP_ERR_JSON_OVERFLOW when the body does not fit): the job
 *         then fails with it.
 */
typedef long (*emhttp_encode_fn)(void *arg, uint8_t *buf, size_t size);

/**
 * Encoded notification: the encoder is done with the job, so the object
 * named by @p arg may be changed again.  Runs in the idle task, right
 * after the encode callback returned and the slot was handed on.
 * @param arg     the job's encode_arg
 * @param result  EMHTTP_OK, or the error the job will fail with (the done
 *                callback reports it too)
 */
typedef void (*emhttp_encoded_fn)(void *arg, int result);

/**
 * Completion: the job is finished and its slot already free (a new job may
 * take it).  Runs in the network loop, inside emhttp_outbox_pump() or
 * emhttp_poll() (or emhttp_cancel() / emhttp_client_close()).  Jobs
 * complete in ring order, except that a callback which ends other requests
 * of the client (emhttp_client_close(), emhttp_cancel()) completes those
 * at once, before the job whose callback it is.
 * @param result  EMHTTP_OK (status holds the HTTP status) or a negative
 *                emhttp_err: the client's error (EMHTTP_ERR_CANCELLED when
 *                the request was cancelled or the client closed), or the
 *                reason the job was never sent (see the top of this file).
 * @param status  the HTTP status, 0 when no response arrived
 */
typedef void (*emhttp_done_fn)(void *arg, int result, int status);

/** What to send: copied into the slot by emhttp_outbox_queue().  Zero
 *  every field you do not use. */
typedef struct emhttp_outbox_job {
    const char *method;             /**< NULL = POST; must stay valid until done */
    const char *target;             /**< NUL-terminated; must stay valid until done */
    const emhttp_header *headers;   /**< must stay valid until done; may be NULL */
    size_t header_count;
    emhttp_encode_fn encode;        /**< required, unless @c stream is set */
#if CONFIG_EMHTTP_BODY_STREAM
    emhttp_encode_fn stream;        /**< a streamed body instead (encode unused):
                                         called in the idle task for each piece,
                                         with the record copy or encode_arg, the
                                         slot buffer and its size; returns the
                                         piece's length (> 0), 0 at the end of
                                         the body, or a negative error */
    size_t stream_len;              /**< the stream's declared length (Content-Length:
                                         the pieces must add up to it), or 0:
                                         unknown, sent chunked */
#endif
    void *encode_arg;               /**< passed to encode when there is no record */
    const void *record;             /**< optional snapshot: record_len bytes copied
                                         into the slot at queue time; encode gets
                                         the copy (aligned as the slot's record) */
    size_t record_len;              /**< 1 .. the record size given to init */
    emhttp_encoded_fn encoded;      /**< optional: the caller's object is free again
                                         (for a stream: after its last piece) */
    const emhttp_response_cbs *cbs; /**< optional response callbacks (network loop),
                                         called with the slot's request; their
                                         on_complete runs for every end of the job,
                                         also one never sent (status 0, the job's
                                         error), before the slot is freed.  They may
                                         cancel that request, never re-submit it */
    void *user;                     /**< the request's user pointer for @c cbs (e.g.
                                         an emhttp_json_response) */
    emhttp_done_fn done;            /**< optional */
    void *done_arg;
} emhttp_outbox_job;

/** One slot.  Set buf and size (and record, record_size for jobs with a
 *  record) before emhttp_outbox_init(); the rest is private. */
typedef struct emhttp_outbox_slot {
    uint8_t *buf;        /**< body and head buffer (caller-owned) */
    size_t size;         /**< its capacity */
    void *record;        /**< record buffer (caller-owned, aligned for the
                              caller's record type), or NULL */
    size_t record_size;  /**< its capacity, 0 without */
    /* private */
    emhttp_outbox_job job_;
    emhttp_request req_;
    struct emhttp_outbox *ob_;
    long len_;     /* body length, or the job's error */
    uint8_t state_;
} emhttp_outbox_slot;

/** Wake hook: a slot became ready to send (or failed).  Idle task. */
typedef void (*emhttp_outbox_wake_fn)(void *arg);

/** The ring.  Fields are private. */
typedef struct emhttp_outbox {
    emhttp_outbox_slot *slots_;
    const emhttp_client *cli_; /* heads are prepared for it */
    emhttp_outbox_wake_fn wake_;
    void *wake_arg_;
    size_t record_size_;  /* smallest record buffer of the slots */
    uint32_t n_;
    uint32_t queue_idx_;  /* application task */
    uint32_t encode_idx_; /* idle task */
    uint32_t send_idx_;   /* network loop: next slot to submit */
    uint32_t done_n_;     /* network loop: slots retired */
#if CONFIG_EMHTTP_BODY_STREAM
    uint8_t streaming_;   /* a stream's pieces are being made: the idle task owns
                             queue_idx_ (application -> idle -> application) */
    uint8_t abort_;       /* loop -> idle: the number of the stream whose request
                             ended: make no more of it */
    uint8_t iseq_;        /* idle task: the number of the stream it makes */
    uint8_t lseq_;        /* network loop: the number of the stream it sends */
    uint8_t lstate_;      /* network loop: L_* (outbox.c) */
    uint32_t piece_off_;  /* network loop: bytes of the current piece copied out */
    emhttp_outbox_slot *stream_; /* idle task: the job whose pieces it makes */
    emhttp_outbox_slot *lslot_;  /* network loop: the job whose pieces it sends */
#endif
} emhttp_outbox;

/**
 * Initialise an outbox over @p n slots whose buffers the caller has set.
 * Call before any task uses it.
 * @param ob     the outbox (caller-owned, e.g. static)
 * @param slots  @p n slots (caller-owned); each slot's buffer takes the
 *               body followed by the request head, which the idle task
 *               prepares there (emhttp_request_prepare): leave room for it
 *               (about 100 bytes plus the headers).  Jobs with a record
 *               need every slot's record buffer; the smallest record_size
 *               is the largest record_len accepted.
 * @param c      the client the requests go to (borrowed; the idle task
 *               only reads its host and port, which never change after
 *               emhttp_client_init())
 * @return EMHTTP_OK or EMHTTP_ERR_ARG (NULL, n == 0, a slot without
 *         buffer, a record_size without record buffer).
 */
int emhttp_outbox_init(emhttp_outbox *ob, emhttp_outbox_slot *slots, size_t n,
                       const emhttp_client *c);

/**
 * Name the function the idle task calls when a slot becomes ready to send
 * or failed (after the slot is published), e.g. to post a semaphore or
 * write an eventfd the loop sleeps on.  Call after init, before the tasks
 * use the outbox.  @p wake NULL removes it.
 */
void emhttp_outbox_set_wake(emhttp_outbox *ob, emhttp_outbox_wake_fn wake, void *arg);

/**
 * Queue a job whose body the idle task will encode.  Application task.
 * Copies the job, and its record when it has one.
 * @return EMHTTP_OK, EMHTTP_ERR_ARG (no encode (or stream) callback or
 *         target, a record longer than the record size, or a record_len
 *         without record, a stream in an outbox of one slot), or
 *         EMHTTP_ERR_OUTBOX_FULL (every slot taken, or a
 *         stream's pieces are being made; nothing changed: try again later).
 */
int emhttp_outbox_queue(emhttp_outbox *ob, const emhttp_outbox_job *job);

/**
 * Encode the next queued body and prepare its request head, if a job is
 * waiting; or, while a streamed job's body is being made, the next piece
 * into the next free slot (false when none is free: the loop frees them).  Idle task: call it whenever the processor has nothing better
 * to do (RTOS idle hook, low-priority task, POSIX thread, or the idle
 * branch of a super-loop).  Calls the job's encode and encoded callbacks
 * and the wake hook.
 * @return true when a job was encoded (call again), false when none was
 *         waiting.
 */
bool emhttp_outbox_encode(emhttp_outbox *ob);

/**
 * Hand ready requests to the client and report failed jobs.  Network loop,
 * next to emhttp_poll(); sends nothing itself, never runs an encoder and
 * never formats a head.  Bounded: touches each slot at most once.
 * @param c  the client given to emhttp_outbox_init() (a job pumped into
 *           another client fails with EMHTTP_ERR_ARG)
 * @return the number of requests submitted to the client by this call.
 */
size_t emhttp_outbox_pump(emhttp_outbox *ob, emhttp_client *c);

/** Slots not free (queued, encoded or in flight).  Any task (a snapshot). */
size_t emhttp_outbox_used(const emhttp_outbox *ob);

#ifdef __cplusplus
}
#endif

#endif /* EMHTTP_OUTBOX_H */
