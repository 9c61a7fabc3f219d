#!/bin/bash
# Line and branch coverage of core/ and port/ after the suite of a
# --coverage build (tests/run-all.sh: build/coverage):
#   bash tests/coverage.sh BUILD_DIR
# Counts the objects of the libraries the tests link (emhttp_core, the
# POSIX and lwIP ports, the lwIP host driver), not the extra -Os and
# minimal-configuration copies of core/ the unit tests also build.  Writes
# BUILD_DIR/coverage.info (lcov; genhtml makes pages of it) and prints one
# row per file.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: coverage.sh BUILD_DIR}
rc=(--rc lcov_branch_coverage=1)
dirs=()
for lib in emhttp_core emhttp_port_posix emhttp_port_lwip_nosys emhttp_port_lwip_sys \
           emhttp_lwip_host_nosys emhttp_lwip_host_sys; do
  d="$build/CMakeFiles/$lib.dir"
  [ -d "$d" ] && dirs+=(--directory "$d")
done
# (lcov 1.16 on bookworm's perl warns "Subroutine ... redefined" on every
# run: its messages are shown only when it fails)
lcov_quiet() {
  lcov --quiet "${rc[@]}" "$@" 2>"$build/lcov.err" || { cat "$build/lcov.err"; exit 1; }
}
lcov_quiet --capture "${dirs[@]}" --output-file "$build/coverage-all.info"
lcov_quiet --extract "$build/coverage-all.info" "$PWD/core/*" "$PWD/port/*" \
  --output-file "$build/coverage.info"
echo "=== coverage of core/ and port/ (gcc --coverage -O0, the whole suite of $build)"
/usr/bin/python3 tests/ci_summary.py coverage "$build/coverage.info" --root "$PWD"
