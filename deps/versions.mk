# deps/versions.mk - the ONE place where dependency versions are pinned.
#
# Every tarball is named, pinned by SHA-256 and verified by deps/fetch.sh
# before it is unpacked. Sources are Debian's trixie source packages: the
# .orig tarball (upstream's release tarball, byte for byte, see below) plus
# the .debian tarball, from which we apply the security patches listed here.
#
# Fetch order (deps/fetch.sh): $(DEPS_CACHE), then the upstream URL, then
# `apt-get source --download-only <pkg>=<debian version>` (needs a trixie
# deb-src entry, which .ci/run adds).
#
# About the checksums: the *_ORIG_SHA256 values were computed (and verified
# here) on Debian's .orig tarballs, not on files downloaded from upstream
# (no internet where this was pinned). Debian's watch files fetch the
# upstream release tarball and none of these versions is repacked (no
# +ds/+dfsg suffix), so each orig should be upstream's file renamed; for musl,
# curl and libmicrohttpd Debian also ships upstream's detached signature
# (.asc), valid only for upstream's exact bytes (not checked here: no
# upstream keys). The upstream names we pin are in the *_URL values. If an
# upstream URL serves different bytes (GitHub's generated tag archive for
# cJSON is the likeliest case) the checksum check rejects it and fetch.sh
# falls back to apt-get source, whose bytes are the ones pinned here. Upstream checksums that are
# known to differ: none.
#
# Patch lists: Debian patch file names (debian/patches/<name>), applied with
# `patch -p1` in this order, then deps/patches/<pkg>/*.patch (ours) in name
# order. deps/patches.txt says why each one is (or is not) applied.

# --- musl libc --------------------------------------------------------------
# >= 1.2.4 needed: DNS lookups fall back to TCP on truncated answers.
DEP_MUSL_VERSION := 1.2.5
DEP_MUSL_DEBVER := 1.2.5-3.1~deb13u1
DEP_MUSL_ORIG := musl_1.2.5.orig.tar.gz
DEP_MUSL_ORIG_SHA256 := a9a118bbe84d8764da0ea0d28b3ab3fae8477fc7e4085d90102b8596fc7c75e4
DEP_MUSL_URL := https://musl.libc.org/releases/musl-1.2.5.tar.gz
DEP_MUSL_DEB := musl_1.2.5-3.1~deb13u1.debian.tar.xz
DEP_MUSL_DEB_SHA256 := 46fdfb271edc2f035d8d4063ff2e299734409693e781e69e4b77e0a9a495072e
# Debian's whole series, in series order (static-pie.patch only teaches the
# musl-gcc specs -static-pie; plain -static is unchanged).
DEP_MUSL_PATCHES := \
    static-pie.patch \
    CVE-2025-26519-0001_iconv_fix_erroneous_input_validation_in_EUC_KR_decod.patch \
    CVE-2025-26519-0002_iconv_harden_UTF_8_output_code_path_against_input_de.patch \
    renameat2.patch \
    0001-fix-pathological-slowness-incorrect-mappings-in-icon.patch \
    0002-qsort-fix-leonardo-heap-corruption-from-bug-in-doubl.patch

# --- Mbed TLS ---------------------------------------------------------------
DEP_MBEDTLS_VERSION := 3.6.6
DEP_MBEDTLS_DEBVER := 3.6.6-0.1~deb13u1
DEP_MBEDTLS_ORIG := mbedtls_3.6.6.orig.tar.bz2
DEP_MBEDTLS_ORIG_SHA256 := 8fb65fae8dcae5840f793c0a334860a411f884cc537ea290ce1c52bb64ca007a
DEP_MBEDTLS_URL := https://github.com/Mbed-TLS/mbedtls/releases/download/mbedtls-3.6.6/mbedtls-3.6.6.tar.bz2
DEP_MBEDTLS_DEB := mbedtls_3.6.6-0.1~deb13u1.debian.tar.xz
DEP_MBEDTLS_DEB_SHA256 := 210466c522eeebc85cf2f76bd5aef935b4ebac465559cc0a84f9e73a8ed6601c
DEP_MBEDTLS_PATCHES := \
    100-fix-gcc14-build.patch

# --- curl (libcurl only) ----------------------------------------------------
# Debian's index lists 8.14.1-2+deb13u7 but its files are not on the mirror;
# deb13u5 is pinned explicitly.
DEP_CURL_VERSION := 8.14.1
DEP_CURL_DEBVER := 8.14.1-2+deb13u5
DEP_CURL_ORIG := curl_8.14.1.orig.tar.gz
DEP_CURL_ORIG_SHA256 := 6766ada7101d292b42b8b15681120acd68effa4a9660935853cf6d61f0d984d4
DEP_CURL_URL := https://curl.se/download/curl-8.14.1.tar.gz
DEP_CURL_DEB := curl_8.14.1-2+deb13u5.debian.tar.xz
DEP_CURL_DEB_SHA256 := ebdfcfab1c2001c7a539fe2a4044dbf666a544393f191bedce9ee2d07c4ea925
DEP_CURL_PATCHES := \
    CVE-2025-10148.patch \
    CVE-2025-13034.patch \
    CVE-2025-14524.patch \
    CVE-2025-14819.patch \
    CVE-2026-1965_1.patch \
    CVE-2026-1965_2.patch \
    CVE-2026-3783.patch \
    CVE-2026-3784.patch \
    CVE-2026-3805.patch \
    CVE-2026-4873.patch \
    CVE-2026-5545.patch \
    CVE-2026-6253.patch \
    CVE-2026-5773.patch \
    CVE-2026-6276.patch \
    CVE-2026-7168.patch \
    CVE-2026-6429.patch

# --- cJSON ------------------------------------------------------------------
DEP_CJSON_VERSION := 1.7.18
DEP_CJSON_DEBVER := 1.7.18-3.1+deb13u1
DEP_CJSON_ORIG := cjson_1.7.18.orig.tar.gz
DEP_CJSON_ORIG_SHA256 := 3aa806844a03442c00769b83e99970be70fbef03735ff898f4811dd03b9f5ee5
DEP_CJSON_URL := https://github.com/DaveGamble/cJSON/archive/refs/tags/v1.7.18.tar.gz
DEP_CJSON_DEB := cjson_1.7.18-3.1+deb13u1.debian.tar.xz
DEP_CJSON_DEB_SHA256 := f6daf5b8b2ccd6ca1f96e4b6fcd7a0e3907f820f75b197367b2ced345d01881d
# Debian's whole series: the CVE-2023-26819 fix (numbers longer than 63
# characters were rejected) and CVE-2025-57052 (cJSON_Utils.c, which we do
# not build; the file name really ends in "patch-", as in Debian's series).
DEP_CJSON_PATCHES := \
    0001-allocate-memory-for-the-temporary-buffer.patch \
    CVE-2025-57052.patch-

# --- GNU libmicrohttpd (jobs-api's HTTP server only) ------------------------
# Linked only by workers/jobs-api (DEPS_*_MHD_LIBS in deps/deps.mk); built
# without TLS (the service sits behind an ALB / on a private network).
# Debian's three patches touch only tests and the man page: none applied
# (the list is empty on purpose; see deps/patches.txt).
DEP_LIBMICROHTTPD_VERSION := 1.0.1
DEP_LIBMICROHTTPD_DEBVER := 1.0.1-4
DEP_LIBMICROHTTPD_ORIG := libmicrohttpd_1.0.1.orig.tar.gz
DEP_LIBMICROHTTPD_ORIG_SHA256 := a89e09fc9b4de34dde19f4fcb4faaa1ce10299b9908db1132bbfa1de47882b94
DEP_LIBMICROHTTPD_URL := https://ftpmirror.gnu.org/libmicrohttpd/libmicrohttpd-1.0.1.tar.gz
DEP_LIBMICROHTTPD_DEB := libmicrohttpd_1.0.1-4.debian.tar.xz
DEP_LIBMICROHTTPD_DEB_SHA256 := fde0a454e4e24a064309e08336ca4e0c8d3157a05dbfad563c587c1322289587
DEP_LIBMICROHTTPD_PATCHES :=
