"""Shared setup of the integration tests: where the binaries are."""
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("EMHTTP_SOURCE", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "fixtures"))

import fixtures  # noqa: E402  (path set above)

CLI = os.environ.get("EMHTTP_CLI", os.path.join(SOURCE, "build", "gcc", "emhttp"))
TEST_BIN = os.environ.get("EMHTTP_TEST_BIN", os.path.join(SOURCE, "build", "gcc", "tests"))
DRIVER = os.path.join(TEST_BIN, "peer_driver")
BODY_JSON = os.path.join(SOURCE, "tests", "bench", "body.json")

STATS_RE = re.compile(
    r"^stats: requests=(\d+) ok=(\d+) errors=(\d+) connects=(\d+) dns_queries=(\d+) "
    r"secs=([0-9.]+) req_per_s=([0-9.]+) p50_us=([0-9.]+) p99_us=([0-9.]+)( .*)?$", re.M)


def parse_stats(stderr):
    """The --stats line as a dict of numbers; None when absent."""
    m = STATS_RE.search(stderr)
    if not m:
        return None
    keys = ["requests", "ok", "errors", "connects", "dns_queries", "secs", "req_per_s",
            "p50_us", "p99_us"]
    out = {k: (float(v) if "." in v else int(v)) for k, v in zip(keys, m.groups()[:9])}
    return out


def cli(args, timeout=120, **kw):
    """Run the emhttp CLI; returns (rc, stdout bytes, stderr text)."""
    rc, out, err = fixtures.run(fixtures.wrap([CLI]) + args, timeout=timeout, text=False, **kw)
    return rc, out, err.decode("utf-8", "replace")


def drive(host, port, steps, options=(), timeout=120):
    """Run peer_driver; returns (list of step results, stats dict)."""
    rc, out, err = fixtures.run(fixtures.wrap([DRIVER, host, str(port)]) + list(options) + list(steps),
                                timeout=timeout)
    if rc != 0:
        raise AssertionError("peer_driver failed rc=%d: %s" % (rc, err))
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    return lines[:-1], lines[-1]["stats"]


class ServerTestCase(unittest.TestCase):
    """One server for the whole class and a temporary folder (cls.tmp, its
    name starting TMP_PREFIX): the subclass's start_server() starts the
    server (a started fixtures.Fixture, kept under the subclass's own name
    too) and returns it; after the class it is stopped and the folder
    removed."""
    TMP_PREFIX = "emhttp-"

    @classmethod
    def start_server(cls):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.server = cls.start_server()
        cls.tmp = tempfile.mkdtemp(prefix=cls.TMP_PREFIX)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def sha256(data):
    return hashlib.sha256(data).hexdigest()
