#!/usr/bin/python3
"""Side-by-side benchmark: emhttp (sequential and pipelined) vs libcurl,
aiohttp, Python's http.client and a raw-socket client.

    /usr/bin/python3 tests/bench/run_bench.py --raw RAW_CLIENT --curl CURL_CLIENT
        [--emhttp EMHTTP_CLI] [--n 20000] [--runs 3] [--cg-n 2000]
        [--cpu 0] [--no-callgrind] [--no-tls] [--no-netem] [--netem-n 200]
        [--build BUILD_DIR] [--out docs/bench]

Every client sends the same JSON POST - the 199-byte tests/bench/body.json
and the 16,384-byte tests/bench/body16k.json - to /api of a private nginx
(tests/fixtures: 1 worker, keepalive_requests 1000000) over one keep-alive
connection: sequentially, or (emhttp --pipeline K) with up to K requests in
flight.  nginx and every client run pinned to the same CPU (taskset -c
CPU).  Every run is checked against nginx's own access log: N requests on
one connection.

HTTPS rows (unless --no-tls): libcurl on OpenSSL (curl_client) against
emhttp on mbedTLS (the library, emhttp_client, and the CLI, sequential and
pipelined) to a second nginx with TLS: ECDSA P-256 certificate from a CA
made at start (tests/tls/tls_fixtures.py), TLS 1.2 with
ECDHE-ECDSA-AES128-GCM-SHA256 on both sides (nginx offers only that, so
both clients do the same cipher work; the suite each connection used is
read back from nginx's log).  One connection per run; the handshake is
excluded: the C clients start the clock after their first request, and
callgrind's Ir(2k) - Ir(k) cancels it (the CLI's req/s includes its one
handshake, about 0.1% of a run).

Instruction splits (with callgrind): the same Ir(2k) - Ir(k), per part of
the code (tests/bench/cg_split.py): head writing, response parsing, the
rest of the client, port I/O, and over TLS the record layer and the cipher.

Latency run (unless --no-netem; needs root, ip and tc): two network
namespaces the bench creates (emhttp-bench-srv-PID, emhttp-bench-cli-PID)
joined by a veth pair, `tc netem delay 5ms` on each end (a round trip of
10 ms, a nearby cloud region); nginx on one side, the plain-HTTP clients
on the other, --netem-n requests per run.  The namespaces are deleted at
the end, on failure and on SIGTERM (and stale ones of dead runs at start).

Two figures per client, printed side by side and as ratios:
  req/s        median of --runs runs of --n requests (runs interleaved
               across clients so drift hits all of them alike);
  instr/req    user-space instructions per request under callgrind:
               (Ir(2k) - Ir(k)) / k with k = --cg-n, so start-up cost cancels.

The targets of issue 16 print PASS or MISS with the margin.  --out writes
the table as markdown (results.md) and a chart (reqs.png, gnuplot;
tests/bench/bench_charts.py redraws the charts from a results.md).  This is a benchmark, not a test: figures never make
it exit non-zero.  Exit 2 = setup failure (missing binary, nginx did not
start), 1 = a client failed to run at all, 0 otherwise.
"""

import argparse
import os
import re
import signal
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))

sys.path.insert(0, os.path.join(ROOT, "tests", "tls"))

from fixtures import FixtureError, Nginx, run  # noqa: E402
import bench_charts  # noqa: E402
import cg_split  # noqa: E402

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
        self.parts = {}              # callgrind Ir per part of the code, by request count
        self.failed = False
        self.p50, self.p99 = [], []  # latency of each run (us), when reported
        self.cg_div = 1              # callgrind with cg_n / cg_div requests (slow clients)
        self.body = self.transport = self.net = None
        self.ng = None               # the nginx it talks to
        self.prefix = []             # run inside a namespace: ip netns exec NAME
        self.cipher = None           # TLS: the suite nginx logged
        self.median = self.ipr = None

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


LAT_ENV = dict(os.environ, EMHTTP_BENCH_LAT="1")


def measure(client, n, cpu):
    """One timed run; returns req/s or None."""
    ng = client.ng
    mark = ng.log_mark()
    rc, out, err = run(pin(cpu) + client.prefix + client.argv(n), timeout=RUN_TIMEOUT,
                       env=LAT_ENV)
    stats = client.parse(rc, out, err, n)
    if stats is None:
        return None
    entries = ng.wait_log_count(n, timeout=10.0, since=mark)
    conns = ng.connection_count(entries)
    if len(entries) != n or conns != 1:
        client.note("nginx saw %d requests on %d connections" %
                    (len(entries), conns))
    if client.transport == "https":
        suites = {e.get("ssl_cipher") for e in entries}
        client.cipher = "/".join(sorted(str(x) for x in suites))
        if suites != {TLS_SUITE_OPENSSL}:
            client.note("cipher %s" % client.cipher)
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


def callgrind_ir(client, n, cpu, tmpdir, cat):
    """Total Ir of the client for n requests, or None; the split per part
    of the code goes to client.parts[n].

    Children are traced too and every process's total is summed, so a
    client started through a wrapper script is still measured whole."""
    prefix = os.path.join(tmpdir, "cg.%s.%s.%s.%d." % (
        client.name, client.transport, client.body.replace(" ", ""), n))
    cmd = pin(cpu) + ["valgrind", "--tool=callgrind", "--trace-children=yes",
                      "--callgrind-out-file=" + prefix + "%p"] + client.argv(n)
    rc, out, err = run(cmd, timeout=CG_TIMEOUT)
    if client.parse(rc, out, err, n) is None:
        return None
    files = [os.path.join(tmpdir, f) for f in os.listdir(tmpdir)
             if os.path.join(tmpdir, f).startswith(prefix)]
    totals = [ir_total(f) for f in files]
    if totals and None not in totals:
        if cat is not None and client.name != "aiohttp" and client.name != "http.client":
            client.parts[n] = cg_split.split(files, cat)
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


def parts_per_request(client, k):
    a, b = client.parts.get(k), client.parts.get(2 * k)
    if a is None or b is None:
        return None
    return {p: (b.get(p, 0) - a.get(p, 0)) / float(k) for p in set(a) | set(b)}


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
# The one suite nginx offers on the bench's TLS server (OpenSSL's name, as
# nginx logs it; IANA TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256): what emhttp
# negotiates by default today, so libcurl does the same cipher work.
TLS_SUITE_OPENSSL = "ECDHE-ECDSA-AES128-GCM-SHA256"


def make_clients(args, bodies, transport, target, net="loopback"):
    """One Client per (peer, body) for one server (target: host, port,
    url, ca, ng, prefix); .body is the body's label."""
    tls = transport == "https"
    ca = [target["ca"]] if tls else []
    clients = []
    for label, body in bodies:
        row = [
            Client("libcurl", args.curl, lambda n, b=body: [target["url"], b, n] + ca, "stdout"),
            Client("emhttp-lib", args.emhttp_lib,
                   lambda n, b=body: [target["host"], target["port"], "/api", b, n] + ca,
                   "stdout"),
        ]
        if not tls:
            row[:0] = [Client("raw", args.raw,
                              lambda n, b=body: [target["host"], target["port"], "/api", b, n],
                              "stdout")]
            row += [
                Client("aiohttp", "/usr/bin/python3",
                       lambda n, b=body: [PY_CLIENTS, "aiohttp", target["host"],
                                          target["port"], "/api", b, n], "stdout"),
                Client("http.client", "/usr/bin/python3",
                       lambda n, b=body: [PY_CLIENTS, "httpclient", target["host"],
                                          target["port"], "/api", b, n], "stdout"),
            ]
            row[-1].cg_div = row[-2].cg_div = 10
        if args.emhttp:
            # The body inline, held in memory as the other clients hold it:
            # --json @FILE streams the file (re-read for every request) and
            # a streamed body never pipelines.
            with open(body, encoding="utf-8") as f:
                text = f.read()
            cacert = ["--cacert", target["ca"]] if tls else []
            row.append(Client(
                "emhttp", args.emhttp,
                lambda n, t=text: ["-s", "--stats", "-n", n] + cacert +
                ["--json", t, target["url"]], "stderr"))
            for k in (4, 16):
                row.append(Client(
                    "emhttp-pipe%d" % k, args.emhttp,
                    lambda n, t=text, k=k: ["-s", "--stats", "-n", n, "--pipeline", k,
                                            "--pipeline-all"] + cacert +
                    ["--json", t, target["url"]], "stderr"))
        for c in row:
            c.body = label
            c.transport = transport
            c.net = net
            c.ng = target["ng"]
            c.prefix = target.get("prefix", [])
        clients += row
    return clients


def rps_ratio(a, b):
    """Median of the per-round ratios: each round runs every client back
    to back, so a slow phase of the machine hits both sides of a ratio."""
    if a.rps and len(a.rps) == len(b.rps):
        return statistics.median(x / y for x, y in zip(a.rps, b.rps))
    return ratio(a.median, b.median)


def med(xs):
    return statistics.median(xs) if xs else None


def find(clients, name, body, transport="http", net="loopback"):
    for c in clients:
        if (c.name, c.body, c.transport, c.net) == (name, body, transport, net):
            return c
    return None


def rows(clients, args, do_cg):
    out = []
    for c in clients:
        c.median = med(c.rps)
        k = args.cg_n // c.cg_div
        c.ipr = instr_per_request(c, k) if do_cg and c.net == "loopback" else None
        c.split = parts_per_request(c, k) if do_cg and c.net == "loopback" else None
    for c in clients:
        r = {"client": c.name, "body": c.body, "transport": c.transport, "net": c.net,
             "rps": c.median, "p50": med(c.p50), "p99": med(c.p99), "ipr": c.ipr,
             "split": c.split, "notes": "; ".join(c.notes) or "ok"}
        for ref in ("libcurl", "aiohttp", "raw", "emhttp"):
            other = find(clients, ref, c.body, c.transport, c.net)
            r["x_" + ref] = rps_ratio(c, other) if other is not None and other.rps else None
        out.append(r)
    return out


HEAD = ("client", "body", "transport", "req/s", "p50 us", "p99 us", "x libcurl",
        "x aiohttp", "x raw", "instr/req", "notes")
NETEM_HEAD = ("client", "body", "req/s", "p50 us", "p99 us", "x emhttp sequential",
              "x libcurl", "notes")
SPLIT_PARTS = ("head writing", "response parsing", "client", "TLS glue", "port I/O",
               "TLS records", "cipher", "libcurl", "caller")
SPLIT_HEAD = ("client", "body", "transport", "instr/req") + SPLIT_PARTS


def cells(r):
    return [r["client"], r["body"], r["transport"], fmt(r["rps"]), fmt(r["p50"], 1),
            fmt(r["p99"], 1), fmtx(r["x_libcurl"]), fmtx(r["x_aiohttp"]), fmtx(r["x_raw"]),
            fmt(r["ipr"]), r["notes"]]


def netem_cells(r):
    return [r["client"], r["body"], fmt(r["rps"]), fmt(r["p50"], 1), fmt(r["p99"], 1),
            fmtx(r["x_emhttp"]), fmtx(r["x_libcurl"]), r["notes"]]


def split_cells(r):
    s = r["split"]
    return [r["client"], r["body"], r["transport"], fmt(r["ipr"])] + [
        fmt(s.get(p)) if abs(s.get(p, 0)) >= 0.5 else "-" for p in SPLIT_PARTS]


def split_rows(table):
    return [r for r in table if r["split"] and r["client"] in
            ("emhttp-lib", "emhttp", "emhttp-pipe16", "libcurl")]


def targets(clients, table):
    """Issue 16's targets on this run: (text, PASS/MISS, by how much)."""
    def get(name, body, transport="http", net="loopback"):
        return next((r for r in table if (r["client"], r["body"], r["transport"], r["net"]) ==
                     (name, body, transport, net)), None)
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
        check("pipelined depth 16: >= 3x emhttp sequential (loopback)", p16["x_emhttp"], 3.0)
    np16 = get("emhttp-pipe16", "200 B", net="netem")
    check("pipelined depth 16: >= 10x emhttp sequential (5 ms netem)",
          np16["x_emhttp"] if np16 else None, 10.0)
    if em16:
        check("16 KB: >= 0.95x raw", em16["x_raw"], 0.95)
        check("16 KB: >= 1.5x libcurl", em16["x_libcurl"], 1.5)
    tem = get("emhttp", "200 B", "https")
    check("TLS 200 B (CLI): >= 1.5x libcurl+OpenSSL", tem["x_libcurl"] if tem else None, 1.5)
    tlib = get("emhttp-lib", "200 B", "https")
    check("TLS 200 B (library): >= 1.5x libcurl+OpenSSL", tlib["x_libcurl"] if tlib else None,
          1.5)
    return out


def text_table(head, body_rows):
    widths = [max(len(h), *(len(r[i]) for r in body_rows)) if body_rows else len(h)
              for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
    for r in body_rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    return lines


def md_table(head, body_rows):
    md = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return md + ["| " + " | ".join(r) + " |" for r in body_rows]


def report(clients, args, do_cg, cg_note, netem_note):
    table = rows(clients, args, do_cg)
    loop = [r for r in table if r["net"] == "loopback"]
    netem = [r for r in table if r["net"] == "netem"]
    print()
    print("\n".join(text_table(HEAD, [cells(r) for r in loop])))
    if not do_cg:
        print("(instructions not measured: %s)" % cg_note)
    sp = split_rows(loop)
    if sp:
        print("\ninstructions per request by part of the code (callgrind, Ir(2k) - Ir(k))")
        print("\n".join(text_table(SPLIT_HEAD, [split_cells(r) for r in sp])))
    print("\nlatency run: %s" % netem_note)
    if netem:
        print("\n".join(text_table(NETEM_HEAD, [netem_cells(r) for r in netem])))
    print("\ntargets (issue 16)")
    tg = targets(clients, table)
    for what, verdict, detail in tg:
        print("  %-62s %s %s" % (what, verdict, detail))
    return table, tg


def write_outputs(out_dir, table, tg, header_lines, netem_note):
    os.makedirs(out_dir, exist_ok=True)
    loop = [r for r in table if r["net"] == "loopback"]
    netem = [r for r in table if r["net"] == "netem"]
    md = ["# emhttp benchmark", "", "Generated by `tests/bench/run.sh` "
          "(tests/bench/run_bench.py); do not edit by hand.", ""]
    md += ["    " + h for h in header_lines] + [""]
    md += ["## One connection to nginx on loopback", ""]
    md += md_table(HEAD, [cells(r) for r in loop])
    sp = split_rows(loop)
    if sp:
        md += ["", "## Instructions per request by part of the code", "",
               "callgrind, Ir(2k) - Ir(k) per part (tests/bench/cg_split.py): *head writing* "
               "http_writer.c, *response parsing* http_parser.c, *client* the rest of core/src, "
               "*TLS glue* core/src/tls.c, *port I/O* port/posix (with the socket calls), "
               "*TLS records* libmbedtls/libmbedx509 or OpenSSL's libssl, *cipher* "
               "libmbedcrypto or OpenSSL's libcrypto, *caller* the bench driver or the CLI's "
               "own output work; the C library is counted with its callers.", ""]
        md += md_table(SPLIT_HEAD, [split_cells(r) for r in sp])
    md += ["", "## Latency run: 5 ms each way (netem)", "", netem_note, ""]
    if netem:
        md += md_table(NETEM_HEAD, [netem_cells(r) for r in netem])
    md += ["", "## Targets (issue 16)", ""]
    md += ["- %s: **%s** %s" % t for t in tg]
    md += ["", "![requests per second](reqs.png)", ""]
    if netem:
        md += ["![requests per second across netem](netem.png)", ""]
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(md))

    bench_charts.write_charts(out_dir, loop, netem)


# ---------------------------------------------------------------------------
# the latency run's namespaces

NS_PREFIX = "emhttp-bench-"
NS_SRV_IP, NS_CLI_IP = "192.0.2.1", "192.0.2.2"   # documentation range, never routed
RELAY_PORT = 8080


def _cmd(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 0:
        raise SetupError("%s: %s" % (" ".join(args), p.stderr.decode(errors="replace").strip()))
    return p.stdout.decode(errors="replace")


def netem_problem():
    if os.geteuid() != 0:
        return "needs root (network namespaces, tc)"
    for tool in ("ip", "tc"):
        if shutil.which(tool) is None:
            return "no %s (iproute2)" % tool
    return None


def remove_stale_namespaces():
    """Namespaces of earlier runs whose bench process is gone."""
    try:
        names = _cmd(["ip", "netns", "list"]).split("\n")
    except (SetupError, OSError, subprocess.TimeoutExpired):
        return
    for line in names:
        m = re.match(r"(%s(?:srv|cli)-(\d+))\b" % NS_PREFIX, line)
        if m and not os.path.exists("/proc/%s" % m.group(2)):
            subprocess.run(["ip", "netns", "del", m.group(1)], stderr=subprocess.DEVNULL,
                           timeout=30)


class NetemPair:
    """Two namespaces joined by a veth pair, netem delay on each end."""

    def __init__(self, delay_ms=5):
        self.srv = "%ssrv-%d" % (NS_PREFIX, os.getpid())
        self.cli = "%scli-%d" % (NS_PREFIX, os.getpid())
        self.delay_ms = delay_ms
        self.made = []
        self.relay = False
        self.relay_proc = None

    def up(self):
        """Namespaces, veth, and the delay: netem on each end, or (a kernel
        without sch_netem) nothing here and .relay = True: the caller
        puts tests/bench/delay_relay.py in front of the server."""
        remove_stale_namespaces()
        for ns in (self.srv, self.cli):
            _cmd(["ip", "netns", "add", ns])
            self.made.append(ns)
            _cmd(["ip", "-n", ns, "link", "set", "lo", "up"])
        _cmd(["ip", "-n", self.srv, "link", "add", "vsrv", "type", "veth", "peer", "name",
              "vcli", "netns", self.cli])
        for ns, dev, addr in ((self.srv, "vsrv", NS_SRV_IP), (self.cli, "vcli", NS_CLI_IP)):
            _cmd(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev])
            _cmd(["ip", "-n", ns, "link", "set", dev, "up"])
        try:
            for ns, dev in ((self.srv, "vsrv"), (self.cli, "vcli")):
                _cmd(["tc", "-n", ns, "qdisc", "add", "dev", dev, "root", "netem", "delay",
                      "%dms" % self.delay_ms, "limit", "10000"])
        except SetupError as e:
            if "unknown" not in str(e):
                raise
            self.relay = True
        return self

    def start_relay(self, upstream_port):
        """delay_relay.py in the server namespace on RELAY_PORT, each way
        delayed by delay_ms; returns the port."""
        self.relay_proc = subprocess.Popen(
            self.exec_in(self.srv) + ["/usr/bin/python3", os.path.join(HERE, "delay_relay.py"),
                                      NS_SRV_IP, str(RELAY_PORT), NS_SRV_IP, str(upstream_port),
                                      str(self.delay_ms)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.relay_proc.stdout.readline().decode(errors="replace").strip()
        if line != "ready":
            err = self.relay_proc.stderr.read(4000).decode(errors="replace") \
                if self.relay_proc.poll() is not None else ""
            raise SetupError("delay_relay.py did not start: %s %s" % (line, err))
        return RELAY_PORT

    def down(self):
        if self.relay_proc is not None:
            self.relay_proc.kill()
            self.relay_proc.wait(timeout=30)
            self.relay_proc = None
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL, timeout=30)
        self.made = []

    def exec_in(self, ns):
        return ["ip", "netns", "exec", ns]

    def rtt_ms(self):
        out = _cmd(self.exec_in(self.cli) + ["ping", "-c", "3", "-i", "0.2", "-q", NS_SRV_IP]) \
            if shutil.which("ping") else ""
        m = re.search(r"= [\d.]+/([\d.]+)/", out)
        return float(m.group(1)) if m else None


class NetnsNginx(Nginx):
    """The fixtures' nginx run inside the server namespace."""

    def __init__(self, pair, **kw):
        super().__init__(listen=NS_SRV_IP, port=80, ipv6=False, **kw)
        self.pair = pair

    def _command(self):
        return self.pair.exec_in(self.pair.srv) + super()._command()

    def _wait_ready(self):
        probe = self.pair.exec_in(self.pair.cli) + [
            "/usr/bin/python3", "-c",
            "import socket,sys; socket.create_connection((%r, %d), 1).close()"
            % (NS_SRV_IP, self.port)]

        def ready():
            if self.proc.poll() is not None:
                return "exited"
            p = subprocess.run(probe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=30)
            return "up" if p.returncode == 0 and self.worker_pids() else None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            state = ready()
            if state == "up":
                return True
            if state == "exited":
                break
            time.sleep(0.05)
        raise FixtureError("nginx in %s did not start:\n%s" % (self.pair.srv,
                                                               self.error_log_text()[-2000:]))


class TlsBenchNginx:
    """TlsNginx offering TLS 1.2 with one suite (built on first use, so a
    build without the TLS fixtures still runs the plain rows)."""

    @staticmethod
    def make(pki, cpus):
        from tls_fixtures import TlsNginx

        class _Ng(TlsNginx):
            def _server_extra(self):
                return super()._server_extra() + "\n        ssl_ciphers %s;" % TLS_SUITE_OPENSSL
        return _Ng(pki, cpus=cpus, protocols="TLSv1.2")


def run_rounds(clients, n, runs, cpu):
    # Warm-up (also proves every client works before timing anything).
    for c in clients:
        if measure(c, min(1000, n), cpu) is None:
            c.failed = True
    for _ in range(runs):
        for c in clients:
            if not c.failed:
                rps = measure(c, n, cpu)
                if rps is not None:
                    c.rps.append(rps)


def main():
    ap = argparse.ArgumentParser(
        description="emhttp vs libcurl vs raw socket, side by side")
    ap.add_argument("--emhttp", help="emhttp CLI (optional)")
    ap.add_argument("--raw", required=True, help="raw_client binary")
    ap.add_argument("--curl", required=True, help="curl_client binary")
    ap.add_argument("--emhttp-lib", required=True,
                    help="emhttp_client binary (the library alone, as curl_client is libcurl)")
    ap.add_argument("--build", help="the build folder of the binaries (its libemhttp_*.a "
                    "name the functions of each part; default: two folders up from "
                    "--emhttp-lib)")
    ap.add_argument("--n", type=int, default=20000,
                    help="requests per timed run (default 20000)")
    ap.add_argument("--runs", type=int, default=7,
                    help="timed runs per client; the median is reported")
    ap.add_argument("--cg-n", type=int, default=2000,
                    help="callgrind at this many requests and twice as many")
    ap.add_argument("--cpu", default="0",
                    help="CPU for nginx and the clients ('' = no pinning)")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--no-tls", action="store_true", help="no HTTPS rows")
    ap.add_argument("--no-netem", action="store_true", help="no latency run")
    ap.add_argument("--netem-n", type=int, default=200,
                    help="requests per run across netem (default 200)")
    ap.add_argument("--netem-runs", type=int, default=3,
                    help="runs per client across netem (default 3)")
    ap.add_argument("--body", default=os.path.join(HERE, "body.json"))
    ap.add_argument("--body16k", default=os.path.join(HERE, "body16k.json"))
    ap.add_argument("--out", help="write results.md, reqs.png and netem.png into this folder")
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
    build = args.build or os.path.dirname(os.path.dirname(os.path.abspath(args.emhttp_lib)))
    cat = cg_split.Categorizer(build) if do_cg else None
    if cat is not None and not cat.have_map:
        print("note: no libemhttp_core.a in %s: emhttp's own code is one part" % build)

    bodies = [("200 B", body), ("16 KB", body16k)]
    with open(body, "rb") as f:
        body_len = len(f.read())
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))   # (finally blocks run)
    ng = tng = pki = pair = nng = None
    tls_note = netem_note = None
    try:
        try:
            ng = Nginx(cpus=cpu)
            ng.start()
        except (FixtureError, OSError) as e:
            print("setup failure: nginx: %s" % e, file=sys.stderr)
            return 2
        clients = make_clients(args, bodies, "http", {
            "host": "127.0.0.1", "port": ng.port, "url": ng.url("/api"), "ng": ng})
        if not args.no_tls:
            try:
                from tls_fixtures import Pki
                pki = Pki()
                tng = TlsBenchNginx.make(pki, cpu)
                tng.start()
                clients += make_clients(args, bodies, "https", {
                    "host": "127.0.0.1", "port": tng.port, "url": tng.url("/api"),
                    "ca": pki.ca_pem, "ng": tng})
                tls_note = ("https: nginx with TLS 1.2, %s only, ECDSA P-256 certificate; "
                            "libcurl on %s, emhttp on mbedTLS %s; handshake excluded"
                            % (TLS_SUITE_OPENSSL, tool_version(["curl-config", "--ssl-backends"]),
                               mbedtls_version()))
            except (FixtureError, OSError, ImportError) as e:
                tls_note = "https rows not run: %s" % e
                print("note: " + tls_note)
        header = []
        header.append("emhttp bench: %d-byte and 16,384-byte JSON POSTs to nginx %s, one "
                      "keep-alive connection per client" % (body_len, ng.url("/api")))
        header.append("cpu: %s (%d online); nginx and clients pinned to CPU %s" % (
            cpu_model(), os.cpu_count() or 0, cpu if cpu else "-"))
        header.append("%s, 1 worker; libcurl %s; %s" % (
            tool_version(["/usr/sbin/nginx", "-v"]),
            tool_version(["curl-config", "--version"]).replace(
                "libcurl ", ""),
            tool_version(["valgrind", "--version"]) if do_cg else
            "no callgrind"))
        if tls_note:
            header.append(tls_note)
        header.append("req/s: median of %d interleaved rounds x %d requests; latency: "
                      "submission to completion (clients that report it)" % (args.runs, args.n))
        if do_cg:
            header.append("instr/req: callgrind, (Ir(2k) - Ir(k)) / k, k = %d (Python "
                          "clients: %d), start-up and handshake cancel" %
                          (args.cg_n, args.cg_n // 10))
        for h in header:
            print(h if h.startswith("emhttp bench") else "  " + h)
        sys.stdout.flush()

        run_rounds(clients, args.n, args.runs, cpu)
        if do_cg:
            with tempfile.TemporaryDirectory(prefix="emhttp-cg-") as tmp:
                for c in clients:
                    if c.failed:
                        continue
                    k0 = args.cg_n // c.cg_div
                    for k in (k0, 2 * k0):
                        c.ir[k] = callgrind_ir(c, k, cpu, tmp, cat)
        ng.stop()
        if tng is not None:
            tng.stop()

        # The latency run.
        problem = "--no-netem" if args.no_netem else netem_problem()
        if problem:
            netem_note = "not run: %s" % problem
        else:
            try:
                pair = NetemPair()
                pair.up()
                nng = NetnsNginx(pair, cpus=cpu)
                nng.start()
                port = nng.port
                if pair.relay:
                    port = pair.start_relay(nng.port)
                    how = ("this kernel has no sch_netem (tc: unknown qdisc), so "
                           "tests/bench/delay_relay.py in the server namespace holds every "
                           "byte %d ms each way (RTT %d ms) in front of nginx (one upstream "
                           "connection per client connection)" % (pair.delay_ms,
                                                                   2 * pair.delay_ms))
                else:
                    rtt = pair.rtt_ms()
                    how = "tc netem delay %d ms on each end (ping RTT %s ms)" % (
                        pair.delay_ms, "%.1f" % rtt if rtt else "?")
                url = "http://%s:%d/api" % (NS_SRV_IP, port)
                netem_clients = make_clients(args, bodies, "http", {
                    "host": NS_SRV_IP, "port": port, "url": url,
                    "ng": nng, "prefix": pair.exec_in(pair.cli)}, net="netem")
                netem_note = (
                    "namespaces %s (nginx, %s) and %s (clients, %s) joined by a veth pair; %s; "
                    "median of %d interleaved rounds x %d requests" % (
                        pair.srv, NS_SRV_IP, pair.cli, NS_CLI_IP, how, args.netem_runs,
                        args.netem_n))
                print("latency run: " + netem_note)
                sys.stdout.flush()
                run_rounds(netem_clients, args.netem_n, args.netem_runs, cpu)
                clients += netem_clients
            except (SetupError, FixtureError, OSError, subprocess.TimeoutExpired) as e:
                netem_note = "failed to set up: %s" % e
                print("note: latency run " + netem_note)
    finally:
        for thing in (nng, tng, ng):
            if thing is not None:
                thing.stop()
        if pair is not None:
            pair.down()
        if pki is not None:
            pki.cleanup()

    table, tg = report(clients, args, do_cg, cg_note, netem_note)
    if args.out:
        write_outputs(args.out, table, tg, header, netem_note)
    return 1 if any(c.failed or not c.rps for c in clients) else 0


def mbedtls_version():
    try:
        with open("/usr/include/mbedtls/version.h") as f:
            m = re.search(r'MBEDTLS_VERSION_STRING\s+"([^"]+)"', f.read())
            return m.group(1) if m else "?"
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
