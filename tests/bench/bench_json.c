/*
 * bench_json - emhttp's JSON writer and reader side by side with cJSON
 * (Debian's libcjson) on the same documents, reported as ratios.
 *
 *   gcc -std=c99 -O2 -Icore/include core/src/json_writer.c core/src/json_reader.c core/src/http_chars.c \
 *       tests/bench/bench_json.c -lcjson -o bench_json && ./bench_json [seconds]
 *
 * Writer: a telemetry document (16 channel readings in objects, plus
 * device and status objects), (a) with integers and fixed-point numbers,
 * (b) with doubles.  emhttp writes it into a buffer; cJSON builds the tree
 * and prints it with cJSON_PrintPreallocated (no print allocation), or
 * with cJSON_PrintUnformatted (allocating), then frees the tree.  Every
 * document is built from fresh values each time (nothing is cached).
 * Both outputs are checked once to hold the same values (cJSON_Compare).
 *
 * Reader: a response with 20 items; emhttp parses into tokens and looks up
 * 6 values by path; cJSON parses into a tree, looks up the same values
 * and frees the tree.
 *
 * Wall time: each case runs repeatedly for [seconds]/5 (default 2 s total
 * per case), five times; the best run counts.  A benchmark, not a test: it
 * never fails on speed (exit 1 only if the outputs disagree).
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emhttp/json_reader.h"
#include "emhttp/json_writer.h"

#define CHANNELS 16

static volatile unsigned long sink;
static unsigned long cjson_mallocs;

static void *count_malloc(size_t n)
{
    cjson_mallocs++;
    return malloc(n);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the telemetry document ------------------------------------------- */

typedef struct {
    int64_t temp_c100, hum_c100, vbat_mv; /* fixed point: 2, 2, 3 decimals */
    int64_t press_pa;
    double temp, hum, vbat, press_hpa;
    int ok;
} reading;

typedef struct {
    uint64_t seq, ts_ms;
    int64_t rssi, heap;
    reading r[CHANNELS];
} telemetry;

static void make_telemetry(telemetry *t, unsigned long i)
{
    int c;
    t->seq = i;
    t->ts_ms = 1700000000123u + i * 250u;
    t->rssi = -40 - (int64_t)(i % 50);
    t->heap = 48212 - (int64_t)(i % 1000);
    for (c = 0; c < CHANNELS; c++) {
        reading *r = &t->r[c];
        unsigned long k = i * 7u + (unsigned long)c * 131u;
        r->temp_c100 = 1800 + (int64_t)(k % 1500) - 300;
        r->hum_c100 = 3000 + (int64_t)(k % 4000);
        r->vbat_mv = 3300 + (int64_t)(k % 900);
        r->press_pa = 98000 + (int64_t)(k % 5000);
        r->temp = (double)r->temp_c100 / 100.0 + (double)(k % 7) * 0.001;
        r->hum = (double)r->hum_c100 / 100.0;
        r->vbat = (double)r->vbat_mv / 1000.0 + 0.0001 * (double)(k % 3);
        r->press_hpa = (double)r->press_pa / 100.0 + 0.003;
        r->ok = (k % 11) != 0;
    }
}

static size_t emhttp_write_telemetry(const telemetry *t, uint8_t *buf, size_t size, int doubles)
{
    emhttp_jw w;
    int c;
    emhttp_jw_init(&w, buf, size);
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "device");
    emhttp_jw_string(&w, "sensor-0042");
    emhttp_jw_key(&w, "fw");
    emhttp_jw_string(&w, "1.4.2");
    emhttp_jw_key(&w, "seq");
    emhttp_jw_uint(&w, t->seq);
    emhttp_jw_key(&w, "ts");
    emhttp_jw_uint(&w, t->ts_ms);
    emhttp_jw_key(&w, "readings");
    emhttp_jw_array(&w);
    for (c = 0; c < CHANNELS; c++) {
        const reading *r = &t->r[c];
        emhttp_jw_object(&w);
        emhttp_jw_key(&w, "ch");
        emhttp_jw_int(&w, c);
        if (doubles) {
            emhttp_jw_key(&w, "temp");
            emhttp_jw_double(&w, r->temp);
            emhttp_jw_key(&w, "hum");
            emhttp_jw_double(&w, r->hum);
            emhttp_jw_key(&w, "press");
            emhttp_jw_double(&w, r->press_hpa);
            emhttp_jw_key(&w, "vbat");
            emhttp_jw_double(&w, r->vbat);
        } else {
            emhttp_jw_key(&w, "temp");
            emhttp_jw_fixed(&w, r->temp_c100, 2);
            emhttp_jw_key(&w, "hum");
            emhttp_jw_fixed(&w, r->hum_c100, 2);
            emhttp_jw_key(&w, "press");
            emhttp_jw_int(&w, r->press_pa);
            emhttp_jw_key(&w, "vbat");
            emhttp_jw_fixed(&w, r->vbat_mv, 3);
        }
        emhttp_jw_key(&w, "ok");
        emhttp_jw_bool(&w, r->ok);
        emhttp_jw_object_end(&w);
    }
    emhttp_jw_array_end(&w);
    emhttp_jw_key(&w, "status");
    emhttp_jw_object(&w);
    emhttp_jw_key(&w, "rssi");
    emhttp_jw_int(&w, t->rssi);
    emhttp_jw_key(&w, "heap");
    emhttp_jw_int(&w, t->heap);
    emhttp_jw_key(&w, "errors");
    emhttp_jw_int(&w, 0);
    emhttp_jw_object_end(&w);
    emhttp_jw_object_end(&w);
    return (size_t)emhttp_jw_finish(&w);
}

static cJSON *cjson_build_telemetry(const telemetry *t, int doubles)
{
    cJSON *root = cJSON_CreateObject(), *arr, *st;
    int c;
    cJSON_AddStringToObject(root, "device", "sensor-0042");
    cJSON_AddStringToObject(root, "fw", "1.4.2");
    cJSON_AddNumberToObject(root, "seq", (double)t->seq);
    cJSON_AddNumberToObject(root, "ts", (double)t->ts_ms);
    arr = cJSON_AddArrayToObject(root, "readings");
    for (c = 0; c < CHANNELS; c++) {
        const reading *r = &t->r[c];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "ch", c);
        if (doubles) {
            cJSON_AddNumberToObject(o, "temp", r->temp);
            cJSON_AddNumberToObject(o, "hum", r->hum);
            cJSON_AddNumberToObject(o, "press", r->press_hpa);
            cJSON_AddNumberToObject(o, "vbat", r->vbat);
        } else { /* cJSON has no fixed point: the same decimal as a double */
            cJSON_AddNumberToObject(o, "temp", (double)r->temp_c100 / 100.0);
            cJSON_AddNumberToObject(o, "hum", (double)r->hum_c100 / 100.0);
            cJSON_AddNumberToObject(o, "press", (double)r->press_pa);
            cJSON_AddNumberToObject(o, "vbat", (double)r->vbat_mv / 1000.0);
        }
        cJSON_AddBoolToObject(o, "ok", r->ok);
        cJSON_AddItemToArray(arr, o);
    }
    st = cJSON_AddObjectToObject(root, "status");
    cJSON_AddNumberToObject(st, "rssi", (double)t->rssi);
    cJSON_AddNumberToObject(st, "heap", (double)t->heap);
    cJSON_AddNumberToObject(st, "errors", 0);
    return root;
}

/* ---- timing ------------------------------------------------------------ */

typedef unsigned long (*bench_fn)(unsigned long i, int arg);

static double budget_s = 0.4; /* per timed run; 5 runs per case */

/* Best time per call in ns. */
static double measure(bench_fn fn, int arg)
{
    double best = 1e30;
    int run;
    for (run = 0; run < 5; run++) {
        unsigned long n = 0, acc = 0;
        double t0 = now_s(), t;
        do {
            int k;
            for (k = 0; k < 64; k++, n++) {
                acc += fn(n, arg);
            }
            t = now_s() - t0;
        } while (t < budget_s);
        sink += acc;
        if (t / (double)n < best) {
            best = t / (double)n;
        }
    }
    return best * 1e9;
}

static uint8_t out[8192];
static char cbuf[8192];

static unsigned long run_emhttp_writer(unsigned long i, int doubles)
{
    telemetry t;
    make_telemetry(&t, i);
    return emhttp_write_telemetry(&t, out, sizeof out, doubles) + out[40];
}

static unsigned long run_cjson_prealloc(unsigned long i, int doubles)
{
    telemetry t;
    cJSON *root;
    unsigned long n;
    make_telemetry(&t, i);
    root = cjson_build_telemetry(&t, doubles);
    cJSON_PrintPreallocated(root, cbuf, (int)sizeof cbuf, 0);
    n = (unsigned long)(unsigned char)cbuf[40];
    cJSON_Delete(root);
    return n;
}

static unsigned long run_cjson_unformatted(unsigned long i, int doubles)
{
    telemetry t;
    cJSON *root;
    char *s;
    unsigned long n;
    make_telemetry(&t, i);
    root = cjson_build_telemetry(&t, doubles);
    s = cJSON_PrintUnformatted(root);
    n = (unsigned long)(unsigned char)s[40];
    cJSON_free(s);
    cJSON_Delete(root);
    return n;
}

static unsigned long run_make_only(unsigned long i, int doubles)
{
    telemetry t;
    (void)doubles;
    make_telemetry(&t, i);
    return (unsigned long)t.r[3].temp_c100;
}

/* Both writers give the same values (cJSON parses both). */
static int same_document(int doubles)
{
    telemetry t;
    cJSON *root, *a, *b;
    size_t n;
    int same;
    make_telemetry(&t, 12345);
    n = emhttp_write_telemetry(&t, out, sizeof out, doubles);
    root = cjson_build_telemetry(&t, doubles);
    cJSON_PrintPreallocated(root, cbuf, (int)sizeof cbuf, 0);
    a = cJSON_ParseWithLength((const char *)out, n);
    b = cJSON_Parse(cbuf);
    same = a && b && cJSON_Compare(a, b, 1);
    printf("  sample (%s): %.*s...\n", doubles ? "doubles" : "ints + fixed", 150, (const char *)out);
    cJSON_Delete(root);
    cJSON_Delete(a);
    cJSON_Delete(b);
    return same;
}

static int bench_writer(int doubles)
{
    telemetry t;
    double base, em, pre, unf;
    size_t len;
    unsigned long m0;
    cJSON *root;
    make_telemetry(&t, 1);
    len = emhttp_write_telemetry(&t, out, sizeof out, doubles);
    m0 = cjson_mallocs;
    root = cjson_build_telemetry(&t, doubles);
    cJSON_Delete(root);
    printf("\nwriter, telemetry document with %s (%zu bytes, cJSON: %lu allocations per "
           "tree, emhttp: 0)\n",
           doubles ? "doubles" : "integers and fixed point", len, cjson_mallocs - m0);
    if (!same_document(doubles)) {
        printf("  MISMATCH: the two documents differ\n");
        return 1;
    }
    base = measure(run_make_only, doubles); /* making the values, subtracted */
    em = measure(run_emhttp_writer, doubles) - base;
    pre = measure(run_cjson_prealloc, doubles) - base;
    unf = measure(run_cjson_unformatted, doubles) - base;
    printf("  emhttp writer                     %9.0f ns/doc  %7.1f MB/s\n", em,
           (double)len / em * 1e3);
    printf("  cJSON tree + PrintPreallocated    %9.0f ns/doc  emhttp is %5.1fx faster\n", pre,
           pre / em);
    printf("  cJSON tree + PrintUnformatted     %9.0f ns/doc  emhttp is %5.1fx faster\n", unf,
           unf / em);
    return 0;
}

/* ---- reader ------------------------------------------------------------ */

static char resp[8192];
static size_t resp_len;
static emhttp_json_tok toks[512];

static void make_response(void)
{
    int k;
    size_t n = (size_t)snprintf(resp, sizeof resp,
                                "{\"status\":\"ok\",\"request_id\":\"4f1c2a9e-77b0\",\"data\":"
                                "{\"count\":20,\"items\":[");
    for (k = 0; k < 20; k++) {
        n += (size_t)snprintf(resp + n, sizeof resp - n,
                              "%s{\"id\":%d,\"name\":\"item-%02d\",\"value\":%.3f,\"enabled\":%s,"
                              "\"tags\":[\"a\",\"b\",\"c\"]}",
                              k ? "," : "", 1000 + k, k, k * 1.25 + 0.001, k % 3 ? "true" : "false");
    }
    n += (size_t)snprintf(resp + n, sizeof resp - n,
                          "]},\"next\":\"cursor-abcdef\",\"config\":{\"interval_s\":60,"
                          "\"threshold\":23.5}}");
    resp_len = n;
}

static unsigned long run_emhttp_reader(unsigned long i, int arg)
{
    emhttp_jr r;
    int64_t id = 0, interval = 0;
    double value = 0, thr = 0;
    bool en = false;
    char st[16];
    (void)i;
    (void)arg;
    if (emhttp_jr_parse(&r, resp, resp_len, toks, 512) < 0) {
        return 0;
    }
    emhttp_jr_string(&r, emhttp_jr_find(&r, 0, "status"), st, sizeof st);
    emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "data.items[7].id"), &id);
    emhttp_jr_double(&r, emhttp_jr_find(&r, 0, "data.items[19].value"), &value);
    emhttp_jr_bool(&r, emhttp_jr_find(&r, 0, "data.items[12].enabled"), &en);
    emhttp_jr_int(&r, emhttp_jr_find(&r, 0, "config.interval_s"), &interval);
    emhttp_jr_double(&r, emhttp_jr_find(&r, 0, "config.threshold"), &thr);
    return (unsigned long)id + (unsigned long)value + en + (unsigned long)interval +
           (unsigned long)thr + (unsigned char)st[0];
}

static unsigned long run_cjson_reader(unsigned long i, int arg)
{
    cJSON *root = cJSON_ParseWithLength(resp, resp_len), *data, *items, *cfg;
    char st[16];
    unsigned long v;
    (void)i;
    (void)arg;
    if (root == NULL) {
        return 0;
    }
    data = cJSON_GetObjectItemCaseSensitive(root, "data");
    items = cJSON_GetObjectItemCaseSensitive(data, "items");
    cfg = cJSON_GetObjectItemCaseSensitive(root, "config");
    snprintf(st, sizeof st, "%s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "status")));
    v = (unsigned long)cJSON_GetNumberValue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, 7), "id")) +
        (unsigned long)cJSON_GetNumberValue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, 19), "value")) +
        (unsigned long)cJSON_IsTrue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, 12), "enabled")) +
        (unsigned long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cfg, "interval_s")) +
        (unsigned long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cfg, "threshold")) +
        (unsigned char)st[0];
    cJSON_Delete(root);
    return v;
}

static int bench_reader(void)
{
    double em, cj;
    unsigned long a, b, m0;
    make_response();
    m0 = cjson_mallocs;
    a = run_emhttp_reader(0, 0);
    b = run_cjson_reader(0, 0);
    printf("\nreader, response of %zu bytes: parse + 6 lookups (cJSON: %lu allocations, "
           "emhttp: 0, %d tokens)\n",
           resp_len, cjson_mallocs - m0, emhttp_jr_parse(&(emhttp_jr){0}, resp, resp_len, toks, 512));
    if (a != b) {
        printf("  MISMATCH: %lu != %lu\n", a, b);
        return 1;
    }
    em = measure(run_emhttp_reader, 0);
    cj = measure(run_cjson_reader, 0);
    printf("  emhttp parse + find               %9.0f ns/doc  %7.1f MB/s\n", em,
           (double)resp_len / em * 1e3);
    printf("  cJSON_Parse + lookups + Delete    %9.0f ns/doc  emhttp is %5.1fx faster\n", cj,
           cj / em);
    return 0;
}

/* One function per case, so that callgrind reports each on its own line. */
static unsigned long cg_make(unsigned long i, int a) { return run_make_only(i, a); }
static unsigned long cg_emhttp_writer_fixed(unsigned long i, int a) { return run_emhttp_writer(i, a); }
static unsigned long cg_emhttp_writer_double(unsigned long i, int a) { return run_emhttp_writer(i, a); }
static unsigned long cg_cjson_prealloc_fixed(unsigned long i, int a) { return run_cjson_prealloc(i, a); }
static unsigned long cg_cjson_prealloc_double(unsigned long i, int a) { return run_cjson_prealloc(i, a); }
static unsigned long cg_cjson_unformatted_fixed(unsigned long i, int a) { return run_cjson_unformatted(i, a); }
static unsigned long cg_cjson_unformatted_double(unsigned long i, int a) { return run_cjson_unformatted(i, a); }
static unsigned long cg_emhttp_reader(unsigned long i, int a) { return run_emhttp_reader(i, a); }
static unsigned long cg_cjson_reader(unsigned long i, int a) { return run_cjson_reader(i, a); }

/* --iterations N: run every case N times, untimed, for callgrind:
 *   valgrind --tool=callgrind --callgrind-out-file=cg.out ./bench_json --iterations 200
 *   callgrind_annotate --inclusive=yes cg.out | grep cg_
 * (instructions per document = the count / N; subtract cg_make from the
 * writer cases). */
static void run_counted(unsigned long n)
{
    static const struct {
        bench_fn fn;
        int arg;
    } cases[] = {{cg_make, 0},
                 {cg_emhttp_writer_fixed, 0},     {cg_emhttp_writer_double, 1},
                 {cg_cjson_prealloc_fixed, 0},    {cg_cjson_prealloc_double, 1},
                 {cg_cjson_unformatted_fixed, 0}, {cg_cjson_unformatted_double, 1},
                 {cg_emhttp_reader, 0},           {cg_cjson_reader, 0}};
    size_t c;
    unsigned long i;
    make_response();
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (i = 0; i < n; i++) {
            sink += cases[c].fn(i, cases[c].arg);
        }
    }
}

int main(int argc, char **argv)
{
    cJSON_Hooks hooks = {count_malloc, free};
    int bad = 0;
    cJSON_InitHooks(&hooks);
    if (argc > 2 && strcmp(argv[1], "--iterations") == 0) {
        run_counted(strtoul(argv[2], NULL, 10));
        return 0;
    }
    if (argc > 1) {
        budget_s = atof(argv[1]) / 5.0;
    }
    printf("bench_json: emhttp JSON vs cJSON %s, best of 5 runs of %.2f s each\n", cJSON_Version(),
           budget_s);
    bad |= bench_writer(0);
    bad |= bench_writer(1);
    bad |= bench_reader();
    return bad;
}
