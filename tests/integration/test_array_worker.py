"""test_array_worker - the array-worker as AWS Batch runs it, one process
per index, against moto_server with IAM auth on, signed as a user holding
exactly policies/array-worker.json (Moto.worker_user).

Every result line and table item is compared with the contract's work
recomputed here with hashlib: a single job (index 0 of 1), arrays of 1, 2
and 7, more items than indexes, more indexes than items, input from S3
(JOB_INPUT_URI); bad input (malformed JSON, no items, wrong types, index
out of range, both or neither input variable) exits 2 with one line and
writes nothing; a retried attempt writes once and exits 0; a throttled
PutItem is retried (tests/lib/faultproxy.py) and writes exactly once.
"""
import datetime
import hashlib
import json
import os
import subprocess

from faultproxy import FaultProxy
from swtest import BIN, TEST_BIN, Moto, Tap

WORKER = os.path.join(TEST_BIN, "array-worker")
RELEASE = os.path.join(BIN, "array-worker")
TABLE = "array-results"
BUCKET = "job-inputs"

t = Tap()
moto = Moto()
ddb = moto.admin("dynamodb")
ddb.create_table(TableName=TABLE,
                 KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"},
                            {"AttributeName": "index", "KeyType": "RANGE"}],
                 AttributeDefinitions=[
                     {"AttributeName": "job_id", "AttributeType": "S"},
                     {"AttributeName": "index", "AttributeType": "N"}],
                 BillingMode="PAY_PER_REQUEST")
s3 = moto.admin("s3")
s3.create_bucket(Bucket=BUCKET)
key = moto.worker_user("array-worker")


def expected(doc, parent, index, size, attempt=1):
    """The contract's result object, recomputed."""
    msg = doc.get("message", "Hello")
    items = [{"item": x, "bytes": len(x.encode()),
              "sha256": hashlib.sha256(x.encode()).hexdigest(),
              "greeting": f"{msg} {x}"} for x in doc["items"][index::size]]
    r = {"job_id": parent, "index": index, "array_size": size,
         "attempt": attempt, "items": items, "count": len(items)}
    if not items:
        r["note"] = "no items for this index"
    return r


def as_ddb(r):
    """The table item the result object must become (without written_at)."""
    return {"job_id": {"S": r["job_id"]}, "index": {"N": str(r["index"])},
            "array_size": {"N": str(r["array_size"])},
            "attempt": {"N": str(r["attempt"])},
            "count": {"N": str(r["count"])},
            "items": {"L": [{"M": {"item": {"S": i["item"]},
                                   "bytes": {"N": str(i["bytes"])},
                                   "sha256": {"S": i["sha256"]},
                                   "greeting": {"S": i["greeting"]}}}
                            for i in r["items"]]}}


def run(index=None, parent="job-1", size=None, attempt=None, doc=None,
        raw=None, uri=None, table=TABLE, worker=WORKER, **extra):
    """Runs one child; returns (rc, stdout lines, stderr lines)."""
    env = moto.env(key, **extra)
    for k in [k for k in env if k.startswith("AWS_BATCH_") or
              k in ("JOB_INPUT", "JOB_INPUT_URI", "ARRAY_SIZE",
                    "RESULTS_TABLE")]:
        del env[k]
    if index is None:
        env["AWS_BATCH_JOB_ID"] = parent
    else:
        env["AWS_BATCH_JOB_ID"] = f"{parent}:{index}"
        env["AWS_BATCH_JOB_ARRAY_INDEX"] = str(index)
    if size is not None:
        env["ARRAY_SIZE"] = str(size)
    if attempt is not None:
        env["AWS_BATCH_JOB_ATTEMPT"] = str(attempt)
    if doc is not None or raw is not None:
        env["JOB_INPUT"] = raw if raw is not None else json.dumps(doc)
    if uri is not None:
        env["JOB_INPUT_URI"] = uri
    if table:
        env["RESULTS_TABLE"] = table
    p = subprocess.run([worker], env=env, capture_output=True, text=True,
                       timeout=60)
    if "Sanitizer" in p.stderr or "runtime error" in p.stderr:
        print("# " + p.stderr.replace("\n", "\n# "))
    return (p.returncode, [ln for ln in p.stdout.splitlines() if ln.strip()],
            [ln for ln in p.stderr.splitlines() if ln.strip()])


def items_of(parent):
    return ddb.query(TableName=TABLE, KeyConditionExpression="job_id = :j",
                     ExpressionAttributeValues={":j": {"S": parent}},
                     ConsistentRead=True)["Items"]


def check_index(what, parent, doc, index, size, rc, out, err, attempt=1,
                stored_attempt=1):
    """One child's exit, stdout line, log lines and table item."""
    want = expected(doc, parent, index, size, attempt)
    t.ok(rc == 0 and len(out) == 1 and json.loads(out[0]) == want,
         f"{what}: exit 0, the result line", (rc, out, err, want))
    logs = [json.loads(ln) for ln in err]
    emf = [x for x in logs if "_aws" in x]
    plain = [x for x in logs if "_aws" not in x]
    t.ok(len(plain) == 1 and len(emf) == 1 and
         emf[0]["ItemsProcessed"] == want["count"] and
         plain[0]["count"] == want["count"] and
         plain[0]["index"] == index and plain[0]["job_id"] == parent,
         f"{what}: one log line and one EMF line (ItemsProcessed)", err)
    got = [i for i in items_of(parent) if i["index"]["N"] == str(index)]
    want_item = as_ddb(dict(want, attempt=stored_attempt))
    ok = len(got) == 1 and {k: v for k, v in got[0].items()
                            if k != "written_at"} == want_item
    if ok:
        w = datetime.datetime.strptime(got[0]["written_at"]["S"],
                                       "%Y-%m-%dT%H:%M:%S.%fZ")
        ok = abs((datetime.datetime.utcnow() - w).total_seconds()) < 60
    t.ok(ok, f"{what}: the table item, written_at a recent RFC 3339 time",
         (got, want_item))


def run_array(parent, doc, size, what, **kw):
    for i in range(size):
        rc, out, err = run(i, parent, size=size, doc=doc, **kw)
        check_index(f"{what} index {i} of {size}", parent, doc, i, size,
                    rc, out, err)
    t.eq(len(items_of(parent)), size, f"{what}: {size} items, one per index")


DOC7 = {"message": "Hi there", "items": [f"item-{c}" for c in "ABCDEFG"]}


def test_single():
    doc = {"items": ["solo", "caf\u00e9 \u2603", "x" * 1024]}
    rc, out, err = run(None, "single-1", doc=doc)
    check_index("single job", "single-1", doc, 0, 1, rc, out, err)


def test_sizes():
    for size in (1, 2, 7):
        run_array(f"sized-{size}", DOC7, size, f"array of {size}")


def test_items_over_indexes():
    doc = {"message": "Yo", "items": [f"n{i}" for i in range(10)]}
    run_array("ten-over-three", doc, 3, "10 items over 3")
    # array_size from the input wins over ARRAY_SIZE.
    doc2 = dict(doc, array_size=4)
    for i in range(4):
        rc, out, err = run(i, "from-input", size=9, doc=doc2)
        check_index(f"input array_size 4 (ARRAY_SIZE 9) index {i}",
                    "from-input", doc2, i, 4, rc, out, err)


def test_indexes_over_items():
    doc = {"items": ["only-a", "only-b"]}
    run_array("two-over-five", doc, 5, "2 items over 5")


def test_s3_input():
    doc = {"message": "From S3", "items": ["s-1", "s-2", "s-3"]}
    # A key with a space and nested '/'; moto with IAM on cannot verify
    # signatures for keys with '+', '%' or UTF-8 (see test_s3.py).
    k = "inputs/job 7/input.json"
    s3.put_object(Bucket=BUCKET, Key=k, Body=json.dumps(doc).encode())
    for i in range(2):
        rc, out, err = run(i, "from-s3", size=2, uri=f"s3://{BUCKET}/{k}")
        check_index(f"JOB_INPUT_URI index {i} of 2", "from-s3", doc, i, 2,
                    rc, out, err)
    rc, out, err = run(0, "s3-missing", size=1,
                       uri=f"s3://{BUCKET}/no/such.json")
    t.ok(rc == 2 and not out and len(err) == 1 and "NoSuchKey" in err[0]
         and not items_of("s3-missing"),
         "JOB_INPUT_URI to a missing key: exit 2, one line, nothing written",
         (rc, out, err))
    s3.put_object(Bucket=BUCKET, Key="bad.json", Body=b'{"items": [1]}')
    rc, out, err = run(0, "s3-bad", size=1, uri=f"s3://{BUCKET}/bad.json")
    t.ok(rc == 2 and len(err) == 1 and
         "JOB_INPUT_URI: items[0] is not a string" in err[0] and
         not items_of("s3-bad"), "bad input from S3: exit 2, named", err)


def test_bad_input():
    cases = [
        ("malformed JSON", dict(raw='{"items": ["a", }'),
         'JOB_INPUT: malformed JSON at byte 16'),
        ("truncated JSON", dict(raw='{"items": ["a"'),
         "JOB_INPUT: malformed JSON at byte 13, the end"),
        ("trailing text", dict(raw='{"items": []} {}'),
         "unexpected text after the value at byte 14"),
        ("not an object", dict(doc=["a"]), "is not a JSON object"),
        ("items missing", dict(doc={"message": "m"}),
         'JOB_INPUT: "items" is missing'),
        ("items not an array", dict(doc={"items": "abc"}),
         '"items" is not an array'),
        ("items[2] a number", dict(doc={"items": ["a", "b", 3]}),
         "JOB_INPUT: items[2] is not a string"),
        ("item too long", dict(doc={"items": ["x" * 1025]}),
         "items[0] is 1025 bytes"),
        ("message a number", dict(doc={"items": [], "message": 5}),
         '"message" is not a string'),
        ("array_size 0", dict(doc={"items": [], "array_size": 0}),
         '"array_size" must be an integer from 1 to 10000'),
        ("array_size 2.5", dict(doc={"items": [], "array_size": 2.5}),
         '"array_size" must be an integer'),
        ("array_size 10001", dict(doc={"items": [], "array_size": 10001}),
         '"array_size" must be an integer'),
        ("duplicate items", dict(raw='{"items": [], "items": ["a"]}'),
         '"items" appears 2 times'),
        ("index >= array_size", dict(index=3, size=3, doc={"items": ["a"]}),
         "AWS_BATCH_JOB_ARRAY_INDEX 3 is not below the array size 3"),
        ("index >= input array_size",
         dict(index=2, size=5, doc={"items": ["a"], "array_size": 2}),
         "not below the array size 2 (from the input's \"array_size\")"),
        ("index not a number", dict(index="x1", size=3, doc={"items": []}),
         "AWS_BATCH_JOB_ARRAY_INDEX must be an integer"),
        ("ARRAY_SIZE 0", dict(index=0, size=0, doc={"items": []}),
         "ARRAY_SIZE must be an integer from 1 to 10000"),
        ("both input variables",
         dict(doc={"items": []}, uri=f"s3://{BUCKET}/x.json"),
         "set JOB_INPUT or JOB_INPUT_URI, not both"),
        ("neither input variable", dict(),
         "JOB_INPUT (the input JSON) or JOB_INPUT_URI"),
        ("JOB_INPUT_URI not s3://", dict(uri="https://example.com/x"),
         "JOB_INPUT_URI: not an s3://bucket/key URI"),
        ("bad RESULTS_TABLE", dict(doc={"items": []}, table="a b"),
         "RESULTS_TABLE is not a table name"),
    ]
    for n, (what, kw, want) in enumerate(cases):
        parent = f"bad-{n}"
        kw.setdefault("index", 0 if "size" in kw else None)
        rc, out, err = run(parent=parent, **kw)
        msg = json.loads(err[0]).get("msg", "") if len(err) == 1 else ""
        t.ok(rc == 2 and not out and len(err) == 1 and want in msg and
             json.loads(err[0])["level"] == "error" and
             not items_of(parent),
             f"{what}: exit 2, one line naming it, nothing written",
             (rc, out, err, want))


def test_retried_attempt():
    doc = {"items": ["r1", "r2", "r3"]}
    rc, out, err = run(1, "retried", size=2, doc=doc)
    check_index("first attempt", "retried", doc, 1, 2, rc, out, err)
    before = items_of("retried")
    rc, out, err = run(1, "retried", size=2, doc=doc, attempt=2)
    t.ok(rc == 0 and len(out) == 1 and
         json.loads(out[0]) == expected(doc, "retried", 1, 2, attempt=2),
         "attempt 2: exit 0, its result line", (rc, out, err))
    t.ok(len(err) == 2 and "already written" in json.loads(err[-1])["msg"]
         and json.loads(err[-1])["outcome"] == "already_written",
         "attempt 2 logs \"already written\"", err)
    t.eq(items_of("retried"), before,
         "attempt 2 did not overwrite the item (attempt 1, same written_at)")


def test_throttled_put():
    doc = {"items": ["t1", "t2"]}
    with FaultProxy(moto.endpoint,
                    rules={"DynamoDB_20120810.PutItem":
                           ["throttle", "provisioned"]}) as p:
        rc, out, err = run(0, "throttled", size=1, doc=doc,
                           AWS_ENDPOINT_URL=p.url)
        puts = [a for tg, a in p.log if tg == "DynamoDB_20120810.PutItem"]
    check_index("two throttles, then the PutItem", "throttled", doc, 0, 1,
                rc, out, err)
    t.eq(len(puts), 3, "PutItem sent 3 times (2 throttled, 1 forwarded)")
    with FaultProxy(moto.endpoint, rules={"DynamoDB_20120810.PutItem":
                                          ["throttle"] * 10}) as p:
        rc, out, err = run(0, "throttled-out", size=1, doc=doc,
                           AWS_ENDPOINT_URL=p.url, AWS_MAX_ATTEMPTS="3")
    t.ok(rc == 3 and not out and len(err) == 1 and
         "ThrottlingException" in err[0] and not items_of("throttled-out"),
         "throttled on every attempt: exit 3, no result line, nothing "
         "written", (rc, out, err))


def test_no_table_and_denied():
    doc = {"items": ["p"]}
    rc, out, err = run(0, "no-table", size=1, doc=doc, table=None)
    t.ok(rc == 0 and len(out) == 1 and
         json.loads(out[0]) == expected(doc, "no-table", 0, 1) and
         json.loads(err[-1])["outcome"] == "printed",
         "no RESULTS_TABLE: result printed, nothing else needed", (rc, err))
    other = moto.user("no-put", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]})
    env_key = {"AWS_ACCESS_KEY_ID": other[0],
               "AWS_SECRET_ACCESS_KEY": other[1]}
    rc, out, err = run(0, "denied", size=1, doc=doc, **env_key)
    t.ok(rc == 2 and not out and "AccessDenied" in " ".join(err) and
         not items_of("denied"),
         "a policy without dynamodb:PutItem: exit 2, nothing written",
         (rc, out, err))


def test_release_binary():
    if not os.access(RELEASE, os.X_OK):
        t.ok(False, "release array-worker is built", RELEASE)
        return
    for i in range(3):
        rc, out, err = run(i, "release", size=3, doc=DOC7, worker=RELEASE)
        check_index(f"static release binary index {i} of 3", "release",
                    DOC7, i, 3, rc, out, err)


for fn in (test_single, test_sizes, test_items_over_indexes,
           test_indexes_over_items, test_s3_input, test_bad_input,
           test_retried_attempt, test_throttled_put, test_no_table_and_denied,
           test_release_binary):
    t.run(fn)
moto.stop()
t.done()
