-- Ecommerce lakehouse: the nightly S3 extracts, and the DLT pipeline's bronze, silver and gold tables.
-- Extraction is incremental on updated_at: the extract of day X holds the rows whose updated_at falls in X
-- (ICT); the first kept extract also carried the backlog (a full load). Each layer's technical timestamp comes
-- from the run that last processed the row (DLT flows run in order bronze -> silver -> gold).

-- Every version of every order the source went through: placed, then delivered or cancelled.
CREATE TEMP TABLE seed_ec_order_versions AS
SELECT o.order_id, o.customer_id, 'placed' AS order_status, o.order_ts, o.order_ts AS updated_at, t.total_amount, o.order_date AS exec_date
FROM seed_ec_orders o JOIN ecomm_src.orders t USING (order_id)
UNION ALL
SELECT order_id, customer_id, order_status, order_ts, updated_at, total_amount, CAST(updated_at + INTERVAL 7 HOUR AS DATE)
FROM ecomm_src.orders WHERE order_status <> 'placed';

-- When each night's DLT flows finished: bronze after 30 % of the update, silver after 75 %, gold at the end.
CREATE TEMP TABLE seed_ec_flow_times AS
SELECT exec_date, dlt_start,
       dlt_start + to_seconds(CAST((epoch(dlt_end) - epoch(dlt_start)) * 0.30 AS BIGINT)) AS bronze_at,
       dlt_start + to_seconds(CAST((epoch(dlt_end) - epoch(dlt_start)) * 0.75 AS BIGINT)) AS silver_at,
       dlt_end - to_seconds(30) AS gold_at, extract_end
FROM seed_ec_runs;

CREATE TEMP MACRO ec_file(tbl, d) AS printf('s3://ecomm-data/ecomm_db_extracts/daily_extracts/%s/%s/%s_%s.csv', tbl, strftime(d, '%Y-%m-%d'), tbl, strftime(d, '%Y%m%d'));

-- ---------------------------------------------------------------- bronze (CSV as loaded; every column text)
CREATE TABLE ecomm_bronze.orders_raw AS
SELECT CAST(v.order_id AS VARCHAR) AS order_id, CAST(v.customer_id AS VARCHAR) AS customer_id, v.order_status,
       ec_ict_text(v.order_ts) AS order_ts, ec_ict_text(v.updated_at) AS updated_at, CAST(v.total_amount AS VARCHAR) AS total_amount,
       NULL::VARCHAR AS _rescued_data, ec_file('orders', v.exec_date) AS _source_file, f.bronze_at AS _ingested_at, v.exec_date AS _execution_date
FROM seed_ec_order_versions v JOIN seed_ec_flow_times f USING (exec_date);

CREATE TABLE ecomm_bronze.order_items_raw AS
SELECT CAST(i.order_item_id AS VARCHAR) AS order_item_id, CAST(i.order_id AS VARCHAR) AS order_id, CAST(i.product_id AS VARCHAR) AS product_id,
       CAST(i.quantity AS VARCHAR) AS quantity, CAST(i.unit_price AS VARCHAR) AS unit_price,
       ec_ict_text(i.created_at) AS created_at, ec_ict_text(i.updated_at) AS updated_at,
       NULL::VARCHAR AS _rescued_data, ec_file('order_items', o.order_date) AS _source_file, f.bronze_at AS _ingested_at, o.order_date AS _execution_date
FROM ecomm_src.order_items i JOIN seed_ec_orders o USING (order_id) JOIN seed_ec_flow_times f ON f.exec_date = o.order_date;

-- customers.loyalty_tier appeared in the source 20 days ago: that night's file carried a column bronze did not
-- know, rescued into _rescued_data; schema evolution added the column for the next night.
CREATE TABLE ecomm_bronze.customers_raw AS
WITH c AS (
  SELECT *, greatest(CAST(created_at + INTERVAL 7 HOUR AS DATE), ec_first()) AS exec_date FROM ecomm_src.customers
)
SELECT CAST(c.customer_id AS VARCHAR) AS customer_id, c.full_name, c.email, c.city,
       CASE WHEN c.exec_date > seed_today() - 20 THEN c.loyalty_tier END AS loyalty_tier,
       ec_ict_text(c.created_at) AS created_at, ec_ict_text(c.updated_at) AS updated_at,
       CASE WHEN c.exec_date = seed_today() - 20 AND c.loyalty_tier IS NOT NULL THEN '{"loyalty_tier":"' || c.loyalty_tier || '"}' END AS _rescued_data,
       ec_file('customers', c.exec_date) AS _source_file, f.bronze_at AS _ingested_at, c.exec_date AS _execution_date
FROM c JOIN seed_ec_flow_times f USING (exec_date);

CREATE TABLE ecomm_bronze.products_raw AS
WITH v AS (
  SELECT *, greatest(CAST(updated_at + INTERVAL 7 HOUR AS DATE), ec_first()) AS exec_date FROM seed_ec_product_versions
  QUALIFY row_number() OVER (PARTITION BY product_id, greatest(CAST(updated_at + INTERVAL 7 HOUR AS DATE), ec_first()) ORDER BY version_no DESC) = 1
)
SELECT CAST(v.product_id AS VARCHAR) AS product_id, v.category || ' product ' || v.product_id AS product_name, v.category,
       CAST(v.price AS VARCHAR) AS price, ec_ict_text(ec_midnight(ec_first() - 300) + to_seconds(v.product_id * 600)) AS created_at,
       ec_ict_text(v.updated_at) AS updated_at,
       NULL::VARCHAR AS _rescued_data, ec_file('products', v.exec_date) AS _source_file, f.bronze_at AS _ingested_at, v.exec_date AS _execution_date
FROM v JOIN seed_ec_flow_times f USING (exec_date);

-- ---------------------------------------------------------------- silver (typed, keyed, UTC)
-- Timestamps from the CSVs (+07:00) are converted to UTC; the latest version per key wins.
CREATE TABLE ecomm_silver.dim_customer AS
SELECT CAST(customer_id AS BIGINT) AS customer_id, full_name, email, city,
       coalesce(loyalty_tier, regexp_extract(_rescued_data, '"loyalty_tier":"([a-z]+)"', 1)) AS loyalty_tier,
       CAST(left(created_at, 19) AS TIMESTAMP) - INTERVAL 7 HOUR AS created_at,
       CAST(left(updated_at, 19) AS TIMESTAMP) - INTERVAL 7 HOUR AS updated_at,
       f.silver_at AS processed_ts
FROM ecomm_bronze.customers_raw b JOIN seed_ec_flow_times f ON f.exec_date = b._execution_date
QUALIFY row_number() OVER (PARTITION BY b.customer_id ORDER BY b.updated_at DESC, b._ingested_at DESC) = 1;

CREATE TABLE ecomm_silver.dim_product AS
SELECT CAST(product_id AS INTEGER) AS product_id, product_name, category, CAST(price AS DECIMAL(10, 2)) AS price,
       CAST(left(updated_at, 19) AS TIMESTAMP) - INTERVAL 7 HOUR AS updated_at, f.silver_at AS processed_ts
FROM ecomm_bronze.products_raw b JOIN seed_ec_flow_times f ON f.exec_date = b._execution_date
QUALIFY row_number() OVER (PARTITION BY b.product_id ORDER BY b.updated_at DESC, b._ingested_at DESC) = 1;

CREATE TABLE ecomm_silver.dim_orders AS
WITH latest AS (
  SELECT * FROM ecomm_bronze.orders_raw
  QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC, _ingested_at DESC) = 1
), items AS (
  SELECT CAST(order_id AS BIGINT) AS order_id, count(*) AS item_count FROM ecomm_bronze.order_items_raw GROUP BY ALL
)
SELECT CAST(l.order_id AS BIGINT) AS order_id, CAST(l.customer_id AS BIGINT) AS customer_id, l.order_status,
       CAST(left(l.order_ts, 10) AS DATE) AS order_date,
       CAST(left(l.order_ts, 19) AS TIMESTAMP) - INTERVAL 7 HOUR AS order_ts,
       CAST(left(l.updated_at, 19) AS TIMESTAMP) - INTERVAL 7 HOUR AS updated_at,
       CAST(l.total_amount AS DECIMAL(12, 2)) AS total_amount, CAST(i.item_count AS INTEGER) AS item_count,
       f.silver_at AS processed_ts
FROM latest l JOIN items i ON i.order_id = CAST(l.order_id AS BIGINT) JOIN seed_ec_flow_times f ON f.exec_date = l._execution_date;

-- Order lines with their order's current status (line grain).
CREATE TABLE ecomm_silver.fact_orders AS
SELECT CAST(b.order_item_id AS BIGINT) AS order_item_id, o.order_id, o.customer_id, CAST(b.product_id AS INTEGER) AS product_id,
       o.order_date, o.order_ts, CAST(b.quantity AS INTEGER) AS quantity, CAST(b.unit_price AS DECIMAL(10, 2)) AS unit_price,
       CAST(CAST(b.quantity AS INTEGER) * CAST(b.unit_price AS DECIMAL(10, 2)) AS DECIMAL(12, 2)) AS line_amount,
       o.order_status, o.processed_ts
FROM ecomm_bronze.order_items_raw b JOIN ecomm_silver.dim_orders o ON o.order_id = CAST(b.order_id AS BIGINT);

-- ---------------------------------------------------------------- gold
CREATE TEMP TABLE seed_ec_latest AS
SELECT max(gold_at) AS gold_at FROM seed_ec_flow_times;

CREATE TABLE ecomm_gold.sales_analytics AS
SELECT o.order_id, o.order_date, o.order_ts, o.customer_id, c.city, c.loyalty_tier, o.order_status, o.item_count,
       CAST(sum(f.quantity) AS INTEGER) AS units, CAST(sum(f.line_amount) AS DECIMAL(12, 2)) AS revenue,
       (SELECT gold_at FROM seed_ec_latest) AS processed_ts
FROM ecomm_silver.dim_orders o
JOIN ecomm_silver.fact_orders f USING (order_id)
JOIN ecomm_silver.dim_customer c ON c.customer_id = o.customer_id
GROUP BY ALL;

-- Daily sales per category; cancelled orders are counted but carry no revenue.
CREATE TABLE ecomm_gold.agg_daily_sales AS
SELECT f.order_date, p.category, CAST(count(DISTINCT f.order_id) AS INTEGER) AS orders,
       CAST(count(DISTINCT f.order_id) FILTER (WHERE f.order_status = 'cancelled') AS INTEGER) AS cancelled_orders,
       CAST(coalesce(sum(f.quantity) FILTER (WHERE f.order_status <> 'cancelled'), 0) AS INTEGER) AS units,
       CAST(coalesce(sum(f.line_amount) FILTER (WHERE f.order_status <> 'cancelled'), 0) AS DECIMAL(14, 2)) AS revenue,
       (SELECT gold_at FROM seed_ec_latest) AS processed_ts
FROM ecomm_silver.fact_orders f JOIN ecomm_silver.dim_product p USING (product_id)
GROUP BY ALL;
