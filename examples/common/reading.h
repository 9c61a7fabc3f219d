/*
 * reading.h - the sensor reading both lwIP examples (examples/lwip,
 * examples/mps2-an386) post, and its JSON body:
 *
 *   {"device":"...","seq":7,"uptime_ms":140,"temp_c":21.53}
 */
#ifndef EXAMPLE_READING_H
#define EXAMPLE_READING_H

#include <stddef.h>
#include <stdint.h>

typedef struct reading {
    uint32_t seq;
    uint32_t t_ms;
    int32_t temp_centi; /* 21.50 C = 2150 */
} reading;

/** Reading number @p seq at @p t_ms (uptime): a made-up temperature where a
 *  board would read its sensor. */
reading reading_take(uint32_t seq, uint32_t t_ms);

/** @p r as JSON from @p device into buf[0..size): the body's length, or
 *  the JSON writer's negative error (emhttp_jw_finish) when it does not
 *  fit.  What an outbox encode callback returns. */
long reading_to_json(const reading *r, const char *device, uint8_t *buf, size_t size);

#endif /* EXAMPLE_READING_H */
