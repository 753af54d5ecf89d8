-- Retail data warehouse (shared/seeds/002): sources -> bronze (raw files as loaded) -> silver (dbt staging)
-- -> gold (dbt dimensions, facts, marts). This file: the schemas, the retail nightly schedule, and bronze.
--
-- Timeline: the ingestion DAG data_ingestion_bronze runs at 01:30 UTC on batch date D and lands the sources'
-- activity of D - 1; the dbt DAG data_transformation_dbt runs at 03:00 UTC. Retail went live on seed_day0()
-- with a full load of the master data (customers, products, stores); orders start on that day's activity.
-- The `returns` source was onboarded 14 days ago (its first batch is a full load of earlier returns).

CREATE SCHEMA retail_bronze;  -- raw_data: the dbt source; one row per landed record, with file and batch columns
CREATE SCHEMA retail_silver;  -- staging: dbt views stg_* over bronze (cast, clean, latest version per key)
CREATE SCHEMA retail_gold;    -- dimensions, facts and marts (dbt tables; dim_customers is SCD Type 2)
CREATE SCHEMA retail_ops;     -- dbt artifacts (run and test results, source freshness), warehouse usage

CREATE TEMP MACRO rt_returns_onboarded() AS seed_today() - 14;

-- The retail DAGs' tasks: start (seconds after midnight UTC of the batch date) and typical duration.
CREATE TEMP TABLE seed_rt_schedule AS
SELECT * FROM (VALUES
  ('data_ingestion_bronze',  'ingest_customers',      1,  5400, 110, false),
  ('data_ingestion_bronze',  'ingest_products',       2,  5530,  35, false),
  ('data_ingestion_bronze',  'ingest_stores',         3,  5580,  20, false),
  ('data_ingestion_bronze',  'ingest_orders',         4,  5620, 280, true),
  ('data_ingestion_bronze',  'ingest_order_items',    5,  5920, 340, false),
  ('data_ingestion_bronze',  'ingest_returns',        6,  6280,  50, false),
  ('data_ingestion_bronze',  'validate_ingestion',    7,  6350,  45, false),
  ('data_transformation_dbt', 'wait_for_ingestion',   1, 10800,  15, false),
  ('data_transformation_dbt', 'dbt_source_freshness', 2, 10830,  40, false),
  ('data_transformation_dbt', 'dbt_run_staging',      3, 10890,  95, false),
  ('data_transformation_dbt', 'dbt_test_staging',     4, 11000, 120, false),
  ('data_transformation_dbt', 'dbt_run_dimensions',   5, 11140, 260, false),
  ('data_transformation_dbt', 'dbt_run_facts',        6, 11420, 410, true),
  ('data_transformation_dbt', 'dbt_run_marts',        7, 11860, 170, false),
  ('data_transformation_dbt', 'dbt_test_marts',       8, 12050, 150, false)
) t(dag_id, task, task_order, start_s, typical_s, retry_candidate);

-- Every attempt of every retail task. Roughly one night in 45 a retry candidate failed once (source API
-- timeout, warehouse lock) and succeeded on the retry ten minutes later; the last week ran clean.
CREATE TEMP TABLE seed_rt_task_runs AS
WITH base AS (
  SELECT d.business_date, d.day_no, s.*,
         'scheduled__' || strftime(at_sec(d.business_date - 1, min(s.start_s) OVER (PARTITION BY d.business_date, s.dag_id)),
                                   '%Y-%m-%dT%H:%M:%S') || '+00:00' AS run_id,
         s.retry_candidate AND d.day_no BETWEEN 2 AND 113 AND pick(d.day_no * 100 + s.task_order, 'rt_fail_' || s.dag_id, 45) = 0 AS failed_first,
         at_sec(d.business_date, s.start_s + pick(d.day_no, 'rt_start_' || s.dag_id, 30)) AS first_start,
         CAST(s.typical_s * (0.85 + 0.3 * u01(d.day_no * 100 + s.task_order, 'rt_dur_' || s.dag_id)) AS INTEGER) AS secs
  FROM seed_days d CROSS JOIN seed_rt_schedule s
  WHERE (s.task <> 'ingest_returns' OR d.business_date >= rt_returns_onboarded())
    -- Go-live night: the master-data full load only; dbt first ran the night after.
    AND (d.day_no > 0 OR s.task IN ('ingest_customers', 'ingest_products', 'ingest_stores', 'validate_ingestion'))
)
SELECT business_date, day_no, dag_id, run_id, task, task_order, 1 AS try_number,
       CASE WHEN failed_first THEN 'failed' ELSE 'success' END AS state,
       first_start AS started_at,
       first_start + to_seconds(CASE WHEN failed_first THEN 300 ELSE secs END) AS ended_at
FROM base
UNION ALL
SELECT business_date, day_no, dag_id, run_id, task, task_order, 2, 'success',
       first_start + to_seconds(900), first_start + to_seconds(900 + secs)
FROM base WHERE failed_first;

CREATE TEMP TABLE seed_rt_task_ok AS
SELECT business_date, day_no, dag_id, run_id, task, started_at, ended_at FROM seed_rt_task_runs WHERE state = 'success';

-- ---------------------------------------------------------------- master data
-- 8,000 customers existed at go-live; 20 join every day after. Ids follow creation order.
CREATE TEMP TABLE seed_rt_customer_versions AS
WITH base AS (
  SELECT i AS customer_id,
         CAST(CASE WHEN i <= 8000 THEN seed_day0() - 1000 + CAST((i - 1) * 1000 // 8000 AS INTEGER)
                   ELSE seed_day0() + CAST((i - 8001) // 20 AS INTEGER) END AS DATE) AS created_date
  FROM range(1, 10401) t(i)
), changed AS (
  -- One customer in ten moves (city) or changes loyalty tier during the history: an SCD Type 2 change.
  SELECT customer_id, CAST(greatest(created_date + 1, seed_day0() + 1) + pick(customer_id, 'rtc_upd_day', 100) AS DATE) AS event_date
  FROM base WHERE u01(customer_id, 'rtc_upd') < 0.10
)
SELECT b.customer_id, v.version_no, v.event_date, b.created_date,
       ['Ana', 'Ben', 'Chen', 'Dara', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jo', 'Kofi', 'Lena', 'Marco', 'Nia',
        'Omar', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tariq'][1 + pick(b.customer_id, 'rtc_first', 20)] AS first_name,
       ['Garcia', 'Miller', 'Nguyen', 'Okafor', 'Rossi', 'Schmidt', 'Silva', 'Tanaka', 'Walsh', 'Young',
        'Kowalski', 'Haddad'][1 + pick(b.customer_id, 'rtc_last', 12)] AS last_name,
       ['Austin', 'Boston', 'Chicago', 'Denver', 'Miami', 'Portland', 'Seattle', 'Atlanta', 'Phoenix', 'Columbus']
         [1 + CAST((pick(b.customer_id, 'rtc_city', 10) + v.version_no * 3) % 10 AS INTEGER)] AS city,
       ['bronze', 'silver', 'gold'][1 + CAST(least(2, pick(b.customer_id, 'rtc_tier', 4) // 2 + v.version_no) AS INTEGER)] AS loyalty_tier
FROM base b
JOIN (SELECT customer_id, 0 AS version_no, NULL::DATE AS event_date FROM base
      UNION ALL SELECT customer_id, 1, event_date FROM changed WHERE event_date <= seed_today() - 1) v USING (customer_id);

-- 500 products at go-live, one more every second day.
CREATE TEMP TABLE seed_rt_products AS
SELECT i AS product_id, printf('SKU-%05d', i) AS sku,
       ['Grocery', 'Household', 'Beauty', 'Toys', 'Electronics', 'Apparel', 'Garden', 'Sports', 'Books', 'Pet'][1 + pick(i, 'rtp_cat', 10)] AS category,
       ['Acme', 'Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay'][1 + pick(i, 'rtp_brand', 8)] AS brand,
       CAST(3.99 + pick(i, 'rtp_price', 120) * 0.75 AS DECIMAL(10, 2)) AS unit_price,
       CAST(CASE WHEN i <= 500 THEN seed_day0() - 400 + pick(i, 'rtp_created', 380) ELSE seed_day0() + CAST(2 * (i - 500) - 2 AS INTEGER) END AS DATE) AS created_date
FROM range(1, 561) t(i);

-- 30 stores and the web shop (store 31).
CREATE TEMP TABLE seed_rt_stores AS
SELECT i AS store_id, printf('ST-%03d', i) AS store_code,
       CASE WHEN i = 31 THEN 'Web shop'
            ELSE ['Austin', 'Boston', 'Chicago', 'Denver', 'Miami', 'Portland', 'Seattle', 'Atlanta', 'Phoenix', 'Columbus'][1 + (i - 1) % 10]
                 || ' ' || ['Downtown', 'Mall', 'Outlet'][1 + (i - 1) // 10] END AS store_name,
       CASE WHEN i = 31 THEN 'Online' ELSE ['South', 'Northeast', 'Midwest', 'West', 'South', 'West', 'West', 'South', 'West', 'Midwest'][1 + (i - 1) % 10] END AS region,
       CASE WHEN i = 31 THEN 'online' ELSE 'store' END AS store_type,
       CAST(seed_day0() - 2000 + CAST(i * 37 AS INTEGER) AS DATE) AS opened_date
FROM range(1, 32) t(i);

-- ---------------------------------------------------------------- orders, lines, returns (activity)
-- About 120 orders a day (15 % more at weekends), two in five online. Online orders are placed, then shipped (or, 5 %,
-- cancelled) one or two days later: the status update lands as a second bronze row.
CREATE TEMP TABLE seed_rt_orders AS
WITH days AS (
  SELECT activity_date, day_no,
         CAST(110 * CASE WHEN dayofweek(activity_date) IN (0, 6) THEN 1.15 ELSE 1.0 END * (0.95 + 0.10 * u01(day_no, 'rto_n')) AS INTEGER) AS n,
         8000 + 20 * (activity_date - seed_day0()) AS customers_before,
         500 + (activity_date - seed_day0() + 1) // 2 AS products_before
  FROM seed_days WHERE activity_date >= seed_day0() AND activity_date <= seed_today() - 1
), slots AS (
  SELECT d.*, s AS slot, d.day_no * 1000 + s AS k FROM days d, range(0, 160) t(s) WHERE s < d.n
)
SELECT 100000 + CAST(row_number() OVER (ORDER BY activity_date, slot) AS BIGINT) AS order_id, k, activity_date AS order_date,
       products_before,
       CAST(1 + pick(k, 'rto_customer', customers_before) AS BIGINT) AS customer_id,
       CASE WHEN slot % 5 < 2 THEN 'online' ELSE 'store' END AS channel,
       at_sec(activity_date, 28800 + pick(k, 'rto_secs', 50400)) AS order_ts
FROM slots;

CREATE TEMP TABLE seed_rt_lines AS
WITH l AS (
  SELECT o.order_id, o.order_date, o.k, n AS line_no, o.k * 10 + n AS lk, o.products_before
  FROM seed_rt_orders o, range(1, 4) t(n)
  WHERE n <= [1, 1, 2, 2, 3][1 + pick(o.k, 'rtl_n', 5)]
)
SELECT l.order_id * 10 + l.line_no AS order_item_id, l.order_id, l.line_no, l.order_date,
       CAST(1 + pick(l.lk, 'rtl_product', l.products_before) AS INTEGER) AS product_id,
       [1, 1, 1, 2, 2, 3][1 + pick(l.lk, 'rtl_qty', 6)] AS quantity, p.unit_price,
       CASE WHEN u01(l.lk, 'rtl_disc') < 0.12 THEN true ELSE false END AS discounted
FROM l JOIN seed_rt_products p ON p.product_id = 1 + pick(l.lk, 'rtl_product', l.products_before);

CREATE TEMP TABLE seed_rt_order_versions AS
WITH totals AS (
  SELECT order_id,
         CAST(sum(quantity * unit_price - CASE WHEN discounted THEN round(quantity * unit_price * 0.10, 2) ELSE 0 END) AS DECIMAL(12, 2)) AS order_total
  FROM seed_rt_lines GROUP BY order_id
), o AS (
  SELECT o.*, t.order_total, CAST(o.order_date + 1 + pick(o.k, 'rto_ship_lag', 2) AS DATE) AS update_date,
         CASE WHEN u01(o.k, 'rto_cancel') < 0.05 THEN 'CANCELLED' ELSE 'SHIPPED' END AS update_status
  FROM seed_rt_orders o JOIN totals t USING (order_id)
)
SELECT order_id, k, customer_id, channel, order_ts, order_total, order_date AS event_date,
       CASE WHEN channel = 'store' THEN 'COMPLETED' ELSE 'PLACED' END AS status, order_ts AS updated_at
FROM o
UNION ALL
SELECT order_id, k, customer_id, channel, order_ts, order_total, update_date, update_status,
       at_sec(update_date, 25200 + pick(k, 'rto_upd_secs', 36000))
FROM o WHERE channel = 'online' AND update_date <= seed_today() - 1;

-- Three per cent of the orders that were not cancelled come back 3 to 20 days later (a full refund).
CREATE TEMP TABLE seed_rt_returns AS
SELECT 500000 + CAST(row_number() OVER (ORDER BY return_ts, order_id) AS BIGINT) AS return_id, *
FROM (
  SELECT o.order_id, o.customer_id, o.order_total AS refund_amount,
         ['damaged', 'wrong size', 'not as described', 'changed mind'][1 + pick(o.k, 'rtr_reason', 4)] AS reason,
         at_sec(CAST(o.event_date + 3 + pick(o.k, 'rtr_lag', 18) AS DATE), 32400 + pick(o.k, 'rtr_secs', 28800)) AS return_ts
  FROM seed_rt_order_versions o
  WHERE o.status IN ('COMPLETED', 'PLACED') AND u01(o.k, 'rtr_returned') < 0.03
    AND NOT EXISTS (SELECT 1 FROM seed_rt_order_versions c WHERE c.order_id = o.order_id AND c.status = 'CANCELLED')
) WHERE CAST(return_ts AS DATE) <= seed_today() - 1;

-- ---------------------------------------------------------------- bronze
-- Which batch lands a change made on activity date d (the go-live batch carries everything before it).
CREATE TEMP MACRO rt_batch(d) AS greatest(CAST(d AS DATE) + 1, seed_day0());

-- One load per source and batch date, timed by its ingest_<source> task.
CREATE TEMP TABLE seed_rt_loads AS
SELECT business_date AS batch_date, replace(task, 'ingest_', '') AS source_name, run_id, started_at, ended_at,
       ended_at - to_seconds(5) AS loaded_at
FROM seed_rt_task_ok WHERE dag_id = 'data_ingestion_bronze' AND task LIKE 'ingest_%';

-- Files hold at most 100 records: part-NNNN within each source and batch.
CREATE TEMP MACRO rt_file(src, batch, rn) AS
  printf('s3://retail-bronze/%s/batch_date=%s/part-%04d.json.gz', src, strftime(batch, '%Y-%m-%d'), 1 + (rn - 1) // 100);

CREATE TABLE retail_bronze.customers AS
WITH r AS (
  SELECT v.*, rt_batch(coalesce(v.event_date, v.created_date)) AS batch_date,
         CASE WHEN v.version_no = 0 THEN at_sec(v.created_date, 32400 + pick(v.customer_id, 'rtc_cts', 36000))
              ELSE at_sec(v.event_date, 32400 + pick(v.customer_id, 'rtc_uts', 36000)) END AS updated_at
  FROM seed_rt_customer_versions v
  -- A customer who changed before go-live would land only its go-live state; all changes are after it.
)
SELECT CAST(r.customer_id AS BIGINT) AS customer_id, printf('RC%07d', r.customer_id) AS customer_code,
       r.first_name, r.last_name, lower(r.first_name || '.' || r.last_name || r.customer_id) || '@example.net' AS email,
       r.city, r.loyalty_tier, at_sec(r.created_date, 32400 + pick(r.customer_id, 'rtc_cts', 36000)) AS created_at, r.updated_at,
       r.batch_date AS _batch_date,
       rt_file('customers', r.batch_date, row_number() OVER (PARTITION BY r.batch_date ORDER BY r.customer_id)) AS _source_file,
       l.loaded_at AS _loaded_at
FROM r JOIN seed_rt_loads l ON l.source_name = 'customers' AND l.batch_date = r.batch_date;

CREATE TABLE retail_bronze.products AS
SELECT CAST(p.product_id AS INTEGER) AS product_id, p.sku, p.category || ' item ' || p.product_id AS product_name, p.category, p.brand,
       p.unit_price, at_sec(p.created_date, 36000 + pick(p.product_id, 'rtp_cts', 25200)) AS updated_at,
       rt_batch(p.created_date) AS _batch_date,
       rt_file('products', rt_batch(p.created_date), row_number() OVER (PARTITION BY rt_batch(p.created_date) ORDER BY p.product_id)) AS _source_file,
       l.loaded_at AS _loaded_at
FROM seed_rt_products p JOIN seed_rt_loads l ON l.source_name = 'products' AND l.batch_date = rt_batch(p.created_date);

CREATE TABLE retail_bronze.stores AS
SELECT CAST(s.store_id AS INTEGER) AS store_id, s.store_code, s.store_name, s.region, s.store_type, s.opened_date,
       at_sec(s.opened_date, 36000) AS updated_at, seed_day0() AS _batch_date,
       rt_file('stores', seed_day0(), 1) AS _source_file, l.loaded_at AS _loaded_at
FROM seed_rt_stores s JOIN seed_rt_loads l ON l.source_name = 'stores' AND l.batch_date = seed_day0();

CREATE TABLE retail_bronze.orders AS
SELECT o.order_id, o.customer_id, CAST(CASE WHEN o.channel = 'online' THEN 31 ELSE 1 + pick(o.k, 'rto_store', 30) END AS INTEGER) AS store_id,
       o.channel, o.order_ts, o.status, o.order_total, 'USD' AS currency, o.updated_at,
       rt_batch(o.event_date) AS _batch_date,
       rt_file('orders', rt_batch(o.event_date), row_number() OVER (PARTITION BY rt_batch(o.event_date) ORDER BY o.updated_at, o.order_id)) AS _source_file,
       l.loaded_at AS _loaded_at
FROM seed_rt_order_versions o JOIN seed_rt_loads l ON l.source_name = 'orders' AND l.batch_date = rt_batch(o.event_date);

CREATE TABLE retail_bronze.order_items AS
SELECT i.order_item_id, i.order_id, i.line_no, i.product_id, i.quantity, i.unit_price,
       CAST(CASE WHEN i.discounted THEN round(i.quantity * i.unit_price * 0.10, 2) ELSE 0 END AS DECIMAL(10, 2)) AS discount_amount,
       rt_batch(i.order_date) AS _batch_date,
       rt_file('order_items', rt_batch(i.order_date), row_number() OVER (PARTITION BY i.order_date ORDER BY i.order_item_id)) AS _source_file,
       l.loaded_at AS _loaded_at
FROM seed_rt_lines i JOIN seed_rt_loads l ON l.source_name = 'order_items' AND l.batch_date = rt_batch(i.order_date);

CREATE TABLE retail_bronze.returns AS
WITH r AS (
  SELECT *, greatest(CAST(return_ts AS DATE) + 1, rt_returns_onboarded()) AS batch_date FROM seed_rt_returns
)
SELECT r.return_id, r.order_id, r.customer_id, r.return_ts, r.reason, r.refund_amount, r.return_ts AS updated_at,
       r.batch_date AS _batch_date,
       rt_file('returns', r.batch_date, row_number() OVER (PARTITION BY r.batch_date ORDER BY r.return_id)) AS _source_file,
       l.loaded_at AS _loaded_at
FROM r JOIN seed_rt_loads l ON l.source_name = 'returns' AND l.batch_date = r.batch_date;

-- The ingestion log: one row per source, batch and attempt (failed attempts land nothing). Latency is the
-- time from the end of the extracted day (midnight UTC of the batch date) to the load's completion.
CREATE TABLE retail_bronze.ingestion_log AS
WITH landed AS (
  SELECT 'customers' AS source_name, _batch_date AS batch_date, count(*) AS rows_loaded, count(DISTINCT _source_file) AS files FROM retail_bronze.customers GROUP BY ALL
  UNION ALL SELECT 'products', _batch_date, count(*), count(DISTINCT _source_file) FROM retail_bronze.products GROUP BY ALL
  UNION ALL SELECT 'stores', _batch_date, count(*), count(DISTINCT _source_file) FROM retail_bronze.stores GROUP BY ALL
  UNION ALL SELECT 'orders', _batch_date, count(*), count(DISTINCT _source_file) FROM retail_bronze.orders GROUP BY ALL
  UNION ALL SELECT 'order_items', _batch_date, count(*), count(DISTINCT _source_file) FROM retail_bronze.order_items GROUP BY ALL
  UNION ALL SELECT 'returns', _batch_date, count(*), count(DISTINCT _source_file) FROM retail_bronze.returns GROUP BY ALL
), bytes_per_row AS (
  SELECT * FROM (VALUES ('customers', 310), ('products', 240), ('stores', 200), ('orders', 380), ('order_items', 190), ('returns', 260)) t(source_name, b)
)
SELECT t.dag_id, t.task AS task_id, t.run_id, replace(t.task, 'ingest_', '') AS source_name, t.business_date AS batch_date, t.try_number,
       CASE WHEN t.state = 'success' THEN 'SUCCEEDED' ELSE 'FAILED' END AS status,
       CASE WHEN t.state = 'success' THEN coalesce(l.files, 0) ELSE 0 END AS files_landed,
       CASE WHEN t.state = 'success' THEN coalesce(l.rows_loaded, 0) ELSE 0 END AS rows_loaded,
       CASE WHEN t.state = 'success'
            THEN CAST(coalesce(l.rows_loaded, 0) * b.b * (0.95 + 0.1 * u01(t.day_no * 10 + t.task_order, 'rt_bytes')) AS BIGINT)
            ELSE 0 END AS bytes_landed,
       CAST(t.business_date - 1 AS TIMESTAMP) AS window_start, CAST(t.business_date AS TIMESTAMP) AS window_end,
       t.started_at, t.ended_at AS finished_at,
       CAST(round((epoch(t.ended_at) - epoch(CAST(t.business_date AS TIMESTAMP))) / 60.0, 1) AS DECIMAL(8, 1)) AS latency_minutes,
       CASE WHEN t.state = 'success' THEN NULL ELSE 'Source API read timed out after 300 s (HTTP 504); retrying' END AS error_message
FROM seed_rt_task_runs t
JOIN bytes_per_row b ON b.source_name = replace(t.task, 'ingest_', '')
LEFT JOIN landed l ON l.source_name = replace(t.task, 'ingest_', '') AND l.batch_date = t.business_date
WHERE t.dag_id = 'data_ingestion_bronze' AND t.task LIKE 'ingest_%';

-- ---------------------------------------------------------------- the sources, as they delivered
-- What each source system delivered per batch (the files, before loading): the ingestion DAG lands a batch from
-- here, so a retried or backfilled ingestion re-lands exactly what the source sent. Not a dbt source.
CREATE SCHEMA retail_source;
CREATE TABLE retail_source.customers AS SELECT * EXCLUDE (_loaded_at) FROM retail_bronze.customers;
CREATE TABLE retail_source.products AS SELECT * EXCLUDE (_loaded_at) FROM retail_bronze.products;
CREATE TABLE retail_source.stores AS SELECT * EXCLUDE (_loaded_at) FROM retail_bronze.stores;
CREATE TABLE retail_source.orders AS SELECT * EXCLUDE (_loaded_at) FROM retail_bronze.orders;
CREATE TABLE retail_source.order_items AS SELECT * EXCLUDE (_loaded_at) FROM retail_bronze.order_items;
CREATE TABLE retail_source.returns AS SELECT * EXCLUDE (_loaded_at) FROM retail_bronze.returns;
