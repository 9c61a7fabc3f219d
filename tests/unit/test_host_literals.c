/*
 * test_host_literals - one table of host strings through every path that
 * reads a host, which must all read it the same way (issue 18, item 4):
 *
 *   url       emhttp_url_parse("http://HOST/") ("http://[HOST]/" for a host
 *             with ':'): accepted or refused
 *   ip        emhttp_ip_parse(): the address, or "not a literal"
 *   classify  emhttp_host_classify(): literal (address), name or refused
 *   posix     the POSIX port's resolve_start()/resolve_poll(): an address
 *             (the one a connect would use, at once or from getaddrinfo), a
 *             name (handed to getaddrinfo, which finds nothing in the empty
 *             namespace), or EMHTTP_ERR_DNS at once (refused, no lookup)
 *   lwip      (test_host_literals_lwip only) the lwIP port, NO_SYS=1, no
 *             netif and no DNS server: an address at once, a name handed
 *             to dns_gethostbyname() (its dns_queries counter moves), or
 *             EMHTTP_ERR_DNS without a query
 *
 * Names do reach getaddrinfo() here, so the test runs only inside an empty
 * network namespace (`unshare -rn`, see tests/CMakeLists.txt): it checks
 * that 192.0.2.1 and 2001:db8::1 are unreachable first and exits 77
 * otherwise, so no query can leave the machine.
 */
#define _POSIX_C_SOURCE 200809L

#include "emhttp/port_posix.h"
#include "emhttp/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

#ifndef EMHTTP_TEST_LWIP
#define EMHTTP_TEST_LWIP 0
#endif

#define SKIP_CODE 77

enum { LIT, NAME, BAD };

typedef struct row {
    const char *host;
    int kind;
    int family;       /* LIT: EMHTTP_AF_INET / EMHTTP_AF_INET6 */
    uint8_t bytes[16];
} row;

#define V4(a, b, c, d) LIT, EMHTTP_AF_INET, {a, b, c, d}
#define V6(...) LIT, EMHTTP_AF_INET6, {__VA_ARGS__}

static const row table[] = {
    /* the one IPv4 form: four dec-octets */
    {"127.0.0.1", V4(127, 0, 0, 1)},
    {"0.0.0.0", V4(0, 0, 0, 0)},
    {"255.255.255.255", V4(255, 255, 255, 255)},
    {"192.0.2.1", V4(192, 0, 2, 1)},
    {"10.0.0.1", V4(10, 0, 0, 1)},
    {"100.64.0.10", V4(100, 64, 0, 10)},
    /* numeric-looking, not that form: inet_aton / ipaddr_aton read them */
    {"010.0.0.1", BAD, 0, {0}},      /* inet_aton: 8.0.0.1 (octal) */
    {"10.0.0.01", BAD, 0, {0}},
    {"00.0.0.0", BAD, 0, {0}},
    {"0x7f.1", BAD, 0, {0}},         /* inet_aton: 127.0.0.1 */
    {"0x7f.0.0.1", BAD, 0, {0}},
    {"0X7F000001", BAD, 0, {0}},
    {"127.0.0.0x1", BAD, 0, {0}},
    {"127.1", BAD, 0, {0}},          /* inet_aton: 127.0.0.1 */
    {"127.0.1", BAD, 0, {0}},
    {"2130706433", BAD, 0, {0}},     /* inet_aton: 127.0.0.1 */
    {"017700000001", BAD, 0, {0}},   /* inet_aton: 127.0.0.1 (octal) */
    {"0x", BAD, 0, {0}},             /* inet_aton: 0.0.0.0 */
    {"0", BAD, 0, {0}},
    {"256.1.1.1", BAD, 0, {0}},
    {"1.2.3.256", BAD, 0, {0}},
    {"1.2.3.4.", BAD, 0, {0}},
    {"1.2.3.4.5", BAD, 0, {0}},
    {"1..2.3", BAD, 0, {0}},
    {".1.2.3.4", BAD, 0, {0}},
    {"1.2.3.04", BAD, 0, {0}},
    {"1.2.3.0004", BAD, 0, {0}},
    {"a.b.c.123", BAD, 0, {0}},
    {"example.123.", BAD, 0, {0}},
    {"example.0x1f", BAD, 0, {0}},
    /* names (handed to the resolver) */
    {"example.com", NAME, 0, {0}},
    {"1example.com", NAME, 0, {0}},
    {"123.example", NAME, 0, {0}},
    {"example.com.", NAME, 0, {0}},
    {"0x7g", NAME, 0, {0}},
    {"127.0.0.1x", NAME, 0, {0}},
    {"a-b_c~d.test", NAME, 0, {0}},
    /* IPv6 */
    {"::1", V6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)},
    {"::", V6(0)},
    {"::ffff:1.2.3.4", V6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4)},
    {"::ffff:127.0.0.1", V6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1)},
    {"2001:db8::1", V6(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)},
    {"::0648:64.1.2.0", V6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x06, 0x48, 64, 1, 2, 0)},
    {"1:2:3:4:5:6:7:8", V6(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8)},
    {"::0648:064.1.2.0", BAD, 0, {0}}, /* 064: a leading zero */
    {"::ffff:010.0.0.1", BAD, 0, {0}},
    {"::ffff:1.2.3.04", BAD, 0, {0}},
    {"::ffff:127.1", BAD, 0, {0}},
    {"::ffff:0x7f.0.0.1", BAD, 0, {0}},
    {"::ffff:2130706433", BAD, 0, {0}},
    {"::ffff:256.1.1.1", BAD, 0, {0}},
    {"::ffff:1.2.3.4.", BAD, 0, {0}},
    {"::00001", BAD, 0, {0}},          /* a group of five hex digits */
    {"::1:2:3:4:5:6:7:8", BAD, 0, {0}},
    {"1::2::3", BAD, 0, {0}},
    {"1.2.3.4::", BAD, 0, {0}},
    {":::", BAD, 0, {0}},
    {"fe80::1%lo", BAD, 0, {0}},       /* no zones */
    {"example.com:80", BAD, 0, {0}},
    /* bytes outside a host name */
    {"exa mple.com", BAD, 0, {0}},
    {"example.com\x1a", BAD, 0, {0}},
    {"ex%41mple.com", BAD, 0, {0}},
    {"ex\xc3\xa4mple.com", BAD, 0, {0}},
};

/* ---- what each path says ------------------------------------------------- */

typedef struct outcome {
    int kind; /* LIT, NAME, BAD; for url: NAME = accepted; for ip: BAD = not a literal */
    emhttp_ip_addr addr;
} outcome;

static void fmt(const outcome *o, char *buf, size_t size)
{
    if (o->kind == NAME) {
        snprintf(buf, size, "name");
    } else if (o->kind == BAD) {
        snprintf(buf, size, "refused");
    } else if (o->addr.family == EMHTTP_AF_INET) {
        inet_ntop(AF_INET, o->addr.bytes, buf, (socklen_t)size);
    } else {
        inet_ntop(AF_INET6, o->addr.bytes, buf, (socklen_t)size);
    }
}

static outcome by_url(const char *host)
{
    char url[128];
    emhttp_url u;
    outcome o = {BAD, {0}};
    int v6 = strchr(host, ':') != NULL;

    snprintf(url, sizeof url, v6 ? "http://[%s]/" : "http://%s/", host);
    if (emhttp_url_parse(url, &u) == EMHTTP_OK) {
        o.kind = NAME; /* accepted (the parser gives no address) */
        CHECK_EQ_MEM(u.host, u.host_len, host, strlen(host));
    }
    return o;
}

static outcome by_ip(const char *host)
{
    outcome o = {BAD, {0}};
    if (emhttp_ip_parse(host, strlen(host), &o.addr) == EMHTTP_OK) {
        o.kind = LIT;
    }
    return o;
}

static outcome by_classify(const char *host)
{
    outcome o = {BAD, {0}};
    int rc = emhttp_host_classify(host, strlen(host), &o.addr);
    if (rc == EMHTTP_HOST_IP) {
        o.kind = LIT;
    } else if (rc == EMHTTP_HOST_NAME) {
        o.kind = NAME;
    } else {
        CHECK_EQ_INT(rc, EMHTTP_ERR_URL);
    }
    return o;
}

static emhttp_posix px;
static emhttp_port pxp;

static outcome by_posix(const char *host)
{
    outcome o = {BAD, {0}};
    emhttp_ip_addr out[4];
    size_t n = 99;
    int rc = pxp.ops->resolve_start(pxp.ctx, host);
    int asked = rc == EMHTTP_PENDING; /* the host went to getaddrinfo */

    if (!asked) {
        CHECK_EQ_INT(rc, EMHTTP_OK);
    }
    /* Wait for getaddrinfo's answer (the port's wait() wakes on it; in the
     * empty namespace a name fails at once, and alarm() ends a hung run):
     * an address is what a connect would use, whoever read the host. */
    while ((rc = pxp.ops->resolve_poll(pxp.ctx, out, 4, &n)) == EMHTTP_PENDING) {
        pxp.ops->wait(pxp.ctx, 0, 1000);
    }
    if (asked && rc != EMHTTP_OK) {
        o.kind = NAME; /* asked the resolver, which found nothing */
    } else if (rc == EMHTTP_OK) {
        CHECK_EQ_INT(n, 1);
        o.kind = LIT;
        o.addr = out[0];
    } else {
        CHECK_EQ_INT(rc, EMHTTP_ERR_DNS);
        CHECK_EQ_INT(n, 0);
    }
    return o;
}

#if EMHTTP_TEST_LWIP
/* tests/lwip/host_literals_lwip.c (lwIP's headers stay out of this file) */
int lwip_column_init(void);
int lwip_column_resolve(const char *host, emhttp_ip_addr *out);

static outcome by_lwip(const char *host)
{
    outcome o = {BAD, {0}};
    o.kind = lwip_column_resolve(host, &o.addr);
    return o;
}
#endif

/* ---- the table ----------------------------------------------------------- */

static int same(const outcome *o, const row *r, int addr_too)
{
    if (o->kind != r->kind) {
        return 0;
    }
    if (r->kind != LIT || !addr_too) {
        return 1;
    }
    return o->addr.family == r->family &&
           memcmp(o->addr.bytes, r->bytes, r->family == EMHTTP_AF_INET ? 4 : 16) == 0;
}

static void test_table(void)
{
    char want[64], c[5][64];
    unsigned bad_rows = 0;

    CHECK_EQ_INT(emhttp_posix_init(&px), EMHTTP_OK);
    pxp = emhttp_posix_port(&px);
#if EMHTTP_TEST_LWIP
    CHECK_EQ_INT(lwip_column_init(), 0);
#endif
    printf("%-22s %-18s | %-8s %-18s %-18s %-18s%s\n", "host", "expected", "url", "ip",
           "classify", "posix", EMHTTP_TEST_LWIP ? " lwip" : "");
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const row *r = &table[i];
        outcome want_o = {r->kind, {0}};
        outcome url = by_url(r->host), ip = by_ip(r->host), cl = by_classify(r->host);
        outcome po = by_posix(r->host);
        int ok = 1;

        want_o.addr.family = (uint8_t)r->family;
        memcpy(want_o.addr.bytes, r->bytes, sizeof r->bytes);
        /* url: accepted exactly when the host is a literal or a name */
        ok &= (url.kind == BAD) == (r->kind == BAD);
        /* ip: the literal's address, or "not a literal" for names and refusals */
        ok &= r->kind == LIT ? same(&ip, r, 1) : ip.kind == BAD;
        ok &= same(&cl, r, 1);
        ok &= same(&po, r, 1);
        fmt(&want_o, want, sizeof want);
        fmt(&ip, c[1], sizeof c[1]);
        if (ip.kind == BAD) {
            snprintf(c[1], sizeof c[1], "not-literal");
        }
        fmt(&cl, c[2], sizeof c[2]);
        fmt(&po, c[3], sizeof c[3]);
        snprintf(c[0], sizeof c[0], "%s", url.kind == BAD ? "refused" : "accepted");
        c[4][0] = '\0';
#if EMHTTP_TEST_LWIP
        outcome lw = by_lwip(r->host);
        ok &= same(&lw, r, 1);
        fmt(&lw, c[4], sizeof c[4]);
#endif
        char shown[40];
        size_t k = 0;
        for (const char *h = r->host; *h && k + 5 < sizeof shown; h++) {
            k += (size_t)snprintf(shown + k, sizeof shown - k,
                                  (unsigned char)*h < 0x21 || (unsigned char)*h > 0x7e ? "\\x%02x"
                                                                                       : "%c",
                                  (unsigned char)*h);
        }
        printf("%-22s %-18s | %-8s %-18s %-18s %-18s %s%s\n", shown, want, c[0], c[1], c[2],
               c[3], c[4], ok ? "" : "   <-- DISAGREE");
        CHECK(ok);
        bad_rows += !ok;
    }
    printf("%zu rows, %u disagree\n", sizeof table / sizeof table[0], bad_rows);
    emhttp_posix_deinit(&px);
}

/* True when neither family can route anywhere (an empty namespace).  A UDP
 * connect() only looks up the route; it sends nothing. */
static int network_isolated(void)
{
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    int fd, ok = 1;

    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_port = htons(53);
    inet_pton(AF_INET, "192.0.2.1", &a4.sin_addr);
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons(53);
    inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a4, sizeof a4) == 0) {
        ok = 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    fd = socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a6, sizeof a6) == 0) {
        ok = 0;
    }
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

int main(void)
{
    alarm(120); /* a hung test ends the run */
    if (!network_isolated()) {
        fprintf(stderr, "test_host_literals: the network is reachable; run it under "
                        "`unshare -rn` (names in the table reach getaddrinfo)\n");
        return SKIP_CODE;
    }
    RUN(test_table);
    return check_summary();
}
