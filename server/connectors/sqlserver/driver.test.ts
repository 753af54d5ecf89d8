/**
 * The real mssql on tedious 19 without a server: its failure paths must reach the user as a clear
 * `unavailable` naming SQL Server and the target, quickly.
 */
import { misbehavingPorts } from '../../testing/loopbackPorts';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatementRequest } from '../types';
import type { SqlServerConnectionConfig } from './config';
import { openSqlServer } from './index';

const ports = misbehavingPorts();
afterAll(() => ports.closeAll());
const listener = ports.listener;

function configFor(port: number): SqlServerConnectionConfig {
  return {
    kind: 'sqlserver', server: '127.0.0.1', port, database: 'cdm', encrypt: false, trustServerCertificate: false,
    read: { user: 'opsbook_ro', password: 'not-a-real-secret' }, poolMax: 1, connectTimeoutMs: 1000, readIsolation: 'read_committed', readOnlyIntent: false,
  };
}

const request: StatementRequest = { text: 'select 1', binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 2000, maxRows: 10 };
const sink = { columns: () => undefined, rows: async () => undefined };

describe('mssql failure paths', () => {
  it('says clearly and quickly that nothing listens on the port', async () => {
    const port = await listener('refuse');
    const connector = await openSqlServer(configFor(port));
    const started = Date.now();
    const error = await connector.stream(request, sink).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', engineCode: 'ESOCKET', message: expect.stringMatching(new RegExp(`^Cannot connect to SQL Server at 127\\.0\\.0\\.1:${port}/cdm: Failed to connect`)), hint: expect.stringMatching(/TCP/) });
    expect(JSON.stringify(error)).not.toMatch(/not-a-real-secret/);
    expect(Date.now() - started).toBeLessThan(3000);
    await connector.close();
  });

  it('gives up on a silent listener after the connect timeout', async () => {
    const port = await listener('silent');
    const connector = await openSqlServer(configFor(port));
    const started = Date.now();
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable', engineCode: 'ETIMEOUT', message: expect.stringMatching(/in 1000ms/) });
    expect(Date.now() - started).toBeLessThan(4000);
    await connector.close();
  });

  it('reports a listener that hangs up, tries again on the next run, and closes at once', async () => {
    const port = await listener('hang-up');
    const connector = await openSqlServer(configFor(port));
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^Cannot connect to SQL Server.*(lost|hang up|closed)/i) });
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable' });
    const started = Date.now();
    await connector.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a write without a write profile before touching the network', async () => {
    const connector = await openSqlServer(configFor(1));
    await expect(connector.stream({ ...request, text: 'delete from t', mode: 'write' }, sink)).rejects.toMatchObject({ code: 'forbidden' });
    await connector.close();
  });
});

describe('mssql against a peer that is not SQL Server, or dies mid-packet', () => {
  it('answered with text that is no TDS: unavailable, naming the target, and the next run tries again', async () => {
    const port = await listener('garbage');
    const connector = await openSqlServer(configFor(port));
    const first = await connector.stream(request, sink).catch((e: unknown) => e);
    expect(first, JSON.stringify(first)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(new RegExp(`^Cannot connect to SQL Server at 127\\.0\\.0\\.1:${port}/cdm: `)) });
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable' });
    await connector.close();
  });

  it('cut in the middle of the pre-login answer: unavailable, naming the target, and the next run tries again', async () => {
    // A TDS header (type 4, tabular result) announcing 48 bytes, then 4 of them and the end of the connection.
    const port = await listener({ cutAfter: Buffer.from([0x04, 0x01, 0x00, 0x30, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a, 0x00]) });
    const connector = await openSqlServer(configFor(port));
    const first = await connector.stream(request, sink).catch((e: unknown) => e);
    expect(first, JSON.stringify(first)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(new RegExp(`^Cannot connect to SQL Server at 127\\.0\\.0\\.1:${port}/cdm: `)) });
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable' });
    await connector.close();
  });
});
