#!/usr/bin/python3
"""Kconfig tests.

Usage: kconfig_test.py MODE WORKDIR     (CC: the C compiler, default cc)
  parse     kconfiglib parses the Kconfig without a warning; every option
            has a type, a prompt, help text and a default (and a range for
            ints); opt.h declares exactly the Kconfig's options, with the
            same defaults; opt.h's #error checks enforce the Kconfig ranges
            (both ends of each pass, one past each end fails); the
            documented invalid combination fails.
  readback  nondefault.config -> cmake -DEMHTTP_KCONFIG_CONFIG -> a program
            linked with the library prints every option's value and the
            limits the library enforces: all must match the .config.
  readback_tls  the same with tls.config (TLS on: the .config turns on
            cmake's EMHTTP_TLS too; skipped without libmbedtls-dev).
  frontends the round trip through Debian's kconfig-frontends: a .config
            with every bool flipped from its default (two configs: the
            Kconfig's dependencies keep one from flipping all at once) ->
            kconfig-conf's autoconf.h, kconfiglib's genconfig header (as
            Zephyr writes it) and cmake/kconfig_header.py's: compiled with
            opt.h all three give exactly the .config's values, and a library
            built with cmake -DEMHTTP_CONFIG_FILE=<autoconf.h> has them
            compiled in (readback).  Also shows the check can fail: without
            CONFIG_EMHTTP_KCONFIG the bools set to n come back as 1.
  reject    bad.config (unknown option, value out of range) must fail the
            configure with a message naming both.
  limits    every core source compiles (-Os -Werror) with all options at
            their minimum, then at their maximum.
  menuconfig  kconfiglib's menuconfig, driven in a pseudo-terminal, loads
            the Kconfig and saves a .config that generates a header.
"""
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import kconfiglib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KCONFIG = ROOT / "Kconfig"
OPT_H = ROOT / "core" / "include" / "emhttp" / "opt.h"
CC = os.environ.get("CC") or "cc"
# EMHTTP_CONFIG_DEFAULTS: the -D values given here, the rest at their defaults
# (an EMHTTP_CONFIG_FILE given as well takes precedence over it).
CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-DEMHTTP_CONFIG_DEFAULTS=1",
          "-I", str(ROOT / "core" / "include")]
MARKER = "EMHTTP_KCONFIG"  # the Kconfig's hidden always-y symbol (see opt.h)

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def load():
    """The Kconfig and its options (every symbol but the marker)."""
    kconf = kconfiglib.Kconfig(str(KCONFIG), warn_to_stderr=False)
    return kconf, [s for s in kconf.unique_defined_syms if s.name != MARKER]


def expected(sym):
    """The value C must see for a symbol of a loaded .config: a bool that
    is n (also one whose dependencies are off) is 0, an int whose
    dependencies are off is left out of the header and takes its default."""
    if sym.type == kconfiglib.BOOL or sym.visibility:
        return c_value(sym)
    return c_value(sym, sym.defaults[0][0].str_value)


def c_value(sym, value=None):
    """A symbol's value as C sees it (bools are 0/1)."""
    v = sym.str_value if value is None else value
    if sym.type == kconfiglib.BOOL:
        return 1 if v == "y" else 0
    return int(v, 16 if sym.type == kconfiglib.HEX else 10)


def bounds(sym):
    if sym.type == kconfiglib.BOOL:
        return 0, 1
    low, high, _ = sym.ranges[0]
    return int(low.str_value, 0), int(high.str_value, 0)


def compile_opt_h(defines):
    """Errors (#error lines) of compiling opt.h with these -D values."""
    r = subprocess.run([CC, *CFLAGS, "-fsyntax-only", "-x", "c", "-",
                        *[f"-D{k}={v}" for k, v in defines.items()]],
                       input='#include "emhttp/opt.h"\nint emhttp_dummy;\n',
                       capture_output=True, text=True)
    return [line for line in r.stderr.splitlines() if "#error" in line or "error:" in line]


def opt_h_defaults():
    text = OPT_H.read_text()
    return dict(re.findall(r"#ifndef (CONFIG_EMHTTP_\w+)\s*\n#define \1 (.+)", text))


def options_only_values(work, header=None):
    """opt.h's values as compiled (with @p header as EMHTTP_CONFIG_FILE):
    readback.c with OPTIONS_ONLY."""
    exe = work / "options_only"
    config = [f'-DEMHTTP_CONFIG_FILE="{header}"'] if header else []
    r = subprocess.run([CC, *CFLAGS, *config, "-DOPTIONS_ONLY", "-I", str(work),
                        str(HERE / "readback.c"), "-o", str(exe)], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"readback.c (OPTIONS_ONLY) does not compile:\n{r.stderr}")
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines())


def write_options_inc(work, syms):
    work.mkdir(parents=True, exist_ok=True)
    (work / "options.inc").write_text("".join(f"EMHTTP_OPT(CONFIG_{s.name})\n" for s in syms))


def mode_parse(work):
    kconf, syms = load()
    for w in kconf.warnings:
        fail(f"kconfiglib warning: {w}")
    for s in syms:
        node = s.nodes[0]
        if not s.name.startswith("EMHTTP_"):
            fail(f"{s.name}: options are named EMHTTP_*")
        if s.type not in (kconfiglib.BOOL, kconfiglib.INT):
            fail(f"{s.name}: type {kconfiglib.TYPE_TO_STR[s.type]} (opt.h handles bool and int)")
        if not node.prompt or not node.help or not s.defaults:
            fail(f"{s.name}: needs a prompt, help text and a default")
        if s.type == kconfiglib.INT and not s.ranges:
            fail(f"{s.name}: an int option needs a range")
    marker = kconf.syms.get(MARKER)
    if (marker is None or marker.type != kconfiglib.BOOL or marker.nodes[0].prompt
            or marker.str_value != "y"):
        fail(f"{MARKER}: must be a hidden bool that is always y (opt.h reads it)")
    names = {f"CONFIG_{s.name}" for s in syms}
    listed = re.search(r"#define EMHTTP_OPTIONS\(X\)((?:.*\\\n)*.*)", OPT_H.read_text())
    listed = re.findall(r"X\((CONFIG_EMHTTP_\w+)\)", listed.group(1)) if listed else []
    if listed != [f"CONFIG_{s.name}" for s in syms]:
        fail(f"EMHTTP_OPTIONS() in opt.h does not list the Kconfig's options in order: {listed}")
    defaults = opt_h_defaults()
    for n in sorted(set(defaults) - names):
        fail(f"{n} is in opt.h but not in the Kconfig")
    for n in sorted(names - set(defaults)):
        fail(f"{n} is in the Kconfig but not in opt.h")
    print(f"{len(syms)} Kconfig options, {len(defaults)} in opt.h")

    both = [s for s in syms if f"CONFIG_{s.name}" in defaults]
    write_options_inc(work, both)
    compiled = options_only_values(work)
    for s in both:  # the Kconfig default, whether or not its dependencies are on
        got, want = compiled.get(f"CONFIG_{s.name}"), c_value(s, s.defaults[0][0].str_value)
        if got is not None and int(got) != want:
            fail(f"CONFIG_{s.name}: Kconfig default {want}, opt.h default {got}")
        check_range(s)
    if not any("must not exceed" in e for e in compile_opt_h(
            {"CONFIG_EMHTTP_FIRST_BYTE_TIMEOUT_MS": 2000, "CONFIG_EMHTTP_REQUEST_TIMEOUT_MS": 1000})):
        fail("a first-byte timeout over the request timeout is not refused by opt.h")


def check_range(sym):
    """Both ends of the Kconfig range compile, one past either end hits
    opt.h's #error for this option."""
    name = f"CONFIG_{sym.name}"
    low, high = bounds(sym)
    mine = re.compile(rf"{name} must be")
    for v, ok in ((low, True), (high, True), (low - 1, False), (high + 1, False)):
        errors = [e for e in compile_opt_h({name: v}) if mine.search(e)]
        if ok and errors:
            fail(f"{name}={v} is in the Kconfig range but opt.h refuses it: {errors[0]}")
        if not ok and not errors:
            fail(f"{name}={v} is outside the Kconfig range [{low}, {high}] but opt.h has no #error for it")


def cmake_readback(work, config, how="EMHTTP_KCONFIG_CONFIG"):
    build = work / "build"
    shutil.rmtree(build, ignore_errors=True)
    return subprocess.run(["cmake", "-S", HERE / "project", "-B", build, f"-DCMAKE_C_COMPILER={CC}",
                           f"-DEMHTTP_SOURCE={ROOT}", f"-DOPTIONS_DIR={work}",
                           f"-D{how}={config}"],
                          capture_output=True, text=True, timeout=300)


def run_readback(work):
    """Build the readback project configured before; its output as a dict."""
    subprocess.run(["cmake", "--build", work / "build", f"-j{os.cpu_count()}"], check=True,
                   timeout=300)
    out = subprocess.run([str(work / "build" / "readback")], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    print(out, end="")
    return dict(line.split("=", 1) for line in out.splitlines())


def check_library(got, kconf):
    """The library behaves as built with the .config's values."""
    if got.get("core.abi_match") != "1":
        fail("libemhttp_core was compiled with other options than readback.c "
             "(emhttp_abi_check refuses EMHTTP_ABI_TAG)")
    for key, sym in (("core.max_host_len", "EMHTTP_MAX_HOST_LEN"),
                     ("core.json_max_depth", "EMHTTP_JSON_MAX_DEPTH")):
        if int(got[key]) != expected(kconf.syms[sym]):
            fail(f"{key}: the library enforces {got[key]}, the .config says "
                 f"{kconf.syms[sym].str_value}: libemhttp_core was built with another value")


def mode_readback_tls(work):
    if not Path("/usr/include/mbedtls/ssl.h").exists():
        print("SKIP: no mbedTLS headers (libmbedtls-dev)")
        sys.exit(77)
    mode_readback(work, "tls.config")


def mode_readback(work, name="nondefault.config"):
    kconf, syms = load()
    write_options_inc(work, syms)
    config = HERE / name
    r = cmake_readback(work, config)
    if r.returncode:
        sys.exit(f"configure failed:\n{r.stdout}{r.stderr}")
    got = run_readback(work)
    kconf.load_config(str(config))
    defaults_differ = 0
    for s in syms:
        want = expected(s)
        if int(got[f"CONFIG_{s.name}"]) != want:
            fail(f"CONFIG_{s.name}: .config says {want}, the compiled code has {got[f'CONFIG_{s.name}']}")
        defaults_differ += want != c_value(s, s.defaults[0][0].str_value)
    print(f"{defaults_differ} options differ from their defaults")
    if defaults_differ < (10 if name == "nondefault.config" else 4):
        fail("nondefault.config should change (nearly) every option")
    check_library(got, kconf)


def kconfig_frontends(work, config):
    """kconfig-conf (Debian's kconfig-frontends) from a .config to its
    include/generated/autoconf.h, as a Kconfig build runs it."""
    if not shutil.which("kconfig-conf"):
        print("SKIP: kconfig-conf not found (Debian package kconfig-frontends)")
        sys.exit(77)
    (work / "include" / "config").mkdir(parents=True, exist_ok=True)
    (work / "include" / "generated").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, KCONFIG_CONFIG=str(work / ".config"))
    for args in ([f"--defconfig={config}"], ["--silentoldconfig"]):
        r = subprocess.run(["kconfig-conf", *args, str(KCONFIG)], cwd=work, env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        if r.returncode:
            sys.exit(f"kconfig-conf {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
    return work / "include" / "generated" / "autoconf.h"


def flipped_configs(syms):
    """Two .config texts that between them flip every bool from its default:
    "all" flips every one (EMHTTP_RETRY_ALL_METHODS then stays n, as it
    depends on EMHTTP_RESEND, flipped to n), "retry" flips that one alone."""
    def line(s, on):
        return f"CONFIG_{s.name}=y\n" if on else f"# CONFIG_{s.name} is not set\n"
    bools = [s for s in syms if s.type == kconfiglib.BOOL]
    flip_all = "".join(line(s, s.defaults[0][0].str_value != "y") for s in bools)
    return {"all": flip_all, "retry": "CONFIG_EMHTTP_RETRY_ALL_METHODS=y\n"}, bools


def mode_frontends(work):
    kconf, syms = load()
    configs, bools = flipped_configs(syms)
    flipped = set()
    for name, text in configs.items():
        d = work / name
        shutil.rmtree(d, ignore_errors=True)
        write_options_inc(d, syms)
        (d / "flip.config").write_text(text)
        autoconf = kconfig_frontends(d, d / "flip.config")
        kconf.load_config(str(d / ".config"))  # the .config kconfig-conf wrote
        want = {f"CONFIG_{s.name}": expected(s) for s in syms}
        flipped |= {s.name for s in bools if c_value(s) != c_value(s, s.defaults[0][0].str_value)}
        print(f"== {name}: {text.count(chr(10))} lines -> kconfig-conf -> {autoconf}")
        print("".join(f"   {l}\n" for l in autoconf.read_text().splitlines() if "#define" in l))
        if "#define CONFIG_EMHTTP_KCONFIG 1" not in autoconf.read_text():
            fail(f"{name}: kconfig-frontends' autoconf.h does not define CONFIG_EMHTTP_KCONFIG")

        # The same .config through kconfiglib's genconfig (Zephyr's generator)
        # and through the project's generator.
        env = dict(os.environ, KCONFIG_CONFIG=str(d / ".config"))
        subprocess.run([sys.executable, "-m", "genconfig", "--header-path", str(d / "genconfig.h"),
                        str(KCONFIG)], env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, str(ROOT / "cmake" / "kconfig_header.py"), str(KCONFIG),
                        str(d / ".config"), str(d / "project.h")], check=True)
        for header in (autoconf, d / "genconfig.h", d / "project.h"):
            got = {k: int(v) for k, v in options_only_values(d, header).items()}
            bad = [f"{k}: .config {want[k]}, compiled {got[k]}" for k in want if got[k] != want[k]]
            for b in bad:
                fail(f"{name} via {header.name}: {b}")
            print(f"   {header.name}: {len(want) - len(bad)}/{len(want)} options as in the .config")

        # The check can fail: the same header without the marker.
        stripped = d / "no_marker.h"
        stripped.write_text(autoconf.read_text().replace("#define CONFIG_EMHTTP_KCONFIG 1\n", ""))
        got = {k: int(v) for k, v in options_only_values(d, stripped).items()}
        back_on = sorted(k for k in want if got[k] != want[k])
        print(f"   without CONFIG_EMHTTP_KCONFIG {len(back_on)} bools come back on: "
              f"{' '.join(back_on)}")
        if not back_on:
            fail(f"{name}: no bool set to n differs from its default: the config flips nothing")

        # A library built with the autoconf.h as its configuration.
        r = cmake_readback(d, autoconf, "EMHTTP_CONFIG_FILE")
        if r.returncode:
            sys.exit(f"configure with EMHTTP_CONFIG_FILE={autoconf} failed:\n{r.stdout}{r.stderr}")
        got = run_readback(d)
        for k, v in want.items():
            if int(got[k]) != v:
                fail(f"{name}: {k}: .config says {v}, the readback program has {got[k]}")
        check_library(got, kconf)
    missing = sorted(s.name for s in bools if s.name not in flipped)
    print(f"bools flipped from their default across the configs: {len(flipped)} of {len(bools)}")
    if missing:
        fail(f"never flipped: {' '.join(missing)}")


def mode_reject(work):
    work.mkdir(parents=True, exist_ok=True)
    (work / "options.inc").write_text("")
    r = cmake_readback(work, HERE / "bad.config")
    text = " ".join((r.stdout + r.stderr).split())  # CMake wraps its messages
    print((r.stdout + r.stderr)[-2000:])
    if r.returncode == 0:
        fail("a .config with an unknown option and an out-of-range value was accepted")
    for needle in ("unknown option CONFIG_EMHTTP_NO_SUCH_OPTION",
                   "CONFIG_EMHTTP_DNS_MAX_ADDRS = 9 is out of range [1, 8]"):
        if needle not in text:
            fail(f"the configure error does not say: {needle}")


def mode_limits(work):
    _, syms = load()
    work.mkdir(parents=True, exist_ok=True)
    sources = [p for p in sorted((ROOT / "core" / "src").glob("*.c"))]
    have_mbedtls = Path("/usr/include/mbedtls/ssl.h").exists()
    for end in (0, 1):
        defs = {f"CONFIG_{s.name}": bounds(s)[end] for s in syms}
        if not have_mbedtls:
            defs["CONFIG_EMHTTP_TLS"] = 0
        flags = [f"-D{k}={v}" for k, v in defs.items()]
        print(f"== all options at their {'maximum' if end else 'minimum'}: {' '.join(flags)}")
        for src in sources:
            r = subprocess.run([CC, *CFLAGS, "-Os", *flags, "-c", str(src), "-o",
                                str(work / (src.stem + ".o"))], capture_output=True, text=True)
            if r.returncode:
                fail(f"{src.name} does not compile with every option at its "
                     f"{'maximum' if end else 'minimum'}:\n{r.stderr}")


def mode_menuconfig(work):
    work.mkdir(parents=True, exist_ok=True)
    config = work / "menuconfig.config"
    config.unlink(missing_ok=True)
    try:
        pid, fd = pty.fork()
    except OSError as e:
        print(f"SKIP: no pseudo-terminal ({e})")
        sys.exit(77)
    if pid == 0:  # the child: menuconfig on the pseudo-terminal
        os.environ.update(TERM="xterm", KCONFIG_CONFIG=str(config))
        os.execv(sys.executable, [sys.executable, "-m", "menuconfig", str(KCONFIG)])
    screen = b""
    for keys, wait in ((b"", 3), (b"S", 1), (b"\r", 1), (b"\r", 1), (b"Q", 2)):  # save, quit
        os.write(fd, keys)
        end = time.time() + wait
        while time.time() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    screen += os.read(fd, 65536)
                except OSError:
                    break
    end = time.time() + 10
    done, status = os.waitpid(pid, os.WNOHANG)
    while not done and time.time() < end:
        time.sleep(0.1)
        done, status = os.waitpid(pid, os.WNOHANG)
    os.close(fd)
    if not done:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        fail("menuconfig did not quit")
    elif status != 0:
        fail(f"menuconfig exited with status {status}")
    if b"emhttp HTTP/1.1" not in screen:
        fail("menuconfig did not show the emhttp menu")
    if not config.exists():
        return fail("menuconfig saved no .config")
    r = subprocess.run([sys.executable, str(ROOT / "cmake" / "kconfig_header.py"), str(KCONFIG),
                        str(config), str(work / "emhttp_config.h")], capture_output=True, text=True)
    if r.returncode:
        fail(f"the .config menuconfig saved does not generate a header: {r.stderr}")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("parse", "readback", "readback_tls", "reject",
                                                  "limits", "menuconfig", "frontends"):
        sys.exit(__doc__)
    work = Path(sys.argv[2]).resolve()
    globals()["mode_" + sys.argv[1]](work)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
