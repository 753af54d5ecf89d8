-- Investor operations data: the SLAs, every refresh with its deadline, when each source arrived, the
-- marketing API pulls, the totals of the last validated run ("last known good"), and the job history.
--   investor_ops.sla                  deadline per pipeline and grain
--   investor_ops.refresh_log          one row per successful refresh (daily per report date, monthly, quarterly)
--   investor_ops.source_ingestion     when each source's data for a report date landed, and what it held
--   investor_ops.marketing_api_pulls  every batch request of the marketing API pulls, retries included
--   investor_ops.validated_totals     headline totals per report date as validated by the run's dbt tests
--   ops.job_runs                      + the investor DAGs' task attempts

CREATE TABLE investor_ops.sla AS
SELECT * FROM (VALUES
  ('profit-aggregate',     'investor_profit_aggregate',     'daily',     TIME '08:00:00', 'Report date R ready by 08:00 UTC on R + 1'),
  ('profit-aggregate',     'investor_monthly_close',        'monthly',   TIME '12:00:00', 'By 12:00 UTC on the first business day after the month closes'),
  ('profit-aggregate',     'investor_monthly_close',        'quarterly', TIME '12:00:00', 'By 12:00 UTC on the first business day after the quarter closes'),
  ('growth-aggregate',     'investor_growth_aggregate',     'daily',     TIME '08:30:00', 'Report date R ready by 08:30 UTC on R + 1'),
  ('growth-aggregate',     'investor_monthly_close',        'monthly',   TIME '12:00:00', 'By 12:00 UTC on the first business day after the month closes'),
  ('engagement-aggregate', 'investor_engagement_aggregate', 'daily',     TIME '09:00:00', 'Report date R ready by 09:00 UTC on R + 1'),
  ('engagement-aggregate', 'investor_monthly_close',        'monthly',   TIME '12:00:00', 'Monthly MAU by 12:00 UTC at month close')
) t(pipeline, dag_id, grain, deadline_utc, rule);

CREATE TEMP TABLE seed_inv_close_tasks AS
SELECT c.*, t.task, t.offset_s, t.secs
FROM seed_inv_closes c
JOIN (VALUES ('monthly', 'aggregate_profit_monthly', 0, 540), ('quarterly', 'aggregate_profit_quarterly', 560, 520),
             ('monthly', 'aggregate_growth_monthly', 1100, 400), ('monthly', 'aggregate_engagement_monthly', 1520, 480)) t(grain, task, offset_s, secs)
  ON t.grain = c.grain
WHERE t.task <> 'aggregate_engagement_monthly' OR c.period_start >= inv_sessions_from();

CREATE TABLE investor_ops.refresh_log AS
WITH daily AS (
  SELECT CASE r.dag_id WHEN 'investor_profit_aggregate' THEN 'profit-aggregate'
                       WHEN 'investor_growth_aggregate' THEN 'growth-aggregate' ELSE 'engagement-aggregate' END AS pipeline,
         'daily' AS grain,
         CASE r.dag_id WHEN 'investor_profit_aggregate' THEN 'investor.agg_profit_daily'
                       WHEN 'investor_growth_aggregate' THEN 'investor.agg_growth' ELSE 'investor.agg_engagement' END AS target_table,
         r.dag_id, r.run_id, r.report_date AS period_start, r.report_date AS period_end, r.run_date, r.started_at, r.finished_at
  FROM seed_inv_runs r
), closes AS (
  SELECT CASE WHEN task LIKE '%profit%' THEN 'profit-aggregate' WHEN task LIKE '%growth%' THEN 'growth-aggregate' ELSE 'engagement-aggregate' END,
         grain,
         CASE task WHEN 'aggregate_profit_monthly' THEN 'investor.agg_profit_monthly' WHEN 'aggregate_profit_quarterly' THEN 'investor.agg_profit_quarterly'
                   WHEN 'aggregate_growth_monthly' THEN 'investor.agg_growth_monthly' ELSE 'investor.agg_engagement_monthly' END,
         'investor_monthly_close', run_id, period_start, period_end, run_date,
         at_sec(run_date, 36000 + offset_s), at_sec(run_date, 36000 + offset_s + secs)
  FROM seed_inv_close_tasks
), written AS (
  SELECT 'investor.agg_profit_daily' AS target_table, order_date AS period_start, count(*) AS n FROM investor.agg_profit_daily GROUP BY ALL
  UNION ALL SELECT 'investor.agg_growth', date, count(*) FROM investor.agg_growth GROUP BY ALL
  UNION ALL SELECT 'investor.agg_engagement', session_date, count(*) FROM investor.agg_engagement GROUP BY ALL
  UNION ALL SELECT 'investor.agg_profit_monthly', month_start, count(*) FROM investor.agg_profit_monthly GROUP BY ALL
  UNION ALL SELECT 'investor.agg_profit_quarterly', quarter_start, count(*) FROM investor.agg_profit_quarterly GROUP BY ALL
  UNION ALL SELECT 'investor.agg_growth_monthly', month_start, count(*) FROM investor.agg_growth_monthly GROUP BY ALL
  UNION ALL SELECT 'investor.agg_engagement_monthly', month_start, count(*) FROM investor.agg_engagement_monthly GROUP BY ALL
), runs AS (
  SELECT * FROM daily UNION ALL SELECT * FROM closes
)
SELECT r.pipeline, r.grain, r.target_table, r.dag_id, r.run_id, r.period_start, r.period_end, r.started_at, r.finished_at,
       'success' AS status, CAST(w.n AS INTEGER) AS rows_written, r.run_date + s.deadline_utc AS sla_deadline,
       r.finished_at <= r.run_date + s.deadline_utc AS met_sla
FROM runs r
JOIN investor_ops.sla s ON s.pipeline = r.pipeline AND s.grain = r.grain
-- Engagement ran daily before the kept session history; only refreshes whose rows are kept are listed.
JOIN written w ON w.target_table = r.target_table AND w.period_start = r.period_start;

-- Every source feeds one pipeline and lands before that pipeline's run, with a row even when a day had no
-- records (refunds can have a quiet day).
CREATE TABLE investor_ops.source_ingestion AS
WITH sources AS (
  SELECT * FROM (VALUES
    ('transactions_db.orders', 'investor_profit_aggregate', 14400), ('transactions_db.refunds', 'investor_profit_aggregate', 14500),
    ('cost_feed', 'investor_profit_aggregate', 0), ('users_db.users', 'investor_growth_aggregate', 17400),
    ('churn_logs', 'investor_growth_aggregate', 18300), ('event_stream.app_events', 'investor_engagement_aggregate', 2400)
  ) t(source_name, dag_id, arrive_s)
), counts AS (
  SELECT 'transactions_db.orders' AS source_name, CAST(order_ts AS DATE) AS report_date, count(*) AS row_count, max(order_ts) AS max_event_ts FROM investor_src.orders GROUP BY ALL
  UNION ALL SELECT 'transactions_db.refunds', refund_date, count(*), max(refund_ts) FROM investor_src.refunds GROUP BY ALL
  UNION ALL SELECT 'cost_feed', cost_date, count(*), NULL FROM investor_src.cost_feed GROUP BY ALL
  UNION ALL SELECT 'users_db.users', first_seen_date, count(*), max(signup_ts) FROM investor_src.users GROUP BY ALL
  UNION ALL SELECT 'churn_logs', churn_date, count(*), max(churned_at) FROM investor_src.churn_log GROUP BY ALL
  UNION ALL SELECT 'event_stream.app_events', session_date, sum(event_count), max(session_start) FROM investor.fact_sessions GROUP BY ALL
), feed_arrival AS (
  SELECT cost_date, max(received_at) AS received_at FROM investor_src.cost_feed GROUP BY ALL
)
SELECT s.source_name, r.report_date, CAST(coalesce(c.row_count, 0) AS BIGINT) AS row_count, c.max_event_ts,
       CASE WHEN s.source_name = 'cost_feed' THEN f.received_at
            ELSE at_sec(r.report_date + 1, s.arrive_s + pick(r.rn * 10 + length(s.source_name), 'isi_jitter', 900)) END AS landed_at,
       r.started_at AS expected_by, r.dag_id AS consumed_by
FROM sources s
JOIN seed_inv_runs r ON r.dag_id = s.dag_id
LEFT JOIN counts c ON c.source_name = s.source_name AND c.report_date = r.report_date
LEFT JOIN feed_arrival f ON f.cost_date = r.report_date;

-- Three APIs, three batches each per report date. On a night the pull task failed, Google Ads answered the
-- second batch with HTTP 429 and the task stopped; the retry pulled every batch again.
CREATE TABLE investor_ops.marketing_api_pulls AS
WITH attempts AS (
  SELECT report_date, run_id, try_number, state, started_at, rn FROM seed_inv_task_runs WHERE task = 'pull_marketing_api'
), rows_per AS (
  SELECT report_date, api_name, user_id % 3 + 1 AS batch_no, count(*) AS n FROM investor_src.marketing_attribution GROUP BY ALL
), grid AS (
  SELECT a.*, api.api_name, api.api_no, b AS batch_no
  FROM attempts a, (VALUES ('google_ads', 1), ('meta_ads', 2), ('impact_affiliates', 3)) api(api_name, api_no), range(1, 4) t(b)
)
SELECT g.report_date, g.run_id, g.try_number, g.api_name, CAST(g.batch_no AS INTEGER) AS batch_no,
       g.started_at + to_seconds(5 + ((g.api_no - 1) * 3 + g.batch_no - 1) * 40) AS requested_at,
       g.started_at + to_seconds(5 + ((g.api_no - 1) * 3 + g.batch_no - 1) * 40 + 12 + pick(g.rn * 100 + g.api_no * 10 + g.batch_no, 'imp_secs', 20)) AS completed_at,
       CASE WHEN g.state = 'failed' AND g.api_name = 'google_ads' AND g.batch_no = 2 THEN 'failed' ELSE 'success' END AS status,
       CASE WHEN g.state = 'failed' AND g.api_name = 'google_ads' AND g.batch_no = 2 THEN 429 ELSE 200 END AS http_status,
       CASE WHEN g.state = 'failed' AND g.api_name = 'google_ads' AND g.batch_no = 2 THEN 0 ELSE CAST(coalesce(r.n, 0) AS INTEGER) END AS rows_returned,
       CASE WHEN g.state = 'failed' AND g.api_name = 'google_ads' AND g.batch_no = 2 THEN 'Rate limit exceeded: retry after 600 s' END AS error_message
FROM grid g
LEFT JOIN rows_per r ON r.report_date = g.report_date AND r.api_name = g.api_name AND r.batch_no = g.batch_no
-- A failed attempt stopped at the rate-limited batch.
WHERE g.state = 'success' OR g.api_no = 1 AND g.batch_no <= 2;

-- Headline totals per report date, recorded when the run's tests passed: what a re-run is compared with.
CREATE TABLE investor_ops.validated_totals AS
WITH tested AS (
  SELECT dag_id, report_date, run_id, ended_at AS validated_at FROM seed_inv_task_runs WHERE task LIKE 'dbt_test_%' AND state = 'success'
), totals AS (
  SELECT 'profit-aggregate' AS pipeline, 'investor_profit_aggregate' AS dag_id, order_date AS report_date, 'revenue' AS metric, sum(revenue) AS value FROM investor.agg_profit_daily GROUP BY ALL
  UNION ALL SELECT 'profit-aggregate', 'investor_profit_aggregate', order_date, 'cost', sum(cost) FROM investor.agg_profit_daily GROUP BY ALL
  UNION ALL SELECT 'profit-aggregate', 'investor_profit_aggregate', order_date, 'profit', sum(profit) FROM investor.agg_profit_daily GROUP BY ALL
  UNION ALL SELECT 'growth-aggregate', 'investor_growth_aggregate', date, 'new_users', sum(new_users) FROM investor.agg_growth GROUP BY ALL
  UNION ALL SELECT 'growth-aggregate', 'investor_growth_aggregate', date, 'churned_users', sum(churned_users) FROM investor.agg_growth GROUP BY ALL
  UNION ALL SELECT 'growth-aggregate', 'investor_growth_aggregate', date, 'net_users', sum(net_users) FROM investor.agg_growth GROUP BY ALL
  UNION ALL SELECT 'engagement-aggregate', 'investor_engagement_aggregate', session_date, 'dau', sum(dau) FROM investor.agg_engagement GROUP BY ALL
  UNION ALL SELECT 'engagement-aggregate', 'investor_engagement_aggregate', session_date, 'sessions', sum(sessions) FROM investor.agg_engagement GROUP BY ALL
)
SELECT t.pipeline, t.report_date, t.metric, CAST(t.value AS DECIMAL(16, 2)) AS value, x.run_id, x.validated_at
FROM totals t JOIN tested x ON x.dag_id = t.dag_id AND x.report_date = t.report_date;

INSERT INTO ops.job_runs
SELECT dag_id, run_id, task, run_date, try_number, state, started_at, ended_at, CAST(epoch(ended_at) - epoch(started_at) AS DOUBLE)
FROM seed_inv_task_runs
UNION ALL
SELECT 'investor_monthly_close', run_id, task, run_date, 1, 'success', at_sec(run_date, 36000 + offset_s),
       at_sec(run_date, 36000 + offset_s + secs), CAST(secs AS DOUBLE)
FROM seed_inv_close_tasks;
