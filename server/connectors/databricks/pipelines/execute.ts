/**
 * What databricks (DLT) blocks do in the page. `start-update` first shows what it would start (the pipeline,
 * its state, its latest update, what would be refreshed); once confirmed it starts the update and follows it:
 * each poll sends the update and its flows as a `state` (the task grid shows flows as it shows Airflow tasks)
 * and logs the update's new events; it ends with the final state, and the flows' rows and dropped records in
 * the grid. Stopping the run stops the update in Databricks (`POST …/stop`): a DLT update left running keeps a
 * cluster busy, unlike an Airflow run nobody follows. `get-update` puts the update itself in the grid (one row:
 * its state, flows, dropped records and error), as the API's GetUpdate answers one update, so a check reads
 * `state = 'COMPLETED'`; its flows go to the task grid. `events` puts the event log in the grid, one row per
 * expectation of a flow's data-quality report, so dropped records read per expectation; `--update-id latest`
 * reads the latest update's events only (the API filters by level and time, not by update: the client does).
 */
import { flagValue, type ResolvedCommand } from '../../../../plugins/remark-runbook/syntax/systems/grammar';
import type { AirflowRunState, Cell } from '../../../protocol';
import { ANSI } from '../../airflow/execute/channel';
import { ConnectorError } from '../../types';
import type { SystemResult, SystemRunContext } from '../../systems/types';
import type { Pipeline, PipelinesClient } from './client';
import { isFinal, type PipelineEvent, type StartUpdateRequest, type UpdateInfo } from './wire';

export interface PipelineRunContext extends SystemRunContext {
  readonly pollMs: number;
  /** Waits between polls; tests pass one that returns at once, so following depends on no clock. */
  readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
}

const EVENT_COLUMNS = [
  { name: 'timestamp', type: 'TIMESTAMP' },
  { name: 'level', type: 'VARCHAR' },
  { name: 'event_type', type: 'VARCHAR' },
  { name: 'flow_name', type: 'VARCHAR' },
  { name: 'message', type: 'VARCHAR' },
  { name: 'expectation', type: 'VARCHAR' },
  { name: 'passed_records', type: 'BIGINT' },
  { name: 'dropped_records', type: 'BIGINT' },
  { name: 'update_id', type: 'VARCHAR' },
] as const;

const FLOW_COLUMNS = [
  { name: 'flow_name', type: 'VARCHAR' },
  { name: 'status', type: 'VARCHAR' },
  { name: 'output_rows', type: 'BIGINT' },
  { name: 'dropped_records', type: 'BIGINT' },
  { name: 'expectations', type: 'VARCHAR' },
] as const;

/** One update, in GetUpdate's words, with what its events say of its flows. */
const UPDATE_COLUMNS = [
  { name: 'update_id', type: 'VARCHAR' },
  { name: 'state', type: 'VARCHAR' },
  { name: 'cause', type: 'VARCHAR' },
  { name: 'creation_time', type: 'TIMESTAMP' },
  { name: 'full_refresh', type: 'BOOLEAN' },
  { name: 'flows_completed', type: 'BIGINT' },
  { name: 'flows', type: 'BIGINT' },
  { name: 'dropped_records', type: 'BIGINT' },
  { name: 'error', type: 'VARCHAR' },
] as const;

const PREVIEW_COLUMNS = [
  { name: 'pipeline_id', type: 'VARCHAR' },
  { name: 'pipeline', type: 'VARCHAR' },
  { name: 'pipeline_state', type: 'VARCHAR' },
  { name: 'refresh', type: 'VARCHAR' },
  { name: 'latest_update', type: 'VARCHAR' },
] as const;

const list = (v: string | null) => (v ? v.split(',').map((t) => t.trim()).filter(Boolean) : undefined);

export async function runPipelines(client: PipelinesClient, command: ResolvedCommand, ctx: PipelineRunContext): Promise<SystemResult> {
  const pipeline = await client.findPipeline(command.args.pipeline!, ctx.signal);
  switch (command.name) {
    case 'pipelines start-update':
      return startUpdate(client, pipeline, command, ctx);
    case 'pipelines get-update':
      return getUpdate(client, pipeline, command, ctx);
    case 'pipelines events':
      return events(client, pipeline, command, ctx);
    case 'pipelines stop':
      return stop(client, pipeline, ctx);
    default:
      throw new Error(`no Databricks executor for "${command.name}"`);
  }
}

/** The request body a block asks for: the API's field names, nothing else. */
export function startRequest(command: ResolvedCommand): StartUpdateRequest {
  const refresh = list(flagValue(command, 'refresh'));
  const full = list(flagValue(command, 'fullRefreshSelection'));
  return {
    ...(command.flags.fullRefresh === true ? { full_refresh: true } : {}),
    ...(refresh ? { refresh_selection: refresh } : {}),
    ...(full ? { full_refresh_selection: full } : {}),
    cause: 'API_CALL',
  };
}

function describe(request: StartUpdateRequest): string {
  if (request.full_refresh) return 'a full refresh: every table emptied and rebuilt from its sources';
  const parts = [
    ...(request.full_refresh_selection ? [`full refresh of ${request.full_refresh_selection.join(', ')}`] : []),
    ...(request.refresh_selection ? [`refresh of ${request.refresh_selection.join(', ')}`] : []),
  ];
  return parts.length ? parts.join('; ') : 'every table, with the new data only';
}

const active = (p: Pipeline) => p.latestUpdates.find((u) => u.state && !isFinal(u.state)) ?? null;

async function startUpdate(client: PipelinesClient, pipeline: Pipeline, command: ResolvedCommand, ctx: PipelineRunContext): Promise<SystemResult> {
  const request = startRequest(command);
  const latest = pipeline.latestUpdates[0] ?? null;
  if (ctx.preview) {
    ctx.grid.columns(PREVIEW_COLUMNS);
    await ctx.grid.rows([[pipeline.id, pipeline.name, pipeline.state, describe(request), latest ? `${latest.updateId} (${latest.state ?? '?'})` : null]]);
    ctx.out.log(`Dry run: confirming would start an update of pipeline "${pipeline.name}" (${pipeline.id}): ${describe(request)}.\nNothing was started.`);
    const running = active(pipeline);
    if (running) ctx.out.log(`Update ${running.updateId} is still ${running.state}: Databricks refuses a new update until it ends (stop it with databricks pipelines stop).`, 'stderr');
    return {};
  }
  const updateId = await client.startUpdate(pipeline.id, request, ctx.signal);
  ctx.out.log(`Pipeline "${pipeline.name}" update ${updateId} started: ${describe(request)}.`);
  const update = await follow(client, pipeline, updateId, ctx);
  return finish(pipeline, update, ctx);
}

interface Flow {
  status: string;
  outputRows: number | null;
  dropped: number | null;
  expectations: string[];
  at: string;
}

/** Flows as the update's events report them (the latest flow_progress of each flow). */
function flowsOf(events: readonly PipelineEvent[]): Map<string, Flow> {
  const flows = new Map<string, Flow>();
  for (const e of [...events].sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
    const progress = e.details?.flow_progress;
    const name = e.origin?.flow_name;
    if (!progress || !name) continue;
    const dq = progress.data_quality;
    flows.set(name, {
      status: progress.status ?? 'RUNNING',
      outputRows: progress.metrics?.num_output_rows ?? flows.get(name)?.outputRows ?? null,
      dropped: dq?.dropped_records ?? flows.get(name)?.dropped ?? null,
      expectations: dq?.expectations?.map((x) => `${x.name}: ${x.failed_records ?? 0} failed`) ?? flows.get(name)?.expectations ?? [],
      at: e.timestamp,
    });
  }
  return flows;
}

/** DLT flow and update states in the task grid's words (it knows Airflow's). */
const GRID_STATE: Readonly<Record<string, string>> = {
  QUEUED: 'queued', CREATED: 'queued', WAITING_FOR_RESOURCES: 'queued', INITIALIZING: 'running', RESETTING: 'running', SETTING_UP_TABLES: 'running',
  RUNNING: 'running', STOPPING: 'running', COMPLETED: 'success', FAILED: 'failed', CANCELED: 'removed', STARTING: 'running', PLANNING: 'running',
  IDLE: 'queued', SKIPPED: 'skipped', EXCLUDED: 'skipped',
};

export function stateOf(pipeline: Pipeline, update: UpdateInfo, flows: ReadonlyMap<string, Flow>): AirflowRunState {
  return {
    dagId: pipeline.name,
    runId: update.update_id,
    state: GRID_STATE[update.state] ?? update.state.toLowerCase(),
    logicalDate: update.creation_time !== undefined ? new Date(update.creation_time).toISOString() : null,
    tasks: [...flows.entries()].map(([name, f]) => ({ taskId: name, state: GRID_STATE[f.status] ?? f.status.toLowerCase(), tryNumber: 1, startDate: null, endDate: isFinal(f.status) ? f.at : null })),
  };
}

const eventLine = (e: PipelineEvent) => {
  const level = e.level ?? 'INFO';
  const text = `${e.timestamp} ${level.padEnd(5)} ${e.event_type ?? ''}${e.origin?.flow_name ? ` ${e.origin.flow_name}` : ''}: ${e.message ?? ''}`;
  return level === 'ERROR' ? ANSI.red(text) : level === 'WARN' ? ANSI.cyan(text) : text;
};

/** The update's events: the API filters by time only, so those of other updates at the same time are dropped here. */
async function updateEvents(client: PipelinesClient, pipeline: Pipeline, update: UpdateInfo, signal: AbortSignal): Promise<PipelineEvent[]> {
  const since = update.creation_time !== undefined ? new Date(update.creation_time).toISOString() : undefined;
  const all = await client.events(pipeline.id, { ...(since ? { since } : {}), limit: 1000 }, signal);
  return all.filter((e) => e.origin?.update_id === update.update_id);
}

/** Polls the update until it ends, sending its state and logging each new event once. */
async function follow(client: PipelinesClient, pipeline: Pipeline, updateId: string, ctx: PipelineRunContext): Promise<{ update: UpdateInfo; events: PipelineEvent[] }> {
  const seen = new Set<string>();
  let lastState = '';
  for (;;) {
    try {
      if (ctx.signal.aborted) throw new ConnectorError('cancelled', 'Cancelled.');
      const update = await client.getUpdate(pipeline.id, updateId, ctx.signal);
      const events = await updateEvents(client, pipeline, update, ctx.signal);
      for (const e of [...events].reverse()) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        ctx.out.log(eventLine(e), e.level === 'ERROR' ? 'stderr' : 'stdout');
      }
      if (update.state !== lastState) {
        ctx.out.log(`Update ${updateId}: ${update.state}`);
        lastState = update.state;
      }
      ctx.out.state(stateOf(pipeline, update, flowsOf(events)));
      if (isFinal(update.state)) return { update, events };
      await ctx.wait(ctx.pollMs, ctx.signal);
    } catch (error) {
      if (!ctx.signal.aborted) throw error;
      // The operator stopped the run: stop the update too, on a signal of its own (the run's is spent).
      await client.stop(pipeline.id, AbortSignal.timeout(15_000)).then(
        () => ctx.out.log(`Asked Databricks to stop update ${updateId} of "${pipeline.name}".`, 'stderr'),
        (e: unknown) => ctx.out.log(`Could not stop update ${updateId}: ${(e as Error).message}. Stop it in Databricks.`, 'stderr'),
      );
      throw new ConnectorError('cancelled', `Cancelled; update ${updateId} of "${pipeline.name}" was asked to stop.`);
    }
  }
}

async function flowRows(flows: ReadonlyMap<string, Flow>, ctx: SystemRunContext): Promise<void> {
  ctx.grid.columns(FLOW_COLUMNS);
  await ctx.grid.rows([...flows.entries()].map(([name, f]): Cell[] => [name, f.status, f.outputRows, f.dropped, f.expectations.join('; ') || null]));
}

async function finish(pipeline: Pipeline, done: { update: UpdateInfo; events: PipelineEvent[] }, ctx: SystemRunContext): Promise<SystemResult> {
  const flows = flowsOf(done.events);
  await flowRows(flows, ctx);
  const dropped = [...flows.values()].reduce((n, f) => n + (f.dropped ?? 0), 0);
  ctx.out.log(`Update ${done.update.update_id} ended ${done.update.state}: ${flows.size} flow${flows.size === 1 ? '' : 's'}, ${dropped} record${dropped === 1 ? '' : 's'} dropped by expectations.`);
  if (done.update.state === 'COMPLETED') return {};
  const why = errorOf(done.events);
  return {
    failure: {
      code: 'connector_error',
      message: `Update ${done.update.update_id} of pipeline "${pipeline.name}" ended ${done.update.state}.${why ? ` ${why}` : ''}`,
      hint: done.update.state === 'CANCELED' ? 'Someone stopped it in Databricks.' : 'Read the ERROR events above (or run databricks pipelines events --level ERROR); fix the cause, then start the update again — with --refresh for only the failed tables.',
    },
  };
}

async function getUpdate(client: PipelinesClient, pipeline: Pipeline, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult> {
  const updateId = flagValue(command, 'updateId') ?? pipeline.latestUpdates[0]?.updateId;
  // The grid's columns first: a pipeline with no update is an empty grid, which a check reads as no update.
  ctx.grid.columns(UPDATE_COLUMNS);
  if (!updateId) {
    ctx.out.log(`Pipeline "${pipeline.name}" has no updates yet.`);
    return {};
  }
  const update = await client.getUpdate(pipeline.id, updateId, ctx.signal);
  const events = await updateEvents(client, pipeline, update, ctx.signal);
  const flows = flowsOf(events);
  ctx.out.state(stateOf(pipeline, update, flows));
  for (const e of [...events].reverse()) ctx.out.log(eventLine(e));
  const completed = [...flows.values()].filter((f) => f.status === 'COMPLETED').length;
  const dropped = [...flows.values()].reduce((n, f) => n + (f.dropped ?? 0), 0);
  await ctx.grid.rows([[
    update.update_id, update.state, update.cause ?? null,
    update.creation_time !== undefined ? new Date(update.creation_time).toISOString().replace('T', ' ').replace('Z', '') : null,
    update.full_refresh ?? false, completed, flows.size, dropped, errorOf(events),
  ]]);
  ctx.out.log(`Update ${update.update_id}: ${update.state}${update.full_refresh ? ' (full refresh)' : ''}`);
  return {};
}

/** Why an update failed, as its first ERROR event says it. */
function errorOf(events: readonly PipelineEvent[]): string | null {
  const error = events.find((e) => e.level === 'ERROR' && e.error?.exceptions?.length) ?? events.find((e) => e.level === 'ERROR');
  return error?.error?.exceptions?.[0]?.message ?? error?.message ?? null;
}

async function events(client: PipelinesClient, pipeline: Pipeline, command: ResolvedCommand, ctx: SystemRunContext): Promise<SystemResult> {
  const levels = list(flagValue(command, 'level'))?.map((l) => l.toUpperCase());
  const asked = flagValue(command, 'updateId');
  const updateId = asked === 'latest' ? pipeline.latestUpdates[0]?.updateId : asked ?? undefined;
  const limit = Number(flagValue(command, 'maxResults') ?? 100);
  ctx.grid.columns(EVENT_COLUMNS);
  if (asked === 'latest' && !updateId) {
    ctx.out.log(`Pipeline "${pipeline.name}" has no updates yet: no events to show.`);
    return {};
  }
  // The API filters by level and time only: an update's events are read from its creation on and picked here.
  const since = updateId ? await updateStart(client, pipeline, updateId, ctx.signal) : undefined;
  const all = await client.events(pipeline.id, { ...(levels ? { levels } : {}), ...(since ? { since } : {}), limit: updateId ? 1000 : limit }, ctx.signal);
  const picked = (updateId ? all.filter((e) => e.origin?.update_id === updateId) : all).slice(0, limit);
  const rows: Cell[][] = [];
  for (const e of picked) {
    const base = (): Cell[] => [e.timestamp.replace('T', ' ').replace('Z', ''), e.level ?? null, e.event_type ?? null, e.origin?.flow_name ?? null, e.error?.exceptions?.[0]?.message ?? e.message ?? null];
    const expectations = e.details?.flow_progress?.data_quality?.expectations ?? [];
    if (expectations.length === 0) rows.push([...base(), null, null, e.details?.flow_progress?.data_quality?.dropped_records ?? null, e.origin?.update_id ?? null]);
    for (const x of expectations) rows.push([...base(), x.name, x.passed_records ?? null, x.failed_records ?? 0, e.origin?.update_id ?? null]);
  }
  await ctx.grid.rows(rows);
  ctx.out.log(`${picked.length} event${picked.length === 1 ? '' : 's'} of pipeline "${pipeline.name}"${levels ? ` at level ${levels.join(', ')}` : ''}${updateId ? ` in ${asked === 'latest' ? 'its latest ' : ''}update ${updateId}` : ''}, newest first.`);
  return {};
}

/** When an update was created (ISO), so its events are read from then on; absent when the API does not say. */
async function updateStart(client: PipelinesClient, pipeline: Pipeline, updateId: string, signal: AbortSignal): Promise<string | undefined> {
  const update = await client.getUpdate(pipeline.id, updateId, signal);
  return update.creation_time !== undefined ? new Date(update.creation_time).toISOString() : undefined;
}

async function stop(client: PipelinesClient, pipeline: Pipeline, ctx: SystemRunContext): Promise<SystemResult> {
  const running = active(pipeline);
  if (ctx.preview) {
    ctx.grid.columns(PREVIEW_COLUMNS);
    await ctx.grid.rows([[pipeline.id, pipeline.name, pipeline.state, 'stop', running ? `${running.updateId} (${running.state ?? '?'})` : null]]);
    ctx.out.log(running ? `Dry run: confirming would stop update ${running.updateId} (${running.state}) of "${pipeline.name}". Nothing was stopped.` : `Dry run: "${pipeline.name}" has no active update; stopping would change nothing.`);
    return {};
  }
  await client.stop(pipeline.id, ctx.signal);
  ctx.out.log(`Asked Databricks to stop pipeline "${pipeline.name}"${running ? ` (update ${running.updateId})` : ''}.`);
  return {};
}
