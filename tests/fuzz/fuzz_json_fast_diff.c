/*
 * fuzz_json_fast_diff.c - differential libFuzzer harness for
 * CONFIG_EMHTTP_JSON_FAST: the JSON writer and reader built with the
 * option 0 and 1 (tests/fuzz/json_diff_side.c, linked twice under the
 * prefixes plain_ and fast_) get the same input; any difference in what
 * an application can see - each writer call's result, the needed length,
 * the bytes written into buffers of three sizes, the reader's tokens and
 * getters on the input and on the document written - traps, and so does
 * a write past the end of a buffer in either build.
 *
 * The option is a speed-only shortcut (direct writes once the room is
 * checked, plain string bytes a word at a time, digits two at a time);
 * this harness is what shows it changes nothing.  Run as a test for
 * EMHTTP_FUZZ_SECONDS (tests/CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>

#include "json_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    json_diff_result a, b;

    if (len > 16384) {
        return 0;
    }
    plain_json_diff_run(data, len, &a);
    fast_json_diff_run(data, len, &b);
    if (a.bad || b.bad || a.writer[0] != b.writer[0] || a.writer[1] != b.writer[1] ||
        a.writer[2] != b.writer[2] || a.reader != b.reader || a.readback != b.readback) {
        fprintf(stderr,
                "JSON_FAST changed a result: writer small %s, middle %s, large %s, reader %s, "
                "read back %s; write past the buffer: plain %d, fast %d\n",
                a.writer[0] != b.writer[0] ? "DIFFERS" : "same",
                a.writer[1] != b.writer[1] ? "DIFFERS" : "same",
                a.writer[2] != b.writer[2] ? "DIFFERS" : "same",
                a.reader != b.reader ? "DIFFERS" : "same",
                a.readback != b.readback ? "DIFFERS" : "same", a.bad, b.bad);
        __builtin_trap();
    }
    return 0;
}
