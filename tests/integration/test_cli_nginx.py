#!/usr/bin/python3
"""The emhttp CLI against a real nginx on 127.0.0.1 (Debian package).

Each test asserts what the client reports AND what nginx saw (its access
log: worker pid + $connection identify a TCP connection).
"""
import json
import os
import subprocess

from common import BODY_JSON, ServerTestCase, cli, drive, fixtures, parse_stats, sha256


class CliAgainstNginx(ServerTestCase):
    TMP_PREFIX = "emhttp-cli-"

    @classmethod
    def start_server(cls):
        cls.ng = fixtures.Nginx().start()
        return cls.ng

    def test_10000_json_posts_over_one_connection(self):
        mark = self.ng.log_mark()
        rc, out, err = cli(["-n", "10000", "--json", "@" + BODY_JSON, "--stats",
                            self.ng.url("/api", host="localhost")], timeout=300)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, b'{"ok":true}' * 10000, "with -n every body is written, in order")
        st = parse_stats(err)
        self.assertIsNotNone(st, err)
        self.assertEqual((st["requests"], st["ok"], st["errors"]), (10000, 10000, 0))
        self.assertEqual(st["connects"], 1)
        self.assertEqual(st["dns_queries"], 1)
        self.assertGreater(st["req_per_s"], 0)
        self.assertLessEqual(st["p50_us"], st["p99_us"])
        entries = self.ng.wait_log_count(10000, timeout=30, since=mark)
        self.assertEqual(len(entries), 10000)
        self.assertEqual(self.ng.connection_count(entries), 1)
        body_len = os.path.getsize(BODY_JSON)
        for e in entries:
            self.assertEqual((e["request_method"], e["uri"], e["status"]), ("POST", "/api", 200))
            self.assertEqual(e["content_length"], str(body_len))
        self.assertEqual(entries[-1]["connection_requests"], 10000)

    def test_ip_literal_converted_once(self):
        # The port's resolver converts an IP literal without a lookup (no
        # resolver thread: tests/unit/test_port_posix.c); the core asks it
        # once, like for a name, and caches the answer.
        rc, out, err = cli(["-n", "3", "--stats", self.ng.url("/api")])
        self.assertEqual(rc, 0, err)
        st = parse_stats(err)
        self.assertEqual((st["ok"], st["connects"], st["dns_queries"]), (3, 1, 1))

    def test_resolve_option_skips_dns(self):
        url = "http://api.test:%d/api" % self.ng.port
        mark = self.ng.log_mark()
        rc, out, err = cli(["--stats", "--resolve", "api.test:%d:127.0.0.1" % self.ng.port, url])
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, b'{"ok":true}')
        st = parse_stats(err)
        self.assertEqual((st["ok"], st["dns_queries"]), (1, 0))
        entries = self.ng.wait_log_count(1, since=mark)
        self.assertEqual(entries[0]["http_host"], "api.test:%d" % self.ng.port)

    def test_include_prints_head_then_body(self):
        rc, out, err = cli(["-i", self.ng.url("/api")])
        self.assertEqual(rc, 0, err)
        head, _, body = out.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 OK\r\n"), head)
        self.assertIn(b"Content-Type: application/json", head)
        self.assertEqual(body, b'{"ok":true}')

    def test_large_body_streams_to_file(self):
        path = os.path.join(self.tmp, "big.bin")
        rc, out, err = cli(["-o", path, "-n", "2", "--stats", self.ng.url("/big")])
        self.assertEqual(rc, 0, err)
        with open(path, "rb") as f:
            data = f.read()
        self.assertEqual(len(data), 2 << 20, "-o receives every body of -n, in order")
        self.assertEqual(sha256(data[:1 << 20]), self.ng.big_sha256)
        self.assertEqual(sha256(data[1 << 20:]), self.ng.big_sha256)
        self.assertEqual(parse_stats(err)["connects"], 1)

    def test_head_has_no_body(self):
        rc, out, err = cli(["-X", "HEAD", "-n", "2", "--stats", self.ng.url("/big")])
        self.assertEqual(rc, 0, err)
        st = parse_stats(err)
        self.assertEqual((st["ok"], st["connects"]), (2, 1))

    def test_fail_on_404_and_status_counting(self):
        rc, out, err = cli(["--fail", self.ng.url("/status/404")])
        self.assertEqual(rc, 22)
        self.assertIn("404", err)
        self.assertEqual(out, b"")
        rc, out, err = cli(["--stats", "-n", "2", self.ng.url("/status/404")])
        self.assertEqual(rc, 0, err)
        st = parse_stats(err)
        self.assertEqual((st["requests"], st["ok"], st["errors"]), (2, 0, 0))

    def test_204_over_one_connection(self):
        rc, out, err = cli(["-n", "5", "--stats", self.ng.url("/empty")])
        self.assertEqual(rc, 0, err)
        st = parse_stats(err)
        self.assertEqual((st["ok"], st["connects"]), (5, 1))

    def test_verbose_events(self):
        rc, out, err = cli(["-v", "-n", "2", self.ng.url("/api", host="localhost")])
        self.assertEqual(rc, 0, err)
        self.assertIn("* resolve localhost", err)
        self.assertIn("* connected 127.0.0.1", err)
        self.assertIn("* reuse", err)

    def test_silent_prints_body_only(self):
        rc, out, err = cli(["-s", self.ng.url("/api")])
        self.assertEqual((rc, out, err), (0, b'{"ok":true}', ""))

    def test_bad_header_is_refused_before_sending(self):
        mark = self.ng.log_mark()
        rc, out, err = cli(["-H", "X-Bad: a\rInjected: 1", self.ng.url("/api")])
        self.assertEqual(rc, 2)
        self.assertIn("invalid character", err)
        rc, out, err = cli(["-X", "GE T", self.ng.url("/api")])
        self.assertEqual(rc, 2)
        self.assertEqual(self.ng.log_entries(since=mark), [], "nothing reached nginx")

    def test_usage_url_and_file_errors(self):
        self.assertEqual(cli([])[0], 2)
        self.assertEqual(cli(["--bogus", self.ng.url("/")])[0], 2)
        self.assertEqual(cli(["-n", "0", self.ng.url("/")])[0], 2)
        rc, _, err = cli(["http://[::1/"])
        self.assertEqual(rc, 3)
        self.assertIn("malformed URL", err)
        rc, _, err = cli(["-d", "@/nonexistent/body.json", self.ng.url("/api")])
        self.assertEqual(rc, 26)
        self.assertEqual(len(err.strip().splitlines()), 1)

    def test_connect_refused(self):
        port = fixtures.free_port()
        rc, out, err = cli(["--stats", "http://127.0.0.1:%d/" % port])
        self.assertEqual(rc, 7)
        self.assertIn("could not connect", err)
        self.assertEqual(parse_stats(err)["errors"], 1)

    def test_reconnect_after_server_idle_close(self):
        """nginx closes idle keep-alive connections after 1 s (without a
        Keep-Alive header): the same client notices before sending and
        opens a new connection - even for a POST, no retry needed."""
        with fixtures.Nginx(keepalive_timeout="1s") as ng:
            steps, st = drive("127.0.0.1", ng.port,
                              ["POST:/api", "POST:/api", "sleep:2500", "POST:/api", "GET:/api"])
            self.assertEqual([x["rc"] for x in steps], [0, 0, 0, 0], steps)
            self.assertEqual([x["status"] for x in steps], [200] * 4)
            self.assertEqual((st["connects"], st["retries"], st["reuses"]), (2, 0, 2))
            entries = ng.wait_log_count(4)
            self.assertEqual(ng.connection_count(entries), 2)

    def test_reconnect_after_server_restart(self):
        """nginx restarted (its connections dropped) between two requests of
        one client: a new connection, and the address still cached."""
        with fixtures.Nginx() as ng:
            import common
            proc = subprocess.Popen(fixtures.wrap([common.DRIVER, "localhost", str(ng.port), "GET:/api",
                                                   "sleep:5000", "GET:/api"]),
                                    stdout=subprocess.PIPE, text=True)
            try:
                first = proc.stdout.readline()  # the first request is done
                self.assertIn('"rc":0', first)
                ng.restart()
                rest, _ = proc.communicate(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            lines = [json.loads(x) for x in (first + rest).splitlines() if x.strip()]
            self.assertEqual([x["rc"] for x in lines[:-1]], [0, 0], lines)
            st = lines[-1]["stats"]
            self.assertEqual((st["connects"], st["dns_queries"]), (2, 1))

    def test_dns_failure_in_empty_namespace(self):
        """The lookup runs in an empty network namespace: it fails without
        asking any real resolver."""
        import common
        probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
        if probe.returncode != 0:
            fixtures.skip_or_fail(self, "cannot create a network namespace: %r" % probe.stderr)
        rc, out, err = fixtures.run(["unshare", "-rn"] + fixtures.wrap([common.CLI]) +
                                    ["--stats", "http://no-such-host.invalid/"], timeout=60)
        self.assertEqual(rc, 6, err)
        self.assertIn("could not resolve host", err)
        self.assertEqual(parse_stats(err)["dns_queries"], 1)


if __name__ == "__main__":
    fixtures.main()  # exit 77 on a skip, 1 under CI=true
