#!/usr/bin/python3
"""Per-request timing (issue 14): emhttp_request.timing, as the CLI's
-w/--write-out prints it, against fixtures that delay each phase on purpose:

  - a name server that answers late: SlowDns, a few lines of UDP DNS on
    127.0.0.1:53 that answers every query DNS_DELAY seconds after it came
    (dnsmasq cannot delay); /etc/resolv.conf, /etc/nsswitch.conf and
    /etc/hosts are bind-mounted over the machine's in the test's own mount
    namespace, so the name never reaches the machine's resolver;
  - a server that accepts late: LateAccept, a listener with a backlog of 0
    whose accept queue is held full by a connection of its own until
    ACCEPT_DELAY seconds after the kernel dropped the client's first SYN
    (the namespace's TcpExt ListenOverflows counter says when) - so the TCP
    handshake itself completes only after that (at the client's SYN
    retransmission, about 1 s on Linux); it then relays each accepted
    connection to the peer server (a delayed accept() alone would not
    delay the handshake, and tc netem is not available everywhere);
  - a server that answers late: peer_server.py's /delay?ms=M.

Everything runs in network, mount and PID namespaces the test creates
(tests/lwip/netns.py), as test_own_loop does: root, or exit 77 (skipped)
with the reason, except under CI=true, where it fails.

Checks: each measured phase is at least its injected delay; the phases
add up to the total (what is left is the local send and parse, under
SLACK); the total is at most the wall-clock time of the run; the name is
looked up once (time_namelookup 0 afterwards: cached); reuse and connect
counts match what the peer server and the relay saw.
"""
import os
import socket
import struct
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("EMHTTP_SOURCE", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "lwip"))

from common import CLI, cli, fixtures  # noqa: E402
import netns  # noqa: E402

NAME = "slow.test"
DNS_DELAY = 0.4
ACCEPT_DELAY = 0.5
SERVER_DELAY_MS = 600
# Time outside the three phases: formatting and writing a 60-byte head and
# parsing a 90-byte response on localhost, a few polls.  Generous for a
# loaded 2-core VM; the phases themselves are 0.4 to 1 s each.
SLACK = 0.25

FIELDS = ["http_code", "time_namelookup", "time_connect", "time_appconnect",
          "time_pretransfer", "time_starttransfer", "time_total", "num_connects",
          "size_upload", "size_download", "size_header"]
WRITE_OUT = "W " + " ".join("%%{%s}" % f for f in FIELDS) + "\\n"


class SlowDns:
    """UDP DNS on 127.0.0.1:53: NAME's A record is 127.0.0.1, every other
    question gets an empty NOERROR answer; each answer leaves `delay`
    seconds after its query came.  queries: [(name, qtype)]."""

    def __init__(self, delay):
        self.delay = delay
        self.queries = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        self.sock.settimeout(0.05)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.sock.close()
        return False

    def a_queries(self, name=NAME):
        with self.lock:
            return sum(1 for n, t in self.queries if n == name and t == 1)

    def _serve(self):
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Timer(self.delay, self._answer, (data, peer)).start()

    def _answer(self, data, peer):
        qid, _flags, qd = struct.unpack("!HHH", data[:6])
        i, labels = 12, []
        while data[i] != 0:
            labels.append(data[i + 1:i + 1 + data[i]].decode("ascii", "replace"))
            i += 1 + data[i]
        qtype, _qclass = struct.unpack("!HH", data[i + 1:i + 5])
        question = data[12:i + 5]
        name = ".".join(labels).lower()
        with self.lock:
            self.queries.append((name, qtype))
        answers = b""
        if name == NAME and qtype == 1:
            answers = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
        head = struct.pack("!HHHHHH", qid, 0x8180, 1, 1 if answers else 0, 0, 0)
        if not self.stop.is_set():
            self.sock.sendto(head + question + answers, peer)


def listen_overflows():
    """The namespace's count of SYNs dropped on a full accept queue."""
    with open("/proc/net/netstat") as f:
        rows = [line.split() for line in f if line.startswith("TcpExt:")]
    return int(dict(zip(rows[0][1:], rows[1][1:]))["ListenOverflows"])


class LateAccept:
    """A listener that lets no TCP handshake complete until `delay` seconds
    after a client's first SYN (its backlog-0 accept queue is held full by
    its own connection: the kernel drops SYNs meanwhile, and counts them),
    then relays every connection it accepts to 127.0.0.1:upstream.  With
    delay 0 it accepts at once.  accepted: connections relayed."""

    def __init__(self, upstream, delay):
        self.upstream = upstream
        self.accepted = 0
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(0 if delay else 16)
        self.port = self.lsock.getsockname()[1]
        self.plug = None
        if delay:
            self.overflows = listen_overflows()
            self.plug = socket.create_connection(("127.0.0.1", self.port))  # fills the queue
        self.delay = delay
        self.stop = threading.Event()
        self.socks = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        for s in [self.lsock, self.plug] + self.socks:
            if s is not None:
                s.close()
        return False

    def _serve(self):
        if self.plug is not None:
            while listen_overflows() == self.overflows:  # the client's first SYN, dropped
                if self.stop.wait(0.01):
                    return
            if self.stop.wait(self.delay):
                return
            own, _ = self.lsock.accept()  # the plug: the queue has room again
            own.close()
        self.lsock.settimeout(0.05)
        while not self.stop.is_set():
            try:
                client, _ = self.lsock.accept()
            except socket.timeout:
                continue
            self.accepted += 1
            server = socket.create_connection(("127.0.0.1", self.upstream))
            self.socks += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def run_cli(url, n):
    """The CLI with -w, n requests; returns ([dict per request], wall seconds)."""
    t0 = time.monotonic()
    rc, out, err = cli(["-s", "-S", "-o", "/dev/null", "-n", str(n), "-w", WRITE_OUT, url],
                       timeout=120)
    wall = time.monotonic() - t0
    if rc != 0:
        raise AssertionError("emhttp rc=%r: %s" % (rc, err))
    rows = []
    for line in out.decode().splitlines():
        parts = line.split()
        if parts and parts[0] == "W":
            rows.append({k: float(v) if "." in v else int(v) for k, v in zip(FIELDS, parts[1:])})
    print("\n%s -n %d (wall %.3f s):" % (url, n, wall), flush=True)
    for r in rows:
        print("  " + " ".join("%s=%s" % (k, r[k]) for k in FIELDS), flush=True)
    return rows, wall


class Timing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        netns.ip("link", "set", "lo", "up")
        netns.private_tmp()
        # the name server on 127.0.0.1, files then DNS
        netns.private_etc("nameserver 127.0.0.1\noptions attempts:1 timeout:5\n")

    def test_each_phase_at_least_its_delay(self):
        with fixtures.PeerServer() as peer, SlowDns(DNS_DELAY) as dns, \
                LateAccept(peer.port, ACCEPT_DELAY) as late:
            url = "http://%s:%d/delay?ms=%d" % (NAME, late.port, SERVER_DELAY_MS)
            rows, wall = run_cli(url, 2)
            self.assertEqual(len(rows), 2)
            first, second = rows
            lookup = first["time_namelookup"]
            connect = first["time_connect"] - first["time_namelookup"]
            server = first["time_starttransfer"] - first["time_pretransfer"]
            self.assertEqual(first["http_code"], 200)
            self.assertGreaterEqual(lookup, DNS_DELAY)
            self.assertGreaterEqual(connect, ACCEPT_DELAY)
            self.assertGreaterEqual(server, SERVER_DELAY_MS / 1000.0)
            # no handshake over plain TCP: appconnect 0 (curl's), pretransfer = connect
            self.assertEqual(first["time_appconnect"], 0.0)
            self.assertEqual(first["time_pretransfer"], first["time_connect"])
            # the phases add up to the total; the total fits in the run
            self.assertGreaterEqual(first["time_total"], first["time_starttransfer"])
            self.assertLessEqual(first["time_total"] - (lookup + connect + server), SLACK, first)
            self.assertLessEqual(first["time_total"], wall)
            self.assertEqual((first["num_connects"], first["size_download"]), (1, 11))
            self.assertGreater(first["size_header"], 0)
            # the second request: the open connection, nothing resolved
            self.assertEqual((second["time_namelookup"], second["time_connect"],
                              second["time_pretransfer"], second["num_connects"]),
                             (0.0, 0.0, 0.0, 0))
            self.assertGreaterEqual(second["time_starttransfer"], SERVER_DELAY_MS / 1000.0)
            self.assertLessEqual(second["time_total"] - second["time_starttransfer"], SLACK)
            # the servers' view: one lookup, one connection, two requests on it
            self.assertEqual(dns.a_queries(), 1, dns.queries)
            self.assertEqual(late.accepted, 1)
            self.assertEqual(peer.connection_count(), 1)
            self.assertEqual(len(peer.requests_on(1)), 2)

    def test_cached_name_new_connection(self):
        # /conn-close: each answer closes the connection, so the second
        # request connects again - without a lookup (the address is cached)
        with fixtures.PeerServer() as peer, SlowDns(DNS_DELAY) as dns, \
                LateAccept(peer.port, 0) as late:
            rows, _ = run_cli("http://%s:%d/conn-close" % (NAME, late.port), 3)
            self.assertEqual([r["num_connects"] for r in rows], [1, 1, 1])
            self.assertGreaterEqual(rows[0]["time_namelookup"], DNS_DELAY)
            self.assertEqual([r["time_namelookup"] for r in rows[1:]], [0.0, 0.0])
            self.assertTrue(all(r["time_connect"] <= r["time_pretransfer"] <= r["time_starttransfer"]
                                <= r["time_total"] for r in rows), rows)
            self.assertEqual(dns.a_queries(), 1, dns.queries)
            self.assertEqual(late.accepted, 3)
            peer.wait_event("close", count=3)
            self.assertEqual(peer.connection_count(), 3)


def main():
    netns.unittest_main(CLI, "emhttp CLI")


if __name__ == "__main__":
    main()
