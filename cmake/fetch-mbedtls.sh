#!/bin/bash
# Build mbedTLS from Debian's source package for the static-arena build
# (MBEDTLS_MEMORY_BUFFER_ALLOC_C + MBEDTLS_PLATFORM_MEMORY: every allocation
# of mbedTLS comes from one caller-supplied static buffer, see
# emhttp_tls_arena_init() in emhttp/tls.h), in the build tree (never in the
# repository), and print the install prefix (pass it to CMake as
# -DEMHTTP_MBEDTLS_DIR=...).
#
#   cmake/fetch-mbedtls.sh [--source] [DEST]   DEST defaults to build/mbedtls-arena
#
# --source prints the configured source tree instead of the prefix (the
# Cortex-M4 firmware of examples/mps2-an386 compiles it with its own
# bare-metal additions, see its mbedtls_fw_config.h).
#
# Environment (the record buffer sizes of the small-memory build):
#   EMHTTP_MBEDTLS_IN_LEN   MBEDTLS_SSL_IN_CONTENT_LEN   (default 2048)
#   EMHTTP_MBEDTLS_OUT_LEN  MBEDTLS_SSL_OUT_CONTENT_LEN  (default 2048)
# mbedTLS 2.28 cannot reassemble a handshake message split across records,
# so IN_LEN must hold the server's whole Certificate message (its chain plus
# 7 bytes); emhttp asks for the largest maximum fragment length that fits
# both buffers (2.28 negotiates no more than the smaller one), so the
# server's records fit too.  2048/2048 serves chains under 2 KB (peak heap
# 11.9 KB against nginx with ECDSA P-256); 1024/1024 chains under 1 KB.
#
# The version is pinned and the .orig tarball's sha256 is checked before
# anything is unpacked (apt verifies the .dsc against the signed Sources
# index; the pin additionally catches a silently changed archive).  The
# configuration changes are applied with mbedTLS's own scripts/config.py to
# the unpacked tree; a stamp naming the version and the configuration makes
# a second run print the prefix without fetching or building anything.
#
# Needs: dpkg-dev (dpkg-source), cmake, a C compiler, python3, and a deb-src
# entry for bookworm.  When none is configured, the script adds
# /etc/apt/sources.list.d/emhttp-deb-src.sources (root only; the system's
# debian.sources is never edited) and runs apt-get update.
set -euo pipefail

MBEDTLS_SRC_VERSION="2.28.3-1"
MBEDTLS_UPSTREAM="2.28.3"
MBEDTLS_ORIG="mbedtls_${MBEDTLS_UPSTREAM}.orig.tar.gz"
MBEDTLS_ORIG_SHA256="3b4953aa55a681e084d31892d9904cc5328d6b4958ea57b90ae4b4f94ae69a8d"

IN_LEN=${EMHTTP_MBEDTLS_IN_LEN:-2048}
OUT_LEN=${EMHTTP_MBEDTLS_OUT_LEN:-2048}

# The configuration of the small-memory build, on top of Debian's.
CONFIG_CHANGES=(
  "set MBEDTLS_PLATFORM_MEMORY"
  "set MBEDTLS_MEMORY_BUFFER_ALLOC_C"
  "set MBEDTLS_MEMORY_DEBUG"                 # peak statistics of the arena
  "unset MBEDTLS_THREADING_C"                # firmware: one network task
  "unset MBEDTLS_THREADING_PTHREAD"
  "set MBEDTLS_SSL_IN_CONTENT_LEN $IN_LEN"
  "set MBEDTLS_SSL_OUT_CONTENT_LEN $OUT_LEN"
  "unset MBEDTLS_SSL_KEEP_PEER_CERTIFICATE"  # keep a digest, not the chain
  "set MBEDTLS_ECP_WINDOW_SIZE 2"            # smaller ECC tables
  "set MBEDTLS_ECP_FIXED_POINT_OPTIM 0"
  "set MBEDTLS_MPI_WINDOW_SIZE 2"
  "set MBEDTLS_ECP_RESTARTABLE"              # ECC split across polls
  # TLS 1.2 with AEAD suites only, no DTLS: no CBC padding and MAC room in
  # the record buffers (288 bytes each), no DTLS state in the handshake.
  # AES-GCM and ChaCha20-Poly1305 stay on as Debian has them (GCM_C,
  # CHACHA20_C, POLY1305_C, CHACHAPOLY_C): emhttp offers ChaCha20-Poly1305
  # first (docs/tls-suites.md; test_tls_cli checks nginx picks it here).
  "unset MBEDTLS_SSL_PROTO_TLS1"
  "unset MBEDTLS_SSL_PROTO_TLS1_1"
  "unset MBEDTLS_SSL_CBC_RECORD_SPLITTING"
  "unset MBEDTLS_CIPHER_MODE_CBC"
  "unset MBEDTLS_ARC4_C"
  "unset MBEDTLS_SSL_PROTO_DTLS"
  "unset MBEDTLS_SSL_DTLS_ANTI_REPLAY"
  "unset MBEDTLS_SSL_DTLS_HELLO_VERIFY"
  "unset MBEDTLS_SSL_DTLS_SRTP"
  "unset MBEDTLS_SSL_DTLS_CLIENT_PORT_REUSE"
  "unset MBEDTLS_SSL_DTLS_BADMAC_LIMIT"
  "unset MBEDTLS_SSL_COOKIE_C"
)

print_source=0
if [ "${1:-}" = "--source" ]; then
    print_source=1
    shift
fi
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$root/build/mbedtls-arena}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
tree="$dest/mbedtls-$MBEDTLS_UPSTREAM"
prefix="$dest/prefix"
config_id=$(printf '%s\n' "$MBEDTLS_SRC_VERSION" "${CONFIG_CHANGES[@]}" | sha256sum | cut -c1-16)
stamp="$prefix/.emhttp-built-$config_id"

log() { echo "fetch-mbedtls: $*" >&2; }

# shellcheck source=cmake/debsrc.sh
. "$root/cmake/debsrc.sh"

fetch() {
    debsrc_unpack mbedtls "$MBEDTLS_SRC_VERSION" "$MBEDTLS_ORIG" "$MBEDTLS_ORIG_SHA256" \
        "$dest/download" "$tree"
}

configure() {
    # Start from the pristine (Debian-patched) configuration every time.
    local cfg="$tree/include/mbedtls/config.h"
    [ -f "$cfg.debian" ] || cp "$cfg" "$cfg.debian"
    cp "$cfg.debian" "$cfg"
    local change
    for change in "${CONFIG_CHANGES[@]}"; do
        # shellcheck disable=SC2086
        python3 "$tree/scripts/config.py" -f "$cfg" $change
    done
}

build() {
    local bdir="$dest/build"
    rm -rf "$bdir" "$prefix"
    log "building mbedTLS $MBEDTLS_UPSTREAM (in $IN_LEN / out $OUT_LEN byte records, static arena)"
    cmake -S "$tree" -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_COMPILER="${CC:-cc}" -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
        -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF -DMBEDTLS_FATAL_WARNINGS=OFF \
        -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DUSE_SHARED_MBEDTLS_LIBRARY=OFF \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib >"$dest/build.log" 2>&1 ||
        { cat "$dest/build.log" >&2; exit 1; }
    cmake --build "$bdir" -j"$(nproc)" >>"$dest/build.log" 2>&1 ||
        { tail -n 40 "$dest/build.log" >&2; exit 1; }
    cmake --install "$bdir" >>"$dest/build.log" 2>&1 || { tail -n 40 "$dest/build.log" >&2; exit 1; }
    touch "$stamp"
}

mkdir -p "$dest"
if [ ! -f "$stamp" ]; then
    [ -f "$tree/.emhttp-fetched-$MBEDTLS_SRC_VERSION" ] || {
        fetch
        touch "$tree/.emhttp-fetched-$MBEDTLS_SRC_VERSION"
    }
    configure
    build
fi
if [ "$print_source" = 1 ]; then
    echo "$tree"
else
    echo "$prefix"
fi
