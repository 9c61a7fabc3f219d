#!/bin/bash
# Benchmarks, side by side with their peers in one run, printed as ratios.
# They never fail on a figure (only on a setup failure).
#   run_bench.py   emhttp (sequential, pipelined 4 and 16) vs libcurl, aiohttp,
#                  http.client and a raw socket client; 200 B and 16 KB bodies;
#                  plain HTTP and HTTPS (libcurl+OpenSSL vs emhttp+mbedTLS)
#                  (req/s, latency, instr/req and its split per part of the
#                  code); the latency run across a 5 ms-each-way namespace
#                  pair (root); writes docs/bench/results.md, reqs.png and
#                  netem.png.  Options pass through, e.g.
#                  tests/bench/run.sh --n 4000 --runs 3 --cg-n 1000
# Run by hand (not in CI: it takes minutes).
#   bench_stall.py longest loop step: idle-task vs inline JSON encoding
#   bench_json     JSON writer and reader vs cJSON
#   bench_tls.py   full vs resumed handshake instructions, TLS memory
#   bench_stream_steps.py  longest poll step of a streamed 1 MB vs 100 MB body
#                  (thread CPU time; instructions under callgrind)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" = 0 ]; then
  bash .ci/deps.sh
fi
B=build/bench
cmake -S . -B $B -DCMAKE_BUILD_TYPE=Release -DEMHTTP_BENCH=ON >/dev/null
# Only what the benchmarks run (the test suite is not theirs to build).
TARGETS="emhttp raw_client curl_client emhttp_client telemetry bench_json bench_stream_steps"
if grep -q "^EMHTTP_TLS:BOOL=ON" $B/CMakeCache.txt; then
  TARGETS="$TARGETS tls_driver tls_heap_driver"
fi
# shellcheck disable=SC2086
cmake --build $B -j"$(nproc)" --target $TARGETS >/dev/null
/usr/bin/python3 tests/bench/run_bench.py --emhttp $B/emhttp \
  --raw $B/tests/raw_client --curl $B/tests/curl_client --emhttp-lib $B/tests/emhttp_client --out docs/bench "$@"
echo
/usr/bin/python3 tests/bench/bench_stall.py --telemetry $B/telemetry
echo
/usr/bin/python3 tests/bench/bench_stream_steps.py --bin $B/tests/bench_stream_steps
echo
taskset -c 0 $B/tests/bench_json
if [ -x $B/tests/tls/tls_driver ]; then
  echo
  /usr/bin/python3 tests/bench/bench_tls.py --driver $B/tests/tls/tls_driver \
    --heap-driver $B/tests/tls/tls_heap_driver
fi
