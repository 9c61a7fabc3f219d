#!/usr/bin/python3
"""The emhttp CLI over HTTPS against nginx with certificates made at test
time (tests/tls/tls_fixtures.py).

What the client reports is checked against what nginx saw: its access log
(one line per request, with $ssl_session_reused, $ssl_server_name, the
protocol and the curve) and its error log (failed handshakes).  A refused
certificate must leave the access log empty: no request byte was sent.
"""
import hashlib
import os
import shutil
import sys
import tempfile
import unittest

from tls_common import (BODY_JSON, HEAP_DRIVER, Skip, cli, drive, error_lines, fixtures,
                        parse_stats, tls_fixtures)

BAD = {
    "expired": "server certificate expired",
    "wronghost": "server certificate does not match the host name",
    "selfsigned": "server certificate not trusted (self-signed)",
    "otherca": "server certificate not trusted (unknown CA)",
}


class TlsCliAgainstNginx(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = tls_fixtures.Pki()
        cls.tmp = tempfile.mkdtemp(prefix="emhttp-tls-")
        cls.ng = tls_fixtures.TlsNginx(cls.pki)
        try:
            cls.ng.start()
        except BaseException:
            cls.pki.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.ng.stop()
        cls.pki.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def cacert(self):
        return ["--cacert", self.pki.ca_pem]

    @staticmethod
    def mine(entries, args):
        """This test's requests (a line of the test before may come late)."""
        return [e for e in entries if e["args"] == args]

    def test_chain_is_small(self):
        """The premise of the memory figures: ECDSA P-256, chain < 2 KB."""
        for name in tls_fixtures.Pki.CERTS:
            self.assertLess(self.pki.chain_der_size(name), 2048, name)

    def test_10000_requests_over_one_tls_connection(self):
        mark = self.ng.log_mark()
        rc, out, err = cli(["-n", "10000", "--json", "@" + BODY_JSON, "--stats"] + self.cacert()
                           + [self.ng.url("/api?t=10k", host="localhost")], timeout=400)
        self.assertEqual(rc, 0, err)
        st = parse_stats(err)
        self.assertEqual((st["requests"], st["ok"], st["errors"]), (10000, 10000, 0))
        self.assertEqual((st["connects"], st["tls_handshakes"], st["tls_resumed"]), (1, 1, 0))
        entries = self.mine(self.ng.wait_log_count(10000, timeout=60, since=mark), "t=10k")
        self.assertEqual(len(entries), 10000)
        self.assertEqual(self.ng.connection_count(entries), 1)
        self.assertEqual(entries[-1]["connection_requests"], 10000)
        e = entries[0]
        self.assertEqual((e["ssl_protocol"], e["ssl_server_name"]), ("TLSv1.2", "localhost"))
        self.assertIn(e["ssl_curve"], ("prime256v1", "X25519"))
        # the default order (CONFIG_EMHTTP_TLS_CHACHA_FIRST): nginx follows it
        self.assertEqual(e["ssl_cipher"], "ECDHE-ECDSA-CHACHA20-POLY1305")
        self.assertEqual({x["ssl_session_reused"] for x in entries}, {"."})
        self.assertEqual({(x["request_method"], x["status"]) for x in entries}, {("POST", 200)})

    def test_bad_certificates_are_refused_before_any_request(self):
        for name, message in BAD.items():
            with self.subTest(cert=name), tls_fixtures.TlsNginx(self.pki, cert=name) as ng:
                for host in ("localhost", "127.0.0.1"):
                    rc, out, err = cli(["--stats"] + self.cacert() + [ng.url("/api", host=host)])
                    self.assertEqual(rc, 60, err)
                    self.assertEqual(out, b"")
                    lines = error_lines(err)
                    self.assertEqual(len(lines), 1, err)
                    self.assertTrue(lines[0].endswith(": " + message), lines[0])
                    st = parse_stats(err)
                    self.assertEqual((st["connects"], st["tls_handshakes"]), (1, 0))
                self.assertEqual(ng.log_entries(), [], "no request reached nginx")
                fixtures._wait_until(lambda: len(ng.handshake_failures()) >= 2, 5.0)
                self.assertGreaterEqual(len(ng.handshake_failures()), 2, ng.error_log_text())
                # The same server with verification off: it answers.
                rc, out, err = cli(["-k", ng.url("/api")])
                self.assertEqual((rc, out), (0, b'{"ok":true}'), err)

    def test_names_sni_and_ip_literals(self):
        mark = self.ng.log_mark()
        urls = [self.ng.url("/api?t=sni", host="localhost"), self.ng.url("/api?t=sni")]
        if self.ng.ipv6:
            urls.append(self.ng.url("/api?t=sni", host="::1"))
        elif fixtures.CI:
            self.fail("CI=true: no ::1, the IPv6 literal case cannot run")
        for url in urls:
            rc, out, err = cli(self.cacert() + [url])
            self.assertEqual((rc, out), (0, b'{"ok":true}'), err)
        fixtures._wait_until(
            lambda: len(self.mine(self.ng.log_entries(mark), "t=sni")) >= len(urls), 5.0)
        entries = self.mine(self.ng.log_entries(mark), "t=sni")
        # SNI carries the name, never an IP literal (RFC 6066).
        self.assertEqual([e["ssl_server_name"] for e in entries],
                         ["localhost"] + [""] * (len(urls) - 1))

    def test_cacert_der_and_unreadable(self):
        rc, out, err = cli(["--cacert", self.pki.ca_der, self.ng.url("/api")])
        self.assertEqual((rc, out), (0, b'{"ok":true}'), err)
        rc, out, err = cli(["--cacert", os.path.join(self.tmp, "missing.pem"), self.ng.url("/")])
        self.assertEqual(rc, 77, err)
        self.assertEqual(len(error_lines(err)), 1, err)
        junk = os.path.join(self.tmp, "junk.pem")
        with open(junk, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        rc, out, err = cli(["--cacert", junk, self.ng.url("/")])
        self.assertEqual(rc, 77, err)

    def test_pinned_public_key(self):
        good, other = self.pki.pin("good"), self.pki.pin("selfsigned")
        rc, out, err = cli(self.cacert() + ["--pinnedpubkey", good, self.ng.url("/api?t=pin")])
        self.assertEqual((rc, out), (0, b'{"ok":true}'), err)
        rc, out, err = cli(self.cacert() + ["--pinnedpubkey", other + ";" + good,
                                            self.ng.url("/api?t=pin")])
        self.assertEqual((rc, out), (0, b'{"ok":true}'), err)
        for extra in ([], ["-k"]):  # a pin holds with and without verification
            rc, out, err = cli(self.cacert() + extra + ["--pinnedpubkey", other,
                                                        self.ng.url("/api?t=badpin")])
            self.assertEqual(rc, 60, err)
            self.assertEqual(error_lines(err)[-1].split(": ")[-1],
                             "server public key does not match the pin")
        fixtures._wait_until(lambda: len(self.mine(self.ng.log_entries(), "t=pin")) >= 2, 5.0)
        self.assertEqual(len(self.mine(self.ng.log_entries(), "t=pin")), 2)
        self.assertEqual(self.mine(self.ng.log_entries(), "t=badpin"), [],
                         "no request after a pin mismatch")
        for bad in ("sha256//tooshort=", "md5//AAAA", good[:-2] + "!="):
            self.assertEqual(cli(["--pinnedpubkey", bad, self.ng.url("/api")])[0], 2, bad)

    def test_pin_on_a_self_signed_server_with_k(self):
        with tls_fixtures.TlsNginx(self.pki, cert="selfsigned") as ng:
            rc, out, err = cli(["-k", "--pinnedpubkey", self.pki.pin("selfsigned"), ng.url("/api")])
            self.assertEqual((rc, out), (0, b'{"ok":true}'), err)

    def test_suite_order_default_and_server_preference(self):
        """ChaCha20-Poly1305 is offered first (docs/tls-suites.md); a server
        preferring its own order gets AES-128-GCM or AES-256-GCM."""
        for ciphers, want in ((None, "ECDHE-ECDSA-CHACHA20-POLY1305"),
                              ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305",
                               "ECDHE-ECDSA-AES128-GCM-SHA256"),
                              ("ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384")):
            with self.subTest(ciphers=ciphers), \
                    tls_fixtures.TlsNginx(self.pki, ciphers=ciphers) as ng:
                rc, out, err = cli(["-v"] + self.cacert() + [ng.url("/api", host="localhost")])
                self.assertEqual((rc, out), (0, b'{"ok":true}'), err)
                entries = ng.wait_log_count(1)
                self.assertEqual(entries[0]["ssl_cipher"], want)
                mbed = "TLS-" + want.replace("-AES128-", "-WITH-AES-128-") \
                    .replace("-AES256-", "-WITH-AES-256-").replace("-CHACHA20-", "-WITH-CHACHA20-")
                if "CHACHA20" in want:
                    mbed += "-SHA256"
                self.assertIn(" / " + mbed, err.decode() if isinstance(err, bytes) else err)

    def test_handshake_failures_exit_35(self):
        with tls_fixtures.TlsNginx(self.pki, protocols="TLSv1.3") as ng:
            rc, out, err = cli(self.cacert() + [ng.url("/api")])
            self.assertEqual(rc, 35, err)
            self.assertIn("TLS handshake failed", err)
            self.assertEqual(len(error_lines(err)), 1, err)
            self.assertEqual(ng.log_entries(), [])
        with fixtures.Nginx() as plain:  # not TLS at all
            rc, out, err = cli(self.cacert() + ["https://127.0.0.1:%d/api" % plain.port])
            self.assertEqual(rc, 35, err)
            self.assertIn("TLS handshake failed", err)

    def test_large_body_and_small_receive_buffer(self):
        """1 MiB body: records larger than what the receive buffer has room
        for leave decrypted bytes inside mbedTLS; the client must fetch them
        without waiting for the socket (no stall, no timeout)."""
        path = os.path.join(self.tmp, "big.bin")
        rc, out, err = cli(["-o", path, "--max-time", "60"] + self.cacert() +
                           [self.ng.url("/big")])
        self.assertEqual(rc, 0, err)
        with open(path, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), self.ng.big_sha256)
        steps, summary = drive("127.0.0.1", self.ng.port, ["GET:/big", "3*GET:/api"],
                               ["--cacert", self.pki.ca_pem, "--rx", "300"])
        self.assertEqual([s["rc"] for s in steps], [0, 0], steps)
        self.assertEqual(steps[0]["len"], 1 << 20)
        self.assertEqual(summary["stats"]["connects"], 1)

    def test_static_arena(self):
        """The static-memory build: every mbedTLS allocation comes from a
        24 KiB static arena - handshake, resumption, a 1 MiB body - and,
        where the driver counts the C library's calloc (no sanitizer), not
        one byte from the C library.  Only in builds on an mbedTLS with its
        buffer allocator (below)."""
        try:
            # An IP literal: no resolver thread, whose start-up would
            # allocate from the C library (thread state, not TLS).
            steps, summary = drive("127.0.0.1", self.ng.port,
                                   ["GET:/api", "close", "GET:/api", "GET:/big"],
                                   ["--cacert", self.pki.ca_der, "--arena", str(24 * 1024)],
                                   binary=HEAP_DRIVER)
        except Skip as e:
            self.fail("this build's mbedTLS has the buffer allocator, yet: %s" % e)
        self.assertEqual([s["rc"] for s in steps], [0, 0, 0], steps)
        self.assertEqual(steps[2]["len"], 1 << 20)
        mem, st = summary["mem"], summary["stats"]
        self.assertEqual((st["tls_handshakes"], st["tls_resumed"]), (2, 1))
        self.assertGreater(mem["arena_peak"], 0)
        self.assertEqual((mem["heap_peak"], mem["heap_allocs"]), (0, 0), "no libc heap")
        print("\nstatic arena: peak %d payload bytes in %d blocks (+%d header bytes each) "
              "of %d; client %d + tls %d bytes" % (
                  mem["arena_peak"], mem["arena_peak_blocks"], mem["arena_header"],
                  mem["arena"], mem["client"], mem["tls"]), file=sys.stderr)

# The static arena exists only on an mbedTLS with its buffer allocator (the
# tls-arena build of tests/run-all.sh; tests/tls/CMakeLists.txt sets
# EMHTTP_TLS_ARENA from mbedTLS's config.h): there the test must pass,
# elsewhere (Debian's mbedTLS) it is not a test of this build.
if os.environ.get("EMHTTP_TLS_ARENA") != "1":
    del TlsCliAgainstNginx.test_static_arena

if __name__ == "__main__":
    fixtures.main()  # exit 77 on a skip, 1 under CI=true
