#!/usr/bin/env bash
# tests/tools/npm-tools.sh - installs the pinned Node test tools
# (tests/tools/package.json + package-lock.json: DuckDB, dynalite) into
# $BUILD/tools/npm with `npm install` from the lock file (exact versions,
# integrity-checked, no install scripts: both ship prebuilt binaries), once,
# and prints the node_modules directory. Not `npm ci`: it refuses a lock
# whose other-platform DuckDB bindings the registry mirror lacks. Idempotent: a second run with the same lock file
# does nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
dest="$BUILD/tools/npm"
mkdir -p "$dest"
if ! cmp -s "$here/package-lock.json" "$dest/package-lock.json" ||
   [[ ! -d $dest/node_modules ]]; then
  cp "$here/package.json" "$here/package-lock.json" "$dest/"
  (cd "$dest" && npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
fi
echo "$(cd "$dest" && pwd)/node_modules"
