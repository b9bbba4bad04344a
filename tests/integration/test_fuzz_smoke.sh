#!/usr/bin/env bash
# test_fuzz_smoke.sh - a short, bounded pass of every libFuzzer target
# ($BUILD/fuzz/bin/fuzz_*, built by `make fuzz-build`, part of `make test`
# when clang is installed): FUZZ_SMOKE_RUNS inputs (default 20000) or
# FUZZ_SMOKE_SECONDS (default 10), whichever ends first, starting from the
# seeds in a scratch corpus. A crash, sanitizer report or property abort is
# a failure. `make fuzz` runs them for longer.
set -u
ROOT=${SW_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RUNS=${FUZZ_SMOKE_RUNS:-20000}
SECS=${FUZZ_SMOKE_SECONDS:-10}
n=0 failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

shopt -s nullglob
bins=("$BUILD"/fuzz/bin/fuzz_*)
if ((${#bins[@]} == 0)); then
  echo "ok 1 - fuzz smoke # SKIP no fuzzers built (needs clang; make fuzz-build)"
  echo "1..1"
  exit 0
fi
for bin in "${bins[@]}"; do
  name=$(basename "$bin")
  corpus=$work/$name
  mkdir -p "$corpus"
  # Seeds: the grown corpus from `make fuzz` if any, plus the suite's
  # requests for the SigV4 fuzzer.
  [[ -d $BUILD/fuzz/corpus/$name ]] && cp -r "$BUILD/fuzz/corpus/$name/." "$corpus/"
  if [[ $name == fuzz_sigv4 ]]; then
    for f in "$ROOT"/tests/data/sigv4-test-suite/v4/*/request.txt; do
      cp "$f" "$corpus/seed-$(basename "$(dirname "$f")")"
    done
  fi
  log=$work/$name.log
  (cd "$work" && "$bin" -runs="$RUNS" -max_total_time="$SECS" \
      -print_final_stats=1 -artifact_prefix="$work/$name-" "$corpus" >"$log" 2>&1)
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  n=$((n + 1))
  if ((rc == 0)) && [[ -n $execs ]]; then
    echo "ok $n - $name: $execs inputs, no crash or property failure"
  else
    failed=$((failed + 1))
    echo "not ok $n - $name: exit $rc"
    grep -E '==[0-9]+==|SUMMARY|^ +#[0-9]+ ' "$log" | head -25 | sed 's/^/#   /'
    for a in "$work/$name"-crash-* "$work/$name"-leak-* "$work/$name"-timeout-*; do
      [[ -f $a ]] && echo "#   input (base64): $(base64 -w0 <"$a" | head -c 2000)"
    done
  fi
done
echo "1..$n"
((failed == 0))
