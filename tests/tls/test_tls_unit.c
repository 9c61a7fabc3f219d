/*
 * test_tls_unit - the TLS transport (core/src/tls.c) against an in-process
 * mbedTLS server through a mock port (tls_pair.h): configuration checks,
 * the handshake one step per call, resumption, partial writes, records
 * larger than the caller's buffer, end of stream, resets, pins, host
 * names, saved sessions, and garbage or truncated server bytes.
 */
#include "check.h"
#include "tls_pair.h"

#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

static emhttp_tls tls;

static void connect_fresh(emhttp_tls *t, uint64_t seed)
{
    pair_reset(seed);
    emhttp_transport p = pair_port();
    CHECK_EQ_INT(emhttp_tls_begin(t, &p), EMHTTP_OK);
}

static int init_with(emhttp_tls *t, emhttp_tls_config tc) { return emhttp_tls_init(t, &tc); }

static void test_config_errors(void)
{
    emhttp_tls_config tc = pair_client_config();
    CHECK_EQ_INT(emhttp_tls_init(NULL, &tc), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_tls_init(&tls, NULL), EMHTTP_ERR_ARG);
    tc.hostname = NULL;
    CHECK_EQ_INT(init_with(&tls, tc), EMHTTP_ERR_ARG);
    tc = pair_client_config();
    tc.ca = NULL;
    CHECK_EQ_INT(init_with(&tls, tc), EMHTTP_ERR_ARG); /* no CA, not insecure */
    tc = pair_client_config();
    tc.pin_count = CONFIG_EMHTTP_TLS_MAX_PINS + 1;
    tc.pins = pair.der;
    CHECK_EQ_INT(init_with(&tls, tc), EMHTTP_ERR_ARG);
    tc = pair_client_config();
    tc.max_frag_len = 3000;
    CHECK_EQ_INT(init_with(&tls, tc), EMHTTP_ERR_ARG);
    static const uint8_t junk[] = {0x30, 0x03, 0x01, 0x02, 0x03};
    tc = pair_client_config();
    tc.ca = junk;
    tc.ca_len = sizeof junk;
    CHECK_EQ_INT(init_with(&tls, tc), EMHTTP_ERR_TLS_CONFIG);
    CHECK(emhttp_tls_last_error(&tls) < 0);
    static const char pem_junk[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    tc.ca = (const uint8_t *)pem_junk;
    tc.ca_len = sizeof pem_junk; /* the NUL counts: PEM */
    CHECK_EQ_INT(init_with(&tls, tc), EMHTTP_ERR_TLS_CONFIG);
    emhttp_tls_free(&tls); /* after a failed init: harmless */
    emhttp_tls_free(NULL);
}

/* One mbedTLS step per call: a full handshake takes many calls, several
 * of them "go on at once" (want 0, ready). */
static void test_full_then_resumed(void)
{
    CHECK_EQ_INT(init_with(&tls, pair_client_config()), EMHTTP_OK);
    connect_fresh(&tls, 1);
    CHECK(emhttp_tls_ready(&tls));
    int full_steps = 0, resumed_steps = 0;
    CHECK_EQ_INT(pair_handshake(&tls, &full_steps), EMHTTP_OK);
    CHECK(!emhttp_tls_resumed(&tls));
    CHECK_EQ_INT(emhttp_tls_verify_flags(&tls), 0);
    CHECK(full_steps >= 12);
    emhttp_tls_end(&tls);
    CHECK(pipe_len(&pair.c2s) > 0); /* close_notify */
    connect_fresh(&tls, 2);
    CHECK_EQ_INT(pair_handshake(&tls, &resumed_steps), EMHTTP_OK);
    CHECK(emhttp_tls_resumed(&tls));
    CHECK(resumed_steps < full_steps);
    emhttp_tls_forget_session(&tls);
    connect_fresh(&tls, 3);
    CHECK_EQ_INT(pair_handshake(&tls, NULL), EMHTTP_OK);
    CHECK(!emhttp_tls_resumed(&tls));
}

#if defined(MBEDTLS_ECP_RESTARTABLE)
/* Full handshake; counts the steps that returned with nothing to wait
 * for (no I/O: a handshake state, or an ECC operation that yielded). */
static int full_handshake_idle_steps(uint64_t seed)
{
    int idle = 0;
    emhttp_tls_forget_session(&tls);
    connect_fresh(&tls, seed);
    for (int i = 0; i < 4000; i++) {
        int rc = pair_handshake_step(&tls);
        if (rc != EMHTTP_PENDING) {
            CHECK_EQ_INT(rc, EMHTTP_OK);
            break;
        }
        idle += emhttp_tls_want(&tls) == 0;
    }
    emhttp_tls_end(&tls);
    return idle;
}

/* With a restartable mbedTLS, a poll never runs a whole ECC operation:
 * the same handshake takes many more no-I/O steps with the limit on. */
static void test_ecc_split_across_polls(void)
{
    CHECK_EQ_INT(init_with(&tls, pair_client_config()), EMHTTP_OK);
    mbedtls_ecp_set_max_ops(0);
    int whole = full_handshake_idle_steps(11);
    mbedtls_ecp_set_max_ops(CONFIG_EMHTTP_TLS_ECP_MAX_OPS);
    int split = full_handshake_idle_steps(12);
    fprintf(stderr, "  full handshake, steps without I/O: %d whole, %d with %d ECC ops a poll\n",
            whole, split, CONFIG_EMHTTP_TLS_ECP_MAX_OPS);
    CHECK(split >= whole + 10);
    emhttp_tls_free(&tls);
}
#endif

/* Partial writes and "no room now": the same bytes are offered again. */
static void test_send_partial(void)
{
    static uint8_t data[3000], got[3000];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i * 7);
    }
    connect_fresh(&tls, 4);
    CHECK_EQ_INT(pair_handshake(&tls, NULL), EMHTTP_OK);
    pair.send_budget = 7;
    size_t off = 0, got_len = 0;
    for (int i = 0; i < 100000 && off < sizeof data; i++) {
        long n = emhttp_tls_send(&tls, data + off, sizeof data - off);
        CHECK(n >= 0);
        off += n > 0 ? (size_t)n : 0;
    }
    CHECK_EQ_INT(off, sizeof data);
    while (got_len < sizeof got) {
        int n = mbedtls_ssl_read(&pair.srv, got + got_len, sizeof got - got_len);
        if (n <= 0) {
            break;
        }
        got_len += (size_t)n;
    }
    CHECK_EQ_MEM(got, got_len, data, sizeof data);
}

/* A record larger than the caller's buffer: the rest stays in mbedTLS and
 * emhttp_tls_ready() says so (the client then polls without waiting). */
static void test_recv_small_buffer(void)
{
    static uint8_t data[900], got[900];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(i ^ 0x5A);
    }
    CHECK_EQ_INT(mbedtls_ssl_write(&pair.srv, data, sizeof data), (int)sizeof data);
    CHECK(!emhttp_tls_ready(&tls)); /* nothing decrypted yet: wait for the socket */
    size_t got_len = 0;
    long n = emhttp_tls_recv(&tls, got, 100);
    CHECK_EQ_INT(n, 100);
    got_len += (size_t)n;
    CHECK(emhttp_tls_ready(&tls));
    while (emhttp_tls_ready(&tls)) {
        n = emhttp_tls_recv(&tls, got + got_len, 64);
        CHECK(n > 0);
        got_len += n > 0 ? (size_t)n : 0;
    }
    CHECK_EQ_MEM(got, got_len, data, sizeof data);
    CHECK_EQ_INT(emhttp_tls_recv(&tls, got, sizeof got), 0); /* nothing more now */
}

static void test_end_of_stream(void)
{
    uint8_t buf[64];
    CHECK_EQ_INT(mbedtls_ssl_close_notify(&pair.srv), 0);
    CHECK_EQ_INT(emhttp_tls_recv(&tls, buf, sizeof buf), EMHTTP_ERR_CLOSED);
    connect_fresh(&tls, 5);
    CHECK_EQ_INT(pair_handshake(&tls, NULL), EMHTTP_OK);
    pair.s2c.eof = 1; /* TCP EOF without close_notify: forgeable, an abort */
    CHECK_EQ_INT(emhttp_tls_recv(&tls, buf, sizeof buf), EMHTTP_ERR_RESET);
    connect_fresh(&tls, 6);
    CHECK_EQ_INT(pair_handshake(&tls, NULL), EMHTTP_OK);
    pair.recv_reset = 1;
    CHECK_EQ_INT(emhttp_tls_recv(&tls, buf, sizeof buf), EMHTTP_ERR_RESET);
    pair.send_reset = 1;
    CHECK_EQ_INT(emhttp_tls_send(&tls, buf, sizeof buf), EMHTTP_ERR_RESET);
    emhttp_tls_end(&tls); /* best effort, never fails */
}

static void test_bad_server_bytes(void)
{
    static const uint8_t garbage[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    uint8_t buf[64];
    connect_fresh(&tls, 7);
    pair_cut(0, garbage, sizeof garbage - 1); /* not TLS at all */
    CHECK_EQ_INT(pair_handshake(&tls, NULL), EMHTTP_ERR_TLS_HANDSHAKE);
    CHECK(emhttp_tls_last_error(&tls) < 0);
    connect_fresh(&tls, 8);
    pair_cut(100, NULL, 0); /* the server's first flight, truncated */
    CHECK_EQ_INT(pair_handshake(&tls, NULL), EMHTTP_ERR_TLS_HANDSHAKE);
    connect_fresh(&tls, 9);
    CHECK_EQ_INT(pair_handshake(&tls, NULL), EMHTTP_OK);
    pipe_put(&pair.s2c, garbage, 5); /* a bogus record header after the handshake */
    pipe_put(&pair.s2c, garbage, sizeof garbage - 1);
    long n = emhttp_tls_recv(&tls, buf, sizeof buf);
    CHECK(n == EMHTTP_ERR_TLS || n == 0);
}

static void test_pins_and_names(void)
{
    emhttp_tls_config tc = pair_client_config();
    uint8_t pins[2 * EMHTTP_TLS_PIN_LEN] = {0};
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    CHECK_EQ_INT(mbedtls_x509_crt_parse_der(&crt, pair.der, pair.der_len), 0);
    CHECK_EQ_INT(mbedtls_sha256_ret(crt.pk_raw.p, crt.pk_raw.len, pins + EMHTTP_TLS_PIN_LEN, 0),
                 0);
    mbedtls_x509_crt_free(&crt);
    static emhttp_tls t2;
    tc.pins = pins;
    tc.pin_count = 2; /* the second one matches */
    CHECK_EQ_INT(init_with(&t2, tc), EMHTTP_OK);
    connect_fresh(&t2, 10);
    CHECK_EQ_INT(pair_handshake(&t2, NULL), EMHTTP_OK);
    emhttp_tls_free(&t2);
    tc.pin_count = 1; /* only the wrong one: refused, also without verification */
    tc.insecure = true;
    CHECK_EQ_INT(init_with(&t2, tc), EMHTTP_OK);
    connect_fresh(&t2, 11);
    CHECK_EQ_INT(pair_handshake(&t2, NULL), EMHTTP_ERR_TLS_PIN);
    emhttp_tls_free(&t2);
    tc = pair_client_config();
    tc.hostname = "example.com";
    CHECK_EQ_INT(init_with(&t2, tc), EMHTTP_OK);
    connect_fresh(&t2, 12);
    CHECK_EQ_INT(pair_handshake(&t2, NULL), EMHTTP_ERR_TLS_CERT_HOSTNAME);
    CHECK(emhttp_tls_verify_flags(&t2) & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    emhttp_tls_free(&t2);
    tc.hostname = "127.0.0.1"; /* an IP literal needs an iPAddress name */
    CHECK_EQ_INT(init_with(&t2, tc), EMHTTP_OK);
    connect_fresh(&t2, 13);
    CHECK_EQ_INT(pair_handshake(&t2, NULL), EMHTTP_ERR_TLS_CERT_HOSTNAME);
    emhttp_tls_free(&t2);
    tc = pair_client_config();
    tc.insecure = true;
    tc.ca = NULL;
    tc.hostname = "example.com";
    CHECK_EQ_INT(init_with(&t2, tc), EMHTTP_OK);
    connect_fresh(&t2, 14);
    CHECK_EQ_INT(pair_handshake(&t2, NULL), EMHTTP_OK);
    CHECK(emhttp_tls_verify_flags(&t2) != 0); /* reported, not enforced */
    emhttp_tls_free(&t2);
}

/* A saved session survives in caller memory (deep sleep) and resumes. */
static void test_session_save_load(void)
{
    static uint8_t saved[4096];
    static emhttp_tls t2;
    size_t len = 0;
    connect_fresh(&tls, 15);
    CHECK_EQ_INT(pair_handshake(&tls, NULL), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_tls_session_save(&tls, saved, 4, &len), EMHTTP_ERR_TLS_CONFIG);
    CHECK_EQ_INT(emhttp_tls_session_save(&tls, saved, sizeof saved, &len), EMHTTP_OK);
    CHECK(len > 0 && len <= sizeof saved);
    CHECK_EQ_INT(init_with(&t2, pair_client_config()), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_tls_session_save(&t2, saved, sizeof saved, &len), EMHTTP_ERR_ARG);
    CHECK_EQ_INT(emhttp_tls_session_load(&t2, saved, 3), EMHTTP_ERR_TLS_CONFIG);
    CHECK_EQ_INT(emhttp_tls_session_save(&tls, saved, sizeof saved, &len), EMHTTP_OK);
    CHECK_EQ_INT(emhttp_tls_session_load(&t2, saved, len), EMHTTP_OK);
    connect_fresh(&t2, 16);
    CHECK_EQ_INT(pair_handshake(&t2, NULL), EMHTTP_OK);
    CHECK(emhttp_tls_resumed(&t2));
    emhttp_tls_free(&t2);
    emhttp_tls_free(&tls);
}

int main(void)
{
    pair_setup();
    RUN(test_config_errors);
    RUN(test_full_then_resumed);
    RUN(test_send_partial);
    RUN(test_recv_small_buffer);
    RUN(test_end_of_stream);
    RUN(test_bad_server_bytes);
    RUN(test_pins_and_names);
    RUN(test_session_save_load);
#if defined(MBEDTLS_ECP_RESTARTABLE)
    RUN(test_ecc_split_across_polls);
#endif
    return check_summary();
}
