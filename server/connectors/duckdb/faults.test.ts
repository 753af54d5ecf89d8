/**
 * DuckDB runs stop through the connection's interrupt — on abort, on timeout, and when the server closes
 * the connector under a running query (shutdown) — and the connector keeps working after each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cell } from '../../protocol';
import type { SqlConnector, StatementRequest } from '../types';
import { openDuckDB } from './index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-duckfault-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Seconds of work at the least on any machine; every test stops it long before it ends.
const ENDLESS = 'select count(*) from range(100000000000) a';

function run(connector: SqlConnector, text: string, over: Partial<StatementRequest> = {}) {
  const rows: Cell[][] = [];
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const outcome = connector.stream(
    { text, binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 600_000, maxRows: 100, ...over },
    { columns: () => undefined, rows: async (b) => void (started(), rows.length < 10 && rows.push(...(b as Cell[][]))) },
  );
  return { outcome, rows, running };
}

describe('DuckDB interrupts', () => {
  it('stops a running query on abort and runs the next one', async () => {
    const connector = await openDuckDB({ file: path.join(dir, 'abort.duckdb') });
    try {
      const controller = new AbortController();
      const r = run(connector, ENDLESS, { signal: controller.signal });
      setImmediate(() => controller.abort());
      await expect(r.outcome).rejects.toMatchObject({ code: 'cancelled' });
      const next = run(connector, 'select 42');
      await next.outcome;
      expect(next.rows).toEqual([[42]]);
    } finally {
      await connector.close();
    }
  });

  it('stops a running query at the timeout', async () => {
    const connector = await openDuckDB({ file: path.join(dir, 'timeout.duckdb') });
    try {
      await expect(run(connector, ENDLESS, { timeoutMs: 50 }).outcome).rejects.toMatchObject({ code: 'timeout' });
    } finally {
      await connector.close();
    }
  });

  it('closing the connector under a running query ends the run instead of leaving it hanging', async () => {
    const connector = await openDuckDB({ file: path.join(dir, 'close.duckdb') });
    // Streams rows without end: the first batch proves the query is in flight when the connector closes.
    const r = run(connector, 'select i from range(100000000000) t(i)', { maxRows: Number.MAX_SAFE_INTEGER });
    r.outcome.catch(() => undefined);
    await r.running;
    await connector.close();
    // Before the fix the connection was closed under the query: this promise never settled (test timeout).
    await expect(r.outcome).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('DuckDB and process exit', () => {
  it('a process that closes the connector under a running query still exits', async () => {
    const { execFile } = await import('node:child_process');
    const script = path.join(__dirname, 'testing', 'exitUnderQuery.ts');
    const tsx = path.resolve(__dirname, '../../../node_modules/.bin/tsx');
    // The 25 s kill is only a failure guard: before the fix exit() hung in native teardown for good.
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(tsx, [script, path.join(dir, 'exit.duckdb')], { timeout: 25_000, killSignal: 'SIGKILL' }, (_error, stdout) => resolve({ code: child.exitCode, stdout }));
    });
    expect(result.stdout).toMatch(/run ended: (cancelled|unavailable)/);
    expect(result.code).toBe(0);
  });
});
