# Shared by cmake/fetch-lwip.sh and cmake/fetch-mbedtls.sh (sourced, not
# run): fetch one pinned Debian source package into the build tree and
# check its .orig tarball before anything is unpacked.  The caller defines
# log() first.
#
# Needs dpkg-dev (dpkg-source) and a deb-src entry for bookworm.  When none
# is configured, add_deb_src writes its own file (root only; the system's
# debian.sources is never edited) and runs apt-get update.

DEB_SRC_FILE=/etc/apt/sources.list.d/emhttp-deb-src.sources

have_deb_src() {
    apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -qx Sources
}

add_deb_src() {
    if [ "$(id -u)" != 0 ]; then
        log "no deb-src entry configured and not root: add one, e.g. $DEB_SRC_FILE with"
        log "  Types: deb-src / URIs: http://deb.debian.org/debian / Suites: bookworm / Components: main"
        exit 1
    fi
    log "adding $DEB_SRC_FILE"
    cat >"$DEB_SRC_FILE" <<'SRC'
# Added by emhttp's cmake/debsrc.sh: source packages (apt-get source).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt-get update -q >&2
}

# debsrc_unpack PACKAGE VERSION ORIG_FILE ORIG_SHA256 DOWNLOAD_DIR TREE
debsrc_unpack() {
    local pkg=$1 version=$2 orig=$3 want=$4 dl=$5 tree=$6 sum
    command -v dpkg-source >/dev/null || { log "dpkg-source missing: apt-get install dpkg-dev"; exit 1; }
    have_deb_src || add_deb_src
    rm -rf "$dl" "$tree"
    mkdir -p "$dl"
    log "apt-get source $pkg=$version"
    if ! (cd "$dl" && apt-get source -q --download-only "$pkg=$version" >&2); then
        # The deb-src entry may be there without its index: fetch it once.
        [ "$(id -u)" = 0 ] || exit 1
        apt-get update -q >&2
        (cd "$dl" && apt-get source -q --download-only "$pkg=$version" >&2)
    fi
    sum=$(sha256sum "$dl/$orig" | cut -d' ' -f1)
    if [ "$sum" != "$want" ]; then
        log "sha256 mismatch for $orig: got $sum, pinned $want"
        exit 1
    fi
    (cd "$dl" && dpkg-source -q --no-copy -x "${pkg}_${version}.dsc" "$tree" >&2)
    rm -rf "$dl"
}
