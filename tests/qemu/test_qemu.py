#!/usr/bin/python3
"""The firmware on an emulated board: examples/mps2-an386 built with
arm-none-eabi-gcc and booted under qemu-system-arm -M mps2-an386 (Cortex-M4,
LAN9118) on a tap in a throw-away network namespace with dnsmasq and nginx
at 192.0.2.1 (tests/lwip/netns.py).  Every scenario checks what the
firmware reports AND what the servers saw.

    test_qemu.py build          configure + build the images into $EMHTTP_QEMU_BUILD,
                                print flash/RAM per component, check the budget
    test_qemu.py http [N]       N (default 1000) POSTs over one connection, one DNS query
    test_qemu.py https [N]      N (default 100) HTTPS POSTs, certificate verified;
                                nginx closes every 25th: the reconnects resume
    test_qemu.py soak [N]       N (default 10000) HTTP POSTs without a reboot; lwIP's
                                pools back to their boot state after (about 5 s)
    test_qemu.py cipher         mps2_cipher.elf (no network): AES-128-GCM and
                                ChaCha20-Poly1305 known answers, then instructions
                                per byte sealing/opening 200 B and 16 KB records

QEMU runs with -icount shift=0: one instruction per emulated nanosecond, so
the firmware's SysTick (25 MHz) counts one tick per 40 instructions.  The
instruction counts printed are instructions, not cycles: a real Cortex-M4
takes more cycles than instructions (flash wait states, multi-cycle loads
and multiplies), so the milliseconds are a lower bound at each clock.

Environment: EMHTTP_SOURCE, EMHTTP_QEMU_BUILD (the firmware's build
directory), LWIP_DIR, EMHTTP_QEMU_MBEDTLS_SOURCE (cmake/fetch-mbedtls.sh
--source), EMHTTP_KEEP_FIXTURES=1 keeps the servers' logs.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("EMHTTP_SOURCE", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "lwip"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "tls"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "footprint"))

import netns  # noqa: E402
from netns import HOST_IP, Dnsmasq, fixtures  # noqa: E402

QEMU = "qemu-system-arm"
BUILD = os.environ.get("EMHTTP_QEMU_BUILD", os.path.join(SOURCE, "build", "mps2-an386"))
TOOLCHAIN = os.path.join(SOURCE, "cmake", "toolchain-arm-none-eabi.cmake")
BUDGET = os.path.join(SOURCE, "tests", "footprint", "budget.json")
HTTPS_KEEPALIVE = 25  # nginx closes the connection after this many requests
CLOCKS_MHZ = (64, 120, 168)


class Failure(AssertionError):
    pass


def check(cond, what, *details):
    if not cond:
        raise Failure(what + "".join("\n  " + str(d) for d in details))


def elf(name):
    return os.path.join(BUILD, name + ".elf")


# ---------------------------------------------------------------------------
# build and sizes

def build():
    """Configure and build the images (the firmware's own CMake project,
    cross toolchain), then print and check their sizes."""
    lwip = os.environ.get("LWIP_DIR", "")
    mbed = os.environ.get("EMHTTP_QEMU_MBEDTLS_SOURCE", "")
    for tool in ("arm-none-eabi-gcc", "cmake"):
        if shutil.which(tool) is None:
            netns.skip("no %s (.ci/deps.sh installs it)" % tool)
    if not os.path.exists(os.path.join(lwip, "src", "include", "lwip", "opt.h")):
        netns.skip("no lwIP sources: configure with -DLWIP_DIR=$(bash cmake/fetch-lwip.sh)")
    if not os.path.exists(os.path.join(mbed, "include", "mbedtls", "ssl.h")):
        netns.skip("no mbedTLS sources for the HTTPS image: configure with "
                   "-DEMHTTP_QEMU_MBEDTLS_SOURCE=$(bash cmake/fetch-mbedtls.sh --source)")
    cmd = ["cmake", "-S", os.path.join(SOURCE, "examples", "mps2-an386"), "-B", BUILD,
           "-DCMAKE_TOOLCHAIN_FILE=" + TOOLCHAIN, "-DLWIP_DIR=" + lwip,
           "-DMBEDTLS_SOURCE_DIR=" + mbed]
    for c in (cmd, ["cmake", "--build", BUILD, "-j%d" % min(2, os.cpu_count() or 1)]):
        rc = subprocess.run(c, capture_output=True, text=True, timeout=1200)
        check(rc.returncode == 0, "%s failed" % " ".join(c), rc.stdout[-4000:], rc.stderr[-4000:])
    import footprint
    status = 0
    for name in ("mps2_http", "mps2_https"):
        print_components(name)
        status |= footprint.check_images(BUDGET, {"mps2-an386-" + name[5:]: elf(name)})
    check(status == 0, "an image is over its budget (tests/footprint/budget.json \"images\")")


def print_components(name):
    """Whole-image flash and RAM, and who takes it (from the link map)."""
    import footprint
    total = footprint.image_sizes(elf(name))
    comp = {}
    for (origin, where), size in footprint.map_origins_by(
            os.path.join(BUILD, name + ".map"), component).items():
        comp.setdefault(origin, {"flash": 0, "ram": 0})[where] += size
    print("== %s.elf: flash %d B, RAM %d B (of which stack %d B)"
          % (name, total["flash"], total["ram"], total["stack"]))
    for origin in sorted(comp, key=lambda o: -comp[o]["flash"]):
        print("   %-38s flash %7d  RAM %7d" % (origin, comp[origin]["flash"], comp[origin]["ram"]))


def component(path):
    """Which part of the image an input file of the link belongs to."""
    if "libfw_lwip.a" in path:
        return "lwIP"
    if "libfw_mbedtls.a" in path:
        return "mbedTLS"
    if "_emhttp.a(emhttp_lwip" in path:
        return "emhttp lwIP port"
    if "_emhttp.a" in path:
        return "emhttp core"
    if "lan9118" in path:
        return "LAN9118 driver"
    if re.search(r"(startup|board|semihost|entropy)\.c\.obj", path):
        return "board (startup, SysTick, semihosting)"
    if "main.c.obj" in path:
        return "application (buffers, outbox)"
    return "libc, libgcc"


# ---------------------------------------------------------------------------
# running the image

def boot(image, args, timeout):
    """Boot an image with -append ARGS on the namespace's tap; return
    (exit status, console output, figures)."""
    cmd = [QEMU, "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
           "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
           "-kernel", elf(image), "-append", " ".join(str(a) for a in args),
           "-nic", "tap,ifname=%s,script=no,downscript=no,model=lan9118" % netns.TAP]
    t0 = time.monotonic()
    try:
        rc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        raise Failure("the firmware did not finish within %ds; console:\n%s" % (timeout, out[-3000:]))
    figures = {}
    for m in re.finditer(r"^figure (\w+) (\d+)$", rc.stdout, re.M):
        figures.setdefault(m.group(1), []).append(int(m.group(2)))
    print("qemu: exit %d after %.1fs" % (rc.returncode, time.monotonic() - t0))
    return rc.returncode, rc.stdout + rc.stderr, figures


def one(figures, name):
    return figures[name][0]


def check_firmware(rc, out, figures, n):
    lines = [l for l in out.splitlines() if not l.startswith("pool ")]
    print("\n".join(lines))
    check_pools(out)
    check(rc == 0 and ("SUCCESS: %d of %d requests succeeded" % (n, n)) in out,
          "the firmware did not report success (exit %d)" % rc)
    check("stats: requests=%d ok=%d errors=0" % (n, n) in out, "client counters", out[-2000:])


def pools(out):
    """lwIP's pools as printed at boot, warm (10th request), end (last
    request) and closed (connection closed and finished)."""
    got = {}
    for m in re.finditer(r"^pool (\w+) (\w+) used=(\d+) max=(\d+) avail=(\d+) err=(\d+)$",
                         out, re.M):
        got.setdefault(m.group(1), {})[m.group(2)] = tuple(int(x) for x in m.group(3, 4, 5, 6))
    return got


def check_pools(out):
    """Every pool back to its boot use once the connection is closed (the
    client's own close may leave one pcb in TIME_WAIT, which keeps lwIP's
    TCP timer - one more timeout - running), no allocation
    failure ever (the firmware checks the same and fails the run)."""
    p = pools(out)
    check(all(k in p for k in ("boot", "warm", "end", "closed")), "no pool statistics printed")
    print("lwIP pools: used at boot / after 10 requests / after the last / after close; "
          "max used of size; allocation failures")
    for name in p["closed"]:
        b, w, e, c = (p[k][name] for k in ("boot", "warm", "end", "closed"))
        print("   %-16s %4d / %4d / %4d / %4d   max %5d of %5d   err %d"
              % (name, b[0], w[0], e[0], c[0], c[1], c[2], c[3]))
        allowed = b[0] + (1 if name in ("TCP_PCB", "SYS_TIMEOUT") else 0)
        check(b[0] <= c[0] <= allowed and c[3] == 0,
              "pool %s: used %d at boot, %d after close, err %d" % (name, b[0], c[0], c[3]))


def print_request_figures(f):
    total = one(f, "instr_per_request")
    print("instructions per request (Cortex-M4, averaged over %d requests): %d"
          % (one(f, "steady_requests"), total))
    for part, what in (("lwip_in", "lwIP input + timers + LAN9118 driver"),
                       ("lwip_tcp", "lwIP TCP output + emhttp's lwIP port"),
                       ("tls", "TLS records (mbedTLS + emhttp's TLS glue)"),
                       ("emhttp", "emhttp client (parse, state machine, pump)"),
                       ("encode", "JSON encoding (outbox, idle branch)"),
                       ("loop", "rest of the loop (wait, interrupts, meter)")):
        v = one(f, "instr_per_request_" + part)
        if v or part != "tls":
            print("   %-44s %7d  (%4.1f%%)" % (what, v, 100.0 * v / total if total else 0))
    print("network task's peak stack: %d of %d B" % (one(f, "stack_peak"), one(f, "stack_size")))


# ---------------------------------------------------------------------------
# scenarios

def http(n=1000, soak=False):
    with Dnsmasq() as dns, fixtures.Nginx(listen=HOST_IP, port=80, ipv6=False) as ng:
        mark = ng.log_mark()
        rc, out, f = boot("mps2_http", ["http", n], timeout=max(240, n // 10))
        check_firmware(rc, out, f, n)
        check("connects=1 dns_queries=1 reuses=%d" % (n - 1) in out, "one connection", out[-2000:])
        entries = ng.wait_log_count(n, timeout=30, since=mark)
        check(len(entries) == n, "nginx logged %d requests, want %d" % (len(entries), n))
        check(all((e["request_method"], e["uri"], e["status"], e["http_host"]) ==
                  ("POST", "/api", 200, "api.test") for e in entries), "unexpected requests")
        check(all(e["content_length"] not in ("", "-", "0") for e in entries), "bodies missing")
        conns = ng.connections(entries)
        check(ng.connection_count(entries) == 1, "nginx saw more than one connection", conns)
        check(entries[-1]["connection_requests"] == n, "requests on the connection", entries[-1])
        queries = dns.wait_queries("api.test", 1)
        check(queries == [("A", "api.test")], "dnsmasq must see exactly one query", queries)
        print("nginx: %d requests on %d connection (connection %d, last "
              "connection_requests=%d, from %s:%d); dnsmasq: %d query"
              % (len(entries), len(conns), entries[-1]["connection"],
                 entries[-1]["connection_requests"], netns.LWIP_IP, entries[0]["remote_port"],
                 len(queries)))
        print("nginx log, first and last line:\n   %s\n   %s"
              % (json.dumps(entries[0]), json.dumps(entries[-1])))
    print_request_figures(f)


def https(n=100):
    from tls_fixtures import Pki, TlsNginx
    pki = Pki(names="DNS:api.test,IP:" + HOST_IP)
    try:
        with Dnsmasq() as dns, TlsNginx(pki, cert="good", listen=HOST_IP, port=443, ipv6=False,
                                        keepalive_requests=HTTPS_KEEPALIVE) as ng:
            mark = ng.log_mark()
            rc, out, f = boot("mps2_https", ["https", n, pki.ca_pem], timeout=600)
            check_firmware(rc, out, f, n)
            conns_want = (n + HTTPS_KEEPALIVE - 1) // HTTPS_KEEPALIVE
            check("connects=%d dns_queries=1" % conns_want in out, "connections", out[-2000:])
            check("tls_handshakes=%d tls_resumed=%d" % (conns_want, conns_want - 1) in out,
                  "one full handshake, the others resumed", out[-2000:])
            entries = ng.wait_log_count(n, timeout=30, since=mark)
            check(len(entries) == n, "nginx logged %d requests, want %d" % (len(entries), n))
            by_conn = {}
            for e in entries:
                by_conn.setdefault(e["connection"], []).append(e)
            check(len(by_conn) == conns_want, "nginx connections", list(by_conn))
            reused = [c[0]["ssl_session_reused"] for c in by_conn.values()]
            check(reused == ["."] + ["r"] * (conns_want - 1),
                  "nginx: the first connection full, every later one resumed", reused)
            check(all(e["ssl_server_name"] == "api.test" and e["ssl_protocol"] == "TLSv1.2"
                      for e in entries), "TLS 1.2 with SNI api.test", entries[0])
            check(dns.wait_queries("api.test", 1) == [("A", "api.test")], "one query",
                  dns.queries())
            print("nginx: %d requests on %d connections, %s %s, SNI %s; ssl_session_reused per "
                  "connection: %s" % (len(entries), len(by_conn), entries[0]["ssl_protocol"],
                                      entries[0]["ssl_cipher"], entries[0]["ssl_server_name"],
                                      " ".join(reused)))
            for c in by_conn.values():
                print("   connection %d: %d requests, ssl_session_reused=%s"
                      % (c[0]["connection"], len(c), c[0]["ssl_session_reused"]))
    finally:
        pki.cleanup()
    print_request_figures(f)
    print("TLS arena peak: %d of %d B" % (one(f, "tls_arena_peak"), one(f, "tls_arena_size")))
    full, resumed = f.get("handshake_full", []), f.get("handshake_resumed", [])
    check(len(full) == 1 and len(resumed) == conns_want - 1, "handshakes measured", f)
    print("TLS handshake, client instructions on Cortex-M4 (QEMU counts instructions, not "
          "cycles: at CPI 1 the times below are lower bounds):")
    for what, vals in (("full", full), ("resumed", sorted(resumed))):
        v = sum(vals) // len(vals)
        print("   %-8s %11d instructions  " % (what, v) +
              "  ".join("%7.1f ms @%d MHz" % (v / (mhz * 1000.0), mhz) for mhz in CLOCKS_MHZ) +
              ("  (each: %s)" % ", ".join(str(x) for x in vals) if len(vals) > 1 else ""))


CIPHER_SIZES = (200, 16384)


def cipher():
    """The AEAD benchmark image: its self test passed and every figure is
    there and plausible (docs/tls-suites.md reads these)."""
    cmd = [QEMU, "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
           "-semihosting-config", "enable=on,target=native", "-icount", "shift=0",
           "-kernel", elf("mps2_cipher"), "-nic", "none"]
    try:
        rc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise Failure("mps2_cipher.elf did not finish within 600 s")
    out = rc.stdout
    print(out.rstrip())
    check(rc.returncode == 0 and "selftest ok" in out and "SUCCESS" in out,
          "mps2_cipher.elf failed (exit %d)" % rc.returncode, rc.stderr[-2000:])
    f = {m.group(1): int(m.group(2)) for m in re.finditer(r"^figure (\w+) (\d+)$", out, re.M)}
    print("Cortex-M4 (QEMU -icount), instructions per byte of record protection:")
    print("   %-18s %6s %10s %10s" % ("AEAD", "record", "seal", "open"))
    for aead, name in (("aes", "AES-128-GCM"), ("chacha", "ChaCha20-Poly1305")):
        for size in CIPHER_SIZES:
            per = []
            for d in ("seal", "open"):
                key = "ipr_%s_%s_%d" % (aead, d, size)
                check(key in f, "no figure " + key)
                # a record cannot cost less than one instruction per byte
                check(f[key] >= size, "%s = %d: implausibly low" % (key, f[key]))
                per.append(f[key] / size)
            print("   %-18s %6d %10.1f %10.1f" % (name, size, per[0], per[1]))
        check(f.get("heap_" + aead, 0) > 0, "no heap figure for " + aead)


def main(argv):
    scen = argv[1] if len(argv) > 1 else ""
    n = int(argv[2]) if len(argv) > 2 else None
    if scen == "build":
        try:
            build()
        except Failure as e:
            print("FAIL build: %s" % e, flush=True)
            return 1
        print("PASS build")
        return 0
    if scen not in ("http", "https", "soak", "cipher"):
        print(__doc__, file=sys.stderr)
        return 2
    if shutil.which(QEMU) is None:
        netns.skip("no %s (.ci/deps.sh installs qemu-system-arm)" % QEMU)
    image = {"https": "mps2_https", "cipher": "mps2_cipher"}.get(scen, "mps2_http")
    if not os.path.exists(elf(image)):
        netns.skip("%s not built (test_qemu.py build, ctest's qemu_build)" % elf(image))
    if scen == "cipher":  # no network: no namespace, no root
        try:
            cipher()
        except Failure as e:
            print("FAIL cipher: %s" % e, flush=True)
            return 1
        print("PASS cipher")
        return 0
    netns.enter(argv)
    netns.private_tmp()
    netns.setup_tap()
    t0 = time.monotonic()
    try:
        if scen == "http":
            http(n or 1000)
        elif scen == "soak":
            http(n or 10000, soak=True)
        else:
            https(n or 100)
    except (Failure, netns.NetnsError, fixtures.FixtureError) as e:
        print("FAIL %s: %s" % (scen, e), flush=True)
        return 1
    print("PASS %s (%.1fs)" % (scen, time.monotonic() - t0), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
