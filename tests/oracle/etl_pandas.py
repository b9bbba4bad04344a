#!/usr/bin/python3
"""etl_pandas.py - the pandas oracle for the ETL transform.

    /usr/bin/python3 tests/oracle/etl_pandas.py INPUT_DIR OUTPUT_DIR

Reads the 9 raw Olist CSVs from INPUT_DIR, applies extract's validation
(workers/etl-transform/AGGREGATES.md; the per-column types come from
etl_schema.json, shared with etl_duckdb.mjs) and writes the six aggregate
CSVs to OUTPUT_DIR in the contract's exact format. Written independently
of the C workers and of the DuckDB oracle, with DataFrames, so that a
disagreement points at a bug in one of the three.

Every column is read as str (nothing coerced, no NA guessing); money
becomes integer cents by splitting the string at the dot, never through a
float. Records pandas cannot split into the right number of fields are
skipped, and so is any record holding bytes that are not UTF-8, as extract
rejects both.

Exit codes: 0 done, 2 bad input (missing file, wrong header), 1 anything
else. One line on stderr says why.
"""
import csv
import json
import os
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "etl_schema.json")) as f:
    SCHEMA = json.load(f)


class BadInput(Exception):
    """A missing file or a wrong header: exit 2."""


def check_header(path, columns):
    """Raises BadInput unless the first line (after an optional UTF-8 BOM)
    is exactly the expected column names."""
    try:
        with open(path, "rb") as f:
            first = f.readline()
    except FileNotFoundError:
        raise BadInput(f"{path}: missing") from None
    line = first.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n")
    # Header names hold no comma; a quoted name is the same name.
    got = [x[1:-1] if len(x) >= 2 and x[0] == x[-1] == '"' else x
           for x in line.split(",")]
    want = [c for c, _ in columns]
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        if g != w:
            raise BadInput(f"{os.path.basename(path)}: header column {i + 1} "
                           f"is {json.dumps(g)}, expected {json.dumps(w)}")


def ts_valid(s):
    """Boolean Series: s (regex-checked YYYY-MM-DD HH:MM:SS) is a real
    calendar date and time. Integer arithmetic, so no year range limit."""
    y = s.str[0:4].astype(np.int64)
    m = s.str[5:7].astype(np.int64)
    d = s.str[8:10].astype(np.int64)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    dim = np.where(m.isin([4, 6, 9, 11]), 30,
                   np.where(m == 2, np.where(leap, 29, 28), 31))
    return ((m >= 1) & (m <= 12) & (d >= 1) & (d <= dim)
            & (s.str[11:13].astype(np.int64) <= 23)
            & (s.str[14:16].astype(np.int64) <= 59)
            & (s.str[17:19].astype(np.int64) <= 59))


def valid(s, typ):
    """Boolean Series: each value of s holds type typ."""
    opt = typ.endswith("?")
    base = typ.rstrip("?")
    if base == "text":
        return pd.Series(True, index=s.index)
    if base == "name":
        ok = s != ""
    elif base == "status":
        ok = s.isin(SCHEMA["statuses"])
    elif base == "ts":
        ok = s.str.fullmatch(SCHEMA["regex"]["ts"])
        ok = ok.copy()
        ok[ok] = ts_valid(s[ok])
    elif base == "int":
        ok = s.str.fullmatch(SCHEMA["regex"]["int"])
        digits = s.str.lstrip("0")
        ok &= digits.str.len() <= 10
        ok = ok.copy()
        ok[ok] = ("0" + digits[ok]).astype(np.int64) <= SCHEMA["int_max"]
    elif base == "money":
        # Leading zeros do not count towards the digits allowed.
        ok = s.str.fullmatch(SCHEMA["regex"]["money"]) & (
            s.str.split(".", n=1).str[0].str.lstrip("0").str.len()
            <= SCHEMA["money_max_digits"])
    else:
        ok = s.str.fullmatch(SCHEMA["regex"][base])
    ok = ok.astype(bool)
    return (s == "") | ok if opt else ok


def load(indir, kind):
    """The accepted rows of one raw file as a DataFrame of str, in file
    order, duplicates of the key dropped (first kept)."""
    spec = SCHEMA["files"][kind]
    path = os.path.join(indir, spec["name"])
    cols = spec["columns"]
    check_header(path, cols)
    names = [c for c, _ in cols]
    # pandas pads a short record with empty strings, which an optional
    # column would take for data; so the csv module (same quoting rules)
    # counts each record's fields first. Extra names let pandas keep long
    # records too (aligned with the count), which are then dropped.
    with open(path, newline="", encoding="utf-8",
              errors="surrogateescape") as f:
        counts = np.array([len(r) for r in csv.reader(f) if r],
                          dtype=np.int64)[1:]
    extra = [f"_extra{i}" for i in range(int(counts.max(initial=0))
                                          - len(names))]
    # surrogateescape keeps invalid UTF-8 visible (as lone surrogates) so
    # that the record can be rejected, not silently repaired.
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                     header=None, skiprows=1, names=names + extra, sep=",",
                     quotechar='"', doublequote=True, engine="c",
                     encoding="utf-8", encoding_errors="surrogateescape",
                     skip_blank_lines=True)
    if len(df) != len(counts):
        raise ValueError(f"{spec['name']}: pandas read {len(df)} records, "
                         f"the csv module {len(counts)}")
    df = df[counts == len(names)][names]
    ok = pd.Series(True, index=df.index)
    for c in names:
        ok &= ~df[c].str.contains("[\udc80-\udcff]", regex=True)
    for c, typ in cols:
        ok &= valid(df[c], typ)
    df = df[ok]
    if spec["key"]:
        df = df.drop_duplicates(subset=[spec["key"]], keep="first")
    return df


def cents(s):
    """Exact integer cents of a money Series (already validated)."""
    parts = s.str.split(".", n=1, expand=True)
    whole = parts[0].str.lstrip("0").replace("", "0")
    frac = parts[1].fillna("") if parts.shape[1] > 1 else \
        pd.Series("", index=s.index)
    return (whole.astype(np.int64) * 100
            + frac.str.ljust(2, "0").astype(np.int64))


def write(outdir, name, header, df):
    """Writes df (columns in output order, rows sorted) as the contract's
    CSV: header, LF, plain integers, no quoting."""
    lines = [header]
    for row in df.itertuples(index=False):
        vals = [str(v) for v in row]
        for v in vals:
            if any(ch in v for ch in ',"\r\n'):
                raise ValueError(f"value needs quoting: {v!r}")
        lines.append(",".join(vals))
    path = os.path.join(outdir, name + ".csv")
    with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


def byte_sort(df, keys):
    """df sorted by keys as byte strings (Python str order is code point
    order, which is UTF-8 byte order)."""
    return df.sort_values(keys, kind="stable", key=lambda c: c.map(
        lambda v: v.encode("utf-8", "surrogateescape")
        if isinstance(v, str) else v)).reset_index(drop=True)


def main(indir, outdir):
    """Validates, computes and writes the six aggregates."""
    t = {k: load(indir, k) for k in SCHEMA["files"]}
    os.makedirs(outdir, exist_ok=True)

    # Usable orders: not orphans (their customer exists).
    uo = t["orders"].merge(t["customers"][["customer_id", "customer_state"]],
                           on="customer_id", how="inner")
    uo["dt"] = uo["order_purchase_timestamp"].str[:10]
    uo["valid"] = ~uo["order_status"].isin(["canceled", "unavailable"])

    # Usable items: order, product and seller all there.
    tr = t["translation"].set_index("product_category_name")[
        "product_category_name_english"]
    prod = t["products"][["product_id", "product_category_name"]].copy()
    name = prod["product_category_name"]
    prod["category"] = np.where(name == "", "unknown",
                                name.map(tr).fillna(name))
    ui = (t["items"]
          .merge(uo[["order_id", "dt", "customer_state", "valid"]],
                 on="order_id")
          .merge(prod[["product_id", "category"]], on="product_id")
          .merge(t["sellers"][["seller_id", "seller_state"]], on="seller_id"))
    ui["price_c"] = cents(ui["price"])
    ui["freight_c"] = cents(ui["freight_value"])
    vi = ui[ui["valid"]]

    def per(keys):
        """Items of valid orders grouped by keys: orders, items, sums."""
        g = vi.groupby(keys, sort=False).agg(
            orders=("order_id", "nunique"), items=("order_id", "size"),
            revenue_cents=("price_c", "sum"),
            freight_cents=("freight_c", "sum")).reset_index()
        return byte_sort(g, keys)

    write(outdir, "daily_state",
          "dt,customer_state,orders,items,revenue_cents,freight_cents",
          per(["dt", "customer_state"]))
    write(outdir, "daily_category",
          "dt,category,orders,items,revenue_cents,freight_cents",
          per(["dt", "category"]))

    pay = t["payments"].merge(uo[uo["valid"]][["order_id"]], on="order_id")
    pay["value_c"] = cents(pay["payment_value"])
    pm = pay.groupby("payment_type", sort=False).agg(
        payments=("order_id", "size"), orders=("order_id", "nunique"),
        value_cents=("value_c", "sum")).reset_index()
    write(outdir, "payment_mix", "payment_type,payments,orders,value_cents",
          byte_sort(pm, ["payment_type"]))

    d = uo[uo["order_delivered_customer_date"] != ""].copy()
    day = np.dtype("datetime64[D]")
    d["delay"] = (d["order_delivered_customer_date"].str[:10].to_numpy(
        dtype=day) - d["order_estimated_delivery_date"].str[:10].to_numpy(
        dtype=day)).astype(np.int64)
    rows = []
    for state, g in d.groupby("customer_state", sort=False):
        v = np.sort(g["delay"].to_numpy())
        n = len(v)

        def pk(k, v=v, n=n):
            """Nearest rank: v[ceil(k*n/100)], 1-based."""
            return int(v[(k * n + 99) // 100 - 1])
        rows.append((state, n, int((v > 0).sum()), int(v.sum()),
                     pk(50), pk(90), pk(99)))
    dd = pd.DataFrame(rows, columns=[
        "customer_state", "delivered_orders", "late_orders",
        "sum_delay_days", "p50", "p90", "p99"])
    write(outdir, "delivery_delay_state",
          "customer_state,delivered_orders,late_orders,sum_delay_days,"
          "p50_delay_days,p90_delay_days,p99_delay_days",
          byte_sort(dd, ["customer_state"]))

    sr = vi.groupby("seller_id", sort=False).agg(
        seller_state=("seller_state", "first"),
        orders=("order_id", "nunique"), items=("order_id", "size"),
        revenue_cents=("price_c", "sum")).reset_index()
    sr = byte_sort(sr, ["seller_id"])
    # Stable sort on revenue descending keeps seller_id ascending in ties.
    sr = sr.sort_values("revenue_cents", ascending=False,
                        kind="stable").reset_index(drop=True)
    sr.insert(0, "rank", np.arange(1, len(sr) + 1))
    write(outdir, "seller_ranking",
          "rank,seller_id,seller_state,orders,items,revenue_cents",
          sr[["rank", "seller_id", "seller_state", "orders", "items",
              "revenue_cents"]])

    oc = ui[["order_id", "category"]].drop_duplicates()
    rv = (t["reviews"][["order_id", "review_score"]]
          .merge(uo[["order_id"]], on="order_id")
          .merge(oc, on="order_id"))
    rv["score"] = rv["review_score"].astype(np.int64)
    cr = rv.groupby("category", sort=False).agg(
        reviews=("score", "size"), score_sum=("score", "sum")).reset_index()
    cr["avg"] = (2000 * cr["score_sum"] + cr["reviews"]) // (2 * cr["reviews"])
    write(outdir, "category_reviews",
          "category,reviews,score_sum,avg_score_milli",
          byte_sort(cr, ["category"]))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: etl_pandas.py INPUT_DIR OUTPUT_DIR", file=sys.stderr)
        sys.exit(2)
    try:
        main(sys.argv[1], sys.argv[2])
    except BadInput as e:
        print(f"etl_pandas: {e}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001 - one line, then exit 1
        print(f"etl_pandas: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
