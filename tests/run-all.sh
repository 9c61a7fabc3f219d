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

# Suites (ctest labels) each build must run: a label with no test, or with
# no test that passed, fails the run, and so does under CI=true (.ci/run)
# any skipped test - nothing vanishes silently.  Add a suite (qemu, ...)
# to the lists of the builds that run it.
EXPECT_GCC=unit,ci,fixtures,integration,soak,valgrind,lwip,tls,footprint,vendoring,kconfig,qemu
EXPECT_COVERAGE=unit,ci,fixtures,integration,soak,lwip,tls
EXPECT_TLS_ARENA=tls
EXPECT_CLANG=unit,ci,fixtures,integration,soak,lwip,tls,tsan,footprint,vendoring,kconfig
EXPECT_ASAN=unit,ci,fixtures,integration,lwip,tls,fuzz,footprint,vendoring,kconfig

export EMHTTP_CI_STATE="$PWD/build/ci-summary.jsonl"
SUMMARY=(/usr/bin/python3 tests/ci_summary.py)

build() {
  local name=$1
  shift
  echo "=== build: $name"
  cmake -S . -B "build/$name" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"build/$name.log" 2>&1 ||
    { cat "build/$name.log"; exit 1; }
  cmake --build "build/$name" -j"$JOBS" 2>&1 | tail -n 20
  rm -f "build/$name.log"
}

# run_suite NAME EXPECTED-LABELS [ctest selection...]: the tests of
# build/NAME; a failure is recorded (tests/ci_summary.py) and fails the run
# at the summary, after every suite ran.
run_suite() {
  local name=$1 expect=$2 rc=0
  shift 2
  echo "=== tests: $name"
  ctest --test-dir "build/$name" --show-only=json-v1 "$@" >"build/$name/ci-tests.json"
  rm -f "build/$name/ci-junit.xml"
  ctest --test-dir "build/$name" --output-on-failure -j"$JOBS" --timeout 900 \
    --output-junit ci-junit.xml "$@" || rc=$?
  "${SUMMARY[@]}" suite "$name" "build/$name" --expect "$expect" --rc "$rc"
}

# run_step NAME COMMAND...: a step that is not a ctest run, recorded the same way.
run_step() {
  local name=$1 rc=0
  shift
  echo "=== $name"
  "$@" || rc=$?
  "${SUMMARY[@]}" step "$name" "$rc"
}

mkdir -p build
rm -f "$EMHTTP_CI_STATE"
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
run_step footprint /usr/bin/python3 tests/footprint/footprint.py -v --check tests/footprint/budget.json
# mbedTLS from Debian's source package (pinned, sha256-checked), configured
# for small memory and built into build/mbedtls-arena (used below); its
# source tree is also what the qemu suite cross-builds for the Cortex-M4 image.
MBEDTLS_ARENA=$(bash cmake/fetch-mbedtls.sh "$PWD/build/mbedtls-arena")
MBEDTLS_SOURCE=$(bash cmake/fetch-mbedtls.sh --source "$PWD/build/mbedtls-arena")
# gcc; the integration tests also under valgrind's memcheck; the qemu suite
# (examples/mps2-an386 on qemu-system-arm).
build gcc -DCMAKE_C_COMPILER=gcc -DLWIP_DIR="$LWIP_DIR" -DEMHTTP_VALGRIND=ON \
  -DEMHTTP_QEMU_MBEDTLS_SOURCE="$MBEDTLS_SOURCE"
run_suite gcc "$EXPECT_GCC"
# TLS on a static arena: mbedTLS from Debian's source package (pinned,
# sha256-checked) built with its buffer allocator and small record buffers
# into build/mbedtls-arena; the TLS tests again on that build, then the TLS
# benchmark (handshake instructions, peak heap and arena, client RAM; its
# figures never fail the run, a setup failure does).
build tls-arena -DCMAKE_C_COMPILER=gcc -DEMHTTP_MBEDTLS_DIR="$MBEDTLS_ARENA"
run_suite tls-arena "$EXPECT_TLS_ARENA" -L tls
run_step bench-tls /usr/bin/python3 tests/bench/bench_tls.py --driver build/gcc/tests/tls/tls_driver \
  --heap-driver build/gcc/tests/tls/tls_heap_driver \
  --arena-driver build/tls-arena/tests/tls/tls_driver
# Coverage: gcc --coverage -O0, the suite again (without the footprint,
# vendoring and Kconfig tests, which build their own copies), then line and
# branch coverage of core/ and port/ as linked into the tests (the -Os and
# minimal-configuration copies of the unit tests are not counted).
build coverage -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=--coverage \
  -DLWIP_DIR="$LWIP_DIR"
lcov --quiet --zerocounters --directory build/coverage
run_suite coverage "$EXPECT_COVERAGE" -LE 'footprint|vendoring|kconfig'
run_step coverage-report bash tests/coverage.sh build/coverage
build clang -DCMAKE_C_COMPILER=clang -DLWIP_DIR="$LWIP_DIR"
run_suite clang "$EXPECT_CLANG"
build asan -DCMAKE_C_COMPILER=clang -DEMHTTP_SANITIZE=address,undefined -DLWIP_DIR="$LWIP_DIR" \
  -DEMHTTP_FUZZ=ON -DEMHTTP_FUZZ_SECONDS="$FUZZ_SECONDS"
run_suite asan "$EXPECT_ASAN"
# One table of every suite; under CI=true a skip or a missing suite fails.
"${SUMMARY[@]}" report
