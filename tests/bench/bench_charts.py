#!/usr/bin/python3
"""The charts of tests/bench/run_bench.py (reqs.png, netem.png; gnuplot).

run_bench.py draws them at the end of a run.  To redraw them from the
results.md a run wrote, without running the benchmark again:

    /usr/bin/python3 tests/bench/bench_charts.py docs/bench/results.md [--out DIR]

(DIR defaults to the folder of results.md.)  Exit 2 when results.md has no
req/s table or gnuplot is missing.
"""

import argparse
import os
import shutil
import subprocess
import sys

# Labels are rotated and right-aligned at their tick, so they hang down to
# the left of it inside the chart (rotated the other way and left-aligned,
# the last one ran past the right edge of the image and was cut off).
# The data's first line is a comment: as a row, it was an empty first slot.
# The key sits above the plot: inside, the first bars could run under it.
PLOT = """set terminal png size %d,520
set output '%s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'requests/s (median)'
set title '%s'
set key outside top center horizontal
set logscale y
set xtics rotate by 30 right
plot '%s' using 2:xtic(1) title '200 B POST', '' using 3 title '16 KB POST'
"""


def gnuplot(script):
    """Runs gnuplot on script; False when there is no gnuplot."""
    gp = shutil.which("gnuplot")
    if gp is None:
        print("note: gnuplot not found, no chart")
        return False
    subprocess.run([gp], input=script.encode(), check=False)
    return True


def write_dat(path, rs, label):
    names = []
    for r in rs:
        if label(r) not in names:
            names.append(label(r))
    with open(path, "w") as f:
        f.write("# client small large\n")
        for n in names:
            a = next((r["rps"] for r in rs if label(r) == n and r["body"] == "200 B"), None)
            b = next((r["rps"] for r in rs if label(r) == n and r["body"] == "16 KB"), None)
            f.write("%s %s %s\n" % (n, a or 0, b or 0))


def write_charts(out_dir, loop, netem):
    """reqs.png from the loopback rows, netem.png from the latency run's
    (each row: client, body, transport, rps).  False without gnuplot."""
    d1 = os.path.join(out_dir, "reqs.dat")
    write_dat(d1, loop, lambda r: r["client"] + ("/tls" if r["transport"] == "https" else ""))
    ok = gnuplot(PLOT % (1100, os.path.join(out_dir, "reqs.png"),
                         "one connection to nginx on loopback, one CPU (log scale; /tls: HTTPS)",
                         d1))
    os.unlink(d1)
    if netem and ok:
        d2 = os.path.join(out_dir, "netem.dat")
        write_dat(d2, netem, lambda r: r["client"])
        gnuplot(PLOT % (900, os.path.join(out_dir, "netem.png"),
                        "one connection to nginx, 5 ms each way (netem), log scale", d2))
        os.unlink(d2)
    return ok


def rows_from_results(path):
    """The req/s rows of the loopback and latency-run tables of a results.md
    written by run_bench.py: (loop, netem)."""
    loop, netem = [], []
    into, head = None, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("## "):
                into = loop if "loopback" in line else netem if "Latency run" in line else None
                head = None
                continue
            if into is None or not line.startswith("|"):
                continue
            cells = [c.strip() for c in line.strip("|").split("|")]
            if head is None:
                head = cells
                continue
            if not set(line) - set("|-"):
                continue  # the line under the header
            r = dict(zip(head, cells))
            if not {"client", "body", "req/s"} <= set(r):
                continue
            into.append({"client": r["client"], "body": r["body"],
                         "transport": r.get("transport", "http"),
                         "rps": float(r["req/s"].replace(",", ""))})
    return loop, netem


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="results.md written by run_bench.py")
    ap.add_argument("--out", help="folder for the charts (default: that of results)")
    args = ap.parse_args()
    loop, netem = rows_from_results(args.results)
    if not loop:
        print("bench_charts: no loopback req/s table in %s" % args.results, file=sys.stderr)
        return 2
    out = args.out or os.path.dirname(os.path.abspath(args.results))
    os.makedirs(out, exist_ok=True)
    if not write_charts(out, loop, netem):
        return 2
    print("bench_charts: %d loopback and %d latency-run rows drawn into %s" % (
        len(loop), len(netem), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
