-- Profit – Aggregate: facts (fact_orders, fact_costs), unit-level profit (a view: the experiments pipeline's
-- grain), and the daily, monthly and quarterly aggregates investor reports read.
-- Each row carries the run that wrote it (refreshed_at, run_id). Closed months and quarters only: a period is
-- aggregated by the close run on the first business day after it ends.

-- The close runs (DAG investor_monthly_close, 10:00 UTC): one per closed month, plus quarter ends.
CREATE TEMP TABLE seed_inv_closes AS
WITH months AS (
  SELECT DISTINCT CAST(date_trunc('month', report_date) AS DATE) AS period_start FROM seed_inv_days
), periods AS (
  SELECT 'monthly' AS grain, period_start, CAST(period_start + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS period_end FROM months
  UNION ALL
  SELECT 'quarterly', period_start, CAST(period_start + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE) FROM months WHERE month(period_start) IN (1, 4, 7, 10)
)
SELECT grain, period_start, period_end, inv_business_day(period_end + 1) AS run_date,
       'scheduled__' || strftime(at_sec(inv_business_day(period_end + 1) - 1, 36000), '%Y-%m-%dT%H:%M:%S') || '+00:00' AS run_id
FROM periods
WHERE period_start >= inv_first() AND inv_business_day(period_end + 1) <= seed_today();

CREATE TEMP TABLE seed_inv_profit_run AS
SELECT report_date, run_id, max(CASE WHEN task = 'build_fact_orders' THEN ended_at END) AS facts_at,
       max(CASE WHEN task = 'aggregate_profit_daily' THEN ended_at END) - to_seconds(10) AS agg_at
FROM seed_inv_task_runs WHERE dag_id = 'investor_profit_aggregate' AND state = 'success'
GROUP BY ALL;

-- One row per order; a refund updates the order's row (refund date and amount) in the run after it posts.
CREATE TABLE investor.fact_orders AS
SELECT o.order_id, CAST(o.order_ts AS DATE) AS order_date, o.order_ts, o.region, o.channel, o.amount AS gross_amount,
       coalesce(r.amount, 0) AS refunded_amount, r.refund_date, o.currency,
       greatest(p.facts_at, coalesce(pr.facts_at, p.facts_at)) AS _updated_at
FROM investor_src.orders o
LEFT JOIN investor_src.refunds r USING (order_id)
JOIN seed_inv_profit_run p ON p.report_date = CAST(o.order_ts AS DATE)
LEFT JOIN seed_inv_profit_run pr ON pr.report_date = r.refund_date;

-- Costs allocated to orders: fulfilment and platform fee on the order date, return handling on the refund date.
CREATE TABLE investor.fact_costs AS
SELECT c.order_id, c.cost_date, c.region, c.fulfillment_cost, c.platform_fee,
       CAST(coalesce(6.50 + r.amount * 0.05, 0) AS DECIMAL(12, 2)) AS return_cost, r.refund_date AS return_cost_date,
       CAST(c.fulfillment_cost + c.platform_fee + coalesce(6.50 + r.amount * 0.05, 0) AS DECIMAL(12, 2)) AS total_cost,
       greatest(p.facts_at, coalesce(pr.facts_at, p.facts_at)) AS _updated_at
FROM seed_inv_order_costs c
LEFT JOIN investor_src.refunds r USING (order_id)
JOIN seed_inv_profit_run p ON p.report_date = c.cost_date
LEFT JOIN seed_inv_profit_run pr ON pr.report_date = r.refund_date;

-- Unit-level profit (Profit – Unit-level, the experiments pipeline): per order, everything attributed to it.
CREATE VIEW investor.fact_unit_profit AS
SELECT o.order_id, o.order_date, o.region, o.channel, o.gross_amount, o.refunded_amount,
       CAST(o.gross_amount - o.refunded_amount AS DECIMAL(12, 2)) AS net_revenue, c.total_cost,
       CAST(o.gross_amount - o.refunded_amount - c.total_cost AS DECIMAL(12, 2)) AS unit_profit
FROM investor.fact_orders o JOIN investor.fact_costs c USING (order_id);

-- Daily profit per region on a posting basis: revenue = orders of the day - refunds posted that day;
-- cost = fulfilment and fees of the day's orders + return handling posted that day.
CREATE TABLE investor.agg_profit_daily AS
WITH sales AS (
  SELECT order_date AS d, region, count(*) AS orders, sum(gross_amount) AS gross_revenue FROM investor.fact_orders GROUP BY ALL
), refunds AS (
  SELECT refund_date AS d, region, count(*) AS refunds, sum(refunded_amount) AS refund_amount
  FROM investor.fact_orders WHERE refund_date IS NOT NULL GROUP BY ALL
), costs AS (
  SELECT d, region, sum(amount) AS cost FROM (
    SELECT cost_date AS d, region, fulfillment_cost + platform_fee AS amount FROM investor.fact_costs
    UNION ALL SELECT return_cost_date, region, return_cost FROM investor.fact_costs WHERE return_cost_date IS NOT NULL
  ) GROUP BY ALL
)
SELECT s.d AS order_date, s.region, CAST(s.orders AS INTEGER) AS orders, CAST(coalesce(r.refunds, 0) AS INTEGER) AS refunds,
       CAST(s.gross_revenue AS DECIMAL(14, 2)) AS gross_revenue, CAST(coalesce(r.refund_amount, 0) AS DECIMAL(14, 2)) AS refund_amount,
       CAST(s.gross_revenue - coalesce(r.refund_amount, 0) AS DECIMAL(14, 2)) AS revenue,
       CAST(c.cost AS DECIMAL(14, 2)) AS cost,
       CAST(s.gross_revenue - coalesce(r.refund_amount, 0) - c.cost AS DECIMAL(14, 2)) AS profit,
       p.agg_at AS refreshed_at, p.run_id
FROM sales s
JOIN costs c USING (d, region)
LEFT JOIN refunds r USING (d, region)
JOIN seed_inv_profit_run p ON p.report_date = s.d;

CREATE TABLE investor.agg_profit_monthly AS
SELECT c.period_start AS month_start, c.period_end AS month_end, a.region, CAST(sum(a.orders) AS INTEGER) AS orders,
       CAST(sum(a.revenue) AS DECIMAL(16, 2)) AS revenue, CAST(sum(a.cost) AS DECIMAL(16, 2)) AS cost,
       CAST(sum(a.profit) AS DECIMAL(16, 2)) AS profit,
       at_sec(c.run_date, 36000 + 530) AS refreshed_at, c.run_id
FROM seed_inv_closes c JOIN investor.agg_profit_daily a ON a.order_date BETWEEN c.period_start AND c.period_end
WHERE c.grain = 'monthly'
GROUP BY ALL;

CREATE TABLE investor.agg_profit_quarterly AS
SELECT c.period_start AS quarter_start, c.period_end AS quarter_end,
       year(c.period_start) || '-Q' || quarter(c.period_start) AS quarter_label, a.region,
       CAST(sum(a.orders) AS INTEGER) AS orders, CAST(sum(a.revenue) AS DECIMAL(16, 2)) AS revenue,
       CAST(sum(a.cost) AS DECIMAL(16, 2)) AS cost, CAST(sum(a.profit) AS DECIMAL(16, 2)) AS profit,
       at_sec(c.run_date, 36000 + 1070) AS refreshed_at, c.run_id
FROM seed_inv_closes c JOIN investor.agg_profit_daily a ON a.order_date BETWEEN c.period_start AND c.period_end
WHERE c.grain = 'quarterly'
GROUP BY ALL;
