/**
 * The real node-oracledb (thin mode) without a database: its failure paths must reach the user as a
 * clear `unavailable` naming Oracle and the target, quickly; and the DATE bind encoding this connector
 * relies on is checked against the driver's own encoder.
 */
import { createRequire } from 'node:module';
import { misbehavingPorts } from '../../testing/loopbackPorts';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatementRequest } from '../types';
import { wallClock } from './binds';
import type { OracleConnectionConfig } from './config';
import { openOracle } from './index';

const ports = misbehavingPorts();
afterAll(() => ports.closeAll());
const listener = ports.listener;

function configFor(port: number): OracleConnectionConfig {
  return { kind: 'oracle', connectString: `127.0.0.1:${port}/FREEPDB1`, read: { user: 'opsbook_ro', password: 'not-a-real-secret' }, poolMax: 1, connectTimeoutMs: 1000 };
}

const request: StatementRequest = { text: 'select 1 from dual', binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 2000, maxRows: 10 };
const sink = { columns: () => undefined, rows: async () => undefined };

describe('node-oracledb failure paths', () => {
  it('says clearly and quickly that nothing listens on the port', async () => {
    const port = await listener('refuse');
    const connector = await openOracle(configFor(port));
    const started = Date.now();
    const error = await connector.stream(request, sink).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'unavailable',
      engineCode: 'NJS-503',
      message: expect.stringMatching(new RegExp(`^Cannot connect to Oracle at 127\\.0\\.0\\.1:${port}/FREEPDB1: .*ECONNREFUSED`)),
      hint: expect.stringMatching(/listener/),
    });
    expect(JSON.stringify(error)).not.toMatch(/not-a-real-secret/);
    expect(Date.now() - started).toBeLessThan(3000);
    await connector.close();
  });

  it('gives up on a silent listener after the connect timeout', async () => {
    const port = await listener('silent');
    const connector = await openOracle(configFor(port));
    const started = Date.now();
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable', engineCode: 'NJS-510', message: expect.stringMatching(/timed out/) });
    expect(Date.now() - started).toBeLessThan(4000);
    await connector.close();
  });

  it('reports a listener that hangs up, and tries again on the next run', async () => {
    const port = await listener('hang-up');
    const connector = await openOracle(configFor(port));
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^Cannot connect to Oracle.*(closed|end-of-file)/) });
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable' });
    const started = Date.now();
    await connector.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a write without a write profile before touching the network', async () => {
    const connector = await openOracle(configFor(1));
    await expect(connector.stream({ ...request, text: 'delete from t', mode: 'write' }, sink)).rejects.toMatchObject({ code: 'forbidden' });
    await connector.close();
  });
});

describe('DATE binds through the driver encoder', () => {
  it('encodes the wall-clock time asked for, even in a DST gap of the process time zone', () => {
    // Internal modules of node-oracledb 26: if they move, this test fails loudly rather than the encoding silently.
    const require = createRequire(import.meta.url);
    const { GrowableBuffer } = require('oracledb/lib/impl/datahandlers/buffer.js') as { GrowableBuffer: new () => { buf: Buffer; pos: number; writeOracleDate(d: Date, t: unknown): void } };
    const { DB_TYPE_DATE } = require('oracledb/lib/types.js') as { DB_TYPE_DATE: unknown };
    const previous = process.env.TZ;
    process.env.TZ = 'Europe/Berlin';
    try {
      const encode = (d: Date) => {
        const b = new GrowableBuffer();
        b.writeOracleDate(d, DB_TYPE_DATE);
        return [...b.buf.subarray(0, b.pos)];
      };
      // length 7; century+100, year+100, month, day, hour+1, minute+1, second+1
      expect(encode(wallClock('2026-03-29 02:30:00'))).toEqual([7, 120, 126, 3, 29, 3, 31, 1]);
      expect(encode(new Date(2026, 2, 29, 2, 30, 0))).toEqual([7, 120, 126, 3, 29, 4, 31, 1]); // what a local Date would have sent
      expect(encode(wallClock('2026-11-08'))).toEqual([7, 120, 126, 11, 8, 1, 1, 1]);
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });
});

describe('node-oracledb against a peer that is not an Oracle listener, or dies mid-packet', () => {
  it('answered with text that is no TNS: unavailable, naming the target, and the next run tries again', async () => {
    const port = await listener('garbage');
    const connector = await openOracle(configFor(port));
    const first = await connector.stream(request, sink).catch((e: unknown) => e);
    expect(first, JSON.stringify(first)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(new RegExp(`^Cannot connect to Oracle at 127\\.0\\.0\\.1:${port}/FREEPDB1: `)) });
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable' });
    await connector.close();
  });

  it('cut in the middle of the listener\'s answer: unavailable, naming the target, and the next run tries again', async () => {
    // A TNS header (an ACCEPT packet, type 2) announcing 64 bytes, then 4 of them and the end of the connection.
    const port = await listener({ cutAfter: Buffer.from([0x00, 0x40, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x3d, 0x00, 0x00]) });
    const connector = await openOracle(configFor(port));
    const first = await connector.stream(request, sink).catch((e: unknown) => e);
    expect(first, JSON.stringify(first)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(new RegExp(`^Cannot connect to Oracle at 127\\.0\\.0\\.1:${port}/FREEPDB1: `)) });
    await expect(connector.stream(request, sink)).rejects.toMatchObject({ code: 'unavailable' });
    await connector.close();
  });
});
