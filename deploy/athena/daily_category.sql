-- deploy/athena/daily_category.sql - the Athena table over etl-load's
-- warehouse files <warehouse>/daily_category/dt=YYYY-MM-DD/part-00000.csv, dt
-- being the orders' day (the files have no dt column).
-- Per day and product category (English name, else Portuguese, else unknown).
-- Columns as workers/etl-transform/AGGREGATES.md defines them; money in
-- integer cents. Files: a header line (skipped), LF, RFC 4180 (OpenCSVSerde
-- reads a quoted field should a label ever need quotes, and maps the bigint
-- columns).
-- Partitions by projection: no MSCK REPAIR TABLE or ALTER TABLE ADD PARTITION
-- needed. Without the projection properties, run `MSCK REPAIR TABLE
-- scratchwork_etl.daily_category;` after each load (the dt= directories are
-- Hive-style).
-- The bucket is workers/etl-load/deploy.json's (ETL_WAREHOUSE); change both
-- together.
CREATE EXTERNAL TABLE IF NOT EXISTS scratchwork_etl.daily_category (
  `category`      string,
  `orders`        bigint,
  `items`         bigint,
  `revenue_cents` bigint,
  `freight_cents` bigint
)
PARTITIONED BY (`dt` string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
WITH SERDEPROPERTIES (
  'separatorChar' = ',',
  'quoteChar'     = '"',
  'escapeChar'    = '\\'
)
STORED AS TEXTFILE
LOCATION 's3://scratchwork-etl/warehouse/daily_category/'
TBLPROPERTIES (
  'skip.header.line.count'       = '1',
  'projection.enabled'           = 'true',
  'projection.dt.type'           = 'date',
  'projection.dt.format'         = 'yyyy-MM-dd',
  'projection.dt.range'          = '2016-01-01,NOW',
  'projection.dt.interval'       = '1',
  'projection.dt.interval.unit'  = 'DAYS',
  'storage.location.template'    =
    's3://scratchwork-etl/warehouse/daily_category/dt=${dt}/'
);
