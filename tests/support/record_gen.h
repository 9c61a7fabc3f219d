/*
 * record_gen.h - a deterministic JSON document streamed through the
 * resumable writer: an array of `count` records {"i":N,"t":T,"v":V}, V from
 * a linear congruential generator (seed 1), so that any run produces the
 * same bytes.  Shared by tests/integration/stream_driver.c (uploads the
 * fixture hashes) and tests/bench/bench_stream_steps.c (the longest poll
 * step); tests/integration/test_upload.py makes the same document in one
 * piece for the hash (document_digest()).
 */
#ifndef EMHTTP_TEST_RECORD_GEN_H
#define EMHTTP_TEST_RECORD_GEN_H

#include <stdint.h>
#include <string.h>

#include "emhttp/json_writer.h"

/* The generator: the resumable JSON writer, one call per step.
 * A generator of records with its own cursor (record, step); each step is
 * exactly one writer call, repeated when it ran out of room (emhttp/json_writer.h,
 * "Resumable output").  The document never exists in one piece. */

enum { PH_OPEN, PH_RECORDS, PH_CLOSE, PH_DONE };

typedef struct {
    emhttp_jw w;
    unsigned long count, rec;  /* records in all, the current one */
    int phase, step;           /* where the generator is */
    uint32_t seed;
    long v;                    /* the current record's value */
    unsigned long fail_at;     /* fail when this record is due (ULONG_MAX: never) */
    unsigned long long given;  /* bytes given */
} gen;

static void new_record(gen *g)
{
    g->seed = g->seed * 1103515245u + 12345u;
    g->v = (long)((g->seed >> 16) % 20001u) - 10000;
    g->step = 0;
}

static void gen_init(gen *g, unsigned long count)
{
    memset(g, 0, sizeof *g);
    g->count = count;
    g->seed = 1;
    g->fail_at = (unsigned long)-1;
    emhttp_jw_init_resumable(&g->w);
    new_record(g);
}

/* The writer call of the current step. */
static int gen_call(gen *g)
{
    emhttp_jw *w = &g->w;
    switch (g->phase) {
    case PH_OPEN: return emhttp_jw_array(w);
    case PH_CLOSE: return emhttp_jw_array_end(w);
    default: break;
    }
    switch (g->step) {
    case 0: return emhttp_jw_object(w);
    case 1: return emhttp_jw_key(w, "i");
    case 2: return emhttp_jw_uint(w, g->rec);
    case 3: return emhttp_jw_key(w, "t");
    case 4: return emhttp_jw_uint(w, 1700000000ull + 60ull * g->rec);
    case 5: return emhttp_jw_key(w, "v");
    case 6: return emhttp_jw_int(w, g->v);
    default: return emhttp_jw_object_end(w);
    }
}

static void gen_advance(gen *g)
{
    if (g->phase == PH_OPEN) {
        g->phase = g->count == 0 ? PH_CLOSE : PH_RECORDS;
    } else if (g->phase == PH_CLOSE) {
        g->phase = PH_DONE;
        (void)emhttp_jw_finish(&g->w);
    } else if (++g->step == 8) {
        if (++g->rec == g->count) {
            g->phase = PH_CLOSE;
        } else {
            new_record(g);
        }
    }
}

/* Up to @p size bytes of the document into @p buf; 0 at its end; < 0 a
 * writer error (none for this document). */
static long gen_fill(gen *g, uint8_t *buf, size_t size)
{
    int rc = emhttp_jw_resume(&g->w, buf, size);
    while (rc == EMHTTP_OK && g->phase != PH_DONE) {
        rc = gen_call(g);
        if (rc == EMHTTP_ERR_JSON_OVERFLOW) {
            rc = EMHTTP_OK;
            break; /* full: the same step in the next piece */
        }
        if (rc == EMHTTP_OK) {
            gen_advance(g);
        }
    }
    if (rc != EMHTTP_OK) {
        return rc;
    }
    size_t n = emhttp_jw_written(&g->w);
    g->given += n;
    return (long)n;
}

/* The document's length for @p count records (a dry run). */
static size_t doc_len(unsigned long count)
{
    static uint8_t scratch[65536];
    gen g;
    gen_init(&g, count);
    size_t total = 0;
    long n;
    while ((n = gen_fill(&g, scratch, sizeof scratch)) > 0) {
        total += (size_t)n;
    }
    return total;
}

#endif /* EMHTTP_TEST_RECORD_GEN_H */
