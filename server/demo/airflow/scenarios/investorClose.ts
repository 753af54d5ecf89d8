/**
 * Investor month-close scenarios: rows of the latest closed month's last day arrive after investor_monthly_close
 * has closed it. For Profit and Growth the day's daily run is re-run and picks them up (as the runbooks' "re-run
 * the day" says), for Engagement the loader delivers the evening's sessions late; nobody re-runs the close, so the
 * closed month no longer equals its days. The recovery is the runbooks' re-close (an escalation: it restates a
 * reported period). Deactivating removes the late rows and puts the month's healthy rows back exactly.
 */
import type { DagRunRef, Scenario, ScenarioContext } from './types';
import { snapshot } from './heldRows';
import { warehouseTime } from '../warehouse';

interface Period {
  /** The closed month's first and last day; binds `:ms` and `:rd` (its last day, the report date that got late rows). */
  readonly ms: string;
  readonly rd: string;
}

interface LateAfterClose {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly runbook: string;
  /** The monthly table whose latest month is the closed one. */
  readonly monthlyTable: string;
  /** The daily rows the late data rewrites (`:rd` the month's last day). */
  readonly dailyRows: readonly { readonly table: string; readonly where: string }[];
  /** Lands the late rows (and re-runs the day where the runbook does); the end of the operator's note, and runs started. */
  inject(ctx: ScenarioContext, p: Period): Promise<{ note: string; runs: readonly DagRunRef[] }>;
  /** Takes the late rows out of the sources again. */
  undo(ctx: ScenarioContext, p: Period): Promise<void>;
}

/**
 * The close's own rows for the month: a re-close rewrites every monthly table (one DAG closes all three
 * pipelines) and the quarter the month may end, and appends refresh records; all of them go back on deactivate.
 */
function closeRows(f: LateAfterClose) {
  const quarter = `date_trunc('quarter', CAST(:ms AS DATE))`;
  return [
    ...f.dailyRows,
    { table: 'investor.agg_profit_monthly', where: `month_start = CAST(:ms AS DATE)` },
    { table: 'investor.agg_growth_monthly', where: `month_start = CAST(:ms AS DATE)` },
    { table: 'investor.agg_engagement_monthly', where: `month_start = CAST(:ms AS DATE)` },
    { table: 'investor.agg_profit_quarterly', where: `quarter_start = ${quarter}` },
    { table: 'investor_ops.refresh_log', where: `grain IN ('monthly', 'quarterly') AND period_start IN (CAST(:ms AS DATE), ${quarter})` },
  ];
}

async function latestClosedMonth(ctx: ScenarioContext, table: string): Promise<Period> {
  const [r] = await ctx.warehouse.query(`SELECT CAST(max(month_start) AS VARCHAR) AS ms, CAST(max(month_end) AS VARCHAR) AS rd FROM ${table}`);
  if (!r?.ms || !r.rd) throw new Error(`${table} has no closed month yet.`);
  return { ms: String(r.ms), rd: String(r.rd) };
}

/** The day's daily DAG run, re-run by hand after the late rows landed (a manual run for that logical date). */
async function rerunDay(ctx: ScenarioContext, dagId: string, rd: string): Promise<DagRunRef> {
  const def = await ctx.engine.dag(dagId);
  if (!def) throw new Error(`The sandbox has no DAG ${dagId}.`);
  const run = await ctx.engine.trigger(def, { conf: {}, logicalDate: `${rd}T05:00:00Z`, logicalDateGiven: true, runType: 'manual' });
  return { dagId, runId: run.runId };
}

function lateAfterClose(f: LateAfterClose): Scenario {
  return {
    id: f.id, title: f.title, summary: f.summary, runbook: f.runbook,
    async activate(ctx) {
      const p = await latestClosedMonth(ctx, f.monthlyTable);
      await snapshot(ctx.warehouse, f.id, closeRows(f)).take({ ...p });
      const { note, runs } = await f.inject(ctx, p);
      return { note: `The month from ${p.ms} was closed; ${note}`, dagRun: null, runs };
    },
    async deactivate(ctx) {
      const p = await latestClosedMonth(ctx, f.monthlyTable);
      await f.undo(ctx, p);
      await snapshot(ctx.warehouse, f.id, closeRows(f)).restore({ ...p });
    },
  };
}

/** Late rows carry ids far above the seed's, so they are found (and taken out) by id alone. */
const LATE_ORDER_FROM = 990_000_000;
const LATE_USER_FROM = 99_000_000;
const LATE_SESSION_FROM = 99_000_000;

const lateOrders = lateAfterClose({
  id: 'investor_late_orders_after_close',
  title: 'Orders of a closed month arrived after the close',
  summary:
    "The transactions replica was behind at month end: 16 orders of the month's last day reached it after investor_monthly_close had closed the month. The day was re-run and has them; the closed month does not. Re-close the month (escalation: it restates a reported period).",
  runbook: '/investor/profit-aggregate#recovery-reclose',
  monthlyTable: 'investor.agg_profit_monthly',
  dailyRows: [
    { table: 'investor.fact_orders', where: `order_date = CAST(:rd AS DATE) OR refund_date = CAST(:rd AS DATE)` },
    { table: 'investor.fact_costs', where: `cost_date = CAST(:rd AS DATE) OR return_cost_date = CAST(:rd AS DATE)` },
    { table: 'investor.agg_profit_daily', where: `order_date = CAST(:rd AS DATE)` },
    { table: 'investor_ops.refresh_log', where: `pipeline = 'profit-aggregate' AND grain = 'daily' AND period_start = CAST(:rd AS DATE)` },
  ],
  async inject(ctx, { rd }) {
    // Late-evening EU web orders of the last day, with their cost items (the cost system had them on time).
    await ctx.warehouse.query(
      `INSERT INTO investor_src.orders
       SELECT ${LATE_ORDER_FROM} + n, CAST(:rd AS DATE) + INTERVAL 23 HOUR + to_seconds(n * 157), 'EU', 'web', CAST(48 + n * 7.35 AS DECIMAL(12, 2)), 'USD', 'COMPLETED'
       FROM range(0, 16) t(n)`,
      { rd },
    );
    await ctx.warehouse.query(
      `INSERT INTO investor_src.cost_items
       SELECT ${LATE_ORDER_FROM} + n, CAST(:rd AS DATE), 'EU', CAST(6.40 + n * 0.3 AS DECIMAL(12, 2)), CAST((48 + n * 7.35) * 0.029 AS DECIMAL(12, 2))
       FROM range(0, 16) t(n)`,
      { rd },
    );
    const run = await rerunDay(ctx, 'investor_profit_aggregate', rd);
    return { note: `16 orders of ${rd} reached the transactions DB after it, and run ${run.runId} re-ran ${rd} with them. The month was not re-closed.`, runs: [run] };
  },
  async undo(ctx) {
    await ctx.warehouse.query(`DELETE FROM investor_src.orders WHERE order_id >= ${LATE_ORDER_FROM}`);
    await ctx.warehouse.query(`DELETE FROM investor_src.cost_items WHERE order_id >= ${LATE_ORDER_FROM}`);
  },
});

const lateSignups = lateAfterClose({
  id: 'investor_late_signups_after_close',
  title: 'Sign-ups of a closed month arrived after the close',
  summary:
    "The users extract of the month's last day was replayed after investor_monthly_close had closed the month: 9 sign-ups it had missed landed. The day was re-run and counts them; the closed month does not. Re-close the month (escalation: it restates a reported period).",
  runbook: '/investor/growth-aggregate#recovery-reclose',
  monthlyTable: 'investor.agg_growth_monthly',
  dailyRows: [
    { table: 'investor.fact_growth', where: `event_date = CAST(:rd AS DATE)` },
    { table: 'investor.agg_growth', where: `date = CAST(:rd AS DATE)` },
    { table: 'investor_ops.refresh_log', where: `pipeline = 'growth-aggregate' AND grain = 'daily' AND period_start = CAST(:rd AS DATE)` },
    { table: 'investor_ops.marketing_api_pulls', where: `report_date = CAST(:rd AS DATE)` },
  ],
  async inject(ctx, { rd }) {
    // Unpaid channels only: a paid sign-up would also need its attribution, a different fault.
    await ctx.warehouse.query(
      `INSERT INTO investor_src.users
       SELECT ${LATE_USER_FROM} + n, CAST(:rd AS DATE), CAST(:rd AS DATE) + INTERVAL 22 HOUR + to_seconds(n * 311),
              ['organic', 'referral', 'email'][1 + n % 3], ['NA', 'EU', 'APAC'][1 + n % 3], ['ios', 'android', 'web'][1 + n % 3]
       FROM range(0, 9) t(n)`,
      { rd },
    );
    const run = await rerunDay(ctx, 'investor_growth_aggregate', rd);
    return { note: `9 sign-ups of ${rd} landed after it, and run ${run.runId} re-ran ${rd} with them. The month was not re-closed.`, runs: [run] };
  },
  async undo(ctx) {
    await ctx.warehouse.query(`DELETE FROM investor_src.users WHERE user_id >= ${LATE_USER_FROM}`);
  },
});

const lateSessions = lateAfterClose({
  id: 'investor_late_sessions_after_close',
  title: 'Sessions of a closed month arrived after the close',
  summary:
    "The engagement loader delivered the last evening of the month late: 40 sessions of users not otherwise active that month were loaded after investor_monthly_close had counted the month's MAU. Re-close the month (escalation: it restates a reported period).",
  runbook: '/investor/engagement-aggregate#recovery-reclose',
  monthlyTable: 'investor.agg_engagement_monthly',
  dailyRows: [],
  async inject(ctx, { ms, rd }) {
    await ctx.warehouse.query(
      `INSERT INTO investor.fact_sessions
       WITH quiet AS (
         SELECT user_id, row_number() OVER (ORDER BY user_id) - 1 AS n FROM investor_src.users
         WHERE first_seen_date <= CAST(:rd AS DATE)
           AND user_id NOT IN (SELECT user_id FROM investor.fact_sessions WHERE session_date BETWEEN CAST(:ms AS DATE) AND CAST(:rd AS DATE))
         ORDER BY user_id LIMIT 40
       )
       SELECT ${LATE_SESSION_FROM} + n, user_id, CAST(:rd AS DATE), CAST(:rd AS DATE) + INTERVAL 21 HOUR + to_seconds(n * 61),
              CAST(:rd AS DATE) + INTERVAL 21 HOUR + to_seconds(n * 61 + 540), 'web', 'web-late-' || CAST(user_id AS VARCHAR), '5.2.1', 4, CAST(:now AS TIMESTAMP)
       FROM quiet`,
      { ms, rd, now: warehouseTime() },
    );
    return { note: `40 sessions of ${rd} from users not otherwise active that month were loaded after it. The month was not re-closed.`, runs: [] };
  },
  async undo(ctx) {
    await ctx.warehouse.query(`DELETE FROM investor.fact_sessions WHERE session_id >= ${LATE_SESSION_FROM}`);
  },
});

export const investorCloseScenarios: readonly Scenario[] = [lateOrders, lateSignups, lateSessions];
