#!/usr/bin/python3
"""The longest emhttp_poll() step while a streamed body goes out, for a
1 MB and a 100 MB body side by side (issue 13: it must not grow with the
body).  Runs bench_stream_steps (tests/bench/bench_stream_steps.c) twice:

1. natively: per step, bytes handed to the transport and thread CPU time
   (the longest raw, and the longest of each step's shortest over 3 runs);
2. under valgrind --tool=callgrind --instr-atstart=no: instructions of the
   first 64 steps, 64 steps spread over the rest and the last 8, each
   dumped on its own; this script reads the dumps and prints the longest
   step, the median and where the longest was.

Figures only, never a pass/fail on a number (exit 1 on a setup failure).

  tests/bench/bench_stream_steps.py [--bin build/gcc/tests/bench_stream_steps] [MB...]
"""
import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/gcc/tests/bench_stream_steps")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("sizes", nargs="*", default=["1", "100"])
    a = ap.parse_args()
    print("== native: bytes and thread CPU time per emhttp_poll() step (1 KB transmit buffer)")
    subprocess.run([a.bin] + a.sizes, check=True)
    if a.no_callgrind:
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind not found: no instruction figures", file=sys.stderr)
        return 1
    d = tempfile.mkdtemp(prefix="emhttp-steps-")
    try:
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                        "--callgrind-out-file=" + os.path.join(d, "cg.%p")] + [a.bin] + a.sizes,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        steps = {}
        for f in glob.glob(os.path.join(d, "cg.*")):
            with open(f) as fh:
                text = fh.read(4096)
            m = re.search(r"^desc: Trigger: Client Request: (\S+ \S+) step (\d+) of (\d+)$", text,
                          re.M)
            s = re.search(r"^summary: (\d+)$", text, re.M)
            if m and s:
                steps.setdefault(m.group(1), []).append((int(s.group(1)), int(m.group(2)),
                                                         int(m.group(3))))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("\n== callgrind: instructions per emhttp_poll() step (first 64, 64 spread, last 8)")
    print("%-16s %7s %8s %12s %10s %14s %12s" % ("body", "steps", "sampled", "longest Ir",
                                                  "at step", "longest after 8", "median Ir"))
    for key in sorted(steps, key=lambda k: (int(k.split("MB")[0]), k)):
        rows = steps[key]
        longest = max(rows)
        steady = max(r for r in rows if r[1] >= 8)
        print("%-16s %7d %8d %12d %10d %14d %12d" % (
            key, rows[0][2], len(rows), longest[0], longest[1], steady[0],
            statistics.median(r[0] for r in rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
