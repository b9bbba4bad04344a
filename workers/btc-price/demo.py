#!/usr/bin/env python3
"""demo.py - the body of `make demo` (started by demo.sh).

Starts moto_server (IAM auth on) and the exchange stand-in
(tests/lib/exchanges.py, a certificate made now), creates the table and a
user holding the worker's policy, runs the static release build of
btc-price for the last few 2-minute slots with prices that move a little
between runs (one run with an exchange down, one repeated slot), then
prints what DynamoDB holds. Only 127.0.0.1 is ever contacted.
"""
import datetime
import json
import os
import random
import signal
import subprocess
import sys
import time

from exchanges import SOURCES, Exchanges
from swtest import BIN, ROOT, Moto

WORKER = os.path.join(BIN, "btc-price")
TABLE = "btc-prices"
SLOT = 120


def on_term(signum, frame):
    """SIGTERM from demo.sh: exit through atexit so servers stop."""
    sys.exit(128 + signum)


def iso(ts):
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    size = os.path.getsize(WORKER)
    print(f"btc-price: {WORKER}, {size} bytes, static musl, stripped")

    moto = Moto()
    moto.create_table(TABLE, hash_key="pair", range_key="timestamp")
    key = moto.worker_user("btc-price")
    print(f"moto_server on {moto.endpoint} (IAM on), table {TABLE}, "
          f"user btc-price with policies/btc-price.json")

    ex = Exchanges()
    try:
        print(f"exchanges stand-in on https://127.0.0.1:{ex.port} "
              f"(CA made just now: {os.path.basename(ex.ca)})\n")
        rng = random.Random()
        mid = 43210.0 + rng.uniform(-500, 500)
        now_slot = int(time.time()) // SLOT * SLOT
        slots = [now_slot - SLOT * i for i in range(4, -1, -1)]
        plan = [(s, None) for s in slots[:3]] + [(slots[3], "kraken")] + \
            [(slots[4], None), (slots[4], None)]
        for n, (slot, down) in enumerate(plan, 1):
            mid *= 1 + rng.uniform(-0.004, 0.004)
            prices = {s: f"{mid * (1 + rng.uniform(-0.0005, 0.0005)):.2f}"
                      for s in SOURCES}
            prices["kraken"] = prices["kraken"] + "000"  # kraken's 5 places
            ex.reset()
            ex.set_prices(prices)
            if down:
                ex.set(down, "down")
            env = moto.env(key, TABLE_NAME=TABLE, SCHEDULED_TIME=iso(slot),
                           **ex.env())
            p = subprocess.run([WORKER], env=env, capture_output=True,
                               text=True, timeout=30)
            log = json.loads(p.stderr.strip().splitlines()[-1])
            note = " (a retried attempt: same slot)" if n == len(plan) else ""
            print(f"run {n}{note}: SCHEDULED_TIME={iso(slot)} exit "
                  f"{p.returncode}  {log['msg']}")
        items = moto.admin("dynamodb").query(
            TableName=TABLE, KeyConditionExpression="#p = :p",
            ExpressionAttributeNames={"#p": "pair"},
            ExpressionAttributeValues={":p": {"S": "BTC-USD"}},
            ConsistentRead=True)["Items"]
        print(f"\nDynamoDB {TABLE}, pair BTC-USD ({len(items)} items):")
        cols = ["timestamp", "price"] + list(SOURCES)
        rows = [[it["timestamp"]["S"], it["price"]["N"]] +
                [it["sources"]["M"].get(s, {}).get("N", "-")
                 for s in SOURCES] for it in items]
        widths = [max(len(c), *(len(r[i]) for r in rows))
                  for i, c in enumerate(cols)]
        for r in [cols] + rows:
            print("  " + "  ".join(v.ljust(w) for v, w in
                                   zip(r, widths)).rstrip())
        print(f"\ndone in {time.monotonic() - started:.1f} s")
    finally:
        ex.stop()
        moto.stop()


if __name__ == "__main__":
    main()
