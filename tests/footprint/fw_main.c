/*
 * fw_main.c - the footprint firmware: encode one JSON body, POST it through
 * the stub port from a polling super-loop, check the answer.  Linked for
 * Cortex-M4 with newlib-nano, --gc-sections and the allocator and printf
 * family made unavailable, and compared with empty_main.c linked the same
 * way.  Also runs on the host (exit status 0 = the request completed with
 * 200).
 *
 *   -DFW_JSON=0         leave the JSON writer out
 *   -DFW_GROW_BYTES=N   link an N-byte dummy table (tests the budget check)
 */
#include "emhttp/client.h"
#include "emhttp/log.h"
#include "stub_port.h"

#ifndef FW_JSON
#define FW_JSON 1
#endif
#if FW_JSON
#include "emhttp/json_writer.h"
#endif

#ifdef FW_GROW_BYTES
extern const uint8_t fw_grow[FW_GROW_BYTES];
#endif

static uint8_t tx[256];
static uint8_t rx[512];
static uint8_t body[64];
static emhttp_client client;
static volatile int last_log;

/* A firmware's log function: at CONFIG_EMHTTP_LOG_LEVEL 0 neither it nor
 * anything of emhttp's logging may be linked (footprint.py checks). */
static void fw_log(void *arg, int level, const char *msg, int code)
{
    (void)arg;
    (void)msg;
    last_log = level * 1000 + code;
}

static size_t encode(void)
{
#if FW_JSON
    emhttp_jw w;
    emhttp_jw_init(&w, body, sizeof body);
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "temp");
    emhttp_jw_fixed(&w, 2345, 2);
    emhttp_jw_key(&w, "id");
    emhttp_jw_string(&w, "sensor-7");
    emhttp_jw_object_end(&w);
    int n = emhttp_jw_finish(&w);
    return n > 0 ? (size_t)n : 0;
#else
    static const char text[] = "{\"temp\":23.45,\"id\":\"sensor-7\"}";
    for (size_t i = 0; i < sizeof text - 1; i++) {
        body[i] = (uint8_t)text[i];
    }
    return sizeof text - 1;
#endif
}

int main(void)
{
    emhttp_log_set(fw_log, NULL);
    emhttp_config cfg = {0};
    cfg.host = "api.example.com";
    cfg.net.ops = &stub_ops;
    cfg.transport.ops = &stub_tcp;
    cfg.tx_buf = tx;
    cfg.tx_size = sizeof tx;
    cfg.rx_buf = rx;
    cfg.rx_size = sizeof rx;
    if (emhttp_client_init(&client, &cfg) != EMHTTP_OK) {
        return 1;
    }
    emhttp_request req = {0};
    req.method = "POST";
    req.target = "/api";
    req.body = body;
    req.body_len = encode();
    /* The firmware's super-loop: emhttp_poll() never blocks; the loop's
     * other work (or a sleep of up to emhttp_next_timeout_ms()) would sit
     * between the polls.  emhttp_request_sync() is the host convenience. */
    int rc = emhttp_submit(&client, &req);
    while (rc == EMHTTP_OK && emhttp_poll(&client) == EMHTTP_PENDING) {
    }
    rc = rc == EMHTTP_OK ? req.result : rc;
#ifdef FW_GROW_BYTES
    if (((const volatile uint8_t *)fw_grow)[req.status & 1] == 7) { /* keeps the table */
        rc = EMHTTP_ERR_ARG;
    }
#endif
    return rc == EMHTTP_OK && req.status == 200 ? 0 : 2;
}
