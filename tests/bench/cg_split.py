"""Where a client's instructions go: callgrind's per-function costs
grouped into parts (tests/bench/run_bench.py prints them per request).

    from cg_split import Categorizer, split
    cat = Categorizer(build_dir)          # reads nm of libemhttp_core.a etc.
    parts = split(["callgrind.out.123"], cat)   # {part: Ir}

Each function gets a part from where it lives:
  head writing      core/src/http_writer.c
  response parsing  core/src/http_parser.c, http_chars.c
  client            the rest of core/src (client.c, url.c, ...; tls.c is
                    "TLS glue" when it is present)
  port I/O          port/posix/posix.c (the socket calls it makes count here)
  TLS records       libmbedtls / libmbedx509 (mbedTLS's record layer and
                    handshake) or OpenSSL's libssl
  cipher            libmbedcrypto (AES-GCM, ChaCha20-Poly1305, hashes) or
                    OpenSSL's libcrypto
  libcurl           libcurl itself
  caller            the rest of the executable (the bench driver's main,
                    the CLI's own output work)
Functions of no part (the C library, the dynamic loader) are folded into
their callers, in proportion to the cost of each call site: memcpy called
by the writer is head writing, send() called by the port is port I/O.
The function-to-file map comes from `nm` of the static libraries the
binaries were linked with (a Release build has no line information).
Callgrind's inclusive cost of a call edge (caller -> callee) is what the
folding weighs, so the parts add up to the total exactly.
"""

import os
import re
import subprocess
from collections import defaultdict

PARTS = ("head writing", "response parsing", "client", "TLS glue", "port I/O",
         "TLS records", "cipher", "libcurl", "caller", "other")

_FILE_PART = {"http_writer.c.o": "head writing", "http_parser.c.o": "response parsing",
              "http_chars.c.o": "response parsing", "tls.c.o": "TLS glue",
              "posix.c.o": "port I/O"}


class Categorizer:
    def __init__(self, build_dir):
        self.part_of_name = {}
        self.have_map = False
        for lib in ("libemhttp_core.a", "libemhttp_port_posix.a"):
            path = os.path.join(build_dir or "", lib)
            if not os.path.isfile(path):
                continue
            try:
                out = subprocess.run(["nm", "-A", "--defined-only", path],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     timeout=60).stdout.decode(errors="replace")
            except (OSError, subprocess.TimeoutExpired):
                continue
            for line in out.splitlines():
                m = re.match(r"[^:]+:([^:]+):\S+ ([tTwW]) (\S+)$", line)
                if m:
                    self.part_of_name[m.group(3)] = _FILE_PART.get(m.group(1), "client")
                    self.have_map = True

    def part(self, obj, name, exe_objs):
        base = os.path.basename(obj or "")
        if base.startswith(("libmbedtls.", "libmbedx509.", "libssl.")):
            return "TLS records"
        if base.startswith(("libmbedcrypto.", "libcrypto.")):
            return "cipher"
        if base.startswith("libcurl"):
            return "libcurl"
        if obj in exe_objs:
            return self.part_of_name.get(name, "caller")
        return None   # C library, loader, vdso: folded into the callers


def _parse(path):
    """(self cost by function, inclusive cost by call edge, exe object)."""
    names = {"ob": {}, "fl": {}, "fn": {}}
    space = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl",
             "cfl": "fl", "fn": "fn", "cfn": "fn"}
    self_cost = defaultdict(int)
    edges = defaultdict(int)
    exe = None
    ob = fn = None
    cob = cfn = None
    in_call = False

    def resolve(kind, text):
        m = re.match(r"\((\d+)\)(?:\s(.*))?$", text)
        table = names[space[kind]]
        if not m:
            return text
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), "?")

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
                if in_call:
                    edges[((ob, fn), (cob or ob, cfn))] += cost
                    in_call = False
                    cob = None
                else:
                    self_cost[(ob, fn)] += cost
                continue
            if line.startswith("cmd:") and exe is None:
                words = line[4:].split()
                exe = words[0] if words else None
                continue
            key, _, val = line.partition("=")
            if key == "ob":
                ob = resolve("ob", val)
            elif key == "fn":
                fn = resolve("fn", val)
            elif key == "cob":
                cob = resolve("cob", val)
            elif key == "cfn":
                cfn = resolve("cfn", val)
            elif key in ("fl", "fi", "fe", "cfi", "cfl"):
                resolve(key, val)
            elif key == "calls":
                in_call = True
    if exe is None:
        exe = "?"
    return self_cost, edges, exe


def split(paths, cat):
    """{part: Ir} summed over the callgrind out files given."""
    total = defaultdict(float)
    for path in paths:
        self_cost, edges, cmd = _parse(path)
        objs = {o for (o, _f) in self_cost} | {o for e in edges for (o, _f) in e}
        exe_objs = {o for o in objs if o and (o == cmd or os.path.basename(o) ==
                                              os.path.basename(cmd))}
        callers = defaultdict(list)
        for (a, b), cost in edges.items():
            if a != b:
                callers[b].append((a, cost))
        memo = {}

        def dist(f, depth=0):
            """Share of each part in what function f costs."""
            p = cat.part(f[0], f[1], exe_objs)
            if p is not None:
                return {p: 1.0}
            if f in memo:
                return memo[f]
            if depth > 40:
                return {"other": 1.0}
            memo[f] = {"other": 1.0}    # (a cycle through folded functions)
            ins = callers.get(f, [])
            weight = float(sum(c for _a, c in ins))
            if weight <= 0:
                return memo[f]
            d = defaultdict(float)
            for a, c in ins:
                for k, v in dist(a, depth + 1).items():
                    d[k] += v * c / weight
            memo[f] = dict(d)
            return memo[f]

        for f, cost in self_cost.items():
            for k, v in dist(f).items():
                total[k] += cost * v
    return dict(total)
