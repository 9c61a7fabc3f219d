#!/usr/bin/python3
"""Streamed request bodies over TLS: the mbedTLS transport
(emhttp_tls_transport() over the POSIX port's TCP, stream_driver --cacert)
against upload_server.py behind Python's ssl module (TLS 1.2/1.3, a
certificate of the test's own PKI, tests/tls/tls_fixtures.py).

- A JSON array of EMHTTP_TLS_UPLOAD_MB (default 24) MB, generated from a
  seed and a record count by the resumable JSON writer and streamed through
  a 1 KB transmit buffer (each piece its own TLS record: ~25,000 records
  per body), chunked and then with a declared length on the same TLS
  connection: the server's SHA-256 of what it decrypted equals that of the
  same document made in one piece here (tests/integration/test_upload.py's
  json_document()).
- Expect: 100-continue over TLS: the body only after 100 (the server
  checks that no body byte - no application record - came before it sent
  100, 0.3 s after the head), chunked and declared; a 417 instead: the
  producer never runs, not a body byte arrives, the next request succeeds
  on a fresh connection.
- A producer that fails in the middle over TLS: EMHTTP_ERR_BODY, the server
  never logs a complete request, the next request succeeds.

Manual run with other sizes: EMHTTP_TLS_UPLOAD_MB=100 tests/tls/test_tls_upload.py
"""
import os
import sys
import unittest

from tls_common import SOURCE, fixtures, tls_fixtures

sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
import test_upload as up  # noqa: E402  (json_document, UploadServer, drive)

MB = int(os.environ.get("EMHTTP_TLS_UPLOAD_MB", "24"))


class StreamedBodiesOverTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(up.DRIVER):
            raise unittest.SkipTest("stream_driver not built: %s" % up.DRIVER)
        cls.pki = tls_fixtures.Pki()

    @classmethod
    def tearDownClass(cls):
        cls.pki.cleanup()

    def server(self):
        return up.UploadServer(tls=(self.pki.chain("good"), self.pki.key("good")))

    def drive(self, srv, steps, options=()):
        # 127.0.0.1: the server listens there only; the certificate names
        # it (subjectAltName IP), verified against the test's CA.
        try:
            return up.drive(srv.port, steps, ["--cacert", self.pki.ca_pem] + list(options))
        except AssertionError as e:
            if "rc=77" in str(e):
                self.fail("this build has mbedTLS (the TLS suite), yet: %s" % e)
            raise

    def test_large_json_chunked_and_declared(self):
        count = (MB << 20) // up.RECORD_BYTES
        want, length = up.document_digest(count)
        steps = ["POST,/hash,json,%d,chunked" % count, "POST,/hash,json,%d,declared" % count]
        with self.server() as srv:
            res, rss = self.drive(srv, steps)
            log = srv.records(2)
        self.assertGreaterEqual(length, MB << 20)
        for r, framing in zip(res, ("chunked", "declared")):
            self.assertEqual((r["rc"], r["status"]), (0, 200), (framing, r))
            self.assertEqual((r["body"]["len"], r["body"]["sha256"]), (length, want), framing)
            self.assertEqual(r["body"]["chunked"], framing == "chunked")
            self.assertEqual(r["given"], length)
            # plaintext pieces of at most the 1 KB buffer: many records
            self.assertLessEqual(r["max_piece"], 1024)
            self.assertLessEqual(r["max_poll_sent"], 8 * 1024)
            print("\n  over TLS, %s: %d B in %d polls, most plaintext bytes per poll %d, "
                  "poll mean %.1f us, longest %d us (wall time, not asserted); peak RSS %d KB"
                  % (framing, length, r["polls"], r["max_poll_sent"], r["mean_poll_us"],
                     r["max_poll_us"], rss), file=sys.stderr)
        self.assertEqual([(x["complete"], x["len"], x["sha256"]) for x in log],
                         [(True, length, want)] * 2)
        self.assertEqual([x["chunked"] for x in log], [True, False])
        self.assertEqual(log[0]["conn"], log[1]["conn"], "both on one TLS connection")

    def test_expect_100_continue(self):
        steps = ["POST,/expect/100,json,20000,declared,expect",
                 "POST,/expect/100,json,20000,chunked,expect",
                 "POST,/expect/417,json,20000,declared,expect",
                 "GET,/hash,none,0,declared",
                 "POST,/hash,fail,20000,chunked",
                 "GET,/hash,none,0,declared"]
        with self.server() as srv:
            res, _ = self.drive(srv, steps, ["--expect-ms", "30000"])
            log = srv.records(len(steps))
        want, length = up.document_digest(20000)
        self.assertEqual(len(res), len(steps))
        for r in res[:2]:
            self.assertEqual((r["rc"], r["status"]), (0, 200), r)
            self.assertEqual((r["body"]["len"], r["body"]["sha256"]), (length, want), r)
            self.assertEqual((r["body"]["expect"], r["body"]["early"]), (True, False), r)
        # 417: reported, the producer never ran, the next request succeeds
        self.assertEqual((res[2]["rc"], res[2]["status"], res[2]["given"]), (0, 417, 0), res[2])
        self.assertEqual((res[3]["rc"], res[3]["status"]), (0, 200), res[3])
        # a producer failing in the middle: EMHTTP_ERR_BODY, then a success
        self.assertEqual(res[4]["rc"], up.ERR_BODY, res[4])
        self.assertEqual((res[5]["rc"], res[5]["status"]), (0, 200), res[5])
        by_path = {}
        for x in log:
            by_path.setdefault((x["method"], x["path"]), []).append(x)
        ok100 = by_path[("POST", "/expect/100")]
        self.assertEqual([(x["complete"], x["early"], x["sha256"]) for x in ok100],
                         [(True, False, want)] * 2)
        self.assertEqual(ok100[0]["conn"], ok100[1]["conn"])  # kept after a 100 and a 200
        (e417,) = by_path[("POST", "/expect/417")]
        self.assertEqual(e417["after_final"], 0, "not a body byte after the 417")
        (failed,) = by_path[("POST", "/hash")]
        self.assertFalse(failed["complete"], failed)
        gets = by_path[("GET", "/hash")]
        self.assertEqual(len(gets), 2)
        self.assertTrue(all(x["complete"] for x in gets))
        # each GET on a fresh connection: after the 417 and after the failure
        self.assertEqual(sorted(x["conn"] for x in gets), [e417["conn"] + 1, failed["conn"] + 1])


if __name__ == "__main__":
    fixtures.main()  # exit 77 on a skip, 1 under CI=true
