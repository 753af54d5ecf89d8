/**
 * Real PostgreSQL, real terminated backends: a dropped connection fails only the run that used it, the
 * process keeps going, the next run works, and no session state survives from one run to the next.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell } from '../../protocol';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema, postgresUrlFor } from '../../testing/postgres';
import type { SqlConnector, StatementRequest } from '../types';
import { openPostgres } from './index';

const schema = scratchSchema('opsbook_pgfault');
// Our own application_name, so the test terminates only the backends it opened.
const app = schema;
let skip: string | null = null;
let admin: pg.Client;

beforeAll(async () => {
  skip = await postgresUnavailable();
  if (skip) return;
  admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.query(`create table ${schema}.locked as select 1 as x`);
});
afterAll(async () => {
  if (skip) return;
  await admin.end();
  await dropSchema(schema);
});

async function run(connector: SqlConnector, text: string, over: Partial<StatementRequest> = {}) {
  const rows: Cell[][] = [];
  const outcome = await connector.stream(
    { text, binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 30_000, maxRows: 100, ...over },
    { columns: () => undefined, rows: async (b) => void rows.push(...(b as Cell[][])) },
  );
  return { outcome, rows };
}

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function backends(where = 'true'): Promise<number[]> {
  const r = await admin.query(`select pid from pg_stat_activity where application_name = $1 and ${where}`, [app]);
  return r.rows.map((row: { pid: number }) => row.pid);
}

describe('PostgreSQL connection faults', () => {
  it('replaces an idle pooled connection the server terminated', async (ctx) => {
    if (skip) return ctx.skip();
    const connector = await openPostgres({ read: postgresUrlFor(app), write: null, poolMax: 2, label: 'dev/source' });
    try {
      await run(connector, 'select 1');
      const idle = await backends();
      expect(idle.length).toBeGreaterThan(0);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [app]);
      await waitUntil('the idle backends are gone', async () => (await backends()).length === 0);
      // The terminated client may still sit in the pool until its socket closes; either way the run works.
      expect((await run(connector, 'select 2')).rows).toEqual([[2]]);
    } finally {
      await connector.close();
    }
  });

  it('fails only the run whose connection was terminated while it waited on a lock, and the next run works', async (ctx) => {
    if (skip) return ctx.skip();
    const connector = await openPostgres({ read: postgresUrlFor(app), write: null, poolMax: 2, label: 'dev/source' });
    const holder = new pg.Client({ connectionString: postgresUrl() });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query(`lock table ${schema}.locked in access exclusive mode`);
      const blocked = run(connector, `select x from ${schema}.locked`);
      blocked.catch(() => undefined);
      await waitUntil('the run waits on the lock', async () => (await backends("wait_event_type = 'Lock'")).length === 1);
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [app]);
      await expect(blocked).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/PostgreSQL connection for dev\/source was closed by the server/),
        hint: expect.stringMatching(/Run it again/),
      });
      await holder.query('rollback');
      expect((await run(connector, `select x from ${schema}.locked`)).rows).toEqual([[1]]);
    } finally {
      await holder.end();
      await connector.close();
    }
  });

  it('survives a snippet that terminates its own backend', async (ctx) => {
    if (skip) return ctx.skip();
    const connector = await openPostgres({ read: postgresUrlFor(app), write: null, poolMax: 1, label: 'dev/source' });
    try {
      await expect(run(connector, 'select pg_terminate_backend(pg_backend_pid())')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/closed by the server/) });
      expect((await run(connector, 'select 3')).rows).toEqual([[3]]);
    } finally {
      await connector.close();
    }
  });

  it('resets the pooled session between runs: advisory locks and prepared statements are gone', async (ctx) => {
    if (skip) return ctx.skip();
    // One connection in the pool, so both runs use the same backend (checked below).
    const connector = await openPostgres({ read: postgresUrlFor(app), write: null, poolMax: 1, label: 'dev/source' });
    try {
      const first = await run(connector, 'select pg_backend_pid(), pg_advisory_lock(4242)');
      await run(connector, 'prepare leftover as select 1');
      const second = await run(connector, "select pg_backend_pid(), (select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()), (select count(*) from pg_prepared_statements)");
      expect(second.rows[0]![0]).toBe(first.rows[0]![0]);
      expect(second.rows[0]!.slice(1)).toEqual(['0', '0']);
    } finally {
      await connector.close();
    }
  });

  it('destroys a session whose run failed instead of returning it to the pool', async (ctx) => {
    if (skip) return ctx.skip();
    const connector = await openPostgres({ read: postgresUrlFor(app), write: null, poolMax: 1, label: 'dev/source' });
    try {
      const before = (await run(connector, 'select pg_backend_pid()')).rows[0]![0];
      await expect(run(connector, 'select nope')).rejects.toMatchObject({ engineCode: '42703' });
      const after = (await run(connector, 'select pg_backend_pid()')).rows[0]![0];
      expect(after).not.toBe(before);
    } finally {
      await connector.close();
    }
  });

  it('cancels promptly even when every pooled connection is busy', async (ctx) => {
    if (skip) return ctx.skip();
    const connector = await openPostgres({ read: postgresUrlFor(app), write: null, poolMax: 1, label: 'dev/source' });
    try {
      const controller = new AbortController();
      const pending = run(connector, 'select pg_sleep(120)', { signal: controller.signal, timeoutMs: 120_000 });
      pending.catch(() => undefined);
      await waitUntil('the sleep runs', async () => (await backends("state = 'active'")).length === 1);
      controller.abort();
      // Without the separate cancel connection this waits for the pool's only client: the 120 s sleep
      // (the test's own 30 s limit fails it first).
      await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      await connector.close();
    }
  });

  it('cancels a run that was still waiting for a pooled connection', async (ctx) => {
    if (skip) return ctx.skip();
    const connector = await openPostgres({ read: postgresUrlFor(app), write: null, poolMax: 1, label: 'dev/source' });
    try {
      const first = new AbortController();
      const second = new AbortController();
      const busy = run(connector, 'select pg_sleep(120)', { signal: first.signal, timeoutMs: 120_000 });
      busy.catch(() => undefined);
      // The pool's only connection is taken by the first run, so the second waits for it.
      const waiting = run(connector, 'select 1', { signal: second.signal });
      waiting.catch(() => undefined);
      second.abort();
      await waitUntil('the sleep runs', async () => (await backends("state = 'active'")).length === 1);
      first.abort();
      await expect(busy).rejects.toMatchObject({ code: 'cancelled' });
      // Before the fix the abort was missed and the run went ahead once it got the connection.
      await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      await connector.close();
    }
  });

  it('never starts the statement when the cancel arrives while BEGIN is on its way to the server', async (ctx) => {
    if (skip) return ctx.skip();
    // A sequence is not transactional: if the statement ever ran, nextval leaves its mark even though the
    // transaction is rolled back.
    await admin.query(`create sequence ${schema}.probe`);
    const connector = await openPostgres({ read: postgresUrlFor(app), write: postgresUrlFor(app), poolMax: 1, label: 'dev/source' });
    const controller = new AbortController();
    // The cancel lands exactly while BEGIN is in flight: fired in the same tick the BEGIN is handed to
    // the connection, before any answer can come back — no timing involved.
    const original = pg.Client.prototype.query;
    const patched = function (this: pg.Client, ...args: unknown[]) {
      const result = (original as (...a: unknown[]) => unknown).apply(this, args);
      if (typeof args[0] === 'string' && args[0].startsWith('BEGIN') && !controller.signal.aborted) controller.abort();
      return result;
    };
    pg.Client.prototype.query = patched as typeof original;
    try {
      await expect(run(connector, `select nextval('${schema}.probe')`, { mode: 'write', signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled', message: expect.stringMatching(/before its statement started/) });
    } finally {
      pg.Client.prototype.query = original;
    }
    try {
      expect((await admin.query(`select is_called from ${schema}.probe`)).rows[0]).toEqual({ is_called: false });
      // The cancelled session is not reused: the next run gets a fresh one and works.
      expect((await run(connector, 'select 1 as one')).rows).toEqual([[1]]);
    } finally {
      await connector.close();
    }
  });
});
