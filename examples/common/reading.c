/* reading.c - the examples' sensor reading and its JSON body (reading.h). */
#include "reading.h"

#include "emhttp/json_writer.h"

reading reading_take(uint32_t seq, uint32_t t_ms)
{
    reading r = {.seq = seq, .t_ms = t_ms, .temp_centi = 2150 + (int32_t)(seq % 7) * 3};

    return r;
}

long reading_to_json(const reading *r, const char *device, uint8_t *buf, size_t size)
{
    emhttp_jw w;

    emhttp_jw_init(&w, buf, size);
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "device");
    emhttp_jw_string(&w, device);
    emhttp_jw_key(&w, "seq");
    emhttp_jw_uint(&w, r->seq);
    emhttp_jw_key(&w, "uptime_ms");
    emhttp_jw_uint(&w, r->t_ms);
    emhttp_jw_key(&w, "temp_c");
    emhttp_jw_fixed(&w, r->temp_centi, 2);
    emhttp_jw_object_end(&w);
    return emhttp_jw_finish(&w);
}
