/**
 * SQL Server connections that break under a run fail only that run (DESIGN.md §7a), through the connector
 * and the driver stand-in: the connection lost in the middle of a streamed result (mssql reports it as
 * EREQUEST around tedious's ESOCKET) fails the run as `unavailable` with a retry hint, and the next run
 * works. (What the real tedious does against a peer that is no SQL Server is in driver.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../protocol';
import type { StatementRequest } from '../types';
import { COL, fakeMssql, type QueryScript } from './__fixtures__/fakeMssql';
import type { SqlServerConnectionConfig } from './config';
import { openSqlServer } from './index';

const config: SqlServerConnectionConfig = {
  kind: 'sqlserver', server: 'sql.internal', database: 'cdm', encrypt: true, trustServerCertificate: false, read: { user: 'ops_ro', password: 'ro-secret' }, write: { user: 'ops_rw', password: 'rw-secret' },
  poolMax: 4, connectTimeoutMs: 10_000, readIsolation: 'read_committed', readOnlyIntent: false,
};
const numbers = (n: number): QueryScript => ({ columns: [COL.int('n')], rows: Array.from({ length: n }, (_, i) => [i + 1]) });
const LOST = { name: 'RequestError', code: 'EREQUEST', message: 'Connection lost - read ECONNRESET', originalError: { info: { code: 'ESOCKET' } } };

describe('a SQL Server connection lost in the middle of a result', () => {
  it('fails that run as unavailable saying to run it again, and the next run works', async () => {
    let broken = true;
    const fake = fakeMssql(() => ({ ...numbers(1500), ...(broken ? { error: LOST } : {}) }));
    const connector = await openSqlServer(config, { driver: fake.driver });
    const rows: Cell[][] = [];
    const sink = { columns: () => undefined, rows: async (b: readonly (readonly Cell[])[]) => void rows.push(...(b as Cell[][])) };
    const request: StatementRequest = { text: 'select n from t', binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 5000, maxRows: 10_000 };
    try {
      const error = await connector.stream(request, sink).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'unavailable', engineCode: 'ESOCKET', message: 'Lost the SQL Server connection: Connection lost - read ECONNRESET', hint: expect.stringMatching(/^Run it again/) });
      broken = false;
      rows.length = 0;
      expect(await connector.stream(request, sink)).toMatchObject({ rowCount: 1500, truncated: false });
      expect(rows).toHaveLength(1500);
    } finally {
      await connector.close();
    }
  });

  it('for a write, says to check whether it was committed before running it again', async () => {
    const fake = fakeMssql(() => ({ rowsAffected: [1], error: LOST }));
    const connector = await openSqlServer(config, { driver: fake.driver });
    const request: StatementRequest = { text: 'update t set x = 1', binds: {}, mode: 'write', signal: new AbortController().signal, timeoutMs: 5000, maxRows: 10 };
    try {
      await expect(connector.stream(request, { columns: () => undefined, rows: async () => undefined })).rejects.toMatchObject({ code: 'unavailable', hint: expect.stringMatching(/^Check whether the write was committed before running it again/) });
    } finally {
      await connector.close();
    }
  });
});
