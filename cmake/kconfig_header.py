#!/usr/bin/python3
"""Generate emhttp_config.h from a Kconfig .config, strictly.

Usage: kconfig_header.py KCONFIG DOT_CONFIG HEADER

kconfiglib silently ignores unknown symbols and replaces out-of-range or
malformed values with the default, so every line of DOT_CONFIG is checked
first (unknown symbol, bad bool, bad integer, out of range: exit 1 with
one message per problem).  The header is then written by kconfiglib's
genconfig as it is, the same header Zephyr's build writes: bools set to n
are left out, which opt.h reads as 0 because the header defines
CONFIG_EMHTTP_KCONFIG (see the Kconfig).
"""
import os
import re
import subprocess
import sys

import kconfiglib

LINE = re.compile(r"^CONFIG_(\w+)=(.*)$")
UNSET = re.compile(r"^# CONFIG_(\w+) is not set$")


def active_range(sym):
    for low, high, cond in sym.ranges:
        if kconfiglib.expr_value(cond):
            return int(low.str_value, 0), int(high.str_value, 0)
    return None


def check_value(sym, value):
    if sym.type == kconfiglib.BOOL:
        return None if value in ("y", "n") else f"must be y or n, not {value!r}"
    if sym.type in (kconfiglib.INT, kconfiglib.HEX):
        try:
            v = int(value, 16 if sym.type == kconfiglib.HEX else 10)
        except ValueError:
            return f"is not an integer: {value!r}"
        rng = active_range(sym)
        if rng and not rng[0] <= v <= rng[1]:
            return f"= {v} is out of range [{rng[0]}, {rng[1]}]"
    return None


def check_config(kconf, path):
    errors = []
    with open(path, encoding="utf-8") as f:
        for no, raw in enumerate(f, 1):
            line = raw.strip()
            m = LINE.match(line) or UNSET.match(line)
            if not m:
                if line and not line.startswith("#"):
                    errors.append(f"{path}:{no}: not a Kconfig assignment: {line}")
                continue
            name = m.group(1)
            sym = kconf.syms.get(name)
            if sym is None or not sym.nodes:
                errors.append(f"{path}:{no}: unknown option CONFIG_{name}")
                continue
            value = m.group(2) if m.re is LINE else "n"
            problem = check_value(sym, value.strip('"'))
            if problem:
                errors.append(f"{path}:{no}: CONFIG_{name} {problem}")
    return errors


def main(kconfig, config, header):
    kconf = kconfiglib.Kconfig(kconfig, warn_to_stderr=False)
    errors = [f"{kconfig}: {w}" for w in kconf.warnings]
    errors += check_config(kconf, config)
    if not errors:
        kconf.load_config(config)
        errors = [f"{config}: {w}" for w in kconf.warnings]
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    env = dict(os.environ, KCONFIG_CONFIG=config,
               KCONFIG_AUTOHEADER_HEADER=f"/* Generated from {config} by genconfig: do not edit. */\n")
    subprocess.run([sys.executable, "-m", "genconfig", "--header-path", header, kconfig],
                   env=env, check=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
