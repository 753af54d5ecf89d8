/**
 * The commands that start work in Airflow and then follow it: a trigger follows its new run; a backfill
 * follows the runs it created, day by day, until the last has ended (Airflow 3 only); a clear
 * first resolves its regex against the DAG's tasks, then either lists what it would clear (preview, a
 * dry run that changes nothing) or clears and follows the runs it put back to work.
 */
import type { AirflowCommand } from '../../../../plugins/remark-runbook/syntax/airflowCommand';
import type { RunError } from '../../../protocol';
import { ConnectorError } from '../../types';
import type { DagRunInfo, TaskInstanceInfo } from '../types';
import { ANSI } from './channel';
import { followRuns, tiName } from './follow';
import type { CommandContext, CommandResult } from './index';

type Of<N extends AirflowCommand['name']> = Extract<AirflowCommand, { name: N }>;

/** Runs a clear puts back to work that are followed at once; the rest keep going unwatched. */
const FOLLOW_AT_MOST = 5;

export async function triggerDag(c: Of<'dags trigger'>, ctx: CommandContext): Promise<CommandResult> {
  const run = await ctx.client.triggerRun(c.dagId, { conf: c.conf, logicalDate: c.logicalDate }, ctx.signal);
  ctx.started(run.runId, c.dagId);
  ctx.out.log(`Triggered ${c.dagId}: run ${run.runId} (${run.state})${c.conf && Object.keys(c.conf).length ? ` with conf ${JSON.stringify(c.conf)}` : ''}`);
  const finals = await followRuns([run], { client: ctx.client, out: ctx.out, signal: ctx.signal, pollMs: ctx.pollMs });
  summarize(ctx, finals);
  return { rowCount: 0, truncated: false, ...outcome(finals) };
}

export async function clearTasks(c: Of<'tasks clear'>, ctx: CommandContext): Promise<CommandResult> {
  const all = await ctx.client.listTaskIds(c.dagId, ctx.signal);
  // Python's re.search, which the CLI uses, finds the pattern anywhere in the id, as RegExp.test does.
  const pattern = new RegExp(c.taskRegex);
  const taskIds = all.filter((t) => pattern.test(t));
  if (taskIds.length === 0) {
    throw new ConnectorError('connector_error', `No task of ${c.dagId} matches /${c.taskRegex}/.`, `Its tasks are: ${all.join(', ')}.`);
  }
  const refs = await ctx.client.clearTaskInstances(c.dagId, {
    taskIds, startDate: c.startDate, endDate: c.endDate, onlyFailed: c.onlyFailed, includeDownstream: c.downstream, includeUpstream: c.upstream, dryRun: ctx.preview,
  }, ctx.signal);
  // map_index last, so the columns before it read as before; a mapped task has one row per map index.
  const table = await ctx.out.table(
    [{ name: 'dag_id', type: 'VARCHAR' }, { name: 'run_id', type: 'VARCHAR' }, { name: 'task_id', type: 'VARCHAR' }, { name: 'state', type: 'VARCHAR' }, { name: 'map_index', type: 'INTEGER' }],
    refs.map((r) => [r.dagId, r.runId, r.taskId, r.state, r.mapIndex]),
  );
  const runIds = [...new Set(refs.map((r) => r.runId))];
  if (ctx.preview) {
    ctx.out.log(`Dry run: ${refs.length} task instance${refs.length === 1 ? '' : 's'} in ${runIds.length} run${runIds.length === 1 ? '' : 's'} would be cleared (tasks matching /${c.taskRegex}/: ${taskIds.join(', ')}). Nothing was changed.`);
    return table;
  }
  if (refs.length === 0) {
    ctx.out.log(`Nothing to clear: no task instance of ${taskIds.join(', ')} matched${c.onlyFailed ? ' (only failed ones were asked for)' : ''}.`);
    return table;
  }
  for (const id of runIds) ctx.started(id, c.dagId);
  ctx.out.log(`Cleared ${refs.length} task instance${refs.length === 1 ? '' : 's'} in ${runIds.length} run${runIds.length === 1 ? '' : 's'}; following the new attempts.`);
  if (runIds.length > FOLLOW_AT_MOST) ctx.out.log(ANSI.dim(`Following the ${FOLLOW_AT_MOST} newest runs; the other ${runIds.length - FOLLOW_AT_MOST} run on in Airflow.`));
  const runs: DagRunInfo[] = await Promise.all(runIds.slice(-FOLLOW_AT_MOST).map((id) => ctx.client.getRun(c.dagId, id, ctx.signal)));
  const finals = await followRuns(runs, { client: ctx.client, out: ctx.out, signal: ctx.signal, pollMs: ctx.pollMs, showRun: runs.length > 1 });
  summarize(ctx, finals);
  return { ...table, ...outcome(finals) };
}

/**
 * A backfill's runs are created with it and run one at a time, oldest first: the block follows them all to the
 * end, so "succeeded" means the backfilled days are loaded (what the checks after it need), not only that the
 * backfill was accepted.
 */
export async function backfill(c: Of<'dags backfill'>, ctx: CommandContext): Promise<CommandResult> {
  const b = await ctx.client.createBackfill(c.dagId, c.startDate, c.endDate, ctx.signal);
  const from = b.fromDate.slice(0, 10);
  const to = b.toDate.slice(0, 10);
  ctx.out.log(`Backfill ${b.id} of ${b.dagId} created for ${from} to ${to}: Airflow runs the missing and failed days one by one; following them.`);
  const table = await ctx.out.table(
    [{ name: 'backfill_id', type: 'INTEGER' }, { name: 'dag_id', type: 'VARCHAR' }, { name: 'from_date', type: 'TIMESTAMP' }, { name: 'to_date', type: 'TIMESTAMP' }],
    [[b.id, b.dagId, b.fromDate, b.toDate]],
  );
  const inRange = await ctx.client.listRuns(c.dagId, { logicalDateGte: `${from}T00:00:00Z`, logicalDateLte: `${to}T23:59:59Z` }, ctx.signal);
  // Days that already had a good run are left alone by the backfill; the ones it queued or re-ran are followed.
  const runs = inRange.filter((r) => r.state !== 'success' || r.runType === 'backfill').sort((x, y) => (x.logicalDate ?? '').localeCompare(y.logicalDate ?? ''));
  for (const r of runs) ctx.started(r.runId, c.dagId);
  if (runs.length === 0) {
    ctx.out.log('Every day in the range already had a successful run: nothing to backfill.');
    return table;
  }
  const finals = await followRuns(runs, { client: ctx.client, out: ctx.out, signal: ctx.signal, pollMs: ctx.pollMs, showRun: runs.length > 1 });
  summarize(ctx, finals);
  return { ...table, ...outcome(finals) };
}

/** The runs' results as the last lines of the terminal. */
function summarize(ctx: CommandContext, finals: readonly { run: DagRunInfo; tis: TaskInstanceInfo[] }[]): void {
  for (const { run, tis } of finals) {
    const paint = run.state === 'success' ? ANSI.green : ANSI.red;
    const counts = [...tis.reduce((m, t) => m.set(t.state ?? 'none', (m.get(t.state ?? 'none') ?? 0) + 1), new Map<string, number>())].map(([k, n]) => `${n} ${k}`).join(', ');
    ctx.out.log(paint(`${run.dagId} run ${run.runId}: ${run.state} (${counts})`));
  }
}

/** success → succeeded; failed → a failure naming the failed tasks. */
function outcome(finals: readonly { run: DagRunInfo; tis: TaskInstanceInfo[] }[]): { failure?: RunError } {
  const failed = finals.filter((f) => f.run.state !== 'success');
  if (failed.length === 0) return {};
  const parts = failed.map((f) => {
    const tasks = f.tis.filter((t) => t.state === 'failed').map((t) => tiName(t.taskId, t.mapIndex));
    const blocked = f.tis.filter((t) => t.state === 'upstream_failed').length;
    return `${f.run.dagId} run ${f.run.runId} ${f.run.state}${tasks.length ? `: task${tasks.length > 1 ? 's' : ''} ${tasks.join(', ')} failed` : ''}${blocked ? ` (${blocked} downstream not run)` : ''}`;
  });
  return {
    failure: {
      code: 'connector_error',
      message: `${parts.join('; ')}.`,
      hint: 'Read the failed task log in the terminal. Once the cause is fixed, clear the failed task with its downstream (tasks clear -t … -d) rather than triggering a new run.',
    },
  };
}
