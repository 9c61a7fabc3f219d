/*
 * scan_diff_rename.h - forced include (-include) of the two builds of the
 * HTTP modules that tests/fuzz/fuzz_http_scan_diff.c compares: every
 * external symbol of http_chars.c, http_parser.c, http_writer.c and
 * scan_diff_side.c gets the prefix EMHTTP_DIFF_PREFIX (plain_ or fast_),
 * so both builds link into one program.  A symbol missing here shows as a
 * duplicate definition at link time.
 */
#ifndef EMHTTP_SCAN_DIFF_RENAME_H
#define EMHTTP_SCAN_DIFF_RENAME_H

#define EMHTTP_DIFF_CAT2(a, b) a##b
#define EMHTTP_DIFF_CAT(a, b) EMHTTP_DIFF_CAT2(a, b)
#define EMHTTP_DIFF_NAME(n) EMHTTP_DIFF_CAT(EMHTTP_DIFF_PREFIX, n)

#define emhttp_parser_init EMHTTP_DIFF_NAME(emhttp_parser_init)
#define emhttp_parser_reset EMHTTP_DIFF_NAME(emhttp_parser_reset)
#define emhttp_parser_feed EMHTTP_DIFF_NAME(emhttp_parser_feed)
#define emhttp_parser_eof EMHTTP_DIFF_NAME(emhttp_parser_eof)
#define emhttp_parser_started EMHTTP_DIFF_NAME(emhttp_parser_started)
#define emhttp_parser_headers_done EMHTTP_DIFF_NAME(emhttp_parser_headers_done)
#define emhttp_parser_keep_alive EMHTTP_DIFF_NAME(emhttp_parser_keep_alive)
#define emhttp_parser_keepalive_timeout EMHTTP_DIFF_NAME(emhttp_parser_keepalive_timeout)
#define emhttp_parser_status EMHTTP_DIFF_NAME(emhttp_parser_status)
#define emhttp_parser_continued EMHTTP_DIFF_NAME(emhttp_parser_continued)
#define emhttp_write_head EMHTTP_DIFF_NAME(emhttp_write_head)
#define emhttp_method_idempotent EMHTTP_DIFF_NAME(emhttp_method_idempotent)
#define emhttp_method_flags EMHTTP_DIFF_NAME(emhttp_method_flags)
#define emhttp_http_chars EMHTTP_DIFF_NAME(emhttp_http_chars)
#define emhttp_lower_eq EMHTTP_DIFF_NAME(emhttp_lower_eq)
#define emhttp_dec_back EMHTTP_DIFF_NAME(emhttp_dec_back)
#define emhttp_header_id EMHTTP_DIFF_NAME(emhttp_header_id)
#define emhttp_class_end EMHTTP_DIFF_NAME(emhttp_class_end)
#define scan_diff_run EMHTTP_DIFF_NAME(scan_diff_run)

#endif
