-- Investor-facing aggregates (shared/seeds/003): Profit, Growth and Engagement. This file: the schemas, the
-- investor DAGs' schedule, and the sources they read.
--
-- Timeline: a report date R is a complete UTC day. The daily DAGs run on R + 1 (profit 05:00, growth 05:30,
-- engagement 06:00 UTC) and must be ready by their SLA (08:00, 08:30, 09:00 UTC). Month and quarter closes run
-- at 10:00 UTC on the first business day after the close (SLA 12:00 UTC). The demo keeps 200 report dates of
-- transactions and users, and the last 62 of sessions (7 of raw events).
--
-- Profit is on a posting basis: a day's figures are the orders placed that day minus the refunds posted that
-- day, less the day's costs, so a late refund never rewrites an earlier day; it is a missing refund on the day
-- it was posted until that day is re-run.

CREATE SCHEMA investor_src;  -- what the pipelines read: transactions DB, cost feed, users, churn logs, marketing API
CREATE SCHEMA investor;      -- facts and aggregates (fact_orders, fact_costs, agg_profit_*, fact_growth, agg_growth*, fact_sessions, fact_events, agg_engagement*)
CREATE SCHEMA investor_ops;  -- SLAs, refresh log, source arrivals, validated totals, Kafka lag, event schema mappings

CREATE TEMP MACRO inv_first() AS seed_today() - 200;      -- first report date
CREATE TEMP MACRO inv_sessions_from() AS seed_today() - 62;
CREATE TEMP MACRO inv_events_from() AS seed_today() - 7;
-- The first business day (Mon-Fri) on or after d.
CREATE TEMP MACRO inv_business_day(d) AS CAST(d AS DATE) + CASE dayofweek(d) WHEN 6 THEN 2 WHEN 0 THEN 1 ELSE 0 END;

CREATE TEMP TABLE seed_inv_days AS
SELECT CAST(inv_first() + CAST(i AS INTEGER) AS DATE) AS report_date, CAST(inv_first() + CAST(i AS INTEGER) + 1 AS DATE) AS run_date,
       CAST(i AS INTEGER) AS rn
FROM range(0, 200) t(i);

CREATE TEMP TABLE seed_inv_schedule AS
SELECT * FROM (VALUES
  ('investor_profit_aggregate',     'extract_orders',           1, 18000, 280, false),
  ('investor_profit_aggregate',     'extract_refunds',          2, 18300,  90, false),
  ('investor_profit_aggregate',     'extract_costs',            3, 18400, 200, false),
  ('investor_profit_aggregate',     'load_staging',             4, 18620, 300, false),
  ('investor_profit_aggregate',     'build_fact_orders',        5, 18940, 400, false),
  ('investor_profit_aggregate',     'build_fact_costs',         6, 19360, 330, false),
  ('investor_profit_aggregate',     'compute_unit_profit',      7, 19710, 280, false),
  ('investor_profit_aggregate',     'aggregate_profit_daily',   8, 20010, 220, false),
  ('investor_profit_aggregate',     'dbt_test_profit',          9, 20250, 160, false),
  ('investor_growth_aggregate',     'extract_registrations',    1, 19800, 200, false),
  ('investor_growth_aggregate',     'extract_churn',            2, 20010, 120, false),
  ('investor_growth_aggregate',     'pull_marketing_api',       3, 20140, 420, true),
  ('investor_growth_aggregate',     'build_fact_growth',        4, 20580, 300, false),
  ('investor_growth_aggregate',     'aggregate_growth',         5, 20900, 180, false),
  ('investor_growth_aggregate',     'dbt_test_growth',          6, 21100, 120, false),
  ('investor_engagement_aggregate', 'check_kafka_ingestion',    1, 21600,  60, false),
  ('investor_engagement_aggregate', 'load_raw_events',          2, 21670, 900, false),
  ('investor_engagement_aggregate', 'build_fact_sessions',      3, 22590, 600, true),
  ('investor_engagement_aggregate', 'build_fact_events',        4, 23200, 700, false),
  ('investor_engagement_aggregate', 'aggregate_engagement',     5, 23920, 400, false),
  ('investor_engagement_aggregate', 'dbt_test_engagement',      6, 24340, 180, false)
) t(dag_id, task, task_order, start_s, typical_s, retry_candidate);

-- Every attempt of every daily task. About one run in 40 a retry candidate failed once (marketing API rate
-- limit, lost Spark executor) and succeeded 15 minutes later, well inside the SLA; the last week ran clean.
CREATE TEMP TABLE seed_inv_task_runs AS
WITH base AS (
  SELECT d.report_date, d.run_date, d.rn, s.*,
         'scheduled__' || strftime(at_sec(d.report_date, min(s.start_s) OVER (PARTITION BY d.rn, s.dag_id)), '%Y-%m-%dT%H:%M:%S') || '+00:00' AS run_id,
         s.retry_candidate AND d.rn < 192 AND pick(d.rn * 100 + s.task_order, 'inv_fail_' || s.dag_id, 40) = 0 AS failed_first,
         at_sec(d.run_date, s.start_s + pick(d.rn, 'inv_start_' || s.dag_id, 40)) AS first_start,
         CAST(s.typical_s * (0.85 + 0.3 * u01(d.rn * 100 + s.task_order, 'inv_dur_' || s.dag_id)) AS INTEGER) AS secs
  FROM seed_inv_days d CROSS JOIN seed_inv_schedule s
  WHERE s.dag_id <> 'investor_engagement_aggregate' OR d.report_date >= inv_sessions_from()
)
SELECT report_date, run_date, rn, dag_id, run_id, task, task_order, 1 AS try_number,
       CASE WHEN failed_first THEN 'failed' ELSE 'success' END AS state,
       first_start AS started_at, first_start + to_seconds(CASE WHEN failed_first THEN 240 ELSE secs END) AS ended_at
FROM base
UNION ALL
SELECT report_date, run_date, rn, dag_id, run_id, task, task_order, 2, 'success',
       first_start + to_seconds(900), first_start + to_seconds(900 + secs)
FROM base WHERE failed_first;

-- Start and end of each successful daily run, per pipeline and report date.
CREATE TEMP TABLE seed_inv_runs AS
SELECT dag_id, report_date, run_date, rn, run_id, min(started_at) AS started_at, max(ended_at) AS finished_at
FROM seed_inv_task_runs GROUP BY ALL;

-- ---------------------------------------------------------------- transactions (orders, refunds) and costs
-- About 70 orders a day in four regions. Refunds (2 % of orders, mostly half the amount) post 2-25 days later.
CREATE TABLE investor_src.orders AS
WITH days AS (
  SELECT report_date, rn, CAST(70 * (0.97 + 0.06 * u01(rn, 'ip_n')) AS INTEGER) AS n FROM seed_inv_days
), slots AS (
  SELECT d.report_date, d.rn, s, d.rn * 1000 + s AS k FROM days d, range(0, 80) t(s) WHERE s < d.n
)
SELECT 7000000 + CAST(row_number() OVER (ORDER BY report_date, s) AS BIGINT) AS order_id,
       at_sec(report_date, 300 + pick(k, 'ip_secs', 85800)) AS order_ts,
       ['NA', 'NA', 'NA', 'NA', 'EU', 'EU', 'EU', 'APAC', 'APAC', 'LATAM'][1 + pick(k, 'ip_region', 10)] AS region,
       ['web', 'app', 'marketplace'][1 + pick(k, 'ip_channel', 3)] AS channel,
       CAST(60 + pick(k, 'ip_amount', 4000) / 100.0 AS DECIMAL(12, 2)) AS amount, 'USD' AS currency, 'COMPLETED' AS status
FROM slots;

CREATE TABLE investor_src.refunds AS
WITH r AS (
  SELECT o.*, CAST(CAST(o.order_ts AS DATE) + 2 + pick(o.order_id, 'ir_lag', 24) AS DATE) AS refund_date
  FROM investor_src.orders o WHERE u01(o.order_id, 'ir_refunded') < 0.02
)
SELECT 900000 + CAST(row_number() OVER (ORDER BY refund_date, order_id) AS BIGINT) AS refund_id, order_id, region,
       at_sec(refund_date, 3600 + pick(order_id, 'ir_secs', 79200)) AS refund_ts, refund_date,
       CAST(amount * CASE WHEN u01(order_id, 'ir_half') < 0.75 THEN 0.5 ELSE 1 END AS DECIMAL(12, 2)) AS amount,
       ['damaged', 'late delivery', 'not as described', 'duplicate charge'][1 + pick(order_id, 'ir_reason', 4)] AS reason
FROM r WHERE refund_date <= seed_today() - 1;

-- Per-order costs (fulfilment, platform fee; return handling per refund): the cost system sends them as a
-- daily feed per region and cost type, which the pipeline allocates back to orders in fact_costs.
CREATE TEMP TABLE seed_inv_order_costs AS
SELECT order_id, CAST(order_ts AS DATE) AS cost_date, region,
       CAST(amount * (0.45 + 0.12 * u01(order_id, 'ic_fulfil')) AS DECIMAL(12, 2)) AS fulfillment_cost,
       CAST(amount * 0.029 + 0.30 AS DECIMAL(12, 2)) AS platform_fee
FROM investor_src.orders;

-- The cost system's items behind the feed: what build_fact_costs allocates (a region's items count only once its
-- feed for the day has arrived).
CREATE TABLE investor_src.cost_items AS SELECT * FROM seed_inv_order_costs;

CREATE TABLE investor_src.cost_feed AS
WITH c AS (
  SELECT cost_date, region, 'fulfillment' AS cost_type, sum(fulfillment_cost) AS amount, count(*) AS items FROM seed_inv_order_costs GROUP BY ALL
  UNION ALL SELECT cost_date, region, 'platform_fee', sum(platform_fee), count(*) FROM seed_inv_order_costs GROUP BY ALL
  UNION ALL SELECT refund_date, region, 'returns', sum(CAST(6.50 + amount * 0.05 AS DECIMAL(12, 2))), count(*) FROM investor_src.refunds GROUP BY ALL
)
SELECT cost_date, region, cost_type, CAST(amount AS DECIMAL(14, 2)) AS amount, CAST(items AS INTEGER) AS items,
       at_sec(cost_date + 1, 14400 + pick(epoch(cost_date)::BIGINT + length(region) * 7 + length(cost_type), 'icf_arrival', 2400)) AS received_at
FROM c;

-- ---------------------------------------------------------------- users, churn, marketing attribution
-- 8,000 users before the window, then about 40 sign-ups a day; ids follow sign-up order. About 13 earlier
-- users churn every day (a fixed permutation of ids 1..8,000, so nobody churns twice).
CREATE TEMP TABLE seed_inv_signups AS
SELECT report_date, rn, CAST(40 * (0.95 + 0.10 * u01(rn, 'iu_n')) AS INTEGER) AS n_new,
       CAST(13 * (0.95 + 0.10 * u01(rn, 'iu_churn')) AS INTEGER) AS n_churn
FROM seed_inv_days;

CREATE TABLE investor_src.users AS
WITH existing AS (
  SELECT CAST(i AS BIGINT) AS user_id, CAST(inv_first() - 900 + CAST((i - 1) * 900 // 8000 AS INTEGER) AS DATE) AS first_seen_date
  FROM range(1, 8001) t(i)
), new AS (
  SELECT s.report_date AS first_seen_date, k
  FROM seed_inv_signups s, range(0, 45) t(k) WHERE k < s.n_new
), numbered AS (
  SELECT user_id, first_seen_date FROM existing
  UNION ALL
  SELECT 8000 + row_number() OVER (ORDER BY first_seen_date, k), first_seen_date FROM new
)
SELECT user_id, first_seen_date, at_sec(first_seen_date, 600 + pick(user_id, 'iu_secs', 85000)) AS signup_ts,
       ['organic', 'organic', 'paid_search', 'paid_social', 'referral', 'affiliate', 'email'][1 + pick(user_id, 'iu_channel', 7)] AS signup_channel,
       ['NA', 'NA', 'NA', 'NA', 'EU', 'EU', 'EU', 'APAC', 'APAC', 'LATAM'][1 + pick(user_id, 'iu_region', 10)] AS region,
       ['web', 'ios', 'android'][1 + pick(user_id, 'iu_platform', 3)] AS platform
FROM numbered;

CREATE TABLE investor_src.churn_log AS
WITH c AS (
  SELECT report_date, n_churn, sum(n_churn) OVER (ORDER BY report_date) - n_churn AS churned_before FROM seed_inv_signups
), slots AS (
  SELECT c.report_date, k, c.churned_before + k AS seq FROM c, range(0, 15) t(k) WHERE k < c.n_churn
)
SELECT CAST(1 + (seq * 7919) % 8000 AS BIGINT) AS user_id, report_date AS churn_date,
       at_sec(report_date, 1800 + pick(seq, 'ich_secs', 82000)) AS churned_at,
       ['subscription_cancelled', 'inactive_90d', 'account_closed'][1 + pick(seq, 'ich_reason', 3)] AS churn_reason
FROM slots;

-- The marketing APIs attribute paid sign-ups (paid search, paid social, affiliate) to a campaign.
CREATE TABLE investor_src.marketing_attribution AS
SELECT u.user_id, CASE u.signup_channel WHEN 'paid_search' THEN 'google_ads' WHEN 'paid_social' THEN 'meta_ads' ELSE 'impact_affiliates' END AS api_name,
       printf('%s-%03d', upper(left(u.signup_channel, 4)), 1 + pick(u.user_id, 'ima_campaign', 40)) AS campaign_code,
       u.signup_ts - to_seconds(60 + pick(u.user_id, 'ima_click', 7200)) AS click_ts, u.first_seen_date AS report_date
FROM investor_src.users u
WHERE u.first_seen_date >= inv_first() AND u.signup_channel IN ('paid_search', 'paid_social', 'affiliate');
