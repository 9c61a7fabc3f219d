#!/usr/bin/python3
"""Differential test of emhttp's response parser (issue 17).

The same bytes, split the same ways (one piece, byte by byte, seeded random
cuts), through three independent parsers:
  - emhttp's (core/src/http_parser.c), via tests/unit/parser_diff.c,
  - Node's http_parser 2.9 (Debian's libhttp-parser-dev), same program,
  - h11 (Debian's python3-h11), here.
Each outcome: accepted or rejected; for an accepted response the final
status, the headers (names lower-cased, values without surrounding
whitespace), the de-chunked body, keep-alive, and where the response ended.

Every case comes from a generator family below.  A case whose outcome under
emhttp differs from a reference parser must carry that difference's class
(a D-number), and every class must be listed in docs/parser-differences.md
with its RFC 9112 section; an undocumented difference fails the test, and
so does a class whose cases no longer differ (the list stays true).  Any
parser that gives different outcomes for different splits of the same
bytes fails it too.

Usage: test_parser_diff.py PARSER_DIFF_BINARY [DOCS_FILE] [-v]
       test_parser_diff.py --seeds DIR   (writes tests/fuzz/corpus/parser_diff)
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

try:
    import h11
except ImportError:  # pragma: no cover
    print("FAIL: python3-h11 is not installed (.ci/deps.sh installs it)")
    sys.exit(1)

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "..", "docs", "parser-differences.md")

CASES = []  # (id, method, bytes, {"node": "Dn", "h11": "Dn"})


def case(name, data, head=False, node=None, h11_=None, both=None):
    """One response; node/h11_/both: the documented class it differs by."""
    if isinstance(data, str):
        data = data.encode("latin-1")
    expect = {}
    if both:
        expect = {"node": both, "h11": both}
    if node:
        expect["node"] = node
    if h11_:
        expect["h11"] = h11_
    CASES.append(("%03d-%s" % (len(CASES), name), "HEAD" if head else "GET", data, expect))


def resp(status="200 OK", headers=(), body=b"", version="HTTP/1.1", eol="\r\n"):
    head = "%s %s%s" % (version, status, eol)
    for h in headers:
        head += h + eol
    head += eol
    return head.encode("latin-1") + (body if isinstance(body, bytes) else body.encode("latin-1"))


def chunked(*parts, ext="", trailers=()):
    out = ""
    for p in parts:
        out += "%x%s\r\n%s\r\n" % (len(p), ext, p)
    out += "0\r\n"
    for t in trailers:
        out += t + "\r\n"
    return out + "\r\n"


# ---- valid responses ---------------------------------------------------------
for n in (0, 1, 5, 300):
    case("cl-%d" % n, resp(headers=["Content-Length: %d" % n, "X-A: b"], body="x" * n))
case("cl-keepalive", resp(headers=["Content-Length: 2", "Connection: keep-alive"], body="ok"))
case("cl-close", resp(headers=["Content-Length: 2", "Connection: close"], body="ok"))
case("cl-trailing-bytes", resp(headers=["Content-Length: 2"], body="okHTTP/1.1 200 OK\r\n"))
case("chunked", resp(headers=["Transfer-Encoding: chunked"], body=chunked("hello", "world!")))
case("chunked-upper-hex", resp(headers=["Transfer-Encoding: chunked"],
                               body="A\r\n0123456789\r\n0\r\n\r\n"))
case("chunked-leading-zeros", resp(headers=["Transfer-Encoding: chunked"],
                                   body="0005\r\nhello\r\n000\r\n\r\n"))
case("chunked-ext", resp(headers=["Transfer-Encoding: chunked"], body=chunked("hi", ext=";a=b")))
case("chunked-ext-quoted", resp(headers=["Transfer-Encoding: chunked"],
                                body=chunked("hi", ext=';a="x y"')))
case("chunked-ext-bare", resp(headers=["Transfer-Encoding: chunked"], body=chunked("hi", ext=";a")))
case("chunked-trailers", resp(headers=["Transfer-Encoding: chunked"],
                              body=chunked("hi", trailers=["X-T: 1", "X-U: 2"])))
case("chunked-lower-te", resp(headers=["transfer-encoding: CHUNKED"], body=chunked("hi")))
case("close-delimited-11", resp(headers=["X-A: b"], body="till the end"))
case("close-delimited-10", resp(version="HTTP/1.0", headers=["X-A: b"], body="till the end"))
case("http10-cl", resp(version="HTTP/1.0", headers=["Content-Length: 2"], body="ok"))
case("http10-keepalive", resp(version="HTTP/1.0",
                              headers=["Content-Length: 2", "Connection: keep-alive"], body="ok"), node="D1")
for st in ("204 No Content", "304 Not Modified"):
    case("%s-no-body" % st[:3], resp(status=st, headers=["X-A: b"]))
    case("%s-with-cl" % st[:3], resp(status=st, headers=["Content-Length: 5"], body=""), node="D2")
    case("%s-with-te" % st[:3], resp(status=st, headers=["Transfer-Encoding: chunked"]), node="D2")
case("head-cl", resp(headers=["Content-Length: 5"]), head=True)
case("head-chunked", resp(headers=["Transfer-Encoding: chunked"]), head=True)
case("head-none", resp(headers=["X-A: b"]), head=True)
case("100-then-200", resp(status="100 Continue") + resp(headers=["Content-Length: 2"], body="ok"))
case("103-then-200", resp(status="103 Early Hints", headers=["Link: </a>"])
     + resp(headers=["Content-Length: 2"], body="ok"))
case("two-1xx", resp(status="100 Continue") + resp(status="102 Processing")
     + resp(headers=["Content-Length: 2"], body="ok"))
case("value-ows", resp(headers=["Content-Length: 2", "X-A: \t a b \t "], body="ok"))
case("value-empty", resp(headers=["Content-Length: 2", "X-A:", "X-B: "], body="ok"))
case("dup-headers", resp(headers=["Content-Length: 2", "Set-Cookie: a=1", "Set-Cookie: b=2"],
                         body="ok"))
case("reason-empty", resp(status="200 ", headers=["Content-Length: 2"], body="ok"))
case("reason-missing", resp(status="200", headers=["Content-Length: 2"], body="ok"))
case("reason-obs-text", resp(status="200 \xe9t\xe9", headers=["Content-Length: 2"], body="ok"))
case("value-obs-text", resp(headers=["Content-Length: 2", "X-A: caf\xe9"], body="ok"))
case("status-599", resp(status="599 X", headers=["Content-Length: 2"], body="ok"))
case("status-999", resp(status="999 X", headers=["Content-Length: 2"], body="ok"))
case("cl-dup-same", resp(headers=["Content-Length: 2", "Content-Length: 2"], body="ok"), node="D3")
case("cl-list-same", resp(headers=["Content-Length: 2, 2"], body="ok"), node="D3")
case("te-gzip-chunked", resp(headers=["Transfer-Encoding: gzip, chunked"], body=chunked("hi")), h11_="D4")
case("te-two-fields", resp(headers=["Transfer-Encoding: gzip", "Transfer-Encoding: chunked"],
                           body=chunked("hi")), h11_="D4")

# ---- invalid, or where parsers disagree ---------------------------------------
case("obs-fold", resp(headers=["Content-Length: 2", "X-A: a", " b"], body="ok"), both="D5")
case("obs-fold-tab", resp(headers=["Content-Length: 2", "X-A: a", "\tb"], body="ok"), both="D5")
case("obs-fold-first", resp(headers=[" X-A: a", "Content-Length: 2"], body="ok"), node="D5")
case("cl-conflict", resp(headers=["Content-Length: 2", "Content-Length: 3"], body="okk"))
case("cl-list-conflict", resp(headers=["Content-Length: 2, 3"], body="okk"))
case("cl-negative", resp(headers=["Content-Length: -1"], body="ok"))
case("cl-tab", resp(headers=["Content-Length:\t2\t"], body="ok"), node="D17")
case("te-prefix-of-chunked", resp(headers=["Transfer-Encoding: c, chunked"], body=chunked("hi")),
     node="D15", h11_="D4")
case("name-starts-like-te", resp(headers=["Transfer-Encodingth: 2", "Content-Length: 2"], body="ok"),
     node="D18")
case("cl-plus", resp(headers=["Content-Length: +2"], body="ok"))
case("cl-hex", resp(headers=["Content-Length: 0x2"], body="ok"))
case("cl-empty", resp(headers=["Content-Length:"], body="ok"))
case("cl-space-inside", resp(headers=["Content-Length: 1 2"], body="x" * 12))
case("cl-2^32", resp(headers=["Content-Length: 4294967296"], body="ok"))
case("cl-2^64", resp(headers=["Content-Length: 18446744073709551616"], body="ok"))
case("cl-huge", resp(headers=["Content-Length: 99999999999999999999999"], body="ok"))
case("cl-and-te", resp(headers=["Content-Length: 5", "Transfer-Encoding: chunked"],
                       body=chunked("hi")), h11_="D6")
case("te-chunked-twice", resp(headers=["Transfer-Encoding: chunked, chunked"], body=chunked("hi")), node="D7")
case("te-chunked-twice-fields", resp(headers=["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
                                     body=chunked("hi")), node="D7")
case("te-chunked-gzip-chunked", resp(headers=["Transfer-Encoding: chunked, gzip, chunked"],
                                     body=chunked("hi")), node="D7")
case("te-gzip-chunked-chunked", resp(headers=["Transfer-Encoding: gzip, chunked, chunked"],
                                     body=chunked("hi")), node="D7")
case("te-chunked-twice-204", resp(status="204 No Content",
                                  headers=["Transfer-Encoding: chunked, chunked"]), node="D7")
case("te-not-final", resp(headers=["Transfer-Encoding: chunked, gzip"], body="raw to the end"), h11_="D4")
case("te-identity", resp(headers=["Transfer-Encoding: identity"], body="raw to the end"), h11_="D4")
case("te-empty", resp(headers=["Transfer-Encoding:"], body="raw to the end"), h11_="D4")
case("te-invalid-element", resp(headers=["Transfer-Encoding: =x,, chunked"], body=chunked("hi")),
     node="D15", h11_="D15")
case("te-http10", resp(version="HTTP/1.0", headers=["Transfer-Encoding: chunked"],
                       body=chunked("hi")))
case("chunk-size-2^32", resp(headers=["Transfer-Encoding: chunked"],
                             body="100000000\r\nabc"))
case("chunk-size-2^64", resp(headers=["Transfer-Encoding: chunked"],
                             body="10000000000000000\r\nabc"))
case("chunk-size-ff..", resp(headers=["Transfer-Encoding: chunked"],
                             body="ffffffffffffffff\r\nabc"))
case("chunk-size-bad", resp(headers=["Transfer-Encoding: chunked"], body="zz\r\nabc\r\n0\r\n\r\n"))
case("chunk-size-empty", resp(headers=["Transfer-Encoding: chunked"], body="\r\nabc\r\n0\r\n\r\n"))
case("chunk-size-space", resp(headers=["Transfer-Encoding: chunked"],
                              body="2 \r\nhi\r\n0\r\n\r\n"))
case("chunk-size-tab", resp(headers=["Transfer-Encoding: chunked"],
                            body="2\t\r\nhi\r\n0\r\n\r\n"), node="D17")
case("chunk-no-crlf", resp(headers=["Transfer-Encoding: chunked"], body="2\r\nhiXX0\r\n\r\n"), node="D8")
case("chunk-ext-bad", resp(headers=["Transfer-Encoding: chunked"],
                           body="2;a\x01\r\nhi\r\n0\r\n\r\n"), both="D9")
case("trailer-obs-fold", resp(headers=["Transfer-Encoding: chunked"],
                              body=chunked("hi", trailers=["X-T: 1", " 2"])), both="D5")
case("trailer-bad-name", resp(headers=["Transfer-Encoding: chunked"],
                              body=chunked("hi", trailers=["X T: 1"])), node="D10")
case("proxy-connection-close", resp(headers=["Proxy-Connection: close", "Content-Length: 2"],
                                    body="ok"), node="D19")
case("connection-name-longer", resp(headers=["Connectionx: close", "Content-Length: 2"], body="ok"))
case("content-length-name-longer", resp(headers=["Content-Lengthx: 5", "Content-Length: 2"],
                                        body="ok"))
case("bare-lf-all", resp(headers=["Content-Length: 2"], body="ok", eol="\n"))
case("bare-lf-one", b"HTTP/1.1 200 OK\r\nX-A: b\nContent-Length: 2\r\n\r\nok")
case("bare-lf-end", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nok")
case("bare-lf-chunk", resp(headers=["Transfer-Encoding: chunked"], body="2\nhi\n0\n\n"))
case("bare-lf-chunk-size", resp(headers=["Transfer-Encoding: chunked"], body="2\nhi\r\n0\r\n\r\n"))
case("bare-lf-chunk-ext", resp(headers=["Transfer-Encoding: chunked"], body="2;a=b\nhi\r\n0\r\n\r\n"))
case("bare-lf-chunk-data", resp(headers=["Transfer-Encoding: chunked"], body="2\r\nhi\n0\r\n\r\n"))
case("bare-lf-last-chunk", resp(headers=["Transfer-Encoding: chunked"], body="2\r\nhi\r\n0\n\r\n"))
case("bare-lf-trailer", resp(headers=["Transfer-Encoding: chunked"], body="2\r\nhi\r\n0\r\nX-T: 1\n\r\n"))
case("bare-lf-trailer-end", resp(headers=["Transfer-Encoding: chunked"], body="2\r\nhi\r\n0\r\n\n")
     + resp(headers=["Content-Length: 2"], body="ok"))
case("bare-cr", b"HTTP/1.1 200 OK\rX-A: b\r\nContent-Length: 2\r\n\r\nok", node="D11")
case("nul-value", resp(headers=["Content-Length: 2", "X-A: a\x00b"], body="ok"))
case("nul-name", resp(headers=["Content-Length: 2", "X\x00A: b"], body="ok"))
case("nul-reason", resp(status="200 O\x00K", headers=["Content-Length: 2"], body="ok"), node="D11")
case("ctl-value", resp(headers=["Content-Length: 2", "X-A: a\x01b"], body="ok"), h11_="D13")
case("del-value", resp(headers=["Content-Length: 2", "X-A: a\x7fb"], body="ok"), h11_="D13")
case("space-before-colon", resp(headers=["Content-Length : 2"], body="ok"), node="D10")
case("space-in-name", resp(headers=["X A: b", "Content-Length: 2"], body="ok"), node="D10")
case("bad-name-char", resp(headers=["X@A: b", "Content-Length: 2"], body="ok"))
case("empty-name", resp(headers=[": b", "Content-Length: 2"], body="ok"))
case("no-colon", resp(headers=["XA", "Content-Length: 2"], body="ok"))
case("version-1.2", resp(version="HTTP/1.2", headers=["Content-Length: 2"], body="ok"))
case("version-2.0", resp(version="HTTP/2.0", headers=["Content-Length: 2"], body="ok"), both="D14")
case("version-lower", resp(version="http/1.1", headers=["Content-Length: 2"], body="ok"))
case("version-0.9", resp(version="HTTP/0.9", headers=["Content-Length: 2"], body="ok"), both="D14")
case("status-2-digits", resp(status="20 OK", headers=["Content-Length: 2"], body="ok"))
case("status-4-digits", resp(status="2000 OK", headers=["Content-Length: 2"], body="ok"))
case("status-099", resp(status="099 X", headers=["Content-Length: 2"], body="ok"))
case("status-600", resp(status="600 X", headers=["Content-Length: 2"], body="ok"))
case("status-double-space", resp(status=" 200 OK", headers=["Content-Length: 2"], body="ok"), node="D11")
case("status-letters", resp(status="2x0 OK", headers=["Content-Length: 2"], body="ok"))
case("leading-crlf", b"\r\n" + resp(headers=["Content-Length: 2"], body="ok"), node="D11")
case("garbage", b"hello world\r\n\r\n")
case("empty", b"")
case("101-switching", resp(status="101 Switching Protocols", headers=["Upgrade: x"]) + b"raw")
case("1xx-with-cl", resp(status="100 Continue", headers=["Content-Length: 5"])
     + resp(headers=["Content-Length: 2"], body="ok"), node="D2")
case("truncated-head", b"HTTP/1.1 200 OK\r\nContent-Len")
case("truncated-cl-body", resp(headers=["Content-Length: 5"], body="ab"))
case("truncated-chunk", resp(headers=["Transfer-Encoding: chunked"], body="5\r\nab"))
case("truncated-trailers", resp(headers=["Transfer-Encoding: chunked"], body="0\r\nX-T: 1\r\n"))
case("trailer-te", resp(headers=["Transfer-Encoding: chunked"],
                        body=chunked("hi", trailers=["Transfer-Encoding: gzip"])), both="D16")
case("trailer-connection-close", resp(headers=["Transfer-Encoding: chunked"],
                                      body=chunked("hi", trailers=["Connection: close"])), node="D16")
case("trailer-bad-cl", resp(headers=["Transfer-Encoding: chunked"],
                            body=chunked("hi", trailers=["Content-Length: x"])), both="D16")
case("cl-in-trailer", resp(headers=["Transfer-Encoding: chunked"],
                           body=chunked("hi", trailers=["Content-Length: 5"])))

# seeded random combinations of the pieces above
rng = random.Random(17)
HEADS = ["Content-Length: 2", "X-A: b", "Connection: close", "Connection: keep-alive",
         "Transfer-Encoding: chunked", "Cache-Control: no-cache", "X-B:  spaced  "]
for i in range(120):
    version = rng.choice(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"])
    status = rng.choice(["200 OK", "201 Created", "204 No Content", "304 Not Modified",
                         "404 Not Found", "500 Oops"])
    hs = rng.sample(HEADS, rng.randint(0, 4))
    if "Transfer-Encoding: chunked" in hs and "Content-Length: 2" in hs:
        hs.remove("Content-Length: 2")
    body = chunked("ok") if "Transfer-Encoding: chunked" in hs else "ok"
    head = rng.random() < 0.2
    pre = resp(status="100 Continue") if rng.random() < 0.2 else b""
    expect = {}
    framed = "Content-Length: 2" in hs or "Transfer-Encoding: chunked" in hs
    if status[:3] in ("204", "304") and framed and not head:
        expect = {"node": "D2"}  # Node reads a body after 204/304
    elif version == "HTTP/1.0" and "Connection: keep-alive" in hs \
            and (framed or head or status[:3] in ("204", "304")):
        expect = {"node": "D1"}  # Node keeps an HTTP/1.0 connection
    case("mix%d" % i, pre + resp(version=version, status=status, headers=hs, body=body),
         head=head, **expect)


# ---- running -------------------------------------------------------------------

def splits(data, seed):
    n = len(data)
    out = ["-"]
    if n > 1:
        out.append(",".join(str(i) for i in range(1, min(n, 64))))  # byte by byte (first 64)
        r = random.Random(seed)
        for _ in range(2):
            k = min(r.randint(1, 6), n - 1)
            out.append(",".join(str(c) for c in sorted(r.sample(range(1, n), k))))
    return out


def cut(data, cuts):
    if cuts == "-":
        return [data]
    pts = [int(c) for c in cuts.split(",")]
    pieces, prev = [], 0
    for p in pts:
        pieces.append(data[prev:p])
        prev = p
    pieces.append(data[prev:])
    return pieces


def run_h11(data, cuts, head):
    c = h11.Connection(h11.CLIENT, max_incomplete_event_size=8192)
    c.send(h11.Request(method=b"HEAD" if head else b"GET", target=b"/", headers=[(b"Host", b"x")]))
    c.send(h11.EndOfMessage())
    status, headers, body, fed = None, [], b"", 0
    try:
        for piece in cut(data, cuts) + [b""]:  # b"": end of stream
            c.receive_data(piece)
            fed += len(piece)
            while True:
                ev = c.next_event()
                if ev is h11.NEED_DATA:
                    break
                if isinstance(ev, h11.InformationalResponse):
                    continue
                if isinstance(ev, h11.Response):
                    status = ev.status_code
                    headers = [(n.lower(), v) for n, v in ev.headers]
                elif isinstance(ev, h11.Data):
                    body += ev.data
                elif isinstance(ev, h11.EndOfMessage):
                    trailing, closed = c.trailing_data
                    return {"ok": 1, "status": status, "headers": headers, "body": body,
                            "ka": int(c.their_state is h11.DONE and not closed),
                            "end": fed - len(trailing)}
                elif isinstance(ev, h11.ConnectionClosed) or ev is h11.PAUSED:
                    return {"ok": 0, "err": str(ev)}
    except h11.ProtocolError as e:
        return {"ok": 0, "err": type(e).__name__ + ": " + str(e)}
    return {"ok": 0, "err": "incomplete"}


def from_c(o):
    if not o["ok"]:
        return {"ok": 0, "err": o["err"]}
    return {"ok": 1, "status": o["status"], "ka": o["ka"], "end": o["end"],
            "body": bytes.fromhex(o["body"]),
            "headers": [(bytes.fromhex(n), bytes.fromhex(v)) for n, v in o["headers"]],
            "overflow": o["overflow"]}


FRAMING = (b"content-length", b"transfer-encoding")


def norm(o, framing_headers=True):
    """The compared part of an outcome.  Comparison rules (not parser
    differences; docs/parser-differences.md): values without surrounding
    OWS (Node's http_parser hands out trailing whitespace, the others trim
    it); against h11 the Content-Length and Transfer-Encoding fields are
    left out of the header list (h11 merges repeated Content-Length values
    and lower-cases Transfer-Encoding; the framing they chose is compared
    through body, end and keep-alive)."""
    if not o["ok"]:
        return ("rejected",)
    hs = tuple((n, v.strip(b" \t")) for n, v in o["headers"]
               if framing_headers or n not in FRAMING)
    return ("accepted", o["status"], hs, o["body"], o["ka"], o["end"])


def documented(path):
    ids = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^#+\s*(D\d+)\b(.*)", line)
            if m:
                ids[m.group(1)] = m.group(2)
    sec = {}
    text = open(path, encoding="utf-8").read()
    for d in ids:
        block = text.split("## " + d, 1)[1].split("\n## ", 1)[0]
        sec[d] = re.search(r"RFC 9112,? (section )?\d+(\.\d+)*", block) is not None
    return ids, sec


def write_seeds(directory):
    """The corpus as seeds of tests/fuzz/fuzz_parser_diff.c (two control
    bytes: piece size, HEAD bit)."""
    os.makedirs(directory, exist_ok=True)
    n = 0
    for i, (cid, method, data, _) in enumerate(CASES):
        if "mix" in cid and i % 4:
            continue
        ctl = bytes([(0, 1, 7, 16)[i % 4], 1 if method == "HEAD" else 0])
        with open(os.path.join(directory, cid), "wb") as f:
            f.write(ctl + data)
        n += 1
    print("%d seeds written to %s" % (n, directory))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        write_seeds(sys.argv[2])
        return 0
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv
    binary = args[0]
    docs = args[1] if len(args) > 1 else DOCS
    ids, has_section = documented(docs)
    failures = []
    for d, ok in has_section.items():
        if not ok:
            failures.append("%s in %s names no RFC 9112 section" % (d, docs))
    with tempfile.NamedTemporaryFile("w", suffix=".cases", delete=False) as f:
        lines = 0
        for cid, method, data, _ in CASES:
            for sp in splits(data, cid):
                f.write("%s|%s\t%s\t%s\t%s\n" % (cid, sp, method, sp, data.hex()))
                lines += 1
        path = f.name
    out = subprocess.run([binary, path], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    os.unlink(path)
    results = {}
    for line in out.splitlines():
        key, e, n = line.split("\t")
        cid, sp = key.split("|", 1)
        results.setdefault(cid, []).append((sp, from_c(json.loads(e)), from_c(json.loads(n))))
    counts = {"node": 0, "h11": 0}
    used = set()
    runs = 0
    for cid, method, data, expect in CASES:
        per = results.get(cid)
        if not per:
            failures.append("%s: no output from %s" % (cid, binary))
            continue
        outs = {"emhttp": set(), "emhttp/h11": set(), "node": set(), "h11": set()}
        for sp, e, n in per:
            runs += 1
            outs["emhttp"].add(norm(e))
            outs["emhttp/h11"].add(norm(e, False))
            outs["node"].add(norm(n))
            outs["h11"].add(norm(run_h11(data, sp, method == "HEAD"), False))
        for p, s in outs.items():
            if len(s) != 1:
                failures.append("%s: %s depends on the split: %s" % (cid, p, sorted(map(str, s))))
        for ref in ("node", "h11"):
            em = next(iter(outs["emhttp" if ref == "node" else "emhttp/h11"]))
            differs = em != next(iter(outs[ref]))
            cls = expect.get(ref)
            if differs:
                counts[ref] += 1
            if differs and cls is None:
                failures.append("%s: undocumented difference from %s:\n    emhttp %s\n    %-6s %s\n"
                                "    bytes %r" % (cid, ref, em, ref, next(iter(outs[ref])), data))
            elif differs and cls not in ids:
                failures.append("%s: class %s is not in %s" % (cid, cls, docs))
            elif not differs and cls is not None:
                failures.append("%s: documented as %s against %s, but they agree" % (cid, cls, ref))
            if differs and cls:
                used.add(cls)
                if verbose:
                    print("  %s vs %s: %s  (emhttp %s; %s %s)" % (cid, ref, cls, em[:2], ref,
                                                                   next(iter(outs[ref]))[:2]))
    for d in sorted(ids):
        if d not in used:
            failures.append("%s is documented but no generated case shows it" % d)
    print("parser differential: %d cases, %d runs (cases x splits) x 3 parsers; "
          "differences from node: %d, from h11: %d, classes used: %s; failures: %d"
          % (len(CASES), runs, counts["node"], counts["h11"], ",".join(sorted(used)), len(failures)))
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
