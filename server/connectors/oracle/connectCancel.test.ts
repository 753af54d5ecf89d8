/**
 * Cancelling a run while Oracle is still connecting. The real node-oracledb (thin) against a loopback
 * peer that accepts and never answers: the run ends `cancelled` at once instead of after connectTimeoutMs,
 * and closing the connector does not wait for the attempt. The driver stand-in, whose getConnection waits
 * until the test lets it: the session that opens after the cancel goes back to the pool unused, and the
 * next run works.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { misbehavingPorts } from '../../testing/loopbackPorts';
import type { Cell } from '../../protocol';
import type { StatementRequest } from '../types';
import { fakeOracle } from './__fixtures__/fakeOracle';
import type { OracleConnectionConfig } from './config';
import { openOracle } from './index';
import { SESSION_SETUP } from './types';

const ports = misbehavingPorts();
afterAll(() => ports.closeAll());

const configFor = (port: number): OracleConnectionConfig => ({
  kind: 'oracle', connectString: `127.0.0.1:${port}/FREEPDB1`, read: { user: 'opsbook_ro', password: 'not-a-real-secret' }, poolMax: 1, connectTimeoutMs: 120_000,
});
const request = (signal: AbortSignal): StatementRequest => ({ text: 'select n from t', binds: {}, mode: 'read', signal, timeoutMs: 5000, maxRows: 10 });
const sink = { columns: () => undefined, rows: async () => undefined };

describe('cancelling a run while node-oracledb connects to a peer that never answers', () => {
  it('ends the run cancelled without waiting for the 120 s connect timeout, and close() does not wait for it either', async () => {
    const port = await ports.listener('silent');
    const connector = await openOracle(configFor(port));
    const cancel = new AbortController();
    const running = connector.stream(request(cancel.signal), sink).catch((e: unknown) => e);
    await expect.poll(() => ports.connections(port).accepted, { timeout: 60_000 }).toBe(1);
    cancel.abort();
    // The test's own limit (120 s) is no longer than the connect timeout: only the cancel ends it in time.
    expect(await running).toMatchObject({ code: 'cancelled', message: `The run was cancelled while it waited for a connection to Oracle at 127.0.0.1:${port}/FREEPDB1; nothing ran.` });
    await connector.close();
  });
});

describe('cancelling a run while the Oracle pool opens a session (driver stand-in)', () => {
  it('ends the run at once, gives the session that opens later back to the pool unused, and the next run works', async () => {
    const fake = fakeOracle((sql) => (sql.startsWith('select') ? { metaData: [{ name: 'N', dbTypeName: 'NUMBER' }], rows: [['1']] } : {}));
    let open!: () => void;
    fake.connectGate = new Promise<void>((resolve) => (open = resolve));
    const connector = await openOracle(configFor(1521), { driver: fake.driver });
    try {
      const cancel = new AbortController();
      const first = connector.stream(request(cancel.signal), sink).catch((e: unknown) => e);
      await expect.poll(() => fake.log).toContain('connecting');
      cancel.abort();
      expect(await first).toMatchObject({ code: 'cancelled', message: 'The run was cancelled while it waited for a connection to Oracle at 127.0.0.1:1521/FREEPDB1; nothing ran.' });

      open();
      await expect.poll(() => fake.log).toContain('release #1');
      // Only the session setup ran on it: nothing of the cancelled run's.
      expect(fake.executed.map((e) => e.sql)).toEqual([SESSION_SETUP]);

      fake.connectGate = null;
      const rows: Cell[][] = [];
      expect(await connector.stream(request(new AbortController().signal), { columns: () => undefined, rows: async (b) => void rows.push(...(b as Cell[][])) })).toMatchObject({ rowCount: 1 });
      expect(rows).toHaveLength(1);
    } finally {
      await connector.close();
    }
  });

  it('closes the pool once a session abandoned at shutdown has opened, without close() waiting for it', async () => {
    const fake = fakeOracle();
    let open!: () => void;
    fake.connectGate = new Promise<void>((resolve) => (open = resolve));
    const connector = await openOracle(configFor(1521), { driver: fake.driver });
    const cancel = new AbortController();
    const first = connector.stream(request(cancel.signal), sink).catch((e: unknown) => e);
    await expect.poll(() => fake.log).toContain('connecting');
    cancel.abort();
    expect(await first).toMatchObject({ code: 'cancelled' });
    await connector.close(); // resolves while the session is still opening
    expect(fake.log.some((l) => l.startsWith('closePool'))).toBe(false);
    open();
    await expect.poll(() => fake.log).toContain('closePool 5');
    expect(fake.log).toContain('release #1');
  });
});
