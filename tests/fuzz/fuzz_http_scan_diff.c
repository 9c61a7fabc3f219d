/*
 * fuzz_http_scan_diff.c - differential libFuzzer harness for
 * CONFIG_EMHTTP_FAST_SCAN: the HTTP modules built with the option 0 and 1
 * (tests/fuzz/scan_diff_side.c, linked twice under the prefixes plain_
 * and fast_) get the same input; any difference in what an application
 * can see - emhttp_field_end() and emhttp_token_end() from every offset,
 * the digits emhttp_dec_back() writes, the parser's callbacks, results
 * and keep-alive decision, the request head written - traps.
 *
 * The option is a speed-only shortcut (it finds the end of a header name
 * or value a machine word at a time, and skips leading zero pieces when
 * writing digits); this harness is what shows it changes nothing.  Run as a test for EMHTTP_FUZZ_SECONDS (tests/CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>

#include "scan_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    scan_diff_result a, b;

    if (len > 8192) {
        return 0;
    }
    plain_scan_diff_run(data, len, &a);
    fast_scan_diff_run(data, len, &b);
    if (a.field_ends != b.field_ends || a.digits != b.digits || a.events != b.events ||
        a.head != b.head) {
        fprintf(stderr,
                "FAST_SCAN changed a result: field_end/token_end %s, dec_back %s, parser %s, "
                "writer %s\n",
                a.field_ends != b.field_ends ? "DIFFERS" : "same",
                a.digits != b.digits ? "DIFFERS" : "same", a.events != b.events ? "DIFFERS" : "same",
                a.head != b.head ? "DIFFERS" : "same");
        __builtin_trap();
    }
    return 0;
}
