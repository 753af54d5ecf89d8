/**
 * A run's end survives a PostgreSQL audit store that goes away while the run is running (DESIGN.md §7a),
 * against the real server in a child process: the completion is retried until the store is back; the
 * page's `done` waits for it up to a bound and then says the record is pending; the pending completion is
 * written once the store returns. At shutdown with the store still down, the process gives up in time
 * and the record becomes `interrupted` at the next start, never a silent `running`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../api';
import type { DoneMessage, ServerMessage } from '../protocol';
import { ADMIN, OPERATOR, type TestClient } from '../testing/harness';
import { dropSchema, postgresUnavailable, postgresUrl, postgresUrlFor, scratchSchema } from '../testing/postgres';
import { prepareServerDir, ServerProcess, type ServerDir } from '../testing/serverProcess';

type Accepted = Extract<ServerMessage, { type: 'accepted' }>;
const database = `opsbook_test_blip_${randomBytes(4).toString('hex')}`;
const schema = scratchSchema('opsbook_blip');
let pgSkip: string | null = null;
let admin: pg.Client;
let dir: ServerDir;

const storeUrl = () => {
  const u = new URL(postgresUrl());
  u.pathname = `/${database}`;
  return u.toString();
};
const storeDown = async () => {
  await admin.query(`alter database ${database} allow_connections false`);
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);
};
const storeUp = () => admin.query(`alter database ${database} allow_connections true`);

beforeAll(async () => {
  pgSkip = await postgresUnavailable();
  if (pgSkip) return;
  admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.query(`create schema ${schema}; create table ${schema}.locked as select 1 as x`);
  dir = await prepareServerDir({
    setupSql: 'select 1',
    snippets: { 'rb/locked': { text: `select x from ${schema}.locked`, target: 'pg' }, 'rb/one': { text: 'select 1 as one' } },
    connectionsYaml: `      pg: {kind: postgres, url: ${JSON.stringify(postgresUrlFor(schema))}}\n`,
    auditYaml: `{store: postgres, url: ${JSON.stringify(storeUrl())}, schema: opsbook}`,
  });
}, 60_000);

afterAll(async () => {
  if (pgSkip) return;
  await storeUp();
  await admin.query(`drop database if exists ${database} with (force)`);
  await dropSchema(schema);
  await admin.end();
  if (dir) fs.rmSync(dir.dir, { recursive: true, force: true });
});

/**
 * Starts `rb/locked` behind a table lock held by another session, takes the store down while the run
 * waits, then lets the run end: its completion meets a store that refuses connections.
 */
async function endRunWhileStoreIsDown(client: TestClient, id: string): Promise<{ runId: string; done: DoneMessage }> {
  const { holder, runId } = await blockRunThenStopStore(client, id);
  try {
    await holder.query('rollback');
    return { runId, done: await client.done(id, 60_000) };
  } finally {
    await holder.end();
  }
}

/** Starts `rb/locked` behind a lock that `holder` keeps, and takes the store down while the run waits. */
async function blockRunThenStopStore(client: TestClient, id: string): Promise<{ holder: pg.Client; runId: string }> {
  const holder = new pg.Client({ connectionString: postgresUrl() });
  await holder.connect();
  await holder.query(`begin; lock table ${schema}.locked in access exclusive mode`);
  client.send({ type: 'run', id, snippet: 'rb/locked', sha256: dir.manifest.snippets['rb/locked']!.sha256, env: 'demo', params: {} });
  const accepted = await client.waitFor((m): m is Accepted => m.type === 'accepted' && m.id === id, 60_000);
  await expect
    .poll(async () => (await admin.query("select 1 from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [schema])).rowCount, { timeout: 30_000 })
    .toBe(1);
  await storeDown();
  return { holder, runId: accepted.runId };
}

async function recordOf(server: ServerProcess, runId: string): Promise<AuditRecord | undefined> {
  const res = await server.api('GET', '/api/audit?kind=run&limit=100', ADMIN);
  return res.status === 200 ? (res.body.records as AuditRecord[]).find((r) => r.runId === runId) : undefined;
}

describe('the audit store down when a run ends', () => {
  it('sends done saying the record is pending, keeps serving, and writes the completion once the store is back', async (ctx) => {
    if (pgSkip) return ctx.skip();
    const server = await ServerProcess.start(dir);
    try {
      const client = await server.connect(OPERATOR);
      const { runId, done } = await endRunWhileStoreIsDown(client, 'b1');
      expect(done, JSON.stringify(done)).toMatchObject({ status: 'succeeded', rowCount: 1, warning: { code: 'audit_pending', message: expect.stringMatching(/record still says it is running/) } });
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();

      await storeUp();
      await expect.poll(async () => (await recordOf(server, runId))?.status, { timeout: 60_000 }).toBe('succeeded');
      expect(await recordOf(server, runId)).toMatchObject({ status: 'succeeded', rowCount: 1, errorCode: null });
      expect(server.log).toMatch(new RegExp(`completion of run ${runId} \\(succeeded\\) was written after \\d+ attempts`));
      // And the next run is recorded at once, without a warning.
      client.send({ type: 'run', id: 'b2', snippet: 'rb/one', sha256: dir.manifest.snippets['rb/one']!.sha256, env: 'demo', params: {} });
      const next = await client.done('b2', 60_000);
      expect(next.status).toBe('succeeded');
      expect(next.warning).toBeUndefined();
      client.close();
    } finally {
      await storeUp();
      await server.kill('SIGTERM');
    }
  }, 180_000);

  it('on SIGTERM with the store still down, gives the completion up in time, and the record is interrupted at the next start', async (ctx) => {
    if (pgSkip) return ctx.skip();
    const server = await ServerProcess.start(dir);
    let runId: string;
    try {
      const client = await server.connect(OPERATOR);
      const ended = await endRunWhileStoreIsDown(client, 'c1');
      runId = ended.runId;
      expect(ended.done).toMatchObject({ status: 'succeeded', warning: { code: 'audit_pending' } });
      const exit = await server.kill('SIGTERM');
      expect(exit.code, server.log).toBe(0);
      expect(server.log).toMatch(new RegExp(`AUDIT COMPLETION LOST for run ${runId} \\(succeeded\\) at shutdown`));
    } finally {
      await storeUp();
      await server.kill('SIGTERM');
    }
    const again = await ServerProcess.start(dir);
    try {
      expect(await recordOf(again, runId)).toMatchObject({ status: 'interrupted' });
    } finally {
      await again.kill('SIGTERM');
    }
  }, 180_000);

  it('on SIGTERM while the run still runs and the store is down, the cancelled run tells its page the record is lost', async (ctx) => {
    if (pgSkip) return ctx.skip();
    const server = await ServerProcess.start(dir);
    let runId: string;
    try {
      const client = await server.connect(OPERATOR);
      const blocked = await blockRunThenStopStore(client, 'd1');
      runId = blocked.runId;
      try {
        const exit = await server.kill('SIGTERM');
        expect(exit.code, server.log).toBe(0);
      } finally {
        await blocked.holder.query('rollback').catch(() => undefined);
        await blocked.holder.end();
      }
      expect(await client.done('d1', 5_000)).toMatchObject({ status: 'cancelled', warning: { code: 'audit_lost', message: expect.stringMatching(/show it as interrupted/) } });
    } finally {
      await storeUp();
      await server.kill('SIGTERM');
    }
    const again = await ServerProcess.start(dir);
    try {
      expect(await recordOf(again, runId)).toMatchObject({ status: 'interrupted' });
    } finally {
      await again.kill('SIGTERM');
    }
  }, 180_000);
});
