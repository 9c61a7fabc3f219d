"""Shared setup of the TLS integration tests: binaries, fixtures, helpers."""
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("EMHTTP_SOURCE", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "fixtures"))
sys.path.insert(0, HERE)

import fixtures  # noqa: E402
import tls_fixtures  # noqa: E402

CLI = os.environ.get("EMHTTP_CLI", os.path.join(SOURCE, "build", "gcc", "emhttp"))
DRIVER = os.environ.get("EMHTTP_TLS_DRIVER",
                        os.path.join(SOURCE, "build", "gcc", "tests", "tls", "tls_driver"))
HEAP_DRIVER = os.environ.get("EMHTTP_TLS_HEAP_DRIVER")  # absent in sanitizer builds
BODY_JSON = os.path.join(SOURCE, "tests", "bench", "body.json")

class PkiTestCase(unittest.TestCase):
    """A test case with one throw-away PKI (CA, server chains) for the class."""

    @classmethod
    def setUpClass(cls):
        cls.pki = tls_fixtures.Pki()

    @classmethod
    def tearDownClass(cls):
        cls.pki.cleanup()


STATS_RE = re.compile(r"^stats: (.*)$", re.M)


def parse_stats(stderr):
    """The --stats line as a dict (numbers converted); None when absent."""
    m = STATS_RE.search(stderr)
    if not m:
        return None
    out = {}
    for key, value in re.findall(r"(\w+)=(\S+)", m.group(1)):
        out[key] = float(value) if "." in value else int(value)
    return out


def cli(args, timeout=120, **kw):
    """Run the emhttp CLI; returns (rc, stdout bytes, stderr text)."""
    rc, out, err = fixtures.run([CLI] + [str(a) for a in args], timeout=timeout, text=False, **kw)
    return rc, out, err.decode("utf-8", "replace")


def drive(host, port, steps, options=(), timeout=120, input=None, binary=None):
    """Run tls_driver (or @p binary); returns (step results, summary) or raises."""
    rc, out, err = fixtures.run([binary or DRIVER, host, str(port)] + list(options) +
                                list(steps), timeout=timeout, input=input)
    if rc == 77:
        raise Skip(err.strip())
    if rc != 0:
        raise AssertionError("tls_driver failed rc=%s: %s" % (rc, err))
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    return lines[:-1], lines[-1]


class Skip(Exception):
    """The driver cannot run this case in this build (e.g. no arena)."""


def error_lines(stderr):
    """stderr without the --stats line."""
    return [line for line in stderr.splitlines() if line and not line.startswith("stats:")]
