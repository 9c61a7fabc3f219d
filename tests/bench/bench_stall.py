#!/usr/bin/python3
"""Loop stall: the longest single loop step (outbox pump + emhttp_poll) when
bodies are encoded in the idle task vs inline in the loop, by body size.

usage: bench_stall.py --telemetry PATH [--n 200] [--runs 3] [--cpu 0]

nginx and the example share one CPU, so the SCHED_IDLE encoder runs only
while the loop sleeps - as on a single-core MCU.  A benchmark: it prints,
it never fails on a figure.
"""
import argparse
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import fixtures  # noqa: E402

SIZES_KB = [1, 4, 16, 64]


def max_poll(telemetry, url, kb, inline, n, cpu):
    cmd = ["taskset", "-c", str(cpu), telemetry, "-n", str(n), "--body-kb", str(kb), url]
    if inline:
        cmd.insert(-1, "--inline")
    rc, out, err = fixtures.run(cmd, timeout=300)
    m = re.search(r"ok=(\d+).* max_poll_us=([0-9.]+)", err)
    if rc != 0 or not m or int(m.group(1)) != n:
        raise RuntimeError("telemetry failed: rc=%s %s" % (rc, err[-500:]))
    return float(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--telemetry", required=True)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=0)
    a = ap.parse_args()
    print("loop stall: longest loop step (us), median of %d runs x %d requests, "
          "nginx and client on CPU %d" % (a.runs, a.n, a.cpu))
    print("%8s %12s %12s %8s" % ("body", "idle task", "inline", "ratio"))
    with fixtures.Nginx(cpus=str(a.cpu)) as ng:
        url = ng.url("/api")
        for kb in SIZES_KB:
            idle = statistics.median(max_poll(a.telemetry, url, kb, False, a.n, a.cpu)
                                     for _ in range(a.runs))
            inline = statistics.median(max_poll(a.telemetry, url, kb, True, a.n, a.cpu)
                                       for _ in range(a.runs))
            print("%6d KB %12.1f %12.1f %7.1fx" % (kb, idle, inline, inline / max(idle, 1.0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
