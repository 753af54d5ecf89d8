/**
 * Investor nights that failed before they built anything: a source system refused the DAG's first step on both
 * tries, so the report date has no aggregate and no refresh record — the SLA is missed and the day's figures are
 * absent. The documented recovery is a retry of the failed task with its downstream tasks once the source is back.
 * Both scenarios have the same shape; `failedNight` is it.
 */
import type { Scenario } from './types';
import { reportDateScenario } from './reportDate';

interface FailedNight {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly runbook: string;
  readonly dagId: string;
  readonly taskId: string;
  readonly exception: string;
  readonly message: string;
  /** The report date's rows the night builds: kept, removed for the failing night, put back on deactivate. */
  readonly rows: readonly { readonly table: string; readonly where: string }[];
}

function failedNight(n: FailedNight): Scenario {
  return reportDateScenario({
    id: n.id, title: n.title, summary: n.summary, runbook: n.runbook, rows: n.rows, dagId: n.dagId,
    async inject(ctx, rd) {
      // The night's run is the report date's only build: until it succeeds, the date has none of these rows.
      for (const p of n.rows) await ctx.warehouse.query(`DELETE FROM ${p.table} WHERE ${p.where}`, { rd });
      ctx.faults.set(n.dagId, n.taskId, { exception: n.exception, message: n.message, untilCleared: false, tries: 2 });
      return `; ${n.taskId} will fail twice.`;
    },
    async undo(ctx) {
      ctx.faults.remove(n.dagId, n.taskId);
    },
  });
}

const REFRESH = (pipeline: string) => ({ table: 'investor_ops.refresh_log', where: `pipeline = '${pipeline}' AND grain = 'daily' AND period_start = CAST(:rd AS DATE)` });

const profitExtractFailed = failedNight({
  id: 'investor_profit_extract_failed',
  title: 'Transactions extract failed (no profit for the day)',
  summary:
    "The transactions DB replica was failing over when last night's profit run started: extract_orders could not connect on either try, nothing downstream ran, and the report date has no profit figures — the 08:00 UTC SLA is at risk. The replica is back: retry the failed run.",
  runbook: '/investor/profit-aggregate#case1-logs',
  dagId: 'investor_profit_aggregate',
  taskId: 'extract_orders',
  exception: 'OperationalError',
  message: 'could not connect to server "transactions-replica.internal" (10.30.2.7), port 5432: Connection refused (replica failover in progress)',
  rows: [
    { table: 'investor.fact_orders', where: `order_date = CAST(:rd AS DATE)` },
    { table: 'investor.fact_costs', where: `cost_date = CAST(:rd AS DATE)` },
    { table: 'investor.agg_profit_daily', where: `order_date = CAST(:rd AS DATE)` },
    REFRESH('profit-aggregate'),
  ],
});

const engagementLoadFailed = failedNight({
  id: 'investor_engagement_load_failed',
  title: 'Event load failed (no engagement for the day)',
  summary:
    "An IAM role rotation left the engagement loader without read access to the events bucket: load_raw_events was denied on both tries of last night's engagement run, and the report date has no DAU, WAU or MAU — the 09:00 UTC SLA is at risk. Access is restored: reload the day's events and what follows them.",
  runbook: '/investor/engagement-aggregate#run-met-sla',
  dagId: 'investor_engagement_aggregate',
  taskId: 'load_raw_events',
  exception: 'ClientError',
  message: 'An error occurred (AccessDenied) when calling the GetObject operation on s3://app-events-raw/app-events/: User: arn:aws:sts::…:assumed-role/engagement-loader is not authorized',
  rows: [{ table: 'investor.agg_engagement', where: `session_date = CAST(:rd AS DATE)` }, REFRESH('engagement-aggregate')],
});

export const investorFailedRunScenarios: readonly Scenario[] = [profitExtractFailed, engagementLoadFailed];
