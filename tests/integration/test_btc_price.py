#!/usr/bin/env python3
"""test_btc_price - the btc-price worker (sanitizer build) end to end:
against moto_server with IAM auth on (signed as a user holding the worker's
own policy from policies/btc-price.json) and a local HTTPS stand-in for the
four exchanges (tests/lib/exchanges.py: a Python server, because no real
exchange can run here; it answers each exchange's real format at its real
path). DynamoDB faults come from tests/lib/faultproxy.py in front of moto.
"""
import datetime
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__) + "/../lib")
from exchanges import Exchanges, SOURCES  # noqa: E402
from faultproxy import FaultProxy, Response  # noqa: E402
from swtest import BIN, ROOT, TEST_BIN, Moto, Tap  # noqa: E402

WORKER = os.path.join(TEST_BIN, "btc-price")
RELEASE = os.path.join(BIN, "btc-price")
TABLE = "btc-prices"
PUT = "DynamoDB_20120810.PutItem"

t = Tap()
os.makedirs(os.path.join(os.path.dirname(TEST_BIN), "logs"), exist_ok=True)
moto = Moto()
moto.create_table(TABLE, hash_key="pair", range_key="timestamp")
ddb = moto.admin("dynamodb")

# The worker's real policy (Resources become "*" for moto: see
# Moto.worker_user).
KEY = moto.worker_user("btc-price")

ex = Exchanges()
ex_eur = Exchanges(currency="EUR")


def run(slot=None, exchanges=ex, endpoint=None, drop=(), worker=WORKER,
        **env):
    """Runs the worker; returns (rc, log dict, emf dict, stderr, seconds)."""
    e = moto.env(KEY, TABLE_NAME=TABLE, PRICE_TIMEOUT_MS=3000,
                 **exchanges.env())
    if slot is not None:
        e["SCHEDULED_TIME"] = slot
    if endpoint:
        e["AWS_ENDPOINT_URL"] = endpoint
    e.update({k: str(v) for k, v in env.items()})
    for k in drop:
        e.pop(k, None)
    start = time.monotonic()
    p = subprocess.run([worker], env=e, capture_output=True, text=True,
                       timeout=60)
    secs = time.monotonic() - start
    log = emf = None
    lines = [ln for ln in p.stderr.splitlines() if ln.startswith("{")]
    if lines:
        log = json.loads(lines[-1])
    out = [ln for ln in p.stdout.splitlines() if ln.strip()]
    if out:
        emf = json.loads(out[-1])
    if p.returncode not in (0, 2, 3) or "ERROR: AddressSanitizer" in \
            p.stderr or "runtime error" in p.stderr:
        print("# stderr: " + p.stderr.replace("\n", "\n# "))
    return p.returncode, log, emf, p.stderr, secs


def items(pair="BTC-USD", slot=None):
    """Items of the table for pair (and slot)."""
    cond = "#p = :p" + (" AND #t = :t" if slot else "")
    vals = {":p": {"S": pair}}
    names = {"#p": "pair"}
    if slot:
        vals[":t"] = {"S": slot}
        names["#t"] = "timestamp"
    return ddb.query(TableName=TABLE, KeyConditionExpression=cond,
                     ExpressionAttributeNames=names,
                     ExpressionAttributeValues=vals,
                     ConsistentRead=True)["Items"]


def stderr_lines(stderr):
    return [ln for ln in stderr.splitlines() if ln.strip()]


def test_happy_path():
    ex.reset()
    # Sorted: 43210.12 < 43215.10000 < 43250 < 43300.5; even count, so the
    # lower middle: kraken's exact text, trailing zeros and all.
    ex.set_prices({"coinbase": "43210.12", "kraken": "43215.10000",
                   "bitstamp": "43250", "coingecko": "43300.5"})
    slot = "2024-01-01T12:00:00Z"
    before = datetime.datetime.now(datetime.timezone.utc)
    rc, log, emf, err, _ = run(slot)
    after = datetime.datetime.now(datetime.timezone.utc)
    t.eq(rc, 0, "happy path exits 0")
    got = items(slot=slot)
    t.eq(len(got), 1, "one item written")
    if not got:
        return
    it = got[0]
    t.eq(it["pair"], {"S": "BTC-USD"}, "item pair")
    t.eq(it["timestamp"], {"S": slot}, "item timestamp is the slot")
    t.eq(it["price"], {"N": "43215.10000"},
         "item price: the lower middle, as the source quoted it")
    t.eq(it["sources"], {"M": {"coinbase": {"N": "43210.12"},
                               "kraken": {"N": "43215.10000"},
                               "bitstamp": {"N": "43250"},
                               "coingecko": {"N": "43300.5"}}},
         "item sources: every quote, exact")
    fa = datetime.datetime.strptime(it["fetched_at"]["S"],
                                    "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    t.ok(before - datetime.timedelta(seconds=1) <= fa <=
         after + datetime.timedelta(seconds=1),
         "fetched_at is the actual fetch time", f"{before} {fa} {after}")
    t.eq(sorted(it), ["fetched_at", "pair", "price", "sources", "timestamp"],
         "no other attributes")
    t.eq(len(stderr_lines(err)), 1, "exactly one log line")
    t.ok(log and log["level"] == "info" and log["outcome"] == "written" and
         log["price"] == "43215.10000" and log["sources_ok"] == 4,
         "log line: written, price, sources_ok", log)
    cwm = emf and emf["_aws"]["CloudWatchMetrics"][0]
    t.ok(cwm and cwm["Namespace"] == "scratchwork" and
         cwm["Dimensions"] == [["Pair"]] and emf["Pair"] == "BTC-USD" and
         {m["Name"] for m in cwm["Metrics"]} ==
         {"Price", "SourcesOk", "LatencyMs"} and
         emf["Price"] == 43215.1 and emf["SourcesOk"] == 4 and
         emf["LatencyMs"] >= 0,
         "EMF line on stdout: Price, SourcesOk, LatencyMs by Pair", emf)
    t.eq({s: len(v) for s, v in ex.hits.items()},
         {s: 1 for s in SOURCES}, "each exchange asked once, at its path")
    t.eq(ex.unmatched, [], "no request to an unknown path")


def test_concurrent():
    ex.reset()
    for s in SOURCES:
        ex.set(s, "slow", 1.0)
    rc, log, _, _, _ = run("2024-01-01T12:02:00Z")
    # Concurrency is read off the fixture (all four slow answers were in
    # progress at once), not off the wall clock.
    t.ok(rc == 0 and log["sources_ok"] == 4 and ex.max_in_flight == 4,
         f"four slow sources were in flight at once "
         f"({ex.max_in_flight}): fetched concurrently", log)


def test_one_down():
    ex.reset()
    ex.set("kraken", "down")
    slot = "2024-01-01T12:04:00Z"
    rc, log, emf, err, _ = run(slot)
    t.eq(rc, 0, "one source down: still exits 0")
    got = items(slot=slot)
    t.ok(len(got) == 1 and "kraken" not in got[0]["sources"]["M"] and
         len(got[0]["sources"]["M"]) == 3,
         "one source down: written from the other three", got)
    t.ok(log["level"] == "warn" and "kraken: HTTP 503" in log["msg"] and
         log["failed"] == {"kraken": "HTTP 503"},
         "one source down: the log line names it and why", log)
    t.eq(emf["SourcesOk"], 3, "EMF SourcesOk counts the answers")


def test_refused():
    ex.reset()
    ex.set("coinbase", "refused")
    slot = "2024-01-01T12:06:00Z"
    rc, log, _, _, _ = run(slot)
    t.ok(rc == 0 and len(items(slot=slot)) == 1 and
         log["failed"]["coinbase"].startswith("network error"),
         "connection refused: dropped as a network error", log)


def test_all_down():
    ex.reset()
    for s, mode in zip(SOURCES, ("down", "refused", "garbage", "absurd")):
        ex.set(s, mode)
    slot = "2024-01-01T12:08:00Z"
    rc, log, emf, err, _ = run(slot)
    t.eq(rc, 3, "all sources failing: exit 3 (transient)")
    t.eq(items(slot=slot), [], "all sources failing: nothing written")
    msg = log["msg"] if log else ""
    t.ok(len(stderr_lines(err)) == 1 and
         msg.startswith("quorum not met (exit 3): 0 of 4 sources answered, "
                        "need 2") and
         "coinbase: HTTP 503" in msg and "kraken: network error" in msg and
         "bitstamp: malformed JSON" in msg and
         "coingecko: bitcoin.usd: not a positive number" in msg,
         "one line naming every failed source and why", msg)
    t.ok(emf and "Price" not in emf and emf["SourcesOk"] == 0,
         "EMF without a price when the quorum failed", emf)


def test_tls():
    ex.reset()
    slot = "2024-01-01T12:32:00Z"
    rc, log, _, _, _ = run(slot, SSL_CERT_FILE=ex_eur.ca)
    t.ok(rc == 3 and items(slot=slot) == [] and
         all(v.startswith("TLS error") for v in log["failed"].values()) and
         len(log["failed"]) == 4,
         "server certificate from an unknown CA: TLS error, exit 3", log)
    rc, log, _, _, _ = run(slot, SSL_CERT_FILE="/nonexistent/ca.pem")
    t.ok(rc == 2 and items(slot=slot) == [] and
         all(v.startswith("bad configuration")
             for v in log["failed"].values()),
         "unreadable CA file: a local problem, exit 2", log)


def test_quorum():
    ex.reset()
    ex.set("bitstamp", "down")
    slot = "2024-01-01T12:10:00Z"
    rc, log, _, _, _ = run(slot, PRICE_QUORUM=4)
    t.ok(rc == 3 and items(slot=slot) == [] and
         "3 of 4 sources answered, need 4" in log["msg"],
         "PRICE_QUORUM=4 with one down: exit 3, nothing written", log)
    rc, log, _, _, _ = run(slot, PRICE_QUORUM=1, PRICE_SOURCES="bitstamp")
    t.ok(rc == 3 and "bitstamp: HTTP 503" in log["msg"],
         "a single configured source down: exit 3", log)


def test_malformed():
    ex.reset()
    ex.set_prices({"coinbase": "43000", "kraken": "43100.00000",
                   "coingecko": "43200"})
    ex.set("bitstamp", "garbage")
    slot = "2024-01-01T12:12:00Z"
    rc, log, _, _, _ = run(slot)
    got = items(slot=slot)
    t.ok(rc == 0 and len(got) == 1 and
         got[0]["price"] == {"N": "43100.00000"} and
         log["failed"] == {"bitstamp": "malformed JSON"},
         "malformed JSON from one: dropped, median of the other three",
         (rc, got, log))


def test_absurd():
    ex.reset()
    ex.set("coingecko", "absurd", "1e30")
    ex.set("coinbase", "absurd", "0")
    ex.set("bitstamp", "absurd", "NaN")
    slot = "2024-01-01T12:14:00Z"
    rc, log, _, _, _ = run(slot, PRICE_QUORUM=1)
    got = items(slot=slot)
    f = log["failed"]
    t.ok(rc == 0 and len(got) == 1 and
         got[0]["sources"]["M"] == {"kraken": {"N": "43210.12"}} and
         f["coingecko"].startswith("bitcoin.usd: absurd price") and
         f["coinbase"] == "data.amount: not a positive number" and
         f["bitstamp"] == "last: not a number",
         "absurd values (1e30, 0, NaN) dropped", (rc, got, log))


def test_huge():
    ex.reset()
    ex.set("kraken", "huge")
    ex.set("bitstamp", "huge", (1 << 20) - 400)  # just under the limit
    slot = "2024-01-01T12:36:00Z"
    rc, log, _, _, _ = run(slot)
    got = items(slot=slot)
    t.ok(rc == 0 and len(got) == 1 and
         log["failed"] == {"kraken": "value too large: response body larger "
                           "than 1048576 bytes"} and
         "bitstamp" in got[0]["sources"]["M"],
         "answer over 1 MiB dropped, one just under it kept", log)


def test_slow():
    ex.reset()
    ex.set("coingecko", "slow", 6.0)
    slot = "2024-01-01T12:16:00Z"
    rc, log, _, _, secs = run(slot, PRICE_TIMEOUT_MS=1000)
    got = items(slot=slot)
    t.ok(rc == 0 and len(got) == 1 and
         "coingecko" not in got[0]["sources"]["M"] and
         log["failed"]["coingecko"].startswith("timed out"),
         "slow source: dropped as timed out, price written", log)
    t.ok(0.9 <= secs < 2.5,
         f"slow source: the run ends near the 1 s timeout ({secs:.2f} s)")


def test_same_slot_twice():
    ex.reset()
    slot = "2024-01-01T12:18:00Z"
    ex.set_prices({s: "50000" for s in SOURCES})
    rc1, _, _, _, _ = run(slot)
    ex.set_prices({s: "51000" for s in SOURCES})
    rc2, log, _, err, _ = run(slot)
    got = items(slot=slot)
    t.ok(rc1 == 0 and rc2 == 0, "same slot twice: both exit 0")
    t.ok(len(got) == 1 and got[0]["price"] == {"N": "50000"},
         "same slot twice: one item, the first run's", got)
    t.ok(log["outcome"] == "already_written" and
         log["msg"].startswith("already written") and
         len(stderr_lines(err)) == 1,
         "second run reports already written", log)


def test_throttle_retry():
    ex.reset()
    slot = "2024-01-01T12:20:00Z"
    with FaultProxy(moto.endpoint, rules={PUT: ["throttle"]}) as p:
        rc, log, _, _, _ = run(slot, endpoint=p.url)
        puts = [a for tg, a in p.log if tg == PUT]
    t.ok(rc == 0 and log["outcome"] == "written" and
         puts == ["throttle", "ok"],
         "throttled PutItem retried and written", (rc, puts, log))
    t.eq(len(items(slot=slot)), 1, "throttle then retry: exactly one item")


def test_lost_answer_retry():
    """The first PutItem reaches moto but its answer is lost (a 500 is
    returned instead): the retry hits the condition and the run ends 0."""
    ex.reset()
    slot = "2024-01-01T12:22:00Z"
    state = {"n": 0}

    def lose_first(req, forward):
        if req.target == PUT:
            state["n"] += 1
            if state["n"] == 1:
                forward()
                return Response.from_json(
                    500, {"__type": "InternalServerError",
                          "message": "answer lost"})
        return None
    with FaultProxy(moto.endpoint, transform=lose_first) as p:
        rc, log, _, _, _ = run(slot, endpoint=p.url)
    t.ok(rc == 0 and state["n"] == 2 and
         log["outcome"] == "already_written",
         "lost answer: retry finds the item, reports already written",
         (rc, state, log))
    t.eq(len(items(slot=slot)), 1, "lost answer: exactly one item")


def test_write_errors():
    ex.reset()
    slot = "2024-01-01T12:24:00Z"
    with FaultProxy(moto.endpoint, rules={PUT: ["throttle"] * 3}) as p:
        rc, log, _, _, _ = run(slot, endpoint=p.url, AWS_MAX_ATTEMPTS=3)
    t.ok(rc == 3 and "transient" in log["msg"] and
         "Throttling" in log["msg"] and items(slot=slot) == [],
         "throttled on every attempt: exit 3, says transient", log)
    with FaultProxy(moto.endpoint, rules={PUT: ["validation"]}) as p:
        rc, log, _, _, _ = run(slot, endpoint=p.url)
    t.ok(rc == 2 and "not retryable" in log["msg"] and
         "ValidationException" in log["msg"],
         "validation error: exit 2, says not retryable", log)
    rc, log, _, _, _ = run(slot, TABLE_NAME="no-such-table")
    t.ok(rc == 2 and "ResourceNotFoundException" in log["msg"],
         "missing table: exit 2", log)
    # A policy lacking dynamodb:PutItem: AccessDenied, exit 2.
    deny_key = moto.user("btc-price-nowrite", {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem"],
                       "Resource": "*"}]})
    e = moto.env(deny_key, TABLE_NAME=TABLE, SCHEDULED_TIME=slot,
                 **ex.env())
    p = subprocess.run([WORKER], env=e, capture_output=True, text=True,
                       timeout=60)
    line = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
    t.ok(p.returncode == 2 and "AccessDenied" in line and
         items(slot=slot) == [],
         "without dynamodb:PutItem: AccessDenied, exit 2", line)


def test_policy_is_least_privilege():
    """The worker's own credentials can do nothing but PutItem: reads,
    deletes, queries and table listing are denied (sw_ddb, the same libsw
    client the worker uses)."""
    e = moto.env(KEY)
    key = json.dumps({"pair": {"S": "BTC-USD"},
                      "timestamp": {"S": "2024-01-01T12:00:00Z"}})
    calls = {
        "GetItem": ["get", TABLE, key],
        "DeleteItem": ["delete", TABLE, key],
        "Query": ["query", TABLE, "--key-condition", "#p = :p",
                  "--names", '{"#p": "pair"}',
                  "--values", '{":p": {"S": "BTC-USD"}}'],
    }
    for action, args in calls.items():
        p = subprocess.run([os.path.join(TEST_BIN, "sw_ddb"), *args], env=e,
                           capture_output=True, text=True, timeout=60)
        out = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else {}
        t.ok(p.returncode == 2 and "AccessDenied" in out.get("code", "") and
             action in out.get("message", ""),
             f"the worker's policy denies dynamodb:{action} (exit 2)",
             (p.returncode, out))


def test_currency():
    ex_eur.reset()
    ex_eur.set_prices({"coinbase": "39000.01", "kraken": "39000.02000",
                       "bitstamp": "39000.03", "coingecko": "39000.04"})
    slot = "2024-01-01T12:26:00Z"
    rc, log, emf, _, _ = run(slot, exchanges=ex_eur, PRICE_CURRENCY="eur")
    got = items(pair="BTC-EUR", slot=slot)
    t.ok(rc == 0 and len(got) == 1 and got[0]["price"] ==
         {"N": "39000.02000"} and emf["Pair"] == "BTC-EUR" and
         ex_eur.unmatched == [],
         "PRICE_CURRENCY=eur: every source asked for EUR, BTC-EUR stored",
         (rc, got, ex_eur.unmatched, log))


def test_sources_subset():
    ex.reset()
    slot = "2024-01-01T12:28:00Z"
    rc, log, _, _, _ = run(slot, PRICE_SOURCES="Kraken, bitstamp")
    got = items(slot=slot)
    t.ok(rc == 0 and len(got) == 1 and
         sorted(got[0]["sources"]["M"]) == ["bitstamp", "kraken"] and
         len(ex.hits["coinbase"]) == 0 and len(ex.hits["coingecko"]) == 0,
         "PRICE_SOURCES subset: only those asked", (got, ex.hits))


def test_slot_from_clock():
    ex.reset()
    now = time.time()
    rc, log, _, _, _ = run(None, SLOT_SECONDS=120)
    slot = log["slot"] if log else ""
    ts = datetime.datetime.strptime(slot, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() if slot else -1
    t.ok(rc == 0 and ts % 120 == 0 and now - 121 <= ts <= now + 1 and
         len(items(slot=slot)) == 1,
         "no SCHEDULED_TIME: now floored to SLOT_SECONDS", slot)


def test_scheduled_time_offset():
    ex.reset()
    rc, log, _, _, _ = run("2024-01-01T14:30:00.250+02:00")
    t.ok(rc == 0 and log["slot"] == "2024-01-01T12:30:00Z" and
         len(items(slot="2024-01-01T12:30:00Z")) == 1,
         "SCHEDULED_TIME with an offset is stored as UTC", log)


def test_release_binary():
    """The shipped build (static musl, mbedTLS) does the same job."""
    if not os.access(RELEASE, os.X_OK):
        t.skip("release binary happy path", f"{RELEASE} not built")
        return
    ex.reset()
    ex.set("bitstamp", "slow", 5.0)
    slot = "2024-01-01T12:34:00Z"
    rc, log, emf, _, secs = run(slot, worker=RELEASE, PRICE_TIMEOUT_MS=800)
    got = items(slot=slot)
    t.ok(rc == 0 and len(got) == 1 and got[0]["price"] == {"N": "43210.12"}
         and log["failed"]["bitstamp"].startswith("timed out") and
         emf["SourcesOk"] == 3 and secs < 2.5,
         "release binary: TLS fetch, timeout, signed write", (rc, got, log))


def test_bad_config():
    ex.reset()
    cases = [
        ("missing TABLE_NAME", {"drop": ["TABLE_NAME"]}, "TABLE_NAME"),
        ("unknown source", {"PRICE_SOURCES": "coinbase,binance"},
         "unknown source 'binance'"),
        ("PRICE_QUORUM=0", {"PRICE_QUORUM": "0"}, "PRICE_QUORUM"),
        ("PRICE_QUORUM=abc", {"PRICE_QUORUM": "abc"}, "PRICE_QUORUM"),
        ("PRICE_QUORUM above the source count", {"PRICE_QUORUM": "5"},
         "PRICE_QUORUM must be an integer from 1 to 4"),
        ("PRICE_TIMEOUT_MS=-1", {"PRICE_TIMEOUT_MS": "-1"},
         "PRICE_TIMEOUT_MS"),
        ("SLOT_SECONDS=1x", {"SLOT_SECONDS": "1x"}, "SLOT_SECONDS"),
        ("bad SCHEDULED_TIME", {"slot": "2024-01-01 12:00"},
         "SCHEDULED_TIME"),
        ("bad PRICE_CURRENCY", {"PRICE_CURRENCY": "U$D"}, "PRICE_CURRENCY"),
        ("bad PRICE_URL_KRAKEN", {"PRICE_URL_KRAKEN": "ftp://x"},
         "PRICE_URL_KRAKEN"),
        ("bad PRICE_MAX", {"PRICE_MAX": "-3"}, "PRICE_MAX"),
    ]
    for what, env, needle in cases:
        kw = dict(env)
        slot = kw.pop("slot", "2024-01-01T13:00:00Z")
        rc, log, emf, err, _ = run(slot, **kw)
        lines = stderr_lines(err)
        t.ok(rc == 2 and len(lines) == 1 and log["level"] == "error" and
             needle in log["msg"] and emf is None,
             f"bad config ({what}): exit 2 with one line", (rc, lines))
    t.eq({s: len(v) for s, v in ex.hits.items()},
         {s: 0 for s in SOURCES}, "bad config: no exchange contacted")
    t.eq(items(slot="2024-01-01T13:00:00Z"), [], "bad config: nothing written")


for fn in (test_happy_path, test_concurrent, test_one_down, test_refused,
           test_all_down, test_tls, test_quorum, test_malformed, test_absurd, test_huge,
           test_slow, test_same_slot_twice, test_throttle_retry,
           test_lost_answer_retry, test_write_errors,
           test_policy_is_least_privilege, test_currency,
           test_sources_subset, test_slot_from_clock,
           test_scheduled_time_offset, test_release_binary,
           test_bad_config):
    t.run(fn)
ex.stop()
ex_eur.stop()
t.done()
