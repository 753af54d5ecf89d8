/**
 * DLT pipeline blocks against the contract fake of the Pipelines API 2.0: every request the client sends is
 * checked by the fake (a refused request fails the run), updates are followed to their end through the same
 * executor the runner uses, and errors, event-log paging, 429 Retry-After and stop-on-cancel are answered as the
 * API reference documents them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../../plugins/remark-runbook/syntax/params';
import { DATABRICKS_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/databricks';
import type { ConnectionConfig } from '../../../config';
import type { ServerMessage } from '../../../protocol';
import { executeSystemSnippet } from '../../systems/run';
import { defineSystem, type OpenSystem } from '../../systems/types';
import type { DatabricksConnectionConfig } from '../config';
import { startPipelinesFake, type PipelinesFake } from '../testing/pipelines';
import { createPipelinesClient, type PipelinesClient } from './client';
import { runPipelines } from './execute';

const ECOMM = '0f2b7d1e-8a8e-4c55-9b8a-3a1d2c4e5f60';
const OTHER = '1a2b3c4d-0000-4c55-9b8a-3a1d2c4e5f61';
const TABLES = ['bronze_orders', 'silver_dim_orders', 'gold_sales_analytics'];
let fake: PipelinesFake;
let sleeps: number[];
let onPoll: (() => void) | null = null;

beforeAll(async () => {
  // 130 pipelines, and ecommerceXdlt, which the LIKE filter also matches (_ is any character): the exact name decides.
  const filler = Array.from({ length: 127 }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `ecommerce_dlt_copy_${i}` }));
  fake = await startPipelinesFake({
    principals: [{ token: 'dapi-read', name: 'reader@example.com', canRun: false }, { token: 'dapi-write', name: 'runner@example.com', canRun: true }],
    pipelines: [...filler, { id: 'aaaaaaaa-0000-4000-8000-000000000000', name: 'ecommerceXdlt' }, { id: ECOMM, name: 'ecommerce_dlt', tables: TABLES }, { id: OTHER, name: 'retail_dlt' }],
  });
});
afterAll(async () => fake?.close());
let mark = 0;
beforeEach(() => {
  mark = fake.requests.length;
  sleeps = [];
  onPoll = null;
});

function system(client: PipelinesClient) {
  return defineSystem<DatabricksConnectionConfig, PipelinesClient>({
    grammar: DATABRICKS_GRAMMAR,
    kind: 'databricks',
    isConnection: (c: ConnectionConfig): c is DatabricksConnectionConfig => c.kind === 'databricks',
    connect: async () => client,
    // Polls are not slept: following depends on no clock. A test may act between polls.
    run: (c, command, ctx) => runPipelines(c, command, { ...ctx, pollMs: 0, wait: async () => void onPoll?.() }),
    probe: async (c) => String(await c.countPipelines(new AbortController().signal)),
    close: () => undefined,
  });
}

async function opened(tokens: { read: string; write?: string } = { read: 'dapi-read', write: 'dapi-write' }): Promise<OpenSystem> {
  const client = createPipelinesClient({ host: fake.url, readToken: tokens.read, ...(tokens.write ? { writeToken: tokens.write } : {}), sleep: async (ms) => void sleeps.push(ms) });
  return system(client).open({ kind: 'databricks', host: fake.url, read: { token: tokens.read } }, { s3: () => Promise.reject(new Error('none')), dbtCloud: () => Promise.reject(new Error('none')) });
}

async function exec(text: string, options: { open?: OpenSystem; binds?: Record<string, BoundValue>; preview?: boolean; signal?: AbortSignal } = {}) {
  const messages: ServerMessage[] = [];
  const open = options.open ?? (await opened());
  const outcome = await executeSystemSnippet({
    system: system(null as unknown as PipelinesClient), open, text, binds: options.binds ?? {}, preview: options.preview ?? false, confirmed: true, id: 'x',
    signal: options.signal ?? new AbortController().signal, maxRows: 1000,
    channel: { send: (m) => void messages.push(m), rows: (batch) => ((messages.push({ type: 'rows', id: 'x', rows: batch }), Promise.resolve())) },
  });
  return {
    outcome,
    columns: messages.flatMap((m) => (m.type === 'columns' ? [m.columns.map((c) => c.name)] : [])),
    rows: messages.flatMap((m) => (m.type === 'rows' ? m.rows : [])),
    states: messages.flatMap((m) => (m.type === 'state' ? [m.state as { state: string; tasks: { taskId: string; state: string }[] }] : [])),
    logs: messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join(''),
  };
}

const refused = () => fake.requests.slice(mark).filter((r) => r.status >= 400 && r.status !== 429);

describe('databricks pipelines start-update', () => {
  it('previews without starting, then starts a full refresh and follows it to COMPLETED with flows and dropped records', async () => {
    fake.script(ECOMM, {
      outcome: 'COMPLETED', states: ['QUEUED', 'WAITING_FOR_RESOURCES', 'INITIALIZING', 'SETTING_UP_TABLES', 'RUNNING'],
      flows: [{ name: 'bronze_orders', outputRows: 120 }, { name: 'silver_dim_orders', outputRows: 118, expectations: [{ name: 'valid_pk', passed: 118, failed: 2 }] }],
      warnings: [{ flow: 'bronze_orders', message: 'Unknown column sales_channel rescued into _rescued_data' }],
    });
    const before = fake.updates.length;
    const preview = await exec('databricks pipelines start-update "ecommerce_dlt" --full-refresh', { preview: true });
    expect(preview.outcome).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(preview.logs).toMatch(/Dry run: confirming would start an update of pipeline "ecommerce_dlt" \(0f2b7d1e-.*\): a full refresh/);
    expect(fake.updates.length).toBe(before);

    const run = await exec('databricks pipelines start-update "ecommerce_dlt" --full-refresh');
    expect(run.outcome).toMatchObject({ status: 'succeeded', dryRun: false });
    const start = fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/updates'))!;
    // Exactly the API's fields, sent with the write profile's token; every read with the read token.
    expect(start).toMatchObject({ body: { full_refresh: true, cause: 'API_CALL' }, principal: 'runner@example.com', status: 200 });
    expect(fake.requests.filter((r) => r.method === 'GET').every((r) => r.principal === 'reader@example.com')).toBe(true);
    expect(run.states.map((s) => s.state)).toEqual(['queued', 'queued', 'running', 'running', 'running', 'success']);
    expect(run.states.at(-1)!.tasks).toEqual([expect.objectContaining({ taskId: 'bronze_orders', state: 'success' }), expect.objectContaining({ taskId: 'silver_dim_orders', state: 'success' })]);
    expect(run.logs).toMatch(/WARN  schema_evolution bronze_orders: Unknown column sales_channel/);
    expect(run.logs).toMatch(/Update .*: COMPLETED/);
    expect(run.logs).toMatch(/ended COMPLETED: 2 flows, 2 records dropped by expectations/);
    expect(run.rows).toEqual([['bronze_orders', 'COMPLETED', 120, null, null], ['silver_dim_orders', 'COMPLETED', 118, 2, 'valid_pk: 2 failed']]);
    expect(refused()).toEqual([]);
  });

  it('sends a table selection as refresh_selection and reports a FAILED update with its error event', async () => {
    fake.script(ECOMM, {
      outcome: 'FAILED', flows: [{ name: 'silver_dim_orders', outputRows: 10 }, { name: 'gold_sales_analytics', outputRows: 0 }],
      error: { className: 'org.apache.spark.SparkException', message: 'Cluster terminated: the driver was lost', flow: 'gold_sales_analytics' },
    });
    const run = await exec('databricks pipelines start-update ecommerce_dlt --refresh silver_dim_orders,gold_sales_analytics');
    expect(fake.requests.filter((r) => r.method === 'POST').at(-1)!.body).toEqual({ refresh_selection: ['silver_dim_orders', 'gold_sales_analytics'], cause: 'API_CALL' });
    expect(run.outcome).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/ended FAILED\. Cluster terminated: the driver was lost/), hint: expect.stringMatching(/--refresh/) } });
    expect(run.states.at(-1)).toMatchObject({ state: 'failed', tasks: [{ taskId: 'silver_dim_orders', state: 'success' }, { taskId: 'gold_sales_analytics', state: 'failed' }] });
    expect(run.logs).toMatch(/ERROR flow_progress gold_sales_analytics/);
    expect(refused()).toEqual([]);
  });

  it('stops the update in Databricks when the run is cancelled while following it', async () => {
    fake.script(ECOMM, { outcome: 'COMPLETED', states: ['QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING'] });
    const abort = new AbortController();
    let polls = 0;
    onPoll = () => {
      if (++polls === 2) abort.abort();
    };
    const run = await exec('databricks pipelines start-update "ecommerce_dlt"', { signal: abort.signal });
    expect(run.outcome).toMatchObject({ status: 'cancelled' });
    const stop = fake.requests.filter((r) => r.path.endsWith('/stop'));
    expect(stop).toEqual([expect.objectContaining({ method: 'POST', body: {}, principal: 'runner@example.com', status: 200 })]);
    expect(fake.updates.at(-1)!.state).toBe('STOPPING');
    // The next reader sees it CANCELED, as Databricks reports a stopped update.
    const client = createPipelinesClient({ host: fake.url, readToken: 'dapi-read', sleep: async () => undefined });
    expect((await client.getUpdate(ECOMM, fake.updates.at(-1)!.updateId, new AbortController().signal)).state).toBe('STOPPING');
    expect((await client.getUpdate(ECOMM, fake.updates.at(-1)!.updateId, new AbortController().signal)).state).toBe('CANCELED');
  });

  it('refuses to start without a write profile, and says which grant a read-only token lacks', async () => {
    const readOnly = await opened({ read: 'dapi-read' });
    const run = await exec('databricks pipelines start-update "ecommerce_dlt"', { open: readOnly });
    expect(run.outcome).toMatchObject({ status: 'failed', error: { code: 'forbidden', hint: expect.stringMatching(/Add write: \{token: "\$\{DATABRICKS_WRITE_TOKEN\}"\}/) } });
    const wrongToken = await opened({ read: 'dapi-read', write: 'dapi-read' });
    const denied = await exec('databricks pipelines start-update "ecommerce_dlt"', { open: wrongToken });
    expect(denied.outcome).toMatchObject({ status: 'failed', error: { code: 'forbidden', message: expect.stringMatching(/does not have Run permissions.*\[HTTP 403 PERMISSION_DENIED\]/), hint: expect.stringMatching(/CAN RUN/) } });
  });
});

describe('databricks pipelines reads', () => {
  it('names the pipelines the token can see when the name is unknown', async () => {
    const run = await exec('databricks pipelines events "ecomerce_dlt"');
    expect(run.outcome).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/has no pipeline named "ecomerce_dlt" that the read token can see/), hint: expect.stringMatching(/Pipelines it can see: .*ecommerce_dlt_copy_0/) } });
  });

  it('reads the event log page by page (next_page_token alone after the first page) into the grid, one row per expectation', async () => {
    fake.addEvents(OTHER, 250);
    const run = await exec('databricks pipelines events "retail_dlt" --max-results 230');
    const pages = fake.requests.filter((r) => r.path === `/api/2.0/pipelines/${OTHER}/events`);
    expect(pages.map((p) => Object.keys(p.query).sort().join(','))).toEqual(['max_results,order_by', 'max_results,page_token', 'max_results,page_token']);
    expect(pages.map((p) => p.query.max_results)).toEqual(['100', '100', '30']);
    expect(run.rows).toHaveLength(230);
    expect(run.rows[0]).toEqual([expect.any(String), 'WARN', 'schema_evolution', 'flow_0', 'event 250', null, null, null, 'old-update']);
    expect(run.rows[229]![4]).toBe('event 21');
    const warn = await exec('databricks pipelines events "retail_dlt" --level WARN,ERROR --max-results 5');
    expect(fake.requests.at(-1)!.query).toEqual({ max_results: '5', order_by: 'timestamp desc', filter: "level in ('WARN', 'ERROR')" });
    expect(warn.rows.map((r) => r[1])).toEqual(['WARN', 'WARN', 'WARN', 'WARN', 'WARN']);
    // An earlier update's expectations, one row each with its dropped records.
    const dq = await exec('databricks pipelines events "ecommerce_dlt" --max-results 50');
    expect(dq.rows).toContainEqual([expect.any(String), 'INFO', 'flow_progress', 'silver_dim_orders', "Flow 'silver_dim_orders' has COMPLETED.", 'valid_pk', 118, 2, expect.any(String)]);
    expect(refused()).toEqual([]);
  });

  it('shows the latest update as one row of GetUpdate (state, flows, dropped records, error), which a check reads', async () => {
    fake.script(OTHER, {
      outcome: 'FAILED', flows: [{ name: 'silver_dim_orders', outputRows: 10, expectations: [{ name: 'valid_pk', passed: 10, failed: 0 }] }, { name: 'gold_sales_analytics', outputRows: 0 }],
      error: { className: 'org.apache.spark.SparkException', message: 'Cluster terminated: the driver was lost', flow: 'gold_sales_analytics' },
    });
    expect((await exec('databricks pipelines start-update "retail_dlt"')).outcome.status).toBe('failed');
    const failed = await exec('databricks pipelines get-update "retail_dlt"');
    expect(failed.outcome).toMatchObject({ status: 'succeeded', rowCount: 1 });
    expect(failed.columns.at(-1)).toEqual(['update_id', 'state', 'cause', 'creation_time', 'full_refresh', 'flows_completed', 'flows', 'dropped_records', 'error']);
    expect(failed.rows).toEqual([[fake.updates.at(-1)!.updateId, 'FAILED', 'API_CALL', expect.any(String), false, 1, 2, 0, 'Cluster terminated: the driver was lost']]);
    expect(failed.states.at(-1)).toMatchObject({ state: 'failed', tasks: [{ taskId: 'silver_dim_orders', state: 'success' }, { taskId: 'gold_sales_analytics', state: 'failed' }] });

    fake.script(OTHER, { outcome: 'COMPLETED', flows: [{ name: 'silver_dim_orders', outputRows: 10 }] });
    expect((await exec('databricks pipelines start-update "retail_dlt"')).outcome.status).toBe('succeeded');
    expect((await exec('databricks pipelines get-update "retail_dlt"')).rows).toEqual([[fake.updates.at(-1)!.updateId, 'COMPLETED', 'API_CALL', expect.any(String), false, 1, 1, 0, null]]);
    expect(refused()).toEqual([]);
  });

  it('reads only the latest update\'s events with --update-id latest: the API filters by level and time, the client by update', async () => {
    fake.script(ECOMM, { outcome: 'COMPLETED', flows: [{ name: 'silver_dim_orders', outputRows: 118, expectations: [{ name: 'valid_pk', passed: 118, failed: 2 }] }] });
    expect((await exec('databricks pipelines start-update "ecommerce_dlt"')).outcome.status).toBe('succeeded');
    const dropped = fake.updates.at(-1)!;
    fake.script(ECOMM, { outcome: 'COMPLETED', flows: [{ name: 'silver_dim_orders', outputRows: 120, expectations: [{ name: 'valid_pk', passed: 120, failed: 0 }] }] });
    expect((await exec('databricks pipelines start-update "ecommerce_dlt"')).outcome.status).toBe('succeeded');
    const latest = fake.updates.at(-1)!;
    mark = fake.requests.length;

    const run = await exec('databricks pipelines events "ecommerce_dlt" --update-id latest --level INFO');
    expect(run.outcome).toMatchObject({ status: 'succeeded' });
    // What the API documents: level and timestamp in the filter (no update id); the update's creation time from GetUpdate.
    const read = fake.requests.slice(mark).filter((r) => r.path === `/api/2.0/pipelines/${ECOMM}/events`);
    expect(read.map((r) => r.query.filter)).toEqual([`level in ('INFO') AND timestamp >= '${new Date(latest.creationTime).toISOString()}'`]);
    expect(new Set(run.rows.map((r) => r[8]))).toEqual(new Set([latest.updateId]));
    expect(run.rows).toContainEqual([expect.any(String), 'INFO', 'flow_progress', 'silver_dim_orders', "Flow 'silver_dim_orders' has COMPLETED.", 'valid_pk', 120, 0, latest.updateId]);
    expect(run.rows.map((r) => r[8])).not.toContain(dropped.updateId);
    expect(run.logs).toMatch(/in its latest update /);
    expect(refused()).toEqual([]);
  });

  it('retries a 429 after its Retry-After, then answers', async () => {
    fake.throttle(2, 3);
    const run = await exec('databricks pipelines get-update "ecommerce_dlt"');
    expect(run.outcome).toMatchObject({ status: 'succeeded' });
    expect(sleeps).toEqual([3000, 3000]);
    expect(run.logs).toMatch(/Update [0-9a-f-]+: [A-Z]+$/m);
  });

  it('the fake refuses what Databricks refuses: unknown fields, oversized pages, a page token beside a filter', async () => {
    const post = (body: unknown) => fetch(`${fake.url}/api/2.0/pipelines/${OTHER}/updates`, { method: 'POST', headers: { authorization: 'Bearer dapi-write', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const unknownField = await post({ full_refresh: true, refresh: ['x'] });
    expect(unknownField.status).toBe(400);
    expect(await unknownField.json()).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Unknown field(s) in StartUpdate: refresh' });
    expect((await post({ full_refresh: 'yes' })).status).toBe(400);
    const get = (q: string, token = 'dapi-read') => fetch(`${fake.url}/api/2.0/pipelines/${OTHER}/events?${q}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get('max_results=500')).status).toBe(400);
    expect((await get("page_token=abc&filter=level%3D'WARN'")).status).toBe(400);
    expect((await get('max_results=5', 'dapi-nope')).status).toBe(401);
  });
});
