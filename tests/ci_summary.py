#!/usr/bin/python3
"""The summary of tests/run-all.sh: one table of every suite, and under
CI=true a failure for every test that skipped and every expected suite that
registered no test.  /usr/bin/python3, stdlib only.

    ci_summary.py suite NAME BUILD_DIR [--expect L,L,...] [--rc N]
        after `ctest --test-dir BUILD_DIR --output-junit ci-junit.xml` and
        `ctest --test-dir BUILD_DIR --show-only=json-v1 > BUILD_DIR/ci-tests.json`
        (both with the same test selection): records the suite NAME.  Each
        label in --expect (lwip, tls, fuzz, ...) must have at least one test
        in the selection, and one that passed.  --rc is ctest's exit code.
    ci_summary.py step NAME RC
        records a step that is not a ctest run (the footprint check, the TLS
        benchmark) and its exit code.
    ci_summary.py report
        prints the table and one line per problem; exit 1 when there is one.
    ci_summary.py coverage INFO [--root DIR]
        prints line and branch coverage per file of an lcov tracefile.
    ci_summary.py selftest
        the checks above against fabricated ctest output.

The records go to $EMHTTP_CI_STATE (default build/ci-summary.jsonl).

A test counts as skipped when ctest did not run it for its
SKIP_RETURN_CODE (77) or it is disabled; as failed when it failed, timed
out or could not start.  Without CI=true, skips are listed but do not fail.
"""

import json
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET

STATE = os.environ.get("EMHTTP_CI_STATE", "build/ci-summary.jsonl")


def ci():
    return os.environ.get("CI") == "true"


# ---------------------------------------------------------------------------
# one suite: ctest's JUnit file and its list of tests with their labels


def read_tests(json_path):
    """{test name: [labels]} from `ctest --show-only=json-v1`."""
    with open(json_path) as f:
        data = json.load(f)
    tests = {}
    for t in data.get("tests", []):
        labels = []
        for p in t.get("properties", []):
            if p.get("name") == "LABELS":
                labels = list(p.get("value") or [])
        tests[t["name"]] = labels
    return tests


def read_junit(junit_path):
    """{test name: (status, why)}: status passed, failed or skipped."""
    results = {}
    for case in ET.parse(junit_path).getroot().iter("testcase"):
        name, status = case.get("name"), case.get("status")
        out = case.findtext("system-out") or ""
        skipped = case.find("skipped")
        why = ""
        if status == "run":
            results[name] = ("passed", "")
            continue
        if status == "disabled":
            results[name] = ("skipped", "disabled")
            continue
        if status == "notrun" and skipped is not None and \
                "SKIP_RETURN_CODE" in (skipped.get("message") or ""):
            m = re.search(r"^.*SKIP.*$", out, re.M)
            why = m.group(0).strip() if m else skipped.get("message")
            results[name] = ("skipped", why)
            continue
        if status == "notrun":
            why = "not run: " + ((skipped.get("message") if skipped is not None else "") or
                                 out.strip()[:200])
        else:
            failure = case.find("failure")
            why = (failure.get("message") if failure is not None else "") or "failed"
        results[name] = ("failed", why)
    return results


def check_suite(name, tests, results, expect, rc, in_ci):
    """(row dict, problems list) of one suite."""
    problems = []
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    per_label = {}
    for test, labels in sorted(tests.items()):
        status, why = results.get(test, ("failed", "no result (ctest stopped?)"))
        counts[status] += 1
        for label in labels or ["(none)"]:
            n = per_label.setdefault(label, [0, 0])
            n[1] += 1
            if status == "passed":
                n[0] += 1
        if status == "failed":
            problems.append("FAIL: %s: test %s failed (%s)" % (name, test, why))
        elif status == "skipped":
            line = "%s: test %s skipped (%s)" % (name, test, why)
            problems.append(("FAIL: CI=true, " if in_ci else "note: ") + line)
    for test in sorted(set(results) - set(tests)):
        status, why = results[test]
        counts[status] += 1
        if status != "passed":
            problems.append("FAIL: %s: test %s %s (%s)" % (name, test, status, why))
    for label in expect:
        n = per_label.get(label)
        if n is None:
            problems.append("FAIL: %s: expected suite '%s' registered no test "
                            "(no test has the label %s)" % (name, label, label))
        elif n[0] == 0:
            problems.append("FAIL: %s: expected suite '%s': none of its %d test(s) passed"
                            % (name, label, n[1]))
    if rc and not any(p.startswith("FAIL") for p in problems):
        problems.append("FAIL: %s: ctest exited %d" % (name, rc))
    if not tests and not results:
        problems.append("FAIL: %s: no test at all" % name)
    row = {"suite": name, "tests": len(set(tests) | set(results)),
           "run": counts["passed"] + counts["failed"], "passed": counts["passed"],
           "failed": counts["failed"], "skipped": counts["skipped"],
           "labels": {k: v for k, v in sorted(per_label.items())}, "problems": problems}
    return row


def table(rows):
    head = ("suite", "tests", "run", "passed", "failed", "skipped")
    lines = ["%-16s %6s %6s %7s %7s %8s  %s" % (head + ("labels: passed/tests",))]
    for r in rows:
        labels = ", ".join("%s %d/%d" % (k, v[0], v[1]) for k, v in r["labels"].items())
        lines.append("%-16s %6d %6d %7d %7d %8d  %s" % (
            r["suite"], r["tests"], r["run"], r["passed"], r["failed"], r["skipped"], labels))
    t = [sum(r[k] for r in rows) for k in ("tests", "run", "passed", "failed", "skipped")]
    lines.append("%-16s %6d %6d %7d %7d %8d" % tuple(["total"] + t))
    return "\n".join(lines)


def report(rows, in_ci):
    """(text, failed?) of the whole run."""
    problems = [p for r in rows for p in r["problems"]]
    failed = [p for p in problems if p.startswith("FAIL")]
    text = ["=== summary (CI=%s)" % ("true" if in_ci else "false"), table(rows)]
    text += problems
    text.append("summary: %s" % ("FAILED, %d problem(s)" % len(failed) if failed else "OK"))
    return "\n".join(text), bool(failed)


def record(row):
    os.makedirs(os.path.dirname(STATE) or ".", exist_ok=True)
    with open(STATE, "a") as f:
        f.write(json.dumps(row) + "\n")


def load_rows():
    if not os.path.exists(STATE):
        return []
    with open(STATE) as f:
        return [json.loads(x) for x in f if x.strip()]


def step_row(name, rc):
    ok = rc == 0
    return {"suite": name, "tests": 1, "run": 1, "passed": int(ok), "failed": int(not ok),
            "skipped": 0, "labels": {"step": [int(ok), 1]},
            "problems": [] if ok else ["FAIL: %s: exit %d" % (name, rc)]}


# ---------------------------------------------------------------------------
# coverage: an lcov tracefile as a table


def read_lcov(path):
    """{source file: [lines found, hit, branches found, hit, functions found, hit]}."""
    files, cur = {}, None
    keys = {"LF": 0, "LH": 1, "BRF": 2, "BRH": 3, "FNF": 4, "FNH": 5}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("SF:"):
                cur = files.setdefault(line[3:], [0] * 6)
            elif cur is not None and ":" in line and line.split(":", 1)[0] in keys:
                k, v = line.split(":", 1)
                cur[keys[k]] += int(v)
            elif line == "end_of_record":
                cur = None
    return files


def pct(hit, found):
    return "%6.1f %%" % (100.0 * hit / found) if found else "     - "


def coverage_table(files, root=""):
    lines = ["%-34s %8s %13s %8s %13s %8s" % ("file", "lines", "hit/found", "branches",
                                              "hit/found", "funcs")]
    total = [0] * 6
    for path in sorted(files):
        v = files[path]
        total = [a + b for a, b in zip(total, v)]
        name = os.path.relpath(path, root) if root else path
        lines.append("%-34s %8s %13s %8s %13s %8s" % (
            name, pct(v[1], v[0]), "%d/%d" % (v[1], v[0]), pct(v[3], v[2]),
            "%d/%d" % (v[3], v[2]), pct(v[5], v[4])))
    lines.append("%-34s %8s %13s %8s %13s %8s" % (
        "total", pct(total[1], total[0]), "%d/%d" % (total[1], total[0]),
        pct(total[3], total[2]), "%d/%d" % (total[3], total[2]), pct(total[5], total[4])))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# self-test: fabricated ctest output through the same code


JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="{n}" failures="0" disabled="0" skipped="0">
{cases}
</testsuite>
"""
CASE = {
    "run": '<testcase name="{t}" classname="{t}" time="0.1" status="run">'
           '<system-out>ok</system-out></testcase>',
    "skip": '<testcase name="{t}" classname="{t}" time="0.1" status="notrun">'
            '<skipped message="SKIP_RETURN_CODE=77"/>'
            '<system-out>SKIPPED: no /dev/net/tun\n</system-out></testcase>',
    "fail": '<testcase name="{t}" classname="{t}" time="0.1" status="fail">'
            '<failure message=""/><system-out>boom</system-out></testcase>',
    "missing": '<testcase name="{t}" classname="{t}" time="0" status="notrun">'
               '<skipped message="Unable to find executable"/>'
               '<system-out>Unable to find executable: /x</system-out></testcase>',
}


def fabricate(d, cases, labels):
    """Files of a fabricated ctest run: cases {test: kind}, labels {test: [..]}."""
    junit, tests = os.path.join(d, "junit.xml"), os.path.join(d, "tests.json")
    with open(junit, "w") as f:
        f.write(JUNIT.format(n=len(cases), cases="\n".join(
            CASE[k].format(t=t) for t, k in cases.items())))
    with open(tests, "w") as f:
        json.dump({"kind": "ctestInfo", "version": {"major": 1, "minor": 0}, "tests": [
            {"name": t, "properties": [{"name": "LABELS", "value": labels[t]}]
             if labels.get(t) else []} for t in labels]}, f)
    return read_tests(tests), read_junit(junit)


def selftest():
    fails = []

    def expect(what, cond):
        print("%-66s %s" % (what, "ok" if cond else "FAILED"))
        if not cond:
            fails.append(what)

    labels = {"test_url": [], "lwip_requests": ["lwip"], "test_tls_cli": ["tls"],
              "fuzz_http_parser": ["fuzz"]}
    exp = ["lwip", "tls", "fuzz"]
    with tempfile.TemporaryDirectory() as d:
        tests, results = fabricate(d, {t: "run" for t in labels}, labels)
        row = check_suite("gcc", tests, results, exp, 0, True)
        expect("a clean run: no problem", row["problems"] == [])
        expect("a clean run: 4 run, 4 passed", (row["run"], row["passed"]) == (4, 4))
        text, failed = report([row], True)
        expect("a clean run: the report passes", not failed and "summary: OK" in text)

        cases = dict((t, "run") for t in labels)
        cases["lwip_requests"] = "skip"
        tests, results = fabricate(d, cases, labels)
        row = check_suite("gcc", tests, results, exp, 0, True)
        text, failed = report([row], True)
        expect("CI=true, one skip: the report fails", failed)
        expect("... naming the test and why",
               "FAIL: CI=true, gcc: test lwip_requests skipped (SKIPPED: no /dev/net/tun)" in text)
        expect("... and the suite left with no passed test",
               "expected suite 'lwip': none of its 1 test(s) passed" in text)
        expect("... the table counts it skipped", (row["skipped"], row["run"]) == (1, 3))
        row = check_suite("gcc", tests, results, [], 0, False)
        text, failed = report([row], False)
        expect("CI unset, one skip: listed, not failed", not failed and "note: gcc" in text)

        del labels["lwip_requests"]
        tests, results = fabricate(d, {t: "run" for t in labels}, labels)
        row = check_suite("gcc", tests, results, exp, 0, True)
        text, failed = report([row], True)
        expect("the lwip suite removed: the report fails", failed)
        expect("... with a line naming it",
               "FAIL: gcc: expected suite 'lwip' registered no test (no test has the label lwip)"
               in text)

        labels["test_url"] = []
        cases = {t: "run" for t in labels}
        cases["test_url"] = "fail"
        cases["fuzz_http_parser"] = "missing"
        tests, results = fabricate(d, cases, labels)
        row = check_suite("asan", tests, results, ["tls"], 8, False)
        text, failed = report([row], False)
        expect("a failed test and one that could not start: both fail", failed and
               "test test_url failed" in text and
               "test fuzz_http_parser failed (not run: Unable to find executable)" in text)
        row = check_suite("asan", {}, {}, [], 0, False)
        expect("no test at all fails", report([row], False)[1])
        row = check_suite("asan", {"a": []}, {"a": ("passed", "")}, [], 2, False)
        expect("ctest's exit code alone fails", "FAIL: asan: ctest exited 2" in row["problems"])
        text, failed = report([step_row("bench-tls", 1), step_row("footprint", 0)], True)
        expect("a failed step fails", failed and "FAIL: bench-tls: exit 1" in text)

        info = os.path.join(d, "t.info")
        with open(info, "w") as f:
            f.write("TN:\nSF:/r/core/src/a.c\nFNF:2\nFNH:1\nLF:10\nLH:5\nBRF:4\nBRH:1\n"
                    "end_of_record\nSF:/r/port/b.c\nLF:10\nLH:10\nBRF:0\nBRH:0\nend_of_record\n")
        t = coverage_table(read_lcov(info), "/r")
        expect("coverage: per file and total",
               re.search(r"core/src/a.c +50.0 % +5/10 +25.0 % +1/4 +50.0 %", t) is not None and
               re.search(r"total +75.0 % +15/20 +25.0 % +1/4", t) is not None)
    print("%d check(s) failed" % len(fails) if fails else "all checks passed")
    return 1 if fails else 0


# ---------------------------------------------------------------------------


def main(argv):
    if len(argv) >= 1 and argv[0] == "selftest":
        return selftest()
    if len(argv) >= 3 and argv[0] == "suite":
        name, build = argv[1], argv[2]
        expect, rc, rest = [], 0, argv[3:]
        while rest:
            if rest[0] == "--expect" and len(rest) > 1:
                expect = [x for x in rest[1].split(",") if x]
            elif rest[0] == "--rc" and len(rest) > 1:
                rc = int(rest[1])
            else:
                sys.exit(__doc__)
            rest = rest[2:]
        junit = os.path.join(build, "ci-junit.xml")
        tests = read_tests(os.path.join(build, "ci-tests.json"))
        results = read_junit(junit) if os.path.exists(junit) else {}
        row = check_suite(name, tests, results, expect, rc, ci())
        record(row)
        for p in row["problems"]:
            print(p)
        return 0
    if len(argv) == 3 and argv[0] == "step":
        record(step_row(argv[1], int(argv[2])))
        return 0
    if argv == ["report"]:
        text, failed = report(load_rows(), ci())
        print(text)
        return 1 if failed else 0
    if len(argv) in (2, 4) and argv[0] == "coverage":
        root = argv[3] if len(argv) == 4 and argv[2] == "--root" else ""
        print(coverage_table(read_lcov(argv[1]), root))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
