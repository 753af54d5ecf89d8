/**
 * The whole server (in process, real PostgreSQL): a run whose connection the database terminates ends
 * in one `done` that says what happened and how to retry, the server keeps answering, and the next run
 * on the same connection works. A snippet that would terminate backends never reaches the database.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestClient } from '../../testing/harness';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema, postgresUrlFor } from '../../testing/postgres';

const schema = scratchSchema('opsbook_pgserver');
let skip: string | null = null;
let h: Harness;
let client: TestClient;
let admin: pg.Client;
let ids = 0;

beforeAll(async () => {
  skip = await postgresUnavailable();
  if (skip) return;
  admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`create schema ${schema}; create table ${schema}.locked as select 1 as x`);
  h = await startHarness({
    setupSql: 'select 1',
    demoConnections: `      source: {kind: postgres, url: "${postgresUrlFor(schema)}", poolMax: 2}\n`,
    snippets: {
      'rb/locked': { text: `select x from ${schema}.locked`, target: 'source' },
      'rb/one': { text: 'select 1 as one', target: 'source' },
      'rb/kill-self': { text: 'select pg_terminate_backend(pg_backend_pid())', target: 'source' },
    },
  });
  client = await h.connect();
});
afterAll(async () => {
  if (skip) return;
  client?.close();
  await h?.close();
  await admin.end();
  await dropSchema(schema);
});

function run(snippet: string): string {
  const id = `r${++ids}`;
  client.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params: {} });
  return id;
}

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a PostgreSQL connection dropped under a run', () => {
  it('fails that run with a retry hint, keeps serving, and the next run works', async (ctx) => {
    if (skip) return ctx.skip();
    const holder = new pg.Client({ connectionString: postgresUrl() });
    await holder.connect();
    try {
      await holder.query(`begin; lock table ${schema}.locked in access exclusive mode`);
      const blocked = run('rb/locked');
      await waitUntil('the run waits on the lock', async () => (await admin.query("select 1 from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [schema])).rowCount === 1);
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [schema]);
      const done = await client.done(blocked);
      expect(done).toMatchObject({
        status: 'failed',
        error: { code: 'unavailable', message: expect.stringMatching(/PostgreSQL connection for demo\/source was closed by the server/), hint: expect.stringMatching(/Run it again/) },
      });
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
    expect((await fetch(`${h.url}/api/health`)).status).toBe(200);
    const next = await client.done(run('rb/locked'));
    expect(next).toMatchObject({ status: 'succeeded', rowCount: 1 });
  });

  it('survives idle pooled connections terminated between runs', async (ctx) => {
    if (skip) return ctx.skip();
    expect(await client.done(run('rb/one'))).toMatchObject({ status: 'succeeded' });
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [schema]);
    expect((await fetch(`${h.url}/api/health`)).status).toBe(200);
    expect(await client.done(run('rb/one'))).toMatchObject({ status: 'succeeded' });
  });

  it('refuses a read snippet that would terminate its own backend, before it reaches the database', async (ctx) => {
    if (skip) return ctx.skip();
    expect(await client.done(run('rb/kill-self'))).toMatchObject({ status: 'rejected', error: { code: 'forbidden', message: expect.stringMatching(/pg_terminate_backend\(\)/) } });
    expect(await client.done(run('rb/one'))).toMatchObject({ status: 'succeeded' });
  });
});
