#!/usr/bin/python3
"""Demo driver: a private nginx on 127.0.0.1, then the emhttp CLI.

usage: demo.py BUILD_DIR
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from fixtures import Nginx  # noqa: E402


def main(build):
    cli = os.path.join(build, "emhttp")
    body = os.path.join(ROOT, "tests", "bench", "body.json")
    with Nginx() as ng:
        url = ng.url("/api", host="localhost")
        # -o /dev/null: with -n the CLI writes every body, as curl does
        cmd = [cli, "-n", "10000", "--json", "@" + body, "-o", "/dev/null", "--stats", url]
        print("$ " + " ".join(cmd[:1] + ["-n", "10000", "--json", "@tests/bench/body.json",
                                         "-o", "/dev/null", "--stats", url]), flush=True)
        rc = subprocess.call(cmd, timeout=300)
        entries = ng.wait_log_count(10000, timeout=30)
        print("nginx saw %d requests on %d TCP connection(s)"
              % (len(entries), ng.connection_count(entries)), flush=True)
        telemetry = os.path.join(build, "telemetry")
        if rc == 0 and os.path.exists(telemetry):
            print("$ telemetry http://127.0.0.1:%d/api" % ng.port, flush=True)
            rc = subprocess.call([telemetry, "http://127.0.0.1:%d/api" % ng.port], timeout=300)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "demo")))
