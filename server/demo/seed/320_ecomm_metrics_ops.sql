-- Ecommerce metrics (dbt job DailyRefresh, a full rebuild each night) and the pipeline's run history. The extract
-- files themselves are objects in the demo S3 (server/demo/s3/extracts.ts), not rows here.
--   ecomm_metrics.agg_sales_kpi / agg_product_kpi / agg_customer_kpi   what Tableau reads
--   ecomm_ops.pipeline_runs        one row per night and stage (extract, dlt, dbt, tableau) with durations
--   ecomm_ops.dlt_events           the DLT event log: update start/end, flow progress, expectations
--   ecomm_ops.dbt_runs             dbt Cloud's own record of DailyRefresh runs, one row per run and model (the
--                                  demo dbt Cloud serves its run history from it and appends every run it makes)
--   ecomm_ops.tableau_refreshes    extract refreshes per data source (the demo Tableau's record, with their job ids)
--   ecomm_tableau.*_extract        the extracts the dashboards' published data sources hold (last night's refresh)
--   ops.job_runs                   + batch_ecomm_pipeline's task attempts

-- dbt Cloud's integer run id of each night's DailyRefresh: increasing with the night and a thousand apart, so
-- the runs the demo dbt Cloud makes during a day number above the night's and below the next night's.
CREATE TEMP MACRO ec_dbt_run_id(exec_date) AS CAST(280000000 + datediff('day', DATE '2020-01-01', exec_date) * 1000 AS BIGINT);

CREATE TEMP TABLE seed_ec_dbt_latest AS
SELECT max(dbt_end) - to_seconds(30) AS refreshed_at FROM seed_ec_runs;

CREATE TABLE ecomm_metrics.agg_sales_kpi AS
WITH o AS (
  SELECT order_date AS kpi_date, count(*) AS orders, count(*) FILTER (WHERE order_status = 'cancelled') AS cancelled_orders,
         coalesce(sum(revenue) FILTER (WHERE order_status <> 'cancelled'), 0) AS revenue
  FROM ecomm_gold.sales_analytics GROUP BY ALL
), c AS (
  SELECT CAST(created_at + INTERVAL 7 HOUR AS DATE) AS kpi_date, count(*) AS new_customers FROM ecomm_silver.dim_customer GROUP BY ALL
)
SELECT o.kpi_date, CAST(o.orders AS INTEGER) AS orders, CAST(o.cancelled_orders AS INTEGER) AS cancelled_orders,
       CAST(o.revenue AS DECIMAL(14, 2)) AS revenue,
       CAST(round(o.revenue / nullif(o.orders - o.cancelled_orders, 0), 2) AS DECIMAL(10, 2)) AS avg_order_value,
       CAST(round(o.cancelled_orders * 100.0 / o.orders, 2) AS DECIMAL(6, 2)) AS cancel_rate_pct,
       CAST(coalesce(c.new_customers, 0) AS INTEGER) AS new_customers,
       (SELECT refreshed_at FROM seed_ec_dbt_latest) AS refreshed_at
FROM o LEFT JOIN c USING (kpi_date);

-- Per product and day for the last 14 days, with the trailing 7-day units and revenue.
CREATE TABLE ecomm_metrics.agg_product_kpi AS
WITH d AS (
  SELECT f.order_date AS kpi_date, f.product_id, sum(f.quantity) AS units, sum(f.line_amount) AS revenue
  FROM ecomm_silver.fact_orders f WHERE f.order_status <> 'cancelled' GROUP BY ALL
), w AS (
  SELECT d.*, sum(units) OVER pk7 AS units_7d, sum(revenue) OVER pk7 AS revenue_7d
  FROM d WINDOW pk7 AS (PARTITION BY product_id ORDER BY kpi_date RANGE BETWEEN INTERVAL 6 DAY PRECEDING AND CURRENT ROW)
)
SELECT w.kpi_date, w.product_id, p.category, CAST(w.units AS INTEGER) AS units, CAST(w.revenue AS DECIMAL(12, 2)) AS revenue,
       CAST(w.units_7d AS INTEGER) AS units_7d, CAST(w.revenue_7d AS DECIMAL(14, 2)) AS revenue_7d,
       (SELECT refreshed_at FROM seed_ec_dbt_latest) AS refreshed_at
FROM w JOIN ecomm_silver.dim_product p USING (product_id)
WHERE w.kpi_date >= seed_today() - 14;

CREATE TABLE ecomm_metrics.agg_customer_kpi AS
SELECT s.customer_id, c.city, c.loyalty_tier, min(s.order_date) AS first_order_date, max(s.order_date) AS last_order_date,
       CAST(count(*) FILTER (WHERE s.order_status <> 'cancelled') AS INTEGER) AS orders,
       CAST(coalesce(sum(s.revenue) FILTER (WHERE s.order_status <> 'cancelled'), 0) AS DECIMAL(14, 2)) AS lifetime_revenue,
       (SELECT refreshed_at FROM seed_ec_dbt_latest) AS refreshed_at
FROM ecomm_gold.sales_analytics s JOIN ecomm_silver.dim_customer c USING (customer_id)
GROUP BY ALL;

-- ---------------------------------------------------------------- run history
CREATE TABLE ecomm_ops.pipeline_runs AS
SELECT exec_date AS execution_date, run_id, stage, stage_order, started_at, finished_at,
       CAST(round((epoch(finished_at) - epoch(started_at)) / 60.0, 1) AS DECIMAL(8, 1)) AS duration_min,
       'success' AS status, attempts
FROM (
  SELECT exec_date, run_id, 'extract' AS stage, 1 AS stage_order, extract_start AS started_at, extract_end AS finished_at,
         CASE WHEN extract_retried THEN 2 ELSE 1 END AS attempts FROM seed_ec_runs
  UNION ALL SELECT exec_date, run_id, 'dlt', 2, dlt_start, dlt_end, 1 FROM seed_ec_runs
  UNION ALL SELECT exec_date, CAST(ec_dbt_run_id(exec_date) AS VARCHAR), 'dbt', 3, dbt_start, dbt_end, 1 FROM seed_ec_runs
  UNION ALL SELECT exec_date, 'tableau-' || strftime(exec_date + 1, '%Y%m%d'), 'tableau', 4, tableau_start, tableau_end, 1 FROM seed_ec_runs
);

-- The DLT event log: per update, its start, one flow_progress per flow with output and dropped rows (the
-- silver expectations enforce valid primary keys; none dropped), the schema-evolution warning of 20 days
-- ago, and the completion.
CREATE TABLE ecomm_ops.dlt_events AS
WITH flows AS (
  SELECT * FROM (VALUES
    ('bronze_orders', 'bronze', 1, NULL), ('bronze_order_items', 'bronze', 2, NULL), ('bronze_customers', 'bronze', 3, NULL),
    ('bronze_products', 'bronze', 4, NULL), ('silver_dim_orders', 'silver', 5, 'valid_pk'), ('silver_fact_orders', 'silver', 6, 'valid_pk'),
    ('silver_dim_customer', 'silver', 7, 'valid_pk'), ('silver_dim_product', 'silver', 8, 'valid_pk'),
    ('gold_sales_analytics', 'gold', 9, NULL), ('gold_agg_daily_sales', 'gold', 10, NULL)
  ) t(flow_name, layer, flow_no, expectation)
), out_rows AS (
  SELECT 'bronze_orders' AS flow_name, _execution_date AS d, count(*) AS n FROM ecomm_bronze.orders_raw GROUP BY ALL
  UNION ALL SELECT 'bronze_order_items', _execution_date, count(*) FROM ecomm_bronze.order_items_raw GROUP BY ALL
  UNION ALL SELECT 'bronze_customers', _execution_date, count(*) FROM ecomm_bronze.customers_raw GROUP BY ALL
  UNION ALL SELECT 'bronze_products', _execution_date, count(*) FROM ecomm_bronze.products_raw GROUP BY ALL
), upd AS (
  SELECT r.*, f.bronze_at, f.silver_at, f.gold_at, md5('ecomm_dlt|' || r.exec_date) AS update_id FROM seed_ec_runs r JOIN seed_ec_flow_times f USING (exec_date)
)
SELECT u.exec_date AS execution_date, u.update_id, u.dlt_start AS event_ts, 'INFO' AS level, 'create_update' AS event_type, NULL AS flow_name,
       'Update started (triggered by Airflow run ' || u.run_id || ')' AS message, NULL::BIGINT AS output_rows, NULL::BIGINT AS dropped_records, NULL AS expectation
FROM upd u
UNION ALL
SELECT u.exec_date, u.update_id,
       CASE fl.layer WHEN 'bronze' THEN u.bronze_at WHEN 'silver' THEN u.silver_at ELSE u.gold_at END - to_seconds((10 - fl.flow_no) * 20),
       'INFO', 'flow_progress', fl.flow_name, 'Flow ' || fl.flow_name || ' COMPLETED',
       CASE WHEN fl.layer = 'bronze' THEN coalesce(o.n, 0) END, CASE WHEN fl.expectation IS NOT NULL THEN 0 END, fl.expectation
FROM upd u CROSS JOIN flows fl LEFT JOIN out_rows o ON o.flow_name = fl.flow_name AND o.d = u.exec_date
UNION ALL
SELECT u.exec_date, u.update_id, u.bronze_at - to_seconds(200), 'WARN', 'schema_evolution', 'bronze_customers',
       'Unknown column loyalty_tier in ' || ec_file('customers', u.exec_date) || ' rescued into _rescued_data; the schema evolves on the next update',
       NULL, NULL, NULL
FROM upd u WHERE u.exec_date = seed_today() - 20
UNION ALL
SELECT u.exec_date, u.update_id, u.dlt_end, 'INFO', 'update_progress', NULL, 'Update COMPLETED', NULL, NULL, NULL FROM upd u;

CREATE TABLE ecomm_ops.dbt_runs AS
WITH m AS (
  SELECT * FROM (VALUES ('agg_sales_kpi', 1, 0.30), ('agg_product_kpi', 2, 0.40), ('agg_customer_kpi', 3, 0.30)) t(model_name, model_no, share)
)
SELECT 'DailyRefresh' AS job_name, ec_dbt_run_id(r.exec_date) AS run_id, r.exec_date AS execution_date,
       'Kicked off by schedule' AS trigger, m.model_name,
       r.dbt_start + to_seconds(CAST((epoch(r.dbt_end) - epoch(r.dbt_start)) * (sum(m.share) OVER (PARTITION BY r.exec_date ORDER BY m.model_no) - m.share) AS BIGINT)) AS started_at,
       r.dbt_start + to_seconds(CAST((epoch(r.dbt_end) - epoch(r.dbt_start)) * sum(m.share) OVER (PARTITION BY r.exec_date ORDER BY m.model_no) AS BIGINT)) AS finished_at,
       'success' AS status, r.dbt_start AS run_started_at, r.dbt_end AS run_finished_at,
       3 AS step_index, 'dbt run --select agg_sales_kpi agg_product_kpi agg_customer_kpi' AS invocation, 'OK' AS message
FROM seed_ec_runs r CROSS JOIN m;

-- The demo Tableau's refresh record (its Query Jobs history survives restarts through it): one row per night and
-- data source, each its own refresh job of Tableau's schedule, with a job id shaped as Tableau's (a LUID).
CREATE TABLE ecomm_ops.tableau_refreshes AS
SELECT r.exec_date AS execution_date, t.datasource, r.tableau_start + to_seconds(t.offset_s) AS started_at,
       r.tableau_end - to_seconds(t.end_offset_s) AS finished_at, 'success' AS status, t.source_table,
       regexp_replace(md5('ecomm_tableau|' || r.exec_date || '|' || t.datasource), '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\1-\2-\3-\4-\5') AS job_id
FROM seed_ec_runs r, (VALUES ('Sales KPI', 'ecomm_metrics.agg_sales_kpi', 0, 120), ('Product KPI', 'ecomm_metrics.agg_product_kpi', 20, 0),
                             ('Customer KPI', 'ecomm_metrics.agg_customer_kpi', 40, 60)) t(datasource, source_table, offset_s, end_offset_s);

INSERT INTO ops.job_runs
SELECT 'batch_ecomm_pipeline', run_id, 'extract_postgres_to_s3', exec_date, 1, CASE WHEN extract_retried THEN 'failed' ELSE 'success' END,
       extract_start, CASE WHEN extract_retried THEN extract_start + INTERVAL 5 MINUTE ELSE extract_end END,
       CAST(epoch(CASE WHEN extract_retried THEN extract_start + INTERVAL 5 MINUTE ELSE extract_end END) - epoch(extract_start) AS DOUBLE)
FROM seed_ec_runs
UNION ALL
SELECT 'batch_ecomm_pipeline', run_id, 'extract_postgres_to_s3', exec_date, 2, 'success', extract_start + INTERVAL 15 MINUTE, extract_end,
       CAST(epoch(extract_end) - epoch(extract_start + INTERVAL 15 MINUTE) AS DOUBLE)
FROM seed_ec_runs WHERE extract_retried
UNION ALL
SELECT 'batch_ecomm_pipeline', run_id, 'run_dlt_pipeline', exec_date, 1, 'success', dlt_start, dlt_end, CAST(epoch(dlt_end) - epoch(dlt_start) AS DOUBLE)
FROM seed_ec_runs;
