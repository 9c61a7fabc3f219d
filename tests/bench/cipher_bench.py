#!/usr/bin/python3
"""AES-128-GCM against ChaCha20-Poly1305 in mbedTLS: the figures of
docs/tls-suites.md, in one run.

    /usr/bin/python3 tests/bench/cipher_bench.py
        --bench LABEL=BUILD/tests/tls/cipher_bench   (repeatable)
        [--m4 LABEL=MPS2_BUILD/mps2_cipher.elf]      (repeatable)
        [--cli LABEL=BUILD/emhttp]                   (repeatable)
        [--requests 100] [--rounds 3] [--no-speed]

  record    per mbedTLS build (--bench): instructions per byte to seal and
            to open one TLS 1.2 record of 200 and 16,384 bytes (callgrind,
            collected inside cb_seal_loop / cb_open_loop only: the AEAD
            call as ssl_msg.c makes it, nonce and additional data built),
            and the median of 5 timed rounds in MB/s (--no-speed: not).
  m4        per image (--m4): the same on the emulated Cortex-M4
            (qemu-system-arm -M mps2-an386 -icount shift=0; the image
            counts instructions with SysTick, tests/qemu/test_qemu.py cipher
            checks it).
  request   per CLI (--cli): client instructions per HTTPS POST over one
            connection against nginx (ECDSA P-256, tests/tls/tls_fixtures.py)
            with nginx forcing each suite (ssl_ciphers, server order): the
            CLI under callgrind with 1 and 1+N requests (-n), the difference
            over N (the handshake cancels out), the ~200-byte and the 16 KB
            JSON body, the median of --rounds (the poll loop's share moves
            by a few thousand between runs); and the part inside the AEAD
            (mbedtls_cipher_auth_encrypt_ext / _decrypt_ext, inclusive).
            nginx's log must show every request, on one connection, with
            the suite forced.

A benchmark: figures never make it fail.  Exit 2 = setup failure (a
binary, valgrind, nginx or qemu missing or failing), 0 otherwise.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
sys.path.insert(0, os.path.join(ROOT, "tests", "tls"))

from fixtures import FixtureError, run  # noqa: E402
from tls_fixtures import Pki, TlsNginx  # noqa: E402

AEADS = (("aes", "AES-128-GCM", "ECDHE-ECDSA-AES128-GCM-SHA256"),
         ("chacha", "ChaCha20-Poly1305", "ECDHE-ECDSA-CHACHA20-POLY1305"))
SIZES = (200, 16384)
BODIES = (("~200 B", os.path.join(HERE, "body.json")),
          ("16 KB", os.path.join(HERE, "body16k.json")))
TIMEOUT = 900


class SetupError(Exception):
    pass


def labelled(specs):
    out = []
    for s in specs or []:
        label, _, path = s.partition("=")
        if not path:
            raise SetupError("expected LABEL=PATH, got %r" % s)
        if not os.path.exists(path):
            raise SetupError("%s: no such file" % path)
        out.append((label, path))
    return out


def callgrind(cmd, tmp, toggle=None, inclusive=()):
    """Instructions of cmd (or inside function toggle), and the inclusive
    instructions of the functions named in inclusive."""
    out = os.path.join(tmp, "callgrind.out")
    vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
    if toggle:
        vg.append("--toggle-collect=" + toggle)
    rc, stdout, err = run(vg + cmd, timeout=TIMEOUT)
    if rc != 0:
        raise SetupError("callgrind %s failed (rc=%s): %s" % (" ".join(cmd), rc, err[-2000:]))
    with open(out) as f:
        m = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
    if not m:
        raise SetupError("no totals in callgrind output")
    parts = {}
    if inclusive:
        rc, ann, err = run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                           timeout=TIMEOUT)
        for fn in inclusive:
            mm = re.search(r"^\s*([\d,]+) .*[:\s]%s\b" % re.escape(fn), ann, re.M)
            parts[fn] = int(mm.group(1).replace(",", "")) if mm else 0
    return int(m.group(1)), parts


def bench_records(benches, tmp, speed):
    print("== record protection, instructions per byte (callgrind) and MB/s (median of 5)")
    rows = []
    for label, binary in benches:
        rc, out, err = run([binary, "selftest"], timeout=60)
        if rc != 0:
            raise SetupError("%s selftest failed: %s %s" % (binary, out, err))
        for tag, name, _ in AEADS:
            for size in SIZES:
                count = 2000 if size < 1000 else 40
                row = {"build": label, "aead": name, "size": size}
                for d in ("seal", "open"):
                    ir, _ = callgrind([binary, d, tag, str(size), str(count)], tmp,
                                      toggle="cb_%s_loop" % d)
                    row[d] = ir / (count * size)
                    if speed:
                        rc, out, err = run([binary, "speed", d, tag, str(size)], timeout=120)
                        if rc != 0:
                            raise SetupError("%s speed failed: %s" % (binary, err))
                        row[d + "_mbs"] = float(out.split()[-1])
                rows.append(row)
                print("  %-22s %-18s %6d B  seal %6.1f  open %6.1f instr/B%s" % (
                    label, name, size, row["seal"], row["open"],
                    "  seal %6.1f  open %6.1f MB/s" % (row["seal_mbs"], row["open_mbs"])
                    if speed else ""))
    return rows


def bench_m4(images):
    print("== Cortex-M4 (qemu-system-arm -M mps2-an386 -icount shift=0), instructions per byte")
    rows = []
    for label, elf in images:
        cmd = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
               "-serial", "none", "-semihosting-config", "enable=on,target=native",
               "-icount", "shift=0", "-kernel", elf, "-nic", "none"]
        rc, out, err = run(cmd, timeout=600)
        if rc != 0 or "SUCCESS" not in out:
            raise SetupError("%s failed (rc=%s): %s %s" % (elf, rc, out[-2000:], err[-500:]))
        f = {m.group(1): int(m.group(2)) for m in re.finditer(r"^figure (\w+) (\d+)$", out, re.M)}
        for tag, name, _ in AEADS:
            for size in SIZES:
                row = {"build": label, "aead": name, "size": size}
                for d in ("seal", "open"):
                    row[d] = f["ipr_%s_%s_%d" % (tag, d, size)] / size
                rows.append(row)
                print("  %-22s %-18s %6d B  seal %6.1f  open %6.1f instr/B" % (
                    label, name, size, row["seal"], row["open"]))
            print("  %-22s %-18s heap of the two contexts %d B" % (label, name, f["heap_" + tag]))
    return rows


AEAD_FNS = ("mbedtls_cipher_auth_encrypt_ext", "mbedtls_cipher_auth_decrypt_ext")


def bench_requests(clis, n, tmp, rounds):
    print("== client instructions per HTTPS POST, one connection, nginx forcing the suite")
    rows = []
    pki = Pki()
    try:
        for label, cli in clis:
            for tag, name, nginx_suite in AEADS:
                with TlsNginx(pki, ciphers=nginx_suite) as ng:
                    url = ng.url("/api", host="localhost")
                    for body_name, body in BODIES:
                        k = n if "16" not in body_name else max(10, n // 4)
                        per_rounds = []
                        for _ in range(rounds):
                            per_rounds.append(request_round(ng, cli, pki, url, body, k, tmp,
                                                            nginx_suite))
                        per_rounds.sort()
                        per, aead = per_rounds[len(per_rounds) // 2]
                        rows.append({"build": label, "aead": name, "body": body_name,
                                     "per_request": per, "aead_part": aead,
                                     "range": (per_rounds[0][0], per_rounds[-1][0])})
                        print("  %-22s %-18s %-7s %9.0f instr/request (%d rounds: %.0f-%.0f),"
                              " of which AEAD %9.0f (%.0f%%)" % (
                                  label, name, body_name, per, rounds, per_rounds[0][0],
                                  per_rounds[-1][0], aead, 100 * aead / per))
    finally:
        pki.cleanup()
    return rows


def request_round(ng, cli, pki, url, body, k, tmp, nginx_suite):
    """(instructions per request, of which in the AEAD) from 1 and 1+k."""
    irs = []
    for count in (1, 1 + k):
        mark = ng.log_mark()
        cmd = [cli, "-s", "-o", "/dev/null", "-n", str(count), "--json",
               "@" + body, "--cacert", pki.ca_pem, url]
        ir, parts = callgrind(cmd, tmp, inclusive=AEAD_FNS)
        entries = ng.wait_log_count(count, timeout=60, since=mark)
        if (len(entries) != count or ng.connection_count(entries) != 1 or
                {e["ssl_cipher"] for e in entries} != {nginx_suite} or
                {e["status"] for e in entries} != {200}):
            raise SetupError("nginx saw %d requests on %d connections, %s"
                             % (len(entries), ng.connection_count(entries),
                                {e["ssl_cipher"] for e in entries}))
        irs.append((ir, sum(parts.values())))
    return ((irs[1][0] - irs[0][0]) / k, (irs[1][1] - irs[0][1]) / k)


def markdown(records, m4, requests):
    lines = []
    if records or m4:
        lines += ["| mbedTLS build | AEAD | record | seal instr/B | open instr/B | seal MB/s |"
                  " open MB/s |", "|---|---|---:|---:|---:|---:|---:|"]
        for r in records + m4:
            lines.append("| %s | %s | %d B | %.1f | %.1f | %s | %s |" % (
                r["build"], r["aead"], r["size"], r["seal"], r["open"],
                "%.0f" % r["seal_mbs"] if "seal_mbs" in r else "-",
                "%.0f" % r["open_mbs"] if "open_mbs" in r else "-"))
    if requests:
        lines += ["", "| client build | suite | body | instr/request (median; range) |"
                  " of which AEAD |", "|---|---|---|---:|---:|"]
        for r in requests:
            lines.append("| %s | %s | %s | %.0f (%.0f-%.0f) | %.0f (%.0f%%) |" % (
                r["build"], r["aead"], r["body"], r["per_request"], r["range"][0],
                r["range"][1], r["aead_part"],
                100 * r["aead_part"] / r["per_request"]))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", action="append")
    ap.add_argument("--m4", action="append")
    ap.add_argument("--cli", action="append")
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    try:
        benches, images, clis = labelled(args.bench), labelled(args.m4), labelled(args.cli)
        if not (benches or images or clis):
            raise SetupError("nothing to measure: give --bench, --m4 or --cli")
        if (benches or clis) and shutil.which("valgrind") is None:
            raise SetupError("no valgrind")
        if images and shutil.which("qemu-system-arm") is None:
            raise SetupError("no qemu-system-arm")
        with tempfile.TemporaryDirectory(prefix="emhttp-cipher-") as tmp:
            records = bench_records(benches, tmp, not args.no_speed)
            m4 = bench_m4(images)
            requests = bench_requests(clis, args.requests, tmp, args.rounds) if clis else []
    except (SetupError, FixtureError, subprocess.SubprocessError, OSError) as e:
        print("cipher_bench: setup failure: %s" % e, file=sys.stderr)
        return 2
    print()
    print(markdown(records, m4, requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
