/*
 * emhttp - a curl-like command line client on the emhttp library and its
 * POSIX port.  Its flags and its --stats line are a public contract:
 *
 *   stats: requests=N ok=N errors=N connects=N dns_queries=N secs=F
 *          req_per_s=F p50_us=F p99_us=F tls_handshakes=N tls_resumed=N
 *
 * (one line; new fields are only ever appended).  Where a flag exists in
 * curl it behaves as curl's (README: the side-by-side table); exit codes
 * are curl's (README: the list; TLS: 35 handshake failed, 58 client
 * certificate or key unusable, 60 server certificate or pinned public key
 * refused - curl itself exits 90 on a pin mismatch -, 77 CA certificates
 * unusable).  This is a host program: unlike core/ and port/ it may
 * allocate (the body file and the latency samples).  Its other files:
 * cli_trace.c (what -v and -i see of the connection) and cli_progress.c
 * (the progress meter).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "emhttp/auth.h"
#include "emhttp/port_posix.h"
#if CONFIG_EMHTTP_TLS
#if defined(MBEDTLS_ERROR_C)
#include <mbedtls/error.h>
#endif
#include <mbedtls/platform_util.h>
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
    EXIT_TOO_MANY_REDIRECTS = 47,
    EXIT_SEND_REWIND = 65,
    EXIT_WRITE = 23,
    EXIT_READ_FILE = 26,
    EXIT_TIMEOUT = 28,
    EXIT_SSL_CONNECT = 35,
    EXIT_SEND = 55,
    EXIT_RECV = 56,
    EXIT_SSL_CERTPROBLEM = 58,
    EXIT_PEER_VERIFY = 60,
    EXIT_SSL_CACERT = 77
};

typedef struct {
    const char *url;
    const char *method;
    const char *data;       /* -d / --data-binary / --json argument */
    bool json;
    bool binary;            /* --data-binary or --json: @FILE sent as it is (-d strips CR, LF) */
    const char *upload;     /* -T FILE ("-": standard input) */
    double expect_timeout;  /* --expect100-timeout SEC */
    emhttp_header headers[MAX_HEADERS + 3];
    size_t nheaders;
    unsigned long repeat;
    unsigned long pipeline;      /* --pipeline K: requests in flight */
    bool pipeline_all;           /* --pipeline-all: any method behind another */
    bool include, silent, show_error, verbose, stats, fail, head;
    const char *output;
    double connect_timeout, max_time;
    const char *resolve;
    const char *cacert, *pinned; /* --cacert FILE, --pinnedpubkey sha256//B64[;...] */
    bool insecure;               /* -k */
    const char *cert, *key;      /* --cert FILE, --key FILE (mutual TLS) */
    const char *user, *bearer;   /* -u USER:PASSWORD, --oauth2-bearer TOKEN (copies) */
    const char *write_out;       /* -w FORMAT */
    bool location;               /* -L */
    long max_redirs;             /* --max-redirs N (-1: as many as the client allows) */
} options;

typedef struct {
    const options *opt;
    FILE *out;       /* where the body goes, NULL = discard */
    bool print;      /* print status line and headers (-i, -I) */
    bool in_head;    /* between the status line and the end of the head */
    bool write_failed; /* a body write failed: exit 23 */
    bool location;     /* the response had a Location header */
    uint64_t body_bytes;   /* -w size_download */
    uint64_t head_bytes;   /* -w size_header: status line and headers, as printed */
    cli_progress progress;
} response_sink;

/* Errors on stderr: off with -s, back on with -S (curl's rule). */
static bool errors_shown = true;

static void error_msg(const char *fmt, ...)
{
    va_list ap;
    if (!errors_shown) {
        return;
    }
    va_start(ap, fmt);
    fputs("emhttp: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void usage(FILE *f)
{
    fputs("usage: emhttp [OPTIONS] URL\n"
          "Request:\n"
          "  -X, --request METHOD        default GET, or POST when a body is given\n"
          "  -H, --header \"Name: value\"  repeatable\n"
          "  -d, --data DATA|@FILE       request body (from FILE: CR and LF left out, as curl)\n"
          "      --data-binary DATA|@FILE  request body, FILE sent as it is\n"
          "      --json DATA|@FILE       body, plus Content-Type and Accept: application/json\n"
          "  -T, --upload-file FILE      PUT FILE to the URL (with a URL ending in '/',\n"
          "                              to the URL plus the file's name)\n"
          "                              @FILE and -T stream the file (any size, never held\n"
          "                              in memory; Content-Length from its size); @- and\n"
          "                              -T - read standard input (sent chunked)\n"
          "      --expect100-timeout SEC  with -H 'Expect: 100-continue': the wait for\n"
          "                              100 Continue before the body goes anyway (1 s)\n"
          "  -I, --head                  send HEAD; print the status line and headers\n"
          "  -u, --user USER:PASSWORD    Basic authentication (no password prompt: give\n"
          "                              both; a ':' in USER is not allowed)\n"
          "      --oauth2-bearer TOKEN   Bearer authentication\n"
          "  -n, --repeat N              send the request N times over one connection\n"
          "                              (every response is written, in order)\n"
          "      --pipeline K            with -n: up to K requests in flight (HTTP pipelining;\n"
          "                              idempotent methods or Idempotency-Key only)\n"
          "      --pipeline-all          pipeline any method (POST too)\n"
          "Output:\n"
          "  -i, --include               print the status line and headers before the body\n"
          "  -o, --output FILE           write the response body (every body with -n) to FILE\n"
          "  -s, --silent                no progress meter, no error messages\n"
          "  -S, --show-error            with -s: print error messages all the same\n"
          "  -v, --verbose               on stderr: connection events, the request head\n"
          "                              (\"> \"; Authorization shown as <redacted>), the\n"
          "                              response head (\"< \"), TLS version, cipher suite\n"
          "                              and server certificate\n"
          "  -f, --fail                  exit 22 on HTTP status >= 400 (body not written)\n"
          "  -w, --write-out FORMAT      after each request, FORMAT on stdout: %{http_code}\n"
          "                              %{time_namelookup} %{time_connect} %{time_appconnect}\n"
          "                              %{time_pretransfer} %{time_starttransfer} %{time_total}\n"
          "                              (seconds, cumulative from the start, as curl's)\n"
          "                              %{num_connects} %{num_redirects} %{size_upload}\n"
          "                              %{size_download} %{size_header}; \\n \\r \\t escapes\n"
          "      --stats                 at the end, one line of statistics on stderr\n"
          "  The progress meter (bytes, rate, elapsed time) shows on stderr when a\n"
          "  transfer runs over a second, unless -s or stderr is not a terminal.\n"
          "Connection:\n"
          "      --connect-timeout SEC   connect and TLS handshake, per attempt\n"
          "  -m, --max-time SEC          whole request (each of -n)\n"
          "      --resolve HOST:PORT:ADDR  use ADDR for HOST:PORT instead of DNS\n"
          "  -L, --location              follow redirects (301 302 303 307 308), also to\n"
          "                              another host, port or scheme (https: same CA\n"
          "                              certificates, -k and pins, no client certificate);\n"
          "                              Authorization and Cookie stay with the first host\n"
          "      --max-redirs N          with -L: at most N redirects (default 50, -1 = 255;\n"
          "                              exit 47 beyond)\n"
          "TLS (https):\n"
          "      --cacert FILE           trusted CA certificates, PEM or DER\n"
          "                              (default /etc/ssl/certs/ca-certificates.crt)\n"
          "  -k, --insecure              do not verify the server certificate\n"
          "      --pinnedpubkey sha256//BASE64[;sha256//BASE64]  require the server's\n"
          "                              public key (SHA-256 of its SubjectPublicKeyInfo)\n"
          "  -E, --cert FILE             client certificate (mutual TLS), PEM or DER\n"
          "      --key FILE              its private key, PEM or DER, unencrypted\n"
          "                              (default: the --cert file, as curl)\n"
          "Other:\n"
          "  -h, --help                  this text\n"
          "Exit codes are curl's; the README lists every one this program returns.\n",
          f);
}

/* Usage errors print even with -s, as curl's do. */
static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "emhttp: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "emhttp: try 'emhttp --help'\n");
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

typedef enum { V_STRING, V_HEADER, V_JSON, V_BINARY, V_COUNT, V_SECONDS, V_SECRET, V_REDIRS } value_kind;

typedef struct {
    const char *short_name, *long_name;
    value_kind kind;
    size_t offset; /* of the field in options */
} value_option;

static const value_option value_options[] = {
    {"-X", "--request", V_STRING, offsetof(options, method)},
    {"-H", "--header", V_HEADER, 0},
    {"-d", "--data", V_STRING, offsetof(options, data)},
    {NULL, "--data-binary", V_BINARY, offsetof(options, data)},
    {NULL, "--json", V_JSON, offsetof(options, data)},
    {"-T", "--upload-file", V_STRING, offsetof(options, upload)},
    {NULL, "--expect100-timeout", V_SECONDS, offsetof(options, expect_timeout)},
    {"-n", "--repeat", V_COUNT, offsetof(options, repeat)},
    {NULL, "--pipeline", V_COUNT, offsetof(options, pipeline)},
    {"-o", "--output", V_STRING, offsetof(options, output)},
    {NULL, "--connect-timeout", V_SECONDS, offsetof(options, connect_timeout)},
    {"-m", "--max-time", V_SECONDS, offsetof(options, max_time)},
    {NULL, "--resolve", V_STRING, offsetof(options, resolve)},
    {NULL, "--cacert", V_STRING, offsetof(options, cacert)},
    {NULL, "--pinnedpubkey", V_STRING, offsetof(options, pinned)},
    {"-E", "--cert", V_STRING, offsetof(options, cert)},
    {NULL, "--key", V_STRING, offsetof(options, key)},
    {"-u", "--user", V_SECRET, offsetof(options, user)},
    {NULL, "--oauth2-bearer", V_SECRET, offsetof(options, bearer)},
    {"-w", "--write-out", V_STRING, offsetof(options, write_out)},
    {NULL, "--max-redirs", V_REDIRS, offsetof(options, max_redirs)},
};

/* A credential: copied, and the argument blanked in place so that ps and
 * /proc/PID/cmdline no longer show it (curl does the same). */
static const char *take_secret(char *arg)
{
    char *copy = strdup(arg);
    if (copy == NULL) {
        return NULL;
    }
    memset(arg, ' ', strlen(arg));
    return copy;
}

static int set_value(options *o, const value_option *vo, char *v)
{
    char *field = (char *)o + vo->offset, *end;
    switch (vo->kind) {
    case V_HEADER: return add_header(o, v);
    case V_SECRET:
        free((void *)*(const char **)(void *)field);
        *(const char **)(void *)field = take_secret(v);
        return *(const char **)(void *)field != NULL ? EXIT_OK : EXIT_USAGE;
    case V_JSON: o->json = true; /* fall through */
    case V_BINARY: o->binary = true; /* fall through */
    case V_STRING: *(const char **)(void *)field = v; return EXIT_OK;
    case V_SECONDS:
        return parse_seconds(v, (double *)(void *)field) ? EXIT_OK : usage_error("bad timeout", v);
    case V_REDIRS: {
        long *n = (long *)(void *)field;
        errno = 0;
        *n = strtol(v, &end, 10);
        return (errno || *end || end == v || *n < -1) ? usage_error("bad --max-redirs", v) : EXIT_OK;
    }
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
static int take_value(options *o, const char *name, char *v)
{
    for (size_t i = 0; i < sizeof value_options / sizeof value_options[0]; i++) {
        const value_option *vo = &value_options[i];
        if ((vo->short_name && !strcmp(name, vo->short_name)) || !strcmp(name, vo->long_name)) {
            return set_value(o, vo, v);
        }
    }
    return -1;
}

typedef struct {
    char short_name; /* 0: none */
    const char *long_name;
    size_t offset;   /* of the bool in options */
} flag_option;

static const flag_option flag_options[] = {
    {'i', "--include", offsetof(options, include)},
    {'s', "--silent", offsetof(options, silent)},
    {'S', "--show-error", offsetof(options, show_error)},
    {'v', "--verbose", offsetof(options, verbose)},
    {0, "--stats", offsetof(options, stats)},
    {'f', "--fail", offsetof(options, fail)},
    {'k', "--insecure", offsetof(options, insecure)},
    {'I', "--head", offsetof(options, head)},
    {0, "--pipeline-all", offsetof(options, pipeline_all)},
    {'L', "--location", offsetof(options, location)},
};

static bool *flag_field(options *o, char short_name, const char *long_name)
{
    for (size_t i = 0; i < sizeof flag_options / sizeof flag_options[0]; i++) {
        const flag_option *f = &flag_options[i];
        if ((short_name != 0 && f->short_name == short_name) ||
            (long_name != NULL && !strcmp(long_name, f->long_name))) {
            return (bool *)(void *)((char *)o + f->offset);
        }
    }
    return NULL;
}

/* A flag: "--long", "-x", or several short ones at once ("-sSf"). */
static bool take_flag(options *o, const char *a)
{
    if (a[1] == '-') {
        bool *f = flag_field(o, 0, a);
        if (f != NULL) {
            *f = true;
        }
        return f != NULL;
    }
    for (const char *c = a + 1; *c != '\0'; c++) {
        if (flag_field(o, *c, NULL) == NULL) {
            return false;
        }
    }
    for (const char *c = a + 1; *c != '\0'; c++) {
        *flag_field(o, *c, NULL) = true;
    }
    return true;
}

static int parse_args(options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->repeat = 1;
    o->max_redirs = 50; /* curl's default */
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
    if (o->url == NULL) {
        return usage_error("no URL given", NULL);
    }
    errors_shown = !o->silent || o->show_error;
    return EXIT_OK;
}

/* ---- body -------------------------------------------------------------- */

#if CONFIG_EMHTTP_BODY_STREAM
/* A body streamed from a file or standard input (-d @FILE, --data-binary
 * @FILE, --json @FILE, -T FILE): the client's producer reads it a piece
 * at a time into its transmit buffer, so no file is ever held whole.  A
 * regular file declares its length (Content-Length; with -d the CR and
 * LF bytes are counted out first); standard input or a pipe goes chunked.
 * curl reads -d/--data-binary/--json @FILE whole and always sends a
 * Content-Length: the same bytes, framed differently for @-. */
typedef struct {
    FILE *f;         /* NULL: no streamed body */
    bool strip;      /* -d @FILE: CR and LF left out, as curl does */
    bool seekable;   /* a regular file: read again for each of -n */
    off_t start;     /* where the body starts in it */
} body_file;

static body_file bodyf;

static size_t strip_crlf(uint8_t *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\r' && p[i] != '\n') {
            p[k++] = p[i];
        }
    }
    return k;
}

/* emhttp_body_fn: the next piece of the file (a blocking read: this is a
 * command-line program; firmware reads its flash the same way). */
static int file_piece(emhttp_request *req, uint8_t *buf, size_t size, size_t *len)
{
    (void)req;
    size_t n;
    do {
        n = fread(buf, 1, size, bodyf.f);
        if (bodyf.strip) {
            n = strip_crlf(buf, n);
        }
    } while (n == 0 && bodyf.strip && !feof(bodyf.f) && !ferror(bodyf.f));
    if (ferror(bodyf.f)) {
        return EMHTTP_ERR_BODY;
    }
    *len = n;
    return EMHTTP_OK;
}

/* The length -d @FILE sends: the file's bytes without CR and LF. */
static bool count_stripped(size_t *len)
{
    static uint8_t buf[65536];
    size_t total = 0, n;
    while ((n = fread(buf, 1, sizeof buf, bodyf.f)) > 0) {
        total += strip_crlf(buf, n);
    }
    *len = total;
    return !ferror(bodyf.f) && fseeko(bodyf.f, bodyf.start, SEEK_SET) == 0;
}

/* Open the body file @p path ("-": standard input); its declared length
 * into @p len, or EMHTTP_BODY_UNKNOWN. */
static int open_body(const char *path, bool strip, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct stat sb;
    if (f == NULL) {
        error_msg("cannot read body file %s: %s", path, strerror(errno));
        return EXIT_READ_FILE;
    }
    bodyf = (body_file){f, strip, false, 0};
    *len = EMHTTP_BODY_UNKNOWN;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && (bodyf.start = ftello(f)) >= 0 &&
        (uintmax_t)sb.st_size < SIZE_MAX) {
        bodyf.seekable = true;
        *len = (size_t)(sb.st_size - bodyf.start);
        if (strip && !count_stripped(len)) {
            error_msg("cannot read body file %s", path);
            return EXIT_READ_FILE;
        }
    }
    return EXIT_OK;
}

/* The body's first byte again (each of -n). */
static bool rewind_body(void)
{
    return bodyf.f == NULL || (bodyf.seekable && fseeko(bodyf.f, bodyf.start, SEEK_SET) == 0);
}

static int load_body(const options *o, uint8_t **body, size_t *len)
{
    if (o->upload != NULL) {
        return open_body(o->upload, false, len);
    }
    if (o->data[0] == '@') {
        return open_body(o->data + 1, !o->binary, len);
    }
    *body = (uint8_t *)(uintptr_t)o->data;
    *len = strlen(o->data);
    return EXIT_OK;
}
#else
#define rewind_body() true
static int load_body(const options *o, uint8_t **body, size_t *len)
{
    const char *arg = o->upload != NULL ? o->upload : o->data;
    if (o->upload == NULL && arg[0] != '@') {
        *body = (uint8_t *)(uintptr_t)arg;
        *len = strlen(arg);
        return EXIT_OK;
    }
    arg += o->upload == NULL; /* without streaming: read whole (no stdin) */
    FILE *f = fopen(arg, "rb");
    if (f == NULL) {
        error_msg("cannot read body file %s: %s", arg, strerror(errno));
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
        error_msg("cannot read body file %s", arg);
        return EXIT_READ_FILE;
    }
    *body = buf;
    *len = n;
    return EXIT_OK;
}
#endif

/* ---- response callbacks ------------------------------------------------ */

static cli_trace trace; /* the CLI's view of the connection (cli_trace.c) */

/* Bytes of the printed head (-i, -I) */
static void put_head(response_sink *s, const char *fmt, ...)
{
    va_list ap;
    if (!s->print || s->out == NULL || s->write_failed) {
        return;
    }
    va_start(ap, fmt);
    if (vfprintf(s->out, fmt, ap) < 0) {
        s->write_failed = true;
    }
    va_end(ap);
}

/* The end of the response head: the empty line, printed (-i, -I) and
 * shown (-v, "< "). */
static void end_head(response_sink *s)
{
    if (!s->in_head) {
        return;
    }
    s->in_head = false;
    s->head_bytes += 2;
    put_head(s, "\r\n");
    if (s->opt->verbose) {
        fputs("< \n", stderr);
    }
}

static int cb_status(emhttp_request *req, int status, const char *reason, size_t len)
{
    response_sink *s = req->user;
    const char *version = cli_trace_version(&trace);
    s->in_head = true;
    s->head_bytes += strlen(version) + 7 + len; /* "V NNN reason\r\n" */
    put_head(s, "%s %d %.*s\r\n", version, status, (int)len, reason);
    if (s->opt->verbose) {
        fprintf(stderr, "< %s %d %.*s\n", version, status, (int)len, reason);
    }
    return s->write_failed ? -1 : 0;
}

static bool name_is(const char *n, size_t nl, const char *want)
{
    size_t i = 0;
    for (; i < nl && want[i] != '\0'; i++) {
        char a = n[i] >= 'A' && n[i] <= 'Z' ? (char)(n[i] + 32) : n[i];
        if (a != want[i]) {
            return false;
        }
    }
    return i == nl && want[i] == '\0';
}

static int cb_header(emhttp_request *req, const char *n, size_t nl, const char *v, size_t vl)
{
    response_sink *s = req->user;
    s->head_bytes += nl + 4 + vl; /* "name: value\r\n" (-w size_header) */
    if (s->opt->location && s->opt->max_redirs == 0) {
        s->location |= name_is(n, nl, "location");
    }
    if (s->print) { /* (nothing to format per header otherwise: -n N in a loop) */
        put_head(s, "%.*s: %.*s\r\n", (int)nl, n, (int)vl, v);
    }
    if (s->opt->verbose) {
        fprintf(stderr, "< %.*s: %.*s\n", (int)nl, n, (int)vl, v);
    }
    if (s->progress.enabled && name_is(n, nl, "content-length")) {
        cli_progress_total(&s->progress, strtoull(v, NULL, 10));
    }
    return s->write_failed ? -1 : 0;
}

static int cb_body(emhttp_request *req, const uint8_t *d, size_t len)
{
    response_sink *s = req->user;
    end_head(s);
    s->body_bytes += len;
    cli_progress_add(&s->progress, len);
    if (s->out != NULL && !s->opt->head && (s->opt->fail ? req->status < 400 : true)) {
        if (s->write_failed || fwrite(d, 1, len, s->out) != len) {
            s->write_failed = true; /* curl's 23: the request is aborted */
            return -1;
        }
    }
    return 0;
}

static void cb_complete(emhttp_request *req, int result)
{
    (void)result;
    end_head(req->user); /* a response without a body */
}

static const emhttp_response_cbs print_cbs = {cb_status, cb_header, cb_body, cb_complete};

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
    case EMHTTP_ERR_BODY: return EXIT_READ_FILE; /* the body file failed or changed size */
    case EMHTTP_ERR_TOO_MANY_REDIRECTS: return EXIT_TOO_MANY_REDIRECTS;
    case EMHTTP_ERR_REDIRECT: return EXIT_UNSUPPORTED; /* (curl: a Location it cannot follow) */
    case EMHTTP_ERR_REDIRECT_BODY: return EXIT_SEND_REWIND;
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
    char redirect[8192]; /* -L: the Location being followed */
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

/* A whole file into @p file (static: a DER certificate is referenced, not
 * copied, by the TLS context); NUL-terminated, and the NUL counted, when it
 * is PEM, as mbedTLS wants.  The system CA bundle is about 220 KB. */
static bool read_file(const char *path, uint8_t *file, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t n = f != NULL ? fread(file, 1, cap, f) : 0;
    bool ok = f != NULL && !ferror(f) && n > 0 && n < cap;
    if (f != NULL) {
        fclose(f);
    }
    if (ok) {
        file[n] = '\0';
        *len = strstr((char *)file, "-----BEGIN") != NULL ? n + 1 : n;
    }
    return ok;
}

/* The key file: read into this buffer only, wiped once the TLS context
 * has parsed it (emhttp_tls_init() keeps no pointer to it). */
static uint8_t key_file[16384];

/* --cert / --key: curl's exit 58 when they cannot be used. */
static int read_identity(const options *o, emhttp_tls_config *tc)
{
    static uint8_t cert_file[16384];
    const char *key = o->key != NULL ? o->key : o->cert; /* curl: the key may be in the cert file */
    if (o->cert == NULL) {
        if (o->key != NULL) {
            error_msg("--key without --cert");
            return EXIT_SSL_CERTPROBLEM;
        }
        return EXIT_OK;
    }
    if (!read_file(o->cert, cert_file, sizeof cert_file, &tc->client_cert_len)) {
        error_msg("cannot read the client certificate from %s", o->cert);
        return EXIT_SSL_CERTPROBLEM;
    }
    if (!read_file(key, key_file, sizeof key_file, &tc->client_key_len)) {
        error_msg("cannot read the private key from %s", key);
        return EXIT_SSL_CERTPROBLEM;
    }
    tc->client_cert = cert_file;
    tc->client_key = key_file;
    return EXIT_OK;
}

/* What a failed emhttp_tls_init() says, and curl's exit code for it: 58
 * when the client certificate or key is what failed (the same setup
 * without them succeeds), 77 for the CA certificates. */
static int tls_init_failed(const options *o, emhttp_tls_config *tc, const char *cafile, int rc)
{
    int e = emhttp_tls_last_error(&st.tls);
    bool identity = false;
    char why[160] = "";
    if (tc->client_cert != NULL) {
        tc->client_cert = tc->client_key = NULL;
        tc->client_cert_len = tc->client_key_len = 0;
        identity = emhttp_tls_init(&st.tls, tc) == EMHTTP_OK;
        emhttp_tls_free(&st.tls);
    }
#if defined(MBEDTLS_ERROR_C)
    mbedtls_strerror(e, why, sizeof why);
#endif
    error_msg("%s: %s (mbedTLS -0x%04x%s%s)", identity ? o->cert : (cafile ? cafile : "TLS"),
              emhttp_strerror(rc), (unsigned)-e, why[0] ? ": " : "", why);
    if (identity) {
        return EXIT_SSL_CERTPROBLEM;
    }
    return rc == EMHTTP_ERR_TLS_CONFIG ? EXIT_SSL_CACERT : EXIT_USAGE;
}

/* The TLS configuration every https origin shares: CA certificates, -k,
 * pins (read once; kept for the contexts of redirects to other hosts). */
static emhttp_tls_config base_tc;
static bool base_tc_ready;

static int base_tls_config(const options *o)
{
    static uint8_t pins[CONFIG_EMHTTP_TLS_MAX_PINS * EMHTTP_TLS_PIN_LEN];
    static uint8_t ca[1u << 20];
    emhttp_tls_config tc = {.insecure = o->insecure, .pins = pins};
    const char *cafile = o->cacert != NULL ? o->cacert : (o->insecure ? NULL : DEFAULT_CA_FILE);
    int rc;
    if (base_tc_ready) {
        return EXIT_OK;
    }
    (void)emhttp_tls_arena_init(tls_arena, sizeof tls_arena); /* only with an arena build */
    if (o->pinned != NULL && (rc = parse_pins(o->pinned, pins, &tc.pin_count)) != EXIT_OK) {
        return rc;
    }
    if (cafile != NULL) {
        if (!read_file(cafile, ca, sizeof ca, &tc.ca_len)) {
            error_msg("cannot read CA certificates from %s", cafile);
            return EXIT_SSL_CACERT;
        }
        tc.ca = ca;
    }
    base_tc = tc;
    base_tc_ready = true;
    return EXIT_OK;
}

static int setup_tls(const options *o)
{
    const char *cafile = o->cacert != NULL ? o->cacert : (o->insecure ? NULL : DEFAULT_CA_FILE);
    int rc = base_tls_config(o);
    if (rc != EXIT_OK) {
        return rc;
    }
    emhttp_tls_config tc = base_tc;
    tc.hostname = st.host;
    if ((rc = read_identity(o, &tc)) != EXIT_OK) {
        mbedtls_platform_zeroize(key_file, sizeof key_file);
        return rc;
    }
    rc = emhttp_tls_init(&st.tls, &tc);
    mbedtls_platform_zeroize(key_file, sizeof key_file); /* parsed (or refused): wipe it */
    return rc == EMHTTP_OK ? EXIT_OK : tls_init_failed(o, &tc, cafile, rc);
}

/* -L to https on another origin: a TLS context for that host (the
 * client's is bound to the first host name), with the same CA
 * certificates, -k and pins, no client certificate.  Two, taken in turn:
 * the one in use stays valid while the next detour's is set up. */
static emhttp_tls tls_away[2];
static bool tls_away_live[2];
static char away_host[2][CONFIG_EMHTTP_MAX_HOST_LEN + 1];

static int tls_for(const options *o, const emhttp_origin *org, emhttp_transport *tr)
{
    int i = org->transport.ctx == &tls_away[0] ? 1 : 0;
    if (base_tls_config(o) != EXIT_OK) {
        return -1;
    }
    if (tls_away_live[i]) {
        emhttp_tls_free(&tls_away[i]);
        tls_away_live[i] = false;
    }
    snprintf(away_host[i], sizeof away_host[i], "%s", org->host);
    emhttp_tls_config tc = base_tc;
    tc.hostname = away_host[i];
    int rc = emhttp_tls_init(&tls_away[i], &tc);
    if (rc != EMHTTP_OK) {
        error_msg("TLS for %s: %s", away_host[i], emhttp_strerror(rc));
        return -1;
    }
    tls_away_live[i] = true;
    *tr = emhttp_tls_transport(&tls_away[i], emhttp_posix_tcp(&st.net));
    return 0;
}

static void free_tls_away(void)
{
    for (int i = 0; i < 2; i++) {
        if (tls_away_live[i]) {
            emhttp_tls_free(&tls_away[i]);
            tls_away_live[i] = false;
        }
    }
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
        error_msg("%s: %s (mbedTLS -0x%04x%s%s)", url, emhttp_strerror(rc), (unsigned)-e,
                  why[0] ? ": " : "", why);
        return;
    }
#endif
    error_msg("%s: %s", url, emhttp_strerror(rc));
}

/* TCP, TLS over it for https, and the trace on top when -v, -i or -I
 * need the request head or the status line's version. */
static emhttp_transport choose_transport(const options *o, const emhttp_url *u)
{
    emhttp_transport tr = emhttp_posix_tcp(&st.net);
#if CONFIG_EMHTTP_TLS
    if (u->scheme == EMHTTP_SCHEME_HTTPS) {
        tr = emhttp_tls_transport(&st.tls, tr);
        trace.tls = &st.tls;
    }
#else
    (void)u;
#endif
    if (o->verbose || o->include || o->head) {
        trace.verbose = o->verbose;
        tr = cli_trace_wrap(&trace, tr);
    }
    return tr;
}

/* -L to another origin (curl follows to any host and scheme): the
 * transport in use reaches any host over plain TCP; https gets a TLS
 * context of its own (the -v trace does not follow the detour). */
static int on_origin(void *arg, const emhttp_origin *org, emhttp_transport *tr)
{
    const options *o = arg;
    if (org->scheme == EMHTTP_SCHEME_HTTP) {
        if (org->transport.ops->flags & EMHTTP_TRANSPORT_SECURE) {
            *tr = emhttp_posix_tcp(&st.net);
        }
        return 0;
    }
#if CONFIG_EMHTTP_TLS
    return tls_for(o, org, tr);
#else
    (void)o;
    (void)tr;
    error_msg("redirect to %s: https is not supported by this build", org->host);
    return -1;
#endif
}

static int setup_client(const options *o, const emhttp_url *u)
{
    emhttp_ip_addr fixed;
    bool use_fixed = false;
    if (u->target_len + 2 > sizeof st.target) {
        error_msg("URL path too long");
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
        error_msg("cannot initialise the network port");
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
        .expect_timeout_ms = (uint32_t)(o->expect_timeout * 1000.0),
        .on_event = o->verbose ? on_event : NULL, .event_arg = st.host,
        /* -L: curl follows to other hosts too; Authorization and Cookie stay behind */
        .max_redirects = !o->location ? 0 : (o->max_redirs < 0 || o->max_redirs > 255) ? 255
                                                                    : (uint8_t)o->max_redirs,
        .redirect_other_origins = o->location, .on_origin = on_origin,
        .origin_arg = (void *)(uintptr_t)o,
        .redirect_buf = st.redirect, .redirect_size = sizeof st.redirect,
    };
    cfg.transport = choose_transport(o, u);
    int rc = emhttp_client_init(&st.cli, &cfg);
    if (rc != EMHTTP_OK) {
        error_msg("%s: %s", o->url, emhttp_strerror(rc));
        return rc == EMHTTP_ERR_URL ? EXIT_URL : EXIT_USAGE;
    }
    return EXIT_OK;
}

/* ---- authentication (-u, --oauth2-bearer) ------------------------------- */

static char *auth_value; /* the Authorization value; wiped and freed at exit */
static size_t auth_len;

static int add_auth(options *o)
{
    int rc = EMHTTP_OK;
    if (o->user != NULL && o->bearer != NULL) {
        return usage_error("-u and --oauth2-bearer exclude each other", NULL);
    }
    if (o->user != NULL) {
        const char *colon = strchr(o->user, ':');
        if (colon == NULL) {
            return usage_error("-u wants USER:PASSWORD (there is no password prompt)", NULL);
        }
        size_t ul = (size_t)(colon - o->user), pl = strlen(colon + 1);
        auth_len = EMHTTP_AUTH_BASIC_LEN(ul, pl);
        auth_value = malloc(auth_len + 1);
        rc = auth_value == NULL ? EMHTTP_ERR_ARG
                                : emhttp_auth_basic(o->user, ul, colon + 1, pl, auth_value,
                                                    auth_len + 1, &auth_len);
    } else if (o->bearer != NULL) {
        auth_len = EMHTTP_AUTH_BEARER_LEN(strlen(o->bearer));
        auth_value = malloc(auth_len + 1);
        rc = auth_value == NULL ? EMHTTP_ERR_ARG
                                : emhttp_auth_bearer(o->bearer, strlen(o->bearer), auth_value,
                                                     auth_len + 1, &auth_len);
    } else {
        return EXIT_OK;
    }
    if (rc != EMHTTP_OK) { /* the credential itself is never printed */
        return usage_error(o->user != NULL ? "bad -u credentials (a control character?)"
                                           : "bad --oauth2-bearer token (space or control character?)",
                           NULL);
    }
    o->headers[o->nheaders++] = (emhttp_header){"Authorization", 13, auth_value, auth_len};
    return EXIT_OK;
}

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n-- > 0) {
        *v++ = 0;
    }
}

static void forget_credentials(options *o)
{
    if (auth_value != NULL) {
        wipe(auth_value, auth_len);
    }
    free(auth_value);
    if (o->user != NULL) {
        wipe((void *)(uintptr_t)o->user, strlen(o->user));
    }
    if (o->bearer != NULL) {
        wipe((void *)(uintptr_t)o->bearer, strlen(o->bearer));
    }
    free((void *)(uintptr_t)o->user);
    free((void *)(uintptr_t)o->bearer);
}

/* ---- requests ----------------------------------------------------------- */

static FILE *open_output(const options *o)
{
    if (o->output == NULL) {
        return stdout;
    }
    FILE *f = fopen(o->output, "wb");
    if (f == NULL) {
        error_msg("cannot write %s: %s", o->output, strerror(errno));
    }
    return f;
}

typedef struct {
    unsigned long ok;
    int last_err;   /* exit code of the last failure */
    uint32_t *lat;  /* latency samples, microseconds */
    size_t nlat;
} run_result;

/* One request to completion: the loop of emhttp_request_sync(), waiting at
 * most a quarter second at a time so that the progress meter moves on
 * while the server is silent. */
static int run_one(emhttp_request *req, response_sink *sink)
{
    emhttp_port net = emhttp_posix_port(&st.net);
    int rc = emhttp_submit(&st.cli, req);
    while (rc == EMHTTP_OK) {
        (void)emhttp_poll(&st.cli);
        cli_progress_tick(&sink->progress);
        if (req->result != EMHTTP_PENDING) {
            return req->result;
        }
        unsigned flags = emhttp_wait_flags(&st.cli);
        if (!(flags & EMHTTP_WAIT_NOW)) {
            uint32_t ms = emhttp_next_timeout_ms(&st.cli);
            net.ops->wait(net.ctx, flags, sink->progress.enabled && ms > 250 ? 250 : ms);
        }
    }
    return rc;
}

/* The progress meter: on stderr when it is a terminal, unless -s, and not
 * while the body itself goes to the same terminal (curl's rule). */
static bool meter_wanted(const options *o, const response_sink *sink)
{
    return !o->silent && isatty(STDERR_FILENO) &&
           !(sink->out == stdout && isatty(STDOUT_FILENO));
}

/* -w: curl's variables, cumulative from the start as curl's are. */
static bool write_var(const emhttp_request *req, const response_sink *s, const char *name,
                      size_t len)
{
    const emhttp_timing *t = &req->timing;
    double lookup = t->resolve_ms / 1e3, connect = lookup + t->connect_ms / 1e3;
    double pre = connect + t->handshake_ms / 1e3;
    struct {
        const char *name;
        double secs;
    } times[] = {{"time_namelookup", lookup},
                 {"time_connect", connect},
                 {"time_appconnect", (t->flags & EMHTTP_TIMING_HANDSHAKE) ? pre : 0.0},
                 {"time_pretransfer", pre},
                 {"time_starttransfer", t->first_byte_ms / 1e3},
                 {"time_total", t->total_ms / 1e3}};
    struct {
        const char *name;
        unsigned long long n;
    } counts[] = {{"num_connects", t->connects},
                  {"num_redirects", t->redirects},
                  {"size_upload", t->body_sent},
                  {"size_download", s->body_bytes},
                  {"size_header", s->head_bytes}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        if (strlen(times[i].name) == len && !strncmp(name, times[i].name, len)) {
            return printf("%.6f", times[i].secs) >= 0;
        }
    }
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (strlen(counts[i].name) == len && !strncmp(name, counts[i].name, len)) {
            return printf("%llu", counts[i].n) >= 0;
        }
    }
    if (len == 9 && !strncmp(name, "http_code", 9)) {
        return printf("%03d", req->status) >= 0;
    }
    error_msg("unknown --write-out variable: '%.*s'", (int)len, name);
    return true;
}

static void write_out(const options *o, const emhttp_request *req, const response_sink *s)
{
    for (const char *f = o->write_out; f != NULL && *f != '\0'; f++) {
        const char *end;
        if (f[0] == '\\' && f[1] != '\0') {
            f++;
            switch (*f) {
            case 'n': putchar('\n'); break;
            case 'r': putchar('\r'); break;
            case 't': putchar('\t'); break;
            default: putchar('\\'); putchar(*f); /* (curl: any other as it is, "\\" too) */
            }
        } else if (f[0] == '%' && f[1] == '%') {
            putchar('%');
            f++;
        } else if (f[0] == '%' && f[1] == '{' && (end = strchr(f + 2, '}')) != NULL) {
            (void)write_var(req, s, f + 2, (size_t)(end - f - 2));
            f = end;
        } else {
            putchar(*f);
        }
    }
    fflush(stdout);
}

static void account(const options *o, const emhttp_request *req, int rc, response_sink *sink,
                    run_result *res)
{
    if (o->write_out != NULL) {
        write_out(o, req, sink);
    }
    if (rc == EMHTTP_OK && o->location && o->max_redirs == 0 && sink->location &&
        (req->status == 301 || req->status == 302 || req->status == 303 || req->status == 307 ||
         req->status == 308)) {
        error_msg("maximum (0) redirects followed");
        res->last_err = EXIT_TOO_MANY_REDIRECTS;
        return;
    }
    if (sink->write_failed) {
        error_msg("failure writing output to destination");
        res->last_err = EXIT_WRITE;
    } else if (rc != EMHTTP_OK) {
        report_error(o->url, rc);
        res->last_err = exit_code(rc);
    } else if (req->status >= 200 && req->status < 400) {
        res->ok++;
    } else if (o->fail && req->status >= 400) {
        error_msg("the requested URL returned error: %d", req->status);
        res->last_err = EXIT_HTTP_FAIL;
    }
}

static void run_requests(const options *o, emhttp_request *req, response_sink *sink,
                         run_result *res)
{
    bool meter = meter_wanted(o, sink);
    for (unsigned long i = 0; i < o->repeat && !sink->write_failed; i++) {
        if (i > 0 && !rewind_body()) {
            error_msg("-n: the body from standard input or a pipe is sent once only");
            res->last_err = EXIT_READ_FILE;
            break;
        }
        sink->print = o->include || o->head;
        sink->in_head = false;
        sink->location = false;
        sink->body_bytes = sink->head_bytes = 0;
        cli_progress_start(&sink->progress, meter);
        cli_trace_request(&trace);
        uint64_t t0 = cli_now_us();
        int rc = run_one(req, sink);
        uint64_t dt = cli_now_us() - t0;
        cli_progress_end(&sink->progress);
        if (res->lat != NULL) {
            res->lat[res->nlat++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
        }
        account(o, req, rc, sink, res);
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
    static response_sink sinks[MAX_PIPELINE]; /* each its own -w counts */
    static uint64_t t0[MAX_PIPELINE];
    size_t k = o->pipeline < MAX_PIPELINE ? o->pipeline : MAX_PIPELINE;
    unsigned long submitted = 0, done = 0;
    sink->print = false;
    for (size_t i = 0; i < k; i++) {
        rq[i] = *proto; /* (the prepared head is shared: it is only read) */
        rq[i].result = EMHTTP_OK;
        sinks[i] = *sink;
        rq[i].user = &sinks[i];
    }
    while (done < o->repeat) {
        for (size_t i = 0; i < k; i++) {
            if (rq[i].result == EMHTTP_PENDING) {
                continue;
            }
            if (t0[i] != 0) { /* completed */
                uint64_t dt = cli_now_us() - t0[i];
                if (res->lat != NULL) {
                    res->lat[res->nlat++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
                }
                account(o, &rq[i], rq[i].result, &sinks[i], res);
                sink->write_failed |= sinks[i].write_failed;
                sinks[i].body_bytes = sinks[i].head_bytes = 0;
                sinks[i].location = false;
                t0[i] = 0;
                done++;
            }
            if (submitted < o->repeat) {
                t0[i] = cli_now_us();
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

/* -T FILE to a URL whose path ends in '/': the file's name is appended
 * (curl's rule). */
static int upload_target(const options *o)
{
    size_t tl = strlen(st.target);
    if (o->upload == NULL || strcmp(o->upload, "-") == 0 || st.target[tl - 1] != '/') {
        return EXIT_OK;
    }
    const char *name = strrchr(o->upload, '/');
    name = name != NULL ? name + 1 : o->upload;
    if (tl + strlen(name) + 1 > sizeof st.target) {
        error_msg("URL path too long");
        return EXIT_URL;
    }
    memcpy(st.target + tl, name, strlen(name) + 1);
    return EXIT_OK;
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
        error_msg("malformed URL: %s", o->url);
        return EXIT_URL;
    }
    if (!CONFIG_EMHTTP_TLS && u->scheme != EMHTTP_SCHEME_HTTP) {
        error_msg("https is not supported by this build");
        return EXIT_UNSUPPORTED;
    }
    if (o->upload != NULL && o->data != NULL) {
        return usage_error("-T and -d / --data-binary / --json exclude each other", o->upload);
    }
    if ((o->data != NULL || o->upload != NULL) && (rc = load_body(o, body, body_len)) != EXIT_OK) {
        return rc;
    }
    if (o->json) {
        o->headers[o->nheaders++] = (emhttp_header)EMHTTP_HEADER("Content-Type", "application/json");
        o->headers[o->nheaders++] = (emhttp_header)EMHTTP_HEADER("Accept", "application/json");
    }
    if ((rc = add_auth(o)) != EXIT_OK) {
        return rc;
    }
    if ((rc = setup_client(o, u)) != EXIT_OK) {
        return rc;
    }
    return upload_target(o);
}

/* Flush and close the output: a failure there is curl's 23 too. */
static void close_output(response_sink *sink, run_result *res)
{
    bool bad = sink->out != NULL && fflush(sink->out) != 0;
    if (sink->out != NULL && sink->out != stdout && fclose(sink->out) != 0) {
        bad = true;
    }
    sink->out = NULL;
    if (bad && !sink->write_failed) {
        sink->write_failed = true;
        error_msg("failure writing output to destination");
        res->last_err = EXIT_WRITE;
    }
}

static void finish_up(options *o, response_sink *sink, run_result *res, uint8_t *body)
{
    close_output(sink, res);
    emhttp_client_close(&st.cli);
#if CONFIG_EMHTTP_TLS
    report_tls_memory(o);
    emhttp_tls_free(&st.tls);
    free_tls_away();
#endif
    emhttp_posix_deinit(&st.net);
    free(res->lat);
    forget_credentials(o);
#if CONFIG_EMHTTP_BODY_STREAM
    (void)body;
    if (bodyf.f != NULL && bodyf.f != stdin) {
        fclose(bodyf.f);
    }
#else
    if (o->upload != NULL || (o->data != NULL && o->data[0] == '@')) {
        free(body); /* read from a file by load_body() */
    }
#endif
}

int main(int argc, char **argv)
{
    options o;
    emhttp_url u;
    uint8_t *body = NULL;
    size_t body_len = 0;
    int rc = prepare(&o, &u, argc, argv, &body, &body_len);
    if (rc != EXIT_OK) {
        forget_credentials(&o);
        return rc;
    }
    response_sink sink = {.opt = &o, .out = open_output(&o)};
    if (sink.out == NULL) {
        forget_credentials(&o);
        return EXIT_WRITE;
    }
    const char *method = o.head ? "HEAD" : o.upload != NULL ? "PUT" : o.data != NULL ? "POST" : "GET";
    emhttp_request req = {
        .method = o.method != NULL ? o.method : method,
        .target = st.target, .headers = o.headers, .header_count = o.nheaders,
        .body = body, .body_len = body_len, .cbs = &print_cbs, .user = &sink,
    };
    bool streamed = false;
#if CONFIG_EMHTTP_BODY_STREAM
    if (bodyf.f != NULL) {
        req.body_fn = file_piece;
        streamed = true;
    }
#endif
    /* One request, sent N times: its head is formatted and checked once.
     * (If that fails, each submission reports the same error.) */
    (void)emhttp_request_prepare(&st.cli, &req, st.head, sizeof st.head);
    run_result res = {0, EXIT_OK, o.stats ? malloc(o.repeat * sizeof(uint32_t)) : NULL, 0};
    uint64_t t0 = cli_now_us();
    if (o.pipeline > 1 && o.repeat > 1 && !streamed) { /* (a streamed body never pipelines) */
        run_pipelined(&o, &req, &sink, &res);
    } else {
        run_requests(&o, &req, &sink, &res);
    }
    double secs = (double)(cli_now_us() - t0) / 1e6;
    if (o.stats) {
        print_stats(emhttp_client_stats(&st.cli), res.ok, secs, res.lat, res.nlat);
    }
    finish_up(&o, &sink, &res, body);
    return res.last_err;
}
