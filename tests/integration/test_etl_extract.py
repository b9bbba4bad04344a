"""test_etl_extract - etl-extract on raw Olist files in temp directories
and on S3 (moto_server with IAM auth, a user allowed only the S3 actions a
stage needs).

Generated data (olist-gen, with BOMs): every row accepted, counts and the
BOM in extract.json and the log, the stage files are the rows re-read.
Malformed rows, each a counted reject with its physical line and reason,
the record re-encoded as one CSV field, never a crash: ragged rows, a bad
date (2017-02-30), bad money (1.234, -1), a stray quote, invalid UTF-8,
duplicate keys (first kept), CRLF and a quoted line break (line numbers
still physical). Refused files (exit 2, one line, the file named): a
missing file, a wrong header (the column named), an unterminated quote
(the line where it opened), an empty file. A dated input
(ETL_INPUT=<dir>/dt={date}): the run date from ETL_RUN_DATE or
WORKFLOW_RUN_ID's day picks the directory; a date with no files is a
missing file; an unknown placeholder is exit 2 before any I/O. Rerun idempotence; peak RSS of
the release binary below the input size; the S3 run gives the same bytes.
"""
import csv
import io
import json
import os
import resource
import shutil
import subprocess
import tempfile

from etltest import RAW_HEADERS, read_tree, run_stage, s3_stages, upload_raw
from etltest import write_raw as etl_write_raw
from swtest import BIN, TEST_BIN, Moto, Tap

EXTRACT = os.path.join(TEST_BIN, "etl-extract")
RELEASE = os.path.join(BIN, "etl-extract")
GEN = os.path.join(BIN, "olist-gen")

HEADERS = RAW_HEADERS
ORDERS = "olist_orders_dataset.csv"
ITEMS = "olist_order_items_dataset.csv"
REVIEWS = "olist_order_reviews_dataset.csv"
TRANS = "product_category_name_translation.csv"
CUST = "olist_customers_dataset.csv"

A, B, C = "a" * 32, "b" * 32, "c" * 32
TS = "2017-10-02 10:56:33"
ORDER_OK = f"{A},{B},delivered,{TS},{TS},,,2017-10-18 00:00:00"

# raw bytes per file (after the header line); the expected rejects as
# (line, reason) pairs.
BAD = {
    ORDERS: (
        f"{ORDER_OK}\r\n"                                        # 2 ok
        f"{B},{B},delivered,{TS},{TS},,\r\n"                     # 3 ragged
        f"{C},{B},delivered,2017-02-30 10:00:00,,,,{TS}\r\n"     # 4 date
        f"{'d' * 32},{B},deliv\xe9red,{TS},,,,{TS}\r\n"          # 5 UTF-8
        f"{A},{C},shipped,{TS},,,,{TS}\r\n"                      # 6 dup
        f"{'e' * 32},{B},ship\"ped,{TS},,,,{TS}\r\n"             # 7 quote
        f"{'f' * 32},{B},\"shipped\",{TS},,,,{TS}\r\n",          # 8 ok
        [(3, "expected 8 fields, got 7"),
         (4, "order_purchase_timestamp: not a YYYY-MM-DD HH:MM:SS "
             "timestamp"),
         (5, "order_status: invalid UTF-8"), (6, "duplicate order_id"),
         (7, "stray quote")]),
    ITEMS: (
        f"{A},1,{B},{C},{TS},10.50,2\n"
        f"{A},2,{B},{C},{TS},1.234,2\n"
        f"{A},3,{B},{C},{TS},-1,2\n"
        f"{A},4,{B},{C},{TS},7,2.5\n",
        [(3, "price: not money (digits, optional . and 1-2 digits)"),
         (4, "price: not money (digits, optional . and 1-2 digits)")]),
    REVIEWS: (
        f"{A},{B},5,,\"linha 1\r\nlinha \"\"2\"\", fim\",{TS},{TS}\n"
        f"{B},{B},0,,,{TS},{TS}\n"
        f"{A},{C},4,t\u00edtulo,,{TS},{TS}\n",  # review_id repeats: fine
        [(4, "review_score: not a score 1 to 5")]),
    TRANS: (
        "beleza_saude,health_beauty\ncasa,home\ncasa,house\n,empty\n",
        [(4, "duplicate product_category_name"),
         (5, "product_category_name: empty")]),
}

t = Tap()
tmp = tempfile.mkdtemp(prefix="etl-extract-")


def raw_bytes(body):
    """A raw file's body as bytes: latin-1 where it carries the one invalid
    UTF-8 byte of the deliberately bad order status, UTF-8 otherwise."""
    if "\xe9red" in body and all(ord(ch) <= 255 for ch in body):
        return body.encode("latin-1")
    return body.encode("utf-8", "surrogateescape")


def write_raw(d, bodies=None, headers=None):
    """The 9 raw files (etltest.write_raw), bodies encoded by raw_bytes."""
    etl_write_raw(d, {k: raw_bytes(v) for k, v in (bodies or {}).items()},
                  headers)


def run(env_extra, binary=EXTRACT, env=None):
    """etl-extract (or binary); returns (exit code, stderr lines)."""
    return run_stage(binary, env_extra, env)


def test_generated():
    raw = os.path.join(tmp, "gen")
    p = subprocess.run([GEN, "--sf", "0.01", "--seed", "3", "--out", raw,
                        "--bom"], capture_output=True, text=True)
    if p.returncode != 0:
        t.ok(False, "olist-gen runs", p.stderr)
        return
    work = os.path.join(tmp, "gen-work")
    rc, err = run({"ETL_RUN_ID": "gen", "ETL_INPUT": raw, "ETL_WORK": work})
    logs = [json.loads(x) for x in err]
    t.ok(rc == 0 and len(logs) == 10 and
         logs[-1]["rejected"] == 0 and logs[-1]["files"] == 9,
         "generated SF 0.01: exit 0, 9 file lines and a summary, "
         "nothing rejected", err)
    with open(os.path.join(work, "gen", "extract.json")) as f:
        doc = json.load(f)
    ok = len(doc["files"]) == 9
    for name in HEADERS:
        st = doc["files"].get(name, {})
        raw_rows = list(csv.reader(io.StringIO(
            open(os.path.join(raw, name), encoding="utf-8-sig",
                 newline="").read())))[1:]
        stage = list(csv.reader(open(os.path.join(
            work, "gen", "stage", name), encoding="utf-8", newline="")))
        ok = ok and st.get("bom") is True and \
            st["rows"] == st["accepted"] == len(raw_rows) and \
            st["bytes"] == os.path.getsize(os.path.join(raw, name)) and \
            stage[0] == HEADERS[name].split(",") and stage[1:] == raw_rows
        if not ok:
            print(f"# {name}: {st}")
            break
    t.ok(ok, "extract.json counts, bytes and BOM per file; each stage file "
         "is its raw rows, plain header, re-read with Python's csv")


def test_rejects():
    raw, work = os.path.join(tmp, "bad"), os.path.join(tmp, "bad-work")
    write_raw(raw, {k: v[0] for k, v in BAD.items()})
    env = {"ETL_RUN_ID": "bad", "ETL_INPUT": raw, "ETL_WORK": work}
    rc, err = run(env)
    t.ok(rc == 0, "malformed rows: exit 0 (rejects are not failures)", err)
    root = os.path.join(work, "bad")
    doc = json.load(open(os.path.join(root, "extract.json")))["files"]
    for name, (body, want) in BAD.items():
        rej = list(csv.reader(open(os.path.join(root, "rejects", name),
                                   encoding="utf-8", errors="replace",
                                   newline="")))
        got = [(int(r[0]), r[1]) for r in rej[1:]]
        t.ok(rej[0] == ["line", "reason", "record"] and got == want,
             f"{name}: each reject with its physical line and reason",
             (got, want))
        st = doc[name]
        t.ok(st["rejected"] == len(want) and
             st["accepted"] + st["rejected"] == st["rows"],
             f"{name}: counted, accepted + rejected = rows", st)
    # The record field is the raw record, re-encoded: parsing it gives the
    # original fields back.
    rej = list(csv.reader(open(os.path.join(root, "rejects", ITEMS),
                               newline="")))
    t.ok(next(csv.reader([rej[1][2]])) ==
         [A, "2", B, C, TS, "1.234", "2"],
         "the record column parses back to the raw fields", rej[1])
    stage = list(csv.reader(open(os.path.join(root, "stage", REVIEWS),
                                 newline="", encoding="utf-8")))
    t.ok(len(stage) == 3 and stage[1][4] == 'linha 1\r\nlinha "2", fim' and
         stage[2][3] == "t\u00edtulo",
         "a quoted line break and quotes survive into the stage file, "
         "the repeated review_id is kept", stage)
    orders = list(csv.reader(open(os.path.join(root, "stage", ORDERS),
                                  newline="")))
    t.ok([r[0] for r in orders[1:]] == [A, "f" * 32] and
         orders[1][1] == B, "duplicate order_id: the first row kept", orders)
    before = read_tree(root)
    rc, err = run(env)
    t.ok(rc == 0 and read_tree(root) == before,
         "rerun: byte-identical stage, rejects and extract.json, no temp "
         "files")
    return before


def test_refused():
    def case(what, bodies=None, headers=None, drop=None, want=()):
        d = os.path.join(tmp, "refused", what.replace(" ", "-"))
        write_raw(d, bodies, headers)
        if drop:
            os.remove(os.path.join(d, drop))
        work = os.path.join(tmp, "refused-work")
        rc, err = run({"ETL_RUN_ID": "r", "ETL_INPUT": d, "ETL_WORK": work})
        last = err[-1] if err else ""
        t.ok(rc == 2 and json.loads(last)["level"] == "error" and
             all(w in last for w in want), f"{what}: exit 2, one line "
             "naming it", err)
        return work

    case("missing file", drop=ITEMS, want=(ITEMS, "missing"))
    h = dict(HEADERS)
    h[ORDERS] = HEADERS[ORDERS].replace("order_status", "status")
    case("wrong header", headers=h,
         want=(ORDERS, "header column 3 is not order_status"))
    h = dict(HEADERS)
    h[CUST] = HEADERS[CUST] + ",extra"
    case("extra header column", headers=h, want=(CUST, "6 columns"))
    work = case("unterminated quote",
                bodies={ORDERS: f"{ORDER_OK}\n{A},{B},\"delivered,{TS}\n"
                        f"{ORDER_OK}\n"}, want=(ORDERS, "line 3"))
    t.ok(not os.path.exists(os.path.join(work, "r", "stage", ORDERS)) and
         not [f for f in os.listdir(os.path.join(work, "r", "stage"))
              if ".tmp" in f],
         "a refused file leaves no stage object and no temp file")
    d = os.path.join(tmp, "refused", "empty")
    write_raw(d)
    open(os.path.join(d, TRANS), "w").close()
    rc, err = run({"ETL_RUN_ID": "r", "ETL_INPUT": d,
                   "ETL_WORK": os.path.join(tmp, "refused-work")})
    t.ok(rc == 2 and TRANS in err[-1] and "empty" in err[-1],
         "an empty file: exit 2", err)
    rc, err = run({"ETL_RUN_ID": "r", "ETL_WORK": tmp})
    t.ok(rc == 2 and len(err) == 1 and "ETL_INPUT" in err[0],
         "no ETL_INPUT: exit 2 before any I/O", err)


def test_dated():
    """ETL_INPUT with {date}: the run date (ETL_RUN_DATE, else
    WORKFLOW_RUN_ID's scheduled day) names the day's directory."""
    base = os.path.join(tmp, "dated")
    day = os.path.join(base, "dt=2026-11-23")
    p = subprocess.run([GEN, "--sf", "0.01", "--seed", "5", "--out", day],
                       capture_output=True, text=True)
    if p.returncode != 0:
        t.ok(False, "olist-gen runs", p.stderr)
        return
    tmpl = os.path.join(base, "dt={date}")
    work = os.path.join(tmp, "dated-work")
    rc, err = run({"ETL_RUN_ID": "d1", "ETL_INPUT": tmpl, "ETL_WORK": work,
                   "ETL_RUN_DATE": "2026-11-23"})
    last = json.loads(err[-1]) if err else {}
    t.ok(rc == 0 and last.get("files") == 9 and last.get("rows", 0) > 0 and
         os.path.exists(os.path.join(work, "d1", "extract.json")),
         "ETL_INPUT=<dir>/dt={date}, ETL_RUN_DATE=2026-11-23: exit 0, the "
         "day's 9 files read", err[-2:])
    rc, err = run({"ETL_RUN_ID": "d2", "ETL_INPUT": tmpl, "ETL_WORK": work,
                   "ETL_RUN_DATE": "2026-11-24"})
    last = err[-1] if err else ""
    t.ok(rc == 2 and "dt=2026-11-24" in last and
         "olist_customers_dataset.csv" in last and "missing" in last,
         "another ETL_RUN_DATE: exit 2 naming the missing file of that day",
         err)
    env = {k: v for k, v in os.environ.items() if k != "ETL_RUN_DATE"}
    rc, err = run({"ETL_RUN_ID": "d3", "ETL_INPUT": tmpl, "ETL_WORK": work,
                   "WORKFLOW_RUN_ID": "etl-daily/2026-11-23T05:00:00Z"},
                  env=env)
    t.ok(rc == 0, "no ETL_RUN_DATE: WORKFLOW_RUN_ID's scheduled day "
         "(2026-11-23) picks the directory", err[-1:])
    for bad, want in (("dt={day}", "unknown placeholder"),
                      ("dt={date", "without its '}'")):
        rc, err = run({"ETL_RUN_ID": "d4", "ETL_WORK": work,
                       "ETL_INPUT": os.path.join(base, bad),
                       "ETL_RUN_DATE": "2026-11-23"})
        t.ok(rc == 2 and len(err) == 1 and "ETL_INPUT" in err[0] and
             want in err[0] and not os.path.exists(
                 os.path.join(work, "d4")),
             f"ETL_INPUT=.../{bad}: exit 2, one line, no output", err)
    rc, err = run({"ETL_RUN_ID": "d5", "ETL_INPUT": tmpl, "ETL_WORK": work,
                   "ETL_RUN_DATE": "2026-11-31"})
    t.ok(rc == 2 and len(err) == 1 and "ETL_RUN_DATE" in err[0],
         "{date} with a malformed ETL_RUN_DATE: exit 2, one line", err)


def test_rss():
    """Peak RSS of the static release binary on SF 0.1 (about 12 MB of
    raw CSV) stays below the input size: files are streamed."""
    if not os.access(RELEASE, os.X_OK):
        t.ok(False, "release etl-extract is built", RELEASE)
        return
    raw = os.path.join(tmp, "sf01")
    subprocess.run([GEN, "--sf", "0.1", "--out", raw], check=True)
    size = sum(os.path.getsize(os.path.join(raw, f)) for f in os.listdir(raw))
    # The whole address space of the static binary is capped at half the
    # input (peak RSS cannot pass it; a rusage figure would count the
    # forked Python interpreter's pages).
    limit = size // 2

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = dict(os.environ, ETL_RUN_ID="rss", ETL_INPUT=raw,
               ETL_WORK=os.path.join(tmp, "rss-work"))
    p = subprocess.run([RELEASE], env=env, capture_output=True, text=True,
                       timeout=120, preexec_fn=cap)
    t.ok(p.returncode == 0 and
         json.loads(p.stderr.splitlines()[-1])["rejected"] == 0,
         f"release binary within an address space of half the input "
         f"({limit >> 10} KiB of {size >> 10} KiB)", p.stderr[-300:])


def test_s3(local):
    moto = Moto()
    try:
        s3, env = s3_stages(moto, os.path.join(tmp, "bad"), "olist")
        rc, err = run({"ETL_RUN_ID": "bad", "ETL_INPUT": "s3://raw/olist/",
                       "ETL_WORK": "s3://work/etl"}, env=env)
        t.ok(rc == 0, "S3: exit 0", err)
        # By the local run's names (moto with IAM on rejects the signature
        # of a ListObjectsV2 with a prefix).
        got = {k: s3.get_object(Bucket="work", Key=f"etl/bad/{k}")["Body"]
               .read() for k in local}
        t.ok(got == local, "S3: the same objects, byte for byte, as the "
             "local run", sorted(got))
        # Stage files past the 8 MiB part size: written as multipart uploads
        # while the raw object still streams in (a second S3 client; one
        # connection cannot start an upload inside its own read).
        big = os.path.join(tmp, "sf016")
        subprocess.run([GEN, "--sf", "0.16", "--out", big], check=True)
        upload_raw(s3, big, "raw", "big")
        rc, err = run({"ETL_RUN_ID": "big", "ETL_INPUT": "s3://raw/big",
                       "ETL_WORK": "s3://work/etl"}, env=env)
        rc_l, err_l = run({"ETL_RUN_ID": "big", "ETL_INPUT": big,
                           "ETL_WORK": os.path.join(tmp, "big-work")})
        geo = "olist_geolocation_dataset.csv"
        with open(os.path.join(tmp, "big-work", "big", "stage", geo),
                  "rb") as f:
            want = f.read()
        got = s3.get_object(Bucket="work", Key=f"etl/big/stage/{geo}")
        body = got["Body"].read()
        t.ok(rc == 0 and rc_l == 0 and len(want) > 8 << 20 and
             body == want and "-" in got["ETag"],
             f"S3: a {len(want) >> 20} MiB stage file is a multipart upload "
             f"written during the read, equal to the local run's",
             (rc, rc_l, len(want), len(body), got["ETag"], err[-1:]))
        s3.delete_object(Bucket="raw", Key=f"olist/{REVIEWS}")
        rc, err = run({"ETL_RUN_ID": "s3-missing",
                       "ETL_INPUT": "s3://raw/olist", "ETL_WORK":
                       "s3://work/etl"}, env=env)
        t.ok(rc == 2 and "NoSuchKey" in err[-1] and REVIEWS in err[-1],
             "S3: a missing raw object: exit 2, named", err[-1:])
    finally:
        moto.stop()


t.run(test_generated)
local = None


def _rejects():
    global local
    local = test_rejects()


t.run(_rejects)
t.run(test_refused)
t.run(test_dated)
t.run(test_rss)
t.run(lambda: test_s3(local or {}))
shutil.rmtree(tmp, ignore_errors=True)
t.done()
