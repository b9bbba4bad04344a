"""bench_sigv4_botocore - SigV4 signing throughput, sw_sigv4_sign vs botocore.

Runs the C benchmark binaries (tests/bench/bench_sigv4.c, built by
tests/bench/bench.mk), times botocore's SigV4Auth.add_auth on the same
DynamoDB PutItem request, checks that both produce the same Authorization,
and prints one table. Figures are CPU time on one core, best and median of
short slices; they are printed, never asserted.

    python3 bench_sigv4_botocore.py [--seconds S] LABEL=BINARY...
"""
import argparse
import datetime
import statistics
import subprocess
import sys
import time
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# The same request as bench_sigv4.c.
BODY = (b'{"TableName":"btc-prices","Item":{"pk":{"S":"BTC#USD"},'
        b'"sk":{"S":"2026-11-23T13:00:00Z"},"price":{"N":"98765.4321"},'
        b'"source":{"S":"coinbase"},"ttl":{"N":"1795000000"},"v":{"N":"1"}},'
        b'"ConditionExpression":"attribute_not_exists(pk)"}')
TOKEN = "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                [i * 7 % 64] for i in range(900))
WHEN = datetime.datetime.fromtimestamp(1795000000, datetime.timezone.utc) \
    .replace(tzinfo=None)


def botocore_request():
    req = AWSRequest(method="POST", url="https://dynamodb.us-east-1.amazonaws.com/",
                     data=BODY)
    req.headers["Host"] = "dynamodb.us-east-1.amazonaws.com"
    req.headers["Content-Type"] = "application/x-amz-json-1.0"
    req.headers["X-Amz-Target"] = "DynamoDB_20120810.PutItem"
    req.headers["Content-Length"] = str(len(BODY))
    req.headers["Accept-Encoding"] = "identity"
    return req


def bench_botocore(token, seconds):
    """(Authorization, best signs/s, median signs/s) for add_auth."""
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                        TOKEN if token else None)
    auth = botocore.auth.SigV4Auth(creds, "dynamodb", "us-east-1")
    req = botocore_request()
    rates = []
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda: WHEN):
        auth.add_auth(req)
        authz = req.headers["Authorization"]
        for _ in range(200):  # warm-up
            auth.add_auth(req)
        start = time.thread_time()
        while time.thread_time() - start < seconds:
            t0 = time.thread_time()
            for _ in range(200):
                auth.add_auth(req)  # re-signing replaces the old headers
            rates.append(200 / (time.thread_time() - t0))
    return authz, max(rates), statistics.median(rates)


def run_c(binary, seconds):
    """{(backend, token?): (best, median)} and {token?: authz} from one binary."""
    out = subprocess.run([binary, str(seconds)], capture_output=True, text=True,
                         check=True, timeout=600).stdout
    rates, authz = {}, {}
    for line in out.splitlines():
        f = line.split(" ", 2)
        if f[0] == "authz":
            authz[f[1] == "token"] = f[2]
        elif f[0] == "rate":
            _, backend, label, best, median = line.split()
            rates[(backend, label == "token")] = (float(best), float(median))
    return rates, authz


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=0.75)
    ap.add_argument("binaries", nargs="+", help="LABEL=PATH of bench_sigv4")
    a = ap.parse_args()

    rows, agree = [], True
    boto = {tok: bench_botocore(tok, a.seconds) for tok in (False, True)}
    for spec in a.binaries:
        label, path = spec.split("=", 1)
        rates, authz = run_c(path, a.seconds)
        for tok in (False, True):
            agree &= authz.get(tok) == boto[tok][0]
        for (backend, tok), (best, median) in sorted(rates.items()):
            rows.append((f"sw_sigv4_sign ({label})", backend, tok, best, median))
    for tok in (False, True):
        rows.append(("botocore SigV4Auth.add_auth", "hashlib", tok,
                     boto[tok][1], boto[tok][2]))

    print(f"SigV4 signing: DynamoDB PutItem, {len(BODY)}-byte body, 5 headers, "
          "warm key cache; CPU time on one core, best / median of short slices")
    print(f"Authorization identical to botocore's: {'yes' if agree else 'NO'}")
    hdr = ("signer", "SHA-256", "session token", "best signs/s",
           "median signs/s", "x botocore")
    print(f"{hdr[0]:<36} {hdr[1]:<9} {hdr[2]:<14} {hdr[3]:>13} {hdr[4]:>15} "
          f"{hdr[5]:>11}")
    for name, backend, tok, best, median in sorted(
            rows, key=lambda r: (r[2], -r[4])):
        ratio = median / boto[tok][2]
        print(f"{name:<36} {backend:<9} {'900 B' if tok else 'none':<14} "
              f"{best:>13,.0f} {median:>15,.0f} {ratio:>10.1f}x")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
