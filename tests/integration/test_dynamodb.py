#!/usr/bin/env python3
"""test_dynamodb - the DynamoDB client (common/src/dynamodb.c) through the
sw_ddb driver against moto_server with IAM auth on, plus tests/lib/
faultproxy.py for throttling and UnprocessedItems.

Note: moto matches IAM policy Resources only against "*", so the policies
below use Resource "*" and restrict by Action.

UnprocessedItems: a proxy cannot forward part of a signed request (changing
the body breaks the signature), so when the simulated table is "busy" the
proxy's transform plays DynamoDB itself: it writes the chosen subset with the
admin client and answers the rest as UnprocessedItems, as DynamoDB does under
load. Requests it processes in full are forwarded untouched (signature
checked by moto).
"""
import json
import os
import random
import subprocess
import tempfile
import threading
import time
from collections import Counter

from faultproxy import FaultProxy, Response
from swtest import Moto, Tap, TEST_BIN

t = Tap()
m = Moto()
SW_DDB = os.path.join(TEST_BIN, "sw_ddb")
BIG = "12345678901234567890.123456789"

m.create_table("items")
m.create_table("events", "pk", "sk")
admin = m.admin("dynamodb")
ALL_OPS = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem",
           "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchWriteItem"]
writer = m.user("writer", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ALL_OPS, "Resource": "*"}]})
limited = m.user("limited", {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
     "Resource": "*"}]})
ENV = m.env(writer)


def ddb(*args, env=None):
    """Runs sw_ddb; returns (exit code, parsed JSON line, stderr)."""
    p = subprocess.run([SW_DDB, *args], env=env or ENV, capture_output=True,
                       text=True, timeout=120)
    lines = p.stdout.strip().splitlines()
    out = json.loads(lines[-1]) if lines else None
    return p.returncode, out, p.stderr


def js(o):
    return json.dumps(o, ensure_ascii=False)


def norm(item):
    """An item with set members sorted (sets have no order)."""
    out = {}
    for k, v in item.items():
        (tag, val), = v.items()
        if tag in ("SS", "NS", "BS"):
            val = sorted(val)
        elif tag == "M":
            val = norm(val)
        elif tag == "L":
            val = [norm({"x": e})["x"] for e in val]
        out[k] = {tag: val}
    return out


def scan(table):
    items, kw = [], {}
    while True:
        r = admin.scan(TableName=table, ConsistentRead=True, **kw)
        items += r["Items"]
        if "LastEvaluatedKey" not in r:
            return items
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]


def clear(table):
    for it in scan(table):
        admin.delete_item(TableName=table, Key={"pk": it["pk"]})


# ---- single-item round trips -------------------------------------------
ITEM = {"pk": {"S": "rt-1"},
        "big": {"N": BIG},
        "small": {"N": "-0.000000000000000000000000000000000001"},
        "s": {"S": "h\u00e9llo \u2713 \u65e5\u672c \U0001F600"},
        "m": {"M": {"inner": {"L": [{"N": "1.50"}, {"S": "x"},
                                    {"M": {"deep": {"BOOL": True}}}]},
                    "nil": {"NULL": True}}},
        "ss": {"SS": ["b", "a"]},
        "ns": {"NS": ["1", "2.5"]},
        "bin": {"B": "AAECAwQ="}}


def test_round_trip():
    rc, out, err = ddb("put", "items", js(ITEM))
    t.eq((rc, out and out.get("ok")), (0, True), "signed PutItem accepted")
    rc, out, _ = ddb("get", "items", js({"pk": {"S": "rt-1"}}))
    t.eq(rc, 0, "GetItem exit 0")
    got = out.get("item") or {}
    t.eq(got.get("big"), {"N": BIG}, "exact decimal N preserved end to end")
    t.eq(norm(got), norm(ITEM), "item read back equals item written "
         "(UTF-8, nested M/L, sets, binary)")
    raw = admin.get_item(TableName="items", Key={"pk": {"S": "rt-1"}})["Item"]
    t.eq(raw["big"]["N"], BIG, "stored number text is exact (admin view)")
    t.eq(raw["s"]["S"], ITEM["s"]["S"], "stored UTF-8 string is exact")

    rc, out, _ = ddb("get", "items", js({"pk": {"S": "nope"}}))
    t.eq((rc, out.get("ok"), out.get("item", "absent")), (0, True, None),
         "GetItem of a missing key -> item null")

    rc, out, _ = ddb("update", "items", js({"pk": {"S": "rt-1"}}),
                     "--update", "SET #c = :c, #s = :s",
                     "--names", js({"#c": "cnt", "#s": "s"}),
                     "--values", js({":c": {"N": "0.1000000000000000000000000"
                                                 "000000000001"},
                                     ":s": {"S": "neu \u00fc"}}))
    attrs = (out or {}).get("attributes") or {}
    t.eq(rc, 0, "UpdateItem exit 0")
    t.eq(attrs.get("cnt"), {"N": "0.1000000000000000000000000000000000001"},
         "UpdateItem ALL_NEW returns the 38-digit number exactly")
    t.eq((attrs.get("s"), attrs.get("big")), ({"S": "neu \u00fc"},
                                              {"N": BIG}),
         "ALL_NEW includes updated and untouched attributes")

    rc, out, _ = ddb("delete", "items", js({"pk": {"S": "rt-1"}}))
    t.eq(rc, 0, "DeleteItem exit 0")
    t.ok("Item" not in admin.get_item(TableName="items",
                                      Key={"pk": {"S": "rt-1"}}),
         "item gone after DeleteItem")


def test_plain():
    plain = {"pk": "plain-1", "price": 1.5, "qty": 3, "tiny": 0.1,
             "tags": ["a", 1, True, None], "m": {"x": {"y": [0.25]}},
             "u": "\u00e9\u2713"}
    rc, out, _ = ddb("put", "items", js(plain), "--plain")
    t.eq(rc, 0, "--plain put")
    raw = admin.get_item(TableName="items", Key={"pk": {"S": "plain-1"}})
    t.eq((raw["Item"]["price"], raw["Item"]["tiny"], raw["Item"]["tags"]),
         ({"N": "1.5"}, {"N": "0.1"},
          {"L": [{"S": "a"}, {"N": "1"}, {"BOOL": True}, {"NULL": True}]}),
         "plain JSON marshalled to shortest exact N text and typed values")
    rc, out, _ = ddb("get", "items", js({"pk": "plain-1"}), "--plain")
    t.eq(out.get("item"), plain, "--plain get unmarshals back to the input")


def test_condition():
    v1 = {"pk": {"S": "cond-1"}, "v": {"S": "first"}}
    v2 = {"pk": {"S": "cond-1"}, "v": {"S": "second"}}
    rc1, _, _ = ddb("put", "items", js(v1), "--condition",
                    "attribute_not_exists(pk)")
    rc2, out, _ = ddb("put", "items", js(v2), "--condition",
                      "attribute_not_exists(#p)", "--names", js({"#p": "pk"}))
    t.eq(rc1, 0, "first conditional put succeeds")
    t.eq((rc2, out.get("code"), out.get("result")),
         (2, "ConditionalCheckFailedException", "condition not met"),
         "second conditional put -> SW_E_CONDITION, exit 2")
    t.eq(out.get("attempts"), 1, "a failed condition is not retried")
    got = admin.get_item(TableName="items", Key={"pk": {"S": "cond-1"}})
    t.eq(got["Item"]["v"], {"S": "first"}, "item unchanged by the failed put")
    rc, out, _ = ddb("delete", "items", js({"pk": {"S": "cond-1"}}),
                     "--condition", "v = :v", "--values",
                     js({":v": {"S": "other"}}))
    t.eq((rc, out.get("result")), (2, "condition not met"),
         "conditional delete with a false condition -> exit 2")
    rc, out, _ = ddb("update", "items", js({"pk": {"S": "cond-1"}}),
                     "--update", "SET v = :n", "--condition", "v = :v",
                     "--values", js({":v": {"S": "first"},
                                     ":n": {"S": "third"}}))
    t.eq((rc, out["attributes"]["v"]), (0, {"S": "third"}),
         "conditional update with a true condition applies")


def test_auth():
    bad = m.env((writer[0], writer[1][:-4] + "AAAA"))
    rc, out, _ = ddb("put", "items", js({"pk": {"S": "auth-1"}}), env=bad)
    t.ok(rc == 2 and out.get("code") in ("SignatureDoesNotMatch",
                                         "InvalidSignatureException"),
         "wrong secret -> signature rejected, exit 2 (not retried by Batch)",
         out)
    t.eq(out.get("attempts"), 1, "signature failure is not retried")
    rc, out, _ = ddb("get", "items", js({"pk": {"S": "auth-1"}}),
                     env=m.env(("AKIAUNKNOWNUNKNOWN00", "x" * 40)))
    t.ok(rc == 2 and out.get("code") in ("UnrecognizedClientException",
                                         "InvalidClientTokenId"),
         "unknown access key -> exit 2", out)
    t.ok("Item" not in admin.get_item(TableName="items",
                                      Key={"pk": {"S": "auth-1"}}),
         "nothing written by the rejected call")

    lim = m.env(limited)
    rc, out, _ = ddb("put", "items", js({"pk": {"S": "lim-1"}}), env=lim)
    t.eq(rc, 0, "least-privilege user: PutItem allowed")
    rc, out, _ = ddb("get", "items", js({"pk": {"S": "lim-1"}}), env=lim)
    t.eq((rc, out.get("item")), (0, {"pk": {"S": "lim-1"}}),
         "least-privilege user: GetItem allowed")
    rc, out, _ = ddb("delete", "items", js({"pk": {"S": "lim-1"}}), env=lim)
    t.ok(rc == 2 and out.get("code") in ("AccessDenied",
                                         "AccessDeniedException")
         and out.get("attempts") == 1,
         "DeleteItem outside the policy -> AccessDenied, exit 2, 1 attempt",
         out)
    t.ok("Item" in admin.get_item(TableName="items",
                                  Key={"pk": {"S": "lim-1"}}),
         "denied delete left the item")
    rc, out, _ = ddb("query", "events", "--key-condition", "pk = :p",
                     "--values", js({":p": {"S": "q"}}), env=lim)
    t.eq(rc, 2, "Query outside the policy -> exit 2")


def test_query():
    for i in range(10):
        admin.put_item(TableName="events",
                       Item={"pk": {"S": "q"}, "sk": {"S": f"{i:02d}"},
                             "n": {"N": str(i)}})
    admin.put_item(TableName="events",
                   Item={"pk": {"S": "other"}, "sk": {"S": "00"}})
    with FaultProxy(m.endpoint) as p:
        env = m.env(writer, AWS_ENDPOINT_URL=p.url)
        args = ["query", "events", "--key-condition", "pk = :p",
                "--values", js({":p": {"S": "q"}})]
        rc, out, _ = ddb(*args, "--limit", "3", env=env)
        sks = [it["sk"]["S"] for it in out.get("items", [])]
        t.eq((rc, out.get("count"), sks),
             (0, 10, [f"{i:02d}" for i in range(10)]),
             "Query with limit 3 returns all 10 items in order")
        pages = sum(1 for tgt, _ in p.log if tgt.endswith(".Query"))
        t.ok(pages >= 4, f"followed LastEvaluatedKey over {pages} pages")
        n0 = len(p.log)
        rc, out, _ = ddb(*args, "--limit", "3", "--max-items", "5", "--desc",
                         env=env)
        sks = [it["sk"]["S"] for it in out.get("items", [])]
        t.eq((rc, sks), (0, ["09", "08", "07", "06", "05"]),
             "descending, stopped at max-items 5")
        t.eq(len(p.log) - n0, 2, "max-items 5 over pages of 3: 2 requests")
        rc, out, _ = ddb(*args, "--names", js({"#n": "n"}), "--filter",
                         "#n >= :min", "--values",
                         js({":p": {"S": "q"}, ":min": {"N": "7"}}), env=env)
    t.eq([it["n"]["N"] for it in out.get("items", [])], ["7", "8", "9"],
         "filter expression applied")


# ---- BatchWriteItem -------------------------------------------------------
class BusyTable:
    """A transform playing a busy DynamoDB table: for each BatchWriteItem it
    asks process(item, nth_request) which items to write now; if all, the
    signed request is forwarded to moto, else the chosen ones are written
    with the admin client and the rest answered as UnprocessedItems (with
    their attributes in reverse order, as nothing promises the order).
    Records what was confirmed and any item re-sent after confirmation."""

    def __init__(self, table, items, process):
        self.table = table
        self.want = Counter(self.key(i) for i in items)
        self.confirmed = Counter()
        self.violations = []
        self.partial_answers = 0
        self.requests = 0
        self.process = process
        self.lock = threading.Lock()

    @staticmethod
    def key(item):
        return json.dumps(item, sort_keys=True)

    def __call__(self, req, forward):
        if not req.target.endswith("BatchWriteItem"):
            return None
        puts = [w["PutRequest"]["Item"]
                for w in req.json["RequestItems"][self.table]]
        keys = [self.key(i) for i in puts]
        with self.lock:
            self.requests += 1
            nth = self.requests
            if len(set(keys)) != len(keys):
                self.violations.append("identical items in one request")
            for k in keys:
                if self.confirmed[k] >= self.want[k]:
                    self.violations.append(f"re-sent after written: {k}")
        do = [self.process(i, nth) for i in puts]
        if all(do):
            r = forward()
            if r.status == 200 and not r.json().get("UnprocessedItems"):
                with self.lock:
                    self.confirmed.update(keys)
            return r
        done = [i for i, d in zip(puts, do) if d]
        if done:
            admin.batch_write_item(RequestItems={self.table: [
                {"PutRequest": {"Item": i}} for i in done]})
        with self.lock:
            self.confirmed.update(self.key(i) for i in done)
            self.partial_answers += 1
        rest = [{"PutRequest": {"Item": dict(reversed(list(i.items())))}}
                for i, d in zip(puts, do) if not d]
        return Response.from_json(200, {"UnprocessedItems":
                                        {self.table: rest}})


def write_items(items):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(items, f)
    f.close()
    return f.name


def test_batch_busy():
    clear("items")
    items = [{"pk": {"S": f"b-{i:03d}"}, "n": {"N": f"{i}.{i:03d}"},
              "s": {"S": "x" * (i % 7)}} for i in range(118)]
    items += [dict(items[3]), dict(items[50])]  # duplicates: 120 in all
    rng = random.Random(11)
    sim = BusyTable("items", items, lambda it, nth: rng.random() < 0.6)
    rules = {"DynamoDB_20120810.BatchWriteItem":
             ["throttle", "ok", "provisioned", "ok", "ok", "throttle",
              "throttle", "throttle", "ok", "500", "ok", "503"]}
    path = write_items(items)
    with FaultProxy(m.endpoint, rules=rules, transform=sim) as p:
        t0 = time.time()
        rc, out, err = ddb("batch-write", "items", path, "--deadline-ms",
                           "30000", env=m.env(writer, AWS_ENDPOINT_URL=p.url))
        secs = time.time() - t0
        faulted, rules_left = p.faulted, p.rules
    os.unlink(path)
    t.eq((rc, out.get("ok"), out.get("failed")), (0, True, []),
         f"120 items under throttling and UnprocessedItems: all written "
         f"({out.get('requests')} requests, {secs:.1f}s)")
    t.eq(out.get("written"), 120, "written counts every index once")
    t.ok(sim.partial_answers >= 3 and faulted == 7 and
         not any(rules_left.values()),
         f"the busy table answered {sim.partial_answers} partial batches, "
         f"{faulted} throttles/5xx")
    t.eq(sim.violations, [], "no item re-sent after it was written, no "
         "identical items in one request")
    t.eq(+sim.confirmed, sim.want, "each item confirmed exactly as often as "
         "it appears in the input")
    stored = {it["pk"]["S"]: it for it in scan("items")}
    t.eq(len(stored), 118, "scan: 118 distinct items stored")
    t.ok(all(stored.get(i["pk"]["S"]) == i for i in items),
         "scan: every stored item equals its input exactly")


def test_batch_deadline():
    clear("items")
    items = [{"pk": {"S": f"d-{i:02d}"}} for i in range(40)]
    stuck = {3, 17, 38}
    sim = BusyTable("items", items,
                    lambda it, nth: int(it["pk"]["S"][2:]) not in stuck)
    path = write_items(items)
    with FaultProxy(m.endpoint, transform=sim) as p:
        t0 = time.time()
        rc, out, _ = ddb("batch-write", "items", path, "--deadline-ms", "800",
                         env=m.env(writer, AWS_ENDPOINT_URL=p.url))
        secs = time.time() - t0
    os.unlink(path)
    t.eq((rc, out.get("ok"), out.get("failed"), out.get("written")),
         (4, False, sorted(stuck), 37),
         "items never processed: exit 4 with exactly their indexes")
    t.ok(out.get("requests", 0) > 2 and secs < 10,
         f"kept re-sending until the deadline ({out.get('requests')} "
         f"requests, {secs:.1f}s)")
    t.eq(sorted(int(it["pk"]["S"][2:]) for it in scan("items")),
         sorted(set(range(40)) - stuck), "scan: all the others stored")
    t.eq(sim.violations, [], "no item re-sent after it was written")


def test_batch_outright_failure():
    clear("items")
    items = [{"pk": {"S": f"f-{i:02d}"}} for i in range(60)]
    sim = BusyTable("items", items, lambda it, nth: True)
    rules = {"DynamoDB_20120810.BatchWriteItem": ["ok", "validation"]}
    path = write_items(items)
    with FaultProxy(m.endpoint, rules=rules, transform=sim) as p:
        rc, out, _ = ddb("batch-write", "items", path,
                         env=m.env(writer, AWS_ENDPOINT_URL=p.url))
    os.unlink(path)
    t.eq((rc, out.get("code"), out.get("written"), out.get("failed")),
         (2, "ValidationException", 25, list(range(25, 60))),
         "request failing outright: its items and all unsent ones failed, "
         "exit 2")
    t.eq(len(scan("items")), 25, "scan: only the confirmed 25 stored")


for fn in (test_round_trip, test_plain, test_condition, test_auth, test_query,
           test_batch_busy, test_batch_deadline, test_batch_outright_failure):
    t.run(fn)
m.stop()
t.done()
