-- Growth – Aggregate: new and churned users per day (fact_growth at user-event grain), the daily aggregate
-- per acquisition channel (agg_growth, column `date` as the reports name it) and the monthly growth rate.
-- Churn is attributed to the channel the user originally signed up through.

CREATE TEMP TABLE seed_inv_growth_run AS
SELECT report_date, run_id, max(CASE WHEN task = 'build_fact_growth' THEN ended_at END) AS facts_at,
       max(CASE WHEN task = 'aggregate_growth' THEN ended_at END) - to_seconds(10) AS agg_at
FROM seed_inv_task_runs WHERE dag_id = 'investor_growth_aggregate' AND state = 'success'
GROUP BY ALL;

CREATE TABLE investor.fact_growth AS
SELECT u.user_id, u.first_seen_date AS event_date, 'new' AS event_type, u.signup_channel AS channel, u.region,
       a.campaign_code, p.facts_at AS _loaded_at
FROM investor_src.users u
LEFT JOIN investor_src.marketing_attribution a USING (user_id)
JOIN seed_inv_growth_run p ON p.report_date = u.first_seen_date
UNION ALL
SELECT c.user_id, c.churn_date, 'churned', u.signup_channel, u.region, NULL, p.facts_at
FROM investor_src.churn_log c
JOIN investor_src.users u USING (user_id)
JOIN seed_inv_growth_run p ON p.report_date = c.churn_date;

CREATE TABLE investor.agg_growth AS
WITH grid AS (
  SELECT d.report_date, ch.channel
  FROM seed_inv_days d, (VALUES ('organic'), ('paid_search'), ('paid_social'), ('referral'), ('affiliate'), ('email')) ch(channel)
), counts AS (
  SELECT event_date, channel, count(*) FILTER (WHERE event_type = 'new') AS new_users,
         count(*) FILTER (WHERE event_type = 'churned') AS churned_users
  FROM investor.fact_growth GROUP BY ALL
)
SELECT g.report_date AS date, g.channel, CAST(coalesce(c.new_users, 0) AS INTEGER) AS new_users,
       CAST(coalesce(c.churned_users, 0) AS INTEGER) AS churned_users,
       CAST(coalesce(c.new_users, 0) - coalesce(c.churned_users, 0) AS INTEGER) AS net_users,
       p.agg_at AS refreshed_at, p.run_id
FROM grid g
LEFT JOIN counts c ON c.event_date = g.report_date AND c.channel = g.channel
JOIN seed_inv_growth_run p ON p.report_date = g.report_date;

-- Monthly growth rate: net growth over the users active at the start of the month.
CREATE TABLE investor.agg_growth_monthly AS
WITH m AS (
  SELECT c.period_start, c.period_end, c.run_date, c.run_id, sum(a.new_users) AS new_users, sum(a.churned_users) AS churned_users
  FROM seed_inv_closes c JOIN investor.agg_growth a ON a.date BETWEEN c.period_start AND c.period_end
  WHERE c.grain = 'monthly' GROUP BY ALL
), base AS (
  SELECT m.period_start,
         (SELECT count(*) FROM investor_src.users u WHERE u.first_seen_date < m.period_start)
         - (SELECT count(*) FROM investor_src.churn_log l WHERE l.churn_date < m.period_start) AS users_at_start
  FROM m
)
SELECT m.period_start AS month_start, m.period_end AS month_end, CAST(m.new_users AS INTEGER) AS new_users,
       CAST(m.churned_users AS INTEGER) AS churned_users, CAST(m.new_users - m.churned_users AS INTEGER) AS net_users,
       CAST(b.users_at_start AS INTEGER) AS users_at_start,
       CAST(b.users_at_start + m.new_users - m.churned_users AS INTEGER) AS users_at_end,
       CAST(round((m.new_users - m.churned_users) * 100.0 / b.users_at_start, 3) AS DECIMAL(8, 3)) AS growth_rate_pct,
       at_sec(m.run_date, 36000 + 1490) AS refreshed_at, m.run_id
FROM m JOIN base b USING (period_start);
