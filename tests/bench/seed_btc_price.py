#!/usr/bin/env python3
"""seed_btc_price - the Python comparison for bench_btc_price.py.

Shaped like the seed application btc-price replaces: `requests` fetches
one price (coinbase's spot endpoint and answer shape) over HTTPS and
`boto3` writes it with one DynamoDB PutItem. One source, no median, no
metrics: the least a Python script doing this job has to do, so the
comparison flatters Python rather than btc-price.

Reads the same variables as btc-price, so one environment serves both:
    TABLE_NAME          the table (keys pair S, timestamp S)
    PRICE_URL_COINBASE  origin of the coinbase stand-in; REQUIRED here, so
                        this script never goes to the real exchange
    SSL_CERT_FILE       CA bundle to verify it (requests' verify=)
    SCHEDULED_TIME      the slot, ISO-8601 with a zone
    AWS_*               credentials, region, AWS_ENDPOINT_URL (boto3)
Exits 0 when the item was written; anything else raises (exit 1).
"""
import datetime
import os

import boto3
import requests


def main():
    """Fetches the price, writes the item for SCHEDULED_TIME's slot."""
    table = os.environ["TABLE_NAME"]
    url = os.environ["PRICE_URL_COINBASE"].rstrip("/") + \
        "/v2/prices/BTC-USD/spot"
    verify = os.environ.get("SSL_CERT_FILE") or True
    slot = datetime.datetime.fromisoformat(os.environ["SCHEDULED_TIME"]) \
        .astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    r = requests.get(url, timeout=3, verify=verify,
                     headers={"Accept": "application/json"})
    r.raise_for_status()
    amount = r.json()["data"]["amount"]
    fetched_at = datetime.datetime.now(datetime.timezone.utc) \
        .isoformat(timespec="milliseconds").replace("+00:00", "Z")

    # The same item and condition as btc-price, so both do the same write.
    boto3.client("dynamodb").put_item(
        TableName=table,
        Item={"pair": {"S": "BTC-USD"}, "timestamp": {"S": slot},
              "price": {"N": amount},
              "sources": {"M": {"coinbase": {"N": amount}}},
              "fetched_at": {"S": fetched_at}},
        ConditionExpression="attribute_not_exists(#pair) AND "
                            "attribute_not_exists(#ts)",
        ExpressionAttributeNames={"#pair": "pair", "#ts": "timestamp"})


if __name__ == "__main__":
    main()
