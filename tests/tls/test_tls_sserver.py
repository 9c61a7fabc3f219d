#!/usr/bin/python3
"""The emhttp CLI against `openssl s_server` (certificates made at test
time).  In echo mode s_server prints every decrypted byte the client sends,
so its output shows directly whether a request byte crossed a connection:
the good certificate is the control (the request shows up), every bad one
must leave no trace of it.
"""
import os
import tempfile
import unittest

from tls_common import PkiTestCase, cli, error_lines, fixtures, parse_stats, tls_fixtures

BAD = {
    "expired": "server certificate expired",
    "wronghost": "server certificate does not match the host name",
    "selfsigned": "server certificate not trusted (self-signed)",
    "otherca": "server certificate not trusted (unknown CA)",
}
PROBE = "/probe-request-line"


class TlsCliAgainstSServer(PkiTestCase):

    def test_control_the_request_is_visible(self):
        with tls_fixtures.SServer(self.pki, cert="good") as srv:
            # The echo server never answers: the client times out (28)
            # after sending its request, which s_server prints.
            rc, out, err = cli(["--max-time", "2", "--cacert", self.pki.ca_pem,
                                srv.url(PROBE, host="localhost")])
            self.assertEqual(rc, 28, err)
            self.assertTrue(srv.wait_output("GET %s HTTP/1.1" % PROBE), srv.output())

    def test_bad_certificates_send_nothing(self):
        for name, message in BAD.items():
            with self.subTest(cert=name), tls_fixtures.SServer(self.pki, cert=name) as srv:
                rc, out, err = cli(["--max-time", "5", "--cacert", self.pki.ca_pem,
                                    srv.url(PROBE, host="localhost")])
                self.assertEqual(rc, 60, err)
                self.assertEqual(error_lines(err), [err.splitlines()[0]])
                self.assertTrue(err.strip().endswith(": " + message), err)
                # s_server reports the alert the client sent, and no request.
                self.assertTrue(srv.wait_output("ERROR"), srv.output())
                self.assertNotIn(PROBE, srv.output())

    def test_status_page_with_resumption(self):
        """-www answers HTTP/1.0 and closes: every request reconnects, and
        s_server's session cache and tickets let each reconnect resume."""
        with tls_fixtures.SServer(self.pki, cert="good", mode="www") as srv, \
                tempfile.TemporaryDirectory(prefix="emhttp-sserver-") as tmp:
            page = os.path.join(tmp, "page.html")
            rc, out, err = cli(["-n", "3", "--stats", "-o", page, "--cacert", self.pki.ca_pem,
                                srv.url("/")])
            self.assertEqual(rc, 0, err)
            st = parse_stats(err)
            self.assertEqual((st["ok"], st["connects"], st["tls_handshakes"], st["tls_resumed"]),
                             (3, 3, 3, 2))
            with open(page, "rb") as f:  # the last status page: s_server's view
                body = f.read()
            self.assertIn(b"Reused, TLSv1.2", body)
            self.assertNotIn(PROBE.encode(), body)

    def test_no_resumption_without_cache_and_tickets(self):
        with tls_fixtures.SServer(self.pki, cert="good", mode="www",
                                  extra=["-no_cache", "-no_ticket"]) as srv:
            rc, out, err = cli(["-n", "3", "--stats", "--cacert", self.pki.ca_pem, srv.url("/")])
            self.assertEqual(rc, 0, err)
            st = parse_stats(err)
            self.assertEqual((st["connects"], st["tls_handshakes"], st["tls_resumed"]), (3, 3, 0))


if __name__ == "__main__":
    fixtures.main()  # exit 77 on a skip, 1 under CI=true
