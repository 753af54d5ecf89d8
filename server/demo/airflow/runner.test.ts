/**
 * Airflow snippets end to end in-process: the real app (harness) with the sandbox mounted, a WebSocket
 * client sending run messages, the runner handing airflow snippets to the executor, which talks to the
 * sandbox over loopback HTTP.
 */
import { SCENARIOS } from './scenarios/registry';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestClient } from '../../testing/harness';
import type { DoneMessage, ServerMessage } from '../../protocol';
import { seededWarehouseCopy } from './testing/seeded';

let h: Harness;
let client: TestClient;
let n = 0;
const nextId = () => `af${++n}`;
const airflow = (text: string, extra: Record<string, unknown> = {}) => ({ text, lang: 'airflow' as const, target: 'airflow', ...extra });

beforeAll(async () => {
  h = await startHarness({
    setupSql: 'select 1',
    demoConnections: '      airflow: {kind: airflow, sandbox: true, timeScale: 0.02, pollMs: 50}\n',
    snippets: {
      'af/date-control': airflow(`dags trigger etl_date_control_update_dag -c '{"business_date": "{{business_date}}"}'`, { mode: 'write', params: [{ name: 'business_date', type: 'date', default: 'today' }] }),
      'af/trigger-360': airflow('dags trigger cdm_360_refresh', { mode: 'write' }),
      'af/clear-360': airflow("tasks clear cdm_360_refresh -t '^refresh_campaign_360$' -s {{logical_date}} -e {{logical_date}} --only-failed -d", { mode: 'write', params: [{ name: 'logical_date', type: 'date', default: 'yesterday' }] }),
      'af/list-runs': airflow('dags list-runs {{dag_id}} --limit 3', { params: [{ name: 'dag_id', type: 'identifier', default: 'cdm_ldz_to_rdv' }] }),
      'af/states': airflow('tasks states-for-dag-run cdm_ldz_to_rdv {{logical_date}}', { params: [{ name: 'logical_date', type: 'date', default: 'yesterday' }] }),
      'af/var': airflow('variables get cdm_target_engine'),
      'af/backfill': airflow('dags backfill cdm_publish -s {{from}} -e {{to}}', { mode: 'write', params: [{ name: 'from', type: 'date', default: '2031-02-01' }, { name: 'to', type: 'date', default: '2031-02-02' }] }),
      'af/logs': airflow('tasks logs cdm_ldz_to_rdv {{logical_date}} load_hubs', { params: [{ name: 'logical_date', type: 'date', default: 'yesterday' }] }),
    },
  });
  // The registry opens the warehouse on first use: put the seeded demo warehouse in its place first.
  fs.rmSync(h.dbFile, { force: true });
  await seededWarehouseCopy(h.dbFile);
  client = await h.connect();
}, 180_000);
afterAll(async () => {
  client?.close();
  await h?.close();
});

function run(snippet: string, extra: Record<string, unknown> = {}): { id: string; done: Promise<DoneMessage> } {
  const id = nextId();
  client.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params: {}, ...extra });
  return { id, done: client.done(id, 60_000) };
}
const of = <T extends ServerMessage['type']>(id: string, type: T) => client.of(id).filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);

describe('an Airflow trigger from the page', () => {
  it('answers accepted, then state and log messages as the run goes, then exactly one done', async () => {
    const { id, done } = run('af/date-control', { confirmed: true });
    expect(await done).toMatchObject({ status: 'succeeded', rowCount: 0 });
    const messages = client.of(id);
    expect(messages[0]!.type).toBe('accepted');
    expect(messages.at(-1)!.type).toBe('done');
    expect(messages.filter((m) => m.type === 'done')).toHaveLength(1);
    const states = of(id, 'state').map((m) => m.state as { state: string; tasks: { taskId: string; state: string | null }[] });
    expect(states.length).toBeGreaterThanOrEqual(2);
    expect(states[0]!.tasks[0]!.taskId).toBe('update_etl_date_control');
    expect(states.at(-1)).toMatchObject({ state: 'success', tasks: [{ taskId: 'update_etl_date_control', state: 'success', tryNumber: 1 }] });
    const logs = of(id, 'log').map((m) => m.text).join('');
    expect(logs).toMatch(/Triggered etl_date_control_update_dag: run manual__/);
    expect(logs).toMatch(/update_etl_date_control · try 1[\s\S]*Rows affected: 8[\s\S]*Marking task as SUCCESS/);
    const audit = h.audit.events.find((e) => e.snippet === 'af/date-control');
    expect(audit).toMatchObject({ status: 'succeeded', env: 'demo' });
  });

  it('ends failed, naming the failed task, and a clear previews, then clears and follows the rerun', async () => {
    const activated = await h.api('POST', '/demo/airflow/scenarios', undefined, { id: 'failed_task_until_cleared', action: 'activate' });
    expect(activated.status).toBe(200);
    const failed = await run('af/trigger-360', { confirmed: true }).done;
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'connector_error', message: expect.stringMatching(/cdm_360_refresh run manual__\S+ failed: task refresh_campaign_360 failed \(1 downstream not run\)/) } });

    const preview = run('af/clear-360', { preview: true });
    expect(await preview.done).toMatchObject({ status: 'succeeded', rowCount: 2 });
    expect(of(preview.id, 'columns')[0]!.columns.map((c) => c.name)).toEqual(['dag_id', 'run_id', 'task_id', 'state', 'map_index']);
    expect(of(preview.id, 'rows').flatMap((m) => m.rows).map((r) => [r[2], r[3]])).toEqual([['refresh_campaign_360', 'failed'], ['refresh_flowchart_360', 'upstream_failed']]);
    expect(of(preview.id, 'state')).toHaveLength(0);

    const clear = run('af/clear-360');
    expect(await clear.done).toMatchObject({ status: 'succeeded', rowCount: 2 });
    const clears = h.audit.events.filter((e) => e.snippet === 'af/clear-360').map((e) => e.dryRun);
    expect(clears).toEqual([true, false]);
    const last = of(clear.id, 'state').at(-1)!.state as { state: string };
    expect(last.state).toBe('success');
    expect(of(clear.id, 'log').map((m) => m.text).join('')).toMatch(/Cleared 2 task instances in 1 run[\s\S]*refresh_campaign_360 · try 3/);
    await h.api('POST', '/demo/airflow/scenarios', undefined, { id: 'failed_task_until_cleared', action: 'deactivate' });
  });

  it('refuses a preview of a command that has no dry run, without acting', async () => {
    const { done } = run('af/var', { preview: true });
    expect(await done).toMatchObject({ status: 'failed', error: { code: 'bad_message', message: expect.stringMatching(/only tasks clear and dags trigger can be previewed/) } });
  });

  it('previews a trigger sent without confirmation and records it as a dry run, apart from the real one', async () => {
    const { id, done } = run('af/trigger-360');
    expect(await done).toMatchObject({ status: 'succeeded', rowCount: 1, dryRun: true });
    expect(of(id, 'state')).toHaveLength(0);
    expect(of(id, 'rows').flatMap((m) => m.rows)[0]!.slice(0, 3)).toEqual(['cdm_360_refresh', 'now (when you confirm)', '{}']);
    const records = h.audit.events.filter((e) => e.snippet === 'af/trigger-360');
    expect(records.at(-1)).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(records.some((e) => e.dryRun === false)).toBe(true);
  });

  it('follows a backfill\'s runs to their end, so "succeeded" means the days are loaded', async () => {
    const { id, done } = run('af/backfill', { confirmed: true });
    expect(await done).toMatchObject({ status: 'succeeded', rowCount: 1 });
    // The terminal ends with each backfilled day's run, followed to its end.
    const logs = of(id, 'log').map((m) => m.text).join('');
    expect(logs).toMatch(/Backfill \d+ of cdm_publish created for 2031-02-01 to 2031-02-02: [^\n]*following them/);
    expect(logs).toMatch(/cdm_publish run backfill__2031-02-01T04:20:00\+00:00: success \(2 success\)/);
    expect(logs).toMatch(/cdm_publish run backfill__2031-02-02T04:20:00\+00:00: success \(2 success\)/);
    expect(of(id, 'state').length).toBeGreaterThan(0);
  });

  it('stops following on cancel and leaves the run going', async () => {
    const { id, done } = run('af/trigger-360', { confirmed: true });
    await client.waitFor((m): m is ServerMessage => m.type === 'state' && 'id' in m && m.id === id);
    client.send({ type: 'cancel', id });
    expect(await done).toMatchObject({ status: 'cancelled' });
  });
});

describe('Airflow reads from the page', () => {
  it('renders list-runs, a run\'s task states and a variable as tables', async () => {
    const runs = run('af/list-runs');
    expect(await runs.done).toMatchObject({ status: 'succeeded', rowCount: 3 });
    expect(of(runs.id, 'columns')[0]!.columns.map((c) => c.name)).toEqual(['dag_id', 'run_id', 'state', 'run_type', 'logical_date', 'start_date', 'end_date']);
    const states = run('af/states');
    expect(await states.done).toMatchObject({ status: 'succeeded', rowCount: 4 });
    expect(of(states.id, 'state')).toHaveLength(1);
    const v = run('af/var');
    expect(await v.done).toMatchObject({ status: 'succeeded', rowCount: 1 });
    expect(of(v.id, 'rows')[0]!.rows).toEqual([['cdm_target_engine', 'duckdb']]);
  });

  it('streams a task log into the terminal', async () => {
    const { id, done } = run('af/logs');
    expect(await done).toMatchObject({ status: 'succeeded' });
    expect(of(id, 'log').map((m) => m.text).join('')).toMatch(/load_hubs · try 1[\s\S]*Marking task as SUCCESS/);
  });

  it('keeps the scenarios API behind sign-in and the CSRF check', async () => {
    const res = await fetch(`${h.url}/demo/airflow/scenarios`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-user': 'dana.operator', 'x-forwarded-groups': 'ops' }, body: '{"id":"stale_aggregate","action":"activate"}' });
    expect(res.status).toBe(403);
    expect((await h.api('GET', '/demo/airflow/scenarios')).body.scenarios).toHaveLength(SCENARIOS.length);
  });
});
