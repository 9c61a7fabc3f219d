#!/usr/bin/python3
"""Side-by-side benchmark: emhttp vs libcurl vs a raw-socket client.

    /usr/bin/python3 tests/bench/run_bench.py --raw RAW_CLIENT --curl CURL_CLIENT
        [--emhttp EMHTTP_CLI] [--n 20000] [--runs 3] [--cg-n 2000]
        [--cpu 0] [--no-callgrind]

Every client sends the same 199-byte JSON POST (tests/bench/body.json) to
/api of a private nginx (tests/fixtures: 1 worker, keepalive_requests
1000000) over one keep-alive connection, sequentially.  nginx and every
client run pinned to the same CPU (taskset -c CPU), as the figures in
issue 2 were measured.

Two figures per client, printed side by side and as ratios:
  req/s        median of --runs runs of --n requests (runs interleaved
               across clients so drift hits all of them alike);
  instr/req    user-space instructions per request under callgrind:
               (Ir(2k) - Ir(k)) / k with k = --cg-n, so start-up cost cancels.

The budget lines (emhttp: instructions/request <= 3000, req/s >= 0.9x raw)
print PASS or MISS.  This is a benchmark, not a test: figures never make
it exit non-zero.  Exit 2 = setup failure (missing binary, nginx did not
start), 1 = a client failed to run at all, 0 otherwise.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))

from fixtures import FixtureError, Nginx, run  # noqa: E402

BUDGET_INSTR = 3000
BUDGET_RATIO = 0.9
RUN_TIMEOUT = 300.0
CG_TIMEOUT = 900.0


class SetupError(Exception):
    pass


def kv_line(text, marker="req_per_s="):
    """key=value pairs of the last line of text containing marker."""
    for line in reversed(text.splitlines()):
        if marker in line:
            return dict(re.findall(r"(\w+)=(\S+)", line))
    return None


def num(d, key):
    try:
        return float(d[key])
    except (KeyError, TypeError, ValueError):
        return None


class Client:
    """One benchmark peer: how to run it for n requests, how to read it."""

    def __init__(self, name, path, argv, stats_on):
        self.name = name
        self.path = path
        self._argv = argv            # function(n) -> argument list
        self.stats_on = stats_on     # "stdout" or "stderr"
        self.rps = []                # req/s of each run
        self.notes = []              # mismatches and errors, as text
        self.ir = {}                 # callgrind Ir by request count
        self.failed = False

    def argv(self, n):
        return [self.path] + [str(a) for a in self._argv(n)]

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def parse(self, rc, out, err, n):
        """Figures of one run, or None (and a note) when there are none."""
        if rc is None:
            self.note("timed out")
            return None
        stats = kv_line(out if self.stats_on == "stdout" else err)
        if stats is None:
            tail = (err or out).strip().splitlines()[-1:] or ["no output"]
            self.note("exit %s, no figures: %s" % (rc, tail[0]))
            return None
        if rc != 0:
            self.note("exit %d" % rc)
        if num(stats, "requests") != n or num(stats, "ok") != n:
            self.note("ok=%s of %d" % (stats.get("ok"), n))
        if "connects" in stats and num(stats, "connects") != 1:
            self.note("connects=%s (want 1)" % stats["connects"])
        if "errors" in stats and num(stats, "errors") not in (0, None):
            self.note("errors=%s" % stats["errors"])
        return stats


def pin(cpu):
    if cpu is None or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", str(cpu)]


def measure(client, ng, n, cpu):
    """One timed run; returns req/s or None."""
    mark = ng.log_mark()
    rc, out, err = run(pin(cpu) + client.argv(n), timeout=RUN_TIMEOUT)
    stats = client.parse(rc, out, err, n)
    if stats is None:
        return None
    entries = ng.wait_log_count(n, timeout=10.0, since=mark)
    conns = ng.connection_count(entries)
    if len(entries) != n or conns != 1:
        client.note("nginx saw %d requests on %d connections" %
                    (len(entries), conns))
    return num(stats, "req_per_s")


def ir_total(path):
    """The Ir total of one callgrind out file ("totals:" or "summary:")."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    for key in ("totals:", "summary:"):
        m = re.search(r"^%s\s+(\d+)" % key, text, re.M)
        if m:
            return int(m.group(1))
    return None


def callgrind_ir(client, n, cpu, tmpdir):
    """Total Ir of the client for n requests, or None.

    Children are traced too and every process's total is summed, so a
    client started through a wrapper script is still measured whole."""
    prefix = os.path.join(tmpdir, "cg.%s.%d." % (client.name, n))
    cmd = pin(cpu) + ["valgrind", "--tool=callgrind", "--trace-children=yes",
                      "--callgrind-out-file=" + prefix + "%p"] + client.argv(n)
    rc, out, err = run(cmd, timeout=CG_TIMEOUT)
    if client.parse(rc, out, err, n) is None:
        return None
    files = [os.path.join(tmpdir, f) for f in os.listdir(tmpdir)
             if os.path.join(tmpdir, f).startswith(prefix)]
    totals = [ir_total(f) for f in files]
    if totals and None not in totals:
        return sum(totals)
    collected = [int(x) for x in re.findall(r"Collected\s*:\s*(\d+)", err)]
    if collected:
        return sum(collected)
    client.note("no Ir total in callgrind output")
    return None


def instr_per_request(client, k):
    a, b = client.ir.get(k), client.ir.get(2 * k)
    if a is None or b is None:
        return None
    return (b - a) / float(k)


def fmt(x, digits=0):
    if x is None:
        return "-"
    return "{:,.{}f}".format(x, digits)


def fmtx(r):
    return "-" if r is None else "%.2fx" % r


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def tool_version(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=10)
        return p.stdout.decode(errors="replace").strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def check_binary(path, what):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise SetupError("%s: %s is not an executable file" % (what, path))


def make_clients(args, body):
    port_url = {}   # filled once nginx runs

    def url():
        return port_url["url"]

    clients = [
        Client("raw", args.raw,
               lambda n: ["127.0.0.1", port_url["port"], "/api", body, n],
               "stdout"),
        Client("curl", args.curl, lambda n: [url(), body, n], "stdout"),
    ]
    if args.emhttp:
        clients.append(Client(
            "emhttp", args.emhttp,
            lambda n: ["-s", "--stats", "-n", n, "--json", "@" + body, url()],
            "stderr"))
    return clients, port_url


def rps_ratio(a, b):
    """Median of the per-round ratios: each round runs every client back
    to back, so a slow phase of the machine hits both sides of a ratio."""
    if a.rps and len(a.rps) == len(b.rps):
        return statistics.median(x / y for x, y in zip(a.rps, b.rps))
    return ratio(a.median, b.median)


def report(clients, args, do_cg, cg_note):
    by = {c.name: c for c in clients}
    print()
    print("%-8s %12s  %-34s %11s  %s" % ("client", "req/s", "(runs)",
                                         "instr/req", "notes"))
    for c in clients:
        med = statistics.median(c.rps) if c.rps else None
        runs = ", ".join(fmt(r) for r in c.rps)
        ipr = instr_per_request(c, args.cg_n) if do_cg else None
        notes = "; ".join(c.notes) or "ok"
        print("%-8s %12s  %-34s %11s  %s" % (c.name, fmt(med), "(%s)" % runs,
                                             fmt(ipr), notes))
        c.median = med
        c.ipr = ipr
    if not do_cg:
        print("(instructions not measured: %s)" % cg_note)

    print("\nratios (req/s: median of the per-round ratios)")
    pairs = [("emhttp", "raw"), ("emhttp", "curl"), ("curl", "raw")]
    for a, b in pairs:
        if a not in by or b not in by:
            continue
        rr = rps_ratio(by[a], by[b])
        ir = ratio(by[a].ipr, by[b].ipr)
        print("  %-12s req/s %8s   instr/req %8s" % (
            "%s/%s" % (a, b), fmtx(rr), fmtx(ir)))

    print("\nbudget (issue 2, emhttp)")
    em, raw = by.get("emhttp"), by.get("raw")
    if em is None:
        print("  instructions/request <= %d: SKIP (no --emhttp)" %
              BUDGET_INSTR)
        print("  req/s >= %.1fx raw: SKIP (no --emhttp)" % BUDGET_RATIO)
        return
    if em.ipr is None:
        line = "SKIP (not measured)"
    else:
        line = "%s (%s)" % ("PASS" if em.ipr <= BUDGET_INSTR else "MISS",
                            fmt(em.ipr))
    print("  instructions/request <= %d: %s" % (BUDGET_INSTR, line))
    rr = rps_ratio(em, raw)
    if rr is None:
        line = "SKIP (not measured)"
    else:
        line = "%s (%.2fx)" % ("PASS" if rr >= BUDGET_RATIO else "MISS", rr)
    print("  req/s >= %.1fx raw: %s" % (BUDGET_RATIO, line))


def main():
    ap = argparse.ArgumentParser(
        description="emhttp vs libcurl vs raw socket, side by side")
    ap.add_argument("--emhttp", help="emhttp CLI (optional)")
    ap.add_argument("--raw", required=True, help="raw_client binary")
    ap.add_argument("--curl", required=True, help="curl_client binary")
    ap.add_argument("--n", type=int, default=20000,
                    help="requests per timed run (default 20000)")
    ap.add_argument("--runs", type=int, default=7,
                    help="timed runs per client; the median is reported")
    ap.add_argument("--cg-n", type=int, default=2000,
                    help="callgrind at this many requests and twice as many")
    ap.add_argument("--cpu", default="0",
                    help="CPU for nginx and the clients ('' = no pinning)")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--body", default=os.path.join(HERE, "body.json"))
    args = ap.parse_args()
    cpu = args.cpu if args.cpu != "" else None

    try:
        for path, what in ((args.raw, "--raw"), (args.curl, "--curl"),
                           (args.emhttp, "--emhttp")):
            if path:
                check_binary(path, what)
        body = os.path.abspath(args.body)
        if not os.path.isfile(body):
            raise SetupError("body file %s missing" % body)
    except SetupError as e:
        print("setup failure: %s" % e, file=sys.stderr)
        return 2

    do_cg, cg_note = not args.no_callgrind, "--no-callgrind"
    if do_cg and not shutil.which("valgrind"):
        do_cg, cg_note = False, "valgrind not found"
    if cpu is not None and not shutil.which("taskset"):
        print("note: taskset not found, nothing is pinned")
        cpu = None

    clients, port_url = make_clients(args, body)
    with open(body, "rb") as f:
        body_len = len(f.read())
    try:
        ng = Nginx(cpus=cpu)
        ng.start()
    except (FixtureError, OSError) as e:
        print("setup failure: nginx: %s" % e, file=sys.stderr)
        return 2
    try:
        port_url["port"] = ng.port
        port_url["url"] = ng.url("/api")
        print("emhttp bench: %d-byte JSON POST to nginx %s, one keep-alive "
              "connection per client" % (body_len, port_url["url"]))
        print("  cpu: %s (%d online); nginx and clients pinned to CPU %s" % (
            cpu_model(), os.cpu_count() or 0, cpu if cpu else "-"))
        print("  %s, 1 worker; libcurl %s; %s" % (
            tool_version(["/usr/sbin/nginx", "-v"]),
            tool_version(["curl-config", "--version"]).replace(
                "libcurl ", ""),
            tool_version(["valgrind", "--version"]) if do_cg else
            "no callgrind"))
        print("  req/s: median of %d runs x %d requests" % (args.runs, args.n))
        if do_cg:
            print("  instr/req: callgrind, (Ir(%d) - Ir(%d)) / %d" % (
                2 * args.cg_n, args.cg_n, args.cg_n))
        sys.stdout.flush()

        # Warm-up (also proves every client works before timing anything).
        for c in clients:
            if measure(c, ng, min(1000, args.n), cpu) is None:
                c.failed = True
        for _ in range(args.runs):
            for c in clients:
                if not c.failed:
                    rps = measure(c, ng, args.n, cpu)
                    if rps is not None:
                        c.rps.append(rps)
        if do_cg:
            with tempfile.TemporaryDirectory(prefix="emhttp-cg-") as tmp:
                for c in clients:
                    if c.failed:
                        continue
                    for k in (args.cg_n, 2 * args.cg_n):
                        c.ir[k] = callgrind_ir(c, k, cpu, tmp)
    finally:
        ng.stop()

    report(clients, args, do_cg, cg_note)
    return 1 if any(c.failed or not c.rps for c in clients) else 0


if __name__ == "__main__":
    sys.exit(main())
