#!/usr/bin/python3
"""The own-loop example (examples/posix/own_loop) against nginx on a host
name: a plain poll() loop that waits only on what emhttp_wait_flags(),
emhttp_posix_pollfds() and emhttp_next_timeout_ms() say finishes its first
request as soon as the name resolves, not after a timeout.

The name (api.test) is served by the test's own dnsmasq.  Everything runs
in network, mount and PID namespaces the test creates (tests/lwip/netns.py):
lo up with 192.0.2.1 on it, dnsmasq and nginx on 192.0.2.1, and a private
/etc/resolv.conf (nameserver 192.0.2.1), /etc/nsswitch.conf (hosts: files
dns) and /etc/hosts bind-mounted over the machine's, so no lookup reaches
the machine's resolver and nothing outside the namespaces changes.

Needs root (namespaces, mounts): without it the test prints why and exits
77 (ctest: skipped), except in CI (CI=true), where it fails.
"""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("EMHTTP_SOURCE", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "lwip"))

from common import fixtures  # noqa: E402
import netns  # noqa: E402

OWN_LOOP = os.environ.get("EMHTTP_OWN_LOOP") or os.path.join(
    os.path.dirname(os.environ.get("EMHTTP_CLI", os.path.join(SOURCE, "build", "gcc", "x"))),
    "own_loop")
NAME = "api.test"
IP = netns.HOST_IP  # 192.0.2.1, on lo inside the namespace

# The issue's requirement: the first request to a host name completes "in
# well under 1 s".  On localhost it takes a few ms; the failure this guards
# against is sleeping until a timeout (5 s by default, see the second test).
FIRST_REQUEST_BOUND_MS = 500


def own_loop(args, timeout=120):
    """Run the example; returns (exit code, its JSON report or None, stderr)."""
    rc, out, err = fixtures.run([OWN_LOOP] + [str(a) for a in args], timeout=timeout)
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    return rc, (json.loads(lines[-1]) if lines else None), err


class OwnLoop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        netns.ip("link", "set", "lo", "up")
        netns.ip("addr", "add", IP + "/32", "dev", "lo")
        netns.private_tmp()
        netns.private_etc("nameserver %s\n" % IP)  # this test's resolver

    def test_first_request_to_a_name_wakes_on_the_resolver(self):
        n, tick_ms, every_ms = 20, 100, 50
        with netns.Dnsmasq(names=[NAME]) as dns, \
                fixtures.Nginx(listen=IP, ipv6=False) as ng:
            url = "http://%s:%d/api" % (NAME, ng.port)
            rc, rep, err = own_loop(["-n", n, "--tick-ms", tick_ms, "--every-ms", every_ms,
                                     url])
            self.assertEqual(rc, 0, err)
            print("\nown_loop, first request to %s: %.3f ms; %s"
                  % (url, rep["first_ms"], json.dumps(rep)), flush=True)
            self.assertEqual(rep["first_result"], "success", err)
            self.assertLess(rep["first_ms"], FIRST_REQUEST_BOUND_MS, rep)
            self.assertEqual((rep["requests"], rep["ok"], rep["errors"]), (n, n, 0), rep)
            # one lookup, one connection for all of them
            self.assertEqual((rep["dns_queries"], rep["connects"]), (1, 1), rep)
            # The requests are paced by the loop's own timer: the last one
            # goes out no earlier than (n - 1) * every_ms after the start,
            # and every tick due by then has been counted first.
            self.assertGreaterEqual(rep["ticks"], (n - 1) * every_ms // tick_ms, rep)
            # The name was answered by this test's dnsmasq, asked from here.
            self.assertTrue(dns.wait_queries(NAME, 1, source=IP), dns.log_text())
            entries = ng.wait_log_count(n, timeout=30)
            self.assertEqual(len(entries), n)
            self.assertEqual(ng.connection_count(entries), 1)
            self.assertTrue(all(e["http_host"] == "%s:%d" % (NAME, ng.port) for e in entries))

    def test_without_the_resolver_fd_the_first_request_sleeps_out_the_dns_timeout(self):
        # What a loop that follows the flags got before the port offered
        # the resolver's descriptor: it waits on the socket (there is none
        # yet) and its timers, never hears that the name resolved, and
        # wakes for the client only at the DNS deadline, which fails the
        # request.  The same run as above, but for the one descriptor.
        dns_timeout_ms = 1500
        with netns.Dnsmasq(names=[NAME]) as dns, \
                fixtures.Nginx(listen=IP, ipv6=False) as ng:
            url = "http://%s:%d/api" % (NAME, ng.port)
            rc, rep, err = own_loop(["-n", 1, "--dns-timeout-ms", dns_timeout_ms,
                                     "--without-resolve-fd", url])
            print("\nown_loop --without-resolve-fd, first request to %s: %.3f ms; %s"
                  % (url, rep["first_ms"], json.dumps(rep)), flush=True)
            self.assertEqual(rc, 1, err)
            self.assertEqual(rep["first_result"], "name resolution timed out", rep)
            self.assertGreater(rep["first_ms"], FIRST_REQUEST_BOUND_MS, rep)
            self.assertEqual((rep["ok"], rep["errors"], rep["connects"]), (0, 1, 0), rep)
            # ... although the answer was there all along
            self.assertTrue(dns.wait_queries(NAME, 1, source=IP), dns.log_text())


def main():
    netns.unittest_main(OWN_LOOP, "own_loop binary")


if __name__ == "__main__":
    main()
