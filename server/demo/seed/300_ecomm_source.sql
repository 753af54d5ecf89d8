-- Ecommerce pipeline ecomm_data_pipeline (shared/seeds/004): OLTP Postgres -> S3 daily extracts -> Databricks
-- DLT bronze / silver / gold -> dbt job DailyRefresh (metrics) -> Tableau extracts. This file: the schemas,
-- the run schedule, and the OLTP source as of the latest extract.
--
-- Timeline (ICT = UTC+7): the data day X is an ICT calendar day. Airflow DAG batch_ecomm_pipeline runs at
-- 01:00 ICT on X + 1 (18:00 UTC on X): extract_postgres_to_s3, then run_dlt_pipeline (~2-2.5 h together).
-- dbt Cloud runs DailyRefresh at 05:00 ICT (~20 min); Tableau refreshes its extracts when dbt finishes
-- (< 30 min). Every timestamp in the warehouse is UTC; the bronze CSVs carry the source's +07:00 offsets.
-- The demo keeps 45 data days; the latest is seed_today() - 1.
-- For this pipeline (files 3xx, the last ones) seed_today() is the ICT date: from 17:00 UTC it is the next day,
-- and the runbook resolves "yesterday" in Asia/Bangkok.
CREATE OR REPLACE TEMP MACRO seed_today() AS CAST(getvariable('ecommerce_today') AS DATE);

CREATE SCHEMA ecomm_src;      -- the OLTP Postgres (orders, order_items, customers, products)
CREATE SCHEMA ecomm_bronze;   -- DLT bronze: the S3 CSVs as loaded, strings, with _rescued_data
CREATE SCHEMA ecomm_silver;   -- DLT silver: fact_orders, dim_orders, dim_customer, dim_product
CREATE SCHEMA ecomm_gold;     -- DLT gold: sales_analytics, agg_daily_sales
CREATE SCHEMA ecomm_metrics;  -- dbt DailyRefresh: agg_sales_kpi, agg_product_kpi, agg_customer_kpi
CREATE SCHEMA ecomm_ops;      -- run history per stage, S3 extracts, DLT event log, dbt runs, Tableau refreshes

CREATE TEMP MACRO ec_first() AS seed_today() - 45;
-- Midnight ICT of day d, as a UTC timestamp.
CREATE TEMP MACRO ec_midnight(d) AS CAST(CAST(d AS DATE) AS TIMESTAMP) - INTERVAL 7 HOUR;
-- A UTC timestamp as the source writes it in the CSVs: ICT wall-clock time with its offset.
CREATE TEMP MACRO ec_ict_text(ts) AS strftime(ts + INTERVAL 7 HOUR, '%Y-%m-%dT%H:%M:%S') || '+07:00';

CREATE TEMP TABLE seed_ec_days AS
SELECT CAST(ec_first() + CAST(i AS INTEGER) AS DATE) AS exec_date, CAST(i AS INTEGER) AS dn FROM range(0, 45) t(i);

-- Each night's stages. Extraction starts at 18:00 UTC (01:00 ICT); on two past nights the Postgres
-- connection timed out once and the task retried ten minutes later. The schema change of 20 days ago
-- (customers.loyalty_tier) was rescued by bronze and evolved the next night: no failure.
CREATE TEMP TABLE seed_ec_runs AS
WITH b AS (
  SELECT exec_date, dn,
         ec_midnight(exec_date + 1) + INTERVAL 1 HOUR + to_seconds(pick(dn, 'ec_start', 60)) AS extract_start,
         dn IN (9, 27) AS extract_retried,
         (22 * 60 + pick(dn, 'ec_extract', 12 * 60)) AS extract_s,
         (90 * 60 + pick(dn, 'ec_dlt', 22 * 60)) AS dlt_s,
         (16 * 60 + pick(dn, 'ec_dbt', 8 * 60)) AS dbt_s,
         (60 + pick(dn, 'ec_tab_gap', 120)) AS tableau_gap_s,
         (12 * 60 + pick(dn, 'ec_tab', 14 * 60)) AS tableau_s
  FROM seed_ec_days
)
SELECT exec_date, dn, extract_retried,
       'scheduled__' || strftime(ec_midnight(exec_date) + INTERVAL 1 HOUR, '%Y-%m-%dT%H:%M:%S') || '+00:00' AS run_id,
       extract_start,
       extract_start + to_seconds(CASE WHEN extract_retried THEN 900 + extract_s ELSE extract_s END) AS extract_end,
       extract_start + to_seconds(CASE WHEN extract_retried THEN 900 + extract_s ELSE extract_s END + 90) AS dlt_start,
       extract_start + to_seconds(CASE WHEN extract_retried THEN 900 + extract_s ELSE extract_s END + 90 + dlt_s) AS dlt_end,
       ec_midnight(exec_date + 1) + INTERVAL 5 HOUR + to_seconds(pick(dn, 'ec_dbt_start', 30)) AS dbt_start,
       ec_midnight(exec_date + 1) + INTERVAL 5 HOUR + to_seconds(pick(dn, 'ec_dbt_start', 30) + dbt_s) AS dbt_end,
       ec_midnight(exec_date + 1) + INTERVAL 5 HOUR + to_seconds(pick(dn, 'ec_dbt_start', 30) + dbt_s + tableau_gap_s) AS tableau_start,
       ec_midnight(exec_date + 1) + INTERVAL 5 HOUR + to_seconds(pick(dn, 'ec_dbt_start', 30) + dbt_s + tableau_gap_s + tableau_s) AS tableau_end
FROM b;

-- ---------------------------------------------------------------- the OLTP source
-- 3,000 customers before the window, 25 sign-ups a day; 300 products, five price changes a day.
CREATE TABLE ecomm_src.customers AS
WITH c AS (
  SELECT CAST(i AS BIGINT) AS customer_id,
         CASE WHEN i <= 3000 THEN ec_midnight(ec_first() - 400) + to_seconds((i - 1) * 11500 + pick(i, 'ecc_ts', 3600))
              ELSE ec_midnight(ec_first() + CAST((i - 3001) // 25 AS INTEGER)) + to_seconds(25200 + pick(i, 'ecc_ts', 54000)) END AS created_at
  FROM range(1, 4126) t(i)
)
SELECT customer_id,
       ['Anong', 'Somchai', 'Kanya', 'Niran', 'Ploy', 'Arthit', 'Malee', 'Chai', 'Dao', 'Krit', 'Nok', 'Pim'][1 + pick(customer_id, 'ecc_first', 12)]
         || ' ' || ['Srisuk', 'Chaiyaporn', 'Wongsa', 'Rattana', 'Boonmee', 'Kittisak', 'Suwan', 'Thongdee'][1 + pick(customer_id, 'ecc_last', 8)] AS full_name,
       'cust' || customer_id || '@example.co.th' AS email,
       ['Bangkok', 'Bangkok', 'Bangkok', 'Chiang Mai', 'Phuket', 'Khon Kaen', 'Hat Yai', 'Pattaya'][1 + pick(customer_id, 'ecc_city', 8)] AS city,
       CASE WHEN created_at >= ec_midnight(seed_today() - 20) OR u01(customer_id, 'ecc_has_tier') < 0.4
            THEN ['silver', 'gold', 'platinum'][1 + pick(customer_id, 'ecc_tier', 3)] END AS loyalty_tier,
       created_at, created_at AS updated_at
FROM c;

CREATE TEMP TABLE seed_ec_product_versions AS
WITH base AS (
  SELECT CAST(i AS INTEGER) AS product_id,
         ['Phones', 'Laptops', 'Audio', 'Home', 'Kitchen', 'Beauty', 'Fashion', 'Toys'][1 + pick(i, 'ecp_cat', 8)] AS category,
         CAST(9.90 + pick(i, 'ecp_price', 600) * 1.5 AS DECIMAL(10, 2)) AS base_price
  FROM range(1, 301) t(i)
), changes AS (
  SELECT d.exec_date, d.dn, CAST(1 + pick(d.dn * 10 + k, 'ecp_change', 300) AS INTEGER) AS product_id, k
  FROM seed_ec_days d, range(0, 5) t(k)
)
SELECT b.product_id, b.category, 0 AS version_no, b.base_price AS price, ec_midnight(ec_first() - 300) + to_seconds(b.product_id * 600) AS updated_at
FROM base b
UNION ALL
SELECT c.product_id, b.category, CAST(c.dn * 10 + c.k + 1 AS INTEGER), CAST(b.base_price * (0.9 + 0.05 * pick(c.dn * 10 + c.k, 'ecp_delta', 5)) AS DECIMAL(10, 2)),
       ec_midnight(c.exec_date) + to_seconds(36000 + c.k * 3600)
FROM changes c JOIN base b USING (product_id)
QUALIFY row_number() OVER (PARTITION BY c.exec_date, c.product_id ORDER BY c.k DESC) = 1;

CREATE TABLE ecomm_src.products AS
SELECT product_id, category || ' product ' || product_id AS product_name, category, price,
       ec_midnight(ec_first() - 300) + to_seconds(product_id * 600) AS created_at, updated_at
FROM seed_ec_product_versions
QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY version_no DESC) = 1;

-- About 105 orders a day (more at weekends). Ten per cent are cancelled the next day; the rest are delivered
-- two days after the order. The source holds each order's state as of the latest extract (midnight ICT today).
CREATE TEMP TABLE seed_ec_orders AS
WITH days AS (
  SELECT exec_date, dn,
         CAST(100 * CASE WHEN dayofweek(exec_date) IN (0, 6) THEN 1.15 ELSE 1.0 END * (0.95 + 0.1 * u01(dn, 'eco_n')) AS INTEGER) AS n,
         3000 + 25 * dn AS customers_before
  FROM seed_ec_days
), slots AS (
  SELECT d.*, s, d.dn * 1000 + s AS k FROM days d, range(0, 130) t(s) WHERE s < d.n
)
SELECT 300000 + CAST(row_number() OVER (ORDER BY exec_date, s) AS BIGINT) AS order_id, k, exec_date AS order_date,
       CAST(1 + pick(k, 'eco_customer', customers_before) AS BIGINT) AS customer_id,
       ec_midnight(exec_date) + to_seconds(pick(k, 'eco_secs', 86340)) AS order_ts,
       CASE WHEN u01(k, 'eco_cancel') < 0.10 THEN 'cancelled' ELSE 'delivered' END AS final_status,
       CASE WHEN u01(k, 'eco_cancel') < 0.10 THEN 1 ELSE 2 END AS update_lag_days
FROM slots;

-- Lines keep the price the product had when the order was placed.
CREATE TABLE ecomm_src.order_items AS
WITH l AS (
  SELECT o.order_id, o.order_ts, n, o.k * 10 + n AS lk, CAST(1 + pick(o.k * 10 + n, 'eci_product', 300) AS INTEGER) AS product_id
  FROM seed_ec_orders o CROSS JOIN range(1, 4) t(n)
  WHERE n <= [1, 1, 2, 2, 3][1 + pick(o.k, 'eci_n', 5)]
)
SELECT l.order_id * 10 + l.n AS order_item_id, l.order_id, l.product_id,
       [1, 1, 1, 2, 3][1 + pick(l.lk, 'eci_qty', 5)] AS quantity, v.price AS unit_price,
       l.order_ts AS created_at, l.order_ts AS updated_at
FROM l ASOF JOIN seed_ec_product_versions v ON v.product_id = l.product_id AND v.updated_at <= l.order_ts;

CREATE TABLE ecomm_src.orders AS
WITH t AS (SELECT order_id, sum(quantity * unit_price) AS total FROM ecomm_src.order_items GROUP BY order_id)
SELECT o.order_id, o.customer_id,
       CASE WHEN o.order_date + o.update_lag_days <= seed_today() - 1 THEN o.final_status ELSE 'placed' END AS order_status,
       o.order_ts,
       CASE WHEN o.order_date + o.update_lag_days <= seed_today() - 1
            THEN ec_midnight(o.order_date + o.update_lag_days) + to_seconds(32400 + pick(o.k, 'eco_upd', 36000)) ELSE o.order_ts END AS updated_at,
       CAST(t.total AS DECIMAL(12, 2)) AS total_amount
FROM seed_ec_orders o JOIN t USING (order_id);
