"""The lwIP tests' fixture: a throw-away network namespace with a tap, dnsmasq
and the lwIP driver (stdlib only, /usr/bin/python3).

    import netns
    netns.enter(sys.argv)            # re-runs this script inside a namespace
    netns.setup_tap()                # emtap0: host 192.0.2.1/24, lwIP 192.0.2.2
    with netns.Dnsmasq() as dns, Nginx(listen=netns.HOST_IP, port=80) as ng:
        with netns.Driver("lwip_driver") as d:
            d.req("POST", "/api", 1000)

enter() re-executes the test as PID 1 of fresh network, PID and mount
namespaces (unshare --net --pid --fork --kill-child --mount-proc).  When
that process ends - normally, on an exception, or killed by a ctest
timeout (unshare's --kill-child passes the kill on) - the kernel kills
every process left in the namespace and deletes the tap with it: nothing
survives a test, and nothing outside the namespace is touched.

Without root, /dev/net/tun or the right to create namespaces, enter()
prints why and exits 77, which ctest reports as skipped.
"""

import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("EMHTTP_SOURCE", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "fixtures"))

import fixtures  # noqa: E402  (path set above)

SKIP = 77
TAP = "emtap0"
HOST_IP = "192.0.2.1"   # documentation range (RFC 5737), never routed
LWIP_IP = "192.0.2.2"
PYTHON = "/usr/bin/python3"
DNSMASQ = "/usr/sbin/dnsmasq"
UNSHARE = ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]
INSIDE = "EMHTTP_LWIP_IN_NETNS"
TEST_BIN = os.environ.get("EMHTTP_TEST_BIN", os.path.join(SOURCE, "build", "gcc", "tests", "lwip"))


class NetnsError(RuntimeError):
    """The namespace, the tap or a server could not be set up."""


def skip(why):
    """Cannot run here: exit 77 (ctest: skipped); under CI=true, where
    nothing may skip, exit 1."""
    if os.environ.get("CI") == "true":
        print("FAILED: CI=true, and this test cannot run: " + why, flush=True)
        sys.exit(1)
    print("SKIPPED: " + why, flush=True)
    sys.exit(SKIP)


# ---------------------------------------------------------------------------
# the namespace

def _privilege_problem(tap=True):
    if os.geteuid() != 0:
        return "needs root (network namespace%s); CI runs as root" % (", tap device" if tap else "")
    if tap and not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun (tun module missing?)"
    if shutil.which("unshare") is None:
        return "no unshare (util-linux)"
    probe = subprocess.run(UNSHARE + ["true"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return "cannot create namespaces: " + probe.stderr.strip()
    return None


def enter(argv, tap=True):
    """Become PID 1 of a new network namespace running argv again.

    Returns only inside the namespace.  Outside, this process is replaced
    by unshare (exec), so a kill of the test kills unshare, and its
    --kill-child kills the namespace's PID 1 and with it everything
    inside.  tap=False: the test needs no tap (no /dev/net/tun check)."""
    if os.environ.get(INSIDE) == "1":
        if os.getpid() != 1:
            raise NetnsError("expected to be PID 1 of the test namespace")
        return
    problem = _privilege_problem(tap)
    if problem:
        skip(problem)
    os.environ[INSIDE] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    argv = [PYTHON, os.path.abspath(argv[0])] + list(argv[1:])
    os.execvp(UNSHARE[0], UNSHARE + argv)


def private_etc(resolv_conf):
    """Bind-mount a resolver configuration over the machine's (in this
    mount namespace only): /etc/resolv.conf with the text resolv_conf,
    nsswitch.conf "hosts: files dns", /etc/hosts with localhost only.
    A missing nsswitch.conf or hosts is left missing (glibc's defaults)."""
    d = tempfile.mkdtemp(prefix="emhttp-etc-")
    files = {"/etc/resolv.conf": resolv_conf,
             "/etc/nsswitch.conf": "hosts: files dns\n",
             "/etc/hosts": "127.0.0.1 localhost\n"}
    for target, text in files.items():
        src = os.path.join(d, os.path.basename(target))
        with open(src, "w") as f:
            f.write(text)
        if not os.path.exists(target):
            if target == "/etc/resolv.conf":
                raise NetnsError("no %s to mount over" % target)
            continue  # glibc's defaults then
        rc = subprocess.run(["mount", "--bind", src, target], capture_output=True, text=True,
                            timeout=30)
        if rc.returncode != 0:
            raise NetnsError("mount --bind %s %s: %s" % (src, target, rc.stderr.strip()))


def unittest_main(binary, what):
    """main() of a unittest module that runs in a network namespace of its
    own (no tap).  Outside it: FAILED (exit 1) when binary (what, e.g. "the
    emhttp CLI") is missing or when CI=true and no namespace can be made;
    then enter() (exit 77, skipped, with the reason when it cannot) and,
    inside, unittest.main() of the __main__ module."""
    if os.environ.get(INSIDE) != "1":
        if not os.path.exists(binary):
            print("FAILED: no %s at %s" % (what, binary), flush=True)
            sys.exit(1)
        problem = _privilege_problem(tap=False)
        if problem and os.environ.get("CI") == "true":
            print("FAILED (CI=true, must not skip): " + problem, flush=True)
            sys.exit(1)
    enter(sys.argv, tap=False)  # exits 77 (skipped) with the reason when it cannot
    unittest.main(module="__main__", verbosity=2)


def _under(path, base):
    return os.path.realpath(path).startswith(os.path.realpath(base) + os.sep)


def private_tmp():
    """Mount a tmpfs that only this namespace sees and make it TMPDIR:
    every temporary file of the test (nginx's and dnsmasq's directories,
    logs) vanishes with the namespace, even when the test is killed.  It
    covers the system's temporary directory itself unless the binaries
    live there (then a directory in the build tree).
    EMHTTP_KEEP_FIXTURES=1 keeps them in the normal TMPDIR instead."""
    if os.environ.get("EMHTTP_KEEP_FIXTURES") == "1":
        return
    path = tempfile.gettempdir()
    needed = [TEST_BIN, SOURCE, os.environ.get("EMHTTP_LWIP_EXAMPLE") or TEST_BIN]
    if any(_under(p, path) for p in needed):
        path = os.path.join(TEST_BIN, "netns-tmp")
        os.makedirs(path, exist_ok=True)
    rc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=1777", "emhttp-netns", path],
                        capture_output=True, text=True, timeout=30)
    if rc.returncode != 0:
        raise NetnsError("mount tmpfs on %s: %s" % (path, rc.stderr.strip()))
    os.environ["TMPDIR"] = path
    tempfile.tempdir = path


def ip(*args):
    rc = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=30)
    if rc.returncode != 0:
        raise NetnsError("ip %s: %s" % (" ".join(args), rc.stderr.strip()))


def setup_tap():
    """lo up; TAP with the host side at HOST_IP/24, admin-up (no carrier
    until the driver attaches), IPv6 off on it (no stray frames)."""
    ip("link", "set", "lo", "up")
    try:
        ip("tuntap", "add", "dev", TAP, "mode", "tap")
    except NetnsError as e:
        skip("cannot create a tap device: %s" % e)
    v6 = "/proc/sys/net/ipv6/conf/%s/disable_ipv6" % TAP
    if os.path.exists(v6):
        with open(v6, "w") as f:
            f.write("1")
    ip("addr", "add", HOST_IP + "/24", "dev", TAP)
    ip("link", "set", TAP, "up")


def tap_running():
    """True while a driver holds the tap open (carrier on)."""
    try:
        with open("/sys/class/net/%s/carrier" % TAP) as f:
            return f.read().strip() == "1"
    except OSError:
        return False


# ---------------------------------------------------------------------------
# dnsmasq

def _udp_bound(addr, port):
    """True when something listens on addr:port/udp (in this namespace)."""
    a = addr.split(".")
    want = "%02X%02X%02X%02X:%04X" % (int(a[3]), int(a[2]), int(a[1]), int(a[0]), port)
    try:
        with open("/proc/net/udp") as f:
            return any(line.split()[1] == want for line in f.readlines()[1:])
    except OSError:
        return False


class Dnsmasq:
    """Debian's dnsmasq-base on HOST_IP:53, answering only for `names`
    (with HOST_IP), logging every query to its own file."""

    def __init__(self, names=("api.test",), start_timeout=10.0):
        self.names = list(names)
        self.start_timeout = start_timeout
        self.dir = tempfile.mkdtemp(prefix="emhttp-dnsmasq-")
        self.log = os.path.join(self.dir, "queries.log")
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if os.environ.get("EMHTTP_KEEP_FIXTURES") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def _command(self):
        cmd = [DNSMASQ, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
               "--no-hosts", "--log-queries", "--log-facility=" + self.log,
               "--listen-address=" + HOST_IP, "--bind-interfaces", "--port=53",
               "--pid-file=" + os.path.join(self.dir, "dnsmasq.pid"), "--user=root"]
        return cmd + ["--address=/%s/%s" % (n, HOST_IP) for n in self.names]

    def start(self, names=None):
        if names is not None:
            self.names = list(names)
        with open(os.path.join(self.dir, "stderr.log"), "ab") as err:
            self.proc = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err, start_new_session=True)
        up = fixtures._wait_until(
            lambda: self.proc.poll() is not None or _udp_bound(HOST_IP, 53), self.start_timeout)
        if not up or self.proc.poll() is not None:
            self.stop()
            raise NetnsError("dnsmasq did not start:\n" + self.log_text())
        return self

    def stop(self):
        fixtures._stop_process(self.proc, signal.SIGTERM)
        self.proc = None

    def restart(self, names=None):
        self.stop()
        return self.start(names)

    def log_text(self):
        return fixtures._tail(self.log, 1 << 20) + fixtures._tail(
            os.path.join(self.dir, "stderr.log"))

    def queries(self, name=None, source=LWIP_IP):
        """The logged queries from `source` (default: lwIP), as (type, name)
        pairs."""
        pat = re.compile(r"query\[(\w+)\] (\S+) from " + re.escape(source) + r"$")
        out = []
        for line in self.log_text().splitlines():
            m = pat.search(line)
            if m and (name is None or m.group(2) == name):
                out.append((m.group(1), m.group(2)))
        return out

    def wait_queries(self, name, n, timeout=5.0, source=LWIP_IP):
        """Wait until at least n queries for name are logged; return all of them."""
        fixtures._wait_until(lambda: len(self.queries(name, source)) >= n, timeout)
        return self.queries(name, source)


# ---------------------------------------------------------------------------
# the driver (tests/lwip/lwip_driver.c)

class Driver:
    """lwip_driver (or lwip_driver_sys) as a subprocess: one command line
    in, one JSON line out.  Every answer is waited for at most `timeout`."""

    def __init__(self, name="lwip_driver", args=(), start_timeout=30.0):
        self.exe = os.path.join(TEST_BIN, name)
        self.args = [str(a) for a in args]
        self.start_timeout = start_timeout
        fd, self.errpath = tempfile.mkstemp(prefix="emhttp-lwip-driver-", suffix=".log")
        os.close(fd)
        self.proc = None
        self._buf = b""

    def __enter__(self):
        with open(self.errpath, "ab") as err:
            self.proc = subprocess.Popen([self.exe] + self.args, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=err,
                                         start_new_session=True)
        try:
            ready = self._read_json(self.start_timeout)
            if ready.get("cmd") != "ready":
                raise NetnsError("driver did not start: %r" % ready)
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc):
        rc = 0
        if self.proc is not None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            fixtures._stop_process(self.proc, signal.SIGKILL, grace=1.0)
            rc = self.proc.returncode
            for pipe in (self.proc.stdin, self.proc.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
            self.proc = None
        # A clean exit is part of the test (sanitizers report at exit).
        failed = (not exc or exc[0] is None) and rc != 0
        why = "driver exit status %s; stderr:\n%s" % (rc, self.stderr())
        if os.environ.get("EMHTTP_KEEP_FIXTURES") != "1":
            try:
                os.unlink(self.errpath)
            except OSError:
                pass
        if failed:
            raise NetnsError(why)
        return False

    def stderr(self):
        return fixtures._tail(self.errpath)

    def _read_json(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise NetnsError("driver: no answer within %ss; stderr:\n%s"
                                     % (timeout, self.stderr()))
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise NetnsError("driver exited (rc=%s); stderr:\n%s"
                                     % (self.proc.poll(), self.stderr()))
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line.decode())

    def command(self, line, timeout=60.0):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        return self._read_json(timeout)

    def req(self, method, path, count=1, delay_us=0, body=0, timeout=60.0):
        return self.command("req %s %s %d %d %d" % (method, path, count, delay_us, body), timeout)

    def stats(self):
        return self.command("stats", 30.0)


# ---------------------------------------------------------------------------
# a silently dead connection (nftables)

NFT = "/usr/sbin/nft"


def nft_problem():
    """Why nftables cannot be used here (None when it can).  Call inside
    the namespace: it tries a table of its own and removes it."""
    if not os.path.exists(NFT):
        return "no %s (Debian package nftables, .ci/deps.sh)" % NFT
    rc = subprocess.run([NFT, "add table inet emhttp_probe ; delete table inet emhttp_probe"],
                        capture_output=True, text=True, timeout=30)
    if rc.returncode != 0:
        return "nft cannot create a table in this namespace: " + rc.stderr.strip()
    return None


class Blackhole:
    """Black-holes TCP connections in this namespace, as a NAT that dropped
    its mapping does: every packet of the connection from or to a given
    local port of the client is dropped, in both directions, on the input
    and the output hook (so no FIN, no RST, no ACK gets through either
    way; other connections are untouched).  Each rule counts what it
    dropped (dropped()).  The table lives in the test's namespace only
    and goes with it; stop() removes it earlier."""

    TABLE = "emhttp_blackhole"

    def __init__(self):
        self.ports = []

    def __enter__(self):
        self._nft("add table inet %s" % self.TABLE)
        for hook in ("input", "output"):
            self._nft("add chain inet %s %s { type filter hook %s priority -10 ; }"
                      % (self.TABLE, hook, hook))
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self):
        subprocess.run([NFT, "delete table inet %s" % self.TABLE], capture_output=True,
                       timeout=30)

    def _nft(self, cmd):
        rc = subprocess.run([NFT, cmd], capture_output=True, text=True, timeout=30)
        if rc.returncode != 0:
            raise NetnsError("nft %s: %s" % (cmd, rc.stderr.strip()))
        return rc.stdout

    def drop(self, port):
        """From now on drop every TCP packet from or to local port @p port."""
        for hook in ("input", "output"):
            for field in ("sport", "dport"):
                self._nft("add rule inet %s %s tcp %s %d counter drop"
                          % (self.TABLE, hook, field, port))
        self.ports.append(port)

    def dropped(self):
        """Packets the rules dropped so far (all of them)."""
        text = self._nft("list table inet %s" % self.TABLE)
        return sum(int(n) for n in re.findall(r"counter packets (\d+)", text))
