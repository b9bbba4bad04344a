#!/bin/sh
# deps/fetch.sh - get one pinned source file into the cache and verify it.
#
#   deps/fetch.sh CACHE_DIR FILE SHA256 URL DEBIAN_SRC
#
# FILE is the name kept in CACHE_DIR (Debian's name, e.g. curl_8.14.1.orig.tar.gz),
# URL the upstream release URL ("-" for none), DEBIAN_SRC "pkg=version" for
# `apt-get source --download-only` ("-" for none).
# Order: the cache, upstream (short timeouts), apt-get source. Whatever is
# downloaded lands in the cache; nothing is used before its SHA-256 matches.
# DEPS_UPSTREAM=0 skips the upstream step (e.g. on machines without internet).
# Exit 0 with CACHE_DIR/FILE verified, nonzero with a message otherwise.
set -eu

cache=$1 file=$2 sha=$3 url=$4 debsrc=$5
dest=$cache/$file

# sha_ok PATH: true if PATH exists and has the pinned SHA-256.
sha_ok() {
    [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$sha" ]
}

mkdir -p "$cache"
if sha_ok "$dest"; then
    exit 0
fi
if [ -e "$dest" ]; then
    echo "fetch: $dest has the wrong SHA-256, moving it aside" >&2
    mv -f "$dest" "$dest.bad"
fi

if [ "$url" != - ] && [ "${DEPS_UPSTREAM:-1}" != 0 ] && command -v curl >/dev/null; then
    echo "fetch: $file from $url" >&2
    if curl -fsSL --connect-timeout 5 --max-time 60 --retry 1 \
            -o "$dest.part" "$url"; then
        if sha_ok "$dest.part"; then
            mv -f "$dest.part" "$dest"
            exit 0
        fi
        echo "fetch: $url: SHA-256 mismatch, not used" >&2
    else
        echo "fetch: $url: download failed" >&2
    fi
    rm -f "$dest.part"
fi

if [ "$debsrc" != - ] && command -v apt-get >/dev/null; then
    echo "fetch: $file via apt-get source --download-only $debsrc" >&2
    tmp=$(mktemp -d "$cache/.apt.XXXXXX")
    # As root apt downloads as user _apt, which cannot write into a cache
    # under root's home: tell it to stay root instead of warning.
    sandbox=
    [ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
    # shellcheck disable=SC2086 # sandbox is empty or two words
    if (cd "$tmp" && apt-get source --download-only -qq $sandbox "$debsrc") >&2; then
        # Keep every file of the source package (orig, debian, dsc): the
        # other pinned files of the same package come from the same download.
        for f in "$tmp"/*; do
            [ -f "$f" ] && mv -f "$f" "$cache/"
        done
    else
        echo "fetch: apt-get source $debsrc failed (is a trixie deb-src entry configured?)" >&2
    fi
    rm -rf "$tmp"
    if sha_ok "$dest"; then
        exit 0
    fi
fi

echo "fetch: could not get $file with SHA-256 $sha" >&2
echo "fetch: put a verified copy in $cache (DEPS_CACHE) and retry" >&2
exit 1
