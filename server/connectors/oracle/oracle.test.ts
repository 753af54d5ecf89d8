import { describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import type { StatementRequest } from '../types';
import { fakeOracle, oraError, TYPES, type ExecuteScript } from './__fixtures__/fakeOracle';
import { oracleBinds, wallClock } from './binds';
import { oracleConnectionSchema, type OracleConnectionConfig } from './config';
import { toConnectorError, type ErrorContext } from './errors';
import { openOracle } from './index';
import { firstKeyword, prepareText, stripTerminator } from './statement';
import { columnsOf, fetchTypeHandler, jsonSafe, rowConverter, SESSION_SETUP } from './types';

const config: OracleConnectionConfig = {
  kind: 'oracle',
  connectString: 'db.internal:1521/ORCLPDB1',
  read: { user: 'ops_ro', password: 'ro-secret' },
  write: { user: 'ops_rw', password: 'rw-secret' },
  poolMax: 4,
  connectTimeoutMs: 10_000,
};

describe('Oracle binds', () => {
  it('keeps the text and binds each :name once with a typed definition', () => {
    const binds: Record<string, BoundValue> = {
      d: { type: 'date', value: '2026-11-08' },
      at: { type: 'datetime', value: '2026-11-08 06:30:00' },
      n: { type: 'int', value: 42 },
      x: { type: 'number', value: 1.25 },
      s: { type: 'string', value: "A1' or '1'='1" },
    };
    const sql = "select * from t where d = :d and ts >= :at and (id = :n or id = :n + 1) and amt > :x and code = :s and note <> ':skip' -- :alsoSkip";
    const out = oracleBinds(sql, binds, TYPES);
    expect(out.text).toBe(sql);
    expect(Object.keys(out.binds)).toEqual(['d', 'at', 'n', 'x', 's']);
    expect(out.binds.d).toEqual({ type: TYPES.DB_TYPE_DATE, val: expect.any(Date) });
    expect(out.binds.at!.type).toBe(TYPES.DB_TYPE_DATE);
    expect(out.binds.n).toEqual({ type: TYPES.DB_TYPE_NUMBER, val: 42 });
    expect(out.binds.x).toEqual({ type: TYPES.DB_TYPE_NUMBER, val: 1.25 });
    expect(out.binds.s).toEqual({ type: TYPES.DB_TYPE_VARCHAR, val: "A1' or '1'='1" });
  });

  it('binds a placeholder without a value as a NULL VARCHAR2', () => {
    expect(oracleBinds('select :missing from dual', {}, TYPES).binds).toEqual({ missing: { type: TYPES.DB_TYPE_VARCHAR, val: null } });
  });

  it('gives dates whose local fields are the wall-clock time asked for, even in a DST gap', () => {
    const previous = process.env.TZ;
    process.env.TZ = 'Europe/Berlin'; // 2026-03-29 02:30 does not exist there
    try {
      const d = wallClock('2026-03-29 02:30:00');
      expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()]).toEqual([2026, 2, 29, 2, 30, 0]);
      const midnight = wallClock('2026-11-08');
      expect([midnight.getDate(), midnight.getHours()]).toEqual([8, 0]);
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });
});

describe('Oracle type mapping', () => {
  const meta = (dbTypeName: string, name = dbTypeName.toLowerCase()) => ({ name, dbTypeName });

  it('fetches NUMBER, dates, timestamps, CLOB and RAW as text and BLOB as bytes', () => {
    const handler = fetchTypeHandler(TYPES);
    for (const t of ['NUMBER', 'DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP WITH LOCAL TIME ZONE', 'CLOB', 'NCLOB', 'RAW', 'ROWID']) {
      expect(handler(meta(t))).toEqual({ type: TYPES.DB_TYPE_VARCHAR });
    }
    expect(handler(meta('BLOB'))).toEqual({ type: TYPES.DB_TYPE_RAW });
    for (const t of ['VARCHAR2', 'BINARY_DOUBLE', 'BOOLEAN', 'JSON', 'INTERVAL DAY TO SECOND']) expect(handler(meta(t))).toBeUndefined();
  });

  it('turns representative values into JSON-safe cells', () => {
    const md = ['NUMBER', 'NUMBER', 'NUMBER', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'CLOB', 'RAW', 'BLOB', 'BINARY_DOUBLE', 'BINARY_FLOAT', 'BOOLEAN', 'JSON', 'VECTOR', 'VARCHAR2'].map((t, i) => meta(t, `c${i}`));
    const convert = rowConverter(md);
    const row = convert([
      '12345678901234567890.123', '.5', '-.25', '2026-11-08 00:00:00', '2026-11-23 08:00:00.123456+00:00', 'a long text', 'BEEF',
      Buffer.from([0xca, 0xfe]), Number.POSITIVE_INFINITY, 1.5, true, { sku: 'A7', tags: [1, 2n] }, new Float32Array([0.5, 1]), null,
    ]);
    expect(row).toEqual([
      '12345678901234567890.123', '0.5', '-0.25', '2026-11-08 00:00:00', '2026-11-23 08:00:00.123456+00:00', 'a long text', 'BEEF',
      'CAFE', 'Infinity', 1.5, true, { sku: 'A7', tags: [1, '2'] }, [0.5, 1], null,
    ]);
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
  });

  it('names columns after their Oracle types', () => {
    expect(columnsOf([meta('NUMBER', 'N'), { name: 'TS', dbType: { columnTypeName: 'TIMESTAMP' } }])).toEqual([
      { name: 'N', type: 'NUMBER' },
      { name: 'TS', type: 'TIMESTAMP' },
    ]);
    expect(jsonSafe(new Date('2026-11-08T00:00:00Z'))).toBe('2026-11-08T00:00:00.000Z');
  });
});

describe('Oracle statements', () => {
  it('finds the first keyword past comments and parentheses', () => {
    expect(firstKeyword('-- check\n/* why */ (select 1 from dual)')).toBe('SELECT');
    expect(firstKeyword('  with x as (select 1 from dual) select * from x')).toBe('WITH');
    expect(firstKeyword('-- only a comment')).toBe('');
  });

  it('refuses DDL, DML and PL/SQL in a read snippet, before it reaches the database', () => {
    for (const sql of ['delete from t', 'create table t (x number)', 'begin delete from t; commit; end;', 'truncate table t', 'lock table t in exclusive mode']) {
      expect(() => prepareText(sql, 'read')).toThrow(expect.objectContaining({ code: 'forbidden', hint: expect.stringMatching(/mode=write/) }));
    }
    expect(prepareText('delete from t;', 'write')).toBe('delete from t');
  });

  it('drops a trailing terminator from SQL but keeps PL/SQL intact', () => {
    expect(stripTerminator('select 1 from dual;  \n')).toBe('select 1 from dual');
    expect(stripTerminator('update t set x = 1\n/\n')).toBe('update t set x = 1');
    expect(stripTerminator('begin\n  null;\nend;\n/')).toBe('begin\n  null;\nend;');
    expect(stripTerminator('create or replace procedure p as begin null; end;')).toBe('create or replace procedure p as begin null; end;');
    expect(stripTerminator('create table t (x number);')).toBe('create table t (x number)');
  });
});

describe('Oracle error mapping', () => {
  const ctx: ErrorContext = { phase: 'run', mode: 'read', timeoutMs: 300, cancelled: false, connectString: 'db.internal:1521/ORCLPDB1', user: 'ops_ro' };

  it('reports a database error with its ORA code, position and a hint', () => {
    const e = oraError('ORA-00942', 'table or view "OPS"."NOPE" does not exist\nHelp: https://docs.oracle.com/error-help/db/ora-00942/', { offset: 14 });
    expect(toConnectorError(e, ctx)).toMatchObject({
      code: 'connector_error',
      engineCode: 'ORA-00942',
      message: 'ORA-00942: table or view "OPS"."NOPE" does not exist (at character 15)',
      hint: expect.stringMatching(/owner prefix/),
    });
    expect(toConnectorError(oraError('ORA-00001', 'unique constraint (OPS.PK) violated\nHelp: https://docs.oracle.com/error-help/db/ora-00001/'), ctx).hint).toBe('See https://docs.oracle.com/error-help/db/ora-00001/');
  });

  it('tells a read snippet that tried to write how to mark it', () => {
    const e = oraError('ORA-01456', 'may not perform insert/delete/update operation inside a READ ONLY transaction');
    expect(toConnectorError(e, ctx)).toMatchObject({ code: 'connector_error', engineCode: 'ORA-01456', hint: expect.stringMatching(/mode=write/) });
  });

  it('maps the call timeout to timeout and a break we sent to cancelled', () => {
    const timeout = Object.assign(new Error('NJS-123: call timeout of 300 ms exceeded\nORA-01013: user requested cancel of current operation'), { code: 'NJS-123' });
    expect(toConnectorError(timeout, ctx)).toMatchObject({ code: 'timeout', message: expect.stringMatching(/0\.3 s statement timeout/) });
    expect(toConnectorError(oraError('ORA-01013', 'user requested cancel of current operation'), { ...ctx, cancelled: true })).toMatchObject({ code: 'cancelled' });
  });

  it('reports network and login failures as unavailable, naming the target and never the password', () => {
    const refused = Object.assign(new Error('NJS-503: connection to host 127.0.0.1 port 1 could not be established. (CONNECTION_ID=abc==)\nconnect ECONNREFUSED 127.0.0.1:1'), { code: 'NJS-503' });
    const connect = { ...ctx, phase: 'connect' as const, connectString: '127.0.0.1:1/FREEPDB1' };
    expect(toConnectorError(refused, connect)).toMatchObject({
      code: 'unavailable',
      engineCode: 'NJS-503',
      message: 'Cannot connect to Oracle at 127.0.0.1:1/FREEPDB1: NJS-503: connection to host 127.0.0.1 port 1 could not be established: connect ECONNREFUSED 127.0.0.1:1',
    });
    const login = toConnectorError(oraError('ORA-01017', 'invalid credential or not authorized; logon denied'), connect);
    expect(login).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/login of user ops_ro/), hint: expect.stringMatching(/read profile/) });
    expect(JSON.stringify(login)).not.toMatch(/secret/);
    const lost = Object.assign(new Error('NJS-500: connection to Oracle Database was closed or broken\nORA-03113: end-of-file on communication channel'), { code: 'NJS-500', errorNum: 3113 });
    expect(toConnectorError(lost, ctx)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^Lost the Oracle connection: NJS-500.*ORA-03113/) });
    expect(toConnectorError(Object.assign(new Error('NJS-040: connection request timeout. Request exceeded "queueTimeout" of 10000'), { code: 'NJS-040' }), connect)).toMatchObject({ code: 'unavailable', hint: expect.stringMatching(/poolMax/) });
  });
});

describe('Oracle configuration', () => {
  const base = { kind: 'oracle', read: { user: 'ro', password: 'pw' } };

  it('accepts Easy Connect and fills the defaults', () => {
    expect(oracleConnectionSchema.parse({ ...base, connectString: 'db.internal:1521/ORCLPDB1' })).toEqual({ ...base, connectString: 'db.internal:1521/ORCLPDB1', poolMax: 4, connectTimeoutMs: 10_000 });
  });

  it('says how to rewrite a JDBC URL or a connect string with credentials', () => {
    const problem = (connectString: string) => oracleConnectionSchema.safeParse({ ...base, connectString }).error?.issues[0];
    expect(problem('jdbc:oracle:thin:@//db.internal:1521/ORCLPDB1')).toMatchObject({ path: ['connectString'], message: expect.stringMatching(/write host:port\/service_name instead, i\.e\. db\.internal:1521\/ORCLPDB1/) });
    expect(problem('jdbc:oracle:thin:@db.internal:1521:ORCL')?.message).toMatch(/SID.*db\.internal:1521\/<service name>/);
    expect(problem('jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(HOST=h)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=s)))')?.message).toMatch(/drop the jdbc:oracle:thin:@ prefix/);
    expect(problem('scott/tiger@db.internal:1521/ORCLPDB1')?.message).toMatch(/do not put user\/password@/);
  });

  it('requires read credentials and refuses unknown keys', () => {
    expect(oracleConnectionSchema.safeParse({ kind: 'oracle', connectString: 'h:1521/s', read: { user: 'ro', password: '' } }).error?.issues[0]?.path).toEqual(['read', 'password']);
    expect(oracleConnectionSchema.safeParse({ ...base, connectString: 'h:1521/s', url: 'x' }).success).toBe(false);
  });
});

/** The connector's orchestration against the hand-written driver. */
describe('Oracle connector', () => {
  async function run(fake: ReturnType<typeof fakeOracle>, text: string, over: Partial<StatementRequest> = {}, sinkDelay = 0) {
    const connector = await openOracle(config, { driver: fake.driver });
    const columns: ColumnInfo[][] = [];
    const rows: Cell[][] = [];
    let batches = 0;
    let fetchesWhileSinkBusy = 0;
    const sink = {
      columns: (c: readonly ColumnInfo[]) => void columns.push([...c]),
      rows: async (b: readonly (readonly Cell[])[]) => {
        batches++;
        rows.push(...(b as Cell[][]));
        const before = fake.log.length;
        await new Promise((r) => setTimeout(r, sinkDelay));
        fetchesWhileSinkBusy += fake.log.slice(before).filter((l) => l.startsWith('getRows')).length;
      },
    };
    const request = { text, binds: {}, mode: 'read' as const, signal: new AbortController().signal, timeoutMs: 5000, maxRows: 10_000, ...over };
    const outcome = await connector.stream(request, sink).finally(() => connector.close());
    return { outcome, columns: columns[0] ?? [], rows, batches, fetchesWhileSinkBusy };
  }
  const numbers = (n: number): ExecuteScript => ({ metaData: [{ name: 'N', dbTypeName: 'NUMBER' }], rows: Array.from({ length: n }, (_, i) => [String(i + 1)]) });

  it('runs a read in a read-only transaction, streams batches with backpressure and rolls back', async () => {
    const fake = fakeOracle((sql) => (sql.startsWith('select') ? numbers(2500) : {}));
    const r = await run(fake, 'select n from t;', {}, 5);
    expect(r.outcome).toEqual({ rowCount: 2500, truncated: false, firstValue: '1' });
    expect(r.batches).toBe(3);
    expect(r.fetchesWhileSinkBusy).toBe(0);
    expect(r.columns).toEqual([{ name: 'N', type: 'NUMBER' }]);
    expect(fake.log).toEqual([
      'createPool', 'getConnection', `execute ${SESSION_SETUP}`, 'execute SET TRANSACTION READ ONLY', 'execute select n from t', 'getRows 1000', 'getRows 1000', 'getRows 1000', 'close resultSet', 'rollback', 'release #1', 'closePool 5',
    ]);
    expect(fake.poolAttributes[0]).toMatchObject({ user: 'ops_ro', connectString: 'db.internal:1521/ORCLPDB1', poolMin: 0, poolMax: 4, connectTimeout: 10 });
    expect(fake.executed[2]!.options).toMatchObject({ resultSet: true, outFormat: 4001, autoCommit: false });
  });

  it('stops at the row cap, says truncated and closes the cursor', async () => {
    const fake = fakeOracle(() => numbers(5000));
    const r = await run(fake, 'select n from t', { maxRows: 1234 });
    expect(r.outcome).toMatchObject({ rowCount: 1234, truncated: true });
    expect(r.rows).toHaveLength(1234);
    expect(fake.log.filter((l) => l.startsWith('getRows'))).toEqual(['getRows 1000', 'getRows 235']);
    expect(fake.log).toContain('close resultSet');
  });

  it('runs a write on the write profile, commits, and reports the rows it touched', async () => {
    const fake = fakeOracle(() => ({ rowsAffected: 3 }));
    const r = await run(fake, 'update t set x = 1 where d = :d', { mode: 'write', binds: { d: { type: 'date', value: '2026-11-08' } } });
    expect(r.columns).toEqual([{ name: 'rows_affected', type: 'NUMBER' }]);
    expect(r.rows).toEqual([[3]]);
    expect(fake.poolAttributes[0]).toMatchObject({ user: 'ops_rw' });
    expect(fake.log).not.toContain('execute SET TRANSACTION READ ONLY');
    expect(fake.log.slice(-3)).toEqual(['commit', 'release #1', 'closePool 5']);
    expect(fake.executed.at(-1)!.binds).toEqual({ d: { type: TYPES.DB_TYPE_DATE, val: expect.any(Date) } });
  });

  it('refuses a write without a write profile, and a non-query read, without opening a session', async () => {
    const fake = fakeOracle();
    const connector = await openOracle({ ...config, write: undefined }, { driver: fake.driver });
    const request = { binds: {}, signal: new AbortController().signal, timeoutMs: 1000, maxRows: 1 };
    const sink = { columns: () => undefined, rows: async () => undefined };
    await expect(connector.stream({ ...request, text: 'delete from t', mode: 'write' }, sink)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/no write profile/) });
    await expect(connector.stream({ ...request, text: 'drop table t', mode: 'read' }, sink)).rejects.toMatchObject({ code: 'forbidden' });
    expect(fake.log).toEqual([]);
    await connector.close();
  });

  it('maps a database error, rolls back and returns the session to the pool', async () => {
    const fake = fakeOracle((sql) => (sql.startsWith('select') ? { error: { message: 'ORA-00942: table or view does not exist', code: 'ORA-00942', errorNum: 942, offset: 14 } } : {}));
    await expect(run(fake, 'select x from nope')).rejects.toMatchObject({ code: 'connector_error', engineCode: 'ORA-00942' });
    expect(fake.log.slice(-3)).toEqual(['rollback', 'release #1', 'closePool 5']);
  });

  it('enforces the statement timeout with callTimeout and drops the session it broke', async () => {
    const fake = fakeOracle((sql) => (sql.startsWith('select') ? { ...numbers(1), hang: 'execute' } : {}));
    // The fake hangs for ever: a `timeout` rejection is the statement timeout (nothing else would end it).
    await expect(run(fake, 'select slow from t', { timeoutMs: 200 })).rejects.toMatchObject({ code: 'timeout' });
    expect(fake.log.slice(-2)).toEqual(['drop #1', 'closePool 5']);
  });

  it('cancels a running fetch with break() and drops the session', async () => {
    const fake = fakeOracle(() => ({ ...numbers(3000), hang: 'fetch' }));
    const controller = new AbortController();
    const pending = run(fake, 'select n from t', { signal: controller.signal });
    await expect.poll(() => fake.pendingFetches).toBe(1);
    await expect.poll(() => fake.log.filter((l) => l.startsWith('getRows')).length).toBe(2);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(fake.log).toContain('break');
    expect(fake.log.slice(-3)).toEqual(['break', 'drop #1', 'closePool 5']);
  });

  it('does not send a break when the cancel lands between calls', async () => {
    const fake = fakeOracle((sql) => (sql.startsWith('select') ? numbers(3000) : {}));
    const connector = await openOracle(config, { driver: fake.driver });
    const controller = new AbortController();
    const outcome = connector.stream(
      { text: 'select n from t', binds: {}, mode: 'read', signal: controller.signal, timeoutMs: 5000, maxRows: 10_000 },
      { columns: () => undefined, rows: async () => void controller.abort() },
    );
    await expect(outcome).rejects.toMatchObject({ code: 'cancelled' });
    expect(fake.log).not.toContain('break');
    expect(fake.log.filter((l) => l.startsWith('getRows'))).toHaveLength(1);
    await connector.close();
  });

  it('reports a failed connection as unavailable and tries again on the next run', async () => {
    const fake = fakeOracle(undefined, { connectError: Object.assign(new Error('NJS-503: connection to host 10.0.0.9 port 1521 could not be established. (CONNECTION_ID=x)\nconnect ETIMEDOUT'), { code: 'NJS-503' }) });
    const connector = await openOracle(config, { driver: fake.driver });
    const request: StatementRequest = { text: 'select 1 from dual', binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 1000, maxRows: 1 };
    const sink = { columns: () => undefined, rows: async () => undefined };
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^Cannot connect to Oracle at db\.internal:1521\/ORCLPDB1/) });
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable' });
    await connector.close();
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/closed/) });
  });
});
