-- deploy/athena/payment_mix.sql - the Athena table over etl-load's warehouse
-- files <warehouse>/payment_mix/dt=YYYY-MM-DD/part-00000.csv, dt being the run
-- date (ETL_RUN_DATE).
-- Per payment type, over the payments of valid orders; one snapshot per run
-- date.
-- Columns as workers/etl-transform/AGGREGATES.md defines them; money in
-- integer cents. Files: a header line (skipped), LF, RFC 4180 (OpenCSVSerde
-- reads a quoted field should a label ever need quotes, and maps the bigint
-- columns).
-- Partitions by projection: no MSCK REPAIR TABLE or ALTER TABLE ADD PARTITION
-- needed. Without the projection properties, run `MSCK REPAIR TABLE
-- scratchwork_etl.payment_mix;` after each load (the dt= directories are Hive-
-- style).
-- The bucket is workers/etl-load/deploy.json's (ETL_WAREHOUSE); change both
-- together.
CREATE EXTERNAL TABLE IF NOT EXISTS scratchwork_etl.payment_mix (
  `payment_type` string,
  `payments`     bigint,
  `orders`       bigint,
  `value_cents`  bigint
)
PARTITIONED BY (`dt` string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
WITH SERDEPROPERTIES (
  'separatorChar' = ',',
  'quoteChar'     = '"',
  'escapeChar'    = '\\'
)
STORED AS TEXTFILE
LOCATION 's3://scratchwork-etl/warehouse/payment_mix/'
TBLPROPERTIES (
  'skip.header.line.count'       = '1',
  'projection.enabled'           = 'true',
  'projection.dt.type'           = 'date',
  'projection.dt.format'         = 'yyyy-MM-dd',
  'projection.dt.range'          = '2016-01-01,NOW',
  'projection.dt.interval'       = '1',
  'projection.dt.interval.unit'  = 'DAYS',
  'storage.location.template'    =
    's3://scratchwork-etl/warehouse/payment_mix/dt=${dt}/'
);
