/*
 * json_diff.h - what each build of tests/fuzz/json_diff_side.c reports
 * for one input (see fuzz_json_fast_diff.c).
 */
#ifndef EMHTTP_JSON_DIFF_H
#define EMHTTP_JSON_DIFF_H

#include <stddef.h>
#include <stdint.h>

typedef struct json_diff_result {
    uint64_t writer[3]; /* hash of every writer call's result and the bytes written, per buffer size */
    uint64_t reader;    /* hash of the reader's results on the input as JSON text */
    uint64_t readback;  /* hash of the reader's results on the document written */
    int bad;            /* a byte past the writer's buffer changed (a bug in either build) */
} json_diff_result;

/* Run the input through one build; the same input must give the same
 * result in both builds. */
void plain_json_diff_run(const uint8_t *data, size_t len, json_diff_result *r);
void fast_json_diff_run(const uint8_t *data, size_t len, json_diff_result *r);

#endif
