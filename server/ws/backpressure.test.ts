import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { parseConfig } from '../config';
import { createConnectorRegistry, type ConnectorRegistry } from '../connectors/registry';
import { memoryAuditSink } from '../execution/audit';
import { staticManifestStore } from '../execution/manifestStore';
import { DEMO_OPERATOR } from '../identity';
import type { ServerMessage } from '../protocol';
import { makeManifest } from '../testing/harness';
import { attachSession } from './session';
import { ApprovalHub, UserRunCounter } from '../events';

/**
 * A socket whose network is "stuck": frames are accepted but their write callbacks are held, and
 * bufferedAmount stays over the high-water mark, as with a client that stopped reading.
 */
class StuckSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: ServerMessage[] = [];
  private held: (() => void)[] = [];
  send(data: string | Buffer, optionsOrCb?: object | (() => void), cb?: () => void): void {
    this.sent.push(JSON.parse(data.toString()) as ServerMessage);
    this.bufferedAmount += data.length;
    const callback = (typeof optionsOrCb === 'function' ? optionsOrCb : cb) as (() => void) | undefined;
    if (callback) this.held.push(callback);
  }
  release(): void {
    this.bufferedAmount = 0;
    for (const cb of this.held.splice(0)) cb();
  }
  ping(): void {}
  terminate(): void {}
}

let dir: string;
let connectors: ConnectorRegistry;
const manifest = makeManifest({ 'b/big': { text: 'select i, i * 2 as j from range(100000) t(i)' } });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bp-'));
});
afterAll(async () => {
  await connectors.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('backpressure', () => {
  it('stops reading the cursor while the socket is over its high-water mark, and resumes when it drains', async () => {
    const config = parseConfig(
      `environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(path.join(dir, 'w.duckdb'))}}\nlimits: {rowsPerRun: 100000, socketHighWaterBytes: 1000}\n`,
      'test.yaml',
    );
    connectors = createConnectorRegistry(config, dir);
    const socket = new StuckSocket();
    attachSession(socket as unknown as WebSocket, DEMO_OPERATOR, { config, manifest: staticManifestStore(manifest), connectors, audit: memoryAuditSink(), approvals: null }, { hub: new ApprovalHub(), userRuns: new UserRunCounter() });
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'run', id: 'r1', snippet: 'b/big', sha256: manifest.snippets['b/big']!.sha256, env: 'demo', params: {} })), false);

    const rowBatches = () => socket.sent.filter((m) => m.type === 'rows').length;
    await expect.poll(rowBatches).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(rowBatches()).toBe(1); // nothing more was read while the client is stuck

    // Drain repeatedly, as a client that reads slowly would; the run must then complete.
    const drain = setInterval(() => socket.release(), 5);
    await expect.poll(() => socket.sent.find((m) => m.type === 'done'), { timeout: 20_000 }).toMatchObject({ status: 'succeeded', rowCount: 100000 });
    clearInterval(drain);
    expect(rowBatches()).toBeGreaterThan(40);
    socket.emit('close');
  });
});
