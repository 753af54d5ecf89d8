/**
 * investor_profit_aggregate as SQL steps on the demo warehouse. A run loads one report date (the day before its
 * business date): each build replaces that date's rows from the sources the seed keeps in `investor_src`, so a
 * rerun, a clear or a backfill repairs what a late or missing source broke, and never duplicates a row.
 */
import { TaskFailure, type TaskContext } from '../model';
import { addDays } from '../warehouse';
import { chain, sqlTask } from './build';

/** The report date a run loads: its logical date, the day before its business date. */
export const reportDate = (ctx: TaskContext): string => addDays(ctx.businessDate, -1);

/** A source counts as delivered for a report date when its ingestion row says it landed. */
export async function requireLanded(ctx: TaskContext, source: string, what: string): Promise<void> {
  await ctx.failIfFaulted();
  const rd = reportDate(ctx);
  const rows = await ctx.sql(
    `SELECT landed_at, row_count FROM investor_ops.source_ingestion WHERE source_name = :source AND report_date = CAST(:rd AS DATE)`,
    { source, rd },
  );
  if (rows.length > 0 && rows[0]!.landed_at === null) {
    throw new TaskFailure('AirflowSensorTimeout', `${what} for report date ${rd} (${source}) has not landed: the source system has not delivered it yet.`);
  }
  ctx.log(`${source} for ${rd} landed (${String(rows[0]?.row_count ?? 0)} rows)`);
}

/** The refresh log keeps one row per pipeline and report date: the latest successful refresh, with its SLA verdict. */
export async function recordRefresh(ctx: TaskContext, pipeline: string, target: string, rowsSql: string): Promise<void> {
  const rd = reportDate(ctx);
  await ctx.sql(`DELETE FROM investor_ops.refresh_log WHERE pipeline = :p AND grain = 'daily' AND period_start = CAST(:rd AS DATE)`, { p: pipeline, rd });
  await ctx.sql(
    `INSERT INTO investor_ops.refresh_log
     SELECT :p, 'daily', :target, :dag, :run, CAST(:rd AS DATE), CAST(:rd AS DATE), CAST(:start AS TIMESTAMP), CAST(:now AS TIMESTAMP), 'success',
            CAST((${rowsSql}) AS INTEGER), CAST(:rd AS DATE) + 1 + s.deadline_utc, CAST(:now AS TIMESTAMP) <= CAST(:rd AS DATE) + 1 + s.deadline_utc
     FROM investor_ops.sla s WHERE s.pipeline = :p AND s.grain = 'daily'`,
    { p: pipeline, target, dag: ctx.dagId, run: ctx.runId, rd, start: ctx.startedAt, now: ctx.now() },
  );
}

async function buildFactOrders(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  await ctx.sql(`DELETE FROM investor.fact_orders WHERE order_date = CAST(:rd AS DATE)`, { rd });
  await ctx.sql(
    `INSERT INTO investor.fact_orders
     SELECT o.order_id, CAST(o.order_ts AS DATE), o.order_ts, o.region, o.channel, o.amount, coalesce(r.amount, 0), r.refund_date, o.currency,
            CAST(:now AS TIMESTAMP)
     FROM investor_src.orders o LEFT JOIN investor_src.refunds r USING (order_id)
     WHERE CAST(o.order_ts AS DATE) = CAST(:rd AS DATE)`,
    { rd, now: ctx.now() },
  );
  // Refunds post on their own day: the orders they refund (placed earlier) take them in this run.
  await ctx.sql(
    `UPDATE investor.fact_orders f SET refunded_amount = r.amount, refund_date = r.refund_date, _updated_at = CAST(:now AS TIMESTAMP)
     FROM investor_src.refunds r WHERE r.order_id = f.order_id AND r.refund_date = CAST(:rd AS DATE)`,
    { rd, now: ctx.now() },
  );
}

async function buildFactCosts(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  await ctx.sql(`DELETE FROM investor.fact_costs WHERE cost_date = CAST(:rd AS DATE)`, { rd });
  // Costs are allocated from the cost system's items only where the region's feed for the day arrived.
  await ctx.sql(
    `INSERT INTO investor.fact_costs
     SELECT c.order_id, c.cost_date, c.region, c.fulfillment_cost, c.platform_fee,
            CAST(coalesce(6.50 + r.amount * 0.05, 0) AS DECIMAL(12, 2)), r.refund_date,
            CAST(c.fulfillment_cost + c.platform_fee + coalesce(6.50 + r.amount * 0.05, 0) AS DECIMAL(12, 2)), CAST(:now AS TIMESTAMP)
     FROM investor_src.cost_items c LEFT JOIN investor_src.refunds r USING (order_id)
     WHERE c.cost_date = CAST(:rd AS DATE)
       AND EXISTS (SELECT 1 FROM investor_src.cost_feed f WHERE f.cost_date = c.cost_date AND f.region = c.region AND f.cost_type = 'fulfillment')`,
    { rd, now: ctx.now() },
  );
  await ctx.sql(
    `UPDATE investor.fact_costs f SET return_cost = CAST(6.50 + r.amount * 0.05 AS DECIMAL(12, 2)), return_cost_date = r.refund_date,
            total_cost = CAST(f.fulfillment_cost + f.platform_fee + 6.50 + r.amount * 0.05 AS DECIMAL(12, 2)), _updated_at = CAST(:now AS TIMESTAMP)
     FROM investor_src.refunds r WHERE r.order_id = f.order_id AND r.refund_date = CAST(:rd AS DATE)`,
    { rd, now: ctx.now() },
  );
}

/** The day's aggregate per region on a posting basis, exactly as the seed computes every earlier day. */
export async function aggregateProfitDay(ctx: Pick<TaskContext, 'sql' | 'now' | 'runId'>, rd: string): Promise<void> {
  await ctx.sql(`DELETE FROM investor.agg_profit_daily WHERE order_date = CAST(:rd AS DATE)`, { rd });
  await ctx.sql(
    `INSERT INTO investor.agg_profit_daily
     WITH sales AS (
       SELECT region, count(*) AS orders, sum(gross_amount) AS gross_revenue FROM investor.fact_orders WHERE order_date = CAST(:rd AS DATE) GROUP BY ALL
     ), refunds AS (
       SELECT region, count(*) AS refunds, sum(refunded_amount) AS refund_amount FROM investor.fact_orders WHERE refund_date = CAST(:rd AS DATE) GROUP BY ALL
     ), costs AS (
       SELECT region, sum(amount) AS cost FROM (
         SELECT region, fulfillment_cost + platform_fee AS amount FROM investor.fact_costs WHERE cost_date = CAST(:rd AS DATE)
         UNION ALL SELECT region, return_cost FROM investor.fact_costs WHERE return_cost_date = CAST(:rd AS DATE)
       ) GROUP BY ALL
     )
     SELECT CAST(:rd AS DATE), s.region, CAST(s.orders AS INTEGER), CAST(coalesce(r.refunds, 0) AS INTEGER),
            CAST(s.gross_revenue AS DECIMAL(14, 2)), CAST(coalesce(r.refund_amount, 0) AS DECIMAL(14, 2)),
            CAST(s.gross_revenue - coalesce(r.refund_amount, 0) AS DECIMAL(14, 2)), CAST(c.cost AS DECIMAL(14, 2)),
            CAST(s.gross_revenue - coalesce(r.refund_amount, 0) - c.cost AS DECIMAL(14, 2)), CAST(:now AS TIMESTAMP), :run
     FROM sales s JOIN costs c USING (region) LEFT JOIN refunds r USING (region)`,
    { rd, now: ctx.now(), run: ctx.runId },
  );
}

/** The tests: every region with orders has a row, and profit = revenue - cost. The first pass records "last known good". */
async function testProfit(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  const rows = await ctx.sql(
    `SELECT (SELECT count(DISTINCT region) FROM investor.fact_orders WHERE order_date = CAST(:rd AS DATE)) AS regions_with_orders,
            (SELECT count(*) FROM investor.agg_profit_daily WHERE order_date = CAST(:rd AS DATE)) AS regions_aggregated,
            (SELECT count(*) FROM investor.agg_profit_daily WHERE order_date = CAST(:rd AS DATE) AND (profit IS NULL OR profit <> revenue - cost)) AS bad_rows`,
    { rd },
  );
  const r = rows[0]!;
  if (Number(r.regions_with_orders) !== Number(r.regions_aggregated) || Number(r.bad_rows) > 0) {
    throw new TaskFailure('DbtTestFailure', `dbt test failed for ${rd}: ${String(r.regions_aggregated)} of ${String(r.regions_with_orders)} regions aggregated, ${String(r.bad_rows)} rows break profit = revenue - cost.`);
  }
  await recordValidated(ctx, 'profit-aggregate', rd, `SELECT 'revenue' AS metric, sum(revenue) AS value FROM investor.agg_profit_daily WHERE order_date = CAST(:rd AS DATE)
     UNION ALL SELECT 'cost', sum(cost) FROM investor.agg_profit_daily WHERE order_date = CAST(:rd AS DATE)
     UNION ALL SELECT 'profit', sum(profit) FROM investor.agg_profit_daily WHERE order_date = CAST(:rd AS DATE)`);
}

/** Headline totals of a report date's first validated run: later reruns are compared with them, never replace them. */
export async function recordValidated(ctx: TaskContext, pipeline: string, rd: string, totalsSql: string): Promise<void> {
  await ctx.sql(
    `INSERT INTO investor_ops.validated_totals
     SELECT :pipeline, CAST(:rd AS DATE), t.metric, CAST(t.value AS DECIMAL(16, 2)), :run, CAST(:now AS TIMESTAMP) FROM (${totalsSql}) t
     WHERE NOT EXISTS (SELECT 1 FROM investor_ops.validated_totals v WHERE v.pipeline = :pipeline AND v.report_date = CAST(:rd AS DATE))`,
    { pipeline, rd, run: ctx.runId, now: ctx.now() },
  );
}

export const profitTasks = chain([
  sqlTask('extract_orders', 280, (ctx) => requireLanded(ctx, 'transactions_db.orders', 'The transactions extract')),
  sqlTask('extract_refunds', 90, (ctx) => requireLanded(ctx, 'transactions_db.refunds', 'The refunds extract')),
  sqlTask('extract_costs', 200, (ctx) => requireLanded(ctx, 'cost_feed', 'The cost feed')),
  sqlTask('load_staging', 300, async (ctx) => {
    await ctx.failIfFaulted();
    await ctx.sql(`SELECT count(*) AS staged_orders FROM investor_src.orders WHERE CAST(order_ts AS DATE) = CAST(:rd AS DATE)`, { rd: reportDate(ctx) });
  }),
  sqlTask('build_fact_orders', 400, async (ctx) => {
    await ctx.failIfFaulted();
    await buildFactOrders(ctx);
  }),
  sqlTask('build_fact_costs', 330, async (ctx) => {
    await ctx.failIfFaulted();
    await buildFactCosts(ctx);
  }),
  sqlTask('compute_unit_profit', 280, async (ctx) => {
    await ctx.sql(`SELECT count(*) AS orders_with_profit, sum(unit_profit) AS profit FROM investor.fact_unit_profit WHERE order_date = CAST(:rd AS DATE)`, { rd: reportDate(ctx) });
  }),
  sqlTask('aggregate_profit_daily', 220, async (ctx) => {
    await ctx.failIfFaulted();
    await aggregateProfitDay(ctx, reportDate(ctx));
    await recordRefresh(ctx, 'profit-aggregate', 'investor.agg_profit_daily', `SELECT count(*) FROM investor.agg_profit_daily WHERE order_date = CAST(:rd AS DATE)`);
  }),
  sqlTask('dbt_test_profit', 160, testProfit),
]);
