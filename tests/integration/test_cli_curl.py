#!/usr/bin/python3
"""The CLI where it follows curl: authentication (-u, --oauth2-bearer) and
credentials kept out of every output, -i with the server's own status
line, -I, -v's request and response heads, -s / -S, every body of -n,
exit code 23, --help listing every flag and the README every exit code.

The peer server logs each request's headers, so what reached the server
is checked there, not inferred from the client.
"""
import base64
import os
import re
import subprocess
import unittest

from common import CLI, SOURCE, ServerTestCase, cli, fixtures

CLI_SOURCE = os.path.join(SOURCE, "examples", "cli", "emhttp.c")


def header(event, name):
    return [v for n, v in event["headers"] if n.lower() == name.lower()]


class Auth(unittest.TestCase):

    def test_basic_reaches_the_server_and_never_the_output(self):
        with fixtures.PeerServer() as peer:
            rc, out, err = cli(["-v", "-i", "-u", "alice:s3cr3t:pw", peer.url("/ok")])
            self.assertEqual(rc, 0, err)
            ev = peer.wait_event("request")[0]
            want = "Basic " + base64.b64encode(b"alice:s3cr3t:pw").decode()
            self.assertEqual(header(ev, "Authorization"), [want])
            self.assertIn("> Authorization: <redacted>", err)
            text = out.decode() + err
            for secret in ("s3cr3t", want.split()[1], "alice:"):
                self.assertNotIn(secret, text)

    def test_bearer_reaches_the_server_and_never_the_output(self):
        token = "eyJhbGciOiJIUzI1NiJ9.e30.tok-EN_42"
        with fixtures.PeerServer() as peer:
            rc, out, err = cli(["-v", "--oauth2-bearer", token, peer.url("/ok")])
            self.assertEqual(rc, 0, err)
            ev = peer.wait_event("request")[0]
            self.assertEqual(header(ev, "Authorization"), ["Bearer " + token])
            self.assertIn("> Authorization: <redacted>", err)
            self.assertNotIn("tok-EN_42", out.decode() + err)
            # a hand-written Authorization header is redacted too
            rc, out, err = cli(["-v", "-H", "authorization: Secret xyzzy", peer.url("/ok")])
            self.assertIn("> authorization: <redacted>", err)
            self.assertNotIn("xyzzy", err)

    def test_credentials_leave_the_command_line(self):
        # curl blanks -u's argument so that ps does not show it; so do we
        with fixtures.PeerServer() as peer:
            proc = subprocess.Popen([CLI, "-s", "--max-time", "20", "-u", "bob:hunter2",
                                     peer.url("/stall")], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                peer.wait_event("request", timeout=20)
                with open("/proc/%d/cmdline" % proc.pid, "rb") as f:
                    cmdline = f.read()
            finally:
                proc.kill()
                proc.wait()
            self.assertIn(b"/stall", cmdline)
            self.assertNotIn(b"hunter2", cmdline)
            self.assertNotIn(b"bob", cmdline)

    def test_bad_credentials_are_refused_without_echo(self):
        for args in (["-u", "nopassword"], ["-u", "a:b\x01c"], ["--oauth2-bearer", "two words"],
                     ["-u", "a:b", "--oauth2-bearer", "t"]):
            rc, out, err = cli(args + ["http://127.0.0.1:9/"])
            self.assertEqual(rc, 2, (args, err))
            self.assertNotIn("b\x01c", err)
            self.assertNotIn("two words", err)


class CurlFaithful(ServerTestCase):
    TMP_PREFIX = "emhttp-curl-"

    @classmethod
    def start_server(cls):
        cls.peer = fixtures.PeerServer().start()
        return cls.peer

    def test_include_prints_the_status_line_the_server_sent(self):
        rc, out, err = cli(["-i", self.peer.url("/http10")])
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith(b"HTTP/1.0 200 OK\r\n"), out)
        self.assertTrue(out.endswith(b'\r\n\r\n{"ok":true}'), out)
        rc, out, err = cli(["-i", self.peer.url("/ok")])
        self.assertTrue(out.startswith(b"HTTP/1.1 200 OK\r\n"), out)

    def test_head_sends_head_and_prints_the_head(self):
        mark = len(self.peer.events("request"))
        rc, out, err = cli(["-I", self.peer.url("/big?n=5000")])
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.peer.events("request")[mark]["method"], "HEAD")
        self.assertEqual(out, b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                              b"Content-Length: 5000\r\n\r\n")

    def test_verbose_prints_both_heads_on_stderr(self):
        rc, out, err = cli(["-v", "-H", "X-Trace: 1", self.peer.url("/http10")])
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, b'{"ok":true}')
        lines = err.splitlines()
        i = lines.index("> GET /http10 HTTP/1.1")
        self.assertEqual(lines[i + 1], "> Host: 127.0.0.1:%d" % self.peer.port)
        self.assertIn("> X-Trace: 1", lines)
        j = lines.index("< HTTP/1.0 200 OK")
        self.assertGreater(j, i)
        self.assertEqual(lines[j - 1], "> ")
        self.assertIn("< Content-Length: 11", lines)
        self.assertIn("< ", lines[j:])

    def test_silent_and_show_error(self):
        port = fixtures.free_port()  # nothing listens: connection refused
        rc, out, err = cli(["-s", "http://127.0.0.1:%d/" % port])
        self.assertEqual((rc, out, err), (7, b"", ""))
        rc, out, err = cli(["-sS", "http://127.0.0.1:%d/" % port])
        self.assertEqual(rc, 7)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        rc, out, err = cli(["-s", "--fail", self.peer.url("/status/404")])
        self.assertEqual((rc, out, err), (22, b"", ""))
        rc, out, err = cli(["-s", "-S", "--fail", self.peer.url("/status/404")])
        self.assertEqual(rc, 22)
        self.assertIn("404", err)

    def test_repeat_writes_every_body(self):
        rc, out, err = cli(["-n", "3", self.peer.url("/big?n=1000")])
        self.assertEqual(rc, 0, err)
        one = bytes(i % 251 for i in range(1000))
        self.assertEqual(out, one * 3)
        rc, out, err = cli(["-n", "2", "-i", self.peer.url("/ok")])
        self.assertEqual(out.count(b"HTTP/1.1 200 OK\r\n"), 2)
        self.assertEqual(out.count(b'{"ok":true}'), 2)

    def test_write_error_exits_23(self):
        # stdout on /dev/full: the write (or the final flush) fails: curl's 23
        for path in ("/ok", "/big?n=300000"):
            with open("/dev/full", "wb") as full:
                proc = subprocess.run([CLI, self.peer.url(path)], stdout=full,
                                      stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(proc.returncode, 23, (path, proc.stderr))
            self.assertIn(b"failure writing output", proc.stderr)
        rc, out, err = cli(["-o", "/dev/full", "-n", "3", self.peer.url("/big?n=300000")])
        self.assertEqual(rc, 23, err)
        rc, out, err = cli(["-o", os.path.join(self.tmp, "no", "such", "dir"), self.peer.url("/ok")])
        self.assertEqual(rc, 23, err)

    def test_help_lists_every_flag(self):
        with open(CLI_SOURCE) as f:
            src = f.read()
        tables = re.findall(r"static const (?:value|flag)_option \w+\[\] = \{(.*?)\n\};", src, re.S)
        self.assertEqual(len(tables), 2)
        flags = set(re.findall(r'"(--[a-z0-9-]+)"', "".join(tables)))
        shorts = set(re.findall(r'"(-[A-Za-z])"', tables[0])) | \
            {"-" + c for c in re.findall(r"\{'([A-Za-z])'", tables[1])}
        self.assertGreater(len(flags), 20)
        rc, out, err = cli(["--help"])
        self.assertEqual(rc, 0)
        text = out.decode()
        for flag in sorted(flags | shorts | {"--help", "-h"}):
            self.assertRegex(text, r"(^|[ ,])%s([ ,]|$)" % re.escape(flag), flag)

    def test_readme_lists_every_exit_code(self):
        with open(CLI_SOURCE) as f:
            codes = set(int(c) for c in re.findall(r"EXIT_\w+ = (\d+)", f.read()))
        with open(os.path.join(SOURCE, "README.md")) as f:
            readme = f.read()
        section = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
        listed = set(int(c) for c in re.findall(r"^\| (\d+) \|", section, re.M))
        self.assertEqual(listed, codes)


if __name__ == "__main__":
    fixtures.main()
