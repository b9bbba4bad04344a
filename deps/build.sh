#!/bin/sh
# deps/build.sh - one step of the dependency build; deps/deps.mk runs it.
#
#   deps/build.sh src PKG            fetch, verify, unpack and patch PKG
#   deps/build.sh musl               build + install musl into $DEPS_ROOT/musl
#   deps/build.sh mbedtls|curl|cjson|libmicrohttpd FLAVOUR
#                                    build PKG for FLAVOUR (musl: with musl-gcc;
#                                    host: with gcc) and install it (static)
#                                    into $DEPS_ROOT/FLAVOUR
#
# Environment (set by deps.mk): DEPS_ROOT, DEPS_CACHE, DEPS_DIR (this
# directory, absolute), JOBS and the DEP_* variables of deps/versions.mk.
# Each step logs to $DEPS_ROOT/log/<step>.log and prints one line; on failure
# it prints the end of the log and exits nonzero.
set -eu

: "${DEPS_ROOT:?}" "${DEPS_CACHE:?}" "${DEPS_DIR:?}"
JOBS=${JOBS:-2}
# The sub-builds are separate projects: keep our make's flags and the
# caller's compiler flags out of them.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES CFLAGS CPPFLAGS LDFLAGS LIBS \
      CC CXX 2>/dev/null || true

OPT_CFLAGS="-Os -ffunction-sections -fdata-sections"
SRC=$DEPS_ROOT/src
LOG=$DEPS_ROOT/log
mkdir -p "$SRC" "$LOG"

# var NAME: print the value of DEP_<NAME>.
var() {
    eval "printf '%s' \"\${DEP_$1:?DEP_$1 is not set}\""
}

# var_list NAME: print the value of DEP_<NAME>, which may be empty (a patch
# list with nothing to apply).
var_list() {
    eval "printf '%s' \"\${DEP_$1-}\""
}

# run LOGNAME CMD...: run CMD with its output in the step's log; on failure
# show the end of the log and stop.
run() {
    _log=$LOG/$1.log
    shift
    echo "+ $*" >>"$_log"
    if ! "$@" >>"$_log" 2>&1; then
        echo "deps: FAILED: $*" >&2
        echo "deps: last lines of $_log:" >&2
        tail -n 40 "$_log" >&2
        exit 1
    fi
}

# flavour_setup FLAVOUR: set PREFIX, BUILD_CC and HOST_TRIPLET for FLAVOUR.
flavour_setup() {
    case $1 in
    musl)
        PREFIX=$DEPS_ROOT/musl
        BUILD_CC=$PREFIX/bin/musl-gcc
        HOST_TRIPLET=x86_64-linux-musl
        ;;
    host)
        PREFIX=$DEPS_ROOT/host
        BUILD_CC=${DEPS_HOST_CC:-gcc}
        HOST_TRIPLET=
        ;;
    *)
        echo "deps: unknown flavour $1" >&2
        exit 2
        ;;
    esac
    mkdir -p "$PREFIX/include" "$PREFIX/lib"
}

# step_src PKG: fetch the pinned orig + debian tarballs of PKG and lay out
# $SRC/PKG with Debian's listed patches and then ours applied.
step_src() {
    pkg=$1
    P=$(echo "$pkg" | tr a-z A-Z)
    debsrc="$pkg=$(var "${P}_DEBVER")"
    orig=$(var "${P}_ORIG")
    deb=$(var "${P}_DEB")
    "$DEPS_DIR/fetch.sh" "$DEPS_CACHE" "$orig" "$(var "${P}_ORIG_SHA256")" \
        "$(var "${P}_URL")" "$debsrc"
    "$DEPS_DIR/fetch.sh" "$DEPS_CACHE" "$deb" "$(var "${P}_DEB_SHA256")" \
        - "$debsrc"

    rm -rf "$SRC/$pkg" "$SRC/$pkg.tmp"
    mkdir -p "$SRC/$pkg.tmp/orig" "$SRC/$pkg.tmp/debian"
    run "src-$pkg" tar -xf "$DEPS_CACHE/$orig" -C "$SRC/$pkg.tmp/orig"
    run "src-$pkg" tar -xf "$DEPS_CACHE/$deb" -C "$SRC/$pkg.tmp/debian"
    # The orig tarball has one top directory (musl-1.2.5, cJSON-1.7.18, ...).
    top=$(ls "$SRC/$pkg.tmp/orig")
    mv "$SRC/$pkg.tmp/orig/$top" "$SRC/$pkg"
    applied=0
    for p in $(var_list "${P}_PATCHES"); do
        run "src-$pkg" patch -p1 --forward --batch -d "$SRC/$pkg" \
            -i "$SRC/$pkg.tmp/debian/debian/patches/$p"
        applied=$((applied + 1))
    done
    for p in "$DEPS_DIR/patches/$pkg"/*.patch; do
        [ -f "$p" ] || continue
        run "src-$pkg" patch -p1 --forward --batch -d "$SRC/$pkg" -i "$p"
        applied=$((applied + 1))
    done
    rm -rf "$SRC/$pkg.tmp"
    echo "deps: $pkg $(var "${P}_VERSION") unpacked, $applied patches applied"
}

# step_musl: build musl (static only) and install it with its musl-gcc
# wrapper into $DEPS_ROOT/musl.
step_musl() {
    prefix=$DEPS_ROOT/musl
    obj=$DEPS_ROOT/obj/musl/musl
    rm -rf "$obj"
    mkdir -p "$obj"
    cd "$obj"
    run musl "$SRC/musl/configure" --prefix="$prefix" --disable-shared \
        CC=gcc CFLAGS="$OPT_CFLAGS"
    run musl make -j"$JOBS"
    run musl make install
    test -x "$prefix/bin/musl-gcc"
    echo "deps: musl $(var MUSL_VERSION) installed in $prefix"
}

# step_mbedtls FLAVOUR: build the three Mbed TLS libraries with our
# configuration header and install headers + .a files.
step_mbedtls() {
    flavour_setup "$1"
    obj=$DEPS_ROOT/obj/$1/mbedtls
    # library/Makefile builds in the source tree: work on a copy.
    rm -rf "$obj"
    mkdir -p "$(dirname "$obj")"
    cp -a "$SRC/mbedtls" "$obj"
    cp "$DEPS_DIR/mbedtls_config.h" "$obj/include/mbedtls/mbedtls_config.h"
    run "mbedtls-$1" make -C "$obj/library" -j"$JOBS" CC="$BUILD_CC" AR=ar \
        CFLAGS="$OPT_CFLAGS" static
    rm -rf "$PREFIX/include/mbedtls" "$PREFIX/include/psa"
    cp -R "$obj/include/mbedtls" "$obj/include/psa" "$PREFIX/include/"
    for l in mbedcrypto mbedx509 mbedtls; do
        cp "$obj/library/lib$l.a" "$PREFIX/lib/"
    done
    echo "deps: mbedtls $(var MBEDTLS_VERSION) ($1) installed in $PREFIX"
}

# step_curl FLAVOUR: configure libcurl for HTTP(S) over Mbed TLS only and
# install libcurl.a and its headers.
step_curl() {
    flavour_setup "$1"
    obj=$DEPS_ROOT/obj/$1/curl
    rm -rf "$obj"
    mkdir -p "$obj"
    cd "$obj"
    host_arg=
    [ -n "$HOST_TRIPLET" ] && host_arg=--host=$HOST_TRIPLET
    # shellcheck disable=SC2086 # host_arg is empty or one word
    run "curl-$1" "$SRC/curl/configure" $host_arg \
        CC="$BUILD_CC" CFLAGS="$OPT_CFLAGS" \
        CPPFLAGS="-I$PREFIX/include" LDFLAGS="-L$PREFIX/lib" \
        --prefix="$PREFIX" --disable-shared --enable-static --with-pic \
        --disable-dependency-tracking --disable-silent-rules \
        --with-mbedtls="$PREFIX" --without-openssl --without-gnutls \
        --without-wolfssl --without-rustls --without-bearssl \
        --enable-http --enable-proxy --enable-ipv6 \
        --enable-unix-sockets --enable-threaded-resolver --disable-ares \
        --disable-ftp --disable-file --disable-ldap --disable-ldaps \
        --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
        --disable-pop3 --disable-imap --disable-smtp --disable-gopher \
        --disable-mqtt --disable-smb --disable-ipfs --disable-websockets \
        --disable-cookies --disable-ntlm --disable-kerberos-auth \
        --disable-negotiate-auth --disable-digest-auth --disable-aws \
        --disable-tls-srp \
        --disable-sspi --disable-alt-svc --disable-hsts --disable-doh \
        --disable-netrc --disable-mime --disable-form-api \
        --disable-docs --disable-manual --disable-libcurl-option \
        --disable-ca-search --without-ca-bundle --without-ca-path \
        --without-ca-fallback \
        --without-zlib --without-brotli --without-zstd --without-libidn2 \
        --without-libpsl --without-nghttp2 --without-ngtcp2 \
        --without-nghttp3 --without-quiche --without-libssh2 \
        --without-libssh --without-librtmp --without-libgsasl \
        --without-libuv
    run "curl-$1" make -C lib -j"$JOBS" libcurl.la
    rm -rf "$PREFIX/include/curl"
    mkdir -p "$PREFIX/include/curl"
    cp "$SRC/curl/include/curl/"*.h "$PREFIX/include/curl/"
    cp lib/.libs/libcurl.a "$PREFIX/lib/"
    echo "deps: curl $(var CURL_VERSION) ($1) installed in $PREFIX"
}

# step_cjson FLAVOUR: compile cJSON.c into libcjson.a; cJSON.h goes straight
# into include/ so that `#include <cJSON.h>` works.
step_cjson() {
    flavour_setup "$1"
    obj=$DEPS_ROOT/obj/$1/cjson
    rm -rf "$obj"
    mkdir -p "$obj"
    run "cjson-$1" "$BUILD_CC" -std=c89 $OPT_CFLAGS -c "$SRC/cjson/cJSON.c" \
        -o "$obj/cJSON.o"
    rm -f "$obj/libcjson.a"
    run "cjson-$1" ar rcs "$obj/libcjson.a" "$obj/cJSON.o"
    cp "$obj/libcjson.a" "$PREFIX/lib/"
    cp "$SRC/cjson/cJSON.h" "$PREFIX/include/"
    echo "deps: cjson $(var CJSON_VERSION) ($1) installed in $PREFIX"
}

# step_libmicrohttpd FLAVOUR: configure GNU libmicrohttpd without TLS, docs,
# examples or tools (internal select/poll/epoll threads stay in) and install
# libmicrohttpd.a and microhttpd.h. Only the library directory is built.
step_libmicrohttpd() {
    flavour_setup "$1"
    obj=$DEPS_ROOT/obj/$1/libmicrohttpd
    rm -rf "$obj"
    mkdir -p "$obj"
    cd "$obj"
    host_arg=
    [ -n "$HOST_TRIPLET" ] && host_arg=--host=$HOST_TRIPLET
    # shellcheck disable=SC2086 # host_arg is empty or one word
    run "libmicrohttpd-$1" "$SRC/libmicrohttpd/configure" $host_arg \
        CC="$BUILD_CC" CFLAGS="$OPT_CFLAGS" \
        --prefix="$PREFIX" --disable-shared --enable-static --with-pic \
        --disable-dependency-tracking --disable-silent-rules \
        --disable-https --without-gnutls --disable-doc --disable-examples \
        --disable-tools --disable-curl --with-threads=posix \
        --enable-epoll=auto --enable-poll=auto \
        --disable-postprocessor --disable-bauth --disable-dauth \
        --disable-httpupgrade --disable-cookie
    run "libmicrohttpd-$1" make -C src/microhttpd -j"$JOBS" libmicrohttpd.la
    cp "$SRC/libmicrohttpd/src/include/microhttpd.h" "$PREFIX/include/"
    cp src/microhttpd/.libs/libmicrohttpd.a "$PREFIX/lib/"
    echo "deps: libmicrohttpd $(var LIBMICROHTTPD_VERSION) ($1) installed in $PREFIX"
}

step=${1:?usage: build.sh src PKG | musl | mbedtls|curl|cjson|libmicrohttpd FLAVOUR}
shift

# Several make processes (engineers, CI, `make -j`) may want the same stamp
# at once: one step runs at a time (a source tree is re-unpacked only while
# nothing builds from it), and a step whose stamp (STAMP, set by deps.mk,
# with its prerequisites in PREREQS) became up to date while we waited for
# the lock is not run again.
if [ -n "${STAMP:-}" ]; then
    mkdir -p "$(dirname "$STAMP")"
    exec 9>"$DEPS_ROOT/.lock"
    flock 9
    # shellcheck disable=SC2086 # PREREQS is a list of paths without spaces
    if [ -e "$STAMP" ] && [ -z "$(find ${PREREQS:-} -newer "$STAMP" 2>/dev/null)" ]
    then
        echo "deps: $STAMP is up to date (built by another make)"
        exit 0
    fi
    rm -f "$STAMP"
fi
start=$(date +%s)
# Start each step with an empty log (the log names used by run above).
case $step in
src) : >"$LOG/src-${1:?}.log" ;;
musl) : >"$LOG/musl.log" ;;
*) : >"$LOG/$step-${1:?}.log" ;;
esac
case $step in
src) step_src "$@" ;;
musl) step_musl ;;
mbedtls) step_mbedtls "$@" ;;
curl) step_curl "$@" ;;
cjson) step_cjson "$@" ;;
libmicrohttpd) step_libmicrohttpd "$@" ;;
*) echo "deps: unknown step $step" >&2; exit 2 ;;
esac
echo "deps: step '$step${*:+ $*}' took $(($(date +%s) - start)) s"
if [ -n "${STAMP:-}" ]; then
    touch "$STAMP"
fi
