#!/usr/bin/python3
"""Pipelining (emhttp_config.max_in_flight, CLI --pipeline) against real
servers: nginx, and peer_server.py's /pipe modes that close after every
third response (announced or not), answer one request as HTTP/1.0, or
stall one response past the client's timeout.

Each test compares what the client reports with what the server logged:
every request completes once, in submission order; a request the server
processed reached each connection at most once and its response is the
one the client got; a request that failed was never processed.
"""
import unittest

from common import cli, drive, fixtures, parse_stats

OK, CLOSED, RESET, FIRST_BYTE, TIMEOUT = 0, -12, -13, -14, -15


def steps(n, query=""):
    return ["GET:/pipe?id=%d%s" % (i, query) for i in range(n)]


class PipelineAgainstPeer(unittest.TestCase):
    def run_pipe(self, peer, n, query, depth=4, options=()):
        res, st = drive("127.0.0.1", peer.port, steps(n, query),
                        ["--pipeline", str(depth)] + list(options))
        # every request completed once, in submission order
        self.assertEqual([r["i"] for r in res], list(range(n)))
        for r in res:
            if r["rc"] == OK:
                self.assertEqual((r["status"], r["body"]), (200, str(r["i"])), r)
        return res, st

    def processed(self, peer):
        """(conn, id) of every request the server read, in order."""
        out = []
        for e in peer.events("request"):
            q = dict(kv.split("=", 1) for kv in e["query"].split("&") if "=" in kv)
            out.append((e["conn"], int(q["id"]), e["buffered"]))
        return out

    def assert_once_per_connection(self, seen):
        pairs = [(c, i) for c, i, _ in seen]
        self.assertEqual(len(pairs), len(set(pairs)), seen)

    def test_in_order_one_connection(self):
        with fixtures.PeerServer() as peer:
            res, st = self.run_pipe(peer, 40, "", depth=8)
            self.assertTrue(all(r["rc"] == OK for r in res), res)
            seen = self.processed(peer)
            self.assertEqual([i for _, i, _ in seen], list(range(40)))
            self.assertEqual(peer.connection_count(), 1)
            self.assertEqual(st["connects"], 1)
            # the server found later requests already waiting: pipelined
            # (not under valgrind: there the client is so slow that the
            # server answers each request before the next arrives)
            if not fixtures.VALGRIND:
                self.assertGreater(max(b for _, _, b in seen), 0)

    def test_close_after_every_third_announced(self):
        with fixtures.PeerServer() as peer:
            res, st = self.run_pipe(peer, 30, "&every=3&announce=1", depth=4)
            self.assertTrue(all(r["rc"] == OK for r in res), res)
            seen = self.processed(peer)
            self.assert_once_per_connection(seen)
            # processed exactly once each, in order, three per connection
            self.assertEqual([i for _, i, _ in seen], list(range(30)))
            self.assertEqual(peer.connection_count(), 10)
            self.assertEqual(st["retries"], 0)  # not processed: re-sent freely

    def test_timing_of_pipelined_requests(self):
        """emhttp_request.timing under pipelining (client.h, emhttp_timing):
        a request counts the connection it opened; one written on a
        connection opened for another is reused; a rewound one counts its
        re-send; each received its own response's bytes."""
        reused = 1
        with fixtures.PeerServer() as peer:
            res, st = self.run_pipe(peer, 12, "&every=3&announce=1", depth=4)
            self.assertTrue(all(r["rc"] == OK for r in res), res)
            seen = self.processed(peer)
            firsts = {}
            for conn, i, _ in seen:
                firsts.setdefault(conn, i)
            opened = sorted(r["i"] for r in res if r["timing"]["connects"] == 1)
            self.assertEqual(opened, sorted(firsts.values()))
            self.assertEqual(sum(r["timing"]["connects"] for r in res), peer.connection_count())
            for r in res:
                t = r["timing"]
                self.assertEqual(bool(t["flags"] & reused), t["connects"] == 0, r)
                self.assertLessEqual(t["first_byte"], t["total"], r)
                self.assertGreater(t["received"], 0, r)
            # written behind a response that ended its connection: re-sent
            self.assertGreater(sum(r["timing"]["resends"] for r in res), 0)
            self.assertEqual(st["connects"], peer.connection_count())

    def test_close_after_every_third_unannounced(self):
        with fixtures.PeerServer() as peer:
            res, st = self.run_pipe(peer, 30, "&every=3", depth=4)
            seen = self.processed(peer)
            self.assert_once_per_connection(seen)
            ok = [r["i"] for r in res if r["rc"] == OK]
            # a request lost twice (re-sent once, then written again into a
            # connection the server was closing) fails with a definite error
            for r in res:
                self.assertIn(r["rc"], (OK, CLOSED, RESET), r)
            # what succeeded was processed exactly once; what failed never
            self.assertEqual(sorted(i for _, i, _ in seen), ok)
            # at most one fails per connection (one re-sent request goes out
            # alone after the third response) and each connection answers 3
            self.assertGreaterEqual(len(ok), 20)
            self.assertGreater(st["retries"], 0)

    def test_one_http10_response(self):
        with fixtures.PeerServer() as peer:
            res, st = self.run_pipe(peer, 12, "&v10=4", depth=4)
            self.assertTrue(all(r["rc"] == OK for r in res), res)
            seen = self.processed(peer)
            self.assert_once_per_connection(seen)
            self.assertEqual([i for _, i, _ in seen], list(range(12)))
            self.assertEqual(peer.connection_count(), 2)
            self.assertEqual([c for c, i, _ in seen if i == 4], [1])
            self.assertEqual([c for c, i, _ in seen if i == 5], [2])
            # the first request on the new connection went alone
            self.assertEqual([b for c, i, b in seen if i == 5], [0])
            self.assertEqual(st["retries"], 0)

    def test_one_response_stalls_past_its_timeout(self):
        with fixtures.PeerServer() as peer:
            res, st = self.run_pipe(peer, 8, "&stall=2", depth=4,
                                    options=["--first-byte", "1000", "--max-time", "20000"])
            # /2 got no first byte in time: the connection is dropped, /2
            # and those behind it go out again on a fresh one
            self.assertTrue(all(r["rc"] == OK for r in res), res)
            seen = self.processed(peer)
            self.assert_once_per_connection(seen)
            self.assertEqual([c for c, i, _ in seen if i == 2], [1, 2])
            self.assertEqual(sorted(set(i for _, i, _ in seen)), list(range(8)))
            self.assertEqual(peer.connection_count(), 2)
            self.assertGreater(st["retries"], 0)
            close = peer.wait_event("close", conn=1, why="stall-client-gone")
            self.assertEqual(len(close), 1)

    def test_stalled_fails_by_its_request_timeout(self):
        with fixtures.PeerServer() as peer:
            # a request timeout (1.5 s) shorter than the first-byte one:
            # /2 fails by it, counted from when it was written; /3 started
            # with it and fails by the same deadline without being re-sent
            res, _ = self.run_pipe(peer, 4, "&stall=2", depth=4,
                                   options=["--first-byte", "2500", "--max-time", "1500"])
            self.assertEqual([r["rc"] for r in res], [OK, OK, TIMEOUT, TIMEOUT], res)
            seen = self.processed(peer)
            self.assert_once_per_connection(seen)
            self.assertEqual([i for _, i, _ in seen], [0, 1, 2])  # /3 never processed

    def test_post_not_pipelined(self):
        with fixtures.PeerServer() as peer:
            res, _ = drive("127.0.0.1", peer.port,
                           ["POST:/pipe?id=%d" % i for i in range(6)], ["--pipeline", "4"])
            self.assertTrue(all(r["rc"] == OK for r in res), res)
            self.assertEqual([b for _, _, b in self.processed(peer)], [0] * 6)
        with fixtures.PeerServer() as peer:
            res, _ = drive("127.0.0.1", peer.port,
                           ["POST:/pipe?id=%d" % i for i in range(12)],
                           ["--pipeline", "4", "--pipeline-all"])
            self.assertTrue(all(r["rc"] == OK for r in res), res)
            self.assertGreater(max(b for _, _, b in self.processed(peer)), 0)


class PipelineAgainstNginx(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ng = fixtures.Nginx().start()

    @classmethod
    def tearDownClass(cls):
        cls.ng.stop()

    def test_driver_depth_16_in_order(self):
        mark = self.ng.log_mark()
        n = 200
        res, st = drive("127.0.0.1", self.ng.port,
                        ["GET:/api?id=%d" % i for i in range(n)], ["--pipeline", "16"])
        self.assertEqual([r["i"] for r in res], list(range(n)))
        self.assertTrue(all(r["rc"] == OK and r["body"] == '{"ok":true}' for r in res))
        entries = self.ng.wait_log_count(n, timeout=10, since=mark)
        self.assertEqual([e["args"] for e in entries], ["id=%d" % i for i in range(n)])
        self.assertEqual(self.ng.connection_count(entries), 1)
        self.assertEqual(st["connects"], 1)

    def test_cli_pipeline_posts(self):
        mark = self.ng.log_mark()
        rc, out, err = cli(["-n", "2000", "--pipeline", "16", "--pipeline-all", "--json",
                            '{"a":1}', "--stats", self.ng.url("/api")])
        self.assertEqual(rc, 0, err)
        st = parse_stats(err)
        self.assertEqual((st["requests"], st["ok"], st["errors"], st["connects"]),
                         (2000, 2000, 0, 1))
        entries = self.ng.wait_log_count(2000, timeout=10, since=mark)
        self.assertEqual(len(entries), 2000)
        self.assertEqual(self.ng.connection_count(entries), 1)
        self.assertTrue(all(e["request_method"] == "POST" and e["status"] == 200
                            for e in entries))


if __name__ == "__main__":
    unittest.main(verbosity=2)
