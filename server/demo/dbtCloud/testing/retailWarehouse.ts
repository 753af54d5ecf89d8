/**
 * A small retail warehouse for the demo dbt Cloud's tests: enough staging, dimensions and last night's facts
 * for fact_orders and what is built on it, and the test definitions the project's artifacts record.
 */
export const RETAIL_WAREHOUSE = `
create schema retail_silver; create schema retail_gold; create schema retail_ops;
create table retail_silver.stg_orders (order_id bigint, customer_id bigint, store_id integer, channel varchar, order_ts timestamp, order_date date, status varchar, order_total decimal(12,2), updated_at timestamp);
insert into retail_silver.stg_orders values
  (1, 10, 1, 'web', '2026-11-29 10:00:00', '2026-11-29', 'completed', 20, '2026-11-29 10:00:00'),
  (2, 10, 1, 'web', '2026-11-30 10:00:00', '2026-11-30', 'completed', 30, '2026-11-30 10:00:00'),
  (3, 11, 1, 'store', '2026-12-01 09:00:00', '2026-12-01', 'completed', 15, '2026-12-01 09:00:00');
create table retail_silver.stg_returns (return_id bigint, order_id bigint, return_date date, customer_id bigint, reason varchar, refund_amount decimal(12,2));
insert into retail_silver.stg_returns values (7, 2, '2026-12-01', 10, 'damaged', 30);
create table retail_gold.fact_order_items (order_item_id bigint, order_id bigint, order_date date, quantity integer, gross_amount decimal(12,2), discount_amount decimal(12,2), net_amount decimal(12,2));
insert into retail_gold.fact_order_items values (1, 1, '2026-11-29', 1, 20, 0, 20), (2, 2, '2026-11-30', 2, 30, 0, 30), (3, 3, '2026-12-01', 1, 15, 0, 15);
create table retail_gold.dim_stores (store_sk varchar, store_id integer, store_name varchar, region varchar);
insert into retail_gold.dim_stores values ('s1', 1, 'Hanoi Old Quarter', 'north');
create table retail_gold.dim_customers (customer_sk varchar, customer_id bigint, valid_from timestamp, valid_to timestamp, is_current boolean);
insert into retail_gold.dim_customers values ('c10', 10, '2026-01-01', null, true), ('c11', 11, '2026-01-01', null, true);
-- Last night's facts: a stale figure on 2026-11-29 (outside the backfill below) and none yet for 11-30 and 12-01.
create table retail_gold.fact_orders as select 1::bigint as order_id, date '2026-11-29' as order_date, 20261129 as date_key, timestamp '2026-11-29 10:00:00' as order_ts,
  'c10' as customer_sk, 10::bigint as customer_id, 's1' as store_sk, 1 as store_id, 'web' as channel, 'completed' as status, 1 as line_count, 1 as units,
  20.00::decimal(12,2) as gross_amount, 0.00::decimal(12,2) as discount_amount, 99.00::decimal(12,2) as net_amount, timestamp '2026-11-29 10:00:00' as source_updated_at,
  timestamp '2026-11-30 03:00:00' as _dbt_updated_at;
-- The project's artifacts, as the seed's retail_ops holds them: one earlier night's test invocation defines the tests.
create table retail_ops.dbt_run_results (invocation_id varchar, dag_id varchar, run_id varchar, task_id varchar, batch_date date, target varchar, model_name varchar,
  layer varchar, materialization varchar, status varchar, started_at timestamp, completed_at timestamp, execution_time_s double, rows_affected bigint, message varchar);
create table retail_ops.dbt_test_results (invocation_id varchar, run_id varchar, task_id varchar, batch_date date, test_name varchar, model_name varchar, column_name varchar,
  test_type varchar, status varchar, failures integer, severity varchar, executed_at timestamp, execution_time_s decimal(6,2));
insert into retail_ops.dbt_test_results values
  (md5('night'), 'scheduled__2026-11-30', 'dbt_test_marts', '2026-12-01', 'unique_fact_orders_order_id', 'fact_orders', 'order_id', 'unique', 'pass', 0, 'error', '2026-12-01 03:20:00', 1.2),
  (md5('night'), 'scheduled__2026-11-30', 'dbt_test_marts', '2026-12-01', 'assert_mart_revenue_matches_fact_orders', 'mart_daily_sales', null, 'singular', 'pass', 0, 'error', '2026-12-01 03:20:00', 1.2),
  (md5('night'), 'scheduled__2026-11-30', 'dbt_test_staging', '2026-12-01', 'unique_stg_orders_order_id', 'stg_orders', 'order_id', 'unique', 'pass', 0, 'error', '2026-12-01 03:10:00', 1.2);
-- The unique test of staging reads bronze, as the project's does.
create schema retail_bronze; create table retail_bronze.orders as select order_id, updated_at from retail_silver.stg_orders;
`;
