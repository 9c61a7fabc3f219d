#!/usr/bin/python3
"""Streamed request bodies and Expect: 100-continue against real servers:
upload_server.py (hashes what it receives, logs every request, checks that
no body byte came before its 100 Continue) and nginx.

- A JSON array of EMHTTP_UPLOAD_MB (default 100) MB, generated from a seed
  and a record count by the resumable JSON writer, streamed by
  stream_driver through a 1 KB transmit buffer, chunked and with a
  declared length, as the client's producer and as a streamed outbox job
  (an idle thread writes it into 4 slots of 1 KB): the server's SHA-256
  equals that of the same document made in one piece here; the driver's peak RSS
  for 1 MB and for the big body differ by less than 1 MB; the most bytes
  one poll hands the transport (and the largest single send) are the same
  for both sizes: the loop's step does not grow with the body.
- Producers that fail in the middle, end short of the declared length or
  go beyond it (in one piece; after exactly the declared length): each
  ends with EMHTTP_ERR_BODY, the server never logs a complete request, the
  next request on the same client succeeds on a fresh connection.
- Expect: 100-continue: the body only after 100 (checked by the server),
  the wait given up after --expect-ms when no 100 comes, 417 and 413
  reported without a body byte sent, the next request succeeding; the same
  with the CLI (-H 'Expect: 100-continue') and against nginx.
- The CLI: -T FILE (PUT, the file's name appended to a URL ending in '/'),
  --data-binary @FILE, --json @FILE, -d @FILE (CR and LF left out), @- and
  -T - (standard input, chunked) of a EMHTTP_UPLOAD_MB MB file; peak RSS
  (/usr/bin/time -v) under 8 MB.

Manual run with other sizes: EMHTTP_UPLOAD_MB=500 tests/integration/test_upload.py
"""
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import unittest

from common import CLI, HERE, TEST_BIN, cli, fixtures

DRIVER = os.path.join(TEST_BIN, "stream_driver")
SERVER = os.path.join(HERE, "upload_server.py")
MB = int(os.environ.get("EMHTTP_UPLOAD_MB", "100"))
RECORD_BYTES = 34  # at most, on average: COUNT records make at least the size
ERR_BODY = -23


def sanitized(path):
    """Is the binary built with a sanitizer (its runtime's symbols in it)?
    Its shadow memory then dominates the resident size."""
    with open(path, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__ubsan_handle" in data or b"__tsan_init" in data


def json_document(count):
    """stream_driver's document, in pieces (see stream_driver.c)."""
    seed = 1
    out = ["["]
    for i in range(count):
        seed = (seed * 1103515245 + 12345) & 0xFFFFFFFF
        v = ((seed >> 16) % 20001) - 10000
        out.append('%s{"i":%d,"t":%d,"v":%d}' % ("," if i else "", i, 1700000000 + 60 * i, v))
        if len(out) >= 4096:
            yield "".join(out).encode()
            out = []
    out.append("]")
    yield "".join(out).encode()


def document_digest(count):
    h, n = hashlib.sha256(), 0
    for piece in json_document(count):
        h.update(piece)
        n += len(piece)
    return h.hexdigest(), n


class UploadServer:
    def __init__(self, tls=()):
        self.tls = list(tls)  # (certificate chain, key): over TLS

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="emhttp-upload-")
        self.log = os.path.join(self.dir, "log.jsonl")
        open(self.log, "w").close()
        self.port = fixtures.free_port()
        self.proc = subprocess.Popen(["/usr/bin/python3", SERVER, str(self.port), self.log]
                                     + self.tls, start_new_session=True)
        if not fixtures._wait_until(lambda: fixtures.port_open(self.port), 10):
            raise fixtures.FixtureError("upload_server.py did not start")
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()
        return False

    def records(self, n):
        """The first n log records, once the server has written them."""
        def have():
            with open(self.log) as f:
                return len(f.readlines()) >= n
        if not fixtures._wait_until(have, 30):
            raise AssertionError("server logged fewer than %d requests" % n)
        with open(self.log) as f:
            return [json.loads(x) for x in f.readlines()]


def drive(port, steps, options=(), host="127.0.0.1"):
    rc, out, err = fixtures.run([DRIVER, host, str(port)] + list(options) + list(steps),
                                timeout=600)
    if rc != 0:
        raise AssertionError("stream_driver failed rc=%s: %s" % (rc, err))
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    return lines[:-1], lines[-1]["maxrss_kb"]


class DriverStreams(unittest.TestCase):
    def test_json_array_hash_rss_and_step(self):
        small = (1 << 20) // RECORD_BYTES
        big = (MB << 20) // RECORD_BYTES
        figures = {}
        kinds = (("chunked", ""), ("declared", ""), ("chunked", ",outbox"), ("declared", ",outbox"))
        with UploadServer() as srv:
            for count in (small, big):
                want, length = document_digest(count)
                res, rss = drive(srv.port, ["POST,/hash,json,%d,%s%s" % (count, f, o)
                                            for f, o in kinds])
                for r, (framing, how) in zip(res, kinds):
                    self.assertEqual((r["rc"], r["status"]), (0, 200), (framing, how, r))
                    self.assertEqual(r["body"]["sha256"], want)
                    self.assertEqual(r["body"]["len"], length)
                    self.assertEqual(r["body"]["chunked"], framing == "chunked")
                    self.assertLessEqual(r["max_piece"], 1024)  # one piece: a 1 KB buffer
                figures[count] = (length, rss, max(r["max_poll_sent"] for r in res), res)
        (l1, rss1, sent1, res1), (l2, rss2, sent2, res2) = figures[small], figures[big]
        for length, rss, sent, res in (figures[small], figures[big]):
            print("\n  body %d B: peak RSS %d KB, most bytes per poll %d" % (length, rss, sent),
                  file=sys.stderr)
            for r, (framing, how) in zip(res, kinds):
                print("    %-8s %-7s polls %7d, poll mean %6.1f us, longest %6d us"
                      " (wall time, not asserted)" % (framing, how[1:] or "direct", r["polls"],
                                                      r["mean_poll_us"], r["max_poll_us"]),
                      file=sys.stderr)
        self.assertGreaterEqual(l2, MB << 20)
        self.assertLess(abs(rss2 - rss1), 1024)
        self.assertEqual(sent1, sent2)  # the step is bounded by the buffer, not the body
        self.assertLessEqual(sent2, 8 * 1024)

    def test_bad_producers(self):
        n = 30000
        steps = []
        for kind, framing in (("fail", "chunked"), ("fail", "declared"), ("short", "declared"),
                              ("over", "declared"), ("overx", "declared")):
            steps += ["POST,/hash,%s,%d,%s" % (kind, n, framing), "GET,/hash,none,0,declared"]
        with UploadServer() as srv:
            res, _ = drive(srv.port, steps)
            log = srv.records(len(steps))
        self.assertEqual(len(res), len(steps))
        for i in range(0, len(steps), 2):
            bad, nxt = res[i], res[i + 1]
            self.assertEqual(bad["rc"], ERR_BODY, (steps[i], bad))
            self.assertEqual((nxt["rc"], nxt["status"]), (0, 200), (steps[i + 1], nxt))
        # (a failed request is logged when its connection ends: log order
        # is not step order) the server never had a whole bad request; each
        # next request came on a fresh connection
        posts = [r for r in log if r["method"] == "POST"]
        gets = [r for r in log if r["method"] == "GET"]
        self.assertEqual((len(posts), len(gets)), (5, 5))
        self.assertFalse(any(r["complete"] for r in posts), posts)
        self.assertTrue(all(r["complete"] for r in gets), gets)
        self.assertEqual(sorted(r["conn"] for r in gets), sorted(r["conn"] + 1 for r in posts))
        for r in posts:
            if r["cl"] is not None:
                self.assertLess(r["len"], int(r["cl"]), r)

    def test_expect(self):
        with UploadServer() as srv:
            steps = ["POST,/expect/100,json,20000,declared,expect",
                     "POST,/expect/100,json,20000,chunked,expect",
                     "POST,/expect/100,plain,0,declared,expect",
                     "POST,/expect/417,json,20000,declared,expect",
                     "GET,/hash,none,0,declared",
                     "POST,/expect/413,json,20000,chunked,expect",
                     "GET,/hash,none,0,declared"]
            res, _ = drive(srv.port, steps, ["--expect-ms", "30000"])
            # no 100 at all: the body goes when the wait is over
            res += drive(srv.port, ["POST,/expect/none,json,1000,declared,expect"],
                         ["--expect-ms", "200"])[0]
            log = srv.records(len(steps) + 1)
        want, length = document_digest(20000)
        for r in res[:2]:
            self.assertEqual((r["rc"], r["status"]), (0, 200), r)
            self.assertEqual((r["body"]["sha256"], r["body"]["early"]), (want, False), r)
        self.assertEqual((res[2]["status"], res[2]["body"]["len"], res[2]["body"]["early"]),
                         (200, 16, False))
        for i, code in ((3, 417), (5, 413)):
            self.assertEqual((res[i]["rc"], res[i]["status"]), (0, code), res[i])
            self.assertEqual(res[i]["given"], 0)          # the producer never ran
            self.assertEqual(log[i]["after_final"], 0)    # not a body byte sent
            self.assertEqual((res[i + 1]["rc"], res[i + 1]["status"]), (0, 200))
            self.assertNotEqual(log[i]["conn"], log[i + 1]["conn"])
        self.assertEqual((res[7]["status"], res[7]["body"]["len"]),
                         (200, document_digest(1000)[1]))


class CliUploads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="emhttp-cli-upload-")
        cls.big = os.path.join(cls.dir, "big.bin")
        h = hashlib.sha256()
        rnd = random.Random(13)
        with open(cls.big, "wb") as f:
            for _ in range(MB):
                chunk = rnd.randbytes(1 << 20)
                h.update(chunk)
                f.write(chunk)
        cls.big_sha = h.hexdigest()
        cls.small = os.path.join(cls.dir, "small.bin")
        with open(cls.small, "wb") as f:
            f.write(random.Random(14).randbytes(1 << 20))
        cls.text = os.path.join(cls.dir, "lines.txt")
        with open(cls.text, "wb") as f:
            f.write(b'{"a":1,\r\n"b":\n2}\n' * 1000)

    def run_cli(self, args, stdin=None):
        rc, out, err = fixtures.run(["/usr/bin/time", "-v", CLI] + args, timeout=600,
                                    input=stdin, text=False)
        err = err.decode("utf-8", "replace")
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
        self.assertIsNotNone(m, err)
        return rc, out, err, int(m.group(1))

    def test_big_file_uploads(self):
        with UploadServer() as srv:
            url = "http://127.0.0.1:%d/hash/" % srv.port
            rc, out, err, rss_small = self.run_cli(["-sS", "-T", self.small, url])
            self.assertEqual(rc, 0, err)
            for args, method, path in ((["-T", self.big], "PUT", "/hash/big.bin"),
                                       (["--data-binary", "@" + self.big], "POST", "/hash/"),
                                       (["--json", "@" + self.big], "POST", "/hash/")):
                rc, out, err, rss = self.run_cli(["-sS"] + args + [url])
                self.assertEqual(rc, 0, err)
                body = json.loads(out)
                self.assertEqual((body["method"], body["path"]), (method, path))
                self.assertEqual((body["sha256"], body["len"], body["chunked"]),
                                 (self.big_sha, MB << 20, False))
                print("\n  CLI %s %d MB: peak RSS %d KB (1 MB: %d KB)" % (args[0], MB, rss, rss_small),
                      file=sys.stderr)
                self.assertLess(abs(rss - rss_small), 1024)  # constant memory, in every build
                if sanitized(CLI):
                    print("  (a sanitizer build: its shadow memory is resident, the 8 MB bound"
                          " applies to plain builds)", file=sys.stderr)
                else:
                    self.assertLess(rss, 8 * 1024)

    def test_data_at_file_and_stdin(self):
        with open(self.text, "rb") as f:
            text = f.read()
        stripped = text.replace(b"\r", b"").replace(b"\n", b"")
        with UploadServer() as srv:
            url = "http://127.0.0.1:%d/hash" % srv.port
            rc, out, err, _ = self.run_cli(["-sS", "-d", "@" + self.text, url])
            self.assertEqual(rc, 0, err)
            self.assertEqual(json.loads(out)["sha256"], hashlib.sha256(stripped).hexdigest())
            self.assertFalse(json.loads(out)["chunked"])
            for args, want in ((["-d", "@-"], stripped), (["--data-binary", "@-"], text),
                               (["-T", "-"], text)):
                rc, out, err, _ = self.run_cli(["-sS"] + args + [url], stdin=text)
                self.assertEqual(rc, 0, err)
                body = json.loads(out)
                self.assertEqual((body["sha256"], body["chunked"]),
                                 (hashlib.sha256(want).hexdigest(), True), args)
            # -n with a body from standard input: sent once, then a clear error
            rc, out, err, _ = self.run_cli(["-sS", "-n", "2", "-d", "@-", url], stdin=text)
            self.assertEqual(rc, 26, err)
            self.assertIn("standard input", err)
            # a missing file: curl's 26
            rc, out, err, _ = self.run_cli(["-sS", "-T", self.dir + "/nope", url])
            self.assertEqual(rc, 26, err)

    def test_expect_cli(self):
        with UploadServer() as srv:
            base = "http://127.0.0.1:%d" % srv.port
            hdr = ["-H", "Expect: 100-continue"]
            rc, out, err, _ = self.run_cli(["-sS"] + hdr + ["-d", "@" + self.text,
                                                             base + "/expect/100"])
            self.assertEqual(rc, 0, err)
            self.assertFalse(json.loads(out)["early"])
            for code in (417, 413):
                rc, out, err, _ = self.run_cli(["-sS", "-i"] + hdr + ["-T", self.text,
                                                                     base + "/expect/%d" % code])
                self.assertEqual(rc, 0, err)
                self.assertTrue(out.startswith(b"HTTP/1.1 %d " % code), out)
            rc, out, err, _ = self.run_cli(["-sS", "-f"] + hdr + ["-T", self.text,
                                                               base + "/expect/417"])
            self.assertEqual(rc, 22, err)
            log = srv.records(4)
        self.assertTrue(all(r["after_final"] == 0 for r in log[1:]), log)
        self.assertFalse(log[0]["early"])


class ExpectNginx(fixtures.Nginx):
    """nginx reading bodies (proxy_pass with request buffering: it sends
    100 Continue when it starts reading) for upload_server.py, which hashes
    them; and a location whose limit a body exceeds (413 before reading)."""
    def __init__(self, upstream):
        super().__init__()
        self.upstream = upstream

    def _locations(self):
        return """
        location = /upload {
            client_max_body_size 200m;
            proxy_http_version 1.1;
            proxy_pass http://127.0.0.1:%d/hash;
        }
        location = /small {
            client_max_body_size 1k;
            return 200 'small';
        }""" % self.upstream + super()._locations()


class NginxExpect(unittest.TestCase):
    def test_nginx(self):
        path = os.path.join(tempfile.mkdtemp(prefix="emhttp-ng-"), "body.json")
        with open(path, "wb") as f:
            for piece in json_document(50000):
                f.write(piece)
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest()
        with UploadServer() as srv, ExpectNginx(srv.port) as ng:
            base = "http://127.0.0.1:%d" % ng.port
            hdr = ["-H", "Expect: 100-continue", "--expect100-timeout", "60"]
            rc, out, err = cli(["-sS", "-n", "2"] + hdr + ["--json", "@" + path, base + "/upload"])
            self.assertEqual(rc, 0, err)
            bodies = [json.loads(x) for x in out.splitlines()]
            self.assertEqual([(b["sha256"], b["len"]) for b in bodies], [(want, size)] * 2)
            rc, out, err = cli(["-sS", "-i"] + hdr + ["-T", path, base + "/small"])
            self.assertEqual(rc, 0, err)
            self.assertTrue(out.startswith(b"HTTP/1.1 413 "), out)
            entries = ng.wait_log_count(3, timeout=10)
        ok = [e for e in entries if e["uri"] == "/upload"]
        self.assertEqual([e["status"] for e in ok], [200, 200])
        self.assertTrue(all(e["request_length"] > size for e in ok), ok)  # nginx read the body
        self.assertEqual(ok[0]["connection"], ok[1]["connection"])  # ... and kept the connection
        small = [e for e in entries if e["uri"] == "/small"]
        self.assertEqual(small[0]["status"], 413)
        self.assertLess(small[0]["request_length"], size)  # here it was never sent


if __name__ == "__main__":
    unittest.main(verbosity=2)
