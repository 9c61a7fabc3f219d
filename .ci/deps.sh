#!/bin/bash
# Install the Debian packages the build, the demo and the tests need.
# Idempotent and quick when everything is there already.  Run as root.
set -euo pipefail

PACKAGES=(
  build-essential cmake clang libclang-rt-14-dev libfuzzer-14-dev binutils
  python3 nginx-light libcurl4-openssl-dev libjsmn-dev libcjson-dev
  valgrind lcov util-linux iproute2 pmccabe openssl libssl-dev libmbedtls-dev
  dnsmasq-base dpkg-dev tmux curl
  gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-riscv64-unknown-elf python3-kconfiglib pkg-config
  kconfig-frontends qemu-system-arm python3-aiohttp gnuplot-nox
  libhttp-parser-dev python3-h11 time nftables
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian starts nginx as a system service on install: the tests run their own.
if command -v service >/dev/null && pgrep -x nginx >/dev/null 2>&1; then
  service nginx stop >/dev/null 2>&1 || true
fi
