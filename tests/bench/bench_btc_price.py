#!/usr/bin/env python3
"""bench_btc_price - btc-price vs the Python script it replaces, whole runs.

In one run, against the same local endpoints: moto_server on 127.0.0.1 with
IAM auth on (tests/lib/swtest.py's Moto, the worker's policy) and the local
TLS exchange stand-in (tests/lib/exchanges.py), this times whole processes:

  btc-price, 4 sources     the static release binary with its defaults:
                           fetches coinbase, kraken, bitstamp and coingecko
                           at once, stores the median
  ..., image CA bundle     the same with the CA bundle the image ships (the
                           fixture's CA appended): what a deployed run loads
  btc-price, coinbase      PRICE_SOURCES=coinbase PRICE_QUORUM=1: the same
                           work as the Python script (like for like)
  python requests+boto3    tests/bench/seed_btc_price.py: one GET of the
                           coinbase-format price, one put_item

Every run gets its own SCHEDULED_TIME slot, so every run really writes an
item; a non-zero exit aborts the bench, and afterwards the table must hold
exactly one item per run of each tool (warm-up included) and the fixture
must have seen the expected requests, else the bench fails: figures from
failing runs would be worthless. Each tool is run once to warm up (page
cache, moto's lazy imports), then BENCH_RUNS times (default 20, at least
10), interleaved round by round so drift hits all tools alike.

Each run is measured by tests/bench/bench_rusage.c, a small static
launcher (a child forked from this Python process would report this
process's ~50 MiB as its peak RSS, see there): wall time from fork to
reap, and from wait4 the child's CPU time (ru_utime + ru_stime) and peak
RSS (ru_maxrss). Figures are printed, never asserted (`make bench`, not a test).

    BUILD=build python3 tests/bench/bench_btc_price.py
"""
import datetime
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

from exchanges import DEFAULT_PRICE, SOURCES, Exchanges  # noqa: E402
from benchlib import RUSAGE, BenchError, mib, run_measured, tail  # noqa: E402
from swtest import BIN, BUILD, ROOT, Moto  # noqa: E402

WORKER = os.path.join(BIN, "btc-price")
SEED = os.path.join(HERE, "seed_btc_price.py")
TABLE = "btc-prices"
PAIR = "BTC-USD"
SLOT = 120
# Each tool writes its items on its own day, so they can be counted apart.
BASE = int(datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
           .timestamp())
DAY = 86400
GOAL_WALL_MS = 15.0
GOAL_RSS_MIB = 3.0
GOAL_FASTER = 40.0

# SSL_CERT_FILE value replaced by the image's CA bundle (deploy/ca, what
# the image ships) with the fixture's CA appended.
IMAGE_BUNDLE = "@image-bundle"

# (label, argv, extra environment, sources asked per run)
TOOLS = [
    ("btc-price, 4 sources", [WORKER], {}, SOURCES),
    # As deployed, CA bundle included (the fixture's CA appended).
    ("btc-price, 4 sources, image CA bundle", [WORKER],
     {"SSL_CERT_FILE": IMAGE_BUNDLE}, SOURCES),
    ("btc-price, coinbase only", [WORKER],
     {"PRICE_SOURCES": "coinbase", "PRICE_QUORUM": "1"}, ("coinbase",)),
    ("python requests+boto3, coinbase only", [sys.executable, SEED], {},
     ("coinbase",)),
]
PY = 3  # index of the Python row in TOOLS


def iso(ts):
    """ts (Unix seconds) as YYYY-MM-DDTHH:MM:SSZ."""
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def slot_of(tool, run):
    """The SCHEDULED_TIME of run `run` (0 = warm-up) of tool `tool`."""
    return BASE + tool * DAY + run * SLOT


def count_items(ddb, tool):
    """(item count, prices seen) in tool `tool`'s day of the table."""
    lo, hi = iso(slot_of(tool, 0)), iso(slot_of(tool, 0) + DAY - 1)
    items, kwargs = [], {}
    while True:
        page = ddb.query(
            TableName=TABLE, ConsistentRead=True,
            KeyConditionExpression="#p = :p AND #t BETWEEN :lo AND :hi",
            ExpressionAttributeNames={"#p": "pair", "#t": "timestamp"},
            ExpressionAttributeValues={":p": {"S": PAIR}, ":lo": {"S": lo},
                                       ":hi": {"S": hi}}, **kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    return len(items), {it["price"]["N"] for it in items}


def endpoint_floor(moto, key, ex, n=10):
    """Median round trips of the local endpoints from warm Python clients
    in this process (an upper bound of the servers' own share of a run):
    (PutItem ms, HTTPS GET on a new connection ms)."""
    import boto3
    import requests
    ddb = boto3.client("dynamodb", endpoint_url=moto.endpoint,
                       region_name="us-east-1", aws_access_key_id=key[0],
                       aws_secret_access_key=key[1])
    url = ex.url("coinbase") + "/v2/prices/BTC-USD/spot"
    put, get = [], []
    for i in range(n + 1):
        t0 = time.perf_counter()
        ddb.put_item(TableName=TABLE, Item={"pair": {"S": "FLOOR"},
                                            "timestamp": {"S": str(i)}})
        t1 = time.perf_counter()
        requests.get(url, verify=ex.ca, timeout=3).raise_for_status()
        t2 = time.perf_counter()
        if i:  # the first of each is a warm-up
            put.append(t1 - t0)
            get.append(t2 - t1)
    return statistics.median(put) * 1e3, statistics.median(get) * 1e3


def oci_image(name):
    """(compressed layer bytes, digest, note) of build/images/<name>/oci, the
    figure deploy/images.sh --summary prints, or None without an image."""
    d = os.path.join(BUILD, "images", name)
    try:
        with open(os.path.join(d, "oci", "index.json")) as f:
            index = json.load(f)
    except OSError:
        return None
    digest = index["manifests"][0]["digest"]
    blobs = os.path.join(d, "oci", "blobs", "sha256")
    with open(os.path.join(blobs, digest.split(":", 1)[1])) as f:
        manifest = json.load(f)
    size = sum(os.path.getsize(os.path.join(blobs, l["digest"].split(":")[1]))
               for l in manifest["layers"])

    def sha(path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    try:
        same = sha(os.path.join(d, "context", name)) == sha(WORKER)
        note = "built from the binary measured here" if same else \
            "built from ANOTHER binary than the one measured (make images)"
    except OSError:
        note = "binary it was built from unknown"
    return size, digest, note


def bundle_certs():
    """How many certificates the image's CA bundle holds."""
    with open(os.path.join(ROOT, "deploy", "ca", "ca-certificates.crt")) as f:
        return f.read().count("-----BEGIN CERTIFICATE-----")


def main():
    runs = int(os.environ.get("BENCH_RUNS", "20"))
    if runs < 10:
        print("bench_btc_price: BENCH_RUNS must be at least 10",
              file=sys.stderr)
        return 2
    for prog in (WORKER, RUSAGE):
        if not os.access(prog, os.X_OK):
            print(f"bench_btc_price: {prog} missing (make bench-btc-price "
                  f"builds it)", file=sys.stderr)
            return 2
    started = time.monotonic()
    os.makedirs(os.path.join(BUILD, "test", "logs"), exist_ok=True)

    moto = Moto()
    ex = None
    try:
        moto.create_table(TABLE, hash_key="pair", range_key="timestamp")
        key = moto.worker_user("btc-price")
        ex = Exchanges()
        with tempfile.TemporaryDirectory(prefix="bench-btc-") as tmp:
            samples = measure(moto, key, ex, runs, tmp)
        verify(moto, ex, runs)
        floor = endpoint_floor(moto, key, ex)
    finally:
        if ex is not None:
            ex.stop()
        moto.stop()
    report(samples, runs, floor, time.monotonic() - started)
    return 0


def measure(moto, key, ex, runs, tmp):
    """Warm-up plus `runs` rounds of every tool; returns per tool a list of
    (wall s, CPU s, RSS KiB). Raises BenchError on any failed run."""
    # AWS_DEFAULT_REGION: botocore does not read AWS_REGION (ECS and Batch
    # set both).
    base_env = moto.env(key, TABLE_NAME=TABLE, **ex.env())
    base_env["AWS_DEFAULT_REGION"] = base_env["AWS_REGION"]
    bundle = os.path.join(tmp, "image-bundle.pem")
    with open(bundle, "w") as out:
        for path in (os.path.join(ROOT, "deploy", "ca",
                                  "ca-certificates.crt"), ex.ca):
            with open(path) as f:
                out.write(f.read())
    envs = [dict(base_env, **{k: bundle if v == IMAGE_BUNDLE else v
                              for k, v in extra.items()})
            for _, _, extra, _ in TOOLS]
    samples = [[] for _ in TOOLS]
    for r in range(runs + 1):
        for t, (label, argv, _, _) in enumerate(TOOLS):
            env = dict(envs[t], SCHEDULED_TIME=iso(slot_of(t, r)))
            out = os.path.join(tmp, f"{t}-{r}")
            rc, wall, cpu, rss = run_measured(argv, env, out)
            if rc != 0:
                raise BenchError(
                    f"{label}: run {r} exited {rc}:\n{tail(out + '.err')}")
            if t != PY:
                msg = json.loads(tail(out + ".err", 1)).get("msg", "")
                if msg.startswith("already written"):
                    raise BenchError(f"{label}: run {r} wrote nothing: {msg}")
            if r:  # round 0 is the warm-up
                samples[t].append((wall, cpu, rss))
    return samples


def verify(moto, ex, runs):
    """Every run wrote its own item with the fixture's price, and the
    fixture saw every request it should have. Raises BenchError if not."""
    ddb = moto.admin("dynamodb")
    for t, (label, _, _, _) in enumerate(TOOLS):
        n, prices = count_items(ddb, t)
        print(f"verified: {label}: {n} items in the table "
              f"(expected {runs + 1}: {runs} runs + 1 warm-up), "
              f"prices {sorted(prices)}")
        if n != runs + 1 or prices != {DEFAULT_PRICE}:
            raise BenchError(f"{label}: table holds {n} items with prices "
                             f"{sorted(prices)}, expected {runs + 1} at "
                             f"{DEFAULT_PRICE}")
    want = {s: sum(runs + 1 for *_, srcs in TOOLS if s in srcs)
            for s in SOURCES}
    got = {s: len(ex.hits[s]) for s in SOURCES}
    print(f"verified: exchange fixture requests {got} (expected {want}), "
          f"unmatched {len(ex.unmatched)}")
    if got != want or ex.unmatched:
        raise BenchError("the exchange fixture saw other requests than "
                         "the runs should have made")


def report(samples, runs, floor, elapsed):
    """Prints the Markdown table, sizes and goals."""
    rows = []
    for (label, *_), s in zip(TOOLS, samples):
        wall = statistics.median(x[0] for x in s) * 1e3
        cpu = statistics.median(x[1] for x in s) * 1e3
        rss = [x[2] for x in s]
        rows.append((label, wall, cpu, statistics.median(rss), max(rss)))
    py = rows[PY]
    size = os.path.getsize(WORKER)
    print()
    print(f"## btc-price vs Python requests+boto3 ({runs} runs per tool "
          f"after 1 warm-up, {os.cpu_count()} CPUs)")
    print()
    print("| tool | wall median ms | CPU median ms | peak RSS median/max MiB "
          "| x vs python (wall / CPU / RSS) |")
    print("|---|---:|---:|---:|---:|")
    for label, wall, cpu, rss_med, rss_max in rows:
        ratio = "1.0 / 1.0 / 1.0" if label == py[0] else \
            f"{py[1] / wall:.1f} / {py[2] / cpu:.1f} / {py[3] / rss_med:.1f}"
        print(f"| {label} | {wall:.1f} | {cpu:.1f} | "
              f"{mib(rss_med):.2f} / {mib(rss_max):.2f} | {ratio} |")
    print()
    print("- btc-price, 4 sources asks 4 exchanges concurrently (as deployed);"
          " the Python script asks 1. The coinbase-only row is like for like.")
    print("- CA file: the fixture's one-certificate CA (requests' verify= "
          "for Python), except in the 'image CA bundle' row: what the image "
          f"ships (deploy/ca, {bundle_certs()} certificates) plus the "
          "fixture's CA.")
    print("- Wall: fork to reap (tests/bench/bench_rusage.c), so it includes "
          "the local servers' answers; CPU (user+sys) and peak RSS "
          "(ru_maxrss) are the child's own, from wait4.")
    print(f"- Local endpoint round trips from warm Python clients in the "
          f"bench process (upper bounds of the servers' share): moto PutItem "
          f"(IAM on) {floor[0]:.1f} ms, fixture HTTPS GET on a new "
          f"connection {floor[1]:.1f} ms. Both servers are Python and share "
          f"the CPUs with the runs.")
    print(f"- Binary: {WORKER}: {size} bytes ({size / 1024:.0f} KiB), "
          f"static musl, stripped.")
    img = oci_image("btc-price")
    if img:
        print(f"- Image btc-price: {img[0]} bytes ({img[0] / 1024:.0f} KiB) "
              f"compressed layers, {img[1][:19]}..., {img[2]}.")
    else:
        print("- Image btc-price: not built (`make images` builds "
              "build/images/btc-price).")
    print("- Images python:3.8 and python:3.8-slim: not measurable here (no "
          "registry access); no published figure is quoted.")
    ours = [r for i, r in enumerate(rows) if i != PY]

    def met(ok):
        return "met" if ok else "NOT met"

    def each(fmt, ok):
        return "; ".join(f"{r[0]}: {fmt(r)} ({met(ok(r))})" for r in ours)
    print()
    print("Goals (stated, not asserted; this run's btc-price rows):")
    print(f"- wall <= {GOAL_WALL_MS:.0f} ms (median): "
          + each(lambda r: f"{r[1]:.1f} ms", lambda r: r[1] <= GOAL_WALL_MS))
    print(f"- peak RSS <= {GOAL_RSS_MIB:.0f} MiB (max): "
          + each(lambda r: f"{mib(r[4]):.2f} MiB",
                 lambda r: mib(r[4]) <= GOAL_RSS_MIB))
    print(f"- >= {GOAL_FASTER:.0f}x faster than Python (median wall): "
          + each(lambda r: f"{py[1] / r[1]:.1f}x",
                 lambda r: py[1] / r[1] >= GOAL_FASTER))
    print(f"\nbench took {elapsed:.1f} s")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench_btc_price: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
