#!/usr/bin/python3
"""Mutual TLS: the CLI's --cert / --key (emhttp_tls_config.client_cert /
client_key) against nginx with ssl_verify_client on, and against
`openssl s_server -Verify 1 -verify_return_error`, which refuses in the
handshake itself.

What curl does on the same commands (curl 7.88.1, checked when this test
was written; the README's table): nginx never fails the handshake for a
missing or untrusted client certificate - it answers
"400 No required SSL certificate was sent" / "400 The SSL certificate
error", so curl exits 0 (22 with --fail); s_server fails the handshake
with a handshake_failure alert, and curl exits 35.  The CLI must do the
same, and nginx's log says which certificate it saw ($ssl_client_verify,
$ssl_client_s_dn).
"""
import os
import unittest

from tls_common import PkiTestCase, cli, fixtures, parse_stats, tls_fixtures


class ClientCertificates(PkiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ng = tls_fixtures.TlsNginx(cls.pki, client_ca=cls.pki.ca_pem).start()

    @classmethod
    def tearDownClass(cls):
        cls.ng.stop()
        super().tearDownClass()

    def get(self, extra, path="/api", n=1):
        mark = self.ng.log_mark()
        rc, out, err = cli(["-n", n, "--stats", "--cacert", self.pki.ca_pem] + extra +
                           [self.ng.url(path, host="localhost")])
        entries = self.ng.wait_log_count(n, since=mark) if rc in (0, 22) else []
        return rc, out, err, entries

    def identity(self, name, der=False):
        crt, key, crt_der, key_der = self.pki.client(name)
        return ["--cert", crt_der if der else crt, "--key", key_der if der else key]

    def assert_accepted(self, extra, cn):
        rc, out, err, entries = self.get(extra)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, b'{"ok":true}')
        self.assertEqual(len(entries), 1)
        self.assertEqual((entries[0]["status"], entries[0]["ssl_client_verify"],
                          entries[0]["ssl_client_s_dn"]), (200, "SUCCESS", "CN=" + cn))

    def test_ecdsa_p256_pem(self):
        self.assert_accepted(self.identity("client"), "client")

    def test_rsa_2048_pem(self):
        self.assert_accepted(self.identity("client_rsa"), "client_rsa")

    def test_der_certificate_and_key(self):
        self.assert_accepted(self.identity("client", der=True), "client")
        self.assert_accepted(self.identity("client_rsa", der=True), "client_rsa")

    def test_key_in_the_certificate_file(self):
        # curl: without --key, the key is read from the --cert file
        crt, key, _, _ = self.pki.client("client")
        both = os.path.join(self.pki.dir, "client.both.pem")
        with open(both, "wb") as f, open(crt, "rb") as c, open(key, "rb") as k:
            f.write(c.read() + k.read())
        self.assert_accepted(["--cert", both], "client")

    def test_no_certificate_is_refused_as_curl_sees_it(self):
        rc, out, err, entries = self.get([])
        self.assertEqual(rc, 0, err)  # curl: 0, the refusal is an HTTP 400
        self.assertIn(b"No required SSL certificate was sent", out)
        self.assertEqual((entries[0]["status"], entries[0]["ssl_client_verify"]), (400, "NONE"))
        rc, out, err, entries = self.get(["--fail"])
        self.assertEqual(rc, 22, err)

    def test_certificate_from_another_ca_is_refused(self):
        rc, out, err, entries = self.get(["--fail"] + self.identity("client_otherca"))
        self.assertEqual(rc, 22, err)
        self.assertEqual(entries[0]["status"], 400)
        self.assertTrue(entries[0]["ssl_client_verify"].startswith("FAILED:"), entries[0])
        self.assertEqual(entries[0]["ssl_client_s_dn"], "CN=client_otherca")

    def test_resumption_keeps_the_client_identity(self):
        with tls_fixtures.TlsNginx(self.pki, client_ca=self.pki.ca_pem,
                                   keepalive_requests=1) as ng:
            rc, out, err = cli(["-n", 5, "--stats", "--cacert", self.pki.ca_pem] +
                               self.identity("client") + [ng.url("/api", host="localhost")])
            self.assertEqual(rc, 0, err)
            st = parse_stats(err)
            self.assertEqual((st["ok"], st["connects"], st["tls_handshakes"], st["tls_resumed"]),
                             (5, 5, 5, 4))
            entries = ng.wait_log_count(5)
            self.assertEqual([e["ssl_session_reused"] for e in entries], ["."] + ["r"] * 4)
            self.assertEqual({(e["status"], e["ssl_client_verify"], e["ssl_client_s_dn"])
                              for e in entries}, {(200, "SUCCESS", "CN=client")})

    def test_unusable_certificate_or_key_exits_58(self):
        crt, key, _, _ = self.pki.client("client")
        _, rsa_key, _, _ = self.pki.client("client_rsa")
        mark = self.ng.log_mark()
        cases = [["--cert", crt, "--key", rsa_key],          # key of another certificate
                 ["--cert", crt, "--key", "/nonexistent.key"],
                 ["--cert", "/nonexistent.crt", "--key", key],
                 ["--cert", key, "--key", key],               # not a certificate
                 ["--cert", crt, "--key", crt]]               # not a key
        for extra in cases:
            rc, out, err, _ = self.get(extra)
            self.assertEqual(rc, 58, (extra, err))            # curl: 58
            self.assertEqual(len(err.strip().splitlines()), 1, err)  # one line, no --stats
        self.assertEqual(self.ng.log_entries(since=mark), [], "nothing reached nginx")

    def test_the_key_never_appears_in_any_output(self):
        crt, key, _, key_der = self.pki.client("client")
        with open(key) as f:
            pem_lines = [line.strip() for line in f.read().splitlines()
                         if line.strip() and not line.startswith("-----")]
        with open(key_der, "rb") as f:
            der = f.read()
        rc, out, err, _ = self.get(["-v", "-i", "--cert", crt, "--key", key])
        self.assertEqual(rc, 0, err)
        self.assertIn("> GET /api HTTP/1.1", err)  # -v did print the request
        text = out + err.encode()
        for line in pem_lines:
            self.assertNotIn(line.encode(), text)
        for i in range(0, len(der) - 16, 16):  # no 16-byte run of the key, raw or hex
            self.assertNotIn(der[i:i + 16], text)
            self.assertNotIn(der[i:i + 16].hex().encode(), text.lower())


class VerboseTls(PkiTestCase):
    """-v after each handshake: version, cipher suite, certificate names,
    and a resumed session said as curl says it."""

    def test_verbose_tls_facts(self):
        with tls_fixtures.TlsNginx(self.pki, keepalive_requests=1) as ng:
            rc, out, err = cli(["-v", "-n", 2, "--cacert", self.pki.ca_pem,
                                ng.url("/api", host="localhost")])
            self.assertEqual(rc, 0, err)
            entries = ng.wait_log_count(2)
        self.assertEqual(out, b'{"ok":true}' * 2)
        lines = err.splitlines()
        using = [x for x in lines if x.startswith("* SSL connection using ")]
        self.assertEqual(len(using), 2, err)
        # what nginx negotiated, in mbedTLS's spelling of the suite
        proto = entries[0]["ssl_protocol"]
        self.assertEqual(using[0].split(" / ")[0], "* SSL connection using " + proto)
        suite = using[0].split(" / ")[1]
        self.assertTrue(suite.startswith("TLS-ECDHE-ECDSA-WITH-"), suite)
        nginx_suite = entries[0]["ssl_cipher"]            # e.g. ECDHE-ECDSA-AES128-GCM-SHA256
        self.assertIn(nginx_suite.split("-")[2].replace("AES", "AES-"), suite)
        # an mbedTLS built without MBEDTLS_SSL_KEEP_PEER_CERTIFICATE (the
        # static-arena build) cannot name them after the handshake: the CLI
        # says so instead, on each connection
        if lines.count("*  subject and issuer: not kept by this mbedTLS build") == 2:
            self.assertNotIn("*  subject: CN=localhost", lines)
        else:
            self.assertEqual(lines.count("*  subject: CN=localhost"), 2, err)
            self.assertEqual(lines.count("*  issuer: CN=emhttp test CA"), 2, err)
        self.assertEqual(lines.count("*  SSL certificate verify ok."), 2)
        self.assertEqual(lines.count("* SSL re-using session ID"), 1)  # the second connection
        self.assertIn("> GET /api HTTP/1.1", lines)
        self.assertIn("< HTTP/1.1 200 OK", lines)


class HandshakeRefusal(PkiTestCase):
    """s_server refuses a missing certificate in the handshake: curl's 35."""

    def run_against(self, extra):
        args = ["-Verify", "1", "-verify_return_error", "-CAfile", self.pki.ca_pem]
        with tls_fixtures.SServer(self.pki, mode="www", extra=args) as srv:
            return cli(["--cacert", self.pki.ca_pem] + extra + [srv.url("/", host="localhost")])

    def test_without_certificate_exit_35(self):
        rc, out, err = self.run_against([])
        self.assertEqual(rc, 35, err)
        self.assertIn("handshake", err)

    def test_other_ca_exit_35(self):
        crt, key, _, _ = self.pki.client("client_otherca")
        rc, out, err = self.run_against(["--cert", crt, "--key", key])
        self.assertEqual(rc, 35, err)

    def test_right_certificate_accepted(self):
        for name in ("client", "client_rsa"):
            crt, key, _, _ = self.pki.client(name)
            rc, out, err = self.run_against(["-i", "--cert", crt, "--key", key])
            self.assertEqual(rc, 0, err)
            self.assertTrue(out.startswith(b"HTTP/1.0 200 ok\r\n"), out[:100])


if __name__ == "__main__":
    fixtures.main()
