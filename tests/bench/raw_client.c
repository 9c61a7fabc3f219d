/*
 * raw_client - the "raw socket" benchmark peer for emhttp.
 *
 * Sends one prebuilt request (POST PATH, Host, Content-Type and Accept
 * application/json, Content-Length, the body) N times over one blocking
 * keep-alive TCP connection and parses only what it must: the end of the
 * head ("\r\n\r\n"), the status code 200 and Content-Length.  It is the
 * floor an HTTP client can reach; emhttp's budget is set against it.
 *
 *   raw_client HOST PORT PATH BODYFILE N
 *   -> requests=N secs=F req_per_s=F ok=N connects=1     (stdout)
 *
 * Exit 0 when every response was a 200, 1 otherwise, 2 on usage errors.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "bench_peer.h"

#define REQ_MAX (BODY_MAX + 1024)
#define RBUF_SIZE 65536

static char req[REQ_MAX];
static char rbuf[RBUF_SIZE];

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints, *res, *ai;
    int fd = -1, one = 1, rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "raw_client: %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "raw_client: connect %s:%s: %s\n", host, port,
                strerror(errno));
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Content-Length value in head[0..len), or -1 when absent. */
static long content_length(const char *head, size_t len)
{
    static const char name[] = "\r\ncontent-length:";
    const size_t nlen = sizeof name - 1;
    size_t i;

    for (i = 0; i + nlen <= len; i++) {
        if (head[i] == '\r' && strncasecmp(head + i, name, nlen) == 0) {
            const char *p = head + i + nlen, *end = head + len;
            long v = 0;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (p == end || *p < '0' || *p > '9')
                return -1;
            while (p < end && *p >= '0' && *p <= '9')
                v = v * 10 + (*p++ - '0');
            return v;
        }
    }
    return -1;
}

/*
 * Read one response.  *have bytes are already in rbuf (left over from the
 * previous read); on return *have holds what follows this response.
 * Returns the status code, or -1 on error / EOF.
 */
static int read_response(int fd, size_t *have)
{
    char *end = NULL;
    size_t head_len, total;
    long cl;
    int status;

    for (;;) {
        end = memmem(rbuf, *have, "\r\n\r\n", 4);
        if (end != NULL)
            break;
        if (*have == RBUF_SIZE)
            return -1;
        ssize_t k = recv(fd, rbuf + *have, RBUF_SIZE - *have, 0);
        if (k <= 0)
            return -1;
        *have += (size_t)k;
    }
    head_len = (size_t)(end - rbuf) + 4;
    if (*have < 12 || memcmp(rbuf, "HTTP/1.", 7) != 0)
        return -1;
    status = (rbuf[9] - '0') * 100 + (rbuf[10] - '0') * 10 + (rbuf[11] - '0');
    cl = content_length(rbuf, head_len);
    if (cl < 0)
        return -1;
    total = head_len + (size_t)cl;
    /* Drain the body; only a body larger than the buffer is read in parts. */
    while (*have < total) {
        size_t room = RBUF_SIZE - *have;
        if (room == 0) {
            total -= *have;
            *have = 0;
            room = RBUF_SIZE;
        }
        ssize_t k = recv(fd, rbuf + *have, room, 0);
        if (k <= 0)
            return -1;
        *have += (size_t)k;
    }
    memmove(rbuf, rbuf + total, *have - total);
    *have -= total;
    return status;
}

int main(int argc, char **argv)
{
    static char body[BODY_MAX + 1];
    const char *host, *port, *path;
    long n, i, ok = 0, body_len;
    size_t have = 0;
    int fd, req_len;
    bench_clock clk;

    if (argc != 6) {
        fprintf(stderr, "usage: raw_client HOST PORT PATH BODYFILE N\n");
        return 2;
    }
    host = argv[1];
    port = argv[2];
    path = argv[3];
    n = bench_count("raw_client", argv[5]);
    if (n <= 0)
        return 2;
    body_len = bench_read_file("raw_client", argv[4], body, sizeof body);
    if (body_len < 0)
        return 2;
    req_len = snprintf(req, sizeof req,
                       "POST %s HTTP/1.1\r\n"
                       "Host: %s:%s\r\n"
                       "Content-Type: application/json\r\n"
                       "Accept: application/json\r\n"
                       "Content-Length: %ld\r\n"
                       "\r\n",
                       path, host, port, body_len);
    if (req_len < 0 || (size_t)req_len + (size_t)body_len > sizeof req) {
        fprintf(stderr, "raw_client: request too large\n");
        return 2;
    }
    memcpy(req + req_len, body, (size_t)body_len);
    req_len += (int)body_len;

    bench_start(&clk, 0, 0); /* the connect is timed; no latencies */
    fd = connect_to(host, port);
    if (fd < 0)
        return 1;
    for (i = 0; i < n; i++) {
        int status;
        if (send_all(fd, req, (size_t)req_len) != 0) {
            fprintf(stderr, "raw_client: send: %s\n", strerror(errno));
            break;
        }
        status = read_response(fd, &have);
        if (status < 0) {
            fprintf(stderr, "raw_client: bad or no response to request %ld\n",
                    i + 1);
            break;
        }
        if (status == 200)
            ok++;
    }
    bench_report(&clk, i, ok, 1);
    close(fd);
    return ok == n ? 0 : 1;
}
