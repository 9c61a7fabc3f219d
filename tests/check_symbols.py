#!/usr/bin/python3
"""Fail when an object of core/ or port/ references the C allocator.

Usage: check_symbols.py LIB.a [LIB.a ...]
Every undefined symbol of every object is checked with `nm`; the library
must not call malloc, calloc, realloc, free or their relatives.
"""
import subprocess
import sys

FORBIDDEN = {"malloc", "calloc", "realloc", "free", "reallocarray", "aligned_alloc",
             "posix_memalign", "memalign", "valloc", "pvalloc", "strdup", "strndup"}


def undefined_symbols(path):
    out = subprocess.run(["nm", "-A", "--undefined-only", path], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[-2] == "U":
            yield fields[0].rstrip(":"), fields[-1].split("@")[0]


def main(paths):
    if not paths:
        print("usage: check_symbols.py LIB.a ...", file=sys.stderr)
        return 2
    bad = [(obj, sym) for p in paths for obj, sym in undefined_symbols(p) if sym in FORBIDDEN]
    checked = len(paths)
    for obj, sym in bad:
        print(f"FORBIDDEN: {obj} references {sym}")
    print(f"checked {checked} libraries: {len(bad)} allocator references")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
