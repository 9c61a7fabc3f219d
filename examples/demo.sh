#!/bin/bash
# The demo: build emhttp, start a private nginx on 127.0.0.1 and send
# 10,000 JSON POSTs over one persistent connection with the emhttp CLI.
# Run as root on Debian bookworm (installs missing packages).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then
  bash .ci/deps.sh
fi
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DEMHTTP_BUILD_TESTS=OFF >/dev/null
cmake --build build/demo -j"$(nproc)" >/dev/null
exec /usr/bin/python3 examples/demo.py build/demo
