#!/usr/bin/python3
"""https over a transport that does TLS itself - OpenSSL's libssl in
offload_transport.c, standing in for a cellular modem's offloaded TLS
socket - with none of emhttp's own TLS code, against the TLS fixtures
(nginx with TLS, openssl s_server, a small Python TLS server).

What it shows:
  - the certificate is verified: the right CA succeeds; a wrong CA, a
    wrong host name, an expired or a self-signed certificate fail with the
    client's error code, send no request byte, and keep the DNS cache;
  - requests reuse one connection (nginx's $connection per request);
  - the Host header carries no port for 443 (port 0 = the default, checked
    inside a network namespace made by the test, where nginx listens on
    127.0.0.1:443) and carries it otherwise;
  - reconnects after the server closes (keepalive_requests, idle timeout,
    reload, HTTP/1.0 close) work;
  - an end of TCP without close_notify is a reset, not a short body.
Resumption is not assumed: the client offers its session, and whatever
the server does, the client's count of resumed handshakes must equal
nginx's ("r" in $ssl_session_reused on each connection's first request).

Under CI=true a missing prerequisite (the driver, libssl, namespaces)
fails the test; elsewhere it skips (exit 77) and says why.
"""
import json
import os
import subprocess
import sys
import unittest

from tls_common import PkiTestCase, fixtures, tls_fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.environ.get("EMHTTP_OFFLOAD_DRIVER",
                        os.path.join(tls_fixtures.HERE, "..", "..", "build", "gcc", "tests",
                                     "tls", "offload_driver"))
IN_NETNS = "--netns-443"

# emhttp_err values (core/include/emhttp/error.h)
OK, ERR_RESET = 0, -13
ERR_TLS_CERT_UNTRUSTED, ERR_TLS_CERT_SELF_SIGNED = -101, -102
ERR_TLS_CERT_EXPIRED, ERR_TLS_CERT_HOSTNAME = -103, -104
BAD = {"expired": ERR_TLS_CERT_EXPIRED, "wronghost": ERR_TLS_CERT_HOSTNAME,
       "selfsigned": ERR_TLS_CERT_SELF_SIGNED, "otherca": ERR_TLS_CERT_UNTRUSTED}
PROBE = "/probe-request-line"


def missing(why):
    """A prerequisite of the whole class is missing (setUpClass has no test
    to hand to fixtures.skip_or_fail): fail under CI=true, skip elsewhere."""
    if fixtures.CI:
        raise AssertionError("CI=true: this test cannot run and may not skip: " + why)
    raise unittest.SkipTest(why)


def fnv(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def drive(host, port, steps, options=(), input=None, timeout=120):
    """Run offload_driver: (step results, summary)."""
    rc, out, err = fixtures.run(fixtures.wrap([DRIVER, host, str(port)] + list(options) +
                                              list(steps)), timeout=timeout, input=input)
    if rc != 0:
        raise AssertionError("offload_driver failed rc=%s: %s%s" % (rc, out, err))
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    return lines[:-1], lines[-1]


def first_of_each_connection(entries):
    seen, out = set(), []
    for e in entries:
        if (e["pid"], e["connection"]) not in seen:
            seen.add((e["pid"], e["connection"]))
            out.append(e)
    return out


def resumption_figures(summary, entries):
    """(client's resumed, nginx's resumed, handshakes) - must agree."""
    firsts = first_of_each_connection(entries)
    return (summary["transport"]["resumed"],
            sum(1 for e in firsts if e["ssl_session_reused"] == "r"),
            summary["transport"]["handshakes"])


class OffloadedTls(PkiTestCase):

    @classmethod
    def setUpClass(cls):
        problem = os.environ.get("EMHTTP_OFFLOAD_MISSING")
        if problem is None and not os.access(DRIVER, os.X_OK):
            problem = "no offload_driver at %s (build it: target offload_driver)" % DRIVER
        if problem:
            missing(problem)
        super().setUpClass()

    def assert_resumption_agrees(self, summary, entries, label):
        ours, nginx, handshakes = resumption_figures(summary, entries)
        print("%s: %d handshakes, resumed: client %d, nginx %d"
              % (label, handshakes, ours, nginx), flush=True)
        self.assertEqual(ours, nginx)
        self.assertEqual(handshakes, len(first_of_each_connection(entries)))

    # -- verified certificate, one connection ----------------------------

    def test_verified_requests_reuse_one_connection(self):
        with tls_fixtures.TlsNginx(self.pki) as ng:
            steps, summary = drive("localhost", ng.port, ["20*GET:/api", "GET:/big"],
                                   ["--cacert", self.pki.ca_pem])
            entries = ng.wait_log_count(21)
            big = fnv(ng.big_bytes())
        self.assertEqual([(s["rc"], s["status"]) for s in steps], [(OK, 200)] * 2, steps)
        self.assertEqual(steps[0]["len"], 20 * len(b'{"ok":true}'))
        self.assertEqual((steps[1]["len"], steps[1]["fnv"]), (1 << 20, big))
        self.assertEqual((steps[0]["verify"], steps[0]["verify_text"]), (0, "ok"))
        st = summary["stats"]
        self.assertEqual((st["requests"], st["errors"], st["connects"], st["reuses"]),
                         (21, 0, 1, 20))
        self.assertEqual(st["tls_handshakes"], 0, "no emhttp handshake op: the socket's own")
        self.assertEqual(summary["transport"]["handshakes"], 1)
        self.assertEqual(len(entries), 21)
        self.assertEqual(ng.connection_count(entries), 1)
        self.assertEqual([e["connection_requests"] for e in entries], list(range(1, 22)))
        self.assertEqual({e["http_host"] for e in entries}, {"localhost:%d" % ng.port})
        self.assertEqual({e["ssl_server_name"] for e in entries}, {"localhost"})
        print("one connection: %d requests on %d connection(s), Host %r, SNI %r, %s"
              % (len(entries), ng.connection_count(entries), entries[0]["http_host"],
                 entries[0]["ssl_server_name"], entries[0]["ssl_protocol"]), flush=True)

    def test_ip_literal_is_checked_against_the_certificate_ip(self):
        """127.0.0.1 is in the certificate's IP names: verified, and no SNI
        is sent for an address; 127.0.0.2 (reaching the same server through
        a configured address) is not, and fails as a host mismatch."""
        with tls_fixtures.TlsNginx(self.pki) as ng:
            ok, _ = drive("127.0.0.1", ng.port, ["GET:/api"], ["--cacert", self.pki.ca_pem])
            bad, summary = drive("127.0.0.2", ng.port, ["GET:/api"],
                                 ["--cacert", self.pki.ca_pem, "--resolve", "127.0.0.1"])
            entries = ng.wait_log_count(1)
        self.assertEqual((ok[0]["rc"], ok[0]["status"]), (OK, 200), ok)
        self.assertEqual([e["ssl_server_name"] for e in entries], [""])
        self.assertEqual([e["http_host"] for e in entries], ["127.0.0.1:%d" % ng.port])
        self.assertEqual(bad[0]["rc"], ERR_TLS_CERT_HOSTNAME, bad)
        self.assertEqual(summary["stats"]["dns_queries"], 0)
        print("IP literal: 127.0.0.1 ok (SNI none); 127.0.0.2 -> %d %s (%s)"
              % (bad[0]["rc"], bad[0]["err"], bad[0]["verify_text"]), flush=True)

    # -- failed verification ----------------------------------------------

    def test_bad_server_certificates_fail_and_send_nothing(self):
        """s_server in echo mode prints every request byte it decrypts: a
        bad certificate must leave no trace of the request.  Two requests
        each: both fail with the same code, the address stays cached."""
        for name, code in BAD.items():
            with self.subTest(cert=name), tls_fixtures.SServer(self.pki, cert=name) as srv:
                steps, summary = drive("localhost", srv.port, ["GET:" + PROBE, "GET:" + PROBE],
                                       ["--cacert", self.pki.ca_pem, "--max-time", "5000"])
                self.assertEqual([s["rc"] for s in steps], [code, code], steps)
                st = summary["stats"]
                self.assertEqual((st["connects"], st["dns_queries"], st["errors"]), (0, 1, 2))
                self.assertTrue(srv.wait_output("ERROR"), srv.output())
                self.assertNotIn(PROBE, srv.output())
                print("%-10s -> %d %s (OpenSSL: %d %s)" % (name, code, steps[0]["err"],
                      steps[0]["verify"], steps[0]["verify_text"]), flush=True)

    def test_wrong_ca_and_wrong_host_name(self):
        """The good certificate, but the client trusts another CA, or asks
        for a name the certificate does not carry (a configured address
        takes it to the same server)."""
        with tls_fixtures.TlsNginx(self.pki) as ng:
            wrong_ca, _ = drive("localhost", ng.port, ["GET:/api"],
                                ["--cacert", self.pki.cert("ca2")])
            wrong_name, _ = drive("wrong.example", ng.port, ["GET:/api"],
                                  ["--cacert", self.pki.ca_pem, "--resolve", "127.0.0.1"])
            right, _ = drive("localhost", ng.port, ["GET:/api"], ["--cacert", self.pki.ca_pem])
            entries = ng.wait_log_count(1)
        self.assertEqual(wrong_ca[0]["rc"], ERR_TLS_CERT_UNTRUSTED, wrong_ca)
        self.assertEqual(wrong_name[0]["rc"], ERR_TLS_CERT_HOSTNAME, wrong_name)
        self.assertEqual((right[0]["rc"], right[0]["status"]), (OK, 200), right)
        self.assertEqual(len(entries), 1, "only the verified request reached nginx")
        print("wrong CA -> %d %s (%s); wrong host name -> %d %s (%s); right CA and name -> 200"
              % (wrong_ca[0]["rc"], wrong_ca[0]["err"], wrong_ca[0]["verify_text"],
                 wrong_name[0]["rc"], wrong_name[0]["err"], wrong_name[0]["verify_text"]),
              flush=True)

    # -- port 443: Host without port ------------------------------------------

    def test_default_port_443_and_host_header(self):
        """In a network namespace of its own (unshare -rn) nginx listens on
        127.0.0.1:443 only; the client has port 0 and a configured address."""
        probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
        if probe.returncode != 0:
            fixtures.skip_or_fail(self, "cannot create a network namespace (unshare -rn): %r"
                                  % probe.stderr)
        rc, out, err = fixtures.run(["unshare", "-rn", sys.executable, os.path.abspath(__file__),
                                     IN_NETNS], timeout=300)
        self.assertEqual(rc, 0, out + err)
        res = json.loads(out.strip().splitlines()[-1])
        default, explicit, entries = res["default"], res["explicit"], res["log"]
        self.assertEqual([s["rc"] for s in default["steps"]], [OK], default)
        self.assertEqual(default["steps"][0]["n"], 3)
        self.assertEqual((default["summary"]["transport"]["port"],
                          default["summary"]["transport"]["addr"]), (443, "127.0.0.1"))
        self.assertEqual(default["summary"]["stats"]["connects"], 1)
        self.assertEqual(default["summary"]["stats"]["dns_queries"], 0)
        self.assertEqual([s["rc"] for s in explicit["steps"]], [OK], explicit)
        self.assertEqual(len(entries), 4)
        self.assertEqual({e["http_host"] for e in entries}, {"localhost"})
        self.assertEqual({e["server_addr"] for e in entries}, {"127.0.0.1"})
        self.assertEqual({e["ssl_server_name"] for e in entries}, {"localhost"})
        self.assertEqual(len(first_of_each_connection(entries)), 2)
        print("port 0 -> connected to %s:%d, Host %r (3 requests, 1 connection); "
              "port 443 given -> Host %r" % (default["summary"]["transport"]["addr"],
                                              default["summary"]["transport"]["port"],
                                              entries[0]["http_host"], entries[-1]["http_host"]),
              flush=True)

    # -- reconnects ----------------------------------------------------------------

    def test_reconnect_when_nginx_closes_after_n_requests(self):
        with tls_fixtures.TlsNginx(self.pki, keepalive_requests=4) as ng:
            steps, summary = drive("localhost", ng.port, ["10*GET:/api"],
                                   ["--cacert", self.pki.ca_pem])
            entries = ng.wait_log_count(10)
        self.assertEqual((steps[0]["rc"], steps[0]["status"]), (OK, 200), steps)
        st = summary["stats"]
        self.assertEqual((st["requests"], st["errors"], st["connects"]), (10, 0, 3))
        self.assertEqual(ng.connection_count(entries), 3)
        self.assertEqual([e["connection_requests"] for e in entries], [1, 2, 3, 4] * 2 + [1, 2])
        self.assert_resumption_agrees(summary, entries, "keepalive_requests 4, 10 requests")

    def test_reconnect_after_idle_close_and_reload(self):
        """nginx closes the idle connection after 1 s (the client notices
        before sending), then a graceful reload closes it again."""
        with tls_fixtures.TlsNginx(self.pki, keepalive_timeout="1s") as ng:
            proc = subprocess.Popen(fixtures.wrap([DRIVER, "localhost", str(ng.port), "--cacert",
                                                   self.pki.ca_pem, "GET:/api", "sleep:2500",
                                                   "GET:/api", "wait", "GET:/api"]),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                    start_new_session=True)
            try:
                lines = [proc.stdout.readline(), proc.stdout.readline()]
                self.assertIn('"rc":0', lines[1], lines)
                ng.reload()
                out, _ = proc.communicate("go\n", timeout=60)
            finally:
                if proc.poll() is None:
                    fixtures._killpg(proc, 9)
                    proc.wait()
            self.assertEqual(proc.returncode, 0)
            results = [json.loads(x) for x in lines + out.splitlines() if x.strip()]
            entries = ng.wait_log_count(3)
        steps, summary = results[:-1], results[-1]
        self.assertEqual([(s["rc"], s["status"]) for s in steps], [(OK, 200)] * 3, steps)
        st = summary["stats"]
        self.assertEqual((st["connects"], st["errors"]), (3, 0))
        self.assertEqual(ng.connection_count(entries), 3)
        self.assert_resumption_agrees(summary, entries, "idle close + reload")

    def test_http10_close_delimited_with_sserver(self):
        """s_server -www answers HTTP/1.0 and closes with close_notify:
        every request reconnects, every body is complete."""
        with tls_fixtures.SServer(self.pki, cert="good", mode="www") as srv:
            steps, summary = drive("localhost", srv.port, ["3*GET:/"],
                                   ["--cacert", self.pki.ca_pem])
        self.assertEqual((steps[0]["rc"], steps[0]["status"]), (OK, 200), steps)
        self.assertGreater(steps[0]["len"], 0)
        self.assertEqual(summary["stats"]["connects"], 3)
        self.assertEqual(summary["transport"]["handshakes"], 3)
        print("s_server -www: 3 requests, 3 connections, %d handshakes resumed"
              % summary["transport"]["resumed"], flush=True)

    def test_no_session_offered_means_no_resumption(self):
        """--no-resume: the client keeps no session, so no handshake can
        resume, whatever the server allows."""
        with tls_fixtures.TlsNginx(self.pki, keepalive_requests=1, cache=True) as ng:
            steps, summary = drive("localhost", ng.port, ["4*GET:/api"],
                                   ["--cacert", self.pki.ca_pem, "--no-resume"])
            entries = ng.wait_log_count(4)
        self.assertEqual(steps[0]["rc"], OK, steps)
        self.assertEqual((summary["transport"]["handshakes"], summary["transport"]["resumed"]),
                         (4, 0))
        self.assertEqual({e["ssl_session_reused"] for e in entries}, {"."})

    # -- end of stream --------------------------------------------------------------

    def test_fin_without_close_notify_is_a_reset(self):
        """A body delimited by the close: complete with close_notify, an
        error (EMHTTP_ERR_RESET) on a bare TCP FIN."""
        from test_tls_truncation import BODY, ClosePeer
        for notify, want in ((True, OK), (False, ERR_RESET)):
            with self.subTest(notify=notify):
                peer = ClosePeer(self.pki, notify)
                try:
                    steps, _ = drive("localhost", peer.port, ["GET:/"],
                                     ["--cacert", self.pki.ca_pem])
                finally:
                    peer.close()
                self.assertEqual(steps[0]["rc"], want, steps)
                if notify:
                    self.assertEqual((steps[0]["len"], steps[0]["fnv"]), (len(BODY), fnv(BODY)))
                print("close-delimited body, %s -> %d %s"
                      % ("close_notify" if notify else "bare FIN", steps[0]["rc"],
                         steps[0]["err"]), flush=True)


def netns_443():
    """Inside `unshare -rn`: lo up, nginx on 127.0.0.1:443, the driver with
    port 0 (three requests) and with port 443 given (one); one JSON line."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    pki = tls_fixtures.Pki()
    try:
        with tls_fixtures.TlsNginx(pki, port=443, ipv6=False) as ng:
            opts = ["--cacert", pki.ca_pem, "--resolve", "127.0.0.1"]
            d_steps, d_sum = drive("localhost", 0, ["3*GET:/api"], opts)
            e_steps, e_sum = drive("localhost", 443, ["GET:/api"], opts)
            entries = ng.wait_log_count(4)
    finally:
        pki.cleanup()
    print(json.dumps({"default": {"steps": d_steps, "summary": d_sum},
                      "explicit": {"steps": e_steps, "summary": e_sum}, "log": entries}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == IN_NETNS:
        netns_443()
        sys.exit(0)
    fixtures.main()  # exit 77 on a skip, 1 under CI=true
