/**
 * What dbt-cloud blocks do in the page. `job run` first shows what it would start (the job, its steps or the
 * override, the cause); once confirmed it triggers the run and follows it: each poll sends the run and its
 * steps as a `state` (the task grid shows steps as it shows Airflow tasks) and the new part of each step's
 * log; at the end run_results.json fills the grid (models and tests, pass or fail). Stopping follows only:
 * the run goes on in dbt Cloud, as an Airflow DAG run does.
 */
import { flagValue, type ResolvedCommand } from '../../../../plugins/remark-runbook/syntax/systems/grammar';
import type { AirflowRunState } from '../../../protocol';
import { ANSI } from '../../airflow/execute/channel';
import { ConnectorError } from '../../types';
import type { SystemResult, SystemRunContext } from '../types';
import { isDone, RUN_STATUS, type DbtCloudClient, type DbtJob, type DbtRun } from './client';

export interface DbtRunContext extends SystemRunContext {
  readonly pollMs: number;
  /** Waits between polls; tests pass one that returns at once, so following depends on no clock. */
  readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
}

const PREVIEW_COLUMNS = [
  { name: 'job_id', type: 'BIGINT' },
  { name: 'job_name', type: 'VARCHAR' },
  { name: 'steps', type: 'VARCHAR' },
  { name: 'steps_overridden', type: 'BOOLEAN' },
  { name: 'cause', type: 'VARCHAR' },
  { name: 'last_run', type: 'VARCHAR' },
] as const;

const RUN_COLUMNS = [
  { name: 'run_id', type: 'BIGINT' },
  { name: 'status', type: 'VARCHAR' },
  { name: 'created_at', type: 'TIMESTAMP' },
  { name: 'started_at', type: 'TIMESTAMP' },
  { name: 'finished_at', type: 'TIMESTAMP' },
  { name: 'duration', type: 'VARCHAR' },
  { name: 'message', type: 'VARCHAR' },
] as const;

const RESULT_COLUMNS = [
  { name: 'unique_id', type: 'VARCHAR' },
  { name: 'resource_type', type: 'VARCHAR' },
  { name: 'status', type: 'VARCHAR' },
  { name: 'execution_time', type: 'DOUBLE' },
  { name: 'failures', type: 'BIGINT' },
  { name: 'message', type: 'VARCHAR' },
] as const;

export const DEFAULT_CAUSE = 'Triggered from an Opsbook runbook';

export async function runDbtCloud(client: DbtCloudClient, command: ResolvedCommand, ctx: DbtRunContext): Promise<SystemResult> {
  switch (command.name) {
    case 'job run':
      return jobRun(client, command, ctx);
    case 'run list':
      return runList(client, command, ctx);
    case 'run get':
      return runGet(client, command, ctx);
    default:
      throw new Error(`no dbt Cloud executor for "${command.name}"`);
  }
}

async function resolveJob(client: DbtCloudClient, command: ResolvedCommand, signal: AbortSignal): Promise<DbtJob> {
  const id = flagValue(command, 'jobId');
  return id ? client.getJob(Number(id), signal) : client.findJob(flagValue(command, 'jobName')!, signal);
}

async function jobRun(client: DbtCloudClient, command: ResolvedCommand, ctx: DbtRunContext): Promise<SystemResult> {
  const job = await resolveJob(client, command, ctx.signal);
  const override = flagValue(command, 'steps');
  const steps: readonly string[] | undefined = override ? (JSON.parse(override) as string[]) : undefined;
  const cause = flagValue(command, 'cause') ?? DEFAULT_CAUSE;
  if (ctx.preview) {
    const last = (await client.listRuns(job.id, 1, ctx.signal))[0];
    ctx.grid.columns(PREVIEW_COLUMNS);
    await ctx.grid.rows([[job.id, job.name, (steps ?? job.executeSteps).join('\n'), steps !== undefined, cause, last ? `${last.id} (${last.statusHumanized})` : null]]);
    ctx.out.log(`Dry run: confirming would start a run of job ${job.id} "${job.name}" with ${steps ? 'the steps' : "the job's own steps"}:\n${(steps ?? job.executeSteps).map((s) => `  ${s}`).join('\n')}\nNothing was started.`);
    if (last && !isDone(last.status)) ctx.out.log(`Run ${last.id} of this job is still ${last.statusHumanized.toLowerCase()}: a new run waits in the queue behind it.`, 'stderr');
    return {};
  }
  const threads = flagValue(command, 'threads');
  const started = await client.trigger(job.id, {
    cause,
    ...(steps ? { stepsOverride: steps } : {}),
    ...(flagValue(command, 'gitBranch') ? { gitBranch: flagValue(command, 'gitBranch')! } : {}),
    ...(flagValue(command, 'schema') ? { schemaOverride: flagValue(command, 'schema')! } : {}),
    ...(flagValue(command, 'target') ? { targetNameOverride: flagValue(command, 'target')! } : {}),
    ...(threads ? { threadsOverride: Number(threads) } : {}),
  }, ctx.signal);
  ctx.out.log(`Job ${job.id} "${job.name}" run ${started.id}: ${started.statusHumanized.toUpperCase()}${started.href ? ` — ${started.href}` : ''}`);
  const final = await follow(client, started, job, ctx);
  return finish(client, final, job, ctx);
}

/** Polls the run until it ends, sending its state and each step's new log lines. */
async function follow(client: DbtCloudClient, first: DbtRun, job: DbtJob, ctx: DbtRunContext): Promise<DbtRun> {
  const shown = new Map<number, number>();
  let lastStatus = first.status;
  let current = first;
  for (;;) {
    if (ctx.signal.aborted) throw new ConnectorError('cancelled', `Stopped following run ${first.id}; it goes on in dbt Cloud.`);
    current = await client.getRun(first.id, ctx.signal);
    ctx.out.state(stateOf(current, job));
    for (const step of current.steps) {
      const seen = shown.get(step.index) ?? 0;
      if (step.logs.length > seen) {
        if (seen === 0) ctx.out.log(ANSI.cyan(`── ${step.name}`));
        ctx.out.log(step.logs.slice(seen));
        shown.set(step.index, step.logs.length);
      }
    }
    if (current.status !== lastStatus) {
      ctx.out.log(`Job ${job.id} run ${current.id}: ${current.statusHumanized.toUpperCase()}`);
      lastStatus = current.status;
    }
    if (isDone(current.status)) return current;
    await ctx.wait(ctx.pollMs, ctx.signal);
  }
}

async function finish(client: DbtCloudClient, run: DbtRun, job: DbtJob, ctx: SystemRunContext): Promise<SystemResult> {
  const results = await client.runResults(run.id, ctx.signal);
  if (results) await resultRows(results, ctx);
  else ctx.out.log(ANSI.dim(`Run ${run.id} has no run_results.json (dbt did not get to run a model).`));
  const failed = results?.filter((r) => r.status === 'error' || r.status === 'fail') ?? [];
  if (run.status === 10) return {};
  const what = failed.length ? ` Failed: ${failed.map((r) => r.uniqueId).join(', ')}.` : run.statusMessage ? ` ${run.statusMessage}` : '';
  return {
    failure: {
      code: 'connector_error',
      message: `Job ${job.id} "${job.name}" run ${run.id} ended ${run.statusHumanized.toLowerCase()}.${what}`,
      hint: run.status === 30 ? 'Someone cancelled it in dbt Cloud.' : 'Read the failing step\'s log above; fix the model, then run the job again (with a steps override to run only what failed).',
    },
  };
}

async function resultRows(results: readonly { uniqueId: string; status: string; executionTime: number | null; failures: number | null; message: string | null }[], ctx: SystemRunContext): Promise<void> {
  ctx.grid.columns(RESULT_COLUMNS);
  await ctx.grid.rows(results.map((r) => [r.uniqueId, r.uniqueId.split('.')[0] ?? null, r.status, r.executionTime, r.failures, r.message]));
  const count = (s: string[]) => results.filter((r) => s.includes(r.status)).length;
  ctx.out.log(`Done. PASS=${count(['success', 'pass'])} WARN=${count(['warn'])} ERROR=${count(['error', 'fail'])} SKIP=${count(['skipped'])} TOTAL=${results.length}`);
}

async function runList(client: DbtCloudClient, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult> {
  const job = await resolveJob(client, command, ctx.signal);
  const runs = await client.listRuns(job.id, Number(flagValue(command, 'limit') ?? 10), ctx.signal);
  ctx.grid.columns(RUN_COLUMNS);
  await ctx.grid.rows(runs.map((r) => [r.id, r.statusHumanized, r.createdAt, r.startedAt, r.finishedAt, r.durationHumanized, r.statusMessage]));
  for (const r of runs) ctx.out.log(`Job ${job.id} run ${r.id}: ${r.statusHumanized.toUpperCase()}${r.finishedAt ? ` (finished ${r.finishedAt})` : ''}`);
  if (runs.length === 0) ctx.out.log(`Job ${job.id} "${job.name}" has no runs yet.`);
  return {};
}

async function runGet(client: DbtCloudClient, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult> {
  const run = await client.getRun(Number(flagValue(command, 'runId')), ctx.signal);
  const job: DbtJob = { id: run.jobId, name: `job ${run.jobId}`, executeSteps: [], environmentId: null };
  ctx.out.state(stateOf(run, job));
  for (const step of run.steps) ctx.out.log(`${ANSI.cyan(`── ${step.name}`)}\n${step.logs}`);
  const results = await client.runResults(run.id, ctx.signal);
  if (results) await resultRows(results, ctx);
  ctx.out.log(`Run ${run.id}: ${run.statusHumanized.toUpperCase()}`);
  return {};
}

/** dbt Cloud statuses in the task grid's words (the grid knows Airflow's states). */
const GRID_STATE: Readonly<Record<number, string>> = { 1: 'queued', 2: 'queued', 3: 'running', 10: 'success', 20: 'failed', 30: 'removed' };

export function stateOf(run: DbtRun, job: DbtJob): AirflowRunState {
  return {
    dagId: job.name,
    runId: String(run.id),
    state: GRID_STATE[run.status] ?? (RUN_STATUS[run.status] ?? 'none').toLowerCase(),
    logicalDate: run.createdAt,
    tasks: run.steps.map((s) => ({ taskId: s.name, state: GRID_STATE[s.status] ?? null, tryNumber: 1, startDate: s.startedAt, endDate: s.finishedAt })),
  };
}
