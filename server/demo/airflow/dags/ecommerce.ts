/**
 * batch_ecomm_pipeline on the demo: extract_postgres_to_s3 writes the data day's extract files to the demo S3
 * (one CSV per table, the OLTP source's rows updated in that ICT day), and run_dlt_pipeline loads those files
 * into bronze (replacing the day's rows) and rebuilds silver and gold from bronze. A rerun, a clear or a trigger
 * with `execution_date` repairs what a fault broke. DailyRefresh (dbt Cloud) and Tableau are not Airflow.
 */
import type { DagDef, TaskContext } from '../model';
import { dateInZone, ECOMMERCE_ZONE } from '../../warehouse';
import { addDays } from '../warehouse';
import { dag, sqlTask } from './build';
import { randomUUID } from 'node:crypto';
import { EXTRACT_TABLES, extractUri, parseCsv, toCsv, type ExtractBucket } from '../../s3/extracts';

/** What a DLT update needs of whoever runs it (an Airflow task, or the demo Databricks): the warehouse and a log. */
export interface DltContext {
  sql(text: string, binds?: Readonly<Record<string, string | number>>): Promise<Record<string, unknown>[]>;
  log(event: string, level?: 'INFO' | 'WARNING' | 'ERROR'): void;
  /** Now, as a warehouse timestamp. */
  now(): string;
  /** Fails the update at the gold flow when a training fault targets run_dlt_pipeline. */
  failIfFaulted(): Promise<void>;
  /** The S3 bucket the extract files are in. */
  extracts(): Promise<ExtractBucket>;
}

/** Yesterday as the pipeline counts days: in Asia/Bangkok, where its batch runs at 01:00. */
export function ecommerceYesterday(): string {
  return addDays(dateInZone(ECOMMERCE_ZONE), -1);
}

/** The data day: the conf's execution_date, a scheduled run's business date, or else the latest complete day. */
export function dataDay(ctx: TaskContext): string {
  const conf = ctx.conf.execution_date;
  if (typeof conf === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(conf)) return conf;
  return ctx.runId.startsWith('manual__') ? ecommerceYesterday() : ctx.businessDate;
}

// Midnight ICT (UTC+7) of the data day and the next, as UTC timestamps; and a UTC timestamp as the CSVs write it.
const FROM = `(CAST(CAST(:x AS DATE) AS TIMESTAMP) - INTERVAL 7 HOUR)`;
const TO = `(CAST(CAST(:x AS DATE) + 1 AS TIMESTAMP) - INTERVAL 7 HOUR)`;
const ict = (col: string) => `strftime(${col} + INTERVAL 7 HOUR, '%Y-%m-%dT%H:%M:%S') || '+07:00'`;

export interface Column {
  readonly name: string;
  readonly type: string;
}

/** A table's columns in order, as the database's catalog has them now (a source table may gain one any night). */
async function columnsOf(ctx: Pick<DltContext, 'sql'>, schema: string, table: string): Promise<Column[]> {
  const rows = await ctx.sql(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = :schema AND table_name = :table ORDER BY ordinal_position`,
    { schema, table },
  );
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
}

/** A source column as the export writes it: text, timestamps in ICT with their offset. */
const asText = (c: Column) => (c.type.startsWith('TIMESTAMP') ? ict(c.name) : `CAST(${c.name} AS VARCHAR)`);

/**
 * The export of one table's window: every column the source table has tonight (SELECT *), so the header is the
 * table's columns; rows updated in the data day (ICT).
 */
export async function extractTable(warehouse: Pick<DltContext, 'sql'>, table: string, x: string): Promise<{ columns: string[]; rows: (string | null)[][] }> {
  const cols = await columnsOf(warehouse, 'ecomm_src', table);
  const rows = await warehouse.sql(
    `SELECT ${cols.map((c, i) => `${asText(c)} AS c${i}`).join(', ')} FROM ecomm_src.${table} WHERE updated_at >= ${FROM} AND updated_at < ${TO} ORDER BY updated_at`,
    { x },
  );
  return { columns: cols.map((c) => c.name), rows: rows.map((r) => cols.map((_, i) => (r[`c${i}`] == null ? null : String(r[`c${i}`])))) };
}

async function extract(ctx: TaskContext): Promise<void> {
  const x = dataDay(ctx);
  ctx.log(`Extracting rows with updated_at in ${x} (ICT) from Postgres to S3`);
  await ctx.failIfFaulted();
  const bucket = await ctx.extracts();
  // A re-run replaces the day's files: what an earlier run of the day left goes first.
  await bucket.removeDay(x);
  for (const t of EXTRACT_TABLES) {
    const file = await extractTable({ sql: (text, binds) => ctx.warehouse.query(text, binds) }, t, x);
    const body = toCsv(file);
    await bucket.write(t, x, body);
    ctx.log(`Wrote ${extractUri(t, x)}: ${file.rows.length} rows, ${Buffer.byteLength(body)} bytes`, file.rows.length === 0 ? 'WARNING' : 'INFO');
  }
}

/** The pipeline's flows in the order an update runs them, and the silver expectations (valid_pk) of each. */
export const DLT_FLOWS = [
  { flow: 'bronze_orders', table: 'ecomm_bronze.orders_raw', layer: 'bronze' },
  { flow: 'bronze_order_items', table: 'ecomm_bronze.order_items_raw', layer: 'bronze' },
  { flow: 'bronze_customers', table: 'ecomm_bronze.customers_raw', layer: 'bronze' },
  { flow: 'bronze_products', table: 'ecomm_bronze.products_raw', layer: 'bronze' },
  { flow: 'silver_dim_orders', table: 'ecomm_silver.dim_orders', layer: 'silver', dropped: `SELECT count(*) AS n FROM ecomm_bronze.orders_raw WHERE _execution_date = CAST(:x AS DATE) AND try_cast(order_id AS BIGINT) IS NULL` },
  { flow: 'silver_fact_orders', table: 'ecomm_silver.fact_orders', layer: 'silver', dropped: `SELECT count(*) AS n FROM ecomm_bronze.order_items_raw WHERE _execution_date = CAST(:x AS DATE) AND (try_cast(order_item_id AS BIGINT) IS NULL OR try_cast(order_id AS BIGINT) IS NULL)` },
  { flow: 'silver_dim_customer', table: 'ecomm_silver.dim_customer', layer: 'silver', dropped: `SELECT count(*) AS n FROM ecomm_bronze.customers_raw WHERE _execution_date = CAST(:x AS DATE) AND try_cast(customer_id AS BIGINT) IS NULL` },
  { flow: 'silver_dim_product', table: 'ecomm_silver.dim_product', layer: 'silver', dropped: `SELECT count(*) AS n FROM ecomm_bronze.products_raw WHERE _execution_date = CAST(:x AS DATE) AND try_cast(product_id AS INTEGER) IS NULL` },
  { flow: 'gold_sales_analytics', table: 'ecomm_gold.sales_analytics', layer: 'gold' },
  { flow: 'gold_agg_daily_sales', table: 'ecomm_gold.agg_daily_sales', layer: 'gold' },
] as const;

export interface DltUpdateOptions {
  /** The data days whose extract files bronze loads (the latest for an update, every extracted day for a full refresh). */
  readonly days: readonly string[];
  /** false: silver and gold only (a selection without bronze tables). */
  readonly bronze: boolean;
  readonly updateId: string;
  readonly cause: string;
}

// Binds are text or numbers only: an absent value goes as '' or -1 and NULLIF makes it NULL.
const EVENT = `INSERT INTO ecomm_ops.dlt_events (execution_date, update_id, event_ts, level, event_type, flow_name, message, output_rows, dropped_records, expectation)
  VALUES (CAST(:x AS DATE), :u, CAST(:now AS TIMESTAMP), :level, :type, NULLIF(:flow, ''), :message, NULLIF(CAST(:rows AS BIGINT), -1), NULLIF(CAST(:dropped AS BIGINT), -1), NULLIF(:expectation, ''))`;

/**
 * One update of the ecommerce DLT pipeline on the demo warehouse, writing its event log (ecomm_ops.dlt_events, the
 * table the runbook's checks and the demo Databricks' events API read) as Databricks writes one: the start, a
 * schema-evolution warning per rescued column, one flow_progress per flow with its output rows and what its
 * expectations dropped, and the end — COMPLETED, or FAILED with the error. Events are filed under the last data
 * day the update loads.
 */
export async function runEcommerceDltUpdate(ctx: DltContext, options: DltUpdateOptions): Promise<void> {
  const x = options.days.at(-1)!;
  const event = (level: string, type: string, message: string, flow: string | null = null, rows: number | null = null, dropped: number | null = null, expectation: string | null = null) =>
    ctx.sql(EVENT, { x, u: options.updateId, now: ctx.now(), level, type, message, flow: flow ?? '', rows: rows ?? -1, dropped: dropped ?? -1, expectation: expectation ?? '' });
  await event('INFO', 'create_update', `Update started (${options.cause})`);
  try {
    if (options.bronze) for (const day of options.days) await loadBronze(ctx, day, options.updateId);
    await rebuildSilverGold(ctx, x);
    for (const f of DLT_FLOWS) {
      if (f.layer === 'bronze' && !options.bronze) continue;
      const [out] = f.layer === 'bronze'
        ? await ctx.sql(`SELECT count(*) AS n FROM ${f.table} WHERE _execution_date = CAST(:x AS DATE)`, { x })
        : await ctx.sql(`SELECT count(*) AS n FROM ${f.table}`);
      const dropped = 'dropped' in f ? Number((await ctx.sql(f.dropped, { x }))[0]?.n ?? 0) : null;
      await event('INFO', 'flow_progress', `Flow ${f.flow} COMPLETED`, f.flow, Number(out?.n ?? 0), dropped, 'dropped' in f ? 'valid_pk' : null);
    }
  } catch (error) {
    await event('ERROR', 'update_progress', `Update FAILED: ${(error as Error).message.split('\n')[0]}`);
    throw error;
  }
  await event('INFO', 'update_progress', 'Update COMPLETED');
}

/** Bronze's own columns, not the file's: lineage and the rescue column. */
const BRONZE_META = new Set(['_rescued_data', '_source_file', '_ingested_at', '_execution_date']);

/**
 * How bronze loads one file: each bronze column from the file column of that name (as text, as the CSV has it);
 * a file column the bronze table does not know is rescued into `_rescued_data` as JSON, the way Auto Loader's
 * rescue mode keeps it, and a bronze column the file lacks stays empty. `r` is the file's row as a text list.
 */
export function bronzeSelect(fileColumns: readonly string[], bronze: readonly string[]): { columns: string; select: string; rescued: string[] } {
  const at = (name: string) => `r[${fileColumns.indexOf(name) + 1}]`;
  const loaded = bronze.filter((b) => !BRONZE_META.has(b));
  const values = loaded.map((b) => (fileColumns.includes(b) ? at(b) : 'NULL::VARCHAR'));
  const rescued = fileColumns.filter((c) => !bronze.includes(c));
  const rescue = rescued.length === 0 ? 'NULL::VARCHAR' : `CAST(json_object(${rescued.map((c) => `'${c}', ${at(c)}`).join(', ')}) AS VARCHAR)`;
  return {
    columns: [...loaded, '_rescued_data', '_source_file', '_ingested_at', '_execution_date'].join(', '),
    select: `SELECT ${[...values, rescue, ':file', 'CAST(:now AS TIMESTAMP)', 'CAST(:x AS DATE)'].join(', ')} FROM (SELECT unnest(CAST(CAST(:data AS JSON) AS VARCHAR[][])) AS r)`,
    rescued,
  };
}

/**
 * Bronze: the day's files from S3, replacing what an earlier load of the day left; a table whose file is not in
 * S3 fails the load (Auto Loader has nothing to read for the day). Schema evolution as the pipeline runs it: a
 * new column is rescued the night it first appears (a warning in the event log) and added to the bronze table for
 * the next update; a load of that day after it (a re-run) fills the column itself.
 */
async function loadBronze(ctx: DltContext, x: string, updateId: string): Promise<void> {
  const now = ctx.now();
  const bucket = await ctx.extracts();
  for (const t of EXTRACT_TABLES) {
    const text = await bucket.read(t, x);
    if (text === null) throw new Error(`No extract file for ${t} of ${x}: ${extractUri(t, x)} is not in S3`);
    const file = parseCsv(text);
    const bronze = (await columnsOf(ctx, 'ecomm_bronze', `${t}_raw`)).map((c) => c.name);
    const { columns, select, rescued } = bronzeSelect(file.columns, bronze);
    await ctx.sql(`DELETE FROM ecomm_bronze.${t}_raw WHERE _execution_date = CAST(:x AS DATE)`, { x });
    if (file.rows.length > 0) {
      await ctx.sql(`INSERT INTO ecomm_bronze.${t}_raw (${columns}) ${select}`, { x, now, file: extractUri(t, x), data: JSON.stringify(file.rows) });
    }
    if (rescued.length === 0) continue;
    const message = `Unknown column${rescued.length > 1 ? 's' : ''} ${rescued.join(', ')} in the ${t} file of ${x} rescued into _rescued_data; the schema evolves on the next update`;
    ctx.log(message, 'WARNING');
    await ctx.sql(
      `INSERT INTO ecomm_ops.dlt_events SELECT CAST(:x AS DATE), :u, CAST(:now AS TIMESTAMP), 'WARN', 'schema_evolution', :flow, :message, NULL, NULL, NULL`,
      { x, u: updateId, now, flow: `bronze_${t}`, message },
    );
    for (const c of rescued) await ctx.sql(`ALTER TABLE ecomm_bronze.${t}_raw ADD COLUMN ${c} VARCHAR`);
  }
}

/** Silver and gold from bronze, with the seed's rules (latest version per key wins, UTC timestamps). */
async function rebuildSilverGold(ctx: DltContext, x: string): Promise<void> {
  const now = { now: ctx.now() };
  const utc = (col: string) => `CAST(left(${col}, 19) AS TIMESTAMP) - INTERVAL 7 HOUR`;
  await ctx.sql(
    `CREATE OR REPLACE TABLE ecomm_silver.dim_customer AS
     SELECT CAST(customer_id AS BIGINT) AS customer_id, full_name, email, city,
            coalesce(loyalty_tier, regexp_extract(_rescued_data, '"loyalty_tier":"([a-z]+)"', 1)) AS loyalty_tier,
            ${utc('created_at')} AS created_at, ${utc('updated_at')} AS updated_at, CAST(:now AS TIMESTAMP) AS processed_ts
     FROM ecomm_bronze.customers_raw QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY updated_at DESC, _ingested_at DESC) = 1`,
    now,
  );
  await ctx.sql(
    `CREATE OR REPLACE TABLE ecomm_silver.dim_product AS
     SELECT CAST(product_id AS INTEGER) AS product_id, product_name, category, CAST(price AS DECIMAL(10, 2)) AS price, ${utc('updated_at')} AS updated_at,
            CAST(:now AS TIMESTAMP) AS processed_ts
     FROM ecomm_bronze.products_raw QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY updated_at DESC, _ingested_at DESC) = 1`,
    now,
  );
  await ctx.sql(
    `CREATE OR REPLACE TABLE ecomm_silver.dim_orders AS
     WITH latest AS (SELECT * FROM ecomm_bronze.orders_raw QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC, _ingested_at DESC) = 1),
     items AS (SELECT CAST(order_id AS BIGINT) AS order_id, count(*) AS item_count FROM ecomm_bronze.order_items_raw GROUP BY ALL)
     SELECT CAST(l.order_id AS BIGINT) AS order_id, CAST(l.customer_id AS BIGINT) AS customer_id, l.order_status, CAST(left(l.order_ts, 10) AS DATE) AS order_date,
            ${utc('l.order_ts')} AS order_ts, ${utc('l.updated_at')} AS updated_at, CAST(l.total_amount AS DECIMAL(12, 2)) AS total_amount,
            CAST(i.item_count AS INTEGER) AS item_count, CAST(:now AS TIMESTAMP) AS processed_ts
     FROM latest l JOIN items i ON i.order_id = CAST(l.order_id AS BIGINT)`,
    now,
  );
  await ctx.sql(
    `CREATE OR REPLACE TABLE ecomm_silver.fact_orders AS
     SELECT CAST(b.order_item_id AS BIGINT) AS order_item_id, o.order_id, o.customer_id, CAST(b.product_id AS INTEGER) AS product_id, o.order_date, o.order_ts,
            CAST(b.quantity AS INTEGER) AS quantity, CAST(b.unit_price AS DECIMAL(10, 2)) AS unit_price,
            CAST(CAST(b.quantity AS INTEGER) * CAST(b.unit_price AS DECIMAL(10, 2)) AS DECIMAL(12, 2)) AS line_amount, o.order_status, o.processed_ts
     FROM ecomm_bronze.order_items_raw b JOIN ecomm_silver.dim_orders o ON o.order_id = CAST(b.order_id AS BIGINT)`,
  );
  await ctx.failIfFaulted(); // the gold flow is where a training fault stops the update
  await ctx.sql(
    `CREATE OR REPLACE TABLE ecomm_gold.sales_analytics AS
     SELECT o.order_id, o.order_date, o.order_ts, o.customer_id, c.city, c.loyalty_tier, o.order_status, o.item_count,
            CAST(sum(f.quantity) AS INTEGER) AS units, CAST(sum(f.line_amount) AS DECIMAL(12, 2)) AS revenue, CAST(:now AS TIMESTAMP) AS processed_ts
     FROM ecomm_silver.dim_orders o JOIN ecomm_silver.fact_orders f USING (order_id) JOIN ecomm_silver.dim_customer c ON c.customer_id = o.customer_id
     GROUP BY ALL`,
    now,
  );
  await ctx.sql(
    `CREATE OR REPLACE TABLE ecomm_gold.agg_daily_sales AS
     SELECT f.order_date, p.category, CAST(count(DISTINCT f.order_id) AS INTEGER) AS orders,
            CAST(count(DISTINCT f.order_id) FILTER (WHERE f.order_status = 'cancelled') AS INTEGER) AS cancelled_orders,
            CAST(coalesce(sum(f.quantity) FILTER (WHERE f.order_status <> 'cancelled'), 0) AS INTEGER) AS units,
            CAST(coalesce(sum(f.line_amount) FILTER (WHERE f.order_status <> 'cancelled'), 0) AS DECIMAL(14, 2)) AS revenue, CAST(:now AS TIMESTAMP) AS processed_ts
     FROM ecomm_silver.fact_orders f JOIN ecomm_silver.dim_product p USING (product_id) GROUP BY ALL`,
    now,
  );
}

export const ecommerceDags: readonly DagDef[] = [
  dag({
    dagId: 'batch_ecomm_pipeline', description: 'Extracts the OLTP day to S3, then runs the DLT pipeline (bronze, silver, gold).',
    schedule: '0 18 * * *', owners: ['ecomm-data-engineering'], tags: ['ecommerce'],
    tasks: [
      sqlTask('extract_postgres_to_s3', 1500, extract, { operator: 'PythonOperator' }),
      // The same update the demo Databricks runs for `databricks pipelines start-update "ecommerce_dlt"`.
      sqlTask('run_dlt_pipeline', 6000, async (ctx) => {
        const x = dataDay(ctx);
        ctx.log(`DLT update for ${x}: bronze from the extract files, then silver and gold`);
        await runEcommerceDltUpdate(ctx, { days: [x], bronze: true, updateId: randomUUID(), cause: `triggered by Airflow run ${ctx.runId}` });
      }, { upstream: ['extract_postgres_to_s3'], operator: 'DatabricksRunNowOperator' }),
    ],
  }),
];
