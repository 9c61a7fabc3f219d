/*
 * emhttp - a curl-like command line client on the emhttp library and its
 * POSIX port.  Its flags and its --stats line are a public contract:
 *
 *   stats: requests=N ok=N errors=N connects=N dns_queries=N secs=F
 *          req_per_s=F p50_us=F p99_us=F tls_handshakes=N tls_resumed=N
 *
 * (one line; new fields are only ever appended).  Exit codes follow
 * curl's; TLS: 35 handshake failed, 60 server certificate or pinned
 * public key refused (curl itself exits 90 on a pin mismatch), 77 CA
 * certificates unusable.  This is a host program: unlike
 * core/ and port/ it may allocate (the body file and the latency samples).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emhttp/client.h"
#include "emhttp/port_posix.h"
#if CONFIG_EMHTTP_TLS
#include "emhttp/tls.h"
#if defined(MBEDTLS_ERROR_C)
#include <mbedtls/error.h>
#endif
#endif

#define MAX_HEADERS 64

/* curl's exit codes */
enum {
    EXIT_OK = 0,
    EXIT_UNSUPPORTED = 1,
    EXIT_USAGE = 2,
    EXIT_URL = 3,
    EXIT_RESOLVE = 6,
    EXIT_CONNECT = 7,
    EXIT_PROTOCOL = 8,
    EXIT_HTTP_FAIL = 22,
    EXIT_WRITE = 23,
    EXIT_READ_FILE = 26,
    EXIT_TIMEOUT = 28,
    EXIT_SSL_CONNECT = 35,
    EXIT_SEND = 55,
    EXIT_RECV = 56,
    EXIT_PEER_VERIFY = 60,
    EXIT_SSL_CACERT = 77
};

typedef struct {
    const char *url;
    const char *method;
    const char *data;       /* -d / --json argument */
    bool json;
    emhttp_header headers[MAX_HEADERS + 2];
    size_t nheaders;
    unsigned long repeat;
    unsigned long pipeline;      /* --pipeline K: requests in flight */
    bool pipeline_all;           /* --pipeline-all: any method behind another */
    bool include, silent, verbose, stats, fail;
    const char *output;
    double connect_timeout, max_time;
    const char *resolve;
    const char *cacert, *pinned; /* --cacert FILE, --pinnedpubkey sha256//B64[;...] */
    bool insecure;               /* -k */
} options;

typedef struct {
    const options *opt;
    FILE *out;     /* where the body goes, NULL = discard */
    bool print;    /* print status line and headers (-i) */
} response_sink;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void usage(FILE *f)
{
    fputs("usage: emhttp [OPTIONS] URL\n"
          "  -X, --request METHOD        default GET, or POST when a body is given\n"
          "  -H, --header \"Name: value\"  repeatable\n"
          "  -d, --data DATA|@FILE       request body as given\n"
          "      --json DATA|@FILE       body, plus Content-Type and Accept: application/json\n"
          "  -n, --repeat N              send the request N times over one connection\n"
          "      --pipeline K            with -n: up to K requests in flight (HTTP pipelining;\n"
          "                              idempotent methods or Idempotency-Key only)\n"
          "      --pipeline-all          pipeline any method (POST too)\n"
          "  -i, --include               print the status line and headers before the body\n"
          "  -o, --output FILE           write the (last) response body to FILE\n"
          "  -s, --silent                print nothing but error messages\n"
          "  -v, --verbose               connection events on stderr\n"
          "      --stats                 at the end, one line of statistics on stderr\n"
          "      --connect-timeout SEC   --max-time SEC (per request)\n"
          "      --fail                  exit 22 on HTTP status >= 400\n"
          "      --resolve HOST:PORT:ADDR  use ADDR for HOST:PORT instead of DNS\n"
          "      --cacert FILE           trusted CA certificates, PEM or DER (https;\n"
          "                              default /etc/ssl/certs/ca-certificates.crt)\n"
          "  -k, --insecure              do not verify the server certificate (https)\n"
          "      --pinnedpubkey sha256//BASE64[;sha256//BASE64]  require the server's\n"
          "                              public key (SHA-256 of its SubjectPublicKeyInfo)\n",
          f);
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "emhttp: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    usage(stderr);
    return EXIT_USAGE;
}

/* ---- option parsing ---------------------------------------------------- */

static bool parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 4.0e6) {
        return false;
    }
    *out = v;
    return true;
}

static int add_header(options *o, const char *line)
{
    const char *colon = strchr(line, ':');
    if (colon == NULL || colon == line || o->nheaders == MAX_HEADERS) {
        return usage_error("bad or too many headers", line);
    }
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') {
        v++;
    }
    o->headers[o->nheaders++] = (emhttp_header){line, (size_t)(colon - line), v, strlen(v)};
    return EXIT_OK;
}

typedef enum { V_STRING, V_HEADER, V_JSON, V_COUNT, V_SECONDS } value_kind;

typedef struct {
    const char *short_name, *long_name;
    value_kind kind;
    size_t offset; /* of the field in options */
} value_option;

static const value_option value_options[] = {
    {"-X", "--request", V_STRING, offsetof(options, method)},
    {"-H", "--header", V_HEADER, 0},
    {"-d", "--data", V_STRING, offsetof(options, data)},
    {NULL, "--json", V_JSON, offsetof(options, data)},
    {"-n", "--repeat", V_COUNT, offsetof(options, repeat)},
    {NULL, "--pipeline", V_COUNT, offsetof(options, pipeline)},
    {"-o", "--output", V_STRING, offsetof(options, output)},
    {NULL, "--connect-timeout", V_SECONDS, offsetof(options, connect_timeout)},
    {NULL, "--max-time", V_SECONDS, offsetof(options, max_time)},
    {NULL, "--resolve", V_STRING, offsetof(options, resolve)},
    {NULL, "--cacert", V_STRING, offsetof(options, cacert)},
    {NULL, "--pinnedpubkey", V_STRING, offsetof(options, pinned)},
};

static int set_value(options *o, const value_option *vo, const char *v)
{
    char *field = (char *)o + vo->offset, *end;
    switch (vo->kind) {
    case V_HEADER: return add_header(o, v);
    case V_JSON: o->json = true; /* fall through */
    case V_STRING: *(const char **)(void *)field = v; return EXIT_OK;
    case V_SECONDS:
        return parse_seconds(v, (double *)(void *)field) ? EXIT_OK : usage_error("bad timeout", v);
    default: {
        unsigned long *count = (unsigned long *)(void *)field;
        errno = 0;
        *count = strtoul(v, &end, 10);
        return (errno || *end || *count == 0 || v[0] == '-') ? usage_error("bad repeat count", v)
                                                             : EXIT_OK;
    }
    }
}

/* Options that take a value; returns -1 when @p name is not one of them. */
static int take_value(options *o, const char *name, const char *v)
{
    for (size_t i = 0; i < sizeof value_options / sizeof value_options[0]; i++) {
        const value_option *vo = &value_options[i];
        if ((vo->short_name && !strcmp(name, vo->short_name)) || !strcmp(name, vo->long_name)) {
            return set_value(o, vo, v);
        }
    }
    return -1;
}

static bool take_flag(options *o, const char *a)
{
    bool *flag = NULL;
    if (!strcmp(a, "-i") || !strcmp(a, "--include")) {
        flag = &o->include;
    } else if (!strcmp(a, "-s") || !strcmp(a, "--silent")) {
        flag = &o->silent;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
        flag = &o->verbose;
    } else if (!strcmp(a, "--stats")) {
        flag = &o->stats;
    } else if (!strcmp(a, "--fail") || !strcmp(a, "-f")) {
        flag = &o->fail;
    } else if (!strcmp(a, "-k") || !strcmp(a, "--insecure")) {
        flag = &o->insecure;
    } else if (!strcmp(a, "--pipeline-all")) {
        flag = &o->pipeline_all;
    }
    if (flag != NULL) {
        *flag = true;
    }
    return flag != NULL;
}

static int parse_args(options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->repeat = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(EXIT_OK);
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (o->url != NULL) {
                return usage_error("more than one URL", a);
            }
            o->url = a;
        } else if (!take_flag(o, a)) {
            if (i + 1 >= argc) {
                return usage_error("option needs a value or is unknown", a);
            }
            int rc = take_value(o, a, argv[i + 1]);
            if (rc < 0) {
                return usage_error("unknown option", a);
            }
            if (rc != EXIT_OK) {
                return rc;
            }
            i++;
        }
    }
    return o->url != NULL ? EXIT_OK : usage_error("no URL given", NULL);
}

/* ---- body -------------------------------------------------------------- */

static int load_body(const char *arg, uint8_t **body, size_t *len)
{
    if (arg[0] != '@') {
        *body = (uint8_t *)(uintptr_t)arg;
        *len = strlen(arg);
        return EXIT_OK;
    }
    FILE *f = fopen(arg + 1, "rb");
    if (f == NULL) {
        fprintf(stderr, "emhttp: cannot read body file %s: %s\n", arg + 1, strerror(errno));
        return EXIT_READ_FILE;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) {
                free(buf);
            }
            buf = bigger;
        }
    }
    bool bad = ferror(f) || buf == NULL;
    fclose(f);
    if (bad) {
        free(buf);
        fprintf(stderr, "emhttp: cannot read body file %s\n", arg + 1);
        return EXIT_READ_FILE;
    }
    *body = buf;
    *len = n;
    return EXIT_OK;
}

/* ---- response callbacks ------------------------------------------------ */

/* The empty line between the printed head and the body (-i). */
static void end_head(response_sink *s)
{
    if (s->print && s->out != NULL) {
        fputs("\r\n", s->out);
    }
    s->print = false;
}

static int cb_status(emhttp_request *req, int status, const char *reason, size_t len)
{
    response_sink *s = req->user;
    if (s->print && s->out != NULL) {
        fprintf(s->out, "HTTP/1.1 %d %.*s\r\n", status, (int)len, reason);
    }
    return 0;
}

static int cb_header(emhttp_request *req, const char *n, size_t nl, const char *v, size_t vl)
{
    response_sink *s = req->user;
    if (s->print && s->out != NULL) {
        fprintf(s->out, "%.*s: %.*s\r\n", (int)nl, n, (int)vl, v);
    }
    return 0;
}

static int cb_body(emhttp_request *req, const uint8_t *d, size_t len)
{
    response_sink *s = req->user;
    end_head(s);
    if (s->out != NULL && (s->opt->fail ? req->status < 400 : true)) {
        if (fwrite(d, 1, len, s->out) != len) {
            return -1;
        }
    }
    return 0;
}

static const emhttp_response_cbs print_cbs = {cb_status, cb_header, cb_body, NULL};

/* ---- events (-v) ------------------------------------------------------- */

static void format_addr(const emhttp_ip_addr *a, char *buf, size_t size)
{
    if (a == NULL) {
        snprintf(buf, size, "?");
    } else if (a->family == EMHTTP_AF_INET) {
        snprintf(buf, size, "%u.%u.%u.%u", a->bytes[0], a->bytes[1], a->bytes[2], a->bytes[3]);
    } else {
        size_t o = 0;
        for (int i = 0; i < 16 && o < size; i += 2) {
            o += (size_t)snprintf(buf + o, size - o, "%s%x", i ? ":" : "",
                                  (unsigned)(a->bytes[i] << 8 | a->bytes[i + 1]));
        }
    }
}

static void on_event(void *arg, emhttp_event ev, const emhttp_ip_addr *a, int code)
{
    static const char *const names[] = {"resolve", "resolved", "connect", "connected",
                                        "reuse",   "reconnect", "close"};
    const char *host = arg;
    char addr[48];
    format_addr(a, addr, sizeof addr);
    if (ev == EMHTTP_EV_RESOLVE) {
        fprintf(stderr, "* resolve %s\n", host);
    } else if (a != NULL) {
        fprintf(stderr, "* %s %s\n", names[ev], addr);
    } else if (code != 0) {
        fprintf(stderr, "* %s (%s)\n", names[ev], emhttp_strerror(code));
    } else {
        fprintf(stderr, "* %s\n", names[ev]);
    }
}

/* ---- statistics -------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static double percentile(uint32_t *lat, size_t n, double p)
{
    if (n == 0) {
        return 0.0;
    }
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)lat[i];
}

static void print_stats(const emhttp_stats *st, unsigned long ok, double secs, uint32_t *lat,
                        size_t n)
{
    qsort(lat, n, sizeof *lat, cmp_u32);
    fprintf(stderr,
            "stats: requests=%lu ok=%lu errors=%lu connects=%lu dns_queries=%lu secs=%.3f "
            "req_per_s=%.1f p50_us=%.1f p99_us=%.1f tls_handshakes=%lu tls_resumed=%lu\n",
            (unsigned long)st->requests, ok, (unsigned long)st->errors,
            (unsigned long)st->connects, (unsigned long)st->dns_queries, secs,
            secs > 0 ? (double)st->requests / secs : 0.0, percentile(lat, n, 0.50),
            percentile(lat, n, 0.99), (unsigned long)st->tls_handshakes,
            (unsigned long)st->tls_resumed);
}

/* ---- main -------------------------------------------------------------- */

static int exit_code(int err)
{
    switch (err) {
    case EMHTTP_ERR_DNS:
    case EMHTTP_ERR_RESOLVER: return EXIT_RESOLVE; /* curl: the resolver thread failed to start */
    case EMHTTP_ERR_CONNECT:
    case EMHTTP_ERR_PORT: return EXIT_CONNECT; /* curl: socket() failed */
    case EMHTTP_ERR_CONFIG_RANGE:
    case EMHTTP_ERR_CONFIG_MISMATCH: return EXIT_USAGE; /* curl: CURLE_FAILED_INIT */
    case EMHTTP_ERR_DNS_TIMEOUT:
    case EMHTTP_ERR_CONNECT_TIMEOUT:
    case EMHTTP_ERR_TLS_TIMEOUT:
    case EMHTTP_ERR_TIMEOUT_FIRST_BYTE:
    case EMHTTP_ERR_TIMEOUT: return EXIT_TIMEOUT;
    case EMHTTP_ERR_SEND: return EXIT_SEND;
    case EMHTTP_ERR_RECV:
    case EMHTTP_ERR_CLOSED:
    case EMHTTP_ERR_RESET: return EXIT_RECV;
    case EMHTTP_ERR_BAD_REQUEST:
    case EMHTTP_ERR_TX_OVERFLOW: return EXIT_USAGE;
    case EMHTTP_ERR_TLS_HANDSHAKE: return EXIT_SSL_CONNECT;
    case EMHTTP_ERR_TLS_CERT:
    case EMHTTP_ERR_TLS_PIN:
    case EMHTTP_ERR_TLS_CERT_UNTRUSTED:
    case EMHTTP_ERR_TLS_CERT_SELF_SIGNED:
    case EMHTTP_ERR_TLS_CERT_EXPIRED:
    case EMHTTP_ERR_TLS_CERT_HOSTNAME: return EXIT_PEER_VERIFY;
    case EMHTTP_ERR_TLS: return EXIT_RECV;
    default: return EXIT_PROTOCOL;
    }
}

/* --resolve HOST:PORT:ADDR, applied when HOST and PORT match the URL. */
static int apply_resolve(const char *spec, const emhttp_url *u, emhttp_ip_addr *addr, bool *use)
{
    const char *c1 = strchr(spec, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char *end;
    *use = false;
    if (c2 == NULL) {
        return usage_error("bad --resolve, want HOST:PORT:ADDR", spec);
    }
    unsigned long port = strtoul(c1 + 1, &end, 10);
    const char *a = c2 + 1;
    size_t alen = strlen(a);
    if (alen > 2 && a[0] == '[' && a[alen - 1] == ']') {
        a++;
        alen -= 2;
    }
    if (end != c2 || port == 0 || port > 65535 || emhttp_ip_parse(a, alen, addr) != EMHTTP_OK) {
        return usage_error("bad --resolve, want HOST:PORT:ADDR", spec);
    }
    *use = (size_t)(c1 - spec) == u->host_len && !strncmp(spec, u->host, u->host_len) &&
           port == u->port;
    return EXIT_OK;
}

typedef struct {
    emhttp_posix net;
    emhttp_client cli;
    uint8_t tx[8192];
    uint8_t head[8192]; /* the prepared request head */
    uint8_t rx[16384];
    char host[CONFIG_EMHTTP_MAX_HOST_LEN + 1];
    char target[4096];
#if CONFIG_EMHTTP_TLS
    emhttp_tls tls;
#endif
} cli_state;

static cli_state st; /* static: the library's memory model */

/* ---- TLS (https) ------------------------------------------------------- */

#if CONFIG_EMHTTP_TLS
#define DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/* mbedTLS's heap: this static arena when mbedTLS was built with its buffer
 * allocator (the static-memory build), the C library's otherwise.  Large
 * enough for the system's whole CA bundle. */
static uint8_t tls_arena[1u << 20];

static int b64_value(int ch)
{
    const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = ch != '\0' ? strchr(abc, ch) : NULL;
    return p != NULL ? (int)(p - abc) : -1;
}

/* Standard base64 of exactly one SHA-256 digest: 43 digits and one '='. */
static bool decode_pin(const char *s, size_t len, uint8_t *out)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    if (len != 44 || s[43] != '=') {
        return false;
    }
    for (size_t i = 0; i < 43; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) {
            return false;
        }
        acc = (acc << 6 | (uint32_t)v) & 0xFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n == EMHTTP_TLS_PIN_LEN && (acc & ((1u << bits) - 1u)) == 0;
}

/* curl's --pinnedpubkey syntax: sha256//BASE64, ';'-separated. */
static int parse_pins(const char *spec, uint8_t *pins, size_t *count)
{
    const char *p = spec;
    for (*count = 0;; (*count)++) {
        const char *end = strchr(p, ';');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len < 8 || strncmp(p, "sha256//", 8) != 0) {
            return usage_error("--pinnedpubkey wants sha256//BASE64[;sha256//BASE64]", spec);
        }
        if (*count == CONFIG_EMHTTP_TLS_MAX_PINS) {
            return usage_error("too many --pinnedpubkey digests", spec);
        }
        if (!decode_pin(p + 8, len - 8, pins + *count * EMHTTP_TLS_PIN_LEN)) {
            return usage_error("bad --pinnedpubkey digest (base64 of 32 bytes)", spec);
        }
        if (end == NULL) {
            (*count)++;
            return EXIT_OK;
        }
        p = end + 1;
    }
}

/* The whole file, into a static buffer (DER is referenced, not copied, by
 * the TLS context); NUL-terminated, and the NUL counted, when it is PEM, as
 * mbedTLS wants.  The system bundle is about 220 KB. */
static int read_ca(const char *path, uint8_t **buf, size_t *len)
{
    static uint8_t file[1u << 20];
    FILE *f = fopen(path, "rb");
    size_t n = f != NULL ? fread(file, 1, sizeof file, f) : 0;
    bool ok = f != NULL && !ferror(f) && n > 0 && n < sizeof file;
    if (f != NULL) {
        fclose(f);
    }
    if (!ok) {
        fprintf(stderr, "emhttp: cannot read CA certificates from %s\n", path);
        return EXIT_SSL_CACERT;
    }
    file[n] = '\0';
    *buf = file;
    *len = strstr((char *)file, "-----BEGIN") != NULL ? n + 1 : n;
    return EXIT_OK;
}

static int setup_tls(const options *o)
{
    static uint8_t pins[CONFIG_EMHTTP_TLS_MAX_PINS * EMHTTP_TLS_PIN_LEN];
    emhttp_tls_config tc = {.hostname = st.host, .insecure = o->insecure, .pins = pins};
    const char *cafile = o->cacert != NULL ? o->cacert : (o->insecure ? NULL : DEFAULT_CA_FILE);
    uint8_t *ca = NULL;
    int rc;
    (void)emhttp_tls_arena_init(tls_arena, sizeof tls_arena); /* only with an arena build */
    if (o->pinned != NULL && (rc = parse_pins(o->pinned, pins, &tc.pin_count)) != EXIT_OK) {
        return rc;
    }
    if (cafile != NULL && (rc = read_ca(cafile, &ca, &tc.ca_len)) != EXIT_OK) {
        return rc;
    }
    tc.ca = ca;
    rc = emhttp_tls_init(&st.tls, &tc);
    if (rc != EMHTTP_OK) {
        fprintf(stderr, "emhttp: %s: %s (mbedTLS -0x%04x)\n", cafile ? cafile : "TLS",
                emhttp_strerror(rc), (unsigned)-emhttp_tls_last_error(&st.tls));
        return rc == EMHTTP_ERR_TLS_CONFIG ? EXIT_SSL_CACERT : EXIT_USAGE;
    }
    return EXIT_OK;
}

/* -v: the static arena's figures (arena builds only). */
static void report_tls_memory(const options *o)
{
    emhttp_tls_arena_stats a;
    if (o->verbose && emhttp_tls_arena_get_stats(&a) == EMHTTP_OK) {
        fprintf(stderr,
                "* tls arena: peak %zu bytes in %zu blocks (+%zu header bytes each), "
                "%zu bytes in use, arena %zu\n",
                a.peak, a.peak_blocks, a.header, a.used, a.size);
    }
}
#endif

/* The error of a failed request on one line (TLS: with mbedTLS's reason). */
static void report_error(const char *url, int rc)
{
#if CONFIG_EMHTTP_TLS
    if (rc == EMHTTP_ERR_TLS_HANDSHAKE || rc == EMHTTP_ERR_TLS) {
        char why[160] = "";
        int e = emhttp_tls_last_error(&st.tls);
#if defined(MBEDTLS_ERROR_C)
        mbedtls_strerror(e, why, sizeof why);
#endif
        fprintf(stderr, "emhttp: %s: %s (mbedTLS -0x%04x%s%s)\n", url, emhttp_strerror(rc),
                (unsigned)-e, why[0] ? ": " : "", why);
        return;
    }
#endif
    fprintf(stderr, "emhttp: %s: %s\n", url, emhttp_strerror(rc));
}

static int setup_client(const options *o, const emhttp_url *u)
{
    emhttp_ip_addr fixed;
    bool use_fixed = false;
    if (u->target_len + 2 > sizeof st.target) {
        fprintf(stderr, "emhttp: URL path too long\n");
        return EXIT_URL;
    }
    memcpy(st.host, u->host, u->host_len);
    st.host[u->host_len] = '\0';
    size_t off = (u->target_len == 0 || u->target[0] == '?') ? 1 : 0;
    st.target[0] = '/';
    memcpy(st.target + off, u->target, u->target_len);
    st.target[off + u->target_len] = '\0';
    if (o->resolve != NULL) {
        int rc = apply_resolve(o->resolve, u, &fixed, &use_fixed);
        if (rc != EXIT_OK) {
            return rc;
        }
    }
    if (emhttp_posix_init(&st.net) != EMHTTP_OK) {
        fprintf(stderr, "emhttp: cannot initialise the network port\n");
        return EXIT_UNSUPPORTED;
    }
#if CONFIG_EMHTTP_TLS
    if (u->scheme == EMHTTP_SCHEME_HTTPS) {
        int rc = setup_tls(o);
        if (rc != EXIT_OK) {
            return rc;
        }
    }
#endif
    uint32_t ct = (uint32_t)(o->connect_timeout * 1000.0), mt = (uint32_t)(o->max_time * 1000.0);
    emhttp_config cfg = {
        .host = st.host, .port = u->port, .scheme = u->scheme, .net = emhttp_posix_port(&st.net),
        .tx_buf = st.tx, .tx_size = sizeof st.tx, .rx_buf = st.rx, .rx_size = sizeof st.rx,
        .connect_timeout_ms = ct, .request_timeout_ms = mt, .first_byte_timeout_ms = mt,
        .resolve = use_fixed ? &fixed : NULL,
        .max_in_flight = (uint8_t)(o->pipeline > 255 ? 255 : o->pipeline),
        .pipeline_all_methods = o->pipeline_all,
        .on_event = o->verbose ? on_event : NULL, .event_arg = st.host,
    };
    cfg.transport = emhttp_posix_tcp(&st.net);
#if CONFIG_EMHTTP_TLS
    if (u->scheme == EMHTTP_SCHEME_HTTPS) {
        cfg.transport = emhttp_tls_transport(&st.tls, cfg.transport);
    }
#endif
    int rc = emhttp_client_init(&st.cli, &cfg);
    if (rc != EMHTTP_OK) {
        fprintf(stderr, "emhttp: %s: %s\n", o->url, emhttp_strerror(rc));
        return rc == EMHTTP_ERR_URL ? EXIT_URL : EXIT_USAGE;
    }
    return EXIT_OK;
}

static FILE *open_output(const options *o)
{
    if (o->output == NULL) {
        return o->repeat > 1 ? NULL : stdout;
    }
    FILE *f = fopen(o->output, "wb");
    if (f == NULL) {
        fprintf(stderr, "emhttp: cannot write %s: %s\n", o->output, strerror(errno));
    }
    return f;
}

/* Start a request's body output afresh: -o keeps only the last body. */
static void rewind_output(const options *o, FILE *f)
{
    if (o->output != NULL && f != NULL) {
        fflush(f);
        rewind(f);
        if (ftruncate(fileno(f), 0) != 0) {
            fprintf(stderr, "emhttp: cannot truncate %s\n", o->output);
        }
    }
}

typedef struct {
    unsigned long ok;
    int last_err;   /* exit code of the last failure */
    uint32_t *lat;  /* latency samples, microseconds */
    size_t nlat;
} run_result;

/* The outcome of one request for the run's result. */
static void account(const options *o, const emhttp_request *req, int rc, run_result *res)
{
    if (rc != EMHTTP_OK) {
        report_error(o->url, rc);
        res->last_err = exit_code(rc);
    } else if (req->status >= 200 && req->status < 400) {
        res->ok++;
    } else if (o->fail && req->status >= 400) {
        fprintf(stderr, "emhttp: the requested URL returned error: %d\n", req->status);
        res->last_err = EXIT_HTTP_FAIL;
    }
}

static void run_requests(const options *o, emhttp_request *req, response_sink *sink,
                         run_result *res)
{
    for (unsigned long i = 0; i < o->repeat; i++) {
        rewind_output(o, sink->out);
        sink->print = o->include && o->repeat == 1;
        uint64_t t0 = now_us();
        int rc = emhttp_request_sync(&st.cli, req);
        uint64_t dt = now_us() - t0;
        end_head(sink);
        if (res->lat != NULL) {
            res->lat[res->nlat++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
        }
        account(o, req, rc, res);
    }
}

#define MAX_PIPELINE 64

/* --pipeline K: K copies of the request kept queued (each re-submitted
 * when it completes) until N were sent; latency is submission to
 * completion. */
static void run_pipelined(const options *o, const emhttp_request *proto, response_sink *sink,
                          run_result *res)
{
    static emhttp_request rq[MAX_PIPELINE];
    static uint64_t t0[MAX_PIPELINE];
    size_t k = o->pipeline < MAX_PIPELINE ? o->pipeline : MAX_PIPELINE;
    unsigned long submitted = 0, done = 0;
    sink->print = false;
    for (size_t i = 0; i < k; i++) {
        rq[i] = *proto; /* (the prepared head is shared: it is only read) */
        rq[i].result = EMHTTP_OK;
    }
    while (done < o->repeat) {
        for (size_t i = 0; i < k; i++) {
            if (rq[i].result == EMHTTP_PENDING) {
                continue;
            }
            if (t0[i] != 0) { /* completed */
                uint64_t dt = now_us() - t0[i];
                if (res->lat != NULL) {
                    res->lat[res->nlat++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
                }
                account(o, &rq[i], rq[i].result, res);
                t0[i] = 0;
                done++;
            }
            if (submitted < o->repeat) {
                t0[i] = now_us();
                (void)emhttp_submit(&st.cli, &rq[i]);
                submitted++;
            }
        }
        if (done == o->repeat) {
            break;
        }
        (void)emhttp_poll(&st.cli);
        bool any_done = false;
        for (size_t i = 0; i < k; i++) {
            any_done |= rq[i].result != EMHTTP_PENDING;
        }
        unsigned flags = emhttp_wait_flags(&st.cli);
        if (!any_done && !(flags & EMHTTP_WAIT_NOW)) { /* (something is queued: not 0) */
            emhttp_port p = emhttp_posix_port(&st.net);
            p.ops->wait(p.ctx, flags, emhttp_next_timeout_ms(&st.cli));
        }
    }
}

/* Everything before the first request: options, URL, body, client. */
static int prepare(options *o, emhttp_url *u, int argc, char **argv, uint8_t **body,
                   size_t *body_len)
{
    int rc = parse_args(o, argc, argv);
    if (rc != EXIT_OK) {
        return rc;
    }
    if (emhttp_url_parse(o->url, u) != EMHTTP_OK) {
        fprintf(stderr, "emhttp: malformed URL: %s\n", o->url);
        return EXIT_URL;
    }
    if (!CONFIG_EMHTTP_TLS && u->scheme != EMHTTP_SCHEME_HTTP) {
        fprintf(stderr, "emhttp: https is not supported by this build\n");
        return EXIT_UNSUPPORTED;
    }
    if (o->data != NULL && (rc = load_body(o->data, body, body_len)) != EXIT_OK) {
        return rc;
    }
    if (o->json) {
        o->headers[o->nheaders++] = (emhttp_header)EMHTTP_HEADER("Content-Type", "application/json");
        o->headers[o->nheaders++] = (emhttp_header)EMHTTP_HEADER("Accept", "application/json");
    }
    return setup_client(o, u);
}

static void finish_up(const options *o, response_sink *sink, run_result *res, uint8_t *body)
{
    if (sink->out != NULL && sink->out != stdout) {
        fclose(sink->out);
    }
    emhttp_client_close(&st.cli);
#if CONFIG_EMHTTP_TLS
    report_tls_memory(o);
    emhttp_tls_free(&st.tls);
#endif
    emhttp_posix_deinit(&st.net);
    free(res->lat);
    if (o->data != NULL && o->data[0] == '@') {
        free(body); /* read from a file by load_body() */
    }
}

int main(int argc, char **argv)
{
    options o;
    emhttp_url u;
    uint8_t *body = NULL;
    size_t body_len = 0;
    int rc = prepare(&o, &u, argc, argv, &body, &body_len);
    if (rc != EXIT_OK) {
        return rc;
    }
    response_sink sink = {&o, open_output(&o), false};
    if (o.output != NULL && sink.out == NULL) {
        return EXIT_WRITE;
    }
    emhttp_request req = {
        .method = o.method != NULL ? o.method : (o.data != NULL ? "POST" : "GET"),
        .target = st.target, .headers = o.headers, .header_count = o.nheaders,
        .body = body, .body_len = body_len, .cbs = &print_cbs, .user = &sink,
    };
    /* One request, sent N times: its head is formatted and checked once.
     * (If that fails, each submission reports the same error.) */
    (void)emhttp_request_prepare(&st.cli, &req, st.head, sizeof st.head);
    run_result res = {0, EXIT_OK, o.stats ? malloc(o.repeat * sizeof(uint32_t)) : NULL, 0};
    uint64_t t0 = now_us();
    if (o.pipeline > 1 && o.repeat > 1) {
        run_pipelined(&o, &req, &sink, &res);
    } else {
        run_requests(&o, &req, &sink, &res);
    }
    double secs = (double)(now_us() - t0) / 1e6;
    if (o.stats) {
        print_stats(emhttp_client_stats(&st.cli), res.ok, secs, res.lat, res.nlat);
    }
    finish_up(&o, &sink, &res, body);
    return res.last_err;
}
