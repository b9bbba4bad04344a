#!/usr/bin/env python3
"""bench_array - the array-worker vs a Python boto3 worker, as array jobs.

In one run, against one local moto_server (IAM auth on, each worker signed
as a user holding policies/array-worker.json), with the environment AWS
Batch gives each child (deploy/runner.py builds it):

  1. per-index cost: BENCH_RUNS (default 20) single children, one after
     the other, each a whole process from start to its result written
     (wall, CPU, peak RSS), interleaved tool by tool after one warm-up;
  2. a local array of BENCH_ARRAY_SIZE (default 1,000) indexes with
     BENCH_JOBS (default 2) processes at once, as `make run-array` runs
     it: total wall time and the per-process peak RSS.

Both tools do the same work (two items per index: SHA-256, greeting) and
write the same item; after each array the runner's checker verifies every
index in the table and on stdout, and a failure aborts the bench (figures
from wrong runs are worthless). Every process is measured by
tests/bench/bench_rusage.c (see there why a launcher). Figures are
printed as a Markdown table, never asserted.

    BUILD=build python3 tests/bench/bench_array.py
"""
import os
import statistics
import sys
import tempfile
import time
import json

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "deploy"))

from benchlib import RUSAGE, BenchError, mib, outputs, run_measured  # noqa: E402,E501
from swtest import BIN, BUILD, Moto  # noqa: E402
import runner  # noqa: E402

WORKER = os.path.join(BIN, "array-worker")
SEED = os.path.join(HERE, "seed_array_worker.py")
TABLE = "bench-array-results"
TOOLS = [("array-worker (static C)", WORKER),
         ("python boto3 (seed_array_worker.py)", SEED)]


def launcher(tmp, tag):
    """A runner launch function that runs each child under bench_rusage:
    returns (exit code, stdout, stderr, wall s, CPU s, peak RSS KiB)."""
    def launch(argv, env, index):
        out = os.path.join(tmp, f"{tag}-{index}")
        code, wall, cpu, rss = run_measured(argv, env, out)
        so, se = outputs(out, remove=True)
        return code, so, se, wall, cpu, rss
    return launch


def make_settings(worker, size, jobs, input_text, parent):
    """runner settings for one array of `size` run by `worker`."""
    return runner.settings("run", {
        "N": str(size), "INPUT": input_text, "WORKER": worker,
        "JOBS": str(jobs), "RESULTS_TABLE": TABLE, "PARENT_ID": parent,
        "REGION": "us-east-1"})


def checked(aws, s, res, label):
    """Raises BenchError unless every child exited 0 and the checker
    finds every index right (table and stdout)."""
    bad = [i for i, r in res.items() if r[0] != 0]
    if bad:
        raise BenchError(f"{label}: index {bad[0]} exited {res[bad[0]][0]}: "
                         f"{res[bad[0]][2].strip()[-300:]}")
    lines = []
    if runner.check(aws, s, s.parent, {i: r[1] for i, r in res.items()},
                    out=lines.append):
        raise BenchError(f"{label}: checker: " + "\n".join(lines[-5:]))
    print(f"verified: {label}: {lines[-1]}", flush=True)


def per_index(aws, env, items, runs, tmp):
    """Single children (index 0 of an array of 2: two of the four items), tool by tool,
    round by round; returns per tool [(wall, CPU, RSS)]."""
    samples = [[] for _ in TOOLS]
    for r in range(runs + 1):
        for t, (label, prog) in enumerate(TOOLS):
            s = make_settings(prog, 2, 1, items, f"single-{t}-{r}")
            launch = launcher(tmp, f"single-{t}-{r}")
            res = {0: launch([prog], runner.child_env(env, s, 0), 0)}
            if res[0][0] != 0:
                raise BenchError(f"{label}: single run exited {res[0][0]}: "
                                 f"{res[0][2].strip()[-300:]}")
            if r:
                samples[t].append(res[0][3:])
    return samples


def arrays(aws, env, input_text, size, jobs, tmp):
    """One local array of `size` per tool; returns per tool (total wall s,
    [(wall, CPU, RSS)] per process)."""
    out = []
    for t, (label, prog) in enumerate(TOOLS):
        s = make_settings(prog, size, jobs, input_text, f"array-{t}")
        t0 = time.monotonic()
        res = runner.run_children(s, [prog], env, launcher(tmp, f"array-{t}"))
        total = time.monotonic() - t0
        checked(aws, s, res, f"{label}, array of {size}")
        out.append((total, [r[3:] for r in res.values()]))
    return out


def main():
    runs = int(os.environ.get("BENCH_RUNS", "20"))
    size = int(os.environ.get("BENCH_ARRAY_SIZE", "1000"))
    jobs = int(os.environ.get("BENCH_JOBS", "2"))
    for prog in (WORKER, RUSAGE):
        if not os.access(prog, os.X_OK):
            print(f"bench_array: {prog} missing (make bench-array builds "
                  "it)", file=sys.stderr)
            return 2
    started = time.monotonic()
    os.makedirs(os.path.join(BUILD, "test", "logs"), exist_ok=True)
    # Two items per index: each index hashes and greets two strings.
    items = [f"item-{i:05d}" for i in range(2 * size)]
    input_text = json.dumps({"message": "Hello", "items": items},
                            separators=(",", ":"))
    single_input = json.dumps({"message": "Hello",
                               "items": ["item-a", "item-b", "item-c",
                                         "item-d"]})
    moto = Moto()
    try:
        admin = moto.env(moto.admin_key, AWS_PAGER="",
                         AWS_DEFAULT_REGION="us-east-1")
        env = moto.env(moto.worker_user(runner.WORKER_NAME),
                       AWS_DEFAULT_REGION="us-east-1")
        aws = runner.deploy.Aws(make_settings(WORKER, 1, 1, single_input,
                                              "x"))
        aws.env = admin
        runner.ensure_table(aws, TABLE)
        with tempfile.TemporaryDirectory(prefix="bench-array-") as tmp:
            single = per_index(aws, env, single_input, runs, tmp)
            big = arrays(aws, env, input_text, size, jobs, tmp)
    finally:
        moto.stop()
    report(single, big, runs, size, jobs, time.monotonic() - started)
    return 0


def report(single, big, runs, size, jobs, elapsed):
    """Prints the Markdown tables and ratios."""
    print()
    print(f"## array-worker vs Python boto3 worker ({os.cpu_count()} CPUs, "
          "moto_server with IAM auth on the same CPUs)")
    print()
    print(f"Per index ({runs} single children per tool after 1 warm-up; "
          "process start to result written):")
    print()
    print("| tool | wall median ms | CPU median ms | peak RSS median/max MiB |")
    print("|---|---:|---:|---:|")
    rows = []
    for (label, _), s in zip(TOOLS, single):
        w = statistics.median(x[0] for x in s) * 1e3
        c = statistics.median(x[1] for x in s) * 1e3
        r = [x[2] for x in s]
        rows.append((w, c, statistics.median(r)))
        print(f"| {label} | {w:.1f} | {c:.1f} | {mib(statistics.median(r)):.2f}"
              f" / {mib(max(r)):.2f} |")
    print(f"| ratio python / C | {rows[1][0] / rows[0][0]:.1f}x | "
          f"{rows[1][1] / rows[0][1]:.1f}x | {rows[1][2] / rows[0][2]:.1f}x |")
    print()
    print(f"Local array of {size} indexes, {jobs} processes at once "
          "(deploy/runner.py, as `make run-array`), every index verified:")
    print()
    print("| tool | total wall s | indexes/s | CPU sum s | per-process "
          "peak RSS median/max MiB |")
    print("|---|---:|---:|---:|---:|")
    agg = []
    for (label, _), (total, per) in zip(TOOLS, big):
        cpu = sum(x[1] for x in per)
        r = [x[2] for x in per]
        agg.append((total, cpu, statistics.median(r)))
        print(f"| {label} | {total:.1f} | {size / total:.1f} | {cpu:.1f} | "
              f"{mib(statistics.median(r)):.2f} / {mib(max(r)):.2f} |")
    print(f"| ratio python / C | {agg[1][0] / agg[0][0]:.1f}x | | "
          f"{agg[1][1] / agg[0][1]:.1f}x | {agg[1][2] / agg[0][2]:.1f}x |")
    print()
    print("- Wall per index includes moto's PutItem answer (a Python server "
          "sharing the CPUs); CPU and peak RSS are the child's own (wait4 in "
          "tests/bench/bench_rusage.c).")
    print("- The array's total wall is bound by moto as much as by the "
          "workers when the worker is the C one: moto serves every PutItem "
          "on the same 2 CPUs.")
    print(f"\nbench took {elapsed:.1f} s")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench_array: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
