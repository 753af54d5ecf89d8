-- Aggregates (agg): one row per business date and grain key, written by the nightly aggregate refresh
-- (DAG cdm_aggregate_refresh, one task per table). Each row carries the refresh_ts of the refresh that wrote
-- it, the day's metrics, and rolling 7/30/90-day sums ending on that business date. agg.refresh_log records
-- every refresh attempt, failed ones included.
-- Window names differ per statement (w*, ch*, cm*): DuckDB's multi-statement parser rejects a name reused in
-- a later statement of the same file.

CREATE TEMP TABLE seed_agg_refresh AS
SELECT business_date, replace(task, 'refresh_', '') AS agg_table, ended_at - to_seconds(5) AS refresh_ts
FROM seed_task_ok WHERE dag_id = 'cdm_aggregate_refresh';

CREATE TABLE agg.daily_customer_kpi AS
WITH known AS (
  SELECT business_date, customers_total, customers_new FROM seed_customers_per_day
), c AS (
  SELECT business_date, sum(contacts) AS contacts, sum(delivered) AS delivered FROM seed_daily_contacts GROUP BY ALL
), r AS (
  SELECT business_date, sum(responses) AS responses, sum(conversions) AS conversions, sum(revenue) AS revenue
  FROM seed_daily_responses GROUP BY ALL
), daily AS (
  SELECT k.business_date, k.customers_total, k.customers_new,
         coalesce(c.contacts, 0) AS contacts, coalesce(c.delivered, 0) AS delivered, coalesce(r.responses, 0) AS responses,
         coalesce(r.conversions, 0) AS conversions, CAST(coalesce(r.revenue, 0) AS DECIMAL(14, 2)) AS revenue
  FROM known k LEFT JOIN c USING (business_date) LEFT JOIN r USING (business_date)
)
SELECT d.business_date, d.customers_total, d.customers_new,
       CAST(round(d.customers_new * 100.0 / nullif(d.customers_total - d.customers_new, 0), 3) AS DECIMAL(9, 3)) AS customers_growth_pct,
       d.contacts, d.delivered, d.responses, d.conversions, d.revenue,
       sum(d.contacts) OVER w7 AS contacts_7d, sum(d.contacts) OVER w30 AS contacts_30d, sum(d.contacts) OVER w90 AS contacts_90d,
       sum(d.responses) OVER w7 AS responses_7d, sum(d.responses) OVER w30 AS responses_30d, sum(d.responses) OVER w90 AS responses_90d,
       sum(d.conversions) OVER w7 AS conversions_7d, sum(d.conversions) OVER w30 AS conversions_30d,
       sum(d.conversions) OVER w90 AS conversions_90d,
       sum(d.revenue) OVER w7 AS revenue_7d, sum(d.revenue) OVER w30 AS revenue_30d, sum(d.revenue) OVER w90 AS revenue_90d,
       a.refresh_ts
FROM daily d
JOIN seed_agg_refresh a ON a.business_date = d.business_date AND a.agg_table = 'daily_customer_kpi'
WHERE d.business_date > seed_day0()  -- no activity before go-live
WINDOW w7 AS (ORDER BY d.business_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW),
       w30 AS (ORDER BY d.business_date ROWS BETWEEN 29 PRECEDING AND CURRENT ROW),
       w90 AS (ORDER BY d.business_date ROWS BETWEEN 89 PRECEDING AND CURRENT ROW);

CREATE TABLE agg.daily_channel_metrics AS
WITH grid AS (
  SELECT d.business_date, ch.channel_id, ch.channel_code
  FROM seed_days d CROSS JOIN cdm_interface.channel ch WHERE d.business_date > seed_day0()
), c AS (
  SELECT business_date, channel_id, sum(contacts) AS contacts, sum(delivered) AS delivered FROM seed_daily_contacts GROUP BY ALL
), r AS (
  SELECT business_date, channel_id, sum(responses) AS responses, sum(conversions) AS conversions, sum(revenue) AS revenue
  FROM seed_daily_responses GROUP BY ALL
), daily AS (
  SELECT g.business_date, g.channel_id, g.channel_code, coalesce(c.contacts, 0) AS contacts, coalesce(c.delivered, 0) AS delivered,
         coalesce(r.responses, 0) AS responses, coalesce(r.conversions, 0) AS conversions,
         CAST(coalesce(r.revenue, 0) AS DECIMAL(14, 2)) AS revenue
  FROM grid g LEFT JOIN c USING (business_date, channel_id) LEFT JOIN r USING (business_date, channel_id)
)
SELECT d.business_date, d.channel_id, d.channel_code, d.contacts, d.delivered, d.responses, d.conversions, d.revenue,
       sum(d.contacts) OVER ch7 AS contacts_7d, sum(d.contacts) OVER ch30 AS contacts_30d, sum(d.contacts) OVER ch90 AS contacts_90d,
       sum(d.responses) OVER ch7 AS responses_7d, sum(d.responses) OVER ch30 AS responses_30d, sum(d.responses) OVER ch90 AS responses_90d,
       sum(d.revenue) OVER ch7 AS revenue_7d, sum(d.revenue) OVER ch30 AS revenue_30d, sum(d.revenue) OVER ch90 AS revenue_90d,
       a.refresh_ts
FROM daily d
JOIN seed_agg_refresh a ON a.business_date = d.business_date AND a.agg_table = 'daily_channel_metrics'
WINDOW ch7 AS (PARTITION BY d.channel_id ORDER BY d.business_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW),
       ch30 AS (PARTITION BY d.channel_id ORDER BY d.business_date ROWS BETWEEN 29 PRECEDING AND CURRENT ROW),
       ch90 AS (PARTITION BY d.channel_id ORDER BY d.business_date ROWS BETWEEN 89 PRECEDING AND CURRENT ROW);

-- One row per campaign and channel from its first contact until 90 days after its last, so the rolling
-- windows run out naturally once a campaign stops sending.
CREATE TABLE agg.daily_campaign_metrics AS
WITH span AS (
  SELECT campaign_id, channel_id, min(business_date) AS first_bd, max(business_date) AS last_bd
  FROM seed_daily_contacts GROUP BY ALL
), grid AS (
  SELECT d.business_date, s.campaign_id, s.channel_id
  FROM span s JOIN seed_days d ON d.business_date BETWEEN s.first_bd AND s.last_bd + 89
), c AS (
  SELECT business_date, campaign_id, channel_id, sum(contacts) AS contacts FROM seed_daily_contacts GROUP BY ALL
), r AS (
  SELECT business_date, campaign_id, channel_id, sum(responses) AS responses, sum(conversions) AS conversions,
         sum(revenue) AS revenue
  FROM seed_daily_responses GROUP BY ALL
), daily AS (
  SELECT g.business_date, g.campaign_id, g.channel_id, coalesce(c.contacts, 0) AS contacts,
         coalesce(r.responses, 0) AS responses, coalesce(r.conversions, 0) AS conversions,
         CAST(coalesce(r.revenue, 0) AS DECIMAL(14, 2)) AS revenue
  FROM grid g LEFT JOIN c USING (business_date, campaign_id, channel_id) LEFT JOIN r USING (business_date, campaign_id, channel_id)
)
SELECT d.business_date, d.campaign_id, d.channel_id, d.contacts, d.responses, d.conversions, d.revenue,
       sum(d.contacts) OVER cm7 AS contacts_7d, sum(d.contacts) OVER cm30 AS contacts_30d, sum(d.contacts) OVER cm90 AS contacts_90d,
       sum(d.responses) OVER cm7 AS responses_7d, sum(d.responses) OVER cm30 AS responses_30d, sum(d.responses) OVER cm90 AS responses_90d,
       sum(d.conversions) OVER cm7 AS conversions_7d, sum(d.conversions) OVER cm30 AS conversions_30d,
       sum(d.conversions) OVER cm90 AS conversions_90d,
       sum(d.revenue) OVER cm7 AS revenue_7d, sum(d.revenue) OVER cm30 AS revenue_30d, sum(d.revenue) OVER cm90 AS revenue_90d,
       a.refresh_ts
FROM daily d
JOIN seed_agg_refresh a ON a.business_date = d.business_date AND a.agg_table = 'daily_campaign_metrics'
WINDOW cm7 AS (PARTITION BY d.campaign_id, d.channel_id ORDER BY d.business_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW),
       cm30 AS (PARTITION BY d.campaign_id, d.channel_id ORDER BY d.business_date ROWS BETWEEN 29 PRECEDING AND CURRENT ROW),
       cm90 AS (PARTITION BY d.campaign_id, d.channel_id ORDER BY d.business_date ROWS BETWEEN 89 PRECEDING AND CURRENT ROW);

CREATE TABLE agg.refresh_log AS
WITH written AS (
  SELECT 'daily_customer_kpi' AS agg_table, business_date, count(*) AS n FROM agg.daily_customer_kpi GROUP BY ALL
  UNION ALL SELECT 'daily_channel_metrics', business_date, count(*) FROM agg.daily_channel_metrics GROUP BY ALL
  UNION ALL SELECT 'daily_campaign_metrics', business_date, count(*) FROM agg.daily_campaign_metrics GROUP BY ALL
)
SELECT replace(t.task, 'refresh_', '') AS agg_table, t.business_date, t.dag_id, t.run_id, t.try_number,
       CASE WHEN t.state = 'success' THEN 'SUCCEEDED' ELSE 'FAILED' END AS status,
       t.started_at, t.ended_at AS finished_at,
       CASE WHEN t.state = 'success' THEN coalesce(w.n, 0) ELSE 0 END AS rows_written,
       CASE WHEN t.state = 'success' THEN NULL ELSE 'Snowflake warehouse suspended during refresh; retried' END AS error_message
FROM seed_task_runs t
LEFT JOIN written w ON w.agg_table = replace(t.task, 'refresh_', '') AND w.business_date = t.business_date
WHERE t.dag_id = 'cdm_aggregate_refresh';
