#!/bin/bash
# Benchmarks (never fail the build): emhttp vs libcurl vs a raw socket
# client against one local nginx, side by side; JSON writer vs cJSON.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" = 0 ]; then
  bash .ci/deps.sh
fi
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DEMHTTP_BENCH=ON >/dev/null
cmake --build build/bench -j"$(nproc)" >/dev/null
/usr/bin/python3 tests/bench/run_bench.py --emhttp build/bench/emhttp \
  --raw build/bench/tests/raw_client --curl build/bench/tests/curl_client
