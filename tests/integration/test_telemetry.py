#!/usr/bin/python3
"""The telemetry example against real nginx: bodies encoded by the idle
thread into outbox slots, posted by the loop over one connection."""
import os
import unittest

from common import fixtures, parse_stats

TELEMETRY = os.path.join(os.path.dirname(os.environ.get("EMHTTP_CLI", "")), "telemetry")


def telemetry(args, timeout=180):
    rc, out, err = fixtures.run(fixtures.wrap([TELEMETRY]) + args, timeout=timeout)
    return rc, err


class Telemetry(unittest.TestCase):
    def test_reports_over_one_connection(self):
        with fixtures.Nginx() as ng:
            rc, err = telemetry(["-n", "2000", ng.url("/api")])
            self.assertEqual(rc, 0, err)
            st = parse_stats(err)
            self.assertEqual((st["requests"], st["ok"], st["errors"], st["connects"]),
                             (2000, 2000, 0, 1))
            self.assertRegex(err, r"max_poll_us=[0-9.]+\n?$")
            entries = ng.wait_log_count(2000, timeout=30)
            self.assertEqual(len(entries), 2000)
            self.assertEqual(ng.connection_count(entries), 1)
            # 1 to 3 readings by sequence number: three body sizes, in order
            sizes = [int(e["content_length"]) for e in entries]
            self.assertTrue(all(a < b for a, b in zip(sizes[0::3], sizes[1::3])))
            self.assertTrue(all(a < b for a, b in zip(sizes[1::3], sizes[2::3])))

    def test_body_or_head_too_big_for_its_slot_fails_alone(self):
        # 330-byte slots: a 1-reading body (~200 B) fits with its head; a
        # 2-reading body (~300 B) fits but its head does not; a 3-reading
        # body (~390 B) does not fit.  Each failure is reported, in order;
        # no head is formatted in the loop instead.
        with fixtures.Nginx() as ng:
            rc, err = telemetry(["-n", "300", "--slot-bytes", "330", ng.url("/api")])
            self.assertEqual(rc, 1, "failed requests make the exit code non-zero")
            st = parse_stats(err)
            self.assertEqual((st["requests"], st["ok"], st["errors"]), (300, 100, 200))
            self.assertEqual(err.count("JSON output buffer too small"), 100)
            self.assertEqual(err.count("request head does not fit the outbox slot"), 100)
            for seq in (1, 298):
                self.assertIn("request %d: request head does not fit" % seq, err)
            for seq in (2, 299):
                self.assertIn("request %d: JSON output buffer too small" % seq, err)
            entries = ng.wait_log_count(100, timeout=30)
            self.assertEqual(len(entries), 100)
            self.assertTrue(all(int(e["content_length"]) <= 220 for e in entries))
            self.assertEqual(ng.connection_count(entries), 1)

    def test_answers_read_through_the_outbox(self):
        # The job's response callbacks are the JSON response collector; the
        # echo server answers each report with itself, so every answer's
        # "seq" must be the one queued (the reading was a snapshot: the
        # loop reused its one reading right after queuing it).
        with fixtures.PeerServer() as peer:
            rc, err = telemetry(["-n", "600", "--answers", peer.url("/echo")])
            self.assertEqual(rc, 0, err)
            st = parse_stats(err)
            self.assertEqual((st["requests"], st["ok"], st["errors"], st["connects"]),
                             (600, 600, 0, 1))
            self.assertIn("answers: ok=600 mismatched=0\n", err)
            reqs = peer.events("request")
            self.assertEqual(len(reqs), 600)
            self.assertEqual(peer.connection_count(), 1)

    def test_large_bodies_idle_and_inline(self):
        with fixtures.Nginx() as ng:
            for mode in ([], ["--inline"]):
                rc, err = telemetry(["-n", "50", "--body-kb", "64"] + mode + [ng.url("/api")])
                self.assertEqual(rc, 0, err)
                st = parse_stats(err)
                self.assertEqual((st["ok"], st["connects"]), (50, 1))
            entries = ng.wait_log_count(100, timeout=30)
            self.assertTrue(all(int(e["content_length"]) >= 64 * 1024 - 200 for e in entries))


if __name__ == "__main__":
    fixtures.main()  # exit 77 on a skip, 1 under CI=true
