#!/usr/bin/python3
"""Check documents written by emhttp's JSON writer with Python's json module.

Reads pairs of lines on stdin (bytes): a JSON document, then the values
that went into it as space-separated tokens in document order:

    O:n  object with n members, each member is K:<hex key> then the value
    A:n  array with n elements
    S:<hex>   string (UTF-8 bytes)      I:<int>  int64      U:<int>  uint64
    X:<int>:<scale>  fixed point        D:<16 hex digits>  double bits
    T  F  N   true, false, null         R:<hex>  raw fragment (parsed here too)

Each document is parsed twice with json.loads: once as is (doubles are
compared bit for bit through struct) and once with parse_float=Decimal
(fixed-point numbers are compared exactly, with their number of fraction
digits).  Prints a summary; exit status 1 on any mismatch.
"""
import json
import struct
import sys
from decimal import Decimal


def obj(pairs):
    return ("O", pairs)


class Mismatch(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Mismatch(what)


def check_container(kind, arg, v1, v2, toks):
    n = int(arg)
    if kind == "O":
        expect(isinstance(v1, tuple) and len(v1[1]) == n, "object size")
        for (k1, x1), (_, x2) in zip(v1[1], v2[1]):
            ktok = next(toks)
            expect(ktok.startswith("K:"), "key token")
            expect(k1 == bytes.fromhex(ktok[2:]).decode("utf-8"), "key %r" % k1)
            check(x1, x2, toks)
    else:
        expect(isinstance(v1, list) and len(v1) == n, "array size")
        for x1, x2 in zip(v1, v2):
            check(x1, x2, toks)


def check_number(kind, arg, v1, v2):
    if kind in "IU":
        expect(type(v1) is int and v1 == int(arg), "integer %r != %s" % (v1, arg))
    elif kind == "X":
        val, scale = (int(x) for x in arg.split(":"))
        if scale == 0:
            expect(type(v1) is int and v1 == val, "fixed %r" % v1)
        else:
            want = Decimal(val).scaleb(-scale)
            expect(isinstance(v2, Decimal) and v2 == want
                   and v2.as_tuple().exponent == -scale, "fixed %r != %s" % (v2, want))
    else:  # D
        want = struct.pack(">Q", int(arg, 16))
        expect(type(v1) is float and struct.pack(">d", v1) == want,
               "double %r != %s" % (v1, arg))


def check(v1, v2, toks):
    kind, _, arg = next(toks).partition(":")
    if kind in "OA":
        check_container(kind, arg, v1, v2, toks)
    elif kind == "S":
        expect(type(v1) is str and v1 == bytes.fromhex(arg).decode("utf-8"), "string %r" % v1)
    elif kind in "IUXD":
        check_number(kind, arg, v1, v2)
    elif kind == "R":
        expect(v1 == json.loads(bytes.fromhex(arg), object_pairs_hook=obj), "raw %r" % (v1,))
    else:
        expect(v1 is {"T": True, "F": False, "N": None}[kind], "literal %r" % (v1,))


def main():
    lines = sys.stdin.buffer.read().split(b"\n")
    docs = fails = 0
    for i in range(0, len(lines) - 1, 2):
        doc, toks = lines[i], iter(lines[i + 1].decode().split())
        docs += 1
        try:
            v1 = json.loads(doc, object_pairs_hook=obj)
            v2 = json.loads(doc, object_pairs_hook=obj, parse_float=Decimal)
            check(v1, v2, toks)
            expect(next(toks, None) is None, "extra expected values")
        except (Mismatch, ValueError, StopIteration, KeyError) as e:
            fails += 1
            if fails <= 5:
                print("python: document %d: %s: %s" % (i // 2, type(e).__name__, e))
                print("  %r" % doc[:300])
    print("python json.loads: %d documents, %d mismatches" % (docs, fails))
    return 1 if fails or docs == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
