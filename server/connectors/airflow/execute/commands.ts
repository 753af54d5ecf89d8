/**
 * The other commands: reads that render as tables (and, for a run's task states, a `state` message for
 * the task grid), a task's log (followed to its end if the try is still running), pause and unpause,
 * and variables (backfills start work, so they live with the writes that follow it).
 */
import type { AirflowCommand } from '../../../../plugins/remark-runbook/syntax/airflowCommand';
import type { Cell } from '../../../protocol';
import { ConnectorError } from '../../types';
import type { DagRunInfo } from '../types';
import { ANSI } from './channel';
import { stateOf, tiName } from './follow';
import type { CommandContext, CommandResult } from './index';
import { resolveRun } from './resolveRun';

type Of<N extends AirflowCommand['name']> = Extract<AirflowCommand, { name: N }>;
const col = (name: string, type = 'VARCHAR') => ({ name, type });
const RUN_COLUMNS = [col('dag_id'), col('run_id'), col('state'), col('run_type'), col('logical_date', 'TIMESTAMP'), col('start_date', 'TIMESTAMP'), col('end_date', 'TIMESTAMP')];
const runRow = (r: DagRunInfo): Cell[] => [r.dagId, r.runId, r.state, r.runType, r.logicalDate, r.startDate, r.endDate];

/** Airflow's own list of names whose values it masks (DEFAULT_SENSITIVE_FIELDS). */
const SENSITIVE = ['access_token', 'api_key', 'apikey', 'authorization', 'passphrase', 'passwd', 'password', 'private_key', 'secret', 'token', 'keyfile_dict', 'service_account'];

export async function reads(c: Of<'dags state' | 'dags list-runs' | 'tasks states-for-dag-run' | 'variables get'>, ctx: CommandContext): Promise<CommandResult> {
  switch (c.name) {
    case 'dags state':
      return ctx.out.table(RUN_COLUMNS, [runRow(await resolveRun(ctx.client, c.dagId, c.run, ctx.signal))]);
    case 'dags list-runs': {
      // Without --limit, read one row more than fits so a cut list says it was cut.
      const runs = await ctx.client.listRuns(c.dagId, { state: c.state, limit: c.limit ?? ctx.maxRows + 1 }, ctx.signal);
      return ctx.out.table(RUN_COLUMNS, runs.map(runRow));
    }
    case 'tasks states-for-dag-run': {
      const run = await resolveRun(ctx.client, c.dagId, c.run, ctx.signal);
      const tis = await ctx.client.listTaskInstances(c.dagId, run.runId, ctx.signal);
      ctx.out.state(stateOf(run, tis, await ctx.client.listRequiredActions(c.dagId, run.runId, ctx.signal)));
      // map_index last: -1 for a task that is not mapped, one row per map index for one that is.
      return ctx.out.table(
        [col('dag_id'), col('run_id'), col('task_id'), col('state'), col('try_number', 'INTEGER'), col('start_date', 'TIMESTAMP'), col('end_date', 'TIMESTAMP'), col('duration', 'DOUBLE'), col('map_index', 'INTEGER')],
        tis.map((t) => [t.dagId, t.runId, t.taskId, t.state, t.tryNumber, t.startDate, t.endDate, t.duration, t.mapIndex]),
      );
    }
    case 'variables get': {
      const v = await ctx.client.getVariable(c.key, ctx.signal);
      const masked = SENSITIVE.some((s) => c.key.toLowerCase().includes(s));
      return ctx.out.table([col('key'), col('value')], [[v.key, masked ? '***' : v.value]]);
    }
  }
}

export async function readLogs(c: Of<'tasks logs'>, ctx: CommandContext): Promise<CommandResult> {
  const run = await resolveRun(ctx.client, c.dagId, c.run, ctx.signal);
  const instances = (await ctx.client.listTaskInstances(c.dagId, run.runId, ctx.signal)).filter((t) => t.taskId === c.taskId).sort((a, b) => a.mapIndex - b.mapIndex);
  if (instances.length === 0) throw new ConnectorError('connector_error', `Run ${run.runId} of ${c.dagId} has no task ${c.taskId}.`, 'Check the task id; tasks states-for-dag-run lists them.');
  const mapped = instances.some((t) => t.mapIndex >= 0);
  const chosen = c.mapIndex === null ? instances : instances.filter((t) => t.mapIndex === c.mapIndex);
  if (chosen.length === 0) {
    throw new ConnectorError(
      'connector_error',
      mapped
        ? `Task ${c.taskId} of run ${run.runId} has no map index ${c.mapIndex}; its map indexes are ${instances.map((t) => t.mapIndex).join(', ')}.`
        : `Task ${c.taskId} of run ${run.runId} is not mapped: it has no map index ${c.mapIndex}.`,
      mapped ? 'Pick one of them with -m, or leave -m out to read every map index in turn.' : 'Leave out -m (or write -m -1).',
    );
  }
  // Without -m, a mapped task's instances are read one after the other, each under its own header.
  for (const ti of chosen) {
    const tryNumber = c.tryNumber ?? ti.tryNumber;
    const name = tiName(ti.taskId, ti.mapIndex);
    if (tryNumber < 1 || tryNumber > ti.tryNumber) {
      const why = tryNumber < 1 ? `Task ${name} of run ${run.runId} has not run yet: there is no log.` : `Task ${name} of run ${run.runId} has had ${ti.tryNumber} tr${ti.tryNumber === 1 ? 'y' : 'ies'}; there is no try ${tryNumber}.`;
      if (chosen.length === 1) throw new ConnectorError('connector_error', why);
      ctx.out.log(ANSI.dim(why));
      continue;
    }
    await followLog(ctx, c.dagId, run.runId, ti.taskId, ti.mapIndex, tryNumber);
  }
  return { rowCount: 0, truncated: false };
}

/** One try's log to its end; a try still running is followed until it ends. */
async function followLog(ctx: CommandContext, dagId: string, runId: string, taskId: string, mapIndex: number, tryNumber: number): Promise<void> {
  ctx.out.log(ANSI.cyan(`── ${tiName(taskId, mapIndex)} · try ${tryNumber} · ${runId} ──`));
  let token: string | null = null;
  let idle = 0;
  for (;;) {
    const chunk = await ctx.client.readLog(dagId, runId, taskId, tryNumber, token, ctx.signal, mapIndex);
    ctx.out.log(chunk.text);
    if (chunk.token === null) break;
    token = chunk.token;
    if (chunk.text) continue;
    // Nothing new: a try still running is followed; a finished one whose server never says "complete" ends here.
    const now = (await ctx.client.listTaskInstances(dagId, runId, ctx.signal)).find((t) => t.taskId === taskId && t.mapIndex === mapIndex);
    const running = now && now.tryNumber === tryNumber && (now.state === 'running' || now.state === 'queued' || now.state === 'scheduled');
    if (!running && ++idle >= 2) break;
    await new Promise((r) => setTimeout(r, ctx.pollMs));
    if (ctx.signal.aborted) throw new ConnectorError('cancelled', 'Stopped following the log.');
  }
}

export async function setPaused(c: Of<'dags pause' | 'dags unpause'>, ctx: CommandContext): Promise<CommandResult> {
  const dag = await ctx.client.setPaused(c.dagId, c.name === 'dags pause', ctx.signal);
  ctx.out.log(`${dag.dagId} is now ${dag.isPaused ? 'paused: the scheduler starts no new runs (running tasks finish)' : 'unpaused: the scheduler starts its runs again'}.`);
  return ctx.out.table([col('dag_id'), col('is_paused', 'BOOLEAN')], [[dag.dagId, dag.isPaused]]);
}

export async function setVariable(c: Of<'variables set'>, ctx: CommandContext): Promise<CommandResult> {
  await ctx.client.setVariable(c.key, c.value, ctx.signal);
  // The value is not echoed: variables may hold secrets, and the page already shows what was sent.
  ctx.out.log(`Variable ${c.key} set.`);
  return { rowCount: 0, truncated: false };
}

