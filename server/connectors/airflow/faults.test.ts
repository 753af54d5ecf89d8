/**
 * A broken Airflow fails only the runs that use it (DESIGN.md §7a), against the real server in a child
 * process pointed at a fake webserver: an answer cut after its headers or halfway through its body, an
 * answer that is not JSON, a webserver restarted between two runs. Each failing run ends in one `done`
 * `failed` that says what was wrong, where and how to retry; the server keeps serving and the next run
 * against a healthy webserver works.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoneMessage } from '../../protocol';
import { OPERATOR, type TestClient } from '../../testing/harness';
import { prepareServerDir, ServerProcess, type ServerDir } from '../../testing/serverProcess';
import { fixture, on, startFakeAirflow, type FakeAirflow, type Route } from './testing/fakeAirflow';

const DAG = 'cdm_ldz_to_rdv';
const RUN = 'manual__2025-03-04T10:00:00+00:00';
const RUN_PATH = `/api/v1/dags/${DAG}/dagRuns/${RUN}`;
const airflow = (text: string, mode: 'read' | 'write' = 'read') => ({ text, lang: 'airflow' as const, target: 'airflow', mode });
const SNIPPETS = { 'rb/state': airflow(`dags state ${DAG} ${RUN}`), 'rb/trigger': airflow(`dags trigger ${DAG}`, 'write') };

/** A healthy Airflow 2 with one DAG run that has finished. */
const HEALTHY: Route[] = [
  on('POST', `/api/v1/dags/${DAG}/dagRuns`, { status: 200, body: fixture('v1/dag_run') }),
  on('GET', RUN_PATH, { status: 200, body: fixture('v1/dag_run_success') }),
  on('GET', `${RUN_PATH}/taskInstances`, { status: 200, body: fixture('v1/task_instances') }),
  on('GET', /\/logs\/\d+$/, { status: 200, body: fixture('v1/log_end') }),
];

let fake: FakeAirflow;
let dir: ServerDir;
let server: ServerProcess;
let client: TestClient;
let seq = 0;

beforeAll(async () => {
  fake = await startFakeAirflow([...HEALTHY]);
  dir = await prepareServerDir({
    setupSql: 'select 1',
    snippets: SNIPPETS,
    connectionsYaml: `      airflow: {kind: airflow, url: ${JSON.stringify(fake.url)}, api: v1, auth: {username: ops, password: pw}, pollMs: 50, timeoutMs: 10000}\n`,
  });
  server = await ServerProcess.start(dir);
  client = await server.connect(OPERATOR);
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.kill('SIGTERM');
  await fake?.close();
  if (dir) fs.rmSync(dir.dir, { recursive: true, force: true });
});

async function run(key: keyof typeof SNIPPETS): Promise<DoneMessage> {
  const id = `a${++seq}`;
  client.send({ type: 'run', id, snippet: key, sha256: dir.manifest.snippets[key]!.sha256, env: 'demo', params: {}, confirmed: true });
  return client.done(id, 60_000);
}

/** Makes every answer to GET of the run `reply` until the test puts the healthy routes back. */
function breakRunReads(reply: Parameters<typeof on>[2]): void {
  fake.routes = [on('GET', RUN_PATH, reply), ...HEALTHY];
}

async function expectStillServing(): Promise<void> {
  expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  expect(server.child.exitCode).toBeNull();
  fake.routes = [...HEALTHY];
  expect(await run('rb/state')).toMatchObject({ status: 'succeeded', rowCount: 1 });
}

const WHERE = /Source: demo \/ airflow \(airflow\)\./;

describe('a broken Airflow webserver', () => {
  it('answers normally at first', async () => {
    expect(await run('rb/state')).toMatchObject({ status: 'succeeded', rowCount: 1 });
  });

  it('cut off right after the headers: the run fails saying so, where, and to run it again', async () => {
    breakRunReads({ status: 200, body: fixture('v1/dag_run_success'), cutAfter: '' });
    const done = await run('rb/state');
    expect(done, JSON.stringify(done)).toMatchObject({
      status: 'failed',
      error: { code: 'unavailable', message: expect.stringMatching(new RegExp(`Airflow at ${fake.url} closed the connection in the middle of its answer to GET /api/v1/dags/${DAG}/dagRuns/`)), hint: expect.stringMatching(/run it again/i) },
    });
    expect(done.error!.hint).toMatch(WHERE);
    await expectStillServing();
  });

  it('cut off halfway through the body: the run fails, never succeeds on half an answer', async () => {
    breakRunReads({ status: 200, body: fixture('v1/dag_run_success'), cutAfter: JSON.stringify(fixture('v1/dag_run_success')).slice(0, 80) });
    const done = await run('rb/state');
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'failed', error: { code: 'unavailable', hint: expect.stringMatching(WHERE) } });
    expect(done.error!.message).toMatch(new RegExp(`Airflow at ${fake.url} closed the connection in the middle of its answer to GET /api/v1/dags/${DAG}/dagRuns/`));
    await expectStillServing();
  });

  it('answering something that is not JSON: the run fails naming what came back, instead of a row of blanks', async () => {
    breakRunReads({ status: 200, raw: '<html><body>502 Bad Gateway</body></html>' });
    const done = await run('rb/state');
    expect(done, JSON.stringify(done)).toMatchObject({
      status: 'failed',
      error: { code: 'connector_error', message: expect.stringMatching(/not an Airflow API answer.*502 Bad Gateway/), hint: expect.stringMatching(WHERE) },
    });
    await expectStillServing();
  });

  it('answering JSON without a run state while a triggered run is followed: the follow ends, it does not poll forever', async () => {
    breakRunReads({ status: 200, body: { detail: 'maintenance' } });
    const done = await run('rb/trigger');
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'failed', error: { code: 'connector_error', message: expect.stringMatching(/no state/), hint: expect.stringMatching(WHERE) } });
    await expectStillServing();
  });

  it('restarted between two runs: the next run, a trigger that is never retried, works on a fresh connection', async () => {
    expect(await run('rb/state')).toMatchObject({ status: 'succeeded' });
    await fake.restart();
    const triggers = () => fake.requests.filter((r) => r.method === 'POST').length;
    const before = triggers();
    expect(await run('rb/trigger')).toMatchObject({ status: 'succeeded' });
    expect(triggers() - before).toBe(1);
    expect(await run('rb/state')).toMatchObject({ status: 'succeeded' });
  });

  it('closing a kept-alive connection as the next request goes out: a read is retried, a trigger goes on a fresh connection, once', async () => {
    expect(await run('rb/state')).toMatchObject({ status: 'succeeded' }); // leaves a connection in the pool
    fake.dropReusedConnections = true;
    try {
      const triggers = () => fake.requests.filter((r) => r.method === 'POST').length;
      const before = triggers();
      expect(await run('rb/trigger')).toMatchObject({ status: 'succeeded' });
      expect(triggers() - before).toBe(1);
      expect(await run('rb/state')).toMatchObject({ status: 'succeeded' });
    } finally {
      fake.dropReusedConnections = false;
    }
  });
});
