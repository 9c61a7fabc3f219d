#!/usr/bin/python3
"""Session resumption, proven from nginx's side: $ssl_session_reused is "r"
in the access log of every request on a resumed connection.

Reconnects are forced by the server: nginx closing after every response
(keepalive_requests 1), a graceful reload between two requests (its old
worker closes the idle connection; the ticket key file and the shared
session cache outlive the reload), and nginx's idle timeout.  Tickets and
session IDs are tested apart (one of them switched off each time), and a
server that allows neither is the negative control.
"""
import os
import selectors
import subprocess
import time
import unittest

from tls_common import DRIVER, PkiTestCase, cli, drive, fixtures, parse_stats, tls_fixtures


def readline(proc, timeout=30.0):
    """One line of the driver's stdout, waited for at most timeout seconds."""
    line = b""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                break
            chunk = os.read(fd, 1)
            if not chunk:
                break
            line += chunk
    return line.decode()


class TlsResumption(PkiTestCase):

    def run_closing(self, n, **server):
        """n requests with nginx closing after each: (client stats, log)."""
        with tls_fixtures.TlsNginx(self.pki, keepalive_requests=1, **server) as ng:
            rc, out, err = cli(["-n", n, "--stats", "--cacert", self.pki.ca_pem,
                                ng.url("/api", host="localhost")])
            self.assertEqual(rc, 0, err)
            entries = ng.wait_log_count(n)
            self.assertEqual(len(entries), n)
            self.assertEqual(ng.connection_count(entries), n)
            return parse_stats(err), entries

    def test_every_reconnect_resumes_with_tickets(self):
        st, entries = self.run_closing(20, tickets=True, cache=False)
        self.assertEqual((st["ok"], st["connects"], st["tls_handshakes"], st["tls_resumed"]),
                         (20, 20, 20, 19))
        self.assertEqual([e["ssl_session_reused"] for e in entries], ["."] + ["r"] * 19)

    def test_every_reconnect_resumes_with_session_ids(self):
        st, entries = self.run_closing(20, tickets=False, cache=True)
        self.assertEqual((st["connects"], st["tls_handshakes"], st["tls_resumed"]), (20, 20, 19))
        self.assertEqual([e["ssl_session_reused"] for e in entries], ["."] + ["r"] * 19)

    def test_no_resumption_when_the_server_allows_none(self):
        st, entries = self.run_closing(5, tickets=False, cache=False)
        self.assertEqual((st["connects"], st["tls_handshakes"], st["tls_resumed"]), (5, 5, 0))
        self.assertEqual({e["ssl_session_reused"] for e in entries}, {"."})

    def test_resumes_after_reloads(self):
        """A reload closes the idle connection: the next request reconnects
        and resumes (the driver waits on stdin until the reload is done)."""
        for tickets in (True, False):
            with self.subTest(tickets=tickets), \
                    tls_fixtures.TlsNginx(self.pki, tickets=tickets, cache=not tickets) as ng:
                proc = subprocess.Popen(
                    [DRIVER, "localhost", str(ng.port), "--cacert", self.pki.ca_pem,
                     "GET:/api", "wait", "GET:/api", "wait", "2*GET:/api"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
                try:
                    for _ in range(2):
                        self.assertIn('"rc":0', readline(proc))
                        ng.reload()
                        proc.stdin.write(b"go\n")
                        proc.stdin.flush()
                    out, _ = proc.communicate(timeout=60)
                    out = out.decode()
                finally:
                    fixtures._killpg(proc, 9)
                    proc.wait()
                self.assertEqual(proc.returncode, 0)
                self.assertIn('"rc":0', out)
                self.assertIn('"tls_handshakes":3,"tls_resumed":2}', out)
                entries = ng.wait_log_count(4)
                self.assertEqual(len({e["pid"] for e in entries}), 3, "three worker generations")
                self.assertEqual([e["ssl_session_reused"] for e in entries], [".", "r", "r", "r"])

    def test_resumes_after_idle_close(self):
        """nginx closes the idle connection after 1 s; the client notices
        before sending and resumes on the new connection."""
        with tls_fixtures.TlsNginx(self.pki, keepalive_timeout="1s") as ng:
            steps, summary = drive("localhost", ng.port, ["GET:/api", "sleep:2500", "GET:/api"],
                                   ["--cacert", self.pki.ca_pem])
            self.assertEqual([s["rc"] for s in steps], [0, 0], steps)
            st = summary["stats"]
            self.assertEqual((st["connects"], st["retries"], st["tls_resumed"]), (2, 0, 1))
            entries = ng.wait_log_count(2)
            self.assertEqual([e["ssl_session_reused"] for e in entries], [".", "r"])

    def test_forgotten_session_means_a_full_handshake(self):
        with tls_fixtures.TlsNginx(self.pki) as ng:
            steps, summary = drive("localhost", ng.port,
                                   ["GET:/api", "close", "GET:/api", "close", "forget",
                                    "GET:/api"], ["--cacert", self.pki.ca_pem])
            self.assertEqual([s["tls_resumed"] for s in steps], [0, 1, 1])
            entries = ng.wait_log_count(3)
            self.assertEqual([e["ssl_session_reused"] for e in entries], [".", "r", "."])

    def test_request_timing_says_handshake_and_resumed(self):
        """emhttp_request.timing: each request that needed a connection ran
        a handshake (full, then resumed); a reused one ran none; the CLI's
        -w time_appconnect follows (curl's: connect + handshake, 0 when
        the request ran no handshake)."""
        reused, resumed, handshake, started = 1, 2, 8, 4
        with tls_fixtures.TlsNginx(self.pki) as ng:
            steps, _ = drive("localhost", ng.port,
                             ["GET:/api", "GET:/api", "close", "GET:/api"],
                             ["--cacert", self.pki.ca_pem])
            self.assertEqual([(s["timing"]["connects"], s["timing"]["flags"]) for s in steps],
                             [(1, started | handshake), (0, started | reused),
                              (1, started | handshake | resumed)])
        with tls_fixtures.TlsNginx(self.pki, keepalive_requests=2) as ng:
            rc, out, err = cli(["-s", "-S", "-n", "3", "-o", "/dev/null", "-w",
                                "%{num_connects} %{time_connect} %{time_appconnect} "
                                "%{time_pretransfer}\\n",
                                "--cacert", self.pki.ca_pem, ng.url("/api", host="localhost")])
            self.assertEqual(rc, 0, err)
            rows = [[float(x) for x in line.split()] for line in out.decode().splitlines()]
            self.assertEqual([r[0] for r in rows], [1, 0, 1], rows)
            for n, connect, app, pre in rows:
                if n:
                    self.assertTrue(connect <= app == pre, rows)
                else:
                    self.assertEqual((connect, app, pre), (0.0, 0.0, 0.0))


class RedirectingNginx(tls_fixtures.TlsNginx):
    """TlsNginx whose /to answers 302 with Location @p to."""

    def __init__(self, pki, to, **kw):
        super().__init__(pki, **kw)
        self.to = to

    def _locations(self):
        return super()._locations() + "\n        location = /to { return 302 %s; }\n" % self.to


class TlsRedirects(PkiTestCase):
    def test_cli_follows_to_another_https_host(self):
        """-L from https://localhost to https://127.0.0.1 (a CDN's hand-off):
        the detour gets a TLS context of its own, checked against the new
        host (the certificate names both); then back home, where the first
        host's session resumes."""
        with tls_fixtures.TlsNginx(self.pki) as b:  # first: A's Location names its port
            with RedirectingNginx(self.pki, "https://127.0.0.1:%d/api" % b.port) as a:
                rc, out, err = cli(["-s", "-S", "-L", "-n", "2", "-w",
                                    "\\n%{http_code} %{num_redirects} %{num_connects}\\n",
                                    "--cacert", self.pki.ca_pem, a.url("/to", host="localhost")])
                self.assertEqual(rc, 0, err)
                self.assertEqual(out.decode().split("\n"),
                                 ['{"ok":true}', "200 1 2", '{"ok":true}', "200 1 2", ""])
                at_a, at_b = a.wait_log_count(2), b.wait_log_count(2)
                self.assertEqual([(e["uri"], e["status"]) for e in at_a], [("/to", 302)] * 2)
                self.assertEqual([(e["uri"], e["status"]) for e in at_b], [("/api", 200)] * 2)
                self.assertEqual({e["http_host"] for e in at_b}, {"127.0.0.1:%d" % b.port})
                # back home after each detour: a new connection to A, which
                # resumes A's session; B's context is new each time
                self.assertEqual([e["ssl_session_reused"] for e in at_a], [".", "r"])


if __name__ == "__main__":
    fixtures.main()  # exit 77 on a skip, 1 under CI=true
