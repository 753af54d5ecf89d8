/**
 * Against a real SQL Server, when MSSQL_SERVER, MSSQL_USER and MSSQL_PASSWORD are set (MSSQL_PORT,
 * MSSQL_DATABASE default 1433 and tempdb; MSSQL_ENCRYPT=false and MSSQL_TRUST_SERVER_CERTIFICATE=false
 * change TLS). The user serves as the write profile. When it may create logins, a db_datareader login
 * becomes the read profile, which is what really stops a read from writing; otherwise reads use the same
 * user and the rolled-back transaction is what leaves the data unchanged.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import type { SqlConnector, StatementRequest } from '../types';
import type { SqlServerConnectionConfig } from './config';
import { openSqlServer } from './index';

const env = process.env;
const missing = ['MSSQL_SERVER', 'MSSQL_USER', 'MSSQL_PASSWORD'].filter((v) => !env[v]);
const skip = missing.length > 0;
if (skip) console.warn(`Skipping the live SQL Server suite: set ${missing.join(', ')} (and MSSQL_PORT, MSSQL_DATABASE) to run it against a real server.`);

const suffix = randomBytes(3).toString('hex');
const table = `dbo.opsbook_t_${suffix}`;
const reader = { user: `opsbook_ro_${suffix}`, password: `Ro-${randomBytes(12).toString('base64url')}1!` };
let admin: SqlConnector;
let connector: SqlConnector;
let readerLogin = false;

function configWith(read: { user: string; password: string }): SqlServerConnectionConfig {
  return {
    kind: 'sqlserver',
    server: env.MSSQL_SERVER!,
    port: env.MSSQL_PORT ? Number(env.MSSQL_PORT) : undefined,
    database: env.MSSQL_DATABASE ?? 'tempdb',
    encrypt: env.MSSQL_ENCRYPT !== 'false',
    trustServerCertificate: env.MSSQL_TRUST_SERVER_CERTIFICATE !== 'false',
    read,
    write: { user: env.MSSQL_USER!, password: env.MSSQL_PASSWORD! },
    poolMax: 3,
    connectTimeoutMs: 10_000,
    readIsolation: 'read_committed',
    readOnlyIntent: false,
  };
}

async function run(on: SqlConnector, text: string, binds: Record<string, BoundValue> = {}, over: Partial<StatementRequest> = {}) {
  const columns: ColumnInfo[][] = [];
  const rows: Cell[][] = [];
  let batches = 0;
  const outcome = await on.stream(
    { text, binds, mode: 'read', signal: new AbortController().signal, timeoutMs: 20_000, maxRows: 10_000, ...over },
    { columns: (c) => void columns.push([...c]), rows: async (b) => void (batches++, rows.push(...(b as Cell[][]))) },
  );
  return { outcome, columns: columns[0] ?? [], rows, batches };
}
const write = (text: string) => run(admin, text, {}, { mode: 'write' });
const read = (text: string, binds: Record<string, BoundValue> = {}, over: Partial<StatementRequest> = {}) => run(connector, text, binds, over);

describe.skipIf(skip)('SQL Server connector, live', () => {
  beforeAll(async () => {
    admin = await openSqlServer(configWith({ user: env.MSSQL_USER!, password: env.MSSQL_PASSWORD! }));
    await write(`create table ${table} (id int primary key, d date, amount decimal(12,2), note nvarchar(max), raw varbinary(4))`);
    await write(`insert into ${table} select top (3000) row_number() over (order by (select null)), dateadd(day, (row_number() over (order by (select null))) % 20, '2026-11-01'), 0, N'note', 0xBEEF from sys.all_objects a cross join sys.all_objects b`);
    await write(`update ${table} set amount = id * 1.25, note = concat(N'note ', id)`);
    try {
      await write(`create login [${reader.user}] with password = '${reader.password}', check_policy = off`);
      await write(`create user [${reader.user}] for login [${reader.user}]; alter role db_datareader add member [${reader.user}]`);
      readerLogin = true;
    } catch (error) {
      console.warn(`live SQL Server suite: reads use ${env.MSSQL_USER} (could not create a reader login: ${(error as Error).message})`);
    }
    connector = await openSqlServer(configWith(readerLogin ? reader : { user: env.MSSQL_USER!, password: env.MSSQL_PASSWORD! }));
  });
  afterAll(async () => {
    await connector?.close();
    if (!admin) return;
    await write(`drop table if exists ${table}`).catch(() => undefined);
    if (readerLogin) {
      await write(`drop user if exists [${reader.user}]`).catch(() => undefined);
      await write(`drop login [${reader.user}]`).catch(() => undefined);
    }
    await admin.close();
  });

  it('streams a result set in batches', async () => {
    const r = await read(`select id from ${table} order by id`);
    expect(r.outcome).toMatchObject({ rowCount: 3000, truncated: false, firstValue: 1 });
    expect(r.batches).toBeGreaterThan(1);
  });

  it('maps DECIMAL, DATE, DATETIME2, BIGINT, VARBINARY, BIT and NVARCHAR(MAX) to JSON-safe cells', async () => {
    const r = await read(
      `select amount, d, cast('2026-11-23 08:00:00.1234567' as datetime2(7)) as at, cast(9007199254740993 as bigint) as big, raw, cast(1 as bit) as flag, note from ${table} where id = :id`,
      { id: { type: 'int', value: 7 } },
    );
    expect(r.columns.map((c) => c.type)).toEqual(['DECIMAL', 'DATE', 'DATETIME2', 'BIGINT', 'VARBINARY', 'BIT', 'NVARCHAR']);
    expect(r.rows[0]).toEqual(['8.75', '2026-11-08', '2026-11-23 08:00:00.1234567', '9007199254740993', '0xBEEF', true, 'note 7']);
  });

  it('binds typed @parameters, never SQL', async () => {
    const r = await read(`select count(*) from ${table} where d = :d or (d > :d and id < :n)`, { d: { type: 'date', value: '2026-11-20' }, n: { type: 'int', value: 30 } });
    expect(r.rows[0]![0]).toBeGreaterThan(0);
    const inj = await read(`select count(*) from ${table} where note = :s`, { s: { type: 'string', value: "note 1' or '1'='1" } });
    expect(inj.rows[0]![0]).toBe(0);
  });

  it('stops at the row cap and says truncated', async () => {
    expect((await read(`select id from ${table}`, {}, { maxRows: 1234 })).outcome).toMatchObject({ rowCount: 1234, truncated: true });
  });

  it('leaves the data unchanged when a read tries to write', async () => {
    const attempt = read(`delete from ${table} where id <= 10`);
    if (readerLogin) await expect(attempt).rejects.toMatchObject({ code: 'connector_error', engineCode: '229', hint: expect.stringMatching(/mode=write/) });
    else await attempt; // the same login may write: the transaction is rolled back
    expect((await read(`select count(*) from ${table}`)).rows[0]![0]).toBe(3000);
  });

  it('enforces the statement timeout and keeps working afterwards', async () => {
    const started = Date.now();
    await expect(read("waitfor delay '00:00:10'; select 1", {}, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(10_000); // the 10 s statement was stopped, not waited out
    expect((await read('select 1 as one')).rows).toEqual([[1]]);
  });

  it('cancels a running statement with request.cancel()', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = read("waitfor delay '00:00:10'; select 1", {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(10_000); // the 10 s statement was stopped, not waited out
    expect((await read('select 1 as one')).rows).toEqual([[1]]);
  });

  it('reports a server error with its number and line', async () => {
    await expect(read(`select nope from ${table}`)).rejects.toMatchObject({ code: 'connector_error', engineCode: '207', message: expect.stringMatching(/Invalid column name 'nope'.*Msg 207, line 1/) });
  });

  it('commits a write and reports the rows it touched', async () => {
    const r = await write(`update ${table} set amount = amount where id = 1`);
    expect(r.rows).toEqual([[1]]);
  });
});
