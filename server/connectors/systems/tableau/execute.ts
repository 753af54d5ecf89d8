/**
 * What tableau blocks do in the page. A refresh first shows what it would refresh (the item, its project, when
 * it last changed, its latest refresh job); once confirmed it asks Tableau for the refresh and follows the job:
 * each poll sends the job as a `state` (the task grid shows it as it shows an Airflow task) and a line when its
 * progress moves; at the end the job's outcome lands in the grid. Stopping the block cancels the job in Tableau
 * (Cancel Job), since a refresh left running would still replace the extract. Status and query blocks only read;
 * a query shows one column per --field, named so a check's condition can name it (`MAX(kpi_date)` → max_kpi_date).
 */
import { flagValue, flagValues, type ResolvedCommand } from '../../../../plugins/remark-runbook/syntax/systems/grammar';
import { parseField } from '../../../../plugins/remark-runbook/syntax/systems/tableau';
import type { AirflowRunState } from '../../../protocol';
import { ConnectorError } from '../../types';
import type { SystemResult, SystemRunContext } from '../types';
import type { ItemKind, TableauClient, TableauItem, TableauJob, VdsField } from './client';

export interface TableauRunContext extends SystemRunContext {
  readonly pollMs: number;
  /** Waits between polls; tests pass one that returns at once, so following depends on no clock. */
  readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
}

const PREVIEW_COLUMNS = [
  { name: 'kind', type: 'VARCHAR' },
  { name: 'name', type: 'VARCHAR' },
  { name: 'project', type: 'VARCHAR' },
  { name: 'id', type: 'VARCHAR' },
  { name: 'updated_at', type: 'TIMESTAMP' },
  { name: 'latest_refresh', type: 'VARCHAR' },
] as const;

const JOB_COLUMNS = [
  { name: 'name', type: 'VARCHAR' },
  { name: 'job_id', type: 'VARCHAR' },
  { name: 'outcome', type: 'VARCHAR' },
  { name: 'created_at', type: 'TIMESTAMP' },
  { name: 'started_at', type: 'TIMESTAMP' },
  { name: 'completed_at', type: 'TIMESTAMP' },
  { name: 'notes', type: 'VARCHAR' },
] as const;

const STATUS_COLUMNS = [
  { name: 'name', type: 'VARCHAR' },
  { name: 'project', type: 'VARCHAR' },
  { name: 'updated_at', type: 'TIMESTAMP' },
  { name: 'job_id', type: 'VARCHAR' },
  { name: 'job_status', type: 'VARCHAR' },
  { name: 'job_started_at', type: 'TIMESTAMP' },
  { name: 'job_ended_at', type: 'TIMESTAMP' },
] as const;

/** finishCode of Query Job in operators' words. */
export const OUTCOME: Readonly<Record<number, string>> = { 0: 'Success', 1: 'Failed', 2: 'Cancelled' };
const what = (kind: ItemKind) => (kind === 'datasource' ? 'data source' : 'workbook');

export async function runTableau(client: TableauClient, command: ResolvedCommand, ctx: TableauRunContext): Promise<SystemResult> {
  const [kind, verb] = command.name.split(' ') as [ItemKind, 'refresh' | 'status' | 'query'];
  const item = await client.find(kind, command.args.name!, flagValue(command, 'project'), ctx.signal);
  if (verb === 'query') return query(client, item, flagValues(command, 'field'), ctx);
  return verb === 'refresh' ? refresh(client, item, ctx) : status(client, item, Number(flagValue(command, 'limit') ?? 5), ctx);
}

/** A column name a condition can read: `MAX(kpi_date)` → max_kpi_date, `Order Date` → order_date. */
export function columnOf(written: string): string {
  const f = parseField(written);
  const base = f ? `${f.function ? `${f.function}_` : ''}${f.caption}` : written;
  const name = base.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[a-z_]/.test(name) ? name : `f_${name}`;
}

/** A grid type from the values Tableau answered (the query says nothing of types): dates and times stay dates. */
function typeOf(values: readonly unknown[]): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return 'VARCHAR';
  if (present.every((v) => typeof v === 'number')) return 'DOUBLE';
  if (present.every((v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v))) return 'DATE';
  if (present.every((v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v))) return 'TIMESTAMP';
  if (present.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
  return 'VARCHAR';
}

async function query(client: TableauClient, item: TableauItem, written: readonly string[], ctx: SystemRunContext): Promise<SystemResult> {
  const fields: VdsField[] = [];
  for (const w of written) {
    const f = parseField(w);
    // The grammar checked the words; a parameter's value is checked here, once it has one.
    if (!f) throw new ConnectorError('connector_error', `--field "${w}" is not a field caption or FUNCTION(caption).`, 'Write e.g. --field "MAX(kpi_date)".');
    const alias = columnOf(w);
    if (fields.some((x) => x.fieldAlias === alias)) throw new ConnectorError('connector_error', `--field "${w}" is asked twice (both would be the column ${alias}).`, 'Keep one.');
    fields.push({ fieldCaption: f.caption, ...(f.function ? { function: f.function } : {}), fieldAlias: alias });
  }
  const data = await client.queryDatasource(item, fields, ctx.signal);
  const rows = data.map((r) => fields.map((f) => cellOf(r[f.fieldAlias] ?? r[f.function ? `${f.function}(${f.fieldCaption})` : f.fieldCaption] ?? null)));
  ctx.grid.columns(fields.map((f, i) => ({ name: f.fieldAlias, type: typeOf(rows.map((r) => r[i])) })));
  await ctx.grid.rows(rows);
  ctx.out.log(`Tableau: the data source "${item.name}"${item.project ? ` (project ${item.project})` : ''} answered ${rows.length} row${rows.length === 1 ? '' : 's'} (VizQL Data Service).`);
  return {};
}

/** Cells travel as JSON scalars: anything else Tableau answered is shown as its text. */
const cellOf = (v: unknown): string | number | boolean | null => (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v));

async function refresh(client: TableauClient, item: TableauItem, ctx: TableauRunContext): Promise<SystemResult> {
  if (item.hasExtracts === false) {
    throw new ConnectorError('connector_error', `The data source "${item.name}" is a live connection: it has no extract to refresh.`, 'Its dashboards read the database directly; look at the tables it reads instead.');
  }
  if (ctx.preview) {
    const last = (await client.refreshJobs(item, 1, ctx.signal))?.[0];
    ctx.grid.columns(PREVIEW_COLUMNS);
    await ctx.grid.rows([[item.kind, item.name, item.project, item.id, item.updatedAt, last ? `${last.status} (job ${last.id}, ${last.createdAt ?? 'not started'})` : null]]);
    ctx.out.log(`Dry run: confirming would refresh the ${item.kind === 'workbook' ? 'extracts' : 'extract'} of the ${what(item.kind)} "${item.name}"${item.project ? ` (project ${item.project})` : ''} now and follow the job.\nLast updated ${item.updatedAt ?? 'never'}. Nothing was started.`);
    if (last && (last.status === 'Pending' || last.status === 'InProgress')) ctx.out.log(`A refresh of it is already ${last.status === 'Pending' ? 'queued' : 'running'} (job ${last.id}): Tableau may refuse a second one.`, 'stderr');
    return {};
  }
  const started = await client.refresh(item, ctx.signal);
  ctx.out.log(`Tableau: refresh of the ${what(item.kind)} "${item.name}" queued as job ${started.id}.`);
  const final = await follow(client, started, item, ctx);
  ctx.grid.columns(JOB_COLUMNS);
  const outcome = OUTCOME[final.finishCode ?? -1] ?? String(final.finishCode);
  await ctx.grid.rows([[item.name, final.id, outcome, final.createdAt, final.startedAt, final.completedAt, final.notes.join('\n') || null]]);
  ctx.out.log(`Job ${final.id}: ${outcome.toUpperCase()}${final.completedAt ? ` at ${final.completedAt}` : ''}.`);
  if (final.finishCode === 0) return {};
  return {
    failure: {
      code: 'connector_error',
      message: `The refresh of the ${what(item.kind)} "${item.name}" ended ${outcome.toLowerCase()} (job ${final.id}).${final.notes.length ? ` ${final.notes.join(' ')}` : ''}`,
      hint: final.finishCode === 2 ? 'Someone cancelled it in Tableau; start it again when ready.' : "Read the job's notes: a source that timed out or refused the connection must be fixed before refreshing again.",
    },
  };
}

/** Polls the job until it has a finish code, sending its state and each change of progress. */
async function follow(client: TableauClient, first: TableauJob, item: TableauItem, ctx: TableauRunContext): Promise<TableauJob> {
  let progress: number | null = null;
  let current = first;
  for (;;) {
    if (ctx.signal.aborted) return cancel(client, first, ctx);
    try {
      current = await client.job(first.id, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) return cancel(client, first, ctx);
      throw error;
    }
    ctx.out.state(stateOf(current, item));
    if (current.progress !== null && current.progress !== progress) {
      progress = current.progress;
      ctx.out.log(`Job ${current.id}: ${current.startedAt ? 'refreshing' : 'queued'}, ${progress}% done`);
    }
    if (current.finishCode !== null) return current;
    try {
      await ctx.wait(ctx.pollMs, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) return cancel(client, first, ctx);
      throw error;
    }
  }
}

async function cancel(client: TableauClient, job: TableauJob, ctx: TableauRunContext): Promise<never> {
  // The block's own signal is spent: the cancel gets a short one of its own.
  const sent = await client.cancel(job.id, AbortSignal.timeout(10_000)).then(() => true, () => false);
  ctx.out.log(sent ? `Asked Tableau to cancel job ${job.id}.` : `Could not cancel job ${job.id} in Tableau: it may still finish and replace the extract.`, 'stderr');
  throw new ConnectorError('cancelled', 'Cancelled.');
}

async function status(client: TableauClient, item: TableauItem, limit: number, ctx: SystemRunContext): Promise<SystemResult> {
  const jobs = await client.refreshJobs(item, limit, ctx.signal);
  ctx.grid.columns(STATUS_COLUMNS);
  if (!jobs || jobs.length === 0) await ctx.grid.rows([[item.name, item.project, item.updatedAt, null, null, null, null]]);
  else await ctx.grid.rows(jobs.map((j) => [item.name, item.project, item.updatedAt, j.id, j.status, j.startedAt, j.endedAt]));
  ctx.out.log(`The ${what(item.kind)} "${item.name}" was last updated ${item.updatedAt ?? 'never'}.`);
  if (jobs === null) ctx.out.log('Its refresh jobs are not listed: reading jobs needs a site administrator\'s token.', 'stderr');
  else if (jobs.length === 0) ctx.out.log('Tableau lists no refresh job of it (jobs are kept for a limited time).');
  return {};
}

/** The job in the task grid's words (the grid knows Airflow's states). */
export function stateOf(job: TableauJob, item: TableauItem): AirflowRunState {
  const state = job.finishCode === 0 ? 'success' : job.finishCode === 1 ? 'failed' : job.finishCode === 2 ? 'removed' : job.startedAt ? 'running' : 'queued';
  return {
    dagId: item.name,
    runId: job.id,
    state,
    logicalDate: job.createdAt,
    tasks: [{ taskId: 'refresh extract', state, tryNumber: 1, startDate: job.startedAt, endDate: job.completedAt }],
  };
}
