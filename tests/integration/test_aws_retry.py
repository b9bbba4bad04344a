"""test_aws_retry - sw_aws_json_call against moto_server with IAM auth on:
SigV4-signed DynamoDB calls succeed, a wrong secret is a parsed 403
SignatureDoesNotMatch that is not retried, and faults injected by
tests/lib/faultproxy.py in front of moto (throttling, 500, 503, resets,
timeouts) are retried per the standard mode while a 400 ValidationException
is not.
"""
import json
import os
import subprocess
import time

from faultproxy import FaultProxy
from swtest import TEST_BIN, Moto, Tap

CALL = os.path.join(TEST_BIN, "sw_aws_call")
t = Tap()
moto = Moto()
key = moto.admin_key


def call(env, *args, timeout=60):
    start = time.monotonic()
    p = subprocess.run([CALL, *args], env=env, capture_output=True,
                       text=True, timeout=timeout)
    secs = time.monotonic() - start
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    return p.returncode, lines, p.stderr, secs


def test_signed_calls():
    env = moto.env(key)
    body = json.dumps({"TableName": "sw_aws_t1",
                       "KeySchema": [{"AttributeName": "pk",
                                      "KeyType": "HASH"}],
                       "AttributeDefinitions": [{"AttributeName": "pk",
                                                 "AttributeType": "S"}],
                       "BillingMode": "PAY_PER_REQUEST"})
    rc, out, err, _ = call(env, "--target", "DynamoDB_20120810.CreateTable",
                           "--body", body)
    t.ok(rc == 0 and out and out[0]["ok"] and
         out[0]["body"]["TableDescription"]["TableName"] == "sw_aws_t1",
         "signed CreateTable succeeds against moto with IAM auth", (out, err))
    rc, out, err, _ = call(env, "--repeat", "3")
    t.ok(rc == 0 and len(out) == 3 and
         all("sw_aws_t1" in o["body"]["TableNames"] for o in out) and
         all(o["attempts"] == 1 for o in out),
         "three signed ListTables on one client see the table", (out, err))
    t.ok(out and len(out[0]["request_id"]) > 10,
         "x-amzn-RequestId captured", out)
    # the table is really there, as boto3 sees it
    names = moto.admin("dynamodb").list_tables()["TableNames"]
    t.ok("sw_aws_t1" in names, "boto3 sees the table created by C", names)


def test_wrong_secret():
    env = moto.env((key[0], "not-the-secret"))
    rc, out, err, _ = call(env)
    o = out[0] if out else {}
    t.eq((o.get("ok"), o.get("http_status"), o.get("code"),
          o.get("attempts"), o.get("retryable")),
         (False, 403, "SignatureDoesNotMatch", 1, False),
         "wrong secret: 403 SignatureDoesNotMatch parsed, not retried")
    t.ok("not-the-secret" not in json.dumps(out) + err,
         "the secret appears nowhere in the output")
    t.eq(rc, 2, "a bad signature will not pass on retry: exit 2")


def test_faults_then_success():
    for faults in (["throttle"], ["500"], ["503"], ["reset"],
                   ["throttle", "503"], ["reset", "500"]):
        with FaultProxy(moto.endpoint, faults=faults) as p:
            env = moto.env(key, AWS_ENDPOINT_URL=p.url)
            rc, out, err, _ = call(env)
            o = out[0] if out else {}
            t.ok(rc == 0 and o.get("ok") and
                 o.get("attempts") == len(faults) + 1 and
                 p.requests == len(faults) + 1 and p.forwarded == 1,
                 f"faults {faults}: success after {len(faults)} retries "
                 f"(attempts == {len(faults) + 1})",
                 (o, err[-500:], p.log))


def test_faults_exhaust():
    cases = [(["throttle"] * 3, "ThrottlingException", True),
             (["500"] * 3, "InternalServerError", False),
             (["503"] * 3, "ServiceUnavailable", False),
             (["html503"] * 3, "HTTP 503", False)]
    for faults, code, throttling in cases:
        with FaultProxy(moto.endpoint, faults=faults) as p:
            env = moto.env(key, AWS_ENDPOINT_URL=p.url, AWS_MAX_ATTEMPTS="3")
            rc, out, err, _ = call(env)
            o = out[0] if out else {}
            t.ok(rc == 3 and o.get("ok") is False and o.get("code") == code
                 and o.get("attempts") == 3 and o.get("retryable") is True
                 and o.get("throttling") is throttling
                 and p.requests == 3 and p.forwarded == 0,
                 f"{faults[0]} x3 with AWS_MAX_ATTEMPTS=3: exit 3, {code}, "
                 f"attempts 3", (rc, o, p.log))
    with FaultProxy(moto.endpoint, faults=["reset"] * 5) as p:
        env = moto.env(key, AWS_ENDPOINT_URL=p.url, AWS_MAX_ATTEMPTS="5")
        rc, out, err, _ = call(env)
        o = out[0] if out else {}
        t.ok(rc == 3 and o.get("result") == "network error" and
             o.get("attempts") == 5 and p.requests == 5,
             "reset x5 with AWS_MAX_ATTEMPTS=5: network error after 5 "
             "attempts, exit 3", (rc, o))
    with FaultProxy(moto.endpoint, faults=["throttle"] * 4) as p:
        env = moto.env(key, AWS_ENDPOINT_URL=p.url, AWS_MAX_ATTEMPTS="5")
        rc, out, err, _ = call(env)
        o = out[0] if out else {}
        t.ok(rc == 0 and o.get("attempts") == 5,
             "AWS_MAX_ATTEMPTS=5 allows 4 retries", (rc, o))
    with FaultProxy(moto.endpoint, faults=["throttle"]) as p:
        env = moto.env(key, AWS_ENDPOINT_URL=p.url, AWS_MAX_ATTEMPTS="1")
        rc, out, err, _ = call(env)
        o = out[0] if out else {}
        t.ok(rc == 3 and o.get("attempts") == 1 and p.requests == 1,
             "AWS_MAX_ATTEMPTS=1: no retry at all", (rc, o))
    env = moto.env(key, AWS_MAX_ATTEMPTS="lots")
    rc, out, err, _ = call(env)
    t.ok(rc == 2 and out and "AWS_MAX_ATTEMPTS" in out[0].get("message", ""),
         "AWS_MAX_ATTEMPTS=lots: exit 2 with the reason", (rc, out))


def test_not_retried():
    for fault, code in (("validation", "ValidationException"),):
        with FaultProxy(moto.endpoint, faults=[fault, "ok"]) as p:
            env = moto.env(key, AWS_ENDPOINT_URL=p.url)
            rc, out, err, _ = call(env)
            o = out[0] if out else {}
            t.ok(o.get("code") == code and o.get("attempts") == 1 and
                 o.get("http_status") == 400 and o.get("retryable") is False
                 and p.requests == 1,
                 f"400 {code} is not retried", (o, p.log))
    # A real one from moto: DescribeTable of a missing table.
    rc, out, err, _ = call(moto.env(key), "--target",
                           "DynamoDB_20120810.DescribeTable", "--body",
                           '{"TableName":"nope"}')
    o = out[0] if out else {}
    t.ok(o.get("code") == "ResourceNotFoundException" and
         o.get("attempts") == 1,
         "moto's ResourceNotFoundException parsed, not retried", o)


def test_expired_token():
    with FaultProxy(moto.endpoint, faults=["expired", "expired"]) as p:
        env = moto.env(key, AWS_ENDPOINT_URL=p.url)
        rc, out, err, _ = call(env)
        o = out[0] if out else {}
        t.ok(o.get("code") == "ExpiredTokenException" and
             o.get("attempts") == 2 and p.requests == 2,
             "ExpiredTokenException: credentials refetched and retried "
             "exactly once", (o, p.log))
    with FaultProxy(moto.endpoint, faults=["expired"]) as p:
        env = moto.env(key, AWS_ENDPOINT_URL=p.url)
        rc, out, err, _ = call(env)
        o = out[0] if out else {}
        t.ok(rc == 0 and o.get("attempts") == 2,
             "one ExpiredTokenException then success", (o, p.log))


def test_timeout_and_backoff():
    # A stalled answer: the proxy holds the request 300 ms then resets,
    # which curl sees as a network failure and retries.
    with FaultProxy(moto.endpoint, faults=["hang:300"]) as p:
        env = moto.env(key, AWS_ENDPOINT_URL=p.url)
        rc, out, err, secs = call(env)
        o = out[0] if out else {}
        t.ok(rc == 0 and o.get("attempts") == 2,
             "a connection dropped mid-request is retried", (o, p.log))
    # Backoff really waits: base 200 ms, 3 throttles: delays are in
    # [0,200) + [0,400) + [0,800): total < 1.4 s plus overhead.
    with FaultProxy(moto.endpoint, faults=["throttle"] * 3) as p:
        env = moto.env(key, AWS_ENDPOINT_URL=p.url, AWS_MAX_ATTEMPTS="4",
                       SW_RETRY_BASE_MS="200")
        rc, out, err, secs = call(env)
        t.ok(rc == 0 and secs < 5.0,
             f"backoff with base 200 ms is bounded ({secs:.2f}s)", out)


for fn in (test_signed_calls, test_wrong_secret, test_faults_then_success,
           test_faults_exhaust, test_not_retried, test_expired_token,
           test_timeout_and_backoff):
    t.run(fn)
moto.stop()
t.done()
