/**
 * A trigger's dry run: what `dags trigger` would start — the DAG, its logical date, the conf, the run it
 * would create, whether the DAG is paused (the run would wait) and whether a run already holds that
 * logical date (Airflow would refuse it). Nothing is sent to Airflow but reads; the page shows this table
 * and asks the operator to confirm before the real trigger, as it does for a clear.
 */
import type { AirflowCommand } from '../../../../plugins/remark-runbook/syntax/airflowCommand';
import type { CommandContext, CommandResult } from './index';

type Trigger = Extract<AirflowCommand, { name: 'dags trigger' }>;

export const TRIGGER_PREVIEW_COLUMNS = [
  { name: 'dag_id', type: 'VARCHAR' },
  { name: 'logical_date', type: 'VARCHAR' },
  { name: 'conf', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'dag_paused', type: 'BOOLEAN' },
  { name: 'existing_run', type: 'VARCHAR' },
] as const;

/** Airflow's name for a manual run: `manual__` and the logical date with an explicit UTC offset. */
export function manualRunId(logicalDate: string): string {
  return `manual__${logicalDate.replace(/Z$/, '+00:00')}`;
}

export async function previewTrigger(c: Trigger, ctx: CommandContext): Promise<CommandResult> {
  const dag = await ctx.client.getDag(c.dagId, ctx.signal);
  const existing = c.logicalDate
    ? (await ctx.client.listRuns(c.dagId, { logicalDateGte: c.logicalDate, logicalDateLte: c.logicalDate, limit: 1 }, ctx.signal))[0] ?? null
    : null;
  const conf = c.conf && Object.keys(c.conf).length ? JSON.stringify(c.conf) : '{}';
  const runId = c.logicalDate ? manualRunId(c.logicalDate) : 'manual__<the moment you confirm>';
  const table = await ctx.out.table(TRIGGER_PREVIEW_COLUMNS, [
    [c.dagId, c.logicalDate ?? 'now (when you confirm)', conf, runId, dag.isPaused, existing ? `${existing.runId} (${existing.state})` : null],
  ]);
  ctx.out.log(`Dry run: confirming would start ${c.dagId} run ${runId} with conf ${conf}. Nothing was started.`);
  if (dag.isPaused) ctx.out.log(`${c.dagId} is paused: a triggered run waits in "queued" until the DAG is unpaused.`, 'stderr');
  if (existing) ctx.out.log(`A run already holds this logical date (${existing.runId}, ${existing.state}): Airflow will refuse a second one. Clear that run's tasks instead.`, 'stderr');
  return table;
}
