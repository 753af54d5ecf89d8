/**
 * Against a real Oracle database, when ORACLE_CONNECT_STRING, ORACLE_USER and ORACLE_PASSWORD are set
 * (e.g. gvenzl/oracle-free: localhost:1521/FREEPDB1). The user needs CREATE TABLE in its own schema;
 * it serves as both profiles, so what refuses writes here is the read-only transaction and the
 * connector's read rules, not privileges.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import type { SqlConnector, StatementRequest } from '../types';
import { openOracle } from './index';

const { ORACLE_CONNECT_STRING: connectString, ORACLE_USER: user, ORACLE_PASSWORD: password } = process.env;
const missing = ['ORACLE_CONNECT_STRING', 'ORACLE_USER', 'ORACLE_PASSWORD'].filter((v) => !process.env[v]);
const skip = missing.length > 0;
if (skip) console.warn(`Skipping the live Oracle suite: set ${missing.join(', ')} to run it against a real database.`);

const table = `opsbook_t_${randomBytes(3).toString('hex')}`;
let connector: SqlConnector;

async function run(text: string, binds: Record<string, BoundValue> = {}, over: Partial<StatementRequest> = {}) {
  const columns: ColumnInfo[][] = [];
  const rows: Cell[][] = [];
  let batches = 0;
  const outcome = await connector.stream(
    { text, binds, mode: 'read', signal: new AbortController().signal, timeoutMs: 20_000, maxRows: 10_000, ...over },
    { columns: (c) => void columns.push([...c]), rows: async (b) => void (batches++, rows.push(...(b as Cell[][]))) },
  );
  return { outcome, columns: columns[0] ?? [], rows, batches };
}
const write = (text: string, binds: Record<string, BoundValue> = {}) => run(text, binds, { mode: 'write' });
/** Slow on any Oracle: a three-way cartesian product of a dictionary view. */
const SLOW = 'select count(*) from all_objects a, all_objects b, all_objects c';

describe.skipIf(skip)('Oracle connector, live', () => {
  beforeAll(async () => {
    const credentials = { user: user!, password: password! };
    connector = await openOracle({ kind: 'oracle', connectString: connectString!, read: credentials, write: credentials, poolMax: 3, connectTimeoutMs: 10_000 });
    await write(`create table ${table} (id number(10) primary key, d date, amount number(12,2), note clob, raw_col raw(4))`);
    await write(`insert into ${table} select level, date '2026-11-01' + mod(level, 20), level * 1.25, 'note ' || level, hextoraw('BEEF') from dual connect by level <= 3000`);
  });
  afterAll(async () => {
    if (!connector) return;
    await write(`drop table ${table} purge`).catch(() => undefined);
    await connector.close();
  });

  it('streams a result set in batches', async () => {
    const r = await run(`select id from ${table} order by id`);
    expect(r.outcome).toMatchObject({ rowCount: 3000, truncated: false, firstValue: '1' });
    expect(r.batches).toBeGreaterThan(1);
  });

  it('maps NUMBER, DATE, TIMESTAMP, CLOB and RAW to JSON-safe text', async () => {
    const r = await run(`select amount, d, cast(timestamp '2026-11-23 08:00:00.123456' as timestamp(6)), note, raw_col, 0.5, binary_double_infinity from ${table} where id = :id`, { id: { type: 'int', value: 7 } });
    expect(r.columns.map((c) => c.type)).toEqual(['NUMBER', 'DATE', 'TIMESTAMP', 'CLOB', 'RAW', 'NUMBER', 'BINARY_DOUBLE']);
    expect(r.rows[0]).toEqual(['8.75', '2026-11-08 00:00:00', '2026-11-23 08:00:00.123456', 'note 7', 'BEEF', '0.5', 'Infinity']);
  });

  it('binds dates, numbers and strings by name, never as SQL', async () => {
    const r = await run(`select count(*) from ${table} where d = :d or (d > :d and id < :n)`, { d: { type: 'date', value: '2026-11-20' }, n: { type: 'int', value: 30 } });
    expect(Number(r.rows[0]![0])).toBeGreaterThan(0);
    const inj = await run(`select count(*) from ${table} where 'note ' || id = :s`, { s: { type: 'string', value: "note 1' or '1'='1" } });
    expect(inj.rows[0]![0]).toBe('0');
  });

  it('stops at the row cap and says truncated', async () => {
    expect((await run(`select id from ${table}`, {}, { maxRows: 1234 })).outcome).toMatchObject({ rowCount: 1234, truncated: true });
  });

  it('refuses writes in a read: by rule before the database, and by the read-only transaction in it', async () => {
    await expect(run(`delete from ${table}`)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(run(`select id from ${table} where id = 1 for update`)).rejects.toMatchObject({ code: 'connector_error', engineCode: 'ORA-01456', hint: expect.stringMatching(/mode=write/) });
    expect((await run(`select count(*) from ${table}`)).rows[0]![0]).toBe('3000');
  });

  it('enforces the statement timeout and keeps working afterwards', async () => {
    const started = Date.now();
    await expect(run(SLOW, {}, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(30_000); // the cross join runs for minutes: it was stopped, not waited out
    expect((await run('select 1 from dual')).rows).toEqual([['1']]);
  });

  it('cancels a running statement with break()', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = run(SLOW, {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(30_000); // the cross join runs for minutes: it was stopped, not waited out
    expect((await run('select 1 from dual')).rows).toEqual([['1']]);
  });

  it('reports a database error with its ORA code and position', async () => {
    await expect(run(`select nope from ${table}`)).rejects.toMatchObject({ code: 'connector_error', engineCode: 'ORA-00904', message: expect.stringMatching(/ORA-00904.*at character 8/) });
  });

  it('commits a write on the write profile', async () => {
    const r = await write(`update ${table} set amount = amount where id = :id`, { id: { type: 'int', value: 1 } });
    expect(r.rows).toEqual([[1]]);
  });
});
