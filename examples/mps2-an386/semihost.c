/*
 * semihost.c - the semihosting calls of semihost.h (Arm's "Semihosting
 * for AArch32 and AArch64", operation numbers in r0, a parameter block in
 * r1, the result in r0).
 */
#include "semihost.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/time.h>

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_FLEN = 0x0c,
    SYS_TIME = 0x11,
    SYS_GET_CMDLINE = 0x15,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

static long sh_call(long op, void *arg)
{
    register long r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;

    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static long sh_stdout = -1;

void sh_write(const char *buf, size_t len)
{
    if (sh_stdout < 0) {
        /* ":tt" opened for writing (mode 4, "w") is the host's stdout. */
        uint32_t args[3] = {(uint32_t)":tt", 4, 3};
        sh_stdout = sh_call(SYS_OPEN, args);
    }
    uint32_t args[3] = {(uint32_t)sh_stdout, (uint32_t)buf, (uint32_t)len};
    (void)sh_call(SYS_WRITE, args);
}

/* A small printf for the console: %d %u %x %s %c %%, with the l length,
 * '0' and a width.  newlib's vsnprintf would do, but newlib-nano's printf
 * core calls malloc (for asprintf), and this image has no heap. */
typedef struct out {
    char *p, *end;
} out;

static void put(out *o, char c)
{
    if (o->p < o->end) {
        *o->p++ = c;
    }
}

static void put_num(out *o, unsigned long v, unsigned base, bool neg, unsigned width, char pad)
{
    char digits[24];
    unsigned n = 0;

    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    if (neg) {
        if (pad == '0') {
            put(o, '-');
        } else {
            digits[n++] = '-';
        }
        width = width > 0 ? width - 1 : 0;
    }
    while (width > n) {
        put(o, pad);
        width--;
    }
    while (n > 0) {
        put(o, digits[--n]);
    }
}

void con_printf(const char *fmt, ...)
{
    char line[256];
    out o = {line, line + sizeof line};
    va_list ap;

    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        char pad = ' ';
        unsigned width = 0;
        bool lng = false;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (unsigned)(*fmt++ - '0');
        }
        if (*fmt == 'l') {
            lng = true;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            put_num(&o, v < 0 ? 0ul - (unsigned long)v : (unsigned long)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            put_num(&o, v, *fmt == 'u' ? 10 : 16, false, width, pad);
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            while (str != NULL && *str) {
                put(&o, *str++);
            }
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, *fmt);
            break;
        }
    }
    va_end(ap);
    if (o.p == o.end) {
        memcpy(line + sizeof line - 4, "...\n", 4);
    }
    sh_write(line, (size_t)(o.p - line));
}

void sh_exit(int code)
{
    uint32_t args[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};

    (void)sh_call(SYS_EXIT_EXTENDED, args);
    /* A host without the extended call: status 0 or 1 only. */
    (void)sh_call(SYS_EXIT, (void *)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT : 0x20023));
    for (;;) {
    }
}

int sh_cmdline(char *buf, size_t size)
{
    uint32_t args[2] = {(uint32_t)buf, (uint32_t)size};

    return sh_call(SYS_GET_CMDLINE, args) == 0 ? 0 : -1;
}

long sh_time(void)
{
    return sh_call(SYS_TIME, NULL);
}

long sh_open_read(const char *path)
{
    uint32_t args[3] = {(uint32_t)path, 1 /* "rb" */, (uint32_t)strlen(path)};

    return sh_call(SYS_OPEN, args);
}

long sh_read(long h, void *buf, size_t len)
{
    uint32_t args[3] = {(uint32_t)h, (uint32_t)buf, (uint32_t)len};
    long left = sh_call(SYS_READ, args); /* bytes NOT read */

    return left < 0 || (size_t)left > len ? -1 : (long)(len - (size_t)left);
}

long sh_read_file(const char *path, uint8_t *buf, size_t size)
{
    uint32_t open_args[3] = {(uint32_t)path, 1 /* "rb" */, (uint32_t)strlen(path)};
    long h = sh_call(SYS_OPEN, open_args);
    long len, left;

    if (h < 0) {
        return -1;
    }
    len = sh_call(SYS_FLEN, &h);
    if (len < 0 || (size_t)len > size) {
        (void)sh_call(SYS_CLOSE, &h);
        return -1;
    }
    uint32_t read_args[3] = {(uint32_t)h, (uint32_t)buf, (uint32_t)len};
    left = sh_call(SYS_READ, read_args); /* bytes NOT read */
    (void)sh_call(SYS_CLOSE, &h);
    return left == 0 ? len : -1;
}

/* newlib's time() (mbedTLS checks certificate validity with it) asks
 * _gettimeofday; here it is the host's clock.  A board reads its RTC (set
 * by SNTP or a GNSS fix) instead. */
int _gettimeofday(struct timeval *tv, void *tz);
int _gettimeofday(struct timeval *tv, void *tz)
{
    long t = sh_time();

    (void)tz;
    if (t < 0 || tv == NULL) {
        return -1;
    }
    tv->tv_sec = t;
    tv->tv_usec = 0;
    return 0;
}

/* newlib's assert() (gmtime_r has some) would call abort(), which brings
 * signal handling and with it malloc: report and stop instead. */
void __assert_func(const char *file, int line, const char *func, const char *expr);
void __assert_func(const char *file, int line, const char *func, const char *expr)
{
    con_printf("assertion \"%s\" failed: %s:%d (%s)\n", expr, file, line, func);
    sh_exit(2);
}
