#!/usr/bin/python3
"""A silently dead kept-alive connection, for real (issue 17): a NAT or a
cellular network that dropped an idle connection's mapping sends no FIN and
no RST - the packets just vanish.  Here nftables does that: after the first
request on a connection, every packet from or to the client's port of that
connection is dropped in both directions (tests/lwip/netns.py Blackhole),
while other connections pass.

  - an idempotent GET sent into it meets silence, is taken for dead at its
    first-byte timeout and re-sent once on a fresh connection, where it
    succeeds; the server sees it only there (the dropped copy never
    arrived);
  - a POST without Idempotency-Key is not re-sent (it may have been
    processed): it fails with EMHTTP_ERR_TIMEOUT_FIRST_BYTE, and the next
    request succeeds on a fresh connection (the client stays usable);
  - a POST with an Idempotency-Key is re-sent like the GET;
  - the idle-reuse limit (emhttp_config.idle_reuse_ms): a connection idle
    longer than it is closed and replaced before use - the server sees a
    second connection and the client's close of the first; with the
    connection black-holed meanwhile the request does not even meet it
    (no first-byte wait, no re-send).

The client is tests/integration/peer_driver (POSIX port) with a wait:LABEL
step: it stops there until the test has installed the rule, so nothing
waits on a sleep.  The server is tests/fixtures/peer_server.py, whose event
log says on which connection each request arrived and which client port
each connection came from.

Everything runs in network, mount and PID namespaces the test creates
(tests/lwip/netns.py): root, or exit 77 (skipped) with the reason, except
under CI=true, where it fails; so does a missing or unusable nft.
"""
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("EMHTTP_SOURCE", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "lwip"))

from common import DRIVER, fixtures  # noqa: E402
import netns  # noqa: E402

ERR_TIMEOUT_FIRST_BYTE = -14
TIMING_REUSED = 0x01
HOST = "127.0.0.1"
FIRST_BYTE_MS = 2000  # short enough to wait out, long enough for a loaded VM
MAX_TIME_MS = 10000   # only a bound: each request ends well before it
IDLE_REUSE_MS = 300
IDLE_MS = 800         # the idle time in the idle-reuse tests (> IDLE_REUSE_MS)
ANSWER_TIMEOUT = 30.0  # the longest wait for one line of the driver


def conn_id(peer, i):
    """The server's id of the (i+1)-th connection it accepted."""
    return peer.events("accept")[i]["conn"]


def on_conn(peer, i):
    """The requests the server read on its (i+1)-th connection."""
    accepts = peer.events("accept")
    return peer.requests_on(accepts[i]["conn"]) if i < len(accepts) else []


class Driver:
    """peer_driver with its steps, read line by line; wait:LABEL steps are
    answered with go() once the test has done its part."""

    def __init__(self, port, options, steps):
        cmd = fixtures.wrap([DRIVER, HOST, str(port), "--first-byte", str(FIRST_BYTE_MS),
                             "--max-time", str(MAX_TIME_MS)] + [str(o) for o in options] + list(steps))
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        fixtures._stop_process(self.proc, signal.SIGKILL, grace=5.0)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            pipe.close()
        return False

    def line(self):
        deadline = time.monotonic() + ANSWER_TIMEOUT
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise AssertionError("peer_driver: no line within %ss" % ANSWER_TIMEOUT)
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError("peer_driver ended (rc=%s): %s" % (
                        self.proc.wait(10), self.proc.stderr.read().decode("replace")))
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line.decode())

    def until_wait(self, label):
        """The step lines up to the wait:LABEL step."""
        out = []
        while True:
            ln = self.line()
            if ln.get("wait") == label:
                return out
            out.append(ln)

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def finish(self):
        """The remaining step lines and the stats; the driver's exit status 0."""
        lines = []
        while True:
            ln = self.line()
            if "stats" in ln:
                break
            lines.append(ln)
        rc = self.proc.wait(ANSWER_TIMEOUT)
        if rc != 0:
            raise AssertionError("peer_driver exit %d: %s"
                                 % (rc, self.proc.stderr.read().decode("replace")))
        return lines, ln["stats"]


class DeadConnection(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        netns.ip("link", "set", "lo", "up")
        netns.private_tmp()
        problem = netns.nft_problem()
        if problem:
            netns.skip(problem)  # under CI=true: fails

    def black_hole_after_first(self, options, after):
        """GET /ok, black-hole that connection, then the steps @p after.
        Returns (first line, lines of @p after, stats, peer, packets dropped)."""
        with fixtures.PeerServer(host=HOST) as peer, netns.Blackhole() as bh, \
                Driver(peer.port, options, ["GET:/ok", "wait:drop"] + after) as d:
            first = d.until_wait("drop")
            self.assertEqual(len(first), 1)
            self.assertEqual((first[0]["rc"], first[0]["status"]), (0, 200), first)
            # the request was answered on the first connection: its client port
            accept = peer.wait_event("accept")[0]
            bh.drop(accept["peer_port"])
            d.go()
            lines, stats = d.finish()
            return first[0], lines, stats, peer, bh.dropped()

    def assert_resent(self, r, stats, peer, dropped, method):
        t = r["timing"]
        print("\n%s into the black-holed connection: rc=%d status=%d ms=%d (first-byte timeout "
              "%d ms, recovered %d ms after it) connects=%d resends=%d flags=%d; client: "
              "connects=%d retries=%d; packets dropped=%d"
              % (method, r["rc"], r["status"], r["ms"], FIRST_BYTE_MS, r["ms"] - FIRST_BYTE_MS,
                 t["connects"], t["resends"], t["flags"], stats["connects"], stats["retries"],
                 dropped), flush=True)
        self.assertEqual((r["rc"], r["status"]), (0, 200), r)
        # one fresh connection opened for it, sent once more, there answered
        self.assertEqual((t["connects"], t["resends"]), (1, 1), r)
        self.assertFalse(t["flags"] & TIMING_REUSED, r)
        # it waited out the first-byte timeout on the dead connection first
        self.assertGreaterEqual(r["ms"], FIRST_BYTE_MS, r)
        self.assertGreaterEqual(dropped, 1, "nothing was dropped: the test tested nothing")
        self.assertEqual(stats["retries"], 1, stats)
        # the server: the request only on the new connection (the copy sent
        # into the black hole never arrived), nothing more on the old one
        reqs = peer.events("request")
        self.assertEqual([e["method"] for e in on_conn(peer, 0)], ["GET"], reqs)
        self.assertEqual(on_conn(peer, 1)[0]["method"], method, reqs)
        self.assertEqual(peer.connection_count(), 2)

    def test_get_into_dead_connection_is_resent_once(self):
        first, lines, st, peer, dropped = self.black_hole_after_first([], ["GET:/ok", "GET:/ok"])
        r, after = lines
        self.assert_resent(r, st, peer, dropped, "GET")
        # the fresh connection is kept and reused
        self.assertEqual((after["rc"], after["timing"]["connects"]), (0, 0), after)
        self.assertEqual((st["requests"], st["errors"], st["connects"], st["reuses"]),
                         (3, 0, 2, 2), st)
        self.assertEqual([e["method"] for e in on_conn(peer, 1)], ["GET", "GET"])

    def test_post_with_idempotency_key_is_resent_once(self):
        first, lines, st, peer, dropped = self.black_hole_after_first(
            ["--idempotency-key"], ["POST:/ok"])
        self.assert_resent(lines[0], st, peer, dropped, "POST")
        self.assertEqual((st["requests"], st["errors"], st["connects"]), (2, 0, 2), st)

    def test_post_into_dead_connection_fails_and_client_goes_on(self):
        first, lines, st, peer, dropped = self.black_hole_after_first(
            [], ["POST:/ok", "GET:/ok", "POST:/ok"])
        post, get, post2 = lines
        t = post["timing"]
        print("\nPOST into the black-holed connection: rc=%d (%s) ms=%d resends=%d; then GET "
              "rc=%d connects=%d, POST rc=%d; client: connects=%d retries=%d errors=%d; packets "
              "dropped=%d" % (post["rc"], post["err"], post["ms"], t["resends"], get["rc"],
                              get["timing"]["connects"], post2["rc"], st["connects"],
                              st["retries"], st["errors"], dropped), flush=True)
        # not re-sent (it may have been processed): the definite error
        self.assertEqual(post["rc"], ERR_TIMEOUT_FIRST_BYTE, post)
        self.assertEqual((t["resends"], t["connects"]), (0, 0), post)
        self.assertGreaterEqual(post["ms"], FIRST_BYTE_MS, post)
        self.assertGreaterEqual(dropped, 1)
        # the client goes on: a fresh connection, then reused
        self.assertEqual((get["rc"], get["status"], get["timing"]["connects"]), (0, 200, 1), get)
        self.assertEqual((post2["rc"], post2["status"], post2["timing"]["connects"]),
                         (0, 200, 0), post2)
        self.assertEqual((st["requests"], st["errors"], st["connects"], st["retries"]),
                         (4, 1, 2, 0), st)
        # the server never saw the black-holed POST; the rest on connection 1
        self.assertEqual([e["method"] for e in on_conn(peer, 0)], ["GET"])
        self.assertEqual([e["method"] for e in on_conn(peer, 1)], ["GET", "POST"])
        self.assertEqual(peer.connection_count(), 2)

    def test_idle_reuse_limit_replaces_connection(self):
        # The idle time is what is tested: IDLE_MS of idleness is waited
        # out (sleep:), then the client must not reuse the connection.
        with fixtures.PeerServer(host=HOST) as peer, \
                Driver(peer.port, ["--idle-reuse", IDLE_REUSE_MS],
                       ["GET:/ok", "sleep:%d" % IDLE_MS, "GET:/ok"]) as d:
            (a, b), st = d.finish()
            # the client closed the idle connection (the server reads its FIN)
            closed = peer.wait_event("close", conn=conn_id(peer, 0), timeout=30)
        print("\nidle %d ms, limit %d ms: connects=%d ka_expired=%d retries=%d; server: %d "
              "connections, the first closed (%s)"
              % (IDLE_MS, IDLE_REUSE_MS, st["connects"], st["ka_expired"], st["retries"],
                 peer.connection_count(), closed[0]["why"]), flush=True)
        self.assertEqual((a["rc"], b["rc"]), (0, 0), (a, b))
        self.assertEqual((b["timing"]["connects"], b["timing"]["resends"]), (1, 0), b)
        self.assertEqual((st["connects"], st["ka_expired"], st["retries"], st["reuses"]),
                         (2, 1, 0, 0), st)
        self.assertEqual(peer.connection_count(), 2)
        self.assertEqual([len(on_conn(peer, 0)), len(on_conn(peer, 1))], [1, 1])
        self.assertNotIn(closed[0]["why"], ("idle-timeout", "stop"), closed)

    def test_idle_within_limit_is_reused(self):
        # the control: the same idle time under a longer limit reuses
        with fixtures.PeerServer(host=HOST) as peer, \
                Driver(peer.port, ["--idle-reuse", 30000],
                       ["GET:/ok", "sleep:%d" % IDLE_MS, "GET:/ok"]) as d:
            (a, b), st = d.finish()
        self.assertEqual((a["rc"], b["rc"]), (0, 0), (a, b))
        self.assertEqual((st["connects"], st["ka_expired"], st["reuses"]), (1, 0, 1), st)
        self.assertEqual(peer.connection_count(), 1)

    def test_idle_reuse_limit_avoids_the_dead_connection(self):
        # Black-holed, then idle past the limit: the request goes out on a
        # fresh connection at once - it never meets the dead one.
        first, lines, st, peer, dropped = self.black_hole_after_first(
            ["--idle-reuse", IDLE_REUSE_MS], ["sleep:%d" % IDLE_MS, "GET:/ok"])
        r = lines[0]
        print("\nblack-holed and idle %d ms past a %d ms limit: rc=%d ms=%d connects=%d "
              "resends=%d; client: connects=%d ka_expired=%d retries=%d"
              % (IDLE_MS, IDLE_REUSE_MS, r["rc"], r["ms"], r["timing"]["connects"],
                 r["timing"]["resends"], st["connects"], st["ka_expired"], st["retries"]),
              flush=True)
        self.assertEqual((r["rc"], r["timing"]["connects"], r["timing"]["resends"]),
                         (0, 1, 0), r)
        self.assertEqual((st["connects"], st["ka_expired"], st["retries"]), (2, 1, 0), st)
        self.assertEqual([len(on_conn(peer, 0)), len(on_conn(peer, 1))], [1, 1])


def main():
    netns.unittest_main(DRIVER, "peer_driver")


if __name__ == "__main__":
    main()
