import { describe, expect, it } from 'vitest';
import { rewritePlaceholders } from '../../../plugins/remark-runbook/syntax/sqlPlaceholders';
import type { Cell, ColumnInfo } from '../../protocol';
import type { StatementRequest } from '../types';
import { COL, fakeMssql, type FakeMssql, type QueryScript } from './__fixtures__/fakeMssql';
import { sqlserverConnectionSchema, type SqlServerConnectionConfig } from './config';
import type { MssqlColumn } from './driver';
import { toConnectorError, type ErrorContext } from './errors';
import { openSqlServer } from './index';
import { columnsOf, mssqlInput, rowConverter, type InputTypes } from './types';

const config: SqlServerConnectionConfig = {
  kind: 'sqlserver',
  server: 'sql.internal',
  database: 'cdm',
  encrypt: true,
  trustServerCertificate: false,
  read: { user: 'ops_ro', password: 'ro-secret' },
  write: { user: 'ops_rw', password: 'rw-secret' },
  poolMax: 4,
  connectTimeoutMs: 10_000,
  readIsolation: 'read_committed',
  readOnlyIntent: false,
};

const types: InputTypes = fakeMssql().driver;

describe('SQL Server binds', () => {
  it('sends :name placeholders as @name, leaving strings, comments and :: alone', () => {
    const { text, order } = rewritePlaceholders("select ':x' as s, geography::Point(1, 2, 4326) as p -- :y\nfrom t where d = :d and (n = :n or n = :n + 1)", 'at-name');
    expect(text).toBe("select ':x' as s, geography::Point(1, 2, 4326) as p -- :y\nfrom t where d = @d and (n = @n or n = @n + 1)");
    expect(order).toEqual(['d', 'n']);
  });

  it('types each parameter from the runbook declaration', () => {
    expect(mssqlInput('d', { type: 'date', value: '2026-11-08' }, types)).toEqual({ name: 'd', type: 'Date', value: new Date('2026-11-08T00:00:00Z') });
    expect(mssqlInput('t', { type: 'datetime', value: '2026-03-29 02:30:00' }, types)).toEqual({ name: 't', type: 'DateTime2(0)', value: new Date('2026-03-29T02:30:00Z') });
    expect(mssqlInput('n', { type: 'int', value: 42 }, types).type).toBe('Int');
    expect(mssqlInput('n', { type: 'int', value: 9_007_199_254_740_991 }, types).type).toBe('BigInt');
    expect(mssqlInput('x', { type: 'number', value: 1.25 }, types).type).toBe('Decimal(38,2)');
    expect(mssqlInput('x', { type: 'number', value: 1e-7 }, types).type).toBe('Float');
    expect(mssqlInput('s', { type: 'string', value: "x' or '1'='1" }, types)).toEqual({ name: 's', type: 'NVarChar(4000)', value: "x' or '1'='1" });
    expect(mssqlInput('s', { type: 'string', value: 'x'.repeat(5000) }, types).type).toBe('NVarChar(65535)');
    expect(mssqlInput('missing', undefined, types)).toEqual({ name: 'missing', type: 'NVarChar(4000)', value: null });
  });
});

describe('SQL Server type mapping', () => {
  const col = (declaration: string, extra: Partial<MssqlColumn> = {}): MssqlColumn => ({ name: declaration, type: { declaration }, ...extra });
  const withTicks = (iso: string, nanosecondsDelta: number) => Object.defineProperty(new Date(iso), 'nanosecondsDelta', { value: nanosecondsDelta });

  it('turns representative values into JSON-safe cells', () => {
    const columns = [
      col('decimal', { scale: 2 }), col('decimal', { scale: 2 }), col('money'), col('bigint'), col('int'), col('float'), col('bit'),
      col('date'), col('datetime2', { scale: 7 }), col('datetime2', { scale: 0 }), col('datetime'), col('smalldatetime'), col('time', { scale: 3 }),
      col('datetimeoffset', { scale: 3 }), col('varbinary'), col('uniqueidentifier'), col('nvarchar'), col('udt', { udt: { name: 'geography' } }), col('nvarchar'),
    ];
    const row = rowConverter(columns)([
      8.75, 1.5, 3.5, '9007199254740993', 7, 0.25, true,
      new Date('2026-11-08T00:00:00Z'), withTicks('2026-11-23T08:00:00.123Z', 0.0000456), new Date('2026-11-23T08:00:00Z'), new Date('2026-11-23T08:00:00.997Z'),
      new Date('2026-11-23T08:01:00Z'), new Date('1970-01-01T13:45:10.250Z'), new Date('2026-11-23T07:00:00.5Z'), Buffer.from([0xbe, 0xef]),
      'B4A0E0A2-0000-4000-8000-000000000001', 'é'.repeat(3), { points: [{ lat: 1, lng: 2 }] }, null,
    ]);
    expect(row).toEqual([
      '8.75', '1.50', '3.5000', '9007199254740993', 7, 0.25, true,
      '2026-11-08', '2026-11-23 08:00:00.1230456', '2026-11-23 08:00:00', '2026-11-23 08:00:00.997',
      '2026-11-23 08:01:00', '13:45:10.250', '2026-11-23 07:00:00.500+00:00', '0xBEEF',
      'B4A0E0A2-0000-4000-8000-000000000001', 'ééé', { points: [{ lat: 1, lng: 2 }] }, null,
    ]);
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
  });

  it('names columns, including the unnamed ones SQL Server returns for expressions', () => {
    expect(columnsOf([COL.int('order_id'), { name: '', type: { declaration: 'int' } }, { name: 'shape', type: { declaration: 'udt' }, udt: { name: 'geography' } }])).toEqual<ColumnInfo[]>([
      { name: 'order_id', type: 'INT' },
      { name: 'column2', type: 'INT' },
      { name: 'shape', type: 'GEOGRAPHY' },
    ]);
  });
});

describe('SQL Server error mapping', () => {
  const ctx: ErrorContext = { phase: 'run', mode: 'read', timeoutMs: 300, cancelled: false, target: 'sql.internal:1433/cdm', user: 'ops_ro' };
  const requestError = (number: number, message: string, lineNumber = 1) => Object.assign(new Error(message), { name: 'RequestError', code: 'EREQUEST', number, lineNumber, class: 16, state: 1 });

  it('reports a server error with its number, line and a hint', () => {
    expect(toConnectorError(requestError(208, "Invalid object name 'dbo.nope'."), ctx)).toMatchObject({
      code: 'connector_error',
      engineCode: '208',
      message: "Invalid object name 'dbo.nope'. (Msg 208, line 1)",
      hint: expect.stringMatching(/schema prefix/),
    });
    expect(toConnectorError(requestError(3952, 'Snapshot isolation transaction failed accessing database'), ctx).hint).toMatch(/ALLOW_SNAPSHOT_ISOLATION/);
  });

  it('tells a read snippet that hit the read login\'s permissions how to mark it', () => {
    const denied = requestError(229, "The DELETE permission was denied on the object 'orders', database 'cdm', schema 'dbo'.");
    expect(toConnectorError(denied, ctx)).toMatchObject({ code: 'connector_error', engineCode: '229', hint: expect.stringMatching(/mode=write/) });
    expect(toConnectorError(denied, { ...ctx, mode: 'write' }).hint).toMatch(/write login lacks/);
  });

  it('maps the request timeout to timeout and our cancel to cancelled', () => {
    expect(toConnectorError(Object.assign(new Error('Timeout: Request failed to complete in 300ms'), { name: 'RequestError', code: 'ETIMEOUT' }), ctx)).toMatchObject({ code: 'timeout', message: expect.stringMatching(/0\.3 s/) });
    expect(toConnectorError(Object.assign(new Error('Canceled.'), { name: 'RequestError', code: 'ECANCEL' }), { ...ctx, cancelled: true })).toMatchObject({ code: 'cancelled' });
  });

  it('reports connection and login failures as unavailable, naming the target and never the password', () => {
    const connect = { ...ctx, phase: 'connect' as const };
    const refused = Object.assign(new Error('Failed to connect to sql.internal:1433 - Could not connect (sequence)'), { name: 'ConnectionError', code: 'ESOCKET' });
    expect(toConnectorError(refused, connect)).toMatchObject({ code: 'unavailable', engineCode: 'ESOCKET', message: 'Cannot connect to SQL Server at sql.internal:1433/cdm: Failed to connect to sql.internal:1433 - Could not connect (sequence)' });
    const login = toConnectorError(Object.assign(new Error("Login failed for user 'ops_ro'."), { name: 'ConnectionError', code: 'ELOGIN' }), connect);
    expect(login).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/refused the login of ops_ro/), hint: expect.stringMatching(/read profile/) });
    expect(JSON.stringify(login)).not.toMatch(/secret/);
    const tls = Object.assign(new Error('Failed to connect to sql.internal:1433 - self-signed certificate'), { name: 'ConnectionError', code: 'ESOCKET' });
    expect(toConnectorError(tls, connect).hint).toMatch(/trustServerCertificate/);
    const lost = Object.assign(new Error('Connection lost - read ECONNRESET'), { name: 'RequestError', code: 'EREQUEST', originalError: { message: 'Connection lost - read ECONNRESET', info: { code: 'ESOCKET' } } });
    expect(toConnectorError(lost, ctx)).toMatchObject({ code: 'unavailable', message: 'Lost the SQL Server connection: Connection lost - read ECONNRESET' });
  });
});

describe('SQL Server configuration', () => {
  const base = { kind: 'sqlserver', database: 'cdm', read: { user: 'ro', password: 'pw' } };
  const problem = (over: Record<string, unknown>) => sqlserverConnectionSchema.safeParse({ ...base, ...over }).error?.issues[0];

  it('accepts a host and fills the defaults', () => {
    expect(sqlserverConnectionSchema.parse({ ...base, server: 'sql.internal' })).toEqual({
      ...base, server: 'sql.internal', encrypt: true, trustServerCertificate: false, poolMax: 4, connectTimeoutMs: 10_000, readIsolation: 'read_committed', readOnlyIntent: false,
    });
  });

  it('says which keys to write instead of a JDBC URL, a connection string, host,port or host\\instance', () => {
    expect(problem({ server: 'jdbc:sqlserver://sql.internal:1433;databaseName=cdm;encrypt=true' })).toMatchObject({ path: ['server'], message: 'this is a JDBC URL; write server: sql.internal, port: 1433, database: cdm as separate keys' });
    expect(problem({ server: 'Server=tcp:sql.internal,1433;Database=cdm;User Id=sa;Password=x' })?.message).toMatch(/connection string/);
    expect(problem({ server: 'tcp:sql.internal,1433' })?.message).toBe('write server: sql.internal and port: 1433 as separate keys');
    expect(problem({ server: 'sql.internal\\REPORTING' })?.message).toBe('write server: sql.internal and instanceName: REPORTING as separate keys');
    expect(problem({ server: 'sql.internal:1433' })?.message).toBe('write server: sql.internal and port: 1433 as separate keys');
    expect(problem({ server: 'sql.internal', port: 1433, instanceName: 'REPORTING' })).toMatchObject({ path: ['port'], message: expect.stringMatching(/either port or instanceName/) });
  });
});

describe('SQL Server connector', () => {
  const numbers = (n: number): QueryScript => ({ columns: [COL.int('n')], rows: Array.from({ length: n }, (_, i) => [i + 1]) });

  async function run(fake: FakeMssql, text: string, over: Partial<StatementRequest> = {}, conf: SqlServerConnectionConfig = config, sinkDelay = 0) {
    const connector = await openSqlServer(conf, { driver: fake.driver });
    const columns: ColumnInfo[][] = [];
    const rows: Cell[][] = [];
    let batches = 0;
    let emittedWhileBusy = 0;
    const sink = {
      columns: (c: readonly ColumnInfo[]) => void columns.push([...c]),
      rows: async (b: readonly (readonly Cell[])[]) => {
        batches++;
        rows.push(...(b as Cell[][]));
        const request = fake.requests.at(-1)!;
        const before = request.rowsEmitted;
        await new Promise((r) => setTimeout(r, sinkDelay));
        emittedWhileBusy = Math.max(emittedWhileBusy, request.rowsEmitted - before);
      },
    };
    const request = { text, binds: {}, mode: 'read' as const, signal: new AbortController().signal, timeoutMs: 5000, maxRows: 10_000, ...over };
    const outcome = await connector.stream(request, sink).finally(() => connector.close());
    return { outcome, columns: columns[0] ?? [], rows, batches, emittedWhileBusy };
  }

  it('runs a read in a rolled-back transaction, streams batches with backpressure, typed @params and the timeout', async () => {
    const fake = fakeMssql(() => numbers(2500));
    const r = await run(fake, 'select n from t where d = :d', { binds: { d: { type: 'date', value: '2026-11-08' } } }, config, 5);
    expect(r.outcome).toEqual({ rowCount: 2500, truncated: false, firstValue: 1 });
    expect(r.batches).toBe(3);
    expect(r.emittedWhileBusy).toBeLessThanOrEqual(2);
    expect(r.columns).toEqual([{ name: 'n', type: 'INT' }]);
    expect(fake.log.filter((l) => !['pause', 'resume'].includes(l))).toEqual(['connect ops_ro', 'begin 2', 'query select n from t where d = @d', 'rollback', 'close ops_ro']);
    expect(fake.log.filter((l) => l === 'pause')).toHaveLength(2); // the last 500 rows arrive with done
    const request = fake.requests[0]!;
    expect(request).toMatchObject({ stream: true, arrayRowMode: true, requestTimeout: 5000 });
    expect(request.inputs).toEqual([{ name: 'd', type: 'Date', value: new Date('2026-11-08T00:00:00Z') }]);
    expect(fake.pools).toHaveLength(2);
    expect(fake.pools[0]).toMatchObject({ server: 'sql.internal', database: 'cdm', user: 'ops_ro', validateConnection: 'socket', options: { encrypt: true, useUTC: true, appName: 'opsbook', readOnlyIntent: false } });
  });

  it('reads under snapshot isolation and with read-only intent when configured', async () => {
    const fake = fakeMssql(() => numbers(1));
    await run(fake, 'select 1', {}, { ...config, readIsolation: 'snapshot', readOnlyIntent: true });
    expect(fake.log).toContain('begin 5');
    expect(fake.pools[0]).toMatchObject({ options: { readOnlyIntent: true } });
    expect(fake.pools[1]).toMatchObject({ options: { readOnlyIntent: false } });
  });

  it('stops a read at the row cap by cancelling it on the server', async () => {
    const fake = fakeMssql(() => numbers(5000));
    const r = await run(fake, 'select n from t', { maxRows: 1234 });
    expect(r.outcome).toMatchObject({ rowCount: 1234, truncated: true });
    expect(r.rows).toHaveLength(1234);
    expect(fake.log).toContain('cancel');
    expect(fake.log.at(-2)).toBe('rollback');
  });

  it('lets a write run to its end past the row cap, checks its transactions are balanced, and commits', async () => {
    const fake = fakeMssql(() => numbers(3000));
    const r = await run(fake, 'update t set x = 1 output inserted.n', { mode: 'write', maxRows: 10 });
    expect(r.outcome).toMatchObject({ rowCount: 10, truncated: true });
    expect(fake.log).not.toContain('cancel');
    expect(fake.requests[0]!.rowsEmitted).toBe(3000);
    expect(fake.log.slice(-3)).toEqual(['query select @@TRANCOUNT as depth', 'commit', 'close ops_rw']);
  });

  it('refuses to commit a write that left a transaction open', async () => {
    const fake = fakeMssql(() => ({ rowsAffected: [1] }));
    fake.trancount = 2;
    await expect(run(fake, 'begin tran; update t set x = 1', { mode: 'write' })).rejects.toMatchObject({ code: 'connector_error', message: expect.stringMatching(/left 1 transaction\(s\) open/) });
    expect(fake.log).not.toContain('commit');
    expect(fake.log.at(-2)).toBe('rollback');
  });

  it('reports the rows a DML batch touched, and shows only the first result set', async () => {
    const dml = await run(fakeMssql(() => ({ rowsAffected: [3, 2] })), 'update t set x = 1; delete from u', { mode: 'write' });
    expect(dml.columns).toEqual([{ name: 'rows_affected', type: 'INT' }]);
    expect(dml.rows).toEqual([[5]]);
    const two = await run(fakeMssql(() => ({ ...numbers(2), more: { columns: [COL.decimal('amount', 2)], rows: [[1.5]] } })), 'select n from t; select amount from u');
    expect(two.columns).toEqual([{ name: 'n', type: 'INT' }]);
    expect(two.rows).toEqual([[1], [2]]);
  });

  it('refuses a write without a write profile without connecting', async () => {
    const fake = fakeMssql();
    await expect(run(fake, 'delete from t', { mode: 'write' }, { ...config, write: undefined })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/no write profile/) });
    expect(fake.log.filter((l) => l.startsWith('connect'))).toEqual([]);
  });

  it('maps a server error and rolls back', async () => {
    const fake = fakeMssql(() => ({ error: { name: 'RequestError', code: 'EREQUEST', number: 208, lineNumber: 1, message: "Invalid object name 'nope'." } }));
    await expect(run(fake, 'select * from nope')).rejects.toMatchObject({ code: 'connector_error', engineCode: '208' });
    expect(fake.log.at(-2)).toBe('rollback');
  });

  it('enforces the statement timeout through the request timeout', async () => {
    const fake = fakeMssql(() => ({ ...numbers(1), hang: true }));
    // The fake hangs for ever: a `timeout` rejection is the request timeout (nothing else would end it).
    await expect(run(fake, 'waitfor delay \'00:01\'', { timeoutMs: 200 })).rejects.toMatchObject({ code: 'timeout' });
    expect(fake.log.at(-2)).toBe('rollback');
  });

  it('cancels a running request with request.cancel()', async () => {
    const fake = fakeMssql(() => ({ ...numbers(1), hang: true }));
    const controller = new AbortController();
    const pending = run(fake, 'waitfor delay \'00:01\'', { signal: controller.signal });
    await expect.poll(() => fake.requests.length).toBe(1);
    await expect.poll(() => fake.requests[0]!.rowsEmitted).toBe(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(fake.log).toContain('cancel');
    expect(fake.log.at(-2)).toBe('rollback');
  });

  it('stops the request when the sink fails, and reports the sink\'s error', async () => {
    const fake = fakeMssql(() => numbers(5000));
    const connector = await openSqlServer(config, { driver: fake.driver });
    const request: StatementRequest = { text: 'select n from t', binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 5000, maxRows: 10_000 };
    await expect(connector.stream(request, { columns: () => undefined, rows: async () => Promise.reject(new Error('socket closed')) })).rejects.toMatchObject({ message: expect.stringMatching(/socket closed/) });
    expect(fake.log).toContain('cancel');
    expect(fake.requests[0]!.rowsEmitted).toBeLessThan(1100);
    await connector.close();
  });

  it('reports a failed connection as unavailable and tries again on the next run', async () => {
    const fake = fakeMssql();
    fake.connectError = Object.assign(new Error('Failed to connect to sql.internal:1433 in 10000ms'), { name: 'ConnectionError', code: 'ETIMEOUT' });
    const connector = await openSqlServer(config, { driver: fake.driver });
    const request: StatementRequest = { text: 'select 1', binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 1000, maxRows: 1 };
    const sink = { columns: () => undefined, rows: async () => undefined };
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable', engineCode: 'ETIMEOUT', message: expect.stringMatching(/^Cannot connect to SQL Server at sql\.internal:1433\/cdm/) });
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable' });
    expect(fake.log.filter((l) => l.startsWith('connect'))).toHaveLength(2);
    await connector.close();
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/closed/) });
  });
});
