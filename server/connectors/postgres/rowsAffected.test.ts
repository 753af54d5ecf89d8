/**
 * Writes tell the truth on PostgreSQL: rows changed come from the command tag (0 is 0, not "1 row"), and a
 * `commitWhen` that says no rolls the write back inside its transaction — the row is unchanged afterwards.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateExpect, parseExpect, type ExpectCheck } from '../../../plugins/remark-runbook/syntax/expect';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell } from '../../protocol';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../../testing/postgres';
import type { SqlConnector, StatementOutcome, StatementRequest } from '../types';
import { openPostgres } from './index';

const schema = scratchSchema('opsbook_truth_pg');
let skip: string | null = null;
let connector: SqlConnector;
let admin: pg.Client;

beforeAll(async () => {
  skip = await postgresUnavailable();
  if (skip) return;
  admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.query(`create table ${schema}.date_control (pipeline text primary key, business_date date not null)`);
  await admin.query(`insert into ${schema}.date_control values ('ecomm', '2026-11-30'), ('investor', '2026-11-30'), ('retail', '2026-11-30')`);
  connector = await openPostgres({ read: postgresUrl(), write: postgresUrl(), poolMax: 2 });
});
afterAll(async () => {
  if (skip) return;
  await connector.close();
  await admin.end();
  await dropSchema(schema);
});

const affected = (text: string): ExpectCheck => parseExpect(text) as ExpectCheck;
const commitIf = (check: ExpectCheck) => (o: StatementOutcome) => evaluateExpect(check, o.rowCount, o.firstValue, o.rowsAffected ?? null).passed;

async function write(text: string, binds: Record<string, BoundValue> = {}, over: Partial<StatementRequest> = {}) {
  const rows: Cell[][] = [];
  const outcome = await connector.stream(
    { text, binds, mode: 'write', signal: new AbortController().signal, timeoutMs: 10_000, maxRows: 1000, ...over },
    { columns: () => undefined, rows: async (b) => void rows.push(...(b as Cell[][])) },
  );
  return { outcome, rows };
}
const dateOf = async (pipeline: string) => (await admin.query(`select business_date::text as d from ${schema}.date_control where pipeline = $1`, [pipeline])).rows[0]?.d as string;

describe('PostgreSQL writes report rows changed', () => {
  it('reports 3 rows changed for an update of 3 rows, and streams no result row', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await write(`update ${schema}.date_control set business_date = :d`, { d: { type: 'date', value: '2026-12-01' } });
    expect(r.outcome).toMatchObject({ rowsAffected: 3, rowCount: 0 });
    expect(r.rows).toEqual([]);
  });

  it('reports 0 rows changed for a write that matches nothing', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await write(`update ${schema}.date_control set business_date = :d where pipeline = :p`, { d: { type: 'date', value: '2026-12-02' }, p: { type: 'string', value: 'ecommerce' } });
    expect(r.outcome).toMatchObject({ rowsAffected: 0, rowCount: 0 });
  });

  it('counts the rows of a write with RETURNING both as rows and as rows changed', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await write(`update ${schema}.date_control set business_date = business_date where pipeline <> 'retail' returning pipeline`);
    expect(r.outcome).toMatchObject({ rowsAffected: 2, rowCount: 2 });
  });

  it('reports no rows changed for a read', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await write(`select count(*) from ${schema}.date_control`, {}, { mode: 'read' });
    expect(r.outcome.rowsAffected).toBeNull();
  });

  it('rolls back a write whose expect="affected = 2" fails after changing one row: the row is unchanged afterwards', async (ctx) => {
    if (skip) return ctx.skip();
    const before = await dateOf('investor');
    // Changes one row and, in the same statement, nothing that matches: 1 changed, but the check wants 2.
    const r = await write(`update ${schema}.date_control set business_date = :d where pipeline = 'investor'`, { d: { type: 'date', value: '2027-01-01' } }, { commitWhen: commitIf(affected('affected = 2')) });
    expect(r.outcome).toMatchObject({ rowsAffected: 1, rolledBack: true });
    expect(await dateOf('investor')).toBe(before);
  });

  it('commits a write whose expect passes', async (ctx) => {
    if (skip) return ctx.skip();
    const r = await write(`update ${schema}.date_control set business_date = :d where pipeline = 'retail'`, { d: { type: 'date', value: '2027-02-03' } }, { commitWhen: commitIf(affected('affected > 0')) });
    expect(r.outcome).toMatchObject({ rowsAffected: 1 });
    expect(r.outcome.rolledBack).toBeUndefined();
    expect(await dateOf('retail')).toBe('2027-02-03');
  });
});
