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
  cmake -S . -B "build/$name" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"build/$name.log" 2>&1 ||
    { cat "build/$name.log"; exit 1; }
  cmake --build "build/$name" -j"$JOBS" 2>&1 | tail -n 20
  rm -f "build/$name.log"
}

run_suite() {
  echo "=== tests: $1"
  ctest --test-dir "build/$1" --output-on-failure -j"$JOBS" --timeout 900
}

mkdir -p build
# lwIP from Debian's source package (pinned, sha256-checked) into build/lwip.
LWIP_DIR=$(bash cmake/fetch-lwip.sh "$PWD/build/lwip")
# Cross-builds of the libraries (-Os -Werror) for each firmware target, then
# the footprint report (both configurations, every target, budget check).
for cpu in cortex-m0plus cortex-m4 cortex-m33; do
  build "$cpu" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm-none-eabi.cmake -DEMHTTP_CPU="$cpu" \
    -DCMAKE_BUILD_TYPE=MinSizeRel -DLWIP_DIR="$LWIP_DIR"
done
build rv32imac -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-riscv64-unknown-elf.cmake \
  -DCMAKE_BUILD_TYPE=MinSizeRel
/usr/bin/python3 tests/footprint/footprint.py -v --check tests/footprint/budget.json
build gcc -DCMAKE_C_COMPILER=gcc -DLWIP_DIR="$LWIP_DIR"
run_suite gcc
# TLS on a static arena: mbedTLS from Debian's source package (pinned,
# sha256-checked) built with its buffer allocator and small record buffers
# into build/mbedtls-arena; the TLS tests again on that build, then the TLS
# benchmark (handshake instructions, peak heap and arena, client RAM; it
# prints, it never fails the run).
MBEDTLS_ARENA=$(bash cmake/fetch-mbedtls.sh "$PWD/build/mbedtls-arena")
build tls-arena -DCMAKE_C_COMPILER=gcc -DEMHTTP_MBEDTLS_DIR="$MBEDTLS_ARENA"
echo "=== tests: tls-arena (TLS tests)"
ctest --test-dir build/tls-arena --output-on-failure -j"$JOBS" --timeout 900 -L tls
/usr/bin/python3 tests/bench/bench_tls.py --driver build/gcc/tests/tls/tls_driver \
  --heap-driver build/gcc/tests/tls/tls_heap_driver \
  --arena-driver build/tls-arena/tests/tls/tls_driver || echo "bench_tls: setup failed ($?)"
build clang -DCMAKE_C_COMPILER=clang -DLWIP_DIR="$LWIP_DIR"
run_suite clang
build asan -DCMAKE_C_COMPILER=clang -DEMHTTP_SANITIZE=address,undefined -DLWIP_DIR="$LWIP_DIR" \
  -DEMHTTP_FUZZ=ON -DEMHTTP_FUZZ_SECONDS="$FUZZ_SECONDS"
run_suite asan
