#!/usr/bin/python3
"""One client object against misbehaving peers (tests/fixtures/peer_server.py).

Every failure is followed by a request that must succeed on the same
client: the client stays usable after every kind of error.
"""
import unittest

from common import cli, drive, fixtures, fnv1a64, parse_stats

ERR = {"ok": 0, "closed": -12, "reset": -13, "first_byte": -14, "timeout": -15,
       "protocol": -16, "too_large": -17, "bad_length": -18}


def det_bytes(n):
    pattern = bytes(range(251))
    return (pattern * (n // 251 + 1))[:n]


class OneClientManyFaults(unittest.TestCase):
    def run_steps(self, peer, steps, options=()):
        results, stats = drive("127.0.0.1", peer.port, steps, options)
        self.assertEqual(len(results), len(steps) - sum(s.startswith("sleep:") for s in steps))
        return results, stats

    def assert_rcs(self, results, names):
        got = [(r["step"], r["rc"]) for r in results]
        want = [(r["step"], ERR[n]) for r, n in zip(results, names)]
        self.assertEqual(got, want)

    def test_every_fault_then_success(self):
        with fixtures.PeerServer() as peer:
            steps = ["GET:/ok",
                     "GET:/reset-mid-body", "GET:/ok",
                     "GET:/stall", "GET:/ok",
                     "GET:/stall-body", "GET:/ok",
                     "GET:/garbage", "GET:/ok",
                     "GET:/huge-header?n=10000", "GET:/ok",
                     "GET:/bad-cl", "GET:/ok"]
            res, st = self.run_steps(peer, steps, ["--first-byte", "1500", "--max-time", "3000"])
            # /stall goes out on a reused connection: silent past the
            # first-byte timeout, it is taken for silently dead (a NAT
            # dropped it) and re-sent once on a fresh one, which stalls
            # too, until the request timeout
            self.assert_rcs(res, ["ok", "reset", "ok", "timeout", "ok", "timeout", "ok",
                                  "protocol", "ok", "too_large", "ok", "bad_length", "ok"])
            self.assertEqual(st["requests"], len(steps))
            self.assertEqual(st["errors"], 6)
            self.assertEqual(st["retries"], 1)
            # each failure closed its connection; each /ok after it opened one
            self.assertEqual(st["connects"], peer.connection_count())
            self.assertEqual(st["connects"], 8)

    def test_bodies_arrive_intact(self):
        with fixtures.PeerServer() as peer:
            steps = ["GET:/slow-bytes", "GET:/chunked?n=100000", "GET:/big?n=300000",
                     "GET:/interim", "GET:/close-delimited?n=50000", "GET:/ok"]
            res, st = self.run_steps(peer, steps)
            self.assertTrue(all(r["rc"] == 0 and r["status"] == 200 for r in res), res)
            self.assertEqual((res[0]["len"], res[0]["fnv"]), (12, fnv1a64(b"hello, world")))
            for r, n in zip(res[1:3], (100000, 300000)):
                self.assertEqual((r["len"], r["fnv"]), (n, fnv1a64(det_bytes(n))))
            self.assertEqual(res[3]["fnv"], fnv1a64(b'{"ok":true}'))
            self.assertEqual((res[4]["len"], res[4]["fnv"]), (50000, fnv1a64(det_bytes(50000))))
            # slow-bytes..interim share one connection; close-delimited ends it
            self.assertEqual(st["connects"], 2)
            self.assertEqual(peer.connection_count(), 2)

    def test_connection_end_signals(self):
        with fixtures.PeerServer() as peer:
            steps = ["GET:/http10", "GET:/conn-close", "GET:/ok", "GET:/ok",
                     "HEAD:/big?n=1000", "GET:/status/204", "GET:/status/304", "GET:/ok"]
            res, st = self.run_steps(peer, steps)
            self.assertEqual([r["status"] for r in res], [200, 200, 200, 200, 200, 204, 304, 200])
            self.assertEqual(res[4]["len"], 0)
            # HTTP/1.0 and Connection: close each end their connection
            self.assertEqual(st["connects"], 3)
            self.assertEqual(peer.connection_count(), 3)

    def test_dead_reused_connection_retry_policy(self):
        with fixtures.PeerServer() as peer:
            steps = ["GET:/ok", "GET:/eof-before-response", "GET:/ok",
                     "POST:/eof-before-response", "GET:/ok",
                     "GET:/reset-before-response", "GET:/ok"]
            res, st = self.run_steps(peer, steps)
            self.assert_rcs(res, ["ok", "closed", "ok", "closed", "ok", "reset", "ok"])
            reqs = peer.events("request")
            count = lambda m, p: sum(1 for e in reqs if e["method"] == m and e["path"] == p)
            # idempotent GET: sent, found dead, sent once more; POST: once
            self.assertEqual(count("GET", "/eof-before-response"), 2)
            self.assertEqual(count("POST", "/eof-before-response"), 1)
            self.assertEqual(count("GET", "/reset-before-response"), 2)
            self.assertEqual(st["retries"], 2)

    def test_retry_all_methods_switch(self):
        with fixtures.PeerServer() as peer:
            res, st = self.run_steps(peer, ["GET:/ok", "POST:/eof-before-response", "GET:/ok"],
                                     ["--retry-all"])
            self.assertEqual(st["retries"], 1)
            reqs = [e for e in peer.events("request") if e["path"] == "/eof-before-response"]
            self.assertEqual(len(reqs), 2)

    def test_keep_alive_timeout_is_honoured(self):
        """Keep-Alive: timeout=2 - within it (0.3 s idle) the connection is
        reused; after 1.8 s idle, past the limit of 2 s less the 500 ms
        margin, the client replaces it before use instead of racing the
        server's close.  The 1.2 s between the first pause and the limit is
        headroom for valgrind on a loaded machine (with timeout=1 the limit
        was 500 ms, and CI once took longer than that between requests);
        the second pause only grows when the machine is slow, and the
        server's close at 2 s does not change what the client must do."""
        with fixtures.PeerServer() as peer:
            res, st = self.run_steps(peer, ["GET:/ka?t=2", "sleep:300", "POST:/ka?t=2",
                                            "sleep:1800", "POST:/ka?t=2"])
            self.assertTrue(all(r["rc"] == 0 for r in res), res)
            self.assertEqual((st["connects"], st["ka_expired"], st["retries"]), (2, 1, 0))
            reqs = peer.events("request")
            self.assertEqual(len(reqs), 3, "no request was ever lost on a closing connection")

    def test_idle_close_detected_before_sending(self):
        with fixtures.PeerServer(idle_close_ms=300) as peer:
            res, st = self.run_steps(peer, ["POST:/ok", "sleep:1500", "POST:/ok"])
            self.assertEqual([r["rc"] for r in res], [0, 0], res)
            self.assertEqual((st["connects"], st["retries"]), (2, 0))

    def test_close_after_response_race(self):
        """The server closes right after a keep-alive-looking response: the
        next GET gets through, on a second connection."""
        with fixtures.PeerServer() as peer:
            res, st = self.run_steps(peer, ["GET:/close-after", "GET:/ok", "GET:/ok"])
            self.assertEqual([r["rc"] for r in res], [0, 0, 0], res)
            self.assertEqual(st["connects"], 2)

    def test_json_responses_collected_and_parsed(self):
        with fixtures.PeerServer() as peer:
            steps = ["JSON:/json?n=3", "JSON:/json?n=4&problem=1", "JSON:/big?n=10",
                     "JSON:/json?n=100", "JSON:/ok", "JSON:/json?n=5"]
            res, st = self.run_steps(peer, steps)
            self.assertEqual([r["rc"] for r in res], [0] * 6, res)
            ok, problem, octets, big, plain, again = res
            self.assertEqual((ok["json_rc"], ok["is_json"], ok["n"]), (0, 1, 3))
            self.assertEqual((problem["json_rc"], problem["n"]), (0, 4))
            self.assertEqual((octets["json_rc"], octets["is_json"], octets["len"]),
                             (-72, 0, 10))  # EMHTTP_ERR_JSON_TYPE
            # 100 items do not fit 64 bytes: an error with the size it needs,
            # never a truncated document - and the connection goes on
            body = b'{"n":100,"items":[%s]}' % b",".join(b"%d" % i for i in range(100))
            self.assertEqual((big["json_rc"], big["needed"], big["n"]),
                             (-64, len(body), -1))  # EMHTTP_ERR_JSON_OVERFLOW
            self.assertEqual((plain["json_rc"], plain["n"]), (0, -1))  # {"ok":true}
            self.assertEqual((again["json_rc"], again["n"]), (0, 5))
            self.assertEqual(st["connects"], 1)

    def test_cli_exit_codes(self):
        with fixtures.PeerServer() as peer:
            cases = [("/garbage", 8), ("/bad-cl", 8), ("/reset-mid-body", 56),
                     ("/stall", 28)]
            for path, code in cases:
                # -s -S: no progress meter, but the error, on one line (curl's -sS)
                rc, out, err = cli(["--max-time", "1.5", "-sS", peer.url(path)], timeout=60)
                self.assertEqual(rc, code, (path, err))
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                # -s alone: the exit code says it, stderr stays empty
                rc, out, err = cli(["--max-time", "1.5", "-s", peer.url(path)], timeout=60)
                self.assertEqual((rc, err), (code, ""), path)
            rc, out, err = cli(["-n", "3", "--stats", peer.url("/slow-bytes")], timeout=60)
            self.assertEqual(rc, 0, err)
            self.assertEqual(parse_stats(err)["ok"], 3)


class HostileInput(unittest.TestCase):
    """docs/SECURITY.md: what a hostile server or a hostile caller gets."""

    def test_server_that_never_stops_sending(self):
        """A response that never ends - an endless chunked body, an endless
        close-delimited body, an endless header section, one piece every
        20 ms - ends at the request timeout; an endless header section
        sent as fast as the client reads ends at the receive buffer's end.
        Each time the connection is closed and the same client serves the
        next request.  (A body sent as fast as the client reads must end at
        the request timeout too: issue 18.)"""
        with fixtures.PeerServer() as peer:
            endless = ["GET:/endless?kind=chunked&ms=20", "GET:/endless?kind=close&ms=20",
                       "GET:/endless?kind=headers&ms=20", "GET:/endless?kind=headers"]
            steps = [x for step in endless for x in (step, "GET:/ok")]
            res, st = drive("127.0.0.1", peer.port, steps, ["--max-time", "1000"])
            got = [(r["step"], r["rc"]) for r in res]
            want = [(s, ERR[e]) for s, e in zip(steps, [
                "timeout", "ok", "timeout", "ok", "timeout", "ok", "too_large", "ok"])]
            self.assertEqual(got, want)
            self.assertEqual((st["requests"], st["errors"], st["connects"]), (8, 4, 5))
            # the server saw every endless response end with the client gone
            peer.wait_event("close", count=4, timeout=30, why="endless-client-gone")

    def test_request_injection_refused(self):
        """CR, LF or another control byte in the method, the target (URL),
        a header name or value, or the host (URL or Host header) is
        refused before anything is sent: the server sees no connection."""
        with fixtures.PeerServer() as peer:
            ok = peer.url("/ok")
            bad = [
                ["-X", "GET\r\nX-Injected: 1", ok], ["-X", "GE\nT", ok], ["-X", "G\x7fT", ok],
                ["-H", "X-A: v\r\nX-Injected: 1", ok], ["-H", "X-A: v\nX-I: 1", ok],
                ["-H", "X-A: v\rX", ok], ["-H", "X-A: v\x01", ok],
                ["-H", "X\r\nX-Injected: v", ok], ["-H", "X\nY: v", ok],
                ["-H", "Host: h\r\nX-Injected: 1", ok],
            ]
            for args in bad:
                rc, out, err = cli(args)
                self.assertEqual((rc, out), (2, b""), (args, err))
                self.assertIn("invalid character in method, target or header", err)
            for url in [peer.url("/ok\r\nX-Injected: 1"), peer.url("/ok\nX: 1"),
                        "http://127.0.0.1\r\nX: 1:%d/ok" % peer.port,
                        "http://loc\nalhost:%d/ok" % peer.port]:
                rc, out, err = cli([url])
                self.assertEqual((rc, out), (3, b""), (url, err))
                self.assertIn("malformed URL", err)
            self.assertEqual(peer.connection_count(), 0)
            # percent-encoded CR LF is just bytes of the target; a tab is
            # allowed in a value (RFC 9110 5.5): both are sent as given
            rc, out, err = cli(["-H", "X-T: a\tb", peer.url("/ok?x=%0d%0a")])
            self.assertEqual((rc, out), (0, b'{"ok":true}'), err)
            req = peer.wait_event("request")[0]
            self.assertEqual((req["path"], req["query"]), ("/ok", "x=%0d%0a"))
            self.assertIn(["X-T", "a\tb"], req["headers"])


if __name__ == "__main__":
    fixtures.main()  # exit 77 on a skip, 1 under CI=true
