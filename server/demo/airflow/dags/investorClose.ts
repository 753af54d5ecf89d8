/**
 * investor_monthly_close as SQL steps on the demo warehouse: on the first business day after a month ends it
 * recomputes that month (and the quarter, when the month ends one) from the daily aggregates and the sessions,
 * so a re-close after late data picked up by a daily re-run makes the periods equal the sum of their days again.
 * Task ids are the ones ops.job_runs records for the seed's closes.
 */
import type { DagDef, TaskContext } from '../model';
import { addDays } from '../warehouse';
import { chain, dag, sqlTask } from './build';

/** The month a close run closes: the one before its business date's month (the run is on its first business day). */
export function closedPeriod(businessDate: string): { monthStart: string; monthEnd: string; quarterStart: string | null } {
  const [y, m] = businessDate.split('-').map(Number) as [number, number];
  const prevYear = m === 1 ? y - 1 : y;
  const prevMonth = m === 1 ? 12 : m - 1;
  const monthStart = `${prevYear}-${String(prevMonth).padStart(2, '0')}-01`;
  const monthEnd = addDays(`${y}-${String(m).padStart(2, '0')}-01`, -1);
  const quarterStart = prevMonth % 3 === 0 ? `${prevYear}-${String(prevMonth - 2).padStart(2, '0')}-01` : null;
  return { monthStart, monthEnd, quarterStart };
}

/**
 * The deadline is the period's, not the run's: 12:00 on the first business day after the period ends. A re-close
 * after it is recorded as late (met_sla false) beside the close investors received, never in its place.
 */
async function recordClose(ctx: TaskContext, pipeline: string, grain: 'monthly' | 'quarterly', target: string, start: string, end: string, rowsSql: string): Promise<void> {
  await ctx.sql(
    `INSERT INTO investor_ops.refresh_log (pipeline, grain, target_table, dag_id, run_id, period_start, period_end, started_at, finished_at, status, rows_written, sla_deadline, met_sla)
     WITH d AS (SELECT CAST(:end AS DATE) + 1 AS next_day),
     due AS (SELECT next_day + CASE dayofweek(next_day) WHEN 6 THEN 2 WHEN 0 THEN 1 ELSE 0 END + s.deadline_utc AS deadline
             FROM d, investor_ops.sla s WHERE s.pipeline = :p AND s.grain = :grain)
     SELECT :p, :grain, :target, :dag, :run, CAST(:start AS DATE), CAST(:end AS DATE), CAST(:began AS TIMESTAMP), CAST(:now AS TIMESTAMP), 'success',
            CAST((${rowsSql}) AS INTEGER), due.deadline, CAST(:now AS TIMESTAMP) <= due.deadline
     FROM due`,
    { p: pipeline, grain, target, dag: ctx.dagId, run: ctx.runId, start, end, began: ctx.startedAt, now: ctx.now() },
  );
}

async function closeProfitMonth(ctx: TaskContext): Promise<void> {
  await ctx.failIfFaulted();
  const { monthStart: start, monthEnd: end } = closedPeriod(ctx.businessDate);
  await ctx.sql(`DELETE FROM investor.agg_profit_monthly WHERE month_start = CAST(:start AS DATE)`, { start });
  await ctx.sql(
    `INSERT INTO investor.agg_profit_monthly (month_start, month_end, region, orders, revenue, cost, profit, refreshed_at, run_id)
     SELECT CAST(:start AS DATE), CAST(:end AS DATE), region, CAST(sum(orders) AS INTEGER), CAST(sum(revenue) AS DECIMAL(16, 2)),
            CAST(sum(cost) AS DECIMAL(16, 2)), CAST(sum(profit) AS DECIMAL(16, 2)), CAST(:now AS TIMESTAMP), :run
     FROM investor.agg_profit_daily WHERE order_date BETWEEN CAST(:start AS DATE) AND CAST(:end AS DATE) GROUP BY region`,
    { start, end, now: ctx.now(), run: ctx.runId },
  );
  await recordClose(ctx, 'profit-aggregate', 'monthly', 'investor.agg_profit_monthly', start, end, `SELECT count(*) FROM investor.agg_profit_monthly WHERE month_start = CAST(:start AS DATE)`);
}

async function closeProfitQuarter(ctx: TaskContext): Promise<void> {
  await ctx.failIfFaulted();
  const { monthEnd: end, quarterStart: start } = closedPeriod(ctx.businessDate);
  if (!start) {
    ctx.log(`${end} does not end a quarter: nothing to close`);
    return;
  }
  await ctx.sql(`DELETE FROM investor.agg_profit_quarterly WHERE quarter_start = CAST(:start AS DATE)`, { start });
  await ctx.sql(
    `INSERT INTO investor.agg_profit_quarterly (quarter_start, quarter_end, quarter_label, region, orders, revenue, cost, profit, refreshed_at, run_id)
     SELECT CAST(:start AS DATE), CAST(:end AS DATE), year(CAST(:start AS DATE)) || '-Q' || quarter(CAST(:start AS DATE)), region,
            CAST(sum(orders) AS INTEGER), CAST(sum(revenue) AS DECIMAL(16, 2)), CAST(sum(cost) AS DECIMAL(16, 2)), CAST(sum(profit) AS DECIMAL(16, 2)),
            CAST(:now AS TIMESTAMP), :run
     FROM investor.agg_profit_daily WHERE order_date BETWEEN CAST(:start AS DATE) AND CAST(:end AS DATE) GROUP BY region`,
    { start, end, now: ctx.now(), run: ctx.runId },
  );
  await recordClose(ctx, 'profit-aggregate', 'quarterly', 'investor.agg_profit_quarterly', start, end, `SELECT count(*) FROM investor.agg_profit_quarterly WHERE quarter_start = CAST(:start AS DATE)`);
}

/** The month's growth rate: its net growth over the users active when it began (sign-ups minus churn before it). */
async function closeGrowthMonth(ctx: TaskContext): Promise<void> {
  await ctx.failIfFaulted();
  const { monthStart: start, monthEnd: end } = closedPeriod(ctx.businessDate);
  await ctx.sql(`DELETE FROM investor.agg_growth_monthly WHERE month_start = CAST(:start AS DATE)`, { start });
  await ctx.sql(
    `INSERT INTO investor.agg_growth_monthly (month_start, month_end, new_users, churned_users, net_users, users_at_start, users_at_end, growth_rate_pct, refreshed_at, run_id)
     WITH m AS (
       SELECT sum(new_users) AS new_users, sum(churned_users) AS churned_users FROM investor.agg_growth WHERE date BETWEEN CAST(:start AS DATE) AND CAST(:end AS DATE)
     ), base AS (
       SELECT (SELECT count(*) FROM investor_src.users WHERE first_seen_date < CAST(:start AS DATE))
              - (SELECT count(*) FROM investor_src.churn_log WHERE churn_date < CAST(:start AS DATE)) AS users_at_start
     )
     SELECT CAST(:start AS DATE), CAST(:end AS DATE), CAST(m.new_users AS INTEGER), CAST(m.churned_users AS INTEGER),
            CAST(m.new_users - m.churned_users AS INTEGER), CAST(b.users_at_start AS INTEGER),
            CAST(b.users_at_start + m.new_users - m.churned_users AS INTEGER),
            CAST(round((m.new_users - m.churned_users) * 100.0 / b.users_at_start, 3) AS DECIMAL(8, 3)), CAST(:now AS TIMESTAMP), :run
     FROM m, base b`,
    { start, end, now: ctx.now(), run: ctx.runId },
  );
  await recordClose(ctx, 'growth-aggregate', 'monthly', 'investor.agg_growth_monthly', start, end, `SELECT count(*) FROM investor.agg_growth_monthly WHERE month_start = CAST(:start AS DATE)`);
}

/** Monthly MAU: the distinct users of the month's sessions. */
async function closeEngagementMonth(ctx: TaskContext): Promise<void> {
  await ctx.failIfFaulted();
  const { monthStart: start, monthEnd: end } = closedPeriod(ctx.businessDate);
  await ctx.sql(`DELETE FROM investor.agg_engagement_monthly WHERE month_start = CAST(:start AS DATE)`, { start });
  await ctx.sql(
    `INSERT INTO investor.agg_engagement_monthly (month_start, month_end, mau, sessions, refreshed_at, run_id)
     SELECT CAST(:start AS DATE), CAST(:end AS DATE), CAST(count(DISTINCT user_id) AS INTEGER), CAST(count(*) AS INTEGER), CAST(:now AS TIMESTAMP), :run
     FROM investor.fact_sessions WHERE session_date BETWEEN CAST(:start AS DATE) AND CAST(:end AS DATE)`,
    { start, end, now: ctx.now(), run: ctx.runId },
  );
  await recordClose(ctx, 'engagement-aggregate', 'monthly', 'investor.agg_engagement_monthly', start, end, `SELECT count(*) FROM investor.agg_engagement_monthly WHERE month_start = CAST(:start AS DATE)`);
}

export const monthlyCloseDag: DagDef = dag({
  dagId: 'investor_monthly_close',
  description: 'Month and quarter close: the closed month (and quarter) of profit, growth and engagement, recomputed from their days. Trigger with {"business_date": "<day>"} to re-close the month before that day.',
  schedule: '0 10 1-3 * *', owners: ['investor-data-engineering'], tags: ['investor', 'close'],
  tasks: chain([
    sqlTask('aggregate_profit_monthly', 540, closeProfitMonth),
    sqlTask('aggregate_profit_quarterly', 520, closeProfitQuarter),
    sqlTask('aggregate_growth_monthly', 400, closeGrowthMonth),
    sqlTask('aggregate_engagement_monthly', 480, closeEngagementMonth),
  ]),
});
