/*
 * scan_diff.h - what each build of tests/fuzz/scan_diff_side.c reports
 * for one input (see fuzz_http_scan_diff.c).
 */
#ifndef EMHTTP_SCAN_DIFF_H
#define EMHTTP_SCAN_DIFF_H

#include <stddef.h>
#include <stdint.h>

typedef struct scan_diff_result {
    uint64_t field_ends; /* hash of emhttp_field_end/token_end() from every offset */
    uint64_t digits;     /* hash of emhttp_dec_back() of the input's first bytes */
    uint64_t events;     /* hash of every parser callback and result */
    uint64_t head;       /* hash of emhttp_write_head()'s result and bytes */
} scan_diff_result;

/* Run the input through one build; the same input must give the same
 * result in both builds. */
void plain_scan_diff_run(const uint8_t *data, size_t len, scan_diff_result *r);
void fast_scan_diff_run(const uint8_t *data, size_t len, scan_diff_result *r);

#endif
