/*
 * fuzz_tls_records.c - garbage and truncated records as the server's
 * bytes, during and after the handshake, fed to the TLS transport
 * (core/src/tls.c) through the mock port of tls_pair.h.
 *
 * Input: data[0] picks the case (data[0] % 8), the rest drives it.
 *   0, 1  raw: the rest IS the server's byte stream from the first byte
 *         (then end of stream) - garbage during the handshake;
 *   2     full handshake against the in-process server, whose output is
 *         cut after the byte given by data[1..2] and replaced by the rest
 *         (empty rest = truncation);
 *   6, 7  the same for a resumed handshake (the saved session offered);
 *   3-5   a clean resumed handshake, then a program of operations, two
 *         bytes each: the server writes a record of the client's data, raw
 *         garbage is appended to the stream, a byte of the stream is
 *         flipped, the stream is truncated, close_notify, end of stream,
 *         the client reads with a small buffer, the client sends through a
 *         port that takes a few bytes per call.
 * Invariants (__builtin_trap on violation):
 *  - every result is one of the documented codes; a read never returns
 *    more than asked;
 *  - what the client reads is exactly a prefix of what the server wrote
 *    while the stream was not tampered with, and all of it once the
 *    untampered stream ends;
 *  - what the client sends arrives intact at the server;
 *  - every call returns (bounded loops; libFuzzer's -timeout catches a
 *    hang).
 *
 * Built with EMHTTP_FUZZ_STANDALONE (no libFuzzer) it runs the files of
 * the directories given as arguments, then generated cases of every kind.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>

#include "tls_pair.h"

static emhttp_tls cli;
static uint8_t session[4096];
static size_t session_len;

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static uint8_t take(input *in)
{
    if (in->n == 0) {
        return 0;
    }
    in->n--;
    return *in->p++;
}

static void require(bool ok)
{
    if (!ok) {
        __builtin_trap();
    }
}

static bool handshake_code(int rc)
{
    switch (rc) {
    case EMHTTP_OK:
    case EMHTTP_ERR_TLS_HANDSHAKE:
    case EMHTTP_ERR_TLS_CERT:
    case EMHTTP_ERR_TLS_PIN:
    case EMHTTP_ERR_TLS_CERT_UNTRUSTED:
    case EMHTTP_ERR_TLS_CERT_SELF_SIGNED:
    case EMHTTP_ERR_TLS_CERT_EXPIRED:
    case EMHTTP_ERR_TLS_CERT_HOSTNAME: return true;
    default: return false;
    }
}

static bool io_code(long n, size_t len)
{
    return (n >= 0 && (size_t)n <= len) || n == EMHTTP_ERR_CLOSED || n == EMHTTP_ERR_RESET ||
           n == EMHTTP_ERR_RECV || n == EMHTTP_ERR_SEND || n == EMHTTP_ERR_TLS;
}

static void setup_once(void)
{
    static int done;
    if (done) {
        return;
    }
    done = 1;
    pair_setup();
    emhttp_tls_config tc = pair_client_config();
    emhttp_transport p = pair_port();
    pair_reset(1);
    if (emhttp_tls_init(&cli, &tc) != EMHTTP_OK || emhttp_tls_begin(&cli, &p) != EMHTTP_OK ||
        pair_handshake(&cli, NULL) != EMHTTP_OK ||
        emhttp_tls_session_save(&cli, session, sizeof session, &session_len) != EMHTTP_OK) {
        abort();
    }
}

static void connect_pair(bool resume, uint64_t seed)
{
    emhttp_transport p = pair_port();
    emhttp_tls_end(&cli);
    if (resume) {
        require(emhttp_tls_session_load(&cli, session, session_len) == EMHTTP_OK);
    } else {
        emhttp_tls_forget_session(&cli);
    }
    pair_reset(seed);
    require(emhttp_tls_begin(&cli, &p) == EMHTTP_OK);
}

/* ---- after the handshake --------------------------------------------------- */

static struct {
    uint8_t want[1 << 16], got[1 << 16];
    size_t want_len, got_len;
    bool tampered, ended, dead;
} io;

static void client_read(size_t size)
{
    uint8_t buf[64];
    for (int i = 0; i < 10000 && !io.dead; i++) {
        long n = emhttp_tls_recv(&cli, buf, size);
        require(io_code(n, size));
        if (n <= 0) {
            io.dead = n < 0;
            return;
        }
        require(io.got_len + (size_t)n <= sizeof io.got);
        memcpy(io.got + io.got_len, buf, (size_t)n);
        io.got_len += (size_t)n;
        require(io.tampered || (io.got_len <= io.want_len &&
                                memcmp(io.got, io.want, io.got_len) == 0));
    }
}

static void server_write(input *in, size_t len)
{
    uint8_t data[2048];
    if (io.ended || io.want_len + len > sizeof io.want) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        data[i] = in->n > 0 ? take(in) : (uint8_t)i;
    }
    size_t off = 0;
    for (int i = 0; i < 64 && off < len; i++) {
        int n = mbedtls_ssl_write(&pair.srv, data + off, len - off);
        if (n <= 0) {
            break;
        }
        off += (size_t)n;
    }
    memcpy(io.want + io.want_len, data, off);
    io.want_len += off;
}

static void client_send(size_t len, size_t budget)
{
    uint8_t data[256], got[256];
    size_t off = 0, got_len = 0;
    for (size_t i = 0; i < len; i++) {
        data[i] = (uint8_t)(i * 31 + 7);
    }
    pair.send_budget = budget;
    for (int i = 0; i < 20000 && off < len && !io.dead; i++) {
        long n = emhttp_tls_send(&cli, data + off, len - off);
        require(io_code(n, len - off));
        io.dead = n < 0;
        off += n > 0 ? (size_t)n : 0;
    }
    pair.send_budget = 0;
    for (int i = 0; i < 64 && got_len < off; i++) {
        int n = mbedtls_ssl_read(&pair.srv, got + got_len, sizeof got - got_len);
        if (n <= 0) {
            break;
        }
        got_len += (size_t)n;
    }
    require(io.dead || (got_len == off && memcmp(got, data, off) == 0));
}

static void tamper(uint8_t op, uint8_t arg, input *in)
{
    pipe_t *s = &pair.s2c;
    size_t queued = pipe_len(s);
    if (op == 1) { /* raw garbage */
        uint8_t g[32];
        size_t k = (size_t)(arg % 32) + 1;
        for (size_t i = 0; i < k; i++) {
            g[i] = take(in);
        }
        pipe_put(s, g, k);
        io.tampered = true;
    } else if (op == 2 && queued > 0) { /* flip bits of a queued byte */
        s->buf[s->head + arg % queued] ^= (uint8_t)(take(in) | 1u);
        io.tampered = true;
    } else if (op == 3 && queued > 0) { /* truncate, then end of stream */
        size_t k = (size_t)(arg % 16) + 1;
        s->tail -= k < queued ? k : queued;
        s->eof = 1;
        io.tampered = io.ended = true;
    }
}

static void run_op(input *in)
{
    uint8_t op = take(in) % 8, arg = take(in);
    switch (op) {
    case 0: server_write(in, (size_t)arg * 8 + 1); break;
    case 4:
        if (!io.ended) {
            (void)mbedtls_ssl_close_notify(&pair.srv);
            io.ended = true;
        }
        break;
    case 5: client_read((size_t)(arg % 64) + 1); break;
    case 6: client_send((size_t)arg + 1, (size_t)(arg % 8)); break;
    case 7:
        pair.s2c.eof = 1;
        io.ended = true;
        break;
    default: tamper(op, arg, in); break;
    }
}

static void after_handshake(input *in)
{
    io.want_len = io.got_len = 0;
    io.tampered = io.ended = io.dead = false;
    for (int i = 0; i < 512 && in->n > 0 && !io.dead; i++) {
        run_op(in);
    }
    if (!io.ended) {
        pair.s2c.eof = 1;
    }
    client_read(64);
    require(io.tampered || !io.dead || io.got_len == io.want_len);
    require(io.tampered || (io.got_len == io.want_len && memcmp(io.got, io.want, io.got_len) == 0));
}

/* ---- the cases ------------------------------------------------------------ */

static void case_raw(input *in, uint64_t seed)
{
    connect_pair((seed & 1) != 0, seed);
    pair_cut(0, in->p, in->n);
    int rc = pair_handshake(&cli, NULL);
    require(handshake_code(rc));
}

static void case_cut(input *in, bool resume, uint64_t seed)
{
    size_t cut = (size_t)take(in) << 8;
    cut |= take(in);
    connect_pair(resume, seed);
    pair_cut(cut % (resume ? 512u : 2048u), in->p, in->n);
    int rc = pair_handshake(&cli, NULL);
    require(handshake_code(rc));
    if (rc == EMHTTP_OK) {
        uint8_t buf[64];
        for (int i = 0; i < 1000; i++) {
            long n = emhttp_tls_recv(&cli, buf, sizeof buf);
            require(io_code(n, sizeof buf));
            if (n <= 0) {
                break;
            }
        }
    }
}

static void case_records(input *in, uint64_t seed)
{
    connect_pair(true, seed);
    require(pair_handshake(&cli, NULL) == EMHTTP_OK);
    require(emhttp_tls_resumed(&cli));
    after_handshake(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    if (size == 0) {
        return 0;
    }
    input in = {data + 1, size - 1};
    uint64_t seed = 0x12345u + size * 0x9E37u + data[0];
    switch (data[0] % 8) {
    case 0:
    case 1: case_raw(&in, seed); break;
    case 2: case_cut(&in, false, seed); break;
    case 6:
    case 7: case_cut(&in, true, seed); break;
    default: case_records(&in, seed); break;
    }
    return 0;
}

#if defined(EMHTTP_FUZZ_STANDALONE)
/* ---- without libFuzzer: the corpus, then generated cases ------------------- */

static uint64_t gen = 0xC0FFEEu;

static uint8_t gen_byte(void)
{
    gen ^= gen << 13;
    gen ^= gen >> 7;
    gen ^= gen << 17;
    return (uint8_t)(gen >> 32);
}

static int run_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    static uint8_t buf[1 << 16];
    int n = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char name[4096];
        snprintf(name, sizeof name, "%s/%s", path, e->d_name);
        FILE *f = e->d_name[0] != '.' ? fopen(name, "rb") : NULL;
        if (f != NULL) {
            size_t len = fread(buf, 1, sizeof buf, f);
            fclose(f);
            LLVMFuzzerTestOneInput(buf, len);
            n++;
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

int main(int argc, char **argv)
{
    static uint8_t buf[2048];
    int files = 0, cases = 0;
    for (int i = 1; i < argc; i++) {
        files += run_dir(argv[i]);
    }
    for (int kind = 0; kind < 8; kind++) {
        int count = kind == 2 ? 24 : 200; /* full handshakes cost the most */
        for (int c = 0; c < count; c++, cases++) {
            size_t len = 1 + gen_byte() % 4 * 256 + gen_byte();
            for (size_t i = 0; i < len; i++) {
                buf[i] = gen_byte();
            }
            buf[0] = (uint8_t)(kind + 8 * (gen_byte() % 32));
            LLVMFuzzerTestOneInput(buf, len);
        }
    }
    printf("fuzz_tls_records: %d corpus files, %d generated cases, no crash\n", files, cases);
    return 0;
}
#endif
