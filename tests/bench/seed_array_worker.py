#!/usr/bin/env python3
"""seed_array_worker - the Python comparison for bench_array.py.

What a Python Batch array worker doing the array-worker's job looks like:
read the Batch environment and JOB_INPUT, take items i, i+N, ... for array
index i, hash each, print the result as one JSON line and write it with
one conditional boto3 PutItem. Same environment, same result line, same
item as the array-worker (the contract in deploy/README.md), so the
runner's checker accepts either. JOB_INPUT_URI (S3) is not supported: the
bench passes the input inline. Exits 0 when the item is written (or was
already); anything else raises (exit 1).
"""
import datetime
import hashlib
import json
import os

import boto3


def main():
    """Does index i's share of the work and stores it."""
    env = os.environ
    doc = json.loads(env["JOB_INPUT"])
    job_id = env.get("AWS_BATCH_JOB_ID", "local")
    index = int(env.get("AWS_BATCH_JOB_ARRAY_INDEX", "0"))
    if "AWS_BATCH_JOB_ARRAY_INDEX" in env and job_id.endswith(f":{index}"):
        job_id = job_id[:job_id.rfind(":")]
    size = int(doc.get("array_size") or env.get("ARRAY_SIZE") or 1)
    attempt = int(env.get("AWS_BATCH_JOB_ATTEMPT", "1"))
    message = doc.get("message", "Hello")
    items = []
    for x in doc["items"][index::size]:
        b = x.encode("utf-8")
        items.append({"item": x, "bytes": len(b),
                      "sha256": hashlib.sha256(b).hexdigest(),
                      "greeting": f"{message} {x}"})
    result = {"job_id": job_id, "index": index, "array_size": size,
              "attempt": attempt, "items": items, "count": len(items)}
    if not items:
        result["note"] = "no items for this index"
    print(json.dumps(result, separators=(",", ":"), ensure_ascii=False),
          flush=True)
    table = env.get("RESULTS_TABLE")
    if not table:
        return
    now = datetime.datetime.now(datetime.timezone.utc)
    item = {"job_id": {"S": job_id}, "index": {"N": str(index)},
            "array_size": {"N": str(size)}, "attempt": {"N": str(attempt)},
            "count": {"N": str(len(items))},
            "items": {"L": [{"M": {"item": {"S": r["item"]},
                                   "bytes": {"N": str(r["bytes"])},
                                   "sha256": {"S": r["sha256"]},
                                   "greeting": {"S": r["greeting"]}}}
                            for r in items]},
            "written_at": {"S": now.isoformat(timespec="milliseconds")
                           .replace("+00:00", "Z")}}
    ddb = boto3.client("dynamodb")
    try:
        ddb.put_item(TableName=table, Item=item,
                     ConditionExpression="attribute_not_exists(job_id)")
    except ddb.exceptions.ConditionalCheckFailedException:
        print(json.dumps({"msg": "already written", "index": index}),
              file=__import__("sys").stderr)


if __name__ == "__main__":
    main()
