#!/usr/bin/python3
"""Vendoring tests: emhttp used by a tiny outside project, four ways.

Usage: vendoring.py MODE WORKDIR
  add_subdirectory  add_subdirectory() of the repository (add_subdirectory/)
  find_package      cmake --install, then find_package(emhttp CONFIG)
  pkg_config        cmake --install, then cc $(pkg-config --cflags --libs emhttp)
  makefile          a plain Makefile listing the sources (makefile/)

Each builds the emhttp CLI (examples/cli/emhttp.c) with $CC and runs it
against the peer server on 127.0.0.1: one GET, then three requests that
must share one connection.  Every step is bounded in time.
"""
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from fixtures import PeerServer, run  # noqa: E402

CC = os.environ.get("CC") or "cc"


def step(cmd, env=None, cwd=None, timeout=300):
    print("+", " ".join(map(str, cmd)), flush=True)
    rc, out, err = run(cmd, timeout=timeout, env=env, cwd=cwd)
    if rc != 0:
        sys.exit(f"FAILED ({'timeout' if rc is None else rc}):\n{out}{err}")
    return out


def cmake_build(src, build, *defs):
    step(["cmake", "-S", src, "-B", build, f"-DCMAKE_C_COMPILER={CC}",
          "-DCMAKE_BUILD_TYPE=Release", *defs])
    step(["cmake", "--build", build, f"-j{os.cpu_count()}"])


def install(work):
    """Build and install the repository (libraries only) into WORK/prefix."""
    cmake_build(ROOT, work / "emhttp-build", "-DEMHTTP_BUILD_TESTS=OFF",
                "-DEMHTTP_BUILD_EXAMPLES=OFF")
    step(["cmake", "--install", work / "emhttp-build", "--prefix", work / "prefix"])
    return work / "prefix"


def build(mode, work):
    """Build the CLI the MODE way; return its path."""
    if mode == "add_subdirectory":
        cmake_build(HERE / "add_subdirectory", work / "build", f"-DEMHTTP_SOURCE={ROOT}")
        return work / "build" / "emhttp_cli"
    if mode == "find_package":
        prefix = install(work)
        cmake_build(HERE / "find_package", work / "build", f"-DCMAKE_PREFIX_PATH={prefix}",
                    f"-DEMHTTP_SOURCE={ROOT}")
        return work / "build" / "emhttp_cli"
    if mode == "pkg_config":
        prefix = install(work)
        env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
        flags = step(["pkg-config", "--cflags", "--libs", "emhttp"], env=env)
        step([CC, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", ROOT / "examples/cli/emhttp.c",
              ROOT / "examples/cli/cli_trace.c", ROOT / "examples/cli/cli_progress.c",
              *shlex.split(flags), "-o", work / "emhttp_cli"])
        return work / "emhttp_cli"
    if mode == "makefile":
        step(["make", "-f", HERE / "makefile" / "Makefile", f"EMHTTP={ROOT}", f"OUT={work}",
              f"CC={CC}"], cwd=work)
        return work / "emhttp_cli"
    sys.exit(__doc__)


def smoke(cli):
    with PeerServer(max_idle=30, stall_max=30) as peer:
        rc, out, err = run([cli, "-s", peer.url("/ok")], timeout=30)
        if rc != 0 or out.strip() != '{"ok":true}':
            sys.exit(f"GET /ok: exit {rc}, stdout {out!r}, stderr {err!r}")
        rc, out, err = run([cli, "-s", "-n", "3", "--stats", peer.url("/ok")], timeout=30)
        if rc != 0 or "requests=3 ok=3 errors=0 connects=1" not in out + err:
            sys.exit(f"-n 3 --stats: exit {rc}, stdout {out!r}, stderr {err!r}")
    print(f"smoke test passed: {cli}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mode, work = sys.argv[1], Path(sys.argv[2]).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cli = build(mode, work)
    smoke(cli)
    if mode == "makefile":  # its emhttp_config.h turns IPv6 off: URLs with [::1] are refused
        rc, out, err = run([cli, "-s", "http://[::1]:9/"], timeout=30)
        if rc != 3:
            sys.exit(f"hand-written emhttp_config.h not applied: IPv6 URL gave exit {rc} {err!r}")
        print("hand-written emhttp_config.h applied (IPv6 off)")


if __name__ == "__main__":
    main()
