/**
 * `databricks run` blocks for Delta Live Tables pipelines, in the words of the official `databricks` CLI
 * (`databricks pipelines start-update|get-update|stop …`), so an operator can paste a block into a terminal
 * and back. Runbooks name a pipeline as operators do — `"ecommerce_dlt"` — or by its id (a UUID).
 *   databricks pipelines start-update "ecommerce_dlt" --full-refresh
 *   databricks pipelines start-update "ecommerce_dlt" --refresh silver_dim_orders,gold_sales_analytics
 *   databricks pipelines get-update "ecommerce_dlt"                    (the latest update, or --update-id)
 *   databricks pipelines events "ecommerce_dlt" --level WARN,ERROR     (the event log, into the grid)
 *   databricks pipelines events "ecommerce_dlt" --update-id latest     (the latest update's events only)
 *   databricks pipelines stop "ecommerce_dlt"
 * The CLI takes a table selection only inside --json; `--refresh` and `--full-refresh-selection` spell the
 * API's refresh_selection and full_refresh_selection as flags, because a JSON body in a runbook reads badly.
 */
import type { SystemGrammar, ValueCheck } from './grammar';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Pipeline names are free text in Databricks; runbooks keep to what a LIKE filter can match exactly. */
const pipeline: ValueCheck = (v, what) =>
  v.trim().length > 0 && v.length <= 100 && !/['\\%*]/.test(v) ? null : `${what} "${v}" must be a pipeline name (no quote, %, * or \\) or its id.`;
const TABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$/;
const tables: ValueCheck = (v, what) => {
  const names = v.split(',').map((t) => t.trim());
  const bad = names.find((t) => !TABLE.test(t));
  return bad === undefined ? null : `${what} is a comma-separated list of the pipeline's tables, e.g. silver_dim_orders,gold_sales_analytics; "${bad}" is not a table name.`;
};
export const EVENT_LEVELS = ['INFO', 'WARN', 'ERROR', 'METRICS'] as const;
const levels: ValueCheck = (v, what) => {
  const bad = v.split(',').map((l) => l.trim().toUpperCase()).find((l) => !(EVENT_LEVELS as readonly string[]).includes(l));
  return bad === undefined ? null : `${what} "${bad}" is not an event level: ${EVENT_LEVELS.join(', ')}.`;
};
const updateId: ValueCheck = (v, what) => (UUID.test(v) ? null : `${what} "${v}" is not an update id (a UUID, as get-update and the event log show it).`);
/** The event log of one update; `latest` is the pipeline's latest update, the one get-update shows by default. */
const updateIdOrLatest: ValueCheck = (v, what) => (v === 'latest' || UUID.test(v) ? null : `${what} "${v}" is not an update id (a UUID, as get-update and the event log show it) or latest.`);
const maxResults: ValueCheck = (v, what) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 1000 ? null : `${what} must be 1 to 1000.`);
const cause: ValueCheck = (v, what) => (v.trim().length > 0 && v.length <= 255 ? null : `${what} must be 1 to 255 characters.`);

export const isPipelineId = (v: string) => UUID.test(v);

const PIPELINE = { key: 'pipeline', what: 'the pipeline (its name in quotes, e.g. "ecommerce_dlt", or its id)', check: pipeline } as const;

/** A full refresh rebuilds every table: it cannot be combined with a selection (Databricks refuses it too). */
const oneRefresh = (given: ReadonlySet<string>) =>
  given.has('fullRefresh') && (given.has('refresh') || given.has('fullRefreshSelection'))
    ? '--full-refresh rebuilds every table; give it alone, or select tables with --refresh / --full-refresh-selection.'
    : null;

export const DATABRICKS_GRAMMAR: SystemGrammar = {
  lang: 'databricks',
  label: 'Databricks',
  program: 'databricks',
  defaultTarget: 'databricks',
  commands: [
    {
      words: ['pipelines', 'start-update'],
      write: true,
      summary: 'start a DLT pipeline update (all tables, a full refresh, or selected tables), follow it live to its final state',
      positionals: [PIPELINE],
      flags: [
        { names: ['--full-refresh'], key: 'fullRefresh', takes: 'switch' },
        { names: ['--refresh', '--refresh-selection'], key: 'refresh', takes: 'value', check: tables },
        { names: ['--full-refresh-selection'], key: 'fullRefreshSelection', takes: 'value', check: tables },
        { names: ['--cause'], key: 'cause', takes: 'value', check: cause },
      ],
      validate: oneRefresh,
    },
    {
      words: ['pipelines', 'get-update'],
      write: false,
      summary: "an update's state and its flows (the latest update unless --update-id)",
      positionals: [PIPELINE],
      flags: [{ names: ['--update-id'], key: 'updateId', takes: 'value', check: updateId }],
    },
    {
      words: ['pipelines', 'events'],
      write: false,
      summary: "the pipeline's event log, newest first: expectations with dropped records, schema evolution, errors (of one update with --update-id, latest for the latest)",
      positionals: [PIPELINE],
      flags: [
        { names: ['--level'], key: 'level', takes: 'value', check: levels },
        { names: ['--update-id'], key: 'updateId', takes: 'value', check: updateIdOrLatest },
        { names: ['--max-results'], key: 'maxResults', takes: 'value', check: maxResults },
      ],
    },
    {
      words: ['pipelines', 'stop'],
      write: true,
      summary: "stop the pipeline's active update",
      positionals: [PIPELINE],
      flags: [],
    },
  ],
};
