#!/usr/bin/env node
// etl_duckdb.mjs - the DuckDB oracle for the ETL transform.
//
//     NODE_PATH=$(BUILD=build bash tests/tools/npm-tools.sh) \
//         node tests/oracle/etl_duckdb.mjs INPUT_DIR OUTPUT_DIR
//
// Reads the 9 raw Olist CSVs from INPUT_DIR, applies extract's validation
// (workers/etl-transform/AGGREGATES.md; the per-column types come from
// etl_schema.json, shared with etl_pandas.py) and writes the six aggregate
// CSVs to OUTPUT_DIR in the contract's exact format. Written independently
// of the C workers, in SQL, so that a disagreement points at a bug in one
// of them.
//
// Every column is read as VARCHAR (nothing coerced); money becomes integer
// cents through DECIMAL(18,2), never through a float. A record DuckDB's
// reader cannot parse (wrong field count, bad quoting, invalid UTF-8) is
// skipped (ignore_errors), as extract rejects it.
//
// Exit codes: 0 done, 2 bad input (missing file, wrong header), 1 anything
// else. One line on stderr says why.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ESM ignores NODE_PATH; CommonJS resolution honours it.
const require = createRequire(import.meta.url);
const { DuckDBInstance } = require('@duckdb/node-api');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCHEMA = JSON.parse(fs.readFileSync(path.join(HERE, 'etl_schema.json'), 'utf8'));

// die: one line on stderr, then exit with code.
function die(code, msg) {
  process.stderr.write(`etl_duckdb: ${msg}\n`);
  process.exit(code);
}

// sqlStr: a SQL string literal for s.
function sqlStr(s) {
  return `'${s.replaceAll("'", "''")}'`;
}

// ident: a quoted SQL identifier.
function ident(s) {
  return `"${s.replaceAll('"', '""')}"`;
}

// checkHeader: exits 2 unless the file's first line (after an optional
// UTF-8 BOM) is exactly the expected column names. Returns nothing.
function checkHeader(file, columns) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    die(2, `${file}: ${e.code === 'ENOENT' ? 'missing' : e.message}`);
  }
  const buf = Buffer.alloc(4096);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  let text = buf.subarray(0, n).toString('utf8');
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const line = text.split('\n')[0].replace(/\r$/, '');
  // Header names hold no comma; a quoted name is the same name.
  const got = line.split(',').map((f) => f.replace(/^"(.*)"$/, '$1'));
  const want = columns.map((c) => c[0]);
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (got[i] !== want[i]) {
      die(2, `${path.basename(file)}: header column ${i + 1} is ` +
        `${JSON.stringify(got[i] ?? null)}, expected ${JSON.stringify(want[i] ?? null)}`);
    }
  }
}

// tsValid: SQL true when column c (already a regex-checked
// YYYY-MM-DD HH:MM:SS) is a real calendar date and time.
function tsValid(c) {
  const y = `CAST(substr(${c},1,4) AS INTEGER)`;
  const m = `CAST(substr(${c},6,2) AS INTEGER)`;
  const d = `CAST(substr(${c},9,2) AS INTEGER)`;
  const leap = `((${y} % 4 = 0 AND ${y} % 100 <> 0) OR ${y} % 400 = 0)`;
  const dim = `CASE WHEN ${m} IN (4,6,9,11) THEN 30 WHEN ${m} = 2 THEN ` +
    `(CASE WHEN ${leap} THEN 29 ELSE 28 END) ELSE 31 END`;
  return `(${m} BETWEEN 1 AND 12 AND ${d} BETWEEN 1 AND ${dim} AND ` +
    `CAST(substr(${c},12,2) AS INTEGER) <= 23 AND ` +
    `CAST(substr(${c},15,2) AS INTEGER) <= 59 AND ` +
    `CAST(substr(${c},18,2) AS INTEGER) <= 59)`;
}

// check: the SQL condition that column name of type type holds, or null
// when any value is fine.
function check(name, type) {
  const c = ident(name);
  const re = (t) => `regexp_full_match(${c}, ${sqlStr(SCHEMA.regex[t])})`;
  const opt = type.endsWith('?');
  const base = opt ? type.slice(0, -1) : type;
  let cond;
  switch (base) {
    case 'text': return null;
    case 'name': return `${c} <> ''`;
    case 'status':
      cond = `${c} IN (${SCHEMA.statuses.map(sqlStr).join(',')})`;
      break;
    case 'ts':
      // CASE, not AND: the casts must only see regex-checked text.
      cond = `(CASE WHEN ${re('ts')} THEN ${tsValid(c)} ELSE false END)`;
      break;
    case 'int':
      // Leading zeros do not count towards the 32 bits.
      cond = `(CASE WHEN ${re('int')} THEN length(ltrim(${c}, '0')) <= 10 AND ` +
        `CAST(CASE WHEN length(ltrim(${c}, '0')) <= 10 THEN ` +
        `'0' || ltrim(${c}, '0') ELSE '0' END AS BIGINT) <= ${SCHEMA.int_max} ` +
        'ELSE false END)';
      break;
    case 'money':
      // Leading zeros do not count towards the digits allowed.
      cond = `(${re('money')} AND length(ltrim(split_part(${c}, '.', 1), '0')) <= ` +
        `${SCHEMA.money_max_digits})`;
      break;
    default:
      if (!SCHEMA.regex[base]) die(1, `no rule for type ${type}`);
      cond = re(base);
  }
  return opt ? `(${c} = '' OR ${cond})` : cond;
}

// loadFile: creates table <kind> holding the accepted rows of one raw file,
// all VARCHAR ('' for empty), in file order, duplicates of the key dropped
// (first kept). Returns the number of accepted rows.
async function loadFile(con, dir, kind) {
  const spec = SCHEMA.files[kind];
  const file = path.join(dir, spec.name);
  checkHeader(file, spec.columns);
  const cols = spec.columns.map(([n]) => `${sqlStr(n)}: 'VARCHAR'`).join(', ');
  // Reading into a table first keeps the file order in rowid.
  await con.run(`CREATE TABLE raw_${kind} AS SELECT ` +
    spec.columns.map(([n]) => `COALESCE(${ident(n)}, '') AS ${ident(n)}`).join(', ') +
    ` FROM read_csv(${sqlStr(file)}, header = true, auto_detect = false, ` +
    `columns = {${cols}}, delim = ',', quote = '"', escape = '"', ` +
    'strict_mode = true, ignore_errors = true, null_padding = false)');
  const conds = spec.columns.map(([n, t]) => check(n, t)).filter((x) => x);
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const dedup = spec.key
    ? `QUALIFY row_number() OVER (PARTITION BY ${ident(spec.key)} ORDER BY rid) = 1`
    : '';
  await con.run(`CREATE TABLE ${kind} AS SELECT * FROM ` +
    `(SELECT rowid AS rid, * FROM raw_${kind}) ${where} ${dedup} ORDER BY rid`);
  const r = await con.runAndReadAll(`SELECT count(*) AS n FROM ${kind}`);
  return Number(r.getRowObjects()[0].n);
}

// cents: SQL for the exact integer cents of a money column (validated: at
// most 16 significant digits before the dot, so DECIMAL(18,2) holds it).
function cents(c) {
  return `CAST(CAST(${c} AS DECIMAL(18,2)) * 100 AS BIGINT)`;
}

const VALID = "o.order_status NOT IN ('canceled', 'unavailable')";

// The six aggregates: file name, header, query (rows in output order).
const AGGREGATES = [
  ['daily_state', 'dt,customer_state,orders,items,revenue_cents,freight_cents', `
    SELECT dt, customer_state, count(DISTINCT order_id), count(*),
           sum(price_c), sum(freight_c)
    FROM ui WHERE valid GROUP BY ALL ORDER BY dt, customer_state`],
  ['daily_category', 'dt,category,orders,items,revenue_cents,freight_cents', `
    SELECT dt, category, count(DISTINCT order_id), count(*),
           sum(price_c), sum(freight_c)
    FROM ui WHERE valid GROUP BY ALL ORDER BY dt, category`],
  ['payment_mix', 'payment_type,payments,orders,value_cents', `
    SELECT p.payment_type, count(*), count(DISTINCT p.order_id),
           sum(${cents('p.payment_value')})
    FROM payments p JOIN uo o USING (order_id) WHERE ${VALID}
    GROUP BY ALL ORDER BY p.payment_type`],
  ['delivery_delay_state',
    'customer_state,delivered_orders,late_orders,sum_delay_days,' +
    'p50_delay_days,p90_delay_days,p99_delay_days', `
    WITH d AS (
      SELECT customer_state,
             date_diff('day', CAST(substr(order_estimated_delivery_date, 1, 10) AS DATE),
                       CAST(substr(order_delivered_customer_date, 1, 10) AS DATE)) AS delay
      FROM uo WHERE order_delivered_customer_date <> ''),
    g AS (
      SELECT customer_state, count(*) AS n, count(*) FILTER (WHERE delay > 0) AS late,
             sum(delay) AS total, list_sort(list(delay)) AS v
      FROM d GROUP BY customer_state)
    SELECT customer_state, n, late, total,
           v[(50 * n + 99) // 100], v[(90 * n + 99) // 100], v[(99 * n + 99) // 100]
    FROM g ORDER BY customer_state`],
  ['seller_ranking', 'rank,seller_id,seller_state,orders,items,revenue_cents', `
    WITH s AS (
      SELECT seller_id, any_value(seller_state) AS seller_state,
             count(DISTINCT order_id) AS orders, count(*) AS items,
             sum(price_c) AS revenue
      FROM ui WHERE valid GROUP BY seller_id)
    SELECT row_number() OVER (ORDER BY revenue DESC, seller_id) AS rank,
           seller_id, seller_state, orders, items, revenue
    FROM s ORDER BY rank`],
  ['category_reviews', 'category,reviews,score_sum,avg_score_milli', `
    WITH oc AS (SELECT DISTINCT order_id, category FROM ui),
    g AS (
      SELECT oc.category, count(*) AS n,
             sum(CAST(r.review_score AS BIGINT)) AS score_sum
      FROM reviews r JOIN uo USING (order_id) JOIN oc USING (order_id)
      GROUP BY oc.category)
    SELECT category, n, score_sum, (2000 * score_sum + n) // (2 * n)
    FROM g ORDER BY category`],
];

// field: one output value as text; exits 1 on a value that would need
// quoting, which the contract rules out.
function field(v) {
  if (v === null || v === undefined) die(1, 'NULL in an aggregate');
  const s = typeof v === 'string' ? v : v.toString();
  if (/[,"\r\n]/.test(s)) die(1, `value needs quoting: ${JSON.stringify(s)}`);
  return s;
}

// main: validates, computes, writes the six files. Returns nothing.
async function main() {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) die(2, 'usage: etl_duckdb.mjs INPUT_DIR OUTPUT_DIR');
  fs.mkdirSync(output, { recursive: true });
  const inst = await DuckDBInstance.create(':memory:', {
    // Byte-order string comparison, whatever the defaults.
    default_collation: 'binary',
  });
  const con = await inst.connect();
  for (const kind of Object.keys(SCHEMA.files)) await loadFile(con, input, kind);
  // Usable orders: not orphans (their customer exists).
  await con.run(`CREATE TABLE uo AS
    SELECT o.*, c.customer_state, substr(o.order_purchase_timestamp, 1, 10) AS dt
    FROM orders o JOIN customers c USING (customer_id)`);
  // Usable items: order, product and seller all there.
  await con.run(`CREATE TABLE ui AS
    SELECT i.order_id, o.dt, o.customer_state, ${VALID} AS valid,
           i.seller_id, s.seller_state,
           CASE WHEN p.product_category_name = '' THEN 'unknown'
                ELSE COALESCE(t.product_category_name_english, p.product_category_name)
           END AS category,
           ${cents('i.price')} AS price_c, ${cents('i.freight_value')} AS freight_c
    FROM items i JOIN uo o USING (order_id)
    JOIN products p USING (product_id) JOIN sellers s USING (seller_id)
    LEFT JOIN translation t ON t.product_category_name = p.product_category_name`);
  for (const [name, header, sql] of AGGREGATES) {
    const r = await con.runAndReadAll(sql);
    const lines = [header];
    for (const row of r.getRows()) lines.push(row.map(field).join(','));
    const file = path.join(output, `${name}.csv`);
    fs.writeFileSync(`${file}.tmp`, `${lines.join('\n')}\n`);
    fs.renameSync(`${file}.tmp`, file);
  }
}

main().catch((e) => die(1, e.message.split('\n')[0]));
