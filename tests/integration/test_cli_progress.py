#!/usr/bin/python3
"""The CLI's progress meter, seen on a real terminal: the CLI runs inside
a tmux session (its own server socket, stopped afterwards) and the test
reads the screen with `tmux capture-pane` while a throttled 20 MB download
(the peer server's /throttle) runs.

  - on a terminal the meter shows advancing figures (at least two
    different byte counts, in increasing order, before the download ends);
  - with -s it never shows;
  - with stderr redirected to a file it never shows, and the file stays
    empty.
The downloads take over a second by construction (the server never sends
faster than its rate), so the meter's one-second threshold is passed.
"""
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import unittest

from common import CLI, fixtures

TMUX = shutil.which("tmux")
SIZE = 20 * 1000 * 1000
METER = re.compile(r"(\d+\.\d) MiB of 19\.1 MiB +(\d+)%")


def expected_sha(n):
    data = bytes(range(251)) * (n // 251 + 1)
    return hashlib.sha256(data[:n]).hexdigest()


class ProgressMeter(unittest.TestCase):

    def setUp(self):
        if TMUX is None:
            fixtures.skip_or_fail(self, "tmux is not installed (apt-get install tmux)")
        self.tmp = tempfile.mkdtemp(prefix="emhttp-progress-")
        self.sock = "emhttp-progress-%d" % os.getpid()
        self.peer = fixtures.PeerServer().start()

    def tearDown(self):
        subprocess.run([TMUX, "-L", self.sock, "kill-server"], stderr=subprocess.DEVNULL)
        self.peer.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_in_tmux(self, args, redirect=""):
        """Run the CLI in a tmux pane; poll the screen until it exits.
        Returns (exit code, every screen captured)."""
        out = os.path.join(self.tmp, "body")
        cmd = "%s %s -o %s %s; echo EXIT:$?; sleep 600" % (
            shlex.quote(CLI), " ".join(shlex.quote(a) for a in args), shlex.quote(out), redirect)
        env = dict(os.environ, TERM=os.environ.get("TERM", "xterm"))
        subprocess.run([TMUX, "-L", self.sock, "new-session", "-d", "-s", "p", "-x", "160",
                        "-y", "10", "sh", "-c", cmd], check=True, env=env)
        screens = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            screen = subprocess.run([TMUX, "-L", self.sock, "capture-pane", "-p", "-t", "p"],
                                    stdout=subprocess.PIPE, check=True).stdout.decode()
            screens.append(screen)
            m = re.search(r"EXIT:(\d+)", screen)
            if m:
                with open(out, "rb") as f:
                    self.assertEqual(hashlib.sha256(f.read()).hexdigest(), expected_sha(SIZE))
                return int(m.group(1)), screens
            time.sleep(0.1)
        self.fail("the CLI did not finish within 120 s; last screen:\n" + screens[-1])

    def url(self, kbps):
        return self.peer.url("/throttle?n=%d&kbps=%d" % (SIZE, kbps))

    def test_meter_advances_on_a_terminal(self):
        rc, screens = self.run_in_tmux([self.url(4096)])  # about 5 s
        self.assertEqual(rc, 0, screens[-1])
        seen = []
        for screen in screens:
            for got, pct in METER.findall(screen):
                if not seen or seen[-1] != float(got):
                    seen.append(float(got))
        self.assertGreaterEqual(len(set(seen)), 2, "figures seen: %s" % seen)
        self.assertEqual(seen, sorted(seen), "figures only grow")
        self.assertIn("MiB/s", screens[-1])
        self.assertRegex(screens[-1], r"19\.1 MiB of 19\.1 MiB +100%.*0:00:0\d")
        print("meter figures seen (MiB):", seen)

    def test_silent_has_no_meter(self):
        rc, screens = self.run_in_tmux(["-s", self.url(8192)])  # about 2.5 s
        self.assertEqual(rc, 0, screens[-1])
        self.assertFalse([s for s in screens if "MiB" in s], screens[-1])

    def test_redirected_stderr_has_no_meter(self):
        err = os.path.join(self.tmp, "stderr")
        rc, screens = self.run_in_tmux([self.url(8192)], redirect="2>" + shlex.quote(err))
        self.assertEqual(rc, 0, screens[-1])
        self.assertFalse([s for s in screens if "MiB" in s], screens[-1])
        self.assertEqual(os.path.getsize(err), 0)


if __name__ == "__main__":
    fixtures.main()
