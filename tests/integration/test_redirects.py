#!/usr/bin/python3
"""Redirects (issue 14) against tests/fixtures/peer_server.py's redirect
modes (/redir, /redir-chain, /redir-loop, /seen), with peer_driver (one
client, emhttp_config.max_redirects) and the CLI (-L, --max-redirs):

  - each status code's method and body rule (301/302: POST becomes GET
    without a body, 303: GET, 307/308: method and body kept);
  - the limit, and a loop;
  - a redirect to another origin (a second PeerServer): refused by default,
    followed when allowed, without Authorization and Cookie; the client
    then returns to its own origin;
  - same-origin redirects on the one connection (the server's connection
    count);
  - Locations: relative forms, a fragment, and the malformed ones refused
    (EMHTTP_ERR_REDIRECT) with the client still usable;
  - redirects off (the default): the 3xx is the response.
"""
import unittest
from urllib.parse import quote

from common import DRIVER, cli, drive, fixtures

OK, ERR_REDIRECT, ERR_TOO_MANY = 0, -28, -29


def q(s):
    return quote(s, safe="")


def seen(peer):
    """The /seen requests the server got: (method, body_len, auth, cookie)."""
    out = []
    for e in peer.events("request"):
        if e["path"].endswith("/seen"):
            h = {k.lower(): v for k, v in e["headers"]}
            out.append((e["method"], e["body_len"], "authorization" in h, "cookie" in h))
    return out


class Redirects(unittest.TestCase):
    def test_status_codes_method_and_body(self):
        want = {301: ("GET", 0), 302: ("GET", 0), 303: ("GET", 0), 307: ("POST", 7),
                308: ("POST", 7)}
        for code, (method, body_len) in sorted(want.items()):
            with self.subTest(code=code), fixtures.PeerServer() as peer:
                res, st = drive("127.0.0.1", peer.port,
                                ["POST:/redir?code=%d&to=/seen" % code,
                                 "PUT:/redir?code=%d&to=/seen" % code,
                                 "HEAD:/redir?code=%d&to=/seen" % code],
                                ["--max-redirects", "1"])
                self.assertEqual([(r["rc"], r["status"]) for r in res], [(OK, 200)] * 3, res)
                put = ("GET", 0) if code == 303 else ("PUT", 7)
                self.assertEqual(seen(peer), [(method, body_len, False, False),
                                              put + (False, False), ("HEAD", 0, False, False)])
                # the caller's request as it was: method, target, body length
                self.assertEqual(res[0]["after"], "POST /redir?code=%d&to=/seen 7" % code)
                self.assertEqual([r["timing"]["redirects"] for r in res], [1, 1, 1])
                # all on one connection: every redirect reused it
                self.assertEqual((st["connects"], peer.connection_count()), (1, 1))

    def test_limit_and_loop(self):
        with fixtures.PeerServer() as peer:
            res, st = drive("127.0.0.1", peer.port,
                            ["GET:/redir-chain?n=2", "GET:/redir-chain?n=3", "GET:/redir-loop",
                             "GET:/ok"],
                            ["--max-redirects", "3"])
            self.assertEqual([(r["rc"], r["status"]) for r in res],
                             [(OK, 200), (ERR_TOO_MANY, 302), (ERR_TOO_MANY, 302), (OK, 200)])
            self.assertEqual([r["timing"]["redirects"] for r in res], [3, 3, 3, 0])
            # the loop: the first request and 3 redirects, then it stops
            loop = [e for e in peer.events("request") if e["path"] == "/redir-loop"]
            self.assertEqual(len(loop), 4)
            # the redirect bodies reached no callback: only /seen's body came
            self.assertGreater(res[0]["len"], 0)
            self.assertEqual((res[1]["len"], res[2]["len"]), (0, 0))
            self.assertEqual((st["connects"], peer.connection_count()), (1, 1))

    def test_other_origin_refused_by_default(self):
        with fixtures.PeerServer() as a, fixtures.PeerServer() as b:
            to = "http://127.0.0.1:%d/seen" % b.port
            res, _ = drive("127.0.0.1", a.port, ["GET:/redir?to=" + q(to), "GET:/ok"],
                           ["--max-redirects", "5"])
            self.assertEqual([(r["rc"], r["status"]) for r in res], [(ERR_REDIRECT, 302), (OK, 200)])
            self.assertEqual(b.connection_count(), 0)
            self.assertEqual(a.connection_count(), 1)  # a refusal keeps the connection

    def test_other_origin_followed_when_allowed_without_credentials(self):
        with fixtures.PeerServer() as a, fixtures.PeerServer() as b:
            steps = ["GET:/redir?to=" + q("http://localhost:%d/seen" % b.port),
                     "POST:/redir?code=307&to=" + q("http://127.0.0.1:%d/seen#frag" % b.port),
                     "GET:/redir?to=" + q("//localhost:%d/seen" % b.port),
                     "GET:/redir?to=" + q("http://127.0.0.1:%d/seen" % a.port),
                     "GET:/ok"]
            res, st = drive("127.0.0.1", a.port, steps,
                            ["--max-redirects", "5", "--other-origins", "--auth"])
            self.assertTrue(all(r["rc"] == OK and r["status"] == 200 for r in res), res)
            # at B: no Authorization, no Cookie; the 307 kept POST and its body
            self.assertEqual(seen(b), [("GET", 0, False, False), ("POST", 7, False, False),
                                       ("GET", 0, False, False)])
            hosts = [dict((k.lower(), v) for k, v in e["headers"])["host"]
                     for e in b.events("request")]
            self.assertEqual(hosts, ["localhost:%d" % b.port, "127.0.0.1:%d" % b.port,
                                     "localhost:%d" % b.port])
            # at A, the same origin (absolute URL): credentials kept
            self.assertEqual(seen(a), [("GET", 0, True, True)])
            # each detour: a connection to B, then back home on a new one;
            # the absolute same-origin redirect reused A's connection
            self.assertEqual(b.connection_count(), 3)
            self.assertEqual(a.connection_count(), 4)
            self.assertEqual([r["timing"]["connects"] for r in res], [2, 2, 2, 1, 0])
            self.assertEqual(res[-1]["after"], "GET /ok 0")
            self.assertEqual(st["connects"], 7)

    def test_on_origin_consents_or_refuses(self):
        with fixtures.PeerServer() as a, fixtures.PeerServer() as b:
            step = "GET:/redir?to=" + q("http://localhost:%d/seen" % b.port)
            res, st = drive("127.0.0.1", a.port, [step, "GET:/ok"],
                            ["--max-redirects", "2", "--other-origins", "--origins-refuse"])
            self.assertEqual([(r["rc"], r["status"]) for r in res], [(ERR_REDIRECT, 302), (OK, 200)])
            self.assertEqual((st["origin_calls"], b.connection_count()), (1, 0))
            res, st = drive("127.0.0.1", a.port, [step],
                            ["--max-redirects", "2", "--other-origins", "--origins-consent"])
            self.assertEqual([(r["rc"], r["status"]) for r in res], [(OK, 200)])
            self.assertEqual((st["origin_calls"], b.connection_count()), (1, 1))
            # same origin: not asked
            res, st = drive("127.0.0.1", a.port, ["GET:/redir?to=/seen"],
                            ["--max-redirects", "2", "--other-origins", "--origins-refuse"])
            self.assertEqual(([r["rc"] for r in res], st["origin_calls"]), ([OK], 0))

    def test_set_origin_between_requests(self):
        with fixtures.PeerServer() as a, fixtures.PeerServer() as b:
            res, st = drive("127.0.0.1", a.port,
                            ["GET:/ok", "ORIGIN:localhost:%d" % b.port, "GET:/seen",
                             "ORIGIN:bad host:1", "GET:/seen",
                             "ORIGIN:127.0.0.1:%d" % a.port, "GET:/ok"])
            self.assertEqual([r["rc"] for r in res], [OK, OK, OK, -3, OK, OK, OK], res)
            self.assertEqual([e["path"] for e in b.events("request")], ["/seen", "/seen"])
            host = dict((k.lower(), v) for k, v in b.events("request")[0]["headers"])["host"]
            self.assertEqual(host, "localhost:%d" % b.port)
            # each switch closed the connection; the new host was resolved
            self.assertEqual((a.connection_count(), b.connection_count()), (2, 1))
            self.assertEqual((st["connects"], st["dns_queries"]), (3, 3))

    def test_redirect_buffer_required(self):
        rc, _, err = fixtures.run([DRIVER, "127.0.0.1", "1", "--redirect-buf", "32",
                                   "--max-redirects", "1", "GET:/ok"], timeout=60)
        self.assertEqual(rc, 1)
        self.assertIn("init: invalid argument", err)

    def test_locations(self):
        with fixtures.PeerServer() as peer:
            good = ["GET:/redir?to=seen", "GET:/dir/redir?to=seen",
                    "GET:/dir/redir?to=" + q("?code=303&to=" + q("seen?x=1")),
                    "GET:/redir?to=" + q("/seen#top"),
                    "GET:/redir?to=" + q("http://127.0.0.1:%d" % peer.port)]
            bad = ["GET:/redir?to=", "GET:/redir?to=" + q("/a\tb"),
                   "GET:/redir?to=" + q("/caf\u00e9"), "GET:/redir?to=" + q("/a b"),
                   "GET:/redir?to=" + q("http://u:p@127.0.0.1:%d/seen" % peer.port),
                   "GET:/redir?to=" + q("ftp://127.0.0.1/seen"),
                   "GET:/redir?to=" + q("http://127.1:%d/seen" % peer.port),
                   "GET:/redir?to=" + q("/" + "x" * 300)]  # longer than redirect_buf
            res, st = drive("127.0.0.1", peer.port, good + bad + ["GET:/ok"],
                            ["--redirect-buf", "256", "--max-redirects", "2", "--other-origins"])
            self.assertEqual([(r["rc"], r["status"]) for r in res],
                             [(OK, 200)] * 2 + [(OK, 200)] + [(OK, 200)] + [(OK, 404)]
                             + [(ERR_REDIRECT, 302)] * len(bad) + [(OK, 200)], res)
            paths = [(e["path"], e["query"]) for e in peer.events("request")
                     if not e["path"].endswith("redir")]
            self.assertEqual(paths[:5], [("/seen", ""), ("/dir/seen", ""), ("/dir/seen", "x=1"),
                                         ("/seen", ""), ("/", "")])
            hops = [(e["path"], e["query"]) for e in peer.events("request")][4:6]
            self.assertEqual(hops, [("/dir/redir", "to=%3Fcode%3D303%26to%3Dseen%253Fx%253D1"),
                                    ("/dir/redir", "code=303&to=seen%3Fx%3D1")])
            self.assertEqual((st["connects"], peer.connection_count()), (1, 1))

    def test_redirects_send_one_request_at_a_time(self):
        # max_redirects > 0: max_in_flight is taken as 1 (a redirected
        # request goes out again before those behind it)
        with fixtures.PeerServer() as peer:
            steps = ["GET:/redir?to=/seen", "GET:/ok", "GET:/redir-chain?n=1", "GET:/ok"]
            res, st = drive("127.0.0.1", peer.port, steps,
                            ["--pipeline", "4", "--max-redirects", "3"])
            self.assertEqual(sorted((r["i"], r["rc"], r["status"]) for r in res),
                             [(0, OK, 200), (1, OK, 200), (2, OK, 200), (3, OK, 200)])
            self.assertEqual([r["i"] for r in res], [0, 1, 2, 3])  # in order
            reqs = peer.events("request")
            self.assertEqual([e["buffered"] for e in reqs], [0] * len(reqs))
            self.assertEqual(len(reqs), 7)
            self.assertEqual((st["connects"], peer.connection_count()), (1, 1))
        with fixtures.PeerServer() as peer:  # without redirects: pipelined
            res, _ = drive("127.0.0.1", peer.port, ["GET:/pipe?id=%d" % i for i in range(40)],
                           ["--pipeline", "8"])
            self.assertGreater(max(e["buffered"] for e in peer.events("request")), 0)

    def test_cli_streamed_body_cannot_be_sent_again(self):
        # --data-binary @FILE streams the file (emhttp_request.body_fn):
        # a 307 needs it again - a clear error (curl's 65); a 303 drops it
        import tempfile
        with tempfile.NamedTemporaryFile(prefix="emhttp-body-") as f, \
                fixtures.PeerServer() as peer:
            f.write(b"x" * 100000)
            f.flush()
            rc, _, err = cli(["-s", "-S", "-L", "--data-binary", "@" + f.name,
                              peer.url("/redir?code=307&to=/seen")])
            self.assertEqual(rc, 65, err)
            self.assertIn("cannot be replayed", err)
            rc, out, err = cli(["-s", "-S", "-L", "--data-binary", "@" + f.name,
                                peer.url("/redir?code=303&to=/seen")])
            self.assertEqual(rc, 0, err)
            self.assertIn(b'"method": "GET"', out)
            posts = [(e["method"], e["path"], e["body_len"]) for e in peer.events("request")]
            self.assertEqual(posts, [("POST", "/redir", 100000), ("POST", "/redir", 100000),
                                     ("GET", "/seen", 0)])

    def test_off_by_default(self):
        with fixtures.PeerServer() as peer:
            res, _ = drive("127.0.0.1", peer.port, ["GET:/redir?to=/seen"])
            self.assertEqual((res[0]["rc"], res[0]["status"], res[0]["len"]), (OK, 302, 64))
            self.assertEqual(seen(peer), [])

    def test_cli_location(self):
        with fixtures.PeerServer() as a, fixtures.PeerServer() as b:
            url = a.url("/redir?to=" + q("http://localhost:%d/seen" % b.port))
            rc, out, err = cli(["-s", "-S", url])
            self.assertEqual((rc, out), (0, b"moved" + b"." * 59), err)  # no -L: the 302
            rc, out, err = cli(["-s", "-S", "-L", "-u", "user:sekrit", "-w",
                                "\\n%{http_code} %{num_redirects} %{num_connects}", url])
            self.assertEqual(rc, 0, err)
            self.assertTrue(out.endswith(b"\n200 1 2"), out)
            self.assertEqual(seen(b), [("GET", 0, False, False)])
            self.assertEqual([dict((k.lower(), v) for k, v in e["headers"]).get("authorization")
                              is not None for e in a.events("request")], [False, True])
            rc, _, err = cli(["-s", "-S", "-L", "--max-redirs", "1", a.url("/redir-chain?n=1")])
            self.assertEqual(rc, 47, err)
            self.assertIn("too many redirects", err)
            rc, _, err = cli(["-s", "-S", "-L", "--max-redirs", "0", a.url("/redir-loop")])
            self.assertEqual(rc, 47, err)
            rc, out, err = cli(["-s", "-L", a.url("/redir-chain?n=2")])
            self.assertEqual(rc, 0, err)
            self.assertIn(b'"path": "/seen"', out)


if __name__ == "__main__":
    fixtures.main()
