#!/usr/bin/env python3
"""test_etl_oracle - the ETL transform checked number for number against
two independent oracles (tests/oracle/: DuckDB in SQL, pandas with
DataFrames), both real engines run here.

1. The oracles on a small hand-worked fixture (tests/oracle/fixture: every
   kind of reject, duplicate and orphan, a BOM, CRLF, a multi-line quoted
   review, a leap day, a ranking tie) give exactly the aggregates worked
   out by hand; so do etl-extract + etl-transform. A wrong header or a
   missing file is exit 2 from all three.
2. olist-gen writes SF 0.02 data; the sanitizer builds of etl-extract and
   etl-transform (local directories, the contract's environment) and both
   oracles compute the six aggregates; every file must be equal byte for
   byte between each pair of the three (the first differing line is shown).
3. Negative control: one price changed in a copy of the input changes at
   least one aggregate, and the comparison sees it.

A missing worker binary or generator is a failure, never a skip.
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__) + "/../lib")
from etltest import (AGGREGATES, OLIST_GEN, ORACLE_DIR,  # noqa: E402
                     oracle_cmd)
from swtest import TEST_BIN, Tap, node_path  # noqa: E402

EXTRACT = os.path.join(TEST_BIN, "etl-extract")
TRANSFORM = os.path.join(TEST_BIN, "etl-transform")
FIXTURE = os.path.join(ORACLE_DIR, "fixture")
SF = "0.02"
SEED = "42"

t = Tap()
tmp = tempfile.mkdtemp(prefix="sw_etl_oracle_")


NODE_PATH = node_path()


def run(args, env=None, timeout=300):
    """Runs a program; returns (exit code, stderr)."""
    p = subprocess.run(args, env=env, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stderr


def duckdb(indir, outdir):
    """The DuckDB oracle; returns (exit code, stderr)."""
    return run(*oracle_cmd("duckdb", indir, outdir, NODE_PATH))


def pandas(indir, outdir):
    """The pandas oracle; returns (exit code, stderr)."""
    return run(*oracle_cmd("pandas", indir, outdir, NODE_PATH))


def ours(indir, work, run_id="r1"):
    """etl-extract then etl-transform on local directories; returns
    (exit code, stderr, the aggregates' directory)."""
    env = dict(os.environ, ETL_RUN_ID=run_id, ETL_INPUT=indir,
               ETL_WORK=work)
    for prog in (EXTRACT, TRANSFORM):
        if not os.access(prog, os.X_OK):
            return 127, f"{prog} is not built", None
        rc, err = run([prog], env=env)
        if rc != 0:
            return rc, f"{os.path.basename(prog)}: {err}", None
    return 0, "", os.path.join(work, run_id, "agg")


def diff(a, b, name):
    """None when a/name.csv and b/name.csv are equal bytes; otherwise what
    differs: a missing file or the first differing line of each."""
    pa, pb = (os.path.join(d, name + ".csv") for d in (a, b))
    for p in (pa, pb):
        if not os.path.isfile(p):
            return f"{p} missing"
    with open(pa, "rb") as fa, open(pb, "rb") as fb:
        la, lb = fa.read().split(b"\n"), fb.read().split(b"\n")
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else b"<end of file>"
        y = lb[i] if i < len(lb) else b"<end of file>"
        if x != y:
            return (f"line {i + 1}:\n  {pa}: {x!r}\n  {pb}: {y!r}\n"
                    f"  ({len(la) - 1} vs {len(lb) - 1} lines)")
    return None


def data_rows(d, name):
    """Number of data lines in d/name.csv (0 if missing)."""
    p = os.path.join(d, name + ".csv")
    if not os.path.isfile(p):
        return 0
    with open(p, "rb") as f:
        return f.read().count(b"\n") - 1


def check_all(a, b, what):
    """One TAP line per aggregate: a's and b's files are equal."""
    for name in AGGREGATES:
        d = diff(a, b, name)
        t.ok(d is None, f"{what}: {name}.csv equal", d)


def test_fixture():
    """The oracles and the workers on the hand-worked fixture."""
    indir = os.path.join(FIXTURE, "input")
    want = os.path.join(FIXTURE, "expected")
    for tool, fn in (("duckdb", duckdb), ("pandas", pandas)):
        out = os.path.join(tmp, f"fixture-{tool}")
        rc, err = fn(indir, out)
        t.eq(rc, 0, f"fixture: {tool} oracle exits 0" + (
            "" if rc == 0 else f" ({err.strip()})"))
        check_all(want, out, f"fixture: {tool} vs hand-worked")
    rc, err, agg = ours(indir, os.path.join(tmp, "fixture-work"))
    t.ok(rc == 0, "fixture: etl-extract + etl-transform exit 0", err)
    if agg:
        check_all(want, agg, "fixture: ours vs hand-worked")


def test_bad_input():
    """A wrong header or a missing file: exit 2 from all three."""
    src = os.path.join(FIXTURE, "input")
    cases = []
    hdr = os.path.join(tmp, "bad-header")
    shutil.copytree(src, hdr)
    path = os.path.join(hdr, "olist_sellers_dataset.csv")
    with open(path, "rb") as f:
        body = f.read()
    with open(path, "wb") as f:
        f.write(body.replace(b"seller_city", b"seller_town", 1))
    cases.append(("sellers header column 3 renamed", hdr, "seller_town"))
    gone = os.path.join(tmp, "missing-file")
    shutil.copytree(src, gone)
    os.unlink(os.path.join(gone, "olist_order_payments_dataset.csv"))
    cases.append(("payments file missing", gone,
                  "olist_order_payments_dataset.csv"))
    for what, indir, needle in cases:
        for tool, fn in (("duckdb", duckdb), ("pandas", pandas)):
            rc, err = fn(indir, os.path.join(tmp, f"bad-{tool}"))
            t.ok(rc == 2 and needle in err,
                 f"{what}: {tool} oracle exits 2 naming it", f"{rc}: {err}")
        rc, err, _ = ours(indir, os.path.join(tmp, "bad-work"))
        t.eq(rc, 2, f"{what}: etl-extract exits 2")


def generate(out):
    """olist-gen at SF 0.02 into out; a failure if the generator is not
    built."""
    if not t.ok(os.access(OLIST_GEN, os.X_OK), f"{OLIST_GEN} is built"):
        return False
    # --bom: every file starts with a UTF-8 BOM, as the real translation
    # file does; both readers and extract must skip it.
    rc, err = run([OLIST_GEN, "--sf", SF, "--seed", SEED, "--out", out,
                   "--bom"])
    return t.ok(rc == 0, f"olist-gen SF {SF} seed {SEED} exits 0", err)


def perturb_price(src, dst):
    """Copies the input src to dst with one item price raised by 1.00, on
    an item of a delivered order. Returns that item's order id."""
    shutil.copytree(src, dst)
    with open(os.path.join(src, "olist_orders_dataset.csv"), newline="",
              encoding="utf-8-sig") as f:
        delivered = {r["order_id"] for r in csv.DictReader(f)
                     if r["order_status"] == "delivered"}
    path = os.path.join(dst, "olist_order_items_dataset.csv")
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    for i, line in enumerate(lines[1:], 1):
        fields = line.split(b",")
        if len(fields) == 7 and fields[0].decode() in delivered and \
                fields[5].replace(b".", b"").isdigit():
            whole, _, frac = fields[5].decode().partition(".")
            fields[5] = f"{int(whole) + 1}.{frac or '0'}".encode()
            lines[i] = b",".join(fields)
            with open(path, "wb") as f:
                f.write(b"\n".join(lines))
            return fields[0].decode()
    raise RuntimeError("no item of a delivered order to perturb")


def test_generated():
    """Ours vs DuckDB vs pandas on generated data, and the negative
    control."""
    t.ok(os.access(EXTRACT, os.X_OK), f"{EXTRACT} is built")
    t.ok(os.access(TRANSFORM, os.X_OK), f"{TRANSFORM} is built")
    data = os.path.join(tmp, "data")
    if not generate(data):
        return
    outs = {}
    rc, err, agg = ours(data, os.path.join(tmp, "work"))
    t.ok(rc == 0, "generated: etl-extract + etl-transform exit 0", err)
    outs["ours"] = agg
    for tool, fn in (("duckdb", duckdb), ("pandas", pandas)):
        out = os.path.join(tmp, f"gen-{tool}")
        rc, err = fn(data, out)
        t.ok(rc == 0, f"generated: {tool} oracle exits 0", err)
        outs[tool] = out
    # A comparison of near-empty files would prove little (payment_mix
    # has one row per payment type: 4 or 5).
    for name in AGGREGATES:
        n = data_rows(outs["duckdb"], name)
        least = 4 if name == "payment_mix" else 20
        t.ok(n >= least, f"generated: {name}.csv has {n} data rows "
             f"(>= {least})")
    if outs["ours"]:
        check_all(outs["ours"], outs["duckdb"], "ours vs duckdb")
        check_all(outs["ours"], outs["pandas"], "ours vs pandas")
    check_all(outs["duckdb"], outs["pandas"], "duckdb vs pandas")

    # Negative control: the same comparison must see one changed price.
    bad = os.path.join(tmp, "data-perturbed")
    order = perturb_price(data, bad)
    rc, err, agg = ours(bad, os.path.join(tmp, "work-perturbed"))
    t.ok(rc == 0, "perturbed: etl-extract + etl-transform exit 0", err)
    if agg:
        differ = [n for n in AGGREGATES if diff(agg, outs["duckdb"], n)]
        t.ok("daily_state" in differ and "seller_ranking" in differ,
             f"perturbed price (order {order}): ours differs from the "
             "oracle on the unperturbed input", f"differing: {differ}")
    out = os.path.join(tmp, "gen-duckdb-perturbed")
    rc, err = duckdb(bad, out)
    t.ok(rc == 0, "perturbed: duckdb oracle exits 0", err)
    if agg and rc == 0:
        check_all(agg, out, "perturbed: ours vs duckdb")


try:
    t.run(test_fixture)
    t.run(test_bad_input)
    t.run(test_generated)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
