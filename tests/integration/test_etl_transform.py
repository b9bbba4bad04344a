"""test_etl_transform - etl-extract then etl-transform on a tiny data set
whose six aggregates were computed by hand (independently of the DuckDB
and pandas oracles): orphans of every kind, a canceled order (left out of
the sales aggregates, counted in category_reviews), an untranslated and an
empty category, a seller tie broken by id, nearest-rank percentiles,
rejected raw rows that must not count. Also: transform.json, rerun
idempotence (byte-identical outputs), the static release binaries, a
missing or malformed stage file (exit 2 with the line), and the same run
against S3 (moto_server with IAM auth, a user allowed only the S3 actions
the stages need).
"""
import json
import os
import shutil
import tempfile

from etltest import run_stage, s3_stages
from etltest import write_raw as etl_write_raw
from swtest import BIN, TEST_BIN, Moto, Tap

EXTRACT = os.path.join(TEST_BIN, "etl-extract")
TRANSFORM = os.path.join(TEST_BIN, "etl-transform")

def i(tag):
    """A 32-hex id from a short tag ("o1" -> "o1o1..." is not hex, so the
    tag's bytes are hex-encoded and repeated)."""
    h = tag.encode().hex()
    return (h * 32)[:32]


C1, C2, C3, C9 = i("c1"), i("c2"), i("c3"), i("c9")
O1, O2, O3, O4, O5, O6, OX = (i(x) for x in
                              ("o1", "o2", "o3", "o4", "o5", "o6", "ox"))
P1, P2, P3, P4, P9 = i("p1"), i("p2"), i("p3"), i("p4"), i("p9")
S1, S2, S3, S9 = "b1" * 16, "b2" * 16, "a3" * 16, "99" * 16
TS = "2017-01-01 00:00:00"

ROWS = {
    "product_category_name_translation.csv": [
        "beleza_saude,health_beauty", "casa,home",
        "casa,house",  # duplicate key: rejected, the first kept
    ],
    "olist_products_dataset.csv": [
        f"{P1},beleza_saude,10,100,1,500,10,10,10",
        f"{P2},casa,,,,,,,",
        f"{P3},,,,,,,,",
        f"{P4},pc_gamer,1,1,1,1,1,1,1",
    ],
    "olist_sellers_dataset.csv": [
        f"{S1},01001,sao paulo,SP", f"{S2},20000,rio de janeiro,RJ",
        f"{S3},01002,sao paulo,SP",
    ],
    "olist_customers_dataset.csv": [
        f"{C1},{i('u1')},01037,sao paulo,SP",
        f"{C2},{i('u2')},22000,rio de janeiro,RJ",
        f"{C3},{i('u3')},13000,campinas,SP",
        f"{C3},{i('u4')},13000,campinas,MG",  # duplicate: rejected
    ],
    "olist_orders_dataset.csv": [
        f"{O1},{C1},delivered,2017-01-05 10:00:00,{TS},{TS},"
        "2017-01-10 12:00:00,2017-01-15 00:00:00",
        f"{O2},{C2},delivered,2017-01-05 23:59:59,{TS},{TS},"
        "2017-01-20 08:00:00,2017-01-18 00:00:00",
        f"{O3},{C3},canceled,2017-01-06 09:00:00,,,,2017-01-20 00:00:00",
        f"{O4},{C9},delivered,2017-01-06 10:00:00,{TS},{TS},"
        "2017-01-07 00:00:00,2017-01-08 00:00:00",
        f"{O5},{C1},shipped,2017-01-06 12:00:00,{TS},{TS},,"
        "2017-01-30 00:00:00",
        f"{O6},{C3},delivered,2017-01-07 08:00:00,{TS},{TS},"
        "2017-01-12 18:00:00,2017-01-12 00:00:00",
        # rejected: 30 February
        f"{i('o7')},{C1},delivered,2017-02-30 08:00:00,,,,"
        "2017-03-12 00:00:00",
    ],
    "olist_order_items_dataset.csv": [
        f"{O1},1,{P1},{S1},{TS},10.50,2.00",
        f"{O1},2,{P1},{S1},{TS},10.5,2",
        f"{O1},3,{P2},{S2},{TS},100,15.5",
        f"{O2},1,{P2},{S1},{TS},20.9,3",
        f"{O3},1,{P1},{S2},{TS},50.00,5.00",
        f"{O4},1,{P1},{S1},{TS},1.00,1.00",
        f"{O5},1,{P3},{S2},{TS},7.05,0.95",
        f"{O5},2,{P9},{S1},{TS},9.00,1.00",
        f"{O6},1,{P4},{S9},{TS},9.00,1.00",
        f"{O6},2,{P4},{S1},{TS},30,4",
        f"{O6},3,{P4},{S3},{TS},71.90,1.00",
        f"{OX},1,{P1},{S1},{TS},5.00,1.00",
        f"{O1},4,{P1},{S1},{TS},1.234,1.00",  # rejected: money
        f"{O1},5,{P1},{S1},{TS},-1,1.00",  # rejected: money
    ],
    "olist_order_payments_dataset.csv": [
        f"{O1},1,credit_card,1,140.00", f"{O1},2,voucher,1,3.50",
        f"{O2},1,boleto,1,23.90", f"{O3},1,credit_card,1,55.00",
        f"{O3},2,debit_card,1,5.00",  # a type seen only on a canceled order
        f"{O4},2,not_defined,1,1",  # and one only on an orphan order
        f"{O5},1,credit_card,3,8.00", f"{O6},1,credit_card,1,34",
        f"{O6},2,credit_card,1,0.5", f"{O4},1,boleto,1,2",
        f"{OX},1,voucher,1,1",
        f"{O1},3,voucher,1",  # rejected: ragged
    ],
    "olist_order_reviews_dataset.csv": [
        f"{i('r1')},{O1},5,,\"muito bom, recomendo\",{TS},{TS}",
        f"{i('r2')},{O1},4,t\u00edtulo,,{TS},{TS}",
        f"{i('r3')},{O2},1,,\"linha 1\nlinha 2\",{TS},{TS}",
        f"{i('r4')},{O3},3,,,{TS},{TS}",
        f"{i('r5')},{O4},5,,,{TS},{TS}",
        f"{i('r6')},{O6},2,,,{TS},{TS}",
        f"{i('r7')},{OX},4,,,{TS},{TS}",
        f"{i('r8')},{O6},6,,,{TS},{TS}",  # rejected: score
    ],
    "olist_geolocation_dataset.csv": ["01037,-23.5456,-46.6392,sao paulo,SP"],
}

EXPECTED = {
    "daily_state":
        "dt,customer_state,orders,items,revenue_cents,freight_cents\n"
        "2017-01-05,RJ,1,1,2090,300\n"
        "2017-01-05,SP,1,3,12100,1950\n"
        "2017-01-06,SP,1,1,705,95\n"
        "2017-01-07,SP,1,2,10190,500\n",
    "daily_category":
        "dt,category,orders,items,revenue_cents,freight_cents\n"
        "2017-01-05,health_beauty,1,2,2100,400\n"
        "2017-01-05,home,2,2,12090,1850\n"
        "2017-01-06,unknown,1,1,705,95\n"
        "2017-01-07,pc_gamer,1,2,10190,500\n",
    "payment_mix":
        "payment_type,payments,orders,value_cents\n"
        "boleto,1,1,2390\n"
        "credit_card,4,3,18250\n"
        "voucher,1,1,350\n",
    "delivery_delay_state":
        "customer_state,delivered_orders,late_orders,sum_delay_days,"
        "p50_delay_days,p90_delay_days,p99_delay_days\n"
        "RJ,1,1,2,2,2,2\n"
        "SP,2,0,-5,-5,0,0\n",
    "seller_ranking":
        "rank,seller_id,seller_state,orders,items,revenue_cents\n"
        f"1,{S2},RJ,2,2,10705\n"
        f"2,{S3},SP,1,1,7190\n"
        f"3,{S1},SP,3,4,7190\n",
    "category_reviews":
        "category,reviews,score_sum,avg_score_milli\n"
        "health_beauty,3,12,4000\n"
        "home,3,10,3333\n"
        "pc_gamer,1,2,2000\n",
}
ORPHANS = {"orders_without_customer": 1, "items_without_order": 1,
           "items_of_orphan_orders": 1, "items_without_product": 1,
           "items_without_seller": 1, "payments_without_order": 1,
           "payments_of_orphan_orders": 2, "reviews_without_order": 1,
           "reviews_of_orphan_orders": 1}

t = Tap()
tmp = tempfile.mkdtemp(prefix="etl-transform-")


def write_raw(d):
    """The raw files of ROWS (quoted headers and CRLF as the real data set;
    a BOM on the translation)."""
    etl_write_raw(d, {name: "".join(r + "\r\n" for r in rows)
                      for name, rows in ROWS.items()},
                  bom={"product_category_name_translation.csv"})


def run(binary, env_extra, env=None):
    """One stage binary; returns (exit code, stderr lines)."""
    return run_stage(binary, env_extra, env, timeout=60)


def aggs(root):
    out = {}
    for name in EXPECTED:
        with open(os.path.join(root, "agg", name + ".csv")) as f:
            out[name] = f.read()
    return out


def check_run(what, root, err):
    got = aggs(root)
    for name, want in EXPECTED.items():
        t.ok(got[name] == want, f"{what}: {name}.csv as computed by hand",
             (got[name], want))
    with open(os.path.join(root, "transform.json")) as f:
        doc = json.load(f)
    t.ok(doc["orphans"] == ORPHANS and doc["rows"] == {
        n: EXPECTED[n].count("\n") - 1 for n in EXPECTED},
        f"{what}: transform.json rows and orphans", doc)
    logs = [json.loads(x) for x in err]
    per_agg = [x for x in logs if "aggregate" in x]
    t.ok(len(per_agg) == 6 and logs[-1]["items_without_seller"] == 1 and
         all(x["level"] == "info" for x in logs),
         f"{what}: a log line per aggregate and a summary with orphans", err)


def test_local():
    raw, work = os.path.join(tmp, "raw"), os.path.join(tmp, "work")
    write_raw(raw)
    env = {"ETL_RUN_ID": "tiny-1", "ETL_INPUT": raw, "ETL_WORK": work}
    rc, err = run(EXTRACT, env)
    t.ok(rc == 0, "extract of the tiny set: exit 0", err)
    with open(os.path.join(work, "tiny-1", "extract.json")) as f:
        ex = json.load(f)["files"]
    t.ok(sum(v["rejected"] for v in ex.values()) == 7 and
         ex["product_category_name_translation.csv"]["bom"] is True,
         "extract: the 7 bad raw rows rejected, the BOM seen", ex)
    rc, err = run(TRANSFORM, env)
    t.ok(rc == 0, "transform: exit 0", err)
    root = os.path.join(work, "tiny-1")
    check_run("local", root, err)
    before = {n: open(os.path.join(root, "agg", n + ".csv"), "rb").read()
              for n in EXPECTED}
    before["t"] = open(os.path.join(root, "transform.json"), "rb").read()
    rc, err = run(TRANSFORM, env)
    after = {n: open(os.path.join(root, "agg", n + ".csv"), "rb").read()
             for n in EXPECTED}
    after["t"] = open(os.path.join(root, "transform.json"), "rb").read()
    t.ok(rc == 0 and before == after and
         sorted(os.listdir(os.path.join(root, "agg"))) ==
         sorted(n + ".csv" for n in EXPECTED),
         "rerun: byte-identical outputs, no stray temp files")
    # The static release binaries give the same bytes.
    rel_ex, rel_tf = os.path.join(BIN, "etl-extract"), \
        os.path.join(BIN, "etl-transform")
    if not (os.access(rel_ex, os.X_OK) and os.access(rel_tf, os.X_OK)):
        t.ok(False, "release etl-extract and etl-transform are built")
        return
    env2 = dict(env, ETL_RUN_ID="tiny-rel")
    rc1, e1 = run(rel_ex, env2)
    rc2, e2 = run(rel_tf, env2)
    rel = aggs(os.path.join(work, "tiny-rel"))
    t.ok(rc1 == 0 and rc2 == 0 and rel == EXPECTED,
         "static release binaries: the same aggregates", (e1, e2))


def test_bad_stage():
    work = os.path.join(tmp, "work")
    env = {"ETL_RUN_ID": "no-such-run", "ETL_WORK": work}
    rc, err = run(TRANSFORM, env)
    t.ok(rc == 2 and len(err) == 1 and "missing" in err[0] and
         "product_category_name_translation.csv" in err[0],
         "no stage files: exit 2, the file named", err)
    bad = os.path.join(work, "bad-stage")
    shutil.copytree(os.path.join(work, "tiny-1", "stage"),
                    os.path.join(bad, "stage"))
    p = os.path.join(bad, "stage", "olist_order_items_dataset.csv")
    with open(p, "a") as f:
        f.write(f"{O1},9,{P1},{S1},{TS},abc,1\n")
    rc, err = run(TRANSFORM, dict(env, ETL_RUN_ID="bad-stage"))
    t.ok(rc == 2 and "olist_order_items_dataset.csv line 14: price" in
         err[-1] and not os.path.exists(os.path.join(bad, "agg")),
         "a malformed stage row: exit 2 with file, line and column, "
         "nothing written", err)
    rc, err = run(TRANSFORM, {"ETL_WORK": work})
    t.ok(rc == 2 and "ETL_RUN_ID" in err[-1], "no run id: exit 2", err)
    rc, err = run(TRANSFORM, {"ETL_RUN_ID": "../x", "ETL_WORK": work})
    t.ok(rc == 2 and "ETL_RUN_ID" in err[-1], "a bad run id: exit 2", err)


def test_s3():
    moto = Moto()
    try:
        s3, env = s3_stages(moto, os.path.join(tmp, "raw"), "in")
        extra = {"ETL_RUN_ID": "s3-run", "ETL_INPUT": "s3://raw/in",
                 "ETL_WORK": "s3://work/runs"}
        rc, err = run(EXTRACT, extra, env)
        t.ok(rc == 0, "S3: extract exit 0", err)
        rc, err = run(TRANSFORM, extra, env)
        t.ok(rc == 0, "S3: transform exit 0", err)
        got = {n: s3.get_object(Bucket="work",
                                Key=f"runs/s3-run/agg/{n}.csv")["Body"]
               .read().decode() for n in EXPECTED}
        t.ok(got == EXPECTED, "S3: the same aggregates", got)
        doc = json.loads(s3.get_object(
            Bucket="work", Key="runs/s3-run/transform.json")["Body"].read())
        t.ok(doc["orphans"] == ORPHANS, "S3: transform.json", doc)
        rc, err = run(TRANSFORM, dict(extra, ETL_RUN_ID="absent"), env)
        t.ok(rc == 2 and "NoSuchKey" in " ".join(err),
             "S3: a missing stage object: exit 2", err)
    finally:
        moto.stop()


for fn in (test_local, test_bad_stage, test_s3):
    t.run(fn)
shutil.rmtree(tmp, ignore_errors=True)
t.done()
