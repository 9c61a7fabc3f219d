#!/usr/bin/python3
"""Side-by-side benchmark: emhttp (sequential and pipelined) vs libcurl,
aiohttp, Python's http.client and a raw-socket client.

    /usr/bin/python3 tests/bench/run_bench.py --raw RAW_CLIENT --curl CURL_CLIENT
        [--emhttp EMHTTP_CLI] [--n 20000] [--runs 3] [--cg-n 2000]
        [--cpu 0] [--no-callgrind] [--out docs/bench]

Every client sends the same JSON POST - the 199-byte tests/bench/body.json
and the 16,384-byte tests/bench/body16k.json - to /api of a private nginx
(tests/fixtures: 1 worker, keepalive_requests 1000000) over one keep-alive
connection: sequentially, or (emhttp --pipeline K) with up to K requests in
flight.  nginx and every client run pinned to the same CPU (taskset -c
CPU).  Every run is checked against nginx's own access log: N requests on
one connection.

Two figures per client, printed side by side and as ratios:
  req/s        median of --runs runs of --n requests (runs interleaved
               across clients so drift hits all of them alike);
  instr/req    user-space instructions per request under callgrind:
               (Ir(2k) - Ir(k)) / k with k = --cg-n, so start-up cost cancels.

The targets of issue 16 print PASS or MISS with the margin.  --out writes
the table as markdown (results.md) and a chart (reqs.png, gnuplot).  This is a benchmark, not a test: figures never make
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
        self.p50, self.p99 = [], []  # latency of each run (us), when reported
        self.cg_div = 1              # callgrind with cg_n / cg_div requests (slow clients)

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
    if num(stats, "p50_us") is not None:
        client.p50.append(num(stats, "p50_us"))
        client.p99.append(num(stats, "p99_us"))
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


PY_CLIENTS = os.path.join(HERE, "py_clients.py")


def make_clients(args, bodies):
    """One Client per (peer, body); .body is the body's label."""
    port_url = {}   # filled once nginx runs

    def url():
        return port_url["url"]

    clients = []
    for label, body in bodies:
        row = [
            Client("raw", args.raw,
                   lambda n, b=body: ["127.0.0.1", port_url["port"], "/api", b, n], "stdout"),
            Client("libcurl", args.curl, lambda n, b=body: [url(), b, n], "stdout"),
            Client("emhttp-lib", args.emhttp_lib,
                   lambda n, b=body: ["127.0.0.1", port_url["port"], "/api", b, n], "stdout"),
            Client("aiohttp", "/usr/bin/python3",
                   lambda n, b=body: [PY_CLIENTS, "aiohttp", "127.0.0.1", port_url["port"],
                                      "/api", b, n], "stdout"),
            Client("http.client", "/usr/bin/python3",
                   lambda n, b=body: [PY_CLIENTS, "httpclient", "127.0.0.1",
                                      port_url["port"], "/api", b, n], "stdout"),
        ]
        row[2].cg_div = row[3].cg_div = 10
        if args.emhttp:
            row.append(Client(
                "emhttp", args.emhttp,
                lambda n, b=body: ["-s", "--stats", "-n", n, "--json", "@" + b, url()],
                "stderr"))
            for k in (4, 16):
                row.append(Client(
                    "emhttp-pipe%d" % k, args.emhttp,
                    lambda n, b=body, k=k: ["-s", "--stats", "-n", n, "--pipeline", k,
                                            "--pipeline-all", "--json", "@" + b, url()],
                    "stderr"))
        for c in row:
            c.body = label
        clients += row
    return clients, port_url


def rps_ratio(a, b):
    """Median of the per-round ratios: each round runs every client back
    to back, so a slow phase of the machine hits both sides of a ratio."""
    if a.rps and len(a.rps) == len(b.rps):
        return statistics.median(x / y for x, y in zip(a.rps, b.rps))
    return ratio(a.median, b.median)


def med(xs):
    return statistics.median(xs) if xs else None


def find(clients, name, body):
    for c in clients:
        if c.name == name and c.body == body:
            return c
    return None


def rows(clients, args, do_cg):
    out = []
    for c in clients:
        c.median = med(c.rps)
        k = args.cg_n // c.cg_div
        c.ipr = instr_per_request(c, k) if do_cg else None
    for c in clients:
        r = {"client": c.name, "body": c.body, "transport": "http",
             "rps": c.median, "p50": med(c.p50), "p99": med(c.p99), "ipr": c.ipr,
             "notes": "; ".join(c.notes) or "ok"}
        for ref in ("libcurl", "aiohttp", "raw"):
            other = find(clients, ref, c.body)
            r["x_" + ref] = rps_ratio(c, other) if other is not None else None
        out.append(r)
    return out


HEAD = ("client", "body", "transport", "req/s", "p50 us", "p99 us", "x libcurl",
        "x aiohttp", "x raw", "instr/req", "notes")


def cells(r):
    return [r["client"], r["body"], r["transport"], fmt(r["rps"]), fmt(r["p50"], 1),
            fmt(r["p99"], 1), fmtx(r["x_libcurl"]), fmtx(r["x_aiohttp"]), fmtx(r["x_raw"]),
            fmt(r["ipr"]), r["notes"]]


def targets(clients, table):
    """Issue 16's targets on this run: (text, PASS/MISS, by how much)."""
    def get(name, body):
        return next((r for r in table if r["client"] == name and r["body"] == body), None)
    out = []

    def check(what, got, want, higher=True, unit="x"):
        if got is None:
            out.append((what, "SKIP", "not measured"))
            return
        ok = got >= want if higher else got <= want
        miss = "" if ok else " (missed by %.0f%%)" % (abs(want - got) / want * 100)
        shown = ("%.2fx" % got) if unit == "x" else fmt(got)
        out.append((what, "PASS" if ok else "MISS", shown + miss))
    lib = get("emhttp-lib", "200 B")
    if lib:
        check("emhttp library, sequential 200 B: <= 3,000 instr/req (issues 11, 12)",
              lib["ipr"], 3000, higher=False, unit="n")
    em = get("emhttp", "200 B")
    em16 = get("emhttp", "16 KB")
    p16 = get("emhttp-pipe16", "200 B")
    if em:
        check("sequential 200 B: >= 0.95x raw", em["x_raw"], 0.95)
        check("sequential 200 B: >= 2x libcurl", em["x_libcurl"], 2.0)
        check("sequential 200 B: <= 2,500 instr/req", em["ipr"], 2500, higher=False, unit="n")
        check("sequential 200 B: >= 10x aiohttp", em["x_aiohttp"], 10.0)
    if p16 and em:
        check("pipelined depth 16: >= 3x emhttp sequential (loopback)",
              rps_ratio(find(clients, "emhttp-pipe16", "200 B"), find(clients, "emhttp", "200 B")),
              3.0)
    if em16:
        check("16 KB: >= 0.95x raw", em16["x_raw"], 0.95)
        check("16 KB: >= 1.5x libcurl", em16["x_libcurl"], 1.5)
    return out


def report(clients, args, do_cg, cg_note):
    table = rows(clients, args, do_cg)
    widths = [max(len(h), *(len(cells(r)[i]) for r in table)) for i, h in enumerate(HEAD)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(HEAD, widths)).rstrip())
    for r in table:
        print("  ".join(v.ljust(w) for v, w in zip(cells(r), widths)).rstrip())
    if not do_cg:
        print("(instructions not measured: %s)" % cg_note)
    print("\ntargets (issue 16)")
    tg = targets(clients, table)
    for what, verdict, detail in tg:
        print("  %-58s %s %s" % (what, verdict, detail))
    return table, tg


def write_outputs(out_dir, table, tg, header_lines):
    os.makedirs(out_dir, exist_ok=True)
    md = ["# emhttp benchmark", "", "Generated by `tests/bench/run.sh` "
          "(tests/bench/run_bench.py); do not edit by hand.", ""]
    md += ["    " + h for h in header_lines] + [""]
    md.append("| " + " | ".join(HEAD) + " |")
    md.append("|" + "---|" * len(HEAD))
    for r in table:
        md.append("| " + " | ".join(cells(r)) + " |")
    md += ["", "Targets (issue 16):", ""]
    md += ["- %s: **%s** %s" % t for t in tg]
    md += ["", "![requests per second](reqs.png)", ""]
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(md))
    dat = os.path.join(out_dir, "reqs.dat")
    names = []
    for r in table:
        if r["client"] not in names:
            names.append(r["client"])
    with open(dat, "w") as f:
        f.write("client small large\n")
        for n in names:
            a = next((r["rps"] for r in table if r["client"] == n and r["body"] == "200 B"), None)
            b = next((r["rps"] for r in table if r["client"] == n and r["body"] == "16 KB"), None)
            f.write("%s %s %s\n" % (n, a or 0, b or 0))
    gp = shutil.which("gnuplot")
    if gp is None:
        print("note: gnuplot not found, no chart")
        return
    script = """set terminal png size 900,480
set output '%s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'requests/s (median)'
set title 'one connection to nginx on loopback, one CPU'
set key top right
set xtics rotate by -25
plot '%s' using 2:xtic(1) title '200 B POST', '' using 3 title '16 KB POST'
""" % (os.path.join(out_dir, "reqs.png"), dat)
    subprocess.run([gp], input=script.encode(), check=False)
    os.unlink(dat)


def main():
    ap = argparse.ArgumentParser(
        description="emhttp vs libcurl vs raw socket, side by side")
    ap.add_argument("--emhttp", help="emhttp CLI (optional)")
    ap.add_argument("--raw", required=True, help="raw_client binary")
    ap.add_argument("--curl", required=True, help="curl_client binary")
    ap.add_argument("--emhttp-lib", required=True,
                    help="emhttp_client binary (the library alone, as curl_client is libcurl)")
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
    ap.add_argument("--body16k", default=os.path.join(HERE, "body16k.json"))
    ap.add_argument("--out", help="write results.md and reqs.png into this folder")
    args = ap.parse_args()
    cpu = args.cpu if args.cpu != "" else None

    try:
        for path, what in ((args.raw, "--raw"), (args.curl, "--curl"),
                           (args.emhttp_lib, "--emhttp-lib"),
                           (args.emhttp, "--emhttp")):
            if path:
                check_binary(path, what)
        body = os.path.abspath(args.body)
        body16k = os.path.abspath(args.body16k)
        for b in (body, body16k):
            if not os.path.isfile(b):
                raise SetupError("body file %s missing" % b)
    except SetupError as e:
        print("setup failure: %s" % e, file=sys.stderr)
        return 2

    do_cg, cg_note = not args.no_callgrind, "--no-callgrind"
    if do_cg and not shutil.which("valgrind"):
        do_cg, cg_note = False, "valgrind not found"
    if cpu is not None and not shutil.which("taskset"):
        print("note: taskset not found, nothing is pinned")
        cpu = None

    clients, port_url = make_clients(args, [("200 B", body), ("16 KB", body16k)])
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
        header = []
        header.append("emhttp bench: %d-byte and 16,384-byte JSON POSTs to nginx %s, one "
                      "keep-alive connection per client" % (body_len, port_url["url"]))
        header.append("cpu: %s (%d online); nginx and clients pinned to CPU %s" % (
            cpu_model(), os.cpu_count() or 0, cpu if cpu else "-"))
        header.append("%s, 1 worker; libcurl %s; %s" % (
            tool_version(["/usr/sbin/nginx", "-v"]),
            tool_version(["curl-config", "--version"]).replace(
                "libcurl ", ""),
            tool_version(["valgrind", "--version"]) if do_cg else
            "no callgrind"))
        header.append("req/s: median of %d interleaved rounds x %d requests; latency: "
                      "submission to completion (clients that report it)" % (args.runs, args.n))
        if do_cg:
            header.append("instr/req: callgrind, (Ir(2k) - Ir(k)) / k, k = %d (Python "
                          "clients: %d), start-up cancels" % (args.cg_n, args.cg_n // 10))
        for h in header:
            print(h if h.startswith("emhttp bench") else "  " + h)
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
                    k0 = args.cg_n // c.cg_div
                    for k in (k0, 2 * k0):
                        c.ir[k] = callgrind_ir(c, k, cpu, tmp)
    finally:
        ng.stop()

    table, tg = report(clients, args, do_cg, cg_note)
    if args.out:
        write_outputs(args.out, table, tg, header)
    return 1 if any(c.failed or not c.rps for c in clients) else 0


if __name__ == "__main__":
    sys.exit(main())
