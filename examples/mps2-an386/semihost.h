/*
 * semihost.h - Arm semihosting: the debugger (here QEMU, -semihosting)
 * carries out a call the target makes with "bkpt 0xab".  The firmware uses
 * it for its console, its exit status, the command line the test passes
 * (-append), the host's clock (certificate validity), files on the host
 * (the test's CA certificate) and - test only - host entropy.
 *
 * A board without a debugger attached must not execute bkpt 0xab (it
 * would fault or halt): on hardware the console goes to a UART and the
 * other uses go away (see README.md).  Every function here is called from
 * the super-loop only, never from an interrupt.
 */
#ifndef MPS2_SEMIHOST_H
#define MPS2_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/** Write @p len bytes to the host's console (stdout). */
void sh_write(const char *buf, size_t len);

/** printf-style line to the console (at most 255 bytes; longer output is
 *  cut and ends in "..."). */
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** End the emulation with exit status @p code (QEMU exits with it). */
__attribute__((noreturn)) void sh_exit(int code);

/** The command line given to QEMU with -append, NUL-terminated, into
 *  @p buf of @p size bytes.  @return 0, or -1 when there is none. */
int sh_cmdline(char *buf, size_t size);

/** Seconds since 1970 on the host, or -1. */
long sh_time(void);

/** Open host file @p path for reading (binary). @return a handle, or -1. */
long sh_open_read(const char *path);

/** Read up to @p len bytes from handle @p h. @return bytes read, or -1. */
long sh_read(long h, void *buf, size_t len);

/** Read the whole host file @p path (at most @p size bytes) into @p buf.
 *  @return bytes read, or -1 (no such file, or larger than @p size). */
long sh_read_file(const char *path, uint8_t *buf, size_t size);

#endif /* MPS2_SEMIHOST_H */
