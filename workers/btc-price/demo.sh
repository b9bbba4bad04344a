#!/usr/bin/env bash
# demo.sh - `make demo`: btc-price end to end on one machine, with no AWS
# account and no internet. Builds what is missing (the pinned musl deps and
# the static release binary), then workers/btc-price/demo.py starts
# moto_server (IAM auth on) and a local HTTPS stand-in for the exchanges on
# 127.0.0.1, runs the release binary for a few slots and prints the stored
# history. Everything it starts is stopped on exit, Ctrl-C included.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export BUILD

for tool in moto_server openssl python3; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is required" >&2; exit 2; }
done
python3 -c 'import boto3' 2>/dev/null ||
  { echo "demo: python3 with boto3 is required" >&2; exit 2; }

# `make demo` has built it already; run directly, build it here.
if [[ ! -x $BUILD/bin/btc-price ]]; then
  echo "demo: building $BUILD/bin/btc-price (and its dependencies, once)..."
  make --no-print-directory BUILD="$BUILD" "$BUILD/bin/btc-price" >/dev/null
fi
mkdir -p "$BUILD/test/logs"

pid=""
cleanup() {
  # demo.py stops its servers itself (atexit, SIGTERM); this covers a
  # signal that reaches the shell first.
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PYTHONPATH="$PWD/tests/lib${PYTHONPATH:+:$PYTHONPATH}" \
  python3 workers/btc-price/demo.py &
pid=$!
wait "$pid"
rc=$?
pid=""
exit "$rc"
