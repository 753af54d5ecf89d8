-- Retail silver and gold: what tonight's dbt run (data_transformation_dbt) built from bronze.
--   retail_silver  dbt staging models, materialized as views (config materialized='view'): cast, clean and
--                  keep the latest version of each key. Views read bronze live, so they never go stale.
--   retail_gold    dimensions (dim_customers is SCD Type 2), facts and the daily sales mart, as tables
--                  stamped with the run that built them (_dbt_updated_at).
-- Views here read persisted tables only (no temp macros), so they survive the seed connection.

CREATE VIEW retail_silver.stg_customers AS
SELECT CAST(customer_id AS BIGINT) AS customer_id, customer_code, trim(first_name) AS first_name, trim(last_name) AS last_name,
       lower(email) AS email, city, lower(loyalty_tier) AS loyalty_tier, created_at, updated_at, _batch_date, _loaded_at
FROM retail_bronze.customers
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY updated_at DESC, _loaded_at DESC) = 1;

CREATE VIEW retail_silver.stg_products AS
SELECT CAST(product_id AS INTEGER) AS product_id, upper(sku) AS sku, product_name, category, brand,
       CAST(unit_price AS DECIMAL(10, 2)) AS unit_price, updated_at, _batch_date, _loaded_at
FROM retail_bronze.products
QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY updated_at DESC, _loaded_at DESC) = 1;

CREATE VIEW retail_silver.stg_stores AS
SELECT CAST(store_id AS INTEGER) AS store_id, store_code, store_name, region, store_type, opened_date, updated_at, _batch_date, _loaded_at
FROM retail_bronze.stores
QUALIFY row_number() OVER (PARTITION BY store_id ORDER BY updated_at DESC, _loaded_at DESC) = 1;

CREATE VIEW retail_silver.stg_orders AS
SELECT CAST(order_id AS BIGINT) AS order_id, CAST(customer_id AS BIGINT) AS customer_id, CAST(store_id AS INTEGER) AS store_id,
       lower(channel) AS channel, order_ts, CAST(order_ts AS DATE) AS order_date, lower(status) AS status,
       CAST(order_total AS DECIMAL(12, 2)) AS order_total, upper(currency) AS currency, updated_at, _batch_date, _loaded_at
FROM retail_bronze.orders
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC, _loaded_at DESC) = 1;

CREATE VIEW retail_silver.stg_order_items AS
SELECT CAST(order_item_id AS BIGINT) AS order_item_id, CAST(order_id AS BIGINT) AS order_id, line_no,
       CAST(product_id AS INTEGER) AS product_id, CAST(quantity AS INTEGER) AS quantity,
       CAST(unit_price AS DECIMAL(10, 2)) AS unit_price, CAST(discount_amount AS DECIMAL(10, 2)) AS discount_amount,
       _batch_date, _loaded_at
FROM retail_bronze.order_items
QUALIFY row_number() OVER (PARTITION BY order_item_id ORDER BY _loaded_at DESC) = 1;

CREATE VIEW retail_silver.stg_returns AS
SELECT CAST(return_id AS BIGINT) AS return_id, CAST(order_id AS BIGINT) AS order_id, CAST(customer_id AS BIGINT) AS customer_id,
       return_ts, CAST(return_ts AS DATE) AS return_date, lower(reason) AS reason,
       CAST(refund_amount AS DECIMAL(12, 2)) AS refund_amount, updated_at, _batch_date, _loaded_at
FROM retail_bronze.returns
QUALIFY row_number() OVER (PARTITION BY return_id ORDER BY updated_at DESC, _loaded_at DESC) = 1;

-- When tonight's dbt tasks finished: each gold table carries the end of the task that built it.
CREATE TEMP TABLE seed_rt_built AS
SELECT max(CASE WHEN task = 'dbt_run_dimensions' THEN ended_at END) - to_seconds(20) AS dims_at,
       max(CASE WHEN task = 'dbt_run_facts' THEN ended_at END) - to_seconds(30) AS facts_at,
       max(CASE WHEN task = 'dbt_run_marts' THEN ended_at END) - to_seconds(15) AS marts_at
FROM seed_rt_task_ok WHERE business_date = seed_today();

-- ---------------------------------------------------------------- dimensions
CREATE TABLE retail_gold.dim_date AS
SELECT CAST(strftime(d, '%Y%m%d') AS INTEGER) AS date_key, d AS calendar_date, dayofweek(d) AS day_of_week,
       strftime(d, '%A') AS day_name, dayofweek(d) IN (0, 6) AS is_weekend, month(d) AS month, quarter(d) AS quarter,
       year(d) AS year, (SELECT dims_at FROM seed_rt_built) AS _dbt_updated_at
FROM (SELECT CAST(seed_day0() - 30 + CAST(i AS INTEGER) AS DATE) AS d FROM range(0, 181) t(i));

CREATE TABLE retail_gold.dim_stores AS
SELECT md5('store|' || store_id) AS store_sk, store_id, store_code, store_name, region, store_type, opened_date,
       (SELECT dims_at FROM seed_rt_built) AS _dbt_updated_at
FROM retail_silver.stg_stores;

CREATE TABLE retail_gold.dim_products AS
SELECT md5('product|' || product_id) AS product_sk, product_id, sku, product_name, category, brand, unit_price,
       (SELECT dims_at FROM seed_rt_built) AS _dbt_updated_at
FROM retail_silver.stg_products;

-- SCD Type 2 (a dbt snapshot, timestamp strategy): one row per version, valid from its updated_at until the
-- next version's; exactly one current row per customer.
CREATE TABLE retail_gold.dim_customers AS
WITH v AS (
  SELECT customer_id, customer_code, first_name, last_name, email, city, loyalty_tier, created_at, updated_at,
         lead(updated_at) OVER (PARTITION BY customer_id ORDER BY updated_at) AS next_from
  FROM retail_bronze.customers
)
SELECT md5('customer|' || customer_id || '|' || strftime(updated_at, '%Y-%m-%dT%H:%M:%S')) AS customer_sk,
       customer_id, customer_code, first_name || ' ' || last_name AS customer_name, email, city, loyalty_tier, created_at,
       updated_at AS valid_from, next_from AS valid_to, next_from IS NULL AS is_current,
       (SELECT dims_at FROM seed_rt_built) AS _dbt_updated_at
FROM v;

-- ---------------------------------------------------------------- facts
-- Incremental on order_id: status updates merge into the existing row. The customer key is the version of
-- the customer that was valid when the order was placed.
CREATE TABLE retail_gold.fact_order_items AS
SELECT i.order_item_id, i.order_id, o.order_date, CAST(strftime(o.order_date, '%Y%m%d') AS INTEGER) AS date_key,
       p.product_sk, i.product_id, i.quantity, i.unit_price,
       CAST(i.quantity * i.unit_price AS DECIMAL(12, 2)) AS gross_amount, i.discount_amount,
       CAST(i.quantity * i.unit_price - i.discount_amount AS DECIMAL(12, 2)) AS net_amount,
       (SELECT facts_at FROM seed_rt_built) AS _dbt_updated_at
FROM retail_silver.stg_order_items i
JOIN retail_silver.stg_orders o USING (order_id)
JOIN retail_gold.dim_products p USING (product_id);

CREATE TABLE retail_gold.fact_orders AS
WITH lines AS (
  SELECT order_id, count(*) AS line_count, sum(quantity) AS units, sum(gross_amount) AS gross_amount,
         sum(discount_amount) AS discount_amount, sum(net_amount) AS net_amount
  FROM retail_gold.fact_order_items GROUP BY order_id
)
SELECT o.order_id, o.order_date, CAST(strftime(o.order_date, '%Y%m%d') AS INTEGER) AS date_key, o.order_ts,
       c.customer_sk, o.customer_id, s.store_sk, o.store_id, o.channel, o.status,
       CAST(l.line_count AS INTEGER) AS line_count, CAST(l.units AS INTEGER) AS units,
       CAST(l.gross_amount AS DECIMAL(12, 2)) AS gross_amount, CAST(l.discount_amount AS DECIMAL(12, 2)) AS discount_amount,
       CAST(l.net_amount AS DECIMAL(12, 2)) AS net_amount, o.updated_at AS source_updated_at,
       (SELECT facts_at FROM seed_rt_built) AS _dbt_updated_at
FROM retail_silver.stg_orders o
JOIN lines l USING (order_id)
JOIN retail_gold.dim_stores s USING (store_id)
JOIN retail_gold.dim_customers c
  ON c.customer_id = o.customer_id AND o.order_ts >= c.valid_from AND (c.valid_to IS NULL OR o.order_ts < c.valid_to);

-- Added when the returns source was onboarded (a new fact, step 6 of onboarding).
CREATE TABLE retail_gold.fact_returns AS
SELECT r.return_id, r.order_id, r.return_date, CAST(strftime(r.return_date, '%Y%m%d') AS INTEGER) AS date_key,
       f.customer_sk, r.customer_id, f.store_sk, r.reason, r.refund_amount,
       (SELECT facts_at FROM seed_rt_built) AS _dbt_updated_at
FROM retail_silver.stg_returns r JOIN retail_gold.fact_orders f USING (order_id);

-- ---------------------------------------------------------------- marts
-- Daily sales per store, cancelled orders excluded.
CREATE TABLE retail_gold.mart_daily_sales AS
SELECT f.order_date, f.store_id, s.store_name, s.region, count(*) AS orders, count(DISTINCT f.customer_id) AS customers,
       CAST(sum(f.units) AS BIGINT) AS units, CAST(sum(f.net_amount) AS DECIMAL(14, 2)) AS net_revenue,
       (SELECT marts_at FROM seed_rt_built) AS _dbt_updated_at
FROM retail_gold.fact_orders f JOIN retail_gold.dim_stores s USING (store_id)
WHERE f.status <> 'cancelled'
GROUP BY ALL;
