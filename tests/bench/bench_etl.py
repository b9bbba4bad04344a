#!/usr/bin/env python3
"""bench_etl - the ETL's extract + transform vs DuckDB and pandas doing the
same computation from the same CSVs, and etl-load vs boto3's
batch_writer() into a local DynamoDB (dynalite).

    BUILD=build python3 tests/bench/bench_etl.py      (or: make bench-etl)

For each scale factor in BENCH_ETL_SF (default "1 10"):

  1. the 9 raw CSVs from olist-gen (seed 42), cached in build/olist/sfN
     (regenerated only when missing or made with other settings);
  2. BENCH_RUNS runs (default 3 up to SF 1, 1 above) of, interleaved:
       ours    build/bin/etl-extract then etl-transform (release, static
               musl; local directories, the contract's environment)
       duckdb  tests/oracle/etl_duckdb.mjs (node, @duckdb/node-api)
       pandas  tests/oracle/etl_pandas.py (Debian's /usr/bin/python3)
     each process measured by tests/bench/bench_rusage.c (wall, user+sys
     CPU, peak RSS of the process itself); ours is the sum of its two
     processes' wall and CPU and the larger peak RSS. The median run is
     reported. The three must write the same six files, byte for byte, or
     the bench stops: figures from wrong runs are worthless.
  3. the load: dynalite (the pinned Node DynamoDB stand-in, in memory, on
     127.0.0.1) and a fresh table per run; build/bin/etl-load vs
     tests/bench/seed_etl_load.py (boto3 Table.batch_writer) writing the
     same items from ours' aggregates; after each, the table is scanned and
     both tools' items must be identical.

Prints Markdown tables; nothing is asserted. MB are 10^6 bytes; parse
throughput is the raw input bytes over etl-extract's wall time.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from benchlib import RUSAGE, BenchError, outputs, run_measured  # noqa: E402
from etltest import AGGREGATES, OLIST_GEN, oracle_cmd  # noqa: E402
from swtest import BIN, BUILD, node_path, start_dynalite  # noqa: E402

EXTRACT = os.path.join(BIN, "etl-extract")
TRANSFORM = os.path.join(BIN, "etl-transform")
LOAD = os.path.join(BIN, "etl-load")
SEED_LOAD = os.path.join(HERE, "seed_etl_load.py")
SEED = 42
RUN_DATE = "2026-01-01"
TABLE = "bench-etl"


def measure(argv, env, tmp):
    """Runs argv under bench_rusage; returns (wall s, CPU s, peak RSS KiB,
    stdout). A non-zero exit raises BenchError with its stderr."""
    out = os.path.join(tmp, "m")
    code, wall, cpu, rss = run_measured(argv, env, out)
    so, se = outputs(out)
    if code != 0:
        raise BenchError(f"{' '.join(argv[:2])} exited {code}:\n{se[-2000:]}")
    return wall, cpu, rss, so


def sf_name(sf):
    """'1', '10', '0.1': the scale factor as written in paths."""
    return f"{float(sf):g}"


def ensure_data(sf):
    """The cached input of scale factor sf (generated when missing or made
    with other settings). Returns (dir, total bytes)."""
    d = os.path.join(BUILD, "olist", f"sf{sf_name(sf)}")
    stamp = os.path.join(d, ".olist-gen")
    want = f"olist-gen --sf {sf} --seed {SEED}\n"
    have = None
    if os.path.exists(stamp):
        with open(stamp) as f:
            have = f.read()
    if have != want:
        t0 = time.monotonic()
        subprocess.run([OLIST_GEN, "--sf", str(sf), "--seed", str(SEED),
                        "--out", d], check=True)
        with open(stamp, "w") as f:
            f.write(want)
        print(f"# generated SF {sf} in {time.monotonic() - t0:.1f} s: {d}",
              flush=True)
    size = sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d)
               if n.endswith(".csv"))
    return d, size


def same_files(a, b):
    """None when the six aggregate files of a and b are equal bytes, else
    the first one that differs."""
    for name in AGGREGATES:
        with open(os.path.join(a, name + ".csv"), "rb") as fa, \
                open(os.path.join(b, name + ".csv"), "rb") as fb:
            if fa.read() != fb.read():
                return name
    return None


def run_ours(data, tmp):
    """etl-extract + etl-transform on local directories. Returns (figures,
    extract wall, aggregates dir, work dir)."""
    work = tempfile.mkdtemp(dir=tmp, prefix="work-")
    env = dict(os.environ, ETL_RUN_ID="bench", ETL_INPUT=data,
               ETL_WORK=work)
    ew, ec, er, _ = measure([EXTRACT], env, tmp)
    tw, tc, tr, _ = measure([TRANSFORM], env, tmp)
    return ((ew + tw, ec + tc, max(er, tr)), ew,
            os.path.join(work, "bench", "agg"), work)


def settle(data):
    """The same starting point for every tool's timed run: earlier runs'
    writes flushed (os.sync, so their writeback does not land in the next
    run), then the raw CSVs read once so they come from the page cache
    (else the first tool after a large one pays the disk reads alone: seen
    here as 33 s instead of 10 s for ours at SF 10 after pandas' 5 GB)."""
    os.sync()
    for name in sorted(os.listdir(data)):
        with open(os.path.join(data, name), "rb") as f:
            while f.read(8 << 20):
                pass


def bench_transform(sf, data, size, runs, npath, tmp):
    """The extract + transform comparison for one scale factor. Returns
    (rows for the table, extract MB/s, ours' work dir of the last run)."""
    figs = {"ours": [], "duckdb": [], "pandas": []}
    ex_walls = []
    work = None
    for r in range(runs):
        if work:
            shutil.rmtree(work)
        settle(data)
        f, ew, agg, work = run_ours(data, tmp)
        figs["ours"].append(f)
        ex_walls.append(ew)
        outs = {}
        for tool in ("duckdb", "pandas"):
            out = tempfile.mkdtemp(dir=tmp, prefix=f"{tool}-")
            argv, env = oracle_cmd(tool, data, out, npath)
            settle(data)
            w, c, m, _ = measure(argv, env, tmp)
            figs[tool].append((w, c, m))
            outs[tool] = out
        for tool, out in outs.items():
            bad = same_files(agg, out)
            if bad:
                raise BenchError(f"SF {sf} run {r + 1}: {bad}.csv differs "
                                 f"between ours and {tool}")
            shutil.rmtree(out)
        print(f"# SF {sf} run {r + 1}/{runs}: " + ", ".join(
            f"{k} {v[-1][0]:.2f} s" for k, v in figs.items()) +
            " (outputs identical)", flush=True)
    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3))
           for k, v in figs.items()}
    mbps = size / 1e6 / statistics.median(ex_walls)
    return med, mbps, work


def ddb_env(port, work):
    """Environment for etl-load and the boto3 peer against dynalite."""
    env = dict(os.environ)
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
              "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
              "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        env.pop(k, None)
    env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true",
               AWS_ENDPOINT_URL_DYNAMODB=f"http://127.0.0.1:{port}",
               ETL_RUN_ID="bench", ETL_WORK=work, ETL_TABLE=TABLE,
               ETL_RUN_DATE=RUN_DATE)
    return env


def scan_all(ddb):
    """Every item of the table, as a sorted list of JSON strings."""
    out = []
    for page in ddb.get_paginator("scan").paginate(TableName=TABLE):
        out.extend(json.dumps(i, sort_keys=True) for i in page["Items"])
    return sorted(out)


def fresh_table(ddb):
    """Deletes (if there) and creates the bench table: pk, sk strings."""
    try:
        ddb.delete_table(TableName=TABLE)
        ddb.get_waiter("table_not_exists").wait(
            TableName=TABLE, WaiterConfig={"Delay": 0.1})
    except ddb.exceptions.ResourceNotFoundException:
        pass
    ddb.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}])
    ddb.get_waiter("table_exists").wait(TableName=TABLE,
                                        WaiterConfig={"Delay": 0.1})


def bench_load(sf, work, runs, npath, tmp):
    """etl-load vs boto3 batch_writer into dynalite, from ours' aggregates.
    Returns {tool: (wall, CPU, RSS)} medians and the item count."""
    import boto3
    log = open(os.path.join(tmp, "dynalite.log"), "w")
    server, endpoint = start_dynalite(stdout=log, stderr=log)
    port = int(endpoint.rsplit(":", 1)[1])
    try:
        env = ddb_env(port, work)
        ddb = boto3.client("dynamodb", endpoint_url=endpoint,
                           region_name="us-east-1",
                           aws_access_key_id="bench",
                           aws_secret_access_key="bench")
        figs = {"etl-load": [], "boto3": []}
        want = None
        for r in range(runs):
            for tool in figs:
                fresh_table(ddb)
                if tool == "etl-load":
                    wh = tempfile.mkdtemp(dir=tmp, prefix="wh-")
                    argv = [LOAD]
                    e = dict(env, ETL_WAREHOUSE=wh)
                else:
                    argv = [sys.executable, SEED_LOAD]
                    e = env
                w, c, m, _ = measure(argv, e, tmp)
                figs[tool].append((w, c, m))
                got = scan_all(ddb)
                if want is None:
                    want = got
                elif got != want:
                    raise BenchError(f"SF {sf}: {tool} wrote other items "
                                     f"({len(got)} vs {len(want)})")
            print(f"# SF {sf} load run {r + 1}/{runs}: " + ", ".join(
                f"{k} {v[-1][0]:.2f} s" for k, v in figs.items()) +
                f" ({len(want)} items, identical)", flush=True)
        med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3))
               for k, v in figs.items()}
        return med, len(want)
    finally:
        server.terminate()
        server.wait(10)
        log.close()


def ratio(x, base):
    """x / base as 'N.N×' (or '-' for the base itself)."""
    return f"{x / base:.1f}×" if base > 0 else "n/a"


def main():
    """Runs every scale factor and prints the tables."""
    for p in (OLIST_GEN, EXTRACT, TRANSFORM, LOAD, RUSAGE):
        if not os.access(p, os.X_OK):
            sys.exit(f"bench_etl: {p} is not built (make bench-etl builds "
                     "it)")
    sfs = os.environ.get("BENCH_ETL_SF", "1 10").split()
    npath = node_path()
    tmp = tempfile.mkdtemp(dir=BUILD, prefix="bench-etl-")
    rows, load_rows = [], []
    try:
        for sf in sfs:
            runs = int(os.environ.get("BENCH_RUNS") or
                       (3 if float(sf) <= 1 else 1))
            data, size = ensure_data(sf)
            med, mbps, work = bench_transform(sf, data, size, runs, npath,
                                              tmp)
            rows.append((sf, size, runs, med, mbps))
            lmed, nitems = bench_load(sf, work, runs, npath, tmp)
            load_rows.append((sf, runs, lmed, nitems))
            shutil.rmtree(work)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("\n### Extract + transform (the six aggregates from the 9 raw "
          "CSVs)\n")
    print("| SF | input MB | tool | wall s | CPU s | peak RSS MiB | "
          "wall vs ours | CPU vs ours | RSS vs ours |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    names = {"ours": "etl-extract + etl-transform (static C)",
             "duckdb": "DuckDB (node, etl_duckdb.mjs)",
             "pandas": "pandas (etl_pandas.py)"}
    for sf, size, runs, med, mbps in rows:
        base = med["ours"]
        for tool in ("ours", "duckdb", "pandas"):
            w, c, m = med[tool]
            print(f"| {sf} | {size / 1e6:.1f} | {names[tool]} | {w:.2f} | "
                  f"{c:.2f} | {m / 1024:.1f} | {ratio(w, base[0])} | "
                  f"{ratio(c, base[1])} | {ratio(m, base[2])} |")
    print("\nCSV parse throughput (raw input bytes / etl-extract wall): " +
          "; ".join(f"SF {sf}: {mbps:.0f} MB/s" for sf, _, _, _, mbps in
                    rows))
    print("\n### Load into DynamoDB (dynalite on 127.0.0.1)\n")
    print("| SF | items | tool | wall s | CPU s | peak RSS MiB | "
          "wall vs etl-load | CPU vs etl-load | RSS vs etl-load |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    lnames = {"etl-load": "etl-load (static C, + warehouse files)",
              "boto3": "boto3 batch_writer (seed_etl_load.py)"}
    for sf, runs, med, nitems in load_rows:
        base = med["etl-load"]
        for tool in ("etl-load", "boto3"):
            w, c, m = med[tool]
            print(f"| {sf} | {nitems} | {lnames[tool]} | {w:.2f} | "
                  f"{c:.2f} | {m / 1024:.1f} | {ratio(w, base[0])} | "
                  f"{ratio(c, base[1])} | {ratio(m, base[2])} |")
    print(f"\nMedian of the runs ({', '.join(f'SF {r[0]}: {r[2]}' for r in rows)}"
          "); `vs ours` is the tool's figure over ours (2.0× = twice ours).")


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        sys.exit(f"bench_etl: {e}")
