/*
 * host_literals_lwip.c - the lwIP column of tests/unit/test_host_literals.c:
 * the lwIP port's resolver (NO_SYS=1) on one host string.
 *
 * lwIP runs without any netif and without a DNS server, so nothing leaves
 * the process: a name handed to dns_gethostbyname() fails at once there
 * (ERR_VAL: no server), which the port's dns_queries counter shows.  A
 * host that dns_gethostbyname() itself reads as a literal (ipaddr_aton:
 * "010.0.0.1" as 8.0.0.1) comes back with lwIP's address at once.
 */
#include "emhttp/port_lwip.h"

#include "lwip/init.h"

/* The outcome codes of test_host_literals.c. */
enum { LIT, NAME, BAD };

int lwip_column_init(void);
int lwip_column_resolve(const char *host, emhttp_ip_addr *out);

static emhttp_lwip lw;
static emhttp_port lwp;

int lwip_column_init(void)
{
    lwip_init();
    if (emhttp_lwip_init(&lw) != EMHTTP_OK) {
        return -1;
    }
    lwp = emhttp_lwip_port(&lw);
    return 0;
}

/* LIT (with *out), NAME (a dns_gethostbyname() call was made) or BAD
 * (refused without one); -1 on an answer no port may give. */
int lwip_column_resolve(const char *host, emhttp_ip_addr *out)
{
    uint32_t queries = emhttp_lwip_stats_get(&lw)->dns_queries;
    size_t n = 99;
    int rc = lwp.ops->resolve_start(lwp.ctx, host);
    int asked;

    if (rc == EMHTTP_PENDING) {
        lwp.ops->resolve_cancel(lwp.ctx);
        return NAME;
    }
    if (rc != EMHTTP_OK) {
        return -1;
    }
    asked = emhttp_lwip_stats_get(&lw)->dns_queries != queries;
    rc = lwp.ops->resolve_poll(lwp.ctx, out, 1, &n);
    if (rc == EMHTTP_OK && n == 1) {
        return LIT; /* the address a connect would use, whoever read it */
    }
    if (rc == EMHTTP_ERR_DNS && n == 0) {
        return asked ? NAME : BAD;
    }
    return -1;
}
