/**
 * batch_ecomm_pipeline as SQL steps on the demo warehouse: extract_postgres_to_s3 writes the data day's extract
 * files (ecomm_ops.s3_extracts) from the OLTP source's rows updated in that ICT day, and run_dlt_pipeline loads
 * them into bronze (replacing the day's rows) and rebuilds silver and gold from bronze. A rerun, a clear or a
 * trigger with `execution_date` repairs what a fault broke. DailyRefresh (dbt Cloud) and Tableau are not Airflow.
 */
import type { DagDef, TaskContext } from '../model';
import { dateInZone, ECOMMERCE_ZONE } from '../../warehouse';
import { addDays } from '../warehouse';
import { dag, sqlTask } from './build';

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
const file = (t: string) => `printf('s3://ecomm-data/ecomm_db_extracts/daily_extracts/${t}/%s/${t}_%s.csv', strftime(CAST(:x AS DATE), '%Y-%m-%d'), strftime(CAST(:x AS DATE), '%Y%m%d'))`;

const EXTRACTS: readonly { table: string; bytes: number; columns: string }[] = [
  { table: 'orders', bytes: 96, columns: 'order_id,customer_id,order_status,order_ts,updated_at,total_amount' },
  { table: 'order_items', bytes: 88, columns: 'order_item_id,order_id,product_id,quantity,unit_price,created_at,updated_at' },
  { table: 'customers', bytes: 132, columns: 'customer_id,full_name,email,city,loyalty_tier,created_at,updated_at' },
  { table: 'products', bytes: 84, columns: 'product_id,product_name,category,price,created_at,updated_at' },
];

async function extract(ctx: TaskContext): Promise<void> {
  const x = dataDay(ctx);
  ctx.log(`Extracting rows with updated_at in ${x} (ICT) from Postgres to S3`);
  await ctx.failIfFaulted();
  await ctx.sql(`DELETE FROM ecomm_ops.s3_extracts WHERE execution_date = CAST(:x AS DATE)`, { x });
  for (const [i, e] of EXTRACTS.entries()) {
    await ctx.sql(
      `INSERT INTO ecomm_ops.s3_extracts
       SELECT CAST(:x AS DATE), :run, :t, ${file(e.table)}, count(*), count(*) * :b + 120, :cols, ${FROM}, ${TO},
              CAST(:now AS TIMESTAMP) + to_seconds(:i), 'success'
       FROM ecomm_src.${e.table} WHERE updated_at >= ${FROM} AND updated_at < ${TO}`,
      { x, run: ctx.runId, t: e.table, b: e.bytes, cols: e.columns, now: ctx.now(), i },
    );
  }
}

/** Bronze: the day's files as text, replacing what an earlier load of the day left. */
async function loadBronze(ctx: TaskContext, x: string): Promise<void> {
  const now = ctx.now();
  const day = `updated_at >= ${FROM} AND updated_at < ${TO}`;
  const tail = (t: string) => `NULL::VARCHAR, ${file(t)}, CAST(:now AS TIMESTAMP), CAST(:x AS DATE)`;
  const inserts: Record<string, string> = {
    orders: `SELECT CAST(order_id AS VARCHAR), CAST(customer_id AS VARCHAR), order_status, ${ict('order_ts')}, ${ict('updated_at')}, CAST(total_amount AS VARCHAR), ${tail('orders')} FROM ecomm_src.orders WHERE ${day}`,
    order_items: `SELECT CAST(order_item_id AS VARCHAR), CAST(order_id AS VARCHAR), CAST(product_id AS VARCHAR), CAST(quantity AS VARCHAR), CAST(unit_price AS VARCHAR), ${ict('created_at')}, ${ict('updated_at')}, ${tail('order_items')} FROM ecomm_src.order_items WHERE ${day}`,
    customers: `SELECT CAST(customer_id AS VARCHAR), full_name, email, city, loyalty_tier, ${ict('created_at')}, ${ict('updated_at')}, ${tail('customers')} FROM ecomm_src.customers WHERE ${day}`,
    products: `SELECT CAST(product_id AS VARCHAR), product_name, category, CAST(price AS VARCHAR), ${ict('created_at')}, ${ict('updated_at')}, ${tail('products')} FROM ecomm_src.products WHERE ${day}`,
  };
  for (const [t, select] of Object.entries(inserts)) {
    await ctx.sql(`DELETE FROM ecomm_bronze.${t}_raw WHERE _execution_date = CAST(:x AS DATE)`, { x });
    await ctx.sql(`INSERT INTO ecomm_bronze.${t}_raw ${select}`, { x, now });
  }
}

/** Silver and gold from bronze, with the seed's rules (latest version per key wins, UTC timestamps). */
async function rebuildSilverGold(ctx: TaskContext): Promise<void> {
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
  await recordExpectations(ctx, dataDay(ctx));
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

/**
 * The valid_pk expectations of the day's update: bronze rows of the data day whose key (or, for order lines, whose
 * order) is missing cannot reach silver, and the update's flow events say how many each silver flow dropped.
 */
async function recordExpectations(ctx: TaskContext, x: string): Promise<void> {
  const dropped: Record<string, string> = {
    silver_dim_orders: `SELECT count(*) FROM ecomm_bronze.orders_raw WHERE _execution_date = CAST(:x AS DATE) AND try_cast(order_id AS BIGINT) IS NULL`,
    silver_fact_orders: `SELECT count(*) FROM ecomm_bronze.order_items_raw WHERE _execution_date = CAST(:x AS DATE) AND (try_cast(order_item_id AS BIGINT) IS NULL OR try_cast(order_id AS BIGINT) IS NULL)`,
    silver_dim_customer: `SELECT count(*) FROM ecomm_bronze.customers_raw WHERE _execution_date = CAST(:x AS DATE) AND try_cast(customer_id AS BIGINT) IS NULL`,
    silver_dim_product: `SELECT count(*) FROM ecomm_bronze.products_raw WHERE _execution_date = CAST(:x AS DATE) AND try_cast(product_id AS INTEGER) IS NULL`,
  };
  for (const [flow, count] of Object.entries(dropped)) {
    await ctx.sql(
      `UPDATE ecomm_ops.dlt_events SET dropped_records = (${count})
       WHERE execution_date = CAST(:x AS DATE) AND flow_name = :flow AND expectation = 'valid_pk'`,
      { x, flow },
    );
  }
}

export const ecommerceDags: readonly DagDef[] = [
  dag({
    dagId: 'batch_ecomm_pipeline', description: 'Extracts the OLTP day to S3, then runs the DLT pipeline (bronze, silver, gold).',
    schedule: '0 18 * * *', owners: ['ecomm-data-engineering'], tags: ['ecommerce'],
    tasks: [
      sqlTask('extract_postgres_to_s3', 1500, extract, { operator: 'PythonOperator' }),
      sqlTask('run_dlt_pipeline', 6000, async (ctx) => {
        const x = dataDay(ctx);
        ctx.log(`DLT update for ${x}: bronze from the extract files, then silver and gold`);
        await loadBronze(ctx, x);
        await rebuildSilverGold(ctx);
      }, { upstream: ['extract_postgres_to_s3'], operator: 'DatabricksRunNowOperator' }),
    ],
  }),
];
