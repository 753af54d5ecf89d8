/**
 * A PostgreSQL audit store that drops or goes away never takes the server down (DESIGN.md §7a): a
 * terminated idle connection is replaced, and while the store refuses connections runs are refused
 * `unavailable` (nothing runs unaudited) until it is back — against the real server process.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoneMessage, ServerMessage } from '../protocol';
import { ADMIN, OPERATOR, type TestClient } from '../testing/harness';
import { postgresUnavailable, postgresUrl } from '../testing/postgres';
import { prepareServerDir, ServerProcess, type ServerDir } from '../testing/serverProcess';

const database = `opsbook_test_fault_${randomBytes(4).toString('hex')}`;
let pgSkip: string | null = null;
let admin: pg.Client;
let dir: ServerDir;
let server: ServerProcess;

const storeUrl = () => {
  const u = new URL(postgresUrl());
  u.pathname = `/${database}`;
  return u.toString();
};
const terminateStoreConnections = () => admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);

let seq = 0;
async function run(client: TestClient): Promise<DoneMessage> {
  const id = `f${++seq}`;
  client.send({ type: 'run', id, snippet: 'rb/one', sha256: dir.manifest.snippets['rb/one']!.sha256, env: 'demo', params: {} });
  return client.waitFor((m: ServerMessage): m is DoneMessage => m.type === 'done' && m.id === id, 30_000);
}

beforeAll(async () => {
  pgSkip = await postgresUnavailable();
  if (pgSkip) return;
  admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`create database ${database}`);
  dir = await prepareServerDir({
    setupSql: 'select 1',
    snippets: { 'rb/one': { text: 'select 1 as one' } },
    auditYaml: `{store: postgres, url: ${JSON.stringify(storeUrl())}, schema: opsbook}`,
  });
  server = await ServerProcess.start(dir);
}, 60_000);

afterAll(async () => {
  if (pgSkip) return;
  await server?.kill('SIGTERM');
  await admin.query(`alter database ${database} allow_connections true`);
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
  fs.rmSync(dir.dir, { recursive: true, force: true });
});

describe('the PostgreSQL audit store under faults', () => {
  it('keeps serving when the store terminates its idle connection', async (ctx) => {
    if (pgSkip) return ctx.skip();
    const client = await server.connect(OPERATOR);
    expect((await run(client)).status).toBe('succeeded');
    await terminateStoreConnections();
    await server.waitForLog(/idle connection dropped/);
    expect(server.child.exitCode).toBeNull();
    expect((await run(client)).status).toBe('succeeded');
    expect((await server.api('GET', '/api/audit?kind=run&status=succeeded', ADMIN)).body.total).toBe(2);
    client.close();
  }, 60_000);

  // Every store connection terminated at once used to end the server about one time in six — a lease
  // connection that died while checked out raised an unhandled 'error' (audit/poolClient.ts) — and the run
  // then got no answer at all. The causes are pinned in server/cluster/runLeases.test.ts.
  it('refuses runs as unavailable while the store is down, and runs again once it is back', { timeout: 60_000 }, async (ctx) => {
    if (pgSkip) return ctx.skip();
    const client = await server.connect(OPERATOR);
    await admin.query(`alter database ${database} allow_connections false`);
    await terminateStoreConnections();
    const refused = await run(client);
    expect(refused).toMatchObject({ status: 'rejected', error: { code: 'unavailable' } });
    expect(refused.error!.message).toMatch(/audit store is unavailable/);
    expect(refused.error!.hint).toMatch(/try again in a moment.*audit database \(audit\.url/i);
    expect(server.child.exitCode).toBeNull();
    await admin.query(`alter database ${database} allow_connections true`);
    expect((await run(client)).status).toBe('succeeded');
    client.close();
  });
});
