/**
 * SIGTERM against the real server in a child process (DESIGN.md §7a), for work the database tests do not
 * cover: a page following an Airflow DAG run (the follow stops, the run is recorded `cancelled`, and the
 * DAG run in Airflow is left alone), a run still connecting to a SQL Server that never answers (the
 * cancel ends the wait: a clean exit, the run `cancelled`), and a run on a test-only connector that
 * ignores the cancel (the hard exit: the process still leaves within 10 s, and the record is
 * `interrupted`, never left `running`).
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from './api';
import type { DoneMessage, ServerMessage } from './protocol';
import { fixture, on, startFakeAirflow, type FakeAirflow } from './connectors/airflow/testing/fakeAirflow';
import { ADMIN, OPERATOR } from './testing/harness';
import { prepareServerDir, ServerProcess, type ServerDir } from './testing/serverProcess';

type Accepted = Extract<ServerMessage, { type: 'accepted' }>;
const isAccepted = (id: string) => (m: ServerMessage): m is Accepted => m.type === 'accepted' && m.id === id;
const isDone = (id: string) => (m: ServerMessage): m is DoneMessage => m.type === 'done' && m.id === id;

async function recordOf(dir: ServerDir, runId: string): Promise<AuditRecord | undefined> {
  const again = await ServerProcess.start(dir);
  try {
    const res = await again.api('GET', '/api/audit?kind=run&limit=100', ADMIN);
    return (res.body.records as AuditRecord[]).find((r) => r.runId === runId);
  } finally {
    await again.kill('SIGTERM');
  }
}

const dirs: ServerDir[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d.dir, { recursive: true, force: true });
});

describe('SIGTERM while a page follows an Airflow DAG run', () => {
  let fake: FakeAirflow;
  afterAll(async () => fake?.close());

  it('stops following, records the run cancelled, and sends Airflow nothing that changes the DAG run', async () => {
    const DAG = 'cdm_ldz_to_rdv';
    const RUN = '/api/v1/dags/cdm_ldz_to_rdv/dagRuns/manual__2025-03-04T10:00:00+00:00';
    // A DAG run that never ends: the follow would poll it forever.
    fake = await startFakeAirflow([
      on('POST', `/api/v1/dags/${DAG}/dagRuns`, { status: 200, body: fixture('v1/dag_run') }),
      on('GET', RUN, { status: 200, body: fixture('v1/dag_run') }),
      on('GET', `${RUN}/taskInstances`, { status: 200, body: fixture('v1/task_instances') }),
      on('GET', /\/logs\/\d+$/, { status: 200, body: fixture('v1/log_running') }),
    ]);
    const dir = await prepareServerDir({
      setupSql: 'select 1',
      snippets: { 'rb/trigger': { text: `dags trigger ${DAG}`, lang: 'airflow', target: 'airflow', mode: 'write' } },
      connectionsYaml: `      airflow: {kind: airflow, url: ${JSON.stringify(fake.url)}, api: v1, auth: {username: ops, password: pw}, pollMs: 50}\n`,
    });
    dirs.push(dir);
    const server = await ServerProcess.start(dir);
    const client = await server.connect(OPERATOR);
    client.send({ type: 'run', id: 't1', snippet: 'rb/trigger', sha256: dir.manifest.snippets['rb/trigger']!.sha256, env: 'demo', params: {}, confirmed: true });
    const accepted = await client.waitFor(isAccepted('t1'), 60_000);
    // Following: the page has the run's state, and the follow has polled it again since.
    await client.waitFor((m): m is ServerMessage => m.type === 'state' && m.id === 't1', 60_000);
    const polled = fake.requests.filter((r) => r.method === 'GET' && r.path === RUN).length;
    await expect.poll(() => fake.requests.filter((r) => r.method === 'GET' && r.path === RUN).length, { timeout: 30_000 }).toBeGreaterThan(polled);

    const t0 = performance.now();
    const exit = await server.kill('SIGTERM');
    const exitMs = Math.round(performance.now() - t0);
    console.log(`SIGTERM while following an Airflow DAG run: exited in ${exitMs} ms, code ${exit.code}`);
    expect(exit.code, server.log).toBe(0);
    expect(client.messages.find(isDone('t1'))).toMatchObject({ status: 'cancelled', error: { code: 'cancelled', message: expect.stringMatching(/keeps going in Airflow/) } });
    // The one write is the trigger the operator asked for; stopping sent no PATCH, clear or state change.
    expect(fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([`POST /api/v1/dags/${DAG}/dagRuns`]);
    const after = fake.requests.length;
    expect(await recordOf(dir, accepted.runId)).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
    // And nothing followed the run after the process left (a restarted server does not resume it either).
    expect(fake.requests.slice(after)).toEqual([]);
  }, 120_000);
});

describe('SIGTERM while a run is still connecting to a SQL Server that never answers', () => {
  const sockets = new Set<net.Socket>();
  let silent: net.Server;
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent?.close(r));
  });

  it('cancels the run at once instead of waiting out the connect timeout, and exits cleanly within 10 s', async () => {
    // Accepts the TCP connection and never speaks: a SQL Server login that would hang for its 120 s connect timeout.
    let connected!: () => void;
    const reached = new Promise<void>((resolve) => (connected = resolve));
    silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      connected();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const dir = await prepareServerDir({
      setupSql: 'select 1',
      snippets: { 'rb/mssql': { text: 'select 1 as one', target: 'mssql' } },
      connectionsYaml: `      mssql: {kind: sqlserver, server: 127.0.0.1, port: ${port}, database: ops, connectTimeoutMs: 120000, encrypt: false, read: {user: ops, password: pw}}\n`,
    });
    dirs.push(dir);
    const server = await ServerProcess.start(dir);
    const client = await server.connect(OPERATOR);
    client.send({ type: 'run', id: 'm1', snippet: 'rb/mssql', sha256: dir.manifest.snippets['rb/mssql']!.sha256, env: 'demo', params: {} });
    const accepted = await client.waitFor(isAccepted('m1'), 60_000);
    await reached;

    const t0 = performance.now();
    const exit = await server.kill('SIGTERM');
    const exitMs = Math.round(performance.now() - t0);
    console.log(`SIGTERM with a run still connecting to a silent SQL Server: exited in ${exitMs} ms, code ${exit.code}`);
    // A clean stop (code 0, no fallback), within the 10 s of DESIGN.md §7a: the cancel ended the connect wait.
    expect(exit.code, server.log).toBe(0);
    expect(server.log).not.toMatch(/still busy after/);
    expect(exitMs, server.log).toBeLessThan(10_000);
    expect(client.messages.find(isDone('m1'))).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(await recordOf(dir, accepted.runId)).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
  }, 120_000);
});

describe('SIGTERM while a run waits on a connector that ignores the cancel', () => {
  it('still exits through the hard exit (8 s), and the run is interrupted after restart, never left running', async () => {
    // server/testing/stubbornSqlServer.ts: a test-only SQL Server connector whose runs never end, which
    // ignores their cancel, and whose close waits for them. No real connector does that any more (they
    // give up a connect wait on cancel and close without waiting for it); the fallback must still hold.
    const dir = await prepareServerDir({
      setupSql: 'select 1',
      snippets: { 'rb/mssql': { text: 'select 1 as one', target: 'mssql' } },
      connectionsYaml: `      mssql: {kind: sqlserver, server: 127.0.0.1, port: 1, database: ops, encrypt: false, read: {user: ops, password: pw}}\n`,
    });
    dirs.push(dir);
    const server = await ServerProcess.start(dir, 'test-instance', { imports: ['server/testing/stubbornSqlServer.ts'] });
    const client = await server.connect(OPERATOR);
    client.send({ type: 'run', id: 'm1', snippet: 'rb/mssql', sha256: dir.manifest.snippets['rb/mssql']!.sha256, env: 'demo', params: {} });
    const accepted = await client.waitFor(isAccepted('m1'), 60_000);
    await server.waitForLog(/test connector: a run started/, 60_000);

    const t0 = performance.now();
    const exit = await server.kill('SIGTERM');
    const exitMs = Math.round(performance.now() - t0);
    console.log(`SIGTERM with a run whose connector ignores the cancel: exited in ${exitMs} ms, code ${exit.code}`);
    expect(server.log).toMatch(/test connector: cancel ignored/); // the stand-in was used, not the real connector
    // The 10 s budget of DESIGN.md §7a is the server's own hard-exit timer (8 s), proved by its log line below;
    // the wall clock is only printed: on a busy machine process exit adds its own seconds.
    expect(exit.code, server.log).toBe(1);
    expect(server.log).toMatch(/still busy after \d+ ms; recording the runs still open as interrupted/);
    const record = await recordOf(dir, accepted.runId);
    expect(record?.status, JSON.stringify(record)).toBe('interrupted');
  }, 120_000);
});
