/*
 * test_http_parser.c - unit tests of the HTTP/1.1 response parser.
 *
 * Every case of the table is run (a) in one piece, (b) split into two feeds
 * at every split point and (c) one byte at a time, through an emulated
 * client receive buffer: unconsumed bytes stay at its front and new bytes
 * are appended, as the buffer contract in http_parser.h asks.
 *
 * The file is built with the default options and against the minimal
 * configuration (cmake/minimal/emhttp_config.h): cases that need an option
 * are under #if, and each option has cases for its absence
 * (CONFIG_EMHTTP_CHUNKED: Transfer-Encoding refused with
 * EMHTTP_ERR_UNSUPPORTED; CONFIG_EMHTTP_LENGTH_64: lengths over 2^32-1
 * refused; CONFIG_EMHTTP_KEEPALIVE_HINT: the timeout stays 0).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "emhttp/http_parser.h"

#define RAW(s) .in = (s), .in_len = sizeof(s) - 1
/* The Keep-Alive timeout expected for "timeout=n". */
#define KAT(n) (CONFIG_EMHTTP_KEEPALIVE_HINT ? (n) : 0u)
#define BUF_SIZE 4096

typedef struct tcase {
    const char *name;
    const char *in;       /* raw bytes received */
    size_t in_len;
    bool head;            /* response to a HEAD request */
    bool eof;             /* the peer closes after the input */
    int rc;               /* expected result (of the feeds, then eof) */
    int status;           /* expected emhttp_parser_status() */
    const char *headers;  /* reported headers, "name=value\n" each */
    const char *body;     /* concatenated body; NULL: not compared */
    bool ka;              /* keep_alive (checked on EMHTTP_OK) */
    uint32_t kat;         /* keepalive_timeout (checked on EMHTTP_OK) */
    size_t consumed;      /* bytes of the response on OK; 0: the whole input */
    size_t max_head;      /* 0: 1024 */
    const char *abort_on; /* "status", "done", "body" or a header name */
} tcase;

#define NGINX_HEAD                                                             \
    "HTTP/1.1 200 OK\r\n"                                                      \
    "Server: nginx/1.22.1\r\n"                                                 \
    "Date: Mon, 06 Nov 2023 08:49:37 GMT\r\n"                                  \
    "Content-Type: application/json\r\n"                                       \
    "Content-Length: 11\r\n"                                                   \
    "Connection: keep-alive\r\n"                                               \
    "\r\n"
#define NGINX_HDRS                                                             \
    "Server=nginx/1.22.1\nDate=Mon, 06 Nov 2023 08:49:37 GMT\n"                \
    "Content-Type=application/json\nContent-Length=11\nConnection=keep-alive\n"
#define OK_CL2 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

static const tcase cases[] = {
    /* ---- framing by Content-Length ---- */
    {.name = "nginx keep-alive", RAW(NGINX_HEAD "{\"ok\":true}"), .rc = EMHTTP_OK,
     .status = 200, .headers = NGINX_HDRS, .body = "{\"ok\":true}", .ka = true},
    {.name = "content-length 0", RAW("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Content-Length=0\n", .body = "", .ka = true},
    {.name = "bare LF, no reason", RAW("HTTP/1.1 200\nContent-Length: 3\n\nabc"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Content-Length=3\n", .body = "abc", .ka = true},
    {.name = "empty reason", RAW("HTTP/1.1 404 \r\nContent-Length:1\r\n\r\nx"), .rc = EMHTTP_OK,
     .status = 404, .headers = "Content-Length=1\n", .body = "x", .ka = true},
    {.name = "value trimmed, names keep case",
     RAW("HTTP/1.1 200 OK\r\nX-A:\t a b \t\r\nx-empty:\r\nCONTENT-LENGTH:  2  \r\n\r\nhi"),
     .rc = EMHTTP_OK, .status = 200, .headers = "X-A=a b\nx-empty=\nCONTENT-LENGTH=2\n",
     .body = "hi", .ka = true},
    {.name = "obs-text in value and reason",
     RAW("HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\nX: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200, .headers = "X=caf\xc3\xa9\nContent-Length=0\n", .body = "",
     .ka = true},
    {.name = "obs-text C1 bytes before SP and TAB",
     RAW("HTTP/1.1 200 \x85 \x9f\tOK\r\nX-Obs: a\x80 b\x9f\tc\x81\x01"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "", .body = ""},
    {.name = "obs-text C1 bytes, long value",
     RAW("HTTP/1.1 200 OK\r\nX-Obs: abcdefg\x85 \x9f\t\x80 hijklmnopqrstuvwxyz\x90  \r\nContent-Length: 0\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200,
     .headers = "X-Obs=abcdefg\x85 \x9f\t\x80 hijklmnopqrstuvwxyz\x90\nContent-Length=0\n", .body = "", .ka = true},
    {.name = "same CL twice", RAW("HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Content-Length=2\ncontent-length=2\n", .body = "ok",
     .ka = true},
    {.name = "CL list 5, 5", RAW("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Content-Length=5, 5\n", .body = "hello", .ka = true},
    {.name = "CL leading zeros", RAW("HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Content-Length=003\n", .body = "abc", .ka = true},
    {.name = "CL 2^32-1 accepted", RAW("HTTP/1.1 200 OK\r\nContent-Length: 4294967295\r\n\r\nab"),
     .rc = EMHTTP_PENDING, .status = 200, .headers = "Content-Length=4294967295\n", .body = "ab"},
    {.name = "CL 2^32-1 twice, leading zeros",
     RAW("HTTP/1.1 200 OK\r\nContent-Length: 004294967295 , 4294967295\r\n\r\nab"),
     .rc = EMHTTP_PENDING, .status = 200, .headers = "Content-Length=004294967295 , 4294967295\n",
     .body = "ab"},
#if CONFIG_EMHTTP_LENGTH_64
    {.name = "CL 2^63-1 accepted", RAW("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nab"),
     .rc = EMHTTP_PENDING, .status = 200, .headers = "Content-Length=9223372036854775807\n", .body = "ab"},
    {.name = "CL 2^32 accepted", RAW("HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\nab"),
     .rc = EMHTTP_PENDING, .status = 200, .headers = "Content-Length=4294967296\n", .body = "ab"},
#else
    {.name = "CL 2^32", RAW("HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\nab"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL 2^32 + 4", RAW("HTTP/1.1 200 OK\r\nContent-Length: 4294967300\r\n\r\nab"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL 11 digits", RAW("HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\nab"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL 2^63-1", RAW("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nab"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL 5, 2^32 + 5", RAW("HTTP/1.1 200 OK\r\nContent-Length: 5, 4294967301\r\n\r\nhello"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL 2^32, HEAD", .head = true,
     RAW("HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
#endif
    {.name = "CL different values", RAW("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "Content-Length=2\n", .body = ""},
    {.name = "CL list 5, 6", RAW("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL empty element", RAW("HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\nhello"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL negative", RAW("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL plus sign", RAW("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL non-numeric", RAW("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL inner space", RAW("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL empty", RAW("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL over UINT64", RAW("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL 2^63", RAW("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200, .headers = "", .body = ""},
    {.name = "CL + chunked",
     RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200,
     .headers = "Content-Length=5\nTransfer-Encoding=chunked\n", .body = ""},
    {.name = "chunked + CL",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200,
     .headers = "Transfer-Encoding=chunked\nContent-Length=5\n", .body = ""},

    /* ---- chunked ---- */
#if CONFIG_EMHTTP_CHUNKED
    {.name = "chunked, extensions, trailers",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5;name=value\r\nhello\r\n6 ; q=\"a;b\\\"c\" ;x\r\n world\r\n0;last\r\n"
         "X-Trailer: t\r\nX-Other: u\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "hello world",
     .ka = true},
    /* bare LF ends the head's and the trailers' lines (RFC 9112 2.2), never
     * the chunk framing's (7.1: CRLF) */
    {.name = "chunked, hex case, leading zeros, bare LF in head and trailers",
     RAW("HTTP/1.1 200 OK\nTransfer-Encoding: CHUNKED\n\n000A\r\n0123456789\r\nb\r\nabcdefghijk\r\n"
         "00000000000000001\r\nZ\r\n0\r\nX-T: 1\n\n"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Transfer-Encoding=CHUNKED\n",
     .body = "0123456789abcdefghijkZ", .ka = true},
    {.name = "bare LF after chunk size",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nhi\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "bare LF after chunk extension",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b\nhi\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "bare LF after chunk data",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "hi"},
    {.name = "bare LF after last chunk",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\n\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "hi"},
    {.name = "bare LF ends the trailer section",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\n" OK_CL2),
     .rc = EMHTTP_OK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "hi",
     .ka = true, .consumed = 58},
    /* RFC 9112 6.1: chunked at most once (the first field is reported) */
    {.name = "chunked twice in one field",
     RAW("HTTP/1.1 200 OK\r\nX-A: b\r\nTransfer-Encoding: chunked, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "X-A=b\n", .body = ""},
    {.name = "chunked twice, empty element between",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,,chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "", .body = ""},
    {.name = "chunked twice, another coding between",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "", .body = ""},
    {.name = "chunked twice in two fields",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
         "2\r\nhi\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunked twice, 204",
     RAW("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 204, .headers = "", .body = ""},
    {.name = "chunked twice after Content-Length",
     RAW("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
         "2\r\nhi\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200,
     .headers = "Content-Length=1\nTransfer-Encoding=chunked, chunked\n", .body = ""},
    {.name = "chunked twice before Content-Length",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n"
         "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200,
     .headers = "Transfer-Encoding=chunked\nContent-Length=1\nTransfer-Encoding=chunked\n", .body = ""},
    {.name = "chunked once in an interim response, once in the final",
     RAW("HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: chunked\r\n\r\n"
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "hi",
     .ka = true},
    /* RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty
     * framing: decoded, then the connection is closed (issue 18, item 6) */
    {.name = "HTTP/1.0 chunked: decoded, not kept",
     RAW("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "hello",
     .ka = false},
    {.name = "HTTP/1.0 chunked, Connection: keep-alive: not kept",
     RAW("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
         "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" OK_CL2),
     .rc = EMHTTP_OK, .status = 200,
     .headers = "Connection=keep-alive\nKeep-Alive=timeout=5\nTransfer-Encoding=chunked\n",
     .body = "ok", .ka = false, .kat = KAT(5), .consumed = 106},
    {.name = "gzip, chunked",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Transfer-Encoding=gzip, chunked\n", .body = "zz",
     .ka = true},
    {.name = "chunked not final: close-delimited",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nzz\r\n0\r\n\r\n"),
     .eof = true, .rc = EMHTTP_OK, .status = 200, .headers = "Transfer-Encoding=chunked, gzip\n",
     .body = "2\r\nzz\r\n0\r\n\r\n", .ka = false},
    {.name = "second TE header decides",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\nxy"),
     .eof = true, .rc = EMHTTP_OK, .status = 200,
     .headers = "Transfer-Encoding=chunked\nTransfer-Encoding=gzip\n", .body = "xy", .ka = false},
    {.name = "chunk size 17 hex digits",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nx"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk size 17 f",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nx"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk size 8 f accepted",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0ffffffff\r\nxyz"),
     .rc = EMHTTP_PENDING, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "xyz"},
#if CONFIG_EMHTTP_LENGTH_64
    {.name = "chunk size 16 f accepted",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nxyz"),
     .rc = EMHTTP_PENDING, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "xyz"},
    {.name = "chunk size 2^32 accepted",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000000\r\nxyz"),
     .rc = EMHTTP_PENDING, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "xyz"},
#else
    {.name = "chunk size 2^32",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000000\r\nxyz"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk size 16 f",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nxyz"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
#endif
    {.name = "chunk size non-hex",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk size junk after",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk size empty",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk size only extension",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;a=b\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk size negative",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk extension with CTL",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a\rb\r\nhello\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk-size line too long", .max_head = 64,
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5;aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nhello"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunk data without CRLF",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "hello"},
    {.name = "chunk data CR without LF",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX0\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_CHUNK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "hello"},
    {.name = "bad trailer line",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T : v\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "a"},
    {.name = "trailer section too large", .max_head = 64,
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n"
         "X-T: 0123456789012345678901234567890123456789\r\nX-U: 0123456789\r\n\r\n"),
     .rc = EMHTTP_ERR_HEADER_TOO_LARGE, .status = 200, .headers = "Transfer-Encoding=chunked\n",
     .body = "a"},
    {.name = "trailer section counted apart", .max_head = 64,
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n"
         "X-T: 012345678901234567890123456789012345678901234567890123\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "a", .ka = true},
    {.name = "eof mid-chunk",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), .eof = true,
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "hel"},
    {.name = "pipelined after chunked",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n" OK_CL2),
     .rc = EMHTTP_OK, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "a", .ka = true,
     .consumed = 58},
    {.name = "empty Transfer-Encoding: close-delimited",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\nxy"), .eof = true, .rc = EMHTTP_OK,
     .status = 200, .headers = "Transfer-Encoding=\n", .body = "xy", .ka = false},
#else
    /* without CONFIG_EMHTTP_CHUNKED: any Transfer-Encoding on a response
     * with a body is refused once the header section is complete */
    {.name = "chunked refused",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_UNSUPPORTED, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunked refused, bare LF, more headers",
     RAW("HTTP/1.1 200 OK\nServer: x\nTransfer-Encoding: CHUNKED\nX-After: y\n\n0\n\n"),
     .rc = EMHTTP_ERR_UNSUPPORTED, .status = 200,
     .headers = "Server=x\nTransfer-Encoding=CHUNKED\nX-After=y\n", .body = ""},
    {.name = "chunked refused, head only, eof", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .eof = true, .rc = EMHTTP_ERR_UNSUPPORTED, .status = 200, .headers = "Transfer-Encoding=chunked\n",
     .body = ""},
    {.name = "gzip refused",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxy"), .eof = true,
     .rc = EMHTTP_ERR_UNSUPPORTED, .status = 200, .headers = "Transfer-Encoding=gzip\n", .body = ""},
    {.name = "empty Transfer-Encoding refused",
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\nxy"), .eof = true,
     .rc = EMHTTP_ERR_UNSUPPORTED, .status = 200, .headers = "Transfer-Encoding=\n", .body = ""},
    {.name = "chunked refused, HTTP/1.0",
     RAW("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_UNSUPPORTED, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "chunked refused after interim",
     RAW("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
         "1\r\na\r\n0\r\n\r\n"),
     .rc = EMHTTP_ERR_UNSUPPORTED, .status = 201, .headers = "Transfer-Encoding=chunked\n", .body = ""},
    {.name = "abort before chunked refused", RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .rc = EMHTTP_ERR_ABORTED, .status = 200, .headers = "Transfer-Encoding=chunked\n", .body = "",
     .abort_on = "Transfer-Encoding"},
#endif
    /* with and without CONFIG_EMHTTP_CHUNKED */
    {.name = "TE in interim response ignored",
     RAW("HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n" OK_CL2),
     .rc = EMHTTP_OK, .status = 200, .headers = "Content-Length=2\n", .body = "ok", .ka = true},

    /* ---- close-delimited, no body ---- */
    {.name = "close-delimited body", RAW("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nabc\r\ndef"), .eof = true,
     .rc = EMHTTP_OK, .status = 200, .headers = "Server=x\n", .body = "abc\r\ndef", .ka = false},
    {.name = "close-delimited, empty body", RAW("HTTP/1.1 200 OK\r\n\r\n"), .eof = true,
     .rc = EMHTTP_OK, .status = 200, .headers = "", .body = "", .ka = false},
    {.name = "close-delimited, no eof yet", RAW("HTTP/1.1 200 OK\r\n\r\nabc"), .rc = EMHTTP_PENDING,
     .status = 200, .headers = "", .body = "abc"},
    {.name = "HEAD with CL", .head = true,
     RAW("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" OK_CL2), .rc = EMHTTP_OK, .status = 200,
     .headers = "Content-Length=100\n", .body = "", .ka = true, .consumed = 40},
    {.name = "HEAD with chunked", .head = true,
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), .rc = EMHTTP_OK, .status = 200,
     .headers = "Transfer-Encoding=chunked\n", .body = "", .ka = true},
    {.name = "HEAD with gzip, pipelined", .head = true,
     RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n" OK_CL2), .rc = EMHTTP_OK, .status = 200,
     .headers = "Transfer-Encoding=gzip\n", .body = "", .ka = true, .consumed = 44},
    {.name = "HEAD with CL and chunked", .head = true,
     RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 200,
     .headers = "Content-Length=5\nTransfer-Encoding=chunked\n", .body = ""},
    {.name = "204 with chunked", RAW("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n" OK_CL2),
     .rc = EMHTTP_OK, .status = 204, .headers = "Transfer-Encoding=chunked\n", .body = "", .ka = true,
     .consumed = 55},
    {.name = "304 with chunked", RAW("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 304, .headers = "Transfer-Encoding=chunked\n", .body = "", .ka = true},
    {.name = "304 with CL and chunked",
     RAW("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
     .rc = EMHTTP_ERR_BAD_LENGTH, .status = 304,
     .headers = "Transfer-Encoding=chunked\nContent-Length=5\n", .body = ""},
    {.name = "HEAD without length", .head = true, RAW("HTTP/1.1 200 OK\r\n\r\n"), .rc = EMHTTP_OK,
     .status = 200, .headers = "", .body = "", .ka = true},
    {.name = "204 with CL", RAW("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n" OK_CL2),
     .rc = EMHTTP_OK, .status = 204, .headers = "Content-Length=5\n", .body = "", .ka = true,
     .consumed = 46},
    {.name = "304 with CL", RAW("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 304, .headers = "Content-Length=5\n", .body = "", .ka = true},
    {.name = "304 without length", RAW("HTTP/1.1 304 Not Modified\r\n\r\n"), .rc = EMHTTP_OK,
     .status = 304, .headers = "", .body = "", .ka = true},

    /* ---- interim responses ---- */
    {.name = "100 and 103 before 200",
     RAW("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
         OK_CL2),
     .rc = EMHTTP_OK, .status = 200, .headers = "Content-Length=2\n", .body = "ok", .ka = true},
    {.name = "102 then 200, bare LF", RAW("HTTP/1.1 102 Processing\n\nHTTP/1.1 200 OK\nContent-Length: 1\n\nx"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Content-Length=1\n", .body = "x", .ka = true},
    {.name = "interim headers not interpreted",
     RAW("HTTP/1.1 100 Continue\r\nConnection: close\r\nContent-Length: 9\r\nKeep-Alive: timeout=3\r\n\r\n"
         OK_CL2),
     .rc = EMHTTP_OK, .status = 200, .headers = "Content-Length=2\n", .body = "ok", .ka = true},
    {.name = "101 refused", RAW("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 0, .headers = "", .body = ""},
    {.name = "bad interim header", RAW("HTTP/1.1 100 Continue\r\nX : y\r\n\r\n" OK_CL2),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 0, .headers = "", .body = ""},
    {.name = "interim counted apart", .max_head = 64,
     RAW("HTTP/1.1 103 Early Hints\r\nLink: </aaaaaaaaaaaaaaaaaaaa.css>\r\n\r\n"
         "HTTP/1.1 200 OK\r\nX-Padding: aaaaaaaaaaaaa\r\nContent-Length: 2\r\n\r\nok"),
     .rc = EMHTTP_OK, .status = 200, .headers = "X-Padding=aaaaaaaaaaaaa\nContent-Length=2\n",
     .body = "ok", .ka = true},
    {.name = "eof after interim", RAW("HTTP/1.1 100 Continue\r\n\r\n"), .eof = true,
     .rc = EMHTTP_ERR_PROTOCOL, .status = 0, .headers = "", .body = ""},

    /* ---- connection reuse ---- */
    {.name = "Connection: close", RAW("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Connection=close\nContent-Length=2\n", .body = "ok",
     .ka = false},
    {.name = "Connection list with Close",
     RAW("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n"), .rc = EMHTTP_OK,
     .status = 200, .headers = "Connection=keep-alive, Close\nContent-Length=0\n", .body = "", .ka = false},
    {.name = "Connection: closed is not close",
     RAW("HTTP/1.1 200 OK\r\nConnection: closed, xclose\r\nContent-Length: 0\r\n\r\n"), .rc = EMHTTP_OK,
     .status = 200, .headers = "Connection=closed, xclose\nContent-Length=0\n", .body = "", .ka = true},
    {.name = "HTTP/1.0", RAW("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"),
     .rc = EMHTTP_OK, .status = 200, .headers = "Connection=keep-alive\nContent-Length=2\n", .body = "ok",
     .ka = false},
    {.name = "Keep-Alive timeout, max",
     RAW("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n"), .rc = EMHTTP_OK,
     .status = 200, .headers = "Keep-Alive=timeout=5, max=100\nContent-Length=0\n", .body = "", .ka = true,
     .kat = KAT(5)},
    {.name = "Keep-Alive max, TIMEOUT",
     RAW("HTTP/1.1 200 OK\r\nkeep-alive: max=100,TIMEOUT=30\r\nContent-Length: 0\r\n\r\n"), .rc = EMHTTP_OK,
     .status = 200, .headers = "keep-alive=max=100,TIMEOUT=30\nContent-Length=0\n", .body = "", .ka = true,
     .kat = KAT(30)},
    {.name = "Keep-Alive huge timeout clamped",
     RAW("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=99999999999999999999999\r\nContent-Length: 0\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200,
     .headers = "Keep-Alive=timeout=99999999999999999999999\nContent-Length=0\n", .body = "", .ka = true,
     .kat = KAT(86400)},
    {.name = "Keep-Alive bad timeout ignored",
     RAW("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5s, max=3\r\nContent-Length: 0\r\n\r\n"), .rc = EMHTTP_OK,
     .status = 200, .headers = "Keep-Alive=timeout=5s, max=3\nContent-Length=0\n", .body = "", .ka = true},

    /* ---- header syntax and limits ---- */
    {.name = "obs-fold", RAW("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "X-A=a\n", .body = ""},
    {.name = "obs-fold with tab", RAW("HTTP/1.1 200 OK\r\nX-A: a\r\n\tb\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "X-A=a\n", .body = ""},
    {.name = "space before colon", RAW("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "", .body = ""},
    {.name = "no colon", RAW("HTTP/1.1 200 OK\r\nContent-Length\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .status = 200, .headers = "", .body = ""},
    {.name = "empty name", RAW("HTTP/1.1 200 OK\r\n: v\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .status = 200, .headers = "", .body = ""},
    {.name = "non-token name", RAW("HTTP/1.1 200 OK\r\nX@Y: v\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .status = 200, .headers = "", .body = ""},
    {.name = "bare CR in value", RAW("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .status = 200, .headers = "", .body = ""},
    {.name = "bare CR in name", RAW("HTTP/1.1 200 OK\r\nX\r-A: a\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .status = 200, .headers = "", .body = ""},
    {.name = "CR CR LF", RAW("HTTP/1.1 200 OK\r\nX-A: a\r\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .status = 200, .headers = "", .body = ""},
    {.name = "bare CR empty line", RAW("HTTP/1.1 200 OK\r\nX-A: a\r\n\r\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .status = 200, .headers = "X-A=a\n", .body = ""},
    {.name = "bare CR in status line", RAW("HTTP/1.1 200 OK\r\r\nContent-Length: 0\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 0, .headers = "", .body = ""},
    {.name = "NUL in value", RAW("HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .status = 200, .headers = "", .body = ""},
    {.name = "DEL in long value", RAW("HTTP/1.1 200 OK\r\nX-A: abcdefghijklmnop\x7fqrstuvwxyz\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "", .body = ""},
    {.name = "CTL at end of long value", RAW("HTTP/1.1 200 OK\r\nX-A: abcdefghijklmnopqrstuvwxy\x01z\r\n\r\n"),
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "", .body = ""},
    {.name = "tab inside long value",
     RAW("HTTP/1.1 200 OK\r\nX-A: abcdefghijklm\tnopqrstuvwxyz\r\nContent-Length: 0\r\n\r\n"),
     .rc = EMHTTP_OK, .status = 200, .headers = "X-A=abcdefghijklm\tnopqrstuvwxyz\nContent-Length=0\n",
     .body = "", .ka = true},
    {.name = "head exactly at limit", .max_head = 64,
     RAW("HTTP/1.1 200 OK\r\nX-Pad: 01234567890123456\r\nContent-Length: 1\r\n\r\nz"),
     .rc = EMHTTP_OK, .status = 200, .headers = "X-Pad=01234567890123456\nContent-Length=1\n",
     .body = "z", .ka = true},
    {.name = "head one over limit", .max_head = 64,
     RAW("HTTP/1.1 200 OK\r\nX-Pad: 012345678901234567\r\nContent-Length: 1\r\n\r\nz"),
     .rc = EMHTTP_ERR_HEADER_TOO_LARGE, .status = 200,
     .headers = "X-Pad=012345678901234567\nContent-Length=1\n",
     .body = ""},
    {.name = "header too large, complete lines", .max_head = 64,
     RAW("HTTP/1.1 200 OK\r\nX-A: 0123456789\r\nX-B: 0123456789\r\nX-C: 0123456789\r\nContent-Length: 0\r\n\r\n"),
     .rc = EMHTTP_ERR_HEADER_TOO_LARGE, .status = 200, .headers = "X-A=0123456789\nX-B=0123456789\n",
     .body = ""},
    {.name = "header too large, incomplete line", .max_head = 64,
     RAW("HTTP/1.1 200 OK\r\nX-A: 012345678901234567890123456789012345678901"),
     .rc = EMHTTP_ERR_HEADER_TOO_LARGE, .status = 200, .headers = "", .body = ""},
    {.name = "incomplete line still fits", .max_head = 64,
     RAW("HTTP/1.1 200 OK\r\nX-A: 0123456789012345678901234567890123456789"),
     .rc = EMHTTP_PENDING, .status = 200, .headers = "", .body = ""},
    {.name = "status line too large", .max_head = 64,
     RAW("HTTP/1.1 200 0123456789012345678901234567890123456789012345678901234567890123456789"),
     .rc = EMHTTP_ERR_HEADER_TOO_LARGE, .status = 0, .headers = "", .body = ""},

    /* ---- status line ---- */
    {.name = "HTTP/2", RAW("HTTP/2 200 OK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL, .headers = "", .body = ""},
    {.name = "two-digit status", RAW("HTTP/1.1 20 OK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL, .headers = "",
     .body = ""},
    {.name = "four-digit status", RAW("HTTP/1.1 2000 OK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "byte after status, no reason", RAW("HTTP/1.1 200X\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "four-digit status, no reason", RAW("HTTP/1.1 2000\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "status 099", RAW("HTTP/1.1 099 X\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL, .headers = "",
     .body = ""},
    {.name = "status with letters", RAW("HTTP/1.1 2x0 X\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "status 999", RAW("HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n"), .rc = EMHTTP_OK,
     .status = 999, .headers = "Content-Length=0\n", .body = "", .ka = true},
    {.name = "two spaces", RAW("HTTP/1.1  200 OK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL, .headers = "",
     .body = ""},
    {.name = "version not a digit", RAW("HTTP/1.x 200 OK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "no SP after the version", RAW("HTTP/1.1-200 OK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "tab after the status", RAW("HTTP/1.1 200\tOK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "ICY", RAW("ICY 200 OK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL, .headers = "", .body = ""},
    {.name = "ICY without line end", RAW("ICY 200 OK"), .rc = EMHTTP_ERR_PROTOCOL, .headers = "",
     .body = ""},
    {.name = "non-HTTP line over the limit", .max_head = 16,
     RAW("ICY 200 OK, a long line that does not fit\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL, .headers = "",
     .body = ""},
    {.name = "non-HTTP after a limit below 7", .max_head = 5, /* only bytes under it judged */
     RAW("HTTP/2 200 OK\r\n\r\n"), .rc = EMHTTP_ERR_HEADER_TOO_LARGE, .headers = "", .body = ""},
    {.name = "lower-case http", RAW("http/1.1 200 OK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL, .headers = "",
     .body = ""},
    {.name = "garbage", RAW("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "empty line first", RAW("\r\nHTTP/1.1 200 OK\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "CTL in reason", RAW("HTTP/1.1 200 O\x01K\r\n\r\n"), .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},

    /* ---- callbacks ---- */
    {.name = "abort in on_status", RAW(OK_CL2), .rc = EMHTTP_ERR_ABORTED, .status = 200, .headers = "",
     .body = "", .abort_on = "status"},
    {.name = "abort in on_header",
     RAW("HTTP/1.1 200 OK\r\nX-A: 1\r\nX-Stop: 2\r\nX-C: 3\r\nContent-Length: 2\r\n\r\nok"),
     .rc = EMHTTP_ERR_ABORTED, .status = 200, .headers = "X-A=1\nX-Stop=2\n", .body = "",
     .abort_on = "X-Stop"},
    {.name = "abort in on_headers_done", RAW(OK_CL2), .rc = EMHTTP_ERR_ABORTED, .status = 200,
     .headers = "Content-Length=2\n", .body = "", .abort_on = "done"},
    {.name = "abort in on_body", RAW(OK_CL2), .rc = EMHTTP_ERR_ABORTED, .status = 200,
     .headers = "Content-Length=2\n", .body = NULL, .abort_on = "body"},

    /* ---- pipelining and end of stream ---- */
    {.name = "pipelined second response", RAW(OK_CL2 OK_CL2), .rc = EMHTTP_OK, .status = 200,
     .headers = "Content-Length=2\n", .body = "ok", .ka = true, .consumed = 40},
    {.name = "eof before any byte", RAW(""), .eof = true, .rc = EMHTTP_ERR_CLOSED, .headers = "",
     .body = ""},
    {.name = "eof mid-status line", RAW("HTTP/1.1 20"), .eof = true, .rc = EMHTTP_ERR_PROTOCOL,
     .headers = "", .body = ""},
    {.name = "eof mid-head", RAW("HTTP/1.1 200 OK\r\nServ"), .eof = true, .rc = EMHTTP_ERR_PROTOCOL,
     .status = 200, .headers = "", .body = ""},
    {.name = "eof mid-body", RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"), .eof = true,
     .rc = EMHTTP_ERR_PROTOCOL, .status = 200, .headers = "Content-Length=5\n", .body = "hel"},
};

/* ---- driver ---------------------------------------------------------- */

typedef struct rec {
    const tcase *tc;
    char hdrs[2048];
    size_t hlen;
    uint8_t body[BUF_SIZE];
    size_t blen;
    bool failed;        /* an error was returned */
    int after_error;    /* callbacks after the error */
    int bad_status;     /* on_status calls with a wrong status */
    const uint8_t *lo, *hi; /* the receive buffer's live bytes */
    int bad_ptr;        /* callback pointers outside them */
} rec;

static void check_ptr(rec *r, const void *ptr, size_t len)
{
    const uint8_t *s = (const uint8_t *)ptr;
    if (len != 0 && (s < r->lo || s + len > r->hi)) {
        r->bad_ptr++;
    }
}

static int cb_status(void *u, int status, const char *reason, size_t len)
{
    rec *r = (rec *)u;
    r->after_error += r->failed;
    r->bad_status += status != r->tc->status;
    check_ptr(r, reason, len);
    return r->tc->abort_on && strcmp(r->tc->abort_on, "status") == 0;
}

static int cb_header(void *u, const char *name, size_t nlen, const char *value, size_t vlen)
{
    rec *r = (rec *)u;
    r->after_error += r->failed;
    check_ptr(r, name, nlen);
    check_ptr(r, value, vlen);
    if (r->hlen + nlen + vlen + 2 <= sizeof r->hdrs) {
        memcpy(r->hdrs + r->hlen, name, nlen);
        r->hlen += nlen;
        r->hdrs[r->hlen++] = '=';
        memcpy(r->hdrs + r->hlen, value, vlen);
        r->hlen += vlen;
        r->hdrs[r->hlen++] = '\n';
    }
    return r->tc->abort_on && strlen(r->tc->abort_on) == nlen &&
           memcmp(r->tc->abort_on, name, nlen) == 0;
}

static int cb_done(void *u)
{
    rec *r = (rec *)u;
    r->after_error += r->failed;
    return r->tc->abort_on && strcmp(r->tc->abort_on, "done") == 0;
}

static int cb_body(void *u, const uint8_t *data, size_t len)
{
    rec *r = (rec *)u;
    r->after_error += r->failed;
    r->bad_ptr += len == 0;
    check_ptr(r, data, len);
    if (r->blen + len <= sizeof r->body) {
        memcpy(r->body + r->blen, data, len);
        r->blen += len;
    }
    return r->tc->abort_on && strcmp(r->tc->abort_on, "body") == 0;
}

static const emhttp_parser_cbs cbs = {cb_status, cb_header, cb_done, cb_body};

static unsigned long case_failures;

#define EXPECT(cond, what)                                                   \
    do {                                                                     \
        CHECK(cond);                                                         \
        if (!(cond)) {                                                       \
            fprintf(stderr, "  case \"%s\" %s: %s\n", tc->name, mode, what); \
            case_failures++;                                                 \
        }                                                                    \
    } while (0)

/* Feed tc->in in pieces: the first of `first` bytes (0: all), then pieces
 * of `step` bytes (0: the rest at once). */
static void run_case(const tcase *tc, size_t first, size_t step, const char *mode)
{
    static uint8_t buf[BUF_SIZE];
    static rec r;
    emhttp_parser p;
    size_t off = 0, have = 0, total = 0, c = 0, take;
    int rc;

    memset(&r, 0, sizeof r);
    r.tc = tc;
    emhttp_parser_init(&p, &cbs, &r, tc->max_head ? tc->max_head : 1024);
    emhttp_parser_reset(&p, tc->head);
    do {
        take = tc->in_len - off;
        if (off == 0 && first != 0) {
            take = first;
        } else if (step != 0 && step < take) {
            take = step;
        }
        memcpy(buf + have, tc->in + off, take);
        off += take;
        have += take;
        r.lo = buf;
        r.hi = buf + have;
        rc = emhttp_parser_feed(&p, buf, have, &c);
        EXPECT(c <= have, "consumed <= len");
        if (c > have) {
            c = have;
        }
        total += c;
        memmove(buf, buf + c, have - c);
        have -= c;
    } while (rc == EMHTTP_PENDING && off < tc->in_len);
    if (rc == EMHTTP_PENDING && tc->eof) {
        rc = emhttp_parser_eof(&p);
    }
    if (rc < 0) { /* sticky error, no callbacks any more */
        r.failed = true;
        r.lo = buf;
        r.hi = buf + have;
        EXPECT(emhttp_parser_feed(&p, buf, have, &c) == rc && c == 0, "error is sticky");
        EXPECT(emhttp_parser_eof(&p) == rc, "eof after error");
        EXPECT(r.after_error == 0, "no callbacks after error");
        EXPECT(!emhttp_parser_keep_alive(&p), "no keep-alive after error");
    }
    if (rc != tc->rc) {
        fprintf(stderr, "  got %d want %d\n", rc, tc->rc);
    }
    EXPECT(rc == tc->rc, "result");
    EXPECT(emhttp_parser_status(&p) == tc->status, "status");
    EXPECT(r.bad_status == 0, "on_status status");
    EXPECT(r.bad_ptr == 0, "callback pointers in the buffer");
    EXPECT(r.hlen == strlen(tc->headers) && memcmp(r.hdrs, tc->headers, r.hlen) == 0, "headers");
    if (r.hlen != strlen(tc->headers) || memcmp(r.hdrs, tc->headers, r.hlen) != 0) {
        fprintf(stderr, "  headers got [%.*s]\n", (int)r.hlen, r.hdrs);
    }
    if (tc->body != NULL) {
        EXPECT(r.blen == strlen(tc->body) && memcmp(r.body, tc->body, r.blen) == 0, "body");
    }
    EXPECT(emhttp_parser_started(&p) == (tc->in_len != 0), "started");
    if (tc->rc == EMHTTP_OK) {
        EXPECT(emhttp_parser_headers_done(&p), "headers done");
        EXPECT(emhttp_parser_keep_alive(&p) == tc->ka, "keep-alive");
        EXPECT(emhttp_parser_keepalive_timeout(&p) == tc->kat, "keep-alive timeout");
        EXPECT(total == (tc->consumed ? tc->consumed : tc->in_len), "consumed");
    }
}

static void test_table(void)
{
    size_t i, k;
    char mode[64];

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const tcase *tc = &cases[i];
        unsigned long f0 = case_failures;
        run_case(tc, 0, 0, "one piece");
        for (k = 1; k < tc->in_len && case_failures == f0; k++) {
            snprintf(mode, sizeof mode, "split at %zu", k);
            run_case(tc, k, 0, mode);
        }
        if (tc->in_len != 0) {
            run_case(tc, 1, 1, "byte by byte");
        }
    }
}

/* ---- other properties -------------------------------------------------- */

static void test_size(void)
{
    /* state_ is an int, not a signed byte: Thumb loads a signed byte at an
     * offset only with a 4-byte instruction (the int: -8 B of code in the
     * minimal Cortex-M4 build, +4 B here, +8 B with a 64-bit length or on a
     * 64-bit CPU, where the struct is padded to 8 B) */
    CHECK(sizeof(emhttp_parser) <= 2 * sizeof(void *) + 32);
#if !CONFIG_EMHTTP_LENGTH_64 && !CONFIG_EMHTTP_KEEPALIVE_HINT
    CHECK(sizeof(emhttp_parser) <= 2 * sizeof(void *) + 24); /* 32-bit length, no timeout */
    CHECK(sizeof(void *) != 4 || sizeof(emhttp_parser) <= 2 * sizeof(void *) + 20);
#endif
}

static void test_started(void)
{
    emhttp_parser p;
    size_t c = 99;

    emhttp_parser_init(&p, NULL, NULL, 1024);
    CHECK(!emhttp_parser_started(&p));
    CHECK_EQ_INT(emhttp_parser_feed(&p, NULL, 0, &c), EMHTTP_PENDING);
    CHECK_EQ_INT(c, 0);
    CHECK(!emhttp_parser_started(&p));
    CHECK_EQ_INT(emhttp_parser_feed(&p, (const uint8_t *)"HTT", 3, &c), EMHTTP_PENDING);
    CHECK_EQ_INT(c, 0);
    CHECK(emhttp_parser_started(&p));
    CHECK(!emhttp_parser_headers_done(&p));
    CHECK_EQ_INT(emhttp_parser_eof(&p), EMHTTP_ERR_PROTOCOL);
    emhttp_parser_reset(&p, false);
    CHECK(!emhttp_parser_started(&p));
    CHECK_EQ_INT(emhttp_parser_eof(&p), EMHTTP_ERR_CLOSED);
}

/* Two pipelined responses through one receive buffer, with a reset in
 * between, no callbacks; then a feed after completion. */
#define PIPE_1 "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nKeep-Alive: timeout=7\r\n\r\nabc"
#if CONFIG_EMHTTP_CHUNKED
#define PIPE_2 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
#else
#define PIPE_2 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nde"
#endif
static void test_pipeline(void)
{
    static const char in[] = PIPE_1 PIPE_2 "HTTP/1.0 204 No Content\r\n\r\n";
    const uint8_t *s = (const uint8_t *)in;
    size_t len = sizeof in - 1, c = 0;
    emhttp_parser p;

    emhttp_parser_init(&p, NULL, NULL, 256);
    CHECK_EQ_INT(emhttp_parser_feed(&p, s, len, &c), EMHTTP_OK);
    CHECK_EQ_INT(c, sizeof PIPE_1 - 1);
    CHECK(emhttp_parser_keep_alive(&p));
    CHECK_EQ_INT(emhttp_parser_keepalive_timeout(&p), KAT(7));
    CHECK_EQ_INT(emhttp_parser_feed(&p, s + c, len - c, &c), EMHTTP_OK);
    CHECK_EQ_INT(c, 0);
    s += sizeof PIPE_1 - 1;
    len -= sizeof PIPE_1 - 1;
    emhttp_parser_reset(&p, false);
    CHECK_EQ_INT(emhttp_parser_keepalive_timeout(&p), 0);
    CHECK_EQ_INT(emhttp_parser_feed(&p, s, len, &c), EMHTTP_OK);
    CHECK_EQ_INT(c, sizeof PIPE_2 - 1);
    s += c;
    len -= c;
    emhttp_parser_reset(&p, false);
    CHECK_EQ_INT(emhttp_parser_feed(&p, s, len, &c), EMHTTP_OK);
    CHECK_EQ_INT(c, len);
    CHECK_EQ_INT(emhttp_parser_status(&p), 204);
    CHECK(!emhttp_parser_keep_alive(&p));
    CHECK_EQ_INT(emhttp_parser_eof(&p), EMHTTP_OK);
}

#if !CONFIG_EMHTTP_CHUNKED
/* Without chunked decoding: a chunked response fails with
 * EMHTTP_ERR_UNSUPPORTED, stickily (whatever is fed after it, and at end
 * of stream), without keep-alive; a reset makes the parser usable again. */
static void test_unsupported(void)
{
    static const char in[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n";
    const uint8_t *s = (const uint8_t *)in;
    size_t c = 99;
    emhttp_parser p;

    emhttp_parser_init(&p, NULL, NULL, 256);
    CHECK_EQ_INT(emhttp_parser_feed(&p, s, sizeof in - 1, &c), EMHTTP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(c, 47); /* the header section */
    CHECK(!emhttp_parser_headers_done(&p));
    CHECK(!emhttp_parser_keep_alive(&p));
    CHECK_EQ_INT(emhttp_parser_status(&p), 200);
    CHECK_EQ_INT(emhttp_parser_feed(&p, s + c, sizeof in - 1 - c, &c), EMHTTP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(c, 0);
    CHECK_EQ_INT(emhttp_parser_feed(&p, NULL, 0, &c), EMHTTP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(emhttp_parser_eof(&p), EMHTTP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(emhttp_parser_feed(&p, (const uint8_t *)OK_CL2, sizeof OK_CL2 - 1, &c),
                 EMHTTP_ERR_UNSUPPORTED);
    CHECK_EQ_INT(c, 0);
    emhttp_parser_reset(&p, false);
    CHECK_EQ_INT(emhttp_parser_feed(&p, (const uint8_t *)OK_CL2, sizeof OK_CL2 - 1, &c), EMHTTP_OK);
    CHECK_EQ_INT(c, sizeof OK_CL2 - 1);
    CHECK(emhttp_parser_keep_alive(&p));
}
#endif

/* Reset clears an error; init with a huge limit. */
static void test_reset_after_error(void)
{
    emhttp_parser p;
    size_t c = 0;

    emhttp_parser_init(&p, NULL, NULL, (size_t)-1);
    CHECK_EQ_INT(emhttp_parser_feed(&p, (const uint8_t *)"ICY", 3, &c), EMHTTP_ERR_PROTOCOL);
    CHECK(!emhttp_parser_keep_alive(&p)); /* failed, without F_CLOSE */
    CHECK_EQ_INT(emhttp_parser_feed(&p, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19, &c),
                 EMHTTP_ERR_PROTOCOL);
    emhttp_parser_reset(&p, true);
    CHECK_EQ_INT(emhttp_parser_feed(&p, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19, &c), EMHTTP_OK);
    CHECK_EQ_INT(c, 19);
    CHECK(emhttp_parser_keep_alive(&p));
}

int main(void)
{
    RUN(test_table);
    RUN(test_size);
    RUN(test_started);
    RUN(test_pipeline);
#if !CONFIG_EMHTTP_CHUNKED
    RUN(test_unsupported);
#endif
    RUN(test_reset_after_error);
    return check_summary();
}
