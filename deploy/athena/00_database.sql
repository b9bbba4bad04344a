-- deploy/athena/00_database.sql - the Glue database the ETL tables live in;
-- run first, then the six table files (any order).
CREATE DATABASE IF NOT EXISTS scratchwork_etl;
