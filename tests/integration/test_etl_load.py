"""test_etl_load - the ETL's load stage against moto_server with IAM auth
on, signed as a user holding exactly policies/etl-load.json
(Moto.worker_user).

A hand-written aggregate set (the six files of
workers/etl-transform/AGGREGATES.md; daily_category has 260 rows, so more
than one batch of 100) in a temporary ETL_WORK becomes DynamoDB items
compared exactly, attribute types included, with the layout of
workers/etl-load/README.md rebuilt here, and warehouse files
<aggregate>/dt=YYYY-MM-DD/part-00000.csv compared byte for byte; a rerun
overwrites (same item count, same items); the run id from WORKFLOW_RUN_ID
(mapped); ETL_WORK and ETL_WAREHOUSE on S3; a BatchWriteItem throttled twice
is retried and everything is written; a batch the table never accepts
(tests/lib/faultproxy.py answers UnprocessedItems) ends with exit 4, the
failed keys in the log and in load.json, nothing dropped silently, and the
warehouse still written; a user without dynamodb:BatchWriteItem, bad
environment and bad aggregate files exit 2 (the environment ones before any
request).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

from faultproxy import FaultProxy, Response
from etltest import read_tree
from swtest import BIN, TEST_BIN, Moto, Tap

WORKER = os.path.join(TEST_BIN, "etl-load")
RELEASE = os.path.join(BIN, "etl-load")
TABLE = "etl-aggregates"
BUCKET = "etl-bucket"
RUN_DATE = "2018-09-01"

t = Tap()
moto = Moto()
moto.create_table(TABLE, hash_key="pk", range_key="sk")
ddb = moto.admin("dynamodb")
s3 = moto.admin("s3")
s3.create_bucket(Bucket=BUCKET)
key = moto.worker_user("etl-load")
tmp = tempfile.mkdtemp(prefix="etl-load-")

HEADERS = {
    "daily_state": "dt,customer_state,orders,items,revenue_cents,"
                   "freight_cents",
    "daily_category": "dt,category,orders,items,revenue_cents,freight_cents",
    "payment_mix": "payment_type,payments,orders,value_cents",
    "delivery_delay_state": "customer_state,delivered_orders,late_orders,"
                            "sum_delay_days,p50_delay_days,p90_delay_days,"
                            "p99_delay_days",
    "seller_ranking": "rank,seller_id,seller_state,orders,items,"
                      "revenue_cents",
    "category_reviews": "category,reviews,score_sum,avg_score_milli",
}
DAILY = ("daily_state", "daily_category")
# Integer columns (DynamoDB N); every other column is S.
NUMBERS = {"orders", "items", "revenue_cents", "freight_cents", "payments",
           "value_cents", "delivered_orders", "late_orders",
           "sum_delay_days", "p50_delay_days", "p90_delay_days",
           "p99_delay_days", "rank", "reviews", "score_sum",
           "avg_score_milli"}
CATS = ["auto", "bed_bath_table", "beleza_saude", "books", "computers",
        "cool_stuff", "fashion_shoes", "furniture_decor", "garden_tools",
        "health_beauty", "housewares", "toys", "unknown"]


def agg_set():
    """The six aggregates as {name: [row lists]}, sorted as the contract
    says (daily_category: 10 days x 26 labels = 260 rows)."""
    rows = {
        "daily_state": [["2017-11-24", "RJ", "3", "4", "15990", "3120"],
                        ["2017-11-24", "SP", "12", "15", "123456", "20011"],
                        ["2017-11-25", "SP", "1", "1", "5890", "1500"]],
        "payment_mix": [["boleto", "20", "19", "312345"],
                        ["credit_card", "75", "70", "1234567"]],
        "delivery_delay_state": [["RJ", "10", "2", "-35", "-4", "1", "6"],
                                 ["SP", "40", "0", "-400", "-10", "-2",
                                  "-1"]],
        "seller_ranking": [
            ["1", "7c67e1448b00f6e969d365cea6b010ab", "SP", "9", "11",
             "998877"],
            ["2", "1025f0e2d44d7041d6cf58b6550e0bfa", "RJ", "7", "7", "5000"],
            ["3", "4a3ca9315b744ce9f8e9374361493884", "SP", "2", "3", "4999"]],
        "category_reviews": [["beleza_saude", "30", "120", "4000"],
                             ["unknown", "3", "10", "3333"]],
    }
    dc = []
    for d in range(10):
        day = f"2018-01-{d + 10:02d}"
        for i, c in enumerate(sorted(CATS + [c + "_x" for c in CATS])):
            dc.append([day, c, str(i + 1), str(i + 2), str(100 * i + d),
                       str(i * d)])
    rows["daily_category"] = dc
    return rows


def csv_text(name, rows):
    return HEADERS[name] + "\n" + "".join(",".join(r) + "\n" for r in rows)


def write_run(work, run_id, rows, skip=()):
    """Writes R/agg/<name>.csv under a local work root."""
    d = os.path.join(work, run_id, "agg")
    os.makedirs(d, exist_ok=True)
    for name, rs in rows.items():
        if name not in skip:
            with open(os.path.join(d, f"{name}.csv"), "w") as f:
                f.write(csv_text(name, rs))


def expected_items(rows, run_id, run_date=RUN_DATE):
    """The items README.md documents, rebuilt from the rows: {(pk, sk):
    item in DynamoDB JSON}."""
    out = {}
    for name, rs in rows.items():
        cols = HEADERS[name].split(",")
        for r in rs:
            if name in DAILY:
                pk, sk = f"{name}#{r[1]}", r[0]
            elif name == "seller_ranking":
                pk, sk = f"{name}#{run_date}", r[0].zfill(8)
            else:
                pk, sk = f"{name}#{run_date}", r[0]
            item = {"pk": {"S": pk}, "sk": {"S": sk},
                    "aggregate": {"S": name}, "run_id": {"S": run_id}}
            if name not in DAILY:
                item["dt"] = {"S": run_date}
            for c, v in zip(cols, r):
                item[c] = {"N": v} if c in NUMBERS else {"S": v}
            out[(pk, sk)] = item
    return out


def expected_files(rows, run_date=RUN_DATE):
    """{relative path: text} of the warehouse README.md documents."""
    out = {}
    for name, rs in rows.items():
        cols = HEADERS[name].split(",")
        if name in DAILY:
            for r in rs:
                p = f"{name}/dt={r[0]}/part-00000.csv"
                out.setdefault(p, ",".join(cols[1:]) + "\n")
                out[p] += ",".join(r[1:]) + "\n"
        else:
            out[f"{name}/dt={run_date}/part-00000.csv"] = csv_text(name, rs)
    return out


def scan():
    items, kw = [], {"TableName": TABLE, "ConsistentRead": True}
    while True:
        r = ddb.scan(**kw)
        items += r["Items"]
        if "LastEvaluatedKey" not in r:
            return {(i["pk"]["S"], i["sk"]["S"]): i for i in items}
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]


def clear():
    for k in scan():
        ddb.delete_item(TableName=TABLE, Key={"pk": {"S": k[0]},
                                              "sk": {"S": k[1]}})


def run(worker=WORKER, creds=None, endpoint=None, drop=(), **env_vars):
    """Runs etl-load; returns (rc, stderr lines)."""
    env = moto.env(creds or key, ETL_TABLE=TABLE, ETL_RUN_DATE=RUN_DATE)
    for k in [k for k in env if k.startswith("ETL_") or
              k == "WORKFLOW_RUN_ID"]:
        if k not in ("ETL_TABLE", "ETL_RUN_DATE"):
            del env[k]
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    env.update({k: str(v) for k, v in env_vars.items()})
    for k in drop:
        env.pop(k, None)
    p = subprocess.run([worker], env=env, capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stderr.strip().splitlines()


def msgs(lines):
    out = []
    for ln in lines:
        try:
            out.append(json.loads(ln).get("msg", ""))
        except ValueError:
            out.append(ln)
    return out


ROWS = agg_set()
NROWS = sum(len(r) for r in ROWS.values())


def local_env(name):
    work, wh = os.path.join(tmp, name, "work"), os.path.join(tmp, name, "wh")
    return work, wh


def test_local():
    clear()
    work, wh = local_env("local")
    write_run(work, "r1", ROWS)
    rc, err = run(ETL_RUN_ID="r1", ETL_WORK=work, ETL_WAREHOUSE=wh)
    got, want = scan(), expected_items(ROWS, "r1")
    t.eq(rc, 0, "local run: exit 0")
    t.eq(len(got), NROWS, f"{NROWS} items, one per aggregate row")
    bad = [k for k in want if got.get(k) != want[k]]
    t.eq(bad[:3], [], "every item exactly as documented (keys, S and N "
         "types, run_id, dt)")
    t.eq(read_tree(wh, text=True), expected_files(ROWS),
         "warehouse: one file per aggregate and day, header without dt for "
         "daily ones, non-daily under dt=ETL_RUN_DATE, byte for byte")
    with open(os.path.join(work, "r1", "load.json")) as f:
        rep = json.load(f)
    t.ok(rep["status"] == "ok" and rep["items_written"] == NROWS and
         rep["items_failed"] == 0 and rep["files_written"] == 2 + 10 + 4 and
         rep["aggregates"]["daily_category"]["rows"] == 260 and
         rep["aggregates"]["daily_category"]["files"] == 10 and
         rep["run_id"] == "r1" and rep["run_date"] == RUN_DATE,
         "load.json: counts per aggregate and in all", json.dumps(rep)[:400])
    last = json.loads(err[-1]) if err else {}
    t.ok("loaded" in last.get("msg", "") and str(NROWS) in last["msg"],
         "one summary log line", err[-1:])
    rc, err = run(ETL_RUN_ID="r1", ETL_WORK=work, ETL_WAREHOUSE=wh)
    got2 = scan()
    t.ok(rc == 0 and got2 == got and
         read_tree(wh, text=True) == expected_files(ROWS),
         "rerun: same items (overwritten, not duplicated), same files",
         f"rc {rc} items {len(got2)}")


def test_release_and_workflow_id():
    if not os.path.exists(RELEASE):
        t.skip("release binary and WORKFLOW_RUN_ID", f"{RELEASE} not built")
        return
    clear()
    work, wh = local_env("wf")
    rid = "etl-daily-2018-09-01T05-00-00Z"
    write_run(work, rid, ROWS)
    rc, err = run(worker=RELEASE, drop=("ETL_RUN_DATE",), ETL_WORK=work,
                  ETL_WAREHOUSE=wh,
                  WORKFLOW_RUN_ID="etl-daily/2018-09-01T05:00:00Z")
    got = scan()
    t.ok(rc == 0 and got == expected_items(ROWS, rid) and
         os.path.exists(os.path.join(work, rid, "load.json")),
         "static release binary, run id from WORKFLOW_RUN_ID with / and : "
         "mapped to -, run date from its scheduled time (no ETL_RUN_DATE)",
         f"rc {rc} {err[-2:]}")


def s3_files(prefix):
    """{key below prefix: text} of the bucket's objects under prefix."""
    objs = {}
    for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix=prefix):
        for o in page.get("Contents", []):
            objs[o["Key"][len(prefix):]] = s3.get_object(
                Bucket=BUCKET, Key=o["Key"])["Body"].read().decode()
    return objs


def test_s3():
    clear()
    for name, rs in ROWS.items():
        s3.put_object(Bucket=BUCKET, Key=f"work/s3run/agg/{name}.csv",
                      Body=csv_text(name, rs).encode())
    _, wh = local_env("s3")
    rc, err = run(ETL_RUN_ID="s3run", ETL_WORK=f"s3://{BUCKET}/work/",
                  ETL_WAREHOUSE=wh)
    rep = json.loads(s3.get_object(Bucket=BUCKET, Key="work/s3run/load.json")
                     ["Body"].read())
    t.ok(rc == 0 and scan() == expected_items(ROWS, "s3run") and
         read_tree(wh, text=True) == expected_files(ROWS) and
         (rep["status"], rep["items_written"]) == ("ok", NROWS),
         "ETL_WORK on S3 (IAM auth on, the etl-load policy): every item as "
         "documented, the warehouse files, load.json next to the aggregates",
         err[-2:])
    # The warehouse on S3: moto 5 checks S3 signatures over the URL as it
    # decoded it, so any client's requests for keys with '=' (dt=...) fail
    # its check (botocore's too: see test_s3.py's control); this run and
    # the listing go with auth paused. AWS itself takes these signatures.
    clear()
    moto.set_auth(10**9)
    try:
        rc, err = run(ETL_RUN_ID="s3run", ETL_WORK=f"s3://{BUCKET}/work",
                      ETL_WAREHOUSE=f"s3://{BUCKET}/warehouse/")
        objs = s3_files("warehouse/")
    finally:
        moto.set_auth(0)
    want = expected_files(ROWS)
    t.ok(rc == 0 and objs == want and
         scan() == expected_items(ROWS, "s3run"),
         "ETL_WAREHOUSE on S3: the same partitioned objects as locally "
         "(a trailing / is fine), every item written",
         (rc, err[-2:], sorted(set(objs) ^ set(want))[:5]))


def test_throttled_then_ok():
    clear()
    work, wh = local_env("throttle")
    write_run(work, "t1", ROWS)
    rules = {"DynamoDB_20120810.BatchWriteItem": ["throttle", "throttle"]}
    with FaultProxy(moto.endpoint, rules=rules) as p:
        rc, err = run(endpoint=p.url, ETL_RUN_ID="t1", ETL_WORK=work,
                      ETL_WAREHOUSE=wh)
        faulted = p.faulted
    t.ok(rc == 0 and faulted == 2 and
         scan() == expected_items(ROWS, "t1"),
         "two throttled BatchWriteItem calls: retried, every item written",
         f"rc {rc} faulted {faulted} {err[-1:]}")


STUCK = ("daily_category#books_x", "2018-01-15")


def never_accepts(req, forward):
    """A table that never takes a request holding the STUCK item: it
    answers all that request's items as UnprocessedItems (nothing
    written); other requests reach moto."""
    if req.target.endswith("BatchWriteItem") and req.json:
        puts = [w["PutRequest"]["Item"]
                for ws in req.json["RequestItems"].values() for w in ws]
        if any((i["pk"]["S"], i["sk"]["S"]) == STUCK for i in puts):
            return Response.from_json(200, {"UnprocessedItems":
                                            req.json["RequestItems"]})
    return None


def test_failed_write_reported():
    clear()
    work, wh = local_env("stuck")
    write_run(work, "f1", ROWS)
    with FaultProxy(moto.endpoint, transform=never_accepts) as p:
        rc, err = run(endpoint=p.url, ETL_RUN_ID="f1", ETL_WORK=work,
                      ETL_WAREHOUSE=wh, ETL_WRITE_DEADLINE_SECONDS=1)
    got = scan()
    with open(os.path.join(work, "f1", "load.json")) as f:
        rep = json.load(f)
    stuck = " ".join(STUCK)
    last = msgs(err)[-1] if err else ""
    t.eq(rc, 4, "a batch the table never accepts: exit 4")
    t.ok(rep["status"] == "partial" and stuck in rep["failed_keys"] and
         rep["items_failed"] >= 1 and
         rep["items_written"] + rep["items_failed"] +
         rep["items_not_sent"] == NROWS and
         rep["items_written"] == len(got) and STUCK not in got,
         "load.json: status partial, the stuck key listed, written + "
         "failed + not sent = every row, written = what the table holds",
         json.dumps({k: v for k, v in rep.items() if k != "aggregates"}))
    t.ok("NOT written" in last and stuck in last and "exit" not in last[:0],
         "the last log line names the failure and the first failed keys",
         last[:300])
    t.eq(read_tree(wh, text=True), expected_files(ROWS),
         "the warehouse files are still all written")


def test_denied():
    nobatch = moto.user("etl-load-no-ddb", {
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": "*"}]})
    work, wh = local_env("denied")
    write_run(work, "d1", ROWS)
    rc, err = run(creds=nobatch, ETL_RUN_ID="d1", ETL_WORK=work,
                  ETL_WAREHOUSE=wh)
    t.ok(rc == 2 and any("AccessDenied" in m or "not authorized" in m
                         for m in msgs(err)) and
         not os.path.exists(os.path.join(work, "d1", "load.json")),
         "without dynamodb:BatchWriteItem: exit 2, the denial logged, no "
         "load.json", err[-2:])


def test_bad_env():
    work, wh = local_env("env")
    write_run(work, "e1", ROWS)
    base = {"ETL_RUN_ID": "e1", "ETL_WORK": work, "ETL_WAREHOUSE": wh}
    cases = [
        ({"ETL_RUN_ID": "a/b"}, (), "ETL_RUN_ID"),
        ({"ETL_RUN_ID": ".."}, (), "ETL_RUN_ID"),
        ({}, ("ETL_RUN_ID",), "WORKFLOW_RUN_ID"),
        ({"ETL_RUN_ID": "", "WORKFLOW_RUN_ID": "w" * 65}, (),
         "longer than 64"),
        ({}, ("ETL_WORK",), "ETL_WORK"),
        ({}, ("ETL_WAREHOUSE",), "ETL_WAREHOUSE"),
        ({}, ("ETL_TABLE",), "ETL_TABLE"),
        ({"ETL_TABLE": "a"}, (), "ETL_TABLE"),
        ({"ETL_RUN_DATE": "2018-02-29"}, (), "ETL_RUN_DATE"),
        ({"ETL_WAREHOUSE": "s3://Bad_Bucket/x"}, (), "ETL_WAREHOUSE"),
        ({"ETL_WORK": "s3://"}, (), "ETL_WORK"),
        ({"ETL_WRITE_DEADLINE_SECONDS": "0"}, (),
         "ETL_WRITE_DEADLINE_SECONDS"),
    ]
    wrong = []
    with FaultProxy(moto.endpoint) as p:
        for extra, drop, want in cases:
            before = p.requests
            rc, err = run(endpoint=p.url, drop=drop, **dict(base, **extra))
            m = msgs(err)
            if rc != 2 or len(m) != 1 or want not in m[0] or \
                    p.requests != before:
                wrong.append((extra, drop, rc, err))
    t.eq(wrong, [], f"{len(cases)} configuration errors: exit 2, one line "
         "naming the variable, no request")


def test_bad_files():
    clear()
    cases = []
    r = agg_set()
    r["payment_mix"] = [["boleto", "20", "x19", "312345"]]
    cases.append(("payment_mix.csv line 2", r, "column orders"))
    r = agg_set()
    r["daily_state"] = list(reversed(r["daily_state"]))
    cases.append(("daily_state.csv line 3", r, "not sorted by dt"))
    r = agg_set()
    r["daily_state"] = [["2017-13-01", "SP", "1", "1", "1", "1"]]
    cases.append(("daily_state.csv line 2", r, "column dt"))
    r = agg_set()
    r["category_reviews"] = [["beleza_saude", "30", "120"]]
    cases.append(("category_reviews.csv line 2", r, "3 fields, expected 4"))
    r = agg_set()
    r["seller_ranking"] = [["123456789", "s", "SP", "1", "1", "1"]]
    cases.append(("seller_ranking.csv line 2", r, "column rank"))
    wrong = []
    for i, (where, rows, want) in enumerate(cases):
        work, wh = local_env(f"bad{i}")
        write_run(work, "b", rows)
        rc, err = run(ETL_RUN_ID="b", ETL_WORK=work, ETL_WAREHOUSE=wh)
        m = msgs(err)
        if rc != 2 or not m or where not in m[-1] or want not in m[-1] or \
                os.path.exists(os.path.join(work, "b", "load.json")):
            wrong.append((where, rc, m[-1:]))
    # A wrong header and a missing file.
    work, wh = local_env("badhdr")
    write_run(work, "b", ROWS)
    p = os.path.join(work, "b", "agg", "seller_ranking.csv")
    with open(p, "w") as f:
        f.write("rank,seller,seller_state,orders,items,revenue_cents\n")
    rc, err = run(ETL_RUN_ID="b", ETL_WORK=work, ETL_WAREHOUSE=wh)
    if rc != 2 or "column 2 is \"seller\"" not in msgs(err)[-1]:
        wrong.append(("header", rc, err[-1:]))
    os.unlink(p)
    rc, err = run(ETL_RUN_ID="b", ETL_WORK=work, ETL_WAREHOUSE=wh)
    if rc != 2 or "seller_ranking.csv" not in msgs(err)[-1]:
        wrong.append(("missing", rc, err[-1:]))
    t.eq(wrong, [], f"{len(cases) + 2} bad aggregate files (bad integer, "
         "rows not sorted by dt, bad date, short row, rank over 8 digits, "
         "wrong header, missing file): exit 2 naming file, line and column, "
         "no load.json")


def test_athena_ddl():
    """deploy/athena/<aggregate>.sql against the files etl-load writes: the
    same columns in the same order (the header's), dt the partition, the
    header skipped, the location under deploy.json's ETL_WAREHOUSE."""
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(root, "workers", "etl-load", "deploy.json")) as f:
        warehouse = json.load(f)["environment"]["ETL_WAREHOUSE"]
    files = expected_files(ROWS)
    wrong = []
    for name in HEADERS:
        with open(os.path.join(root, "deploy", "athena", f"{name}.sql")) as f:
            sql = f.read()
        body = sql[sql.index("CREATE EXTERNAL TABLE"):]
        cols = re.findall(r"^\s+`(\w+)`\s+(string|bigint),?$",
                          body[:body.index("PARTITIONED BY")], re.M)
        header = next(v for k, v in files.items()
                      if k.startswith(name + "/")).split("\n")[0]
        types_ok = all((t == "bigint") == (c in NUMBERS) for c, t in cols)
        if [c for c, _ in cols] != header.split(",") or not types_ok or \
                "PARTITIONED BY (`dt` string)" not in body or \
                "'skip.header.line.count'       = '1'" not in body or \
                f"LOCATION '{warehouse}/{name}/'" not in body or \
                f"'{warehouse}/{name}/dt=${{dt}}/'" not in body:
            wrong.append((name, cols, header))
    t.eq(wrong, [], "Athena DDL: 6 tables whose columns and types match the "
         "warehouse files' headers, partitioned by dt, header skipped, "
         "located under ETL_WAREHOUSE")


try:
    for fn in (test_local, test_release_and_workflow_id, test_s3,
               test_throttled_then_ok, test_failed_write_reported,
               test_denied, test_bad_env, test_bad_files, test_athena_ddl):
        t.run(fn)
finally:
    moto.stop()
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
