import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../types';
import { createAirflowClient } from './index';
import { fixture, on, startFakeAirflow, type FakeAirflow, type Recorded } from './testing/fakeAirflow';

const auth = { username: 'ops', password: 's3cret-pw' };
let fake: FakeAirflow;
afterEach(async () => fake?.close());

/** An unsigned JWT with an `exp`, as the client only reads the claim. */
function jwt(expSeconds: number): string {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'HS256', typ: 'JWT' })}.${b({ sub: 'ops', exp: expSeconds })}.sig`;
}

/** n runs in the shape of the fixture, newest first, paged by limit/offset with total_entries. */
function pagedRuns(name: string, n: number, max: number) {
  const base = fixture(name) as Record<string, unknown>;
  const all = Array.from({ length: n }, (_, i) => ({ ...base, dag_run_id: `scheduled__run_${String(n - i).padStart(3, '0')}` }));
  return (r: Recorded) => {
    const limit = Math.min(Number(r.query.get('limit') ?? 100), max);
    const offset = Number(r.query.get('offset') ?? 0);
    return { status: 200, body: { dag_runs: all.slice(offset, offset + limit), total_entries: n } };
  };
}

async function rejection(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe('Airflow 2 (/api/v1, basic auth) against spec fixtures', () => {
  const v1 = () => createAirflowClient({ url: fake.url, api: 'v1', auth, retries: 2, backoffMs: 1 });

  it('reads a DAG and its tasks with basic auth', async () => {
    fake = await startFakeAirflow([on('GET', '/api/v1/dags/cdm_ldz_to_rdv', { status: 200, body: fixture('v1/dag') }), on('GET', '/api/v1/dags/cdm_ldz_to_rdv/tasks', { status: 200, body: fixture('v1/tasks') })]);
    const c = v1();
    expect(await c.getDag('cdm_ldz_to_rdv')).toEqual({ dagId: 'cdm_ldz_to_rdv', isPaused: false });
    expect(await c.listTaskIds('cdm_ldz_to_rdv')).toEqual(['load_hubs', 'load_links', 'load_satellites', 'check_rdv_keys']);
    expect(fake.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ops:s3cret-pw').toString('base64')}`);
    c.close();
  });

  it('triggers with conf, sending logical_date only when one is given', async () => {
    fake = await startFakeAirflow([on('POST', '/api/v1/dags/cdm_ldz_to_rdv/dagRuns', { status: 200, body: fixture('v1/dag_run') })]);
    const c = v1();
    const run = await c.triggerRun('cdm_ldz_to_rdv', { conf: { business_date: '2025-03-04' }, logicalDate: null });
    expect(run).toMatchObject({ runId: 'manual__2025-03-04T10:00:00+00:00', state: 'running', logicalDate: '2025-03-04T10:00:00+00:00', runType: 'manual' });
    await c.triggerRun('cdm_ldz_to_rdv', { conf: null, logicalDate: '2025-03-04T00:00:00Z' });
    expect(fake.requests.map((r) => r.body)).toEqual([{ conf: { business_date: '2025-03-04' } }, { conf: {}, logical_date: '2025-03-04T00:00:00Z' }]);
    c.close();
  });

  it('reads a run by an id with + and : in it, and its task instances ("none" is no state)', async () => {
    fake = await startFakeAirflow([
      on('GET', '/api/v1/dags/cdm_ldz_to_rdv/dagRuns/manual__2025-03-04T10:00:00+00:00', { status: 200, body: fixture('v1/dag_run_success') }),
      on('GET', /\/taskInstances$/, { status: 200, body: fixture('v1/task_instances') }),
    ]);
    const c = v1();
    expect(await c.getRun('cdm_ldz_to_rdv', 'manual__2025-03-04T10:00:00+00:00')).toMatchObject({ state: 'success', endDate: '2025-03-04T10:05:00+00:00' });
    expect(fake.requests[0]!.rawPath).toBe('/api/v1/dags/cdm_ldz_to_rdv/dagRuns/manual__2025-03-04T10%3A00%3A00%2B00%3A00');
    const tis = await c.listTaskInstances('cdm_ldz_to_rdv', 'manual__2025-03-04T10:00:00+00:00');
    expect(tis.map((t) => [t.taskId, t.state, t.tryNumber])).toEqual([['load_hubs', 'success', 1], ['load_links', 'running', 1], ['load_satellites', null, 0], ['check_rdv_keys', null, 0]]);
    c.close();
  });

  it('follows pages of 100 to the end, newest first, with a state filter', async () => {
    fake = await startFakeAirflow([on('GET', '/api/v1/dags/d/dagRuns', pagedRuns('v1/dag_run', 250, 100))]);
    const c = v1();
    const runs = await c.listRuns('d', { state: 'failed' });
    expect(runs).toHaveLength(250);
    expect(fake.requests.map((r) => [r.query.get('limit'), r.query.get('offset'), r.query.get('order_by'), r.query.get('state')])).toEqual([
      ['100', '0', '-execution_date', 'failed'], ['100', '100', '-execution_date', 'failed'], ['100', '200', '-execution_date', 'failed'],
    ]);
    expect(await c.listRuns('d', { limit: 5 })).toHaveLength(5);
    expect(fake.requests.at(-1)!.query.get('limit')).toBe('5');
    c.close();
  });

  it('clears with dry_run and only_failed always sent, and reads the states a dry run does not return', async () => {
    fake = await startFakeAirflow([on('POST', '/api/v1/dags/cdm_ldz_to_rdv/clearTaskInstances', { status: 200, body: fixture('v1/clear') }), on('GET', /\/taskInstances$/, { status: 200, body: fixture('v1/task_instances') })]);
    const c = v1();
    const refs = await c.clearTaskInstances('cdm_ldz_to_rdv', { taskIds: ['load_links'], startDate: '2025-03-04T00:00:00Z', endDate: null, onlyFailed: false, includeDownstream: true, includeUpstream: false, dryRun: true });
    expect(refs).toEqual([
      { dagId: 'cdm_ldz_to_rdv', runId: 'manual__2025-03-04T10:00:00+00:00', taskId: 'load_links', state: 'running', mapIndex: -1 },
      { dagId: 'cdm_ldz_to_rdv', runId: 'manual__2025-03-04T10:00:00+00:00', taskId: 'load_satellites', state: null, mapIndex: -1 },
    ]);
    expect(fake.requests[0]!.body).toEqual({ dry_run: true, only_failed: false, only_running: false, task_ids: ['load_links'], include_downstream: true, include_upstream: false, include_future: false, include_past: false, reset_dag_runs: true, start_date: '2025-03-04T00:00:00Z' });
    c.close();
  });

  it('reads logs from the Python repr Airflow 2 sends, and stops at end_of_log', async () => {
    fake = await startFakeAirflow([on('GET', /\/logs\/2$/, (r) => ({ status: 200, body: fixture(r.query.get('token') ? 'v1/log_end' : 'v1/log_running') }))]);
    const c = v1();
    const first = await c.readLog('cdm_ldz_to_rdv', 'r', 'load_links', 2, null);
    expect(first.text).toBe("*** Found local files:\n[2025-03-04, 10:00:05 UTC] {taskinstance.py:1159} INFO - Dependencies all met for 'load_links'\n[2025-03-04, 10:00:06 UTC] {sql.py:470} INFO - Running statement: INSERT INTO rdv.link_contact ...\n");
    expect(first.token).toMatch(/^eyJ/);
    const last = await c.readLog('cdm_ldz_to_rdv', 'r', 'load_links', 2, first.token);
    expect(last).toEqual({ text: '[2025-03-04, 10:00:09 UTC] {taskinstance.py:1206} INFO - Marking task as SUCCESS.\n', token: null });
    expect(fake.requests[1]!.query.get('token')).toBe(first.token);
    c.close();
  });

  it('pauses with update_mask, and sets a variable by updating or else creating it', async () => {
    fake = await startFakeAirflow([
      on('PATCH', '/api/v1/dags/cdm_ldz_to_rdv', (r) => ({ status: 200, body: { ...(fixture('v1/dag') as object), is_paused: (r.body as { is_paused: boolean }).is_paused } })),
      on('PATCH', '/api/v1/variables/new_key', { status: 404, body: fixture('v1/error_404') }),
      on('POST', '/api/v1/variables', { status: 200, body: { key: 'new_key', value: 'v', description: null } }),
      on('GET', '/api/v1/variables/cdm_target_engine', { status: 200, body: fixture('v1/variable') }),
    ]);
    const c = v1();
    expect(await c.setPaused('cdm_ldz_to_rdv', true)).toEqual({ dagId: 'cdm_ldz_to_rdv', isPaused: true });
    expect(fake.requests[0]!.query.get('update_mask')).toBe('is_paused');
    await c.setVariable('new_key', 'v');
    expect(fake.requests.slice(1).map((r) => [r.method, r.path, r.body])).toEqual([['PATCH', '/api/v1/variables/new_key', { key: 'new_key', value: 'v' }], ['POST', '/api/v1/variables', { key: 'new_key', value: 'v' }]]);
    expect(await c.getVariable('cdm_target_engine')).toEqual({ key: 'cdm_target_engine', value: 'snowflake' });
    c.close();
  });

  it('says plainly that Airflow 2 has no backfill endpoint', async () => {
    fake = await startFakeAirflow([]);
    const e = await rejection(v1().createBackfill('d', '2025-03-01T00:00:00Z', '2025-03-03T00:00:00Z'));
    expect(e.message).toMatch(/not supported on Airflow 2: its REST API \(\/api\/v1\) has no backfill endpoint/);
    expect(fake.requests).toHaveLength(0);
  });

  it('maps RFC 7807 problems to errors that say what to do', async () => {
    fake = await startFakeAirflow([
      on('GET', '/api/v1/dags/cdm_nope', { status: 404, body: fixture('v1/error_404') }),
      on('GET', '/api/v1/dags/locked', { status: 403, body: fixture('v1/error_403') }),
      on('GET', '/api/v1/dags/anon', { status: 401, body: fixture('v1/error_401') }),
      on('POST', '/api/v1/dags/dup/dagRuns', { status: 409, body: fixture('v1/error_409') }),
      on('POST', '/api/v1/dags/bad/dagRuns', { status: 400, body: fixture('v1/error_400') }),
    ]);
    const c = v1();
    const nf = await rejection(c.getDag('cdm_nope'));
    expect([nf.code, nf.message]).toEqual(['connector_error', "Airflow could not read DAG cdm_nope (HTTP 404: DAG not found: DAG with dag_id: 'cdm_nope' not found)."]);
    expect(nf.hint).toMatch(/case-sensitive/);
    expect((await rejection(c.getDag('locked'))).code).toBe('forbidden');
    const un = await rejection(c.getDag('anon'));
    expect(un.message).toMatch(/rejected this connection's credentials \(HTTP 401\)/);
    expect(un.hint).toMatch(/basic_auth/);
    expect(`${un.message} ${un.hint}`).not.toContain('s3cret-pw');
    expect((await rejection(c.triggerRun('dup', { conf: null, logicalDate: null }))).hint).toMatch(/pick another logical date/);
    expect((await rejection(c.triggerRun('bad', { conf: null, logicalDate: null }))).message).toMatch(/is not a 'date-time'/);
    c.close();
  });
});

describe('Airflow 3 (/api/v2, JWT) against spec fixtures', () => {
  const tokenRoute = (exp = Math.floor(Date.now() / 1000) + 3600) => on('POST', '/auth/token', (r) => ((r.body as { password?: string }).password === 's3cret-pw' ? { status: 201, body: { access_token: jwt(exp) } } : { status: 401, body: { detail: 'Invalid credentials' } }));
  const v2 = (now?: () => number) => createAirflowClient({ url: fake.url, api: 'v2', auth, retries: 2, backoffMs: 1, ...(now ? { now } : {}) });

  it('signs in once through POST /auth/token and sends the bearer token', async () => {
    fake = await startFakeAirflow([tokenRoute(), on('GET', '/api/v2/dags/cdm_ldz_to_rdv', { status: 200, body: fixture('v2/dag') }), on('GET', '/api/v2/dags/cdm_ldz_to_rdv/tasks', { status: 200, body: fixture('v2/tasks') })]);
    const c = v2();
    expect(await c.getDag('cdm_ldz_to_rdv')).toEqual({ dagId: 'cdm_ldz_to_rdv', isPaused: true });
    expect(await c.listTaskIds('cdm_ldz_to_rdv')).toHaveLength(4);
    expect(fake.requests.map((r) => r.path)).toEqual(['/auth/token', '/api/v2/dags/cdm_ldz_to_rdv', '/api/v2/dags/cdm_ldz_to_rdv/tasks']);
    expect(fake.requests[0]!.body).toEqual({ username: 'ops', password: 's3cret-pw' });
    expect(fake.requests[1]!.headers.authorization).toMatch(/^Bearer eyJ/);
    c.close();
  });

  it('renews the token shortly before it expires', async () => {
    let clock = Date.now();
    fake = await startFakeAirflow([tokenRoute(Math.floor(clock / 1000) + 120), on('GET', '/api/v2/dags/d', { status: 200, body: fixture('v2/dag') })]);
    const c = v2(() => clock);
    await c.getDag('d');
    await c.getDag('d');
    clock += 100_000; // within 30 s of exp
    await c.getDag('d');
    expect(fake.requests.map((r) => r.path)).toEqual(['/auth/token', '/api/v2/dags/d', '/api/v2/dags/d', '/auth/token', '/api/v2/dags/d']);
    c.close();
  });

  it('renews the token and repeats the request once after a 401', async () => {
    let rejected = false;
    fake = await startFakeAirflow([tokenRoute(), on('POST', '/api/v2/dags/d/dagRuns', () => (rejected ? { status: 200, body: fixture('v2/dag_run') } : ((rejected = true), { status: 401, body: fixture('v2/error_401') })))]);
    const c = v2();
    expect(await c.triggerRun('d', { conf: null, logicalDate: null })).toMatchObject({ state: 'queued', logicalDate: null });
    expect(fake.requests.map((r) => r.path)).toEqual(['/auth/token', '/api/v2/dags/d/dagRuns', '/auth/token', '/api/v2/dags/d/dagRuns']);
    c.close();
  });

  it('says when the credentials are refused', async () => {
    fake = await startFakeAirflow([tokenRoute()]);
    const c = createAirflowClient({ url: fake.url, api: 'v2', auth: { username: 'ops', password: 'wrong' } });
    const e = await rejection(c.getDag('d'));
    expect(e.message).toMatch(/refused to issue a token for user "ops" \(HTTP 401\)/);
    expect(`${e.message}${e.hint}`).not.toContain('wrong');
    c.close();
  });

  it('sends logical_date (null allowed) and conf on every trigger', async () => {
    fake = await startFakeAirflow([tokenRoute(), on('POST', '/api/v2/dags/d/dagRuns', { status: 200, body: fixture('v2/dag_run') })]);
    const c = v2();
    await c.triggerRun('d', { conf: null, logicalDate: null });
    await c.triggerRun('d', { conf: { a: 1 }, logicalDate: '2025-03-04T01:00:00Z' });
    expect(fake.requests.filter((r) => r.path !== '/auth/token').map((r) => r.body)).toEqual([{ logical_date: null, conf: {} }, { logical_date: '2025-03-04T01:00:00Z', conf: { a: 1 } }]);
    c.close();
  });

  it('follows pages of 50 to the end, ordered by run_after', async () => {
    fake = await startFakeAirflow([tokenRoute(), on('GET', '/api/v2/dags/d/dagRuns', pagedRuns('v2/dag_run', 120, 50))]);
    const c = v2();
    expect(await c.listRuns('d', { logicalDateGte: '2025-03-01T00:00:00Z' })).toHaveLength(120);
    const pages = fake.requests.filter((r) => r.path !== '/auth/token');
    expect(pages.map((r) => [r.query.get('limit'), r.query.get('offset'), r.query.get('order_by'), r.query.get('logical_date_gte')])).toEqual([
      ['50', '0', '-run_after', '2025-03-01T00:00:00Z'], ['50', '50', '-run_after', '2025-03-01T00:00:00Z'], ['50', '100', '-run_after', '2025-03-01T00:00:00Z'],
    ]);
    c.close();
  });

  it('lists task instances and clears with explicit dry_run and only_failed, states included', async () => {
    fake = await startFakeAirflow([tokenRoute(), on('GET', /\/taskInstances$/, { status: 200, body: fixture('v2/task_instances') }), on('POST', '/api/v2/dags/d/clearTaskInstances', { status: 200, body: fixture('v2/clear') })]);
    const c = v2();
    expect((await c.listTaskInstances('d', 'r')).map((t) => t.state)).toEqual(['success', 'failed', 'upstream_failed', 'upstream_failed']);
    const refs = await c.clearTaskInstances('d', { taskIds: ['load_links'], startDate: null, endDate: null, onlyFailed: true, includeDownstream: true, includeUpstream: false, dryRun: false });
    expect(refs.map((r) => [r.taskId, r.state])).toEqual([['load_links', 'failed'], ['load_satellites', 'upstream_failed']]);
    expect(fake.requests.at(-1)!.body).toEqual({ dry_run: false, only_failed: true, only_running: false, task_ids: ['load_links'], include_downstream: true, include_upstream: false, include_future: false, include_past: false, reset_dag_runs: true, start_date: null, end_date: null });
    c.close();
  });

  it('reads structured logs and follows the continuation token until it is null', async () => {
    fake = await startFakeAirflow([tokenRoute(), on('GET', /\/logs\/2$/, (r) => ({ status: 200, body: fixture(r.query.get('token') ? 'v2/log_end' : 'v2/log_running') }))]);
    const c = v2();
    const first = await c.readLog('d', 'r', 'load_links', 2, null);
    expect(first.text).toBe('Log message source details\n[2025-03-04T10:00:05.100000Z] INFO - Dependencies all met\n[2025-03-04T10:00:06.000000Z] INFO - Running statement: INSERT INTO rdv.link_contact ...\n');
    const last = await c.readLog('d', 'r', 'load_links', 2, first.token);
    expect(last).toEqual({ text: '[2025-03-04T10:00:09.000000Z] ERROR - Task failed with exception\n', token: null });
    expect(fake.requests.at(-1)!.query.get('token')).toBe('eyJsb2dfcG9zIjoyfQ.sig');
    c.close();
  });

  it('pauses, reads and upserts variables, and creates backfills', async () => {
    fake = await startFakeAirflow([
      tokenRoute(),
      on('PATCH', '/api/v2/dags/d', { status: 200, body: { ...(fixture('v2/dag') as object), is_paused: false } }),
      on('GET', '/api/v2/variables/cdm_target_engine', { status: 200, body: fixture('v2/variable') }),
      on('PATCH', '/api/v2/variables/cdm_target_engine', { status: 200, body: fixture('v2/variable') }),
      on('POST', '/api/v2/backfills', { status: 200, body: fixture('v2/backfill') }),
    ]);
    const c = v2();
    expect(await c.setPaused('d', false)).toEqual({ dagId: 'cdm_ldz_to_rdv', isPaused: false });
    expect(await c.getVariable('cdm_target_engine')).toEqual({ key: 'cdm_target_engine', value: 'snowflake' });
    await c.setVariable('cdm_target_engine', 'oracle');
    expect(await c.createBackfill('cdm_aggregate_refresh', '2025-03-01T00:00:00Z', '2025-03-03T00:00:00Z')).toEqual({ id: 7, dagId: 'cdm_aggregate_refresh', fromDate: '2025-03-01T00:00:00Z', toDate: '2025-03-03T00:00:00Z' });
    const sent = fake.requests.filter((r) => r.path !== '/auth/token');
    expect(sent.map((r) => [r.method, r.path, r.query.getAll('update_mask'), r.body])).toEqual([
      ['PATCH', '/api/v2/dags/d', ['is_paused'], { is_paused: false }],
      ['GET', '/api/v2/variables/cdm_target_engine', [], undefined],
      ['PATCH', '/api/v2/variables/cdm_target_engine', [], { key: 'cdm_target_engine', value: 'oracle' }],
      ['POST', '/api/v2/backfills', [], { dag_id: 'cdm_aggregate_refresh', from_date: '2025-03-01T00:00:00Z', to_date: '2025-03-03T00:00:00Z', reprocess_behavior: 'failed' }],
    ]);
    c.close();
  });

  it('maps {detail} errors and 422 validation lists', async () => {
    fake = await startFakeAirflow([
      tokenRoute(),
      on('GET', '/api/v2/dags/cdm_nope', { status: 404, body: fixture('v2/error_404') }),
      on('POST', '/api/v2/dags/d/dagRuns', { status: 422, body: fixture('v2/error_422') }),
      on('POST', '/api/v2/dags/dup/dagRuns', { status: 409, body: fixture('v2/error_409') }),
      on('GET', '/api/v2/dags/locked', { status: 403, body: fixture('v2/error_403') }),
    ]);
    const c = v2();
    expect((await rejection(c.getDag('cdm_nope'))).message).toBe('Airflow could not read DAG cdm_nope (HTTP 404: The Dag with ID: `cdm_nope` was not found).');
    const invalid = await rejection(c.triggerRun('d', { conf: null, logicalDate: null }));
    expect(invalid.message).toBe('Airflow could not trigger DAG d (HTTP 422: logical_date: Field required).');
    expect(invalid.hint).toMatch(/api: v1 for Airflow 2 and api: v2 for Airflow 3/);
    expect((await rejection(c.triggerRun('dup', { conf: null, logicalDate: null }))).message).toMatch(/HTTP 409.*it already exists/);
    expect((await rejection(c.getDag('locked'))).code).toBe('forbidden');
    c.close();
  });
});

describe('retries, timeouts and connection errors', () => {
  it('retries a read after 5xx and a dropped connection, with backoff, then succeeds', async () => {
    let n = 0;
    fake = await startFakeAirflow([on('GET', '/api/v1/dags/d', () => (++n === 1 ? { status: 503, body: { detail: 'busy' } } : n === 2 ? { status: 200, drop: true } : { status: 200, body: fixture('v1/dag') }))]);
    const c = createAirflowClient({ url: fake.url, api: 'v1', auth, retries: 3, backoffMs: 5 });
    expect(await c.getDag('d')).toMatchObject({ dagId: 'cdm_ldz_to_rdv' });
    expect(fake.requests).toHaveLength(3);
    c.close();
  });

  it('gives up on a read after its retries and says Airflow is unavailable', async () => {
    fake = await startFakeAirflow([on('GET', '/api/v1/dags/d', { status: 502, body: 'Bad Gateway' })]);
    const c = createAirflowClient({ url: fake.url, api: 'v1', auth, retries: 2, backoffMs: 1 });
    const e = await rejection(c.getDag('d'));
    expect([e.code, fake.requests.length]).toEqual(['unavailable', 3]);
    c.close();
  });

  it('never retries a write: a trigger that met a 503 is reported, not repeated', async () => {
    fake = await startFakeAirflow([on('POST', '/api/v1/dags/d/dagRuns', { status: 503, body: { detail: 'busy' } })]);
    const c = createAirflowClient({ url: fake.url, api: 'v1', auth, retries: 3, backoffMs: 1 });
    expect((await rejection(c.triggerRun('d', { conf: null, logicalDate: null }))).code).toBe('unavailable');
    expect(fake.requests).toHaveLength(1);
    c.close();
  });

  it('times out a request that gets no answer', async () => {
    fake = await startFakeAirflow([on('GET', '/api/v1/dags/d', { status: 200, hang: true })]);
    const c = createAirflowClient({ url: fake.url, api: 'v1', auth, timeoutMs: 150, retries: 0 });
    const e = await rejection(c.getDag('d'));
    expect(e.code).toBe('timeout');
    expect(e.message).toMatch(/did not answer GET \/api\/v1\/dags\/d within 150 ms/);
    c.close();
  });

  it('names an unreachable server without its credentials', async () => {
    const c = createAirflowClient({ url: 'http://user:pw@127.0.0.1:9/', api: 'v1', auth, retries: 0 });
    const e = await rejection(c.getDag('d'));
    expect(e.code).toBe('unavailable');
    expect(e.message).toMatch(/Cannot reach Airflow at http:\/\/127\.0\.0\.1:9 for GET \/api\/v1\/dags\/d: ECONNREFUSED/);
    expect(e.message).not.toMatch(/user|pw@/);
    c.close();
  });
});
