/**
 * The retail dbt models as the sandbox builds them: staging stays views over bronze (as the seed says), and each
 * gold model is rebuilt in full from staging with the same SQL the seed used, stamped with the build time. A model
 * list per dbt task, in build order, so a task's run results name the models the runbooks query.
 */
export interface RetailModel {
  readonly name: string;
  readonly layer: 'staging' | 'dimensions' | 'facts' | 'marts';
  readonly materialization: 'view' | 'table' | 'snapshot' | 'incremental';
  /** The SELECT that builds it (`:now` is the build time); null for a view (never rebuilt) or a static table (restamped). */
  readonly select: string | null;
  /** An incremental model's date column: a backfill with start_date/end_date vars rebuilds only those days. */
  readonly dateColumn?: string;
}

const staging = ['stg_customers', 'stg_products', 'stg_stores', 'stg_orders', 'stg_order_items', 'stg_returns'].map(
  (name): RetailModel => ({ name, layer: 'staging', materialization: 'view', select: null }),
);

const NOW = 'CAST(:now AS TIMESTAMP)';

export const RETAIL_MODELS: Readonly<Record<string, readonly RetailModel[]>> = {
  dbt_run_staging: staging,
  dbt_run_dimensions: [
    // The calendar is static: a build only restamps it.
    { name: 'dim_date', layer: 'dimensions', materialization: 'table', select: null },
    {
      name: 'dim_stores', layer: 'dimensions', materialization: 'table',
      select: `SELECT md5('store|' || store_id) AS store_sk, store_id, store_code, store_name, region, store_type, opened_date, ${NOW} AS _dbt_updated_at FROM retail_silver.stg_stores`,
    },
    {
      name: 'dim_products', layer: 'dimensions', materialization: 'table',
      select: `SELECT md5('product|' || product_id) AS product_sk, product_id, sku, product_name, category, brand, unit_price, ${NOW} AS _dbt_updated_at FROM retail_silver.stg_products`,
    },
    {
      name: 'dim_customers', layer: 'dimensions', materialization: 'snapshot',
      select: `WITH v AS (
        SELECT DISTINCT customer_id, customer_code, first_name, last_name, email, city, loyalty_tier, created_at, updated_at FROM retail_bronze.customers
      ), w AS (SELECT *, lead(updated_at) OVER (PARTITION BY customer_id ORDER BY updated_at) AS next_from FROM v)
      SELECT md5('customer|' || customer_id || '|' || strftime(updated_at, '%Y-%m-%dT%H:%M:%S')) AS customer_sk, customer_id, customer_code,
             first_name || ' ' || last_name AS customer_name, email, city, loyalty_tier, created_at, updated_at AS valid_from, next_from AS valid_to,
             next_from IS NULL AS is_current, ${NOW} AS _dbt_updated_at
      FROM w`,
    },
  ],
  dbt_run_facts: [
    {
      name: 'fact_order_items', layer: 'facts', materialization: 'incremental', dateColumn: 'order_date',
      select: `SELECT i.order_item_id, i.order_id, o.order_date, CAST(strftime(o.order_date, '%Y%m%d') AS INTEGER) AS date_key, p.product_sk, i.product_id, i.quantity,
             i.unit_price, CAST(i.quantity * i.unit_price AS DECIMAL(12, 2)) AS gross_amount, i.discount_amount,
             CAST(i.quantity * i.unit_price - i.discount_amount AS DECIMAL(12, 2)) AS net_amount, ${NOW} AS _dbt_updated_at
      FROM retail_silver.stg_order_items i JOIN retail_silver.stg_orders o USING (order_id) JOIN retail_gold.dim_products p USING (product_id)`,
    },
    {
      name: 'fact_orders', layer: 'facts', materialization: 'incremental', dateColumn: 'order_date',
      select: `WITH lines AS (
        SELECT order_id, count(*) AS line_count, sum(quantity) AS units, sum(gross_amount) AS gross_amount, sum(discount_amount) AS discount_amount, sum(net_amount) AS net_amount
        FROM retail_gold.fact_order_items GROUP BY order_id
      )
      SELECT o.order_id, o.order_date, CAST(strftime(o.order_date, '%Y%m%d') AS INTEGER) AS date_key, o.order_ts, c.customer_sk, o.customer_id, s.store_sk, o.store_id,
             o.channel, o.status, CAST(l.line_count AS INTEGER) AS line_count, CAST(l.units AS INTEGER) AS units, CAST(l.gross_amount AS DECIMAL(12, 2)) AS gross_amount,
             CAST(l.discount_amount AS DECIMAL(12, 2)) AS discount_amount, CAST(l.net_amount AS DECIMAL(12, 2)) AS net_amount, o.updated_at AS source_updated_at,
             ${NOW} AS _dbt_updated_at
      FROM retail_silver.stg_orders o JOIN lines l USING (order_id) JOIN retail_gold.dim_stores s USING (store_id)
      JOIN retail_gold.dim_customers c ON c.customer_id = o.customer_id AND o.order_ts >= c.valid_from AND (c.valid_to IS NULL OR o.order_ts < c.valid_to)`,
    },
    {
      name: 'fact_returns', layer: 'facts', materialization: 'incremental', dateColumn: 'return_date',
      select: `SELECT r.return_id, r.order_id, r.return_date, CAST(strftime(r.return_date, '%Y%m%d') AS INTEGER) AS date_key, f.customer_sk, r.customer_id, f.store_sk,
             r.reason, r.refund_amount, ${NOW} AS _dbt_updated_at
      FROM retail_silver.stg_returns r JOIN retail_gold.fact_orders f USING (order_id)`,
    },
  ],
  dbt_run_marts: [
    {
      name: 'mart_daily_sales', layer: 'marts', materialization: 'table',
      select: `SELECT f.order_date, f.store_id, s.store_name, s.region, count(*) AS orders, count(DISTINCT f.customer_id) AS customers,
             CAST(sum(f.units) AS BIGINT) AS units, CAST(sum(f.net_amount) AS DECIMAL(14, 2)) AS net_revenue, ${NOW} AS _dbt_updated_at
      FROM retail_gold.fact_orders f JOIN retail_gold.dim_stores s USING (store_id) WHERE f.status <> 'cancelled' GROUP BY ALL`,
    },
  ],
};

/** Every retail model in build order (staging, dimensions, facts, marts): what a `dbt run` of the project builds. */
export const RETAIL_BUILD_ORDER: readonly RetailModel[] = Object.values(RETAIL_MODELS).flat();

export type RunSql = (text: string, binds: Readonly<Record<string, string | number>>) => Promise<unknown>;

/** The days an incremental build covers (dbt `--vars '{"start_date": …, "end_date": …}'`); none = all history. */
export interface BuildRange {
  readonly start: string;
  readonly end: string;
}

/**
 * Builds one model as dbt does in this project, for the Airflow DAG's dbt tasks and the demo dbt Cloud alike: a
 * table or snapshot is replaced from its SELECT; a static table is restamped; a staging view is left as deployed
 * (its source contract is the DAG's to check). An incremental model given a range replaces only those days' rows.
 */
export async function buildRetailModel(sql: RunSql, m: RetailModel, now: string, range?: BuildRange): Promise<void> {
  if (m.select && range && m.materialization === 'incremental' && m.dateColumn) {
    const binds = { now, start: range.start, end: range.end };
    const within = `${m.dateColumn} BETWEEN CAST(:start AS DATE) AND CAST(:end AS DATE)`;
    await sql(`DELETE FROM retail_gold.${m.name} WHERE ${within}`, binds);
    await sql(`INSERT INTO retail_gold.${m.name} BY NAME SELECT * FROM (${m.select}) WHERE ${within}`, binds);
  } else if (m.select) await sql(`CREATE OR REPLACE TABLE retail_gold.${m.name} AS ${m.select}`, { now });
  else if (m.layer !== 'staging') await sql(`UPDATE retail_gold.${m.name} SET _dbt_updated_at = CAST(:now AS TIMESTAMP)`, { now });
}

/**
 * What each dbt test counts as failing rows. Uniqueness reads the raw versions (a key and its updated_at landed
 * twice), because staging keeps the latest version of a key and would hide a file loaded twice.
 */
export const RETAIL_TESTS: Readonly<Record<string, string>> = {
  unique_stg_customers_customer_id: `SELECT count(*) - count(DISTINCT (customer_id, updated_at)) FROM retail_bronze.customers`,
  not_null_stg_customers_customer_id: `SELECT count(*) FILTER (WHERE customer_id IS NULL) FROM retail_silver.stg_customers`,
  unique_stg_products_product_id: `SELECT count(*) - count(DISTINCT (product_id, updated_at)) FROM retail_bronze.products`,
  not_null_stg_products_product_id: `SELECT count(*) FILTER (WHERE product_id IS NULL) FROM retail_silver.stg_products`,
  unique_stg_stores_store_id: `SELECT count(*) - count(DISTINCT (store_id, updated_at)) FROM retail_bronze.stores`,
  unique_stg_orders_order_id: `SELECT count(*) - count(DISTINCT (order_id, updated_at)) FROM retail_bronze.orders`,
  not_null_stg_orders_order_id: `SELECT count(*) FILTER (WHERE order_id IS NULL) FROM retail_silver.stg_orders`,
  not_null_stg_orders_customer_id: `SELECT count(*) FILTER (WHERE customer_id IS NULL) FROM retail_silver.stg_orders`,
  accepted_values_stg_orders_status: `SELECT count(*) FILTER (WHERE status NOT IN ('completed', 'placed', 'shipped', 'cancelled')) FROM retail_silver.stg_orders`,
  unique_stg_order_items_order_item_id: `SELECT count(*) - count(DISTINCT order_item_id) FROM retail_bronze.order_items`,
  relationships_stg_order_items_order_id__stg_orders: `SELECT count(*) FROM retail_silver.stg_order_items i WHERE NOT EXISTS (SELECT 1 FROM retail_silver.stg_orders o WHERE o.order_id = i.order_id)`,
  unique_stg_returns_return_id: `SELECT count(*) - count(DISTINCT (return_id, updated_at)) FROM retail_bronze.returns`,
  not_null_stg_returns_return_id: `SELECT count(*) FILTER (WHERE return_id IS NULL) FROM retail_silver.stg_returns`,
  unique_fact_orders_order_id: `SELECT count(*) - count(DISTINCT order_id) FROM retail_gold.fact_orders`,
  not_null_fact_orders_customer_sk: `SELECT count(*) FILTER (WHERE customer_sk IS NULL) FROM retail_gold.fact_orders`,
  relationships_fact_orders_customer_sk__dim_customers: `SELECT count(*) FROM retail_gold.fact_orders f WHERE NOT EXISTS (SELECT 1 FROM retail_gold.dim_customers c WHERE c.customer_sk = f.customer_sk)`,
  relationships_fact_order_items_product_sk__dim_products: `SELECT count(*) FROM retail_gold.fact_order_items f WHERE NOT EXISTS (SELECT 1 FROM retail_gold.dim_products p WHERE p.product_sk = f.product_sk)`,
  assert_one_current_version_per_customer: `SELECT count(*) FROM (SELECT customer_id FROM retail_gold.dim_customers GROUP BY customer_id HAVING count(*) FILTER (WHERE is_current) <> 1)`,
  assert_order_total_matches_items: `SELECT count(*) FROM retail_gold.fact_orders f JOIN retail_silver.stg_orders o USING (order_id) WHERE abs(o.order_total - f.net_amount) > 0.01`,
  assert_mart_revenue_matches_fact_orders: `SELECT count(*) FROM (SELECT order_date, sum(net_revenue) AS r FROM retail_gold.mart_daily_sales GROUP BY ALL) m
    JOIN (SELECT order_date, sum(net_amount) AS r FROM retail_gold.fact_orders WHERE status <> 'cancelled' GROUP BY ALL) f USING (order_date) WHERE m.r <> f.r`,
};
