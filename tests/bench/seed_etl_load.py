#!/usr/bin/env python3
"""seed_etl_load - the boto3 peer of etl-load for tests/bench/bench_etl.py:
puts the six aggregates of a run (R/agg/<aggregate>.csv, R =
$ETL_WORK/$ETL_RUN_ID, local directories only) into $ETL_TABLE with
boto3's Table.batch_writer() (25 items a request, unprocessed items
re-sent), as the items etl-load writes (workers/etl-load/spec.c):

  daily aggregates:  pk "<aggregate>#<second column>", sk dt
  the others:        pk "<aggregate>#<ETL_RUN_DATE>", sk the first column
                     (seller_ranking's rank zero-padded to 8 digits),
                     dt = ETL_RUN_DATE
  every item also:   aggregate, run_id, and each column by its name, the
                     integer columns as numbers (N), the rest as strings.

It writes no warehouse files (etl-load does): the comparison is of the
DynamoDB part. Prints the item count; exit 0, or 1 with a traceback.
"""
import csv
import os

import boto3

# name, daily, integer columns
SPECS = [
    ("daily_state", True, {"orders", "items", "revenue_cents",
                           "freight_cents"}),
    ("daily_category", True, {"orders", "items", "revenue_cents",
                              "freight_cents"}),
    ("payment_mix", False, {"payments", "orders", "value_cents"}),
    ("delivery_delay_state", False, {"delivered_orders", "late_orders",
                                     "sum_delay_days", "p50_delay_days",
                                     "p90_delay_days", "p99_delay_days"}),
    ("seller_ranking", False, {"rank", "orders", "items", "revenue_cents"}),
    ("category_reviews", False, {"reviews", "score_sum", "avg_score_milli"}),
]
RANK_DIGITS = 8


def items(agg_dir, run_id, run_date):
    """Yields the items of every aggregate file, in file order."""
    for name, daily, numbers in SPECS:
        with open(os.path.join(agg_dir, name + ".csv"), newline="") as f:
            rows = csv.reader(f)
            header = next(rows)
            for row in rows:
                item = {"aggregate": name, "run_id": run_id}
                if daily:
                    item["pk"] = f"{name}#{row[1]}"
                    item["sk"] = row[0]
                else:
                    item["pk"] = f"{name}#{run_date}"
                    sk = row[0]
                    if header[0] in numbers:
                        sk = sk.zfill(RANK_DIGITS)
                    item["sk"] = sk
                    item["dt"] = run_date
                for col, val in zip(header, row):
                    item[col] = int(val) if col in numbers else val
                yield item


def main():
    """Writes every item with batch_writer; prints the count."""
    run_id = os.environ["ETL_RUN_ID"]
    agg = os.path.join(os.environ["ETL_WORK"], run_id, "agg")
    table = boto3.resource("dynamodb").Table(os.environ["ETL_TABLE"])
    n = 0
    with table.batch_writer() as w:
        for item in items(agg, run_id, os.environ["ETL_RUN_DATE"]):
            w.put_item(Item=item)
            n += 1
    print(n)


if __name__ == "__main__":
    main()
