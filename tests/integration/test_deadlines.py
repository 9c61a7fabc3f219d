#!/usr/bin/python3
"""Issue 18, items 1-3, against real servers on 127.0.0.1
(tests/fixtures/peer_server.py, its "issue 18" block) through one
emhttp client (peer_driver, POSIX port and TCP):

 - a server that trickles one byte every few ms forever (endless 1-byte
   chunks, a huge Content-Length, endless 100 Continue, endless headers)
   cannot keep a request past its deadline: EMHTTP_ERR_TIMEOUT arrives
   within the deadline plus a generous slack (the failure this guards
   against is "never" or "far too late", not a timing figure);
 - a server that sends an unrequested response after the first one never
   gets it taken as the next request's answer: receive buffers of 256 to
   16,384 bytes, first responses of n-1, n and n+1 bytes for each size n,
   the next request sent from the first one's on_complete (same poll, same
   ms) or right after it, and with the extra response arriving later on
   the idle connection.
The mock-port version is tests/unit/test_client_deadlines.c.
"""
import unittest

from common import drive, fixtures, fnv1a64

TIMEOUT = -15
OK_BODY = b'{"ok":true}'
EVIL_FNV = fnv1a64(b"EVIL")
SLACK_MS = 3000  # generous: on a loaded 2-core VM; "never" is what fails


class Trickle(unittest.TestCase):
    def test_trickle_cannot_extend_the_deadline(self):
        deadline = 800
        with fixtures.PeerServer() as peer:
            for kind in ("chunked", "length", "interim", "headers"):
                with self.subTest(kind=kind):
                    res, _ = drive("127.0.0.1", peer.port,
                                   ["GET:/trickle?kind=%s&ms=5" % kind, "GET:/ok"],
                                   ["--max-time", str(deadline), "--first-byte", "600"])
                    self.assertEqual(res[0]["rc"], TIMEOUT, res[0])
                    self.assertGreaterEqual(res[0]["ms"], deadline, res[0])
                    self.assertLess(res[0]["ms"], deadline + SLACK_MS, res[0])
                    # and the client goes on
                    self.assertEqual((res[1]["rc"], res[1]["status"]), (0, 200), res[1])


class Stale(unittest.TestCase):
    SIZES = (256, 512, 1024, 4096, 16384)

    def check_second(self, first, second, n):
        head = len(b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n")
        self.assertEqual((first["rc"], first["status"]), (0, 200), first)
        self.assertTrue(n - head - 6 <= first["len"] <= n - head, (n, first))
        self.assertNotEqual(second["fnv"], EVIL_FNV, "the stale response was delivered: %s" % second)
        self.assertEqual((second["rc"], second["status"], second["fnv"]),
                         (0, 200, fnv1a64(OK_BODY)), second)

    def test_stale_response_never_answers_the_next_request(self):
        with fixtures.PeerServer() as peer:
            for rx in self.SIZES:
                steps = []
                for n in (rx - 1, rx, rx + 1):
                    steps += ["GET:/stale?n=%d" % n, "GET:/ok",          # right after
                              "PAIR:/stale?n=%d|/ok" % n,                # from on_complete
                              "GET:/stale-later?n=%d&ms=50" % n, "sleep:150", "GET:/ok"]
                res, st = drive("127.0.0.1", peer.port, steps, ["--rx", str(rx)])
                self.assertEqual(len(res), 18)
                for i, n in enumerate((rx - 1, rx, rx + 1)):
                    r = res[6 * i:6 * i + 6]
                    for first, second in ((r[0], r[1]), (r[2], r[3]), (r[4], r[5])):
                        with self.subTest(rx=rx, n=n, step=first["step"]):
                            self.check_second(first, second, n)
                # each unrequested response cost its connection
                self.assertGreaterEqual(st["connects"], 10, st)

if __name__ == "__main__":
    unittest.main()
