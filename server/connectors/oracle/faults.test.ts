/**
 * Oracle connections that break under a run fail only that run (DESIGN.md §7a), through the connector and
 * the driver stand-in: the connection lost in the middle of a result fails the run as `unavailable` with a
 * retry hint, the broken session is dropped rather than handed to the next run, and the next run works.
 * (What the real thin driver does against a peer that is no Oracle listener is in driver.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../protocol';
import type { StatementRequest } from '../types';
import { fakeOracle, type ExecuteScript } from './__fixtures__/fakeOracle';
import type { OracleConnectionConfig } from './config';
import { openOracle } from './index';

const config: OracleConnectionConfig = {
  kind: 'oracle', connectString: 'db.internal:1521/ORCLPDB1', read: { user: 'ops_ro', password: 'ro-secret' }, write: { user: 'ops_rw', password: 'rw-secret' }, poolMax: 4, connectTimeoutMs: 10_000,
};
const numbers = (n: number): ExecuteScript => ({ metaData: [{ name: 'N', dbTypeName: 'NUMBER' }], rows: Array.from({ length: n }, (_, i) => [String(i + 1)]) });
const LOST = { message: 'NJS-500: connection to Oracle Database was closed or broken: NJS-521: connection to host db.internal port 1521 received end-of-file on communication channel', code: 'NJS-500' };

describe('an Oracle connection lost in the middle of a result', () => {
  it('fails that run as unavailable saying to run it again, drops the session, and the next run works', async () => {
    let broken = true;
    const fake = fakeOracle((sql) => (sql.startsWith('select') ? { ...numbers(2500), ...(broken ? { fetchError: LOST } : {}) } : {}));
    const connector = await openOracle(config, { driver: fake.driver });
    const rows: Cell[][] = [];
    const sink = { columns: () => undefined, rows: async (b: readonly (readonly Cell[])[]) => void rows.push(...(b as Cell[][])) };
    const request: StatementRequest = { text: 'select n from t', binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 5000, maxRows: 10_000 };
    try {
      const error = await connector.stream(request, sink).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'unavailable', engineCode: 'NJS-500', message: expect.stringMatching(/^Lost the Oracle connection: .*end-of-file/), hint: expect.stringMatching(/^Run it again/) });
      expect(rows).toHaveLength(1000); // the first batch had reached the page
      expect(fake.log).toContain('drop #1');
      expect(fake.log).not.toContain('release #1');

      broken = false;
      rows.length = 0;
      expect(await connector.stream(request, sink)).toMatchObject({ rowCount: 2500, truncated: false });
      expect(fake.log.at(-1)).toBe('release #2'); // a new session, not the broken one
    } finally {
      await connector.close();
    }
  });

  it('for a write, says to check whether it was committed before running it again', async () => {
    const fake = fakeOracle((sql) => (sql.startsWith('update') ? { error: LOST } : {}));
    const connector = await openOracle(config, { driver: fake.driver });
    const request: StatementRequest = { text: 'update t set x = 1', binds: {}, mode: 'write', signal: new AbortController().signal, timeoutMs: 5000, maxRows: 10 };
    try {
      await expect(connector.stream(request, { columns: () => undefined, rows: async () => undefined })).rejects.toMatchObject({ code: 'unavailable', hint: expect.stringMatching(/^Check whether the write was committed before running it again/) });
    } finally {
      await connector.close();
    }
  });
});
