import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../../testing/postgres';
import type { SqlConnector, StatementRequest } from '../types';
import { openPostgres } from './index';

const schema = scratchSchema('opsbook_pg');
let skip: string | null = null;
let connector: SqlConnector;

beforeAll(async () => {
  skip = await postgresUnavailable();
  if (skip) return;
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.query(`create table ${schema}.orders as
    select i as order_id, ('2026-11-' || lpad(((i % 23) + 1)::text, 2, '0'))::date as order_date, (i * 1.25)::numeric(12,2) as amount,
           (9007199254740993 + i)::bigint as big, timestamptz '2026-11-23 08:00:00+00' as created_at, jsonb_build_object('sku', 'A' || i) as payload,
           array[i, i + 1] as pair, decode('beef', 'hex') as raw
    from generate_series(1, 5000) as t(i)`);
  await admin.end();
  connector = await openPostgres({ read: postgresUrl(), write: postgresUrl(), poolMax: 4 });
});
afterAll(async () => {
  if (skip) return;
  await connector.close();
  await dropSchema(schema);
});

async function run(text: string, binds: Record<string, BoundValue> = {}, over: Partial<StatementRequest> = {}) {
  const columns: ColumnInfo[][] = [];
  const rows: Cell[][] = [];
  let batches = 0;
  const outcome = await connector.stream(
    { text, binds, mode: 'read', signal: new AbortController().signal, timeoutMs: 10_000, maxRows: 10_000, ...over },
    { columns: (c) => void columns.push([...c]), rows: async (b) => void (batches++, rows.push(...(b as Cell[][]))) },
  );
  return { outcome, columns: columns[0] ?? [], rows, batches };
}

describe('PostgreSQL connector', () => {
  it('streams rows in batches from a server-side cursor', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await run(`select order_id from ${schema}.orders order by order_id`);
    expect(r.outcome).toMatchObject({ rowCount: 5000, truncated: false, firstValue: 1 });
    expect(r.batches).toBeGreaterThan(1);
  });

  it('maps types to JSON-safe values and names them', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await run(`select order_date, amount, big, created_at, payload, pair, raw from ${schema}.orders where order_id = :id`, { id: { type: 'int', value: 7 } });
    expect(r.columns.map((c) => c.type)).toEqual(['DATE', 'NUMERIC', 'BIGINT', 'TIMESTAMPTZ', 'JSONB', 'INTEGER[]', 'BYTEA']);
    expect(r.rows[0]).toEqual(['2026-11-08', '8.75', '9007199254741000', '2026-11-23 08:00:00+00', { sku: 'A7' }, [7, 8], '\\xbeef']);
  });

  it('binds :name parameters positionally, a repeated name once', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await run(`select count(*) from ${schema}.orders where order_date = :d or (order_date > :d and order_id < :n)`, { d: { type: 'date', value: '2026-11-22' }, n: { type: 'int', value: 30 } });
    expect(r.rows[0]![0]).toBe('218'); // 217 rows on the 22nd, plus order 22 (the 23rd) under 30
    const inj = await run(`select count(*) from ${schema}.orders where payload->>'sku' = :s`, { s: { type: 'string', value: "A1' or '1'='1" } });
    expect(inj.rows[0]![0]).toBe('0');
  });

  it('stops at the row cap and says truncated', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await run(`select order_id from ${schema}.orders`, {}, { maxRows: 1234 });
    expect(r.outcome).toMatchObject({ rowCount: 1234, truncated: true });
    expect(r.rows).toHaveLength(1234);
  });

  it('runs reads in a read-only transaction: a write fails and changes nothing', async (ctx) => {
    if (skip) return ctx.skip();
    await expect(run(`delete from ${schema}.orders where order_id < 10`)).rejects.toMatchObject({ code: 'connector_error', engineCode: '25006', hint: expect.stringMatching(/mode=read/) });
    await expect(run(`with d as (delete from ${schema}.orders returning 1) select count(*) from d`)).rejects.toMatchObject({ engineCode: '25006' });
    await expect(run(`commit; delete from ${schema}.orders`)).rejects.toMatchObject({ code: 'connector_error' });
    expect((await run(`select count(*) from ${schema}.orders`)).rows[0]![0]).toBe('5000');
  });

  it('enforces the statement timeout in the database', async (ctx) => {
    if (skip) return ctx.skip();
    await expect(run('select pg_sleep(5)', {}, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'timeout' });
  });

  it('cancels a running query with pg_cancel_backend', async (ctx) => {
    if (skip) return ctx.skip();
    const controller = new AbortController();
    const started = Date.now();
    const pending = run('select pg_sleep(10)', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(10_000); // pg_sleep(10) was stopped, not waited out
  });

  it('reports a database error with SQLSTATE and position', async (ctx) => {
    if (skip) return ctx.skip();
    await expect(run(`select nope from ${schema}.orders`)).rejects.toMatchObject({ code: 'connector_error', engineCode: '42703', message: expect.stringMatching(/column "nope" does not exist.*at character 8.*SQLSTATE 42703/) });
  });

  it('writes on the write profile, in a committed transaction', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await run(`update ${schema}.orders set amount = amount where order_id = :id returning order_id`, { id: { type: 'int', value: 1 } }, { mode: 'write' });
    expect(r.rows).toEqual([[1]]);
  });

  it('explains a write for an approver without running it', async (ctx) => {
    if (skip) return ctx.skip();
    const p = await connector.preview!({ text: `delete from ${schema}.orders where order_id < :n`, binds: { n: { type: 'int', value: 100 } }, mode: 'write', timeoutMs: 5000 });
    expect(p.plan).toMatch(/Delete on/);
    expect((await run(`select count(*) from ${schema}.orders`)).rows[0]![0]).toBe('5000');
  });

  it('says clearly when the database is not there', async () => {
    const dead = await openPostgres({ read: 'postgres://postgres@127.0.0.1:1/nowhere', write: null, poolMax: 1 });
    await expect(
      dead.stream({ text: 'select 1', binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 1000, maxRows: 1 }, { columns: () => undefined, rows: async () => undefined }),
    ).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Cannot connect to PostgreSQL/) });
    await expect(
      dead.stream({ text: 'delete from t', binds: {}, mode: 'write', signal: new AbortController().signal, timeoutMs: 1000, maxRows: 1 }, { columns: () => undefined, rows: async () => undefined }),
    ).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/no write profile/) });
    await dead.close();
  });
});
