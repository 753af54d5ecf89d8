/**
 * The embedded store's audit lane (auditLane.ts): a record is durable when `appendAudit` resolves — it is there
 * after the process is killed at that very moment — and the store's main connection sees it at once (a run's
 * completion updates it there). Ordering only: nothing here depends on how long anything takes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../api';
import { openDuckDBStore } from './duckdbStore';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-audit-lane-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const open = (id: string): AuditRecord => ({
  id, at: '2026-12-02T08:00:00.000Z', kind: 'run', user: 'dana', roles: ['service-team'], snippet: 'rb/x', sha256: 'b'.repeat(64), runbook: 'rb', step: 's',
  env: 'demo', params: { n: 1 }, approval: null, runId: id, startedAt: '2026-12-02T08:00:00.000Z', endedAt: null, status: 'running', rowCount: null, check: null,
  errorCode: null, detail: null, rowsAffected: null, dryRun: false, instance: 'lane-test',
});

/** A child process that appends one record, says so on stdout, and then waits to be killed. */
const CHILD = `
import { openDuckDBStore } from ${JSON.stringify(path.join(__dirname, 'duckdbStore.ts'))};
const store = await openDuckDBStore(process.argv.at(-2)!);
await store.appendAudit(JSON.parse(process.argv.at(-1)!));
process.stdout.write('appended\\n');
setInterval(() => undefined, 1000);
`;

describe('the embedded store appending audit records on its own connection', () => {
  it('has the record on disk once the append resolves: killed right then, the next start reads it', async () => {
    const file = path.join(dir, 'killed.duckdb');
    const record = open('run-killed');
    const script = path.join(dir, 'appendThenWait.mts');
    fs.writeFileSync(script, CHILD);
    const child = spawn(process.execPath, ['--import', 'tsx', script, file, JSON.stringify(record)], { cwd: path.join(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (!d.toString().includes('appended')) return;
        child.kill('SIGKILL');
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before appending`)));
    });
    expect(await exited).toBe('SIGKILL');
    const store = await openDuckDBStore(file);
    try {
      expect((await store.queryAudit({ limit: 10, offset: 0 })).records).toEqual([record]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("completes on the main connection what the lane appended, and refuses a second record with the same id", async () => {
    const store = await openDuckDBStore(path.join(dir, 'ordering.duckdb'));
    try {
      // Main-connection work queued at the same moment does not hold the append back, nor hide it.
      const history = store.queryAudit({ limit: 10, offset: 0 });
      await store.appendAudit(open('run-1'));
      await history;
      expect(await store.completeAudit({ ...open('run-1'), status: 'succeeded', endedAt: '2026-12-02T08:00:01.000Z', rowCount: 3 })).toBe(true);
      await expect(store.appendAudit(open('run-1'))).rejects.toThrow();
      // The lane is usable after a refused record.
      await store.appendAudit(open('run-2'));
      const records = (await store.queryAudit({ limit: 10, offset: 0 })).records;
      expect(records.map((r) => [r.id, r.status]).sort()).toEqual([['run-1', 'succeeded'], ['run-2', 'running']]);
    } finally {
      await store.close();
    }
  });
});
