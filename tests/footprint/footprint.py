#!/usr/bin/python3
"""emhttp footprint: flash and RAM per module, struct sizes, linked image.

Usage: footprint.py [--check BUDGET | --update BUDGET] [--grow N]
                    [--heap-canary] [--targets T,...] [--out DIR] [-v]

For two configurations (minimal: HTTP + JSON writer, no TLS; full: every
module and option) and four targets (Cortex-M0+, Cortex-M4F, Cortex-M33,
RV32IMAC; gcc -Os), prints:
  - flash (text + rodata + data) and RAM (data + bss) of each core object,
    compiled with -ffunction-sections (what the library costs at most);
  - sizeof of every public struct, for the target;
  - the linked figure: how much an image grows over an empty main when
    fw_main.c runs one request through a stub port (--gc-sections;
    newlib-nano on Arm, cmake/freestanding/string.c on RISC-V), split
    into emhttp, libc/libgcc and the firmware's own code and buffers.
The Arm links make malloc, calloc, realloc, free, _sbrk and the printf
family unavailable (-Wl,--wrap=X with no __wrap_X): any use fails the link
(the RISC-V link has no C library at all).  The full configuration
compiles the TLS glue against Debian's mbedTLS headers, with what needs an
OS turned off (mbedtls_user_config.h).  fw_main.c also runs on the host
($CC, default cc) and must complete its request.

--check BUDGET   exit 1 ("BUDGET EXCEEDED") when a minimal total grows past
                 the budget file; --update BUDGET rewrites it.
--grow N         add an N-byte table to the minimal build (budget self-test).
--heap-canary    link uses_malloc.c into the firmware: exit 0 only when the
                 link FAILS on the allocator (zero-heap self-test).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SRC = ROOT / "core" / "src"
FREESTANDING = ROOT / "cmake" / "freestanding"
MINIMAL_H = ROOT / "cmake" / "minimal" / "emhttp_config.h"

ARM_LINK = ["--specs=nano.specs", "--specs=nosys.specs"]
RV_LINK = ["-nostdlib", "-nostartfiles", "-Wl,-e,main"]
TARGETS = {  # name: (tool prefix, cpu flags, link flags)
    "cortex-m0plus": ("arm-none-eabi-", ["-mcpu=cortex-m0plus", "-mthumb", "-mfloat-abi=soft"], ARM_LINK),
    "cortex-m4": ("arm-none-eabi-", ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16",
                                     "-mfloat-abi=hard"], ARM_LINK),
    "cortex-m33": ("arm-none-eabi-", ["-mcpu=cortex-m33", "-mthumb", "-mfpu=fpv5-sp-d16",
                                      "-mfloat-abi=hard"], ARM_LINK),
    "rv32imac": ("riscv64-unknown-elf-", ["-march=rv32imac", "-mabi=ilp32", "-ffreestanding",
                                          "-isystem", str(FREESTANDING)], RV_LINK),
}
# EMHTTP_CONFIG_DEFAULTS: the configurations below name their options with
# -D flags (minimal: an EMHTTP_CONFIG_FILE, which takes precedence).
CFLAGS = ["-std=c99", "-Os", "-ffunction-sections", "-fdata-sections", "-fno-common",
          "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wstrict-prototypes",
          "-DEMHTTP_CONFIG_DEFAULTS=1"]

OPTIONAL_MODULES = {"tls", "json_reader", "json_response", "outbox"}  # left out of the minimal build
CONFIGS = {
    # the options of cmake/minimal/emhttp_config.h (also the *_min unit tests')
    "minimal": {"defines": {},
                "modules": lambda m: m not in OPTIONAL_MODULES,
                "flags": [f'-DEMHTTP_CONFIG_FILE="{ROOT}/cmake/minimal/emhttp_config.h"']},
    # linked only, for comparison: the minimal modules with the HTTP options at
    # their defaults (chunked, Keep-Alive hint, 64-bit lengths, events,
    # counters, two addresses per name)
    "http-defaults": {"defines": {"TLS": 0, "JSON_FLOAT": 0, "JSON_FAST": 0, "IPV6": 0,
                                  "LOG_LEVEL": 0},
                      "modules": lambda m: m not in OPTIONAL_MODULES, "linked_only": True},
    "full": {"defines": {"TLS": 1, "JSON_FLOAT": 1, "IPV6": 1},
             "modules": lambda m: True,
             # Debian's mbedTLS headers, minus what needs an OS
             "flags": ['-DMBEDTLS_USER_CONFIG_FILE="mbedtls_user_config.h"']},
}
NO_HEAP = ["malloc", "calloc", "realloc", "free", "_malloc_r", "_calloc_r", "_realloc_r",
           "_free_r", "_sbrk", "_sbrk_r"]
NO_PRINTF = ["printf", "fprintf", "sprintf", "snprintf", "vprintf", "vfprintf", "vsprintf",
             "vsnprintf", "iprintf", "fiprintf", "siprintf", "sniprintf", "_printf_r",
             "_vfprintf_r", "_svfprintf_r", "_vfiprintf_r", "_svfiprintf_r", "puts", "putchar"]


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)


def must(cmd):
    r = run(cmd)
    if r.returncode != 0:
        sys.exit(f"footprint: command failed: {' '.join(map(str, cmd))}\n{r.stdout}{r.stderr}")
    return r.stdout


def private_includes(out):
    """jsmn.h and mbedtls/ of the host, alone in a directory of their own
    (the host's libc headers must not reach a cross compiler)."""
    inc = out / "include"
    inc.mkdir(parents=True, exist_ok=True)
    for name in ("jsmn.h", "mbedtls", "psa"):
        src, dst = Path("/usr/include") / name, inc / name
        if src.exists() and not dst.exists():
            dst.symlink_to(src)
    return ["-I", str(ROOT / "core" / "include"), "-I", str(HERE), "-idirafter", str(inc)]


def config_flags(config, grow):
    flags = [f"-DCONFIG_EMHTTP_{k}={v}" for k, v in CONFIGS[config]["defines"].items()]
    if not (SRC / "json_writer.c").exists():
        flags.append("-DFW_JSON=0")  # fw_main.c then sends a constant body
    return flags + CONFIGS[config].get("flags", []) + ([f"-DFW_GROW_BYTES={grow}"] if grow else [])


def section_sizes(tool, obj):
    """(text, rodata, data, bss) of an object or image, from size -A."""
    sums = [0, 0, 0, 0]
    for line in must([tool + "size", "-A", obj]).splitlines()[2:]:
        f = line.split()
        if len(f) < 2 or not f[1].isdigit():
            continue
        name, n = f[0], int(f[1])
        for i, prefixes in enumerate(((".text",), (".rodata", ".srodata"), (".data", ".sdata"),
                                      (".bss", ".sbss"))):
            if name.startswith(prefixes):
                sums[i] += n
    return sums


def public_structs():
    """(header, C type) of every struct the public headers define."""
    found = []
    for h in sorted((ROOT / "core" / "include" / "emhttp").glob("*.h")):
        text = h.read_text()
        for m in re.finditer(r"^typedef struct (\w+) \{", text, re.M):
            found.append((h.name, m.group(1)))
        for m in re.finditer(r"^struct (\w+) \{", text, re.M):
            typedef = re.search(rf"typedef struct {m.group(1)} {m.group(1)};", text)
            found.append((h.name, m.group(1) if typedef else "struct " + m.group(1)))
    return found


def struct_sizes(tool, cflags, out, tag):
    """sizeof of each public struct: a char[sizeof(T)] object per struct,
    sized by nm.  When the whole set does not compile (a header needs what
    this configuration lacks), each struct is tried alone; failures are
    left out of the table."""
    structs = public_structs()

    def compile_(items, name):
        c = out / f"sizeof-{tag}-{name}.c"
        c.write_text("".join(f'#include "emhttp/{h}"\n' for h in sorted({h for h, _ in items})) +
                     "".join(f"char sz_{t.split()[-1]}[sizeof({t})];\n" for _, t in items))
        o = c.with_suffix(".o")
        if run([tool + "gcc", *cflags, "-c", c, "-o", o]).returncode != 0:
            return {}
        sizes = {}
        for line in must([tool + "nm", "-S", o]).splitlines():
            f = line.split()
            if len(f) == 4 and f[3].startswith("sz_"):
                sizes[f[3][3:]] = int(f[1], 16)
        return sizes

    sizes = compile_(structs, "all")
    if not sizes:
        for item in structs:
            sizes.update(compile_([item], item[1].split()[-1]))
    return sizes


def map_origins(map_file, modules):
    """Bytes of allocated input sections in a linker map, by (origin, flash|ram)."""
    kinds, pending = {}, None
    text = Path(map_file).read_text()
    for line in text[text.index("Linker script and memory map"):].splitlines():
        m = re.match(r"^ (\.\S+|COMMON)$", line)  # a long name: address on the next line
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.\S+|COMMON)?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)$", line)
        sec, pending = (m.group(1) or pending) if m else None, None
        if not m or not sec or sec.startswith((".debug", ".comment", ".ARM.attributes",
                                               ".riscv.attributes")):
            continue
        path = m.group(3)
        stem = Path(path.split("(")[0]).stem
        if stem in modules:
            origin = "emhttp"
        elif stem in ("fw_main", "stub_port", "grow", "uses_malloc"):
            origin = "firmware"
        elif stem == "string" or ".a(" in path:
            origin = "libc"
        else:
            origin = "startup"
        size = int(m.group(2), 16)
        where = ["ram"] if sec.startswith((".bss", ".sbss", "COMMON")) else ["flash"]
        if sec.startswith((".data", ".sdata")):
            where.append("ram")  # initialised data: its image in flash, the copy in RAM
        for w in where:
            kinds[(origin, w)] = kinds.get((origin, w), 0) + size
    return kinds


def map_origins_by(map_file, classify):
    """Bytes of allocated input sections in a linker map, by (classify(path),
    flash|ram): a whole firmware image split into its components."""
    kinds, pending = {}, None
    text = Path(map_file).read_text()
    for line in text[text.index("Linker script and memory map"):].splitlines():
        m = re.match(r"^ (\.\S+|COMMON)$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.\S+|COMMON)?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)$", line)
        sec, pending = (m.group(1) or pending) if m else None, None
        if not m or not sec or sec.startswith((".debug", ".comment", ".ARM.attributes")):
            continue
        size = int(m.group(2), 16)
        where = ["ram"] if sec.startswith((".bss", "COMMON")) else ["flash"]
        if sec.startswith(".data"):
            where.append("ram")
        for w in where:
            key = (classify(m.group(3)), w)
            kinds[key] = kinds.get(key, 0) + size
    return kinds


def image_sizes(elf):
    """A whole firmware image's flash (every loaded section: code,
    constants, the initial values of .data) and RAM (every writable
    section: .data, .bss, the stack), from its section headers."""
    out = must(["arm-none-eabi-readelf", "-SW", str(elf)])
    fig = {"flash": 0, "ram": 0, "stack": 0}
    for m in re.finditer(r"^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+"
                         r"([0-9a-f]+)\s+\S+\s+(\S*)", out, re.M):
        name, kind, size, flags = m.group(1), m.group(2), int(m.group(3), 16), m.group(4)
        if "A" not in flags:
            continue
        if kind != "NOBITS":
            fig["flash"] += size
        if "W" in flags:
            fig["ram"] += size
        if name == ".stack":
            fig["stack"] += size
    return fig


def check_images(path, images):
    """Whole-image budget (the "images" table of the budget file): images
    maps a name there to an ELF.  Returns 1 when one is over."""
    budget = json.loads(Path(path).read_text()).get("images", {})
    over = []
    print(f"\n== image budget check against {path}")
    for name, elf in images.items():
        got = image_sizes(elf)
        if name not in budget:
            over.append(f"{name}: no budget row")
            continue
        for key, limit in budget[name].items():
            if key.startswith("_"):
                continue
            status = "ok" if got[key] <= limit else "OVER"
            print(f"   image    {name:20} {key:6} {got[key]:7} / {limit:7} {status}")
            if got[key] > limit:
                over.append(f"{name} {key} {got[key]} > {limit} (+{got[key] - limit})")
    for o in over:
        print(f"BUDGET EXCEEDED: image {o}")
    return 1 if over else 0


class Target:
    def __init__(self, name, out, grow):
        self.name = name
        self.tool, self.cpu, self.ldflags = TARGETS[name]
        self.out = out / name
        self.out.mkdir(parents=True, exist_ok=True)
        self.inc = private_includes(out)
        self.grow = grow

    def cc(self, src, obj, config):
        cmd = [self.tool + "gcc", *self.cpu, *CFLAGS, *self.inc, *config_flags(config, self.grow),
               "-c", src, "-o", obj]
        if src.name == "string.c":
            cmd.insert(1, "-fno-tree-loop-distribute-patterns")
        r = run(cmd)
        return None if r.returncode == 0 else r.stderr

    def modules(self, config):
        """{module: source} of a configuration."""
        mods = {p.stem: p for p in sorted(SRC.glob("*.c")) if CONFIGS[config]["modules"](p.stem)}
        if self.grow and config == "minimal":
            mods["grow"] = HERE / "grow.c"
        return mods

    def objects(self, config):
        """Compile a configuration: {module: (text, rodata, data, bss)}."""
        d = self.out / config
        d.mkdir(exist_ok=True)
        mods = self.modules(config)
        with ThreadPoolExecutor() as pool:
            errs = pool.map(lambda m: self.cc(mods[m], d / f"{m}.o", config), mods)
            for mod, err in zip(mods, errs):
                if err:
                    sys.exit(f"footprint: {self.name} {config}: {mod}.c does not compile:\n{err}")
        return {m: section_sizes(self.tool, d / f"{m}.o") for m in mods}

    def structs(self, config):
        flags = [*self.cpu, *CFLAGS, *self.inc, *config_flags(config, 0)]
        return struct_sizes(self.tool, flags, self.out, config)

    def link(self, objs, elf, wraps=(), extra=()):
        wrap = [f"-Wl,--wrap={s}" for s in wraps] if self.tool.startswith("arm") else []
        cmd = [self.tool + "gcc", *self.cpu, *self.ldflags, "-Wl,--gc-sections", *wrap, *extra,
               f"-Wl,-Map={elf.with_suffix('.map')}", *objs, "-lgcc", "-o", elf]
        return run(cmd)

    def firmware(self, canary=False, cfg="minimal"):
        """Link the firmware of a configuration and the empty main; return
        the growth."""
        d = self.out / cfg
        app = []
        for name in ("fw_main", "stub_port", "empty_main") + (("uses_malloc",) if canary else ()):
            err = self.cc(HERE / f"{name}.c", d / f"{name}.o", cfg)
            if err:
                sys.exit(f"footprint: {self.name}: {name}.c does not compile:\n{err}")
        libc = []
        if self.tool.startswith("riscv"):
            err = self.cc(FREESTANDING / "string.c", d / "string.o", cfg)
            if err:
                sys.exit(f"footprint: {self.name}: cmake/freestanding/string.c:\n{err}")
            libc = [d / "string.o"]
        mods = self.modules(cfg)
        core = [d / f"{m}.o" for m in mods]
        wraps = NO_HEAP + NO_PRINTF
        fw = [d / "fw_main.o", d / "stub_port.o", *core, *libc]
        if canary:
            return self.link(fw + [d / "uses_malloc.o"], d / "canary.elf", wraps,
                             ["-Wl,-u,fw_uses_malloc"])
        for elf, objs in (("empty.elf", [d / "empty_main.o", *libc]), ("fw.elf", fw)):
            r = self.link(objs, d / elf, wraps)
            if r.returncode != 0:
                sys.exit(f"footprint: {self.name}: linking {elf} failed (zero heap, no printf?):\n"
                         f"{r.stderr}")
            app.append(section_sizes(self.tool, d / elf))
        self.check_no_log(d / "fw.elf", cfg)
        (et, er, ed, eb), (ft, fr, fd, fb) = app
        grow = {"flash": (ft + fr + fd) - (et + er + ed), "ram": (fd + fb) - (ed + eb)}
        base = map_origins(d / "empty.map", mods)
        full = map_origins(d / "fw.map", mods)
        grow["by_origin"] = {k: full.get(k, 0) - base.get(k, 0) for k in sorted(set(full) | set(base))}
        grow["symbols"] = self.growth_symbols(d, list(mods) + ["fw_main", "stub_port"])
        return grow

    def check_no_log(self, elf, cfg):
        """At CONFIG_EMHTTP_LOG_LEVEL 0 nothing of logging is linked: no
        emhttp_log_* function, and not fw_main.c's log function either."""
        level = re.search(r"^#define CONFIG_EMHTTP_LOG_LEVEL (\d+)", MINIMAL_H.read_text(), re.M)
        if cfg != "minimal" or not level or level.group(1) != "0":
            return
        syms = [l.split()[-1] for l in must([self.tool + "nm", elf]).splitlines()]
        linked = [s for s in syms if "emhttp_log" in s or s in ("fw_log", "log_fn", "log_arg")]
        if linked:
            sys.exit(f"footprint: {self.name}: log code linked at CONFIG_EMHTTP_LOG_LEVEL 0: "
                     f"{' '.join(linked)}")
        print(f"   {self.name} {cfg}: CONFIG_EMHTTP_LOG_LEVEL 0, no log code linked "
              f"(emhttp_log_set() called with fw_log)")

    def growth_symbols(self, d, objs):
        """[(size, origin, symbol)] of what fw.elf has over empty.elf."""
        def sized(elf):
            rows = (l.split() for l in must([self.tool + "nm", "-S", elf]).splitlines())
            return {f[3]: int(f[1], 16) for f in rows if len(f) == 4}
        owner = {}
        for o in objs:
            for line in must([self.tool + "nm", "--defined-only", d / f"{o}.o"]).splitlines():
                owner.setdefault(line.split()[-1], o)
        empty = sized(d / "empty.elf")
        return sorted(((n, owner.get(name, "libc/libgcc"), name)
                       for name, n in sized(d / "fw.elf").items()
                       if name in owner or empty.get(name) != n), reverse=True)


def host_run(out, grow):
    """fw_main.c with the host compiler: the request must complete (exit 0)."""
    cc = os.environ.get("CC") or "cc"
    mods = [p for p in sorted(SRC.glob("*.c")) if CONFIGS["minimal"]["modules"](p.stem)]
    exe = out / "fw_host"
    extra = [HERE / "grow.c"] if grow else []
    must([cc, *CFLAGS, "-I", ROOT / "core" / "include", "-I", HERE, *config_flags("minimal", grow),
          HERE / "fw_main.c", HERE / "stub_port.c", *mods, *extra, "-o", exe])
    return subprocess.run([str(exe)], timeout=30).returncode


def table(rows, header):
    """Columns of text left-aligned, of numbers right-aligned."""
    cols = list(zip(header, *rows))
    widths = [max(len(str(c)) for c in col) for col in cols]
    right = [all(isinstance(c, int) or "/" in str(c) or c == "-" for c in col[1:]) for col in cols]
    fmt = "  ".join(("{:>%d}" if r else "{:<%d}") % w for w, r in zip(widths, right))
    return "\n".join(fmt.format(*map(str, r)).rstrip() for r in [header] + rows)


def report(targets, configs_sizes, struct_sizes_by, linked):
    names = [t.name for t in targets]
    totals = {}
    for config, per_target in configs_sizes.items():
        if CONFIGS[config].get("linked_only"):
            continue
        defs = " ".join(f"CONFIG_EMHTTP_{k}={v}" for k, v in CONFIGS[config]["defines"].items())
        print(f"\n== {config} configuration ({defs or 'cmake/minimal/emhttp_config.h'}), "
              "per object, -Os")
        print("   flash = text + rodata + data, RAM = data + bss, in bytes\n")
        mods = sorted({m for s in per_target.values() for m in s})
        rows = []
        for m in mods:
            row = [m]
            for n in names:
                t, r, d, b = per_target[n].get(m, (0, 0, 0, 0))
                row += [t + r + d, d + b]
            rows.append(row)
        tot = ["TOTAL"]
        for n in names:
            f = sum(t + r + d for t, r, d, b in per_target[n].values())
            ram = sum(d + b for t, r, d, b in per_target[n].values())
            tot += [f, ram]
            totals.setdefault(config, {})[n] = {"flash": f, "ram": ram}
        header = ["module"] + [f"{n} {k}" for n in names for k in ("flash", "RAM")]
        print(table(rows + [tot], header))
    print("\n== sizeof public structs (bytes; minimal/full where the configurations differ)\n")
    mini = struct_sizes_by["minimal"]
    full = struct_sizes_by.get("full", mini)
    structs = sorted({s for sz in list(mini.values()) + list(full.values()) for s in sz})
    rows = []
    for s in structs:
        row = [s]
        for n in names:
            a, b = mini[n].get(s, "-"), full[n].get(s, "-")
            row.append(a if a == b else f"{a}/{b}")
        rows.append(row)
    print(table(rows, ["struct"] + names))
    if linked:
        print("\n== linked: firmware (fw_main.c, one request, stub port) minus an empty main")
        print("   --gc-sections; newlib-nano (Arm) or cmake/freestanding/string.c (RISC-V);")
        print("   malloc/calloc/realloc/free/_sbrk and the printf family unavailable to the link;")
        print("   minimal = cmake/minimal/emhttp_config.h (the budget), http-defaults = the same")
        print("   modules with chunked, Keep-Alive hint, 64-bit lengths, re-send, events, counters, 2 addresses\n")
        rows = []
        for cfg, per_target in linked.items():
            for n, g in per_target.items():
                o = g["by_origin"]
                rows.append([n, cfg, g["flash"], o.get(("emhttp", "flash"), 0),
                             o.get(("libc", "flash"), 0), o.get(("firmware", "flash"), 0), g["ram"],
                             o.get(("emhttp", "ram"), 0), o.get(("libc", "ram"), 0),
                             o.get(("firmware", "ram"), 0)])
        print(table(rows, ["target", "config", "flash", "emhttp", "libc", "fw+stub", "RAM",
                           "emhttp", "libc", "fw+stub"]))
        print("   (fw+stub RAM: the caller-owned client struct and buffers of fw_main.c)")
    return totals


def budget_figures(totals, linked):
    fig = {"objects": totals.get("minimal", {}), "linked": {}}
    for n, g in linked["minimal"].items():
        fig["linked"][n] = {"flash": g["flash"], "ram": g["ram"]}
    return fig


def check_budget(path, fig):
    budget = json.loads(Path(path).read_text())
    over = []
    print(f"\n== budget check against {path} (minimal configuration)")
    for kind in ("objects", "linked"):
        for target, limits in budget.get(kind, {}).items():
            for key, limit in limits.items():
                got = fig[kind].get(target, {}).get(key)
                if got is None:
                    continue
                status = "ok" if got <= limit else "OVER"
                print(f"   {kind:8} {target:14} {key:6} {got:7} / {limit:7} {status}")
                if got > limit:
                    over.append(f"{kind} {target} {key} {got} > {limit} (+{got - limit})")
    for target, limit in budget.get("target", {}).items():  # issue 12's 5,600 B
        got = fig["linked"].get(target, {}).get("flash")
        if got is None:
            continue
        status = "ok" if got <= limit else "OVER"
        print(f"   target   {target:14} linked {got:7} / {limit:7} {status}")
        if got > limit:
            over.append(f"linked {target} flash {got} > target {limit} (+{got - limit})")
    for o in over:
        print(f"BUDGET EXCEEDED: minimal {o}")
    if over:
        print("   (if the growth is intended: footprint.py --update tests/footprint/budget.json)")
    return 1 if over else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", metavar="BUDGET")
    ap.add_argument("--update", metavar="BUDGET")
    ap.add_argument("--grow", type=int, default=0)
    ap.add_argument("--heap-canary", action="store_true")
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--out")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    names = args.targets.split(",")
    missing = sorted({TARGETS[n][0] + "gcc" for n in names if not shutil.which(TARGETS[n][0] + "gcc")})
    if missing:
        print(f"footprint: SKIP: {', '.join(missing)} not installed (.ci/deps.sh installs them)")
        return 77
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="emhttp-footprint-"))
    out.mkdir(parents=True, exist_ok=True)
    targets = [Target(n, out, args.grow) for n in names]

    if args.heap_canary:
        t = next(t for t in targets if t.name == "cortex-m4")
        t.objects("minimal")
        r = t.firmware(canary=True)
        if r.returncode != 0 and "__wrap_malloc" in r.stderr:
            print("zero-heap self-test: the link with a malloc-using object failed, as it must:")
            print(next(l for l in r.stderr.splitlines() if "uses_malloc" in l and "__wrap_" in l))
            return 0
        print(f"zero-heap self-test FAILED: the link did not fail on malloc\n{r.stderr}")
        return 1

    with ThreadPoolExecutor() as pool:
        configs = ["minimal"] if args.grow else list(CONFIGS)  # the self-test needs no more
        objs = {c: dict(zip(names, pool.map(lambda t, c=c: t.objects(c), targets))) for c in configs}
        structs = {c: dict(zip(names, pool.map(lambda t, c=c: t.structs(c), targets))) for c in configs
                   if not CONFIGS[c].get("linked_only")}
        fw_configs = ["minimal"] if args.grow else ["minimal", "http-defaults"]
        linked = {c: dict(zip(names, pool.map(lambda t, c=c: t.firmware(cfg=c), targets)))
                  for c in fw_configs}
    totals = report(targets, objs, structs, linked)
    rc = host_run(out, args.grow)
    print(f"\nfirmware main on the host: {'request completed (200)' if rc == 0 else f'FAILED ({rc})'}")
    if args.verbose and "cortex-m4" in linked["minimal"]:
        print("\n== cortex-m4 minimal firmware image: the 40 largest symbols it has over the empty main\n")
        print(table([list(r) for r in linked["minimal"]["cortex-m4"]["symbols"][:40]],
                    ["bytes", "from", "symbol"]))
    fig = budget_figures(totals, linked)
    if args.update:
        old = json.loads(Path(args.update).read_text()) if Path(args.update).exists() else {}
        doc = {"about": old.get("about", "minimal configuration totals in bytes; "
                                "tests/footprint/footprint.py --check fails when a figure "
                                "grows past its value here, or the linked flash past the target"),
               **fig, "target": old.get("target", {"cortex-m4": 5600})}
        if "images" in old:  # the firmware images' rows (tests/qemu) are kept as they are
            doc["images"] = old["images"]
        Path(args.update).write_text(json.dumps(doc, indent=2) + "\n")
        print(f"\nbudget written to {args.update}")
    status = check_budget(args.check, fig) if args.check else 0
    if not args.out:
        shutil.rmtree(out)
    return status or (1 if rc else 0)


if __name__ == "__main__":
    sys.exit(main())
