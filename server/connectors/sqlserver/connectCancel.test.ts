/**
 * Cancelling a run while SQL Server is still connecting. The real mssql against a loopback peer that
 * accepts and never answers: the run ends `cancelled` at once instead of after connectTimeoutMs, and
 * closing the connector does not wait for the attempt either. The driver stand-in, whose connect and
 * BEGIN wait until the test lets them: the attempt that settles after the cancel leaves the pool usable
 * (or closed, once the connector is), a transaction that begins too late is rolled back unused, and the
 * next run works.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { misbehavingPorts } from '../../testing/loopbackPorts';
import type { Cell } from '../../protocol';
import type { StatementRequest } from '../types';
import { COL, fakeMssql } from './__fixtures__/fakeMssql';
import type { SqlServerConnectionConfig } from './config';
import { openSqlServer } from './index';

const ports = misbehavingPorts();
afterAll(() => ports.closeAll());

const config: SqlServerConnectionConfig = {
  kind: 'sqlserver', server: '127.0.0.1', port: 1433, database: 'cdm', encrypt: false, trustServerCertificate: false,
  read: { user: 'opsbook_ro', password: 'not-a-real-secret' }, poolMax: 1, connectTimeoutMs: 120_000, readIsolation: 'read_committed', readOnlyIntent: false,
};
const request = (signal: AbortSignal): StatementRequest => ({ text: 'select n from t', binds: {}, mode: 'read', signal, timeoutMs: 5000, maxRows: 10 });
const sink = { columns: () => undefined, rows: async () => undefined };

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('cancelling a run while mssql connects to a peer that never answers', () => {
  it('ends the run cancelled without waiting for the 120 s connect timeout, and close() does not wait for it either', async () => {
    const port = await ports.listener('silent');
    const connector = await openSqlServer({ ...config, port });
    const cancel = new AbortController();
    const running = connector.stream(request(cancel.signal), sink).catch((e: unknown) => e);
    await expect.poll(() => ports.connections(port).accepted, { timeout: 60_000 }).toBe(1);
    cancel.abort();
    // The test's own limit (120 s) is no longer than the connect timeout: only the cancel ends it in time.
    expect(await running).toMatchObject({ code: 'cancelled', message: `The run was cancelled while it waited for a connection to SQL Server at 127.0.0.1:${port}/cdm; nothing ran.` });
    await connector.close();
  });
});

describe('cancelling a run while the SQL Server pool connects (driver stand-in)', () => {
  it('ends the run at once; the attempt settles for the next run, which works', async () => {
    const fake = fakeMssql(() => ({ columns: [COL.int('n')], rows: [[1]] }));
    const connecting = gate();
    fake.connectGate = connecting.promise;
    const connector = await openSqlServer(config, { driver: fake.driver });
    try {
      const cancel = new AbortController();
      const first = connector.stream(request(cancel.signal), sink).catch((e: unknown) => e);
      await expect.poll(() => fake.log).toContain('connect opsbook_ro');
      cancel.abort();
      expect(await first).toMatchObject({ code: 'cancelled' });
      expect(fake.log).toEqual(['connect opsbook_ro']); // nothing began for the cancelled run

      const rows: Cell[][] = [];
      const second = connector.stream(request(new AbortController().signal), { columns: () => undefined, rows: async (b) => void rows.push(...(b as Cell[][])) });
      connecting.open();
      expect(await second).toMatchObject({ rowCount: 1 });
      expect(rows).toEqual([[1]]);
      expect(fake.log.filter((l) => l.startsWith('connect'))).toEqual(['connect opsbook_ro']); // the same attempt served it
    } finally {
      await connector.close();
    }
  });

  it('closes the pool once an attempt abandoned at shutdown settles, without close() waiting for it', async () => {
    const fake = fakeMssql();
    const connecting = gate();
    fake.connectGate = connecting.promise;
    const connector = await openSqlServer(config, { driver: fake.driver });
    const cancel = new AbortController();
    const first = connector.stream(request(cancel.signal), sink).catch((e: unknown) => e);
    await expect.poll(() => fake.log).toContain('connect opsbook_ro');
    cancel.abort();
    expect(await first).toMatchObject({ code: 'cancelled' });
    await connector.close(); // resolves while the attempt is still open
    expect(fake.log).not.toContain('close opsbook_ro');
    connecting.open();
    await expect.poll(() => fake.log).toContain('close opsbook_ro');
  });

  it('rolls back a transaction that begins after the cancel, so its connection goes back unused', async () => {
    const fake = fakeMssql(() => ({ columns: [COL.int('n')], rows: [[1]] }));
    const beginning = gate();
    fake.beginGate = beginning.promise;
    const connector = await openSqlServer(config, { driver: fake.driver });
    try {
      const cancel = new AbortController();
      const first = connector.stream(request(cancel.signal), sink).catch((e: unknown) => e);
      await expect.poll(() => fake.log).toContain('begin 2');
      cancel.abort();
      expect(await first).toMatchObject({ code: 'cancelled', message: expect.stringMatching(/^The run was cancelled while it waited for a connection to SQL Server/) });
      beginning.open();
      await expect.poll(() => fake.log).toContain('rollback');
      expect(fake.requests).toHaveLength(0); // the cancelled run sent no statement

      fake.beginGate = null;
      expect(await connector.stream(request(new AbortController().signal), sink)).toMatchObject({ rowCount: 1 });
    } finally {
      await connector.close();
    }
  });
});
