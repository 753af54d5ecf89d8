/**
 * The dbt Cloud system against the contract fake of the Administrative API v2: every request the client sends
 * is checked by the fake (no violation may remain), runs are followed to their end through the same executor
 * the runner uses, and errors, pagination and 429 Retry-After are answered as the API documents them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../../plugins/remark-runbook/syntax/params';
import type { ServerMessage } from '../../../protocol';
import { executeSystemSnippet } from '../run';
import type { OpenSystem, SystemEntry } from '../types';
import { defineSystem } from '../types';
import { DBT_CLOUD_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/dbtCloud';
import { createDbtCloudClient, type DbtCloudClient } from './client';
import { runDbtCloud } from './execute';
import { startFakeDbtCloud, type FakeDbtCloud } from './testing/fakeDbtCloud';
import type { ConnectionConfig } from '../../../config';
import type { DbtCloudConnectionConfig } from './config';

const NODES = ['model.ecomm.agg_sales_kpi', 'model.ecomm.agg_customer_kpi', 'test.ecomm.not_null_agg_sales_kpi_day'];
let fake: FakeDbtCloud;
let client: DbtCloudClient;
const sleeps: number[] = [];
let system: SystemEntry;
let open: OpenSystem;

beforeAll(async () => {
  // 150 jobs: finding one by name must page past the API's 100-job pages.
  const filler = Array.from({ length: 149 }, (_, i) => ({ id: 1000 + i, name: `Nightly ${i}`, executeSteps: ['dbt build'], nodes: [] }));
  fake = await startFakeDbtCloud({ jobs: [...filler, { id: 43167, name: 'DailyRefresh', executeSteps: ['dbt run --select tag:daily', 'dbt test --select tag:daily'], nodes: NODES }] });
  client = createDbtCloudClient({ url: fake.url, accountId: fake.accountId, token: fake.token, sleep: async (ms) => void sleeps.push(ms) });
  // The production system with a client whose waits are recorded, not slept: following depends on no clock.
  system = defineSystem<DbtCloudConnectionConfig, DbtCloudClient>({
    grammar: DBT_CLOUD_GRAMMAR,
    kind: 'dbt-cloud',
    isConnection: (c: ConnectionConfig): c is DbtCloudConnectionConfig => c.kind === 'dbt-cloud',
    connect: async () => client,
    run: (c, command, ctx) => runDbtCloud(c, command, { ...ctx, pollMs: 0, wait: async () => undefined }),
    probe: async (c) => String(await c.countJobs(new AbortController().signal)),
    close: () => undefined,
  });
  open = await system.open({ kind: 'dbt-cloud', demo: false, url: fake.url, accountId: fake.accountId, token: fake.token }, { s3: () => Promise.reject(new Error('none')), dbtCloud: () => Promise.reject(new Error('none')) });
});
afterEach(() => expect(fake.violations).toEqual([]));
afterAll(async () => fake?.close());

async function exec(text: string, options: { binds?: Record<string, BoundValue>; preview?: boolean; confirmed?: boolean; signal?: AbortSignal } = {}) {
  const messages: ServerMessage[] = [];
  const outcome = await executeSystemSnippet({
    system, open, text, binds: options.binds ?? {}, preview: options.preview ?? false, confirmed: options.confirmed ?? true, id: 'x', signal: options.signal ?? new AbortController().signal, maxRows: 1000,
    channel: { send: (m) => void messages.push(m), rows: (batch) => ((messages.push({ type: 'rows', id: 'x', rows: batch }), Promise.resolve())) },
  });
  return {
    outcome, messages,
    rows: messages.flatMap((m) => (m.type === 'rows' ? m.rows : [])),
    states: messages.flatMap((m) => (m.type === 'state' ? [m.state] : [])),
    logs: messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join(''),
  };
}

describe('dbt-cloud job run', () => {
  it('without confirmation only shows what it would start, and starts nothing', async () => {
    const before = fake.requests.filter((r) => r.line.includes('/run/')).length;
    const { outcome, rows, logs } = await exec(`dbt-cloud job run --job-name DailyRefresh --steps-override '["dbt run -m agg_sales_kpi"]'`, { confirmed: false });
    expect(outcome).toEqual({ status: 'succeeded', rowCount: 1, truncated: false, dryRun: true });
    expect(rows).toEqual([[43167, 'DailyRefresh', 'dbt run -m agg_sales_kpi', true, 'Triggered from an Opsbook runbook', null]]);
    expect(logs).toMatch(/Dry run: confirming would start a run of job 43167 "DailyRefresh"[\s\S]*dbt run -m agg_sales_kpi[\s\S]*Nothing was started/);
    expect(fake.requests.filter((r) => r.line.includes('/run/'))).toHaveLength(before);
  });

  it('triggers with the override, follows the steps live and fills the grid with the run results', async () => {
    const { outcome, rows, states, logs } = await exec(`dbt-cloud job run --job-id 43167 --cause "Re-run after fix" --steps-override '["dbt run --select agg_sales_kpi --full-refresh --vars \\"{day: 2026-12-01}\\""]' --wait`);
    expect(outcome).toEqual({ status: 'succeeded', rowCount: 3, truncated: false, dryRun: false });
    const trigger = fake.requests.find((r) => r.line.endsWith('/jobs/43167/run/'))!;
    expect(trigger.body).toEqual({ cause: 'Re-run after fix', steps_override: ['dbt run --select agg_sales_kpi --full-refresh --vars "{day: 2026-12-01}"'] });
    expect(states.at(0)).toMatchObject({ dagId: 'DailyRefresh', state: 'queued', tasks: [] });
    expect(states.some((s) => s.state === 'running' && (s.tasks as { state: string }[]).some((t) => t.state === 'running'))).toBe(true);
    expect(states.at(-1)).toMatchObject({ state: 'success', tasks: [{ taskId: 'Clone git repository', state: 'success' }, {}, {}, { taskId: 'Invoke dbt run --select agg_sales_kpi --full-refresh --vars "{day: 2026-12-01}"', state: 'success' }] });
    expect(logs).toMatch(/run \d+: QUEUED[\s\S]*run \d+: RUNNING[\s\S]*── Invoke dbt run[\s\S]*Completed successfully[\s\S]*run \d+: SUCCESS[\s\S]*Done\. PASS=3 WARN=0 ERROR=0 SKIP=0 TOTAL=3/);
    // Each step's log is sent once, new lines only, however often the run is read.
    // (two dbt steps: dbt deps and the override), though each was read while running and again once done.
    expect(logs.match(/Running with dbt=1\.9\.0/g)).toHaveLength(2);
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([['model.ecomm.agg_sales_kpi', 'model', 'success'], ['model.ecomm.agg_customer_kpi', 'model', 'success'], ['test.ecomm.not_null_agg_sales_kpi_day', 'test', 'pass']]);
  });

  it('fails when a model fails, naming it, with the results that show what was skipped', async () => {
    fake.setFailing(43167, 'model.ecomm.agg_sales_kpi');
    try {
      const { outcome, rows, states } = await exec('dbt-cloud job run --job-name DailyRefresh');
      expect(outcome).toMatchObject({ status: 'failed', error: { code: 'connector_error', message: expect.stringMatching(/run \d+ ended error\. Failed: model\.ecomm\.agg_sales_kpi\./) } });
      expect(states.at(-1)).toMatchObject({ state: 'failed' });
      expect(rows.map((r) => r[2])).toEqual(['error', 'skipped', 'skipped']);
    } finally {
      fake.setFailing(43167, null);
    }
  });

  it('stops following when cancelled; the run goes on in dbt Cloud', async () => {
    const controller = new AbortController();
    controller.abort();
    const { outcome } = await exec('dbt-cloud job run --job-id 43167', { signal: controller.signal });
    expect(outcome.status).toBe('cancelled');
  });
});

describe('dbt-cloud reads', () => {
  it("lists a job's latest runs, newest first", async () => {
    const { outcome, rows } = await exec('dbt-cloud run list --job-name DailyRefresh --limit 2');
    expect(outcome).toMatchObject({ status: 'succeeded', rowCount: 2 });
    expect(Number(rows[0]![0])).toBeGreaterThan(Number(rows[1]![0]));
    expect(fake.requests.at(-1)!.line).toMatch(/\/runs\/\?job_definition_id=43167&order_by=-id&limit=2&offset=0$/);
  });

  it("reads one run's steps and results", async () => {
    const [last] = await client.listRuns(43167, 1, new AbortController().signal);
    const { outcome, states, rows } = await exec('dbt-cloud run get --run-id {{run_id}}', { binds: { run_id: { type: 'int', value: last!.id } } });
    expect(outcome.status).toBe('succeeded');
    expect(states).toHaveLength(1);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('names a job that does not exist, with the jobs there are', async () => {
    const { outcome } = await exec('dbt-cloud run list --job-name Daily');
    expect(outcome).toMatchObject({ status: 'failed', error: { message: `dbt Cloud account ${fake.accountId} has no job named "Daily".`, hint: expect.stringMatching(/^Its jobs: Nightly 0, Nightly 1/) } });
  });
});

describe('the dbt Cloud client', () => {
  it('waits out a 429 for its Retry-After, then succeeds', async () => {
    sleeps.length = 0;
    fake.rateLimit(2, 7);
    expect(await client.countJobs(new AbortController().signal)).toBe(150);
    expect(sleeps).toEqual([7000, 7000]);
  });

  it('gives up after a few 429s and says when to try again', async () => {
    fake.rateLimit(10, 30);
    await expect(client.countJobs(new AbortController().signal)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/HTTP 429/), hint: 'Try again in 30 seconds; other tools may be using the same token.' });
    fake.rateLimit(0, 0);
  });

  it('reports a refused token and a missing run so an operator can act', async () => {
    const wrong = createDbtCloudClient({ url: fake.url, accountId: fake.accountId, token: 'nope' });
    await expect(wrong.countJobs(new AbortController().signal)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/did not accept the connection's token \(HTTP 401\): Invalid token\./) });
    await expect(client.getRun(9, new AbortController().signal)).rejects.toMatchObject({ code: 'connector_error', message: expect.stringMatching(/has no \/runs\/9 in account \d+ \(HTTP 404\)/) });
  });
});
