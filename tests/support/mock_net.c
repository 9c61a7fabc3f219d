/*
 * mock_net.c - the scripted mock port and transport (mock_net.h says what
 * each part does).
 */
#define _GNU_SOURCE /* memmem */
#include "mock_net.h"

#include <stdio.h>
#include <string.h>

#include "emhttp/error.h"

mock_net MN;

void mn_reset(void)
{
    memset(&MN, 0, sizeof MN);
    MN.now = 1000;
    MN.resolve_start_rc = EMHTTP_PENDING;
    MN.dns_rc = EMHTTP_OK;
    MN.naddrs = 1;
    for (int i = 0; i < 4; i++) {
        MN.addrs[i] = (emhttp_ip_addr){EMHTTP_AF_INET, {192, 0, 2, (uint8_t)(1 + i)}};
    }
    MN.connect_poll_rc = EMHTTP_PENDING;
    MN.handshake_rc = EMHTTP_OK;
    MN.send_fail_rc = EMHTTP_ERR_SEND;
}

void mn_clear_sent(void)
{
    memset(MN.sent, 0, sizeof MN.sent);
    MN.sent_len = 0;
    MN.scan = MN.line_scan = MN.head_start = 0;
    MN.body_left = 0;
}

void mn_push(const void *p, size_t n)
{
    if (MN.in_wr + n > sizeof MN.in) { /* the test's own bug: say so */
        fprintf(stderr, "mock_net: stream full\n");
        MN.misuse++;
        n = sizeof MN.in - MN.in_wr;
    }
    memcpy(MN.in + MN.in_wr, p, n);
    MN.in_wr += n;
}

void mn_push_str(const char *s) { mn_push(s, strlen(s)); }

void mn_end(int rc) { MN.in_end = rc; }

void mn_script(int type, int gate, const char *data)
{
    if (MN.nscript >= MN_SCRIPT) {
        fprintf(stderr, "mock_net: script full\n");
        MN.misuse++;
        return;
    }
    MN.script[MN.nscript++] = (mn_action){type, gate, data};
}

void mn_connect_all(int rc)
{
    for (int i = MN.attempts < MN_ATTEMPTS ? MN.attempts : MN_ATTEMPTS - 1; i < MN_ATTEMPTS; i++) {
        MN.connect_rc[i] = rc;
    }
}

static bool script_due(void) { return MN.next < MN.nscript && MN.script[MN.next].gate <= MN.heads; }

bool mn_readable(void)
{
    return MN.in_wr > MN.in_rd || MN.in_end != 0 || MN.pending_read || script_due();
}

static bool writable(void)
{
    if (MN.connecting && MN.connect_poll_rc == EMHTTP_PENDING) {
        return false;
    }
    return MN.window == 0 || MN.in_wr - MN.in_rd < MN.window;
}

/* ---- port ----------------------------------------------------------------- */

static uint32_t m_now(void *ctx)
{
    (void)ctx;
    return MN.now;
}
static int m_resolve_start(void *ctx, const char *host)
{
    (void)ctx;
    (void)host;
    MN.resolves++;
    MN.query = MN.resolve_start_rc == EMHTTP_PENDING || MN.resolve_start_rc == EMHTTP_OK;
    return MN.resolve_start_rc;
}
static int m_resolve_poll(void *ctx, emhttp_ip_addr *out, size_t max, size_t *n)
{
    (void)ctx;
    if (!MN.query) {
        MN.misuse++;
        return EMHTTP_ERR_DNS;
    }
    if (MN.dns_rc == EMHTTP_PENDING) {
        return EMHTTP_PENDING;
    }
    MN.query = false;
    if (MN.dns_rc != EMHTTP_OK) {
        return MN.dns_rc;
    }
    *n = MN.naddrs < max ? MN.naddrs : max;
    memcpy(out, MN.addrs, *n * sizeof *out);
    return EMHTTP_OK;
}
static void m_resolve_cancel(void *ctx)
{
    (void)ctx;
    MN.resolve_cancels++;
    MN.query = false;
}

int mn_wait_default(unsigned flags, uint32_t timeout_ms)
{
    if ((flags & EMHTTP_WAIT_WRITE) && writable()) {
        return EMHTTP_OK;
    }
    if ((flags & EMHTTP_WAIT_READ) && mn_readable()) {
        return EMHTTP_OK;
    }
    /* Simulated time: nothing else can happen, so jump to the deadline. */
    MN.now += timeout_ms == UINT32_MAX ? 1000 : (timeout_ms > 0 ? timeout_ms : 1);
    return EMHTTP_OK;
}
static int m_wait(void *ctx, unsigned flags, uint32_t timeout_ms)
{
    (void)ctx;
    return MN.wait != NULL ? MN.wait(flags, timeout_ms) : mn_wait_default(flags, timeout_ms);
}

const emhttp_port_ops mn_port_ops = {.now_ms = m_now,
                                     .resolve_start = m_resolve_start,
                                     .resolve_poll = m_resolve_poll,
                                     .resolve_cancel = m_resolve_cancel,
                                     .wait = m_wait};
const emhttp_port_ops mn_port_ops_nowait = {.now_ms = m_now,
                                            .resolve_start = m_resolve_start,
                                            .resolve_poll = m_resolve_poll,
                                            .resolve_cancel = m_resolve_cancel};

/* ---- transport ------------------------------------------------------------ */

static void established(void)
{
    MN.connecting = false;
    MN.open = true;
    MN.connects++;
    MN.in_rd = MN.in_wr = 0; /* a fresh stream */
    MN.in_end = 0;
    MN.want_now = false;
    if (MN.on_connect != NULL) {
        MN.on_connect();
    }
}

static int m_connect(void *ctx, const char *host, const emhttp_ip_addr *a, uint16_t port)
{
    (void)ctx;
    (void)host;
    if (MN.open || MN.connecting) {
        MN.misuse++; /* "any previous connection has been closed" */
    }
    MN.last_addr = *a;
    MN.last_port = port;
    int rc = MN.connect_rc[MN.attempts < MN_ATTEMPTS ? MN.attempts : MN_ATTEMPTS - 1];
    MN.attempts++;
    if (rc == EMHTTP_OK) {
        established();
    } else if (rc == EMHTTP_PENDING) {
        MN.connecting = true;
    }
    return rc; /* EMHTTP_ERR_CONNECT, or what an offloaded TLS socket reports */
}
static int m_connect_poll(void *ctx)
{
    (void)ctx;
    if (!MN.connecting) {
        MN.misuse++;
        return EMHTTP_ERR_CONNECT;
    }
    int rc = MN.connect_poll_rc;
    if (rc == EMHTTP_OK) {
        established();
    } else if (rc != EMHTTP_PENDING) {
        MN.connecting = false;
    }
    return rc;
}

/* Request lines and complete heads in what was sent (MN.sent[0, end)). */
static void count_heads(size_t end)
{
    for (;;) {
        const char *l = memmem(MN.sent + MN.line_scan, end - MN.line_scan, " HTTP/1.1\r\n", 11);
        if (l == NULL) {
            break;
        }
        MN.lines++;
        MN.line_scan = (size_t)(l - MN.sent) + 11;
    }
    if (end > MN.line_scan + 10) {
        MN.line_scan = end - 10; /* a line cut by the end is found next time */
    }
    while (MN.scan < end) {
        if (MN.body_left > 0) {
            size_t k = end - MN.scan < MN.body_left ? end - MN.scan : MN.body_left;
            MN.scan += k;
            MN.body_left -= k;
            continue;
        }
        if (MN.scan + 4 > end) {
            return;
        }
        if (memcmp(MN.sent + MN.scan, "\r\n\r\n", 4) != 0) {
            MN.scan++;
            continue;
        }
        size_t head_end = MN.scan + 4;
        const char *cl = memmem(MN.sent + MN.head_start, head_end - MN.head_start,
                                "\r\nContent-Length: ", 18);
        MN.body_left = 0;
        for (const char *d = cl != NULL ? cl + 18 : ""; *d >= '0' && *d <= '9'; d++) {
            MN.body_left = MN.body_left * 10 + (size_t)(*d - '0');
        }
        MN.scan = head_end;
        MN.head_start = head_end + MN.body_left;
        int k = ++MN.heads;
        if (k <= MN_HEADS) {
            MN.head_conn[k - 1] = MN.connects;
        }
        if (MN.want_from_head != 0 && k >= MN.want_from_head) {
            MN.want_now = true;
        }
        const char *a = k < MN_HEADS && MN.on_head[k] != NULL ? MN.on_head[k] : MN.answer;
        if (a != NULL) {
            size_t len = k < MN_HEADS && MN.on_head[k] != NULL && MN.on_head_len[k] != 0
                             ? MN.on_head_len[k]
                             : strlen(a);
            mn_push(a, len);
        }
    }
}

static long gather(const emhttp_iov *iov, size_t cnt)
{
    if (!MN.open) {
        MN.misuse++;
        return EMHTTP_ERR_SEND;
    }
    size_t offered = 0;
    for (size_t i = 0; i < cnt; i++) {
        offered += iov[i].len;
    }
    if (MN.before_send != NULL) {
        long r = MN.before_send(offered);
        if (r != 1) {
            return r;
        }
    }
    if (offered > MN.max_offer) {
        MN.max_offer = offered;
    }
    if (MN.stall_head != 0 && MN.heads >= MN.stall_head) {
        MN.stall_head = 0;
        return 0;
    }
    if (MN.send_fail > 0) {
        MN.send_fail--;
        return MN.send_fail_rc;
    }
    MN.send_calls++;
    if (MN.send_zero > 0) {
        MN.send_zero--;
        return 0;
    }
    if (!writable()) {
        return 0; /* the server stopped reading: its bytes are not read */
    }
    size_t room = MN.accept_max != 0 ? MN.accept_max : SIZE_MAX;
    size_t total = 0;
    for (size_t i = 0; i < cnt && room > 0; i++) {
        size_t k = iov[i].len < room ? iov[i].len : room;
        if (MN.server == NULL && MN.sent_len + k > sizeof MN.sent) {
            MN.misuse++;
            return EMHTTP_ERR_SEND;
        }
        size_t logged = sizeof MN.sent - MN.sent_len < k ? sizeof MN.sent - MN.sent_len : k;
        memcpy(MN.sent + MN.sent_len, iov[i].base, logged);
        MN.sent_len += logged;
        MN.sent_total += k;
        count_heads(MN.sent_len);
        if (MN.server != NULL) {
            MN.server(iov[i].base, k);
        }
        total += k;
        room -= k;
        if (MN.window != 0) {
            break; /* with a window: a little at a time */
        }
    }
    if (MN.send_fail_at_line != 0 && MN.lines >= MN.send_fail_at_line) {
        MN.send_fail_at_line = 0;
        return EMHTTP_ERR_RESET;
    }
    return (long)total;
}

static long m_send(void *ctx, const uint8_t *p, size_t n, unsigned flags)
{
    (void)ctx;
    (void)flags;
    emhttp_iov one = {p, n};
    return gather(&one, 1);
}
static long m_sendv(void *ctx, const emhttp_iov *iov, size_t cnt)
{
    (void)ctx;
    return gather(iov, cnt);
}

static long m_recv(void *ctx, uint8_t *p, size_t n)
{
    (void)ctx;
    MN.recvs++;
    if (!MN.open) {
        MN.misuse++;
        return EMHTTP_ERR_RECV;
    }
    if (MN.before_recv != NULL) {
        long r = MN.before_recv();
        if (r != 1) {
            return r;
        }
    }
    if (MN.recv_err != 0 && MN.heads >= MN.recv_err_head) {
        int e = MN.recv_err;
        MN.recv_err = 0;
        return e;
    }
    if (MN.in_rd == MN.in_wr && MN.in_end == 0 && script_due()) {
        const mn_action *a = &MN.script[MN.next++];
        if (a->type == MN_DATA) {
            mn_push_str(a->data);
        } else {
            mn_end(a->type == MN_CLOSED ? EMHTTP_ERR_CLOSED : EMHTTP_ERR_RESET);
        }
    }
    size_t avail = MN.in_wr - MN.in_rd;
    if (avail == 0) {
        return MN.in_end;
    }
    size_t k = avail < n ? avail : n;
    memcpy(p, MN.in + MN.in_rd, k);
    MN.in_rd += k;
    return (long)k;
}

static void m_close(void *ctx)
{
    (void)ctx;
    MN.open = MN.connecting = false;
    MN.in_rd = MN.in_wr = 0; /* what was not read dies with the connection */
    MN.in_end = 0;
}

static int m_handshake(void *ctx)
{
    (void)ctx;
    MN.handshakes++;
    return MN.handshake_rc;
}
static unsigned m_want(void *ctx, unsigned dir)
{
    (void)ctx;
    if (MN.want_now && dir == EMHTTP_WAIT_READ) {
        return EMHTTP_WAIT_NOW;
    }
    return dir != 0 ? dir : EMHTTP_WAIT_READ; /* a handshake waits for the server */
}

const emhttp_transport_ops mn_tcp = {.connect = m_connect,
                                     .connect_poll = m_connect_poll,
                                     .send = m_send,
                                     .sendv = m_sendv,
                                     .recv = m_recv,
                                     .close = m_close};
const emhttp_transport_ops mn_tcp_nogather = {.connect = m_connect,
                                              .connect_poll = m_connect_poll,
                                              .send = m_send,
                                              .recv = m_recv,
                                              .close = m_close};
const emhttp_transport_ops mn_tcp_want = {.connect = m_connect,
                                          .connect_poll = m_connect_poll,
                                          .send = m_send,
                                          .recv = m_recv,
                                          .close = m_close,
                                          .want = m_want};
const emhttp_transport_ops mn_secure = {.flags = EMHTTP_TRANSPORT_SECURE,
                                        .connect = m_connect,
                                        .connect_poll = m_connect_poll,
                                        .handshake = m_handshake,
                                        .send = m_send,
                                        .recv = m_recv,
                                        .close = m_close,
                                        .want = m_want};
