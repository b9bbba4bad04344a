"""etltest - what the ETL's tests and bench share: the raw Olist files'
headers, the six aggregates' names, writing raw files, running one stage
with a clean ETL environment, reading a written tree back, the S3 setup of
the stage tests, and the commands of the two oracles (DuckDB, pandas).
"""
import os
import subprocess

from swtest import BIN, ROOT

OLIST_GEN = os.path.join(BIN, "olist-gen")
ORACLE_DIR = os.path.join(ROOT, "tests", "oracle")
PANDAS_PY = "/usr/bin/python3"  # Debian's, which has python3-pandas

# The 9 raw files of the Olist data set and their header lines (unquoted).
RAW_HEADERS = {
    "olist_customers_dataset.csv": "customer_id,customer_unique_id,"
    "customer_zip_code_prefix,customer_city,customer_state",
    "olist_geolocation_dataset.csv": "geolocation_zip_code_prefix,"
    "geolocation_lat,geolocation_lng,geolocation_city,geolocation_state",
    "olist_order_items_dataset.csv": "order_id,order_item_id,product_id,"
    "seller_id,shipping_limit_date,price,freight_value",
    "olist_order_payments_dataset.csv": "order_id,payment_sequential,"
    "payment_type,payment_installments,payment_value",
    "olist_order_reviews_dataset.csv": "review_id,order_id,review_score,"
    "review_comment_title,review_comment_message,review_creation_date,"
    "review_answer_timestamp",
    "olist_orders_dataset.csv": "order_id,customer_id,order_status,"
    "order_purchase_timestamp,order_approved_at,"
    "order_delivered_carrier_date,order_delivered_customer_date,"
    "order_estimated_delivery_date",
    "olist_products_dataset.csv": "product_id,product_category_name,"
    "product_name_lenght,product_description_lenght,product_photos_qty,"
    "product_weight_g,product_length_cm,product_height_cm,product_width_cm",
    "olist_sellers_dataset.csv": "seller_id,seller_zip_code_prefix,"
    "seller_city,seller_state",
    "product_category_name_translation.csv":
    "product_category_name,product_category_name_english",
}

# The six aggregates etl-transform writes
# (workers/etl-transform/AGGREGATES.md).
AGGREGATES = ["daily_state", "daily_category", "payment_mix",
              "delivery_delay_state", "seller_ranking", "category_reviews"]

# The environment a stage reads; run_stage() clears it so that only what a
# test sets counts.
STAGE_ENV = ("ETL_RUN_ID", "ETL_INPUT", "ETL_WORK", "WORKFLOW_RUN_ID")

# The S3 actions the extract and transform stages use (moto matches
# Resources only against "*").
STAGE_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Resource": "*",
    "Action": ["s3:GetObject", "s3:PutObject", "s3:CreateMultipartUpload",
               "s3:UploadPart", "s3:CompleteMultipartUpload",
               "s3:AbortMultipartUpload"]}]}


def write_raw(d, bodies=None, headers=None, bom=False):
    """Writes the raw files into d as the real data set has them: quoted
    header line, CRLF. bodies maps a file to what follows its header (bytes
    as they are, str as UTF-8); headers replaces RAW_HEADERS; bom is True
    (every file), False, or the names of the files that start with a BOM.
    Returns nothing."""
    os.makedirs(d, exist_ok=True)
    bodies = bodies or {}
    for name, head in (headers or RAW_HEADERS).items():
        quoted = ",".join(f'"{h}"' for h in head.split(","))
        with_bom = bom is True or (bom and name in bom)
        data = (("\ufeff" if with_bom else "") + quoted + "\r\n").encode()
        body = bodies.get(name, b"")
        data += body if isinstance(body, bytes) else body.encode()
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def run_stage(binary, env_extra, env=None, timeout=120):
    """Runs one ETL stage binary with env (default os.environ) minus
    STAGE_ENV plus env_extra; sanitizer reports are echoed as TAP comments.
    Returns (exit code, the non-empty stderr lines)."""
    e = dict(env or os.environ)
    for k in STAGE_ENV:
        e.pop(k, None)
    e.update(env_extra)
    p = subprocess.run([binary], env=e, capture_output=True, text=True,
                       timeout=timeout)
    if "Sanitizer" in p.stderr or "runtime error" in p.stderr:
        print("# " + p.stderr.replace("\n", "\n# "))
    return p.returncode, [ln for ln in p.stderr.splitlines() if ln.strip()]


def read_tree(root, text=False):
    """Every file below root; returns {path relative to root: contents}
    (bytes, or str when text)."""
    out = {}
    for dp, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(dp, f)
            with open(p, "r" if text else "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def upload_raw(s3, d, bucket, prefix):
    """Uploads the 9 raw files of directory d to s3://bucket/prefix/.
    Returns nothing (boto3 raises on failure)."""
    for name in RAW_HEADERS:
        s3.upload_file(os.path.join(d, name), bucket, f"{prefix}/{name}")


def s3_stages(moto, raw, prefix):
    """Buckets "raw" and "work" on moto, the raw files of directory raw
    under s3://raw/<prefix>/, and an IAM user holding STAGE_POLICY.
    Returns (admin S3 client, the user's environment for a stage)."""
    s3 = moto.admin("s3")
    s3.create_bucket(Bucket="raw")
    s3.create_bucket(Bucket="work")
    upload_raw(s3, raw, "raw", prefix)
    return s3, moto.env(moto.user("etl", STAGE_POLICY))


def oracle_cmd(tool, indir, outdir, npath):
    """How to run oracle tool ("duckdb": tests/oracle/etl_duckdb.mjs under
    node with NODE_PATH npath; "pandas": tests/oracle/etl_pandas.py) from
    the raw files in indir to the aggregates in outdir. Returns (argv,
    env); argv[0] is a full path (posix_spawn does not search PATH)."""
    if tool == "duckdb":
        return (["/usr/bin/env", "node",
                 os.path.join(ORACLE_DIR, "etl_duckdb.mjs"), indir, outdir],
                dict(os.environ, NODE_PATH=npath))
    return ([PANDAS_PY, os.path.join(ORACLE_DIR, "etl_pandas.py"), indir,
             outdir], dict(os.environ))
