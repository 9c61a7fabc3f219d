#!/bin/bash
# Every test: builds with gcc and clang (-Wall -Wextra -Werror), runs the
# whole ctest suite on each, then again under ASan+UBSan with the libFuzzer
# harnesses (60 s each) as part of the suite.  Run as root on Debian
# bookworm (the lwIP and namespace tests need root; dependencies are
# installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  bash .ci/deps.sh
fi

JOBS=$(nproc)
FUZZ_SECONDS=${EMHTTP_FUZZ_SECONDS:-60}

build() {
  local name=$1
  shift
  echo "=== build: $name"
  cmake -S . -B "build/$name" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"build-$name.log" 2>&1 ||
    { cat "build-$name.log"; exit 1; }
  cmake --build "build/$name" -j"$JOBS" 2>&1 | tail -n 20
  rm -f "build-$name.log"
}

run_suite() {
  echo "=== tests: $1"
  ctest --test-dir "build/$1" --output-on-failure -j"$JOBS" --timeout 900
}

mkdir -p build
build gcc -DCMAKE_C_COMPILER=gcc
run_suite gcc
build clang -DCMAKE_C_COMPILER=clang
run_suite clang
build asan -DCMAKE_C_COMPILER=clang -DEMHTTP_SANITIZE=address,undefined \
  -DEMHTTP_FUZZ=ON -DEMHTTP_FUZZ_SECONDS="$FUZZ_SECONDS"
run_suite asan
