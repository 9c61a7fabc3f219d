#!/usr/bin/python3
"""Soak: many requests on one client while nginx reloads under it.

    /usr/bin/python3 tests/soak/soak.py --driver build/gcc/tests/soak_driver
        [-n 1000000] [--reload-every 100000] [--idle-every 10000] [--idle-ms 1000]

tests/soak/soak_driver (one emhttp client, POSIX port, GET /api one after
another) runs N requests against the fixtures' nginx.  After every
--reload-every requests the driver stops between two requests and this
script samples the driver's open file descriptors (/proc/PID/fd) and
resident size (VmRSS in /proc/PID/status), rewrites nginx's
keepalive_timeout (1 s and 60 s in turn, starting from 60 s) and reloads
it (SIGHUP); the driver goes on at once, while the old worker closes its
connections.  Every --idle-every requests the connection stays idle for
about --idle-ms (+-2 %), so with the 1 s keep-alive timeout requests meet
a connection the server is closing.

Passes when: every request completed exactly once with a result; every
one ended ok (200 and the expected body: a request that met a dead
connection was re-sent and then succeeded); nginx logged only 200s, at
least as many as the client's ok and at most ok + retries; the file
descriptors other than sockets are the same at every checkpoint and at
most one socket is open; the RSS at the last checkpoint is not above the
RSS after warm-up (the checkpoint after the first two reloads: both
keep-alive timeouts and the re-send path have run by then) by more than
--rss-slack-kb.  Prints one line of figures:

    soak: requests=N ok=N errors=N bad=N connects=N retries=N reuses=N
          ka_expired=N reloads=N server_200=N fds_before=N fds_after=N
          rss_kb_before=N rss_kb_after=N secs=F

ctest runs the 50,000-request version (label soak); the 1,000,000-request
one is the command above with its defaults (docs/soak.md).
"""

import argparse
import json
import os
import selectors
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "fixtures"))

import fixtures  # noqa: E402  (path set above)

EXPECT = '{"ok":true}'


def fd_sample(pid):
    """(sockets, sorted list of the other fds' targets) of a process."""
    sockets, others = 0, []
    d = "/proc/%d/fd" % pid
    for name in os.listdir(d):
        try:
            target = os.readlink(os.path.join(d, name))
        except FileNotFoundError:       # closed while listing
            continue
        if target.startswith("socket:"):
            sockets += 1
        else:
            others.append("%s->%s" % (name, target))
    return sockets, sorted(others)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


class Lines:
    """Lines of a pipe, each awaited with a deadline."""

    def __init__(self, f):
        self.f = f
        self.buf = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(f, selectors.EVENT_READ)

    def read(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                raise TimeoutError("soak_driver: no output before the deadline")
            chunk = os.read(self.f.fileno(), 65536)
            if not chunk:
                raise EOFError("soak_driver: output ended")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--driver", required=True, help="path of the soak_driver binary")
    ap.add_argument("-n", type=int, default=1000000, help="requests (default 1,000,000)")
    ap.add_argument("--reload-every", type=int, default=100000,
                    help="requests between nginx reloads (default 100,000)")
    ap.add_argument("--idle-every", type=int, default=10000,
                    help="requests between idle pauses (default 10,000; 0 = none)")
    ap.add_argument("--idle-ms", type=int, default=1000, help="idle pause (default 1000 ms)")
    ap.add_argument("--rss-slack-kb", type=int, default=0,
                    help="allowed RSS growth after warm-up (default 0 kB)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="whole-run limit in seconds (default: 10 ms a request + 120 s)")
    ap.add_argument("--cpus", default=None, help="taskset CPU list for nginx and the driver")
    args = ap.parse_args()
    if args.n < 1 or args.reload_every < 1:
        ap.error("-n and --reload-every must be positive")
    timeout = args.timeout or args.n * 0.01 + 120 + \
        (args.n // args.idle_every * args.idle_ms * 1.1 / 1000 if args.idle_every else 0)
    if not os.access(args.driver, os.X_OK):
        print("soak: FAIL: no driver at %s (build the soak_driver target)" % args.driver)
        return 1

    failures = []
    t0 = time.monotonic()
    with fixtures.Nginx(keepalive_timeout="60s", ipv6=False, access_log="status",
                        error_log_level="warn", cpus=args.cpus) as ng:
        cmd = [args.driver, "127.0.0.1", str(ng.port), str(args.n),
               "--checkpoint", str(args.reload_every), "--expect", EXPECT]
        if args.idle_every:
            cmd += ["--idle-every", str(args.idle_every), "--idle-ms", str(args.idle_ms)]
        if args.cpus is not None:
            cmd = ["taskset", "-c", args.cpus] + cmd
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                start_new_session=True)
        pid = proc.pid                # (taskset execs the driver: the same pid)
        samples = []                  # (requests, sockets, others, rss_kb, keepalive)
        reloads = 0
        result = None
        deadline = t0 + timeout
        lines = Lines(proc.stdout)
        print("checkpoint  requests  keepalive  sockets  other_fds  rss_kb", flush=True)
        try:
            while True:
                line = lines.read(deadline)
                if line.startswith("{"):
                    result = json.loads(line)
                    break
                word, k = line.split()
                if word != "checkpoint":
                    raise RuntimeError("soak_driver said: %s" % line)
                k = int(k)
                sockets, others = fd_sample(pid)
                samples.append((k, sockets, others, rss_kb(pid), ng.keepalive_timeout))
                print("%10d  %8d  %9s  %7d  %9d  %6d" % (len(samples), k, ng.keepalive_timeout,
                                                        sockets, len(others), samples[-1][3]),
                      flush=True)
                finish = None
                if k < args.n:
                    reloads += 1
                    finish = ng.reload(keepalive_timeout="1s" if reloads % 2 else "60s",
                                       wait=False)
                proc.stdin.write(b"go\n")
                proc.stdin.flush()
                if finish is not None:
                    finish()          # the old worker gone, while the driver runs
            rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except (TimeoutError, EOFError, RuntimeError, subprocess.TimeoutExpired) as e:
            failures.append(str(e))
            rc = None
        finally:
            if proc.poll() is None:
                os.killpg(pid, signal.SIGKILL)
                proc.wait()
        server = ng.status_counts()
        ng_errors = ng.error_log_text()
    secs = time.monotonic() - t0

    if rc not in (0, None):
        failures.append("soak_driver exited with %s" % rc)
    if result is None:
        failures.append("no result line from soak_driver")
        for f in failures:
            print("soak: FAIL: %s" % f)
        return 1

    cl = result["client"]
    warm = min(2, len(samples) - 1)
    before, after = samples[warm], samples[-1]
    server_200 = server.get(200, 0)
    print("soak: requests=%d ok=%d errors=%d bad=%d connects=%d retries=%d reuses=%d "
          "ka_expired=%d reloads=%d server_200=%d fds_before=%d fds_after=%d "
          "rss_kb_before=%d rss_kb_after=%d secs=%.1f"
          % (result["requests"], result["ok"], result["errors"], result["bad"], cl["connects"],
             cl["retries"], cl["reuses"], cl["ka_expired"], reloads, server_200,
             before[1] + len(before[2]), after[1] + len(after[2]), before[3], after[3], secs))
    if result["codes"]:
        print("soak: error codes: %s" % json.dumps(result["codes"]))

    if result["requests"] != args.n or cl["requests"] != args.n:
        failures.append("requests: driver %d, client %d, wanted %d"
                        % (result["requests"], cl["requests"], args.n))
    if result["double"] or result["lost"]:
        failures.append("completions: %d requests completed twice, %d never"
                        % (result["double"], result["lost"]))
    if result["errors"] or result["bad"] or result["ok"] != args.n:
        failures.append("not every request ended ok: ok=%d errors=%d bad=%d"
                        % (result["ok"], result["errors"], result["bad"]))
    if set(server) - {200}:
        failures.append("nginx logged other statuses: %s" % json.dumps(server))
    if not result["ok"] <= server_200 <= result["ok"] + cl["retries"]:
        failures.append("nginx logged %d 200s; client ok %d, retries %d"
                        % (server_200, result["ok"], cl["retries"]))
    if len(samples) != args.n // args.reload_every + (args.n % args.reload_every != 0):
        failures.append("%d checkpoints" % len(samples))
    for k, sockets, others, rss, ka in samples:
        if others != samples[0][2]:
            failures.append("fds other than sockets changed at %d: %s -> %s"
                            % (k, samples[0][2], others))
        if sockets > 1:
            failures.append("%d sockets open at %d (one connection at most)" % (sockets, k))
    grown = [(k, rss) for k, _, _, rss, _ in samples[warm:] if rss > before[3] + args.rss_slack_kb]
    if grown:
        failures.append("RSS grew after warm-up (%d kB at %d requests): %s"
                        % (before[3], before[0], grown))
    if "[alert]" in ng_errors or "[emerg]" in ng_errors:
        failures.append("nginx error log:\n" + ng_errors[-2000:])
    for f in failures:
        print("soak: FAIL: %s" % f)
    if not failures:
        print("soak: PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
