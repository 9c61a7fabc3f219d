/*
 * readback.c - prints the value of every CONFIG_EMHTTP_* option it was
 * compiled with (the list, options.inc, is generated from the Kconfig),
 * then checks that libemhttp_core was compiled with the same values, by
 * behaviour: the longest host name emhttp_client_init() accepts and the
 * deepest nesting the JSON writer accepts, and that the library accepts
 * this file's EMHTTP_ABI_TAG (every option folded: emhttp/abi.h).  Built
 * without OPTIONS_ONLY it links emhttp_core.
 */
#include <stdio.h>
#include <string.h>

#include "emhttp/opt.h"

#ifndef OPTIONS_ONLY
#include "emhttp/abi.h"
#include "emhttp/client.h"
#include "emhttp/json_writer.h"
#include "stub_port.h" /* tests/footprint: a complete port without network */

/* Is a host name of @p len bytes accepted by the library? */
static int host_ok(size_t len)
{
    static char host[300];
    static uint8_t tx[64], rx[256];
    emhttp_client c;
    emhttp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    memset(host, 'a', len);
    host[len] = '\0';
    cfg.host = host;
    cfg.net.ops = &stub_ops;
    cfg.transport.ops = &stub_tcp;
    cfg.tx_buf = tx;
    cfg.tx_size = sizeof tx;
    cfg.rx_buf = rx;
    cfg.rx_size = sizeof rx;
    return emhttp_client_init(&c, &cfg) != EMHTTP_ERR_URL;
}

/* The deepest nesting the library's JSON writer accepts. */
static int json_depth(void)
{
    static uint8_t buf[1024];
    emhttp_jw w;
    int d = 0;
    emhttp_jw_init(&w, buf, sizeof buf);
    while (d < 1000 && emhttp_jw_array(&w) == EMHTTP_OK) {
        d++;
    }
    return d;
}
#endif

int main(void)
{
#define EMHTTP_OPT(name) printf("%s=%lld\n", #name, (long long)(name));
#include "options.inc"
#undef EMHTTP_OPT
#ifndef OPTIONS_ONLY
    size_t n = 1;
    while (n < 299 && host_ok(n + 1)) {
        n++;
    }
    printf("core.abi_match=%d\n", emhttp_abi_check(EMHTTP_ABI_TAG, 1, 1) == EMHTTP_OK);
    printf("core.max_host_len=%zu\n", n);
    printf("core.json_max_depth=%d\n", json_depth());
#endif
    return 0;
}
