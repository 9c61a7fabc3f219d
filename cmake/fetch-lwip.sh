#!/bin/bash
# Fetch lwIP from Debian's source package into the build tree (never into
# the repository) and print the unpacked directory (pass it to CMake as
# -DLWIP_DIR=...).
#
#   cmake/fetch-lwip.sh [DEST]        DEST defaults to build/lwip
#
# The version is pinned and the .orig tarball's sha256 is checked before
# anything is unpacked.  apt verifies the .dsc against the signed Sources
# index; the pin below additionally catches a silently changed archive.
# When the tree is already unpacked (stamp file present), nothing is
# fetched: the script only prints the directory.
#
# Needs: dpkg-dev (dpkg-source), and a deb-src entry for bookworm (added
# when missing: see cmake/debsrc.sh).
set -euo pipefail

LWIP_SRC_VERSION="2.1.3+dfsg1-2"
LWIP_UPSTREAM="2.1.3+dfsg1"
LWIP_ORIG="lwip_${LWIP_UPSTREAM}.orig.tar.xz"
LWIP_ORIG_SHA256="0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24"

root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$root/build/lwip}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd) # the printed directory is absolute
tree="$dest/lwip-$LWIP_UPSTREAM"
stamp="$tree/.emhttp-fetched-$LWIP_SRC_VERSION"

log() { echo "fetch-lwip: $*" >&2; }

# shellcheck source=cmake/debsrc.sh
. "$root/cmake/debsrc.sh"

fetch() {
    debsrc_unpack lwip "$LWIP_SRC_VERSION" "$LWIP_ORIG" "$LWIP_ORIG_SHA256" "$dest/download" "$tree"
    touch "$stamp"
}

[ -f "$stamp" ] || fetch
echo "$tree"
